//! Compound gates: a compound (小区) is entered through its gates, not its centroid. A walk to
//! or from a compound starts at whichever of its gates gives the shortest one (each gate
//! snapped to the street on foot, measured straight otherwise); a compound without a gate is
//! measured from its point.
//!
//! Gates enter the metric as more points: every compound becomes its gates (or its point),
//! the metric measures those, and each compound keeps, per site, the cheapest of its points
//! ([`reduce`]). The lookup is by the compound's position on the plane, so any subset of
//! compounds a workflow measures finds its gates.

use std::collections::HashMap;

use geo::MultiPolygon;
use std::path::{Path, PathBuf};

use crate::coverage::{Coverage, NetworkCoverage};
use crate::error::{Error, Result};
use crate::io::{ReadOptions, parse_points, read_points};
use crate::matrix::CoverageMatrix;

/// Field names detected as the compound id of a gate, in priority order.
pub const GATE_COMPOUND_FIELDS: &[&str] = &["compound", "小区编号", "compound_id"];

/// How walks to and from compounds start, as `summary.json` `access` records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Access {
    /// From the nearest of the compound's gates (compounds without one: as below).
    Gates,
    /// A polygon compound from its outline: on foot from the street point nearest the
    /// polygon, in a straight line from its edge (0 inside); other compounds from their point.
    Outline,
    /// From the compound's point (a polygon's point inside it).
    #[default]
    Point,
}

impl Access {
    /// `gates` or `point`.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Gates => "gates",
            Access::Outline => "outline",
            Access::Point => "point",
        }
    }
}

/// A gate layer as read: WGS84 positions and the compound id each gate belongs to.
#[derive(Debug, Clone)]
pub struct GateLayer {
    /// The file.
    pub path: PathBuf,
    /// Per gate: the compound id it names.
    pub compound_ids: Vec<String>,
    /// Per gate: WGS84 `[lon, lat]`.
    pub lonlat: Vec<[f64; 2]>,
    /// Per gate: how a message names it (`feature 3 (id "G3")`).
    pub labels: Vec<String>,
}

impl GateLayer {
    /// Reads gates from `path`: points with a compound id in `field` (detected from
    /// [`GATE_COMPOUND_FIELDS`] when `None`).
    ///
    /// # Errors
    /// An unreadable layer, or one without the compound id field.
    pub fn load(path: &Path, options: &ReadOptions, field: Option<&str>) -> Result<GateLayer> {
        Self::read(path, options, field, |o| read_points(path, o))
    }

    /// [`GateLayer::load`] on a GeoJSON or CSV file's bytes already in memory (`path` names
    /// it in messages).
    ///
    /// # Errors
    /// As [`GateLayer::load`].
    pub fn parse(
        path: &Path,
        bytes: Vec<u8>,
        options: &ReadOptions,
        field: Option<&str>,
    ) -> Result<GateLayer> {
        Self::read(path, options, field, |o| parse_points(path, bytes, o))
    }

    fn read(
        path: &Path,
        options: &ReadOptions,
        field: Option<&str>,
        read: impl FnOnce(&ReadOptions) -> Result<crate::io::PointLayer>,
    ) -> Result<GateLayer> {
        let names: Vec<String> = match field {
            Some(f) => vec![f.to_string()],
            None => GATE_COMPOUND_FIELDS.iter().map(|s| s.to_string()).collect(),
        };
        let options = ReadOptions {
            fields: vec![names.clone()],
            ..options.clone()
        };
        let layer = read(&options)?;
        if layer.column_names[0].is_none() {
            return Err(Error::Format {
                path: path.to_path_buf(),
                message: format!(
                    "no compound id field on the gates (looked for {}): name it with \
                     --gates-compound-field",
                    names.join(", ")
                ),
            });
        }
        let compound_ids = layer.columns[0]
            .iter()
            .map(|v| v.as_ref().map(|s| s.to_text()).unwrap_or_default())
            .collect();
        let labels = (0..layer.len()).map(|i| layer.label(i)).collect();
        Ok(GateLayer {
            path: path.to_path_buf(),
            compound_ids,
            lonlat: layer.lonlat,
            labels,
        })
    }
}

