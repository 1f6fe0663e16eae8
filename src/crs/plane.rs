//! The local metric plane on which every distance is computed: a WGS84 transverse Mercator
//! (Krüger series, 6th order) centred on the study area, plus a quick box-size estimate.

/// WGS84 semi-major axis.
const WGS84_A_M: f64 = 6_378_137.0;
/// WGS84 flattening.
const WGS84_F: f64 = 1.0 / 298.257_223_563;
/// Mean Earth radius (IUGG R1) for the haversine in [`span_m`].
const MEAN_EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Ellipsoid-dependent constants of the Krüger series for transverse Mercator, following
/// Karney (2011), "Transverse Mercator with an accuracy of a few nanometers", eqs. (35) and
/// (36). Truncating at n⁶ gives errors far below a millimetre within thousands of km of the
/// central meridian; we only ever use a few hundred km.
#[derive(Debug, Clone, Copy)]
struct Krueger {
    /// First eccentricity e.
    e: f64,
    /// 1 − e².
    e2m: f64,
    /// Rectifying radius A = a/(1+n)·(1 + n²/4 + n⁴/64 + n⁶/256).
    a_rect_m: f64,
    /// α₁…α₆: conformal sphere → TM plane.
    alp: [f64; 6],
    /// β₁…β₆: TM plane → conformal sphere.
    bet: [f64; 6],
}

impl Krueger {
    fn new(a_m: f64, f: f64) -> Krueger {
        let n = f / (2.0 - f);
        let e2 = f * (2.0 - f);
        let (n2, n3) = (n * n, n * n * n);
        let (n4, n5, n6) = (n3 * n, n3 * n2, n3 * n3);
        let alp = [
            n / 2.0 - 2.0 / 3.0 * n2 + 5.0 / 16.0 * n3 + 41.0 / 180.0 * n4 - 127.0 / 288.0 * n5
                + 7891.0 / 37800.0 * n6,
            13.0 / 48.0 * n2 - 3.0 / 5.0 * n3 + 557.0 / 1440.0 * n4 + 281.0 / 630.0 * n5
                - 1983433.0 / 1935360.0 * n6,
            61.0 / 240.0 * n3 - 103.0 / 140.0 * n4
                + 15061.0 / 26880.0 * n5
                + 167603.0 / 181440.0 * n6,
            49561.0 / 161280.0 * n4 - 179.0 / 168.0 * n5 + 6601661.0 / 7257600.0 * n6,
            34729.0 / 80640.0 * n5 - 3418889.0 / 1995840.0 * n6,
            212378941.0 / 319334400.0 * n6,
        ];
        let bet = [
            n / 2.0 - 2.0 / 3.0 * n2 + 37.0 / 96.0 * n3 - 1.0 / 360.0 * n4 - 81.0 / 512.0 * n5
                + 96199.0 / 604800.0 * n6,
            n2 / 48.0 + n3 / 15.0 - 437.0 / 1440.0 * n4 + 46.0 / 105.0 * n5
                - 1118711.0 / 3870720.0 * n6,
            17.0 / 480.0 * n3 - 37.0 / 840.0 * n4 - 209.0 / 4480.0 * n5 + 5569.0 / 90720.0 * n6,
            4397.0 / 161280.0 * n4 - 11.0 / 504.0 * n5 - 830251.0 / 7257600.0 * n6,
            4583.0 / 161280.0 * n5 - 108847.0 / 3991680.0 * n6,
            20648693.0 / 638668800.0 * n6,
        ];
        Krueger {
            e: e2.sqrt(),
            e2m: 1.0 - e2,
            a_rect_m: a_m / (1.0 + n) * (1.0 + n2 / 4.0 + n4 / 64.0 + n6 / 256.0),
            alp,
            bet,
        }
    }

