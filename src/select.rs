//! Selection: integer-array indexing along one axis (`take`) and boolean masks
//! (`a[mask]`, a 1-D result in C order).
//!
//! `take` reads, for each output chunk, one box per input chunk its indices fall in.
//! A mask is computed in two passes: building the node counts the true elements of each
//! chunk of the flattened mask (a streamed pass under the budget, like dask's
//! `compute_chunk_sizes`), so the result has a known length and regular chunks; the
//! second pass, when the result is evaluated, reads only the input chunks that feed
//! each output chunk.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::chunk::Chunk;
use crate::context::Context;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::eval::Evaluator;
use crate::exec::run_admitted;
use crate::graph::{Array, Op, normalize_axis};
use crate::grid::{ChunkGrid, Region, copy_box};
use crate::plan::{Plan, out_bytes, region_cost};

impl Array {
    /// The elements at `indices` along `axis` (numpy's `take`; negative indices count
    /// from the end). Output chunks along `axis` hold as many indices as an input chunk.
    pub fn take(&self, indices: &[i64], axis: i64) -> Result<Array> {
        let axis = normalize_axis(axis, self.ndim(), "take")?;
        let n = self.shape()[axis];
        let resolved = indices
            .iter()
            .map(|&i| {
                let at = if i < 0 { i + n as i64 } else { i };
                u64::try_from(at).ok().filter(|&at| at < n).ok_or_else(|| {
                    Error::shape(
                        "take",
                        format!("index {i} is out of bounds for axis {axis} of length {n}"),
                    )
                })
            })
            .collect::<Result<Vec<u64>>>()?;
        let mut shape = self.shape().to_vec();
        shape[axis] = resolved.len() as u64;
        let mut chunks = self.chunks().to_vec();
        chunks[axis] = chunks[axis].max(1);
        Array::checked_node(
            Op::Take {
                input: self.clone(),
                axis,
                indices: resolved.into(),
            },
            shape,
            chunks,
            self.dtype(),
        )
    }

    /// The elements where `mask` (a bool array of this shape) is true, as a 1-D array in
    /// C order (numpy's `a[mask]`). Counting the true elements per chunk runs now, in
    /// `ctx`, so that the result's length is known.
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
        let total = offsets.last().copied().unwrap_or(0);
        let chunk = input.chunks().first().copied().unwrap_or(1).max(1);
        Ok(Array::from_node(
            Op::Compress {
                input,
                mask: flat_mask,
                offsets: offsets.into(),
            },
            vec![total],
            vec![chunk],
            self.dtype(),
        ))
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

/// The values of `take` in `region`: the region's indices, grouped by the input chunk
/// they fall in, each group read as one box and copied row by row.
pub(crate) fn take_region(
    evaluator: &Evaluator,
    array: &Array,
    input: &Array,
    axis: usize,
    indices: &[u64],
    region: &Region,
) -> Result<Chunk> {
    let mut out = Chunk::zeros(array.dtype(), &region.shape);
    let lo = region.start[axis] as usize;
    let wanted = &indices[lo..lo + region.shape[axis] as usize];
    let chunk = input.chunks()[axis].max(1);
    let mut blocks: Vec<u64> = wanted.iter().map(|i| i / chunk).collect();
    blocks.sort_unstable();
    blocks.dedup();
    for block in blocks {
        let in_block = |i: &&u64| *i / chunk == block;
        let (Some(&first), Some(&last)) = (
            wanted.iter().filter(in_block).min(),
            wanted.iter().filter(in_block).max(),
        ) else {
            continue;
        };
        let mut source = region.clone();
        source.start[axis] = first;
        source.shape[axis] = last - first + 1;
        let values = evaluator.region(input, &source)?;
        copy_rows(&values, &source, wanted, axis, first, &mut out, region);
    }
    Ok(out)
}

/// Copies the rows of `values` (covering `source`) that `wanted` asks for into `out`,
/// merging consecutive indices into one copy.
fn copy_rows(
    values: &Chunk,
    source: &Region,
    wanted: &[u64],
    axis: usize,
    first: u64,
    out: &mut Chunk,
    region: &Region,
) {
    let end = first + source.shape[axis];
    let size = values.dtype().size();
    let mut p = 0;
    while p < wanted.len() {
        if !(first..end).contains(&wanted[p]) {
            p += 1;
            continue;
        }
        let mut run = 1;
        while p + run < wanted.len() && wanted[p + run] == wanted[p] + run as u64 {
            run += 1;
        }
        let run = run.min((end - wanted[p]) as usize);
        let mut src_at = vec![0; region.shape.len()];
        src_at[axis] = wanted[p] - first;
        let mut dst_at = vec![0; region.shape.len()];
        dst_at[axis] = p as u64;
        let mut extent = region.shape.clone();
        extent[axis] = run as u64;
        let out_shape = out.shape().to_vec();
        copy_box(
            values.bytes(),
            values.shape(),
            &src_at,
            out.bytes_mut(),
            &out_shape,
            &dst_at,
            &extent,
            size,
        );
        p += run;
    }
}

/// Projected bytes of a `take` region: the output and one input box (at most an input
/// chunk along the axis) at a time.
pub(crate) fn take_cost(input: &Array, axis: usize, shape: &[u64], batch: u64) -> u64 {
    let mut source = shape.to_vec();
    source[axis] = input.chunks()[axis].min(input.shape()[axis]).max(1);
    out_bytes(input, shape).saturating_add(region_cost(input, &source, batch))
}

/// The values of a mask selection in `region` (positions `lo..hi` of the result): the
/// input chunks whose true elements land there, read one at a time.
pub(crate) fn compress_region(
    evaluator: &Evaluator,
    array: &Array,
    input: &Array,
    mask: &Array,
    offsets: &[u64],
    region: &Region,
) -> Result<Chunk> {
    let mut out = Chunk::zeros(array.dtype(), &region.shape);
    let (lo, hi) = (region.start[0], region.start[0] + region.shape[0]);
    if lo == hi {
        return Ok(out);
    }
    let grid = ChunkGrid::new(input.shape(), input.chunks())?;
    let size = array.dtype().size();
    let first = offsets.partition_point(|&o| o <= lo).saturating_sub(1);
    for chunk in first..offsets.len().saturating_sub(1) {
        let (from, to) = (offsets[chunk], offsets[chunk + 1]);
        if from >= hi {
            break;
        }
        if to <= lo {
            continue;
        }
        let source = grid.chunk_region(&[chunk as u64]);
        let flags = evaluator.region(mask, &source)?;
        let values = evaluator.region(input, &source)?;
        let selected = flags.bytes().iter().enumerate().filter(|(_, f)| **f != 0);
        for (position, (i, _)) in (from..).zip(selected) {
            if position >= hi {
                break;
            }
            if position >= lo {
                let at = (position - lo) as usize * size;
                out.bytes_mut()[at..at + size]
                    .copy_from_slice(&values.bytes()[i * size..(i + 1) * size]);
            }
        }
    }
    Ok(out)
}

/// Projected bytes of a mask selection region: the output, one input chunk and its
/// mask chunk.
pub(crate) fn compress_cost(input: &Array, mask: &Array, shape: &[u64], batch: u64) -> u64 {
    let chunk = [input.chunks()[0].min(input.shape()[0]).max(1)];
    crate::plan::sat_sum(&[
        out_bytes(input, shape),
        region_cost(input, &chunk, batch),
        region_cost(mask, &chunk, batch),
    ])
}

/// Shared index lists are cheap to clone with the node.
pub type Indices = Arc<[u64]>;

#[cfg(test)]
mod tests;
