//! Shapefiles as GIS offices hand them over: the `.shp` geometry (through the pure-Rust
//! `shapefile` crate, with its `.shx` index), the `.dbf` attributes (`dbf.rs`), the `.cpg`
//! encoding and the `.prj` coordinate system, read into a point layer or street lines.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use geo::InteriorPoint;
use shapefile::record::traits::HasXY;
use shapefile::{PolygonRing, Shape};

use super::dbf::DbfTable;
use super::layer::{FieldMatcher, LayerFormat, PointLayer, ReadOptions};
use super::streets::LineLayer;
use crate::crs::{WktCrs, recognise_wkt};
use crate::error::{Error, Result, clip, quoted};

/// The files beside a `.shp`, read whole.
struct Parts {
    shx: Vec<u8>,
    dbf: (PathBuf, Vec<u8>),
    prj: Option<(PathBuf, String)>,
    cpg: Option<String>,
}

/// The file beside `path` with extension `ext` in either case (`a.shx` or `a.SHX`).
fn sibling(path: &Path, ext: &str) -> Option<PathBuf> {
    [ext.to_string(), ext.to_ascii_uppercase()]
        .into_iter()
        .map(|e| path.with_extension(e))
        .find(|p| p.is_file())
}

impl Parts {
    /// Reads the `.shx` and `.dbf` (both required) and the `.prj` and `.cpg` (optional).
    fn read(path: &Path) -> Result<Parts> {
        let required = |ext: &str, part: &'static str| {
            let p = sibling(path, ext).ok_or_else(|| Error::ShapefilePart {
                path: path.to_path_buf(),
                part,
            })?;
            let bytes = std::fs::read(&p).map_err(|e| Error::io(&p, e))?;
            Ok::<_, Error>((p, bytes))
        };
        let optional = |ext: &str| -> Result<Option<(PathBuf, String)>> {
            let Some(p) = sibling(path, ext) else {
                return Ok(None);
            };
            let bytes = std::fs::read(&p).map_err(|e| Error::io(&p, e))?;
            Ok(Some((p, String::from_utf8_lossy(&bytes).into_owned())))
        };
        Ok(Parts {
            shx: required("shx", ".shx")?.1,
            dbf: required("dbf", ".dbf")?,
            prj: optional("prj")?,
            cpg: optional("cpg")?.map(|(_, text)| text),
        })
    }
}

/// Every shape of a `.shp` (`bytes`), located through its `.shx`.
fn read_shapes(path: &Path, bytes: &[u8], shx: &[u8]) -> Result<Vec<Shape>> {
    let bad = |e: shapefile::Error| Error::Format {
        path: path.to_path_buf(),
        message: format!("not a readable Shapefile: {e}"),
    };
    let mut reader =
        shapefile::ShapeReader::with_shx(Cursor::new(bytes), Cursor::new(shx)).map_err(bad)?;
    reader.iter_shapes().collect::<std::result::Result<_, _>>().map_err(bad)
}

/// The system a `.prj` declares as an EPSG name (`EPSG:4548`), `None` for WGS84 or no
/// `.prj`; an unrecognised one is an error asking for the layer's `--<layer>-crs` flag.
fn prj_crs(prj: &Option<(PathBuf, String)>) -> Result<Option<String>> {
    let Some((path, wkt)) = prj else {
        return Ok(None);
    };
    match recognise_wkt(wkt) {
        Some(WktCrs::Wgs84) => Ok(None),
        Some(WktCrs::Epsg(code)) => Ok(Some(format!("EPSG:{code}"))),
        None => Err(Error::UnknownCrs {
            path: path.clone(),
            name: quoted(&clip(&wkt_name(wkt))),
        }),
    }
}

/// The name a WKT gives its system (the first quoted string), or the text itself.
pub(crate) fn wkt_name(wkt: &str) -> String {
    wkt.split('"').nth(1).unwrap_or(wkt).trim().to_string()
}

