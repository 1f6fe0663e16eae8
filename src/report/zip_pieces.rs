//! One zip entry deflated in parallel pieces, as pigz does: each piece is compressed on its
//! own and ends in a sync flush (byte-aligned, not final), the last in a final block, so the
//! pieces joined in order are one valid deflate stream. The entry is wrapped in a one-entry
//! archive for `ZipWriter::raw_copy_file` to copy into the package as it is.

use flate2::{Compress, Compression, FlushCompress, Status};

/// A piece of an entry's data, deflated.
pub(super) struct Piece {
    deflated: Vec<u8>,
    crc: crc32fast::Hasher,
    len: u64,
}

impl Piece {
    /// `bytes` deflated at `level` (0–9), closing the stream when `last`.
    pub(super) fn new(bytes: &[u8], level: u8, last: bool) -> Piece {
        let mut crc = crc32fast::Hasher::new();
        crc.update(bytes);
        Piece {
            deflated: deflate(bytes, level, last),
            crc,
            len: bytes.len() as u64,
        }
    }
}

/// Raw deflate of `bytes`, ending in a sync flush or, when `last`, the final block.
fn deflate(bytes: &[u8], level: u8, last: bool) -> Vec<u8> {
    let mut c = Compress::new(Compression::new(u32::from(level)), false);
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    let mut out = Vec::with_capacity(bytes.len() / 3 + 1024);
    loop {
        if out.len() == out.capacity() {
            out.reserve(out.capacity().max(4096));
        }
        let done = c.total_in() as usize;
        let status = (c.compress_vec(&bytes[done..], &mut out, flush))
            .expect("deflating into memory cannot fail");
        let all_in = c.total_in() as usize == bytes.len();
        // A flush is complete once all input is in and the output did not fill up.
        if status == Status::StreamEnd || (!last && all_in && out.len() < out.capacity()) {
            return out;
        }
    }
}

/// A zip archive holding one entry `name` whose data are `pieces` (the last one final),
/// stored as deflated, dated 1980-01-01 00:00 with Unix permissions 0600. `None` when the
/// entry would need Zip64 (4 GiB or more).
pub(super) fn one_entry_archive(name: &str, pieces: &[Piece]) -> Option<Vec<u8>> {
    let mut crc = crc32fast::Hasher::new();
    let (mut len, mut size) = (0u64, 0u64);
    for p in pieces {
        crc.combine(&p.crc);
        len += p.len;
        size += p.deflated.len() as u64;
    }
    let (len, size) = (u32::try_from(len).ok()?, u32::try_from(size).ok()?);
    let crc = crc.finalize();
    let name = name.as_bytes();
    let name_len = u16::try_from(name.len()).ok()?;
    // Version 2.0 (deflate), DOS date 1980-01-01 (day 1, month 1), time 00:00.
    let (version, method, time, date) = (20u16, 8u16, 0u16, (1 << 5) | 1);
    let mut out = Vec::with_capacity(size as usize + 2 * name.len() + 128);
    let u16s = |out: &mut Vec<u8>, v: &[u16]| v.iter().for_each(|x| out.extend(x.to_le_bytes()));
    let u32s = |out: &mut Vec<u8>, v: &[u32]| v.iter().for_each(|x| out.extend(x.to_le_bytes()));
    u32s(&mut out, &[0x0403_4b50]);
    u16s(&mut out, &[version, 0, method, time, date]);
    u32s(&mut out, &[crc, size, len]);
    u16s(&mut out, &[name_len, 0]);
    out.extend_from_slice(name);
    for p in pieces {
        out.extend_from_slice(&p.deflated);
    }
    let directory = out.len() as u32;
    u32s(&mut out, &[0x0201_4b50]);
    // Made by Unix (3), so the external attributes carry the file mode.
    u16s(
        &mut out,
        &[(3 << 8) | version, version, 0, method, time, date],
    );
    u32s(&mut out, &[crc, size, len]);
    u16s(&mut out, &[name_len, 0, 0, 0, 0]);
    u32s(&mut out, &[0o100_600 << 16, 0]);
    out.extend_from_slice(name);
    let directory_len = out.len() as u32 - directory;
    u32s(&mut out, &[0x0605_4b50]);
    u16s(&mut out, &[0, 0, 1, 1]);
    u32s(&mut out, &[directory_len, directory]);
    u16s(&mut out, &[0]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Read};

    /// Pieces of every kind (empty, tiny, incompressible, long and repetitive) joined into one
    /// entry read back whole by the zip crate, CRC checked.
    #[test]
    fn pieces_read_back_as_one_entry() {
        let mut rng = crate::rng::Rng::new(7);
        let noise: Vec<u8> = (0..70_000).map(|_| rng.below(256) as u8).collect();
        let text = "<row r=\"7\"><c r=\"A7\"><v>12</v></c></row>".repeat(20_000);
        let parts: Vec<&[u8]> = vec![b"", b"<x>", &noise, text.as_bytes(), b"", b"</x>"];
        let pieces: Vec<Piece> = (parts.iter().enumerate())
            .map(|(k, p)| Piece::new(p, 1, k + 1 == parts.len()))
            .collect();
        let archive = one_entry_archive("xl/worksheets/sheet3.xml", &pieces).unwrap();
        let mut zip = zip::ZipArchive::new(Cursor::new(archive)).unwrap();
        let mut entry = zip.by_index(0).unwrap();
        assert_eq!(entry.name().unwrap(), "xl/worksheets/sheet3.xml");
        assert_eq!(entry.unix_mode(), Some(0o100_600));
        let mut back = Vec::new();
        entry.read_to_end(&mut back).unwrap();
        assert_eq!(back, parts.concat());
        let deflated: usize = pieces.iter().map(|p| p.deflated.len()).sum();
        assert!(deflated < back.len() / 2, "{deflated} of {}", back.len());
    }
}
