//! The adversarial suite: hostile metadata, corrupt and oversized chunks, path tricks,
//! resource bombs, signals and concurrent processes. Every case asserts tessera's
//! promises (README, "What tessera promises"): the exit code, exactly one error line,
//! no panic or hang, bounded RSS where it matters, nothing changed outside the target,
//! and the inputs' sha256 unchanged.
//!
//! One binary, one module per family.

mod cli_errors;
mod disk;
mod empty_arrays;
mod expressions;
#[allow(dead_code)] // each family uses the part of the harness it needs
mod harness;
mod hdf5_chunks;
mod hdf5_objects;
mod mapped_reads;
mod netcdf3_headers;
mod npy_headers;
mod overflow;
mod overwrite;
mod parallel_rechunk;
mod paths;
mod races;
mod signals;
mod zarr_chunks;
mod zarr_meta;
