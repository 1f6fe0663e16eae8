//! Projected input coordinates (`--crs EPSG:n` or a `+proj=` string): parses the CRS and
//! converts its x/y to WGS84 degrees, with pure-Rust proj4rs or, behind `proj`, the PROJ library.

use std::fmt;

use crate::error::{Error, Result};

/// The WGS84 geographic CRS every input is converted to (proj4rs build).
#[cfg(not(feature = "proj"))]
const WGS84_PROJ4: &str = "+proj=longlat +datum=WGS84 +no_defs";

/// How a `--crs` value was written, before any backend has looked at it.
enum Spec {
    /// An EPSG code.
    Epsg(u32),
    /// A raw PROJ string (starts with `+proj=`).
    ProjString(String),
}

/// Reads `EPSG:4547`, `epsg:4547`, `4547` or `+proj=...`; anything else is an error.
fn read_spec(spec: &str) -> Result<Spec> {
    let text = spec.trim();
    let bad = |message: String| Error::Crs {
        crs: spec.to_string(),
        message,
    };
    if text.is_empty() {
        return Err(bad(
            "no coordinate system given; expected EPSG:<code> or a +proj= string".into(),
        ));
    }
    // PROJ strings are lowercase by convention, but a capitalised `+Proj=` is an obvious intent.
    // `get` rather than slicing: a multi-byte character at byte 6 must not panic.
    if text
        .get(..6)
        .is_some_and(|p| p.eq_ignore_ascii_case("+proj="))
    {
        // PROJ strings are ASCII; proj4rs also panics on some non-ASCII values (a `°` before
        // minutes), so refuse them here with the character named.
        if let Some(c) = text.chars().find(|c| !c.is_ascii()) {
            return Err(bad(format!(
                "a PROJ string is plain ASCII, found {c:?}; write angles as decimal degrees \
                 or as 117d30' (d for the degree sign)"
            )));
        }
        return Ok(Spec::ProjString(text.to_string()));
    }
    let code_text = match text.get(..5) {
        Some(prefix) if prefix.eq_ignore_ascii_case("epsg:") => text[5..].trim(),
        _ => text,
    };
    // `u32::from_str` alone would also take `+4547`; insist on plain digits.
    let all_digits = !code_text.is_empty() && code_text.bytes().all(|b| b.is_ascii_digit());
    match code_text.parse::<u32>() {
        Ok(code) if all_digits => Ok(Spec::Epsg(code)),
        _ => Err(bad(
            "not understood; expected EPSG:<code> (e.g. EPSG:4547), a bare code, or a PROJ \
             string starting with +proj="
                .into(),
        )),
    }
}

/// Returns whether a PROJ string describes longitude/latitude in degrees.
#[cfg(feature = "proj")]
fn proj_string_is_geographic(definition: &str) -> bool {
    definition.split_whitespace().any(|token| {
        matches!(
            token.to_ascii_lowercase().as_str(),
            "+proj=longlat" | "+proj=latlong" | "+proj=lonlat" | "+proj=latlon"
        )
    })
}

/// A coordinate reference system that input x/y are given in, with the means to convert them
/// to WGS84 longitude/latitude.
///
/// In the default build it holds ready proj4rs objects and is `Send + Sync`, so one value can
/// be shared by rayon workers. With the `proj` feature it holds only the definition (PROJ
/// handles are neither `Send` nor `Sync`) and builds a PROJ transformer per call; use
/// [`Projected::to_wgs84_many`] for whole layers so that happens once.
#[derive(Clone)]
pub struct Projected {
    /// The CRS as the user should see it: `EPSG:4547` or the PROJ string.
    name: String,
    /// True when x/y are longitude/latitude in degrees.
    geographic: bool,
    backend: Backend,
}

/// proj4rs backend: source and WGS84 destination, parsed once.
#[cfg(not(feature = "proj"))]
#[derive(Clone)]
struct Backend {
    src: proj4rs::Proj,
    dst: proj4rs::Proj,
}

