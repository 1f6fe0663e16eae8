//! Progress on stderr for long steps (reading layers, coverage, solving, rendering): a spinner
//! with the step's name and elapsed time, only when stderr is a terminal and not `--quiet`.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Whether to draw progress: never under `--quiet`, never into a pipe or a CI log.
fn enabled(quiet: bool, stderr_is_terminal: bool) -> bool {
    !quiet && stderr_is_terminal
}

/// Runs `f`, showing `label` with a spinner on stderr while it works (see [`enabled`]). The
/// spinner is cleared when `f` returns, so only the command's own output remains.
pub fn step<T>(label: &str, quiet: bool, f: impl FnOnce() -> T) -> T {
    if !enabled(quiet, std::io::stderr().is_terminal()) {
        return f();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner:.cyan} {msg} {elapsed}") {
        bar.set_style(style);
    }
    bar.set_message(label.to_string());
    bar.enable_steady_tick(Duration::from_millis(120));
    let out = f();
    bar.finish_and_clear();
    out
}

/// Step timings for `--timings`: the time since the previous lap, per named step.
pub struct Clock {
    start: std::time::Instant,
    /// `(step, milliseconds)` in order.
    pub laps: Vec<(String, f64)>,
}

impl Clock {
    /// A clock started now.
    pub fn new() -> Clock {
        Clock {
            start: std::time::Instant::now(),
            laps: Vec::new(),
        }
    }

    /// Records the time since the last lap under `step`.
    pub fn lap(&mut self, step: &str) {
        let ms = self.start.elapsed().as_secs_f64() * 1000.0;
        self.laps.push((step.to_string(), ms));
        self.start = std::time::Instant::now();
    }

    /// `Timings: read 390 ms, …` for the terminal.
    pub fn line(&self) -> String {
        let list: Vec<String> = self
            .laps
            .iter()
            .map(|(k, ms)| format!("{k} {ms:.0} ms"))
            .collect();
        format!("Timings: {}\n", list.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_or_piped_shows_nothing() {
        assert!(enabled(false, true));
        assert!(!enabled(true, true));
        assert!(!enabled(false, false));
    }

    #[test]
    fn step_returns_the_work_result() {
        assert_eq!(step("adding", true, || 2 + 2), 4);
        assert_eq!(step("adding", false, || "done"), "done");
    }
}
