//! `circleplan compare`: proposals against the existing centres — sites added, centres
//! closed — street by street, level by level and compound by compound.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use circleplan::coverage::{Scenario, SwitchSite, check_scenario_names};
use circleplan::report::{self, RunInfo};
use circleplan::{Centres, Proposals, StudyLayers};

use super::args::{CommonArgs, InputArgs};
use super::coverage::{Loaded, layer_info, print_summary};

/// Arguments of `compare`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  circleplan compare --compounds compounds.geojson --centers centers.geojson \\
      --scenario A=proposal_a.geojson --scenario B=proposal_b.csv --group-by street -o cmp/ --report cmp.html
  circleplan compare --compounds c.geojson --centers stations.csv --centers community.geojson \\
      --scenario 方案A=new.geojson --close 方案A=S012,S013 --close closures=S040
  circleplan compare --compounds c.geojson --centers s.geojson --scenario A=a.geojson \\
      --scenario-level A=community --metric network --network streets.osm.pbf")]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// A proposal: NAME=FILE adds the sites in FILE (GeoJSON, CSV, .shp or .gpkg; level from its level
    /// field or --scenario-level), NAME=ID,ID… the --candidates with those ids (the line the
    /// report's what-if button copies). Repeatable; names may be Chinese (方案A).
    #[arg(long, value_name = "NAME=FILE|NAME=ID,…")]
    scenario: Vec<String>,
    /// Candidate sites that --scenario NAME=ID,… picks from (GeoJSON, CSV, .shp or .gpkg).
    #[arg(long, value_name = "FILE")]
    candidates: Option<PathBuf>,
    /// Centres a scenario closes: NAME=ID,ID… or NAME=FILE (a layer's ids, or one id a
    /// line). A NAME without --scenario is a scenario that only closes. Repeatable.
    #[arg(long, value_name = "NAME=ID,…|NAME=FILE")]
    close: Vec<String>,
    /// Level of added sites whose file has no level field: NAME=LEVEL for one scenario, or
    /// LEVEL for all [default: proposed].
    #[arg(long, value_name = "[NAME=]LEVEL")]
    scenario_level: Vec<String>,
    /// Also write circles.geojson with each existing centre's service circle (or, with
    /// --metric network, its walkable service area), as `coverage --circles` does.
    #[arg(long)]
    circles: bool,
    #[command(flatten)]
    common: CommonArgs,
}

/// One scenario as given on the command line.
struct Spec {
    name: String,
    /// A file of sites to add.
    file: Option<PathBuf>,
    /// Ids of `--candidates` to add.
    pick: Vec<String>,
    close: Vec<String>,
}

/// Splits `NAME=VALUE`.
fn split<'a>(flag: &str, spec: &'a str) -> Result<(&'a str, &'a str)> {
    match spec.split_once('=') {
        Some((n, v)) if !n.trim().is_empty() && !v.trim().is_empty() => Ok((n.trim(), v.trim())),
        _ => bail!("invalid {flag} {spec:?}: write NAME=VALUE, e.g. {flag} A=proposal.geojson"),
    }
}

/// The scenarios in the order their names first appear (`--scenario`, then `--close`).
fn specs(args: &Args) -> Result<Vec<Spec>> {
    let mut specs: Vec<Spec> = Vec::new();
    for s in &args.scenario {
        let (name, value) = split("--scenario", s)?;
        if specs.iter().any(|t| t.name == name) {
            bail!(
                "scenario {name:?}: given twice with --scenario; every scenario needs its own name"
            );
        }
        let path = PathBuf::from(value);
        let (file, pick) = if path.exists() || args.candidates.is_none() {
            (Some(path), Vec::new())
        } else {
            (None, super::args::id_list(value)?)
        };
        specs.push(Spec {
            name: name.to_string(),
            file,
            pick,
            close: Vec::new(),
        });
    }
    for s in &args.close {
        let (name, list) = split("--close", s)?;
        let ids = super::args::id_list(list).with_context(|| format!("--close {name}={list}"))?;
        match specs.iter_mut().find(|t| t.name == name) {
            Some(t) => t.close.extend(ids),
            None => specs.push(Spec {
                name: name.to_string(),
                file: None,
                pick: Vec::new(),
                close: ids,
            }),
        }
    }
    if specs.is_empty() {
        bail!("give at least one --scenario NAME=FILE or --close NAME=ID,…");
    }
    Ok(specs)
}

