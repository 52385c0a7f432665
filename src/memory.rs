//! The memory budget: admission control with RAII reservations.
//!
//! ```text
//!  budget (--memory) ────────────────────────────────────────────────┐
//!  │ chunk cache capacity │ reservation │ reservation │   free        │
//!  │  (fixed share)       │  task A     │  task B     │               │
//!  └──────────────────────┴─────────────┴─────────────┴───────────────┘
//! ```
//!
//! Every piece of work that holds decoded data asks for a `Reservation` of the bytes it
//! will hold before it starts. `reserve` blocks until the bytes are free, so a reader
//! never runs ahead of the writer that consumes it; a request larger than the whole
//! budget fails at once instead of waiting forever. Dropping the reservation gives the
//! bytes back and wakes the waiters.

use std::sync::{Arc, Condvar, Mutex};

use crate::error::{Error, Result};

/// A shared byte budget.
#[derive(Clone, Debug)]
pub struct MemoryBudget {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    limit: u64,
    used: Mutex<u64>,
    freed: Condvar,
}

impl MemoryBudget {
    /// A budget of `limit` bytes.
    pub fn new(limit: u64) -> MemoryBudget {
        MemoryBudget {
            inner: Arc::new(Inner {
                limit,
                used: Mutex::new(0),
                freed: Condvar::new(),
            }),
        }
    }

    /// The total number of bytes.
    pub fn limit(&self) -> u64 {
        self.inner.limit
    }

    /// Bytes reserved right now.
    pub fn used(&self) -> u64 {
        *lock(&self.inner.used)
    }

