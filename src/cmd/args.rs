//! Argument groups shared by the subcommands: input layers and their fields, the circle, and
//! output options.

use std::path::PathBuf;

use anyhow::Result;
use circleplan::DEFAULT_MINUTES;
use circleplan::io::{Encoding, IdField, ReadOptions};
use circleplan::model::DEFAULT_PERSONS_PER_HOUSEHOLD;
use circleplan::{CentreFields, Circle, CompoundFields, CoordSystem, Projected};
use clap::ValueEnum;

/// Input layers and how to read them.
#[derive(Debug, Clone, clap::Args)]
pub struct InputArgs {
    /// Resident compounds: GeoJSON (Point/Polygon features), CSV with a header, a Shapefile
    /// (.shp with its .shx, .dbf, .prj, .cpg) or a GeoPackage layer (FILE.gpkg[:LAYER]).
    #[arg(long, value_name = "FILE")]
    pub compounds: PathBuf,
    /// Service centres: GeoJSON, CSV, Shapefile or GeoPackage layer. Repeatable (e.g. one layer per level): ids must be
    /// unique across the layers; a layer without a level field takes its --centers-level,
    /// else its file stem as level (with a note) when several layers are given.
    #[arg(long, value_name = "FILE")]
    pub centers: Vec<PathBuf>,
    /// Level of every centre of one --centers layer that has no level field, LEVEL=FILE
    /// (repeatable), e.g. station=stations.csv.
    #[arg(long, value_name = "LEVEL=FILE")]
    pub centers_level: Vec<String>,
    /// Coordinate system of every layer: wgs84, gcj02 (Amap, Tencent) or bd09 (Baidu).
    #[arg(long, value_name = "SYS", default_value = "wgs84")]
    pub coords: CoordSystem,
    /// Coordinate system of the compounds layer (overrides --coords).
    #[arg(long, value_name = "SYS")]
    pub compounds_coords: Option<CoordSystem>,
    /// Coordinate system of the centres layer (overrides --coords).
    #[arg(long, value_name = "SYS")]
    pub centers_coords: Option<CoordSystem>,
    /// Projected system of every CSV layer's x/y columns, e.g. EPSG:4547 (CGCS2000 3° GK).
    /// GeoJSON layers are WGS84 unless their `crs` member or a per-layer flag says otherwise.
    #[arg(long, value_name = "EPSG:n")]
    pub crs: Option<String>,
    /// Coordinate system of the compounds layer, CSV or GeoJSON (overrides --crs and a
    /// GeoJSON `crs` member).
    #[arg(long, value_name = "EPSG:n")]
    pub compounds_crs: Option<String>,
    /// Coordinate system of the centres layer, CSV or GeoJSON (overrides --crs and a GeoJSON
    /// `crs` member).
    #[arg(long, value_name = "EPSG:n")]
    pub centers_crs: Option<String>,
    /// CSV longitude/x column (detected: lon, lng, longitude, x, 经度).
    #[arg(long, value_name = "NAME")]
    pub lon_field: Option<String>,
    /// CSV latitude/y column (detected: lat, latitude, y, 纬度).
    #[arg(long, value_name = "NAME")]
    pub lat_field: Option<String>,
    /// CSV text encoding: auto (UTF-8, else GBK), utf8 or gbk.
    #[arg(long, value_name = "ENC", default_value = "auto")]
    pub encoding: Encoding,
    /// Id field of every layer that has it; other layers detect theirs (id, 编号, code, in any
    /// case), and features without one are numbered by position.
    #[arg(long, value_name = "NAME")]
    pub id_field: Option<String>,
    /// Id field of the compounds layer (must exist; overrides --id-field).
    #[arg(long, value_name = "NAME")]
    pub compounds_id_field: Option<String>,
    /// Id field of the centres layer (must exist; overrides --id-field).
    #[arg(long, value_name = "NAME")]
    pub centers_id_field: Option<String>,
    /// Population field (detected: population, pop, 人口, 常住人口; else 1 per compound).
    #[arg(long, value_name = "NAME")]
    pub population_field: Option<String>,
    /// Households field, used as households × --persons-per-household.
    #[arg(long, value_name = "NAME")]
    pub households_field: Option<String>,
    /// Persons per household (China's 2020 census mean).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PERSONS_PER_HOUSEHOLD, allow_negative_numbers = true)]
    pub persons_per_household: f64,
    /// Centre level field (detected: level, 等级, 级别).
    #[arg(long, value_name = "NAME")]
    pub level_field: Option<String>,
    /// Centre name field (detected: name, 名称).
    #[arg(long, value_name = "NAME")]
    pub name_field: Option<String>,
    /// Centre capacity field (detected: capacity, 容量, floor_area_m2, 面积).
    #[arg(long, value_name = "NAME")]
    pub capacity_field: Option<String>,
    /// Report coverage per value of this compound field (repeatable: street, community).
    /// May name the --boundaries field.
    #[arg(long, value_name = "FIELD")]
    pub group_by: Vec<String>,
    #[command(flatten)]
    pub areas: AreaArgs,
    /// Leave out points more than 100 km from the rest of their layer (failed geocodes at
    /// (0, 0) and the like) instead of stopping; they are listed in the terminal and in
    /// summary.json "dropped".
    #[arg(long)]
    pub drop_far: bool,
}

