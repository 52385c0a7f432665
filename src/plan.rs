//! Planning: what running a graph will take, worked out before any work starts.
//!
//! The unit of work is one chunk of the result. `region_cost` projects the peak bytes
//! that producing a region of a node holds, through every node it pulls from (input
//! regions, decode buffers, reduction partials, the pieces a streaming node keeps in
//! flight). A plan whose single task can never fit the budget is refused up front with
//! the operation, the bytes and a chunk shape that would fit; otherwise the executor
//! admits tasks by this projection.

use std::fmt::Write as _;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::eval::{BLOCK, SLAB, reduces_by_slab};
use crate::graph::{Array, AxisSlice, Op};
use crate::grid::sat_len;
use crate::memory::format_bytes;

/// Bytes one element of reduction state may take (count, mean, M2 for var/std).
pub(crate) const PARTIAL_STATE_BYTES: u64 = 24;

/// What running an array's graph will take.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Result chunks, one task each.
    pub tasks: u64,
    /// Chunk shape of a task's output.
    pub task_chunk: Vec<u64>,
    /// Projected peak bytes of one task.
    pub task_bytes: u64,
    /// Tasks that can run at once (threads, limited by the budget).
    pub concurrency: u64,
    /// Pieces a streaming node (reduction, matmul) works on at once inside a task.
    pub batch: usize,
    /// Projected peak bytes of the whole run (tasks in flight + cache).
    pub peak_bytes: u64,
    /// The budget planned against.
    pub budget: u64,
    /// One line per stage, indented by depth, for `--explain`.
    pub stages: Vec<String>,
}

impl Plan {
    /// Plans computing `array` in `ctx`, refusing when one task cannot fit.
    pub fn new(ctx: &Context, array: &Array) -> Result<Plan> {
        let task_chunk = task_chunk_shape(array);
        let free = ctx.memory_limit() - ctx.budget().used();
        let threads = ctx.threads().max(1) as u64;
        let tasks = crate::grid::ChunkGrid::new(array.shape(), &task_chunk)?.num_chunks();
        crate::exec::check_task_count(&stage_name(array), tasks)?;
        check_node_chunk_counts(array)?;
        // Enough tasks to keep every thread busy, one piece at a time each, when the
        // budget allows; otherwise the widest inner parallelism whose task fits.
        let batch = if tasks >= threads
            && threads.saturating_mul(region_cost(array, &task_chunk, 1)) <= free
        {
            1
        } else {
            (1..=threads)
                .rev()
                .find(|b| region_cost(array, &task_chunk, *b) <= free)
                .unwrap_or(1)
        };
        // Pieces so small that many in flight cost next to nothing: take them many at a
        // time, so scheduling does not dominate.
        let many = threads.saturating_mul(TINY_PIECES_PER_THREAD);
        let batch = if batch == threads && region_cost(array, &task_chunk, many) <= free / 8 {
            many
        } else {
            batch
        };
        let task_bytes = region_cost(array, &task_chunk, batch);
        if task_bytes > free {
            return Err(refusal(array, &task_chunk, task_bytes, free, batch));
        }
        let concurrency = (free / task_bytes.max(1))
            .min(ctx.threads() as u64)
            .max(1)
            .min(tasks.max(1));
        let mut stages = Vec::new();
        describe(array, 0, &mut stages);
        Ok(Plan {
            tasks,
            task_chunk,
            task_bytes,
            concurrency,
            batch: batch as usize,
            peak_bytes: concurrency
                .saturating_mul(task_bytes)
                .saturating_add(ctx.budget().used()),
            budget: ctx.memory_limit(),
            stages,
        })
    }

