//! Recognising the coordinate systems Chinese GIS files declare in WKT (a Shapefile's `.prj`,
//! a GeoPackage's `gpkg_spatial_ref_sys`): ESRI or OGC WKT of CGCS2000, Xian 1980 and
//! Beijing 1954 Gauss-Kruger zones, UTM, Web Mercator and the geographic systems, each
//! mapped to the EPSG code [`super::Projected`] reads.

/// What a WKT declares, when circleplan recognises it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WktCrs {
    /// WGS84 longitude/latitude: nothing to convert.
    Wgs84,
    /// The EPSG system with this code.
    Epsg(u32),
}

/// The geodetic datums the WKT recogniser knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Datum {
    Wgs84,
    Cgcs2000,
    Xian1980,
    Beijing1954,
}

/// Recognises a WKT (ESRI or OGC, WKT1 or WKT2 keywords): the EPSG authority of the whole
/// system when it is given, else its datum and projection parameters. `None` when the system
/// is not one circleplan knows.
pub fn recognise_wkt(wkt: &str) -> Option<WktCrs> {
    let text = wkt.trim().trim_start_matches('\u{feff}');
    let upper = text.to_ascii_uppercase();
    let projected = ["PROJCS[", "PROJCRS[", "PROJECTEDCRS["]
        .iter()
        .any(|k| upper.starts_with(k));
    if let Some(code) = outer_authority(text) {
        return Some(if code == 4326 {
            WktCrs::Wgs84
        } else {
            WktCrs::Epsg(code)
        });
    }
    let datum = datum_of(&upper)?;
    if !projected {
        return Some(match datum {
            Datum::Wgs84 => WktCrs::Wgs84,
            Datum::Cgcs2000 => WktCrs::Epsg(4490),
            Datum::Xian1980 => WktCrs::Epsg(4610),
            Datum::Beijing1954 => WktCrs::Epsg(4214),
        });
    }
    let squeezed: String = upper
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    if squeezed.contains("MERCATORAUXILIARYSPHERE")
        || squeezed.contains("PSEUDOMERCATOR")
        || squeezed.contains("WEBMERCATOR")
        || squeezed.contains("POPULARVISUALISATION")
    {
        return Some(WktCrs::Epsg(3857));
    }
    if !(squeezed.contains("GAUSSKRUGER") || squeezed.contains("TRANSVERSEMERCATOR")) {
        return None;
    }
    let three_degree = squeezed.contains("3DEGREE");
    transverse_mercator(datum, three_degree, &Params::read(&upper)).map(WktCrs::Epsg)
}

/// The EPSG code in the last `AUTHORITY["EPSG", "n"]` (WKT1) or `ID["EPSG", n]` (WKT2) of the
/// text when it closes the whole system (it is followed only by closing brackets).
fn outer_authority(text: &str) -> Option<u32> {
    let upper = text.to_ascii_uppercase();
    let at = upper.rfind("AUTHORITY[").or_else(|| upper.rfind("ID["))?;
    let rest = &upper[at..];
    let close = rest.find(']')?;
    if !rest[close + 1..].trim().chars().all(|c| c == ']') {
        return None;
    }
    let inner = &rest[rest.find('[')? + 1..close];
    let mut parts = inner.split(',').map(|p| p.trim().trim_matches('"').trim());
    if parts.next()? != "EPSG" {
        return None;
    }
    parts.next()?.parse().ok()
}

/// The datum named anywhere in the (upper-case) WKT.
fn datum_of(upper: &str) -> Option<Datum> {
    let squeezed: String = upper
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    if squeezed.contains("CGCS2000")
        || squeezed.contains("CHINA2000")
        || squeezed.contains("CHINAGEODETICCOORDINATESYSTEM2000")
    {
        Some(Datum::Cgcs2000)
    } else if squeezed.contains("XIAN1980") {
        Some(Datum::Xian1980)
    } else if squeezed.contains("BEIJING1954") {
        Some(Datum::Beijing1954)
    } else if squeezed.contains("WGS1984") || squeezed.contains("WGS84") {
        Some(Datum::Wgs84)
    } else {
        None
    }
}

/// The transverse Mercator parameters of a WKT (absent ones as the usual defaults).
#[derive(Debug, Clone, Copy)]
struct Params {
    central_meridian: f64,
    false_easting: f64,
    false_northing: f64,
    scale_factor: f64,
    latitude_of_origin: f64,
}

