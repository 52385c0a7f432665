//! Tensor contractions: `tensordot`, with `matmul` and `outer` on top of it, and
//! `einsum` for the contractions tensordot (with `diagonal` and transposes) can express.
//!
//! A tensordot node produces an output region by streaming over chunk-aligned blocks of
//! the contracted axes (aligned to the first operand's chunks): each block's operand
//! pieces are laid out as matrices, multiplied into a fresh block product, and the
//! products are added into one output-sized accumulator in block order. The order never
//! depends on how many products are computed at once, so results are bit-identical
//! whatever the thread count, and the memory a region needs does not grow with the
//! contracted length.
//!
//! Operands are read through any transposes stacked on them: a piece whose axes are the
//! matrix's in reverse order is used as a transposed view, not copied. When both
//! operands read the same piece of the same array as `pᵀ` and `p` (`x.T @ x`, a Gram
//! matrix), the piece is read once and only the upper triangle of `pᵀp` is computed.

mod einsum;
mod operands;

pub use einsum::einsum;

use operands::*;

use crate::chunk::Chunk;
use crate::error::{Error, Result};
use crate::graph::{Array, Evaluator, Operator, normalize_axis, region_cost, sat_mul, sat_sum};
use crate::grid::{Region, unravel};
use crate::kernels::elementwise::{BLOCK, BinaryOp, apply_in_place};
use crate::kernels::layout::permute_axes;

use super::transpose::Transpose;
use crate::kernels::linalg::{
    MatrixRef, PARALLEL_MIN_MULTIPLY_ADDS, gram_accumulate_upper, matmul_accumulate_views,
    matmul_dtype, mirror_upper_triangle,
};

/// Which axes a tensordot contracts (numpy's `axes` argument): a count `n` converts
/// to [`DotAxes::Last`], a pair of axis lists to [`DotAxes::Pairs`].
///
/// # Examples
/// ```
/// use tessera::DotAxes;
/// assert_eq!(DotAxes::from(2), DotAxes::Last(2));
/// assert_eq!(
///     DotAxes::from((&[1, 0][..], &[0, -1][..])),
///     DotAxes::Pairs(vec![1, 0], vec![0, -1])
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DotAxes {
    /// The last `n` axes of `a` with the first `n` of `b`, in order.
    Last(usize),
    /// Axis `a_axes[i]` of `a` with axis `b_axes[i]` of `b` (negative counts from the end).
    Pairs(Vec<i64>, Vec<i64>),
}

impl From<usize> for DotAxes {
    fn from(n: usize) -> DotAxes {
        DotAxes::Last(n)
    }
}

impl From<(&[i64], &[i64])> for DotAxes {
    fn from((a, b): (&[i64], &[i64])) -> DotAxes {
        DotAxes::Pairs(a.to_vec(), b.to_vec())
    }
}

/// A tensordot node: `a` and `b` (both in the result dtype) contracted over axis pairs
/// `(a_axes[i], b_axes[i])`. The result's axes are `a`'s other axes in order, then `b`'s.
pub(crate) struct TensorDot {
    a: Array,
    b: Array,
    a_axes: Vec<usize>,
    b_axes: Vec<usize>,
}

/// Bytes of scratch the in-place accumulation uses (one block of 8-byte elements).
const ADD_SCRATCH_BYTES: u64 = BLOCK as u64 * 8;

