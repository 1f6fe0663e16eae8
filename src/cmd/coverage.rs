//! `circleplan coverage`: who lives within the circle of a service centre.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use circleplan::report::{self, LayerInfo, RunInfo};
use circleplan::{Centres, Circle, Compounds, Study, StudyLayers};

use super::args::{CircleArgs, CommonArgs, Format, InputArgs};

/// Arguments of `coverage`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  circleplan coverage --compounds compounds.geojson --centers centers.geojson -o out/
  circleplan coverage --compounds 小区.csv --centers centers.csv --coords gcj02 --minutes 10 --standard gb50180 --group-by 街道
  circleplan coverage --compounds c.geojson --centers s.geojson --level-radius station=300 --format json
  circleplan coverage --compounds c.geojson --centers s.geojson --boundaries 街道.shp --group-by 街道 -o out/
  circleplan coverage --compounds c.geojson --centers s.geojson --capacitated --capacity-field floor_area_m2 --residents-per-capacity 8.73
  # walk from each compound's nearest gate (小区出入口), along the streets
  circleplan coverage --compounds c.geojson --centers s.geojson --network streets.geojson --gates gates.geojson")]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    common: CommonArgs,
    /// Also write circles.geojson with each centre's service circle (or, with --metric
    /// network, its walkable service area) for display.
    #[arg(long)]
    circles: bool,
    /// Centres have capacities: assign residents to centres within reach, no centre over
    /// its capacity, maximising the residents served (exact maximum flow; a compound may be
    /// split). Capacities come from --capacity-field.
    #[arg(long)]
    capacitated: bool,
    /// Residents per unit of the capacity field (e.g. 8.73 residents per m² of floor area);
    /// 1 when capacities are already residents.
    #[arg(
        long,
        value_name = "R",
        default_value_t = 1.0,
        allow_negative_numbers = true
    )]
    residents_per_capacity: f64,
}

/// Everything loaded for a run, with its bookkeeping.
pub(crate) struct Loaded {
    pub compounds: Compounds,
    pub centres: Centres,
    pub circle: Circle,
    pub run: RunInfo,
    pub timings: Vec<(String, f64)>,
    /// The street file, when the metric walks one and [`super::args::CommonArgs::read_layers`]
    /// read it beside the layers.
    pub streets: Option<circleplan::network::StreetLines>,
}

/// What the summary says about one input layer.
pub(crate) fn layer_info(
    path: &Path,
    features: usize,
    polygons: usize,
    (coords, crs): (String, Option<String>),
    encoding: Option<String>,
) -> LayerInfo {
    LayerInfo {
        path: path.display().to_string(),
        features,
        coords,
        crs,
        polygons,
        encoding,
    }
}

/// Reads compounds and centres and sets up the circle (checked first, before any reading).
pub(crate) fn load(
    input: &InputArgs,
    circle: &CircleArgs,
    centres_required: bool,
) -> Result<Loaded> {
    let circle = circle.circle()?;
    if centres_required && input.centers.is_empty() {
        anyhow::bail!("--centers FILE is required: the existing service centres");
    }
    let levels = input.centre_levels()?;
    let mut run = RunInfo::default();
    let mut timings = Vec::new();
    let t = Instant::now();
    let compound_options = input.compound_options()?;
    let areas = input.areas.load(
        &input.layer_options(super::args::LayerFlags {
            coords: None,
            crs: &None,
            crs_flag: "--crs",
            id_field: None,
        })?,
        &mut run,
        input.coords_name(None),
    )?;
    let compound_fields = circleplan::CompoundFields {
        boundaries: areas.clone(),
        ..input.compound_fields()
    };
    // Both sides at once: each reader has serial steps the other's work can fill. Warnings
    // and errors keep the order of reading one after the other.
    let mut centre_warnings = Vec::new();
    let (compounds, centres) = rayon::join(
        || {
            Compounds::load(
                &input.compounds,
                &compound_options,
                &compound_fields,
                &mut run.warnings,
            )
        },
        || read_centre_layers(input, &levels, &mut centre_warnings),
    );
    let (mut compounds, mut layers) = (compounds?, centres?);
    run.warnings.extend(centre_warnings);
    timings.push(("read".to_string(), t.elapsed().as_secs_f64() * 1000.0));
    run.inputs.push((
        "compounds".into(),
        layer_info(
            &input.compounds,
            compounds.len(),
            compounds.polygons,
            (
                input.coords_name(input.compounds_coords),
                compounds.crs.clone(),
            ),
            compounds.encoding.clone(),
        ),
    ));
    for (k, (path, layer)) in input.centers.iter().zip(&layers).enumerate() {
        let role = match k {
            0 => "centers".to_string(),
            k => format!("centers_{}", k + 1),
        };
        let coords = (input.coords_name(input.centers_coords), layer.crs.clone());
        let info = layer_info(
            path,
            layer.len(),
            layer.polygons,
            coords,
            layer.encoding.clone(),
        );
        run.inputs.push((role, info));
    }
    let (path, drop) = (&input.compounds, input.drop_far);
    let far = super::far_points(
        "compounds",
        path,
        &compounds.ids,
        &compounds.lonlat,
        drop,
        &mut run,
    )?;
    compounds.remove(&far);
    for (path, layer) in input.centers.iter().zip(layers.iter_mut()) {
        let far = super::far_points("centers", path, &layer.ids, &layer.lonlat, drop, &mut run)?;
        layer.remove(&far);
    }
    let mut centres = Centres::merge(layers)?;
    if let Some(areas) = &areas {
        centres.assign_areas(areas);
    }
    circle.check_levels(centres.level.iter().map(String::as_str))?;
    Ok(Loaded {
        compounds,
        centres,
        circle,
        run,
        timings,
        streets: None,
    })
}

