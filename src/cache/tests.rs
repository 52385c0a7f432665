//! Unit tests of `cache.rs`.

use super::*;
use crate::dtype::DType;

fn chunk(bytes: u64) -> Chunk {
    Chunk::zeros(DType::U8, &[bytes])
}

#[test]
fn counts_hits_and_misses() {
    let cache = ChunkCache::new(100);
    cache.get_or_load((1, 0), || Ok(chunk(10))).unwrap();
    cache.get_or_load((1, 0), || Ok(chunk(10))).unwrap();
    cache.get_or_load((1, 1), || Ok(chunk(10))).unwrap();
    let stats = cache.stats();
    assert_eq!((stats.hits, stats.misses, stats.bytes), (1, 2, 20));
}

#[test]
fn evicts_least_recently_used_to_stay_in_capacity() {
    let cache = ChunkCache::new(25);
    cache.insert((1, 0), Arc::new(chunk(10)));
    cache.insert((1, 1), Arc::new(chunk(10)));
    cache.get_or_load((1, 0), || Ok(chunk(10))).unwrap(); // touch 0
    cache.insert((1, 2), Arc::new(chunk(10))); // evicts 1
    assert_eq!(cache.stats().bytes, 20);
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
fn oversized_chunks_are_not_kept() {
    let cache = ChunkCache::new(5);
    cache.insert((1, 0), Arc::new(chunk(10)));
    assert_eq!(cache.stats().bytes, 0);
}
