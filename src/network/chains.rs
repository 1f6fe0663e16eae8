//! Multi-source searches through the junction graph: every chain of degree-2 nodes is
//! contracted, whatever lies on it, the search runs on the junctions alone, and the nodes
//! inside the chains get their labels from two sweeps along each chain. On a GIS-style street
//! layer (a vertex every 50 m) four nodes in five sit inside chains, so each search settles a
//! fifth of the nodes; the sweeps are sequential passes.
//!
//! Exactness: a label is the lexicographic minimum of (left-to-right sum of lengths, site) over
//! the walks from the seeds, as the search on the whole graph computes it. A seed inside a
//! chain reaches the chain's ends by the sums of the chain's lengths in walking order (the
//! search on the whole graph adds the same lengths in the same order), the junction search is
//! exact on the contracted arcs (`contract.rs`), and a node inside a chain is reached either
//! along the chain from one of its ends or from a seed on the chain: the forward and the
//! backward sweep relax exactly those walks. Floating-point addition of non-negative lengths
//! is monotone, so `min(a, b) + l == min(a + l, b + l)` and the sweeps' minima are the
//! whole-graph labels bit for bit (`tests` compares them on random, chained and zero-length
//! graphs).

use super::contract::{Contracted, SearchGraph, contractible, inside_chain, onward};
use super::dijkstra::{Label, Seed, improve, search_seeded, seeds};
use super::graph::StreetNetwork;
use super::snap::Snap;

/// A chain of contracted nodes between two kept nodes (`start` and `end`, street-network ids;
/// the same node for a loop): its nodes and lengths are ranges of [`Chains`]' lists that end
/// where the next chain's begin.
#[derive(Debug, Clone, Copy)]
struct Chain {
    start: u32,
    end: u32,
    first_node: u32,
    first_len: u32,
}

/// The junction graph with its chains.
#[derive(Debug, Clone)]
pub(crate) struct Chains {
    graph: Contracted,
    /// Per street-network node inside a chain: the chain and the node's position in it
    /// (1-based: position 0 is the chain's start); `(u32::MAX, 0)` for kept nodes.
    place: Vec<(u32, u32)>,
    /// The chains, and a sentinel whose firsts end the last chain's ranges.
    chains: Vec<Chain>,
    /// Nodes inside the chains, chain after chain, in walking order from the start.
    nodes: Vec<u32>,
    /// Edge lengths of the chains, chain after chain, in walking order from the start: one more
    /// per chain than its nodes (length `j` joins positions `j` and `j + 1`).
    lens: Vec<f64>,
}

/// Share of degree-2 nodes from which the junction graph is built for the searches.
const MIN_CHAIN_SHARE: f64 = 0.5;

impl Chains {
    /// The junction graph of `net`, when at least [`MIN_CHAIN_SHARE`] of its nodes lie inside
    /// chains (otherwise the searches are as fast on the whole graph).
    pub(crate) fn worthwhile(net: &StreetNetwork) -> Option<Chains> {
        let n = net.node_count();
        let inside = (0..n as u32).filter(|&v| inside_chain(net, v)).count();
        (n > 0 && inside as f64 >= MIN_CHAIN_SHARE * n as f64).then(|| Chains::new(net))
    }

    /// The junction graph of `net`: every node that is not of degree 2 is kept, and one node
    /// of every ring of degree-2 nodes (lowest id), so that every chain has ends.
    pub(crate) fn new(net: &StreetNetwork) -> Chains {
        let keep = ring_representatives(net);
        let graph = Contracted::new(net, &keep);
        let mut chains = Chains {
            graph,
            place: vec![(u32::MAX, 0); net.node_count()],
            chains: Vec::new(),
            nodes: Vec::new(),
            lens: Vec::new(),
        };
        for u in 0..net.node_count() as u32 {
            if contractible(net, &keep, u) {
                continue;
            }
            for a in net.first_arc[u as usize] as usize..net.first_arc[u as usize + 1] as usize {
                let head = net.arcs[a].head;
                if contractible(net, &keep, head) && chains.place[head as usize].0 == u32::MAX {
                    chains.walk(net, &keep, u, a);
                }
            }
        }
        chains.chains.push(Chain {
            start: u32::MAX,
            end: u32::MAX,
            first_node: chains.nodes.len() as u32,
            first_len: chains.lens.len() as u32,
        });
        chains
    }

    /// Records the chain leaving kept node `u` by arc `a` (its first node not yet placed).
    fn walk(&mut self, net: &StreetNetwork, keep: &[bool], u: u32, a: usize) {
        let id = self.chains.len() as u32;
        let mut chain = Chain {
            start: u,
            end: u,
            first_node: self.nodes.len() as u32,
            first_len: self.lens.len() as u32,
        };
        let (mut at, mut edge) = (net.arcs[a].head, net.arc_edge[a]);
        self.lens.push(net.arcs[a].len_m);
        let mut position = 1;
        while contractible(net, keep, at) {
            self.place[at as usize] = (id, position);
            self.nodes.push(at);
            position += 1;
            let next = onward(net, at, edge);
            (at, edge) = (net.arcs[next].head, net.arc_edge[next]);
            self.lens.push(net.arcs[next].len_m);
        }
        chain.end = at;
        self.chains.push(chain);
    }