/// PROJ backend: only the definition handed to PROJ, since `proj::Proj` cannot cross threads.
#[cfg(feature = "proj")]
#[derive(Clone)]
struct Backend {
    definition: String,
}

// The whole point of the proj4rs design is that readers can convert in parallel: fail the
// build, not a later caller, if that ever stops being true.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Projected>();
};

impl fmt::Debug for Projected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Projected")
            .field("name", &self.name)
            .field("geographic", &self.geographic)
            .finish_non_exhaustive()
    }
}

impl Projected {
    /// Parses `EPSG:4547`, `epsg:4547`, `4547` or a raw PROJ string starting with `+proj=`.
    ///
    /// In the default build EPSG codes are looked up in the built-in table of
    /// `crs-definitions`; a code missing there is an [`Error::Crs`] suggesting to pass the
    /// CRS's `+proj=` string instead.
    pub fn parse(spec: &str) -> Result<Projected> {
        Self::from_spec(read_spec(spec)?)
    }

    /// The CRS as given (normalised to `EPSG:<code>` for codes).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// True when x/y are already longitude/latitude in degrees (EPSG:4326, EPSG:4490, ...).
    pub fn is_geographic(&self) -> bool {
        self.geographic
    }

    /// Builds an [`Error::Crs`] about this CRS.
    fn error(&self, message: String) -> Error {
        Error::Crs {
            crs: self.name.clone(),
            message,
        }
    }

    /// Rejects NaN and infinite input before a backend turns it into a confusing message.
    fn check_finite(&self, index: Option<usize>, x: f64, y: f64) -> Result<()> {
        if x.is_finite() && y.is_finite() {
            Ok(())
        } else {
            Err(self.error(format!(
                "cannot convert {}: coordinates must be finite numbers",
                describe_point(index, x, y)
            )))
        }
    }

    /// Rejects backend output that is not a usable longitude/latitude.
    fn check_output(&self, index: Option<usize>, x: f64, y: f64, out: (f64, f64)) -> Result<()> {
        let (lon, lat) = out;
        if lon.is_finite() && lat.is_finite() && lat.abs() <= 90.0 {
            Ok(())
        } else {
            Err(self.error(format!(
                "{} is outside the area this coordinate system can represent",
                describe_point(index, x, y)
            )))
        }
    }
}

/// "point 12 (x, y)" or "(x, y)" for error messages.
fn describe_point(index: Option<usize>, x: f64, y: f64) -> String {
    match index {
        Some(i) => format!("point {i} ({x}, {y})"),
        None => format!("({x}, {y})"),
    }
}

#[cfg(not(feature = "proj"))]
impl Projected {
    fn from_spec(parsed: Spec) -> Result<Projected> {
        let (name, definition) = match parsed {
            Spec::Epsg(code) => {
                let name = format!("EPSG:{code}");
                let def = u16::try_from(code)
                    .ok()
                    .and_then(crs_definitions::from_code)
                    .ok_or_else(|| Error::Crs {
                        crs: name.clone(),
                        message: format!(
                            "EPSG code {code} is not in the built-in table; pass the CRS as a \
                             PROJ string instead (e.g. --crs \"+proj=tmerc +lat_0=0 +lon_0=114 \
                             +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m\", see \
                             https://epsg.io/{code}) or build with the `proj` feature"
                        ),
                    })?;
                (name, def.proj4.to_string())
            }
            Spec::ProjString(text) => (text.clone(), text),
        };
        let crs_error = |message: String| Error::Crs {
            crs: name.clone(),
            message,
        };
        let src = proj4rs::Proj::from_proj_string(&definition).map_err(|e| {
            crs_error(format!(
                "cannot set up the coordinate system {definition:?}: {e}"
            ))
        })?;
        if src.is_geocent() {
            return Err(crs_error(
                "geocentric (x, y, z) coordinates are not supported; give a projected or \
                 geographic coordinate system"
                    .into(),
            ));
        }
        if !src.has_inverse() {
            return Err(crs_error(format!(
                "the {} projection cannot be inverted by proj4rs; build with the `proj` feature",
                src.projname()
            )));
        }
        // The destination is a constant; failing to parse it would be a bug in this file, but
        // it still must not panic.
        let dst = proj4rs::Proj::from_proj_string(WGS84_PROJ4)
            .map_err(|e| crs_error(format!("cannot set up WGS84: {e}")))?;
        Ok(Projected {
            name,
            geographic: src.is_latlong(),
            backend: Backend { src, dst },
        })
    }

