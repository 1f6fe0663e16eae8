//! `circleplan site`: where the next centres should go — the K sites that cover most people,
//! or the fewest sites that reach a target share — proven optimal or with a certified gap.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Result, bail};
use circleplan::report::{self, SiteList};
use circleplan::siting::{
    GRID_FRACTION, Goal, MAX_AUTO_GRID, SitePlan, auto_candidates, plan_sites,
};
use circleplan::{CentreFields, Centres};

use super::args::{CircleArgs, InputArgs, OutputArgs};
use super::coverage::{Loaded, load, print_summary};

/// Arguments of `site`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  circleplan site --compounds compounds.geojson --centers centers.geojson --candidates candidates.geojson --add 5 -o sites/
  circleplan site --compounds compounds.geojson --centers centers.geojson --candidates auto --target 0.95
  circleplan site --compounds compounds.geojson --candidates auto --add 20 --minutes 10 --standard gb50180")]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    circle: CircleArgs,
    #[command(flatten)]
    metric: super::metric::MetricArgs,
    #[command(flatten)]
    output: OutputArgs,
    /// Candidate sites: a GeoJSON/CSV file of points, or `auto` (uncovered compound locations
    /// plus a grid at half the radius).
    #[arg(long, value_name = "FILE|auto")]
    candidates: String,
    /// Add this many new sites, maximising newly covered population.
    #[arg(
        long,
        value_name = "K",
        conflicts_with = "target",
        required_unless_present = "target"
    )]
    add: Option<usize>,
    /// Fewest new sites bringing the covered population share to at least SHARE (0–1].
    #[arg(long, value_name = "SHARE")]
    target: Option<f64>,
    /// Seconds for the optimality proof; the best answer and its certified gap are reported
    /// when it runs out.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    time_limit: f64,
    #[command(flatten)]
    capacity: super::site_capacity::CapacityArgs,
}

