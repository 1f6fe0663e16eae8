//! The compiled core of the `circleplan` Python package: a thin PyO3 layer over the library.
//! Each function reads the layers (files by path, or GeoDataFrames handed over as WKB plus
//! properties), builds one [`Study`], calls one of its workflows and returns what the command
//! of the same name writes: `summary.json`'s text, every file by name, and each GeoJSON layer
//! as WKB plus its properties' text. The pure-Python wrapper (`circleplan/__init__.py`) turns
//! those into a dict and GeoDataFrames.

mod options;
mod read;

use circleplan::coverage::{Scenario, check_scenario_names};
use circleplan::io::{OutputSet, wkb_features};
use circleplan::lifecircle::{Facilities, LifeCircleOptions, Profile};
use circleplan::report::{self, LifeCircleReport, RunInfo};
use circleplan::siting::{CandidateSource, FixedSites, Goal, SiteOptions};
use circleplan::{Centres, Proposals, Study, StudyLayers};
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

use options::Options;
use read::{Layer, Loaded};

pyo3::create_exception!(
    _circleplan,
    Error,
    PyException,
    "A circleplan error: bad input, a refused parameter, an unreadable file. The message is \
     the line the circleplan command prints."
);

/// A library error as the Python exception, with the command's message.
pub(crate) fn py_error(e: circleplan::Error) -> PyErr {
    Error::new_err(message(&e))
}

/// The command's line for a library error: a parameter named as the keyword argument that
/// set it (the library's own wording), far points with the keyword that drops them.
pub(crate) fn message(e: &circleplan::Error) -> String {
    match e {
        circleplan::Error::FarPoints { .. } => {
            format!("{e}, or pass drop_far=True to leave such points out")
        }
        _ => e.to_string(),
    }
}

/// A message of the wrapper's own (an option the library never sees).
pub(crate) fn usage(message: impl Into<String>) -> PyErr {
    Error::new_err(message.into())
}

/// What a workflow returns to Python: `(summary, files, layers)`: `summary.json`'s text,
/// every file's bytes by name, and each `NAME.geojson` as `(wkb list, properties as a JSON
/// array text)`. JSON stays text for Python's `json` to parse: its floats are exactly the
/// written digits' (serde_json's default parser may differ in the last bit).
fn outputs(py: Python<'_>, summary: String, files: &OutputSet) -> PyResult<Outputs> {
    let all = files.to_files().map_err(py_error)?;
    let by_name = PyDict::new(py);
    let layers = PyDict::new(py);
    for (name, bytes) in &all {
        if let Some(layer) = name.strip_suffix(".geojson") {
            let split = wkb_features(name, bytes).map_err(py_error)?;
            let wkbs = PyList::empty(py);
            for w in &split.wkb {
                match w {
                    Some(w) => wkbs.append(PyBytes::new(py, w))?,
                    None => wkbs.append(py.None())?,
                }
            }
            layers.set_item(layer, (wkbs, split.properties))?;
        }
        by_name.set_item(name, PyBytes::new(py, bytes))?;
    }
    Ok((
        summary,
        by_name.into_any().unbind(),
        layers.into_any().unbind(),
    ))
}

/// `(summary.json text, {file name: bytes}, {layer: (wkb list, properties JSON)})`.
type Outputs = (String, PyObject, PyObject);

/// Builds the study on the loaded layers and measures the baseline coverage (as the
/// commands' `metric::analyse`).
fn analyse(
    options: &Options,
    mut layers: StudyLayers,
    proposals: Proposals,
    inputs: &read::Inputs,
    run: &mut RunInfo,
    circle: circleplan::Circle,
) -> PyResult<(Study, circleplan::Analysis)> {
    let spec = options.metric(&inputs.network)?;
    layers.gates = read::gates(&inputs.gates, options)?;
    let study =
        Study::new(layers, circle, &spec, proposals, &mut run.warnings).map_err(py_error)?;
    run.access = Some(study.access().as_str());
    let analysis = study.coverage();
    Ok((study, analysis))
}

