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
pub mod compute;
pub mod context;
pub mod convert;
pub mod create;
pub mod dtype;
pub mod error;
pub mod eval;
pub mod exec;
pub mod expr;
pub mod generate;
pub mod graph;
pub mod grid;
pub mod kernels;
pub mod linalg;
pub mod many;
pub mod memory;
pub mod overlap;
pub mod plan;
mod reshape;
pub mod select;
pub mod store;

pub use address::{Address, Format};
pub use chunk::Chunk;
pub use context::Context;
pub use dtype::DType;
pub use error::{Error, Result};
pub use graph::{Array, SliceItem};
pub use many::{compute_many, store_many};
