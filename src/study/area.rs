//! The study area: one local metric plane chosen for all layers of a run, positions projected
//! onto it, and the sanity checks that need more than one layer (span, layers that miss each
//! other because of swapped axes or mixed coordinate systems).

use crate::Warning;
use std::path::Path;

use crate::crs::{CoordSystem, LocalPlane, TransverseMercator, span_m};
use crate::error::{Error, Result};
use crate::io::check_coordinates;

/// Decimals of every written longitude/latitude: 1e-7° is about 1 cm, far below any input's
/// accuracy, and keeps files small.
pub const OUTPUT_DECIMALS: i32 = 7;

/// `x` rounded to [`OUTPUT_DECIMALS`] decimals (its shortest form then has at most that many).
pub fn round_output(x: f64) -> f64 {
    let f = 10f64.powi(OUTPUT_DECIMALS);
    crate::report::round_half_away(x * f) / f + 0.0
}

/// Largest study area (diagonal, metres) for which the local plane keeps distances within
/// 0.1 % of the ellipsoidal distance.
pub const MAX_SPAN_M: f64 = 300_000.0;

/// Largest gap between the bounding boxes of two layers of one run, metres: farther apart,
/// they cannot describe one study area (mixed coordinate systems or swapped axes) and the
/// run stops.
pub const MAX_LAYER_GAP_M: f64 = 100_000.0;

/// Gap between layers above which a run warns (it goes on up to [`MAX_LAYER_GAP_M`]).
const WARN_LAYER_GAP_M: f64 = 20_000.0;

/// One input layer for the checks across layers.
#[derive(Debug, Clone, Copy)]
pub struct LayerExtent<'a> {
    /// Its role: `compounds`, `centers`, `candidates`, ...
    pub name: &'static str,
    /// Its file.
    pub path: &'a Path,
    /// Its WGS84 positions.
    pub lonlat: &'a [[f64; 2]],
}

/// Checks that every two layers lie within [`MAX_LAYER_GAP_M`] of each other.
///
/// # Errors
/// [`Error::LayersApart`] for the first pair farther apart, naming both files and the
/// distance, with a hint when the second layer's longitude and latitude look swapped.
pub fn check_layers_together(layers: &[LayerExtent<'_>]) -> Result<()> {
    let boxes: Vec<(&LayerExtent, [f64; 4])> = layers
        .iter()
        .filter_map(|l| bbox(l.lonlat).map(|b| (l, b)))
        .collect();
    for (i, &(la, a)) in boxes.iter().enumerate() {
        for &(lb, b) in &boxes[i + 1..] {
            let gap = gap_m(a, b);
            if gap > MAX_LAYER_GAP_M {
                return Err(Error::LayersApart {
                    name_a: la.name,
                    path_a: la.path.to_path_buf(),
                    name_b: lb.name,
                    path_b: lb.path.to_path_buf(),
                    distance_km: gap / 1000.0,
                    limit_km: MAX_LAYER_GAP_M / 1000.0,
                    swapped: looks_swapped(a, b),
                });
            }
        }
    }
    Ok(())
}

/// A point that lies more than [`MAX_LAYER_GAP_M`] from the main body of its layer (most
/// often a failed geocode written as (0, 0)): named in [`Error::FarPoints`], or left out of
/// the run and listed in `summary.json` `dropped` when a caller asks for that.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FarPoint {
    /// The layer's role (`compounds`, `centers`, `candidates`, `facilities`).
    pub layer: String,
    /// The layer's file.
    pub path: String,
    /// The point's id.
    pub id: String,
    /// Its WGS84 longitude (7 decimals).
    pub lon: f64,
    /// Its WGS84 latitude (7 decimals).
    pub lat: f64,
    /// Its distance from the bounding box of the layer's main body, kilometres (1 decimal).
    pub distance_km: f64,
    /// Its index in the layer as read.
    #[serde(skip)]
    pub index: usize,
}

