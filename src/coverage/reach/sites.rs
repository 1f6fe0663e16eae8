//! The pass over sites: what each site serves and, when asked, how many sites (and which
//! classes) reach each compound. With whole-number populations it runs row by row over the
//! compound grid, every site near a row visiting that row while the row is in cache; with
//! fractional populations it runs site by site, summing each site's compounds in ascending
//! index order as the matrix path does.

use std::ops::Range;
use std::sync::Mutex;

use rayon::prelude::*;

use super::super::CentreLoad;
use super::Stream;
use crate::index::{GridPoint, PointGrid};

/// Per slot of the compound grid: how many sites reach the compound, and their classes as
/// bits.
pub(super) type SlotReach = Vec<(u32, u64)>;

/// Compound populations in the compound grid's slot order, when every population is a whole
/// number and their total fits a double's integers: they are summed as integers, exact in any
/// order (a run of slots adds its running total at once, threads add in any order) and exact
/// again as a double at the end.
struct SlotPopulation {
    /// Population of each slot.
    each: Vec<i64>,
    /// Running totals: `running[k]` sums the first `k` slots.
    running: Vec<i64>,
}

impl SlotPopulation {
    /// `None` when some population is fractional or their total is too large to sum exactly.
    fn new(compounds: &PointGrid, population: &[f64]) -> Option<SlotPopulation> {
        let total: f64 = population.iter().map(|p| p.abs()).sum();
        if total > 2f64.powi(53) || population.iter().any(|p| p.fract() != 0.0) {
            return None;
        }
        let each: Vec<i64> = compounds
            .points()
            .iter()
            .map(|q| population[q.index as usize] as i64)
            .collect();
        let mut running = Vec::with_capacity(each.len() + 1);
        running.push(0);
        running.extend(each.iter().scan(0, |acc, p| {
            *acc += p;
            Some(*acc)
        }));
        Some(SlotPopulation { each, running })
    }
}

/// Adds `w` (±1) per point of a run that passes `inside`: returns the count and population
/// added and, with `d` (the run's slots and one more), adds `w` where a run of passing slots
/// starts and `-w` past its end. No branch depends on the test.
fn tally(
    points: &[GridPoint],
    pops: &[i64],
    d: Option<&mut [i32]>,
    w: i32,
    mut inside: impl FnMut(&GridPoint) -> bool,
) -> (i64, i64) {
    let (mut n, mut sum) = (0i64, 0i64);
    match d {
        None => {
            for (q, &pop) in points.iter().zip(pops) {
                let x = i32::from(inside(q)) * w;
                n += i64::from(x);
                sum += pop * i64::from(x);
            }
        }
        Some(d) => {
            let mut prev = 0i32;
            for ((q, &pop), dk) in points.iter().zip(pops).zip(d.iter_mut()) {
                let x = i32::from(inside(q)) * w;
                n += i64::from(x);
                sum += pop * i64::from(x);
                *dk += x - prev;
                prev = x;
            }
            d[points.len()] -= prev;
        }
    }
    (n, sum)
}

/// Per-site sums, one set per worker thread, made when the thread first needs it.
struct PerThread<T> {
    sets: Vec<Mutex<Vec<T>>>,
}

impl<T: Clone + Send> PerThread<T> {
    fn new() -> Self {
        let threads = rayon::current_num_threads().max(1);
        PerThread {
            sets: (0..threads).map(|_| Mutex::new(Vec::new())).collect(),
        }
    }

    /// Runs `f` on the calling worker thread's set (`len` copies of `zero` at first).
    fn with<R>(&self, len: usize, zero: T, f: impl FnOnce(&mut [T]) -> R) -> R {
        let thread = rayon::current_thread_index().unwrap_or(0) % self.sets.len();
        let mut set = self.sets[thread].lock().expect("no task panics holding it");
        if set.len() < len {
            *set = vec![zero; len];
        }
        f(&mut set)
    }

    fn into_sets(self) -> impl Iterator<Item = Vec<T>> {
        self.sets
            .into_iter()
            .map(|m| m.into_inner().expect("no task panicked holding it"))
            .filter(|set| !set.is_empty())
    }
}

/// Per class, a difference array over one row's slots (the row's slots and one more each).
struct RowDiffs {
    len: usize,
    d: Vec<i32>,
}

impl RowDiffs {
    fn new(len: usize, classes: usize) -> Self {
        RowDiffs {
            len: len + 1,
            d: vec![0; (len + 1) * classes],
        }
    }

    /// Class `class`'s slots `range` (row-relative) and one more.
    fn of(&mut self, class: u32, range: Range<usize>) -> &mut [i32] {
        let base = class as usize * self.len;
        &mut self.d[base + range.start..=base + range.end]
    }

