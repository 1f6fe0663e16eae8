//! Capacitated coverage: residents assigned to centres within reach, no centre over its
//! capacity, as many residents served as possible — an exact maximum flow (Dinic), sequential
//! and in input order, so the same input always gives the same assignment.

use crate::coverage::CoverageMatrix;

/// Who is served where, after capacities.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacitatedAssignment {
    /// Residents of each compound assigned to some centre (≤ its population).
    pub served: Vec<f64>,
    /// Residents assigned to each centre (≤ its capacity).
    pub assigned: Vec<f64>,
    /// Sum of `served`: the maximum number of residents the centres can serve.
    pub served_total: f64,
}

/// Assigns residents to centres: `by_compound` rows are compounds, columns centres within
/// reach; `population` per compound, `capacity` (residents) per centre. A compound may be
/// split between centres. Maximises the residents served.
///
/// # Panics
/// When the lengths disagree with the matrix (a caller bug).
pub fn assign_capacitated(
    by_compound: &CoverageMatrix,
    population: &[f64],
    capacity: &[f64],
) -> CapacitatedAssignment {
    let (n, m) = (by_compound.n_rows(), by_compound.n_cols());
    assert_eq!(population.len(), n, "one population per compound");
    assert_eq!(capacity.len(), m, "one capacity per centre");
    let mut g = Network::new(n + m + 2);
    let (source, sink) = (n + m, n + m + 1);
    let mut from_source = vec![usize::MAX; n];
    for i in 0..n {
        let centres = by_compound.row(i).0;
        if population[i] > 0.0 && !centres.is_empty() {
            from_source[i] = g.add_edge(source, i, population[i]);
            for &j in centres {
                g.add_edge(i, n + j as usize, f64::INFINITY);
            }
        }
    }
    let to_sink: Vec<usize> = (0..m)
        .map(|j| g.add_edge(n + j, sink, capacity[j].max(0.0)))
        .collect();
    let served_total = g.max_flow(source, sink);
    let served = (0..n)
        .map(|i| match from_source[i] {
            usize::MAX => 0.0,
            e => g.flow(e),
        })
        .collect();
    let assigned = to_sink.iter().map(|&e| g.flow(e)).collect();
    CapacitatedAssignment {
        served,
        assigned,
        served_total,
    }
}

/// A flow network: edges in pairs (`e`, `e ^ 1` its reverse), adjacency in insertion order.
struct Network {
    to: Vec<usize>,
    residual: Vec<f64>,
    original: Vec<f64>,
    adj: Vec<Vec<usize>>,
}

impl Network {
    fn new(nodes: usize) -> Network {
        Network {
            to: Vec::new(),
            residual: Vec::new(),
            original: Vec::new(),
            adj: vec![Vec::new(); nodes],
        }
    }

    /// Adds `u → v` with capacity `cap`; returns its index.
    fn add_edge(&mut self, u: usize, v: usize, cap: f64) -> usize {
        let e = self.to.len();
        self.to.extend([v, u]);
        self.residual.extend([cap, 0.0]);
        self.original.extend([cap, 0.0]);
        self.adj[u].push(e);
        self.adj[v].push(e + 1);
        e
    }

    /// Flow on edge `e`.
    fn flow(&self, e: usize) -> f64 {
        self.residual[e ^ 1]
    }

    /// Dinic: breadth-first levels, then augmenting paths along them until blocked.
    fn max_flow(&mut self, s: usize, t: usize) -> f64 {
        let mut total = 0.0;
        let mut level = vec![usize::MAX; self.adj.len()];
        while self.levels(s, t, &mut level) {
            let mut next = vec![0usize; self.adj.len()];
            while let Some(f) = self.augment(s, t, &level, &mut next) {
                total += f;
            }
        }
        total
    }

    fn levels(&self, s: usize, t: usize, level: &mut [usize]) -> bool {
        level.iter_mut().for_each(|l| *l = usize::MAX);
        level[s] = 0;
        let mut queue = std::collections::VecDeque::from([s]);
        while let Some(u) = queue.pop_front() {
            for &e in &self.adj[u] {
                let v = self.to[e];
                if self.residual[e] > 0.0 && level[v] == usize::MAX {
                    level[v] = level[u] + 1;
                    queue.push_back(v);
                }
            }
        }
        level[t] != usize::MAX
    }

