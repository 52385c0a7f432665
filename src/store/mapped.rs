//! Mapped reads: an unfiltered stored chunk handed to kernels as the file's own pages,
//! mapped read-only, instead of being copied out of the page cache with `pread`.
//!
//! A mapping is made only where it cannot fail later: its pages are faulted in up front
//! with `MADV_POPULATE_READ`, which reports an I/O error or a short file as an error
//! (the caller then reads with `pread` and reports that read's error), where touching an
//! unpopulated page would raise SIGBUS. What stays is the case of another process
//! truncating the file while a chunk of it is being computed on, which rewrites data under
//! any reader; `TESSERA_MMAP=0` turns mapping off for such files.
//!
//! A mapping lives as long as its chunk, so the budget that bounds chunks bounds the
//! mapped pages (they count in the resident size like any other chunk).

use std::fs::File;
use std::sync::OnceLock;

/// Chunks smaller than this are read with `pread`: below it, setting up and tearing
/// down a mapping costs more than the copy it saves.
const MIN_MAPPED_BYTES: usize = 1 << 20;

/// A read-only mapping of `len` bytes of a file, starting anywhere (not only on a page).
pub(crate) struct MappedBytes {
    map: memmap2::Mmap,
    skip: usize,
    len: usize,
}

impl std::fmt::Debug for MappedBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MappedBytes({} bytes)", self.len)
    }
}

impl MappedBytes {
    /// The mapped bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.map[self.skip..self.skip + self.len]
    }
}

/// Whether mapped reads are on: unless `TESSERA_MMAP` is `0`, read once.
fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var("TESSERA_MMAP").map_or(true, |v| v.trim() != "0"))
}

/// `len` bytes of `file` at `offset`, mapped and populated; `None` when mapping is off,
/// the range is small, lies past the end of the file, or mapping or populating it failed
/// (the caller reads with `pread` instead, which reports any real error).
pub(crate) fn map(file: &File, offset: u64, len: usize) -> Option<MappedBytes> {
    if len < MIN_MAPPED_BYTES || !enabled() {
        return None;
    }
    let end = offset.checked_add(len as u64)?;
    if file.metadata().ok()?.len() < end {
        return None;
    }
    let page = page_size();
    let start = offset / page * page;
    let skip = usize::try_from(offset - start).ok()?;
    // SAFETY: the mapping is read-only and private, and every page of it lies inside the
    // file (checked above) and is populated before use (below), so reading it cannot
    // fault; only a truncation of the file by another process while the chunk lives could
    // (see the module comment).
    let map = unsafe {
        memmap2::MmapOptions::new()
            .offset(start)
            .len(skip.checked_add(len)?)
            .map(file)
            .ok()?
    };
    map.advise(memmap2::Advice::PopulateRead).ok()?;
    Some(MappedBytes { map, skip, len })
}

/// The system's page size.
fn page_size() -> u64 {
    static PAGE: OnceLock<u64> = OnceLock::new();
    // SAFETY: sysconf has no preconditions.
    *PAGE.get_or_init(|| u64::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096))
}
