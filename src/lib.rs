//! tessera: an out-of-core array engine.
//!
//! Arrays live in HDF5 (and netCDF4) files, Zarr v2/v3 stores and .npy files. They
//! stream chunk by chunk through a caching loader into parallel work, under a memory
//! budget the caller sets. Data flows one way:
//!
//! ```text
//! store (read_chunk) -> cache -> convert / compute -> store (write_chunk, commit)
//! ```

pub mod address;
pub mod cache;
pub mod chunk;
pub mod context;
pub mod convert;
pub mod create;
pub mod dtype;
pub mod error;
pub mod exec;
pub mod expr;
pub mod generate;
pub mod graph;
pub mod grid;
pub mod kernels;
pub mod memory;
pub(crate) mod ops;
pub mod plan;
pub(crate) mod run;
pub mod store;
pub mod text;

pub use address::{Address, Format};
pub use chunk::Chunk;
pub use context::Context;
pub use dtype::DType;
pub use error::{Error, Result};
pub use graph::Array;
pub use ops::concatenate::{Blocks, block, concatenate, stack};
pub use ops::elementwise::Operand;
pub use ops::map_blocks::BlockFn;
pub use ops::overlap::{BOUNDARIES, Boundary};
pub use ops::reduce::{REDUCTIONS, reduce_op};
pub use ops::slice::SliceItem;
pub use ops::tensordot::{DotAxes, einsum, outer, tensordot};
pub use run::many::{
    ChunkGroup, Schedule, compute_many, compute_many_ndarray, compute_many_with_progress,
    explain_many, store_many, to_dot_many,
};
