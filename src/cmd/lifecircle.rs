//! `circleplan lifecircle`: the 15-minute life circle per facility type (flags → options,
//! one library workflow, print), and `circleplan profile`: print a built-in profile.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use circleplan::io::{Encoding, IdField, ReadOptions};
use circleplan::lifecircle::{
    BUILTIN_PROFILES, Facilities, FacilityFields, LifeCircle, LifeCircleOptions, Profile,
};
use circleplan::model::DEFAULT_PERSONS_PER_HOUSEHOLD;
use circleplan::report::{self, LayerInfo, LifeCircleReport, RunInfo};
use circleplan::{
    Boundaries, Centres, Circle, CompoundFields, Compounds, CoordSystem, Projected, Proposals,
    Study, StudyLayers,
};
use clap::ValueEnum;

use super::args::OutputArgs;
use super::metric::MetricArgs;

/// Accessibility measures.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Accessibility {
    /// Two-step floating catchment (Luo & Wang 2003): supply per 1,000 residents.
    #[value(name = "2sfca")]
    TwoStepFca,
}

/// Arguments of `lifecircle`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  circleplan lifecircle --compounds compounds.geojson --facilities schools.geojson --facilities clinics.csv -o out/
  circleplan lifecircle --compounds 小区.csv --facilities 设施.csv --type-field 设施类型 --group-by 街道 --lang zh -o out/
  circleplan lifecircle --compounds 小区.csv --facilities 设施.csv --boundaries 社区.gpkg --boundary-field 社区 -o out/
  circleplan lifecircle --compounds c.geojson --facilities f.geojson --scenario 方案A=new_kindergartens.geojson -o out/
  # on foot, from the compounds' gates, with each facility's catchment counted
  circleplan lifecircle --compounds c.geojson --facilities f.geojson --network streets.osm.pbf --gates gates.geojson --catchments -o out/
  circleplan profile gb50180-2018 > my.toml   # edit, then --profile my.toml")]
pub struct Args {
    /// Resident compounds: GeoJSON (Point/Polygon features) or CSV with a header.
    #[arg(long, value_name = "FILE")]
    compounds: PathBuf,
    /// A facility layer (GeoJSON, CSV, .shp or .gpkg; repeatable): each feature's type names a profile type.
    #[arg(long, value_name = "FILE", required = true)]
    facilities: Vec<PathBuf>,
    /// Facility type field (detected: type, 类型, 设施类型, category).
    #[arg(long, value_name = "NAME")]
    type_field: Option<String>,
    /// Profile: a built-in name (gb50180-2018) or a TOML file.
    #[arg(long, value_name = "NAME|FILE.toml", default_value = "gb50180-2018")]
    profile: String,
    /// Accessibility per type: 2sfca adds access_<type> (supply per 1,000 residents).
    #[arg(long, value_name = "2sfca")]
    accessibility: Option<Accessibility>,
    /// Count every facility's catchment on foot: `served_population` in facilities.geojson
    /// (residents within its type's distance) takes one bounded search per facility under
    /// `--metric network`, so walking runs write it only with this flag or with 2SFCA
    /// (`nearest_population`, each compound counted at its nearest facility, is always there).
    #[arg(long)]
    catchments: bool,
    /// Facility capacity (supply) for 2SFCA; 1 per facility without it.
    #[arg(long, value_name = "NAME")]
    capacity_field: Option<String>,
    /// Report shares per value of this compound field (repeatable: street, community).
    #[arg(long, value_name = "FIELD")]
    group_by: Vec<String>,
    #[command(flatten)]
    areas: super::args::AreaArgs,
    /// Compound name field for the ledger's 小区名称 (detected: name, 名称, 小区名称).
    #[arg(long, value_name = "NAME")]
    name_field: Option<String>,
    /// A plan: NAME=FILE adds the facilities in FILE (typed as the facility layers) and
    /// reports what changes per type, per level, in completeness and in the ledger.
    /// Repeatable; names may be Chinese (方案A).
    #[arg(long, value_name = "NAME=FILE")]
    scenario: Vec<String>,
    #[command(flatten)]
    layers: LayerArgs,
    #[command(flatten)]
    metric: MetricArgs,
    /// Walking speed for --matrix-unit min, km/h.
    #[arg(long, default_value_t = 4.0, allow_negative_numbers = true)]
    speed: f64,
    #[command(flatten)]
    output: OutputArgs,
}

