//! Reading an input file whole, with one clear message for the two mistakes people make
//! most: a path that does not exist, and a directory where a file was meant.

use std::path::Path;

use crate::error::{Error, Result};

/// The bytes of the input file `path` (of `FILE.gpkg` for a GeoPackage layer named as
/// `FILE.gpkg:LAYER`).
///
/// # Errors
/// [`Error::NotAFile`] for a directory, [`Error::Io`] when the file is missing or unreadable.
pub fn read_input(path: &Path) -> Result<Vec<u8>> {
    if let Some((file, _)) = super::layer::split_gpkg_layer(path) {
        return read_input(&file);
    }
    if path.is_dir() {
        return Err(Error::NotAFile {
            path: path.to_path_buf(),
        });
    }
    read_whole(path, PARALLEL_READ_BYTES).map_err(|e| Error::io(path, e))
}

/// Files from this size on are read in parallel pieces.
const PARALLEL_READ_BYTES: u64 = 32 << 20;

/// Reads a file whole. Files of `parallel_from` bytes or more are read in pieces at once: copying
/// from the page cache and faulting in the fresh buffer's pages is then spread over the
/// cores instead of being a serial tenth of a second before parsing can start.
#[cfg(unix)]
fn read_whole(path: &Path, parallel_from: u64) -> std::io::Result<Vec<u8>> {
    use rayon::prelude::*;
    use std::os::unix::fs::FileExt;
    let file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let threads = rayon::current_num_threads() as u64;
    if len < parallel_from || threads < 2 || usize::try_from(len).is_err() {
        return std::fs::read(path);
    }
    let mut bytes = vec![0u8; len as usize];
    let piece = (len as usize).div_ceil(threads as usize * 4);
    bytes
        .par_chunks_mut(piece)
        .enumerate()
        .try_for_each(|(k, chunk)| file.read_exact_at(chunk, (k * piece) as u64))?;
    // A file that grew while being read is read again whole, the plain way.
    if file.metadata()?.len() != len {
        return std::fs::read(path);
    }
    Ok(bytes)
}

#[cfg(not(unix))]
fn read_whole(path: &Path, _parallel_from: u64) -> std::io::Result<Vec<u8>> {
    std::fs::read(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_read_at_once_join_into_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.geojson");
        for len in [0usize, 1, 4095, 1_000_003] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7 + i / 251) as u8).collect();
            std::fs::write(&path, &bytes).unwrap();
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(3)
                .build()
                .unwrap();
            let read = pool.install(|| read_whole(&path, 1)).unwrap();
            assert!(read == bytes, "{len} bytes");
        }
    }

    #[test]
    fn directories_and_missing_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let e = read_input(dir.path()).unwrap_err();
        assert!(matches!(e, Error::NotAFile { .. }), "{e}");
        assert!(e.to_string().contains("is a directory, not a file"), "{e}");
        let e = read_input(&dir.path().join("nope.csv")).unwrap_err();
        assert!(matches!(e, Error::Io { .. }), "{e}");
    }
}