/// numpy's `tensordot(a, b, axes)`: sums products over the paired axes. The result's
/// axes are `a`'s uncontracted axes in order, then `b`'s. The dtype is numpy's
/// `result_type` (integers stay integers and wrap; bools give bool, a logical or of
/// ands, as numpy's `dot`). Results are bit-identical whatever the thread count or
/// budget.
///
/// # Errors
/// [`DotAxes::Last`] of more axes than either array has; [`DotAxes::Pairs`] lists of
/// different lengths, or with an axis out of range or repeated; paired axes of
/// different lengths; a result too large to address.
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// use tessera::DotAxes;
/// let ctx = Context::new()?;
/// let a = Array::from_ndarray(ndarray::array![[0i64, 1, 2], [3, 4, 5]].view(), &[1, 3])?;
/// let b = Array::from_ndarray(ndarray::array![[0i64, 1], [2, 3], [4, 5]].view(), &[3, 1])?;
/// // axes=1: the last axis of `a` with the first of `b`, a matrix product.
/// let ab = tensordot(&a, &b, 1)?;
/// assert_eq!((ab.shape(), ab.dtype()), (&[2, 2][..], DType::I64));
/// assert_eq!(ab.compute_vec::<i64>(&ctx)?, vec![10, 13, 28, 40]);
/// // Every axis, paired a[i, j] with b[j, i]: the trace of a @ b.
/// let all = tensordot(&a, &b, (&[0, 1][..], &[1, 0][..]))?;
/// assert_eq!(all.shape(), &[] as &[u64]);
/// assert_eq!(all.compute_vec::<i64>(&ctx)?, vec![50]);
/// // axes=0: the outer product, of shape [2, 3, 3, 2].
/// assert_eq!(tensordot(&a, &b, 0)?.shape(), &[2, 3, 3, 2]);
///
/// assert!(tensordot(&a, &b, 3).is_err()); // b has two axes
/// assert!(tensordot(&a, &b, DotAxes::Pairs(vec![0], vec![0])).is_err()); // 2 vs 3
/// assert!(tensordot(&a, &b, (&[1, 1][..], &[0, 1][..])).is_err()); // axis 1 twice
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn tensordot(a: &Array, b: &Array, axes: impl Into<DotAxes>) -> Result<Array> {
    let (a_axes, b_axes) = resolve_axes(a, b, axes.into())?;
    for (&i, &j) in a_axes.iter().zip(&b_axes) {
        if a.shape()[i] != b.shape()[j] {
            return Err(Error::shape(
                "tensordot",
                format!(
                    "shapes {:?} and {:?} do not align: axis {i} of the first has length {} but axis {j} of the second has {}",
                    a.shape(),
                    b.shape(),
                    a.shape()[i],
                    b.shape()[j]
                ),
            ));
        }
    }
    let dtype = matmul_dtype(a.dtype(), b.dtype());
    let (a, b) = (a.astype(dtype)?, b.astype(dtype)?);
    let (a_free, b_free) = (free_axes(a.ndim(), &a_axes), free_axes(b.ndim(), &b_axes));
    let pick = |array: &Array, axes: &[usize], of: fn(&Array) -> &[u64]| {
        axes.iter().map(|&d| of(array)[d]).collect::<Vec<u64>>()
    };
    let shape = [
        pick(&a, &a_free, Array::shape),
        pick(&b, &b_free, Array::shape),
    ]
    .concat();
    let chunks = [
        pick(&a, &a_free, Array::chunks),
        pick(&b, &b_free, Array::chunks),
    ]
    .concat();
    let node = TensorDot {
        a,
        b,
        a_axes,
        b_axes,
    };
    Array::checked_node(node, shape, chunks, dtype)
}

/// numpy's `outer`: both inputs flattened, then `a[:, None] * b[None, :]`, a fused
/// elementwise product with numpy's `multiply` dtypes. The result has shape
/// `[a.len(), b.len()]`.
///
/// # Errors
/// A result too large to address.
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// let ctx = Context::new()?;
/// let a = Array::from_ndarray(ndarray::array![1.0, 2.0].view(), &[1])?;
/// let b = Array::from_ndarray(ndarray::array![[1.0, 10.0], [100.0, 1000.0]].view(), &[1, 2])?;
/// let ab = tessera::outer(&a, &b)?; // b is flattened first
/// assert_eq!(ab.shape(), &[2, 4]);
/// assert_eq!(
///     ab.compute_vec::<f64>(&ctx)?,
///     vec![1.0, 10.0, 100.0, 1000.0, 2.0, 20.0, 200.0, 2000.0]
/// );
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn outer(a: &Array, b: &Array) -> Result<Array> {
    // numpy flattens n-D inputs first.
    let (a, b) = (a.ravel()?, b.ravel()?);
    a.expand_dims(1)?.binary(BinaryOp::Mul, &b.expand_dims(0)?)
}

