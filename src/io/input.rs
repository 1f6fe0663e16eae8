//! Reading an input file whole, with one clear message for the two mistakes people make
//! most: a path that does not exist, and a directory where a file was meant.

use std::path::Path;

use crate::error::{Error, Result};

/// The bytes of the input file `path`.
///
/// # Errors
/// [`Error::NotAFile`] for a directory, [`Error::Io`] when the file is missing or unreadable.
pub fn read_input(path: &Path) -> Result<Vec<u8>> {
    if path.is_dir() {
        return Err(Error::NotAFile {
            path: path.to_path_buf(),
        });
    }
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

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