    /// Per slot: the sum over classes, and the classes with a positive count as bits.
    fn reach(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        let classes = self.d.len() / self.len;
        let mut running = vec![0i64; classes];
        (0..self.len - 1).map(move |k| {
            let (mut total, mut mask) = (0i64, 0u64);
            for (c, r) in running.iter_mut().enumerate() {
                *r += i64::from(self.d[c * self.len + k]);
                total += *r;
                mask |= u64::from(*r > 0) << c;
            }
            (total as u32, mask)
        })
    }
}

impl Stream<'_> {
    /// The pass over sites: what each serves and, when `count` is set, for each slot of the
    /// compound grid how many sites reach that compound and their classes. Counts are
    /// integers and sums are exact (whole numbers) or in a fixed order (fractional), so the
    /// result does not depend on the thread count.
    pub(super) fn site_pass(
        &self,
        compounds: &PointGrid,
        population: &[f64],
        count: bool,
    ) -> (Vec<CentreLoad>, Option<SlotReach>) {
        // Counted classes (none when not counting).
        let n_classes = if count {
            self.classes.budget_m.len()
        } else {
            0
        };
        match SlotPopulation::new(compounds, population) {
            Some(pop) => self.sites_by_rows(compounds, &pop, n_classes),
            None => self.sites_one_by_one(compounds, population, n_classes),
        }
    }

    /// Row by row over the compound grid (whole-number populations): per row, every site
    /// whose circle reaches it adds its runs of cells wholly inside at once and tests the
    /// points of the cells its edge crosses. The row's points, populations and counts stay in
    /// cache across the sites, where site by site every row of every circle is a cache miss.
    fn sites_by_rows(
        &self,
        compounds: &PointGrid,
        pop: &SlotPopulation,
        n_classes: usize,
    ) -> (Vec<CentreLoad>, Option<SlotReach>) {
        let count = n_classes > 0;
        // Sites by height, so those whose circles reach a row are one range.
        let mut by_y: Vec<u32> = (0..self.sites.len() as u32).collect();
        by_y.sort_by(|&a, &b| self.sites[a as usize][1].total_cmp(&self.sites[b as usize][1]));
        let ys: Vec<f64> = by_y.iter().map(|&s| self.sites[s as usize][1]).collect();
        let reach_y = self.max_budget * (1.0 + 1e-12) + 1e-6;
        let sums = PerThread::<(i64, i64)>::new();
        let rows: Vec<Vec<(u32, u64)>> = (0..compounds.n_rows())
            .into_par_iter()
            .map(|cy| {
                let slots = compounds.row_slots(cy);
                if slots.is_empty() {
                    return Vec::new();
                }
                let (lo, hi) = compounds.row_y_extent(cy);
                let from = ys.partition_point(|&y| y < lo - reach_y);
                let to = ys.partition_point(|&y| y <= hi + reach_y);
                let mut diffs = RowDiffs::new(slots.len(), n_classes);
                sums.with(by_y.len(), (0, 0), |sums| {
                    for k in from..to {
                        let (n, p) = self.site_row(by_y[k], compounds, pop, cy, &mut diffs);
                        sums[k].0 += n;
                        sums[k].1 += p;
                    }
                });
                if count {
                    diffs.reach().collect()
                } else {
                    Vec::new()
                }
            })
            .collect();
        let mut loads = vec![CentreLoad::default(); self.sites.len()];
        // Whole numbers and integers: the totals do not depend on which thread added what.
        for set in sums.into_sets() {
            for (k, (n, p)) in set.into_iter().enumerate() {
                let load = &mut loads[by_y[k] as usize];
                load.served_compounds += n as usize;
                load.served_population += p as f64;
            }
        }
        (loads, count.then(|| rows.into_iter().flatten().collect()))
    }

    /// What site `s` reaches of compound-grid row `cy`: the count and population, with +1
    /// per reached slot in `diffs` when it counts.
    fn site_row(
        &self,
        s: u32,
        compounds: &PointGrid,
        pop: &SlotPopulation,
        cy: usize,
        diffs: &mut RowDiffs,
    ) -> (i64, i64) {
        let class = self.classes.of_site[s as usize];
        let site = self.sites[s as usize];
        let budget = self.classes.budget_m[class as usize];
        let base = compounds.row_slots(cy).start;
        let counting = !diffs.d.is_empty();
        let (mut n, mut sum) = (0i64, 0i64);
        let lo2 = self.lo2[class as usize];
        compounds.row_near(site, budget, lo2, cy, |_, slots, whole| {
            let local = slots.start - base..slots.end - base;
            let d = counting.then(|| diffs.of(class, local));
            if whole {
                n += slots.len() as i64;
                sum += pop.running[slots.end] - pop.running[slots.start];
                if let Some(d) = d {
                    d[0] += 1;
                    d[slots.len()] -= 1;
                }
            } else {
                let (k, p) = self.edge_run(class, site, compounds, pop, slots, d);
                n += k;
                sum += p;
            }
        });
        (n, sum)
    }

    /// A run of slots the edge of site `site`'s circle (class `class`) crosses: how many of
    /// them it reaches and their population, with +1 per reached slot in `d` (the run's
    /// difference array). Branch-free on the distance test, which goes either way about half
    /// the time on a circle's edge; only pairs within a hair of the radius take the exact
    /// test.
    fn edge_run(
        &self,
        class: u32,
        site: [f64; 2],
        compounds: &PointGrid,
        pop: &SlotPopulation,
        slots: Range<usize>,
        mut d: Option<&mut [i32]>,
    ) -> (i64, i64) {
        let (lo2, hi2) = (self.lo2[class as usize], self.hi2[class as usize]);
        let points = &compounds.points()[slots.clone()];
        let pops = &pop.each[slots];
        let d2 = |q: &GridPoint| (q.xy[0] - site[0]).powi(2) + (q.xy[1] - site[1]).powi(2);
        let mut hair = false;
        let sure = |q: &GridPoint| {
            let e = d2(q);
            hair |= (e <= hi2) & (e > lo2);
            e <= lo2
        };
        let (mut n, mut sum) = tally(points, pops, d.as_deref_mut(), 1, sure);
        if hair {
            // Rare (points exactly on a radius): undo, then count with the exact test.
            let undo = tally(points, pops, d.as_deref_mut(), -1, |q| d2(q) <= lo2);
            let exact = tally(points, pops, d, 1, |q| self.inside(class, d2(q)));
            n += undo.0 + exact.0;
            sum += undo.1 + exact.1;
        }
        (n, sum)
    }

    /// Site by site (fractional populations): each site sums its compounds in ascending
    /// index order, as the matrix path does, so sums are bit-identical to it.
    fn sites_one_by_one(
        &self,
        compounds: &PointGrid,
        population: &[f64],
        n_classes: usize,
    ) -> (Vec<CentreLoad>, Option<SlotReach>) {
        let count = n_classes > 0;
        let n_slots = compounds.points().len();
        let diffs = PerThread::<i32>::new();
        let pairs: Vec<(u32, CentreLoad)> = self
            .grid
            .points()
            .par_chunks(256)
            .flat_map_iter(|chunk| {
                let mut hits = Vec::new();
                let len = (n_slots + 1) * n_classes;
                diffs.with(len, 0, |d| {
                    chunk
                        .iter()
                        .map(|q| {
                            (
                                q.index,
                                self.site_load(q.index, compounds, population, &mut hits, d),
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut loads = vec![CentreLoad::default(); self.sites.len()];
        for (s, load) in pairs {
            loads[s as usize] = load;
        }
        if !count {
            return (loads, None);
        }
        let mut total = vec![0i32; (n_slots + 1) * n_classes];
        for set in diffs.into_sets() {
            total.iter_mut().zip(set).for_each(|(t, x)| *t += x);
        }
        let reach = RowDiffs {
            len: n_slots + 1,
            d: total,
        };
        (loads, Some(reach.reach().collect()))
    }

    /// What site `s` serves, its compounds summed in ascending index order; +1 per reached
    /// slot in its class's difference array in `d` (empty when not counting).
    fn site_load(
        &self,
        s: u32,
        compounds: &PointGrid,
        population: &[f64],
        hits: &mut Vec<u32>,
        d: &mut [i32],
    ) -> CentreLoad {
        let class = self.classes.of_site[s as usize];
        let site = self.sites[s as usize];
        let len = compounds.points().len() + 1;
        hits.clear();
        compounds.for_each_row_near(
            site,
            self.classes.budget_m[class as usize],
            -1.0,
            |_, slots, _| {
                for (k, q) in compounds.points()[slots.clone()].iter().enumerate() {
                    let d2 = (q.xy[0] - site[0]).powi(2) + (q.xy[1] - site[1]).powi(2);
                    if self.inside(class, d2) {
                        if !d.is_empty() {
                            let at = class as usize * len + slots.start + k;
                            d[at] += 1;
                            d[at + 1] -= 1;
                        }
                        hits.push(q.index);
                    }
                }
            },
        );
        hits.sort_unstable();
        CentreLoad {
            served_compounds: hits.len(),
            served_population: hits
                .iter()
                .fold(0.0, |acc, &i| acc + population[i as usize]),
            ..CentreLoad::default()
        }
    }
}
