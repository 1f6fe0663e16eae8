//! Atomic output: every file of a run is written to a temporary name and renamed into place
//! only when all of them are written, so an error never leaves a half-written result and an
//! input file is never overwritten. Big layers stream straight to disk.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Writes a file's content to a sink (for files too big to hold in memory).
pub type StreamFn<'a> =
    Box<dyn Fn(&mut (dyn Write + Send)) -> std::io::Result<()> + Send + Sync + 'a>;

enum Content<'a> {
    Bytes(Vec<u8>),
    Stream(StreamFn<'a>),
}

/// Where a file of the set goes.
#[derive(Debug, Clone, PartialEq)]
enum Place {
    /// This name inside the commit's directory.
    InDir(String),
    /// Its own path (a report written beside the directory, or without one).
    At(PathBuf),
}

/// The files one command writes, committed together: all of them or none. Files named by
/// [`OutputSet::add`] go into one directory; [`OutputSet::add_at`] files (the HTML report)
/// go to their own paths but are part of the same atomic set.
#[derive(Default)]
pub struct OutputSet<'a> {
    files: Vec<(Place, Content<'a>)>,
    stale: Vec<String>,
}

impl std::fmt::Debug for OutputSet<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

/// A target resolved for commit: where it goes, how it is named in messages, and the
/// temporary and backup names beside it.
struct Target {
    path: PathBuf,
    canonical: PathBuf,
    temp: PathBuf,
    backup: PathBuf,
}

impl<'a> OutputSet<'a> {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a file by name.
    pub fn add(&mut self, name: &str, bytes: Vec<u8>) {
        self.put(Place::InDir(name.to_string()), Content::Bytes(bytes));
    }

    /// Adds (or replaces) a file whose content `write` produces at commit time, so it never
    /// has to sit in memory whole.
    pub fn add_stream(&mut self, name: &str, write: StreamFn<'a>) {
        self.put(Place::InDir(name.to_string()), Content::Stream(write));
    }

    /// Adds a file at its own path, outside (or inside) the commit directory; a path that
    /// resolves to another file of the set is refused at commit.
    pub fn add_at(&mut self, path: &Path, bytes: Vec<u8>) {
        self.put(Place::At(path.to_path_buf()), Content::Bytes(bytes));
    }

    fn put(&mut self, place: Place, content: Content<'a>) {
        self.files.retain(|(p, _)| *p != place);
        self.files.push((place, content));
    }

    /// Names of files a previous run may have left in the commit directory: those this set
    /// does not write are removed when (and only when) the commit succeeds, so the directory
    /// holds one run. Inputs and anything not a regular file are never removed.
    pub fn remove_stale(&mut self, names: Vec<String>) {
        self.stale = names;
    }