/// The level for scenario `name`'s sites without a level field.
fn default_level(args: &Args, name: &str) -> Result<String> {
    let mut all = None;
    for spec in &args.scenario_level {
        match spec.split_once('=') {
            Some((n, level)) if n.trim() == name => return Ok(level.trim().to_string()),
            Some((n, _))
                if !args
                    .scenario
                    .iter()
                    .chain(&args.close)
                    .any(|s| s.starts_with(&format!("{}=", n.trim()))) =>
            {
                bail!(
                    "invalid --scenario-level {spec:?}: there is no scenario {:?}",
                    n.trim()
                )
            }
            Some(_) => {}
            None => all = Some(spec.trim().to_string()),
        }
    }
    Ok(all.unwrap_or_else(|| "proposed".to_string()))
}

/// Reads each scenario's added sites (`None` for a scenario that only closes).
fn read_added(args: &Args, specs: &[Spec], run: &mut RunInfo) -> Result<Vec<Option<Centres>>> {
    let options = args.input.centre_options()?;
    let fields = args.input.centre_fields();
    let mut out = Vec::with_capacity(specs.len());
    let candidates = match &args.candidates {
        Some(path) => Some(Centres::load(path, &options, &fields, &mut run.warnings)?),
        None => None,
    };
    for spec in specs {
        if let Some(k) = candidates.as_ref().filter(|_| !spec.pick.is_empty()) {
            out.push(Some(pick(k, spec, &default_level(args, &spec.name)?)?));
            continue;
        }
        let Some(path) = &spec.file else {
            out.push(None);
            continue;
        };
        let mut layer = Centres::load(path, &options, &fields, &mut run.warnings)
            .with_context(|| format!("scenario {}", spec.name))?;
        let drop = args.input.drop_far;
        let far = super::far_points("scenario", path, &layer.ids, &layer.lonlat, drop, run)?;
        layer.remove(&far);
        let level = default_level(args, &spec.name)?;
        for l in layer.level.iter_mut().filter(|l| l.is_empty()) {
            *l = level.clone();
        }
        let coords = (
            args.input.coords_name(args.input.centers_coords),
            layer.crs.clone(),
        );
        let info = layer_info(
            path,
            layer.len(),
            layer.polygons,
            coords,
            layer.encoding.clone(),
        );
        run.inputs.push((format!("scenario:{}", spec.name), info));
        out.push(Some(layer));
    }
    Ok(out)
}

/// The candidates a scenario picks by id (level: theirs, else the default).
fn pick(candidates: &Centres, spec: &Spec, level: &str) -> Result<Centres> {
    let mut at = Vec::with_capacity(spec.pick.len());
    for id in &spec.pick {
        match candidates.ids.iter().position(|c| c == id) {
            Some(i) if !at.contains(&i) => at.push(i),
            Some(_) => bail!("scenario {}: candidate {id:?} is listed twice", spec.name),
            None => bail!(
                "scenario {}: {id:?} is neither a file nor the id of a candidate in {} {}",
                spec.name,
                candidates.path.display(),
                circleplan::id_hint(id, &candidates.ids, "candidates")
            ),
        }
    }
    let mut picked = candidates.select(&at);
    for l in picked.level.iter_mut().filter(|l| l.is_empty()) {
        *l = level.to_string();
    }
    Ok(picked)
}