/// Runs `site`.
pub fn run(args: Args) -> Result<()> {
    super::check_output_paths(&args.output)?;
    if !(args.time_limit.is_finite() && args.time_limit > 0.0) {
        bail!(
            "invalid --time-limit {}: must be > 0 seconds",
            args.time_limit
        );
    }
    if let Some(t) = args.target
        && !(t > 0.0 && t <= 1.0)
    {
        bail!("invalid --target {t}: must be a share in (0, 1], e.g. 0.95");
    }
    let goal = match (args.add, args.target) {
        (Some(k), _) => Goal::Add(k),
        (None, Some(t)) => Goal::Target(t),
        (None, None) => bail!("give --add K or --target SHARE"),
    };
    let Loaded {
        compounds,
        centres,
        circle,
        mut run,
        ..
    } = super::progress::step("Reading layers", args.output.quiet, || {
        load(&args.input, &args.circle, false)
    })?;
    let file_candidates = if args.candidates == "auto" {
        None
    } else {
        let path = PathBuf::from(&args.candidates);
        Some(Centres::load(
            &path,
            &args.input.centre_options()?,
            &CentreFields {
                capacity_field: args.input.capacity_field.clone(),
                ..CentreFields::default()
            },
            &mut run.warnings,
        )?)
    };
    let candidates_path = file_candidates
        .as_ref()
        .map(|_| Path::new(&args.candidates));
    if let (Some(path), Some(c)) = (candidates_path, &file_candidates) {
        run.inputs
            .push(("candidates".into(), candidates_info(&args.input, path, c)));
    }
    let read_paths = super::read_paths(&args.input, &args.metric, candidates_path);
    let (measure, analysis) = super::metric::analyse(
        &args.metric,
        &compounds,
        &centres,
        file_candidates.as_ref(),
        &circle,
        &args.output,
        &mut run.warnings,
    )?;
    let costs = measure.costs();
    let covered = analysis.coverage.covered();
    let (cand_ids, cand_lonlat, cand_xy, source) = match &file_candidates {
        Some(c) => (
            c.ids.clone(),
            c.lonlat.clone(),
            analysis.study.project(&c.lonlat),
            args.candidates.clone(),
        ),
        None => {
            let (ids, lonlat, xy) = auto_sites(
                &args,
                &measure,
                &analysis,
                &compounds.ids,
                &covered,
                circle.radius_m,
                &mut run.warnings,
            )?;
            (ids, lonlat, xy, "auto".to_string())
        }
    };
    if cand_ids.is_empty() && file_candidates.is_some() {
        bail!("{}: the candidates file has no points", args.candidates);
    }
    let cover = super::progress::step("Measuring candidate sites", args.output.quiet, || {
        costs
            .coverage(
                &analysis.compounds_xy,
                &cand_xy,
                &cand_ids,
                &vec![circle.radius_m; cand_xy.len()],
            )
            .0
            .by_compound
            .transpose()
    });
    let (plan, capacitated) = super::progress::step("Choosing sites", args.output.quiet, || {
        let limit = Duration::try_from_secs_f64(args.time_limit).unwrap_or(Duration::MAX);
        if args.capacity.capacitated {
            let inputs = super::site_capacity::CapacityInputs {
                analysis: &analysis,
                costs: &costs,
                compounds: &compounds,
                centres: &centres,
                candidates: file_candidates.as_ref(),
                n_candidates: cand_ids.len(),
                cover: &cover,
                covered: &covered,
            };
            let (plan, solved) = super::site_capacity::plan(&args.capacity, goal, limit, &inputs)?;
            return Ok((plan, Some(solved)));
        }
        let plan = plan_sites(&cover, &compounds.population, &covered, goal, limit)?;
        anyhow::Ok((plan, None))
    })?;
    let sites = SiteList {
        ids: &cand_ids,
        lonlat: &cand_lonlat,
    };
    if let Some(note) = report::site_note(&plan)
        && !plan.sites.is_empty()
    {
        run.warnings.push(format!("--add: {note}"));
    }
    let mut summary = report::summary_value(&analysis, &compounds, &circle, &run);
    let site = report::site_value(
        &plan,
        sites,
        &source,
        &compounds,
        args.time_limit,
        &analysis.study,
    );
    if let (Some(obj), serde_json::Value::Object(extra)) = (summary.as_object_mut(), site) {
        obj.insert("site".into(), serde_json::Value::Object(extra.clone()));
        for key in [
            "objective",
            "added_population",
            "upper_bound",
            "gap",
            "optimal",
            "count_optimal",
            "sites",
            "uncoverable",
        ] {
            obj.insert(key.into(), extra[key].clone());
        }
    }
    let mut table = report::summary_table(&analysis, &compounds, &circle, &run.warnings);
    table.push_str(&plan_table(&plan, &cand_ids, &source));
    if capacitated.is_some() {
        table.push_str(
            "Under capacity: populations above are residents served, no site over its capacity \
             (sites.geojson: assigned_population).\n",
        );
    }
    let mut files = circleplan::io::OutputSet::new();
    if args.output.output.is_some() {
        files.add("summary.json", report::pretty_json(&summary).into_bytes());
        files.add(
            "sites.geojson",
            report::sites_geojson_with(&plan, sites, &analysis.study, &|s, k| {
                if let Some(c) = &capacitated {
                    s.push_str(",\"assigned_population\":");
                    let existing = centres.len();
                    report::push_rounded(s, c.assignment.assigned[existing + k], 3);
                }
            })
            .into_bytes(),
        );
        let extra = |s: &mut String, i: usize| {
            s.push_str(",\"new_site\":");
            match plan.new_cover[i] {
                Some(c) => circleplan::io::push_json_str(s, &cand_ids[c as usize]),
                None => s.push_str("null"),
            }
            s.push_str(",\"covered_after\":");
            s.push_str(if covered[i] || plan.new_cover[i].is_some() {
                "true"
            } else {
                "false"
            });
        };
        files.add(
            "compounds.geojson",
            report::compounds_geojson_with(&compounds, &centres, &analysis, &circle, &extra)
                .into_bytes(),
        );
    }
    let mut input = report::ReportInput::new(&analysis, &compounds, &centres, &circle, &run);
    input.sites = Some(report::SitesReport {
        plan: &plan,
        candidates: sites,
        source: &source,
    });
    super::write_outputs(files, &args.output, Some(input), &read_paths, &mut table)?;
    print_summary(args.output.format, &summary, &table)
}

