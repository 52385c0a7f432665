//! `map_blocks`: a user function applied to every block of an array's chunking. A region
//! reads the whole blocks it touches, maps each, and copies the overlap in place.

use std::sync::Arc;

use crate::chunk::Chunk;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::graph::{Array, Evaluator, Operator, out_bytes, region_cost, sat_sum};
use crate::grid::{ChunkGrid, Region, region_indices};

/// A function applied to every block by `map_blocks`.
pub type BlockFn = Arc<dyn Fn(&Chunk) -> Result<Chunk> + Send + Sync>;

/// The operator of `func` applied to each block of `input`'s chunking.
pub(crate) struct MapBlocks {
    input: Array,
    func: BlockFn,
}

impl Array {
    /// Applies `func` to every block of this array's chunking. `func` must return a
    /// chunk of the block's shape in `dtype`.
    pub fn map_blocks(
        &self,
        dtype: DType,
        func: impl Fn(&Chunk) -> Result<Chunk> + Send + Sync + 'static,
    ) -> Array {
        let op = MapBlocks {
            input: self.clone(),
            func: Arc::new(func),
        };
        Array::from_node(op, self.shape().to_vec(), self.chunks().to_vec(), dtype)
    }
}

impl Operator for MapBlocks {
    fn name(&self) -> &'static str {
        "map_blocks"
    }

    fn label(&self, _node: &Array) -> String {
        "map_blocks".into()
    }

    fn inputs(&self) -> Vec<&Array> {
        vec![&self.input]
    }

    fn evaluate(&self, ev: &Evaluator<'_>, node: &Array, region: &Region) -> Result<Chunk> {
        let input = &self.input;
        let grid = ChunkGrid::new(input.shape(), input.chunks())?;
        let mut out = Chunk::zeros(node.dtype(), &region.shape);
        if region.is_empty() {
            return Ok(out);
        }
        for index in region_indices(&grid.chunks_touching(region)) {
            let block_region = grid.chunk_region(&index);
            let block = ev.region(input, &block_region)?;
            let mapped = (self.func)(&block)?;
            if mapped.shape() != block.shape() || mapped.dtype() != node.dtype() {
                return Err(Error::shape(
                    "map_blocks",
                    format!(
                        "the function returned {:?} {} for a block of {:?}; expected {:?} {}",
                        mapped.shape(),
                        mapped.dtype(),
                        block.shape(),
                        block.shape(),
                        node.dtype()
                    ),
                ));
            }
            mapped.copy_overlap_into(&block_region, &mut out, region);
        }
        Ok(out)
    }

    /// The output, one input block, and the block mapped (and its copy).
    fn cost(&self, node: &Array, shape: &[u64], batch: u64) -> u64 {
        let input = &self.input;
        let chunk = out_bytes(node, input.chunks());
        sat_sum(&[
            out_bytes(node, shape),
            region_cost(input, input.chunks(), batch),
            chunk.saturating_mul(2),
        ])
    }
}
