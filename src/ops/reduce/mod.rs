//! Reductions over axes (`sum`, `mean`, `var`, `argmax`, the nan-variants, ...).
//!
//! A reduction walks its input one chunk-sized piece at a time along the reduced axes,
//! in parallel batches, and folds the pieces' partial results in a fixed tree, so the
//! result is bit-identical whatever the thread count. Kept axes are never split. When
//! the input is a fused elementwise node and the leading axis is reduced, each piece is
//! evaluated and reduced slab by slab, so the piece itself is never held whole.

use crate::chunk::Chunk;
use crate::error::{Error, Result};
use crate::exec::TreeFold;
use crate::graph::{Array, Evaluator, Operator, out_bytes, region_cost, sat_mul, sat_sum};
use crate::grid::{Region, sat_len, unravel};
use crate::kernels::reduce::{self, Partial, ReduceOp};

use super::elementwise::Elementwise;

mod methods;

pub use methods::Axes;

/// Elements of an elementwise node reduced at a time when the reduction consumes it
/// directly (whole rows of the leading axis, at least one row).
const SLAB: usize = 1 << 16;

/// Bytes one element of reduction state may take (a float product's order-exact
/// summary; count, mean, M2 for var/std).
pub(crate) const PARTIAL_STATE_BYTES: u64 = 40;

/// The operator of a reduction of `axes` of `input`.
pub(crate) struct Reduce {
    pub(crate) input: Array,
    pub(crate) op: ReduceOp,
    pub(crate) axes: Vec<usize>,
    pub(crate) keepdims: bool,
}

/// The reduction called `name` (`sum`, `nanmean`, `argmax`, ...); `ddof` is used by
/// `var` and `std`.
///
/// # Examples
/// ```
/// use tessera::{ReduceOp, reduce_op};
/// assert_eq!(reduce_op("std", 1), Some(ReduceOp::Std { ddof: 1 }));
/// assert_eq!(reduce_op("median", 0), None);
/// ```
pub fn reduce_op(name: &str, ddof: u32) -> Option<ReduceOp> {
    Some(match name {
        "sum" => ReduceOp::Sum,
        "prod" => ReduceOp::Prod,
        "min" => ReduceOp::Min,
        "max" => ReduceOp::Max,
        "mean" => ReduceOp::Mean,
        "var" => ReduceOp::Var { ddof },
        "std" => ReduceOp::Std { ddof },
        "count" => ReduceOp::Count,
        "any" => ReduceOp::Any,
        "all" => ReduceOp::All,
        "argmin" => ReduceOp::ArgMin,
        "argmax" => ReduceOp::ArgMax,
        "nansum" => ReduceOp::NanSum,
        "nanmean" => ReduceOp::NanMean,
        "nanmin" => ReduceOp::NanMin,
        "nanmax" => ReduceOp::NanMax,
        "nanprod" => ReduceOp::NanProd,
        "nanvar" => ReduceOp::NanVar { ddof },
        "nanstd" => ReduceOp::NanStd { ddof },
        "nanargmin" => ReduceOp::NanArgMin,
        "nanargmax" => ReduceOp::NanArgMax,
        "count_nonzero" => ReduceOp::CountNonzero,
        _ => return None,
    })
}

/// Names accepted by `reduce_op`, for messages.
///
/// # Examples
/// ```
/// assert!(tessera::REDUCTIONS.split(", ").all(|name| tessera::reduce_op(name, 0).is_some()));
/// ```
pub const REDUCTIONS: &str = "sum, prod, min, max, mean, var, std, count, any, all, argmin, argmax, nansum, nanmean, nanmin, nanmax, nanprod, nanvar, nanstd, nanargmin, nanargmax, count_nonzero";

impl Reduce {
    /// The elementwise input, when it is reduced slab by slab: the leading axis is
    /// reduced, so slabs of leading rows are contiguous runs of a piece and their
    /// partials combine.
    fn slab_input(&self) -> Option<&Elementwise> {
        (self.axes.first() == Some(&0))
            .then(|| self.input.op::<Elementwise>())
            .flatten()
    }

    /// The partial of one piece of the input; `slabs` is [`Reduce::slab_input`], looked
    /// up once per region rather than per piece.
    fn piece_partial(
        &self,
        ev: &Evaluator<'_>,
        slabs: Option<&Elementwise>,
        piece: &Region,
    ) -> Result<Partial> {
        let input = &self.input;
        if let Some(elementwise) = slabs
            && !piece.is_empty()
        {
            return self.slab_partial(ev, elementwise, piece);
        }
        let values = ev.region(input, piece)?;
        reduce::partial(self.op, &values, &self.axes, &piece.start, input.shape())
    }