/// Reads a Shapefile (`bytes` is its `.shp`) as a point layer: one point per record (a
/// polygon's point inside it, a multipoint's member nearest their mean), the id and the
/// wanted fields from the `.dbf`, the system from the `.prj` unless the caller chose one.
pub(crate) fn read_shapefile(path: &Path, bytes: &[u8], options: &ReadOptions) -> Result<PointLayer> {
    let parts = Parts::read(path)?;
    let shapes = read_shapes(path, bytes, &parts.shx)?;
    let table = DbfTable::parse(&parts.dbf.0, parts.dbf.1, parts.cpg.as_deref(), options.encoding)?;
    if table.len() != shapes.len() {
        return Err(Error::Format {
            path: parts.dbf.0.clone(),
            message: format!(
                "{} records, but the .shp beside it has {} shapes: the two files are not one \
                 layer",
                table.len(),
                shapes.len()
            ),
        });
    }
    let declared_crs = match options.crs {
        Some(_) => None,
        None => prj_crs(&parts.prj)?,
    };
    let mut layer = new_layer(path, LayerFormat::Shapefile, options);
    layer.declared_crs = declared_crs;
    layer.encoding = Some(table.encoding_name());
    let names: Vec<String> = table.fields.iter().map(|f| f.name.clone()).collect();
    let columns = ColumnPicker::new(options, &names);
    for (i, shape) in shapes.iter().enumerate() {
        let (point, polygon) = point_of(shape).map_err(|message| Error::Item {
            path: path.to_path_buf(),
            item: format!("record {}", i + 1),
            message,
        })?;
        layer.lonlat.push(point);
        layer.polygons += polygon as usize;
        columns.push_row(&mut layer, i, |f| table.value(i, f));
    }
    columns.finish_with(&mut layer, &names);
    Ok(layer)
}

/// Every `.dbf` field of every record, as JSON values (for `read_properties`).
pub(crate) fn shapefile_properties(
    path: &Path,
    encoding: super::Encoding,
) -> Result<Vec<serde_json::Map<String, serde_json::Value>>> {
    let parts = Parts::read(path)?;
    let table = DbfTable::parse(&parts.dbf.0, parts.dbf.1, parts.cpg.as_deref(), encoding)?;
    Ok((0..table.len())
        .map(|r| {
            (table.fields.iter().enumerate())
                .map(|(f, field)| {
                    let value = match table.value(r, f) {
                        Some(super::Scalar::Num(x)) => serde_json::Value::from(x),
                        Some(super::Scalar::Bool(b)) => serde_json::Value::from(b),
                        Some(super::Scalar::Text(t)) => serde_json::Value::from(t),
                        None => serde_json::Value::Null,
                    };
                    (field.name.clone(), value)
                })
                .collect()
        })
        .collect())
}

/// An empty layer of `format` with room for the wanted fields.
pub(crate) fn new_layer(path: &Path, format: LayerFormat, options: &ReadOptions) -> PointLayer {
    PointLayer {
        path: path.to_path_buf(),
        format,
        ids: Vec::new(),
        generated: Vec::new(),
        id_field: None,
        declared_crs: None,
        crs: None,
        lonlat: Vec::new(),
        columns: vec![Vec::new(); options.fields.len()],
        column_names: vec![None; options.fields.len()],
        polygons: 0,
        encoding: None,
    }
}

/// Chooses, once for a table with fixed columns, which column is the id and which feeds each
/// wanted field (the best-ranked name present, as for GeoJSON properties), then fills rows.
pub(crate) struct ColumnPicker {
    id: Option<usize>,
    fields: Vec<Option<usize>>,
}

impl ColumnPicker {
    /// The columns for `options` among the table's `names`.
    pub(crate) fn new(options: &ReadOptions, names: &[String]) -> ColumnPicker {
        let matcher = FieldMatcher::new(options);
        let best = |rank: &dyn Fn(&str) -> Option<usize>| {
            (names.iter().enumerate())
                .filter_map(|(c, n)| rank(n).map(|r| (r, c)))
                .min()
                .map(|(_, c)| c)
        };
        let fields = (0..options.fields.len())
            .map(|f| best(&|n| matcher.lookup(n).filter(|m| m.0 == f).map(|m| m.1)))
            .collect();
        let id = best(&|n| matcher.id_rank(n));
        ColumnPicker { id, fields }
    }