/// Gates on the study plane, by the position of the compound they belong to.
#[derive(Debug, Clone, Default)]
pub struct Gates {
    by_position: HashMap<[u64; 2], Vec<[f64; 2]>>,
    /// The farthest any gate lies from its compound's point, metres: how much shorter than
    /// from the point a walk through a gate can be.
    pub slack_m: f64,
    /// Compounds with at least one gate.
    pub compounds_with_gates: usize,
    /// Outlines (plane metres) of polygon compounds without gates, measured straight from
    /// their edge (0 inside), by the compound's position.
    outlines: HashMap<[u64; 2], MultiPolygon<f64>>,
    /// The farthest any outline vertex lies from its compound's point, metres.
    outline_slack_m: f64,
}

fn key(p: [f64; 2]) -> [u64; 2] {
    [p[0].to_bits(), p[1].to_bits()]
}

impl Gates {
    /// Gates from `gates_of[i]`, compound `i`'s gates on the plane, with `compounds_xy` the
    /// compounds' points.
    pub fn new(compounds_xy: &[[f64; 2]], gates_of: Vec<Vec<[f64; 2]>>) -> Gates {
        let mut g = Gates::default();
        for (p, gates) in compounds_xy.iter().zip(gates_of) {
            if gates.is_empty() {
                continue;
            }
            g.compounds_with_gates += 1;
            for q in &gates {
                g.slack_m = g.slack_m.max((q[0] - p[0]).hypot(q[1] - p[1]));
            }
            g.by_position.entry(key(*p)).or_default().extend(gates);
        }
        g
    }

    /// Adds straight-line outlines: `outlines[i]` (plane metres) for compound `i` at
    /// `compounds_xy[i]`, used where the compound has no gate.
    pub fn with_outlines(
        mut self,
        compounds_xy: &[[f64; 2]],
        outlines: Vec<Option<MultiPolygon<f64>>>,
    ) -> Gates {
        for (p, outline) in compounds_xy.iter().zip(outlines) {
            let Some(outline) = outline else { continue };
            if self.by_position.contains_key(&key(*p)) {
                continue;
            }
            let r = crate::outline::radius(&outline, *p);
            self.outline_slack_m = self.outline_slack_m.max(r);
            self.slack_m = self.slack_m.max(r);
            self.outlines.insert(key(*p), outline);
        }
        self
    }

    /// True when some compound is measured from its outline.
    pub fn has_outlines(&self) -> bool {
        !self.outlines.is_empty()
    }

    /// True when no compound has a gate or an outline.
    pub fn is_empty(&self) -> bool {
        self.by_position.is_empty() && self.outlines.is_empty()
    }

    /// Every compound's access points: its gates, or its point when it has none, and for
    /// each point the compound (index into `compounds_xy`) it belongs to, ascending.
    pub fn expand(&self, compounds_xy: &[[f64; 2]]) -> (Vec<[f64; 2]>, Vec<u32>) {
        let mut points = Vec::with_capacity(compounds_xy.len());
        let mut owner = Vec::with_capacity(compounds_xy.len());
        for (i, p) in compounds_xy.iter().enumerate() {
            match self.by_position.get(&key(*p)) {
                Some(gates) => {
                    points.extend_from_slice(gates);
                    owner.extend(std::iter::repeat_n(i as u32, gates.len()));
                }
                None => {
                    points.push(*p);
                    owner.push(i as u32);
                }
            }
        }
        (points, owner)
    }
}

