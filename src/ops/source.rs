//! Source: values read from a store, memory or a generator through a `ChunkSource`.
//! Chunks are decoded once and shared through the task's pin and the context's cache,
//! keyed by the node's id and the chunk's position.

use std::sync::Arc;

use crate::chunk::Chunk;
use crate::error::{Error, Result};
use crate::graph::{Array, Evaluator, Operator, out_bytes};
use crate::grid::{ChunkGrid, Region, region_indices};
use crate::store::ChunkSource;

/// The operator of a node whose values come from a chunk source.
pub(crate) struct Source {
    pub(crate) source: Arc<dyn ChunkSource>,
}

impl Array {
    /// An array backed by any chunk source: a store opened with
    /// [`store::open`](crate::store::open), values in memory, a generator, or a
    /// [`ChunkSource`] of your own. The shape, chunks and dtype are the source's
    /// metadata; chunks are read only when a computation needs them.
    ///
    /// # Examples
    /// ```
    /// use std::sync::Arc;
    /// use tessera::prelude::*;
    /// use tessera::store::memory::MemorySource;
    /// let ctx = Context::new()?;
    /// let values = tessera::Chunk::from_slice(&[2, 3], &[1i64, 2, 3, 4, 5, 6])?;
    /// let a = Array::from_source(Arc::new(MemorySource::new(values, &[1, 3])?));
    /// assert_eq!((a.shape(), a.chunks(), a.dtype()), (&[2, 3][..], &[1, 3][..], DType::I64));
    /// assert_eq!(a.sum()?.compute_vec::<i64>(&ctx)?, vec![21]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn from_source(source: Arc<dyn ChunkSource>) -> Array {
        let meta = source.meta();
        let (shape, chunks, dtype) = (meta.shape.clone(), meta.chunks.clone(), meta.dtype);
        Array::from_node(Source { source }, shape, chunks, dtype)
    }

    /// Opens the array at an address: `file.h5:/group/dataset` (also `.hdf5`, `.nc`,
    /// `.he5`), `store.zarr` or `store.zarr:/group/array`, `file.npy` (like
    /// `dask.array.from_zarr` / `from_array` over an h5py dataset). Only the metadata is
    /// read now; chunks are read when a computation needs them.
    ///
    /// # Errors
    /// An address of none of these forms ([`Error::BadAddress`]);
    /// a path that does not exist or cannot be read; a file or store that is not what its
    /// address says, or whose array is missing; a dtype tessera does not handle
    /// (strings, compound types, ...); a codec it cannot decode; a chunk grid too large
    /// to address.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// use tessera::store::WriteOptions;
    /// let ctx = Context::new()?;
    /// let dir = std::env::temp_dir().join(format!("tessera-doc-open-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("a.npy").display().to_string();
    /// let address = tessera::Address::parse(&path)?;
    /// let options = WriteOptions::new(&[]);
    /// let a = Array::from_ndarray(ndarray::array![[1.0f32, 2.0], [3.0, 4.0]].view(), &[1, 2])?;
    /// a.store(&ctx, &address, &options, None)?;
    ///
    /// let b = Array::open(&path)?;
    /// assert_eq!((b.shape(), b.dtype()), (&[2, 2][..], DType::F32));
    /// assert_eq!(b.compute_vec::<f32>(&ctx)?, vec![1.0, 2.0, 3.0, 4.0]);
    /// assert!(Array::open(&dir.join("missing.npy").display().to_string()).is_err());
    /// std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open(address: &str) -> Result<Array> {
        let address = crate::address::Address::parse(address)?;
        let source = crate::store::open(&address)?;
        source
            .meta()
            .grid()
            .map_err(|e| Error::format(&address.path, e.to_string()))?;
        Ok(Array::from_source(Arc::from(source)))
    }

    /// An array holding a copy of `values`, cut into chunks of `chunks` (dask's
    /// `from_array(x, chunks=...)`). The dtype is `T`'s; the copy is made now, so
    /// `values` may be dropped afterwards.
    ///
    /// # Errors
    /// A chunk shape with another number of axes than `values`, or a zero chunk length.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![[1u8, 2, 3], [4, 5, 6]].view(), &[2, 2])?;
    /// assert_eq!((a.shape(), a.chunks(), a.dtype()), (&[2, 3][..], &[2, 2][..], DType::U8));
    /// assert_eq!(a.compute_vec::<u8>(&ctx)?, vec![1, 2, 3, 4, 5, 6]);
    /// assert!(Array::from_ndarray(ndarray::array![1.0, 2.0].view(), &[0]).is_err());
    /// assert!(Array::from_ndarray(ndarray::array![1.0, 2.0].view(), &[1, 1]).is_err());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn from_ndarray<T: crate::dtype::Element, D: ndarray::Dimension>(
        values: ndarray::ArrayView<'_, T, D>,
        chunks: &[u64],
    ) -> Result<Array> {
        let source = crate::store::memory::MemorySource::new(Chunk::from_ndarray(values), chunks)?;
        Ok(Array::from_source(Arc::new(source)))
    }

    /// An array holding `values` (taken over, not copied), cut into chunks of `chunks`.
    /// The dtype and shape are the chunk's; this is how bindings wrap a buffer they
    /// filled themselves (bool data included, which has no ndarray element type here).
    ///
    /// # Errors
    /// A chunk shape with another number of axes than `values`, or a zero chunk length.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let values = tessera::Chunk::from_bytes(DType::Bool, &[2, 2], &[1, 0, 0, 1])?;
    /// let a = Array::from_chunk(values, &[1, 2])?;
    /// assert_eq!((a.shape(), a.chunks(), a.dtype()), (&[2, 2][..], &[1, 2][..], DType::Bool));
    /// assert_eq!(a.any()?.astype(DType::U8)?.compute_vec::<u8>(&ctx)?, vec![1]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn from_chunk(values: Chunk, chunks: &[u64]) -> Result<Array> {
        let source = crate::store::memory::MemorySource::new(values, chunks)?;
        Ok(Array::from_source(Arc::new(source)))
    }

    /// The chunk source behind this array, when it is a source node.
    pub(crate) fn source(&self) -> Option<&Arc<dyn ChunkSource>> {
        self.op::<Source>().map(|s| &s.source)
    }
}

