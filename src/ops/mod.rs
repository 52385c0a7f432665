//! The operations of the lazy graph, one module each. A module holds its operator type
//! (implementing [`crate::graph::Operator`]: evaluation, memory projection, plan
//! label), the `Array` methods that build it with shape, dtype and chunk inference, and
//! its tests. Operations made of others (`clip`, `stack`, `outer`, `trace`, `einsum`)
//! live beside the one they build on.
//!
//! Adding an operation is one module here plus its line below (and a registry line in
//! `expr::registry` to reach it from the expression language).

pub(crate) mod broadcast_to;
pub(crate) mod compress;
pub(crate) mod concatenate;
pub(crate) mod diagonal;
pub(crate) mod elementwise;
pub(crate) mod lanes;
pub(crate) mod map_blocks;
pub(crate) mod overlap;
pub(crate) mod quantile;
pub(crate) mod rechunk;
pub(crate) mod reduce;
pub(crate) mod reshape;
pub(crate) mod scan;
pub(crate) mod slice;
pub(crate) mod source;
pub(crate) mod take;
pub(crate) mod tensordot;
pub(crate) mod transpose;
pub(crate) mod unit_axes;

#[cfg(test)]
mod tests;
