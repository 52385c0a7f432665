//! HDF5 (and netCDF4) arrays. Placeholder until the HDF5 store lands.

use std::path::Path;

use crate::address::Address;
use crate::chunk::Chunk;
use crate::error::{Error, Result};
use crate::store::{ArrayEntry, ArrayMeta, ChunkSink, ChunkSource, WriteOptions};

pub struct Hdf5Source {
    address: Address,
    meta: ArrayMeta,
}

impl Hdf5Source {
    pub fn open(address: &Address) -> Result<Hdf5Source> {
        Err(Error::format(
            &address.path,
            "HDF5 reading is not built yet",
        ))
    }
}

impl ChunkSource for Hdf5Source {
    fn meta(&self) -> &ArrayMeta {
        &self.meta
    }
    fn address(&self) -> &Address {
        &self.address
    }
    fn read_chunk(&self, _index: &[u64]) -> Result<Chunk> {
        Err(Error::format(
            &self.address.path,
            "HDF5 reading is not built yet",
        ))
    }
}

pub struct Hdf5Sink {
    meta: ArrayMeta,
}

impl Hdf5Sink {
    pub fn create(
        address: &Address,
        _like: &ArrayMeta,
        _options: &WriteOptions,
    ) -> Result<Hdf5Sink> {
        Err(Error::format(
            &address.path,
            "HDF5 writing is not built yet",
        ))
    }
}

impl ChunkSink for Hdf5Sink {
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
    Err(Error::format(path, "HDF5 listing is not built yet"))
}