impl Array {
    /// `tensordot(self, other, axes)`: see [`tensordot`].
    ///
    /// # Errors
    /// As [`tensordot`]: axes out of range, repeated or unpaired, and
    /// paired axes of different lengths.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![[1.0, 2.0], [3.0, 4.0]].view(), &[1, 2])?;
    /// // The sum of a[i, j] * a[i, j] (numpy's tensordot(a, a, axes=2)).
    /// assert_eq!(a.tensordot(&a, 2)?.compute_vec::<f64>(&ctx)?, vec![30.0]);
    /// // Contract axis 0 with axis 0: a.T @ a.
    /// let gram = a.tensordot(&a, (&[0][..], &[0][..]))?;
    /// assert_eq!(gram.compute_vec::<f64>(&ctx)?, vec![10.0, 14.0, 14.0, 20.0]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn tensordot(&self, other: &Array, axes: impl Into<DotAxes>) -> Result<Array> {
        tensordot(self, other, axes)
    }

    /// Matrix product `self @ other` of matrices and vectors: matrix @ matrix, matrix @
    /// vector, vector @ matrix and vector @ vector (a 0-d result), as numpy's `matmul`
    /// for 1-D and 2-D operands. The dtype is numpy's `result_type`, as
    /// [`tensordot`]'s.
    ///
    /// # Errors
    /// An operand that is not 1-D or 2-D (use [`tensordot`] or
    /// [`einsum`](crate::einsum) for n-D products); an inner length of `self` that is
    /// not `other`'s first.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![[1.0, 2.0], [3.0, 4.0]].view(), &[1, 2])?;
    /// let v = Array::from_ndarray(ndarray::array![1.0, -1.0].view(), &[2])?;
    /// assert_eq!(a.matmul(&a)?.compute_vec::<f64>(&ctx)?, vec![7.0, 10.0, 15.0, 22.0]);
    /// assert_eq!(a.matmul(&v)?.compute_vec::<f64>(&ctx)?, vec![-1.0, -1.0]);
    /// assert_eq!(v.matmul(&a)?.compute_vec::<f64>(&ctx)?, vec![-2.0, -2.0]);
    /// let vv = v.matmul(&v)?;
    /// assert_eq!(vv.ndim(), 0);
    /// assert_eq!(vv.compute_vec::<f64>(&ctx)?, vec![2.0]);
    ///
    /// let u = Array::from_ndarray(ndarray::array![1.0, 2.0, 3.0].view(), &[3])?;
    /// assert!(a.matmul(&u).is_err()); // 2 != 3
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn matmul(&self, other: &Array) -> Result<Array> {
        let (a, b) = (self, other);
        if !(1..=2).contains(&a.ndim()) || !(1..=2).contains(&b.ndim()) {
            return Err(Error::shape(
                "matmul",
                format!(
                    "needs matrices or vectors, got shapes {:?} and {:?}; for n-D operands use tensordot or einsum",
                    a.shape(),
                    b.shape()
                ),
            ));
        }
        let k = a.ndim() - 1;
        if a.shape()[k] != b.shape()[0] {
            return Err(Error::shape(
                "matmul",
                format!(
                    "shapes {:?} and {:?} do not align: {} != {}",
                    a.shape(),
                    b.shape(),
                    a.shape()[k],
                    b.shape()[0]
                ),
            ));
        }
        tensordot(a, b, DotAxes::Pairs(vec![k as i64], vec![0]))
    }

    /// `outer(self, other)`: see [`outer`]; n-D inputs are flattened
    /// first.
    ///
    /// # Errors
    /// A result too large to address.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![1i32, 2, 3].view(), &[2])?;
    /// let b = Array::from_ndarray(ndarray::array![1i32, -1].view(), &[2])?;
    /// let ab = a.outer(&b)?;
    /// assert_eq!((ab.shape(), ab.dtype()), (&[3, 2][..], DType::I32));
    /// assert_eq!(ab.compute_vec::<i32>(&ctx)?, vec![1, -1, 2, -2, 3, -3]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn outer(&self, other: &Array) -> Result<Array> {
        outer(self, other)
    }
}

/// The contracted axes of `a` and `b` as non-negative indices, checked.
fn resolve_axes(a: &Array, b: &Array, axes: DotAxes) -> Result<(Vec<usize>, Vec<usize>)> {
    match axes {
        DotAxes::Last(n) => {
            if n > a.ndim() || n > b.ndim() {
                return Err(Error::shape(
                    "tensordot",
                    format!(
                        "axes={n} contracts {n} axes, but the shapes are {:?} and {:?}",
                        a.shape(),
                        b.shape()
                    ),
                ));
            }
            Ok(((a.ndim() - n..a.ndim()).collect(), (0..n).collect()))
        }
        DotAxes::Pairs(x, y) => {
            if x.len() != y.len() {
                return Err(Error::shape(
                    "tensordot",
                    format!(
                        "axes lists {x:?} and {y:?} must have the same length (one axis of each array per pair)"
                    ),
                ));
            }
            Ok((unique_axes(&x, a.ndim())?, unique_axes(&y, b.ndim())?))
        }
    }
}

/// `axes` normalized (negative counts from the end), in the given order, none repeated.
fn unique_axes(axes: &[i64], ndim: usize) -> Result<Vec<usize>> {
    let mut out: Vec<usize> = Vec::with_capacity(axes.len());
    for &axis in axes {
        let d = normalize_axis(axis, ndim, "tensordot")?;
        if out.contains(&d) {
            return Err(Error::shape(
                "tensordot",
                format!("axis {axis} is repeated in {axes:?}"),
            ));
        }
        out.push(d);
    }
    Ok(out)
}