/// `circleplan coverage`: who lives within the circle of a service centre.
#[pyfunction]
fn coverage(
    py: Python<'_>,
    layers: &Bound<'_, PyDict>,
    options: &Bound<'_, PyAny>,
) -> PyResult<Outputs> {
    let options = Options::from_py(options)?;
    let inputs = read::Inputs::from_py(layers)?;
    let run = py.allow_threads(|| -> PyResult<_> {
        let Loaded {
            compounds,
            centres,
            circle,
            mut run,
        } = read::load(&inputs, &options, true)?;
        let layers = StudyLayers::new(compounds, centres);
        let (study, analysis) = analyse(
            &options,
            layers,
            Proposals::default(),
            &inputs,
            &mut run,
            circle,
        )?;
        Ok((study, analysis, run))
    })?;
    let (study, analysis, run) = run;
    let layers = report::RunLayers {
        analysis: &analysis,
        compounds: &study.compounds,
        centres: &study.centres,
        circle: &study.circle,
    };
    let (summary, mut files) = report::coverage_outputs(layers, &run, false);
    if options.circles {
        files.add("circles.geojson", circles_layer(&study, &analysis));
    }
    styled(&mut files, &study, &options)?;
    outputs(py, summary.to_json(), &files)
}

/// `circles.geojson`: each centre's circle, or its walkable service area on the streets.
fn circles_layer(study: &Study, analysis: &circleplan::Analysis) -> Vec<u8> {
    let centres = &study.centres;
    match study.network() {
        Some((network, snap_limit_m)) => {
            report::service_areas_geojson(centres, analysis, network, snap_limit_m)
        }
        None => report::circles_geojson(centres, analysis),
    }
    .into_bytes()
}

/// The study with its candidates (as `gaps` and `site` build it) and the baseline.
fn study_with_candidates(
    inputs: &read::Inputs,
    options: &Options,
    centres_required: bool,
) -> PyResult<(Study, circleplan::Analysis, RunInfo)> {
    let Loaded {
        compounds,
        centres,
        circle,
        mut run,
    } = read::load(inputs, options, centres_required)?;
    let candidates = match &inputs.candidates {
        Some(layer) => Some(read::candidates(layer, options, &mut run)?),
        None => None,
    };
    let layers = StudyLayers {
        candidates,
        ..StudyLayers::new(compounds, centres)
    };
    let (study, analysis) = analyse(
        options,
        layers,
        Proposals::default(),
        inputs,
        &mut run,
        circle,
    )?;
    Ok((study, analysis, run))
}

/// `circleplan gaps`: the uncovered grouped into zones, each with its best new site.
#[pyfunction]
fn gaps(
    py: Python<'_>,
    layers: &Bound<'_, PyDict>,
    options: &Bound<'_, PyAny>,
) -> PyResult<Outputs> {
    let options = Options::from_py(options)?;
    let inputs = read::Inputs::from_py(layers)?;
    let (study, analysis, run, gaps) = py.allow_threads(|| -> PyResult<_> {
        let (study, analysis, run) = study_with_candidates(&inputs, &options, true)?;
        let gaps = study.gaps(&analysis, true);
        Ok((study, analysis, run, gaps))
    })?;
    let layers = report::RunLayers {
        analysis: &analysis,
        compounds: &study.compounds,
        centres: &study.centres,
        circle: &study.circle,
    };
    let (summary, mut files) = report::gap_study_outputs(layers, &run, &gaps);
    styled(&mut files, &study, &options)?;
    outputs(py, summary.to_json(), &files)
}

