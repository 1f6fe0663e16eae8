//! OpenStreetMap PBF extracts: the ways a pedestrian may use, as lines of shared vertices
//! (ways connect where they share node ids), with the layer each way is on.

use std::path::Path;

use rayon::prelude::*;

use super::streets::LineLayer;
use crate::error::{Error, Result};

/// The tags of a way that decide whether and on which layer a pedestrian may use it.
#[derive(Default)]
struct WayTags<'a> {
    highway: Option<&'a str>,
    foot: Option<&'a str>,
    access: Option<&'a str>,
    layer: Option<&'a str>,
    bridge: Option<&'a str>,
    tunnel: Option<&'a str>,
}

impl<'a> WayTags<'a> {
    fn of(tags: impl Iterator<Item = (&'a str, &'a str)>) -> WayTags<'a> {
        let mut t = WayTags::default();
        for (k, v) in tags {
            match k {
                "highway" => t.highway = Some(v),
                "foot" => t.foot = Some(v),
                "access" => t.access = Some(v),
                "layer" => t.layer = Some(v),
                "bridge" => t.bridge = Some(v),
                "tunnel" => t.tunnel = Some(v),
                _ => {}
            }
        }
        t
    }

    /// Whether a pedestrian may walk the way. `area=yes` outlines (squares, plazas) are kept:
    /// walking around their edge is a fair stand-in for crossing them.
    fn walkable(&self) -> bool {
        let foot_allowed = matches!(self.foot, Some("yes" | "designated" | "permissive"));
        if matches!(self.foot, Some("no" | "private")) {
            return false;
        }
        if matches!(self.access, Some("private" | "no")) && !foot_allowed {
            return false;
        }
        match self.highway {
            Some(
                "footway" | "pedestrian" | "path" | "steps" | "living_street" | "residential"
                | "service" | "unclassified" | "tertiary" | "tertiary_link" | "secondary"
                | "secondary_link" | "primary" | "primary_link" | "track" | "corridor",
            ) => true,
            Some("trunk" | "trunk_link" | "cycleway" | "bridleway") => foot_allowed,
            _ => false,
        }
    }

    /// The way's layer: `layer=*` when it is an integer, else 1 for bridges, -1 for tunnels.
    fn layer(&self) -> i32 {
        if let Some(l) = self.layer.and_then(|l| l.trim().parse::<i32>().ok()) {
            return l;
        }
        if self.bridge.is_some_and(|b| b != "no") {
            1
        } else if self
            .tunnel
            .is_some_and(|t| t != "no" && t != "building_passage")
        {
            -1
        } else {
            0
        }
    }
}

/// What one PBF block contributes: node positions (id, decimicro lat, lon) and walkable ways.
#[derive(Default)]
struct Block {
    nodes: Vec<(i64, i32, i32)>,
    ways: Vec<(i32, Vec<i64>)>,
}

/// Refuses nodes outside ±90° latitude or ±180° longitude: only a corrupt file has them
/// (osmpbf's arithmetic wraps on such input in release builds, so this is where garbage
/// positions are caught instead of being projected).
fn check_node_positions(path: &Path, nodes: &[(i64, i32, i32)]) -> Result<()> {
    const MAX_LAT: i32 = 900_000_000;
    const MAX_LON: i32 = 1_800_000_000;
    match nodes.iter().find(|&&(_, lat, lon)| {
        !(-MAX_LAT..=MAX_LAT).contains(&lat) || !(-MAX_LON..=MAX_LON).contains(&lon)
    }) {
        Some(&(id, lat, lon)) => Err(Error::Format {
            path: path.to_path_buf(),
            message: format!(
                "corrupt OpenStreetMap PBF: node {id} lies at latitude {}, longitude {} \
                 (outside ±90°/±180°)",
                f64::from(lat) * 1e-7,
                f64::from(lon) * 1e-7
            ),
        }),
        None => Ok(()),
    }
}

