//! The layers a workflow reads, as the commands read them: files by path through the same
//! readers, GeoDataFrames (WKB plus properties) as the GeoJSON the same readers parse, so
//! checks, warnings and messages are the command's. The summary's `inputs` record each
//! layer as the command does (a GeoDataFrame by the name the wrapper gives it).

use std::path::{Path, PathBuf};

use circleplan::gates::GateLayer;
use circleplan::io::{WkbFeature, geojson_from_wkb};
use circleplan::lifecircle::{Facilities, FacilityFields, Profile};
use circleplan::report::{LayerInfo, RunInfo};
use circleplan::{CentreFields, Centres, Circle, CompoundFields, Compounds};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use serde_json::{Map, Value};

use crate::options::Options;
use crate::{py_error, usage};

/// One input layer.
#[derive(Debug)]
pub(crate) enum Layer {
    /// Not given.
    None,
    /// A file (GeoJSON, CSV, Shapefile, GeoPackage, street extract, cost table).
    Path(PathBuf),
    /// Features in memory, WGS84, named by `name` in messages and in the summary.
    Memory {
        name: String,
        features: Vec<WkbFeature>,
    },
}

impl Layer {
    /// `None`, a path (`str` or `os.PathLike`) or `(name, [wkb or None], [properties])`.
    pub(crate) fn from_py(obj: &Bound<'_, PyAny>) -> PyResult<Layer> {
        if obj.is_none() {
            return Ok(Layer::None);
        }
        if let Ok(path) = obj.extract::<PathBuf>() {
            return Ok(Layer::Path(path));
        }
        let (name, wkbs, props): (String, Vec<Option<Bound<PyBytes>>>, Bound<PyAny>) =
            obj.extract().map_err(|_| {
                usage("a layer is a path or a GeoDataFrame (the wrapper passes (name, wkb, properties))")
            })?;
        let props: Vec<Map<String, Value>> =
            pythonize::depythonize(&props).map_err(|e| usage(format!("{name}: {e}")))?;
        if props.len() != wkbs.len() {
            return Err(usage(format!(
                "{name}: {} geometries but {} property rows",
                wkbs.len(),
                props.len()
            )));
        }
        let features = wkbs
            .into_iter()
            .zip(props)
            .map(|(w, properties)| WkbFeature {
                wkb: w.map(|b| b.as_bytes().to_vec()),
                properties,
            })
            .collect();
        Ok(Layer::Memory { name, features })
    }

    /// How the layer is named in messages and in the summary.
    pub(crate) fn name(&self) -> String {
        match self {
            Layer::None => String::new(),
            Layer::Path(p) => p.display().to_string(),
            Layer::Memory { name, .. } => name.clone(),
        }
    }

    /// The path naming the layer and its bytes: a file's content, or the features as GeoJSON.
    pub(crate) fn bytes(&self) -> PyResult<(PathBuf, Vec<u8>)> {
        match self {
            Layer::None => Err(usage("no layer")),
            Layer::Path(p) => {
                let bytes = circleplan::io::read_input(p).map_err(py_error)?;
                Ok((p.clone(), bytes.into_vec()))
            }
            Layer::Memory { name, features } => {
                let path = PathBuf::from(name);
                let bytes = geojson_from_wkb(&path, features).map_err(py_error)?;
                Ok((path, bytes))
            }
        }
    }

    /// Every property of every feature, as `sites.geojson` carries a candidate's own.
    pub(crate) fn properties(
        &self,
        encoding: circleplan::io::Encoding,
    ) -> PyResult<Vec<Map<String, Value>>> {
        match self {
            Layer::Path(p) => circleplan::io::read_properties(p, encoding).map_err(py_error),
            Layer::Memory { features, .. } => {
                Ok(features.iter().map(|f| f.properties.clone()).collect())
            }
            Layer::None => Ok(Vec::new()),
        }
    }
}

/// The layers of one call.
pub(crate) struct Inputs {
    pub compounds: Layer,
    pub centres: Vec<Layer>,
    pub candidates: Option<Layer>,
    pub facilities: Vec<Layer>,
    pub network: Layer,
    pub gates: Layer,
}

impl Inputs {
    /// From the wrapper's dict: `compounds`, `centres` (a list), `candidates`, `facilities`
    /// (a list), `network`.
    pub(crate) fn from_py(d: &Bound<'_, PyDict>) -> PyResult<Inputs> {
        let one = |key: &str| -> PyResult<Layer> {
            match d.get_item(key)? {
                Some(v) => Layer::from_py(&v),
                None => Ok(Layer::None),
            }
        };
        let many = |key: &str| -> PyResult<Vec<Layer>> {
            match d.get_item(key)? {
                Some(v) if !v.is_none() => v.try_iter()?.map(|l| Layer::from_py(&l?)).collect(),
                _ => Ok(Vec::new()),
            }
        };
        let candidates = match one("candidates")? {
            Layer::None => None,
            l => Some(l),
        };
        Ok(Inputs {
            compounds: one("compounds")?,
            centres: many("centres")?,
            candidates,
            facilities: many("facilities")?,
            network: one("network")?,
            gates: one("gates")?,
        })
    }
}

