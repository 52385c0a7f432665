//! tessera: an out-of-core array engine.
//!
//! Arrays live in HDF5 (and netCDF4) files, Zarr v2/v3 stores and .npy files. An
//! [`Array`] is lazy, like a dask array: operations build a graph, checked for shape
//! and dtype as they are built, and nothing is read until [`Array::compute`] or
//! [`Array::store`]. A [`Context`] sets the memory budget, which everything the engine
//! holds stays within (cache, chunks in flight, partial results, write buffers), and
//! the threads. A task that could never fit is refused before any work starts.
//!
//! # A walkthrough
//!
//! ```
//! use tessera::prelude::*;
//!
//! // 64 MiB of memory, two threads.
//! let ctx = Context::builder().memory(64 << 20).threads(2).build()?;
//!
//! // An array in memory, cut into 2 x 2 chunks (Array::open reads files the same way).
//! let values = ndarray::Array2::from_shape_fn((4, 6), |(i, j)| (i * 6 + j) as f64);
//! let a = Array::from_ndarray(values.view(), &[2, 2])?;
//!
//! // Lazy operations with numpy's broadcasting and promotion; `?` reports shape and
//! // dtype errors at once.
//! let centred = (&a - &a.mean_axis(0)?)?;
//! let scaled = (&centred * 0.5)?;
//! assert_eq!(scaled.shape(), &[4, 6]);
//!
//! // Reductions over any axes, with keepdims.
//! let rows = scaled.reduce(ReduceOp::Max, Axes::from(1).keepdims(true))?;
//! assert_eq!(rows.shape(), &[4, 1]);
//!
//! // Nothing has run yet. The plan says what it will take.
//! let plan = rows.plan(&ctx)?;
//! assert!(plan.peak_bytes <= ctx.memory_limit());
//!
//! // Compute: chunk by chunk, in parallel, within the budget.
//! assert_eq!(rows.compute_vec::<f64>(&ctx)?, vec![-4.5, -1.5, 1.5, 4.5]);
//! # Ok::<(), tessera::Error>(())
//! ```
//!
//! Writing a result to a file is [`Array::store`]; several results over shared inputs
//! in one pass are [`compute_many`] and [`store_many`]. The expression language of the
//! `tessera` command line is [`expr`]. `docs/dask.md` maps dask.array's names to
//! tessera's. A run is stopped from another thread (or a Ctrl-C handler) through a
//! context made with [`Context::with_cancel`]; it then ends with [`Error::Cancelled`],
//! having committed nothing.

// The documented surface: the facade below, `expr` and `store`. The other public
// modules serve the command line, the tests and the benches; they are hidden from the
// docs and not part of the stable API.
#[doc(hidden)]
pub mod address;
#[doc(hidden)]
pub mod cache;
#[doc(hidden)]
pub mod chunk;
mod context;
#[doc(hidden)]
pub mod convert;
#[doc(hidden)]
pub mod create;
#[doc(hidden)]
pub mod dtype;
mod error;
#[doc(hidden)]
pub mod exec;
pub mod expr;
#[doc(hidden)]
pub mod graph;
#[doc(hidden)]
pub mod grid;
#[doc(hidden)]
pub mod kernels;
#[doc(hidden)]
pub mod memory;
mod ops;
#[doc(hidden)]
pub mod plan;
mod run;
pub mod store;
#[doc(hidden)]
pub mod text;

pub use address::{Address, Format};
pub use cache::CacheStats;
pub use chunk::{Chunk, SharedBytes};
pub use context::{
    Cancel, Context, ContextBuilder, DEFAULT_MEMORY, MAX_MEMORY, MAX_THREADS, MIN_MEMORY,
};
pub use create::{
    arange, eye, full, linspace, ones, random_integers, random_normal, random_uniform, zeros,
};
pub use dtype::DType;
pub use error::{Error, Result, Setting};
pub use graph::Array;
pub use kernels::elementwise::{BinaryOp, UnaryOp};
pub use kernels::lanes::QuantileMethod;
pub use kernels::promote::Scalar;
pub use kernels::reduce::ReduceOp;
pub use kernels::scan::ScanOp;
pub use kernels::stencil::WindowOp;
pub use memory::parse_bytes;
pub use ops::concatenate::{Blocks, block, concatenate, stack};
pub use ops::elementwise::Operand;
pub use ops::map_blocks::BlockFn;
pub use ops::overlap::{BOUNDARIES, Boundary};
pub use ops::quantile::Quantiles;
pub use ops::reduce::{Axes, REDUCTIONS, reduce_op};
pub use ops::slice::SliceItem;
pub use ops::tensordot::{DotAxes, einsum, outer, tensordot};
pub use plan::Plan;
pub use run::many::{
    compute_many, compute_many_ndarray, compute_many_with_progress, explain_many, store_many,
    to_dot_many,
};

/// The names most programs need: `use tessera::prelude::*;`.
pub mod prelude {
    pub use crate::{
        Array, Axes, BinaryOp, Context, DType, Error, ReduceOp, Result, ScanOp, SliceItem, UnaryOp,
        block, concatenate, einsum, stack, tensordot,
    };
}