/// How to read the layers (as `coverage` reads them).
#[derive(Debug, Clone, clap::Args)]
struct LayerArgs {
    /// Coordinate system of every layer: wgs84, gcj02 (Amap, Tencent) or bd09 (Baidu).
    #[arg(long, value_name = "SYS", default_value = "wgs84")]
    coords: CoordSystem,
    /// Coordinate system of the compounds layer (overrides --coords).
    #[arg(long, value_name = "SYS")]
    compounds_coords: Option<CoordSystem>,
    /// Coordinate system of the facility layers (overrides --coords).
    #[arg(long, value_name = "SYS")]
    facilities_coords: Option<CoordSystem>,
    /// Projected system of CSV x/y columns for every layer, e.g. EPSG:4547.
    #[arg(long, value_name = "EPSG:n")]
    crs: Option<String>,
    /// CSV longitude/x column (detected: lon, lng, longitude, x, 经度).
    #[arg(long, value_name = "NAME")]
    lon_field: Option<String>,
    /// CSV latitude/y column (detected: lat, latitude, y, 纬度).
    #[arg(long, value_name = "NAME")]
    lat_field: Option<String>,
    /// CSV text encoding: auto (UTF-8, else GBK), utf8 or gbk.
    #[arg(long, value_name = "ENC", default_value = "auto")]
    encoding: Encoding,
    /// Id field of every layer (generated by position where absent).
    #[arg(long, value_name = "NAME", default_value = "id")]
    id_field: String,
    /// Id field of the facility layers (default: --id-field).
    #[arg(long, value_name = "NAME")]
    facilities_id_field: Option<String>,
    /// Population field (detected: population, pop, 人口, 常住人口; else 1 per compound).
    #[arg(long, value_name = "NAME")]
    population_field: Option<String>,
    /// Households field, used as households × --persons-per-household.
    #[arg(long, value_name = "NAME")]
    households_field: Option<String>,
    /// Persons per household (China's 2020 census mean).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PERSONS_PER_HOUSEHOLD, allow_negative_numbers = true)]
    persons_per_household: f64,
    /// Leave out points more than 100 km from the rest of their layer (failed geocodes at
    /// (0, 0) and the like) instead of stopping; they are listed in the terminal and in
    /// summary.json "dropped".
    #[arg(long)]
    drop_far: bool,
}

impl LayerArgs {
    fn options(&self, coords: Option<CoordSystem>) -> Result<ReadOptions> {
        // As for the other commands: --id-field is used where a layer has it (else an id
        // field is detected), and --crs applies to CSV layers (a GeoJSON layer is WGS84 unless
        // its own `crs` member says otherwise).
        Ok(ReadOptions {
            id_field: IdField::Prefer(self.id_field.clone()),
            fields: Vec::new(),
            coords: coords.unwrap_or(self.coords),
            crs: None,
            csv_crs: self.crs.as_deref().map(Projected::parse).transpose()?,
            lon_field: self.lon_field.clone(),
            lat_field: self.lat_field.clone(),
            encoding: self.encoding,
            keep_polygons: false,
            duplicate_ids: false,
        })
    }

    fn info(
        &self,
        path: &Path,
        features: usize,
        coords: Option<CoordSystem>,
        polygons: usize,
    ) -> LayerInfo {
        LayerInfo {
            path: path.display().to_string(),
            features,
            coords: coords.unwrap_or(self.coords).to_string(),
            crs: self.crs.clone(),
            polygons,
            encoding: None,
        }
    }
}

