//! What each compound reaches (nearest site, its cost, how many sites and which site classes
//! are within budget) and what each site serves, without storing the compound × site pairs.
//! Straight-line coverage streams over the pairs ([`stream_euclidean`]); the network and
//! matrix metrics read the same figures off their coverage matrix ([`Reach::from_coverage`]).

use rayon::prelude::*;

use super::{CentreLoad, Coverage};
use crate::index::{GridPoint, PointGrid, SiteTree, plane_dist};

mod sites;

/// Compounds per parallel task.
const CHUNK: usize = 1024;

/// Up to this many site classes, the site pass counts the sites reaching each compound per
/// class (one difference array per class), and the compound pass only finds the nearest.
const COUNTED_CLASSES: usize = 8;

/// Sites grouped into classes (centre levels) that share one budget.
#[derive(Debug, Clone, Copy)]
pub struct SiteClasses<'a> {
    /// The class of each site.
    pub of_site: &'a [u32],
    /// Each class's budget, metres.
    pub budget_m: &'a [f64],
}

impl SiteClasses<'_> {
    fn budget_of(&self, site: usize) -> f64 {
        self.budget_m[self.of_site[site] as usize]
    }

    /// The largest budget of any site (0 without sites).
    fn max_budget(&self) -> f64 {
        self.of_site
            .iter()
            .map(|&c| self.budget_m[c as usize])
            .fold(0.0, f64::max)
    }
}

/// Per-compound reach and per-site load of one coverage run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reach {
    /// For each compound, the site with the lowest cost (ties: lowest site index), whether
    /// within budget or not; `None` when no site is reachable at all.
    pub nearest: Vec<Option<u32>>,
    /// For each compound, the cost in metres to `nearest` (`f64::INFINITY` when none).
    pub nearest_cost_m: Vec<f64>,
    /// For each compound, the site that serves it: `nearest` when that site reaches it within
    /// its budget, else (with per-level radii) the reaching site of least cost (as stored in
    /// `f32`; ties: lowest index); `None` when no site reaches it.
    pub serving: Vec<Option<u32>>,
    /// For each compound, the cost in metres to `serving` (`f64::INFINITY` when none).
    pub serving_cost_m: Vec<f64>,
    /// For each compound, how many sites reach it within their budget.
    within: Vec<u32>,
    /// `classes[class_start[i]..class_start[i + 1]]`: the classes with a site reaching
    /// compound `i`, ascending.
    class_start: Vec<usize>,
    classes: Vec<u32>,
    /// What each site serves, in site order.
    pub loads: Vec<CentreLoad>,
}

impl Reach {
    /// Number of compounds.
    pub fn len(&self) -> usize {
        self.nearest.len()
    }

    /// True when there are no compounds.
    pub fn is_empty(&self) -> bool {
        self.nearest.is_empty()
    }

    /// True when at least one site reaches compound `i` within its budget.
    pub fn is_covered(&self, i: usize) -> bool {
        self.within[i] > 0
    }

    /// How many sites reach compound `i` within their budget.
    pub fn sites_within(&self, i: usize) -> usize {
        self.within[i] as usize
    }

    /// Covered flags for all compounds.
    pub fn covered(&self) -> Vec<bool> {
        self.within.iter().map(|&w| w > 0).collect()
    }

    /// The site classes with a site reaching compound `i`, ascending.
    pub fn classes_of(&self, i: usize) -> &[u32] {
        &self.classes[self.class_start[i]..self.class_start[i + 1]]
    }

