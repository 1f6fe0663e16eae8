//! A compressed sparse row matrix of (column, cost) pairs: rows are compounds or sites; the
//! transpose turns one into the other. Costs are stored as `f32` metres to halve memory;
//! budget comparisons happen in `f64` before storage.

/// Sparse rows of `(index, cost_m)` pairs, each row sorted by index.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CoverageMatrix {
    offsets: Vec<usize>,
    cols: Vec<u32>,
    cost_m: Vec<f32>,
    n_cols: usize,
}

impl CoverageMatrix {
    /// A matrix with no rows yet and `n_cols` columns.
    pub fn new(n_cols: usize) -> Self {
        CoverageMatrix {
            offsets: vec![0],
            cols: Vec::new(),
            cost_m: Vec::new(),
            n_cols,
        }
    }

    /// An empty matrix with room for `rows` rows and `nnz` pairs.
    pub fn with_capacity(n_cols: usize, rows: usize, nnz: usize) -> Self {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        CoverageMatrix {
            offsets,
            cols: Vec::with_capacity(nnz),
            cost_m: Vec::with_capacity(nnz),
            n_cols,
        }
    }

    /// Appends a row. Entries must be sorted by column and below `n_cols`.
    ///
    /// # Panics
    /// When a column is out of range (a caller bug).
    pub fn push_row(&mut self, row: impl IntoIterator<Item = (u32, f32)>) {
        for (c, cost) in row {
            assert!((c as usize) < self.n_cols, "column {c} out of range");
            self.cols.push(c);
            self.cost_m.push(cost);
        }
        self.offsets.push(self.cols.len());
    }

    /// Appends rows from another matrix with the same columns.
    pub fn extend(&mut self, other: &CoverageMatrix) {
        let base = self.cols.len();
        self.cols.extend_from_slice(&other.cols);
        self.cost_m.extend_from_slice(&other.cost_m);
        self.offsets
            .extend(other.offsets[1..].iter().map(|o| o + base));
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// Number of stored pairs.
    pub fn nnz(&self) -> usize {
        self.cols.len()
    }

    /// Row `r`: column indices and costs in metres.
    pub fn row(&self, r: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.offsets[r], self.offsets[r + 1]);
        (&self.cols[a..b], &self.cost_m[a..b])
    }

    /// The transpose (rows become columns), each row sorted by index. Deterministic: a
    /// counting sort in row order.
    pub fn transpose(&self) -> CoverageMatrix {
        let mut counts = vec![0usize; self.n_cols + 1];
        for &c in &self.cols {
            counts[c as usize + 1] += 1;
        }
        for i in 0..self.n_cols {
            counts[i + 1] += counts[i];
        }
        let offsets = counts.clone();
        let mut next = counts;
        let mut cols = vec![0u32; self.cols.len()];
        let mut cost_m = vec![0f32; self.cols.len()];
        for r in 0..self.n_rows() {
            let (cs, ds) = self.row(r);
            for (&c, &d) in cs.iter().zip(ds) {
                let slot = &mut next[c as usize];
                cols[*slot] = r as u32;
                cost_m[*slot] = d;
                *slot += 1;
            }
        }
        CoverageMatrix {
            offsets,
            cols,
            cost_m,
            n_cols: self.n_rows(),
        }
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
}
