//! `circleplan site`: where the next centres should go — the K sites that cover most people,
//! or the fewest sites that reach a target share — proven optimal or with a certified gap.

use std::path::Path;

use anyhow::{Context, Result, bail};
use circleplan::coverage::SwitchSite;
use circleplan::report;
use circleplan::report::RunInfo;
use circleplan::siting::{
    CandidateSource, DistanceKind, DistanceOptions, FixedSites, Goal, SiteOptions,
};
use circleplan::{Analysis, CentreFields, Centres, Study, StudyLayers};

use super::args::{CandidateRunArgs, InputArgs};
use super::coverage::print_summary;

/// Arguments of `site`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  circleplan site --compounds compounds.geojson --centers centers.geojson --candidates candidates.geojson --add 5 -o sites/
  circleplan site --compounds compounds.geojson --centers centers.geojson --candidates auto --target 0.95
  circleplan site --compounds compounds.geojson --candidates auto --add 20 --minutes 10 --standard gb50180
  circleplan site --compounds c.geojson --centers s.geojson --candidates k.geojson --add 5 --require K012 --exclude K003,K007
  circleplan site --compounds c.geojson --centers s.geojson --candidates k.geojson --add 8 --capacitated --residents-per-capacity 8.73
  circleplan site --compounds c.geojson --centers s.geojson --candidates k.geojson --add 5 --objective distance --max-distance 2000
  circleplan site --compounds c.geojson --centers s.geojson --candidates k.geojson --add 5 --objective max-distance")]
pub struct Args {
    #[command(flatten)]
    layers: CandidateRunArgs,
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
    #[arg(long, value_name = "SHARE", allow_negative_numbers = true)]
    target: Option<f64>,
    /// Seconds for the optimality proof; the best answer and its certified gap are reported
    /// when it runs out.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 60.0,
        allow_negative_numbers = true
    )]
    time_limit: f64,
    /// Candidates every plan must contain (land already secured): ID,ID… or a file (a
    /// layer's ids, or one id a line). They count toward --add.
    #[arg(long, value_name = "ID,…|FILE")]
    require: Option<String>,
    /// Candidates no plan may use: ID,ID… or a file.
    #[arg(long, value_name = "ID,…|FILE")]
    exclude: Option<String>,
    #[command(flatten)]
    capacity: super::site_capacity::CapacityArgs,
    /// What the new sites optimise: `coverage` (most residents within the circle), `distance`
    /// (p-median: the least population-weighted mean walk to the nearest centre) or
    /// `max-distance` (p-center: the least longest walk). Existing centres count; the circle
    /// still sets the coverage figures reported beside.
    #[arg(long, value_enum, default_value_t = Objective::Coverage)]
    objective: Objective,
    /// Distance objectives: walks longer than M metres (and compounds no centre reaches within
    /// M) count at M. Default: twice the circle's radius.
    #[arg(long, value_name = "M", allow_negative_numbers = true)]
    max_distance: Option<f64>,
}

/// `--objective`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Objective {
    /// Most residents within the circle.
    Coverage,
    /// p-median: least population-weighted mean walk.
    Distance,
    /// p-center: least longest walk.
    MaxDistance,
}

/// The distance objective's options (`None` for coverage).
fn distance_options(args: &Args, radius_m: f64) -> Option<DistanceOptions> {
    let kind = match args.objective {
        Objective::Coverage => return None,
        Objective::Distance => DistanceKind::Mean,
        Objective::MaxDistance => DistanceKind::Max,
    };
    Some(DistanceOptions {
        kind,
        max_distance_m: args.max_distance.unwrap_or(2.0 * radius_m),
    })
}

/// The goal (the library checks it).
fn goal(args: &Args) -> Result<Goal> {
    Ok(match (args.add, args.target) {
        (Some(k), _) => Goal::Add(k),
        (None, Some(t)) => Goal::Target(t),
        (None, None) => bail!("give --add K or --target SHARE"),
    })
}

/// The report's what-if sites: every candidate, the chosen ones on.
fn switch_sites(site_run: &circleplan::siting::SiteRun, radius_m: f64) -> Vec<SwitchSite> {
    let chosen: std::collections::HashSet<u32> =
        site_run.plan.sites.iter().map(|s| s.candidate).collect();
    (0..site_run.candidate_ids.len())
        .map(|i| SwitchSite {
            id: site_run.candidate_ids[i].clone(),
            lonlat: site_run.candidate_lonlat[i],
            budget_m: radius_m,
            existing: None,
            on: chosen.contains(&(i as u32)),
            kind: if chosen.contains(&(i as u32)) {
                "chosen"
            } else {
                "candidate"
            },
        })
        .collect()
}

/// `--require` and `--exclude`.
fn fixed_sites(args: &Args) -> Result<FixedSites> {
    let list = |flag: &str, v: &Option<String>| -> Result<Vec<String>> {
        match v {
            Some(v) => super::args::id_list(v).with_context(|| format!("{flag} {v}")),
            None => Ok(Vec::new()),
        }
    };
    Ok(FixedSites {
        require: list("--require", &args.require)?,
        exclude: list("--exclude", &args.exclude)?,
    })
}

/// The candidates layer and the fields read from it (`None` for `auto`): the centres'
/// options and the capacity field.
fn candidates_layer(args: &Args) -> Option<(&Path, CentreFields)> {
    (args.candidates != "auto").then(|| {
        let fields = CentreFields {
            capacity_field: args.layers.input.capacity_field.clone(),
            ..CentreFields::default()
        };
        (Path::new(&args.candidates), fields)
    })
}