/// Compounds, merged centres and the circle, with the run's record.
pub(crate) struct Loaded {
    pub compounds: Compounds,
    pub centres: Centres,
    pub circle: Circle,
    pub run: RunInfo,
}

fn compound_fields(options: &Options, name_field: Option<String>) -> CompoundFields {
    CompoundFields {
        population_field: options.population_field.clone(),
        households_field: options.households_field.clone(),
        persons_per_household: options
            .persons_per_household
            .unwrap_or(circleplan::model::DEFAULT_PERSONS_PER_HOUSEHOLD),
        group_by: options.group_by.clone(),
        name_field,
        boundaries: None,
    }
}

fn centre_fields(options: &Options) -> CentreFields {
    CentreFields {
        level_field: options.level_field.clone(),
        name_field: options.name_field.clone(),
        capacity_field: options.capacity_field.clone(),
    }
}

/// What the summary says about a layer.
fn info(
    path: &Path,
    (features, polygons): (usize, usize),
    coords: String,
    crs: Option<String>,
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

/// Reads compounds and centres as `coverage` does (the circle checked first; far points an
/// error unless `drop_far`).
pub(crate) fn load(inputs: &Inputs, options: &Options, centres_required: bool) -> PyResult<Loaded> {
    let circle = options.circle()?;
    if matches!(inputs.compounds, Layer::None) {
        return Err(usage("compounds= is required: the resident compounds"));
    }
    if centres_required && inputs.centres.is_empty() {
        return Err(usage("centres= is required: the existing service centres"));
    }
    let base = options.read_options()?;
    let mut run = RunInfo::default();
    let (path, bytes) = inputs.compounds.bytes()?;
    let fields = compound_fields(options, None);
    let mut compounds =
        Compounds::parse(&path, bytes, &base, &fields, &mut run.warnings).map_err(py_error)?;
    let mut layers = Vec::with_capacity(inputs.centres.len());
    for layer in &inputs.centres {
        let (path, bytes) = layer.bytes()?;
        let c = Centres::parse(
            &path,
            bytes,
            &base,
            &centre_fields(options),
            &mut run.warnings,
        )
        .map_err(py_error)?;
        layers.push((path, c));
    }
    let coords = options.coords_name()?;
    let counts = (compounds.len(), compounds.polygons);
    let (crs, encoding) = (compounds.crs.clone(), compounds.encoding.clone());
    run.inputs.push((
        "compounds".into(),
        info(&path, counts, coords.clone(), crs, encoding),
    ));
    for (k, (path, layer)) in layers.iter().enumerate() {
        let role = match k {
            0 => "centers".to_string(),
            k => format!("centers_{}", k + 1),
        };
        let counts = (layer.len(), layer.polygons);
        let (crs, encoding) = (layer.crs.clone(), layer.encoding.clone());
        run.inputs
            .push((role, info(path, counts, coords.clone(), crs, encoding)));
    }
    let drop = options.drop_far;
    let far = run
        .far_points("compounds", &path, &compounds.ids, &compounds.lonlat, drop)
        .map_err(py_error)?;
    compounds.remove(&far);
    let mut merged = Vec::with_capacity(layers.len());
    for (path, mut layer) in layers {
        let far = run
            .far_points("centers", &path, &layer.ids, &layer.lonlat, drop)
            .map_err(py_error)?;
        layer.remove(&far);
        merged.push(layer);
    }
    let centres = if merged.is_empty() {
        Centres::empty()
    } else {
        Centres::merge(merged).map_err(py_error)?
    };
    circle
        .check_levels(centres.level.iter().map(String::as_str))
        .map_err(py_error)?;
    Ok(Loaded {
        compounds,
        centres,
        circle,
        run,
    })
}

/// The candidates layer of `gaps` and `site` (its capacity field as `site` reads it).
pub(crate) fn candidates(layer: &Layer, options: &Options, run: &mut RunInfo) -> PyResult<Centres> {
    let (path, bytes) = layer.bytes()?;
    let fields = CentreFields {
        capacity_field: options.capacity_field.clone(),
        ..CentreFields::default()
    };
    let base = options.read_options()?;
    let mut c =
        Centres::parse(&path, bytes, &base, &fields, &mut run.warnings).map_err(py_error)?;
    let counts = (c.len(), c.polygons);
    let (crs, encoding) = (c.crs.clone(), c.encoding.clone());
    let coords = options.coords_name()?;
    run.inputs.push((
        "candidates".into(),
        info(&path, counts, coords, crs, encoding),
    ));
    let far = run
        .far_points("candidates", &path, &c.ids, &c.lonlat, options.drop_far)
        .map_err(py_error)?;
    c.remove(&far);
    Ok(c)
}

/// A scenario's added sites, as `compare --scenario NAME=FILE` reads them (sites without a
/// level take `level`).
pub(crate) fn scenario_sites(
    name: &str,
    layer: &Layer,
    level: &str,
    options: &Options,
    run: &mut RunInfo,
) -> PyResult<Centres> {
    let (path, bytes) = layer.bytes()?;
    let base = options.read_options()?;
    let mut c = Centres::parse(
        &path,
        bytes,
        &base,
        &centre_fields(options),
        &mut run.warnings,
    )
    .map_err(|e| usage(format!("scenario {name}: {}", crate::message(&e))))?;
    let far = run
        .far_points("scenario", &path, &c.ids, &c.lonlat, options.drop_far)
        .map_err(py_error)?;
    c.remove(&far);
    for l in c.level.iter_mut().filter(|l| l.is_empty()) {
        *l = level.to_string();
    }
    let counts = (c.len(), c.polygons);
    let (crs, encoding) = (c.crs.clone(), c.encoding.clone());
    let coords = options.coords_name()?;
    run.inputs.push((
        format!("scenario:{name}"),
        info(&path, counts, coords, crs, encoding),
    ));
    Ok(c)
}

/// Compounds and facilities as `lifecircle` reads them.
pub(crate) fn lifecircle_layers(
    inputs: &Inputs,
    options: &Options,
    profile: &Profile,
) -> PyResult<(Compounds, Facilities, RunInfo)> {
    if matches!(inputs.compounds, Layer::None) {
        return Err(usage("compounds= is required: the resident compounds"));
    }
    if inputs.facilities.is_empty() {
        return Err(usage("facilities= is required: the typed facility layers"));
    }
    let base = options.read_options()?;
    let mut run = RunInfo::default();
    let (path, bytes) = inputs.compounds.bytes()?;
    let fields = compound_fields(options, options.name_field.clone());
    let mut compounds =
        Compounds::parse(&path, bytes, &base, &fields, &mut run.warnings).map_err(py_error)?;
    let mut layers = Vec::with_capacity(inputs.facilities.len());
    for layer in &inputs.facilities {
        let (p, bytes) = layer.bytes()?;
        layers.push((p, bytes, base.clone()));
    }
    let facility_fields = FacilityFields {
        type_field: options.type_field.clone(),
        capacity_field: options.capacity_field.clone(),
        group_by: options.group_by.clone(),
        boundaries: None,
    };
    let mut facilities = Facilities::parse(layers, &facility_fields, profile, &mut run.warnings)
        .map_err(py_error)?;
    // As the command records them: the --crs given (not the layer's own) and no encoding
    // for facility layers.
    let coords = options.coords_name()?;
    let counts = (compounds.len(), compounds.polygons);
    let encoding = compounds.encoding.clone();
    run.inputs.push((
        "compounds".into(),
        info(&path, counts, coords.clone(), options.crs.clone(), encoding),
    ));
    for (k, (p, features, polygons)) in facilities.layers.iter().enumerate() {
        run.inputs.push((
            format!("facilities_{}", k + 1),
            info(
                p,
                (*features, *polygons),
                coords.clone(),
                options.crs.clone(),
                None,
            ),
        ));
    }
    let drop = options.drop_far;
    let far = run
        .far_points("compounds", &path, &compounds.ids, &compounds.lonlat, drop)
        .map_err(py_error)?;
    compounds.remove(&far);
    let mut far = Vec::new();
    for (k, (p, _, _)) in facilities.layers.clone().iter().enumerate() {
        let of_layer = facilities.of_layer(k);
        let ids: Vec<String> = of_layer
            .iter()
            .map(|&f| facilities.ids[f].clone())
            .collect();
        let lonlat: Vec<[f64; 2]> = of_layer.iter().map(|&f| facilities.lonlat[f]).collect();
        let layer_far = run
            .far_points("facilities", p, &ids, &lonlat, drop)
            .map_err(py_error)?;
        far.extend(layer_far.into_iter().map(|i| of_layer[i]));
    }
    far.sort_unstable();
    facilities.remove(&far);
    Ok((compounds, facilities, run))
}

/// The gates layer (`gates=`), read like the compounds, when given.
pub(crate) fn gates(layer: &Layer, options: &Options) -> PyResult<Option<GateLayer>> {
    let field = options.gates_compound_field.as_deref();
    let base = options.read_options()?;
    match layer {
        Layer::None => Ok(None),
        Layer::Path(p) => GateLayer::load(p, &base, field).map(Some).map_err(py_error),
        Layer::Memory { .. } => {
            let (path, bytes) = layer.bytes()?;
            GateLayer::parse(&path, bytes, &base, field)
                .map(Some)
                .map_err(py_error)
        }
    }
}
