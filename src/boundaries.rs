//! Areas (街道 or 社区 polygons, `--boundaries`) and which area each point lies in: compounds,
//! centres and facilities take their area's name as a group field.
//!
//! Points are located with an R-tree over the polygons' bounding boxes, then `geo`'s
//! point-in-polygon on the few candidates; [`Boundaries::locate_brute_force`] tries every
//! polygon and is the oracle the tests hold the tree to.

use std::path::{Path, PathBuf};

use geo::{BoundingRect, Intersects, MultiPolygon, Point};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use crate::error::{Error, Result, quoted};
use crate::io::{ReadOptions, Scalar, parse_points};

/// Names tried, in order, for an area's name when `--boundary-field` is not given.
pub const BOUNDARY_FIELD_NAMES: &[&str] = &["name", "名称", "街道", "社区"];

/// An area's bounding box with its index in file order.
type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// Named areas in WGS84, in file order, with an R-tree over their bounding boxes.
#[derive(Debug, Clone)]
pub struct Boundaries {
    /// The file they came from.
    pub path: PathBuf,
    /// The name field, as the file spells it: the group field the areas fill.
    pub field: String,
    /// Each area's name (empty where the feature has none), in file order.
    pub names: Vec<String>,
    /// Each area's polygons, WGS84 longitude/latitude.
    pub polygons: Vec<MultiPolygon<f64>>,
    tree: RTree<Entry>,
}

impl Boundaries {
    /// Reads an area layer (GeoJSON, Shapefile or GeoPackage, with the same format detection
    /// and coordinate systems as every point layer: `base` says how); `field` names the
    /// areas' name field, else one of [`BOUNDARY_FIELD_NAMES`] is taken. Features that are
    /// not polygons are left out.
    ///
    /// # Errors
    /// The reader's errors; [`Error::EmptyLayer`] when no feature is a polygon;
    /// [`Error::Format`] when no feature has the name field.
    pub fn load(path: &Path, base: &ReadOptions, field: Option<&str>) -> Result<Boundaries> {
        let bytes = crate::io::read_input(path)?;
        Self::parse(path, bytes, base, field)
    }

    /// [`Boundaries::load`] on a file's bytes already in memory.
    pub fn parse(
        path: &Path,
        bytes: impl Into<crate::io::InputBytes>,
        base: &ReadOptions,
        field: Option<&str>,
    ) -> Result<Boundaries> {
        let names: Vec<String> = match field {
            Some(f) => vec![f.to_string()],
            None => BOUNDARY_FIELD_NAMES.iter().map(|s| s.to_string()).collect(),
        };
        let options = ReadOptions {
            fields: vec![names.clone()],
            keep_polygons: true,
            duplicate_ids: true,
            ..base.clone()
        };
        let layer = parse_points(path, bytes, &options).map_err(|e| match e {
            Error::EmptyLayer { path, .. } => no_polygons(&path),
            e => e,
        })?;
        if layer.polygons == 0 {
            return Err(no_polygons(path));
        }
        let Some(found) = layer.column_names[0].clone() else {
            let looked = names.iter().map(|n| quoted(n)).collect::<Vec<_>>();
            return Err(Error::Format {
                path: path.to_path_buf(),
                message: format!(
                    "no area name field (looked for {}): name it with --boundary-field",
                    looked.join(", ")
                ),
            });
        };
        let mut out = (Vec::new(), Vec::new());
        for (shape, name) in layer.shapes.into_iter().zip(&layer.columns[0]) {
            if !shape.0.is_empty() {
                out.0
                    .push(name.as_ref().map(Scalar::to_text).unwrap_or_default());
                out.1.push(shape);
            }
        }
        Ok(Boundaries::new(path, found, out.0, out.1))
    }