    /// τ′ = tan of the conformal latitude, from τ = tan φ (Karney 2011, eqs. 7–9).
    #[inline]
    fn taup(&self, tau: f64) -> f64 {
        let tau1 = (1.0 + tau * tau).sqrt();
        let sig = (self.e * (self.e * tau / tau1).atanh()).sinh();
        (1.0 + sig * sig).sqrt() * tau - sig * tau1
    }

    /// Inverse of [`Krueger::taup`] by Newton's method (Karney 2011, eqs. 19–21). Starting
    /// from τ′/(1−e²) it converges to full precision in two or three steps; five is a cap.
    #[inline]
    fn tau(&self, taup: f64) -> f64 {
        let tol = 0.1 * f64::EPSILON.sqrt() * taup.abs().max(1.0);
        let mut tau = taup / self.e2m;
        for _ in 0..5 {
            let taupa = self.taup(tau);
            let dtau = (taup - taupa) * (1.0 + self.e2m * tau * tau)
                / (self.e2m * (1.0 + tau * tau).sqrt() * (1.0 + taupa * taupa).sqrt());
            tau += dtau;
            if dtau.abs() < tol {
                break;
            }
        }
        tau
    }

    /// Forward: longitude from the central meridian and latitude (radians) → (ξ, η), the
    /// northing and easting divided by the rectifying radius.
    #[inline]
    fn forward(&self, lam_rad: f64, phi_rad: f64) -> (f64, f64) {
        let taup = self.taup(phi_rad.tan());
        let (sin_lam, cos_lam) = lam_rad.sin_cos();
        let xip = taup.atan2(cos_lam);
        let etap = (sin_lam / (taup * taup + cos_lam * cos_lam).sqrt()).asinh();
        let (dxi, deta) = clenshaw_sin_2j(&self.alp, xip, etap);
        (xip + dxi, etap + deta)
    }

    /// Inverse of [`Krueger::forward`]: (ξ, η) → (λ, φ) in radians.
    #[inline]
    fn inverse(&self, xi: f64, eta: f64) -> (f64, f64) {
        let (dxi, deta) = clenshaw_sin_2j(&self.bet, xi, eta);
        let (xip, etap) = (xi - dxi, eta - deta);
        let (sin_xip, cos_xip) = xip.sin_cos();
        let sinh_etap = etap.sinh();
        let r = (sinh_etap * sinh_etap + cos_xip * cos_xip).sqrt();
        let taup = sin_xip / r;
        let lam = sinh_etap.atan2(cos_xip);
        (lam, self.tau(taup).atan())
    }
}

/// Σⱼ cⱼ·sin(2jζ) for j = 1…6 and complex ζ = ξ + iη, returned as (re, im).
///
/// Clenshaw summation needs one complex sin/cos pair instead of six, which is what makes
/// the projection cheap enough to call millions of times.
#[inline]
fn clenshaw_sin_2j(c: &[f64; 6], xi: f64, eta: f64) -> (f64, f64) {
    let (s2, c2) = (2.0 * xi).sin_cos();
    let (sh2, ch2) = ((2.0 * eta).sinh(), (2.0 * eta).cosh());
    // a = 2·cos(2ζ) = 2·(cos 2ξ cosh 2η − i sin 2ξ sinh 2η)
    let (ar, ai) = (2.0 * c2 * ch2, -2.0 * s2 * sh2);
    // b_k = c_k + a·b_{k+1} − b_{k+2}, from k = 6 down to 1; S = b₁·sin(2ζ).
    let (mut b1r, mut b1i) = (0.0, 0.0);
    let (mut b2r, mut b2i) = (0.0, 0.0);
    for &ck in c.iter().rev() {
        let br = ck + ar * b1r - ai * b1i - b2r;
        let bi = ar * b1i + ai * b1r - b2i;
        (b2r, b2i) = (b1r, b1i);
        (b1r, b1i) = (br, bi);
    }
    let (sr, si) = (s2 * ch2, c2 * sh2);
    (b1r * sr - b1i * si, b1r * si + b1i * sr)
}