/// Every distinct source node `array` reads, in a fixed order.
pub(crate) fn sources_of(array: &Array) -> Vec<Array> {
    let mut sources = Vec::new();
    let _ = crate::graph::walk(array, |node| {
        if node.source().is_some() {
            sources.push(node.clone());
        }
        Ok(())
    });
    sources
}

impl Operator for Source {
    fn name(&self) -> &'static str {
        "a source"
    }

    fn label(&self, _node: &Array) -> String {
        format!("read {}", self.source.origin())
    }

    fn inputs(&self) -> Vec<&Array> {
        Vec::new()
    }

    fn evaluate(&self, ev: &Evaluator<'_>, node: &Array, region: &Region) -> Result<Chunk> {
        if region.is_empty() {
            return Ok(Chunk::zeros(node.dtype(), &region.shape));
        }
        let grid = ChunkGrid::new(node.shape(), node.chunks())?;
        let touching = grid.chunks_touching(region);
        let read = |index: &[u64]| {
            if !self.source.cached() {
                return self.source.read_chunk(index).map(Arc::new);
            }
            ev.chunk((node.id(), grid.ravel(index)), || {
                self.source.read_chunk(index)
            })
        };
        if touching.len() == 1 && grid.chunk_region(&touching.start) == *region {
            let chunk = read(&touching.start)?;
            return Ok(Arc::try_unwrap(chunk).unwrap_or_else(|shared| (*shared).clone()));
        }
        let mut out = Chunk::zeros(node.dtype(), &region.shape);
        for index in region_indices(&touching) {
            read(&index)?.copy_overlap_into(&grid.chunk_region(&index), &mut out, region);
        }
        Ok(out)
    }

    /// One chunk being decoded (plus its decode buffers); when the region is one whole
    /// chunk, that chunk is the output itself.
    fn cost(&self, node: &Array, shape: &[u64], _batch: u64) -> u64 {
        let meta = self.source.meta();
        let whole_chunk = shape == meta.chunks.as_slice();
        let chunk = if whole_chunk { 0 } else { meta.chunk_bytes() };
        out_bytes(node, shape)
            .saturating_add(self.source.read_cost())
            .saturating_add(chunk)
    }
}
