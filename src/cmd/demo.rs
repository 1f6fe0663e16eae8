//! `circleplan demo`: the tour a new user takes. Builds the built-in district, writes its
//! inputs and every result into one folder, and prints the summary.

use std::path::PathBuf;

use anyhow::Result;
use circleplan::io::OutputSet;
use circleplan::report::{self, LayerInfo, RunInfo};
use circleplan::synth::{SynthSpec, generate};
use circleplan::{Analysis, CentreFields, Centres, Circle, CompoundFields, Compounds};

/// Arguments of `demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output directory.
    #[arg(short, long, value_name = "DIR", default_value = "circleplan-demo")]
    output: PathBuf,
}

/// Runs `demo`.
pub fn run(args: Args) -> Result<()> {
    let city = generate(&SynthSpec::demo());
    // Write the district's input files first and read them back through the same readers a
    // user's files go through, so the demo exercises the real pipeline.
    let inputs_dir = args.output.join("inputs");
    let mut inputs = OutputSet::new();
    inputs.add("compounds.geojson", city.compounds_geojson().into_bytes());
    inputs.add("compounds.csv", city.compounds_csv().into_bytes());
    inputs.add("centers.geojson", city.centres_geojson().into_bytes());
    inputs.add("candidates.geojson", city.candidates_geojson().into_bytes());
    inputs.add("streets.geojson", city.streets_geojson().into_bytes());
    inputs.commit(&inputs_dir, &[])?;

    let mut run = RunInfo::default();
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
    for (role, path, n) in [
        ("compounds", &compounds_path, compounds.len()),
        ("centers", &centres_path, centres.len()),
    ] {
        run.inputs.push((
            role.into(),
            LayerInfo {
                path: path.display().to_string(),
                features: n,
                coords: "wgs84".into(),
                crs: None,
                polygons: 0,
            },
        ));
    }
    let circle = Circle::from_minutes(15.0, 4.0)?;
    let analysis = Analysis::euclidean(&compounds, &centres, &circle, &mut run.warnings);
    let (_, files) = report::coverage_outputs(&analysis, &compounds, &centres, &circle, &run, true);
    files.commit(&args.output, &[])?;
    print!(
        "{}",
        report::summary_table(&analysis, &compounds, &circle, &run.warnings)
    );
    println!(
        "\nDemo district: {} compounds, {} centres (1 district + 11 sub-district + community \
         centres + stations).\nWrote inputs to {} and results ({}) to {}",
        compounds.len(),
        centres.len(),
        inputs_dir.display(),
        files.names().collect::<Vec<_>>().join(", "),
        args.output.display()
    );
    Ok(())
}
