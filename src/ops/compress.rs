//! Boolean masks (`a[mask]`): the elements where a mask is true, as a 1-D array in C
//! order. The node is built with the running count of true elements before each chunk
//! of the flattened mask (counted by `Array::mask`, which runs a pass under the budget
//! like dask's `compute_chunk_sizes`), so the result has a known length and regular
//! chunks; evaluating a region reads only the input chunks that feed it.

use std::sync::Arc;

use crate::chunk::Chunk;
use crate::error::Result;
use crate::graph::{Array, Evaluator, Operator, out_bytes, region_cost, sat_sum};
use crate::grid::{ChunkGrid, Region};

/// The operator of the elements of the 1-D `input` where the 1-D bool `mask` (chunked
/// alike) is true; `offsets[i]` counts the true elements before input chunk `i`.
pub(crate) struct Compress {
    input: Array,
    mask: Array,
    offsets: Arc<[u64]>,
}

/// The elements of the 1-D `input` where the 1-D bool `mask` (chunked alike) is true,
/// given the running counts of true elements before each chunk (one more entry than
/// chunks: the last is the total).
pub(crate) fn compress(input: Array, mask: Array, offsets: Vec<u64>) -> Array {
    let total = offsets.last().copied().unwrap_or(0);
    let chunk = input.chunks().first().copied().unwrap_or(1).max(1);
    let dtype = input.dtype();
    let op = Compress {
        input,
        mask,
        offsets: offsets.into(),
    };
    Array::from_node(op, vec![total], vec![chunk], dtype)
}

impl Operator for Compress {
    fn name(&self) -> &'static str {
        "a boolean mask"
    }

    fn label(&self, node: &Array) -> String {
        format!("boolean mask ({} elements selected)", node.len())
    }

    fn inputs(&self) -> Vec<&Array> {
        vec![&self.input, &self.mask]
    }

    fn evaluate(&self, ev: &Evaluator<'_>, node: &Array, region: &Region) -> Result<Chunk> {
        compress_region(ev, node, &self.input, &self.mask, &self.offsets, region)
    }

    /// The output, one input chunk and its mask chunk.
    fn cost(&self, _node: &Array, shape: &[u64], batch: u64) -> u64 {
        let (input, mask) = (&self.input, &self.mask);
        let chunk = [input.chunks()[0].min(input.shape()[0]).max(1)];
        sat_sum(&[
            out_bytes(input, shape),
            region_cost(input, &chunk, batch),
            region_cost(mask, &chunk, batch),
        ])
    }
}

/// The values of a mask selection in `region` (positions `lo..hi` of the result): the
/// input chunks whose true elements land there, read one at a time.
fn compress_region(
    evaluator: &Evaluator<'_>,
    array: &Array,
    input: &Array,
    mask: &Array,
    offsets: &[u64],
    region: &Region,
) -> Result<Chunk> {
    let mut out = Chunk::zeros(array.dtype(), &region.shape);
    let (lo, hi) = (region.start[0], region.start[0] + region.shape[0]);
    if lo == hi {
        return Ok(out);
    }
    let grid = ChunkGrid::new(input.shape(), input.chunks())?;
    let size = array.dtype().size();
    let first = offsets.partition_point(|&o| o <= lo).saturating_sub(1);
    for chunk in first..offsets.len().saturating_sub(1) {
        let (from, to) = (offsets[chunk], offsets[chunk + 1]);
        if from >= hi {
            break;
        }
        if to <= lo {
            continue;
        }
        let source = grid.chunk_region(&[chunk as u64]);
        let flags = evaluator.region(mask, &source)?;
        let values = evaluator.region(input, &source)?;
        let selected = flags.bytes().iter().enumerate().filter(|(_, f)| **f != 0);
        for (position, (i, _)) in (from..).zip(selected) {
            if position >= hi {
                break;
            }
            if position >= lo {
                let at = (position - lo) as usize * size;
                out.bytes_mut()[at..at + size]
                    .copy_from_slice(&values.bytes()[i * size..(i + 1) * size]);
            }
        }
    }
    Ok(out)
}
