//! A small dense linear-programming solver: bounded primal simplex with an explicit basis
//! inverse, for the restricted Lagrangian duals the exact solver builds (a few hundred rows).
//! Answers need not be exact to be safe: the siting bounds are recomputed from its multipliers.

use std::time::Instant;

/// `maximise cᵀz` subject to `A z ≤ b` (`b ≥ 0`, so the slack basis is feasible) and
/// `0 ≤ z ≤ upper`. Columns are sparse `(row, value)` lists.
#[derive(Debug, Clone, Default)]
pub struct Lp {
    /// Right-hand sides, one per row, all `≥ 0`.
    pub rhs: Vec<f64>,
    /// Structural columns: `(row, coefficient)` pairs.
    pub cols: Vec<Vec<(u32, f64)>>,
    /// Objective coefficient per column.
    pub cost: Vec<f64>,
    /// Upper bound per column (finite).
    pub upper: Vec<f64>,
}

/// A solved (or stopped) LP: primal values and row duals of the last basis.
#[derive(Debug, Clone)]
pub struct LpSolution {
    /// Value of each structural column.
    pub z: Vec<f64>,
    /// Dual price of each row (`≥ 0` at optimality).
    pub row_dual: Vec<f64>,
    /// True when no improving column was left (within tolerance).
    pub optimal: bool,
}

struct State<'a> {
    lp: &'a Lp,
    r: usize,
    /// Basic variable per row (structural `< ns`, slack `ns + row`).
    head: Vec<usize>,
    /// Nonbasic variables sitting at their upper bound.
    at_upper: Vec<bool>,
    is_basic: Vec<bool>,
    binv: Vec<f64>,
    xb: Vec<f64>,
    /// Set when a ratio test found no limit: the solve stops, not optimal.
    stuck: bool,
}

impl State<'_> {
    fn ns(&self) -> usize {
        self.lp.cols.len()
    }
    fn upper(&self, v: usize) -> f64 {
        if v < self.ns() {
            self.lp.upper[v]
        } else {
            f64::INFINITY
        }
    }
    fn cost(&self, v: usize) -> f64 {
        if v < self.ns() { self.lp.cost[v] } else { 0.0 }
    }
    /// `B⁻¹ a_v` for variable `v`.
    fn ftran(&self, v: usize, out: &mut [f64]) {
        let r = self.r;
        out.iter_mut().for_each(|o| *o = 0.0);
        if v >= self.ns() {
            let k = v - self.ns();
            for (i, o) in out.iter_mut().enumerate() {
                *o = self.binv[i * r + k];
            }
            return;
        }
        for &(k, a) in &self.lp.cols[v] {
            for (i, o) in out.iter_mut().enumerate() {
                *o += a * self.binv[i * r + k as usize];
            }
        }
    }
    /// Row duals `π = c_Bᵀ B⁻¹`.
    fn duals(&self, pi: &mut [f64]) {
        let r = self.r;
        pi.iter_mut().for_each(|p| *p = 0.0);
        for i in 0..r {
            let cb = self.cost(self.head[i]);
            if cb != 0.0 {
                for (k, p) in pi.iter_mut().enumerate() {
                    *p += cb * self.binv[i * r + k];
                }
            }
        }
    }
    /// Recomputes the basic values from the nonbasic ones (drift control).
    fn recompute_xb(&mut self) {
        let r = self.r;
        let mut rhs = self.lp.rhs.clone();
        for v in 0..self.ns() {
            if self.at_upper[v] && !self.is_basic[v] {
                for &(k, a) in &self.lp.cols[v] {
                    rhs[k as usize] -= a * self.lp.upper[v];
                }
            }
        }
        for i in 0..r {
            self.xb[i] = (0..r).map(|k| self.binv[i * r + k] * rhs[k]).sum();
        }
    }
}

/// Solves `lp` by the bounded primal simplex (partial Dantzig pricing, Harris-free textbook ratio
/// test with a tolerance), starting from the slack basis. Stops after `max_iter` pivots or
/// at `deadline`, returning the current (feasible) point with `optimal == false`.
///
/// `start_upper` (empty, or one flag per column) warm-starts: flagged columns begin at their
/// upper bound, and rows they overfill start with a singleton column of negative coefficient
/// basic instead of their slack (when some row has none within bounds, the hint is dropped).
pub fn solve_lp(lp: &Lp, start_upper: &[bool], max_iter: usize, deadline: Instant) -> LpSolution {
    let mut st = start_basis(lp, start_upper)
        .unwrap_or_else(|| start_basis(lp, &[]).expect("the slack basis is feasible"));
    let (r, ns) = (lp.rhs.len(), lp.cols.len());
    let scale = lp.cost.iter().fold(1e-12f64, |a, c| a.max(c.abs()));
    let tol_d = 1e-9 * scale;
    let mut pi = vec![0.0; r];
    let mut alpha = vec![0.0; r];
    let mut optimal = false;
    let mut cursor = 0;
    let mut it = 0;
    while it < max_iter {
        it += 1;
        if it % 64 == 63 {
            if Instant::now() >= deadline {
                break;
            }
            st.recompute_xb();
        }
        if it % 64 == 1 {
            st.duals(&mut pi);
        }
        let Some((q, dir, d)) = entering(&st, &pi, tol_d, &mut cursor) else {
            // Confirm with fresh duals before declaring optimality.
            st.duals(&mut pi);
            if entering(&st, &pi, tol_d, &mut cursor).is_none() {
                optimal = true;
                break;
            }
            continue;
        };
        st.ftran(q, &mut alpha);
        if let Some(row) = pivot(&mut st, q, dir, &alpha) {
            // π' = π + d_q · (row of the updated B⁻¹): the entering column prices to zero.
            for (k, p) in pi.iter_mut().enumerate() {
                *p += d * st.binv[row * r + k];
            }
        }
        if st.stuck {
            break;
        }
    }
    st.duals(&mut pi);
    let mut z: Vec<f64> = (0..ns)
        .map(|v| if st.at_upper[v] { lp.upper[v] } else { 0.0 })
        .collect();
    for i in 0..r {
        if st.head[i] < ns {
            z[st.head[i]] = st.xb[i].clamp(0.0, lp.upper[st.head[i]]);
        }
    }
    LpSolution {
        z,
        row_dual: pi,
        optimal,
    }
}

