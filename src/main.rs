//! The `circleplan` command: parses arguments, calls the library, prints. The only place
//! that prints or exits.

mod cmd;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cmd::Cli::parse();
    match cmd::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // A closed pipe (`circleplan … | head`) is not a failure.
            if err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {}", one_line(&err));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, each said once: a library error that already
/// quotes its source (`x.csv: No such file or directory`) is not followed by the source
/// again; a parameter the library refuses is named by its flag.
fn one_line(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cmd::describe(cause);
        if out.ends_with(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn a_source_already_quoted_is_not_repeated() {
        let missing = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        let err = anyhow::Error::from(circleplan::Error::io("x.csv", missing));
        assert_eq!(one_line(&err), "x.csv: No such file");
        let err = err.context("reading the compounds");
        assert_eq!(one_line(&err), "reading the compounds: x.csv: No such file");
    }

    #[test]
    fn a_refused_parameter_is_named_by_its_flag() {
        let err = circleplan::Circle::from_minutes(-3.0, 4.0).unwrap_err();
        assert_eq!(err.to_string(), "invalid minutes -3: must be a number > 0");
        let err = anyhow::Error::from(err);
        assert_eq!(one_line(&err), "invalid --minutes -3: must be a number > 0");
        let err = circleplan::siting::time_limit(f64::NAN).unwrap_err();
        let err = anyhow::Error::from(err).context("site");
        assert_eq!(
            one_line(&err),
            "site: invalid --time-limit NaN: must be > 0 seconds"
        );
    }
}