    /// Takes column `c` as the id when no id field was found (a GeoPackage's feature id).
    pub(crate) fn default_id(&mut self, c: Option<usize>) {
        self.id = self.id.or(c);
    }

    /// Appends row `i`'s id (numbered by position when blank) and wanted values, `value(c)`
    /// giving column `c`.
    pub(crate) fn push_row(
        &self,
        layer: &mut PointLayer,
        i: usize,
        value: impl Fn(usize) -> Option<super::Scalar>,
    ) {
        match self.id.and_then(&value) {
            Some(id) => layer.ids.push(id.into_text()),
            None => {
                layer.generated.push(i);
                layer.ids.push((i + 1).to_string());
            }
        }
        for (column, source) in layer.columns.iter_mut().zip(&self.fields) {
            column.push(source.and_then(&value));
        }
    }

    /// Records the names of the columns used, `names` being the table's.
    pub(crate) fn finish_with(&self, layer: &mut PointLayer, names: &[String]) {
        layer.id_field = self.id.map(|c| names[c].clone());
        for (name, source) in layer.column_names.iter_mut().zip(&self.fields) {
            *name = source.map(|c| names[c].clone());
        }
    }
}

/// One representative point of a shape, and whether it was a polygon.
fn point_of(shape: &Shape) -> std::result::Result<([f64; 2], bool), String> {
    fn xy<P: HasXY>(p: &P) -> [f64; 2] {
        [p.x(), p.y()]
    }
    fn first<P: HasXY>(points: &[P]) -> std::result::Result<([f64; 2], bool), String> {
        let pts: Vec<[f64; 2]> = points.iter().map(xy).collect();
        medoid(&pts)
            .map(|p| (p, false))
            .ok_or_else(|| "the multipoint has no points".to_string())
    }
    match shape {
        Shape::Point(p) => Ok((xy(p), false)),
        Shape::PointM(p) => Ok((xy(p), false)),
        Shape::PointZ(p) => Ok((xy(p), false)),
        Shape::Multipoint(m) => first(m.points()),
        Shape::MultipointM(m) => first(m.points()),
        Shape::MultipointZ(m) => first(m.points()),
        Shape::Polygon(p) => polygon_point(p.rings()),
        Shape::PolygonM(p) => polygon_point(p.rings()),
        Shape::PolygonZ(p) => polygon_point(p.rings()),
        Shape::NullShape => Err("record has no geometry (a null shape)".into()),
        other => Err(format!(
            "unsupported shape type {}: expected points or polygons",
            other.shapetype()
        )),
    }
}

/// A point inside the polygons of `rings` (each outer ring with the holes after it).
fn polygon_point<P: HasXY>(
    rings: &[PolygonRing<P>],
) -> std::result::Result<([f64; 2], bool), String> {
    let line = |points: &[P]| geo::LineString::from(points.iter().map(|p| (p.x(), p.y())).collect::<Vec<_>>());
    let mut polygons: Vec<geo::Polygon> = Vec::new();
    for ring in rings {
        match ring {
            PolygonRing::Outer(points) => polygons.push(geo::Polygon::new(line(points), vec![])),
            PolygonRing::Inner(points) => match polygons.last_mut() {
                Some(p) => p.interiors_push(line(points)),
                // A hole before any outer ring: take it as an outer ring.
                None => polygons.push(geo::Polygon::new(line(points), vec![])),
            },
        }
    }
    use geo::CoordsIter;
    let mp = geo::MultiPolygon(polygons);
    if let Some(c) = mp.coords_iter().find(|c| !c.x.is_finite() || !c.y.is_finite()) {
        return Err(format!("polygon vertex ({}, {}) is not finite", c.x, c.y));
    }
    let p = mp.interior_point().ok_or("the polygon is empty")?;
    Ok(([p.x(), p.y()], true))
}

