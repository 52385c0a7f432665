//! Boolean masks need a pass over the mask before the result's length is known: this
//! module runs it (a counting pass planned and admitted under the budget) and builds
//! the `Compress` node from the counts.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::context::Context;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::exec::run_admitted;
use crate::graph::{Array, Evaluator};
use crate::grid::ChunkGrid;
use crate::ops::compress::compress;
use crate::plan::Plan;

impl Array {
    /// The elements where `mask` (a bool array of this shape) is true, as a 1-D array in
    /// C order (numpy's `a[mask]`). Counting the true elements per chunk runs now, in
    /// `ctx`, so that the result's length is known (dask leaves it unknown, `nan`);
    /// the elements themselves are read only when the result is computed.
    ///
    /// # Errors
    /// A `mask` whose dtype is not bool, or whose shape differs from this array's; any
    /// error of computing the mask (see [`Array::compute`]).
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![[1.0, 5.0, 2.0], [7.0, 3.0, 9.0]].view(), &[1, 2])?;
    /// let big = a.mask(&a.binary(BinaryOp::Gt, 2.5)?, &ctx)?;
    /// assert_eq!(big.shape(), &[4]); // known before computing
    /// assert_eq!(big.compute_vec::<f64>(&ctx)?, vec![5.0, 7.0, 3.0, 9.0]);
    ///
    /// assert!(a.mask(&a, &ctx).is_err()); // not bool
    /// let row = a.slice(&[SliceItem::Index(0)])?.binary(BinaryOp::Gt, 2.5)?;
    /// assert!(a.mask(&row, &ctx).is_err()); // shape [3], not [2, 3]
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn mask(&self, mask: &Array, ctx: &Context) -> Result<Array> {
        if mask.dtype() != DType::Bool {
            return Err(Error::Invalid(format!(
                "a boolean mask must have dtype bool, not {}",
                mask.dtype()
            )));
        }
        if mask.shape() != self.shape() {
            return Err(Error::shape(
                "boolean mask",
                format!(
                    "the mask's shape {:?} differs from the array's {:?}",
                    mask.shape(),
                    self.shape()
                ),
            ));
        }
        let input = self.ravel()?;
        let flat_mask = mask.ravel()?.rechunk(input.chunks())?;
        let offsets = true_counts(&flat_mask, ctx)?;
        Ok(compress(input, flat_mask, offsets))
    }
}

/// Running counts of true elements before each chunk of a 1-D bool array (one more
/// entry than chunks: the last is the total).
fn true_counts(mask: &Array, ctx: &Context) -> Result<Vec<u64>> {
    let plan = Plan::new(ctx, mask)?;
    let grid = ChunkGrid::new(mask.shape(), &plan.task_chunk)?;
    let counts: Vec<AtomicU64> = (0..grid.num_chunks()).map(|_| AtomicU64::new(0)).collect();
    let evaluator = Evaluator::new(ctx, plan.batch);
    run_admitted(
        ctx,
        "counting a mask",
        plan.tasks,
        plan.task_bytes,
        None,
        |linear| {
            let values = evaluator.region(mask, &grid.chunk_region(&grid.unravel(linear)))?;
            let trues = values.bytes().iter().filter(|&&b| b != 0).count() as u64;
            counts[linear as usize].store(trues, Ordering::Relaxed);
            Ok(())
        },
    )?;
    let mut offsets = Vec::with_capacity(counts.len() + 1);
    let mut running = 0;
    offsets.push(0);
    for count in counts {
        running += count.into_inner();
        offsets.push(running);
    }
    Ok(offsets)
}

#[cfg(test)]
mod tests;