impl InputArgs {
    /// How to read one layer given its own flags (`None` where not given), falling back to
    /// the flags for every layer.
    pub fn layer_options(&self, layer: LayerFlags<'_>) -> Result<ReadOptions> {
        let parse = |flag: &str, crs: &Option<String>| {
            crs.as_deref()
                .map(|c| Projected::parse(c).map_err(|e| anyhow::anyhow!("{flag}: {e}")))
                .transpose()
        };
        Ok(ReadOptions {
            id_field: match (layer.id_field, &self.id_field) {
                (Some(name), _) => IdField::Require(name.clone()),
                (None, Some(name)) => IdField::Prefer(name.clone()),
                (None, None) => IdField::Detect,
            },
            fields: Vec::new(),
            coords: layer.coords.unwrap_or(self.coords),
            crs: parse(layer.crs_flag, layer.crs)?,
            csv_crs: parse("--crs", &self.crs)?,
            lon_field: self.lon_field.clone(),
            lat_field: self.lat_field.clone(),
            encoding: self.encoding,
            keep_polygons: false,
            duplicate_ids: false,
        })
    }

    /// How to read the compounds layer.
    pub fn compound_options(&self) -> Result<ReadOptions> {
        self.layer_options(LayerFlags {
            coords: self.compounds_coords,
            crs: &self.compounds_crs,
            crs_flag: "--compounds-crs",
            id_field: self.compounds_id_field.as_ref(),
        })
    }

    /// How to read the centres layer.
    pub fn centre_options(&self) -> Result<ReadOptions> {
        self.layer_options(LayerFlags {
            coords: self.centers_coords,
            crs: &self.centers_crs,
            crs_flag: "--centers-crs",
            id_field: self.centers_id_field.as_ref(),
        })
    }

    /// The `--centers-level LEVEL=FILE` pairs; a FILE that is not a `--centers` layer is an
    /// error.
    pub fn centre_levels(&self) -> Result<Vec<(String, PathBuf)>> {
        self.centers_level
            .iter()
            .map(|spec| {
                let Some((level, file)) = spec.split_once('=') else {
                    anyhow::bail!("invalid --centers-level {spec:?}: write LEVEL=FILE, e.g. station=stations.csv");
                };
                let file = PathBuf::from(file.trim());
                if !self.centers.contains(&file) {
                    anyhow::bail!(
                        "invalid --centers-level {spec:?}: {} is not one of the --centers files",
                        file.display()
                    );
                }
                Ok((level.trim().to_string(), file))
            })
            .collect()
    }

    /// Compound fields to read.
    pub fn compound_fields(&self) -> CompoundFields {
        CompoundFields {
            population_field: self.population_field.clone(),
            households_field: self.households_field.clone(),
            persons_per_household: self.persons_per_household,
            group_by: self.group_by.clone(),
            name_field: None,
            boundaries: None,
        }
    }

    /// Centre fields to read.
    pub fn centre_fields(&self) -> CentreFields {
        CentreFields {
            level_field: self.level_field.clone(),
            name_field: self.name_field.clone(),
            capacity_field: self.capacity_field.clone(),
        }
    }

    /// The coordinate system of a layer (its own `--*-coords` or `--coords`), for the summary.
    pub fn coords_name(&self, coords: Option<CoordSystem>) -> String {
        coords.unwrap_or(self.coords).to_string()
    }
}

/// The areas every compound, centre and facility is placed in.
#[derive(Debug, Clone, clap::Args)]
pub struct AreaArgs {
    /// Polygons of 街道 or 社区 (GeoJSON, Shapefile or GeoPackage layer): each compound,
    /// centre and facility takes the name of the area containing it (edges count as inside;
    /// where areas overlap, the first in the file) as a group field, also reachable with
    /// --group-by; the report's map draws them.
    #[arg(long, value_name = "FILE")]
    pub boundaries: Option<PathBuf>,
    /// The areas' name field (detected: name, 名称, 街道, 社区).
    #[arg(long, value_name = "NAME", requires = "boundaries")]
    pub boundary_field: Option<String>,
}

