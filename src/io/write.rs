//! Atomic output: every file of a run is written to a temporary name and renamed into place
//! only when all of them are written, so an error never leaves a half-written result and an
//! input file is never overwritten. Big layers stream straight to disk.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Writes a file's content to a sink (for files too big to hold in memory).
pub type StreamFn<'a> = Box<dyn Fn(&mut dyn Write) -> std::io::Result<()> + 'a>;

enum Content<'a> {
    Bytes(Vec<u8>),
    Stream(StreamFn<'a>),
}

/// The files one command writes, committed together into one directory.
#[derive(Default)]
pub struct OutputSet<'a> {
    files: Vec<(String, Content<'a>)>,
}

impl std::fmt::Debug for OutputSet<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

impl<'a> OutputSet<'a> {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a file by name.
    pub fn add(&mut self, name: &str, bytes: Vec<u8>) {
        self.files.retain(|(n, _)| n != name);
        self.files.push((name.to_string(), Content::Bytes(bytes)));
    }

    /// Adds (or replaces) a file whose content `write` produces at commit time, so it never
    /// has to sit in memory whole.
    pub fn add_stream(&mut self, name: &str, write: StreamFn<'a>) {
        self.files.retain(|(n, _)| n != name);
        self.files.push((name.to_string(), Content::Stream(write)));
    }

    /// The file names, in the order added.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|(n, _)| n.as_str())
    }

    /// The bytes of a file added earlier with [`OutputSet::add`].
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, c)| match c {
                Content::Bytes(b) => Some(b.as_slice()),
                Content::Stream(_) => None,
            })
    }

    /// Writes every file into `dir` (created when missing). Each file goes to a temporary
    /// name first and is renamed into place; a file that would replace one of `inputs` is
    /// refused before anything is written. On failure nothing new is left behind.
    pub fn commit(&self, dir: &Path, inputs: &[&Path]) -> Result<Vec<PathBuf>> {
        let inputs: Vec<PathBuf> = inputs
            .iter()
            .filter_map(|p| std::fs::canonicalize(p).ok())
            .collect();
        // The outermost directory this commit creates: removed again on failure.
        let created_root: Option<PathBuf> = dir
            .ancestors()
            .take_while(|a| !a.as_os_str().is_empty() && !a.exists())
            .last()
            .map(Path::to_path_buf);
        let created = created_root.is_some();
        let cleanup = || {
            if let Some(root) = &created_root {
                let _ = std::fs::remove_dir_all(root);
            }
        };
        if !created && !dir.is_dir() {
            return Err(Error::Output {
                path: dir.to_path_buf(),
                message: "exists and is not a directory".into(),
            });
        }
        std::fs::create_dir_all(dir).map_err(|e| {
            cleanup();
            Error::Output {
                path: dir.to_path_buf(),
                message: format!("cannot create the output directory: {e}"),
            }
        })?;
        let canonical_dir = std::fs::canonicalize(dir).map_err(|e| Error::io(dir, e))?;
        for (name, _) in &self.files {
            let target = canonical_dir.join(name);
            if inputs.contains(&target) {
                cleanup();
                return Err(Error::Output {
                    path: dir.join(name),
                    message: "would overwrite an input file; choose another output directory"
                        .into(),
                });
            }
            // Renames happen one by one: refuse up front what a rename would fail on, so a
            // failure cannot leave a mix of new and old files.
            if target.exists() && !target.is_file() {
                cleanup();
                return Err(Error::Output {
                    path: dir.join(name),
                    message: "exists and is not a regular file; remove it or choose another \
                              output directory"
                        .into(),
                });
            }
        }
        let mut temps: Vec<(PathBuf, PathBuf)> = Vec::new();
        let result = (|| -> Result<()> {
            for (name, bytes) in &self.files {
                let target = dir.join(name);
                let temp = dir.join(format!(".{name}.tmp{}", std::process::id()));
                temps.push((temp.clone(), target.clone()));
                let mut f = std::fs::File::create(&temp).map_err(|e| Error::Output {
                    path: target.clone(),
                    message: format!("cannot write: {e}"),
                })?;
                // No fsync: the rename already guarantees readers never see a partial file,
                // and forcing 200 MB to disk would double the run time of a big job.
                let written = match bytes {
                    Content::Bytes(b) => f.write_all(b),
                    Content::Stream(write) => {
                        let mut w = std::io::BufWriter::with_capacity(1 << 20, &mut f);
                        write(&mut w).and_then(|_| w.flush())
                    }
                };
                written.map_err(|e| Error::Output {
                    path: target.clone(),
                    message: format!("cannot write: {e}"),
                })?;
            }
            for (temp, target) in &temps {
                std::fs::rename(temp, target).map_err(|e| Error::Output {
                    path: target.clone(),
                    message: format!("cannot rename into place: {e}"),
                })?;
            }
            Ok(())
        })();
        match result {
            Ok(()) => Ok(temps.into_iter().map(|(_, t)| t).collect()),
            Err(e) => {
                for (temp, _) in &temps {
                    let _ = std::fs::remove_file(temp);
                }
                cleanup();
                Err(e)
            }
        }
    }
}

/// Appends `s` as a JSON string literal (quoted and escaped) to `out`.
pub fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `s` as a JSON string literal.
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_json_str(&mut out, s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_serde_json() {
        for s in [
            "plain",
            "quote\" back\\ slash",
            "tab\tnew\nline\u{1}",
            "中文",
        ] {
            assert_eq!(json_string(s), serde_json::to_string(s).unwrap());
        }
    }

    #[test]
    fn refuses_to_overwrite_an_input() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("compounds.geojson");
        std::fs::write(&input, "original").unwrap();
        let mut out = OutputSet::new();
        out.add("compounds.geojson", b"new".to_vec());
        let err = out.commit(dir.path(), &[&input]).unwrap_err();
        assert!(err.to_string().contains("overwrite an input"), "{err}");
        assert_eq!(std::fs::read_to_string(&input).unwrap(), "original");
    }

    #[test]
    fn failed_commit_leaves_no_new_directory() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "x").unwrap();
        let mut out = OutputSet::new();
        out.add("a.json", b"{}".to_vec());
        assert!(out.commit(&blocker.join("sub"), &[]).is_err());
        // A target that is a directory is refused before anything is renamed.
        let busy = dir.path().join("busy");
        std::fs::create_dir_all(busy.join("a.json")).unwrap();
        let mut two = OutputSet::new();
        two.add("b.json", b"new".to_vec());
        two.add("a.json", b"new".to_vec());
        assert!(two.commit(&busy, &[]).is_err());
        assert!(
            !busy.join("b.json").exists(),
            "a partial result was left behind"
        );
        assert!(out.commit(&blocker, &[]).is_err());
        let target = dir.path().join("out");
        let written = out.commit(&target, &[]).unwrap();
        assert_eq!(written, vec![target.join("a.json")]);
        let names: Vec<_> = std::fs::read_dir(&target).unwrap().collect();
        assert_eq!(names.len(), 1, "temporary files left behind");
    }
}