    /// Converts one point to WGS84 `(lon_deg, lat_deg)`.
    ///
    /// Geographic systems take degrees and still go through proj4rs, so a datum shift (e.g.
    /// `+towgs84` of Beijing 1954) is applied; for EPSG:4326/4490 this is the identity.
    pub fn to_wgs84(&self, x: f64, y: f64) -> Result<(f64, f64)> {
        self.convert(None, x, y)
    }

    /// Converts many points to WGS84 `(lon_deg, lat_deg)`, stopping at the first failure
    /// (the error names the point's index).
    pub fn to_wgs84_many(&self, xy: &[(f64, f64)]) -> Result<Vec<(f64, f64)>> {
        xy.iter()
            .enumerate()
            .map(|(i, &(x, y))| self.convert(Some(i), x, y))
            .collect()
    }

    fn convert(&self, index: Option<usize>, x: f64, y: f64) -> Result<(f64, f64)> {
        self.check_finite(index, x, y)?;
        // proj4rs takes and returns radians for geographic coordinates.
        let mut point = if self.geographic {
            (x.to_radians(), y.to_radians(), 0.0)
        } else {
            (x, y, 0.0)
        };
        proj4rs::transform::transform(&self.backend.src, &self.backend.dst, &mut point).map_err(
            |e| {
                self.error(format!(
                    "cannot convert {} to WGS84: {e}",
                    describe_point(index, x, y)
                ))
            },
        )?;
        let out = (point.0.to_degrees(), point.1.to_degrees());
        self.check_output(index, x, y, out)?;
        Ok(out)
    }
}

#[cfg(feature = "proj")]
impl Projected {
    fn from_spec(parsed: Spec) -> Result<Projected> {
        let epsg_code = match parsed {
            Spec::Epsg(code) => Some(code),
            Spec::ProjString(_) => None,
        };
        let (name, definition, geographic) = match parsed {
            Spec::Epsg(code) => {
                let name = format!("EPSG:{code}");
                // PROJ knows every EPSG code, but offers no cheap way to ask whether one is
                // geographic; the built-in table answers for the common ones. The answer is
                // informational only: PROJ converts geographic input correctly either way.
                let geographic = u16::try_from(code)
                    .ok()
                    .and_then(crs_definitions::from_code)
                    .is_some_and(|def| proj_string_is_geographic(def.proj4));
                (name.clone(), name, geographic)
            }
            Spec::ProjString(text) => {
                let geographic = proj_string_is_geographic(&text);
                // proj_create_crs_to_crs wants a CRS, and a bare PROJ string is read as an
                // operation unless it says `+type=crs`.
                let definition = if text.split_whitespace().any(|t| t == "+type=crs") {
                    text.clone()
                } else {
                    format!("{text} +type=crs")
                };
                (text, definition, geographic)
            }
        };
        let projected = Projected {
            name,
            geographic,
            backend: Backend { definition },
        };
        // Fail at parse time, not on the first point, if PROJ does not know the CRS; for codes,
        // say what to do instead, as the proj4rs build does.
        match (projected.transformer(), epsg_code) {
            (Ok(_), _) => Ok(projected),
            (Err(Error::Crs { crs, message }), Some(code)) => Err(Error::Crs {
                crs,
                message: format!(
                    "EPSG code {code} could not be used: {message}; pass the CRS as a PROJ \
                     string instead (e.g. --crs \"+proj=tmerc +lat_0=0 +lon_0=114 +k=1 \
                     +x_0=500000 +y_0=0 +ellps=GRS80 +units=m\", see https://epsg.io/{code})"
                ),
            }),
            (Err(e), _) => Err(e),
        }
    }