/// The terminal text about the chosen sites: the ranked table, the totals, what is proven,
/// and notes on an unreachable target or a plan smaller than asked.
fn plan_table(plan: &SitePlan, cand_ids: &[String], source: &str) -> String {
    let mut table = format!(
        "\nNew sites ({} candidates from {source}):\n",
        cand_ids.len()
    );
    let rows: Vec<Vec<String>> = plan
        .sites
        .iter()
        .map(|s| {
            vec![
                s.rank.to_string(),
                cand_ids[s.candidate as usize].clone(),
                format!("+{:.0}", s.gain_population),
                format!("{} %", report::fixed(s.cumulative_share * 100.0, 1)),
            ]
        })
        .collect();
    table.push_str(&report::render_table(
        &["rank", "site", "new population", "cumulative share"],
        &rows,
    ));
    let share = |p: f64| 100.0 * p / plan.total_population.max(f64::MIN_POSITIVE);
    let n = plan.sites.len();
    let proof = match (plan.count_optimal, plan.optimal) {
        (None, true) => "proven optimal".to_string(),
        (None, false) => "time limit reached: certified gap".to_string(),
        (Some(true), true) => {
            format!("{n} sites is proven the fewest; their coverage is proven optimal")
        }
        (Some(true), false) => format!(
            "{n} sites is proven the fewest; time limit reached before proving their coverage optimal"
        ),
        (Some(false), _) => format!("time limit reached before proving {n} sites is the fewest"),
    };
    table.push_str(&format!(
        "Covered after: {:.0} ({} %), of which new {:.0}. Upper bound {:.0}; gap {} %; {proof}. Greedy alone: {:.0}.\n",
        plan.objective,
        report::fixed(share(plan.objective), 2),
        plan.added_population,
        plan.upper_bound,
        report::fixed(plan.gap * 100.0, 3),
        plan.greedy_objective,
    ));
    if let Goal::Target(t) = plan.goal
        && !plan.target_reached
    {
        table.push_str(&format!(
            "Target {} % cannot be reached: the best any choice of candidates reaches is {} %; {} compounds are out of every candidate's reach (listed as `uncoverable`).\n",
            report::fixed(t * 100.0, 1),
            report::fixed(plan.reachable_share * 100.0, 2),
            plan.uncoverable.len()
        ));
    }
    if let Some(note) = report::site_note(plan)
        && plan.sites.is_empty()
    {
        table.push_str(&format!("Note: {note}.\n"));
    }
    table
}

/// The summary's record of a candidates layer (read with the centres' coordinate options).
pub(crate) fn candidates_info(
    input: &InputArgs,
    path: &Path,
    c: &Centres,
) -> circleplan::report::LayerInfo {
    super::coverage::layer_info(
        path,
        c.len(),
        c.polygons,
        input.describe(input.centers_coords, &input.centers_crs),
    )
}

/// Candidate sites: ids, WGS84 positions and plane positions.
type Sites = (Vec<String>, Vec<[f64; 2]>, Vec<[f64; 2]>);

/// `--candidates auto`: uncovered compounds, a grid and (on foot) street nodes, with their
/// WGS84 positions; warns when the grid had to be coarsened.
fn auto_sites(
    args: &Args,
    measure: &super::metric::Measure,
    analysis: &circleplan::Analysis,
    compound_ids: &[String],
    covered: &[bool],
    radius_m: f64,
    warnings: &mut Vec<String>,
) -> Result<Sites> {
    if args.metric.resolved()? == super::metric::MetricName::Matrix {
        bail!(
            "--candidates auto cannot be measured with --metric matrix (the table only knows \
             its own sites): pass a candidates file whose ids are in the table"
        );
    }
    let street_nodes: Vec<[f64; 2]> = measure
        .network()
        .map(|(net, _)| (0..net.node_count()).map(|i| net.node_xy(i)).collect())
        .unwrap_or_default();
    let auto = super::progress::step("Generating candidate sites", args.output.quiet, || {
        auto_candidates(
            &analysis.compounds_xy,
            compound_ids,
            covered,
            radius_m,
            &street_nodes,
        )
    });
    if auto.coarsened {
        warnings.push(format!(
            "--candidates auto: a grid at {:.0} m (half the radius) would exceed {} points; \
             coarsened to {:.0} m spacing (uncovered compounds stay candidates)",
            radius_m * GRID_FRACTION,
            MAX_AUTO_GRID,
            auto.grid_step_m
        ));
    }
    let lonlat = auto
        .xy
        .iter()
        .map(|p| {
            let (lon, lat) = analysis.study.plane.unproject(*p);
            [lon, lat]
        })
        .collect();
    Ok((auto.ids, lonlat, auto.xy))
}
