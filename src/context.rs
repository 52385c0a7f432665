//! `Context`: the resources a computation runs with. It owns the memory budget, the
//! shared chunk cache (whose capacity is reserved out of that budget for the context's
//! lifetime) and the rayon thread pool.

use std::sync::Arc;

use crate::cache::ChunkCache;
use crate::error::{Error, Result, Setting};
use crate::memory::{MemoryBudget, Reservation};

/// Default memory budget: 1 GiB.
pub const DEFAULT_MEMORY: u64 = 1 << 30;

/// Most worker threads a context starts. More threads than this only add stacks and
/// contention (each reserves its stack and tessera's tasks are memory-bound), and a
/// typo such as `--threads 100000` would otherwise try to start them all.
pub const MAX_THREADS: usize = 1024;

/// Smallest memory budget accepted: 1 MiB.
pub const MIN_MEMORY: u64 = 1 << 20;

/// Largest memory budget accepted: 2^60 bytes (1 EiB). Budget arithmetic (bytes in use
/// plus a request) then never overflows.
pub const MAX_MEMORY: u64 = 1 << 60;

/// Share of the budget given to the chunk cache, as a divisor (1/8).
const CACHE_SHARE: u64 = 8;

/// Memory budget, chunk cache and thread pool for a run.
pub struct Context {
    budget: MemoryBudget,
    cache: Arc<ChunkCache>,
    _cache_reservation: Reservation,
    pool: rayon::ThreadPool,
}

impl Context {
    /// A context with the default budget (1 GiB) and one thread per core.
    pub fn new() -> Result<Context> {
        Context::with_limits(DEFAULT_MEMORY, 0)
    }

    /// A context with `memory` bytes and `threads` workers (0 = one per core).
    pub fn with_limits(memory: u64, threads: usize) -> Result<Context> {
        Context::with_cache(memory, threads, memory / CACHE_SHARE)
    }

    /// A context whose chunk cache holds `cache_bytes` (taken out of `memory`; at most
    /// half of it). A cache of 0 reads every chunk from its store each time it is used.
    ///
    /// A `memory` outside [`MIN_MEMORY`]`..=`[`MAX_MEMORY`], more than [`MAX_THREADS`]
    /// threads or a cache over half the budget is refused with [`Error::OutOfRange`],
    /// whose fields say what would be accepted.
    pub fn with_cache(memory: u64, threads: usize, cache_bytes: u64) -> Result<Context> {
        let out_of_range = |setting, given: u64, min, max| {
            Err(Error::OutOfRange {
                setting,
                given,
                min,
                max,
            })
        };
        if !(MIN_MEMORY..=MAX_MEMORY).contains(&memory) {
            return out_of_range(Setting::MemoryBudget, memory, MIN_MEMORY, MAX_MEMORY);
        }
        if threads > MAX_THREADS {
            return out_of_range(Setting::Threads, threads as u64, 0, MAX_THREADS as u64);
        }
        if cache_bytes > memory / 2 {
            return out_of_range(Setting::ChunkCache, cache_bytes, 0, memory / 2);
        }
        let budget = MemoryBudget::new(memory);
        let cache_reservation = budget.reserve(cache_bytes, "chunk cache")?;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("tessera-{i}"))
            .build()
            .map_err(|e| Error::Invalid(format!("cannot start {threads} threads: {e}")))?;
        Ok(Context {
            budget,
            cache: Arc::new(ChunkCache::new(cache_bytes)),
            _cache_reservation: cache_reservation,
            pool,
        })
    }

    /// The memory budget (its `used` includes the cache's share).
    pub fn budget(&self) -> &MemoryBudget {
        &self.budget
    }

    /// The whole budget in bytes.
    pub fn memory_limit(&self) -> u64 {
        self.budget.limit()
    }

    /// The shared chunk cache.
    pub fn cache(&self) -> &Arc<ChunkCache> {
        &self.cache
    }

    /// Number of worker threads.
    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// Runs `work` on the calling thread with a scope whose spawned tasks run on the
    /// context's pool (the calling thread is not a pool worker, so it may block).
    pub fn in_place_scope<'scope, R>(&self, work: impl FnOnce(&rayon::Scope<'scope>) -> R) -> R {
        self.pool.in_place_scope(work)
    }

    /// Runs `work` inside the context's thread pool, so that rayon calls within it use
    /// this pool's workers.
    pub fn install<R: Send>(&self, work: impl FnOnce() -> R + Send) -> R {
        self.pool.install(work)
    }
}