/// The points of one layer that lie more than [`MAX_LAYER_GAP_M`] from its main body, in
/// index order. The main body is the largest group of points chained together by gaps of at
/// most that distance (ties: the group holding the lowest index), so a layer of one city is
/// one group whatever its size, and any number of failed geocodes at (0, 0) stay outside it.
///
/// Points are grouped by 1° cells: two cells join when the boxes of their points lie within
/// the limit, so the test is on boxes, never looser than the limit plus a cell's extent.
pub fn far_points(layer: &str, path: &Path, ids: &[String], lonlat: &[[f64; 2]]) -> Vec<FarPoint> {
    // A layer no wider than the limit (every city) has no far point: one pass over the box.
    match bbox(lonlat) {
        Some(b) if span_m(b[0], b[1], b[2], b[3]) > MAX_LAYER_GAP_M => {}
        _ => return Vec::new(),
    }
    let (cell_of, cells) = one_degree_cells(lonlat);
    if cells.len() < 2 {
        return Vec::new();
    }
    let group = chain_cells(&cells);
    // Points per group; the main body is the largest (ties: lowest first index).
    let mut size = vec![(0usize, usize::MAX); cells.len()];
    for (c, cell) in cells.iter().enumerate() {
        let g = &mut size[group[c]];
        g.0 += cell.count;
        g.1 = g.1.min(cell.first);
    }
    let main = (0..cells.len())
        .filter(|&g| size[g].0 > 0)
        .max_by(|&a, &b| size[a].0.cmp(&size[b].0).then(size[b].1.cmp(&size[a].1)))
        .expect("a non-empty layer");
    if (0..cells.len()).all(|c| group[c] == main) {
        return Vec::new();
    }
    let main_box = cells
        .iter()
        .enumerate()
        .filter(|&(c, _)| group[c] == main)
        .map(|(_, cell)| cell.bbox)
        .reduce(merge)
        .expect("the main body has a cell");
    cell_of
        .iter()
        .enumerate()
        .filter(|&(_, &c)| group[c] != main)
        .map(|(i, _)| {
            let [lon, lat] = lonlat[i];
            // Great-circle distance to the nearest position in the main body's box.
            let (near_lon, near_lat) = (
                lon.clamp(main_box[0], main_box[2]),
                lat.clamp(main_box[1], main_box[3]),
            );
            let gap_km = span_m(lon, lat, near_lon, near_lat) / 1000.0;
            FarPoint {
                layer: layer.to_string(),
                path: path.display().to_string(),
                id: ids[i].clone(),
                lon: round_output(lon),
                lat: round_output(lat),
                distance_km: (gap_km * 10.0).round() / 10.0,
                index: i,
            }
        })
        .collect()
}

/// One occupied 1° cell: its points' box, count and lowest index.
struct Cell {
    bbox: [f64; 4],
    count: usize,
    first: usize,
}

/// Each point's cell, and the cells in order of first appearance.
fn one_degree_cells(lonlat: &[[f64; 2]]) -> (Vec<usize>, Vec<Cell>) {
    let mut index = std::collections::HashMap::new();
    let mut cells: Vec<Cell> = Vec::new();
    // Neighbours in a file mostly share a cell: the last one found is tried before hashing.
    let mut last: Option<((i32, i32), usize)> = None;
    let cell_of = lonlat
        .iter()
        .enumerate()
        .map(|(i, &[lon, lat])| {
            let key = (lon.floor() as i32, lat.floor() as i32);
            let c = match last {
                Some((k, c)) if k == key => c,
                _ => *index.entry(key).or_insert_with(|| {
                    cells.push(Cell {
                        bbox: [lon, lat, lon, lat],
                        count: 0,
                        first: i,
                    });
                    cells.len() - 1
                }),
            };
            last = Some((key, c));
            let cell = &mut cells[c];
            cell.bbox = merge(cell.bbox, [lon, lat, lon, lat]);
            cell.count += 1;
            c
        })
        .collect();
    (cell_of, cells)
}

