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
    /// From the nearest of the compound's gates (compounds without one: their point).
    Gates,
    /// From the compound's point (a polygon's point inside it).
    #[default]
    Point,
}

impl Access {
    /// `gates` or `point`.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Gates => "gates",
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
}
