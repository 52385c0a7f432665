//! `map_blocks`: a user function applied to every block of an array's chunking. A region
//! reads the whole blocks it touches, maps each, and copies the overlap in place.

use std::sync::Arc;

use crate::chunk::Chunk;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::graph::{Array, Evaluator, Operator, out_bytes, region_cost, sat_sum};
use crate::grid::{ChunkGrid, Region, region_indices};

/// A function applied to every block by [`Array::map_blocks`] and
/// [`Array::map_overlap`]: it takes a block and returns the mapped block, or an error
/// that fails the computation.
///
/// # Examples
/// ```
/// use std::sync::Arc;
/// use tessera::{BlockFn, Chunk};
/// let negate: BlockFn = Arc::new(|block: &Chunk| {
///     let values = block.to_ndarray::<f64>()?;
///     Ok(Chunk::from_ndarray((-values).view()))
/// });
/// let block = Chunk::from_slice(&[2], &[1.0, -2.0])?;
/// assert_eq!(negate(&block)?.as_slice::<f64>(), Some(&[-1.0, 2.0][..]));
/// # Ok::<(), tessera::Error>(())
/// ```
pub type BlockFn = Arc<dyn Fn(&Chunk) -> Result<Chunk> + Send + Sync>;

/// The operator of `func` applied to each block of `input`'s chunking.
pub(crate) struct MapBlocks {
    input: Array,
    func: BlockFn,
}

impl Array {
    /// Applies `func` to every block of this array's chunking (dask's `map_blocks`).
    /// `func` must return a chunk of the block's shape in `dtype`; the result has this
    /// array's shape and chunks. `func` sees one block at a time, edge blocks clipped
    /// to the array, and may be called from several threads at once, and more than
    /// once for a block.
    ///
    /// Nothing is checked when the graph is built: an error `func` returns, or a block
    /// of another shape or dtype, fails the computation that runs it.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// use tessera::Chunk;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![1.0, 2.0, 3.0, 4.0, 5.0].view(), &[2])?;
    /// // Every element replaced by the sum of its block: blocks [1, 2], [3, 4], [5].
    /// let sums = a.map_blocks(DType::F64, |block: &Chunk| {
    ///     let values = block.to_ndarray::<f64>()?;
    ///     Ok(Chunk::from_ndarray(values.mapv(|_| values.sum()).view()))
    /// });
    /// assert_eq!(sums.compute_vec::<f64>(&ctx)?, vec![3.0, 3.0, 7.0, 7.0, 5.0]);
    ///
    /// // A block of the wrong dtype fails the computation.
    /// let wrong = a.map_blocks(DType::F32, |block: &Chunk| Ok(block.clone()));
    /// assert!(wrong.compute(&ctx).is_err());
    /// # Ok::<(), tessera::Error>(())
    /// ```
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