/// `circleplan site`: the K sites that cover most people, or the fewest reaching a share.
#[pyfunction]
fn site(
    py: Python<'_>,
    layers: &Bound<'_, PyDict>,
    options: &Bound<'_, PyAny>,
) -> PyResult<Outputs> {
    let options = Options::from_py(options)?;
    let inputs = read::Inputs::from_py(layers)?;
    let goal = match (options.add, options.target) {
        (Some(_), Some(_)) => return Err(usage("give add=K or target=SHARE, not both")),
        (Some(k), None) => Goal::Add(k),
        (None, Some(t)) => Goal::Target(t),
        (None, None) => return Err(usage("give add=K or target=SHARE")),
    };
    let time_limit_s = options.time_limit_s.unwrap_or(60.0);
    let time_limit = circleplan::siting::time_limit(time_limit_s).map_err(py_error)?;
    let fixed = FixedSites {
        require: options.require.clone(),
        exclude: options.exclude.clone(),
    };
    let (study, analysis, run, site_run) = py.allow_threads(|| -> PyResult<_> {
        let (study, analysis, mut run) = study_with_candidates(&inputs, &options, false)?;
        let street_nodes: Vec<[f64; 2]> = study
            .network()
            .map(|(net, _)| (0..net.node_count()).map(|i| net.node_xy(i)).collect())
            .unwrap_or_default();
        let site_options = SiteOptions {
            goal,
            time_limit,
            candidates: match &study.candidates {
                Some(layer) => CandidateSource::Layer(layer),
                None => CandidateSource::Auto {
                    street_nodes: &street_nodes,
                },
            },
            radius_m: study.circle.radius_m,
            capacity: None,
            fixed: Some(&fixed),
            distance: options.distance_objective(study.circle.radius_m)?,
        };
        let mut site_run = study.site(&analysis, site_options).map_err(py_error)?;
        if let Some(layer) = &inputs.candidates {
            // The candidates' own fields go to sites.geojson, as the command writes them.
            let own = layer.properties(options.encoding()?)?;
            if own.len() == site_run.candidate_ids.len() {
                site_run.candidate_properties = own;
            }
        }
        run.warnings.extend(site_run.warnings.iter().cloned());
        Ok((study, analysis, run, site_run))
    })?;
    let source = match &inputs.candidates {
        Some(layer) => layer.name(),
        None => "auto".to_string(),
    };
    let layers = report::RunLayers {
        analysis: &analysis,
        compounds: &study.compounds,
        centres: &study.centres,
        circle: &study.circle,
    };
    let (summary, mut files) = report::site_outputs(&site_run, layers, &run, &source, time_limit_s);
    styled(&mut files, &study, &options)?;
    outputs(py, summary.to_json(), &files)
}

/// `circleplan compare`: proposals (sites added, centres closed) against the baseline.
/// `scenarios` is a list of `(name, added layer or None, ids closed, level of added sites
/// without one)`.
#[pyfunction]
fn compare(
    py: Python<'_>,
    layers: &Bound<'_, PyDict>,
    scenarios: &Bound<'_, PyList>,
    options: &Bound<'_, PyAny>,
) -> PyResult<Outputs> {
    let options = Options::from_py(options)?;
    let inputs = read::Inputs::from_py(layers)?;
    let mut specs = Vec::new();
    for item in scenarios.iter() {
        let (name, added, close, level): (String, Option<Bound<PyAny>>, Vec<String>, String) =
            item.extract()?;
        let added = added.map(|a| Layer::from_py(&a)).transpose()?;
        specs.push((name, added, close, level));
    }
    let (study, analysis, run, scenarios, cmp) = py.allow_threads(|| -> PyResult<_> {
        let Loaded {
            compounds,
            centres,
            circle,
            mut run,
        } = read::load(&inputs, &options, true)?;
        let mut added = Vec::with_capacity(specs.len());
        for (name, layer, _, level) in &specs {
            added.push(match layer {
                Some(layer) => Some(read::scenario_sites(
                    name, layer, level, &options, &mut run,
                )?),
                None => None,
            });
        }
        let proposals: Vec<&Centres> = added.iter().flatten().collect();
        let proposals = Proposals {
            sites: &proposals,
            facilities: &[],
        };
        let layers = StudyLayers::new(compounds, centres);
        let (study, analysis) = analyse(&options, layers, proposals, &inputs, &mut run, circle)?;
        let mut scenarios = Vec::with_capacity(specs.len());
        for ((name, _, close, _), added) in specs.iter().zip(added) {
            let added = added.unwrap_or_else(Centres::empty);
            scenarios.push(Scenario::new(name, added, close, &study.centres).map_err(py_error)?);
        }
        check_scenario_names(&scenarios).map_err(py_error)?;
        let cmp = study.compare(&analysis, &scenarios);
        Ok((study, analysis, run, scenarios, cmp))
    })?;
    let layers = report::RunLayers {
        analysis: &analysis,
        compounds: &study.compounds,
        centres: &study.centres,
        circle: &study.circle,
    };
    let (summary, mut files) = report::compare_outputs(layers, &run, &cmp, &scenarios);
    if options.circles {
        files.add("circles.geojson", circles_layer(&study, &analysis));
    }
    styled(&mut files, &study, &options)?;
    outputs(py, summary.to_json(), &files)
}

