//! `--report FILE.html` for the commands: the language choice, the command line to print in
//! the report, and writing the file atomically without ever replacing an input.

use std::path::Path;

use anyhow::{Context, Result, anyhow};
use circleplan::io::OutputSet;
use circleplan::report::html::render;
use circleplan::report::{Lang, ReportInput};
use circleplan::{Centres, Compounds};

use super::progress;

/// Renders the report (with `--lang` when given and this command line), writes it to `path`
/// and returns the line to print about it.
pub fn emit(
    path: &Path,
    mut input: ReportInput,
    lang: Option<Lang>,
    quiet: bool,
    inputs: &[&Path],
) -> Result<String> {
    input.lang = self::lang(lang, input.compounds, input.centres);
    input.command_line = command_line();
    let html = progress::step("Rendering the report", quiet, || render(&input));
    write_report(path, html, inputs)?;
    Ok(format!("Wrote the report to {}\n", path.display()))
}

/// The words of this process's command line (lossy for non-UTF-8 arguments), the program
/// by its file name only: `circleplan coverage …`, wherever the binary lives.
pub fn command_line() -> Vec<String> {
    std::env::args_os()
        .enumerate()
        .map(|(i, a)| {
            let path = Path::new(&a);
            match path.file_name() {
                Some(name) if i == 0 => name.to_string_lossy().into_owned(),
                _ => a.to_string_lossy().into_owned(),
            }
        })
        .collect()
}

/// The report language: `--lang` when given, else detected from the data.
pub fn lang(given: Option<Lang>, compounds: &Compounds, centres: &Centres) -> Lang {
    given.unwrap_or_else(|| Lang::detect(compounds, centres))
}

/// Writes `html` to `path` through a temporary file and a rename; refuses to replace any of
/// `inputs`.
pub fn write_report(path: &Path, html: String, inputs: &[&Path]) -> Result<()> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| anyhow!("--report {}: give a file name", path.display()))?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut out = OutputSet::new();
    out.add(name, html.into_bytes());
    out.commit(dir, inputs)
        .with_context(|| format!("writing the report {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_refuses_to_replace_an_input() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.geojson");
        std::fs::write(&input, "keep").unwrap();
        let err = write_report(&input, "<html>".into(), &[&input]).unwrap_err();
        assert!(format!("{err:#}").contains("overwrite an input"), "{err:#}");
        assert_eq!(std::fs::read_to_string(&input).unwrap(), "keep");
        let out = dir.path().join("sub").join("r.html");
        write_report(&out, "<html>".into(), &[&input]).unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "<html>");
    }
}