/// Each cell's group (a representative cell index): cells whose boxes lie within
/// [`MAX_LAYER_GAP_M`] of each other, chained.
fn chain_cells(cells: &[Cell]) -> Vec<usize> {
    fn root(parent: &mut [usize], mut c: usize) -> usize {
        while parent[c] != c {
            parent[c] = parent[parent[c]];
            c = parent[c];
        }
        c
    }
    let mut parent: Vec<usize> = (0..cells.len()).collect();
    for a in 0..cells.len() {
        for b in a + 1..cells.len() {
            // A degree of latitude is 111 km: boxes more than that apart never join.
            let (ba, bb) = (cells[a].bbox, cells[b].bbox);
            if (ba[1] - bb[3]).max(bb[1] - ba[3]) > 1.0 {
                continue;
            }
            if gap_m(ba, bb).min(gap_m(bb, ba)) <= MAX_LAYER_GAP_M {
                let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
                parent[ra.max(rb)] = ra.min(rb);
            }
        }
    }
    (0..cells.len()).map(|c| root(&mut parent, c)).collect()
}

/// True when swapping the longitude and latitude of box `b` brings it within the warning
/// distance of box `a`.
fn looks_swapped(a: [f64; 4], b: [f64; 4]) -> bool {
    let swapped = [b[1], b[0], b[3], b[2]];
    check_coordinates(swapped[0], swapped[1]).is_ok()
        && check_coordinates(swapped[2], swapped[3]).is_ok()
        && gap_m(a, swapped) < WARN_LAYER_GAP_M
}

/// The local plane for a run and the layers' bounding boxes.
#[derive(Debug, Clone, Copy)]
pub struct StudyArea {
    /// The plane all distances are measured on.
    pub plane: LocalPlane,
    /// `[min_lon, min_lat, max_lon, max_lat]` over all layers.
    pub bbox: [f64; 4],
    /// The system output coordinates are written in (WGS84 unless a user asks for GCJ-02 or
    /// BD-09 to overlay results on Chinese web maps).
    pub output: CoordSystem,
    /// True when the plane is the layers' own projected system (see
    /// [`StudyArea::in_input_metres`]).
    pub input_metres: bool,
}

fn bbox(points: &[[f64; 2]]) -> Option<[f64; 4]> {
    crate::io::PointLayer::bbox_of_points(points)
}

fn merge(a: [f64; 4], b: [f64; 4]) -> [f64; 4] {
    [
        a[0].min(b[0]),
        a[1].min(b[1]),
        a[2].max(b[2]),
        a[3].max(b[3]),
    ]
}

fn gap_m(a: [f64; 4], b: [f64; 4]) -> f64 {
    // Degrees of separation between two boxes, turned into rough metres.
    let dx = (b[0] - a[2]).max(a[0] - b[2]).max(0.0);
    let dy = (b[1] - a[3]).max(a[1] - b[3]).max(0.0);
    let lat = ((a[1] + a[3]) / 2.0).to_radians().cos();
    ((dx * lat).powi(2) + dy.powi(2)).sqrt() * 111_320.0
}