    /// One augmenting path along increasing levels (iterative depth-first search with
    /// per-node edge pointers, so dead ends are never scanned twice in a phase).
    fn augment(&mut self, s: usize, t: usize, level: &[usize], next: &mut [usize]) -> Option<f64> {
        let mut path: Vec<usize> = Vec::new();
        let mut u = s;
        loop {
            if u == t {
                let f = path
                    .iter()
                    .map(|&e| self.residual[e])
                    .fold(f64::INFINITY, f64::min);
                for &e in &path {
                    self.residual[e] -= f;
                    self.residual[e ^ 1] += f;
                }
                return Some(f);
            }
            let step = self.adj[u][next[u]..]
                .iter()
                .position(|&e| self.residual[e] > 0.0 && level[self.to[e]] == level[u] + 1);
            match step {
                Some(p) => {
                    next[u] += p;
                    let e = self.adj[u][next[u]];
                    path.push(e);
                    u = self.to[e];
                }
                None => {
                    next[u] = self.adj[u].len();
                    let e = path.pop()?;
                    u = self.to[e ^ 1];
                    next[u] += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// Plain augmenting paths (breadth-first, one unit of bottleneck at a time) on a dense
    /// capacity matrix: the oracle.
    fn edmonds_karp(cap: &mut [Vec<f64>], s: usize, t: usize) -> f64 {
        let n = cap.len();
        let mut total = 0.0;
        loop {
            let mut prev = vec![usize::MAX; n];
            prev[s] = s;
            let mut queue = std::collections::VecDeque::from([s]);
            while let Some(u) = queue.pop_front() {
                for v in 0..n {
                    if cap[u][v] > 0.0 && prev[v] == usize::MAX {
                        prev[v] = u;
                        queue.push_back(v);
                    }
                }
            }
            if prev[t] == usize::MAX {
                return total;
            }
            let mut f = f64::INFINITY;
            let mut v = t;
            while v != s {
                f = f.min(cap[prev[v]][v]);
                v = prev[v];
            }
            let mut v = t;
            while v != s {
                cap[prev[v]][v] -= f;
                cap[v][prev[v]] += f;
                v = prev[v];
            }
            total += f;
        }
    }

    #[test]
    fn max_flow_matches_plain_augmenting_paths() {
        for seed in 0..150 {
            let mut rng = Rng::new(seed);
            let (n, m) = (1 + rng.below(25), 1 + rng.below(8));
            let mut cover = CoverageMatrix::new(m);
            let mut dense = vec![vec![0.0; n + m + 2]; n + m + 2];
            let (s, t) = (n + m, n + m + 1);
            let pop: Vec<f64> = (0..n).map(|_| rng.below(500) as f64).collect();
            let cap: Vec<f64> = (0..m).map(|_| rng.below(1500) as f64).collect();
            for i in 0..n {
                let row: Vec<u32> = (0..m as u32).filter(|_| rng.f64() < 0.35).collect();
                for &j in &row {
                    dense[i][n + j as usize] = f64::INFINITY;
                }
                if !row.is_empty() {
                    dense[s][i] = pop[i];
                }
                cover.push_row(row.into_iter().map(|j| (j, 1.0)));
            }
            for j in 0..m {
                dense[n + j][t] = cap[j];
            }
            let got = assign_capacitated(&cover, &pop, &cap);
            let truth = edmonds_karp(&mut dense, s, t);
            assert_eq!(got.served_total, truth, "seed {seed}");
            assert_eq!(got.served.iter().sum::<f64>(), truth, "seed {seed}");
            assert_eq!(got.assigned.iter().sum::<f64>(), truth, "seed {seed}");
            for (i, (served, p)) in got.served.iter().zip(&pop).enumerate() {
                assert!(served <= p, "seed {seed}: compound {i} over-served");
            }
            for (j, (assigned, c)) in got.assigned.iter().zip(&cap).enumerate() {
                assert!(assigned <= c, "seed {seed}: centre {j} over capacity");
            }
            let again = assign_capacitated(&cover, &pop, &cap);
            assert_eq!(again, got, "seed {seed}: not deterministic");
        }
    }

    #[test]
    fn unlimited_capacity_serves_every_covered_resident() {
        let mut cover = CoverageMatrix::new(2);
        cover.push_row([(0, 1.0)]);
        cover.push_row([]);
        cover.push_row([(0, 1.0), (1, 1.0)]);
        let a = assign_capacitated(&cover, &[100.0, 50.0, 30.0], &[f64::INFINITY; 2]);
        assert_eq!(a.served, vec![100.0, 0.0, 30.0]);
        assert_eq!(a.served_total, 130.0);
    }

    #[test]
    fn a_split_compound_fills_two_centres() {
        let mut cover = CoverageMatrix::new(2);
        cover.push_row([(0, 1.0), (1, 1.0)]);
        cover.push_row([(0, 1.0)]);
        let a = assign_capacitated(&cover, &[300.0, 200.0], &[250.0, 120.0]);
        // 370 places for 500 residents: both centres full, compound 0 served by both.
        assert_eq!(a.served_total, 370.0);
        assert_eq!(a.assigned, vec![250.0, 120.0]);
        assert!(
            a.served[0] > 120.0,
            "compound 0 is split across both centres"
        );
    }
}