/// Runs `compare`.
pub fn run(args: Args) -> Result<()> {
    let common = &args.common;
    super::check_output_paths(&common.output)?;
    let specs = specs(&args)?;
    let mut clock = super::progress::Clock::new();
    let (study, analysis, scenarios, mut run) = prepare(&args, &specs, &mut clock)?;
    let cmp = super::progress::step("Comparing scenarios", common.output.quiet, || {
        study.compare(&analysis, &scenarios)
    });
    clock.lap("compare");
    if common.output.timings {
        run.timings_ms = Some(clock.laps.clone());
    }
    // The what-if data only feeds the page.
    let what_if = common
        .output
        .report
        .is_some()
        .then(|| study.what_if(&analysis, &switch_sites(&study, &analysis, &scenarios)));
    let (compounds, centres, circle) = (&study.compounds, &study.centres, &study.circle);
    let layers = report::RunLayers {
        analysis: &analysis,
        compounds,
        centres,
        circle,
    };
    let (summary, mut files) = report::compare_outputs(layers, &run, &cmp, &scenarios);
    if args.circles {
        files.add(
            "circles.geojson",
            super::coverage::circles_layer(&study, &analysis),
        );
    }
    let mut table = report::summary_table(&analysis, compounds, circle, &run.warnings);
    table.push_str(&report::compare_table(&cmp));
    let mut inputs = super::read_paths(&args.input, &common.metric, None);
    inputs.extend(specs.iter().filter_map(|s| s.file.as_deref()));
    inputs.extend(args.candidates.as_deref());
    let mut report_input = report::ReportInput::new(&analysis, compounds, centres, circle, &run);
    report_input.network = study.network();
    report_input.network_source =
        (common.metric.network.as_deref()).map(|p| p.display().to_string());
    report_input.scenarios = Some(report::ScenariosReport {
        comparison: &cmp,
        scenarios: &scenarios,
    });
    report_input.what_if = what_if.as_ref();
    let output = &common.output;
    super::write_outputs(files, output, Some(report_input), &inputs, &mut table)?;
    if output.timings {
        clock.lap("write");
        table.push_str(&clock.line());
    }
    print_summary(output.format, &summary.to_json(), &table)
}

/// Reads the layers and the scenarios' sites, builds the study and measures the baseline.
fn prepare(
    args: &Args,
    specs: &[Spec],
    clock: &mut super::progress::Clock,
) -> Result<(
    circleplan::Study,
    circleplan::Analysis,
    Vec<Scenario>,
    RunInfo,
)> {
    let common = &args.common;
    let Loaded {
        compounds,
        centres,
        circle,
        mut run,
        streets,
        ..
    } = common.read_layers(&args.input, true)?;
    let added = read_added(args, specs, &mut run)?;
    clock.lap("read");
    let proposals: Vec<&Centres> = added.iter().flatten().collect();
    let proposals = Proposals {
        sites: &proposals,
        facilities: &[],
    };
    let layers = StudyLayers {
        streets,
        ..StudyLayers::new(compounds, centres)
    };
    let metric = &common.metric;
    let (study, analysis) = super::metric::analyse(
        metric,
        &args.input,
        layers,
        circle,
        proposals,
        &common.output,
        &mut run.warnings,
    )?;
    run.access = Some(study.access().as_str());
    clock.lap("coverage");
    let mut scenarios = Vec::with_capacity(specs.len());
    for (spec, added) in specs.iter().zip(added) {
        let added = added.unwrap_or_else(Centres::empty);
        scenarios.push(Scenario::new(
            &spec.name,
            added,
            &spec.close,
            &study.centres,
        )?);
    }
    check_scenario_names(&scenarios)?;
    Ok((study, analysis, scenarios, run))
}

/// The sites the report can switch: every scenario's added sites (off; once each) and every
/// centre a scenario closes (on).
fn switch_sites(
    study: &circleplan::Study,
    analysis: &circleplan::Analysis,
    scenarios: &[Scenario],
) -> Vec<SwitchSite> {
    let mut sites: Vec<SwitchSite> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for s in scenarios {
        let a = &s.added;
        for i in 0..a.len() {
            if seen.insert(a.ids[i].clone()) {
                sites.push(SwitchSite {
                    id: a.ids[i].clone(),
                    lonlat: a.lonlat[i],
                    budget_m: study.circle.budget_for_level(&a.level[i]),
                    existing: None,
                    on: false,
                    kind: "proposed",
                });
            }
        }
    }
    let c = &study.centres;
    for s in scenarios {
        for &k in &s.closed {
            let k_us = k as usize;
            if seen.insert(c.ids[k_us].clone()) {
                sites.push(SwitchSite {
                    id: c.ids[k_us].clone(),
                    lonlat: c.lonlat[k_us],
                    budget_m: analysis.budget_m[k_us],
                    existing: Some(k),
                    on: true,
                    kind: "existing",
                });
            }
        }
    }
    sites
}