/// The point nearest the mean of `pts`.
fn medoid(pts: &[[f64; 2]]) -> Option<[f64; 2]> {
    let n = pts.len() as f64;
    let (sx, sy) = pts.iter().fold((0.0, 0.0), |(x, y), p| (x + p[0], y + p[1]));
    let (mx, my) = (sx / n, sy / n);
    pts.iter().copied().min_by(|a, b| {
        let da = (a[0] - mx).powi(2) + (a[1] - my).powi(2);
        let db = (b[0] - mx).powi(2) + (b[1] - my).powi(2);
        da.total_cmp(&db)
    })
}

/// Reads a Shapefile of polylines as street lines in WGS84, converted from the system its
/// `.prj` declares (none: longitude/latitude). Street attributes are not read: every line
/// is on layer 0.
pub(crate) fn read_shapefile_lines(path: &Path) -> Result<LineLayer> {
    let bytes = super::read_input(path)?;
    let parts = Parts::read(path)?;
    let shapes = read_shapes(path, &bytes, &parts.shx)?;
    let crs = match prj_crs(&parts.prj)? {
        Some(name) => Some(crate::crs::Projected::parse(&name)?),
        None => None,
    };
    let mut lines: Vec<Vec<[f64; 2]>> = Vec::new();
    for (i, shape) in shapes.iter().enumerate() {
        let item = |message: String| Error::Item {
            path: path.to_path_buf(),
            item: format!("record {}", i + 1),
            message,
        };
        let mut parts = polyline_parts(shape).map_err(item)?;
        for part in &mut parts {
            for p in part.iter_mut() {
                if let Some(crs) = &crs {
                    let (lon, lat) = crs.to_wgs84(p[0], p[1])?;
                    *p = [lon, lat];
                }
                if let Err(message) = super::layer::check_coordinates(p[0], p[1]) {
                    return Err(Error::BadCoordinate {
                        path: path.to_path_buf(),
                        item: format!("record {}", i + 1),
                        lon: p[0],
                        lat: p[1],
                        message: message.to_string(),
                    });
                }
            }
        }
        lines.extend(parts.into_iter().filter(|p| p.iter().any(|q| *q != p[0])));
    }
    super::streets::line_layer_from(path, lines)
}

/// The parts of a polyline shape as x/y lines (none for a null shape).
fn polyline_parts(shape: &Shape) -> std::result::Result<Vec<Vec<[f64; 2]>>, String> {
    fn parts_of<P: HasXY>(parts: &[Vec<P>]) -> Vec<Vec<[f64; 2]>> {
        parts.iter().map(|p| p.iter().map(|q| [q.x(), q.y()]).collect()).collect()
    }
    match shape {
        Shape::Polyline(l) => Ok(parts_of(l.parts())),
        Shape::PolylineM(l) => Ok(parts_of(l.parts())),
        Shape::PolylineZ(l) => Ok(parts_of(l.parts())),
        Shape::NullShape => Ok(Vec::new()),
        other => Err(format!(
            "unsupported shape type {}: a street network needs polylines",
            other.shapetype()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polygon_with_a_hole_gives_a_point_outside_the_hole() {
        let ring = |pts: &[(f64, f64)]| pts.iter().map(|&(x, y)| shapefile::Point::new(x, y)).collect::<Vec<_>>();
        let rings = vec![
            PolygonRing::Outer(ring(&[(0.0, 0.0), (0.0, 10.0), (10.0, 10.0), (10.0, 0.0), (0.0, 0.0)])),
            PolygonRing::Inner(ring(&[(2.0, 2.0), (8.0, 2.0), (8.0, 8.0), (2.0, 8.0), (2.0, 2.0)])),
        ];
        let ([x, y], polygon) = polygon_point(&rings).unwrap();
        assert!(polygon);
        let in_hole = (2.0..=8.0).contains(&x) && (2.0..=8.0).contains(&y);
        assert!(!in_hole && (0.0..=10.0).contains(&x), "({x}, {y})");
    }
}