    /// A PROJ transformer to WGS84. `new_known_crs` normalises axis order with
    /// `proj_normalize_for_visualization`, so input is east/north (lon/lat for geographic
    /// systems) and output is (lon, lat) in degrees even though EPSG:4326 is officially lat/lon.
    fn transformer(&self) -> Result<proj::Proj> {
        proj::Proj::new_known_crs(&self.backend.definition, "EPSG:4326", None).map_err(|e| {
            self.error(format!(
                "PROJ cannot set up a transformation to WGS84 (EPSG:4326): {e}"
            ))
        })
    }

    /// Converts one point to WGS84 `(lon_deg, lat_deg)`.
    ///
    /// This builds a PROJ transformer for the single call, which is slow (milliseconds);
    /// convert layers with [`Projected::to_wgs84_many`].
    pub fn to_wgs84(&self, x: f64, y: f64) -> Result<(f64, f64)> {
        let transformer = self.transformer()?;
        self.convert(&transformer, None, x, y)
    }

    /// Converts many points to WGS84 `(lon_deg, lat_deg)` with one PROJ transformer,
    /// stopping at the first failure (the error names the point's index).
    pub fn to_wgs84_many(&self, xy: &[(f64, f64)]) -> Result<Vec<(f64, f64)>> {
        let transformer = self.transformer()?;
        xy.iter()
            .enumerate()
            .map(|(i, &(x, y))| self.convert(&transformer, Some(i), x, y))
            .collect()
    }

