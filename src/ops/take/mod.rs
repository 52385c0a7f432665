//! Integer-array indexing along one axis (numpy's `take`, `a[[3, 1, 4]]`). An output
//! region reads, per input chunk its indices fall in, one box, and copies its rows in
//! place, merging consecutive indices into one copy.

use std::sync::Arc;

use crate::chunk::Chunk;
use crate::error::{Error, Result};
use crate::graph::{Array, Evaluator, Operator, normalize_axis, out_bytes, region_cost};
use crate::grid::{Region, copy_box};

/// The operator of the elements at `indices` along `axis` of `input`.
pub(crate) struct Take {
    input: Array,
    axis: usize,
    /// Shared index lists are cheap to clone with the node.
    indices: Arc<[u64]>,
}

impl Array {
    /// The elements at `indices` along `axis` (numpy's `take` with an axis, or
    /// `a[[3, 1, 4]]` on axis 0). Negative indices and a negative axis count from the
    /// end; indices may repeat and come in any order.
    ///
    /// Chunks: along `axis`, an output chunk holds as many indices as an input chunk
    /// holds elements; the other axes keep theirs. An output chunk reads, per input
    /// chunk its indices fall in, one box, and copies runs of consecutive indices at
    /// once.
    ///
    /// # Errors
    /// [`Error::Shape`] for an axis or an index out of range.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![[1, 2, 3], [4, 5, 6]].view(), &[1, 2])?;
    /// let picked = a.take(&[2, 0, -1], 1)?;
    /// assert_eq!(picked.shape(), &[2, 3]);
    /// assert_eq!(picked.chunks(), &[1, 2]);
    /// assert_eq!(picked.compute_vec::<i32>(&ctx)?, vec![3, 1, 3, 6, 4, 6]);
    /// assert_eq!(a.take(&[1, 1], 0)?.compute_vec::<i32>(&ctx)?, vec![4, 5, 6, 4, 5, 6]);
    ///
    /// assert!(a.take(&[3], 1).is_err()); // axis 1 has 3 elements
    /// assert!(a.take(&[0], 2).is_err());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn take(&self, indices: &[i64], axis: i64) -> Result<Array> {
        let axis = normalize_axis(axis, self.ndim(), "take")?;
        let n = self.shape()[axis];
        let resolved = indices
            .iter()
            .map(|&i| {
                let at = if i < 0 { i + n as i64 } else { i };
                u64::try_from(at).ok().filter(|&at| at < n).ok_or_else(|| {
                    Error::shape(
                        "take",
                        format!("index {i} is out of bounds for axis {axis} of length {n}"),
                    )
                })
            })
            .collect::<Result<Vec<u64>>>()?;
        let mut shape = self.shape().to_vec();
        shape[axis] = resolved.len() as u64;
        let mut chunks = self.chunks().to_vec();
        chunks[axis] = chunks[axis].max(1);
        Array::checked_node(
            Take {
                input: self.clone(),
                axis,
                indices: resolved.into(),
            },
            shape,
            chunks,
            self.dtype(),
        )
    }
}

impl Operator for Take {
    fn name(&self) -> &'static str {
        "take"
    }

    fn label(&self, _node: &Array) -> String {
        format!(
            "take {} indices along axis {}",
            self.indices.len(),
            self.axis
        )
    }

    fn inputs(&self) -> Vec<&Array> {
        vec![&self.input]
    }

    fn evaluate(&self, ev: &Evaluator<'_>, node: &Array, region: &Region) -> Result<Chunk> {
        take_region(ev, node, &self.input, self.axis, &self.indices, region)
    }

    /// The output and one input box (at most an input chunk along the axis) at a time.
    fn cost(&self, _node: &Array, shape: &[u64], batch: u64) -> u64 {
        let (input, axis) = (&self.input, self.axis);
        let mut source = shape.to_vec();
        source[axis] = input.chunks()[axis].min(input.shape()[axis]).max(1);
        out_bytes(input, shape).saturating_add(region_cost(input, &source, batch))
    }
}

/// The values of `take` in `region`: the region's indices, grouped by the input chunk
/// they fall in, each group read as one box and copied row by row.
fn take_region(
    evaluator: &Evaluator<'_>,
    array: &Array,
    input: &Array,
    axis: usize,
    indices: &[u64],
    region: &Region,
) -> Result<Chunk> {
    let mut out = Chunk::zeros(array.dtype(), &region.shape);
    let lo = region.start[axis] as usize;
    let wanted = &indices[lo..lo + region.shape[axis] as usize];
    let chunk = input.chunks()[axis].max(1);
    let mut blocks: Vec<u64> = wanted.iter().map(|i| i / chunk).collect();
    blocks.sort_unstable();
    blocks.dedup();
    for block in blocks {
        let in_block = |i: &&u64| *i / chunk == block;
        let (Some(&first), Some(&last)) = (
            wanted.iter().filter(in_block).min(),
            wanted.iter().filter(in_block).max(),
        ) else {
            continue;
        };
        let mut source = region.clone();
        source.start[axis] = first;
        source.shape[axis] = last - first + 1;
        let values = evaluator.region(input, &source)?;
        copy_rows(&values, &source, wanted, axis, first, &mut out, region);
    }
    Ok(out)
}

/// Copies the rows of `values` (covering `source`) that `wanted` asks for into `out`,
/// merging consecutive indices into one copy.
fn copy_rows(
    values: &Chunk,
    source: &Region,
    wanted: &[u64],
    axis: usize,
    first: u64,
    out: &mut Chunk,
    region: &Region,
) {
    let end = first + source.shape[axis];
    let size = values.dtype().size();
    let mut p = 0;
    while p < wanted.len() {
        if !(first..end).contains(&wanted[p]) {
            p += 1;
            continue;
        }
        let mut run = 1;
        while p + run < wanted.len() && wanted[p + run] == wanted[p] + run as u64 {
            run += 1;
        }
        let run = run.min((end - wanted[p]) as usize);
        let mut src_at = vec![0; region.shape.len()];
        src_at[axis] = wanted[p] - first;
        let mut dst_at = vec![0; region.shape.len()];
        dst_at[axis] = p as u64;
        let mut extent = region.shape.clone();
        extent[axis] = run as u64;
        let out_shape = out.shape().to_vec();
        copy_box(
            values.bytes(),
            values.shape(),
            &src_at,
            out.bytes_mut(),
            &out_shape,
            &dst_at,
            &extent,
            size,
        );
        p += run;
    }
}

#[cfg(test)]
mod tests;
