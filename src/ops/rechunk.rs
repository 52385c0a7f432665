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
    /// The same values cut into chunks of `chunks`, one length per axis (dask's
    /// `rechunk` with a tuple; the grid is regular, so there are no per-chunk lists or
    /// `"auto"`). A chunk length may exceed its axis (the axis is then one chunk). The
    /// same chunking returns `self`.
    ///
    /// An output chunk reads the input region it covers, across input chunks where it
    /// must; the chunk cache keeps an input chunk that several output chunks read.
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) when `chunks` has the wrong number of
    /// axes or a chunk length of 0.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let values = ndarray::Array2::from_shape_fn((4, 6), |(i, j)| (i * 6 + j) as f64);
    /// let a = Array::from_ndarray(values.view(), &[1, 6])?;
    /// let b = a.rechunk(&[4, 2])?;
    /// assert_eq!(b.chunks(), &[4, 2]);
    /// assert_eq!(b.compute_vec::<f64>(&ctx)?, a.compute_vec::<f64>(&ctx)?);
    ///
    /// assert!(a.rechunk(&[2]).is_err());
    /// assert!(a.rechunk(&[0, 2]).is_err());
    /// # Ok::<(), tessera::Error>(())
    /// ```
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