    /// Waits until `bytes` are free and reserves them for `op`. Fails at once when
    /// `bytes` exceeds the whole budget.
    pub fn reserve(&self, bytes: u64, op: &str) -> Result<Reservation> {
        self.check_fits(bytes, op)?;
        let mut used = lock(&self.inner.used);
        while used
            .checked_add(bytes)
            .is_none_or(|total| total > self.inner.limit)
        {
            used = self
                .inner
                .freed
                .wait(used)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        *used += bytes;
        Ok(Reservation {
            budget: self.clone(),
            bytes,
        })
    }

    /// Reserves `bytes` if they are free now, without waiting.
    pub fn try_reserve(&self, bytes: u64) -> Option<Reservation> {
        let mut used = lock(&self.inner.used);
        if used
            .checked_add(bytes)
            .is_none_or(|total| total > self.inner.limit)
        {
            return None;
        }
        *used += bytes;
        Some(Reservation {
            budget: self.clone(),
            bytes,
        })
    }

    /// An `OverBudget` error unless `bytes` fits in the whole budget.
    pub fn check_fits(&self, bytes: u64, op: &str) -> Result<()> {
        if bytes > self.inner.limit {
            return Err(Error::OverBudget {
                op: op.to_string(),
                needed: bytes,
                budget: self.inner.limit,
                hint: "raise --memory or use smaller chunks".to_string(),
            });
        }
        Ok(())
    }

    fn release(&self, bytes: u64) {
        let mut used = lock(&self.inner.used);
        *used -= bytes;
        drop(used);
        self.inner.freed.notify_all();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves a plain counter behind, which stays valid.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Bytes held against a `MemoryBudget`; given back on drop.
#[derive(Debug)]
pub struct Reservation {
    budget: MemoryBudget,
    bytes: u64,
}

impl Reservation {
    /// The number of bytes held.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.budget.release(self.bytes);
    }
}

/// Buffers at least this large are asked to be backed by transparent huge pages.
const HUGE_PAGE_MIN_BYTES: usize = 4 << 20;

/// Asks the kernel to back `buffer` with transparent huge pages (Linux with THP in
/// `madvise` mode, the usual default). A fresh chunk-sized buffer then faults in 2 MiB
/// at a time instead of 4 KiB: measured, 4 KiB faults were 65% of the CPU time of a sum
/// over a plain HDF5 file. Call it before the buffer is first written; failure is
/// harmless (the pages stay small).
pub fn advise_huge_pages<T>(buffer: &mut [T]) {
    #[cfg(target_os = "linux")]
    {
        const HUGE_PAGE: usize = 2 << 20;
        let bytes = std::mem::size_of_val(buffer);
        if bytes < HUGE_PAGE_MIN_BYTES {
            return;
        }
        let start = buffer.as_mut_ptr() as usize;
        let (first, last) = (
            start.next_multiple_of(HUGE_PAGE),
            (start + bytes) / HUGE_PAGE * HUGE_PAGE,
        );
        if last > first {
            // SAFETY: madvise only changes how the kernel backs these pages, which lie
            // inside `buffer`; it neither reads nor writes them.
            unsafe {
                libc::madvise(
                    first as *mut libc::c_void,
                    last - first,
                    libc::MADV_HUGEPAGE,
                );
            }
        }
    }
}

/// `len` zero bytes, backed by huge pages where the system allows (see
/// [`advise_huge_pages`]): for chunk-sized scratch such as compressed bytes.
pub fn zeroed_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    advise_huge_pages(&mut bytes);
    bytes
}

/// A global allocator for chunk-sized buffers: allocations of 4 MiB
/// (`HUGE_PAGE_MIN_BYTES`) or more get their own 2 MiB-aligned anonymous mapping,
/// advised to use transparent huge pages, and are unmapped when freed; smaller ones go
/// to the system allocator.
///
/// Every large buffer then faults in 2 MiB at a time (the codecs' own scratch too, which
/// [`advise_huge_pages`] cannot reach), so the resident size follows what is live instead
/// of what the heap once held. Measured on a sum of two zstd Zarr arrays: 1.6 million
/// 4 KiB faults before.
///
/// A few freed mappings (at most 16, and 256 MiB) are kept for the next large buffer,
/// which then needs no fresh pages: the kernel does not fault and zero them again, and
/// no `mmap` takes the address-space lock the other threads' faults wait on. A buffer
/// takes a pooled mapping of its own length, else the smallest longer one with its tail
/// unmapped (compressed chunks vary in size; without this, each one evicted a decoded
/// chunk's mapping and the next chunk faulted all its pages in again). A buffer the pool
/// cannot serve first unmaps pooled bytes at least its size, so the pool never makes the
/// resident size larger than the largest live size so far.
/// Install it in a binary with `#[global_allocator]`; the `tessera` CLI and the Python
/// extension do.
pub struct ChunkAllocator;

#[cfg(target_os = "linux")]
mod large {
    use std::alloc::Layout;

    pub(super) const HUGE_PAGE: usize = 2 << 20;

    /// True when `layout` is served by its own mapping.
    pub(super) fn is_large(layout: &Layout) -> bool {
        layout.size() >= super::HUGE_PAGE_MIN_BYTES && layout.align() <= HUGE_PAGE
    }

    /// Length of the mapping that serves `size` bytes.
    pub(super) fn mapped_len(size: usize) -> usize {
        size.next_multiple_of(HUGE_PAGE)
    }

