//! Reading an input file whole, with one clear message for the two mistakes people make
//! most: a path that does not exist, and a directory where a file was meant.

use std::ops::Deref;
use std::path::Path;

use crate::error::{Error, Result};

/// An input file's bytes: mapped from the page cache, or read into memory.
///
/// Mapping is what makes a city-scale read fast on virtual machines: read into fresh memory,
/// a 193 MB layer first had 193 MB of new pages faulted in and zeroed, which took one core
/// 0.3 s here before parsing could start; mapped, the parse reads the page cache's own pages.
pub enum InputBytes {
    /// Read into memory (small files, files that cannot be mapped, bytes given by a caller).
    Read(Vec<u8>),
    /// Mapped read-only.
    Mapped(memmap2::Mmap),
}

impl Deref for InputBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            InputBytes::Read(v) => v,
            InputBytes::Mapped(m) => m,
        }
    }
}

impl From<Vec<u8>> for InputBytes {
    fn from(bytes: Vec<u8>) -> Self {
        InputBytes::Read(bytes)
    }
}

impl InputBytes {
    /// The bytes as a vector (copied when mapped).
    pub fn into_vec(self) -> Vec<u8> {
        match self {
            InputBytes::Read(v) => v,
            InputBytes::Mapped(m) => m.to_vec(),
        }
    }

    /// Drops the bytes, on another thread when there are many: unmapping (or freeing)
    /// hundreds of megabytes need not hold up the run.
    pub(crate) fn release(self) {
        if self.len() >= 32 << 20 {
            std::thread::spawn(move || drop(self));
        }
    }
}

impl std::fmt::Debug for InputBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let how = match self {
            InputBytes::Read(_) => "read",
            InputBytes::Mapped(_) => "mapped",
        };
        write!(f, "InputBytes({} bytes, {how})", self.len())
    }
}

/// The bytes of the input file `path` (of `FILE.gpkg` for a GeoPackage layer named as
/// `FILE.gpkg:LAYER`).
///
/// # Errors
/// [`Error::NotAFile`] for a directory, [`Error::Io`] when the file is missing or unreadable.
pub fn read_input(path: &Path) -> Result<InputBytes> {
    if let Some((file, _)) = super::layer::split_gpkg_layer(path) {
        return read_input(&file);
    }
    if path.is_dir() {
        return Err(Error::NotAFile {
            path: path.to_path_buf(),
        });
    }
    read_whole(path, MAP_BYTES).map_err(|e| Error::io(path, e))
}

/// Regular files from this size on are mapped.
const MAP_BYTES: u64 = 1 << 20;

/// Reads a file whole: a regular file of `map_from` bytes or more is mapped; anything else
/// (small files, pipes, a mapping the system refuses) is read.
fn read_whole(path: &Path, map_from: u64) -> std::io::Result<InputBytes> {
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if meta.is_file()
        && meta.len() >= map_from
        && usize::try_from(meta.len()).is_ok()
        && let Some(mapped) = map(&file)
    {
        return Ok(InputBytes::Mapped(mapped));
    }
    std::fs::read(path).map(InputBytes::Read)
}

/// `file` mapped read-only, `None` when the system refuses.
#[allow(unsafe_code)]
fn map(file: &std::fs::File) -> Option<memmap2::Mmap> {
    // SAFETY: the mapping is private and read-only, and nothing in this process writes the
    // file (outputs are written to new files and renamed into place, so even an output named
    // like its input leaves the mapped file as it was). Another process truncating the file
    // while it is read would end this one with SIGBUS: the risk every mapping reader (GDAL,
    // ripgrep) takes for not copying the file first.
    unsafe { memmap2::Mmap::map(file) }.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_and_read_files_give_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.geojson");
        for len in [0usize, 1, 4095, 1_000_003] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7 + i / 251) as u8).collect();
            std::fs::write(&path, &bytes).unwrap();
            let mapped = read_whole(&path, 1).unwrap();
            let read = read_whole(&path, u64::MAX).unwrap();
            assert!(matches!(read, InputBytes::Read(_)), "{read:?}");
            // An empty file cannot be mapped: it is read.
            assert_eq!(
                matches!(mapped, InputBytes::Mapped(_)),
                len > 0,
                "{mapped:?}"
            );
            assert!(*mapped == *bytes && *read == *bytes, "{len} bytes");
            assert_eq!(mapped.into_vec(), bytes);
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
