//! The memory projection driver: what producing a region of a node holds at its peak,
//! asked of the node's operator (which asks its inputs through the same driver), and
//! the saturating arithmetic every projection uses.

use crate::grid::sat_len;

use super::Array;

/// Projected peak bytes held while producing a region of `shape` of `array`, with
/// `batch` pieces of a streaming node in flight at once.
pub fn region_cost(array: &Array, shape: &[u64], batch: u64) -> u64 {
    array.node.op.cost(array, shape, batch)
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