/// Straight-line coverage of access `points` (from [`Gates::expand`] over `compounds_xy`,
/// `owner` alike) where compounds with an outline are measured from its edge (0 inside):
/// coverage lists within each budget widened by the farthest outline vertex, then every pair
/// of an outline compound measured exactly and kept within its budget. An outline's nearest
/// site is the nearest among the listed ones when that is within the smallest budget (any
/// other is beyond its own budget), else found among the sites within the point's nearest
/// site's exact distance plus the outline's radius.
pub fn outline_coverage(
    gates: &Gates,
    (points, owner, compounds_xy): (&[[f64; 2]], &[u32], &[[f64; 2]]),
    sites_xy: &[[f64; 2]],
    budget_m: &[f64],
) -> Coverage {
    use rayon::prelude::*;
    let wide: Vec<f64> = budget_m.iter().map(|b| b + gates.outline_slack_m).collect();
    let cov = crate::coverage::euclidean(points, sites_xy, &wide);
    let min_budget = budget_m.iter().copied().fold(f64::INFINITY, f64::min);
    let tree = rstar::RTree::bulk_load(
        (sites_xy.iter().enumerate())
            .map(|(s, p)| rstar::primitives::GeomWithData::new(*p, s as u32))
            .collect(),
    );
    let rows: Vec<MeasuredRow> = (0..points.len())
        .into_par_iter()
        .map(|k| {
            let (sites, costs) = cov.by_compound.row(k);
            let outline = gates.outlines.get(&key(compounds_xy[owner[k] as usize]));
            let Some(outline) = outline else {
                let row = (sites.iter().zip(costs))
                    .filter(|&(&s, &c)| f64::from(c) <= budget_m[s as usize])
                    .map(|(&s, &c)| (s, c))
                    .collect();
                return (row, cov.nearest[k].map(|s| (cov.nearest_cost_m[k], s)));
            };
            let exact = |s: u32| crate::outline::distance(outline, sites_xy[s as usize]);
            let measured: Vec<(u32, f64)> = sites.iter().map(|&s| (s, exact(s))).collect();
            let row = (measured.iter())
                .filter(|&&(s, d)| d <= budget_m[s as usize])
                .map(|&(s, d)| (s, d as f32))
                .collect();
            let listed = (measured.iter())
                .map(|&(s, d)| (d, s))
                .min_by(|a, b| a.total_cmp_pair(b));
            let nearest = match listed {
                Some(best) if best.0 <= min_budget => Some(best),
                _ => cov.nearest[k].map(|s0| {
                    let reach = exact(s0) + crate::outline::radius(outline, points[k]);
                    (tree.locate_within_distance(points[k], reach * reach * (1.0 + 1e-12) + 1e-9))
                        .map(|g| (exact(g.data), g.data))
                        .chain(std::iter::once((exact(s0), s0)))
                        .min_by(|a, b| a.total_cmp_pair(b))
                        .expect("the point's nearest site")
                }),
            };
            (row, nearest)
        })
        .collect();
    let mut out = Coverage {
        nearest: Vec::with_capacity(points.len()),
        nearest_cost_m: Vec::with_capacity(points.len()),
        by_compound: CoverageMatrix::new(sites_xy.len()),
    };
    for (row, nearest) in rows {
        out.by_compound.push_sorted_row(&row);
        out.nearest.push(nearest.map(|n| n.1));
        out.nearest_cost_m
            .push(nearest.map_or(f64::INFINITY, |n| n.0));
    }
    out
}

/// One access point's coverage list and its nearest `(cost, site)`.
type MeasuredRow = (Vec<(u32, f32)>, Option<(f64, u32)>);

/// Lexicographic order of `(cost, site)` pairs with a total order on the cost.
trait PairOrder {
    fn total_cmp_pair(&self, other: &Self) -> std::cmp::Ordering;
}

impl PairOrder for (f64, u32) {
    fn total_cmp_pair(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0).then(self.1.cmp(&other.1))
    }
}