impl Params {
    fn read(upper: &str) -> Params {
        let get = |names: &[&str], default: f64| {
            names
                .iter()
                .find_map(|name| parameter(upper, name))
                .unwrap_or(default)
        };
        Params {
            central_meridian: get(
                &["CENTRAL_MERIDIAN", "LONGITUDE OF NATURAL ORIGIN"],
                f64::NAN,
            ),
            false_easting: get(&["FALSE_EASTING", "FALSE EASTING"], 0.0),
            false_northing: get(&["FALSE_NORTHING", "FALSE NORTHING"], 0.0),
            scale_factor: get(&["SCALE_FACTOR", "SCALE FACTOR AT NATURAL ORIGIN"], 1.0),
            latitude_of_origin: get(&["LATITUDE_OF_ORIGIN", "LATITUDE OF NATURAL ORIGIN"], 0.0),
        }
    }
}

/// The value of `PARAMETER["name", value]` in the upper-case WKT.
fn parameter(upper: &str, name: &str) -> Option<f64> {
    let key = format!("\"{name}\"");
    let at = upper.find(&key)? + key.len();
    let rest = upper[at..].trim_start().strip_prefix(',')?;
    let end = rest.find([',', ']'])?;
    rest[..end].trim().parse().ok()
}

/// The EPSG code of a transverse Mercator system on `datum`: a UTM zone on WGS84, else a
/// Gauss-Kruger 3° or 6° zone (with the zone number in the false easting, or without). A
/// central meridian both zone widths have (117E) is a 6° zone unless the name says
/// `3_Degree`, as ESRI and EPSG names do.
fn transverse_mercator(datum: Datum, three_degree: bool, p: &Params) -> Option<u32> {
    if p.latitude_of_origin != 0.0 || !p.central_meridian.is_finite() {
        return None;
    }
    let cm = p.central_meridian;
    if datum == Datum::Wgs84 {
        let zone = (cm + 183.0) / 6.0;
        let whole = zone.fract() == 0.0 && (1.0..=60.0).contains(&zone);
        let south = match p.false_northing {
            0.0 => false,
            10_000_000.0 => true,
            _ => return None,
        };
        if !whole || p.scale_factor != 0.9996 || p.false_easting != 500_000.0 {
            return None;
        }
        return Some(if south { 32700 } else { 32600 } + zone as u32);
    }
    if p.scale_factor != 1.0 || p.false_northing != 0.0 || cm.fract() != 0.0 {
        return None;
    }
    let (six, three) = candidates(datum);
    let (first, then) = if three_degree {
        (three, six)
    } else {
        (six, three)
    };
    (first.into_iter().chain(then)).find(|&code| definition_matches(code, cm, p.false_easting))
}

/// The EPSG codes of the Gauss-Kruger systems on `datum`: the 6° zones (zones 13–23 and
/// CM 75E–135E), then the 3° zones (zones 25–45 and CM 75E–135E).
fn candidates(datum: Datum) -> (Vec<u32>, Vec<u32>) {
    type Ranges = &'static [std::ops::RangeInclusive<u32>];
    let (six, three): (Ranges, Ranges) = match datum {
        Datum::Cgcs2000 => (&[4491..=4512], &[4513..=4554]),
        Datum::Xian1980 => (&[2327..=2348], &[2349..=2390]),
        Datum::Beijing1954 => (
            &[21413..=21423, 21453..=21463, 21473..=21483],
            &[2401..=2442],
        ),
        Datum::Wgs84 => (&[], &[]),
    };
    let codes = |r: Ranges| r.iter().flat_map(|r| r.clone()).collect();
    (codes(six), codes(three))
}

