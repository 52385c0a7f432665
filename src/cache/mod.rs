//! The shared chunk cache: a byte-bounded LRU of decoded chunks with hit and miss
//! counters. Its capacity is carved out of the memory budget by the `Context`.
//!
//! Use it when chunks are read more than once: a rechunk whose target chunks straddle
//! source chunks, or several expressions over the same input. A single streaming pass
//! over each chunk gains nothing from it; give it a small share of the budget then.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use lru::LruCache;

use crate::chunk::Chunk;
use crate::error::Result;

mod pin;
pub use pin::ChunkPin;

/// Identifies a chunk: which opened source, and the chunk's C-order position.
pub type ChunkKey = (u64, u64);

/// A byte-bounded LRU of decoded chunks, safe to share between threads.
pub struct ChunkCache {
    capacity: u64,
    state: Mutex<State>,
    hits: AtomicU64,
    misses: AtomicU64,
}

struct State {
    lru: LruCache<ChunkKey, Arc<Chunk>>,
    bytes: u64,
}

/// Counters of a cache.
///
/// # Examples
/// ```
/// let ctx = tessera::Context::builder().memory(64 << 20).cache(1 << 20).build()?;
/// let stats: tessera::CacheStats = ctx.cache_stats();
/// assert_eq!((stats.capacity, stats.bytes), (1 << 20, 0));
/// # Ok::<(), tessera::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheStats {
    /// Chunks found in the cache.
    pub hits: u64,
    /// Chunks read from their store because the cache did not hold them.
    pub misses: u64,
    /// Bytes of decoded chunks held now.
    pub bytes: u64,
    /// Bytes the cache may hold.
    pub capacity: u64,
}

impl ChunkCache {
    /// A cache holding at most `capacity` bytes of decoded chunks.
    pub fn new(capacity: u64) -> ChunkCache {
        ChunkCache {
            capacity,
            state: Mutex::new(State {
                lru: LruCache::unbounded(),
                bytes: 0,
            }),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The chunk under `key`, loading it with `load` on a miss. The load runs outside
    /// the lock, so two threads missing the same key may both load it; the second
    /// insert replaces the first.
    pub fn get_or_load(
        &self,
        key: ChunkKey,
        load: impl FnOnce() -> Result<Chunk>,
    ) -> Result<Arc<Chunk>> {
        if let Some(chunk) = self.lock().lru.get(&key) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(Arc::clone(chunk));
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let chunk = Arc::new(load()?);
        self.insert(key, Arc::clone(&chunk));
        Ok(chunk)
    }

    /// Inserts a chunk, evicting least-recently-used ones to stay within capacity.
    /// A chunk larger than half the capacity is not kept: it would push out everything
    /// else and be pushed out by the next such chunk, so it would never be hit, and while
    /// the cache holds it every reader that needs the chunk as its own must copy it.
    pub fn insert(&self, key: ChunkKey, chunk: Arc<Chunk>) {
        let size = entry_bytes(&chunk);
        if size > self.capacity / 2 {
            return;
        }
        let mut state = self.lock();
        if let Some(old) = state.lru.put(key, chunk) {
            state.bytes -= entry_bytes(&old);
        }
        state.bytes += size;
        while state.bytes > self.capacity {
            match state.lru.pop_lru() {
                Some((_, evicted)) => state.bytes -= entry_bytes(&evicted),
                None => break,
            }
        }
    }

    /// Hit and miss counts and current size.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            bytes: self.lock().bytes,
            capacity: self.capacity,
        }
    }

    /// Drops every cached chunk.
    pub fn clear(&self) {
        let mut state = self.lock();
        state.lru.clear();
        state.bytes = 0;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic inside the lock cannot leave the LRU half-updated in a way that
        // matters: at worst the byte count is off until the next clear.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Bytes an entry holds: the chunk's elements plus its bookkeeping (the chunk and its
/// shape, the shared pointer, the LRU node), which dominates for tiny chunks.
fn entry_bytes(chunk: &Chunk) -> u64 {
    const ENTRY_OVERHEAD: u64 = 160;
    chunk.nbytes() as u64 + chunk.shape().len() as u64 * 8 + ENTRY_OVERHEAD
}

/// Hands out process-unique ids for opened sources, used in cache keys.
pub fn next_source_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[cfg(test)]
mod tests;
