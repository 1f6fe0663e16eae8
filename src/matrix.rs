//! A compressed sparse row matrix of (column, cost) pairs: rows are compounds or sites; the
//! transpose turns one into the other. Costs are stored as `f32` metres to halve memory;
//! budget comparisons happen in `f64` before storage. Rows live in fixed-size blocks so that
//! blocks built in parallel join the matrix without being copied.

/// Rows per block. Parallel builders use it as their chunk size so whole blocks move in.
pub const BLOCK_ROWS: usize = 4096;

#[derive(Debug, Clone, PartialEq, Default)]
struct Block {
    /// `offsets[r]..offsets[r + 1]` indexes `cols`/`cost_m` for row `r` of the block.
    offsets: Vec<usize>,
    cols: Vec<u32>,
    cost_m: Vec<f32>,
}

impl Block {
    fn new() -> Block {
        Block {
            offsets: vec![0],
            cols: Vec::new(),
            cost_m: Vec::new(),
        }
    }

    fn rows(&self) -> usize {
        self.offsets.len() - 1
    }
}

/// Sparse rows of `(index, cost_m)` pairs, each row sorted by index.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CoverageMatrix {
    blocks: Vec<Block>,
    n_rows: usize,
    n_cols: usize,
}

impl CoverageMatrix {
    /// A matrix with no rows yet and `n_cols` columns.
    pub fn new(n_cols: usize) -> Self {
        CoverageMatrix {
            blocks: Vec::new(),
            n_rows: 0,
            n_cols,
        }
    }

    /// An empty matrix expecting about `rows` rows (a sizing hint).
    pub fn with_capacity(n_cols: usize, rows: usize, _nnz: usize) -> Self {
        let mut m = CoverageMatrix::new(n_cols);
        m.blocks.reserve(rows.div_ceil(BLOCK_ROWS));
        m
    }

    /// Appends a row. Entries must be sorted by column and below `n_cols`.
    ///
    /// # Panics
    /// When a column is out of range (a caller bug).
    pub fn push_row(&mut self, row: impl IntoIterator<Item = (u32, f32)>) {
        if self.blocks.last().is_none_or(|b| b.rows() == BLOCK_ROWS) {
            self.blocks.push(Block::new());
        }
        let block = self.blocks.last_mut().expect("a block was just ensured");
        for (c, cost) in row {
            assert!((c as usize) < self.n_cols, "column {c} out of range");
            block.cols.push(c);
            block.cost_m.push(cost);
        }
        block.offsets.push(block.cols.len());
        self.n_rows += 1;
    }

    /// Appends a row given as a slice of pairs (the hot path of parallel builders).
    ///
    /// # Panics
    /// When a column is out of range (a caller bug).
    pub fn push_sorted_row(&mut self, row: &[(u32, f32)]) {
        if self.blocks.last().is_none_or(|b| b.rows() == BLOCK_ROWS) {
            self.blocks.push(Block::new());
        }
        let block = self.blocks.last_mut().expect("a block was just ensured");
        assert!(
            row.iter().all(|&(c, _)| (c as usize) < self.n_cols),
            "column out of range"
        );
        block.cols.extend(row.iter().map(|&(c, _)| c));
        block.cost_m.extend(row.iter().map(|&(_, d)| d));
        block.offsets.push(block.cols.len());
        self.n_rows += 1;
    }

    /// Appends the rows of `other` (same columns). When this matrix ends on a block boundary
    /// the blocks move over without copying, as they do for parallel builders.
    pub fn append(&mut self, other: CoverageMatrix) {
        if self.n_rows.is_multiple_of(BLOCK_ROWS) {
            self.n_rows += other.n_rows;
            self.blocks.extend(other.blocks);
        } else {
            self.extend(&other);
        }
    }

    /// Appends copies of the rows of `other` (same columns).
    pub fn extend(&mut self, other: &CoverageMatrix) {
        for r in 0..other.n_rows() {
            let (c, d) = other.row(r);
            self.push_row(c.iter().copied().zip(d.iter().copied()));
        }
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// Number of stored pairs.
    pub fn nnz(&self) -> usize {
        self.blocks.iter().map(|b| b.cols.len()).sum()
    }

    /// Row `r`: column indices and costs in metres.
    ///
    /// # Panics
    /// When `r >= n_rows()`.
    pub fn row(&self, r: usize) -> (&[u32], &[f32]) {
        let b = &self.blocks[r / BLOCK_ROWS];
        let k = r % BLOCK_ROWS;
        let (a, e) = (b.offsets[k], b.offsets[k + 1]);
        (&b.cols[a..e], &b.cost_m[a..e])
    }

    /// The transpose (rows become columns), each row sorted by index. Deterministic: a
    /// counting sort in row order.
    pub fn transpose(&self) -> CoverageMatrix {
        let mut counts = vec![0usize; self.n_cols + 1];
        for b in &self.blocks {
            for &c in &b.cols {
                counts[c as usize + 1] += 1;
            }
        }
        for i in 0..self.n_cols {
            counts[i + 1] += counts[i];
        }
        let nnz = counts[self.n_cols];
        let mut next = counts.clone();
        let mut cols = vec![0u32; nnz];
        let mut cost_m = vec![0f32; nnz];
        for r in 0..self.n_rows {
            let (cs, ds) = self.row(r);
            for (&c, &d) in cs.iter().zip(ds) {
                let slot = &mut next[c as usize];
                cols[*slot] = r as u32;
                cost_m[*slot] = d;
                *slot += 1;
            }
        }
        let mut t = CoverageMatrix::new(self.n_rows);
        for r in 0..self.n_cols {
            let (a, e) = (counts[r], counts[r + 1]);
            t.push_row(cols[a..e].iter().copied().zip(cost_m[a..e].iter().copied()));
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transpose_twice_is_identity() {
        let mut m = CoverageMatrix::new(3);
        m.push_row([(0, 1.0), (2, 2.0)]);
        m.push_row([]);
        m.push_row([(1, 3.0), (2, 4.0)]);
        let t = m.transpose();
        assert_eq!(t.n_rows(), 3);
        assert_eq!(t.row(2), (&[0u32, 2][..], &[2.0f32, 4.0][..]));
        assert_eq!(t.transpose(), m);
    }

    #[test]
    fn appended_blocks_equal_pushed_rows() {
        let row = |r: usize| (0..(r % 5) as u32).map(move |c| (c * 3, r as f32));
        let mut pushed = CoverageMatrix::new(20);
        for r in 0..3 * BLOCK_ROWS + 17 {
            pushed.push_row(row(r));
        }
        let mut joined = CoverageMatrix::new(20);
        for start in (0..3 * BLOCK_ROWS + 17).step_by(BLOCK_ROWS) {
            let mut part = CoverageMatrix::new(20);
            for r in start..(start + BLOCK_ROWS).min(3 * BLOCK_ROWS + 17) {
                part.push_row(row(r));
            }
            joined.append(part);
        }
        assert_eq!(joined, pushed);
        assert_eq!(
            joined.row(2 * BLOCK_ROWS + 3),
            pushed.row(2 * BLOCK_ROWS + 3)
        );
        // An unaligned append copies and still agrees.
        let mut odd = CoverageMatrix::new(20);
        odd.push_row(row(0));
        let mut rest = CoverageMatrix::new(20);
        for r in 1..BLOCK_ROWS + 5 {
            rest.push_row(row(r));
        }
        odd.append(rest);
        let mut direct = CoverageMatrix::new(20);
        for r in 0..BLOCK_ROWS + 5 {
            direct.push_row(row(r));
        }
        assert_eq!(odd, direct);
    }
}