/// Everything read for a run.
struct Loaded {
    compounds: Compounds,
    facilities: Facilities,
    profile: Profile,
    run: RunInfo,
}

/// How the facility layers are read.
fn facility_options(args: &Args) -> Result<ReadOptions> {
    let l = &args.layers;
    let mut options = l.options(l.facilities_coords)?;
    if let Some(id) = &l.facilities_id_field {
        options.id_field = IdField::Require(id.clone());
    }
    Ok(options)
}

/// The facility fields to read, with the run's areas.
fn facility_fields(args: &Args, areas: Option<Arc<Boundaries>>) -> FacilityFields {
    FacilityFields {
        type_field: args.type_field.clone(),
        capacity_field: args.capacity_field.clone(),
        group_by: args.group_by.clone(),
        boundaries: areas,
    }
}

fn load(args: &Args) -> Result<Loaded> {
    let profile = Profile::load(&args.profile)?;
    let mut run = RunInfo::default();
    let l = &args.layers;
    let coords = l.coords.to_string();
    let areas = args.areas.load(&l.options(None)?, &mut run, coords)?;
    let fields = CompoundFields {
        population_field: args.layers.population_field.clone(),
        households_field: args.layers.households_field.clone(),
        persons_per_household: args.layers.persons_per_household,
        group_by: args.group_by.clone(),
        name_field: args.name_field.clone(),
        boundaries: areas.clone(),
    };
    let compound_options = l.options(l.compounds_coords)?;
    let options = facility_options(args)?;
    let layers: Vec<(PathBuf, ReadOptions)> = args
        .facilities
        .iter()
        .map(|p| (p.clone(), options.clone()))
        .collect();
    let facility_fields = facility_fields(args, areas);
    // Both layers at once (each parses in parallel, with sequential stretches the other
    // fills); warnings in the same order as one after the other.
    let (mut compound_warnings, mut facility_warnings) = (Vec::new(), Vec::new());
    let (compounds, facilities) = rayon::join(
        || {
            Compounds::load(
                &args.compounds,
                &compound_options,
                &fields,
                &mut compound_warnings,
            )
        },
        || Facilities::load(&layers, &facility_fields, &profile, &mut facility_warnings),
    );
    let compounds = compounds?;
    run.warnings.append(&mut compound_warnings);
    let facilities = facilities?;
    run.warnings.append(&mut facility_warnings);
    run.inputs.push((
        "compounds".into(),
        LayerInfo {
            encoding: compounds.encoding.clone(),
            ..l.info(
                &args.compounds,
                compounds.len(),
                l.compounds_coords,
                compounds.polygons,
            )
        },
    ));
    for (k, (path, features, polygons)) in facilities.layers.iter().enumerate() {
        run.inputs.push((
            format!("facilities_{}", k + 1),
            l.info(path, *features, l.facilities_coords, *polygons),
        ));
    }
    let (mut compounds, mut facilities) = (compounds, facilities);
    let path = &args.compounds;
    let far = super::far_points(
        "compounds",
        path,
        &compounds.ids,
        &compounds.lonlat,
        l.drop_far,
        &mut run,
    )?;
    compounds.remove(&far);
    let mut far = Vec::new();
    for (k, (path, _, _)) in facilities.layers.iter().enumerate() {
        let of_layer = facilities.of_layer(k);
        let ids: Vec<String> = of_layer
            .iter()
            .map(|&f| facilities.ids[f].clone())
            .collect();
        let lonlat: Vec<[f64; 2]> = of_layer.iter().map(|&f| facilities.lonlat[f]).collect();
        let drop = l.drop_far;
        let layer_far = super::far_points("facilities", path, &ids, &lonlat, drop, &mut run)?;
        far.extend(layer_far.into_iter().map(|i| of_layer[i]));
    }
    far.sort_unstable();
    facilities.remove(&far);
    Ok(Loaded {
        compounds,
        facilities,
        profile,
        run,
    })
}