    /// The plan as text: stages after fusion, tasks, projected memory.
    pub fn explain(&self) -> String {
        let mut text = String::from("stages (after fusion):\n");
        for stage in &self.stages {
            let _ = writeln!(text, "  {stage}");
        }
        let _ = writeln!(
            text,
            "tasks: {} (one per result chunk of {:?}), {} at a time",
            self.tasks, self.task_chunk, self.concurrency
        );
        let _ = write!(
            text,
            "projected memory: {} per task, peak {} of a {} budget",
            format_bytes(self.task_bytes),
            format_bytes(self.peak_bytes),
            format_bytes(self.budget)
        );
        text
    }
}

/// Pieces per thread a streaming node takes at once when pieces are tiny.
const TINY_PIECES_PER_THREAD: u64 = 64;

/// The result chunk shape computed per task (never empty axes).
pub fn task_chunk_shape(array: &Array) -> Vec<u64> {
    array.chunks().iter().map(|c| (*c).max(1)).collect()
}

/// Projected peak bytes of an elementwise node's inputs for a region of `shape`: they
/// are read one after another and all held; each one's working memory is released
/// before the next is read.
fn elementwise_inputs_cost(inputs: &[Array], shape: &[u64], batch: u64) -> u64 {
    let (mut held, mut transient) = (0u64, 0u64);
    for input in inputs {
        let input_shape = broadcast_input_shape(shape, input.shape());
        let input_out = out_bytes(input, &input_shape);
        held = held.saturating_add(input_out);
        transient =
            transient.max(region_cost(input, &input_shape, batch).saturating_sub(input_out));
    }
    held.saturating_add(transient)
}

/// Projected peak bytes of one reduction piece of `input`'s partial: an elementwise
/// input reduced slab by slab holds its inputs and one slab, not its output.
fn piece_cost(input: &Array, axes: &[usize], piece: &[u64], batch: u64) -> u64 {
    match &input.node().op {
        Op::Elementwise { inputs, program } if reduces_by_slab(input, axes) => {
            let row = sat_len(piece.get(1..).unwrap_or(&[])).max(1);
            let rows_per_slab = (SLAB as u64 / row).max(1);
            let slab = sat_mul(&[rows_per_slab, row, input.dtype().size() as u64]);
            // Partials of the slabs folded so far: one per level of the fold tree.
            let kept = sat_len(
                &(0..piece.len())
                    .filter(|d| !axes.contains(d))
                    .map(|d| piece[d])
                    .collect::<Vec<u64>>(),
            );
            let slabs = piece.first().copied().unwrap_or(1).div_ceil(rows_per_slab);
            let depth = 64 - slabs.max(1).leading_zeros() as u64 + 1;
            sat_sum(&[
                elementwise_inputs_cost(inputs, piece, batch),
                slab,
                sat_mul(&[depth, kept, PARTIAL_STATE_BYTES]),
                program_scratch(program),
            ])
        }
        _ => region_cost(input, piece, batch),
    }
}