/// Coverage of `n` compounds from coverage of their access points (`owner`, ascending, from
/// [`Gates::expand`]): per compound and site, the cheapest of its points; the nearest site
/// the cheapest over its points (ties: lowest site).
pub fn reduce(cov: &Coverage, owner: &[u32], n: usize) -> Coverage {
    let mut out = Coverage {
        nearest: vec![None; n],
        nearest_cost_m: vec![f64::INFINITY; n],
        by_compound: CoverageMatrix::new(cov.by_compound.n_cols()),
    };
    let mut row: Vec<(u32, f32)> = Vec::new();
    let mut k = 0;
    for i in 0..n {
        row.clear();
        while k < owner.len() && owner[k] as usize == i {
            let (sites, costs) = cov.by_compound.row(k);
            row.extend(sites.iter().copied().zip(costs.iter().copied()));
            if let Some(s) = cov.nearest[k] {
                let best = (out.nearest_cost_m[i], out.nearest[i].unwrap_or(u32::MAX));
                if (cov.nearest_cost_m[k], s) < best {
                    out.nearest[i] = Some(s);
                    out.nearest_cost_m[i] = cov.nearest_cost_m[k];
                }
            }
            k += 1;
        }
        row.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        row.dedup_by_key(|e| e.0);
        out.by_compound.push_sorted_row(&row);
    }
    out
}