/// Axes of `0..ndim` not in `contracted`, in order.
fn free_axes(ndim: usize, contracted: &[usize]) -> Vec<usize> {
    (0..ndim).filter(|d| !contracted.contains(d)).collect()
}

impl TensorDot {
    /// Free axes of `a` and of `b`, in output order.
    fn free(&self) -> (Vec<usize>, Vec<usize>) {
        (
            free_axes(self.a.ndim(), &self.a_axes),
            free_axes(self.b.ndim(), &self.b_axes),
        )
    }

    /// Per contracted pair: the block length (the first operand's chunk) and the number
    /// of blocks.
    fn blocks(&self) -> Vec<(u64, u64)> {
        self.a_axes
            .iter()
            .map(|&d| {
                let block = self.a.chunks()[d].max(1);
                (block, self.a.shape()[d].div_ceil(block))
            })
            .collect()
    }

    /// The regions of `a` and `b` that block `index` (C order over the blocks) pairs with
    /// the output `region`.
    fn block_regions(&self, region: &Region, index: usize) -> (Region, Region) {
        let blocks = self.blocks();
        let counts: Vec<u64> = blocks.iter().map(|b| b.1).collect();
        let position = unravel(index as u64, &counts);
        let spans: Vec<(u64, u64)> = blocks
            .iter()
            .zip(&position)
            .zip(&self.a_axes)
            .map(|(((block, _), &p), &d)| {
                let lo = p * block;
                (lo, (*block).min(self.a.shape()[d] - lo))
            })
            .collect();
        let (a_free, b_free) = self.free();
        let split = a_free.len();
        let a_region = operand_region(
            self.a.ndim(),
            &a_free,
            &self.a_axes,
            &region.start[..split],
            &region.shape[..split],
            &spans,
        );
        let b_region = operand_region(
            self.b.ndim(),
            &b_free,
            &self.b_axes,
            &region.start[split..],
            &region.shape[split..],
            &spans,
        );
        (a_region, b_region)
    }

    /// Both operands seen through their transposes, each with the base axes its matrix's
    /// rows and columns cover.
    fn sides(&self) -> [Side; 2] {
        let (a_free, b_free) = self.free();
        let (a, b) = (Peeled::of(&self.a), Peeled::of(&self.b));
        let (a_rows, a_cols) = (a.map(&a_free), a.map(&self.a_axes));
        let (b_rows, b_cols) = (b.map(&self.b_axes), b.map(&b_free));
        [
            Side {
                peeled: a,
                rows: a_rows,
                cols: a_cols,
            },
            Side {
                peeled: b,
                rows: b_rows,
                cols: b_cols,
            },
        ]
    }

    /// Shapes of the operand pieces one block reads for an output region of `shape`.
    fn piece_shapes(&self, shape: &[u64]) -> (Vec<u64>, Vec<u64>) {
        let (a_free, b_free) = self.free();
        let split = a_free.len();
        let lengths: Vec<u64> = self
            .a_axes
            .iter()
            .map(|&d| self.a.chunks()[d].min(self.a.shape()[d]).max(1))
            .collect();
        let piece = |ndim: usize, free: &[usize], contracted: &[usize], outer: &[u64]| {
            let mut piece = vec![0; ndim];
            free.iter().zip(outer).for_each(|(&d, &n)| piece[d] = n);
            contracted
                .iter()
                .zip(&lengths)
                .for_each(|(&d, &n)| piece[d] = n);
            piece
        };
        (
            piece(self.a.ndim(), &a_free, &self.a_axes, &shape[..split]),
            piece(self.b.ndim(), &b_free, &self.b_axes, &shape[split..]),
        )
    }
}

impl Operator for TensorDot {
    fn name(&self) -> &'static str {
        "a tensor product (tensordot, matmul, outer, einsum)"
    }

    fn label(&self, _node: &Array) -> String {
        tensordot_stage_name(self)
    }

    fn inputs(&self) -> Vec<&Array> {
        vec![&self.a, &self.b]
    }

    fn evaluate(&self, ev: &Evaluator<'_>, node: &Array, region: &Region) -> Result<Chunk> {
        eval_tensordot(ev, node, self, region)
    }

    fn cost(&self, node: &Array, shape: &[u64], batch: u64) -> u64 {
        tensordot_cost(node, self, shape, batch)
    }
}