/// Runs `lifecircle`.
pub fn run(args: Args) -> Result<()> {
    super::check_output_paths(&args.output)?;
    let quiet = args.output.quiet;
    let mut clock = super::progress::Clock::new();
    let (loaded, streets) = super::progress::step("Reading layers", quiet, || {
        args.metric.read_beside(|| load(&args))
    });
    let loaded = loaded?;
    let Loaded {
        compounds,
        facilities,
        profile,
        mut run,
    } = loaded;
    run.date = Some(super::run_date());
    let scenarios = read_scenarios(&args, &profile, &mut run)?;
    clock.lap("read");
    let study = super::progress::step("Preparing the metric", quiet, || {
        study(
            &args,
            (compounds, facilities),
            streets,
            &scenarios,
            &mut run.warnings,
        )
    })?;
    run.access = Some(study.access().as_str());
    run.warnings
        .extend(report::xlsx_cells_cut(&study.compounds));
    clock.lap("metric");
    let options = LifeCircleOptions {
        accessibility: args.accessibility.is_some(),
        catchments: args.catchments,
    };
    let result = super::progress::step("Measuring the life circle", quiet, || {
        study.lifecircle(&profile, options)
    });
    let changes = super::progress::step("Measuring the scenarios", quiet, || {
        scenarios
            .iter()
            .map(|s| {
                let added = (&s.facilities, &s.added[..]);
                study.lifecircle_scenario(&s.name, &result, added, &profile, options)
            })
            .collect::<Vec<_>>()
    });
    clock.lap("lifecircle");
    if args.output.timings {
        run.timings_ms = Some(clock.laps.clone());
    }
    let empty = Facilities::default();
    let report = LifeCircleReport {
        result: &result,
        compounds: &study.compounds,
        facilities: study.facilities.as_ref().unwrap_or(&empty),
        run: &run,
    };
    let lang = args
        .output
        .lang
        .unwrap_or_else(|| report::Lang::for_compounds(&study.compounds));
    let scratch = (args.output.output.as_deref()).filter(|p| !super::is_geopackage(p));
    let (mut summary, mut files) = report::lifecircle_outputs(report, lang, scratch);
    let mut table = report::lifecircle_table(&report, lang);
    if !changes.is_empty() {
        report::lifecircle_scenario_outputs(&mut summary, &mut files, &changes);
        table.push_str(&report::lifecircle_scenario_table(&changes));
    }
    report::add_styles(&mut files, &report::StyleContext::lifecircle(&result, lang));
    let mut inputs: Vec<&Path> = vec![args.compounds.as_path()];
    inputs.extend(args.facilities.iter().map(PathBuf::as_path));
    inputs.extend(args.metric.inputs());
    inputs.extend(scenarios.iter().map(|s| s.path.as_path()));
    if Profile::builtin_text(&args.profile).is_none() {
        inputs.push(Path::new(&args.profile));
    }
    let output = &args.output;
    let render = || {
        let step = "Rendering the report";
        Some(super::progress::step(step, output.quiet, || {
            let page = report::LifeCirclePage {
                lang,
                command_line: &super::html::command_line(),
                network: study.network().map(|n| n.0),
            };
            report::lifecircle_html(&report, &page)
        }))
    };
    super::commit_outputs(files, output, render, &inputs, &mut table)?;
    if output.timings {
        clock.lap("write");
        table.push_str(&clock.line());
    }
    let printed = super::coverage::print_summary(args.output.format, &summary.to_json(), &table);
    // As in `coverage`: the operating system takes the study's allocations back at exit.
    std::mem::forget((study, result));
    printed
}

