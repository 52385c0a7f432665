//! Linear algebra on the lazy graph: `tensordot` (with `matmul` and `outer` on top of
//! it), `diagonal` and `trace`, and `einsum` for the contractions tensordot can express.
//!
//! A tensordot node produces an output region by streaming over chunk-aligned blocks of
//! the contracted axes (aligned to the first operand's chunks): each block's operand
//! pieces are laid out as matrices, multiplied into a fresh block product, and the
//! products are added into one output-sized accumulator in block order. The order never
//! depends on how many products are computed at once, so results are bit-identical
//! whatever the thread count, and the memory a region needs does not grow with the
//! contracted length.

mod diagonal;
mod einsum;

pub use diagonal::Diagonal;
pub(crate) use diagonal::{diagonal_cost, diagonal_stage_name, eval_diagonal};
pub use einsum::einsum;

use crate::chunk::Chunk;
use crate::error::{Error, Result};
use crate::eval::{BLOCK, Evaluator, permute_axes};
use crate::graph::{Array, Op, normalize_axis};
use crate::grid::{Region, unravel};
use crate::kernels::elementwise::{self, BinaryOp, Operand};
use crate::kernels::linalg::{matmul_accumulate, matmul_dtype};
use crate::plan::region_cost;

/// Which axes a tensordot contracts (numpy's `axes` argument).
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
pub struct TensorDot {
    pub a: Array,
    pub b: Array,
    pub a_axes: Vec<usize>,
    pub b_axes: Vec<usize>,
}

/// Bytes of scratch the in-place accumulation uses (one block of 8-byte elements).
const ADD_SCRATCH_BYTES: u64 = BLOCK as u64 * 8;

/// numpy's `tensordot(a, b, axes)`: sums products over the paired axes. The dtype is
/// numpy's `result_type` (integers stay integers and wrap; bools give bool, a logical
/// or of ands, as numpy's `dot`).
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
    Ok(Array::from_node(Op::TensorDot(node), shape, chunks, dtype))
}

/// numpy's `outer`: both inputs flattened, then `a[:, None] * b[None, :]`, a fused
/// elementwise product with numpy's `multiply` dtypes.
pub fn outer(a: &Array, b: &Array) -> Result<Array> {
    // numpy flattens n-D inputs first.
    let (a, b) = (a.ravel()?, b.ravel()?);
    a.expand_dims(1)?.binary(BinaryOp::Mul, &b.expand_dims(0)?)
}

impl Array {
    /// `tensordot(self, other, axes)`.
    pub fn tensordot(&self, other: &Array, axes: impl Into<DotAxes>) -> Result<Array> {
        tensordot(self, other, axes)
    }

    /// Matrix product `self @ other` of matrices and vectors: matrix @ matrix, matrix @
    /// vector, vector @ matrix and vector @ vector (a 0-d result), as numpy's `matmul`
    /// for 1-D and 2-D operands.
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