/// `circleplan lifecircle`: per facility type, who has one within its distance.
#[pyfunction]
fn lifecircle(
    py: Python<'_>,
    layers: &Bound<'_, PyDict>,
    options: &Bound<'_, PyAny>,
) -> PyResult<Outputs> {
    let options = Options::from_py(options)?;
    let inputs = read::Inputs::from_py(layers)?;
    let profile_name = options.profile.as_deref().unwrap_or("gb50180-2018");
    let profile = Profile::load(profile_name).map_err(py_error)?;
    let (study, run, result) = py.allow_threads(|| -> PyResult<_> {
        let (compounds, facilities, mut run) =
            read::lifecircle_layers(&inputs, &options, &profile)?;
        run.date = options.date.clone();
        let speed = options.speed_kmh.unwrap_or(circleplan::DEFAULT_SPEED_KMH);
        let circle = circleplan::Circle::from_minutes(circleplan::DEFAULT_MINUTES, speed)
            .map_err(py_error)?;
        let layers = StudyLayers {
            facilities: Some(facilities),
            gates: read::gates(&inputs.gates, &options)?,
            ..StudyLayers::new(compounds, Centres::empty())
        };
        let spec = options.metric(&inputs.network)?;
        let study = Study::new(
            layers,
            circle,
            &spec,
            Proposals::default(),
            &mut run.warnings,
        )
        .map_err(py_error)?;
        run.access = Some(study.access().as_str());
        let lc_options = LifeCircleOptions {
            accessibility: options.accessibility,
            catchments: options.catchments,
        };
        let result = study.lifecircle(&profile, lc_options);
        Ok((study, run, result))
    })?;
    let empty = Facilities::default();
    let report = LifeCircleReport {
        result: &result,
        compounds: &study.compounds,
        facilities: study.facilities.as_ref().unwrap_or(&empty),
        run: &run,
    };
    let lang = match &options.lang {
        Some(l) => l.parse().map_err(py_error)?,
        None => report::Lang::for_compounds(&study.compounds),
    };
    let (summary, mut files) = report::lifecircle_outputs(report, lang, None);
    report::add_styles(&mut files, &report::StyleContext::lifecircle(&result, lang));
    outputs(py, summary.to_json(), &files)
}

/// The bytes the readers parse for a layer: a file's content, or a GeoDataFrame's features as
/// GeoJSON (a look at what circleplan makes of a frame).
#[pyfunction]
fn layer_geojson(layer: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    let layer = Layer::from_py(layer)?;
    Ok(layer.bytes()?.1)
}

/// The compiled module.
#[pymodule]
fn _circleplan(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("Error", m.py().get_type::<Error>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(coverage, m)?)?;
    m.add_function(wrap_pyfunction!(gaps, m)?)?;
    m.add_function(wrap_pyfunction!(site, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(lifecircle, m)?)?;
    m.add_function(wrap_pyfunction!(layer_geojson, m)?)?;
    Ok(())
}

/// The QGIS styles the command writes beside its layers (`NAME.qml`), in the run's language.
fn styled(files: &mut OutputSet, study: &Study, options: &Options) -> PyResult<()> {
    let lang = match &options.lang {
        Some(l) => l.parse().map_err(py_error)?,
        None => report::Lang::detect(&study.compounds, &study.centres),
    };
    report::add_styles(files, &report::StyleContext::coverage(&study.centres, lang));
    Ok(())
}