    /// The partial of `piece` of the elementwise input, which is never held whole: slabs
    /// of leading rows are evaluated block by block into one buffer, reduced as they
    /// come, and their partials folded in a fixed tree.
    fn slab_partial(
        &self,
        ev: &Evaluator<'_>,
        elementwise: &Elementwise,
        piece: &Region,
    ) -> Result<Partial> {
        let input = &self.input;
        let values = elementwise.read_inputs(ev, piece)?;
        let dtype = input.dtype();
        let row = piece.shape[1..].iter().product::<u64>().max(1) as usize;
        let rows_per_slab = (SLAB / row).max(1) as u64;
        let combine = |a: Partial, b: Partial| a.combine(&b);
        let mut fold = TreeFold::new();
        let mut slab_shape = piece.shape.clone();
        slab_shape[0] = rows_per_slab.min(piece.shape[0]);
        let mut slab = Chunk::zeros(dtype, &slab_shape);
        for first in (0..piece.shape[0]).step_by(rows_per_slab as usize) {
            let rows = rows_per_slab.min(piece.shape[0] - first);
            if rows != slab.shape()[0] {
                slab_shape[0] = rows;
                slab = Chunk::zeros(dtype, &slab_shape);
            }
            let (lo, hi) = (first as usize * row, (first + rows) as usize * row);
            elementwise.fill(&values, &piece.shape, lo, hi, slab.bytes_mut())?;
            let mut start = piece.start.clone();
            start[0] += first;
            let partial = reduce::partial(self.op, &slab, &self.axes, &start, input.shape())?;
            fold.push(partial, &combine)?;
        }
        fold.finish(&combine)?
            .ok_or_else(|| Error::internal("slab reduction without slabs"))
    }

    /// Projected peak bytes of one piece's partial: an elementwise input reduced slab
    /// by slab holds its inputs and one slab, not its output.
    fn piece_cost(&self, piece: &[u64], batch: u64) -> u64 {
        let Some(elementwise) = self.slab_input() else {
            return region_cost(&self.input, piece, batch);
        };
        let row = sat_len(piece.get(1..).unwrap_or(&[])).max(1);
        let rows_per_slab = (SLAB as u64 / row).max(1);
        let slab = sat_mul(&[rows_per_slab, row, self.input.dtype().size() as u64]);
        // Partials of the slabs folded so far: one per level of the fold tree.
        let kept = kept_elements(piece, &self.axes);
        let slabs = piece.first().copied().unwrap_or(1).div_ceil(rows_per_slab);
        sat_sum(&[
            elementwise.inputs_cost(piece, batch),
            slab,
            sat_mul(&[TreeFold::<()>::depth(slabs), kept, PARTIAL_STATE_BYTES]),
            elementwise.scratch(),
        ])
    }
}

/// Input chunks (pieces) that make one output chunk of a reduction of `input` over
/// `axes`: every chunk along the reduced axes (saturating).
pub(crate) fn pieces_per_output_chunk(input: &Array, axes: &[usize]) -> u64 {
    axes.iter().fold(1u64, |n, &d| {
        n.saturating_mul(input.shape()[d].div_ceil(input.chunks()[d].max(1)))
    })
}

/// Elements of a region of `shape` left after reducing `axes`.
pub(crate) fn kept_elements(shape: &[u64], axes: &[usize]) -> u64 {
    let kept: Vec<u64> = (0..shape.len())
        .filter(|d| !axes.contains(d))
        .map(|d| shape[d])
        .collect();
    sat_len(&kept)
}