/// Wraps a longitude difference into [−180°, 180°).
#[inline]
fn wrap_deg(dlon_deg: f64) -> f64 {
    if (-180.0..180.0).contains(&dlon_deg) {
        dlon_deg
    } else {
        (dlon_deg + 180.0).rem_euclid(360.0) - 180.0
    }
}

/// A transverse Mercator plane (WGS84, scale factor 1) centred on `origin()`: `x` is metres
/// east and `y` metres north of the origin.
///
/// Within 150 km of the origin the scale error is below 0.03 %, so Euclidean distances on the
/// plane stand in for geodesic ones; callers should warn when [`span_m`] exceeds ~300 km.
#[derive(Debug, Clone, Copy)]
pub struct LocalPlane {
    lon0_deg: f64,
    lat0_deg: f64,
    /// Northing of the origin from the equator; subtracted so coordinates stay small.
    y0_m: f64,
    /// Scale on the central meridian (1, or a projected input's own, e.g. UTM's 0.9996).
    k0: f64,
    tm: Krueger,
}

/// A transverse Mercator system a projected input is in: measuring on it gives the input's
/// own planar metres (a Gauss-Krüger zone, UTM).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransverseMercator {
    /// Central meridian, degrees.
    pub lon0_deg: f64,
    /// Scale on the central meridian.
    pub k0: f64,
    /// Ellipsoid semi-major axis, metres.
    pub a_m: f64,
    /// Ellipsoid flattening.
    pub f: f64,
}

impl LocalPlane {
    /// A plane whose origin (0, 0) is at `lon0_deg`, `lat0_deg`.
    pub fn new(lon0_deg: f64, lat0_deg: f64) -> LocalPlane {
        Self::on_ellipsoid(WGS84_A_M, WGS84_F, lon0_deg, lat0_deg)
    }

    /// Same as [`LocalPlane::new`] on another ellipsoid; lets tests check the Krüger code
    /// against published grids on GRS80 as well as WGS84.
    pub(crate) fn on_ellipsoid(a_m: f64, f: f64, lon0_deg: f64, lat0_deg: f64) -> LocalPlane {
        let tm = Krueger::new(a_m, f);
        let (xi0, _) = tm.forward(0.0, lat0_deg.to_radians());
        LocalPlane {
            lon0_deg,
            lat0_deg,
            y0_m: tm.a_rect_m * xi0,
            k0: 1.0,
            tm,
        }
    }

    /// The plane of a projected input's transverse Mercator system, its origin on the central
    /// meridian at `lat0_deg`: distances on it are the input's own planar metres.
    pub fn transverse(tm: TransverseMercator, lat0_deg: f64) -> LocalPlane {
        let mut plane = Self::on_ellipsoid(tm.a_m, tm.f, tm.lon0_deg, lat0_deg);
        plane.k0 = tm.k0;
        plane.y0_m *= tm.k0;
        plane
    }

    /// The scale on the central meridian (1 unless the plane is a projected input's).
    pub fn scale(&self) -> f64 {
        self.k0
    }

    /// A plane centred on the middle of a lon/lat bounding box (degrees).
    pub fn centred_on(min_lon: f64, min_lat: f64, max_lon: f64, max_lat: f64) -> LocalPlane {
        LocalPlane::new(0.5 * (min_lon + max_lon), 0.5 * (min_lat + max_lat))
    }

    /// WGS84 degrees → `[x_m, y_m]` on the plane.
    #[inline]
    pub fn project(&self, lon: f64, lat: f64) -> [f64; 2] {
        let lam = wrap_deg(lon - self.lon0_deg).to_radians();
        let (xi, eta) = self.tm.forward(lam, lat.to_radians());
        let k = self.k0 * self.tm.a_rect_m;
        [k * eta, k * xi - self.y0_m]
    }