/// Reads every `--centers` layer, in order. With several layers, one without a level field
/// takes its `--centers-level`, else its file stem (with a note).
fn read_centre_layers(
    input: &InputArgs,
    levels: &[(String, std::path::PathBuf)],
    warnings: &mut Vec<circleplan::Warning>,
) -> Result<Vec<Centres>> {
    let options = input.centre_options()?;
    let fields = input.centre_fields();
    let mut layers = Vec::with_capacity(input.centers.len());
    for path in &input.centers {
        let mut layer = Centres::load(path, &options, &fields, warnings)?;
        let given = levels.iter().find(|(_, p)| p == path).map(|(l, _)| l);
        if layer.level.iter().all(String::is_empty) && (given.is_some() || input.centers.len() > 1)
        {
            let level = match given {
                Some(l) => l.clone(),
                None => {
                    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
                    warnings.push(circleplan::Warning::LevelFromFileName {
                        path: path.clone(),
                        level: stem.to_string(),
                    });
                    stem.to_string()
                }
            };
            layer.level.iter_mut().for_each(|l| *l = level.clone());
        }
        layers.push(layer);
    }
    Ok(layers)
}

/// Prints the summary as a table or JSON.
pub(crate) fn print_summary(format: Format, summary_json: &str, table: &str) -> Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match format {
        Format::Json => stdout.write_all(summary_json.as_bytes())?,
        Format::Table => stdout.write_all(table.as_bytes())?,
    }
    Ok(())
}

/// With `--capacitated`: the centres' capacities in residents and the exact assignment.
fn capacitate(
    args: &Args,
    analysis: &circleplan::Analysis,
    study: &Study,
) -> Result<Option<circleplan::capacity::Capacitated>> {
    if !args.capacitated {
        return Ok(None);
    }
    let centres = &study.centres;
    let capacity = circleplan::capacity::centre_capacities(centres, args.residents_per_capacity)
        .context("--capacitated")?;
    let step = "Assigning residents under capacity";
    let quiet = args.common.output.quiet;
    Ok(Some(super::progress::step(step, quiet, || {
        let costs = study.costs();
        let pop = &study.compounds.population;
        circleplan::capacity::capacitated_coverage(analysis, &costs, centres, pop, capacity)
    })))
}

/// `circles.geojson`: each centre's straight-line circle, or its walkable service area under
/// the network metric.
pub(crate) fn circles_layer(study: &Study, analysis: &circleplan::Analysis) -> Vec<u8> {
    let centres = &study.centres;
    match study.network() {
        Some((network, snap_limit_m)) => {
            report::service_areas_geojson(centres, analysis, network, snap_limit_m)
        }
        None => report::circles_geojson(centres, analysis),
    }
    .into_bytes()
}

/// Runs `coverage`.
pub fn run(args: Args) -> Result<()> {
    let common = &args.common;
    super::check_output_paths(&common.output)?;
    let Loaded {
        compounds,
        centres,
        circle,
        mut run,
        mut timings,
        streets,
    } = common.read_layers(&args.input, true)?;
    if !args.capacitated && args.residents_per_capacity != 1.0 {
        run.warnings.push(circleplan::Warning::UnusedOption {
            option: "--residents-per-capacity".into(),
            why: "capacities are used with --capacitated only".into(),
        });
    }
    let t = Instant::now();
    let layers = StudyLayers {
        streets,
        ..StudyLayers::new(compounds, centres)
    };
    let (study, analysis) = super::metric::analyse(
        &common.metric,
        &args.input,
        layers,
        circle,
        Default::default(),
        &common.output,
        &mut run.warnings,
    )?;
    run.access = Some(study.access().as_str());
    timings.push(("coverage".into(), t.elapsed().as_secs_f64() * 1000.0));
    if common.output.timings {
        run.timings_ms = Some(timings.clone());
    }
    let capacitated = capacitate(&args, &analysis, &study)?;
    let t = Instant::now();
    let (compounds, centres, circle) = (&study.compounds, &study.centres, &study.circle);
    let layers = report::RunLayers {
        analysis: &analysis,
        compounds,
        centres,
        circle,
    };
    let (summary, mut files) = match &capacitated {
        // The circles layer is added below, once, by the metric.
        Some(cap) => report::capacitated_outputs(layers, &run, false, cap),
        None => report::coverage_outputs(layers, &run, false),
    };
    if args.circles {
        files.add("circles.geojson", circles_layer(&study, &analysis));
    }
    let mut table = report::summary_table(&analysis, compounds, circle, &run.warnings);
    if let Some(cap) = &capacitated {
        table.push_str(&report::capacity_table(&analysis, centres, cap));
    }
    let inputs = super::read_paths(&args.input, &common.metric, None);
    let mut report_input = report::ReportInput::new(&analysis, compounds, centres, circle, &run);
    report_input.capacity = capacitated.as_ref();
    report_input.network = study.network();
    report_input.network_source =
        (common.metric.network.as_deref()).map(|p| p.display().to_string());
    super::write_outputs(
        files,
        &common.output,
        Some(report_input),
        &inputs,
        &mut table,
    )?;
    if common.output.timings {
        timings.push(("write".into(), t.elapsed().as_secs_f64() * 1000.0));
        let list: Vec<String> = timings
            .iter()
            .map(|(k, ms)| format!("{k} {ms:.0} ms"))
            .collect();
        table.push_str(&format!("Timings: {}\n", list.join(", ")));
    }
    let printed = print_summary(common.output.format, &summary.to_json(), &table);
    // The process ends here: the operating system takes back the millions of small
    // allocations (ids, columns) at once, 30 ms sooner than freeing them one by one.
    std::mem::forget((study, analysis, capacitated));
    printed
}
