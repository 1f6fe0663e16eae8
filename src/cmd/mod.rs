//! Subcommands, one file each, plus the argument groups they share.

mod args;
mod compare;
mod coverage;
mod demo;
mod gaps;
mod html;
mod lifecircle;
mod metric;
mod progress;
mod site;
mod site_capacity;
mod synth;

use std::path::PathBuf;

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
    /// Compare proposals (sites added, centres closed) against the existing centres.
    Compare(compare::Args),
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
        Command::Compare(a) => compare::run(a),
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
    paths.extend(input.centers.iter().map(PathBuf::as_path));
    paths.extend(metric.inputs());
    paths.extend(candidates);
    paths
}

/// Refuses, before any work, a `--report` path that is the `-o` directory or a file the run
/// writes there (the full check, with every file's final name, runs again at commit).
pub(crate) fn check_output_paths(output: &args::OutputArgs) -> anyhow::Result<()> {
    output.basemap()?;
    let (Some(dir), Some(report)) = (&output.output, &output.report) else {
        return Ok(());
    };
    let (dir_r, report_r) = (
        circleplan::io::resolve(dir),
        circleplan::io::resolve(report),
    );
    let name = report_r
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let clash = report_r == dir_r
        || dir_r.starts_with(&report_r)
        || (report_r.parent() == Some(dir_r.as_path())
            && circleplan::report::is_output_name(&name));
    if clash {
        anyhow::bail!(
            "--report {}: collides with the outputs written to -o {} (a file or the folder this \
             run writes); choose another report name or folder",
            report.display(),
            dir.display()
        );
    }
    Ok(())
}

/// Writes the run's outputs as one atomic set: the files in `files` into `-o DIR` (when
/// given; a previous run's files there that this run does not write are removed) and the
/// HTML report from `report` (when `--report` is given). Notes what was written in `table`.
pub(crate) fn write_outputs(
    mut files: circleplan::io::OutputSet,
    output: &args::OutputArgs,
    report: Option<circleplan::report::ReportInput>,
    inputs: &[&std::path::Path],
    table: &mut String,
) -> anyhow::Result<()> {
    if let Some(input) = &report {
        let lang = html::lang(output.lang, input.compounds, input.centres);
        let styles = circleplan::report::StyleContext::coverage(input.centres, lang);
        circleplan::report::add_styles(&mut files, &styles);
    }
    let basemap = output.basemap()?;
    let render = || {
        report.map(|mut input| {
            input.basemap = basemap;
            html::render_report(input, output.lang, output.quiet)
        })
    };
    commit_outputs(files, output, render, inputs, table)
}

/// [`write_outputs`] with the report page rendered by `render` (called only when `--report`
/// is given; `None`: no page).
pub(crate) fn commit_outputs(
    mut files: circleplan::io::OutputSet,
    output: &args::OutputArgs,
    render: impl FnOnce() -> Option<String>,
    inputs: &[&std::path::Path],
    table: &mut String,
) -> anyhow::Result<()> {
    use anyhow::Context;
    let dir = output.output.as_deref();
    if let Some(gpkg) = dir.filter(|d| is_geopackage(d)) {
        return commit_geopackage(files, gpkg, output, render, inputs, table);
    }
    if dir.is_none() {
        files = circleplan::io::OutputSet::new();
    }
    let written_in_dir: Vec<String> = files.names().map(str::to_string).collect();
    if let Some(path) = &output.report
        && let Some(html) = render()
    {
        files.add_at(path, html.into_bytes());
    }
    if let Some(dir) = dir {
        files.remove_stale(circleplan::report::previous_outputs(dir));
    }
    if files.names().next().is_none() {
        return Ok(());
    }
    files
        .commit_to(dir, inputs)
        .context("nothing was written")?;
    if let Some(dir) = dir {
        table.push_str(&format!(
            "\nWrote {} to {}\n",
            written_in_dir.join(", "),
            dir.display()
        ));
    }
    if let Some(path) = &output.report {
        table.push_str(&format!("Wrote the report to {}\n", path.display()));
    }
    Ok(())
}

/// Whether `-o` names a GeoPackage (ends in `.gpkg`) rather than a folder.
pub(crate) fn is_geopackage(path: &std::path::Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gpkg"))
}

/// [`commit_outputs`] for `-o FILE.gpkg`: the run's layers become the tables of one
/// GeoPackage, written atomically with the report.
fn commit_geopackage(
    files: circleplan::io::OutputSet,
    gpkg: &std::path::Path,
    output: &args::OutputArgs,
    render: impl FnOnce() -> Option<String>,
    inputs: &[&std::path::Path],
    table: &mut String,
) -> anyhow::Result<()> {
    use anyhow::Context;
    let layers: Vec<String> = (files.names())
        .filter_map(|n| n.strip_suffix(".geojson").map(str::to_string))
        .collect();
    let bytes = files
        .to_geopackage()
        .with_context(|| format!("-o {}: nothing was written", gpkg.display()))?;
    let mut set = circleplan::io::OutputSet::new();
    set.add_at(gpkg, bytes);
    if let Some(path) = &output.report
        && let Some(html) = render()
    {
        set.add_at(path, html.into_bytes());
    }
    set.commit_to(None, inputs).context("nothing was written")?;
    table.push_str(&format!(
        "\nWrote the layers {} to {}\n",
        layers.join(", "),
        gpkg.display()
    ));
    if let Some(path) = &output.report {
        table.push_str(&format!("Wrote the report to {}\n", path.display()));
    }
    Ok(())
}