    fn convert(
        &self,
        transformer: &proj::Proj,
        index: Option<usize>,
        x: f64,
        y: f64,
    ) -> Result<(f64, f64)> {
        self.check_finite(index, x, y)?;
        let out: (f64, f64) = transformer.convert((x, y)).map_err(|e| {
            self.error(format!(
                "cannot convert {} to WGS84: {e}",
                describe_point(index, x, y)
            ))
        })?;
        self.check_output(index, x, y, out)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_non_ascii_proj_string_is_an_error_not_a_panic() {
        // cargo-fuzz found this: proj4rs slices a DMS value at a byte that is not a char
        // boundary when a multi-byte character precedes the minutes sign.
        for spec in [
            "+proj=tmerc +lon_0=117\u{FFFD}'",
            "+proj=tmerc +lon_0=117°30'",
        ] {
            let e = Projected::parse(spec).expect_err(spec).to_string();
            assert!(e.contains("ASCII"), "{e}");
        }
    }

    use super::*;
    use crate::crs::plane::LocalPlane;

    const WGS84_A_M: f64 = 6_378_137.0;
    const WGS84_F: f64 = 1.0 / 298.257_223_563;
    const GRS80_F: f64 = 1.0 / 298.257_222_101;

    /// Independent transverse Mercator with false origin, built on our own Krüger series:
    /// grid (x, y) of a geographic point.
    fn tm_forward(f: f64, lon0: f64, k0: f64, x0_m: f64, lon: f64, lat: f64) -> (f64, f64) {
        let [e, n] = LocalPlane::on_ellipsoid(WGS84_A_M, f, lon0, 0.0).project(lon, lat);
        (x0_m + k0 * e, k0 * n)
    }

    fn assert_lonlat(got: (f64, f64), want: (f64, f64), tol_deg: f64, what: &str) {
        assert!(
            (got.0 - want.0).abs() <= tol_deg && (got.1 - want.1).abs() <= tol_deg,
            "{what}: got ({:.10}, {:.10}), want ({:.10}, {:.10})",
            got.0,
            got.1,
            want.0,
            want.1
        );
    }

    #[test]
    fn parse_accepts_epsg_prefixes_and_bare_codes() {
        for spec in ["EPSG:4547", "epsg:4547", "4547", " Epsg:4547 "] {
            let crs = Projected::parse(spec).unwrap();
            assert_eq!(crs.name(), "EPSG:4547", "{spec}");
            assert!(!crs.is_geographic());
        }
    }

    #[test]
    fn parse_accepts_raw_proj_strings_and_keeps_them_as_the_name() {
        let text = "+proj=utm +zone=50 +datum=WGS84 +units=m +no_defs";
        let crs = Projected::parse(text).unwrap();
        assert_eq!(crs.name(), text);
        assert!(!crs.is_geographic());
    }

    #[test]
    fn parse_rejects_garbage_with_a_crs_error() {
        for spec in [
            "", "   ", "EPSG:", "EPSG:abc", "WGS84", "utm50", "+zone=50", "-4326",
        ] {
            let err = Projected::parse(spec).unwrap_err();
            assert!(matches!(err, Error::Crs { .. }), "{spec:?}: {err:?}");
            assert!(err.to_string().contains("+proj="), "{spec:?}: {err}");
        }
    }

    #[test]
    fn unknown_epsg_code_names_the_code_and_suggests_a_proj_string() {
        // 99999 is not an EPSG code at all; 123456 does not even fit the table's u16 codes.
        for (spec, code) in [("EPSG:99999", "99999"), ("123456", "123456")] {
            let err = Projected::parse(spec).unwrap_err();
            let Error::Crs { crs, message } = &err else {
                panic!("{spec}: expected Error::Crs, got {err:?}");
            };
            assert_eq!(crs, &format!("EPSG:{code}"));
            assert!(
                message.contains(code) && message.contains("+proj="),
                "{message}"
            );
        }
    }

    #[test]
    fn geographic_crs_passes_degrees_through() {
        for spec in [
            "EPSG:4326",
            "EPSG:4490",
            "+proj=longlat +datum=WGS84 +no_defs",
        ] {
            let crs = Projected::parse(spec).unwrap();
            assert!(crs.is_geographic(), "{spec}");
            let got = crs.to_wgs84(116.404, 39.915).unwrap();
            assert_lonlat(got, (116.404, 39.915), 1e-12, spec);
        }
    }

    #[test]
    fn nad83_arizona_central_feet_matches_golden_vector() {
        let crs = Projected::parse("EPSG:2223").unwrap();
        let got = crs.to_wgs84(727_914.456, 875_722.751).unwrap();
        // PROJ may pick a NAD83→WGS84 operation with a small shift; proj4rs applies none.
        let tol_deg = if cfg!(feature = "proj") { 1e-5 } else { 1e-8 };
        assert_lonlat(
            got,
            (-111.825_191_300_1, 33.407_269_933_8),
            tol_deg,
            "EPSG:2223",
        );
    }

    #[test]
    fn golden_vector_for_arizona_agrees_with_our_own_krueger_series() {
        // EPSG:2223: TM on GRS80, lat_0 31, lon_0 -111°55′, k 0.9999, x_0 213360 m, feet.
        let lon0 = -(111.0 + 55.0 / 60.0);
        let plane = LocalPlane::on_ellipsoid(WGS84_A_M, GRS80_F, lon0, 31.0);
        let (x_m, y_m) = (727_914.456 * 0.3048, 875_722.751 * 0.3048);
        let got = plane.unproject([(x_m - 213_360.0) / 0.9999, y_m / 0.9999]);
        assert_lonlat(got, (-111.825_191_300_1, 33.407_269_933_8), 1e-8, "Krüger");
    }

    #[test]
    fn cgcs2000_gauss_krueger_114e_converts_back_to_the_source_point() {
        // x and y from our own Krüger series; CGCS2000 uses the GRS80 ellipsoid.
        let (x, y) = tm_forward(GRS80_F, 114.0, 1.0, 500_000.0, 114.3, 30.6);
        assert!((28_000.0..29_000.0).contains(&(x - 500_000.0)), "x {x}");
        assert!((3_385_000.0..3_390_000.0).contains(&y), "y {y}");
        let crs = Projected::parse("EPSG:4547").unwrap();
        let got = crs.to_wgs84(x, y).unwrap();
        assert_lonlat(got, (114.3, 30.6), 1e-9, "EPSG:4547");
    }

    #[test]
    fn utm_50n_converts_back_to_the_source_point() {
        let (x, y) = tm_forward(WGS84_F, 117.0, 0.9996, 500_000.0, 116.404, 39.915);
        assert!((448_000.0..450_000.0).contains(&x), "x {x}");
        assert!((4_418_000.0..4_419_000.0).contains(&y), "y {y}");
        let crs = Projected::parse("EPSG:32650").unwrap();
        let got = crs.to_wgs84(x, y).unwrap();
        assert_lonlat(got, (116.404, 39.915), 1e-9, "EPSG:32650");
    }

    #[cfg(not(feature = "proj"))]
    #[test]
    fn proj4rs_forward_agrees_with_our_krueger_series_to_the_millimetre() {
        let geo = proj4rs::Proj::from_proj_string("+proj=longlat +ellps=GRS80 +no_defs").unwrap();
        let cases = [
            (4547_u16, GRS80_F, 114.0, 1.0, 114.3_f64, 30.6_f64),
            (32650, WGS84_F, 117.0, 0.9996, 116.404, 39.915),
            (32650, WGS84_F, 117.0, 0.9996, 119.9, 45.0),
        ];
        for (code, f, lon0, k0, lon, lat) in cases {
            let def = crs_definitions::from_code(code).unwrap();
            let dst = proj4rs::Proj::from_proj_string(def.proj4).unwrap();
            let mut p = (lon.to_radians(), lat.to_radians(), 0.0);
            proj4rs::transform::transform(&geo, &dst, &mut p).unwrap();
            let (x, y) = tm_forward(f, lon0, k0, 500_000.0, lon, lat);
            assert!(
                (p.0 - x).abs() < 1e-3 && (p.1 - y).abs() < 1e-3,
                "EPSG:{code} ({lon}, {lat}): proj4rs ({}, {}) vs Krüger ({x}, {y})",
                p.0,
                p.1
            );
        }
    }

    #[test]
    fn to_wgs84_many_matches_single_conversions() {
        let crs = Projected::parse("EPSG:32650").unwrap();
        let pts = [
            (448_000.0, 4_418_000.0),
            (450_000.0, 4_420_000.0),
            (500_000.0, 0.0),
        ];
        let many = crs.to_wgs84_many(&pts).unwrap();
        assert_eq!(many.len(), pts.len());
        for (&(x, y), got) in pts.iter().zip(&many) {
            assert_eq!(*got, crs.to_wgs84(x, y).unwrap());
        }
        assert!(crs.to_wgs84_many(&[]).unwrap().is_empty());
    }

    #[test]
    fn non_finite_input_is_an_error_naming_the_point() {
        let crs = Projected::parse("EPSG:32650").unwrap();
        assert!(crs.to_wgs84(f64::NAN, 1.0).is_err());
        let err = crs
            .to_wgs84_many(&[(448_000.0, 4_418_000.0), (f64::INFINITY, 0.0)])
            .unwrap_err();
        assert!(err.to_string().contains("point 1"), "{err}");
    }

    #[test]
    fn geographic_input_out_of_range_is_an_error() {
        let crs = Projected::parse("EPSG:4326").unwrap();
        assert!(crs.to_wgs84(10.0, 95.0).is_err());
    }

    #[test]
    fn projected_is_send_and_sync_and_debug_shows_the_name() {
        fn assert_send_sync<T: Send + Sync>(_: &T) {}
        let crs = Projected::parse("EPSG:4547").unwrap();
        assert_send_sync(&crs);
        assert!(format!("{crs:?}").contains("EPSG:4547"));
    }
}

/// The transverse Mercator parameters of a projected system named as [`Projected::name`]
/// writes it (`EPSG:4547`, or a `+proj=` string): a Gauss-Krüger zone (`+proj=tmerc`) or UTM
/// (`+proj=utm +zone=…`). `None` for anything else (geographic systems, other projections,
/// codes outside the built-in table, ellipsoids not named by `+ellps`/`+a`/`+b`/`+rf`).
pub fn transverse_mercator(name: &str) -> Option<crate::crs::TransverseMercator> {
    let text = match name.strip_prefix("EPSG:") {
        Some(code) => crs_definitions::from_code(code.parse().ok()?)?
            .proj4
            .to_string(),
        None => name.to_string(),
    };
    let param = |key: &str| -> Option<&str> {
        text.split_whitespace()
            .find_map(|t| t.strip_prefix('+')?.strip_prefix(key)?.strip_prefix('='))
    };
    let num = |key: &str| param(key).and_then(|v| v.parse::<f64>().ok());
    // `+datum=WGS84` implies its ellipsoid (as UTM definitions write it).
    let ellps = param("ellps").or(param("datum").filter(|d| *d == "WGS84"));
    let (a_m, f) = ellipsoid(ellps, num("a"), num("b"), num("rf"))?;
    let (lon0_deg, k0) = match param("proj")? {
        "tmerc" => (
            num("lon_0").unwrap_or(0.0),
            num("k").or(num("k_0")).unwrap_or(1.0),
        ),
        "utm" => (num("zone")? * 6.0 - 183.0, 0.9996),
        _ => return None,
    };
    Some(crate::crs::TransverseMercator {
        lon0_deg,
        k0,
        a_m,
        f,
    })
}

/// Semi-major axis and flattening from PROJ's ellipsoid parameters.
fn ellipsoid(
    ellps: Option<&str>,
    a: Option<f64>,
    b: Option<f64>,
    rf: Option<f64>,
) -> Option<(f64, f64)> {
    match (ellps, a, b, rf) {
        (Some("GRS80"), ..) => Some((6_378_137.0, 1.0 / 298.257_222_101)),
        (Some("WGS84"), ..) => Some((6_378_137.0, 1.0 / 298.257_223_563)),
        (Some("krass"), ..) => Some((6_378_245.0, 1.0 / 298.3)),
        (Some("IAU76"), ..) => Some((6_378_140.0, 1.0 / 298.257)),
        (None, Some(a), _, Some(rf)) if rf > 0.0 => Some((a, 1.0 / rf)),
        (None, Some(a), Some(b), None) if b > 0.0 && b <= a => Some((a, (a - b) / a)),
        (None, Some(a), None, None) => Some((a, 0.0)),
        _ => None,
    }
}

#[cfg(test)]
mod tm_tests {
    use super::*;
    use crate::crs::LocalPlane;

