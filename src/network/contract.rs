//! Degree-2 chain contraction for the searches: OSM ways are split at every shape vertex, so a
//! real street graph is mostly chains of nodes with two neighbours. A search only needs costs
//! at junctions and at the ends of edges that carry a snapped point; the rest is contracted.
//!
//! Exactness: a contracted arc keeps the lengths of its chain in walking order, and a search
//! adds them one by one (`((c + l1) + l2) + …`), the same `f64` sums in the same order as the
//! search on the whole graph. Floating-point addition of non-negative lengths is monotone and
//! never decreasing, so Dijkstra computes, at every node, the minimum over paths of these
//! left-to-right sums; a shortest path between kept nodes never turns back inside a chain,
//! so the costs (and the lowest-site labels) of kept nodes are bit-identical.

use std::ops::Range;

use super::graph::StreetNetwork;

/// What the searches need of a graph: CSR offsets, the arcs of a range of them with their
/// costs from a given cost, and the node numbering relative to the street network.
pub(crate) trait SearchGraph: Sync {
    /// CSR offsets, one per node plus one.
    fn first_arc(&self) -> &[u32];

    /// Calls `f(head, cost)` for every arc in `arcs`, where `cost` is `from_m` plus the arc's
    /// length(s), added in walking order.
    fn each_arc(&self, arcs: Range<usize>, from_m: f64, f: impl FnMut(u32, f64));

    /// This graph's index of street-network node `v` (which must be kept).
    fn local(&self, v: u32) -> u32;

    /// The street-network node of this graph's node `v`.
    fn original(&self, v: u32) -> u32;

    /// Number of nodes.
    fn len(&self) -> usize {
        self.first_arc().len() - 1
    }

    /// The shortest arc, as the sum of its lengths from zero (`INFINITY` without arcs).
    fn shortest_arc_m(&self) -> f64 {
        self.arc_lengths_m().0
    }

    /// The shortest and the mean arc, as sums of their lengths from zero (`INFINITY` and NaN
    /// without arcs).
    fn arc_lengths_m(&self) -> (f64, f64);
}

impl SearchGraph for StreetNetwork {
    #[inline]
    fn first_arc(&self) -> &[u32] {
        &self.first_arc
    }

    #[inline]
    fn each_arc(&self, arcs: Range<usize>, from_m: f64, mut f: impl FnMut(u32, f64)) {
        for arc in &self.arcs[arcs] {
            f(arc.head, from_m + arc.len_m);
        }
    }

    #[inline]
    fn local(&self, v: u32) -> u32 {
        v
    }

    #[inline]
    fn original(&self, v: u32) -> u32 {
        v
    }

    fn arc_lengths_m(&self) -> (f64, f64) {
        let (shortest, total) = self.arcs.iter().fold((f64::INFINITY, 0.0), |(m, t), a| {
            (a.len_m.min(m), t + a.len_m)
        });
        (shortest, total / self.arcs.len() as f64)
    }
}

/// An arc of the contracted graph: its head and where its lengths start in `lens` (they end
/// where the next arc's start).
#[derive(Debug, Clone, Copy)]
struct ChainArc {
    head: u32,
    first_len: u32,
}

/// The street graph with chains of unkept degree-2 nodes replaced by single arcs that carry
/// the chain's edge lengths in walking order.
#[derive(Debug, Clone)]
pub(crate) struct Contracted {
    /// Street-network node of each kept node.
    node: Vec<u32>,
    /// Kept index of each street-network node (`u32::MAX` when contracted away).
    index: Vec<u32>,
    first_arc: Vec<u32>,
    /// The arcs, plus a sentinel whose `first_len` ends the last arc's lengths.
    arcs: Vec<ChainArc>,
    lens: Vec<f64>,
    /// The shortest and the mean arc (see [`SearchGraph::arc_lengths_m`]), summed once.
    arc_lengths_m: (f64, f64),
}

/// Share of nodes that must be contractible before the searches contract the graph. The
/// build is linear in the arcs and takes about as long as one multi-source search, so only a
/// large cut pays: Monaco's OSM walk graph (75 % of nodes go once 9,207 compounds and 39
/// centres keep their edges' ends) searches nearest + per-site in 2.5 ms instead of 4.3 ms,
/// build included; the GIS-style 100k city (49 % go) lost 14 ms of build to gain 6 ms, and
/// synthetic grid cities have under 1 % to gain.
const MIN_CONTRACTIBLE_SHARE: f64 = 2.0 / 3.0;

impl Contracted {
    /// False when too few nodes have two arcs for any contraction to pass
    /// [`Contracted::worthwhile`], whatever is kept.
    pub(crate) fn may_pay(net: &StreetNetwork) -> bool {
        let n = net.node_count();
        let two = net
            .first_arc
            .windows(2)
            .filter(|w| w[1] - w[0] == 2)
            .count();
        n > 0 && two as f64 >= MIN_CONTRACTIBLE_SHARE * n as f64
    }