/// Projected peak bytes held while producing a region of `shape` of `array`, with
/// `batch` pieces of a streaming node in flight at once.
pub fn region_cost(array: &Array, shape: &[u64], batch: u64) -> u64 {
    let node = array.node();
    let out = out_bytes(array, shape);
    match &node.op {
        Op::Source(source) => {
            // One chunk being decoded (plus its decode buffers); when the region is one
            // whole chunk, that chunk is the output itself.
            let chunk = source.meta().chunk_bytes();
            let whole_chunk = shape == source.meta().chunks.as_slice();
            sat_sum(&[out, source.read_cost(), if whole_chunk { 0 } else { chunk }])
        }
        Op::Elementwise { inputs, program } => sat_sum(&[
            out,
            elementwise_inputs_cost(inputs, shape, batch),
            program_scratch(program),
        ]),
        Op::Reduce {
            input,
            axes,
            keepdims,
            ..
        } => {
            let piece = reduction_piece_shape(input, axes, *keepdims, shape);
            let kept: Vec<u64> = piece
                .iter()
                .enumerate()
                .filter(|(d, _)| !axes.contains(d))
                .map(|(_, n)| *n)
                .collect();
            let partial = sat_len(&kept).saturating_mul(PARTIAL_STATE_BYTES);
            let pieces = sat_len(
                &axes
                    .iter()
                    .map(|&d| input.shape()[d].div_ceil(input.chunks()[d].max(1)))
                    .collect::<Vec<u64>>(),
            );
            let depth = 64 - pieces.max(1).leading_zeros() as u64 + 1;
            let piece = piece_cost(input, axes, &piece, batch).saturating_add(partial);
            sat_sum(&[
                out,
                batch.saturating_mul(piece),
                depth.saturating_mul(partial),
            ])
        }
        Op::Slice { input, axes } => {
            let piece: Vec<u64> = input
                .chunks()
                .iter()
                .zip(axes)
                .map(|(c, a)| {
                    if matches!(a, AxisSlice::Index(_)) {
                        1
                    } else {
                        *c
                    }
                })
                .collect();
            out.saturating_add(region_cost(input, &piece, batch))
        }
        Op::Transpose { input, perm } => {
            let mut input_shape = vec![0; perm.len()];
            for (d, &p) in perm.iter().enumerate() {
                input_shape[p] = shape[d];
            }
            // Read (with its working memory), then permuted into a second buffer.
            let read = region_cost(input, &input_shape, batch);
            let held = out_bytes(input, &input_shape);
            held.saturating_add(read.saturating_sub(held).max(out))
        }
        Op::Rechunk { input } => region_cost(input, shape, batch),
        Op::TensorDot(dot) => crate::linalg::tensordot_cost(array, dot, shape, batch),
        Op::Diagonal(node) => crate::linalg::diagonal_cost(array, node, shape, batch),
        Op::MapBlocks { input, .. } => {
            let chunk = out_bytes(array, input.chunks());
            sat_sum(&[
                out,
                region_cost(input, input.chunks(), batch),
                chunk.saturating_mul(2),
            ])
        }
        Op::UnitAxes { input, axes } => {
            // The input region, reshaped in place.
            let mut input_shape = vec![1; input.ndim()];
            for (d, axis) in axes.iter().enumerate() {
                if let Some(i) = *axis {
                    input_shape[i] = shape[d];
                }
            }
            region_cost(input, &input_shape, batch)
        }
        Op::BroadcastTo { input } => {
            // The input region, gathered into a buffer that is then copied into the
            // output.
            let input_shape = broadcast_input_shape(shape, input.shape());
            region_cost(input, &input_shape, batch).saturating_add(out.saturating_mul(2))
        }
        Op::Scan { input, axis, .. } => {
            // One input piece (at most a chunk along the axis) at a time, the carry, and
            // the piece's scanned copy; carries at chunk boundaries are cached.
            let mut piece = shape.to_vec();
            piece[*axis] = piece[*axis].min(input.chunks()[*axis]);
            let mut carry = shape.to_vec();
            carry[*axis] = 1;
            sat_sum(&[
                out,
                region_cost(input, &piece, batch),
                out_bytes(input, &piece),
                out_bytes(input, &carry).saturating_mul(2),
            ])
        }
        Op::Concatenate { inputs, axis, .. } => {
            // The output, and one input's part of it at a time (with its own cost).
            let largest = inputs
                .iter()
                .map(|input| {
                    let mut piece = shape.to_vec();
                    piece[*axis] = piece[*axis].min(input.shape()[*axis]);
                    region_cost(input, &piece, batch)
                })
                .max()
                .unwrap_or(0);
            out.saturating_add(largest)
        }
        Op::Reshape { input } => {
            // The output, and one input box at a time (with its own cost).
            let largest = crate::reshape::largest_input_box(array, input, shape);
            out.saturating_add(region_cost(input, &largest, batch))
        }
        Op::Take { input, axis, .. } => crate::select::take_cost(input, *axis, shape, batch),
        Op::Compress { input, mask, .. } => crate::select::compress_cost(input, mask, shape, batch),
        Op::Overlap(overlap) => crate::overlap::cost(array, overlap, shape, batch),
    }
}

