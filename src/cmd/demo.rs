//! `circleplan demo`: the tour a new user takes. Builds the built-in district, writes its
//! inputs and every result into one folder, and prints the summary.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use circleplan::coverage::{Comparison, Scenario, SwitchSite, WhatIf};
use circleplan::gaps::{GapOptions, GapStudy, study_gaps};
use circleplan::io::OutputSet;
use circleplan::report::{self, LayerInfo, RunInfo};
use circleplan::siting::{Goal, plan_sites};
use circleplan::synth::{SynthSpec, generate};
use circleplan::{Analysis, CentreFields, Centres, Circle, CompoundFields, Compounds};

/// Arguments of `demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output directory.
    #[arg(short, long, value_name = "DIR", default_value = "circleplan-demo")]
    output: PathBuf,
    /// Language of report.html: zh or en (default: zh, as the district's names are Chinese).
    #[arg(long, value_name = "zh|en")]
    lang: Option<report::Lang>,
}

/// Runs `demo`.
pub fn run(args: Args) -> Result<()> {
    let inputs_dir = write_inputs(&args.output)?;
    let mut run = RunInfo::default();
    let (compounds, centres) = load_district(&inputs_dir, &mut run)?;
    let circle = Circle::from_minutes(15.0, 4.0)?;
    let analysis = Analysis::euclidean(&compounds, &centres, &circle, &mut run.warnings);
    let layers = report::RunLayers {
        analysis: &analysis,
        compounds: &compounds,
        centres: &centres,
        circle: &circle,
    };
    let (mut summary, mut files) = report::coverage_outputs(layers, &run, true);
    print!(
        "{}",
        report::summary_table(&analysis, &compounds, &circle, &run.warnings)
    );

    let walk = walk_tour(&inputs_dir, layers)?;
    summary.walk = Some(report::WalkSummary::new(&walk));

    let candidates = Centres::load(
        &inputs_dir.join("candidates.geojson"),
        &Default::default(),
        &CentreFields::default(),
        &mut run.warnings,
    )?;
    let gaps = gaps_tour(layers, &candidates, &mut summary, &mut files);

    // Sites: the best 5 new centres among the candidate sites, proven optimal.
    let covered = analysis.coverage.covered();
    let sites = gaps.sites();
    let plan = plan_sites(
        &gaps.site_cover,
        &compounds.population,
        &covered,
        Goal::Add(5),
        Duration::from_secs(30),
    )?;
    let context = report::SiteContext {
        candidates: sites,
        source: "candidates.geojson",
        compounds: &compounds,
        time_limit_s: 30.0,
        study: &analysis.study,
    };
    summary.site = Some(report::SiteSummary::new(&plan, context));
    files.add(
        "sites.geojson",
        report::sites_geojson(&plan, sites, &analysis.study).into_bytes(),
    );
    print_plan(&plan, &candidates);
    let tour = Tour {
        layers,
        candidates: &candidates,
        plan: &plan,
        gaps: &gaps,
    };
    let names = match args.lang.unwrap_or(report::Lang::Zh) {
        report::Lang::Zh => ["方案A", "方案B"],
        report::Lang::En => ["Plan A", "Plan B"],
    };
    let (cmp, scenarios) = compare_tour(tour, names, &inputs_dir, &mut summary, &mut files)?;
    let what_if = demo_what_if(tour, &scenarios);
    files.add("summary.json", summary.to_json().into_bytes());
    let mut input = report::ReportInput::new(&analysis, &compounds, &centres, &circle, &run);
    input.scenarios = Some(report::ScenariosReport {
        comparison: &cmp,
        scenarios: &scenarios,
    });
    input.what_if = Some(&what_if);
    input.second = Some(report::SecondMethod::walk_of(&walk));
    input.gaps = Some(gaps.report());
    input.sites = Some(report::SitesReport {
        plan: &plan,
        candidates: sites,
        source: "candidates.geojson",
        distance: None,
    });
    input.lang = super::html::lang(args.lang, &compounds, &centres);
    input.command_line = super::html::command_line();
    input.date = Some(super::run_date());
    let label = match input.lang {
        report::Lang::Zh => "15分钟生活圈报告",
        report::Lang::En => "15-minute life circle report",
    };
    input.links = vec![(label.to_string(), "lifecircle/report.html".to_string())];
    files.add("report.html", report::html::render(&input).into_bytes());
    let lang = args.lang.unwrap_or(report::Lang::Zh);
    let styles = report::StyleContext::coverage(&centres, input.lang);
    report::add_styles(&mut files, &styles);
    let counts = (compounds.len(), centres.len());
    commit(files, &args.output, &inputs_dir, counts, lang)
}