    /// The contracted graph keeping every node that is not of degree 2 and every node for
    /// which `keep` is true; `None` when fewer than [`MIN_CONTRACTIBLE_SHARE`] of the nodes
    /// could go (then the whole graph is the better one to search).
    pub(crate) fn worthwhile(net: &StreetNetwork, keep: &[bool]) -> Option<Contracted> {
        let n = net.node_count();
        let gone = (0..n)
            .filter(|&v| contractible(net, keep, v as u32))
            .count();
        (gone as f64 >= MIN_CONTRACTIBLE_SHARE * n as f64 && gone > 0)
            .then(|| Contracted::new(net, keep))
    }

    /// The contracted graph keeping every node that is not of degree 2 and every node for
    /// which `keep` is true. Rings of degree-2 nodes with no kept node are dropped: no kept
    /// node reaches them.
    ///
    /// # Panics
    /// When `keep.len()` differs from the node count.
    pub(crate) fn new(net: &StreetNetwork, keep: &[bool]) -> Contracted {
        let n = net.node_count();
        assert_eq!(keep.len(), n, "one keep flag per node");
        let mut index = vec![u32::MAX; n];
        let mut node = Vec::new();
        for v in 0..n as u32 {
            if !contractible(net, keep, v) {
                index[v as usize] = node.len() as u32;
                node.push(v);
            }
        }
        let mut first_arc = Vec::with_capacity(node.len() + 1);
        let mut arcs = Vec::new();
        let mut lens = Vec::new();
        for &u in &node {
            first_arc.push(arcs.len() as u32);
            let range = net.first_arc[u as usize] as usize..net.first_arc[u as usize + 1] as usize;
            for a in range {
                arcs.push(ChainArc {
                    head: 0,
                    first_len: lens.len() as u32,
                });
                let (mut at, mut edge) = (net.arcs[a].head, net.arc_edge[a]);
                lens.push(net.arcs[a].len_m);
                while index[at as usize] == u32::MAX {
                    let next = onward(net, at, edge);
                    (at, edge) = (net.arcs[next].head, net.arc_edge[next]);
                    lens.push(net.arcs[next].len_m);
                }
                arcs.last_mut().expect("just pushed").head = index[at as usize];
            }
        }
        first_arc.push(arcs.len() as u32);
        assert!(lens.len() < u32::MAX as usize, "too many chain lengths");
        arcs.push(ChainArc {
            head: u32::MAX,
            first_len: lens.len() as u32,
        });
        let mut g = Contracted {
            node,
            index,
            first_arc,
            arcs,
            lens,
            arc_lengths_m: (f64::INFINITY, f64::NAN),
        };
        g.arc_lengths_m = g.sum_arc_lengths_m();
        g
    }

    /// The shortest and the mean arc, each arc's lengths summed from zero in walking order.
    fn sum_arc_lengths_m(&self) -> (f64, f64) {
        let n = self.arcs.len() - 1;
        let (shortest, total) = (0..n)
            .map(|a| {
                let lens = self.arcs[a].first_len as usize..self.arcs[a + 1].first_len as usize;
                self.lens[lens].iter().fold(0.0, |c, &l| c + l)
            })
            .fold((f64::INFINITY, 0.0), |(m, t), l| (l.min(m), t + l));
        (shortest, total / n as f64)
    }

    /// Number of kept nodes.
    #[cfg(test)]
    pub(crate) fn node_count(&self) -> usize {
        self.node.len()
    }
}

/// True when node `v` has two arcs on two different edges (a self-loop's two arcs share one)
/// and is not to be kept.
#[inline]
pub(super) fn contractible(net: &StreetNetwork, keep: &[bool], v: u32) -> bool {
    !keep[v as usize] && inside_chain(net, v)
}

/// The arc by which a walk along a chain leaves node `at` (inside a chain: exactly two arcs),
/// having come in by `edge`: the other one.
#[inline]
pub(super) fn onward(net: &StreetNetwork, at: u32, edge: u32) -> usize {
    let k = net.first_arc[at as usize] as usize;
    if net.arc_edge[k] == edge { k + 1 } else { k }
}

/// True when node `v` has two arcs on two different edges: a node a chain passes through.
#[inline]
pub(super) fn inside_chain(net: &StreetNetwork, v: u32) -> bool {
    let k = net.first_arc[v as usize] as usize;
    net.first_arc[v as usize + 1] as usize - k == 2 && net.arc_edge[k] != net.arc_edge[k + 1]
}

impl SearchGraph for Contracted {
    #[inline]
    fn first_arc(&self) -> &[u32] {
        &self.first_arc
    }

    #[inline]
    fn each_arc(&self, arcs: Range<usize>, from_m: f64, mut f: impl FnMut(u32, f64)) {
        for a in arcs {
            let arc = self.arcs[a];
            let lens = arc.first_len as usize..self.arcs[a + 1].first_len as usize;
            let mut cost = from_m;
            for &l in &self.lens[lens] {
                cost += l;
            }
            f(arc.head, cost);
        }
    }

    #[inline]
    fn local(&self, v: u32) -> u32 {
        let i = self.index[v as usize];
        debug_assert!(i != u32::MAX, "node {v} was contracted away");
        i
    }

    #[inline]
    fn original(&self, v: u32) -> u32 {
        self.node[v as usize]
    }

    fn arc_lengths_m(&self) -> (f64, f64) {
        self.arc_lengths_m
    }
}
