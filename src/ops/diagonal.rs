//! `diagonal` and `trace`: a diagonal node reads its input only along the diagonal, in
//! pieces split at the input's chunk boundaries on the two diagonal axes, so a piece is
//! never larger than a chunk-sized square (the full square of the diagonal's length is
//! never read).

use crate::chunk::Chunk;
use crate::error::{Error, Result};
use crate::graph::{Array, Evaluator, Operator, normalize_axis, out_bytes, region_cost};
use crate::grid::{Region, strides, unravel};
use crate::kernels::reduce::ReduceOp;

/// A diagonal node: the diagonal at `offset` of the plane (`axis1`, `axis2`) of `input`.
/// The result has `input`'s other axes in order, then the diagonal axis.
pub(crate) struct Diagonal {
    pub(crate) input: Array,
    pub(crate) axis1: usize,
    pub(crate) axis2: usize,
    pub(crate) offset: i64,
}

impl Array {
    /// numpy's `diagonal(a, offset, axis1, axis2)`: elements `a[.., i, .., i + offset, ..]`
    /// (negative `offset` below the main diagonal), with the other axes first and the
    /// diagonal last. Negative axes count from the end. An offset past the edge gives an
    /// empty diagonal. Only the chunks on the diagonal are read.
    ///
    /// # Errors
    /// An array of fewer than two axes; `axis1` or `axis2` out of range, or both naming
    /// the same axis.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(
    ///     ndarray::array![[1, 2, 3], [4, 5, 6], [7, 8, 9]].view(),
    ///     &[2, 2],
    /// )?;
    /// assert_eq!(a.diagonal(0, 0, 1)?.compute_vec::<i32>(&ctx)?, vec![1, 5, 9]);
    /// assert_eq!(a.diagonal(1, 0, 1)?.compute_vec::<i32>(&ctx)?, vec![2, 6]);
    /// assert_eq!(a.diagonal(-1, 0, 1)?.compute_vec::<i32>(&ctx)?, vec![4, 8]);
    /// assert_eq!(a.diagonal(0, 1, 0)?.compute_vec::<i32>(&ctx)?, vec![1, 5, 9]);
    /// assert_eq!(a.diagonal(5, 0, 1)?.shape(), &[0]);
    ///
    /// // A stack of two 2 x 2 matrices: the diagonal of each.
    /// let stack = Array::from_ndarray(
    ///     ndarray::array![[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]].view(),
    ///     &[1, 2, 2],
    /// )?;
    /// let diagonals = stack.diagonal(0, -2, -1)?;
    /// assert_eq!(diagonals.shape(), &[2, 2]);
    /// assert_eq!(diagonals.compute_vec::<f64>(&ctx)?, vec![1.0, 4.0, 5.0, 8.0]);
    ///
    /// assert!(a.diagonal(0, 1, -1).is_err()); // the same axis twice
    /// assert!(a.diagonal(0, 0, 2).is_err()); // no axis 2
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn diagonal(&self, offset: i64, axis1: i64, axis2: i64) -> Result<Array> {
        if self.ndim() < 2 {
            return Err(Error::shape(
                "diagonal",
                format!(
                    "needs an array of at least 2 axes, got shape {:?}",
                    self.shape()
                ),
            ));
        }
        let axis1 = normalize_axis(axis1, self.ndim(), "diagonal")?;
        let axis2 = normalize_axis(axis2, self.ndim(), "diagonal")?;
        if axis1 == axis2 {
            return Err(Error::shape(
                "diagonal",
                format!("axis1 and axis2 are both axis {axis1}; they must differ"),
            ));
        }
        let node = Diagonal {
            input: self.clone(),
            axis1,
            axis2,
            offset,
        };
        let others = node.other_axes();
        let mut shape: Vec<u64> = others.iter().map(|&d| self.shape()[d]).collect();
        let mut chunks: Vec<u64> = others.iter().map(|&d| self.chunks()[d]).collect();
        shape.push(node.len());
        chunks.push(node.piece_len());
        Ok(Array::from_node(node, shape, chunks, self.dtype()))
    }