    /// Reads the reach off a coverage matrix (network and matrix metrics, and the oracle for
    /// [`stream_euclidean`]). `class_of_site` gives each site's class; `population` weighs
    /// the loads.
    pub fn from_coverage(coverage: &Coverage, class_of_site: &[u32], population: &[f64]) -> Reach {
        let n_sites = coverage.by_compound.n_cols();
        let mut reach = Reach {
            nearest: coverage.nearest.clone(),
            nearest_cost_m: coverage.nearest_cost_m.clone(),
            class_start: vec![0],
            loads: vec![CentreLoad::default(); n_sites],
            ..Reach::default()
        };
        let mut nearest_covers = Vec::with_capacity(coverage.len());
        for (i, &pop) in population.iter().enumerate().take(coverage.len()) {
            let sites = coverage.by_compound.row(i).0;
            reach.within.push(sites.len() as u32);
            let start = reach.classes.len();
            reach
                .classes
                .extend(sites.iter().map(|&s| class_of_site[s as usize]));
            reach.classes[start..].sort_unstable();
            let mut kept = start;
            for k in start..reach.classes.len() {
                if k == start || reach.classes[k] != reach.classes[kept - 1] {
                    reach.classes[kept] = reach.classes[k];
                    kept += 1;
                }
            }
            reach.classes.truncate(kept);
            reach.class_start.push(kept);
            for &s in sites {
                let l = &mut reach.loads[s as usize];
                l.served_compounds += 1;
                l.served_population += pop;
            }
            let covers = coverage.nearest[i].is_some_and(|s| sites.binary_search(&s).is_ok());
            nearest_covers.push(covers);
            if !covers && !sites.is_empty() {
                let costs = coverage.by_compound.row(i).1;
                let best = sites
                    .iter()
                    .zip(costs)
                    .min_by(|a, b| a.1.total_cmp(b.1).then(a.0.cmp(b.0)))
                    .expect("a reaching site");
                reach.serving.push(Some(*best.0));
                reach.serving_cost_m.push(f64::from(*best.1));
            } else {
                reach.serving.push(None);
                reach.serving_cost_m.push(f64::INFINITY);
            }
        }
        reach.set_nearest_serving(&nearest_covers);
        reach.add_serving_population(population);
        reach
    }

    /// Where the nearest site reaches the compound, it serves it (in parallel).
    fn set_nearest_serving(&mut self, nearest_covers: &[bool]) {
        (self.serving.par_iter_mut())
            .zip(&mut self.serving_cost_m)
            .zip(&self.nearest)
            .zip(&self.nearest_cost_m)
            .zip(nearest_covers)
            .for_each(|((((serving, cost), &nearest), &nearest_cost), &covers)| {
                if covers {
                    (*serving, *cost) = (nearest, nearest_cost);
                }
            });
    }

    /// Adds each covered compound's population to its serving site, in compound order.
    fn add_serving_population(&mut self, population: &[f64]) {
        for (i, s) in self.serving.iter().enumerate() {
            if let Some(s) = s {
                self.loads[*s as usize].nearest_population += population[i];
            }
        }
    }
}

/// What the streaming pass learns about one compound.
#[derive(Debug, Clone, Default)]
struct CompoundReach {
    nearest: Option<u32>,
    cost_m: f64,
    nearest_covers: bool,
    within: u32,
    /// Classes reaching the compound as bits (when there are at most 64 classes)…
    mask: u64,
    /// …or as a list (more classes).
    classes: Vec<u32>,
}

/// The fixed inputs of the streaming passes.
struct Stream<'a> {
    sites: &'a [[f64; 2]],
    grid: PointGrid,
    tree: SiteTree,
    classes: SiteClasses<'a>,
    /// Per class, squared budgets below which (`lo`) a pair is surely within and above which
    /// (`hi`) surely not; in between, the exact `sqrt(d2) <= budget` test decides.
    lo2: Vec<f64>,
    hi2: Vec<f64>,
    max_budget: f64,
    /// Per site-grid cell: the classes in it as bits (when they fit).
    cell_mask: Vec<u64>,
    /// The least `lo2`: cells nearer than that are inside every site's circle.
    lo2_min: f64,
}

