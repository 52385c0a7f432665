//! Several reductions of one input in one pass: the input is walked chunk by chunk (in
//! C order, a few chunks in parallel), and each chunk, read once, feeds every
//! reduction's partial result before it is dropped.
//!
//! A reduction's task (one chunk of its output) folds the partials of its input pieces
//! in C order along a fixed tree (`eval::reduce`). Its pieces are exactly the input
//! chunks whose kept coordinates are that output chunk's, and walking the input grid in
//! C order visits them in that same order, so each fold here sees the same partials in
//! the same order: results are bit-identical to computing each reduction alone.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::chunk::Chunk;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::exec::TreeFold;
use crate::graph::{Array, Evaluator, region_cost};
use crate::grid::{ChunkGrid, Region};
use crate::kernels::reduce::{self, Partial, ReduceOp};
use crate::memory::Reservation;
use crate::ops::reduce::{PARTIAL_STATE_BYTES, Reduce, kept_elements, pieces_per_output_chunk};
use crate::plan::task_chunk_shape;

/// Reductions of one input that share a pass over it.
#[derive(Clone)]
pub(crate) struct ReductionPass {
    /// The input every reduction reads.
    pub input: Array,
    /// Positions of the reductions among the outputs.
    pub outputs: Vec<usize>,
    /// Input chunks read at once.
    pub batch: usize,
    /// Bytes reserved for the whole pass (partial state, chunks in flight, and the
    /// results when `hold_results` was asked for).
    pub bytes: u64,
}

/// The input of `array` when it is a reduction whose input can be walked by chunks.
pub(super) fn reduction_input(array: &Array) -> Option<&Array> {
    let input = &array.op::<Reduce>()?.input;
    (!input.is_empty() && input.chunks().iter().all(|c| *c > 0)).then_some(input)
}

/// Plans one pass of the reductions `outputs` (positions in `arrays`) over their
/// shared `input` within `free` bytes, adding the results' bytes when `hold_results`.
/// `None` when not even one chunk at a time fits.
pub(super) fn plan_pass(
    ctx: &Context,
    arrays: &[Array],
    input: &Array,
    outputs: Vec<usize>,
    free: u64,
    hold_results: bool,
) -> Option<ReductionPass> {
    let chunk = task_chunk_shape(input);
    let mut per_chunk = region_cost(input, &chunk, 1);
    let mut state = 0u64;
    for &i in &outputs {
        let axes = &arrays[i].op::<Reduce>()?.axes;
        let piece_partial = kept_elements(&chunk, axes) * PARTIAL_STATE_BYTES;
        let tasks = ChunkGrid::new(arrays[i].shape(), &task_chunk_shape(&arrays[i]))
            .ok()?
            .num_chunks();
        let pieces = pieces_per_output_chunk(input, axes);
        let depth = TreeFold::<()>::depth(pieces);
        per_chunk += piece_partial;
        state += tasks * depth * piece_partial;
        if hold_results {
            state += arrays[i].len() * arrays[i].dtype().size() as u64;
        }
    }
    let batch = (1..=ctx.threads().max(1) as u64)
        .rev()
        .find(|b| state + b * per_chunk <= free)?;
    Some(ReductionPass {
        input: input.clone(),
        outputs,
        batch: batch as usize,
        bytes: state + batch * per_chunk,
    })
}