    /// The file names (directory files by name, others by path), in the order added.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|(p, _)| match p {
            Place::InDir(n) => n.as_str(),
            Place::At(path) => path.to_str().unwrap_or("(report)"),
        })
    }

    /// The bytes of a file added earlier with [`OutputSet::add`].
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(p, _)| matches!(p, Place::InDir(n) if n == name))
            .and_then(|(_, c)| match c {
                Content::Bytes(b) => Some(b.as_slice()),
                Content::Stream(_) => None,
            })
    }

    /// Every file added by name with its content (streamed files written into memory), in
    /// the order added: the run's outputs for a front end that keeps them in memory (the
    /// Python package) rather than in a folder.
    ///
    /// # Errors
    /// A streamed file whose writer fails.
    pub fn to_files(&self) -> Result<Vec<(String, Vec<u8>)>> {
        let mut out = Vec::new();
        for (place, content) in &self.files {
            let Place::InDir(name) = place else { continue };
            let bytes = match content {
                Content::Bytes(b) => b.clone(),
                Content::Stream(write) => {
                    let mut bytes = Vec::new();
                    write(&mut bytes).map_err(|e| Error::io(name, e))?;
                    bytes
                }
            };
            out.push((name.clone(), bytes));
        }
        Ok(out)
    }

    /// The files added by name as one GeoPackage: each `NAME.geojson` a feature table
    /// `NAME`, its `NAME.qml` (when there is one) the table's default QGIS style in
    /// `layer_styles`, every other file verbatim in the `circleplan_files` attributes table.
    ///
    /// # Errors
    /// A layer that is not a GeoJSON FeatureCollection, or an SQLite failure.
    pub fn to_geopackage(&self) -> Result<Vec<u8>> {
        let files = self.to_files()?;
        let is_layer = |stem: &str| files.iter().any(|(n, _)| *n == format!("{stem}.geojson"));
        let (mut layers, mut styles, mut others) = (Vec::new(), Vec::new(), Vec::new());
        for (name, bytes) in &files {
            if let Some(layer) = name.strip_suffix(".geojson") {
                layers.push((layer.to_string(), bytes.clone()));
            } else if let Some(layer) = name.strip_suffix(".qml").filter(|s| is_layer(s)) {
                styles.push((layer.to_string(), bytes.clone()));
            } else {
                others.push((name.clone(), bytes.clone()));
            }
        }
        super::gpkg_write::write_geopackage(&layers, &styles, &others)
    }

    /// Writes every file: named ones into `dir` (created when missing), the others to their
    /// own paths. Everything is checked first — no file may replace one of `inputs`, two
    /// files may not resolve to the same path, a target may not be a directory — then each
    /// file goes to a temporary name and all are renamed into place together. On any failure
    /// the files that were there before are put back and nothing new is left behind.
    pub fn commit(&self, dir: &Path, inputs: &[&Path]) -> Result<Vec<PathBuf>> {
        self.commit_to(Some(dir), inputs)
    }

    /// [`OutputSet::commit`] where `dir` may be absent (only [`OutputSet::add_at`] files).
    pub fn commit_to(&self, dir: Option<&Path>, inputs: &[&Path]) -> Result<Vec<PathBuf>> {
        // A GeoPackage layer `FILE.gpkg:LAYER` is the file `FILE.gpkg`.
        let file = |p: &Path| super::layer::split_gpkg_layer(p).map_or(p.to_path_buf(), |s| s.0);
        let inputs: Vec<PathBuf> = inputs.iter().map(|p| resolve(&file(p))).collect();
        let targets = self.targets(dir, &inputs)?;
        let mut created: Vec<PathBuf> = Vec::new();
        let result = (|| {
            for t in &targets {
                create_parent(&t.path, &mut created)?;
            }
            // The files at once: while one waits on a write into the page cache, another's
            // rows are formatted. Errors are reported in file order.
            use rayon::prelude::*;
            let written: Vec<Result<()>> = targets
                .par_iter()
                .zip(&self.files)
                .map(|(t, (_, content))| write_temp(t, content))
                .collect();
            written.into_iter().collect::<Result<()>>()?;
            self.swap(dir, &targets, &inputs)
        })();
        match result {
            Ok(()) => Ok(targets.into_iter().map(|t| t.path).collect()),
            Err(e) => {
                for t in &targets {
                    let _ = std::fs::remove_file(&t.temp);
                }
                for root in created.iter().rev() {
                    let _ = std::fs::remove_dir_all(root);
                }
                Err(e)
            }
        }
    }

    /// Resolves and checks every target before anything is touched.
    fn targets(&self, dir: Option<&Path>, inputs: &[PathBuf]) -> Result<Vec<Target>> {
        if let Some(dir) = dir
            && dir.exists()
            && !dir.is_dir()
        {
            return Err(Error::Output {
                path: dir.to_path_buf(),
                message: "exists and is not a directory".into(),
            });
        }
        let canonical_dir = dir.map(resolve);
        let mut out: Vec<Target> = Vec::new();
        for (place, _) in &self.files {
            let path = match (place, dir) {
                (Place::InDir(name), Some(dir)) => dir.join(name),
                (Place::At(path), _) => path.clone(),
                (Place::InDir(name), None) => {
                    return Err(Error::Output {
                        path: PathBuf::from(name),
                        message: "no output directory given for it".into(),
                    });
                }
            };
            let canonical = resolve(&path);
            let refuse = |message: String| Error::Output {
                path: path.clone(),
                message,
            };
            if inputs.contains(&canonical) {
                return Err(refuse(
                    "would overwrite an input file; choose another output path".into(),
                ));
            }
            if let Some(other) = out.iter().find(|t| t.canonical == canonical) {
                return Err(refuse(format!(
                    "is the same file as {}, which this run also writes; choose another name",
                    other.path.display()
                )));
            }
            if canonical_dir.as_ref() == Some(&canonical)
                || out.iter().any(|t| {
                    canonical.starts_with(&t.canonical) || t.canonical.starts_with(&canonical)
                })
            {
                return Err(refuse(
                    "is the output directory (or lies under a file) this run writes".into(),
                ));
            }
            // A name ending in a separator is a folder, whether or not it exists yet.
            if path.as_os_str().to_string_lossy().ends_with(['/', '\\']) {
                return Err(refuse(format!(
                    "names a folder (it ends with a separator), not a file; give a file name, \
                     e.g. {}",
                    path.join("report.html").display()
                )));
            }
            // Renames happen one by one: refuse up front what a rename would fail on.
            if path.exists() && !path.is_file() {
                return Err(refuse(
                    "exists and is not a regular file; remove it or choose another path".into(),
                ));
            }
            let name = canonical
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .ok_or_else(|| refuse("give a file name".into()))?;
            let parent = path.parent().unwrap_or(Path::new(".")).to_path_buf();
            let pid = std::process::id();
            out.push(Target {
                temp: parent.join(format!(".{name}.tmp{pid}")),
                backup: parent.join(format!(".{name}.old{pid}")),
                path,
                canonical,
            });
        }
        Ok(out)
    }

    /// Moves every old file (and every stale one) aside, the new files into place, then
    /// deletes what was moved aside; on failure undoes every step.
    fn swap(&self, dir: Option<&Path>, targets: &[Target], inputs: &[PathBuf]) -> Result<()> {
        let mut moves: Vec<(PathBuf, PathBuf)> = Vec::new();
        let mut placed: Vec<&Path> = Vec::new();
        let mut step = || -> Result<()> {
            for t in targets {
                if t.path.is_file() {
                    rename(&t.path, &t.backup)?;
                    moves.push((t.path.clone(), t.backup.clone()));
                }
                rename(&t.temp, &t.path)?;
                placed.push(&t.path);
            }
            for old in self.stale_files(dir, targets, inputs) {
                let aside = old.with_file_name(format!(
                    ".{}.old{}",
                    old.file_name().unwrap_or_default().to_string_lossy(),
                    std::process::id()
                ));
                rename(&old, &aside)?;
                moves.push((old, aside));
            }
            Ok(())
        };
        match step() {
            Ok(()) => {
                for (_, aside) in &moves {
                    let _ = std::fs::remove_file(aside);
                }
                Ok(())
            }
            Err(e) => {
                for p in placed {
                    let _ = std::fs::remove_file(p);
                }
                for (original, aside) in moves.iter().rev() {
                    let _ = std::fs::rename(aside, original);
                }
                Err(e)
            }
        }
    }

    /// The stale names present in `dir` as regular files that this set does not write and
    /// that are not inputs.
    fn stale_files(
        &self,
        dir: Option<&Path>,
        targets: &[Target],
        inputs: &[PathBuf],
    ) -> Vec<PathBuf> {
        let Some(dir) = dir else {
            return Vec::new();
        };
        self.stale
            .iter()
            .map(|name| dir.join(name))
            .filter(|p| {
                let c = resolve(p);
                p.is_file() && !inputs.contains(&c) && !targets.iter().any(|t| t.canonical == c)
            })
            .collect()
    }
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).map_err(|e| Error::Output {
        path: from.to_path_buf(),
        message: format!("cannot rename to {}: {e}", to.display()),
    })
}