    /// A zeroed, 2 MiB-aligned mapping of `mapped_len(size)` bytes, or null.
    pub(super) fn map(size: usize) -> *mut u8 {
        let len = mapped_len(size);
        // Over-map by one huge page, then trim both ends to an aligned `len`.
        // SAFETY: an anonymous private mapping with no address hint touches no
        // existing memory; the unmapped ends lie inside it.
        unsafe {
            let raw = libc::mmap(
                std::ptr::null_mut(),
                len + HUGE_PAGE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            if raw == libc::MAP_FAILED {
                return std::ptr::null_mut();
            }
            let start = raw as usize;
            let aligned = start.next_multiple_of(HUGE_PAGE);
            if aligned > start {
                libc::munmap(raw, aligned - start);
            }
            let tail = start + len + HUGE_PAGE - (aligned + len);
            if tail > 0 {
                libc::munmap((aligned + len) as *mut libc::c_void, tail);
            }
            libc::madvise(aligned as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
            aligned as *mut u8
        }
    }

    /// Unmaps a mapping made by [`map`] for `size` bytes.
    ///
    /// # Safety
    /// `ptr` must come from `map(size)` and not be used afterwards.
    pub(super) unsafe fn unmap(ptr: *mut u8, size: usize) {
        // SAFETY: the caller passes a live mapping of exactly this length.
        unsafe {
            libc::munmap(ptr as *mut libc::c_void, mapped_len(size));
        }
    }

    /// Freed mappings kept for reuse: (address, mapped length), empty slots zero.
    struct Pool {
        slots: [(usize, usize); POOL_SLOTS],
        bytes: usize,
    }

    const POOL_SLOTS: usize = 16;
    const POOL_BYTES: usize = 256 << 20;

    static POOL: std::sync::Mutex<Pool> = std::sync::Mutex::new(Pool {
        slots: [(0, 0); POOL_SLOTS],
        bytes: 0,
    });

    /// The pool, also after a thread panicked while holding it (its slots stay valid:
    /// every update writes a whole slot and the byte count together).
    fn pool() -> std::sync::MutexGuard<'static, Pool> {
        POOL.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A mapping for `size` bytes: a pooled one of the same length, or the shortest
    /// longer one cut to length (zeroed again when `zeroed`), else a fresh one from
    /// [`map`] after unmapping at least as many pooled bytes as it takes, so the pool
    /// never adds to a new peak. Null when mapping fails.
    pub(super) fn take(size: usize, zeroed: bool) -> *mut u8 {
        let len = mapped_len(size);
        let mut released = [(0usize, 0usize); POOL_SLOTS];
        {
            let mut pool = pool();
            let fitting = pool
                .slots
                .iter_mut()
                .filter(|(_, l)| *l >= len)
                .min_by_key(|(_, l)| *l);
            if let Some(slot) = fitting {
                let (address, pooled) = std::mem::take(slot);
                pool.bytes -= pooled;
                drop(pool);
                if pooled > len {
                    // SAFETY: the tail of a pooled mapping no one uses; `len` is a
                    // multiple of the huge page, so the kept head stays aligned.
                    unsafe { libc::munmap((address + len) as *mut libc::c_void, pooled - len) };
                }
                if zeroed {
                    // SAFETY: the pooled mapping is `len` >= `size` writable bytes that
                    // no one else uses.
                    unsafe { std::ptr::write_bytes(address as *mut u8, 0, size) };
                }
                return address as *mut u8;
            }
            let mut freed = 0;
            for (slot, out) in pool.slots.iter_mut().zip(released.iter_mut()) {
                if freed >= len {
                    break;
                }
                freed += slot.1;
                *out = std::mem::take(slot);
            }
            pool.bytes -= freed;
        }
        for (address, mapped) in released.into_iter().filter(|(_, l)| *l != 0) {
            // SAFETY: a pooled mapping of exactly this length, no longer in the pool.
            unsafe { libc::munmap(address as *mut libc::c_void, mapped) };
        }
        map(size)
    }

    /// Gives back a mapping made for `size` bytes: kept in the pool when it has room,
    /// else unmapped.
    ///
    /// # Safety
    /// `ptr` must come from [`take`]`(size, _)` and not be used afterwards.
    pub(super) unsafe fn give(ptr: *mut u8, size: usize) {
        let len = mapped_len(size);
        {
            let mut pool = pool();
            if pool.bytes + len <= POOL_BYTES
                && let Some(slot) = pool.slots.iter_mut().find(|(_, l)| *l == 0)
            {
                *slot = (ptr as usize, len);
                pool.bytes += len;
                return;
            }
        }
        // SAFETY: the caller passes a live mapping of this size, used no more.
        unsafe { unmap(ptr, size) }
    }
}

// SAFETY: large blocks are whole private mappings, aligned to 2 MiB (at least the
// layout's alignment), zero-filled (by the kernel, or again when reused for a zeroed
// request), handed to one owner at a time and unmapped exactly once; everything else
// is forwarded to the system allocator unchanged.
#[cfg(target_os = "linux")]
unsafe impl std::alloc::GlobalAlloc for ChunkAllocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        if large::is_large(&layout) {
            large::take(layout.size(), false)
        } else {
            // SAFETY: forwarded with the caller's layout.
            unsafe { std::alloc::System.alloc(layout) }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        if large::is_large(&layout) {
            large::take(layout.size(), true)
        } else {
            // SAFETY: forwarded with the caller's layout.
            unsafe { std::alloc::System.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        if large::is_large(&layout) {
            // SAFETY: a large layout's block came from `large::take` with this size.
            unsafe { large::give(ptr, layout.size()) }
        } else {
            // SAFETY: a small layout's block came from the system allocator.
            unsafe { std::alloc::System.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `new_size` is valid for `layout.align()`.
        let new_layout =
            unsafe { std::alloc::Layout::from_size_align_unchecked(new_size, layout.align()) };
        let (was_large, is_large) = (large::is_large(&layout), large::is_large(&new_layout));
        if !was_large && !is_large {
            // SAFETY: both blocks belong to the system allocator.
            return unsafe { std::alloc::System.realloc(ptr, layout, new_size) };
        }
        if was_large && is_large && large::mapped_len(layout.size()) == large::mapped_len(new_size)
        {
            return ptr;
        }
        // SAFETY: a fresh block of the new layout, the overlap copied, the old one freed.
        unsafe {
            let new = self.alloc(new_layout);
            if !new.is_null() {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            new
        }
    }
}

#[cfg(not(target_os = "linux"))]
// SAFETY: forwards everything to the system allocator.
unsafe impl std::alloc::GlobalAlloc for ChunkAllocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
}

/// Tunes glibc's allocator for the buffers [`ChunkAllocator`] leaves to it (under
/// 4 MiB): blocks of 1 MiB or more get their own mappings, and the heap is trimmed
/// beyond 4 MiB of free space, both fixed so glibc does not raise them as it goes.
/// Without `ChunkAllocator`, chunk-sized buffers are then mapped too, so freed chunks
/// leave the process at once. Per-thread arenas stay on: small allocations (chunk
/// headers, regions, partials) from every thread would contend for one arena's lock,
/// measured at 5.9 s against 3.7 s for a sum over 10^6 one-element chunks.
/// Call it once, early; the CLI does.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only adjusts allocator tuning parameters; it is safe to call
        // at any time and has no memory-safety preconditions.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
            libc::mallopt(libc::M_TRIM_THRESHOLD, 4 << 20);
        }
    }
}

/// Parses a size such as `256MiB`, `1GiB`, `512M`, `1.5G` or `1048576` (bytes). Units
/// are binary (K = KiB = 1024); `B` alone or no unit means bytes.
pub fn parse_bytes(text: &str) -> Result<u64> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number.parse().map_err(|_| bad_size(text))?;
    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => return Err(bad_size(text)),
    };
    let bytes = value * scale as f64;
    if !(bytes.is_finite() && bytes >= 1.0) {
        return Err(bad_size(text));
    }
    // 2^64 is the first f64 past u64::MAX; `as` would saturate there silently.
    if bytes >= 18_446_744_073_709_551_616.0 {
        return Err(Error::Invalid(format!(
            "size '{text}' is too large: it does not fit in 64 bits (at most 16EiB)"
        )));
    }
    Ok(bytes as u64)
}

fn bad_size(text: &str) -> Error {
    Error::Invalid(format!(
        "bad size '{text}': expected a number with an optional unit, e.g. 256MiB, 1GiB, 512M"
    ))
}

#[cfg(test)]
mod tests;
