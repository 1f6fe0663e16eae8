//! Chinese web-map coordinate systems (GCJ-02 "Mars" and Baidu BD-09), so points copied from
//! Amap, Tencent or Baidu maps can be brought back to WGS84 before any distance is measured.

use std::f64::consts::PI;
use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// Semi-major axis of the Krasovsky 1940 ellipsoid that the GCJ-02 obfuscation is defined on.
const KRASOVSKY_A_M: f64 = 6_378_245.0;
/// First eccentricity squared of the Krasovsky 1940 ellipsoid; the reference code's
/// 0.00669342162296594323 has more digits than an f64 holds, this is the same value.
const KRASOVSKY_EE: f64 = 0.006_693_421_622_965_943;
/// Baidu's magic factor: π · 3000 / 180.
const BD_X_PI: f64 = PI * 3000.0 / 180.0;

/// Stop the iterative inverses once the forward image is this close to the input (degrees).
const INVERSE_TOLERANCE_DEG: f64 = 1e-9;
/// Safety cap for the iterative inverses; they converge in 3–5 steps in practice.
const INVERSE_MAX_ITERATIONS: usize = 30;

/// The coordinate system that input longitudes/latitudes are given in (`--coords`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CoordSystem {
    /// Plain WGS84 (GPS, OpenStreetMap, most GIS data).
    #[default]
    Wgs84,
    /// GCJ-02, the obfuscated system mandated for Chinese web maps (Amap/Gaode, Tencent).
    Gcj02,
    /// BD-09, Baidu's further offset on top of GCJ-02.
    Bd09,
}

impl CoordSystem {
    /// Converts a point given in this system to WGS84, as `(lon_deg, lat_deg)`.
    pub fn to_wgs84(self, lon: f64, lat: f64) -> (f64, f64) {
        match self {
            CoordSystem::Wgs84 => (lon, lat),
            CoordSystem::Gcj02 => gcj02_to_wgs84(lon, lat),
            CoordSystem::Bd09 => bd09_to_wgs84(lon, lat),
        }
    }

    /// Converts a WGS84 point to this system, as `(lon_deg, lat_deg)`.
    pub fn from_wgs84(self, lon: f64, lat: f64) -> (f64, f64) {
        match self {
            CoordSystem::Wgs84 => (lon, lat),
            CoordSystem::Gcj02 => wgs84_to_gcj02(lon, lat),
            CoordSystem::Bd09 => wgs84_to_bd09(lon, lat),
        }
    }
}

impl FromStr for CoordSystem {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        // Accept the hyphenated spellings people copy from documentation; ignore case and
        // surrounding blanks, nothing else.
        match s.trim().to_ascii_lowercase().as_str() {
            "wgs84" | "wgs-84" => Ok(CoordSystem::Wgs84),
            "gcj02" | "gcj-02" => Ok(CoordSystem::Gcj02),
            "bd09" | "bd-09" => Ok(CoordSystem::Bd09),
            _ => Err(Error::parameter(
                crate::error::Param::Coords,
                s,
                "expected one of wgs84, gcj02 (Amap/Gaode, Tencent) or bd09 (Baidu)",
            )),
        }
    }
}

impl fmt::Display for CoordSystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CoordSystem::Wgs84 => "wgs84",
            CoordSystem::Gcj02 => "gcj02",
            CoordSystem::Bd09 => "bd09",
        })
    }
}

/// The usual rectangular "is this in China" test of the GCJ-02 reference code: outside it the
/// obfuscation is not applied. It is a crude box (it includes parts of neighbouring countries),
/// but matching it is what makes our numbers agree with the map providers'.
fn out_of_china(lon: f64, lat: f64) -> bool {
    !(72.004..=137.8347).contains(&lon) || !(0.8293..=55.8271).contains(&lat)
}

/// Latitude part of the GCJ-02 offset polynomial, in Krasovsky "metres" before scaling.
fn transform_lat(x: f64, y: f64) -> f64 {
    let mut ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    ret += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    ret += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    ret += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    ret
}

/// Longitude part of the GCJ-02 offset polynomial, in Krasovsky "metres" before scaling.
fn transform_lon(x: f64, y: f64) -> f64 {
    let mut ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    ret += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    ret += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    ret += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    ret
}