/// Bytes of a region of `shape` of `array`'s values (saturating, as every projected
/// cost: a projection past `u64::MAX` is simply more than any budget).
pub(crate) fn out_bytes(array: &Array, shape: &[u64]) -> u64 {
    sat_len(shape).saturating_mul(array.dtype().size() as u64)
}

/// The saturating sum of `terms`.
pub(crate) fn sat_sum(terms: &[u64]) -> u64 {
    terms.iter().fold(0u64, |acc, t| acc.saturating_add(*t))
}

/// The saturating product of `factors`.
pub(crate) fn sat_mul(factors: &[u64]) -> u64 {
    sat_len(factors)
}

/// Scratch of a fused elementwise program: a block of 8-byte values per operation.
fn program_scratch(program: &crate::graph::Expr) -> u64 {
    sat_mul(&[program.op_count() as u64 + 2, BLOCK as u64, 8])
}

/// Refuses a graph in which some node has more than [`crate::grid::MAX_TASKS`] chunks:
/// running it would enumerate them (a reduction's pieces, a source's reads) even when
/// the result has few chunks. Shared nodes are visited once.
fn check_node_chunk_counts(array: &Array) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![array];
    while let Some(node) = stack.pop() {
        if !seen.insert(node.node().id) {
            continue;
        }
        let grid = crate::grid::ChunkGrid::new(node.shape(), &task_chunk_shape(node))?;
        crate::exec::check_task_count(&stage_name(node), grid.num_chunks())?;
        stack.extend(inputs_of(node));
    }
    Ok(())
}

/// The input shape read for an output region of `shape` (broadcast axes are length 1).
fn broadcast_input_shape(shape: &[u64], input_shape: &[u64]) -> Vec<u64> {
    let offset = shape.len() - input_shape.len();
    input_shape
        .iter()
        .enumerate()
        .map(|(i, &n)| if n == 1 { 1 } else { shape[i + offset] })
        .collect()
}

/// Shape of one reduction piece: kept axes as in the output region, reduced axes one
/// input chunk long.
fn reduction_piece_shape(input: &Array, axes: &[usize], keepdims: bool, shape: &[u64]) -> Vec<u64> {
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

/// The refusal of a plan whose task needs `needed` bytes with only `free` available.
fn refusal(array: &Array, chunk: &[u64], needed: u64, free: u64, batch: u64) -> Error {
    let mut smaller = chunk.to_vec();
    let mut fits = None;
    for _ in 0..64 {
        let Some((d, _)) = smaller
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 1)
            .max_by_key(|(_, n)| **n)
        else {
            break;
        };
        smaller[d] = smaller[d].div_ceil(2);
        let probe = array_with_chunks(array, &smaller);
        if region_cost(&probe, &smaller, batch) <= free {
            fits = Some(smaller.clone());
            break;
        }
    }
    let hint = match fits {
        Some(shape) => format!("rechunk the inputs so result chunks are at most {shape:?}, or raise --memory"),
        None => "the inputs' own chunks are too large for this budget: raise --memory or rechunk the inputs".into(),
    };
    Error::OverBudget {
        op: format!("{} producing result chunks of {chunk:?}", stage_name(array)),
        needed,
        budget: free,
        hint,
    }
}

/// `array` with its result chunking replaced (for probing smaller tasks).
fn array_with_chunks(array: &Array, chunks: &[u64]) -> Array {
    array.rechunk(chunks).unwrap_or_else(|_| array.clone())
}