impl Operator for Reduce {
    fn name(&self) -> &'static str {
        "a reduction"
    }

    fn label(&self, _node: &Array) -> String {
        format!(
            "{} over axes {:?}{}",
            self.op.name(),
            self.axes,
            if self.keepdims { " (keepdims)" } else { "" }
        )
    }

    fn inputs(&self) -> Vec<&Array> {
        vec![&self.input]
    }

    fn evaluate(&self, ev: &Evaluator<'_>, node: &Array, region: &Region) -> Result<Chunk> {
        let input = &self.input;
        let (op, axes) = (self.op, self.axes.as_slice());
        let input_region = reduced_input_region(input.shape(), axes, self.keepdims, region);
        let pieces = Pieces::new(input, axes, &input_region);
        let combine = |a: Partial, b: Partial| a.combine(&b);
        let mut fold = TreeFold::new();
        if pieces.len() == 0 {
            let empty = Chunk::zeros(input.dtype(), &input_region.shape);
            fold.push(
                reduce::partial(op, &empty, axes, &input_region.start, input.shape())?,
                &combine,
            )?;
        }
        let slabs = self.slab_input();
        let partial = |index: usize| self.piece_partial(ev, slabs, &pieces.get(index));
        ev.in_order(pieces.len(), partial, |p| fold.push(p, &combine))?;
        let partial = fold
            .finish(&combine)?
            .ok_or_else(|| Error::internal("reduction without pieces"))?;
        partial.finish()?.reshaped(&region.shape).map_err(|_| {
            Error::internal(format!(
                "reduction result does not have shape {:?} for {}",
                region.shape,
                node.dtype()
            ))
        })
    }

    /// `batch` pieces in flight, each with its partial, and one partial per level of
    /// the fold tree.
    fn cost(&self, node: &Array, shape: &[u64], batch: u64) -> u64 {
        let input = &self.input;
        let piece = reduction_piece_shape(input, &self.axes, self.keepdims, shape);
        let partial = kept_elements(&piece, &self.axes).saturating_mul(PARTIAL_STATE_BYTES);
        let depth = TreeFold::<()>::depth(pieces_per_output_chunk(input, &self.axes));
        let piece = self.piece_cost(&piece, batch).saturating_add(partial);
        sat_sum(&[
            out_bytes(node, shape),
            batch.saturating_mul(piece),
            depth.saturating_mul(partial),
        ])
    }
}

/// The input region a reduction's output `region` depends on: the same extent on kept
/// axes, everything on reduced ones.
pub(crate) fn reduced_input_region(
    input_shape: &[u64],
    axes: &[usize],
    keepdims: bool,
    region: &Region,
) -> Region {
    let mut start = Vec::with_capacity(input_shape.len());
    let mut shape = Vec::with_capacity(input_shape.len());
    let mut out_axis = 0;
    for (d, &n) in input_shape.iter().enumerate() {
        if axes.contains(&d) {
            start.push(0);
            shape.push(n);
            if keepdims {
                out_axis += 1;
            }
        } else {
            start.push(region.start[out_axis]);
            shape.push(region.shape[out_axis]);
            out_axis += 1;
        }
    }
    Region { start, shape }
}

/// A reduction's input region split along the reduced axes at the input's chunk
/// boundaries, in C order. Kept axes are never split, so every piece's partial result
/// has the same shape. Pieces are computed on demand: a reduction over a million
/// chunks does not hold a million regions.
pub(crate) struct Pieces<'a> {
    region: &'a Region,
    axes: &'a [usize],
    chunks: &'a [u64],
    counts: Vec<u64>,
}

impl<'a> Pieces<'a> {
    pub(crate) fn new(input: &'a Array, axes: &'a [usize], region: &'a Region) -> Pieces<'a> {
        let chunks = input.chunks();
        let counts = (0..region.shape.len())
            .map(|d| {
                if region.is_empty() {
                    0
                } else if axes.contains(&d) {
                    let first = region.start[d] / chunks[d];
                    let last = (region.start[d] + region.shape[d] - 1) / chunks[d];
                    last - first + 1
                } else {
                    1
                }
            })
            .collect();
        Pieces {
            region,
            axes,
            chunks,
            counts,
        }
    }

    /// Number of pieces.
    pub(crate) fn len(&self) -> usize {
        self.counts.iter().product::<u64>() as usize
    }

    /// The `index`-th piece.
    pub(crate) fn get(&self, index: usize) -> Region {
        let position = unravel(index as u64, &self.counts);
        let mut piece = self.region.clone();
        for &d in self.axes {
            let c = self.chunks[d];
            let first = self.region.start[d] / c + position[d];
            let lo = (first * c).max(self.region.start[d]);
            let hi = ((first + 1) * c).min(self.region.start[d] + self.region.shape[d]);
            piece.start[d] = lo;
            piece.shape[d] = hi - lo;
        }
        piece
    }
}

/// Shape of one reduction piece: kept axes as in the output region, reduced axes one
/// input chunk long.
pub(crate) fn reduction_piece_shape(
    input: &Array,
    axes: &[usize],
    keepdims: bool,
    shape: &[u64],
) -> Vec<u64> {
    let mut out_axis = 0;
    (0..input.ndim())
        .map(|d| {
            if axes.contains(&d) {
                if keepdims {
                    out_axis += 1;
                }
                input.chunks()[d].min(input.shape()[d]).max(1)
            } else {
                out_axis += 1;
                shape[out_axis - 1]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