impl AreaArgs {
    /// Reads the areas, when given, as a layer read with `options` (format, `.prj`, GeoPackage
    /// system, `--coords`, `--crs` for CSV), and lists them among the run's inputs.
    pub fn load(
        &self,
        options: &ReadOptions,
        run: &mut circleplan::report::RunInfo,
        coords: String,
    ) -> Result<Option<std::sync::Arc<circleplan::Boundaries>>> {
        let Some(path) = &self.boundaries else {
            return Ok(None);
        };
        let options = ReadOptions {
            id_field: IdField::Detect,
            crs: None,
            ..options.clone()
        };
        let areas = circleplan::Boundaries::load(path, &options, self.boundary_field.as_deref())?;
        run.inputs.push((
            "boundaries".into(),
            circleplan::report::LayerInfo {
                path: path.display().to_string(),
                features: areas.len(),
                coords,
                crs: None,
                polygons: areas.len(),
                encoding: None,
            },
        ));
        let areas = std::sync::Arc::new(areas);
        run.boundaries = Some(areas.clone());
        Ok(Some(areas))
    }
}

/// One layer's own flags.
#[derive(Debug, Clone, Copy)]
pub struct LayerFlags<'a> {
    /// `--*-coords`.
    pub coords: Option<CoordSystem>,
    /// `--*-crs`.
    pub crs: &'a Option<String>,
    /// The `--*-crs` flag's name, for messages.
    pub crs_flag: &'static str,
    /// `--*-id-field`.
    pub id_field: Option<&'a String>,
}

/// How to read the candidates layer of `site` and `gaps`.
#[derive(Debug, Clone, clap::Args)]
pub struct CandidateLayerArgs {
    /// Coordinate system of the candidates layer (overrides --coords).
    #[arg(long, value_name = "SYS")]
    pub candidates_coords: Option<CoordSystem>,
    /// Coordinate system of the candidates layer, CSV or GeoJSON (overrides --crs and a
    /// GeoJSON `crs` member).
    #[arg(long, value_name = "EPSG:n")]
    pub candidates_crs: Option<String>,
    /// Id field of the candidates layer (must exist; overrides --id-field).
    #[arg(long, value_name = "NAME")]
    pub candidates_id_field: Option<String>,
}

impl CandidateLayerArgs {
    /// How to read the candidates layer.
    pub fn options(&self, input: &InputArgs) -> Result<ReadOptions> {
        input.layer_options(LayerFlags {
            coords: self.candidates_coords,
            crs: &self.candidates_crs,
            crs_flag: "--candidates-crs",
            id_field: self.candidates_id_field.as_ref(),
        })
    }
}

/// Standards that define preset circles.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Standard {
    /// GB 50180-2018: 5 min → 300 m, 10 min → 500 m, 15 min → 1000 m.
    Gb50180,
}

/// The service circle.
#[derive(Debug, Clone, clap::Args)]
pub struct CircleArgs {
    /// Walking minutes [default: 15].
    #[arg(long, allow_negative_numbers = true)]
    pub minutes: Option<f64>,
    /// Walking speed, km/h.
    #[arg(long, default_value_t = 4.0, allow_negative_numbers = true)]
    pub speed: f64,
    /// Radius in metres (instead of minutes × speed; not with --minutes or --standard).
    #[arg(
        long,
        value_name = "METRES",
        conflicts_with_all = ["standard", "minutes"],
        allow_negative_numbers = true
    )]
    pub radius: Option<f64>,
    /// Use a standard's preset radius for --minutes.
    #[arg(long)]
    pub standard: Option<Standard>,
    /// Radius for one centre level, e.g. station=300 (repeatable).
    #[arg(long, value_name = "LEVEL=METRES")]
    pub level_radius: Vec<String>,
}

impl CircleArgs {
    /// The circle these arguments describe.
    pub fn circle(&self) -> Result<Circle> {
        let minutes = self.minutes.unwrap_or(DEFAULT_MINUTES);
        let mut c = match (self.radius, self.standard) {
            (Some(r), _) => Circle::from_radius(r, self.speed)?,
            (None, Some(Standard::Gb50180)) => Circle::gb50180(minutes, self.speed)?,
            (None, None) => Circle::from_minutes(minutes, self.speed)?,
        };
        for spec in &self.level_radius {
            let (level, r) = Circle::parse_level_radius(spec)?;
            if let Some((_, first)) = c
                .level_radius_m
                .iter()
                .find(|(l, _)| l.eq_ignore_ascii_case(&level))
            {
                anyhow::bail!(
                    "--level-radius: level {level:?} is given twice ({first} m and {r} m); give \
                     each level one radius"
                );
            }
            c = c.with_level_radius(&level, r)?;
        }
        Ok(c)
    }
}