/// The study: compounds and facilities on one plane, with the metric (the scenarios'
/// facilities are placed and looked up in a cost table too).
fn study(
    args: &Args,
    (compounds, facilities): (Compounds, Facilities),
    streets: Option<circleplan::network::StreetLines>,
    scenarios: &[FacilityScenario],
    warnings: &mut Vec<circleplan::Warning>,
) -> Result<Study> {
    let circle = Circle::from_minutes(circleplan::DEFAULT_MINUTES, args.speed)?;
    let spec = args.metric.spec()?;
    warnings.extend(args.metric.unused(args.metric.resolved()?));
    if args.capacity_field.is_some() && args.accessibility.is_none() {
        warnings.push(circleplan::Warning::UnusedOption {
            option: "--capacity-field".into(),
            why: "facility capacities are read for --accessibility 2sfca only".into(),
        });
    }
    let extra: Vec<&Facilities> = scenarios.iter().map(|s| &s.facilities).collect();
    let l = &args.layers;
    let layers = StudyLayers {
        facilities: Some(facilities),
        gates: args.metric.gate_layer(&l.options(l.compounds_coords)?)?,
        streets,
        ..StudyLayers::new(compounds, Centres::empty())
    };
    let proposals = Proposals {
        sites: &[],
        facilities: &extra,
    };
    let mut study = Study::new(layers, circle, &spec, proposals, warnings)?;
    study.area.output = args.output.output_coords;
    Ok(study)
}

/// A life-circle scenario: the baseline facilities with one more layer.
struct FacilityScenario {
    name: String,
    path: PathBuf,
    /// Every facility: the baseline's, then the scenario's.
    facilities: Facilities,
    /// Indices of the scenario's facilities.
    added: Vec<usize>,
}

/// Reads each `--scenario NAME=FILE` as the facility layers plus FILE.
fn read_scenarios(
    args: &Args,
    profile: &Profile,
    run: &mut RunInfo,
) -> Result<Vec<FacilityScenario>> {
    let l = &args.layers;
    let options = facility_options(args)?;
    let fields = facility_fields(args, run.boundaries.clone());
    let mut out: Vec<FacilityScenario> = Vec::new();
    for spec in &args.scenario {
        let Some((name, file)) = spec.split_once('=').map(|(n, f)| (n.trim(), f.trim())) else {
            bail!(
                "invalid --scenario {spec:?}: write NAME=FILE, e.g. --scenario 方案A=new_kindergartens.geojson"
            );
        };
        if name.is_empty() || out.iter().any(|s| s.name == name) {
            bail!("scenario {name:?}: every scenario needs its own, non-empty name");
        }
        let mut layers: Vec<(PathBuf, ReadOptions)> = args
            .facilities
            .iter()
            .map(|p| (p.clone(), options.clone()))
            .collect();
        layers.push((PathBuf::from(file), options.clone()));
        let mut ignored = Vec::new();
        let facilities = Facilities::load(&layers, &fields, profile, &mut ignored)
            .with_context(|| format!("scenario {name}"))?;
        let last = (layers.len() - 1) as u32;
        let added: Vec<usize> = (0..facilities.len())
            .filter(|&f| facilities.layer_of[f] == last)
            .collect();
        let (path, features, polygons) = facilities.layers[last as usize].clone();
        run.inputs.push((
            format!("scenario:{name}"),
            l.info(&path, features, l.facilities_coords, polygons),
        ));
        out.push(FacilityScenario {
            name: name.to_string(),
            path,
            facilities,
            added,
        });
    }
    Ok(out)
}

/// Typed facilities in the demo district.
pub(crate) const DEMO_FACILITIES: usize = 2400;

