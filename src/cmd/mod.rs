//! Subcommands, one file each, plus the argument groups they share.

mod args;
mod coverage;
mod demo;
mod gaps;
mod html;
mod lifecircle;
mod metric;
mod progress;
mod site;
mod synth;

use clap::{Parser, Subcommand};

/// Plan 5-, 10- and 15-minute service circles: coverage, gaps and new centre sites.
#[derive(Debug, Parser)]
#[command(
    name = "circleplan",
    version,
    about,
    after_help = "Examples:\n  circleplan demo\n  circleplan coverage --compounds compounds.geojson --centers centers.geojson --minutes 15 --group-by street -o out/\n  circleplan synth --compounds 10000 --centers 500 --candidates 1000 --seed 1 -o city/"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Measure coverage: who lives within the circle of a service centre.
    Coverage(coverage::Args),
    /// Run the built-in demo district end to end (no input files needed).
    Demo(demo::Args),
    /// The 15-minute life circle: per facility type, who has one within its distance.
    Lifecircle(lifecircle::Args),
    /// Print a built-in life-circle profile as TOML (to copy and edit).
    Profile(lifecircle::ProfileArgs),
    /// Find gap zones: uncovered compounds grouped, with the best new site for each.
    Gaps(gaps::Args),
    /// Choose new centre sites: add K (max coverage) or reach a target share with fewest.
    Site(site::Args),
    /// Generate a seeded synthetic city (compounds, centres, candidates, streets).
    Synth(synth::Args),
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Coverage(a) => coverage::run(a),
        Command::Demo(a) => demo::run(a),
        Command::Gaps(a) => gaps::run(a),
        Command::Lifecircle(a) => lifecircle::run(a),
        Command::Profile(a) => lifecircle::run_profile(a),
        Command::Site(a) => site::run(a),
        Command::Synth(a) => synth::run(a),
    }
}

/// Every file a command reads (layers, network or cost table, candidates), so that no output
/// ever replaces one.
pub(crate) fn read_paths<'a>(
    input: &'a args::InputArgs,
    metric: &'a metric::MetricArgs,
    candidates: Option<&'a std::path::Path>,
) -> Vec<&'a std::path::Path> {
    let mut paths = vec![input.compounds.as_path()];
    paths.extend(input.centers.as_deref());
    paths.extend(metric::Measure::inputs(metric));
    paths.extend(candidates);
    paths
}

/// Writes `files` into `dir` (atomically, never over an input) and notes it in `table`.
pub(crate) fn commit(
    files: &circleplan::io::OutputSet,
    dir: &std::path::Path,
    inputs: &[&std::path::Path],
    table: &mut String,
) -> anyhow::Result<()> {
    files.commit(dir, inputs)?;
    table.push_str(&format!(
        "\nWrote {} to {}\n",
        files.names().collect::<Vec<_>>().join(", "),
        dir.display()
    ));
    Ok(())
}