/// A diagonal starting basis: slacks, or for rows that the columns flagged in `at_upper`
/// overfill, a singleton column with a negative coefficient. `None` when a row has none or
/// it would have to exceed its upper bound.
fn start_basis<'a>(lp: &'a Lp, start_upper: &[bool]) -> Option<State<'a>> {
    let (r, ns) = (lp.rhs.len(), lp.cols.len());
    let mut at_upper = vec![false; ns + r];
    let mut resid = lp.rhs.clone();
    for (v, &up) in start_upper.iter().enumerate() {
        if up {
            at_upper[v] = true;
            for &(k, a) in &lp.cols[v] {
                resid[k as usize] -= a * lp.upper[v];
            }
        }
    }
    let mut head: Vec<usize> = (ns..ns + r).collect();
    let mut binv = vec![0.0; r * r];
    let mut xb = resid.clone();
    for k in 0..r {
        binv[k * r + k] = 1.0;
    }
    if resid.iter().any(|&v| v < 0.0) {
        let mut singleton = vec![None; r];
        for (v, col) in lp.cols.iter().enumerate() {
            if let [(k, a)] = col[..]
                && a < 0.0
                && !at_upper[v]
                && singleton[k as usize].is_none()
            {
                singleton[k as usize] = Some((v, a));
            }
        }
        for k in 0..r {
            if resid[k] < 0.0 {
                let (v, a) = singleton[k]?;
                if resid[k] / a > lp.upper[v] {
                    return None;
                }
                head[k] = v;
                binv[k * r + k] = 1.0 / a;
                xb[k] = resid[k] / a;
            }
        }
    }
    let mut is_basic = vec![false; ns + r];
    head.iter().for_each(|&v| is_basic[v] = true);
    Some(State {
        lp,
        r,
        head,
        at_upper,
        is_basic,
        binv,
        xb,
        stuck: false,
    })
}

/// Partial pricing: scans the variables from `cursor` in chunks, stopping after the first
/// chunk with an improving one, and returns the one with the largest improving reduced
/// cost there, its direction (`+1` up from 0, `-1` down from its upper bound) and its
/// reduced cost. `None` when no variable at all improves.
fn entering(st: &State, pi: &[f64], tol: f64, cursor: &mut usize) -> Option<(usize, f64, f64)> {
    let ns = st.ns();
    let total = ns + st.r;
    let chunk = (total / 8).max(256);
    let mut best: Option<(usize, f64, f64, f64)> = None;
    for step in 0..total {
        let v = (*cursor + step) % total;
        if step > 0 && step % chunk == 0 && best.is_some() {
            *cursor = v;
            break;
        }
        if st.is_basic[v] {
            continue;
        }
        let d = if v < ns {
            st.lp.cost[v]
                - st.lp.cols[v]
                    .iter()
                    .map(|&(k, a)| a * pi[k as usize])
                    .sum::<f64>()
        } else {
            -pi[v - ns]
        };
        let (gain, dir) = if st.at_upper[v] { (-d, -1.0) } else { (d, 1.0) };
        if gain > tol && best.is_none_or(|b| gain > b.1) {
            best = Some((v, gain, dir, d));
        }
    }
    best.map(|(v, _, dir, d)| (v, dir, d))
}