    /// `outer(self, other)` of two 1-D arrays.
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

/// An operand's region: free axes from the output, contracted axes from `spans`.
fn operand_region(
    ndim: usize,
    free: &[usize],
    contracted: &[usize],
    out_start: &[u64],
    out_shape: &[u64],
    spans: &[(u64, u64)],
) -> Region {
    let mut region = Region {
        start: vec![0; ndim],
        shape: vec![0; ndim],
    };
    for (k, &d) in free.iter().enumerate() {
        region.start[d] = out_start[k];
        region.shape[d] = out_shape[k];
    }
    for (&d, &(lo, len)) in contracted.iter().zip(spans) {
        region.start[d] = lo;
        region.shape[d] = len;
    }
    region
}

/// `values` with `first` axes moved to the front (in that order), the rest after, as a
/// (rows, cols) matrix where rows cover the `first` axes. No copy when already in order.
fn as_matrix(values: Chunk, first: &[usize], rest: &[usize]) -> Result<Chunk> {
    let perm: Vec<usize> = first.iter().chain(rest).copied().collect();
    let rows: u64 = first.iter().map(|&d| values.shape()[d]).product();
    let cols: u64 = rest.iter().map(|&d| values.shape()[d]).product();
    let ordered = if is_identity(&perm) {
        values
    } else {
        permute_axes(&values, &perm)
    };
    ordered.reshaped(&[rows, cols])
}

/// True when `perm` leaves every axis in place.
fn is_identity(perm: &[usize]) -> bool {
    perm.iter().enumerate().all(|(i, &p)| i == p)
}

/// `acc += other`, elementwise, in place (a block of scratch at a time).
fn add_into(acc: &mut Chunk, other: &Chunk) -> Result<()> {
    let dtype = acc.dtype();
    let size = dtype.size();
    let mut scratch = vec![0u64; BLOCK];
    for lo in (0..acc.len()).step_by(BLOCK) {
        let hi = (lo + BLOCK).min(acc.len());
        let bytes = lo * size..hi * size;
        let out = &mut bytemuck::cast_slice_mut::<u64, u8>(&mut scratch)[..bytes.len()];
        elementwise::binary(
            BinaryOp::Add,
            Operand::new(&acc.bytes()[bytes.clone()], dtype),
            Operand::new(&other.bytes()[bytes.clone()], dtype),
            out,
            dtype,
        )?;
        acc.bytes_mut()[bytes].copy_from_slice(out);
    }
    Ok(())
}

/// Produces `region` of a tensordot node.
pub(crate) fn eval_tensordot(
    evaluator: &Evaluator<'_>,
    array: &Array,
    dot: &TensorDot,
    region: &Region,
) -> Result<Chunk> {
    let (a_free, b_free) = dot.free();
    let split = a_free.len();
    let rows: u64 = region.shape[..split].iter().product();
    let cols: u64 = region.shape[split..].iter().product();
    let blocks: u64 = dot.blocks().iter().map(|b| b.1).product();
    let mut total = Chunk::zeros(array.dtype(), &[rows, cols]);
    if rows == 0 || cols == 0 || blocks == 0 {
        return total.reshaped(&region.shape);
    }
    let product = |index: usize| -> Result<Chunk> {
        let (a_region, b_region) = dot.block_regions(region, index);
        let a_part = as_matrix(evaluator.region(&dot.a, &a_region)?, &a_free, &dot.a_axes)?;
        let b_part = as_matrix(evaluator.region(&dot.b, &b_region)?, &dot.b_axes, &b_free)?;
        let mut block = Chunk::zeros(array.dtype(), &[rows, cols]);
        matmul_accumulate(&a_part, &b_part, &mut block)?;
        Ok(block)
    };
    // Block products are added one after another in block order: the same bits
    // whatever the number computed at once.
    evaluator.in_order(blocks as usize, product, |block| {
        add_into(&mut total, &block)
    })?;
    total.reshaped(&region.shape)
}

/// Projected peak bytes of producing a region of `shape` of a tensordot node: `batch`
/// block products in flight, each with its operand pieces (read, and their copies laid
/// out as matrices), plus the accumulator and the scratch of the in-place add. Block
/// lengths are chunk lengths, so this does not depend on the contracted lengths.
pub(crate) fn tensordot_cost(array: &Array, dot: &TensorDot, shape: &[u64], batch: u64) -> u64 {
    let size = array.dtype().size() as u64;
    let out = shape.iter().product::<u64>() * size;
    let (a_piece, b_piece) = dot.piece_shapes(shape);
    let (a_free, b_free) = dot.free();
    // A piece not already laid out as a matrix is copied once into one.
    let copy = |piece: &[u64], first: &[usize], rest: &[usize]| {
        let perm: Vec<usize> = first.iter().chain(rest).copied().collect();
        if is_identity(&perm) {
            0
        } else {
            piece.iter().product::<u64>() * size
        }
    };
    let a_cost = region_cost(&dot.a, &a_piece, batch) + copy(&a_piece, &a_free, &dot.a_axes);
    let b_cost = region_cost(&dot.b, &b_piece, batch) + copy(&b_piece, &dot.b_axes, &b_free);
    batch * (a_cost + b_cost + out) + out + ADD_SCRATCH_BYTES
}

/// A short description for plans.
pub(crate) fn tensordot_stage_name(dot: &TensorDot) -> String {
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