/// Straight-line reach of `compounds` by `sites` (metres on one plane): site `s` reaches
/// compound `i` when their distance is `<=` its class's budget. Two parallel passes, one
/// over compounds and one over sites, each in grid order; cells wholly inside a circle are
/// counted without distance tests, and nothing is stored per pair, so memory grows with
/// compounds + sites. Identical to `Reach::from_coverage(&euclidean(..))` (the oracle tests
/// hold it to that) and independent of the thread count.
///
/// # Panics
/// When `classes.of_site.len() != sites.len()`, `population.len() != compounds.len()`, or a
/// class has no budget.
pub fn stream_euclidean(
    compounds: &[[f64; 2]],
    sites: &[[f64; 2]],
    classes: SiteClasses<'_>,
    population: &[f64],
) -> Reach {
    assert_eq!(classes.of_site.len(), sites.len(), "one class per site");
    assert_eq!(
        population.len(),
        compounds.len(),
        "one population per compound"
    );
    // Compound cells about 8 points each at mean density: the site pass's cost per row and
    // per point tested balance there (measured on the dense and the sparse synthetic city).
    // The two grids are built at once (each build is serial).
    let side = PointGrid::cell_for(compounds, classes.max_budget(), 8.0);
    let (stream, order) = rayon::join(
        || Stream::new(sites, classes),
        || PointGrid::new(compounds, side),
    );
    // Few classes: the site pass counts who reaches each compound, so the compound pass
    // only looks for the nearest site. Many classes: the compound pass does both.
    let counted = classes.budget_m.len() <= COUNTED_CLASSES;
    let (loads, slot_reach) = stream.site_pass(&order, population, counted);
    let found = stream.compounds_pass(order.points(), counted);
    // The pass's results are in grid order; each column is gathered in compound order in
    // parallel through the inverse permutation (a serial scatter was a tenth of the run).
    let mut slot_of = vec![0u32; compounds.len()];
    for (k, q) in order.points().iter().enumerate() {
        slot_of[q.index as usize] = k as u32;
    }
    let at = |k: u32| &found[k as usize / CHUNK][k as usize % CHUNK];
    let (within, masks): (Vec<u32>, Vec<u64>) = match &slot_reach {
        Some(slot_reach) => slot_of.par_iter().map(|&k| slot_reach[k as usize]).unzip(),
        None => slot_of
            .par_iter()
            .map(|&k| (at(k).within, at(k).mask))
            .unzip(),
    };
    let nearest_covers: Vec<bool> = slot_of.par_iter().map(|&k| at(k).nearest_covers).collect();
    let mut reach = Reach {
        nearest: slot_of.par_iter().map(|&k| at(k).nearest).collect(),
        nearest_cost_m: slot_of.par_iter().map(|&k| at(k).cost_m).collect(),
        serving: Vec::new(),
        serving_cost_m: Vec::new(),
        within,
        class_start: Vec::new(),
        classes: Vec::new(),
        loads,
    };
    // Classes per compound as bits (at most 64 classes), or as lists beyond that.
    let lists: Vec<&[u32]> = if found.iter().flatten().any(|c| !c.classes.is_empty()) {
        (slot_of.iter())
            .map(|&k| at(k).classes.as_slice())
            .collect()
    } else {
        Vec::new()
    };
    (reach.class_start, reach.classes) = class_lists(&masks, &lists);
    reach.serving = vec![None; compounds.len()];
    reach.serving_cost_m = vec![f64::INFINITY; compounds.len()];
    reach.set_nearest_serving(&nearest_covers);
    stream.serve_the_rest(compounds, &mut reach, &nearest_covers);
    reach.add_serving_population(population);
    reach
}

/// `class_start` and `classes` of a [`Reach`] from each compound's class bits (`masks`), or
/// from its class list where `lists` is not empty (more than 64 classes); parallel in chunks.
fn class_lists(masks: &[u64], lists: &[&[u32]]) -> (Vec<usize>, Vec<u32>) {
    let chunks: Vec<(Vec<usize>, Vec<u32>)> = (0..masks.len())
        .into_par_iter()
        .chunks(1 << 14)
        .map(|chunk| {
            let (mut ends, mut classes) = (Vec::with_capacity(chunk.len()), Vec::new());
            for i in chunk {
                let mut m = masks[i];
                if m == 0 {
                    classes.extend(lists.get(i).copied().unwrap_or_default());
                }
                // The set bits, lowest first.
                while m != 0 {
                    classes.push(m.trailing_zeros());
                    m &= m - 1;
                }
                ends.push(classes.len());
            }
            (ends, classes)
        })
        .collect();
    let mut class_start = Vec::with_capacity(masks.len() + 1);
    class_start.push(0);
    let mut classes = Vec::with_capacity(chunks.iter().map(|c| c.1.len()).sum());
    for (ends, part) in chunks {
        let base = classes.len();
        class_start.extend(ends.iter().map(|e| base + e));
        classes.extend(part);
    }
    (class_start, classes)
}

