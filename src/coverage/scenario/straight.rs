//! `compare` under the straight-line metric: each scenario measured alone on the compounds
//! its changed sites reach, from the baseline's reach (who serves each compound, which levels
//! reach it) and nearest searches only where a closure matters. Nothing lists every site
//! reaching a compound, so a dense city (hundreds of centres per circle) costs what the
//! changed sites reach, not what the whole city holds.

use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::GeomWithData;

use super::{Evaluated, LevelIndex, Open, Scenario, Sites, changed_sites};
use crate::coverage::Analysis;
use crate::index::PointGrid;

type Tree = RTree<GeomWithData<[f64; 2], u32>>;

/// A changed site reaching a compound: `(compound, site, distance_m)`.
type Hit = (u32, u32, f64);

/// What every scenario of a straight-line comparison reads.
pub(super) struct Straight<'a> {
    analysis: &'a Analysis,
    sites: &'a Sites<'a>,
    levels: &'a LevelIndex,
    /// Every changed site reaching a compound, by compound then site.
    hits: Vec<Hit>,
    /// The baseline centres, for the nearest open one.
    all: Tree,
    /// The baseline centres of each level (by level index), for the nearest open one.
    by_level: Vec<Tree>,
    /// The largest baseline budget, metres.
    max_budget: f64,
}

fn tree(sites: &Sites, keep: impl Fn(usize) -> bool) -> Tree {
    RTree::bulk_load(
        (0..sites.n_base)
            .filter(|&s| keep(s))
            .map(|s| GeomWithData::new(sites.xy[s], s as u32))
            .collect(),
    )
}

impl<'a> Straight<'a> {
    pub(super) fn new(
        analysis: &'a Analysis,
        sites: &'a Sites<'a>,
        levels: &'a LevelIndex,
        scenarios: &[Scenario],
    ) -> Self {
        let changed = changed_sites(sites, scenarios);
        let reach = changed
            .iter()
            .map(|&s| sites.budget_m[s])
            .fold(0.0, f64::max);
        let cell = PointGrid::cell_for(&analysis.compounds_xy, reach.max(1.0), 8.0);
        let grid = PointGrid::new(&analysis.compounds_xy, cell);
        let per_site: Vec<Vec<(u32, f64)>> = changed
            .par_iter()
            .map(|&s| {
                let mut v = Vec::new();
                grid.for_each_within(sites.xy[s], sites.budget_m[s], |_, q, d| {
                    v.push((q.index, d));
                });
                v
            })
            .collect();
        let hits = by_compound(analysis.compounds_xy.len(), &changed, &per_site);
        let by_level = (0..levels.names.len() as u32)
            .map(|l| tree(sites, |s| levels.of_site[s] == l))
            .collect();
        Straight {
            analysis,
            sites,
            levels,
            hits,
            all: tree(sites, |_| true),
            by_level,
            max_budget: sites.budget_m[..sites.n_base]
                .iter()
                .copied()
                .fold(0.0, f64::max),
        }
    }

    /// Scenario `k` on the compounds its own changed sites reach.
    pub(super) fn evaluate(&self, k: usize, scenario: &Scenario) -> Evaluated {
        let open = Open::new(self.sites, Some((k, scenario)));
        let n_base = self.sites.n_base;
        // A changed site matters here when this scenario closes or adds it.
        let matters = |s: u32| ((s as usize) < n_base) != open.is_open(s);
        let mine: Vec<Hit> = self.hits.iter().copied().filter(|h| matters(h.1)).collect();
        // Each compound's hits are one run of `mine`.
        let mut starts: Vec<usize> = (0..mine.len())
            .filter(|&i| i == 0 || mine[i].0 != mine[i - 1].0)
            .collect();
        starts.push(mine.len());
        let rows: Vec<Row> = starts
            .par_windows(2)
            .map(|w| self.compound(&open, mine[w[0]].0, &mine[w[0]..w[1]]))
            .collect();
        let mut e = Evaluated {
            open,
            affected: starts[..starts.len() - 1]
                .iter()
                .map(|&i| mine[i].0)
                .collect(),
            base_serving: Vec::with_capacity(rows.len()),
            serving: Vec::with_capacity(rows.len()),
            base_levels: Vec::with_capacity(rows.len()),
            levels: Vec::with_capacity(rows.len()),
        };
        for r in rows {
            e.base_serving.push(r.base_serving);
            e.serving.push(r.serving);
            e.base_levels.push(r.base_levels);
            e.levels.push(r.levels);
        }
        e
    }