impl StudyArea {
    /// A plane centred on the union of `layers` (name, WGS84 positions). Pushes a warning when
    /// the area spans more than [`MAX_SPAN_M`], and when two layers lie far apart (with a hint
    /// when swapping one layer's axes would bring them together).
    ///
    /// # Panics
    /// When every layer is empty (callers reject empty layers first).
    pub fn new(layers: &[(&str, &[[f64; 2]])], warnings: &mut Vec<Warning>) -> StudyArea {
        let boxes: Vec<(&str, [f64; 4])> = layers
            .iter()
            .filter_map(|(name, pts)| bbox(pts).map(|b| (*name, b)))
            .collect();
        let all = boxes
            .iter()
            .map(|(_, b)| *b)
            .reduce(merge)
            .expect("at least one non-empty layer");
        for i in 0..boxes.len() {
            for j in i + 1..boxes.len() {
                let (na, a) = boxes[i];
                let (nb, b) = boxes[j];
                let gap = gap_m(a, b);
                if gap > WARN_LAYER_GAP_M {
                    warnings.push(Warning::LayersApart {
                        name_a: na.to_string(),
                        name_b: nb.to_string(),
                        distance_km: gap / 1000.0,
                        swapped: looks_swapped(a, b),
                    });
                }
            }
        }
        let span = span_m(all[0], all[1], all[2], all[3]);
        if span > MAX_SPAN_M {
            warnings.push(Warning::LargeSpan {
                span_km: span / 1000.0,
                limit_km: MAX_SPAN_M / 1000.0,
            });
        }
        StudyArea {
            plane: LocalPlane::centred_on(all[0], all[1], all[2], all[3]),
            bbox: all,
            output: CoordSystem::Wgs84,
            input_metres: false,
        }
    }

    /// Positions projected to plane metres.
    pub fn project(&self, lonlat: &[[f64; 2]]) -> Vec<[f64; 2]> {
        use rayon::prelude::*;
        lonlat
            .par_iter()
            .map(|p| self.plane.project(p[0], p[1]))
            .collect()
    }

    /// A WGS84 position in the output system, rounded to [`OUTPUT_DECIMALS`] decimals: every
    /// coordinate a run writes goes through here.
    pub fn output_lonlat(&self, p: [f64; 2]) -> [f64; 2] {
        let [lon, lat] = match self.output {
            CoordSystem::Wgs84 => p,
            other => {
                let (lon, lat) = other.from_wgs84(p[0], p[1]);
                [lon, lat]
            }
        };
        [round_output(lon), round_output(lat)]
    }

    /// A plane position as longitude/latitude in the output system (rounded as
    /// [`StudyArea::output_lonlat`]).
    pub fn unproject_output(&self, xy: [f64; 2]) -> [f64; 2] {
        let (lon, lat) = self.plane.unproject(xy);
        self.output_lonlat([lon, lat])
    }

    /// The same area measured on the transverse Mercator system every layer came in (a
    /// Gauss-Krüger zone, UTM): distances are then the input's own planar metres, as a GIS
    /// measures them, and do not move when a far point widens the area.
    pub fn in_input_metres(mut self, tm: TransverseMercator) -> StudyArea {
        let lat0 = 0.5 * (self.bbox[1] + self.bbox[3]);
        self.plane = LocalPlane::transverse(tm, lat0);
        self.input_metres = true;
        self
    }

    /// A short description of the plane, for summaries.
    pub fn plane_description(&self) -> String {
        self.describe_plane(false)
    }