/// Gaps: who is left out, grouped into zones, each with its best candidate site; adds the
/// gap layers and summary section and prints one line.
fn gaps_tour(
    layers: report::RunLayers,
    candidates: &Centres,
    summary: &mut report::Summary,
    files: &mut OutputSet,
) -> GapStudy {
    let (analysis, compounds) = (layers.analysis, layers.compounds);
    let options = GapOptions {
        sites_at_uncovered_compounds: false,
        candidates: Some(candidates),
    };
    let costs = circleplan::coverage::Costs::Euclidean;
    let radius_m = layers.circle.radius_m;
    let gaps = study_gaps(analysis, &costs, compounds, radius_m, options);
    let (xy, study) = (&analysis.compounds_xy, &analysis.study);
    summary.gaps = Some(report::GapsSummary::new(&gaps, compounds));
    report::gaps_outputs(&gaps, compounds, xy, study, files);
    println!(
        "\nGaps: {} zones hold the {} uncovered residents; the largest holds {}.",
        gaps.zones.len(),
        thousands(analysis.totals.population_total - analysis.totals.population_covered),
        thousands(gaps.zones.first().map_or(0.0, |z| z.population))
    );
    gaps
}

/// What the comparison tour starts from.
#[derive(Clone, Copy)]
struct Tour<'a> {
    layers: report::RunLayers<'a>,
    candidates: &'a Centres,
    plan: &'a circleplan::siting::SitePlan,
    gaps: &'a GapStudy,
}

/// Compare: two proposals a district might bring to a meeting. 方案A opens the five proven
/// best sites; 方案B opens the best site of each of the five largest gap zones and closes
/// the two least-used stations (named `names`, in the report's language). Writes both proposals into the inputs (to rerun with
/// `circleplan compare`), adds `scenarios.csv`, `scenario_sites.geojson` and the summary
/// section, and prints the table.
fn compare_tour(
    tour: Tour,
    names: [&str; 2],
    inputs_dir: &std::path::Path,
    summary: &mut report::Summary,
    files: &mut OutputSet,
) -> Result<(Comparison, Vec<Scenario>)> {
    let Tour {
        layers,
        candidates,
        plan,
        gaps,
    } = tour;
    let a: Vec<usize> = plan.sites.iter().map(|s| s.candidate as usize).collect();
    let zone_sites: Vec<&str> = gaps
        .zones
        .iter()
        .filter_map(|z| {
            z.best_site
                .map(|(s, _)| gaps.sites().ids[s as usize].as_str())
        })
        .collect();
    let mut b: Vec<usize> = Vec::new();
    for id in zone_sites {
        if let Some(i) = candidates.ids.iter().position(|c| c == id)
            && !b.contains(&i)
            && b.len() < 5
        {
            b.push(i);
        }
    }
    let centres = layers.centres;
    let mut stations: Vec<usize> = (0..centres.len())
        .filter(|&i| centres.level[i] == "station")
        .collect();
    let load = |i: usize| layers.analysis.loads[i].nearest_population;
    stations.sort_by(|&x, &y| load(x).total_cmp(&load(y)).then(x.cmp(&y)));
    let close: Vec<String> = stations
        .iter()
        .take(2)
        .map(|&i| centres.ids[i].clone())
        .collect();
    let mut proposals = OutputSet::new();
    let mut scenarios = Vec::new();
    for (name, file, picked, close) in [
        (names[0], "proposal_a.geojson", &a, &[][..]),
        (names[1], "proposal_b.geojson", &b, &close[..]),
    ] {
        let mut added = candidates.select(picked);
        added.path = inputs_dir.join(file);
        added.level.iter_mut().for_each(|l| *l = "community".into());
        proposals.add(
            file,
            proposal_geojson(&added, &layers.analysis.study).into_bytes(),
        );
        scenarios.push(Scenario::new(name, added, close, centres)?);
    }
    proposals.commit(inputs_dir, &[])?;
    let costs = circleplan::coverage::Costs::Euclidean;
    let cmp = circleplan::coverage::compare(
        layers.analysis,
        &costs,
        layers.compounds,
        centres,
        layers.circle,
        &scenarios,
    );
    let fields = &layers.compounds.group_fields;
    summary.scenarios = Some(
        cmp.scenarios
            .iter()
            .map(|r| report::ScenarioSummary::new(r, fields))
            .collect(),
    );
    files.add("scenarios.csv", report::scenarios_csv(&cmp, fields));
    let sites = report::scenario_sites_geojson(layers, &scenarios);
    files.add("scenario_sites.geojson", sites.into_bytes());
    print!("{}", report::compare_table(&cmp));
    Ok((cmp, scenarios))
}