/// Moves entering variable `q` in direction `dir` as far as the bounds allow: a bound flip
/// (returns `None`) or a basis change with a product-form update of `B⁻¹` (returns the
/// pivot row).
fn pivot(st: &mut State, q: usize, dir: f64, alpha: &[f64]) -> Option<usize> {
    let r = st.r;
    let piv_tol = 1e-9;
    let mut t = st.upper(q);
    let mut leave: Option<(usize, bool)> = None;
    let mut leave_mag = 0.0;
    for (i, &alpha_i) in alpha.iter().enumerate() {
        let a = dir * alpha_i;
        let (limit, to_upper) = if a > piv_tol {
            (st.xb[i].max(0.0) / a, false)
        } else if a < -piv_tol {
            let u = st.upper(st.head[i]);
            if u.is_infinite() {
                continue;
            }
            ((u - st.xb[i]).max(0.0) / -a, true)
        } else {
            continue;
        };
        if limit < t - 1e-12 || (limit <= t + 1e-12 && a.abs() > leave_mag) {
            t = limit;
            leave = Some((i, to_upper));
            leave_mag = a.abs();
        }
    }
    if !t.is_finite() {
        // Numerically unbounded (cannot happen with bounded columns): stop where we are.
        st.stuck = true;
        return None;
    }
    for (x, a) in st.xb.iter_mut().zip(alpha) {
        *x -= dir * t * a;
    }
    let Some((row, to_upper)) = leave else {
        st.at_upper[q] = !st.at_upper[q];
        return None;
    };
    let entering_value = if st.at_upper[q] { st.upper(q) } else { 0.0 } + dir * t;
    let out = st.head[row];
    st.is_basic[out] = false;
    st.at_upper[out] = to_upper;
    st.is_basic[q] = true;
    st.at_upper[q] = false;
    st.head[row] = q;
    st.xb[row] = entering_value;
    let p = alpha[row];
    let mut pivot_row: Vec<f64> = st.binv[row * r..(row + 1) * r].to_vec();
    pivot_row.iter_mut().for_each(|v| *v /= p);
    for (i, line) in st.binv.chunks_exact_mut(r).enumerate() {
        if i == row {
            line.copy_from_slice(&pivot_row);
        } else if alpha[i] != 0.0 {
            let f = alpha[i];
            for (b, pr) in line.iter_mut().zip(&pivot_row) {
                *b -= f * pr;
            }
        }
    }
    Some(row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// A random LP with `b ≥ 0`: sparse nonnegative and negative coefficients, some costs
    /// negative, finite upper bounds.
    fn random_lp(rng: &mut Rng, rows: usize, cols: usize) -> Lp {
        let mut lp = Lp {
            rhs: (0..rows).map(|_| rng.range(0.0, 10.0)).collect(),
            ..Lp::default()
        };
        for _ in 0..cols {
            let mut col: Vec<(u32, f64)> = Vec::new();
            for k in 0..rows as u32 {
                if rng.f64() < 0.4 {
                    col.push((k, rng.range(-1.0, 3.0)));
                }
            }
            lp.cols.push(col);
            lp.cost.push(rng.range(-1.0, 4.0));
            lp.upper.push(rng.range(0.5, 5.0));
        }
        lp
    }

    /// Weak duality: for any `π ≥ 0`, `bᵀπ + Σ u_j max(0, c_j - πᵀa_j)` bounds the maximum;
    /// at an optimum it equals the primal value.
    fn dual_value(lp: &Lp, pi: &[f64]) -> f64 {
        let rows: f64 = lp.rhs.iter().zip(pi).map(|(b, p)| b * p).sum();
        let cols: f64 = (0..lp.cols.len())
            .map(|v| {
                let d = lp.cost[v]
                    - lp.cols[v]
                        .iter()
                        .map(|&(k, a)| a * pi[k as usize])
                        .sum::<f64>();
                lp.upper[v] * d.max(0.0)
            })
            .sum();
        rows + cols
    }

    #[test]
    fn optimal_primal_and_dual_values_agree_on_random_lps() {
        let far = Instant::now() + std::time::Duration::from_secs(60);
        for seed in 0..200 {
            let mut rng = Rng::new(seed);
            let (rows, cols) = (1 + rng.below(12), 1 + rng.below(20));
            let lp = random_lp(&mut rng, rows, cols);
            let start: Vec<bool> = if seed % 2 == 0 {
                Vec::new()
            } else {
                (0..cols).map(|_| rng.f64() < 0.5).collect()
            };
            let sol = solve_lp(&lp, &start, 10_000, far);
            assert!(sol.optimal, "seed {seed}: not optimal");
            for k in 0..rows {
                let act: f64 = (0..cols)
                    .map(|v| {
                        lp.cols[v]
                            .iter()
                            .filter(|e| e.0 as usize == k)
                            .map(|e| e.1 * sol.z[v])
                            .sum::<f64>()
                    })
                    .sum();
                assert!(
                    act <= lp.rhs[k] + 1e-7,
                    "seed {seed}: row {k} violated: {act} > {} in {lp:?} start {start:?} z {:?}",
                    lp.rhs[k],
                    sol.z
                );
            }
            assert!(
                sol.row_dual.iter().all(|&p| p >= -1e-9),
                "seed {seed}: negative dual"
            );
            let primal: f64 = lp.cost.iter().zip(&sol.z).map(|(c, z)| c * z).sum();
            let dual = dual_value(&lp, &sol.row_dual);
            assert!(
                (primal - dual).abs() < 1e-6 * (1.0 + primal.abs()),
                "seed {seed}: {primal} vs {dual}"
            );
        }
    }
}
