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

use crate::chunk::Chunk;
use crate::dtype::DType;

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

impl crate::chunk::SharedBytes for MappedBytes {
    fn bytes(&self) -> &[u8] {
        &self.map[self.skip..self.skip + self.len]
    }
}

/// `len` bytes of `file` at `offset` as a chunk of `dtype` and `shape` standing on the
/// file's mapped pages, or `None` where [`map`] gives none or the bytes do not fit the
/// chunk (or start unaligned): the caller reads them instead.
pub(crate) fn chunk(file: &File, offset: u64, dtype: DType, shape: &[u64]) -> Option<Chunk> {
    let len = usize::try_from(crate::grid::checked_len(shape)?)
        .ok()?
        .checked_mul(dtype.size())?;
    Chunk::from_shared(dtype, shape, Box::new(map(file, offset, len)?))
}

/// Whether mapped reads are on: unless `TESSERA_MMAP` is `0` (read at every mapping,
/// which costs nothing next to a mapping of 1 MiB or more).
fn enabled() -> bool {
    std::env::var_os("TESSERA_MMAP").is_none_or(|v| v != "0")
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
    *PAGE
        .get_or_init(|| u64::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_that_overflow_or_lie_past_the_end_are_not_mapped() -> std::io::Result<()> {
        let file = tempfile::tempfile()?;
        file.set_len(4 << 20)?;
        assert!(map(&file, 0, 4 << 20).is_some());
        assert!(
            map(&file, u64::MAX - 10, 2 << 20).is_none(),
            "offset + len overflows"
        );
        assert!(map(&file, 3 << 20, 2 << 20).is_none(), "past the end");
        assert!(
            chunk(&file, 0, DType::F64, &[u64::MAX, 4]).is_none(),
            "absurd shape"
        );
        assert!(
            chunk(&file, 0, DType::F64, &[1 << 62, 1 << 62]).is_none(),
            "bytes overflow"
        );
        Ok(())
    }
}
