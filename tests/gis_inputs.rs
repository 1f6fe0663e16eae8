//! End to end with the files GIS offices hand over (issue 22): a Shapefile of compounds in
//! CGCS2000 3-degree Gauss-Kruger with a GBK `.dbf`, centres from a GeoPackage layer, and
//! `-o out.gpkg` — the same results as the GeoJSON route. Files are written here by hand
//! (the `shapefile` crate's writer, a dBase table byte by byte); `tests/gis/check_gis.py`
//! does the same with files GDAL writes.

mod common;

use std::path::Path;

use common::{read_json_in, succeed};
use serde_json::Value;

/// The ESRI `.prj` ArcGIS and GDAL write for EPSG:4548.
const PRJ_4548: &str = r#"PROJCS["CGCS2000_3_Degree_GK_CM_117E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",117.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;

/// A dBase III table of text columns (`fields`: name and width) in GBK, no language byte.
fn gbk_dbf(fields: &[(&str, u8)], rows: &[Vec<String>]) -> Vec<u8> {
    let gbk = encoding_rs::GBK;
    let record_len = 1 + fields.iter().map(|f| f.1 as usize).sum::<usize>();
    let mut out = vec![0u8; 32];
    out[0] = 3;
    out[4..8].copy_from_slice(&(rows.len() as u32).to_le_bytes());
    out[8..10].copy_from_slice(&((33 + 32 * fields.len()) as u16).to_le_bytes());
    out[10..12].copy_from_slice(&(record_len as u16).to_le_bytes());
    for (name, width) in fields {
        let mut d = [0u8; 32];
        let name = gbk.encode(name).0;
        d[..name.len()].copy_from_slice(&name);
        d[11] = b'C';
        d[16] = *width;
        out.extend(d);
    }
    out.push(0x0D);
    for row in rows {
        out.push(b' ');
        for ((_, width), cell) in fields.iter().zip(row) {
            let bytes = gbk.encode(cell).0;
            out.extend(bytes.iter());
            out.extend(std::iter::repeat_n(b' ', *width as usize - bytes.len()));
        }
    }
    out.push(0x1A);
    out
}

/// The city's compounds as `小区.shp` in EPSG:4548 (GBK attributes: id, population, street).
fn compounds_shapefile(dir: &Path) {
    let layer = read_json_in(dir, "city/compounds.geojson");
    let src = proj4rs::Proj::from_proj_string("+proj=longlat +datum=WGS84 +no_defs").unwrap();
    let dst = proj4rs::Proj::from_proj_string(
        "+proj=tmerc +lat_0=0 +lon_0=117 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs",
    )
    .unwrap();
    let mut writer = shapefile::ShapeWriter::from_path(dir.join("小区.shp")).unwrap();
    let mut rows = Vec::new();
    for f in layer["features"].as_array().unwrap() {
        let c = &f["geometry"]["coordinates"];
        let mut p = (
            c[0].as_f64().unwrap().to_radians(),
            c[1].as_f64().unwrap().to_radians(),
            0.0,
        );
        proj4rs::transform::transform(&src, &dst, &mut p).unwrap();
        writer
            .write_shape(&shapefile::Point::new(p.0, p.1))
            .unwrap();
        let prop = |k: &str| match &f["properties"][k] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        rows.push(vec![prop("id"), prop("population"), prop("street")]);
    }
    writer.finalize().unwrap();
    drop(writer);
    let fields = [("id", 10), ("人口", 10), ("street", 20)];
    std::fs::write(dir.join("小区.dbf"), gbk_dbf(&fields, &rows)).unwrap();
    std::fs::write(dir.join("小区.cpg"), "GBK").unwrap();
    std::fs::write(dir.join("小区.prj"), PRJ_4548).unwrap();
}

/// The summary without the input files' names and systems.
fn figures(mut summary: Value) -> Value {
    summary.as_object_mut().unwrap().remove("inputs");
    summary
}

/// The issue's "done when": `coverage --compounds 小区.shp --centers 服务中心.gpkg -o out.gpkg`
/// gives the GeoJSON route's results.
#[test]
fn shapefile_and_geopackage_give_the_geojson_results() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    succeed(
        d,
        &[
            "synth",
            "--compounds",
            "400",
            "--centers",
            "30",
            "--seed",
            "7",
            "-o",
            "city",
        ],
    );
    compounds_shapefile(d);
    let by_geojson = [
        "coverage",
        "--compounds",
        "city/compounds.geojson",
        "--centers",
        "city/centers.geojson",
        "--group-by",
        "street",
        "--population-field",
        "population",
    ];
    succeed(d, &[&by_geojson[..], &["-o", "json_out"]].concat());
    // The centres as a GeoPackage layer: the GeoJSON route's own -o FILE.gpkg.
    succeed(d, &[&by_geojson[..], &["-o", "服务中心.gpkg"]].concat());
    let by_gis = [
        "coverage",
        "--compounds",
        "小区.shp",
        "--centers",
        "服务中心.gpkg:centers",
        "--group-by",
        "street",
        "--population-field",
        "人口",
        "-o",
        "out.gpkg",
    ];
    succeed(d, &by_gis);
    let db = rusqlite::Connection::open(d.join("out.gpkg")).unwrap();
    let text = |sql: &str| -> String { db.query_row(sql, [], |r| r.get(0)).unwrap() };
    let summary: Value = serde_json::from_str(&text(
        "SELECT content FROM circleplan_files WHERE name = 'summary.json'",
    ))
    .unwrap();
    assert_eq!(summary["inputs"]["compounds"]["crs"], "EPSG:4548");
    assert_eq!(summary["inputs"]["compounds"]["encoding"], "gbk");
    let want = read_json_in(d, "json_out/summary.json");
    assert_eq!(figures(summary), figures(want));
    // Every GeoJSON layer is a table, in WGS84, with the same features in the same order.
    let tables: Vec<String> = db
        .prepare("SELECT table_name FROM gpkg_contents WHERE data_type = 'features' ORDER BY 1")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(tables, ["centers", "compounds"]);
    assert_eq!(
        text("SELECT group_concat(DISTINCT srs_id) FROM gpkg_geometry_columns"),
        "4326"
    );
    let compounds = read_json_in(d, "json_out/compounds.geojson");
    let features = compounds["features"].as_array().unwrap();
    let mut stmt = db
        .prepare("SELECT id, covered, distance_m FROM compounds ORDER BY fid")
        .unwrap();
    let rows: Vec<(String, i64, Option<f64>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), features.len());
    for (row, f) in rows.iter().zip(features) {
        let p = &f["properties"];
        assert_eq!(row.0, p["id"].as_str().unwrap());
        assert_eq!(row.1 != 0, p["covered"].as_bool().unwrap(), "{}", row.0);
        assert_eq!(row.2, p["distance_m"].as_f64(), "{}", row.0);
    }
}