/// Whether the built-in definition of EPSG `code` is a transverse Mercator with this central
/// meridian and false easting.
fn definition_matches(code: u32, cm: f64, false_easting: f64) -> bool {
    let Some(def) = u16::try_from(code)
        .ok()
        .and_then(crs_definitions::from_code)
    else {
        return false;
    };
    let value = |key: &str| {
        def.proj4
            .split_whitespace()
            .find_map(|t| t.strip_prefix(key))
            .and_then(|v| v.parse::<f64>().ok())
    };
    def.proj4.contains("+proj=tmerc")
        && value("+lon_0=") == Some(cm)
        && value("+x_0=") == Some(false_easting)
        && value("+k=").unwrap_or(1.0) == 1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const ESRI_4548: &str = r#"PROJCS["CGCS2000_3_Degree_GK_CM_117E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",117.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;

    fn esri_gk(name: &str, datum: &str, cm: f64, fe: f64) -> String {
        format!(
            r#"PROJCS["{name}",GEOGCS["GCS_{datum}",DATUM["D_{datum}",SPHEROID["x",6378140.0,298.257]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",{fe}],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",{cm}],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#
        )
    }

    /// ESRI names, datums, central meridians, false eastings and the EPSG codes they are.
    const GK_CASES: [(&str, &str, f64, f64, u32); 10] = [
        (
            "CGCS2000_3_Degree_GK_Zone_39",
            "China_2000",
            117.0,
            39_500_000.0,
            4527,
        ),
        (
            "CGCS2000_3_Degree_GK_CM_75E",
            "China_2000",
            75.0,
            500_000.0,
            4534,
        ),
        (
            "CGCS2000_GK_Zone_20",
            "China_2000",
            117.0,
            20_500_000.0,
            4498,
        ),
        ("CGCS2000_GK_CM_117E", "China_2000", 117.0, 500_000.0, 4509),
        (
            "Xian_1980_3_Degree_GK_CM_117E",
            "Xian_1980",
            117.0,
            500_000.0,
            2384,
        ),
        (
            "Xian_1980_3_Degree_GK_Zone_39",
            "Xian_1980",
            117.0,
            39_500_000.0,
            2363,
        ),
        (
            "Xian_1980_GK_Zone_20",
            "Xian_1980",
            117.0,
            20_500_000.0,
            2334,
        ),
        (
            "Beijing_1954_3_Degree_GK_Zone_39",
            "Beijing_1954",
            117.0,
            39_500_000.0,
            2415,
        ),
        (
            "Beijing_1954_3_Degree_GK_CM_117E",
            "Beijing_1954",
            117.0,
            500_000.0,
            2436,
        ),
        (
            "Beijing_1954_GK_Zone_20",
            "Beijing_1954",
            117.0,
            20_500_000.0,
            21420,
        ),
    ];

    #[test]
    fn gauss_kruger_zones_of_the_three_chinese_datums() {
        assert_eq!(recognise_wkt(ESRI_4548), Some(WktCrs::Epsg(4548)));
        for (name, datum, cm, fe, code) in GK_CASES {
            let wkt = esri_gk(name, datum, cm, fe);
            assert_eq!(recognise_wkt(&wkt), Some(WktCrs::Epsg(code)), "{name}");
            let def = crs_definitions::from_code(code as u16).unwrap();
            assert!(
                def.proj4.contains(&format!("+lon_0={cm} ")),
                "{name}: {}",
                def.proj4
            );
        }
        // A central meridian no zone has.
        assert_eq!(
            recognise_wkt(&esri_gk("local", "China_2000", 117.5, 500_000.0)),
            None
        );
    }

    #[test]
    fn utm_mercator_geographic_and_authorities() {
        let utm = r#"PROJCS["WGS_1984_UTM_Zone_50N",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",117.0],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
        assert_eq!(recognise_wkt(utm), Some(WktCrs::Epsg(32650)));
        let web = r#"PROJCS["WGS_1984_Web_Mercator_Auxiliary_Sphere",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Mercator_Auxiliary_Sphere"],PARAMETER["False_Easting",0.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",0.0],PARAMETER["Standard_Parallel_1",0.0],PARAMETER["Auxiliary_Sphere_Type",0.0],UNIT["Meter",1.0]]"#;
        assert_eq!(recognise_wkt(web), Some(WktCrs::Epsg(3857)));
        let wgs = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
        assert_eq!(recognise_wkt(wgs), Some(WktCrs::Wgs84));
        let cgcs = r#"GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]"#;
        assert_eq!(recognise_wkt(cgcs), Some(WktCrs::Epsg(4490)));
        // OGC WKT with the system's own authority last.
        let ogc = r#"PROJCS["CGCS2000 / 3-degree Gauss-Kruger CM 117E",GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101,AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4490"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",117],PARAMETER["scale_factor",1],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AUTHORITY["EPSG","4548"]]"#;
        assert_eq!(recognise_wkt(ogc), Some(WktCrs::Epsg(4548)));
        let lambert = r#"PROJCS["Asia_Lambert",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]]],PROJECTION["Lambert_Conformal_Conic"],PARAMETER["Central_Meridian",105.0]]"#;
        assert_eq!(recognise_wkt(lambert), None);
        assert_eq!(recognise_wkt("not a wkt"), None);
    }

    #[test]
    fn every_recognised_system_converts() {
        // A point of Hefei in each system, through the built-in definitions.
        for (code, x, y) in [
            (3857, 13_055_431.0, 3_745_870.0),
            (32650, 526_500.0, 3_530_000.0),
            (4548, 528_770.0, 3_530_000.0),
            (2384, 528_770.0, 3_530_000.0),
            (2436, 528_770.0, 3_530_000.0),
            (4490, 117.28, 31.86),
            (4610, 117.28, 31.86),
            (4214, 117.28, 31.86),
        ] {
            let crs = super::super::Projected::parse(&format!("EPSG:{code}")).unwrap();
            let (lon, lat) = crs.to_wgs84(x, y).unwrap();
            assert!(
                (117.0..117.6).contains(&lon) && (31.7..32.0).contains(&lat),
                "{code}: {lon} {lat}"
            );
        }
    }
}
