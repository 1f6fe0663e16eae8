//! Walking distance along streets: the street graph (from OSM PBF or GeoJSON lines), snapping,
//! nearest-site and per-site costs by Dijkstra, service-area pieces. It knows nothing of
//! coverage: `coverage::network_coverage` turns its costs into coverage.
//!
//! ```
//! use circleplan::network::StreetNetwork;
//! use circleplan::coverage::network_coverage;
//! // An L-shaped street; the compound sits 40 m off its far end.
//! let net = StreetNetwork::from_lines(
//!     &[vec![[0.0, 0.0], [500.0, 0.0], [500.0, 500.0]]],
//!     None,
//!     false,
//! );
//! let nc = network_coverage(&net, &[[540.0, 500.0]], &[[0.0, 10.0]], &[1000.0], 300.0);
//! // 10 m onto the street, 1000 m along it, 40 m off it: just beyond a 1000 m budget.
//! assert_eq!(nc.coverage.nearest_cost_m, vec![1050.0]);
//! assert!(!nc.coverage.is_covered(0));
//! ```

mod chains;
mod contract;
mod dijkstra;
mod graph;
mod packed;
mod read;
mod snap;
#[cfg(test)]
mod test_pbf;

use std::path::Path;

pub use dijkstra::SnappedPoints;
#[cfg(test)]
pub(crate) use dijkstra::oracle::cost_table as oracle_cost_table;
pub use graph::{StreetNetwork, TOUCH_TOLERANCE_M};
pub use snap::Snap;

/// A street file's lines read (WGS84, not yet projected or joined): what
/// [`StreetNetwork::read`] reads first, on its own, so that a caller can read the street file
/// while its other layers read and build the network once the study's plane is known
/// ([`crate::study::StudyLayers::streets`]).
#[derive(Debug, Clone)]
pub struct StreetLines {
    path: std::path::PathBuf,
    lines: crate::io::LineLayer,
}

impl StreetLines {
    /// Reads the lines of a street file, as [`StreetNetwork::read`] does.
    ///
    /// # Errors
    /// As [`StreetNetwork::read`].
    pub fn read(path: &Path) -> Result<StreetLines> {
        Ok(StreetLines {
            path: path.to_path_buf(),
            lines: crate::io::read_streets(path)?,
        })
    }

    /// The file the lines were read from.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

use crate::error::{Error, Result};

/// Default snap limit, metres: points farther than this from every street are unreachable.
pub const DEFAULT_SNAP_LIMIT_M: f64 = 300.0;

impl StreetNetwork {
    /// Reads a street network: an OpenStreetMap extract (`.pbf`, or any file that starts like
    /// one) keeping the ways a pedestrian may use, or a GeoJSON FeatureCollection of
    /// LineStrings/MultiLineStrings (a GIS road layer, with optional `layer`, `bridge` and
    /// `tunnel` properties). Coordinates are WGS84 lon/lat, projected with `plane`. With
    /// `node_crossings`, same-layer lines are split where they cross (see
    /// [`StreetNetwork::from_lines`]).
    ///
    /// # Errors
    /// The file cannot be read; it is not a PBF / not JSON; a feature is not a line, has fewer
    /// than two distinct points or a bad coordinate (the error names the feature); or there
    /// are no (walkable) lines at all.
    pub fn read(
        path: &Path,
        plane: &crate::crs::LocalPlane,
        node_crossings: bool,
    ) -> Result<StreetNetwork> {
        read::read_network(path, plane, node_crossings)
    }

    /// [`StreetNetwork::read`] on a GeoJSON FeatureCollection of lines already in memory
    /// (`path` names it in messages).
    ///
    /// # Errors
    /// As [`StreetNetwork::read`] for a GeoJSON road layer.
    pub fn parse_geojson(
        path: &Path,
        geojson: &[u8],
        plane: &crate::crs::LocalPlane,
        node_crossings: bool,
    ) -> Result<StreetNetwork> {
        read::parse_network(path, geojson, plane, node_crossings)
    }

    /// [`StreetNetwork::read`] on lines [`StreetLines::read`] read: the same network.
    pub fn from_street_lines(
        lines: StreetLines,
        plane: &crate::crs::LocalPlane,
        node_crossings: bool,
    ) -> StreetNetwork {
        read::network_of(lines.lines, plane, node_crossings)
    }

    /// Checks that the network is near the compounds at all: an error naming the network file
    /// when not one compound lies within `snap_limit_m` of a street (usually a network for
    /// another city, or a layer in another coordinate system).
    ///
    /// # Errors
    /// [`Error::Format`] when no compound can be snapped.
    pub fn check_overlap(
        &self,
        path: &Path,
        compounds_xy: &[[f64; 2]],
        snap_limit_m: f64,
    ) -> Result<()> {
        if compounds_xy.is_empty()
            || compounds_xy
                .iter()
                .any(|&p| self.snap_one(p, snap_limit_m).is_some())
        {
            return Ok(());
        }
        let b = self.bbox().unwrap_or([f64::NAN; 4]);
        Err(Error::Format {
            path: path.to_path_buf(),
            message: format!(
                "the street network does not overlap the compounds: no compound is within \
                 {snap_limit_m} m of a street (network spans x {:.0}..{:.0} m, y {:.0}..{:.0} m \
                 on the study plane); check that the network covers the same area and is in \
                 WGS84 lon/lat, or raise --snap-limit",
                b[0], b[2], b[1], b[3]
            ),
        })
    }
}

/// An outline around service-area street pieces for display: a concave hull of points taken
/// every `spacing_m` along the pieces, as a closed ring (first point repeated at the end).
/// Empty when the pieces hold fewer than three distinct points. Counting never uses it.
///
/// # Panics
/// When `spacing_m` is not positive.
pub fn service_area_outline(segments: &[[[f64; 2]; 2]], spacing_m: f64) -> Vec<[f64; 2]> {
    use geo::{ConcaveHull, MultiPoint, Point};
    assert!(spacing_m > 0.0, "spacing must be positive");
    let mut pts: Vec<Point> = Vec::new();
    for &[a, b] in segments {
        let len = graph::dist(a, b);
        let k = (len / spacing_m).ceil().max(1.0) as usize;
        for i in 0..=k {
            let t = i as f64 / k as f64;
            pts.push(Point::new(
                a[0] + t * (b[0] - a[0]),
                a[1] + t * (b[1] - a[1]),
            ));
        }
    }
    pts.sort_unstable_by(|p, q| (p.x(), p.y()).partial_cmp(&(q.x(), q.y())).unwrap());
    pts.dedup();
    if pts.len() < 3 {
        return Vec::new();
    }
    let hull = MultiPoint::new(pts).concave_hull();
    hull.exterior().coords().map(|c| [c.x, c.y]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_area_outline_surrounds_the_pieces() {
        let net = StreetNetwork::from_lines(
            &[
                vec![[-500.0, 0.0], [500.0, 0.0]],
                vec![[0.0, -500.0], [0.0, 500.0]],
            ],
            None,
            true,
        );
        let site = net.snap_one([0.0, 0.0], 1.0).unwrap();
        let segs = net.service_area_segments(&site, 300.0);
        let ring = service_area_outline(&segs, 25.0);
        assert!(ring.len() >= 4 && ring.first() == ring.last(), "{ring:?}");
        let far = ring
            .iter()
            .map(|p| p[0].abs().max(p[1].abs()))
            .fold(0.0, f64::max);
        assert!((far - 300.0).abs() < 1e-9, "{far}");
        assert!(service_area_outline(&[], 25.0).is_empty());
    }
}