/// Runs `pass`: the results of its reductions, in the order of `pass.outputs`, and the
/// reservation that covers them (drop it once the results are gone).
pub(super) fn run_pass(
    ctx: &Context,
    arrays: &[Array],
    pass: &ReductionPass,
) -> Result<(Vec<Chunk>, Reservation)> {
    let reservation = ctx.budget().reserve(pass.bytes, "multi-reduction pass")?;
    let input = &pass.input;
    let grid = ChunkGrid::new(input.shape(), input.chunks())?;
    let mut folds = pass
        .outputs
        .iter()
        .map(|&i| Folds::new(&arrays[i], input))
        .collect::<Result<Vec<_>>>()?;
    let evaluator = Evaluator::new(ctx, 1);
    let count = grid.num_chunks();
    for start in (0..count).step_by(pass.batch) {
        let end = (start + pass.batch as u64).min(count);
        let partials: Vec<Result<Vec<Partial>>> = ctx.try_install(|| {
            (start..end)
                .into_par_iter()
                .map(|linear| {
                    let region = grid.chunk_region(&grid.unravel(linear));
                    let values = evaluator.region(input, &region)?;
                    folds
                        .iter()
                        .map(|f| {
                            reduce::partial(f.op, &values, &f.axes, &region.start, input.shape())
                        })
                        .collect()
                })
                .collect()
        })?;
        for (linear, chunk_partials) in (start..end).zip(partials) {
            let index = grid.unravel(linear);
            for (fold, partial) in folds.iter_mut().zip(chunk_partials?) {
                fold.push(&index, partial)?;
            }
        }
    }
    let results = folds
        .into_iter()
        .map(Folds::into_result)
        .collect::<Result<Vec<_>>>()?;
    Ok((results, reservation))
}

/// One reduction's open folds (one per output chunk still missing pieces) and its
/// result.
struct Folds {
    op: ReduceOp,
    axes: Vec<usize>,
    keepdims: bool,
    out_grid: ChunkGrid,
    pieces: u64,
    open: HashMap<u64, (TreeFold<Partial>, u64)>,
    result: Chunk,
}

impl Folds {
    fn new(array: &Array, input: &Array) -> Result<Folds> {
        let Some(Reduce {
            op, axes, keepdims, ..
        }) = array.op::<Reduce>()
        else {
            return Err(Error::internal(
                "a reduction pass was given an output that is no reduction",
            ));
        };
        Ok(Folds {
            op: *op,
            axes: axes.clone(),
            keepdims: *keepdims,
            out_grid: ChunkGrid::new(array.shape(), &task_chunk_shape(array))?,
            pieces: pieces_per_output_chunk(input, axes),
            open: HashMap::new(),
            result: Chunk::zeros(array.dtype(), array.shape()),
        })
    }

    /// Adds the partial of the input chunk at `index`; finishes its output chunk when
    /// that was the last piece.
    fn push(&mut self, index: &[u64], partial: Partial) -> Result<()> {
        let out_index = self.output_index(index);
        let task = self.out_grid.ravel(&out_index);
        let combine = |a: Partial, b: Partial| a.combine(&b);
        let (fold, seen) = self
            .open
            .entry(task)
            .or_insert_with(|| (TreeFold::new(), 0));
        fold.push(partial, &combine)?;
        *seen += 1;
        if *seen < self.pieces {
            return Ok(());
        }
        let Some((fold, _)) = self.open.remove(&task) else {
            return Err(Error::internal("reduction fold vanished"));
        };
        let region = self.out_grid.chunk_region(&out_index);
        let values = fold
            .finish(&combine)?
            .ok_or_else(|| Error::internal("reduction without pieces"))?
            .finish()?
            .reshaped(&region.shape)?;
        let whole = Region::whole(self.result.shape());
        values.copy_overlap_into(&region, &mut self.result, &whole);
        Ok(())
    }

    /// The output chunk an input chunk's partial belongs to: its kept coordinates.
    fn output_index(&self, index: &[u64]) -> Vec<u64> {
        let mut out = Vec::with_capacity(index.len());
        for (d, &i) in index.iter().enumerate() {
            if !self.axes.contains(&d) {
                out.push(i);
            } else if self.keepdims {
                out.push(0);
            }
        }
        out
    }

    fn into_result(self) -> Result<Chunk> {
        if !self.open.is_empty() {
            return Err(Error::internal(
                "a reduction pass ended with output chunks unfinished",
            ));
        }
        Ok(self.result)
    }
}
