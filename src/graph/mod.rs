//! The lazy expression graph. An `Array` is a cheap handle on a `Node`: an operator
//! (see `Operator`) over other arrays, with the result's shape, chunking and dtype
//! worked out when it is built, so that type and shape errors surface at once and
//! nothing is read until `compute` or `store`.
//!
//! The graph knows operators only through the trait: every concrete operation lives in
//! its own module under `ops/`, with its `Array` constructor, its evaluation and its
//! memory projection. This module holds the node, the drivers that evaluate a region
//! ([`Evaluator`]) and project its cost ([`region_cost`]), and walks over the graph.

use std::sync::Arc;

use crate::dtype::DType;
use crate::error::Result;

mod cost;
mod evaluate;
mod operator;
mod shape;

pub use cost::region_cost;
pub(crate) use cost::{out_bytes, sat_mul, sat_sum};
pub use evaluate::Evaluator;
pub(crate) use operator::Operator;
pub(crate) use shape::{along, broadcast_input_shape, broadcast_source_region};
pub use shape::{broadcast_shapes, normalize_axes, normalize_axis};

/// A lazy n-dimensional array (dask's `dask.array.Array`).
///
/// An `Array` is a cheap handle on a node of the expression graph: cloning it clones the
/// handle, not the values. Every operation checks shapes and dtypes at once and returns
/// a new lazy array; nothing is read or computed until [`Array::compute`] (into memory)
/// or [`Array::store`] (into a file), which run chunk by chunk within a [`Context`]'s
/// memory budget.
///
/// [`Context`]: crate::Context
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// let ctx = Context::new()?;
/// let a = Array::from_ndarray(ndarray::array![[1.0, 2.0], [3.0, 4.0]].view(), &[1, 2])?;
/// let doubled = (&a + &a)?; // lazy: nothing has run
/// assert_eq!(doubled.shape(), &[2, 2]);
/// assert_eq!(doubled.compute_vec::<f64>(&ctx)?, vec![2.0, 4.0, 6.0, 8.0]);
/// # Ok::<(), tessera::Error>(())
/// ```
#[derive(Clone)]
pub struct Array {
    pub(crate) node: Arc<Node>,
}

/// One vertex of the graph.
pub(crate) struct Node {
    /// Process-unique id, from the same counter as other cache users (cache keys,
    /// graph output).
    pub(crate) id: u64,
    /// What produces the values.
    pub(crate) op: Box<dyn Operator>,
    /// Shape of the result.
    pub(crate) shape: Vec<u64>,
    /// Chunk shape of the result: the unit of work when it is computed.
    pub(crate) chunks: Vec<u64>,
    /// Element type of the result.
    pub(crate) dtype: DType,
}

/// Node ids share the cache's id space, since source nodes key cached chunks by them.
fn next_node_id() -> u64 {
    crate::cache::next_source_id()
}

impl Array {
    /// A node whose shape and chunks are new (broadcasts, joins, products, ...): refused
    /// by name when its element or byte count would overflow (see
    /// [`crate::grid::check_bytes`]), so that no later count wraps.
    pub(crate) fn checked_node(
        op: impl Operator,
        shape: Vec<u64>,
        chunks: Vec<u64>,
        dtype: DType,
    ) -> Result<Array> {
        let what = format!("the result of {}", op.name());
        crate::grid::check_bytes(&shape, dtype.size(), &what)?;
        crate::grid::check_bytes(
            &chunks,
            dtype.size(),
            &format!("the chunks of {}", op.name()),
        )?;
        Ok(Array::from_node(op, shape, chunks, dtype))
    }

    /// A node of `op` whose shape and chunks come from its inputs' (already checked).
    pub(crate) fn from_node(
        op: impl Operator,
        shape: Vec<u64>,
        chunks: Vec<u64>,
        dtype: DType,
    ) -> Array {
        Array {
            node: Arc::new(Node {
                id: next_node_id(),
                op: Box::new(op),
                shape,
                chunks,
                dtype,
            }),
        }
    }

    /// The length of every axis (numpy's `a.shape`).
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let a = Array::from_ndarray(ndarray::Array2::<f32>::zeros((3, 5)).view(), &[2, 5])?;
    /// assert_eq!(a.shape(), &[3, 5]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn shape(&self) -> &[u64] {
        &self.node.shape
    }

    /// The chunk shape: the length of a (full) chunk along every axis; chunks at the
    /// end of an axis may be shorter (dask's `a.chunksize`).
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let a = Array::from_ndarray(ndarray::Array2::<f32>::zeros((3, 5)).view(), &[2, 5])?;
    /// assert_eq!(a.chunks(), &[2, 5]); // rows 0-1 and row 2
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn chunks(&self) -> &[u64] {
        &self.node.chunks
    }

    /// The element type (numpy's `a.dtype`).
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let a = Array::from_ndarray(ndarray::array![1i32, 2, 3].view(), &[3])?;
    /// assert_eq!(a.dtype(), DType::I32);
    /// assert_eq!(a.astype(DType::F64)?.dtype(), DType::F64);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn dtype(&self) -> DType {
        self.node.dtype
    }

    /// The number of axes (numpy's `a.ndim`).
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let a = Array::from_ndarray(ndarray::Array3::<u8>::zeros((2, 3, 4)).view(), &[1, 3, 4])?;
    /// assert_eq!(a.ndim(), 3);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn ndim(&self) -> usize {
        self.node.shape.len()
    }

    /// The number of elements (numpy's `a.size`), saturating at `u64::MAX` (arrays
    /// built through the public API never reach it).
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let a = Array::from_ndarray(ndarray::Array2::<f64>::zeros((3, 4)).view(), &[3, 4])?;
    /// assert_eq!(a.len(), 12);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn len(&self) -> u64 {
        crate::grid::sat_len(&self.node.shape)
    }

    /// True when some axis has length zero, so the array has no elements.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let none = Array::from_ndarray(ndarray::Array2::<f64>::zeros((3, 0)).view(), &[3, 1])?;
    /// assert!(none.is_empty());
    /// let some = Array::from_ndarray(ndarray::array![1.0].view(), &[1])?;
    /// assert!(!some.is_empty());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when both handles are the same lazy node (Python's `a is b`), not merely
    /// arrays of equal values: a clone is the same node, a second identical expression
    /// is not.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let a = Array::from_ndarray(ndarray::array![1.0, 2.0].view(), &[2])?;
    /// assert!(a.is_same(&a.clone()));
    /// assert!(!(&a + 1.0)?.is_same(&(&a + 1.0)?));
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn is_same(&self, other: &Array) -> bool {
        Arc::ptr_eq(&self.node, &other.node)
    }

    /// The node's process-unique id.
    pub(crate) fn id(&self) -> u64 {
        self.node.id
    }

    /// The node's operator, when it is a `T`.
    pub(crate) fn op<T: Operator>(&self) -> Option<&T> {
        self.node.op.downcast::<T>()
    }

    /// The arrays this node reads.
    pub(crate) fn inputs(&self) -> Vec<&Array> {
        self.node.op.inputs()
    }

    /// A short description of the node's operation, for plans.
    pub(crate) fn label(&self) -> String {
        self.node.op.label(self)
    }
}

/// Every node `array` depends on (itself included) once, depth first; shared nodes are
/// visited once.
pub(crate) fn walk(array: &Array, mut visit: impl FnMut(&Array) -> Result<()>) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![array];
    while let Some(node) = stack.pop() {
        if !seen.insert(node.id()) {
            continue;
        }
        visit(node)?;
        stack.extend(node.inputs());
    }
    Ok(())
}

#[cfg(test)]
mod tests;
