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
    reader
        .iter_shapes()
        .collect::<std::result::Result<_, _>>()
        .map_err(bad)
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
pub(crate) fn read_shapefile(
    path: &Path,
    bytes: &[u8],
    options: &ReadOptions,
) -> Result<PointLayer> {
    let parts = Parts::read(path)?;
    let shapes = read_shapes(path, bytes, &parts.shx)?;
    let table = DbfTable::parse(
        &parts.dbf.0,
        parts.dbf.1,
        parts.cpg.as_deref(),
        options.encoding,
    )?;
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
        // Records deleted in an editing session stay in the file until it is packed; GIS
        // software hides them, and so does circleplan.
        if table.is_deleted(i) {
            continue;
        }
        let (point, polygon) = point_of(shape).map_err(|message| Error::Item {
            path: path.to_path_buf(),
            item: format!("record {}", i + 1),
            message,
        })?;
        let k = layer.lonlat.len();
        layer.lonlat.push(point);
        layer.polygons += polygon as usize;
        if options.keep_polygons {
            layer.shapes.push(shape_polygons(shape));
        }
        columns.push_row(&mut layer, k, |f| table.value(i, f));
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
        .filter(|&r| !table.is_deleted(r))
        .map(|r| {
            (table.fields.iter().enumerate())
                .map(|(f, field)| {
                    let value = match table.value(r, f) {
                        // Whole numbers as integers, as a GeoJSON layer writes them.
                        Some(super::Scalar::Num(x)) if x.fract() == 0.0 && x.abs() < 9e15 => {
                            serde_json::Value::from(x as i64)
                        }
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
        shapes: Vec::new(),
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

/// The polygons of a shape (none for points).
fn shape_polygons(shape: &Shape) -> geo::MultiPolygon {
    match shape {
        Shape::Polygon(p) => rings_polygons(p.rings()),
        Shape::PolygonM(p) => rings_polygons(p.rings()),
        Shape::PolygonZ(p) => rings_polygons(p.rings()),
        _ => geo::MultiPolygon(Vec::new()),
    }
}

/// The polygons of `rings`: each outer ring with the holes after it.
fn rings_polygons<P: HasXY>(rings: &[PolygonRing<P>]) -> geo::MultiPolygon {
    let line = |points: &[P]| {
        geo::LineString::from(points.iter().map(|p| (p.x(), p.y())).collect::<Vec<_>>())
    };
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
    geo::MultiPolygon(polygons)
}

/// A point inside the polygons of `rings` (each outer ring with the holes after it).
fn polygon_point<P: HasXY>(
    rings: &[PolygonRing<P>],
) -> std::result::Result<([f64; 2], bool), String> {
    use geo::CoordsIter;
    let mp = rings_polygons(rings);
    if let Some(c) = mp
        .coords_iter()
        .find(|c| !c.x.is_finite() || !c.y.is_finite())
    {
        return Err(format!("polygon vertex ({}, {}) is not finite", c.x, c.y));
    }
    let p = mp.interior_point().ok_or("the polygon is empty")?;
    Ok(([p.x(), p.y()], true))
}

/// The point nearest the mean of `pts`.
fn medoid(pts: &[[f64; 2]]) -> Option<[f64; 2]> {
    let n = pts.len() as f64;
    let (sx, sy) = pts
        .iter()
        .fold((0.0, 0.0), |(x, y), p| (x + p[0], y + p[1]));
    let (mx, my) = (sx / n, sy / n);
    pts.iter().copied().min_by(|a, b| {
        let da = (a[0] - mx).powi(2) + (a[1] - my).powi(2);
        let db = (b[0] - mx).powi(2) + (b[1] - my).powi(2);
        da.total_cmp(&db)
    })
}

/// Reads a Shapefile of polylines as street lines in WGS84, converted from the system its
/// `.prj` declares (none: longitude/latitude), each on the layer its `layer`, `bridge` or
/// `tunnel` field gives (as for a GeoJSON road layer).
pub(crate) fn read_shapefile_lines(path: &Path) -> Result<LineLayer> {
    let bytes = super::read_input(path)?;
    let parts = Parts::read(path)?;
    let shapes = read_shapes(path, &bytes, &parts.shx)?;
    let crs = match prj_crs(&parts.prj)? {
        Some(name) => Some(crate::crs::Projected::parse(&name)?),
        None => None,
    };
    let table = DbfTable::parse(
        &parts.dbf.0,
        parts.dbf.1,
        parts.cpg.as_deref(),
        Default::default(),
    )?;
    let column = |name: &str| {
        table
            .fields
            .iter()
            .position(|f| f.name.eq_ignore_ascii_case(name))
    };
    let columns = [
        ("layer", column("layer")),
        ("bridge", column("bridge")),
        ("tunnel", column("tunnel")),
    ];
    let mut lines: Vec<(Vec<[f64; 2]>, i32)> = Vec::new();
    for (i, shape) in shapes.iter().enumerate() {
        if i < table.len() && table.is_deleted(i) {
            continue;
        }
        let item = |message: String| Error::Item {
            path: path.to_path_buf(),
            item: format!("record {}", i + 1),
            message,
        };
        let value = |name: &str| {
            let c = columns.iter().find(|(n, _)| *n == name)?.1?;
            (i < table.len()).then(|| table.value(i, c)).flatten()
        };
        let layer = super::streets::street_layer(value).map_err(item)?;
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
        let distinct = parts.into_iter().filter(|p| p.iter().any(|q| *q != p[0]));
        lines.extend(distinct.map(|p| (p, layer)));
    }
    super::streets::line_layer_from(path, lines)
}

/// The parts of a polyline shape as x/y lines (none for a null shape).
fn polyline_parts(shape: &Shape) -> std::result::Result<Vec<Vec<[f64; 2]>>, String> {
    fn parts_of<P: HasXY>(parts: &[Vec<P>]) -> Vec<Vec<[f64; 2]>> {
        parts
            .iter()
            .map(|p| p.iter().map(|q| [q.x(), q.y()]).collect())
            .collect()
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
    use crate::io::{Encoding, ReadOptions, Scalar, parse_points, read_points};

    /// A dBase III table: `fields` as (name, type, width), text cells padded (numbers to the
    /// right), names and text in `encoding`.
    fn dbf_bytes(
        fields: &[(&str, u8, u8)],
        rows: &[Vec<&str>],
        encoding: &'static encoding_rs::Encoding,
        language: u8,
    ) -> Vec<u8> {
        let record_len: usize = 1 + fields.iter().map(|f| f.2 as usize).sum::<usize>();
        let header_len = 32 + 32 * fields.len() + 1;
        let mut out = vec![0u8; 32];
        out[0] = 3;
        out[4..8].copy_from_slice(&(rows.len() as u32).to_le_bytes());
        out[8..10].copy_from_slice(&(header_len as u16).to_le_bytes());
        out[10..12].copy_from_slice(&(record_len as u16).to_le_bytes());
        out[29] = language;
        for (name, kind, width) in fields {
            let mut d = [0u8; 32];
            let name = encoding.encode(name).0;
            d[..name.len()].copy_from_slice(&name);
            d[11] = *kind;
            d[16] = *width;
            out.extend(d);
        }
        out.push(0x0D);
        for row in rows {
            out.push(b' ');
            for ((_, kind, width), cell) in fields.iter().zip(row) {
                let bytes = encoding.encode(cell).0;
                let pad = vec![b' '; *width as usize - bytes.len()];
                if *kind == b'N' {
                    out.extend(&pad);
                    out.extend(bytes.iter());
                } else {
                    out.extend(bytes.iter());
                    out.extend(&pad);
                }
            }
        }
        out.push(0x1A);
        out
    }

    pub(crate) const PRJ_4548: &str = r#"PROJCS["CGCS2000_3_Degree_GK_CM_117E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",117.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;

    /// Three compounds in EPSG:4548 (a point, a point, an L-shaped polygon) as a Shapefile
    /// in `dir` with a GBK `.dbf` named by its `.cpg` and an ESRI `.prj`.
    fn write_compounds(dir: &Path) -> PathBuf {
        let path = dir.join("小区.shp");
        let mut w = shapefile::ShapeWriter::from_path(&path).unwrap();
        w.write_shape(&shapefile::Point::new(528770.237, 3386666.251))
            .unwrap();
        w.write_shape(&shapefile::Point::new(529770.0, 3387666.0))
            .unwrap();
        w.write_shape(&shapefile::Point::new(530000.0, 3388000.0))
            .unwrap();
        w.finalize().unwrap();
        drop(w);
        let fields = [("编号", b'C', 10), ("人口", b'N', 10), ("名称", b'C', 20)];
        let rows = [
            vec!["A1", "1200", "幸福小区"],
            vec!["A2", "800", "和平里"],
            vec!["", "30", "无名"],
        ];
        std::fs::write(
            dir.join("小区.dbf"),
            dbf_bytes(&fields, &rows, encoding_rs::GBK, 0),
        )
        .unwrap();
        std::fs::write(dir.join("小区.cpg"), "GBK").unwrap();
        std::fs::write(dir.join("小区.prj"), PRJ_4548).unwrap();
        path
    }

    fn options() -> ReadOptions {
        ReadOptions {
            fields: vec![
                vec!["population".into(), "人口".into()],
                vec!["name".into(), "名称".into()],
            ],
            ..ReadOptions::default()
        }
    }

    #[test]
    fn gbk_gauss_kruger_shapefile_reads_as_its_geojson_twin() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_compounds(dir.path());
        let layer = read_points(&path, &options()).unwrap();
        assert_eq!(layer.ids, ["A1", "A2", "3"]);
        assert_eq!(layer.generated, [2]);
        assert_eq!(layer.id_field.as_deref(), Some("编号"));
        assert_eq!(layer.crs.as_deref(), Some("EPSG:4548"));
        assert_eq!(layer.encoding.as_deref(), Some("gbk"));
        assert_eq!(layer.columns[0][0], Some(Scalar::Num(1200.0)));
        assert_eq!(layer.columns[1][1], Some(Scalar::Text("和平里".into())));
        assert_eq!(layer.column_names[1].as_deref(), Some("名称"));
        let [lon, lat] = layer.lonlat[0];
        assert!(
            (lon - 117.3).abs() < 1e-3 && (lat - 30.6).abs() < 1e-3,
            "{lon} {lat}"
        );
        // The same points through the GeoJSON reader with the same system give the same
        // positions, bit for bit.
        let geojson = String::from(
            r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:4548"}},"features":[
            {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[528770.237,3386666.251]}},
            {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[529770.0,3387666.0]}}]}"#,
        );
        let twin = parse_points(Path::new("c.geojson"), geojson.into_bytes(), &options()).unwrap();
        assert_eq!(twin.lonlat[..], layer.lonlat[..2]);
    }

    #[test]
    fn a_polygon_record_gets_a_point_inside_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.shp");
        let mut w = shapefile::ShapeWriter::from_path(&path).unwrap();
        let ring = [
            (0.0, 0.0),
            (0.0, 10.0),
            (1.0, 10.0),
            (1.0, 1.0),
            (10.0, 1.0),
            (10.0, 0.0),
            (0.0, 0.0),
        ];
        let outer = ring
            .iter()
            .map(|&(x, y)| shapefile::Point::new(117.0 + x / 100.0, 31.0 + y / 100.0))
            .collect();
        w.write_shape(&shapefile::Polygon::new(PolygonRing::Outer(outer)))
            .unwrap();
        w.finalize().unwrap();
        drop(w);
        let dbf = dbf_bytes(&[("id", b'C', 4)], &[vec!["L"]], encoding_rs::UTF_8, 0);
        std::fs::write(dir.path().join("l.dbf"), dbf).unwrap();
        let layer = read_points(&path, &options()).unwrap();
        assert_eq!(
            (layer.ids[0].as_str(), layer.polygons, layer.crs.clone()),
            ("L", 1, None)
        );
        let [x, y] = layer.lonlat[0];
        let (x, y) = ((x - 117.0) * 100.0, (y - 31.0) * 100.0);
        let inside = (0.0..=10.0).contains(&x) && (0.0..=1.0).contains(&y)
            || (0.0..=1.0).contains(&x) && (0.0..=10.0).contains(&y);
        assert!(inside, "({x}, {y}) is outside the L");
    }

    #[test]
    fn encoding_from_cpg_then_language_byte_then_the_flag() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_compounds(dir.path());
        let name = |layer: &crate::io::PointLayer| layer.columns[1][0].clone();
        let want = Some(Scalar::Text("幸福小区".into()));
        // No .cpg: the GBK bytes are not UTF-8, so auto reads GBK; utf8 garbles them.
        std::fs::remove_file(dir.path().join("小区.cpg")).unwrap();
        assert_eq!(name(&read_points(&path, &options()).unwrap()), want);
        let utf8 = ReadOptions {
            encoding: Encoding::Utf8,
            ..options()
        };
        assert_ne!(name(&read_points(&path, &utf8).unwrap()), want);
        // The language byte 0x4D (code page 936) wins over the flag.
        let mut dbf = std::fs::read(dir.path().join("小区.dbf")).unwrap();
        dbf[29] = 0x4D;
        std::fs::write(dir.path().join("小区.dbf"), &dbf).unwrap();
        assert_eq!(name(&read_points(&path, &utf8).unwrap()), want);
        // A record deleted in an editing session is not read.
        // (Header 32 + 3 fields × 32 + 1 bytes, then records of 1 + 10 + 10 + 20 bytes.)
        dbf[129 + 41] = b'*';
        std::fs::write(dir.path().join("小区.dbf"), &dbf).unwrap();
        let layer = read_points(&path, &utf8).unwrap();
        assert_eq!(
            (layer.ids.clone(), layer.generated.clone()),
            (vec!["A1".to_string(), "2".to_string()], vec![1])
        );
        // A .cpg wins over both.
        std::fs::write(dir.path().join("小区.cpg"), "UTF-8").unwrap();
        assert_ne!(name(&read_points(&path, &options()).unwrap()), want);
    }

    #[test]
    fn missing_parts_and_unknown_prj_name_the_file_and_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_compounds(dir.path());
        std::fs::write(dir.path().join("小区.prj"), r#"PROJCS["Asia_Lambert_Conformal_Conic",GEOGCS["GCS_WGS_1984"],PROJECTION["Lambert_Conformal_Conic"]]"#).unwrap();
        let e = read_points(&path, &options()).unwrap_err();
        assert!(matches!(e, Error::UnknownCrs { .. }), "{e}");
        assert!(
            e.to_string().contains("\"Asia_Lambert_Conformal_Conic\""),
            "{e}"
        );
        assert!(e.to_string().contains("--compounds-crs/"), "{e}");
        // A per-layer system wins over the .prj, known or not.
        let flagged = ReadOptions {
            crs: Some(crate::crs::Projected::parse("EPSG:4548").unwrap()),
            ..options()
        };
        assert_eq!(
            read_points(&path, &flagged).unwrap().crs.as_deref(),
            Some("EPSG:4548")
        );
        for part in ["dbf", "shx"] {
            std::fs::rename(
                dir.path().join(format!("小区.{part}")),
                dir.path().join("aside"),
            )
            .unwrap();
            let e = read_points(&path, &options()).unwrap_err();
            assert!(matches!(e, Error::ShapefilePart { .. }), "{e}");
            assert!(
                e.to_string()
                    .contains(&format!("no .{part} file beside it")),
                "{e}"
            );
            std::fs::rename(
                dir.path().join("aside"),
                dir.path().join(format!("小区.{part}")),
            )
            .unwrap();
        }
    }

    #[test]
    fn degrees_under_the_prj_system_say_the_prj_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deg.shp");
        let mut w = shapefile::ShapeWriter::from_path(&path).unwrap();
        w.write_shape(&shapefile::Point::new(117.28, 31.86))
            .unwrap();
        w.finalize().unwrap();
        drop(w);
        let dbf = dbf_bytes(&[("id", b'C', 4)], &[vec!["a"]], encoding_rs::UTF_8, 0);
        std::fs::write(dir.path().join("deg.dbf"), dbf).unwrap();
        std::fs::write(dir.path().join("deg.prj"), PRJ_4548).unwrap();
        let e = read_points(&path, &options()).unwrap_err().to_string();
        assert!(e.contains("EPSG:4548 (declared by the .prj file)"), "{e}");
        assert!(e.contains("the file declares the wrong system"), "{e}");
        let flagged = ReadOptions {
            crs: Some(crate::crs::Projected::parse("EPSG:4326").unwrap()),
            ..options()
        };
        let [lon, lat] = read_points(&path, &flagged).unwrap().lonlat[0];
        assert!((lon - 117.28).abs() < 1e-12 && (lat - 31.86).abs() < 1e-12);
    }

    #[test]
    fn polylines_read_as_streets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("roads.shp");
        let mut w = shapefile::ShapeWriter::from_path(&path).unwrap();
        let line = |pts: &[(f64, f64)]| {
            shapefile::Polyline::new(
                pts.iter()
                    .map(|&(x, y)| shapefile::Point::new(x, y))
                    .collect(),
            )
        };
        w.write_shape(&line(&[(528770.0, 3386666.0), (528870.0, 3386666.0)]))
            .unwrap();
        w.write_shape(&line(&[(528870.0, 3386666.0), (528870.0, 3386766.0)]))
            .unwrap();
        w.finalize().unwrap();
        drop(w);
        std::fs::write(dir.path().join("roads.prj"), PRJ_4548).unwrap();
        let fields = [("id", b'C', 4), ("TUNNEL", b'C', 4)];
        let rows = [vec!["1", ""], vec!["2", "yes"]];
        let dbf = dbf_bytes(&fields, &rows, encoding_rs::UTF_8, 0);
        std::fs::write(dir.path().join("roads.dbf"), dbf).unwrap();
        let streets = crate::io::read_streets(&path).unwrap();
        assert_eq!(streets.lines.len(), 2);
        assert_eq!(streets.lonlat.len(), 3, "the shared vertex is one");
        assert_eq!(streets.layers, [0, -1], "a tunnel is below");
        assert!((streets.lonlat[0][0] - 117.3).abs() < 1e-3);
    }

    #[test]
    fn polygon_with_a_hole_gives_a_point_outside_the_hole() {
        let ring = |pts: &[(f64, f64)]| {
            pts.iter()
                .map(|&(x, y)| shapefile::Point::new(x, y))
                .collect::<Vec<_>>()
        };
        let rings = vec![
            PolygonRing::Outer(ring(&[
                (0.0, 0.0),
                (0.0, 10.0),
                (10.0, 10.0),
                (10.0, 0.0),
                (0.0, 0.0),
            ])),
            PolygonRing::Inner(ring(&[
                (2.0, 2.0),
                (8.0, 2.0),
                (8.0, 8.0),
                (2.0, 8.0),
                (2.0, 2.0),
            ])),
        ];
        let ([x, y], polygon) = polygon_point(&rings).unwrap();
        assert!(polygon);
        let in_hole = (2.0..=8.0).contains(&x) && (2.0..=8.0).contains(&y);
        assert!(!in_hole && (0.0..=10.0).contains(&x), "({x}, {y})");
    }
}