/// A walking run's snap offsets per compound from those of its access points (`owner` as in
/// [`reduce`]): the shortest offset of its points, `None` when none reached a street. The
/// coverage inside is left as it came (the metric hands it over separately).
pub fn reduce_walk(walk: NetworkCoverage, owner: &[u32], n: usize) -> NetworkCoverage {
    let mut snap: Vec<Option<f64>> = vec![None; n];
    for (k, &i) in owner.iter().enumerate() {
        if let Some(d) = walk.compound_snap_m[k] {
            let s = &mut snap[i as usize];
            *s = Some(s.map_or(d, |e: f64| e.min(d)));
        }
    }
    NetworkCoverage {
        coverage: walk.coverage,
        compound_snap_m: snap,
        site_snap_m: walk.site_snap_m,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::euclidean;
    use crate::rng::Rng;

    /// Straight-line coverage through gates against the minimum over every gate and pair.
    #[test]
    fn reduced_coverage_is_the_minimum_over_each_compounds_gates() {
        for seed in 1..=30u64 {
            let mut rng = Rng::new(seed);
            let n = 5 + rng.below(60);
            let cxy: Vec<[f64; 2]> = (0..n)
                .map(|_| [rng.range(0.0, 3000.0), rng.range(0.0, 3000.0)])
                .collect();
            let gates_of: Vec<Vec<[f64; 2]>> = cxy
                .iter()
                .map(|p| {
                    (0..rng.below(4))
                        .map(|_| {
                            [
                                p[0] + rng.range(-200.0, 200.0),
                                p[1] + rng.range(-200.0, 200.0),
                            ]
                        })
                        .collect()
                })
                .collect();
            let m = 1 + rng.below(12);
            let sxy: Vec<[f64; 2]> = (0..m)
                .map(|_| [rng.range(0.0, 3000.0), rng.range(0.0, 3000.0)])
                .collect();
            let budget: Vec<f64> = (0..m).map(|_| rng.range(100.0, 900.0)).collect();
            let gates = Gates::new(&cxy, gates_of.clone());
            let (points, owner) = gates.expand(&cxy);
            let got = reduce(&euclidean(&points, &sxy, &budget), &owner, n);
            for i in 0..n {
                let from: Vec<[f64; 2]> = if gates_of[i].is_empty() {
                    vec![cxy[i]]
                } else {
                    gates_of[i].clone()
                };
                let cost = |s: usize| {
                    (from.iter())
                        .map(|p| (p[0] - sxy[s][0]).hypot(p[1] - sxy[s][1]))
                        .fold(f64::INFINITY, f64::min)
                };
                let want: Vec<u32> = (0..m)
                    .filter(|&s| cost(s) <= budget[s])
                    .map(|s| s as u32)
                    .collect();
                assert_eq!(
                    got.by_compound.row(i).0,
                    &want[..],
                    "seed {seed} compound {i}"
                );
                let nearest = (0..m)
                    .map(|s| (cost(s), s))
                    .fold((f64::INFINITY, 0), |a, x| if x.0 < a.0 { x } else { a });
                let d = got.nearest_cost_m[i];
                assert!((d - nearest.0).abs() < 1e-9, "seed {seed} compound {i}");
                assert_eq!(got.nearest[i], Some(nearest.1 as u32));
            }
        }
    }

    /// On foot: every compound's cost to every site against plain Dijkstra from each of its
    /// gates (no contraction, no multi-source search), through the metric the workflows use
    /// and through the life circle's per-type search.
    #[test]
    fn walking_through_gates_matches_plain_dijkstra_from_every_gate() {
        use crate::coverage::Costs;
        use crate::network::{StreetNetwork, oracle_cost_table};
        use crate::synth::{SynthSpec, generate};
        for seed in 0..6u64 {
            let mut rng = Rng::new(70 + seed);
            let city = generate(&SynthSpec {
                compounds: 100 + rng.below(200),
                centres: 6 + rng.below(20),
                candidates: 0,
                seed,
                origin: (117.0, 31.0),
                box_km: None,
                clusters: None,
            });
            let lines: Vec<Vec<[f64; 2]>> = city.streets.iter().map(|s| s.points.clone()).collect();
            let net = StreetNetwork::from_lines(&lines, None, false);
            let cxy: Vec<[f64; 2]> = city.compounds.iter().map(|c| c.xy).collect();
            let sxy: Vec<[f64; 2]> = city.centres.iter().map(|c| c.xy).collect();
            let gates_of: Vec<Vec<[f64; 2]>> = cxy
                .iter()
                .map(|p| {
                    (0..rng.below(3))
                        .map(|_| {
                            [
                                p[0] + rng.range(-120.0, 120.0),
                                p[1] + rng.range(-120.0, 120.0),
                            ]
                        })
                        .collect()
                })
                .collect();
            let gates = Gates::new(&cxy, gates_of.clone());
            let costs = Costs::Gated {
                gates: &gates,
                network: Some(&net),
                snap_limit_m: 300.0,
            };
            let budget: Vec<f64> = (0..sxy.len()).map(|_| rng.range(300.0, 1200.0)).collect();
            let ids: Vec<String> = (0..sxy.len()).map(|s| format!("s{s}")).collect();
            let (cov, walk) = costs.coverage(&cxy, &sxy, &ids, &budget);
            let walk = walk.expect("walking");
            let site_snaps = net.snap_brute_force(&sxy, 300.0);
            // One plain Dijkstra per site to every access point.
            let (points, owner) = gates.expand(&cxy);
            let point_snaps = net.snap_brute_force(&points, 300.0);
            let table = oracle_cost_table(&net, &point_snaps, &site_snaps);
            for i in 0..cxy.len() {
                let mine: Vec<usize> = (0..points.len())
                    .filter(|&k| owner[k] as usize == i)
                    .collect();
                let cost = |s: usize| {
                    mine.iter()
                        .map(|&k| table[s][k])
                        .fold(f64::INFINITY, f64::min)
                };
                let snaps: Vec<Option<crate::network::Snap>> =
                    mine.iter().map(|&k| point_snaps[k]).collect();
                let (sites, costs_m) = cov.by_compound.row(i);
                let want: Vec<u32> = (0..sxy.len())
                    .filter(|&s| cost(s) <= budget[s])
                    .map(|s| s as u32)
                    .collect();
                // Pairs within a hair of the budget may go either way in f32/f64 rounding.
                let near_edge = (0..sxy.len()).any(|s| (cost(s) - budget[s]).abs() < 1e-3);
                if !near_edge {
                    assert_eq!(sites, &want[..], "seed {seed} compound {i}");
                    for (&s, &c) in sites.iter().zip(costs_m) {
                        assert!(
                            (c as f64 - cost(s as usize)).abs() < 0.01,
                            "seed {seed} {i}"
                        );
                    }
                }
                let nearest = (0..sxy.len()).map(cost).fold(f64::INFINITY, f64::min);
                let got = cov.nearest_cost_m[i];
                assert!(
                    (got - nearest).abs() < 1e-6 || (got.is_infinite() && nearest.is_infinite()),
                    "seed {seed} compound {i}: {got} vs {nearest}"
                );
                let snapped = snaps
                    .iter()
                    .flatten()
                    .map(|s| s.offset_m)
                    .fold(None, |a: Option<f64>, d| Some(a.map_or(d, |e| e.min(d))));
                assert_eq!(walk.compound_snap_m[i], snapped, "seed {seed} compound {i}");
            }
        }
    }

    /// A square outline of side `side` around `p`, turned by `turn` radians.
    fn outline_around(p: [f64; 2], side: f64, turn: f64) -> MultiPolygon<f64> {
        let h = side / 2.0;
        let (c, s) = (turn.cos(), turn.sin());
        let mut ring: Vec<(f64, f64)> = [(-h, -h), (h, -h), (h, h), (-h, h), (-h, -h)]
            .iter()
            .map(|&(x, y)| (p[0] + c * x - s * y, p[1] + s * x + c * y))
            .collect();
        ring.dedup();
        MultiPolygon(vec![geo::Polygon::new(geo::LineString::from(ring), vec![])])
    }

    /// Straight lines from outlines against the distance to every polygon from every site
    /// (sites inside polygons included), mixed with gates and plain points.
    #[test]
    fn outline_coverage_matches_all_pairs() {
        for seed in 1..=30u64 {
            let mut rng = Rng::new(400 + seed);
            let n = 5 + rng.below(50);
            let cxy: Vec<[f64; 2]> = (0..n)
                .map(|_| [rng.range(0.0, 3000.0), rng.range(0.0, 3000.0)])
                .collect();
            let gates_of: Vec<Vec<[f64; 2]>> = (0..n)
                .map(|i| match rng.below(4) {
                    0 => vec![[cxy[i][0] + 50.0, cxy[i][1]]],
                    _ => Vec::new(),
                })
                .collect();
            let outlines: Vec<Option<MultiPolygon<f64>>> = (0..n)
                .map(|i| {
                    (rng.below(3) > 0).then(|| {
                        outline_around(cxy[i], rng.range(20.0, 600.0), rng.range(0.0, 3.0))
                    })
                })
                .collect();
            let m = 1 + rng.below(15);
            let mut sxy: Vec<[f64; 2]> = (0..m)
                .map(|_| [rng.range(0.0, 3000.0), rng.range(0.0, 3000.0)])
                .collect();
            sxy.push([cxy[0][0] + 3.0, cxy[0][1] - 2.0]); // inside compound 0's outline, if any
            let budget: Vec<f64> = (0..sxy.len()).map(|_| rng.range(50.0, 700.0)).collect();
            let gates = Gates::new(&cxy, gates_of.clone()).with_outlines(&cxy, outlines.clone());
            let (points, owner) = gates.expand(&cxy);
            let cov = outline_coverage(&gates, (&points, &owner, &cxy), &sxy, &budget);
            let got = reduce(&cov, &owner, n);
            for i in 0..n {
                let cost = |s: usize| -> f64 {
                    if !gates_of[i].is_empty() {
                        let g = gates_of[i][0];
                        (g[0] - sxy[s][0]).hypot(g[1] - sxy[s][1])
                    } else if let Some(o) = &outlines[i] {
                        crate::outline::distance(o, sxy[s])
                    } else {
                        (cxy[i][0] - sxy[s][0]).hypot(cxy[i][1] - sxy[s][1])
                    }
                };
                let want: Vec<u32> = (0..sxy.len())
                    .filter(|&s| cost(s) <= budget[s])
                    .map(|s| s as u32)
                    .collect();
                let near_edge = (0..sxy.len()).any(|s| (cost(s) - budget[s]).abs() < 1e-6);
                if !near_edge {
                    assert_eq!(
                        got.by_compound.row(i).0,
                        &want[..],
                        "seed {seed} compound {i}"
                    );
                }
                let nearest = (0..sxy.len()).map(cost).fold(f64::INFINITY, f64::min);
                let d = got.nearest_cost_m[i];
                assert!(
                    (d - nearest).abs() < 1e-6,
                    "seed {seed} compound {i}: {d} vs {nearest}"
                );
            }
        }
    }
}
