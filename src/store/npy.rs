//! NumPy .npy files. Placeholder until the npy store lands.

use std::path::Path;

use crate::address::Address;
use crate::chunk::Chunk;
use crate::error::{Error, Result};
use crate::store::{ArrayEntry, ArrayMeta, ChunkSink, ChunkSource, WriteOptions};

pub struct NpySource {
    address: Address,
    meta: ArrayMeta,
}

impl NpySource {
    pub fn open(address: &Address) -> Result<NpySource> {
        Err(Error::format(&address.path, "npy reading is not built yet"))
    }
}

impl ChunkSource for NpySource {
    fn meta(&self) -> &ArrayMeta {
        &self.meta
    }
    fn address(&self) -> &Address {
        &self.address
    }
    fn read_chunk(&self, _index: &[u64]) -> Result<Chunk> {
        Err(Error::format(
            &self.address.path,
            "npy reading is not built yet",
        ))
    }
}

pub struct NpySink {
    meta: ArrayMeta,
}

impl NpySink {
    pub fn create(
        address: &Address,
        _like: &ArrayMeta,
        _options: &WriteOptions,
    ) -> Result<NpySink> {
        Err(Error::format(&address.path, "npy writing is not built yet"))
    }
}

impl ChunkSink for NpySink {
    fn meta(&self) -> &ArrayMeta {
        &self.meta
    }
    fn write_chunk(&self, _index: &[u64], _chunk: &Chunk) -> Result<()> {
        Ok(())
    }
    fn commit(self: Box<Self>) -> Result<()> {
        Ok(())
    }
}

pub fn list(path: &Path) -> Result<Vec<ArrayEntry>> {
    Err(Error::format(path, "npy listing is not built yet"))
}