    /// One compound under the scenario, given the changed sites reaching it.
    fn compound(&self, open: &Open, c: u32, hits: &[Hit]) -> Row {
        let (reach, i) = (&self.analysis.coverage, c as usize);
        let p = self.analysis.compounds_xy[i];
        let n_base = self.sites.n_base;
        let mut base_levels: Vec<u32> = reach
            .classes_of(i)
            .iter()
            .map(|&k| self.levels.of_class[k as usize])
            .collect();
        base_levels.sort_unstable();
        let mut levels = base_levels.clone();
        // A level a closed site gave keeps only when another open site of it reaches.
        let mut checked: Vec<u32> = Vec::new();
        for &(_, s, _) in hits.iter().filter(|h| (h.1 as usize) < n_base) {
            let l = self.levels.of_site[s as usize];
            if !checked.contains(&l) && levels.contains(&l) {
                checked.push(l);
                if !self.level_reaches(open, l, p) {
                    levels.retain(|&x| x != l);
                }
            }
        }
        let mut best = match reach.serving[i] {
            Some(b) if open.is_open(b) => Some((reach.serving_cost_m[i], b)),
            Some(_) => self.nearest_open(open, p),
            None => None,
        };
        for &(_, s, d) in hits.iter().filter(|h| h.1 as usize >= n_base) {
            levels.push(self.levels.of_site[s as usize]);
            if best.is_none_or(|b| (d, s) < b) {
                best = Some((d, s));
            }
        }
        levels.sort_unstable();
        levels.dedup();
        Row {
            base_serving: reach.serving[i],
            serving: best.map(|b| b.1),
            base_levels,
            levels,
        }
    }

    /// True when an open baseline centre of level `l` reaches `p` within its budget.
    fn level_reaches(&self, open: &Open, l: u32, p: [f64; 2]) -> bool {
        let tree = &self.by_level[l as usize];
        let dist = |q: &GeomWithData<[f64; 2], u32>| {
            ((q.geom()[0] - p[0]).powi(2) + (q.geom()[1] - p[1]).powi(2)).sqrt()
        };
        // Usually the nearest centre of the level is open: one query, no heap.
        match tree.nearest_neighbor(&p) {
            None => return false,
            Some(q) if open.is_open(q.data) => {
                return dist(q) <= self.sites.budget_m[q.data as usize];
            }
            Some(_) => {}
        }
        for q in tree.nearest_neighbor_iter(&p) {
            let s = q.data;
            if open.is_open(s) {
                let d = ((q.geom()[0] - p[0]).powi(2) + (q.geom()[1] - p[1]).powi(2)).sqrt();
                return d <= self.sites.budget_m[s as usize];
            }
        }
        false
    }

    /// The nearest open baseline centre reaching `p` within its own budget, as `(distance_m,
    /// site)`, lowest index on ties.
    fn nearest_open(&self, open: &Open, p: [f64; 2]) -> Option<(f64, u32)> {
        let mut best: Option<(f64, u32)> = None;
        for q in self.all.nearest_neighbor_iter(&p) {
            let d = ((q.geom()[0] - p[0]).powi(2) + (q.geom()[1] - p[1]).powi(2)).sqrt();
            if d > self.max_budget || best.is_some_and(|b| d > b.0) {
                break;
            }
            let s = q.data;
            if open.is_open(s)
                && d <= self.sites.budget_m[s as usize]
                && best.is_none_or(|b| (d, s) < b)
            {
                best = Some((d, s));
            }
        }
        best
    }
}

/// The hits ordered by compound, then site (a counting sort: sites are visited in ascending
/// order, so each compound's run comes out sorted by site).
fn by_compound(n: usize, changed: &[usize], per_site: &[Vec<(u32, f64)>]) -> Vec<Hit> {
    let mut start = vec![0usize; n + 1];
    for v in per_site {
        for &(c, _) in v {
            start[c as usize + 1] += 1;
        }
    }
    for c in 0..n {
        start[c + 1] += start[c];
    }
    let mut hits = vec![(0u32, 0u32, 0.0f64); start[n]];
    for (&s, v) in changed.iter().zip(per_site) {
        for &(c, d) in v {
            let at = &mut start[c as usize];
            hits[*at] = (c, s as u32, d);
            *at += 1;
        }
    }
    hits
}

/// One affected compound's figures.
struct Row {
    base_serving: Option<u32>,
    serving: Option<u32>,
    base_levels: Vec<u32>,
    levels: Vec<u32>,
}