/// The demo's life-circle step: the district's compounds against its typed facilities under
/// the built-in GB 50180-2018 profile, grouped by street; files into `out`.
pub(crate) fn demo_tour(inputs_dir: &Path, out: &Path, lang: report::Lang) -> Result<()> {
    let profile = Profile::load("gb50180-2018")?;
    let mut run = RunInfo {
        date: Some(super::run_date()),
        ..RunInfo::default()
    };
    let fields = CompoundFields {
        group_by: vec!["street".into()],
        ..CompoundFields::default()
    };
    let compounds = Compounds::load(
        &inputs_dir.join("compounds.geojson"),
        &ReadOptions::default(),
        &fields,
        &mut run.warnings,
    )?;
    let layers = [(
        inputs_dir.join("facilities.geojson"),
        ReadOptions::default(),
    )];
    let facility_fields = FacilityFields {
        group_by: fields.group_by.clone(),
        ..FacilityFields::default()
    };
    let facilities = Facilities::load(&layers, &facility_fields, &profile, &mut run.warnings)?;
    // The inputs as the main demo report lists them, for the page's inputs line and footer.
    let layer = |path: PathBuf, features: usize, polygons: usize| LayerInfo {
        path: path.display().to_string(),
        features,
        coords: "wgs84".into(),
        crs: None,
        polygons,
        encoding: None,
    };
    run.inputs.push((
        "compounds".into(),
        layer(
            inputs_dir.join("compounds.geojson"),
            compounds.len(),
            compounds.polygons,
        ),
    ));
    for (path, features, polygons) in &facilities.layers {
        run.inputs.push((
            "facilities".into(),
            layer(path.clone(), *features, *polygons),
        ));
    }
    let study = circleplan::StudyArea::new(
        &[
            ("compounds", &compounds.lonlat),
            ("facilities", &facilities.lonlat),
        ],
        &mut run.warnings,
    );
    let options = LifeCircleOptions {
        accessibility: true,
        catchments: true,
    };
    let result = LifeCircle::new(
        study,
        &circleplan::coverage::Costs::Euclidean,
        &compounds,
        &facilities,
        &profile,
        options,
    );
    let report = LifeCircleReport {
        result: &result,
        compounds: &compounds,
        facilities: &facilities,
        run: &run,
    };
    let (_, mut files) = report::lifecircle_outputs(report, lang, Some(out));
    report::add_styles(&mut files, &report::StyleContext::lifecircle(&result, lang));
    files.add(
        "report.html",
        report::lifecircle_html(
            &report,
            &report::LifeCirclePage {
                lang,
                command_line: &super::html::command_line(),
                network: None,
            },
        )
        .into_bytes(),
    );
    files.commit(out, &[])?;
    let worst = result
        .type_rows
        .iter()
        .min_by(|a, b| a.population_share.total_cmp(&b.population_share));
    let levels: Vec<String> = result
        .level_rows
        .iter()
        .map(|l| format!("{} min {:.1} %", l.minutes, l.population_share * 100.0))
        .collect();
    println!(
        "\nLife circle (GB 50180-2018, {} facility types, {} facilities): {:.1} % of residents \
         have every type within its distance; complete per level: {}.",
        profile.types.len(),
        circleplan::report::thousands_fixed(facilities.len() as f64, 0),
        result.complete_share.population_share * 100.0,
        levels.join(", "),
    );
    if let Some(w) = worst {
        println!(
            "  Scarcest: {} ({:.1} % of residents within {} m). Ledger of missing types: {}",
            w.type_id,
            w.population_share * 100.0,
            w.max_distance_m,
            out.join("ledger.csv").display()
        );
    }
    Ok(())
}

/// Arguments of `profile`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  circleplan profile                       # list the built-in profiles
  circleplan profile gb50180-2018 > my.toml")]
pub struct ProfileArgs {
    /// A built-in profile to print as TOML (omit to list them).
    name: Option<String>,
}

/// Runs `profile`: prints a built-in profile's TOML, or lists the built-in names.
pub fn run_profile(args: ProfileArgs) -> Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match args.name {
        None => {
            for (name, _) in BUILTIN_PROFILES {
                writeln!(stdout, "{name}")?;
            }
        }
        Some(name) => match Profile::builtin_text(&name) {
            Some(text) => stdout.write_all(text.as_bytes())?,
            None => bail!(
                "no built-in profile {name:?}; built in: {}",
                BUILTIN_PROFILES
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    }
    Ok(())
}