impl<'a> Stream<'a> {
    fn new(sites: &'a [[f64; 2]], classes: SiteClasses<'a>) -> Self {
        let max_budget = classes.max_budget();
        let grid = PointGrid::with_tags(
            sites,
            classes.of_site,
            PointGrid::cell_for(sites, max_budget, 2.0),
        );
        let lo2: Vec<f64> = classes
            .budget_m
            .iter()
            .map(|b| b * b * (1.0 - 1e-12))
            .collect();
        let hi2: Vec<f64> = classes
            .budget_m
            .iter()
            .map(|b| b * b * (1.0 + 1e-12))
            .collect();
        let bits = classes.budget_m.len() <= 64;
        let mut cell_mask = vec![0u64; if bits { grid.n_cells() } else { 0 }];
        for (cell, mask) in cell_mask.iter_mut().enumerate() {
            for q in &grid.points()[grid.cell_slots(cell)] {
                *mask |= 1 << q.tag;
            }
        }
        Stream {
            sites,
            tree: SiteTree::new(sites),
            grid,
            classes,
            lo2: lo2.clone(),
            hi2,
            max_budget,
            cell_mask,
            lo2_min: lo2.iter().copied().fold(f64::INFINITY, f64::min),
        }
    }

    /// The serving site of each covered compound whose nearest site does not reach it (only
    /// with per-level radii): the reaching site of least cost, as the matrix path stores it
    /// (`f32`), ties by index.
    fn serve_the_rest(&self, compounds: &[[f64; 2]], reach: &mut Reach, nearest_covers: &[bool]) {
        let rest: Vec<usize> = (0..compounds.len())
            .filter(|&i| reach.within[i] > 0 && !nearest_covers[i])
            .collect();
        let found: Vec<(u32, f32)> = rest
            .par_iter()
            .map(|&i| {
                let mut best = (f32::INFINITY, u32::MAX);
                self.grid
                    .for_each_near(compounds[i], self.max_budget, |_, q, d2| {
                        let d = d2.sqrt() as f32;
                        if self.inside(q.tag, d2) && (d, q.index) < best {
                            best = (d, q.index);
                        }
                    });
                (best.1, best.0)
            })
            .collect();
        for (&i, (s, d)) in rest.iter().zip(found) {
            reach.serving[i] = (s != u32::MAX).then_some(s);
            reach.serving_cost_m[i] = f64::from(d);
        }
    }

    /// True when `d2` (a squared distance) is within the budget of class `class`, by the
    /// same `sqrt(d2) <= budget` test the matrix path makes.
    fn inside(&self, class: u32, d2: f64) -> bool {
        let c = class as usize;
        d2 <= self.lo2[c] || (d2 <= self.hi2[c] && d2.sqrt() <= self.classes.budget_m[c])
    }

    /// The pass over compounds, in grid order, in parallel chunks of [`CHUNK`] collected in
    /// order: slot `k`'s result is `[k / CHUNK][k % CHUNK]`.
    fn compounds_pass(&self, order: &[GridPoint], nearest_only: bool) -> Vec<Vec<CompoundReach>> {
        order
            .par_chunks(CHUNK)
            .map(|chunk| {
                // Neighbours in grid order: the previous compound's nearest site bounds this
                // one's nearest distance.
                let mut hint = None;
                chunk
                    .iter()
                    .map(|p| {
                        let c = self.compound(p, nearest_only, hint);
                        hint = c.nearest;
                        c
                    })
                    .collect()
            })
            .collect()
    }

    /// Everything about one compound: its nearest site and the sites within budget.
    fn compound(&self, p: &GridPoint, nearest_only: bool, hint: Option<u32>) -> CompoundReach {
        let mut out = CompoundReach::default();
        if !nearest_only {
            self.reach_of(p, &mut out);
        }
        self.nearest_of(p, hint, &mut out);
        out
    }