/// Reads the walkable ways of an extract. Blobs are decoded in parallel but collected in file
/// order, so ways keep their order.
pub(crate) fn read_pbf(path: &Path) -> Result<LineLayer> {
    let blocks = decode_blocks(path)?;
    let mut nodes: Vec<(i64, i32, i32)> =
        Vec::with_capacity(blocks.iter().map(|b| b.nodes.len()).sum());
    for b in &blocks {
        nodes.extend_from_slice(&b.nodes);
    }
    nodes.sort_unstable_by_key(|n| n.0);
    check_node_positions(path, &nodes)?;
    let out = join_ways(&nodes, blocks.into_iter().flat_map(|b| b.ways));
    if out.lines.is_empty() {
        return Err(Error::EmptyLayer {
            path: path.to_path_buf(),
            message: "no walkable ways in the extract (highway=footway, path, steps, \
                      pedestrian, residential, service, ... without foot=no or access=private)"
                .into(),
        });
    }
    Ok(out)
}

/// Every block of the file, decoded in parallel, in file order.
fn decode_blocks(path: &Path) -> Result<Vec<Block>> {
    use osmpbf::{BlobDecode, BlobReader, Element};
    let corrupt = |e: osmpbf::Error| Error::Format {
        path: path.to_path_buf(),
        message: format!("corrupt OpenStreetMap PBF: {e}"),
    };
    let blobs = BlobReader::from_path(path)
        .map_err(|e| Error::io(path, std::io::Error::other(e.to_string())))?
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(corrupt)?;
    blobs
        .par_iter()
        .map(|blob| {
            let mut out = Block::default();
            if let BlobDecode::OsmData(block) = blob.decode()? {
                for el in block.elements() {
                    match el {
                        Element::Node(n) => {
                            out.nodes
                                .push((n.id(), n.decimicro_lat(), n.decimicro_lon()));
                        }
                        Element::DenseNode(n) => {
                            out.nodes
                                .push((n.id(), n.decimicro_lat(), n.decimicro_lon()));
                        }
                        Element::Way(w) => {
                            let tags = WayTags::of(w.tags());
                            if tags.walkable() {
                                out.ways.push((tags.layer(), w.refs().collect()));
                            }
                        }
                        Element::Relation(_) => {}
                    }
                }
            }
            Ok(out)
        })
        .collect::<std::result::Result<Vec<_>, osmpbf::Error>>()
        .map_err(corrupt)
}

/// The ways as lines over the nodes they use (`nodes` sorted by id), each node once, in
/// order of first use.
fn join_ways(nodes: &[(i64, i32, i32)], ways: impl Iterator<Item = (i32, Vec<i64>)>) -> LineLayer {
    let mut point_of = vec![u32::MAX; nodes.len()];
    let mut out = LineLayer::default();
    for (layer, refs) in ways {
        // A node missing from the extract (a way clipped at its edge) splits the way there.
        let mut line: Vec<u32> = Vec::with_capacity(refs.len());
        for id in refs.iter().copied().map(Some).chain([None]) {
            let found = id.and_then(|id| nodes.binary_search_by_key(&id, |n| n.0).ok());
            match found {
                Some(k) => {
                    if point_of[k] == u32::MAX {
                        let (_, lat, lon) = nodes[k];
                        point_of[k] = out.lonlat.len() as u32;
                        out.lonlat.push([lon as f64 * 1e-7, lat as f64 * 1e-7]);
                    }
                    line.push(point_of[k]);
                }
                None => {
                    if line.len() >= 2 {
                        out.lines.push(std::mem::take(&mut line));
                        out.layers.push(layer);
                    }
                    line.clear();
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osm_access_rules() {
        let t = |tags: &[(&'static str, &'static str)]| WayTags::of(tags.iter().copied());
        assert!(t(&[("highway", "footway")]).walkable());
        assert!(t(&[("highway", "cycleway"), ("foot", "designated")]).walkable());
        assert!(!t(&[("highway", "cycleway")]).walkable());
        assert!(!t(&[("highway", "residential"), ("access", "private")]).walkable());
        assert!(t(&[("highway", "service"), ("access", "no"), ("foot", "yes")]).walkable());
        assert!(!t(&[("highway", "path"), ("foot", "no")]).walkable());
        assert!(t(&[("highway", "pedestrian"), ("area", "yes")]).walkable());
        assert!(!t(&[("highway", "motorway"), ("foot", "yes")]).walkable());
        assert!(!t(&[("railway", "rail")]).walkable());
        assert_eq!(t(&[("bridge", "viaduct")]).layer(), 1);
        assert_eq!(t(&[("tunnel", "yes"), ("layer", "-2")]).layer(), -2);
        assert_eq!(t(&[("tunnel", "building_passage")]).layer(), 0);
        assert_eq!(t(&[("layer", "1;2")]).layer(), 0);
    }
}