    /// Areas from names and polygons (WGS84), in this order.
    ///
    /// # Panics
    /// When `names` and `polygons` differ in length.
    pub fn new(
        path: &Path,
        field: String,
        names: Vec<String>,
        polygons: Vec<MultiPolygon<f64>>,
    ) -> Boundaries {
        assert_eq!(names.len(), polygons.len(), "one name per area");
        let entries = polygons
            .iter()
            .enumerate()
            .filter_map(|(k, p)| {
                let r = p.bounding_rect()?;
                let rect = Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
                Some(GeomWithData::new(rect, k))
            })
            .collect();
        Boundaries {
            path: path.to_path_buf(),
            field,
            names,
            polygons,
            tree: RTree::bulk_load(entries),
        }
    }

    /// Number of areas.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The first area (in file order) containing `lonlat`, a point on an area's edge counting
    /// as inside it and a point in a hole as outside; `None` when no area contains it.
    pub fn locate(&self, lonlat: [f64; 2]) -> Option<usize> {
        let point = Point::new(lonlat[0], lonlat[1]);
        self.tree
            .locate_in_envelope_intersecting(&AABB::from_point(lonlat))
            .map(|e| e.data)
            .filter(|&k| self.polygons[k].intersects(&point))
            .min()
    }

    /// [`Boundaries::locate`] by trying every area in order: the oracle for the R-tree.
    #[doc(hidden)]
    pub fn locate_brute_force(&self, lonlat: [f64; 2]) -> Option<usize> {
        let point = Point::new(lonlat[0], lonlat[1]);
        (0..self.len()).find(|&k| self.polygons[k].intersects(&point))
    }

    /// The name of the area of each point (empty for a point in no area).
    pub fn assign(&self, lonlat: &[[f64; 2]]) -> Vec<String> {
        use rayon::prelude::*;
        lonlat
            .par_iter()
            .map(|&p| {
                self.locate(p)
                    .map_or_else(String::new, |k| self.names[k].clone())
            })
            .collect()
    }

    /// Whether `name` is this layer's field (ignoring ASCII case, as fields are matched).
    pub fn is_field(&self, name: &str) -> bool {
        self.field.eq_ignore_ascii_case(name)
    }
}