/// Creates the parent directory of `path`, remembering the outermost directory created so a
/// failed commit can remove it again.
fn create_parent(path: &Path, created: &mut Vec<PathBuf>) -> Result<()> {
    let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(());
    };
    if let Some(root) = parent
        .ancestors()
        .take_while(|a| !a.as_os_str().is_empty() && !a.exists())
        .last()
    {
        created.push(root.to_path_buf());
    }
    std::fs::create_dir_all(parent).map_err(|e| Error::Output {
        path: parent.to_path_buf(),
        message: format!("cannot create the output directory: {e}"),
    })
}

fn write_temp(t: &Target, content: &Content) -> Result<()> {
    let fail = |e: std::io::Error| Error::Output {
        path: t.path.clone(),
        message: format!("cannot write: {e}"),
    };
    let mut f = std::fs::File::create(&t.temp).map_err(fail)?;
    // No fsync: the rename already guarantees readers never see a partial file, and forcing
    // 200 MB to disk would double the run time of a big job.
    match content {
        Content::Bytes(b) => f.write_all(b),
        Content::Stream(write) => {
            let mut w = std::io::BufWriter::with_capacity(1 << 20, &mut f);
            write(&mut w).and_then(|_| w.flush())
        }
    }
    .map_err(fail)
}

/// `path` made absolute with symbolic links and `.`/`..` resolved as far as it exists; the
/// part that does not exist yet is appended with `.`/`..` applied as written (so two
/// spellings of one future file compare equal).
pub fn resolve(path: &Path) -> PathBuf {
    use std::path::Component;
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    let parts: Vec<Component> = absolute.components().collect();
    for k in (1..=parts.len()).rev() {
        let prefix: PathBuf = parts[..k].iter().collect();
        if let Ok(mut out) = std::fs::canonicalize(&prefix) {
            for part in &parts[k..] {
                match part {
                    Component::ParentDir => {
                        out.pop();
                    }
                    Component::CurDir => {}
                    other => out.push(other),
                }
            }
            return out;
        }
    }
    absolute
}