/// Produces `region` of a tensordot node.
fn eval_tensordot(
    evaluator: &Evaluator<'_>,
    array: &Array,
    dot: &TensorDot,
    region: &Region,
) -> Result<Chunk> {
    let split = dot.a.ndim() - dot.a_axes.len();
    let rows: u64 = region.shape[..split].iter().product();
    let cols: u64 = region.shape[split..].iter().product();
    let blocks: u64 = dot.blocks().iter().map(|b| b.1).product();
    let mut total = Chunk::zeros(array.dtype(), &[rows, cols]);
    if rows == 0 || cols == 0 || blocks == 0 {
        return total.reshaped(&region.shape);
    }
    let [a, b] = dot.sides();
    // Both pieces of every block are the same base region, or none is.
    let gram = is_gram(&a, &b) && {
        let (a_region, b_region) = dot.block_regions(region, 0);
        a.peeled.region(&a_region) == b.peeled.region(&b_region)
    };
    // Adds block `index`'s product into `acc`; a Gram block only its upper triangle,
    // which is mirrored once the total is complete.
    let accumulate = |index: usize, acc: &mut Chunk| -> Result<()> {
        let (a_region, b_region) = dot.block_regions(region, index);
        if gram {
            let p = b.matrix(evaluator, &b_region)?;
            gram_accumulate_upper(p.view(), acc)
        } else {
            let a_part = a.matrix(evaluator, &a_region)?;
            let b_part = b.matrix(evaluator, &b_region)?;
            matmul_accumulate_views(a_part.view(), b_part.view(), acc)
        }
    };
    if multiplies_in_place(dot, &region.shape) {
        // One large product at a time, split across threads inside the kernel and added
        // straight into the total, in block order.
        for index in 0..blocks as usize {
            accumulate(index, &mut total)?;
        }
    } else {
        // Small block products run `batch` at a time and are added one after another in
        // block order: the same bits whatever the number computed at once.
        let product = |index: usize| -> Result<Chunk> {
            let mut block = Chunk::zeros(array.dtype(), &[rows, cols]);
            accumulate(index, &mut block)?;
            Ok(block)
        };
        evaluator.in_order(blocks as usize, product, |block| {
            apply_in_place(BinaryOp::Add, &mut total, &block)
        })?;
    }
    if gram {
        mirror_upper_triangle(&mut total)?;
    }
    total.reshaped(&region.shape)
}

/// True when one block product for an output region of `shape` is large enough to be
/// split across threads by the kernel: then blocks are multiplied one at a time straight
/// into the total. Decided from shapes alone, so the summation order (and every bit of
/// the result) never depends on the thread count or the budget.
fn multiplies_in_place(dot: &TensorDot, shape: &[u64]) -> bool {
    let split = dot.a.ndim() - dot.a_axes.len();
    let depth: Vec<u64> = dot
        .a_axes
        .iter()
        .map(|&d| dot.a.chunks()[d].min(dot.a.shape()[d]))
        .collect();
    let multiply_adds = sat_mul(&[
        crate::grid::sat_len(&shape[..split]),
        crate::grid::sat_len(&shape[split..]),
        crate::grid::sat_len(&depth),
    ]);
    multiply_adds >= PARALLEL_MIN_MULTIPLY_ADDS as u64
}

/// Projected peak bytes of producing a region of `shape` of a tensordot node: the
/// accumulator plus, for large products, one block's operand pieces (read, and copied
/// into matrix order where needed); for small ones `batch` products in flight, each with
/// its pieces, plus the scratch of the in-place add. Block lengths are chunk lengths, so
/// this does not depend on the contracted lengths.
fn tensordot_cost(array: &Array, dot: &TensorDot, shape: &[u64], batch: u64) -> u64 {
    let size = array.dtype().size() as u64;
    let out = crate::grid::sat_len(shape).saturating_mul(size);
    let (a_piece, b_piece) = dot.piece_shapes(shape);
    let [a, b] = dot.sides();
    // A Gram block reads one piece, but a region off the diagonal reads two.
    let a_cost = a.cost(&a_piece, batch, size);
    let b_cost = b.cost(&b_piece, batch, size);
    if multiplies_in_place(dot, shape) {
        return sat_sum(&[a_cost, b_cost, out]);
    }
    let one = sat_sum(&[a_cost, b_cost, out]);
    sat_sum(&[batch.saturating_mul(one), out, ADD_SCRATCH_BYTES])
}

/// A short description for plans.
fn tensordot_stage_name(dot: &TensorDot) -> String {
    if dot.a_axes.is_empty() {
        return "tensordot (outer product, no contracted axes)".into();
    }
    format!(
        "tensordot of axes {:?} with {:?} (streamed over the contracted axes)",
        dot.a_axes, dot.b_axes
    )
}

#[cfg(test)]
mod tests;