    /// The nodes and lengths of chain `c`.
    fn parts(&self, c: u32) -> (Chain, &[u32], &[f64]) {
        let (ch, next) = (self.chains[c as usize], self.chains[c as usize + 1]);
        (
            ch,
            &self.nodes[ch.first_node as usize..next.first_node as usize],
            &self.lens[ch.first_len as usize..next.first_len as usize],
        )
    }

    /// The multi-source labels of every street-network node from the snapped `sites` (ties to
    /// the lowest site), equal bit for bit to the search on the whole graph.
    pub(super) fn multi_source(&self, net: &StreetNetwork, sites: &[Option<Snap>]) -> Vec<Label> {
        let mut junction_seeds: Vec<Seed> = Vec::with_capacity(2 * sites.len());
        // Seeds inside chains: (street node, cost, site).
        let mut inner: Vec<Seed> = Vec::new();
        for (s, snap) in sites.iter().enumerate() {
            let Some(snap) = snap else { continue };
            for (v, c) in seeds(net, snap) {
                self.seed(v, c, s as u32, &mut junction_seeds, &mut inner);
            }
        }
        let at_junctions = search_seeded(&self.graph, &junction_seeds);
        let mut labels: Vec<Label> = vec![
            Label {
                cost_m: f64::INFINITY,
                site: u32::MAX,
                first_arc: 0,
            };
            net.node_count() + 1
        ];
        for (k, l) in at_junctions.iter().take(self.graph.len()).enumerate() {
            labels[self.graph.original(k as u32) as usize] = *l;
        }
        for &(v, c, s) in &inner {
            improve(&mut labels, v, c, s);
        }
        for c in 0..self.chains.len() as u32 - 1 {
            self.sweep(c, &mut labels);
        }
        labels
    }

    /// Adds the seed `(v, cost, site)`: to the junction seeds when `v` is kept, else to the
    /// seeds inside chains, with its walks to the chain's two ends as junction seeds.
    fn seed(&self, v: u32, cost: f64, site: u32, junction: &mut Vec<Seed>, inner: &mut Vec<Seed>) {
        let (c, position) = self.place[v as usize];
        if c == u32::MAX {
            junction.push((self.graph.local(v), cost, site));
            return;
        }
        inner.push((v, cost, site));
        let (ch, _, lens) = self.parts(c);
        let k = position as usize;
        // Towards the start: lengths k-1, …, 0; towards the end: lengths k, …, last.
        let to_start = lens[..k].iter().rev().fold(cost, |acc, &l| acc + l);
        let to_end = lens[k..].iter().fold(cost, |acc, &l| acc + l);
        junction.push((self.graph.local(ch.start), to_start, site));
        junction.push((self.graph.local(ch.end), to_end, site));
    }

    /// Relaxes chain `c` forward from its start, then backward from its end.
    fn sweep(&self, c: u32, labels: &mut [Label]) {
        let (ch, nodes, lens) = self.parts(c);
        let mut cur = labels[ch.start as usize];
        for (&v, &l) in nodes.iter().zip(lens) {
            relax(labels, v, &mut cur, l);
        }
        let mut cur = labels[ch.end as usize];
        for (&v, &l) in nodes.iter().zip(&lens[1..]).rev() {
            relax(labels, v, &mut cur, l);
        }
    }
}

/// One step of a sweep: the walk carried so far (`cur`) goes on by `len_m` to node `v`; `v`
/// keeps the better of its label and that walk, and the sweep carries the better on.
#[inline]
fn relax(labels: &mut [Label], v: u32, cur: &mut Label, len_m: f64) {
    if cur.site != u32::MAX {
        improve(labels, v, cur.cost_m + len_m, cur.site);
    }
    *cur = labels[v as usize];
}

/// Keep flags marking the lowest node of every ring of degree-2 nodes (a component no junction
/// touches), so that the ring is a chain from that node back to itself.
fn ring_representatives(net: &StreetNetwork) -> Vec<bool> {
    let n = net.node_count();
    let mut keep = vec![false; n];
    let mut seen = vec![false; n];
    // Nodes inside chains that reach a junction.
    for u in 0..n as u32 {
        if inside_chain(net, u) {
            continue;
        }
        for a in net.first_arc[u as usize] as usize..net.first_arc[u as usize + 1] as usize {
            let (mut at, mut edge) = (net.arcs[a].head, net.arc_edge[a]);
            while inside_chain(net, at) && !seen[at as usize] {
                seen[at as usize] = true;
                let next = onward(net, at, edge);
                (at, edge) = (net.arcs[next].head, net.arc_edge[next]);
            }
        }
    }
    for v in 0..n as u32 {
        if seen[v as usize] || !inside_chain(net, v) {
            continue;
        }
        // The lowest unseen node of a ring: keep it and mark the ring.
        keep[v as usize] = true;
        let k = net.first_arc[v as usize] as usize;
        let (mut at, mut edge) = (net.arcs[k].head, net.arc_edge[k]);
        seen[v as usize] = true;
        while at != v && !seen[at as usize] {
            seen[at as usize] = true;
            let next = onward(net, at, edge);
            (at, edge) = (net.arcs[next].head, net.arc_edge[next]);
        }
    }
    keep
}
