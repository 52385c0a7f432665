//! Unit tests of `cache.rs`.

use super::*;
use crate::dtype::DType;

fn chunk(bytes: u64) -> Chunk {
    Chunk::zeros(DType::U8, &[bytes])
}

/// What one 10-byte chunk counts for, bookkeeping included.
fn entry() -> u64 {
    entry_bytes(&chunk(10))
}

#[test]
fn counts_hits_and_misses() {
    let cache = ChunkCache::new(100 * entry());
    cache.get_or_load((1, 0), || Ok(chunk(10))).unwrap();
    cache.get_or_load((1, 0), || Ok(chunk(10))).unwrap();
    cache.get_or_load((1, 1), || Ok(chunk(10))).unwrap();
    let stats = cache.stats();
    assert_eq!((stats.hits, stats.misses, stats.bytes), (1, 2, 2 * entry()));
}

#[test]
fn evicts_least_recently_used_to_stay_in_capacity() {
    let cache = ChunkCache::new(2 * entry() + entry() / 2);
    cache.insert((1, 0), Arc::new(chunk(10)));
    cache.insert((1, 1), Arc::new(chunk(10)));
    cache.get_or_load((1, 0), || Ok(chunk(10))).unwrap(); // touch 0
    cache.insert((1, 2), Arc::new(chunk(10))); // evicts 1
    assert_eq!(cache.stats().bytes, 2 * entry());
    let mut loaded = false;
    cache
        .get_or_load((1, 1), || {
            loaded = true;
            Ok(chunk(10))
        })
        .unwrap();
    assert!(loaded, "chunk 1 should have been evicted");
}

#[test]
fn chunks_over_half_the_capacity_are_not_kept() {
    let cache = ChunkCache::new(2 * entry() - 1);
    cache.insert((1, 0), Arc::new(chunk(10)));
    assert_eq!(cache.stats().bytes, 0);
    let cache = ChunkCache::new(2 * entry());
    cache.insert((1, 0), Arc::new(chunk(10)));
    assert_eq!(cache.stats().bytes, entry());
}

#[test]
fn tiny_chunks_count_their_bookkeeping() {
    // A million one-element chunks would otherwise fit in 8 MB of "capacity".
    let cache = ChunkCache::new(8 << 20);
    for i in 0..100_000 {
        cache.insert((1, i), Arc::new(Chunk::zeros(DType::F64, &[1])));
    }
    let per_entry = entry_bytes(&Chunk::zeros(DType::F64, &[1]));
    assert!(cache.stats().bytes <= 8 << 20);
    assert_eq!(cache.stats().bytes / per_entry, (8 << 20) / per_entry);
}
