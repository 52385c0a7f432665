//! `Context`: the resources a computation runs with. It owns the memory budget, the
//! shared chunk cache (whose capacity is reserved out of that budget for the context's
//! lifetime) and the rayon thread pool (`threads`: rebuilt in a forked child), and may
//! carry a [`Cancel`] flag that stops its runs (`cancel`).

use std::sync::Arc;

use crate::cache::{CacheStats, ChunkCache};
use crate::error::{Error, Result, Setting};
use crate::memory::{MemoryBudget, Reservation};

mod cancel;
mod threads;

pub use cancel::Cancel;
use threads::Workers;

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
///
/// # Threads and processes
///
/// A context may be shared by threads: their runs draw on one budget, one cache and
/// one pool. [`Context::with_cancel`] gives a view of it whose runs a [`Cancel`] flag
/// stops. After a `fork`, the child may keep using a context made before it: the pool,
/// whose threads the child lacks, is rebuilt there on first use. (A fork made while
/// another thread runs on the context leaves that run's reservations and cache locks
/// behind in the child; make a new context in the child then. The Python package does
/// that itself.)
pub struct Context {
    shared: Arc<Shared>,
    /// Stops this view's runs when cancelled.
    cancel: Option<Cancel>,
}

/// What every view of a context shares.
struct Shared {
    budget: MemoryBudget,
    cache: Arc<ChunkCache>,
    _cache_reservation: Reservation,
    workers: Workers,
}

/// Settings for a [`Context`], given one at a time: `Context::builder().memory(..)`.
///
/// # Examples
/// ```
/// use tessera::Context;
/// let ctx = Context::builder().memory(256 << 20).threads(2).build()?;
/// assert_eq!(ctx.memory_limit(), 256 << 20);
/// assert_eq!(ctx.threads(), 2);
/// # Ok::<(), tessera::Error>(())
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct ContextBuilder {
    memory: u64,
    threads: usize,
    cache: Option<u64>,
}

impl ContextBuilder {
    /// The memory budget in bytes (default 1 GiB): everything the engine holds, cache
    /// included, stays within it.
    ///
    /// # Examples
    /// ```
    /// let ctx = tessera::Context::builder().memory(64 << 20).build()?;
    /// assert_eq!(ctx.memory_limit(), 64 << 20);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn memory(mut self, bytes: u64) -> ContextBuilder {
        self.memory = bytes;
        self
    }

    /// Worker threads (default 0: one per core).
    ///
    /// # Examples
    /// ```
    /// let ctx = tessera::Context::builder().threads(3).build()?;
    /// assert_eq!(ctx.threads(), 3);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn threads(mut self, threads: usize) -> ContextBuilder {
        self.threads = threads;
        self
    }

    /// Bytes of the chunk cache, taken out of the budget (default: an eighth of it;
    /// at most half). A cache of 0 reads every chunk from its store each time.
    ///
    /// # Examples
    /// ```
    /// let ctx = tessera::Context::builder().memory(64 << 20).cache(0).build()?;
    /// assert_eq!(ctx.cache_stats().capacity, 0);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn cache(mut self, bytes: u64) -> ContextBuilder {
        self.cache = Some(bytes);
        self
    }

    /// The context: its cache reserved out of the budget, its threads started.
    ///
    /// # Errors
    /// A memory budget outside [`MIN_MEMORY`]`..=`[`MAX_MEMORY`], more than
    /// [`MAX_THREADS`] threads, or a cache over half the budget, as
    /// [`Error::OutOfRange`] whose fields say what would be accepted; threads the
    /// system cannot start.
    ///
    /// # Examples
    /// ```
    /// let refused = tessera::Context::builder().memory(1000).build();
    /// assert!(matches!(refused, Err(tessera::Error::OutOfRange { .. })));
    /// ```
    pub fn build(self) -> Result<Context> {
        let cache = self.cache.unwrap_or(self.memory / CACHE_SHARE);
        Context::with_cache(self.memory, self.threads, cache)
    }
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("memory_limit", &self.memory_limit())
            .field("memory_used", &self.memory_used())
            .field("threads", &self.threads())
            .field("cache", &self.cache_stats())
            .finish()
    }
}

