//! The `Operator` trait: what the graph, the planner and the evaluator know of an
//! operation. Each operation implements it in its own module under `ops/`, so that its
//! evaluation and its memory projection sit side by side and the compiler insists on
//! both.

use std::any::Any;

use crate::chunk::Chunk;
use crate::error::Result;
use crate::grid::Region;

use super::{Array, Evaluator};

/// One operation of the lazy graph. A node holds its operator beside its shape, chunks
/// and dtype; the operator holds its inputs and parameters.
///
/// `evaluate` and `cost` must agree: `cost(node, shape, batch)` is the projected peak
/// of the bytes `evaluate` holds (inputs read, buffers, partial results) while it
/// produces a region of `shape` with `batch` pieces of any streaming input in flight.
/// The executor admits work by this projection, so an underestimate breaks the memory
/// budget.
pub(crate) trait Operator: Any + Send + Sync {
    /// The operation's name in messages ("a reduction", "concatenate").
    fn name(&self) -> &'static str;

    /// The operation's line in `--explain` and `--dot`, with its parameters.
    fn label(&self, node: &Array) -> String;

    /// The arrays this operation reads, in order.
    fn inputs(&self) -> Vec<&Array>;

    /// The values of `node` (whose operator this is) in `region`.
    fn evaluate(&self, ev: &Evaluator<'_>, node: &Array, region: &Region) -> Result<Chunk>;

    /// Projected peak bytes held while `evaluate` produces a region of `shape` of
    /// `node`, with `batch` pieces of a streaming input in flight. Saturating: a
    /// projection past `u64::MAX` is simply more than any budget.
    fn cost(&self, node: &Array, shape: &[u64], batch: u64) -> u64;
}

impl dyn Operator {
    /// The concrete operator, when it is a `T` (for peepholes such as fusion).
    pub(crate) fn downcast<T: Operator>(&self) -> Option<&T> {
        (self as &dyn Any).downcast_ref::<T>()
    }
}