/// A proposal's sites as a GeoJSON layer a user can edit and pass to `--scenario`.
fn proposal_geojson(added: &Centres, study: &circleplan::StudyArea) -> String {
    let features: Vec<String> = (0..added.len())
        .map(|i| {
            let [lon, lat] = study.output_lonlat(added.lonlat[i]);
            serde_json::json!({
                "type": "Feature",
                "properties": {"id": added.ids[i], "name": added.name[i], "level": added.level[i]},
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            })
            .to_string()
        })
        .collect();
    format!(
        "{{\"type\":\"FeatureCollection\",\"features\":[\n{}\n]}}\n",
        features.join(",\n")
    )
}

/// The report's what-if sites: every candidate (off) and the centres a proposal closes (on).
fn demo_what_if(tour: Tour, scenarios: &[Scenario]) -> WhatIf {
    let (analysis, circle) = (tour.layers.analysis, tour.layers.circle);
    let k = tour.candidates;
    let mut sites: Vec<SwitchSite> = (0..k.len())
        .map(|i| SwitchSite {
            id: k.ids[i].clone(),
            lonlat: k.lonlat[i],
            budget_m: circle.budget_for_level("community"),
            existing: None,
            on: false,
            kind: "candidate",
        })
        .collect();
    let c = tour.layers.centres;
    for &i in scenarios.iter().flat_map(|s| &s.closed) {
        let i = i as usize;
        sites.push(SwitchSite {
            id: c.ids[i].clone(),
            lonlat: c.lonlat[i],
            budget_m: analysis.budget_m[i],
            existing: Some(i as u32),
            on: true,
            kind: "existing",
        });
    }
    let costs = circleplan::coverage::Costs::Euclidean;
    circleplan::coverage::what_if(analysis, &costs, tour.layers.compounds, &sites)
}

/// Writes the district's input files and returns their folder. The demo reads them back
/// through the same readers a user's files go through, so it exercises the real pipeline.
fn write_inputs(output: &std::path::Path) -> Result<PathBuf> {
    let city = generate(&SynthSpec::demo());
    let inputs_dir = output.join("inputs");
    let mut inputs = OutputSet::new();
    inputs.add("compounds.geojson", city.compounds_geojson().into_bytes());
    inputs.add("compounds.csv", city.compounds_csv().into_bytes());
    inputs.add("centers.geojson", city.centres_geojson().into_bytes());
    inputs.add("candidates.geojson", city.candidates_geojson().into_bytes());
    inputs.add("streets.geojson", city.streets_geojson().into_bytes());
    let facilities = city.typed_facilities(super::lifecircle::DEMO_FACILITIES, 2024);
    inputs.add(
        "facilities.geojson",
        city.facilities_geojson(&facilities).into_bytes(),
    );
    inputs.commit(&inputs_dir, &[])?;
    Ok(inputs_dir)
}