impl Context {
    /// Settings to build a context from, starting at the defaults (1 GiB, one thread
    /// per core, an eighth of the budget for the cache).
    ///
    /// # Examples
    /// ```
    /// let ctx = tessera::Context::builder().memory(128 << 20).build()?;
    /// assert_eq!(ctx.memory_limit(), 128 << 20);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn builder() -> ContextBuilder {
        ContextBuilder {
            memory: DEFAULT_MEMORY,
            threads: 0,
            cache: None,
        }
    }

    /// A context with the default budget (1 GiB) and one thread per core.
    ///
    /// # Errors
    /// Threads the system cannot start.
    ///
    /// # Examples
    /// ```
    /// let ctx = tessera::Context::new()?;
    /// assert_eq!(ctx.memory_limit(), 1 << 30);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn new() -> Result<Context> {
        Context::builder().build()
    }

    /// A context with `memory` bytes and `threads` workers (0 = one per core): the
    /// short form of `Context::builder().memory(memory).threads(threads).build()`.
    ///
    /// # Errors
    /// As [`ContextBuilder::build`].
    ///
    /// # Examples
    /// ```
    /// let ctx = tessera::Context::with_limits(64 << 20, 2)?;
    /// assert_eq!((ctx.memory_limit(), ctx.threads()), (64 << 20, 2));
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn with_limits(memory: u64, threads: usize) -> Result<Context> {
        Context::builder().memory(memory).threads(threads).build()
    }

    ///
    /// # Errors
    /// As [`ContextBuilder::build`].
    ///
    /// # Examples
    /// ```
    /// let ctx = tessera::Context::with_cache(64 << 20, 1, 0)?;
    /// assert_eq!(ctx.cache_stats().capacity, 0);
    /// # Ok::<(), tessera::Error>(())
    /// ```
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
        let workers = Workers::new(threads)?;
        crate::store::fork::install_handlers();
        Ok(Context {
            shared: Arc::new(Shared {
                budget,
                cache: Arc::new(ChunkCache::new(cache_bytes)),
                _cache_reservation: cache_reservation,
                workers,
            }),
            cancel: None,
        })
    }

    /// A view of this context (the same budget, cache and threads) whose runs stop
    /// with [`Error::Cancelled`] once `cancel` is cancelled, within about one chunk's
    /// work: nothing is committed and the memory they held is given back. Runs on this
    /// context itself, or on other views, go on. A view of a view answers only to the
    /// newer flag.
    ///
    /// # Examples
    /// ```
    /// use tessera::{Cancel, Context, Error};
    /// let ctx = Context::with_limits(64 << 20, 2)?;
    /// let cancel = Cancel::new();
    /// let run = ctx.with_cancel(&cancel);
    /// assert_eq!((run.memory_limit(), run.threads()), (64 << 20, 2));
    ///
    /// // Stop a long run from another thread: its error is Error::Cancelled.
    /// let slow = tessera::ones(&[64], &[1], tessera::DType::F64)?.map_blocks(
    ///     tessera::DType::F64,
    ///     |block| {
    ///         std::thread::sleep(std::time::Duration::from_millis(20));
    ///         Ok(block.clone())
    ///     },
    /// );
    /// let stopper = std::thread::spawn(move || {
    ///     std::thread::sleep(std::time::Duration::from_millis(50));
    ///     cancel.cancel();
    /// });
    /// assert!(matches!(slow.compute(&run), Err(Error::Cancelled)));
    /// assert!(stopper.join().is_ok());
    /// assert_eq!(ctx.memory_used(), 8 << 20, "only the cache's share is held");
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn with_cancel(&self, cancel: &Cancel) -> Context {
        Context {
            shared: Arc::clone(&self.shared),
            cancel: Some(cancel.clone()),
        }
    }

    /// [`Error::Cancelled`] once this view's [`Cancel`] flag is set.
    pub(crate) fn check_cancelled(&self) -> Result<()> {
        match &self.cancel {
            Some(cancel) if cancel.is_cancelled() => Err(Error::Cancelled),
            _ => Ok(()),
        }
    }

    /// Bytes of the budget reserved now: the cache's share, and whatever runs hold.
    ///
    /// # Examples
    /// ```
    /// let ctx = tessera::Context::with_limits(64 << 20, 1)?;
    /// assert_eq!(ctx.memory_used(), 8 << 20, "the cache's eighth is reserved");
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn memory_used(&self) -> u64 {
        self.shared.budget.used()
    }

    /// The memory budget (its `used` includes the cache's share).
    pub(crate) fn budget(&self) -> &MemoryBudget {
        &self.shared.budget
    }

    /// The whole budget in bytes.
    ///
    /// # Examples
    /// ```
    /// let ctx = tessera::Context::with_limits(64 << 20, 1)?;
    /// assert_eq!(ctx.memory_limit(), 64 << 20);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn memory_limit(&self) -> u64 {
        self.shared.budget.limit()
    }

    /// The chunk cache's counters: hits, misses, bytes held and capacity.
    ///
    /// # Examples
    /// ```
    /// let ctx = tessera::Context::with_limits(64 << 20, 1)?;
    /// let stats = ctx.cache_stats();
    /// assert_eq!((stats.capacity, stats.hits, stats.misses), (8 << 20, 0, 0));
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn cache_stats(&self) -> CacheStats {
        self.shared.cache.stats()
    }

    /// The shared chunk cache.
    pub(crate) fn cache(&self) -> &Arc<ChunkCache> {
        &self.shared.cache
    }

    /// Number of worker threads.
    ///
    /// # Examples
    /// ```
    /// let ctx = tessera::Context::with_limits(64 << 20, 2)?;
    /// assert_eq!(ctx.threads(), 2);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn threads(&self) -> usize {
        self.shared.workers.count()
    }

    /// Runs `work` on the calling thread with a scope whose spawned tasks run on the
    /// context's pool (the calling thread is not a pool worker, so it may block).
    ///
    /// # Errors
    /// A forked child that cannot start the threads of a new pool.
    pub(crate) fn in_place_scope<'scope, R>(
        &self,
        work: impl FnOnce(&rayon::Scope<'scope>) -> R,
    ) -> Result<R> {
        Ok(self.shared.workers.pool()?.in_place_scope(work))
    }

    /// Runs `work` inside the context's thread pool ([`Context::install`]).
    ///
    /// # Errors
    /// A forked child that cannot start the threads of a new pool.
    pub(crate) fn try_install<R: Send>(&self, work: impl FnOnce() -> R + Send) -> Result<R> {
        Ok(self.shared.workers.pool()?.install(work))
    }

    /// Runs `work` inside the context's thread pool, so that rayon calls within it use
    /// this pool's workers.
    ///
    /// # Examples
    /// ```
    /// let ctx = tessera::Context::with_limits(64 << 20, 3)?;
    /// assert_eq!(ctx.install(rayon::current_num_threads), 3);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn install<R: Send>(&self, work: impl FnOnce() -> R + Send) -> R {
        match self.shared.workers.pool() {
            Ok(pool) => pool.install(work),
            // Only a forked child that cannot start threads gets here: rayon's global
            // pool serves then.
            Err(_) => work(),
        }
    }
}
