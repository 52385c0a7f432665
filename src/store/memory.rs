//! Arrays held in memory, served chunk by chunk like a store. Used for data created by
//! the library itself (tests, `from_ndarray`) so that everything downstream sees one
//! kind of source.

use std::path::PathBuf;

use crate::chunk::Chunk;
use crate::error::Result;
use crate::grid::{ChunkGrid, Region};
use crate::store::Origin;
use crate::store::{ArrayMeta, Attributes, ChunkSource};

/// A whole array in memory, cut into chunks of a chosen shape on read.
pub struct MemorySource {
    /// What made the values, for messages.
    name: String,
    meta: ArrayMeta,
    data: Chunk,
    /// The files the values were computed from, if any: a write never targets them.
    inputs: Vec<PathBuf>,
}

impl MemorySource {
    /// Serves `data` in chunks of `chunks`.
    pub fn new(data: Chunk, chunks: &[u64]) -> Result<MemorySource> {
        ChunkGrid::new(data.shape(), chunks)?;
        let meta = ArrayMeta {
            shape: data.shape().to_vec(),
            chunks: chunks.to_vec(),
            dtype: data.dtype(),
            fill_value: vec![0; data.dtype().size()],
            codec: "none".into(),
            layout: "in memory".into(),
            attributes: Attributes::new(),
            dimension_names: None,
            stored_bytes: None,
            fill_marks_missing: false,
        };
        Ok(MemorySource {
            name: "<memory>".to_string(),
            meta,
            data,
            inputs: Vec::new(),
        })
    }

    /// Sets the attributes reported in the metadata.
    pub fn with_attributes(mut self, attributes: impl Into<Attributes>) -> Self {
        self.meta.attributes = attributes.into();
        self
    }

    /// Records the files the values were computed from (`ChunkSource::input_paths`).
    pub fn with_input_paths(mut self, inputs: Vec<PathBuf>) -> Self {
        self.inputs = inputs;
        self
    }
}

impl ChunkSource for MemorySource {
    fn meta(&self) -> &ArrayMeta {
        &self.meta
    }

    fn origin(&self) -> Origin<'_> {
        Origin::Made(&self.name)
    }

    fn input_paths(&self) -> Vec<PathBuf> {
        self.inputs.clone()
    }

    fn read_chunk(&self, index: &[u64]) -> Result<Chunk> {
        let region = self.meta.grid()?.chunk_region(index);
        self.read_region(&region)
    }

    fn cached(&self) -> bool {
        false
    }

    /// The box, copied; the whole array is the held chunk itself (shared, not copied).
    fn read_region(&self, region: &Region) -> Result<Chunk> {
        crate::store::check_region(&self.meta, region, self.origin())?;
        if region.shape == self.meta.shape {
            return Ok(self.data.clone());
        }
        Ok(self.data.extract(region))
    }
}
