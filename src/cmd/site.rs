//! `circleplan site`: where the next centres should go — the K sites that cover most people,
//! or the fewest sites that reach a target share — proven optimal or with a certified gap.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Result, bail};
use circleplan::report::{self, SiteList};
use circleplan::siting::{Goal, auto_candidates, plan_sites};
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
    candidate_layer: super::args::CandidateLayerArgs,
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
}

/// Runs `site`.
pub fn run(args: Args) -> Result<()> {
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
            &args.candidate_layer.options(&args.input)?,
            &CentreFields::default(),
            &mut run.warnings,
        )?)
    };
    let candidates_path = file_candidates
        .as_ref()
        .map(|_| Path::new(&args.candidates));
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
            if args.metric.metric == super::metric::MetricName::Matrix {
                bail!(
                    "--candidates auto cannot be measured with --metric matrix (the table only \
                     knows its own sites): pass a candidates file whose ids are in the table"
                );
            }
            let street_nodes: Vec<[f64; 2]> = measure
                .network()
                .map(|(net, _)| (0..net.node_count()).map(|i| net.node_xy(i)).collect())
                .unwrap_or_default();
            let (xy, ids) = auto_candidates(
                &analysis.compounds_xy,
                &compounds.ids,
                &covered,
                circle.radius_m,
                &street_nodes,
            );
            let lonlat = xy
                .iter()
                .map(|p| {
                    let (lon, lat) = analysis.study.plane.unproject(*p);
                    [lon, lat]
                })
                .collect();
            (ids, lonlat, xy, "auto".to_string())
        }
    };
    if cand_ids.is_empty() {
        if file_candidates.is_some() {
            bail!("{}: the candidates file has no points", args.candidates);
        }
        bail!("every compound is already covered: there is nothing for new sites to win");
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
    let plan = super::progress::step("Choosing sites", args.output.quiet, || {
        plan_sites(
            &cover,
            &compounds.population,
            &covered,
            goal,
            Duration::try_from_secs_f64(args.time_limit).unwrap_or(Duration::MAX),
        )
    })?;
    let sites = SiteList {
        ids: &cand_ids,
        lonlat: &cand_lonlat,
    };
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
            "sites",
            "uncoverable",
        ] {
            obj.insert(key.into(), extra[key].clone());
        }
    }
    let mut table = report::summary_table(&analysis, &compounds, &circle, &run.warnings);
    table.push_str(&format!(
        "\nNew sites ({} candidates from {source}):\n",
        cand_ids.len()
    ));
    let rows: Vec<Vec<String>> = plan
        .sites
        .iter()
        .map(|s| {
            vec![
                s.rank.to_string(),
                cand_ids[s.candidate as usize].clone(),
                format!("+{:.0}", s.gain_population),
                format!("{:.1} %", s.cumulative_share * 100.0),
            ]
        })
        .collect();
    table.push_str(&report::render_table(
        &["rank", "site", "new population", "cumulative share"],
        &rows,
    ));
    let share = |p: f64| 100.0 * p / plan.total_population.max(f64::MIN_POSITIVE);
    table.push_str(&format!(
        "Covered after: {:.0} ({:.2} %), of which new {:.0}. Upper bound {:.0}; gap {:.3} %; {}. Greedy alone: {:.0}.\n",
        plan.objective,
        share(plan.objective),
        plan.added_population,
        plan.upper_bound,
        plan.gap * 100.0,
        match (goal, plan.optimal) {
            (Goal::Add(_), true) => "proven optimal".to_string(),
            (Goal::Add(_), false) => "time limit reached: certified gap".to_string(),
            (Goal::Target(_), true) => format!("{} sites is proven the fewest", plan.sites.len()),
            (Goal::Target(_), false) => format!(
                "time limit reached before proving {} sites is the fewest",
                plan.sites.len()
            ),
        },
        plan.greedy_objective,
    ));
    if let Goal::Target(t) = goal
        && !plan.target_reached
    {
        table.push_str(&format!(
            "Target {:.1} % cannot be reached: the best any choice of candidates reaches is {:.2} %; {} compounds are out of every candidate's reach (listed as `uncoverable`).\n",
            t * 100.0,
            plan.reachable_share * 100.0,
            plan.uncoverable.len()
        ));
    }
    if let Some(dir) = &args.output.output {
        let mut files = circleplan::io::OutputSet::new();
        files.add("summary.json", report::pretty_json(&summary).into_bytes());
        files.add(
            "sites.geojson",
            report::sites_geojson(&plan, sites, &analysis.study).into_bytes(),
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
        super::commit(&files, dir, &read_paths, &mut table)?;
    }
    if let Some(path) = &args.output.report {
        let mut input = report::ReportInput::new(&analysis, &compounds, &centres, &circle, &run);
        input.sites = Some(report::SitesReport {
            plan: &plan,
            candidates: sites,
            source: &source,
        });
        let (lang, quiet) = (args.output.lang, args.output.quiet);
        table.push_str(&super::html::emit(path, input, lang, quiet, &read_paths)?);
    }
    print_summary(args.output.format, &summary, &table)
}
