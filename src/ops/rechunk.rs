//! Rechunking: the same values with another chunking. An output region reads the input
//! region it covers, straddling input chunks where it must (the cache keeps a chunk that
//! several output chunks read).

use crate::chunk::Chunk;
use crate::error::Result;
use crate::graph::{Array, Evaluator, Operator, region_cost};
use crate::grid::Region;

/// The operator of a rechunk of `input`.
pub(crate) struct Rechunk {
    input: Array,
}

impl Array {
    /// The same values with chunks of `chunks`.
    pub fn rechunk(&self, chunks: &[u64]) -> Result<Array> {
        crate::grid::ChunkGrid::new(self.shape(), chunks)?;
        if chunks == self.chunks() {
            return Ok(self.clone());
        }
        let op = Rechunk {
            input: self.clone(),
        };
        Ok(Array::from_node(
            op,
            self.shape().to_vec(),
            chunks.to_vec(),
            self.dtype(),
        ))
    }
}

impl Operator for Rechunk {
    fn name(&self) -> &'static str {
        "rechunk"
    }

    fn label(&self, _node: &Array) -> String {
        "rechunk".into()
    }

    fn inputs(&self) -> Vec<&Array> {
        vec![&self.input]
    }

    fn evaluate(&self, ev: &Evaluator<'_>, _node: &Array, region: &Region) -> Result<Chunk> {
        ev.region(&self.input, region)
    }

    fn cost(&self, _node: &Array, shape: &[u64], batch: u64) -> u64 {
        region_cost(&self.input, shape, batch)
    }
}