    /// Pairs of Gauss-Krüger and UTM points, taken through WGS84 onto the input's own
    /// transverse Mercator plane, keep their planar distance to well under a millimetre.
    #[test]
    fn the_input_plane_keeps_the_input_metres() {
        for (code, x0, y0) in [
            ("EPSG:4547", 430_000.0, 3_400_000.0),
            ("EPSG:4549", 560_000.0, 3_500_000.0),
            ("EPSG:32650", 400_000.0, 3_300_000.0),
        ] {
            let crs = Projected::parse(code).unwrap();
            let tm = transverse_mercator(code).unwrap_or_else(|| panic!("{code}"));
            let plane = LocalPlane::transverse(tm, 31.0);
            let pts = [
                (x0, y0),
                (x0 + 300.0, y0),
                (x0 + 180.0, y0 + 240.0),
                (x0 - 5000.0, y0 + 7000.0),
            ];
            let xy: Vec<[f64; 2]> = pts
                .iter()
                .map(|&(x, y)| {
                    let (lon, lat) = crs.to_wgs84(x, y).unwrap();
                    plane.project(lon, lat)
                })
                .collect();
            for i in 1..pts.len() {
                let want = ((pts[i].0 - pts[0].0).powi(2) + (pts[i].1 - pts[0].1).powi(2)).sqrt();
                let got = ((xy[i][0] - xy[0][0]).powi(2) + (xy[i][1] - xy[0][1]).powi(2)).sqrt();
                assert!(
                    (got - want).abs() < 1e-4,
                    "{code} pair {i}: {got} vs {want}"
                );
            }
        }
        assert!(transverse_mercator("EPSG:4490").is_none(), "geographic");
    }
}
