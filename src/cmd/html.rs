//! `--report FILE.html` for the commands: the language choice and the command line to print
//! in the report. The file is written with the run's other outputs, as one atomic set.

use std::path::Path;

use circleplan::report::html::render;
use circleplan::report::{Lang, ReportInput};
use circleplan::{Centres, Compounds};

use super::progress;

/// Renders the report with `--lang` when given and this command line.
pub fn render_report(mut input: ReportInput, lang: Option<Lang>, quiet: bool) -> String {
    input.lang = self::lang(lang, input.compounds, input.centres);
    input.command_line = command_line();
    input.date = Some(super::run_date());
    progress::step("Rendering the report", quiet, || render(&input))
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
