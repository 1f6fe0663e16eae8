//! An optional basemap under the report's map: XYZ web tiles (OpenStreetMap, Tianditu, Amap…)
//! as SVG `<image>` elements the browser loads when the page is opened online. Offline the
//! images simply do not appear and the map is drawn as without them; without a basemap the
//! page is unchanged and self-contained.

use std::fmt::Write;

use super::map::Frame;
use crate::CoordSystem;
use crate::study::StudyArea;

/// An XYZ tile template and the system its tiles are drawn in.
#[derive(Debug, Clone, PartialEq)]
pub struct Basemap {
    /// The tile address with `{z}`, `{x}` and `{y}` (e.g.
    /// `https://tile.openstreetmap.org/{z}/{x}/{y}.png`).
    pub url: String,
    /// WGS84 (OpenStreetMap, Tianditu) or GCJ-02 (Amap, Tencent) tiles.
    pub coords: CoordSystem,
}

/// Most tiles one map draws.
const MAX_TILES: usize = 144;
/// Tiles across the map's width the zoom aims for.
const TILES_ACROSS: f64 = 6.0;

/// Web Mercator tile coordinates (fractional) of a longitude/latitude at zoom `z`.
fn tile_xy(lon: f64, lat: f64, z: u32) -> [f64; 2] {
    let n = f64::from(1u32 << z);
    let lat = lat.clamp(-85.051_128, 85.051_128).to_radians();
    [
        (lon + 180.0) / 360.0 * n,
        (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n,
    ]
}

/// Longitude/latitude of tile corner `(x, y)` at zoom `z`.
fn tile_lonlat(x: f64, y: f64, z: u32) -> (f64, f64) {
    let n = f64::from(1u32 << z);
    let lat = (std::f64::consts::PI * (1.0 - 2.0 * y / n)).sinh().atan();
    (x / n * 360.0 - 180.0, lat.to_degrees())
}

/// The tiles covering the lon/lat box `[min_lon, min_lat, max_lon, max_lat]` (in the tiles'
/// own system): the zoom and the inclusive tile ranges `x0..=x1`, `y0..=y1`.
fn cover(b: [f64; 4]) -> (u32, [u32; 4]) {
    let span = (b[2] - b[0]).max(1e-9);
    let mut z = (TILES_ACROSS * 360.0 / span)
        .log2()
        .floor()
        .clamp(1.0, 19.0) as u32;
    loop {
        let lo = tile_xy(b[0], b[3], z);
        let hi = tile_xy(b[2], b[1], z);
        let max = (1u32 << z) - 1;
        let clamp = |v: f64| (v.floor().max(0.0) as u32).min(max);
        let r = [clamp(lo[0]), clamp(lo[1]), clamp(hi[0]), clamp(hi[1])];
        let count = (r[2] - r[0] + 1) as usize * (r[3] - r[1] + 1) as usize;
        if count <= MAX_TILES || z == 1 {
            return (z, r);
        }
        z -= 1;
    }
}

/// The tile address for `(z, x, y)`.
fn address(url: &str, z: u32, x: u32, y: u32) -> String {
    url.replace("{z}", &z.to_string())
        .replace("{x}", &x.to_string())
        .replace("{y}", &y.to_string())
}

/// The basemap layer: one `<image>` per tile over the map's view, each tile's corners taken
/// from its own system to WGS84 and onto the study plane.
pub(super) fn tiles(out: &mut String, f: &Frame, study: &StudyArea, basemap: &Basemap) {
    let corners = f.view_corners_m();
    let mut b = [f64::INFINITY, f64::INFINITY, -f64::INFINITY, -f64::INFINITY];
    for p in corners {
        let (lon, lat) = study.plane.unproject(p);
        let (lon, lat) = basemap.coords.from_wgs84(lon, lat);
        b = [b[0].min(lon), b[1].min(lat), b[2].max(lon), b[3].max(lat)];
    }
    let (z, r) = cover(b);
    let to_map = |x: u32, y: u32| {
        let (lon, lat) = tile_lonlat(f64::from(x), f64::from(y), z);
        let (lon, lat) = basemap.coords.to_wgs84(lon, lat);
        f.map_xy(study.plane.project(lon, lat))
    };
    out.push_str("<g class=\"lay-basemap\" data-layer=\"basemap\" opacity=\"0.8\">");
    for y in r[1]..=r[3] {
        for x in r[0]..=r[2] {
            let (tl, br) = (to_map(x, y), to_map(x + 1, y + 1));
            let _ = write!(
                out,
                "<image href=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" \
                 preserveAspectRatio=\"none\"/>",
                super::markup::esc(&address(&basemap.url, z, x, y)),
                tl[0],
                tl[1],
                br[0] - tl[0],
                br[1] - tl[1],
            );
        }
    }
    out.push_str("</g>");
}

/// The tile server's host, for the attribution line under the map.
pub(super) fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_round_trip_and_cover_the_box() {
        // Tiananmen at zoom 12 is tile (3372, 1552) on OpenStreetMap's scheme.
        let t = tile_xy(116.3975, 39.9087, 12);
        assert_eq!([t[0].floor(), t[1].floor()], [3372.0, 1552.0]);
        let (lon, lat) = tile_lonlat(t[0], t[1], 12);
        assert!((lon - 116.3975).abs() < 1e-9 && (lat - 39.9087).abs() < 1e-9);
        let b = [117.2, 31.8, 117.35, 31.93];
        let (z, r) = cover(b);
        let count = (r[2] - r[0] + 1) * (r[3] - r[1] + 1);
        assert!(count as usize <= MAX_TILES && count >= 4, "z {z}: {r:?}");
        let (w, n) = tile_lonlat(f64::from(r[0]), f64::from(r[1]), z);
        let (e, s) = tile_lonlat(f64::from(r[2] + 1), f64::from(r[3] + 1), z);
        assert!(w <= b[0] && e >= b[2] && s <= b[1] && n >= b[3]);
        assert_eq!(
            address("https://t/{z}/{x}/{y}.png", 3, 4, 5),
            "https://t/3/4/5.png"
        );
        assert_eq!(
            host("https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
            "tile.openstreetmap.org"
        );
    }
}
