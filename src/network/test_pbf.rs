//! A minimal OpenStreetMap PBF writer for tests (osmpbf only reads): protobuf by hand, raw
//! (uncompressed) blobs, plain and dense nodes, and ways with tags.

/// A way to write: id, node refs and tags.
pub(crate) struct PbfWay {
    id: i64,
    refs: Vec<i64>,
    tags: Vec<(String, String)>,
}

impl PbfWay {
    pub(crate) fn new(id: i64, refs: &[i64], tags: &[(&str, &str)]) -> PbfWay {
        PbfWay {
            id,
            refs: refs.to_vec(),
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn key(out: &mut Vec<u8>, field: u32, wire: u8) {
    varint(out, ((field as u64) << 3) | wire as u64);
}

fn bytes_field(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    key(out, field, 2);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn int_field(out: &mut Vec<u8>, field: u32, v: u64) {
    key(out, field, 0);
    varint(out, v);
}

fn packed(out: &mut Vec<u8>, field: u32, values: impl IntoIterator<Item = u64>) {
    let mut body = Vec::new();
    for v in values {
        varint(&mut body, v);
    }
    bytes_field(out, field, &body);
}

/// One file block: BlobHeader length, BlobHeader, Blob with the raw message.
fn blob(out: &mut Vec<u8>, kind: &str, message: &[u8]) {
    let mut b = Vec::new();
    bytes_field(&mut b, 1, message);
    int_field(&mut b, 2, message.len() as u64);
    let mut h = Vec::new();
    bytes_field(&mut h, 1, kind.as_bytes());
    int_field(&mut h, 3, b.len() as u64);
    out.extend_from_slice(&(h.len() as u32).to_be_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(&b);
}

/// A PBF with the nodes `(id, lon, lat)` (first half as plain nodes, the rest dense) in one
/// block and the ways in another, at the default granularity of 100 nanodegrees.
pub(crate) fn write_pbf(nodes: &[(i64, f64, f64)], ways: &[PbfWay]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut header = Vec::new();
    bytes_field(&mut header, 4, b"OsmSchema-V0.6");
    bytes_field(&mut header, 4, b"DenseNodes");
    bytes_field(&mut header, 16, b"circleplan tests");
    blob(&mut out, "OSMHeader", &header);

    let units = |deg: f64| (deg * 1e7).round() as i64;
    let (plain, dense) = nodes.split_at(nodes.len() / 2);
    let mut group = Vec::new();
    for &(id, lon, lat) in plain {
        let mut n = Vec::new();
        int_field(&mut n, 1, zigzag(id));
        int_field(&mut n, 8, zigzag(units(lat)));
        int_field(&mut n, 9, zigzag(units(lon)));
        bytes_field(&mut group, 1, &n);
    }
    let mut d = Vec::new();
    let delta = |vals: Vec<i64>| {
        let mut prev = 0;
        vals.into_iter()
            .map(move |v| {
                let z = zigzag(v - prev);
                prev = v;
                z
            })
            .collect::<Vec<u64>>()
    };
    packed(&mut d, 1, delta(dense.iter().map(|n| n.0).collect()));
    packed(&mut d, 8, delta(dense.iter().map(|n| units(n.2)).collect()));
    packed(&mut d, 9, delta(dense.iter().map(|n| units(n.1)).collect()));
    bytes_field(&mut group, 2, &d);
    let mut block = Vec::new();
    bytes_field(&mut block, 1, &[]);
    bytes_field(&mut block, 2, &group);
    blob(&mut out, "OSMData", &block);

    let mut strings: Vec<String> = vec![String::new()];
    let mut string_id = |s: &str| match strings.iter().position(|t| t == s) {
        Some(i) => i as u64,
        None => {
            strings.push(s.to_string());
            (strings.len() - 1) as u64
        }
    };
    let mut group = Vec::new();
    for w in ways {
        let mut m = Vec::new();
        int_field(&mut m, 1, w.id as u64);
        let keys: Vec<u64> = w.tags.iter().map(|(k, _)| string_id(k)).collect();
        let vals: Vec<u64> = w.tags.iter().map(|(_, v)| string_id(v)).collect();
        packed(&mut m, 2, keys);
        packed(&mut m, 3, vals);
        packed(&mut m, 8, delta(w.refs.clone()));
        bytes_field(&mut group, 3, &m);
    }
    let mut table = Vec::new();
    for s in &strings {
        bytes_field(&mut table, 1, s.as_bytes());
    }
    let mut block = Vec::new();
    bytes_field(&mut block, 1, &table);
    bytes_field(&mut block, 2, &group);
    blob(&mut out, "OSMData", &block);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osmpbf_reads_what_we_write() {
        let bytes = write_pbf(
            &[(1, 7.42, 43.73), (2, 7.43, 43.74), (3, -0.5, -1.25)],
            &[PbfWay::new(9, &[1, 2, 3], &[("highway", "path")])],
        );
        let reader = osmpbf::ElementReader::new(&bytes[..]);
        let mut seen = Vec::new();
        reader
            .for_each(|el| match el {
                osmpbf::Element::Node(n) => seen.push(format!(
                    "n{} {} {}",
                    n.id(),
                    n.decimicro_lon(),
                    n.decimicro_lat()
                )),
                osmpbf::Element::DenseNode(n) => seen.push(format!(
                    "d{} {} {}",
                    n.id(),
                    n.decimicro_lon(),
                    n.decimicro_lat()
                )),
                osmpbf::Element::Way(w) => seen.push(format!(
                    "w{} {:?} {:?}",
                    w.id(),
                    w.refs().collect::<Vec<_>>(),
                    w.tags().collect::<Vec<_>>()
                )),
                osmpbf::Element::Relation(_) => {}
            })
            .unwrap();
        assert_eq!(
            seen,
            vec![
                "n1 74200000 437300000",
                "d2 74300000 437400000",
                "d3 -5000000 -12500000",
                "w9 [1, 2, 3] [(\"highway\", \"path\")]"
            ]
        );
    }
}
