//! `ChunkPin`: decoded chunks of shared sources, kept for the length of one combined
//! task so that every output of the task reads them from memory after the first read.
//!
//! The shared chunk cache cannot promise this: it evicts, and it never keeps a chunk
//! larger than its capacity. A pin lives for one task, holds only chunks of the sources
//! its outputs share, and never more than its capacity, which the task reserved as part
//! of its projected bytes. A chunk that does not fit passes through (the cache, or a
//! second read, serves it then), so the pin can cost time but never memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::ChunkKey;
use crate::chunk::Chunk;
use crate::error::Result;

/// Decoded chunks of shared sources held for one task, up to a byte capacity.
pub struct ChunkPin {
    /// Node ids of the sources worth pinning (sorted).
    sources: Arc<[u64]>,
    capacity: u64,
    state: Mutex<PinState>,
}

#[derive(Default)]
struct PinState {
    chunks: HashMap<ChunkKey, Arc<Chunk>>,
    bytes: u64,
}

impl ChunkPin {
    /// A pin for chunks of the sources in `sources` (sorted node ids), holding at most
    /// `capacity` bytes.
    pub fn new(sources: Arc<[u64]>, capacity: u64) -> ChunkPin {
        ChunkPin {
            sources,
            capacity,
            state: Mutex::new(PinState::default()),
        }
    }

    /// The chunk under `key`: pinned already, or loaded with `load` (and pinned when it
    /// belongs to a shared source and fits).
    pub fn get_or_load(
        &self,
        key: ChunkKey,
        load: impl FnOnce() -> Result<Arc<Chunk>>,
    ) -> Result<Arc<Chunk>> {
        if self.sources.binary_search(&key.0).is_err() {
            return load();
        }
        if let Some(chunk) = self.lock().chunks.get(&key) {
            return Ok(Arc::clone(chunk));
        }
        let chunk = load()?;
        let size = chunk.nbytes() as u64;
        let mut state = self.lock();
        if state.bytes + size <= self.capacity && !state.chunks.contains_key(&key) {
            state.bytes += size;
            state.chunks.insert(key, Arc::clone(&chunk));
        }
        Ok(chunk)
    }

    /// Bytes pinned now.
    pub fn bytes(&self) -> u64 {
        self.lock().bytes
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PinState> {
        // The map stays consistent if a holder panicked: inserts are single calls.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}