/// The flags every analysis command takes after its layers: the circle, the metric and the
/// outputs, in this order in `--help`.
#[derive(Debug, clap::Args)]
pub struct CommonArgs {
    #[command(flatten)]
    pub circle: CircleArgs,
    #[command(flatten)]
    pub metric: super::metric::MetricArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

impl CommonArgs {
    /// Reads the layers (behind the "Reading layers" spinner) with the circle checked
    /// against their levels; `centres_required` refuses a run without `--centers`.
    pub fn read_layers(
        &self,
        input: &InputArgs,
        centres_required: bool,
    ) -> Result<super::coverage::Loaded> {
        let (loaded, streets) = super::progress::step("Reading layers", self.output.quiet, || {
            (self.metric)
                .read_beside(|| super::coverage::load(input, &self.circle, centres_required))
        });
        let mut loaded = loaded?;
        loaded.streets = streets;
        Ok(loaded)
    }
}

/// The layers of a command that also reads candidate sites (`gaps`, `site`): the inputs, the
/// candidates layer's own flags, then the common flags.
#[derive(Debug, clap::Args)]
pub struct CandidateRunArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub candidate_layer: CandidateLayerArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// How results are printed.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// A table for people.
    Table,
    /// The summary JSON, for scripts.
    Json,
}

/// Output options.
#[derive(Debug, Clone, clap::Args)]
pub struct OutputArgs {
    /// Directory for summary.json and the GeoJSON layers (nothing is written without it); a
    /// path ending in .gpkg writes every layer into one GeoPackage instead (WGS84, tables
    /// named as the GeoJSON files, summary.json and the CSV tables in `circleplan_files`).
    #[arg(short, long, value_name = "DIR|FILE.gpkg")]
    pub output: Option<PathBuf>,
    /// What to print: a table for people or the summary JSON.
    #[arg(long, default_value = "table")]
    pub format: Format,
    /// No progress bars or notes on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    /// Coordinate system of the written layers: wgs84 (RFC 7946, default), or gcj02/bd09 to
    /// overlay results on Amap/Tencent or Baidu base maps.
    #[arg(long, value_name = "SYS", default_value = "wgs84")]
    pub output_coords: CoordSystem,
    /// Add step timings to the summary (makes it differ from run to run).
    #[arg(long)]
    pub timings: bool,
    /// Also write a self-contained HTML report (map, charts, tables) to this file.
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
    /// Web tiles under the report's map when the page is opened online: an XYZ template with
    /// {z}/{x}/{y}, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png or Tianditu's. Offline,
    /// and without this flag, the page is self-contained.
    #[arg(long, value_name = "URL")]
    pub basemap: Option<String>,
    /// The tiles' system: wgs84 (OpenStreetMap, Tianditu) or gcj02 (Amap, Tencent).
    #[arg(long, value_name = "SYS", default_value = "wgs84")]
    pub basemap_coords: CoordSystem,
    /// Language of the HTML report: zh or en (default: zh when the data has Chinese text).
    #[arg(long, value_name = "zh|en")]
    pub lang: Option<circleplan::report::Lang>,
}

impl OutputArgs {
    /// The basemap the report draws (`--basemap`, `--basemap-coords`).
    ///
    /// # Errors
    /// A template without `{z}`, `{x}` and `{y}`, Baidu's own tiling (`bd09`), or a basemap
    /// without `--report`.
    pub fn basemap(&self) -> Result<Option<circleplan::report::Basemap>> {
        let Some(url) = &self.basemap else {
            return Ok(None);
        };
        if self.report.is_none() {
            anyhow::bail!("--basemap draws under the report's map: give --report FILE.html too");
        }
        if !["{z}", "{x}", "{y}"].iter().all(|k| url.contains(k)) {
            anyhow::bail!("--basemap {url:?}: an XYZ tile template needs {{z}}, {{x}} and {{y}}");
        }
        if self.basemap_coords == CoordSystem::Bd09 {
            anyhow::bail!(
                "--basemap-coords bd09: Baidu's tiles use their own tiling scheme; use wgs84 or \
                 gcj02 tiles"
            );
        }
        Ok(Some(circleplan::report::Basemap {
            url: url.clone(),
            coords: self.basemap_coords,
        }))
    }
}

/// Ids from `ID,ID…`, or from a file when one exists at that path (a layer's ids, or one id
/// a line).
pub fn id_list(list: &str) -> Result<Vec<String>> {
    let path = std::path::Path::new(list);
    if path.is_file() {
        return Ok(circleplan::io::read_id_list(path)?);
    }
    Ok(list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect())
}
