//! `broadcast_to`: an array stretched to a larger shape by numpy's rules. A region reads
//! the input region that broadcasts onto it once, then repeats it.

use crate::chunk::Chunk;
use crate::error::{Error, Result};
use crate::graph::{
    Array, Evaluator, Operator, broadcast_input_shape, broadcast_source_region, out_bytes,
    region_cost,
};
use crate::grid::Region;
use crate::kernels::layout::gather_broadcast;

/// Bytes a `broadcast_to` result chunk may reach along its broadcast axes (4 MiB).
pub(crate) const BROADCAST_CHUNK_BYTES: u64 = 4 << 20;

/// The operator of `input` broadcast to the node's shape.
pub(crate) struct BroadcastTo {
    input: Array,
}

impl Array {
    /// The array broadcast to `shape` by numpy's rules (numpy's `broadcast_to`):
    /// `shape` has at least as many axes, and each of this array's axes (aligned at the
    /// end) matches or has length 1. The values are repeated as they are read, never
    /// stored.
    ///
    /// Chunks: axes this array spans keep its chunk length; broadcast axes (new ones,
    /// or stretched from length 1) get chunks as long as fit in 4 MiB or this array's
    /// chunk bytes, whichever is more, filled from the last axis. (dask makes each
    /// broadcast axis one whole chunk, which a large target would not fit in the
    /// budget.)
    ///
    /// # Errors
    /// [`Error::Shape`] when `shape` has fewer axes than this
    /// array, an axis of this array is neither 1 nor the target's length, or the
    /// target's byte count would overflow `u64`.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![1.0, 2.0, 3.0].view(), &[2])?;
    /// let b = a.broadcast_to(&[2, 3])?;
    /// assert_eq!(b.shape(), &[2, 3]);
    /// assert_eq!(b.chunks(), &[2, 2]); // the new axis: as many rows as fit in 4 MiB
    /// assert_eq!(b.compute_vec::<f64>(&ctx)?, vec![1.0, 2.0, 3.0, 1.0, 2.0, 3.0]);
    ///
    /// assert!(a.broadcast_to(&[3, 4]).is_err()); // 3 vs 4
    /// assert!(a.broadcast_to(&[]).is_err()); // fewer axes
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn broadcast_to(&self, shape: &[u64]) -> Result<Array> {
        let ndim = shape.len();
        if ndim < self.ndim() {
            return Err(Error::shape(
                "broadcast_to",
                format!(
                    "cannot broadcast shape {:?} to {shape:?}, which has fewer axes",
                    self.shape()
                ),
            ));
        }
        let offset = ndim - self.ndim();
        for (i, &n) in self.shape().iter().enumerate() {
            if n != 1 && n != shape[offset + i] {
                return Err(Error::shape(
                    "broadcast_to",
                    format!(
                        "cannot broadcast shape {:?} to {shape:?} (axis {}: {n} vs {})",
                        self.shape(),
                        offset + i,
                        shape[offset + i]
                    ),
                ));
            }
        }
        if shape == self.shape() {
            return Ok(self.clone());
        }
        let spanned = |d: usize| d >= offset && self.shape()[d - offset] == shape[d];
        let mut chunks = vec![1u64; ndim];
        let mut elements = 1u64;
        for d in (0..ndim).filter(|&d| spanned(d)) {
            chunks[d] = self.chunks()[d - offset];
            elements = elements.saturating_mul(chunks[d].min(shape[d]).max(1));
        }
        let size = self.dtype().size() as u64;
        let limit = (BROADCAST_CHUNK_BYTES / size).max(elements);
        for d in (0..ndim).rev().filter(|&d| !spanned(d)) {
            chunks[d] = (limit / elements).clamp(1, shape[d].max(1));
            elements = elements.saturating_mul(chunks[d]);
        }
        let op = BroadcastTo {
            input: self.clone(),
        };
        Array::checked_node(op, shape.to_vec(), chunks, self.dtype())
    }
}

impl Operator for BroadcastTo {
    fn name(&self) -> &'static str {
        "broadcast_to"
    }

    fn label(&self, _node: &Array) -> String {
        "broadcast_to".into()
    }

    fn inputs(&self) -> Vec<&Array> {
        vec![&self.input]
    }

    fn evaluate(&self, ev: &Evaluator<'_>, node: &Array, region: &Region) -> Result<Chunk> {
        let input = &self.input;
        let values = ev.region(input, &broadcast_source_region(region, input.shape()))?;
        if values.shape() == region.shape.as_slice() {
            return Ok(values);
        }
        if region.is_empty() {
            return Ok(Chunk::zeros(node.dtype(), &region.shape));
        }
        if values.len() == 1 {
            return Ok(Chunk::filled(node.dtype(), &region.shape, values.bytes()));
        }
        let bytes = gather_broadcast(&values, &region.shape, 0, region.len() as usize);
        drop(values);
        Chunk::from_bytes(node.dtype(), &region.shape, &bytes)
    }

    /// The input region, gathered into a buffer that is then copied into the output.
    fn cost(&self, node: &Array, shape: &[u64], batch: u64) -> u64 {
        let input_shape = broadcast_input_shape(shape, self.input.shape());
        region_cost(&self.input, &input_shape, batch)
            .saturating_add(out_bytes(node, shape).saturating_mul(2))
    }
}

#[cfg(test)]
mod tests;
