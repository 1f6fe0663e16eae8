//! The street graph on the local plane: node positions in metres, CSR adjacency for Dijkstra,
//! and the edges as straight segments (with their R-tree) for snapping.

use rayon::prelude::*;

use super::packed::{PackedTree, overlap, segment_box};

/// An edge as the snapping tree holds it: the segment and the edge index.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EdgeLine {
    pub(crate) a: [f64; 2],
    pub(crate) b: [f64; 2],
    /// The edge index.
    pub data: u32,
}

impl EdgeLine {
    /// Squared distance from `p` to the nearest point of the segment.
    #[inline]
    pub(crate) fn distance_2(&self, p: &[f64; 2]) -> f64 {
        let (d, w) = (
            [self.b[0] - self.a[0], self.b[1] - self.a[1]],
            [p[0] - self.a[0], p[1] - self.a[1]],
        );
        let len2 = d[0] * d[0] + d[1] * d[1];
        let t = if len2 > 0.0 {
            ((w[0] * d[0] + w[1] * d[1]) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let (x, y) = (w[0] - t * d[0], w[1] - t * d[1]);
        x * x + y * y
    }
}

/// Distance within which a vertex of one line counts as lying on another line when noding
/// (a "T" junction digitised without a shared vertex), metres.
pub const TOUCH_TOLERANCE_M: f64 = 0.01;

/// One direction of an edge in the CSR adjacency. Packed to 12 bytes: the Dijkstra loops are
/// bound by memory traffic over the arcs, and this is a third less of it than 16.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C, packed(4))]
pub(crate) struct Arc {
    /// Length in metres.
    pub len_m: f64,
    /// The node this arc leads to.
    pub head: u32,
}

/// An undirected street graph on the local metric plane. Every edge is a straight segment
/// between two nodes (polylines are split at each vertex); walking ignores `oneway`, so each
/// edge can be walked both ways at its length in metres.
#[derive(Debug, Clone)]
pub struct StreetNetwork {
    pub(crate) xy: Vec<[f64; 2]>,
    /// CSR offsets into `arcs`, one per node plus one.
    pub(crate) first_arc: Vec<u32>,
    pub(crate) arcs: Vec<Arc>,
    /// The undirected edge of each arc (kept apart from `arcs`, which the searches scan).
    pub(crate) arc_edge: Vec<u32>,
    /// Edge endpoints `[a, b]`; `along_m` in a [`crate::network::Snap`] runs from `a`.
    pub(crate) edges: Vec<[u32; 2]>,
    pub(crate) edge_len_m: Vec<f64>,
    /// Edges of positive length, for snapping.
    pub(crate) tree: PackedTree<EdgeLine>,
    /// Connected components, counted once while the graph is built.
    components: usize,
}

/// Polylines as indices into a point list, with an optional layer per line: the form every
/// builder reduces its input to before noding and graph construction.
#[derive(Debug, Clone, Default)]
pub(crate) struct IndexedLines {
    pub points: Vec<[f64; 2]>,
    pub lines: Vec<Vec<u32>>,
    pub layers: Vec<i32>,
}

impl StreetNetwork {
    /// Builds a network from polylines on the plane (metres). Vertices with bit-identical
    /// coordinates are the same node. Without `node_crossings`, lines connect only at shared
    /// vertices; with it, segments of lines on the same layer are split where they properly
    /// cross, and where a vertex lies within [`TOUCH_TOLERANCE_M`] of another segment (a "T"
    /// junction without a shared vertex). `layers` is the OSM/GIS `layer` of each line
    /// (bridges positive, tunnels negative; `None` means all on layer 0). Lines with fewer than
    /// two points add nothing.
    ///
    /// # Panics
    /// When `layers` has a length other than `lines.len()`, or a coordinate is not finite.
    pub fn from_lines(
        lines: &[Vec<[f64; 2]>],
        layers: Option<&[i32]>,
        node_crossings: bool,
    ) -> StreetNetwork {
        if let Some(l) = layers {
            assert_eq!(l.len(), lines.len(), "one layer per line");
        }
        let mut input = IndexedLines::default();
        let vertices = lines.iter().map(Vec::len).sum();
        // Sized once: rehashing as it grows copied the table again at every doubling.
        let mut index = crate::index::PointBitsMap::<u32>::with_capacity_and_hasher(
            vertices,
            Default::default(),
        );
        for (k, line) in lines.iter().enumerate() {
            let ids = line
                .iter()
                .map(|p| {
                    assert!(
                        p[0].is_finite() && p[1].is_finite(),
                        "line {k}: coordinate {p:?} is not finite"
                    );
                    // `+ 0.0` turns -0.0 into 0.0 so that both spellings are one vertex.
                    let key = [(p[0] + 0.0).to_bits(), (p[1] + 0.0).to_bits()];
                    *index.entry(key).or_insert_with(|| {
                        input.points.push([p[0] + 0.0, p[1] + 0.0]);
                        (input.points.len() - 1) as u32
                    })
                })
                .collect();
            input.lines.push(ids);
            input.layers.push(layers.map_or(0, |l| l[k]));
        }
        Self::build(input, node_crossings)
    }

    /// Nodes the lines (when asked) and builds the graph: only points used by an edge become
    /// nodes, numbered along a Hilbert curve (ties by first use), and edges keep line order, so
    /// equal input gives an identical graph.
    pub(crate) fn build(mut input: IndexedLines, node_crossings: bool) -> StreetNetwork {
        if node_crossings {
            node_lines(&mut input);
        }
        let (xy, mut edges) = used_points_and_edges(&input);
        assert!(
            edges.len() < (u32::MAX / 2) as usize,
            "too many street segments for 32-bit ids"
        );
        // Renumber nodes along a Hilbert curve: neighbours on the ground get nearby ids, so a
        // search front touches few cache lines (about 2x faster Dijkstra on a million nodes).
        let order = hilbert_order(&xy);
        let mut new_id = vec![0u32; xy.len()];
        for (rank, &old) in order.iter().enumerate() {
            new_id[old as usize] = rank as u32;
        }
        let xy: Vec<[f64; 2]> = order.par_iter().map(|&old| xy[old as usize]).collect();
        edges.par_iter_mut().for_each(|e| {
            *e = [new_id[e[0] as usize], new_id[e[1] as usize]];
        });
        let edge_len_m: Vec<f64> = edges
            .par_iter()
            .map(|&[a, b]| dist(xy[a as usize], xy[b as usize]))
            .collect();
        // The adjacency (sequential) while the segment tree is built (in parallel).
        let (((first_arc, arcs, arc_edge), components), tree) = rayon::join(
            || {
                let csr = csr_adjacency(xy.len(), &edges, &edge_len_m);
                (csr, count_components(xy.len(), &edges))
            },
            || {
                let positive: Vec<u32> = (0..edges.len() as u32)
                    .filter(|&e| edge_len_m[e as usize] > 0.0)
                    .collect();
                PackedTree::new(
                    (positive.par_iter())
                        .map(|&data| {
                            let [a, b] = edges[data as usize];
                            let (a, b) = (xy[a as usize], xy[b as usize]);
                            (segment_box(a, b), EdgeLine { a, b, data })
                        })
                        .collect(),
                )
            },
        );
        StreetNetwork {
            xy,
            first_arc,
            arcs,
            arc_edge,
            edges,
            edge_len_m,
            tree,
            components,
        }
    }

    /// Number of nodes (street vertices and junctions).
    pub fn node_count(&self) -> usize {
        self.xy.len()
    }

    /// Number of edges (straight segments between two nodes).
    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// True when the network has no edge.
    pub fn is_empty(&self) -> bool {
        self.edges.is_empty()
    }

    /// Sum of all edge lengths, metres.
    pub fn total_length_m(&self) -> f64 {
        self.edge_len_m.iter().sum()
    }

    /// Position of node `i` on the plane, metres.
    pub fn node_xy(&self, i: usize) -> [f64; 2] {
        self.xy[i]
    }

    /// Endpoints of edge `e` as node indices `[a, b]`.
    pub fn edge_nodes(&self, e: usize) -> [u32; 2] {
        self.edges[e]
    }

    /// Length of edge `e`, metres.
    pub fn edge_length_m(&self, e: usize) -> f64 {
        self.edge_len_m[e]
    }

    /// `[min_x, min_y, max_x, max_y]` of the nodes on the plane, metres; `None` when empty.
    pub fn bbox(&self) -> Option<[f64; 4]> {
        bounds(&self.xy)
    }

    /// Connected component of every node, numbered from 0 in order of the lowest node.
    pub fn component_ids(&self) -> Vec<u32> {
        let mut comp = vec![u32::MAX; self.xy.len()];
        let mut stack = Vec::new();
        let mut next = 0u32;
        for start in 0..self.xy.len() {
            if comp[start] != u32::MAX {
                continue;
            }
            comp[start] = next;
            stack.push(start as u32);
            while let Some(v) = stack.pop() {
                for arc in self.arcs_of(v) {
                    let head = arc.head;
                    if comp[head as usize] == u32::MAX {
                        comp[head as usize] = next;
                        stack.push(head);
                    }
                }
            }
            next += 1;
        }
        comp
    }

    /// Number of connected components (pieces of network no walk connects).
    pub fn component_count(&self) -> usize {
        self.components
    }

    /// The arcs leaving node `v`.
    #[inline]
    pub(crate) fn arcs_of(&self, v: u32) -> &[Arc] {
        let v = v as usize;
        &self.arcs[self.first_arc[v] as usize..self.first_arc[v + 1] as usize]
    }

    /// The edges at node `v`, in the order of [`StreetNetwork::arcs_of`].
    #[inline]
    pub(crate) fn edges_at(&self, v: u32) -> &[u32] {
        let v = v as usize;
        &self.arc_edge[self.first_arc[v] as usize..self.first_arc[v + 1] as usize]
    }
}

/// The nodes and edges of the lines: a node for every point an edge uses (numbered by first
/// use) and an edge for every pair of consecutive distinct points, in line order.
fn used_points_and_edges(input: &IndexedLines) -> (Vec<[f64; 2]>, Vec<[u32; 2]>) {
    let points = &input.points;
    let mut node_of = vec![u32::MAX; points.len()];
    let mut xy: Vec<[f64; 2]> = Vec::new();
    let mut edges: Vec<[u32; 2]> = Vec::new();
    let mut node = |p: u32, xy: &mut Vec<[f64; 2]>| {
        let slot = &mut node_of[p as usize];
        if *slot == u32::MAX {
            *slot = xy.len() as u32;
            xy.push(points[p as usize]);
        }
        *slot
    };
    for line in &input.lines {
        for w in line.windows(2) {
            if w[0] != w[1] {
                let a = node(w[0], &mut xy);
                let b = node(w[1], &mut xy);
                edges.push([a, b]);
            }
        }
    }
    (xy, edges)
}

/// The number of connected components of `n` nodes joined by `edges` (union-find with path
/// halving: every union that joins two components removes one).
fn count_components(n: usize, edges: &[[u32; 2]]) -> usize {
    let mut parent: Vec<u32> = (0..n as u32).collect();
    let find = |parent: &mut [u32], mut v: u32| {
        while parent[v as usize] != v {
            let up = parent[parent[v as usize] as usize];
            parent[v as usize] = up;
            v = up;
        }
        v
    };
    let mut components = n;
    for &[a, b] in edges {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        if ra != rb {
            parent[ra.max(rb) as usize] = ra.min(rb);
            components -= 1;
        }
    }
    components
}

/// The CSR adjacency of `n` nodes: offsets, arcs (both directions of every edge) and each
/// arc's edge. A counting sort keeps the arcs of a node in edge order, so the layout is
/// deterministic.
fn csr_adjacency(
    n: usize,
    edges: &[[u32; 2]],
    edge_len_m: &[f64],
) -> (Vec<u32>, Vec<Arc>, Vec<u32>) {
    let mut first_arc = vec![0u32; n + 1];
    for &[a, b] in edges {
        first_arc[a as usize + 1] += 1;
        first_arc[b as usize + 1] += 1;
    }
    for i in 0..n {
        first_arc[i + 1] += first_arc[i];
    }
    let mut next = first_arc.clone();
    let mut arcs = vec![
        Arc {
            len_m: 0.0,
            head: 0
        };
        2 * edges.len()
    ];
    let mut arc_edge = vec![0u32; 2 * edges.len()];
    for (e, (&[a, b], &len_m)) in edges.iter().zip(edge_len_m).enumerate() {
        for (from, head) in [(a, b), (b, a)] {
            let slot = next[from as usize] as usize;
            arcs[slot] = Arc { len_m, head };
            arc_edge[slot] = e as u32;
            next[from as usize] += 1;
        }
    }
    (first_arc, arcs, arc_edge)
}

/// `[min_x, min_y, max_x, max_y]` of the points; `None` when there are none.
fn bounds(xy: &[[f64; 2]]) -> Option<[f64; 4]> {
    let first = *xy.first()?;
    Some(
        xy.iter()
            .fold([first[0], first[1], first[0], first[1]], |b, p| {
                [
                    b[0].min(p[0]),
                    b[1].min(p[1]),
                    b[2].max(p[0]),
                    b[3].max(p[1]),
                ]
            }),
    )
}

/// Node indices sorted by their position on a Hilbert curve over the bounding box (ties by
/// index, so the order is deterministic).
pub(super) fn hilbert_order(xy: &[[f64; 2]]) -> Vec<u32> {
    const BITS: u32 = 16;
    let Some(b) = bounds(xy) else {
        return Vec::new();
    };
    let span = (b[2] - b[0]).max(b[3] - b[1]).max(f64::MIN_POSITIVE);
    let cells = ((1u32 << BITS) - 1) as f64;
    // The curve position (2 × 16 bits) above the index: sorting these words orders by
    // position, ties by index (the words are distinct: any sort gives the one order).
    let mut keyed: Vec<u64> = (xy.par_iter().enumerate())
        .map(|(i, p)| {
            let x = ((p[0] - b[0]) / span * cells) as u32;
            let y = ((p[1] - b[1]) / span * cells) as u32;
            (hilbert_d(BITS, x, y) << 32) | i as u64
        })
        .collect();
    keyed.par_sort_unstable();
    keyed.into_iter().map(|k| k as u32).collect()
}

/// Distance of cell `(x, y)` along the Hilbert curve filling a `2^bits` square (the classic
/// `xy2d` with quadrant rotation).
fn hilbert_d(bits: u32, mut x: u32, mut y: u32) -> u64 {
    let n_minus_1 = (1u32 << bits) - 1;
    let mut d = 0u64;
    let mut s = 1u32 << (bits - 1);
    while s > 0 {
        let rx = u32::from(x & s > 0);
        let ry = u32::from(y & s > 0);
        d += u64::from(s) * u64::from(s) * u64::from((3 * rx) ^ ry);
        if ry == 0 {
            if rx == 1 {
                x = n_minus_1 - x;
                y = n_minus_1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        s >>= 1;
    }
    d
}

#[inline]
pub(crate) fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

/// Twice the signed area of the triangle `a, b, c` (positive when counter-clockwise).
#[inline]
fn orient(a: [f64; 2], b: [f64; 2], c: [f64; 2]) -> f64 {
    (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
}

/// Position of `p` projected on segment `a → b`, as a fraction of its length (unclamped).
#[inline]
fn param(a: [f64; 2], b: [f64; 2], p: [f64; 2]) -> f64 {
    let d = [b[0] - a[0], b[1] - a[1]];
    ((p[0] - a[0]) * d[0] + (p[1] - a[1]) * d[1]) / (d[0] * d[0] + d[1] * d[1])
}

/// A split found while noding: a proper crossing of segments `i` and `j` (a new point at
/// `at`), or an existing vertex `point` lying on segment `seg`.
enum Split {
    Crossing { i: u32, j: u32, at: [f64; 2] },
    Touch { seg: u32, point: u32 },
}

/// The segments of the lines, flattened: segment `k` is (line, first point, second point), and
/// the segments of line `l` are `first_seg[l]..first_seg[l + 1]`.
struct Segments {
    segs: Vec<[u32; 3]>,
    first_seg: Vec<usize>,
}

impl Segments {
    fn of(input: &IndexedLines) -> Segments {
        let mut segs: Vec<[u32; 3]> = Vec::new();
        let mut first_seg = Vec::with_capacity(input.lines.len() + 1);
        for (l, line) in input.lines.iter().enumerate() {
            first_seg.push(segs.len());
            for w in line.windows(2) {
                segs.push([l as u32, w[0], w[1]]);
            }
        }
        first_seg.push(segs.len());
        Segments { segs, first_seg }
    }
}

/// The corners of the box around segment `a → b`, grown by `tol` on every side.
fn padded_box(a: [f64; 2], b: [f64; 2], tol: f64) -> ([f64; 2], [f64; 2]) {
    (
        [a[0].min(b[0]) - tol, a[1].min(b[1]) - tol],
        [a[0].max(b[0]) + tol, a[1].max(b[1]) + tol],
    )
}

/// Splits segments of same-layer lines at proper crossings and at vertices lying on them.
fn node_lines(input: &mut IndexedLines) {
    let segments = Segments::of(input);
    let found = find_splits(&segments.segs, &input.points, &input.layers);
    let (mut splits, new_points) = split_positions(found, &segments.segs, &input.points);
    if splits.is_empty() {
        return;
    }
    splits.sort_unstable_by(|x, y| (x.0, x.1, x.2).partial_cmp(&(y.0, y.1, y.2)).unwrap());
    splits.dedup_by_key(|s| (s.0, s.2));
    input.points.extend(new_points);
    insert_splits(&mut input.lines, &segments.first_seg, &splits);
}

/// Every crossing and touch between segments of the same layer. Each unordered pair is
/// examined once, from its lower segment; results are collected in segment order so the new
/// points are numbered identically on every run.
fn find_splits(segs: &[[u32; 3]], pts: &[[f64; 2]], layers: &[i32]) -> Vec<Vec<Split>> {
    let tol = TOUCH_TOLERANCE_M;
    let tree = PackedTree::new(
        (segs.par_iter().enumerate())
            .map(|(k, s)| {
                let (lo, hi) = padded_box(pts[s[1] as usize], pts[s[2] as usize], tol);
                ([lo[0], lo[1], hi[0], hi[1]], k as u32)
            })
            .collect(),
    );
    let per_leaf = tree.leaf_joins(|boxes, items, cands| {
        let mut js: Vec<u32> = Vec::new();
        (boxes.iter().zip(items))
            .map(|(b, &i)| {
                js.clear();
                js.extend(
                    (cands.iter())
                        .filter(|(c, j)| *j > i && overlap(b, c))
                        .map(|c| c.1),
                );
                js.sort_unstable();
                (i, splits_of(i, &js, segs, pts, layers))
            })
            .collect::<Vec<_>>()
    });
    let mut found: Vec<Vec<Split>> = (0..segs.len()).map(|_| Vec::new()).collect();
    for (i, splits) in per_leaf.into_iter().flatten() {
        found[i as usize] = splits;
    }
    found
}

/// The splits between segment `i` and each segment of `js` (ascending, all after `i`, their
/// boxes meeting its box) on its layer.
fn splits_of(
    i: u32,
    js: &[u32],
    segs: &[[u32; 3]],
    pts: &[[f64; 2]],
    layers: &[i32],
) -> Vec<Split> {
    let [li, ia, ib] = segs[i as usize];
    let mut out = Vec::new();
    if ia == ib {
        return out;
    }
    for &j in js {
        let [lj, jc, jd] = segs[j as usize];
        if jc == jd || layers[li as usize] != layers[lj as usize] {
            continue;
        }
        if ia == jc || ia == jd || ib == jc || ib == jd {
            continue;
        }
        pair_splits([i, ia, ib], [j, jc, jd], pts, &mut out);
    }
    out
}

/// The splits between segment `[i, a, b]` and segment `[j, c, d]` (segment id, then its two
/// point ids), which share no point: their proper crossing, else each vertex of one lying on
/// the other.
fn pair_splits(first: [u32; 3], second: [u32; 3], pts: &[[f64; 2]], out: &mut Vec<Split>) {
    let tol = TOUCH_TOLERANCE_M;
    let ([i, ia, ib], [j, jc, jd]) = (first, second);
    let (a, b) = (pts[ia as usize], pts[ib as usize]);
    let (c, d) = (pts[jc as usize], pts[jd as usize]);
    let d1 = orient(c, d, a);
    let d2 = orient(c, d, b);
    let d3 = orient(a, b, c);
    let d4 = orient(a, b, d);
    if d1 * d2 < 0.0 && d3 * d4 < 0.0 {
        let t = d1 / (d1 - d2);
        let at = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
        // A crossing closer than the tolerance to a vertex is that vertex touching the other
        // segment; the touch test below handles it with the vertex itself.
        if dist(at, a)
            .min(dist(at, b))
            .min(dist(at, c))
            .min(dist(at, d))
            > tol
        {
            out.push(Split::Crossing { i, j, at });
            return;
        }
    }
    for (v, (s, e), seg) in [
        (jc, (a, b), i),
        (jd, (a, b), i),
        (ia, (c, d), j),
        (ib, (c, d), j),
    ] {
        if touches(s, e, pts[v as usize], tol) {
            out.push(Split::Touch { seg, point: v });
        }
    }
}

/// A split of a segment: (segment, position along it as a fraction, point).
type SegmentSplit = (u32, f64, u32);

/// Every split as (segment, position along it, point), with the crossing points to add (ids
/// numbered on from `pts.len()` in the order found).
fn split_positions(
    found: Vec<Vec<Split>>,
    segs: &[[u32; 3]],
    pts: &[[f64; 2]],
) -> (Vec<SegmentSplit>, Vec<[f64; 2]>) {
    let mut splits: Vec<SegmentSplit> = Vec::new();
    let seg_param = |seg: u32, p: [f64; 2]| {
        let s = segs[seg as usize];
        param(pts[s[1] as usize], pts[s[2] as usize], p)
    };
    let mut new_points: Vec<[f64; 2]> = Vec::new();
    for split in found.into_iter().flatten() {
        match split {
            Split::Crossing { i, j, at } => {
                let id = (pts.len() + new_points.len()) as u32;
                new_points.push(at);
                splits.push((i, seg_param(i, at), id));
                splits.push((j, seg_param(j, at), id));
            }
            Split::Touch { seg, point } => {
                splits.push((seg, seg_param(seg, pts[point as usize]), point));
            }
        }
    }
    (splits, new_points)
}

/// Inserts the sorted, deduplicated `splits` into the lines whose segments they fall on,
/// never repeating a point twice in a row.
fn insert_splits(lines: &mut [Vec<u32>], first_seg: &[usize], splits: &[SegmentSplit]) {
    let mut s = 0;
    for (l, line) in lines.iter_mut().enumerate() {
        let (lo, hi) = (first_seg[l], first_seg[l + 1]);
        while s < splits.len() && (splits[s].0 as usize) < lo {
            s += 1;
        }
        if s >= splits.len() || splits[s].0 as usize >= hi {
            continue;
        }
        let old = std::mem::take(line);
        line.push(old[0]);
        for (k, &p) in old.iter().enumerate().skip(1) {
            let seg = (lo + k - 1) as u32;
            while s < splits.len() && splits[s].0 == seg {
                if *line.last().unwrap() != splits[s].2 {
                    line.push(splits[s].2);
                }
                s += 1;
            }
            if *line.last().unwrap() != p {
                line.push(p);
            }
        }
    }
}

/// True when `p` lies within `tol` of the interior of segment `a → b` (farther than `tol`
/// from both ends).
fn touches(a: [f64; 2], b: [f64; 2], p: [f64; 2], tol: f64) -> bool {
    if dist(p, a) <= tol || dist(p, b) <= tol {
        return false;
    }
    let t = param(a, b, p);
    if !(0.0..=1.0).contains(&t) {
        return false;
    }
    let len = dist(a, b);
    len > 0.0 && orient(a, b, p).abs() / len <= tol
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two 20 m streets crossing at their midpoints (the origin) without a shared vertex.
    fn plus_sign() -> Vec<Vec<[f64; 2]>> {
        vec![
            vec![[-10.0, 0.0], [10.0, 0.0]],
            vec![[0.0, -10.0], [0.0, 10.0]],
        ]
    }

    #[test]
    fn hilbert_curve_visits_every_cell_once_stepping_to_neighbours() {
        let bits = 3;
        let n = 1u32 << bits;
        let mut at = vec![None; (n * n) as usize];
        for x in 0..n {
            for y in 0..n {
                let d = hilbert_d(bits, x, y) as usize;
                assert!(at[d].is_none(), "cell ({x}, {y}) shares d = {d}");
                at[d] = Some((x as i64, y as i64));
            }
        }
        for w in at.windows(2) {
            let (a, b) = (w[0].unwrap(), w[1].unwrap());
            assert_eq!((a.0 - b.0).abs() + (a.1 - b.1).abs(), 1, "{a:?} → {b:?}");
        }
    }

    #[test]
    fn shared_vertices_connect_lines_and_split_them_into_segments() {
        let lines = vec![
            vec![[0.0, 0.0], [10.0, 0.0], [20.0, 0.0]],
            vec![[10.0, 0.0], [10.0, 10.0]],
            vec![[100.0, 0.0], [110.0, 0.0]],
        ];
        let net = StreetNetwork::from_lines(&lines, None, false);
        assert_eq!(net.node_count(), 6);
        assert_eq!(net.edge_count(), 4);
        assert_eq!(net.total_length_m(), 40.0);
        assert_eq!(net.component_count(), 2);
        assert_eq!(net.bbox(), Some([0.0, 0.0, 110.0, 10.0]));
        let junction = (0..net.node_count())
            .find(|&i| net.node_xy(i) == [10.0, 0.0])
            .unwrap();
        assert_eq!(net.arcs_of(junction as u32).len(), 3);
    }

    #[test]
    fn repeated_vertices_and_short_lines_add_no_edges() {
        let lines = vec![
            vec![[0.0, 0.0], [0.0, 0.0], [5.0, 0.0], [5.0, 0.0]],
            vec![[7.0, 7.0]],
            vec![],
        ];
        let net = StreetNetwork::from_lines(&lines, None, false);
        assert_eq!((net.node_count(), net.edge_count()), (2, 1));
        let empty = StreetNetwork::from_lines(&[], None, true);
        assert!(empty.is_empty());
        assert_eq!(empty.bbox(), None);
        assert_eq!(empty.component_count(), 0);
    }

    #[test]
    fn crossing_lines_connect_only_when_noded() {
        let x = plus_sign();
        let plain = StreetNetwork::from_lines(&x, None, false);
        assert_eq!(plain.component_count(), 2);
        let noded = StreetNetwork::from_lines(&x, None, true);
        assert_eq!(noded.component_count(), 1);
        assert_eq!((noded.node_count(), noded.edge_count()), (5, 4));
        // The junction is a 4-way node at the crossing.
        let centre = (0..noded.node_count())
            .find(|&i| noded.node_xy(i) == [0.0, 0.0])
            .expect("a node at the crossing");
        assert_eq!(noded.arcs_of(centre as u32).len(), 4);
        assert_eq!(noded.total_length_m(), 40.0);
    }

    #[test]
    fn a_bridge_over_a_street_stays_unconnected() {
        let x = plus_sign();
        let net = StreetNetwork::from_lines(&x, Some(&[0, 1]), true);
        assert_eq!(net.component_count(), 2);
        assert_eq!(net.edge_count(), 2);
        // Same non-zero layer: two bridges crossing on one deck do meet.
        let net = StreetNetwork::from_lines(&x, Some(&[1, 1]), true);
        assert_eq!(net.component_count(), 1);
    }

    #[test]
    fn noding_splits_every_crossing_and_t_junction_once() {
        // A comb: one long street crossed by five, plus a T whose end lies on the street.
        let mut lines = vec![vec![[0.0, 0.0], [100.0, 0.0]]];
        for k in 1..=5 {
            let x = 15.0 * k as f64;
            lines.push(vec![[x, -5.0], [x, 5.0]]);
        }
        lines.push(vec![[95.0, 0.0], [95.0, 30.0]]);
        let net = StreetNetwork::from_lines(&lines, None, true);
        assert_eq!(net.component_count(), 1);
        // 2 ends + 5 crossings + 1 touch on the long street; 10 comb ends; 1 T end.
        assert_eq!(net.node_count(), 2 + 5 + 1 + 10 + 1);
        assert!((net.total_length_m() - (100.0 + 50.0 + 30.0)).abs() < 1e-9);
        let again = StreetNetwork::from_lines(&lines, None, true);
        assert_eq!(again.xy, net.xy);
        assert_eq!(again.edges, net.edges);
    }

    /// The leaf-by-leaf search for splits against every pair of segments: the same splits in
    /// the same order, on tangles of long lines, short chains (many per leaf), shared and
    /// repeated vertices and two layers.
    #[test]
    fn splits_match_every_pair() {
        let split_key = |s: &Split| match *s {
            Split::Crossing { i, j, at } => (0, i, j, at[0].to_bits(), at[1].to_bits()),
            Split::Touch { seg, point } => (1, seg, point, 0, 0),
        };
        let mut total = 0;
        for seed in 0..12 {
            let mut rng = crate::rng::Rng::new(900 + seed);
            let mut input = IndexedLines::default();
            let n_points = 40 + rng.below(400);
            input.points = (0..n_points)
                .map(|_| [rng.range(0.0, 300.0).round(), rng.range(0.0, 300.0)])
                .collect();
            for _ in 0..20 + rng.below(200) {
                let len = 2 + rng.below(6);
                input
                    .lines
                    .push((0..len).map(|_| rng.below(n_points) as u32).collect());
                input.layers.push(i32::from(rng.below(5) == 0));
            }
            let segments = Segments::of(&input);
            let (segs, pts) = (&segments.segs, &input.points);
            let fast = find_splits(segs, pts, &input.layers);
            let tol = TOUCH_TOLERANCE_M;
            let boxed = |k: usize| {
                let (lo, hi) = padded_box(pts[segs[k][1] as usize], pts[segs[k][2] as usize], tol);
                [lo[0], lo[1], hi[0], hi[1]]
            };
            for (i, fast_i) in fast.iter().enumerate() {
                let js: Vec<u32> = (i + 1..segs.len())
                    .filter(|&j| overlap(&boxed(i), &boxed(j)))
                    .map(|j| j as u32)
                    .collect();
                let slow = splits_of(i as u32, &js, segs, pts, &input.layers);
                let keys = |v: &[Split]| v.iter().map(split_key).collect::<Vec<_>>();
                assert_eq!(keys(fast_i), keys(&slow), "seed {seed} segment {i}");
                total += slow.len();
            }
        }
        assert!(total > 500, "{total} splits compared");
    }

    /// The components counted by union-find while building equal the pieces a search from
    /// every node finds, on random graphs of many pieces (self-loops and repeats included).
    #[test]
    fn component_count_matches_a_search() {
        let mut several = 0;
        for seed in 0..40 {
            let mut rng = crate::rng::Rng::new(400 + seed);
            let pts: Vec<[f64; 2]> = (0..10 + rng.below(200))
                .map(|_| [rng.below(60) as f64 * 10.0, rng.below(60) as f64 * 10.0])
                .collect();
            let lines: Vec<Vec<[f64; 2]>> = (0..rng.below(150))
                .map(|_| {
                    (0..2 + rng.below(3))
                        .map(|_| pts[rng.below(pts.len())])
                        .collect()
                })
                .collect();
            let net = StreetNetwork::from_lines(&lines, None, seed % 3 == 0);
            let ids = net.component_ids();
            let pieces = ids.iter().max().map_or(0, |&m| m as usize + 1);
            assert_eq!(net.component_count(), pieces, "seed {seed}");
            several += usize::from(pieces > 3);
        }
        assert!(several > 10, "{several} graphs of several pieces");
    }

    #[test]
    fn noding_a_dense_random_tangle_keeps_length_and_connects_it() {
        let mut rng = crate::rng::Rng::new(77);
        let lines: Vec<Vec<[f64; 2]>> = (0..60)
            .map(|_| {
                (0..4)
                    .map(|_| [rng.range(0.0, 500.0), rng.range(0.0, 500.0)])
                    .collect()
            })
            .collect();
        let plain = StreetNetwork::from_lines(&lines, None, false);
        let noded = StreetNetwork::from_lines(&lines, None, true);
        let rel = (noded.total_length_m() - plain.total_length_m()).abs() / plain.total_length_m();
        assert!(rel < 1e-9, "length changed by {rel}");
        assert!(noded.edge_count() > 2 * plain.edge_count());
        assert_eq!(noded.component_count(), 1);
    }
}