/// Runs `site`.
pub fn run(args: Args) -> Result<()> {
    let common = &args.layers.common;
    super::check_output_paths(&common.output)?;
    let goal = goal(&args)?;
    let time_limit = circleplan::siting::time_limit(args.time_limit)?;
    let fixed = fixed_sites(&args)?;
    let layer = candidates_layer(&args);
    let candidates_path = layer.as_ref().map(|(path, _)| *path);
    let read_paths = super::read_paths(&args.layers.input, &common.metric, candidates_path);
    let mut s = study_with_candidates(&args.layers, false, layer)?;
    let (compounds, centres, circle) = (&s.study.compounds, &s.study.centres, &s.study.circle);
    let street_nodes: Vec<[f64; 2]> = s
        .study
        .network()
        .map(|(net, _)| (0..net.node_count()).map(|i| net.node_xy(i)).collect())
        .unwrap_or_default();
    let options = SiteOptions {
        goal,
        time_limit,
        candidates: match &s.study.candidates {
            Some(layer) => CandidateSource::Layer(layer),
            None => CandidateSource::Auto {
                street_nodes: &street_nodes,
            },
        },
        radius_m: circle.radius_m,
        capacity: args.capacity.options(),
        fixed: Some(&fixed),
        distance: distance_options(&args, circle.radius_m),
    };
    let mut site_run = super::progress::step("Choosing sites", common.output.quiet, || {
        s.study.site(&s.analysis, options)
    })?;
    if let Some(path) = candidates_path {
        // The candidates' own fields go to sites.geojson, so it can be appended to the
        // centres layer or passed back as a scenario.
        let own = circleplan::io::read_properties(path, args.layers.input.encoding)?;
        if own.len() == site_run.candidate_ids.len() {
            site_run.candidate_properties = own;
        }
    }
    s.run.warnings.extend(args.capacity.unused());
    if args.max_distance.is_some() && args.objective == Objective::Coverage {
        s.run.warnings.push(circleplan::Warning::UnusedOption {
            option: "--max-distance".into(),
            why: "it caps walks for --objective distance or max-distance only".into(),
        });
    }
    s.run.warnings.extend(site_run.warnings.iter().cloned());
    let source = match &s.study.candidates {
        Some(_) => args.candidates.clone(),
        None => "auto".to_string(),
    };
    let layers = report::RunLayers {
        analysis: &s.analysis,
        compounds,
        centres,
        circle,
    };
    let (summary, files) =
        report::site_outputs(&site_run, layers, &s.run, &source, args.time_limit);
    let mut table = report::summary_table(&s.analysis, compounds, circle, &s.run.warnings);
    table.push_str(&report::site_table(&site_run, &source));
    let sites = site_run.sites();
    let mut input = report::ReportInput::new(&s.analysis, compounds, centres, circle, &s.run);
    input.network = s.study.network();
    input.network_source = (common.metric.network.as_deref()).map(|p| p.display().to_string());
    input.sites = Some(report::SitesReport {
        plan: &site_run.plan,
        candidates: sites,
        source: &source,
        distance: site_run.distance.as_ref(),
    });
    // The what-if data only feeds the page.
    let what_if = common.output.report.is_some().then(|| {
        s.study
            .what_if(&s.analysis, &switch_sites(&site_run, circle.budget_m()))
    });
    input.what_if = what_if.as_ref();
    super::write_outputs(files, &common.output, Some(input), &read_paths, &mut table)?;
    print_summary(common.output.format, &summary.to_json(), &table)
}

/// What `gaps` and `site` start from: the study (layers, candidates when given, metric),
/// the run's record and the baseline coverage.
pub(crate) struct CandidateStudy {
    pub study: Study,
    pub run: RunInfo,
    pub analysis: Analysis,
}

/// Reads the layers and the candidates layer `candidates` (recorded in the run's inputs),
/// then measures coverage. `centres_required` refuses a run without `--centers`.
pub(crate) fn study_with_candidates(
    layers: &CandidateRunArgs,
    centres_required: bool,
    candidates: Option<(&Path, CentreFields)>,
) -> Result<CandidateStudy> {
    let CandidateRunArgs {
        input,
        candidate_layer,
        common,
    } = layers;
    let loaded = common.read_layers(input, centres_required)?;
    let mut run = loaded.run;
    let candidates = match candidates {
        Some((path, fields)) => {
            let options = candidate_layer.options(input)?;
            let mut c = Centres::load(path, &options, &fields, &mut run.warnings)?;
            let info = candidates_info(input, candidate_layer, path, &c);
            run.inputs.push(("candidates".into(), info));
            let far = super::far_points(
                "candidates",
                path,
                &c.ids,
                &c.lonlat,
                input.drop_far,
                &mut run,
            )?;
            c.remove(&far);
            Some(c)
        }
        None => None,
    };
    let layers = StudyLayers {
        candidates,
        streets: loaded.streets,
        ..StudyLayers::new(loaded.compounds, loaded.centres)
    };
    let (study, analysis) = super::metric::analyse(
        &common.metric,
        input,
        layers,
        loaded.circle,
        Default::default(),
        &common.output,
        &mut run.warnings,
    )?;
    run.access = Some(study.access().as_str());
    Ok(CandidateStudy {
        study,
        run,
        analysis,
    })
}

/// The summary's record of a candidates layer.
pub(crate) fn candidates_info(
    input: &InputArgs,
    layer: &super::args::CandidateLayerArgs,
    path: &Path,
    c: &Centres,
) -> circleplan::report::LayerInfo {
    super::coverage::layer_info(
        path,
        c.len(),
        c.polygons,
        (input.coords_name(layer.candidates_coords), c.crs.clone()),
        c.encoding.clone(),
    )
}