fn no_polygons(path: &Path) -> Error {
    Error::EmptyLayer {
        path: path.to_path_buf(),
        message: "no Polygon or MultiPolygon features: --boundaries needs the areas' outlines"
            .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{LineString, Polygon};

    fn square(x: f64, y: f64, side: f64) -> Polygon {
        let ring = vec![
            (x, y),
            (x + side, y),
            (x + side, y + side),
            (x, y + side),
            (x, y),
        ];
        Polygon::new(LineString::from(ring), vec![])
    }

    fn read(text: &str) -> Result<Boundaries> {
        Boundaries::parse(
            Path::new("areas.geojson"),
            text.as_bytes().to_vec(),
            &ReadOptions::default(),
            None,
        )
    }

    #[test]
    fn edges_count_inside_holes_outside_and_overlaps_go_to_the_first() {
        let mut holed = square(0.0, 0.0, 1.0);
        holed.interiors_push(square(0.25, 0.25, 0.5).exterior().clone());
        let b = Boundaries::new(
            Path::new("t"),
            "街道".into(),
            vec!["A".into(), "B".into(), "C".into()],
            vec![
                MultiPolygon(vec![holed]),
                MultiPolygon(vec![square(0.5, 0.5, 1.0), square(5.0, 5.0, 1.0)]),
                MultiPolygon(vec![square(0.9, 0.0, 0.2)]),
            ],
        );
        assert_eq!(b.locate([0.1, 0.1]), Some(0));
        assert_eq!(b.locate([0.0, 0.5]), Some(0), "on the outer edge");
        assert_eq!(b.locate([0.25, 0.5]), Some(0), "on the hole's edge");
        assert_eq!(b.locate([0.4, 0.4]), None, "in the hole");
        assert_eq!(b.locate([0.6, 0.6]), Some(1), "in the hole, inside B");
        assert_eq!(b.locate([0.8, 0.8]), Some(0), "A and B overlap: A first");
        assert_eq!(b.locate([5.5, 5.5]), Some(1), "B's second part");
        assert_eq!(b.locate([0.95, 0.1]), Some(0), "A and C overlap: A first");
        assert_eq!(b.locate([1.05, 0.1]), Some(2));
        assert_eq!(b.locate([3.0, 3.0]), None);
        let names = b.assign(&[[0.1, 0.1], [3.0, 3.0], [5.5, 5.5]]);
        assert_eq!(names, ["A", "", "B"]);
    }

    #[test]
    fn the_tree_finds_what_trying_every_area_finds() {
        let mut rng = crate::rng::Rng::new(18);
        for case in 0..20 {
            let n = 1 + rng.below(30);
            let polygons: Vec<MultiPolygon> = (0..n)
                .map(|_| {
                    let (x, y) = (rng.f64() * 10.0, rng.f64() * 10.0);
                    let parts = 1 + rng.below(2);
                    MultiPolygon(
                        (0..parts)
                            .map(|p| square(x + p as f64 * 3.0, y, 0.5 + rng.f64() * 3.0))
                            .collect(),
                    )
                })
                .collect();
            let names = (0..n).map(|k| format!("a{k}")).collect();
            let b = Boundaries::new(Path::new("t"), "name".into(), names, polygons);
            for _ in 0..200 {
                // Grid points on a quarter-unit lattice land on edges and corners too.
                let p = if rng.below(2) == 0 {
                    [rng.f64() * 16.0, rng.f64() * 16.0]
                } else {
                    [rng.below(64) as f64 / 4.0, rng.below(64) as f64 / 4.0]
                };
                assert_eq!(
                    b.locate(p),
                    b.locate_brute_force(p),
                    "case {case}, point {p:?}, areas {:?}",
                    b.polygons
                );
            }
        }
    }

    #[test]
    fn a_geojson_layer_reads_names_and_leaves_out_points() {
        let b = read(
            r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"名称":"东街道"},"geometry":{"type":"Polygon",
             "coordinates":[[[117,31],[117.1,31],[117.1,31.1],[117,31.1],[117,31]]]}},
            {"type":"Feature","properties":{"名称":"站"},"geometry":{"type":"Point",
             "coordinates":[117.05,31.05]}},
            {"type":"Feature","properties":{"名称":"西街道"},"geometry":{"type":"MultiPolygon",
             "coordinates":[[[[116.9,31],[117,31],[117,31.1],[116.9,31.1],[116.9,31]]]]}}]}"#,
        )
        .unwrap();
        assert_eq!(b.field, "名称");
        assert_eq!(b.names, ["东街道", "西街道"]);
        assert_eq!(
            b.assign(&[[117.05, 31.05], [116.95, 31.05]]),
            ["东街道", "西街道"]
        );
        assert_eq!(
            b.locate([117.0, 31.05]),
            Some(0),
            "the shared edge: the first"
        );
    }

    #[test]
    fn no_polygons_or_no_name_field_is_one_line_naming_the_file() {
        let points = r#"{"type":"FeatureCollection","features":[{"type":"Feature",
            "properties":{"name":"a"},"geometry":{"type":"Point","coordinates":[117,31]}}]}"#;
        let e = read(points).unwrap_err().to_string();
        assert!(
            e.starts_with("areas.geojson: ") && e.contains("no Polygon"),
            "{e}"
        );
        let unnamed = r#"{"type":"FeatureCollection","features":[{"type":"Feature",
            "properties":{"code":1},"geometry":{"type":"Polygon",
            "coordinates":[[[117,31],[117.1,31],[117.1,31.1],[117,31]]]}}]}"#;
        let e = read(unnamed).unwrap_err().to_string();
        assert!(
            e.starts_with("areas.geojson: ") && e.contains("--boundary-field"),
            "{e}"
        );
        assert!(!e.contains('\n'), "{e}");
    }
}