/// Reads the district's compounds and centres, noting them in `run`.
fn load_district(inputs_dir: &std::path::Path, run: &mut RunInfo) -> Result<(Compounds, Centres)> {
    let compounds_path = inputs_dir.join("compounds.geojson");
    let centres_path = inputs_dir.join("centers.geojson");
    let fields = CompoundFields {
        group_by: vec!["street".into()],
        ..CompoundFields::default()
    };
    let compounds = Compounds::load(
        &compounds_path,
        &Default::default(),
        &fields,
        &mut run.warnings,
    )?;
    let centres = Centres::load(
        &centres_path,
        &Default::default(),
        &CentreFields::default(),
        &mut run.warnings,
    )?;
    for (role, path, n, polygons) in [
        (
            "compounds",
            &compounds_path,
            compounds.len(),
            compounds.polygons,
        ),
        ("centers", &centres_path, centres.len(), centres.polygons),
    ] {
        run.inputs.push((
            role.into(),
            LayerInfo {
                path: path.display().to_string(),
                features: n,
                coords: "wgs84".into(),
                crs: None,
                polygons,
                encoding: None,
            },
        ));
    }
    Ok((compounds, centres))
}

/// On foot: the same circle measured along the streets, where the river has few bridges
/// (the report cards it beside the straight line).
fn walk_tour(inputs_dir: &std::path::Path, layers: report::RunLayers) -> Result<Analysis> {
    let report::RunLayers {
        analysis,
        compounds,
        centres,
        circle,
    } = layers;
    let network = circleplan::network::StreetNetwork::read(
        &inputs_dir.join("streets.geojson"),
        &analysis.study.plane,
        false,
    )?;
    let walk = Analysis::new(
        analysis.study,
        &circleplan::coverage::Costs::Network {
            network: &network,
            snap_limit_m: circleplan::network::DEFAULT_SNAP_LIMIT_M,
        },
        compounds,
        centres,
        circle,
    );
    if let Some(d) = &walk.detour {
        println!(
            "\nOn foot along the streets: {:.1} % of residents are within 15 minutes (straight line: \
             {:.1} %). The walk is {:.2}× the straight line at the median; {} compounds sit inside \
             a circle but across the river or a block from any centre.",
            walk.totals.population_share() * 100.0,
            analysis.totals.population_share() * 100.0,
            d.median_ratio.unwrap_or(f64::NAN),
            d.covered_straight_not_walk
        );
    }
    Ok(walk)
}

/// The chosen sites and what is proven about them.
fn print_plan(plan: &circleplan::siting::SitePlan, candidates: &Centres) {
    println!(
        "\nFive new centres (from {} candidate sites):",
        candidates.len()
    );
    for s in &plan.sites {
        println!(
            "  {}. {}  +{} residents -> {:.1} %",
            s.rank,
            candidates.ids[s.candidate as usize],
            thousands(s.gain_population),
            s.cumulative_share * 100.0
        );
    }
    println!(
        "  {} (upper bound {}, gap {:.3} %; greedy alone would cover {}).",
        capitalised(&plan.status.describe(plan.gap)),
        thousands(plan.upper_bound),
        plan.gap * 100.0,
        thousands(plan.greedy_objective)
    );
}

/// Writes the results as one set and says where they are. `counts`: compounds, centres.
fn commit(
    mut files: OutputSet,
    output: &std::path::Path,
    inputs_dir: &std::path::Path,
    counts: (usize, usize),
    lang: report::Lang,
) -> Result<()> {
    files.remove_stale(report::previous_outputs(output));
    files.commit(output, &[])?;
    super::lifecircle::demo_tour(inputs_dir, &output.join("lifecircle"), lang)?;
    println!(
        "\nDemo district: {} compounds, {} centres (1 district + 11 sub-district + community \
         centres + stations).\nWrote inputs to {} and results ({}) to {}",
        counts.0,
        counts.1,
        inputs_dir.display(),
        files.names().collect::<Vec<_>>().join(", "),
        output.display()
    );
    println!(
        "Report (open in a browser): {}",
        output.join("report.html").display()
    );
    Ok(())
}

/// A count of people with thousands separators.
fn thousands(x: f64) -> String {
    report::thousands_fixed(x, 0)
}

/// `text` with its first letter in capitals ("proven best" opens a sentence).
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