/// The GCJ-02 offset `(dlon_deg, dlat_deg)` to add to a WGS84 point inside China.
fn gcj02_delta(lon: f64, lat: f64) -> (f64, f64) {
    let dlat = transform_lat(lon - 105.0, lat - 35.0);
    let dlon = transform_lon(lon - 105.0, lat - 35.0);
    let rad_lat = lat / 180.0 * PI;
    let sin_lat = rad_lat.sin();
    let magic = 1.0 - KRASOVSKY_EE * sin_lat * sin_lat;
    let sqrt_magic = magic.sqrt();
    let dlat_deg =
        (dlat * 180.0) / ((KRASOVSKY_A_M * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * PI);
    let dlon_deg = (dlon * 180.0) / (KRASOVSKY_A_M / sqrt_magic * rad_lat.cos() * PI);
    (dlon_deg, dlat_deg)
}

/// Inverts a forward map `f` that is the identity plus a small, smooth offset, by fixed-point
/// iteration `p ← p + (target − f(p))`. The offset's Jacobian is tiny (≪ 1), so this contracts
/// fast; it is simpler than Newton and needs no derivatives of the obfuscation polynomials.
fn invert_near_identity(
    lon: f64,
    lat: f64,
    start: (f64, f64),
    forward: impl Fn(f64, f64) -> (f64, f64),
) -> (f64, f64) {
    let (mut x, mut y) = start;
    for _ in 0..INVERSE_MAX_ITERATIONS {
        let (fx, fy) = forward(x, y);
        let (ex, ey) = (lon - fx, lat - fy);
        if ex.abs() < INVERSE_TOLERANCE_DEG && ey.abs() < INVERSE_TOLERANCE_DEG {
            // Apply the last correction too: it is free and lands well inside the tolerance.
            return (x + ex, y + ey);
        }
        x += ex;
        y += ey;
    }
    (x, y)
}

/// WGS84 → GCJ-02. Points outside China are returned unchanged.
pub fn wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    if out_of_china(lon, lat) {
        return (lon, lat);
    }
    let (dlon, dlat) = gcj02_delta(lon, lat);
    (lon + dlon, lat + dlat)
}

/// GCJ-02 → WGS84, iterated until re-encoding the result reproduces the input within 1e-9°.
/// Points outside China are returned unchanged.
pub fn gcj02_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    if out_of_china(lon, lat) {
        return (lon, lat);
    }
    // Starting at the input is good enough: the offset is a few hundred metres and nearly
    // constant over that distance.
    invert_near_identity(lon, lat, (lon, lat), wgs84_to_gcj02)
}

/// GCJ-02 → BD-09 (Baidu).
pub fn gcj02_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    let z = (lon * lon + lat * lat).sqrt() + 0.00002 * (lat * BD_X_PI).sin();
    let theta = lat.atan2(lon) + 0.000003 * (lon * BD_X_PI).cos();
    (z * theta.cos() + 0.0065, z * theta.sin() + 0.006)
}

/// BD-09 (Baidu) → GCJ-02.
///
/// The widely copied closed form is only an approximate inverse (errors up to ~1e-6°, i.e.
/// decimetres), so it is used as the starting point and refined by iterating the exact
/// forward map until it reproduces the input within 1e-9°.
pub fn bd09_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    let x = lon - 0.0065;
    let y = lat - 0.006;
    let z = (x * x + y * y).sqrt() - 0.00002 * (y * BD_X_PI).sin();
    let theta = y.atan2(x) - 0.000003 * (x * BD_X_PI).cos();
    let approx = (z * theta.cos(), z * theta.sin());
    invert_near_identity(lon, lat, approx, gcj02_to_bd09)
}

/// WGS84 → BD-09 (via GCJ-02, as Baidu does).
pub fn wgs84_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    let (glon, glat) = wgs84_to_gcj02(lon, lat);
    gcj02_to_bd09(glon, glat)
}