    /// [`StudyArea::plane_description`] in Chinese (`zh`) or English, for pages.
    pub fn describe_plane(&self, zh: bool) -> String {
        let (lon0, lat0) = self.plane.origin();
        let scale = self.plane.scale();
        match (self.input_metres, zh) {
            (true, false) => format!(
                "the input's own transverse Mercator (central meridian {lon0}, scale {scale})"
            ),
            (true, true) => {
                format!("输入数据自身的横轴墨卡托投影（中央经线 {lon0}，比例 {scale}）")
            }
            (false, false) => format!("WGS84 transverse Mercator centred on {lon0:.5}, {lat0:.5}"),
            (false, true) => format!("WGS84 横轴墨卡托投影，中心经纬度 {lon0:.5}, {lat0:.5}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warns_when_a_layer_looks_swapped() {
        let a = [[117.20, 31.80], [117.30, 31.90]];
        let b = [[31.85, 117.25]];
        let mut w = Vec::new();
        // The swapped layer itself would fail per-point checks; here only its box is tested.
        let _ = StudyArea::new(&[("compounds", &a), ("centers", &b)], &mut w);
        assert!(
            w.iter()
                .any(|w| matches!(w, Warning::LayersApart { swapped: true, .. })),
            "{w:?}"
        );
    }

    #[test]
    fn layers_more_than_100_km_apart_are_an_error_naming_both_files() {
        let a = [[117.20, 31.80], [117.30, 31.90]];
        let far = [[118.5, 31.85]];
        let near = [[117.9, 31.85]];
        let layer = |name, path, lonlat| LayerExtent {
            name,
            path: Path::new(path),
            lonlat,
        };
        let e = check_layers_together(&[
            layer("compounds", "c.csv", &a),
            layer("centers", "s.geojson", &far),
        ])
        .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("c.csv") && msg.contains("s.geojson") && msg.contains("lie 113 km apart"),
            "{msg}"
        );
        assert!(msg.contains("same coordinate system"), "{msg}");
        check_layers_together(&[
            layer("compounds", "c.csv", &a),
            layer("centers", "s.geojson", &near),
        ])
        .unwrap();
        // Europe: lon 10, lat 50 read as lon 50, lat 10 is a valid position far away.
        let eu = [[10.0, 50.0], [10.1, 50.1]];
        let swapped = [[50.05, 10.05]];
        let e = check_layers_together(&[
            layer("compounds", "c.csv", &eu),
            layer("candidates", "k.csv", &swapped),
        ])
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("candidates layer's longitude and latitude look swapped"),
            "{e}"
        );
    }

    #[test]
    fn warns_beyond_300_km() {
        let a = [[115.0, 30.0], [119.0, 33.0]];
        let mut w = Vec::new();
        let _ = StudyArea::new(&[("compounds", &a)], &mut w);
        assert!(
            w.iter().any(|w| matches!(w, Warning::LargeSpan { .. })),
            "{w:?}"
        );
        let mut w = Vec::new();
        let _ = StudyArea::new(&[("compounds", &[[117.0, 31.0], [117.5, 31.5]])], &mut w);
        assert!(w.is_empty(), "{w:?}");
    }

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("p{i}")).collect()
    }

    #[test]
    fn failed_geocodes_at_null_island_lie_outside_the_main_body() {
        let mut pts: Vec<[f64; 2]> = (0..20)
            .map(|i| [117.2 + 0.01 * i as f64, 31.8 + 0.005 * i as f64])
            .collect();
        pts.insert(3, [0.0, 0.0]);
        pts.push([0.0, 0.0]);
        let far = far_points("compounds", Path::new("c.csv"), &ids(pts.len()), &pts);
        let idx: Vec<usize> = far.iter().map(|p| p.index).collect();
        assert_eq!(idx, vec![3, 21]);
        assert_eq!(
            (far[0].id.as_str(), far[0].lon, far[0].lat),
            ("p3", 0.0, 0.0)
        );
        assert!(far[0].distance_km > 12_000.0, "{far:?}");
        let msg = Error::far_points(&far).to_string();
        assert!(
            msg.starts_with("c.csv: id \"p3\" at (0, 0) lies ")
                && msg.contains(
                    "from the rest of the compounds layer (more than 100 km), and so \
                                 does 1 more point: it looks like a failed geocode"
                ),
            "{msg}"
        );
    }

    #[test]
    fn a_wide_layer_chained_by_short_gaps_is_one_body() {
        // A 300 km line of points 50 km apart crosses several 1° cells: no point is far.
        let pts: Vec<[f64; 2]> = (0..7).map(|i| [114.0 + 0.5 * i as f64, 30.5]).collect();
        assert!(far_points("centers", Path::new("s"), &ids(7), &pts).is_empty());
        // One point 150 km beyond the end of the line is.
        let mut pts = pts;
        pts.push([118.55, 30.5]);
        let far = far_points("centers", Path::new("s"), &ids(8), &pts);
        assert_eq!(far.iter().map(|p| p.index).collect::<Vec<_>>(), vec![7]);
        assert!((far[0].distance_km - 150.0).abs() < 15.0, "{far:?}");
    }
}