    /// The sites within budget of compound `p`: their count and classes.
    fn reach_of(&self, p: &GridPoint, out: &mut CompoundReach) {
        let bits = self.classes.budget_m.len() <= 64;
        let single = self.classes.budget_m.len() == 1;
        let inside_2 = if bits { self.lo2_min } else { -1.0 };
        let mut within = 0u32;
        let mut mask = 0u64;
        let mut classes = Vec::new();
        self.grid
            .for_each_row_near(p.xy, self.max_budget, inside_2, |cells, slots, whole| {
                if whole {
                    within += slots.len() as u32;
                    mask |= if single {
                        1
                    } else {
                        self.cell_mask[cells].iter().fold(0, |m, c| m | c)
                    };
                    return;
                }
                for q in &self.grid.points()[slots] {
                    let d2 = (q.xy[0] - p.xy[0]).powi(2) + (q.xy[1] - p.xy[1]).powi(2);
                    if self.inside(q.tag, d2) {
                        within += 1;
                        if bits {
                            mask |= 1 << q.tag;
                        } else if !classes.contains(&q.tag) {
                            classes.push(q.tag);
                        }
                    }
                }
            });
        (out.within, out.mask, out.classes) = (within, mask, classes);
        out.classes.sort_unstable();
    }

    /// The nearest site of compound `p` (lowest index on ties) and whether it reaches it.
    /// `hint`, a site near `p` (the previous compound's nearest), bounds the search: every
    /// site nearer than it lies within its distance, so one grid search within that distance
    /// finds the nearest, unless the hint is far.
    fn nearest_of(&self, p: &GridPoint, hint: Option<u32>, out: &mut CompoundReach) {
        let bound = hint.map(|s| plane_dist(p.xy, self.sites[s as usize]));
        let best = match bound {
            Some(b) if b <= 2.0 * self.max_budget => self.grid.nearest_within(p.xy, b),
            _ => self.grid.nearest_within(p.xy, self.max_budget),
        }
        .or_else(|| self.tree.nearest(p.xy))
        .unwrap_or((f64::INFINITY, u32::MAX));
        if best.1 != u32::MAX {
            out.nearest = Some(best.1);
            out.nearest_covers = best.0 <= self.classes.budget_of(best.1 as usize);
        }
        out.cost_m = best.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::euclidean;
    use crate::rng::Rng;

    fn snapped_points(rng: &mut Rng, n: usize, size: f64) -> Vec<[f64; 2]> {
        (0..n)
            .map(|_| {
                let (x, y) = (rng.range(0.0, size), rng.range(0.0, size));
                [(x / 10.0).round() * 10.0, (y / 10.0).round() * 10.0]
            })
            .collect()
    }

    /// Streaming against the matrix path on one random city.
    fn check_city(seed: u64, fractional: bool) {
        let mut rng = Rng::new(seed);
        let n = 1 + rng.below(3000);
        let m = 1 + rng.below(300);
        let size = [2000.0, 8000.0, 30_000.0][rng.below(3)];
        let compounds = snapped_points(&mut rng, n, size);
        let sites = snapped_points(&mut rng, m, size);
        let class_budget = [300.0, 500.0, 1000.0];
        let n_classes = 1 + rng.below(3);
        let of_site: Vec<u32> = (0..m).map(|_| rng.below(n_classes) as u32).collect();
        let population: Vec<f64> = (0..n)
            .map(|_| {
                let p = rng.range(0.0, 3000.0);
                if fractional { p } else { p.round() }
            })
            .collect();
        let classes = SiteClasses {
            of_site: &of_site,
            budget_m: &class_budget[..n_classes],
        };
        let budget: Vec<f64> = of_site.iter().map(|&c| class_budget[c as usize]).collect();
        let streamed = stream_euclidean(&compounds, &sites, classes, &population);
        let matrix = Reach::from_coverage(
            &euclidean(&compounds, &sites, &budget),
            &of_site,
            &population,
        );
        assert_eq!(
            streamed, matrix,
            "seed {seed}: n={n} m={m} fractional={fractional}"
        );
        check_serving(&streamed, &compounds, &sites, &budget, &population);
    }

    /// Every covered compound is served once, by the reaching site of least cost (brute
    /// force), and the loads add up to the covered population.
    fn check_serving(
        r: &Reach,
        compounds: &[[f64; 2]],
        sites: &[[f64; 2]],
        budget: &[f64],
        pop: &[f64],
    ) {
        let mut covered = 0.0;
        for (i, p) in compounds.iter().enumerate() {
            let reaching: Vec<(f64, u32)> = (0..sites.len())
                .map(|s| {
                    (
                        ((p[0] - sites[s][0]).powi(2) + (p[1] - sites[s][1]).powi(2)).sqrt(),
                        s as u32,
                    )
                })
                .filter(|&(d, s)| d <= budget[s as usize])
                .collect();
            let Some(best) = reaching
                .iter()
                .map(|&(d, s)| (d as f32, s))
                .reduce(|a, b| if b < a { b } else { a })
            else {
                assert_eq!(r.serving[i], None);
                continue;
            };
            covered += pop[i];
            let s = r.serving[i].expect("a covered compound has a serving site");
            let d = reaching
                .iter()
                .find(|x| x.1 == s)
                .expect("the serving site reaches it")
                .0;
            assert!(
                d as f32 <= best.0,
                "compound {i}: served at {d}, {best:?} is nearer"
            );
        }
        let loads: f64 = r.loads.iter().map(|l| l.nearest_population).sum();
        assert!(
            (loads - covered).abs() <= 1e-6 * covered.max(1.0),
            "{loads} vs {covered}"
        );
    }

    #[test]
    fn streaming_matches_the_matrix_path_with_whole_populations() {
        for seed in 0..40 {
            check_city(seed, false);
        }
    }

    #[test]
    fn streaming_matches_the_matrix_path_with_fractional_populations() {
        for seed in 100..130 {
            check_city(seed, true);
        }
    }

    #[test]
    fn streaming_matches_the_matrix_path_with_more_classes_than_bits() {
        let mut rng = Rng::new(77);
        let compounds = snapped_points(&mut rng, 2000, 3000.0);
        let sites = snapped_points(&mut rng, 400, 3000.0);
        let of_site: Vec<u32> = (0..400).map(|s| (s % 70) as u32).collect();
        let class_budget: Vec<f64> = (0..70).map(|c| 200.0 + 10.0 * c as f64).collect();
        let population: Vec<f64> = (0..2000).map(|i| (i % 13) as f64).collect();
        let budget: Vec<f64> = of_site.iter().map(|&c| class_budget[c as usize]).collect();
        let classes = SiteClasses {
            of_site: &of_site,
            budget_m: &class_budget,
        };
        let streamed = stream_euclidean(&compounds, &sites, classes, &population);
        let cov = euclidean(&compounds, &sites, &budget);
        assert_eq!(streamed, Reach::from_coverage(&cov, &of_site, &population));
    }

    #[test]
    fn point_exactly_on_the_radius_is_covered_and_counted() {
        let sites = [[0.0, 0.0], [1000.0, 0.0]];
        let compounds = [
            [300.0, 0.0],
            [180.0, 240.0],
            [300.0000001, 0.0],
            [700.0, 0.0],
        ];
        let classes = SiteClasses {
            of_site: &[0, 0],
            budget_m: &[300.0],
        };
        let r = stream_euclidean(&compounds, &sites, classes, &[1.0, 2.0, 4.0, 8.0]);
        assert_eq!(r.covered(), vec![true, true, false, true]);
        assert_eq!(r.loads[0].served_population, 3.0);
        assert_eq!(r.loads[1].served_population, 8.0);
        assert_eq!(r.nearest_cost_m[1], 300.0);
    }

    #[test]
    fn same_result_on_one_thread_and_many() {
        let mut rng = Rng::new(9);
        let compounds = snapped_points(&mut rng, 30_000, 10_000.0);
        let sites = snapped_points(&mut rng, 2_000, 10_000.0);
        let of_site: Vec<u32> = (0..2000).map(|s| (s % 2) as u32).collect();
        let population: Vec<f64> = (0..30_000).map(|i| (i % 97) as f64 + 0.25).collect();
        let run = |threads: usize| {
            let classes = SiteClasses {
                of_site: &of_site,
                budget_m: &[500.0, 800.0],
            };
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| stream_euclidean(&compounds, &sites, classes, &population))
        };
        assert_eq!(run(1), run(4));
    }
}
