//! Compute kernels: tight loops over contiguous slices, knowing nothing of files.
//!
//! - [`promote`]: numpy 2 type promotion (`np.result_type`, NEP 50 weak scalars).
//! - [`elementwise`]: binary/unary operators, casts and `where` over byte blocks of any
//!   length with an explicit dtype; a length-1 operand broadcasts as a scalar. The engine
//!   calls them on small blocks with reusable buffers, so they never allocate.
//! - [`reduce`]: per-chunk partial reductions ([`reduce::Partial`]) that the engine
//!   combines in a fixed tree order, so results are bit-identical across thread counts.
//! - [`lanes`]: whole lanes along one axis: sorts, medians, quantiles.
//! - [`linalg`]: `acc += a @ b` on 2-D chunks; [`blas`] puts the system BLAS under it
//!   when the `blas` feature is on.
//! - [`stencil`]: window sums, means, minima and maxima around every element of a box
//!   (the named functions of `map_overlap`).
//!
//! Every kernel returns `Result` and refuses (never panics on) malformed input: wrong
//! lengths, mismatched dtypes, misaligned byte slices.

pub mod blas;
pub mod elementwise;
pub mod lanes;
pub mod layout;
pub mod linalg;
pub mod promote;
pub mod reduce;
pub mod scan;
pub mod stencil;