    /// `[x_m, y_m]` on the plane → WGS84 `(lon_deg, lat_deg)`.
    #[inline]
    pub fn unproject(&self, xy: [f64; 2]) -> (f64, f64) {
        let k = self.k0 * self.tm.a_rect_m;
        let (xi, eta) = ((xy[1] + self.y0_m) / k, xy[0] / k);
        let (lam, phi) = self.tm.inverse(xi, eta);
        let lon = self.lon0_deg + lam.to_degrees();
        // Only re-wrap when the sum leaves the usual range, so a plane centred at 179.9°E
        // hands back −179.9° rather than 180.1°, while ordinary longitudes are untouched.
        let lon = if (-180.0..=180.0).contains(&lon) {
            lon
        } else {
            wrap_deg(lon)
        };
        (lon, phi.to_degrees())
    }

    /// The origin as `(lon_deg, lat_deg)`.
    pub fn origin(&self) -> (f64, f64) {
        (self.lon0_deg, self.lat0_deg)
    }
}

/// Approximate diagonal size of a lon/lat box in metres (haversine on the mean-radius sphere;
/// good to ~0.5 %, which is all a "your area is large" warning needs).
pub fn span_m(min_lon: f64, min_lat: f64, max_lon: f64, max_lat: f64) -> f64 {
    let (phi1, phi2) = (min_lat.to_radians(), max_lat.to_radians());
    let dphi = phi2 - phi1;
    let dlam = wrap_deg(max_lon - min_lon).to_radians();
    let h = (0.5 * dphi).sin().powi(2) + phi1.cos() * phi2.cos() * (0.5 * dlam).sin().powi(2);
    2.0 * MEAN_EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Distance, Geodesic, Point};

    /// SplitMix64: a tiny, well-mixed, seedable generator so the random tests are repeatable
    /// without a dependency.
    struct SplitMix64(u64);

    impl SplitMix64 {
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        /// Uniform in [lo, hi).
        fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
            let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            lo + (hi - lo) * unit
        }
    }

    /// Half-widths in degrees of a ~300 km square box centred at `lat0`.
    fn half_box_deg(lat0: f64) -> (f64, f64) {
        let half_m = 150_000.0;
        let dlat = half_m / 111_000.0;
        let dlon = half_m / (111_000.0 * lat0.to_radians().cos());
        (dlon, dlat)
    }

    #[test]
    fn origin_projects_to_zero_and_back() {
        let plane = LocalPlane::new(116.4, 39.9);
        let [x, y] = plane.project(116.4, 39.9);
        assert!(x.abs() < 1e-9 && y.abs() < 1e-9, "({x}, {y})");
        assert_eq!(plane.origin(), (116.4, 39.9));
        let (lon, lat) = plane.unproject([0.0, 0.0]);
        assert!((lon - 116.4).abs() < 1e-12 && (lat - 39.9).abs() < 1e-12);
    }

    #[test]
    fn centred_on_uses_the_middle_of_the_box() {
        let plane = LocalPlane::centred_on(113.0, 22.0, 115.0, 23.0);
        assert_eq!(plane.origin(), (114.0, 22.5));
    }

    #[test]
    fn northing_along_central_meridian_is_the_wgs84_meridian_arc() {
        // Published WGS84 meridian arc lengths: equator→45° and the quarter meridian.
        let plane = LocalPlane::new(0.0, 0.0);
        let y45 = plane.project(0.0, 45.0)[1];
        assert!((y45 - 4_984_944.378).abs() < 1e-3, "{y45}");
        let quarter = plane.tm.a_rect_m * std::f64::consts::FRAC_PI_2;
        assert!((quarter - 10_001_965.729).abs() < 1e-3, "{quarter}");
    }

    #[test]
    fn easting_sign_follows_longitude_and_northing_follows_latitude() {
        let plane = LocalPlane::new(10.0, 50.0);
        let [x, y] = plane.project(10.1, 50.1);
        assert!(x > 7_000.0 && y > 11_000.0, "({x}, {y})");
        let [x, y] = plane.project(9.9, 49.9);
        assert!(x < -7_000.0 && y < -11_000.0, "({x}, {y})");
    }

    #[test]
    fn project_unproject_round_trips_within_a_nanodegree() {
        let mut rng = SplitMix64(0x00C1_5C1E);
        for lat0 in [0.0, 30.0, 45.0, 60.0, -35.0, 75.0] {
            let lon0 = rng.uniform(-180.0, 180.0);
            let plane = LocalPlane::new(lon0, lat0);
            let (hx, hy) = half_box_deg(lat0);
            for _ in 0..2_000 {
                let lon = wrap_deg(lon0 + rng.uniform(-hx, hx));
                let lat = lat0 + rng.uniform(-hy, hy);
                let (lon2, lat2) = plane.unproject(plane.project(lon, lat));
                let dlon = wrap_deg(lon2 - lon).abs();
                assert!(
                    dlon < 1e-9 && (lat2 - lat).abs() < 1e-9,
                    "plane at ({lon0}, {lat0}): ({lon}, {lat}) came back as ({lon2}, {lat2})"
                );
            }
        }
    }

    #[test]
    fn planar_distances_match_wgs84_geodesics_within_a_300_km_box() {
        let mut rng = SplitMix64(42);
        for lat0 in [0.0, 30.0, 45.0, 60.0] {
            let lon0 = rng.uniform(-170.0, 170.0);
            let plane = LocalPlane::new(lon0, lat0);
            let (hx, hy) = half_box_deg(lat0);
            for _ in 0..2_000 {
                let a = (lon0 + rng.uniform(-hx, hx), lat0 + rng.uniform(-hy, hy));
                let b = (lon0 + rng.uniform(-hx, hx), lat0 + rng.uniform(-hy, hy));
                let [ax, ay] = plane.project(a.0, a.1);
                let [bx, by] = plane.project(b.0, b.1);
                let planar_m = (ax - bx).hypot(ay - by);
                let geodesic_m = Geodesic.distance(Point::new(a.0, a.1), Point::new(b.0, b.1));
                let tol_m = (geodesic_m * 1e-3).max(0.5);
                assert!(
                    (planar_m - geodesic_m).abs() <= tol_m,
                    "plane at ({lon0}, {lat0}): {a:?}–{b:?} planar {planar_m} m vs geodesic \
                     {geodesic_m} m"
                );
            }
        }
    }

    #[test]
    fn short_distances_are_exact_to_the_millimetre_near_the_origin() {
        // Near the origin the scale factor is 1, so a 1 km geodesic must be 1 km on the plane.
        let plane = LocalPlane::new(121.47, 31.23);
        let a = Point::new(121.47, 31.23);
        for bearing_deg in [0.0, 45.0, 90.0, 135.0, 200.0, 300.0] {
            let b = geo::Destination::destination(&Geodesic, a, bearing_deg, 1_000.0);
            let [x, y] = plane.project(b.x(), b.y());
            let planar_m = x.hypot(y);
            assert!(
                (planar_m - 1_000.0).abs() < 1e-3,
                "bearing {bearing_deg}: {planar_m}"
            );
        }
    }

    #[test]
    fn plane_across_the_antimeridian_stays_continuous() {
        let plane = LocalPlane::new(179.9, -17.0);
        let [x, _] = plane.project(-179.9, -17.0);
        assert!((x - 21_300.0).abs() < 200.0, "{x}");
        let (lon, lat) = plane.unproject(plane.project(-179.9, -17.0));
        assert!(
            (lon + 179.9).abs() < 1e-9 && (lat + 17.0).abs() < 1e-9,
            "({lon}, {lat})"
        );
    }

    #[test]
    fn span_of_one_degree_of_latitude_is_about_111_km() {
        let span = span_m(10.0, 0.0, 10.0, 1.0);
        assert!((span - 111_195.08).abs() < 1.0, "{span}");
        assert_eq!(span_m(5.0, 5.0, 5.0, 5.0), 0.0);
        // A 3°×3° box in northern China is well above the 300 km warning threshold.
        assert!(span_m(115.0, 38.0, 118.0, 41.0) > 300_000.0);
    }
}