/// A short name of a node's operation.
pub fn stage_name(array: &Array) -> String {
    match &array.node().op {
        Op::Source(source) => format!("read {}", source.address()),
        Op::Elementwise { program, inputs } => format!(
            "fused elementwise ({} ops over {} inputs)",
            program.op_count(),
            inputs.len()
        ),
        Op::Reduce {
            op, axes, keepdims, ..
        } => {
            format!(
                "{} over axes {axes:?}{}",
                op.name(),
                if *keepdims { " (keepdims)" } else { "" }
            )
        }
        Op::Slice { .. } => "slice".into(),
        Op::Transpose { perm, .. } => format!("transpose {perm:?}"),
        Op::Rechunk { .. } => "rechunk".into(),
        Op::TensorDot(dot) => crate::linalg::tensordot_stage_name(dot),
        Op::Diagonal(node) => crate::linalg::diagonal_stage_name(node),
        Op::MapBlocks { .. } => "map_blocks".into(),
        Op::UnitAxes { axes, .. } => format!("unit axes (squeeze/expand_dims) {axes:?}"),
        Op::BroadcastTo { .. } => "broadcast_to".into(),
        Op::Scan { op, axis, .. } => {
            format!("{} along axis {axis} (carried across chunks)", op.name())
        }
        Op::Reshape { input } => format!("reshape {:?} -> {:?}", input.shape(), array.shape()),
        Op::Take { axis, indices, .. } => {
            format!("take {} indices along axis {axis}", indices.len())
        }
        Op::Compress { .. } => format!("boolean mask ({} elements selected)", array.len()),
        Op::Concatenate { inputs, axis, .. } => {
            format!("concatenate {} arrays along axis {axis}", inputs.len())
        }
        Op::Overlap(overlap) => crate::overlap::stage_name(overlap),
    }
}

pub(crate) fn inputs_of(array: &Array) -> Vec<&Array> {
    match &array.node().op {
        Op::Source(_) => Vec::new(),
        Op::Elementwise { inputs, .. } | Op::Concatenate { inputs, .. } => inputs.iter().collect(),
        Op::Reduce { input, .. }
        | Op::Slice { input, .. }
        | Op::Transpose { input, .. }
        | Op::Rechunk { input }
        | Op::MapBlocks { input, .. }
        | Op::UnitAxes { input, .. }
        | Op::Scan { input, .. }
        | Op::Reshape { input }
        | Op::Take { input, .. }
        | Op::BroadcastTo { input } => vec![input],
        Op::Compress { input, mask, .. } => vec![input, mask],
        Op::Overlap(overlap) => vec![&overlap.input],
        Op::TensorDot(dot) => vec![&dot.a, &dot.b],
        Op::Diagonal(node) => vec![&node.input],
    }
}

fn describe(array: &Array, depth: usize, out: &mut Vec<String>) {
    out.push(format!(
        "{}{} -> {:?} {} in chunks {:?}",
        "  ".repeat(depth),
        stage_name(array),
        array.shape(),
        array.dtype(),
        array.chunks()
    ));
    for input in inputs_of(array) {
        describe(input, depth + 1, out);
    }
}

/// The graph in graphviz's dot language.
pub fn to_dot(array: &Array) -> String {
    let mut text = String::from("digraph tessera {\n  rankdir=BT;\n  node [shape=box];\n");
    let mut seen = std::collections::HashSet::new();
    dot_node(array, &mut text, &mut seen);
    text.push_str("}\n");
    text
}

pub(crate) fn dot_node(
    array: &Array,
    text: &mut String,
    seen: &mut std::collections::HashSet<u64>,
) {
    let id = array.node().id;
    if !seen.insert(id) {
        return;
    }
    let label = format!(
        "{}\\n{:?} {}",
        stage_name(array),
        array.shape(),
        array.dtype()
    )
    .replace('"', "'");
    let _ = writeln!(text, "  n{id} [label=\"{label}\"];");
    for input in inputs_of(array) {
        dot_node(input, text, seen);
        let _ = writeln!(text, "  n{} -> n{id};", input.node().id);
    }
}

#[cfg(test)]
mod tests;