#[cfg(test)]
mod resolve_tests {
    use super::*;

    #[test]
    fn spellings_of_one_future_file_resolve_alike() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let a = resolve(&d.join("out/summary.json"));
        assert_eq!(a, resolve(&d.join("./out/../out/./summary.json")));
        assert_eq!(a, resolve(&d.join("x/../out/summary.json")));
        assert_ne!(a, resolve(&d.join("out/sub/summary.json")));
        assert!(a.is_absolute() && a.ends_with("out/summary.json"));
    }
}

/// Appends `s` as a JSON string literal (quoted and escaped) to `out`.
pub fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    // Every byte that needs escaping is ASCII, so the runs between them are whole characters
    // and go in with one copy each (usually the whole string).
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        if b != b'"' && b != b'\\' && b >= 0x20 {
            continue;
        }
        out.push_str(&s[start..i]);
        push_json_escape(out, b);
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Appends the JSON escape of `"`, `\` or a control character.
fn push_json_escape(out: &mut String, b: u8) {
    match b {
        b'"' => out.push_str("\\\""),
        b'\\' => out.push_str("\\\\"),
        b'\n' => out.push_str("\\n"),
        b'\r' => out.push_str("\\r"),
        b'\t' => out.push_str("\\t"),
        _ => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

/// `s` as a JSON string literal (the oracle's side of the escaping test).
#[cfg(test)]
fn json_string(s: &str) -> String {
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

    /// The escaping loop before the fast path: one char at a time.
    fn json_string_by_char(s: &str) -> String {
        let mut out = String::from('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    #[test]
    fn escapes_every_character_as_before() {
        let chars: Vec<char> = (0u32..0x100)
            .chain([0x4e2d, 0x6587, 0x1f600, 0x2028])
            .filter_map(char::from_u32)
            .collect();
        for &a in &chars {
            for &b in &['a', '"', '\u{1}', '中', '\\'] {
                for s in [
                    format!("{a}"),
                    format!("{a}{b}"),
                    format!("{b}{a}{b}"),
                    format!("x{a}中{b}{b}y"),
                ] {
                    assert_eq!(json_string(&s), json_string_by_char(&s), "{s:?}");
                    let back: String = serde_json::from_str(&json_string(&s)).unwrap();
                    assert_eq!(back, s);
                }
            }
        }
        assert_eq!(json_string(""), "\"\"");
    }

    #[test]
    fn refuses_to_overwrite_a_geopackage_whose_layer_is_an_input() {
        let dir = tempfile::tempdir().unwrap();
        let gpkg = dir.path().join("in.gpkg");
        std::fs::write(&gpkg, b"SQLite format 3\0").unwrap();
        let mut set = OutputSet::new();
        set.add_at(&gpkg, b"new".to_vec());
        let layer = dir.path().join("in.gpkg:compounds");
        assert!(set.commit_to(None, &[layer.as_path()]).is_err());
        assert_eq!(std::fs::read(&gpkg).unwrap(), b"SQLite format 3\0");
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
    fn two_files_resolving_to_one_path_are_refused_before_writing() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let mut set = OutputSet::new();
        set.add("summary.json", b"{}".to_vec());
        set.add_at(&out.join("x/../summary.json"), b"<html>".to_vec());
        let err = set.commit(&out, &[]).unwrap_err().to_string();
        assert!(err.contains("same file"), "{err}");
        assert!(!out.exists(), "the directory was created");
        let mut inside = OutputSet::new();
        inside.add("a.json", b"{}".to_vec());
        inside.add_at(&out, b"<html>".to_vec());
        assert!(inside.commit(&out, &[]).is_err());
    }

    #[test]
    fn a_report_path_naming_a_missing_folder_is_refused_by_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let folder = format!("{}/new/", dir.path().display());
        let mut set = OutputSet::new();
        set.add_at(Path::new(&folder), b"<html>".to_vec());
        let err = set.commit_to(None, &[]).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "{folder}: names a folder (it ends with a separator), not a file; give a file \
                 name, e.g. {folder}report.html"
            )
        );
        assert!(
            !err.contains(&format!(".tmp{}", std::process::id())),
            "{err}"
        );
        assert!(!dir.path().join("new").exists());
    }

    #[test]
    fn a_failed_report_keeps_the_previous_files() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("summary.json"), "old").unwrap();
        let blocker = dir.path().join("blocker");
        std::fs::write(&blocker, "x").unwrap();
        let mut set = OutputSet::new();
        set.add("summary.json", b"new".to_vec());
        set.add("sites.geojson", b"new".to_vec());
        set.add_at(&blocker.join("r.html"), b"<html>".to_vec());
        assert!(set.commit(&out, &[]).is_err());
        assert_eq!(
            std::fs::read_to_string(out.join("summary.json")).unwrap(),
            "old"
        );
        let left: Vec<_> = std::fs::read_dir(&out).unwrap().collect();
        assert_eq!(left.len(), 1, "new or temporary files left behind");
    }

    #[test]
    fn stale_files_go_only_when_the_commit_succeeds() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        for name in [
            "summary.json",
            "circles.geojson",
            "notes.txt",
            "input.geojson",
        ] {
            std::fs::write(out.join(name), "old").unwrap();
        }
        std::fs::create_dir(out.join("gaps.geojson")).unwrap();
        let stale: Vec<String> = [
            "circles.geojson",
            "input.geojson",
            "gaps.geojson",
            "summary.json",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let input = out.join("input.geojson");
        let mut failing = OutputSet::new();
        failing.add("summary.json", b"new".to_vec());
        failing.add_at(&input, b"new".to_vec());
        failing.remove_stale(stale.clone());
        assert!(failing.commit(out, &[&input]).is_err());
        assert!(
            out.join("circles.geojson").is_file(),
            "removed by a failed run"
        );
        let mut set = OutputSet::new();
        set.add("summary.json", b"new".to_vec());
        set.remove_stale(stale);
        set.commit(out, &[&input]).unwrap();
        assert!(!out.join("circles.geojson").exists());
        assert!(out.join("input.geojson").is_file(), "an input was removed");
        assert!(out.join("gaps.geojson").is_dir(), "a folder was removed");
        assert!(out.join("notes.txt").is_file());
        assert_eq!(
            std::fs::read_to_string(out.join("summary.json")).unwrap(),
            "new"
        );
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