/// The flag that sets a library parameter, for error messages (the library names the value,
/// the binary the flag). `None` for a parameter no flag sets.
pub(crate) fn flag(param: circleplan::Param) -> Option<&'static str> {
    use circleplan::Param as P;
    Some(match param {
        P::Minutes => "--minutes",
        P::Speed => "--speed",
        P::Radius => "--radius",
        P::LevelRadius => "--level-radius",
        P::PersonsPerHousehold => "--persons-per-household",
        P::Coords => "--coords",
        P::Encoding => "--encoding",
        P::MatrixUnit => "--matrix-unit",
        P::MatrixColumns => "--matrix-columns",
        P::SiteCount => "--add",
        P::TargetShare => "--target",
        P::TimeLimit => "--time-limit",
        P::Candidates => "--candidates",
        P::CandidateCapacity => "--candidate-capacity",
        P::Capacities => "--capacitated",
        P::ResidentsPerCapacity => "--residents-per-capacity",
        P::Language => "--lang",
        P::PopulationField => "--population-field",
        P::HouseholdsField => "--households-field",
        P::GroupField => "--group-by",
        P::LevelField => "--level-field",
        P::NameField => "--name-field",
        P::CapacityField => "--capacity-field",
        P::TypeField => "--type-field",
        _ => return None,
    })
}

/// The points of one layer that lie far from the rest of it: an error naming the first, or
/// with `--drop-far` (`drop`) the indices to leave out (see [`RunInfo::far_points`]).
///
/// [`RunInfo::far_points`]: circleplan::report::RunInfo::far_points
pub(crate) fn far_points(
    layer: &'static str,
    path: &std::path::Path,
    ids: &[String],
    lonlat: &[[f64; 2]],
    drop: bool,
    run: &mut circleplan::report::RunInfo,
) -> anyhow::Result<Vec<usize>> {
    Ok(run.far_points(layer, path, ids, lonlat, drop)?)
}

/// One error of a chain as the terminal shows it: a library parameter error names the flag
/// that set the value; far points name `--drop-far`.
pub(crate) fn describe(cause: &(dyn std::error::Error + 'static)) -> String {
    if let Some(e @ circleplan::Error::FarPoints { .. }) = cause.downcast_ref::<circleplan::Error>()
    {
        return format!("{e}, or pass --drop-far to leave such points out");
    }
    if let Some(circleplan::Error::Parameter {
        param,
        value,
        message,
    }) = cause.downcast_ref::<circleplan::Error>()
        && let Some(flag) = flag(*param)
    {
        return format!("invalid {flag} {value}: {message}");
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::Parser;

    /// Every number flag takes a negative value as a value, so that its range check (not
    /// clap's "unexpected argument '-0'") answers.
    #[test]
    fn negative_numbers_reach_the_range_checks() {
        let layers = ["--compounds", "c.csv", "--centers", "s.csv"];
        let site = ["site", "--candidates", "auto", "--add", "1"];
        let cases: [&[&str]; 10] = [
            &["site", "--candidates", "auto", "--target", "-0.5"],
            &["coverage", "--snap-limit", "-1"],
            &["coverage", "--residents-per-capacity", "-1"],
            &[&site[..], &["--capacitated", "--candidate-capacity", "-5"]].concat(),
            &["coverage", "--persons-per-household", "-2"],
            &[&site[..], &["--time-limit", "-1"]].concat(),
            &[&site[..], &["--residents-per-capacity", "-1"]].concat(),
            &["lifecircle", "--facilities", "f.csv", "--speed", "-3"],
            &[
                "lifecircle",
                "--facilities",
                "f.csv",
                "--persons-per-household",
                "-2",
            ],
            &["synth", "-o", "o", "--box-km", "-1", "--gis-streets", "-5"],
        ];
        for case in cases {
            let args: Vec<&str> = match case[0] {
                "synth" => [&["circleplan"][..], case].concat(),
                "lifecircle" => [&["circleplan"][..], case, &layers[..2]].concat(),
                _ => [&["circleplan", case[0]][..], &layers, &case[1..]].concat(),
            };
            if let Err(e) = Cli::try_parse_from(&args) {
                panic!("{args:?}: {e}");
            }
        }
    }
}

/// Today's date (UTC, `YYYY-MM-DD`) for a workbook's cover sheet, or the date of
/// `SOURCE_DATE_EPOCH` (seconds since 1970) when set, so that builds and tests can make
/// byte-identical files (the reproducible-builds convention).
pub(crate) fn run_date() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod date_tests {
    #[test]
    fn days_become_dates() {
        assert_eq!(super::civil_from_days(0), (1970, 1, 1));
        assert_eq!(super::civil_from_days(20_454), (2026, 1, 1));
        assert_eq!(super::civil_from_days(11_016), (2000, 2, 29));
    }
}