    /// numpy's `trace(a, offset, axis1, axis2)`: the diagonal summed, with `sum`'s dtype
    /// (int64 for signed ints and bool, uint64 for unsigned, floats keep theirs). The
    /// result has the other axes; a 2-D array gives a 0-d result.
    ///
    /// # Errors
    /// As [`Array::diagonal`]: fewer than two axes, axes out of range or equal.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(
    ///     ndarray::array![[1i32, 2, 3], [4, 5, 6], [7, 8, 9]].view(),
    ///     &[2, 2],
    /// )?;
    /// let t = a.trace(0, 0, 1)?;
    /// assert_eq!((t.ndim(), t.dtype()), (0, DType::I64));
    /// assert_eq!(t.compute_vec::<i64>(&ctx)?, vec![15]);
    /// assert_eq!(a.trace(1, 0, 1)?.compute_vec::<i64>(&ctx)?, vec![8]);
    /// assert_eq!(a.trace(3, 0, 1)?.compute_vec::<i64>(&ctx)?, vec![0]); // empty
    /// let v = Array::from_ndarray(ndarray::array![1i32, 2].view(), &[2])?;
    /// assert!(v.trace(0, 0, 1).is_err());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn trace(&self, offset: i64, axis1: i64, axis2: i64) -> Result<Array> {
        self.diagonal(offset, axis1, axis2)?
            .reduce(ReduceOp::Sum, [-1])
    }
}

impl Diagonal {
    /// The input's axes other than the two diagonal axes, in order.
    fn other_axes(&self) -> Vec<usize> {
        (0..self.input.ndim())
            .filter(|&d| d != self.axis1 && d != self.axis2)
            .collect()
    }

    /// Where the diagonal starts on `axis1` and on `axis2`.
    fn origin(&self) -> (u64, u64) {
        let shift = self.offset.unsigned_abs();
        if self.offset >= 0 {
            (0, shift)
        } else {
            (shift, 0)
        }
    }

    /// Length of the diagonal.
    fn len(&self) -> u64 {
        let (r0, c0) = self.origin();
        let rows = self.input.shape()[self.axis1].saturating_sub(r0);
        let cols = self.input.shape()[self.axis2].saturating_sub(c0);
        rows.min(cols)
    }

    /// Longest piece of the diagonal inside one input chunk: the shorter chunk length of
    /// the two axes (at least 1).
    fn piece_len(&self) -> u64 {
        let chunks = self.input.chunks();
        chunks[self.axis1]
            .min(chunks[self.axis2])
            .min(self.len())
            .max(1)
    }

    /// The diagonal positions `[lo, hi)` split where either axis crosses an input chunk
    /// boundary.
    pub(super) fn pieces(&self, lo: u64, hi: u64) -> Vec<(u64, u64)> {
        let (r0, c0) = self.origin();
        let (c1, c2) = (
            self.input.chunks()[self.axis1].max(1),
            self.input.chunks()[self.axis2].max(1),
        );
        let mut pieces = Vec::new();
        let mut t = lo;
        while t < hi {
            let (i, j) = (r0 + t, c0 + t);
            let step = (c1 - i % c1).min(c2 - j % c2).min(hi - t);
            pieces.push((t, t + step));
            t += step;
        }
        pieces
    }

    /// The input region holding diagonal positions `[lo, hi)` for the output's other
    /// axes `others` (start and shape per other axis).
    fn input_region(&self, others: &Region, lo: u64, hi: u64) -> Region {
        let ndim = self.input.ndim();
        let mut region = Region {
            start: vec![0; ndim],
            shape: vec![0; ndim],
        };
        for (k, d) in self.other_axes().into_iter().enumerate() {
            region.start[d] = others.start[k];
            region.shape[d] = others.shape[k];
        }
        let (r0, c0) = self.origin();
        region.start[self.axis1] = r0 + lo;
        region.start[self.axis2] = c0 + lo;
        region.shape[self.axis1] = hi - lo;
        region.shape[self.axis2] = hi - lo;
        region
    }
}

