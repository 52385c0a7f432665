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
use crate::graph::{Array, region_cost};
use crate::text::format_bytes;

/// What running an array's graph will take, worked out before any work starts: from
/// [`Array::plan`] or [`Plan::new`]. The unit of work is one chunk of the result (one
/// task); its projected peak bytes cover everything it pulls through the graph.
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// let ctx = Context::builder().memory(64 << 20).threads(2).build()?;
/// let a = Array::from_ndarray(ndarray::Array2::<f32>::ones((4, 6)).view(), &[2, 3])?;
/// let plan = (&a + 1.0)?.plan(&ctx)?;
/// assert_eq!((plan.tasks, plan.task_chunk.clone()), (4, vec![2, 3]));
/// assert_eq!((plan.concurrency, plan.budget), (2, 64 << 20));
/// assert!(plan.task_bytes >= 2 * 3 * 4 && plan.peak_bytes <= plan.budget);
/// # Ok::<(), tessera::Error>(())
/// ```
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
    /// Plans computing `array` in `ctx`, refusing when one task cannot fit: the same as
    /// [`Array::plan`].
    ///
    /// # Errors
    /// [`Error::OverBudget`] when one task can never fit in the budget's free memory
    /// (its hint names a result chunk shape that would); a node of more chunks than
    /// tessera plans (10^12).
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// use tessera::Plan;
    /// let ctx = Context::builder().memory(1 << 20).threads(1).build()?;
    /// let a = Array::from_ndarray(ndarray::Array1::<f64>::zeros(1000).view(), &[100])?;
    /// let plan = Plan::new(&ctx, &a)?;
    /// assert_eq!((plan.tasks, plan.concurrency), (10, 1));
    /// // One chunk of 8 MiB cannot fit 1 MiB.
    /// let one = a.broadcast_to(&[1024, 1000])?.rechunk(&[1024, 1000])?;
    /// match Plan::new(&ctx, &one) {
    ///     Err(Error::OverBudget { needed, .. }) => assert!(needed > 8 << 20),
    ///     other => panic!("expected a refusal, got {other:?}"),
    /// }
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn new(ctx: &Context, array: &Array) -> Result<Plan> {
        let task_chunk = task_chunk_shape(array);
        let free = ctx.memory_limit() - ctx.budget().used();
        let threads = ctx.threads().max(1) as u64;
        let tasks = crate::grid::ChunkGrid::new(array.shape(), &task_chunk)?.num_chunks();
        crate::exec::check_task_count(&array.label(), tasks)?;
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

    /// The plan as text (the command line's `--explain`): the stages after fusion,
    /// one line per node indented by depth, the tasks, and the projected memory.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::builder().memory(64 << 20).threads(2).build()?;
    /// let a = Array::from_ndarray(ndarray::Array2::<f64>::ones((4, 6)).view(), &[2, 3])?;
    /// let text = a.sum_axis(0)?.plan(&ctx)?.explain();
    /// assert!(text.starts_with("stages (after fusion):\n"));
    /// assert!(text.contains("tasks: 2 (one per result chunk of [3]), 2 at a time"));
    /// assert!(text.contains("of a 64.0 MiB budget"));
    /// # Ok::<(), tessera::Error>(())
    /// ```
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

/// The result chunk shape computed per task: the array's chunks, with a zero length
/// (an empty axis) taken as 1.
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// let a = Array::from_ndarray(ndarray::Array2::<f64>::zeros((3, 0)).view(), &[2, 1])?;
/// assert_eq!(tessera::plan::task_chunk_shape(&a), vec![2, 1]);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn task_chunk_shape(array: &Array) -> Vec<u64> {
    array.chunks().iter().map(|c| (*c).max(1)).collect()
}

/// Refuses a graph in which some node has more than [`crate::grid::MAX_TASKS`] chunks:
/// running it would enumerate them (a reduction's pieces, a source's reads) even when
/// the result has few chunks. Shared nodes are visited once.
fn check_node_chunk_counts(array: &Array) -> Result<()> {
    crate::graph::walk(array, |node| {
        let grid = crate::grid::ChunkGrid::new(node.shape(), &task_chunk_shape(node))?;
        crate::exec::check_task_count(&node.label(), grid.num_chunks())
    })
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
        if region_cost(array, &smaller, batch) <= free {
            fits = Some(smaller.clone());
            break;
        }
    }
    let hint = match fits {
        Some(shape) => format!("rechunk the inputs so result chunks are at most {shape:?}, or raise --memory"),
        None => "the inputs' own chunks are too large for this budget: raise --memory or rechunk the inputs".into(),
    };
    Error::OverBudget {
        op: format!("{} producing result chunks of {chunk:?}", array.label()),
        needed,
        budget: free,
        hint,
    }
}

fn describe(array: &Array, depth: usize, out: &mut Vec<String>) {
    out.push(format!(
        "{}{} -> {:?} {} in chunks {:?}",
        "  ".repeat(depth),
        array.label(),
        array.shape(),
        array.dtype(),
        array.chunks()
    ));
    for input in array.inputs() {
        describe(input, depth + 1, out);
    }
}

/// The graph in graphviz's dot language (dask's `visualize`): one box per node with
/// its operation, shape and dtype, edges from inputs to the nodes that read them; a
/// node read twice is drawn once.
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// let a = Array::from_ndarray(ndarray::array![1.0, 2.0].view(), &[1])?;
/// let b = a.matmul(&a)?;
/// let dot = tessera::plan::to_dot(&b);
/// assert!(dot.starts_with("digraph tessera {"));
/// assert!(dot.contains("read <memory>"));
/// // The source and the product: the source is read twice but drawn once.
/// assert_eq!(dot.matches("[label=").count(), 2);
/// # Ok::<(), tessera::Error>(())
/// ```
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
    let id = array.id();
    if !seen.insert(id) {
        return;
    }
    let label =
        format!("{}\\n{:?} {}", array.label(), array.shape(), array.dtype()).replace('"', "'");
    let _ = writeln!(text, "  n{id} [label=\"{label}\"];");
    for input in array.inputs() {
        dot_node(input, text, seen);
        let _ = writeln!(text, "  n{} -> n{id};", input.id());
    }
}

#[cfg(test)]
mod tests;