/// BD-09 → WGS84 (via GCJ-02).
pub fn bd09_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    let (glon, glat) = bd09_to_gcj02(lon, lat);
    gcj02_to_wgs84(glon, glat)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A grid of points covering mainland China, Hainan and the north-east (all inside the
    /// GCJ-02 box).
    fn china_grid() -> impl Iterator<Item = (f64, f64)> {
        (0..=16).flat_map(|i| {
            (0..=12).map(move |j| (74.0 + f64::from(i) * 3.8, 18.0 + f64::from(j) * 3.0))
        })
    }

    fn assert_close(got: (f64, f64), want: (f64, f64), tol_deg: f64, what: &str) {
        assert!(
            (got.0 - want.0).abs() <= tol_deg && (got.1 - want.1).abs() <= tol_deg,
            "{what}: got ({:.12}, {:.12}), want ({:.12}, {:.12})",
            got.0,
            got.1,
            want.0,
            want.1
        );
    }

    #[test]
    fn wgs84_to_gcj02_matches_golden_vector_in_beijing() {
        let got = wgs84_to_gcj02(116.404, 39.915);
        assert_close(
            got,
            (116.41024449916938, 39.91640428150164),
            1e-9,
            "wgs84→gcj02",
        );
    }

    #[test]
    fn gcj02_to_bd09_matches_golden_vector_in_beijing() {
        let got = gcj02_to_bd09(116.404, 39.915);
        assert_close(
            got,
            (116.41036949371029, 39.92133699351022),
            1e-9,
            "gcj02→bd09",
        );
    }

    #[test]
    fn gcj02_round_trips_across_china() {
        for (lon, lat) in china_grid() {
            let (glon, glat) = wgs84_to_gcj02(lon, lat);
            // The offset must actually be applied, or the round trip would prove nothing.
            assert!(
                (glon - lon).abs() + (glat - lat).abs() > 1e-5,
                "no offset at {lon},{lat}"
            );
            let back = gcj02_to_wgs84(glon, glat);
            assert_close(
                back,
                (lon, lat),
                1e-7,
                &format!("gcj02 round trip at {lon},{lat}"),
            );
        }
    }

    #[test]
    fn bd09_round_trips_across_china() {
        for (lon, lat) in china_grid() {
            let (blon, blat) = wgs84_to_bd09(lon, lat);
            let back = bd09_to_wgs84(blon, blat);
            assert_close(
                back,
                (lon, lat),
                1e-7,
                &format!("bd09 round trip at {lon},{lat}"),
            );
            let gcj = wgs84_to_gcj02(lon, lat);
            let bd = gcj02_to_bd09(gcj.0, gcj.1);
            let gcj_back = bd09_to_gcj02(bd.0, bd.1);
            assert_close(gcj_back, gcj, 1e-7, &format!("bd09↔gcj02 at {lon},{lat}"));
        }
    }

    #[test]
    fn points_outside_china_are_not_shifted_by_gcj02() {
        for (lon, lat) in [(2.35, 48.85), (-74.0, 40.7), (139.7, 35.7), (100.0, 60.0)] {
            assert_eq!(wgs84_to_gcj02(lon, lat), (lon, lat));
            assert_eq!(gcj02_to_wgs84(lon, lat), (lon, lat));
        }
    }

    #[test]
    fn coord_system_parses_names_case_insensitively() {
        for (text, want) in [
            ("wgs84", CoordSystem::Wgs84),
            ("WGS-84", CoordSystem::Wgs84),
            ("Gcj02", CoordSystem::Gcj02),
            ("gcj-02", CoordSystem::Gcj02),
            ("BD09", CoordSystem::Bd09),
            (" bd-09 ", CoordSystem::Bd09),
        ] {
            assert_eq!(text.parse::<CoordSystem>().unwrap(), want, "{text}");
        }
    }

    #[test]
    fn coord_system_rejects_unknown_names_listing_valid_ones() {
        let err = "mercator".parse::<CoordSystem>().unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, Error::Parameter { .. }), "{err:?}");
        for name in ["coordinate system", "mercator", "wgs84", "gcj02", "bd09"] {
            assert!(text.contains(name), "{text:?} lacks {name}");
        }
    }

    #[test]
    fn coord_system_display_round_trips_through_from_str() {
        for cs in [CoordSystem::Wgs84, CoordSystem::Gcj02, CoordSystem::Bd09] {
            assert_eq!(cs.to_string().parse::<CoordSystem>().unwrap(), cs);
        }
        assert_eq!(CoordSystem::default(), CoordSystem::Wgs84);
    }

    #[test]
    fn coord_system_methods_dispatch_to_the_right_conversion() {
        let p = (121.4737, 31.2304);
        assert_eq!(CoordSystem::Wgs84.to_wgs84(p.0, p.1), p);
        assert_eq!(
            CoordSystem::Gcj02.from_wgs84(p.0, p.1),
            wgs84_to_gcj02(p.0, p.1)
        );
        assert_eq!(
            CoordSystem::Bd09.from_wgs84(p.0, p.1),
            wgs84_to_bd09(p.0, p.1)
        );
        for cs in [CoordSystem::Wgs84, CoordSystem::Gcj02, CoordSystem::Bd09] {
            let (x, y) = cs.from_wgs84(p.0, p.1);
            assert_close(cs.to_wgs84(x, y), p, 1e-7, &cs.to_string());
        }
    }
}