/// Copies the diagonal of `piece` (an input region from `input_region`) into diagonal
/// positions `at..` of `out`, whose last axis is the diagonal of length `out_len`.
fn gather_diagonal(node: &Diagonal, piece: &Chunk, out: &mut Chunk, at: u64, out_len: u64) {
    let size = piece.dtype().size();
    let piece_strides = strides(piece.shape());
    let others = node.other_axes();
    let outer: Vec<u64> = others.iter().map(|&d| piece.shape()[d]).collect();
    let len = piece.shape()[node.axis1];
    let step = piece_strides[node.axis1] + piece_strides[node.axis2];
    let src = piece.bytes();
    let dst = out.bytes_mut();
    for row in 0..outer.iter().product::<u64>() {
        let index = unravel(row, &outer);
        let base: u64 = index
            .iter()
            .zip(&others)
            .map(|(i, &d)| i * piece_strides[d])
            .sum();
        for k in 0..len {
            let from = (base + k * step) as usize * size;
            let to = (row * out_len + at + k) as usize * size;
            dst[to..to + size].copy_from_slice(&src[from..from + size]);
        }
    }
}

impl Operator for Diagonal {
    fn name(&self) -> &'static str {
        "diagonal"
    }

    fn label(&self, _node: &Array) -> String {
        diagonal_stage_name(self)
    }

    fn inputs(&self) -> Vec<&Array> {
        vec![&self.input]
    }

    fn evaluate(&self, ev: &Evaluator<'_>, node: &Array, region: &Region) -> Result<Chunk> {
        eval_diagonal(ev, node, self, region)
    }

    fn cost(&self, node: &Array, shape: &[u64], batch: u64) -> u64 {
        diagonal_cost(node, self, shape, batch)
    }
}

/// Produces `region` of a diagonal node, reading the input piece by piece along the
/// diagonal (pieces in parallel batches, copied in order).
fn eval_diagonal(
    evaluator: &Evaluator<'_>,
    array: &Array,
    node: &Diagonal,
    region: &Region,
) -> Result<Chunk> {
    let mut out = Chunk::zeros(array.dtype(), &region.shape);
    if region.is_empty() {
        return Ok(out);
    }
    let last = region.shape.len() - 1;
    let others = Region {
        start: region.start[..last].to_vec(),
        shape: region.shape[..last].to_vec(),
    };
    let (lo, len) = (region.start[last], region.shape[last]);
    let pieces = node.pieces(lo, lo + len);
    let read = |i: usize| {
        let (from, to) = pieces[i];
        evaluator.region(&node.input, &node.input_region(&others, from, to))
    };
    let mut next = 0;
    evaluator.in_order(pieces.len(), read, |piece| {
        gather_diagonal(node, &piece, &mut out, pieces[next].0 - lo, len);
        next += 1;
        Ok(())
    })?;
    Ok(out)
}

/// Projected peak bytes of producing a region of `shape` of a diagonal node: the output
/// and `batch` input pieces, each at most a chunk-long square on the diagonal axes.
fn diagonal_cost(array: &Array, node: &Diagonal, shape: &[u64], batch: u64) -> u64 {
    let out = out_bytes(array, shape);
    let side = node.piece_len();
    let mut piece = vec![0; node.input.ndim()];
    for (k, d) in node.other_axes().into_iter().enumerate() {
        piece[d] = shape[k];
    }
    piece[node.axis1] = side;
    piece[node.axis2] = side;
    out.saturating_add(batch.saturating_mul(region_cost(&node.input, &piece, batch)))
}

/// A short description for plans.
fn diagonal_stage_name(node: &Diagonal) -> String {
    format!(
        "diagonal at offset {} of axes {} and {} (read along the diagonal)",
        node.offset, node.axis1, node.axis2
    )
}
