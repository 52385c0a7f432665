//! A read-only directory store for zarrs that is safe on hostile stores.
//!
//! zarrs' own `FilesystemStore` keeps a lock per key it ever touched (an array of a
//! million chunks grows by a million entries), follows symlinks anywhere, blocks on a
//! FIFO and allocates whatever length a file claims. [`StoreDir`] instead:
//!
//! - keeps no per-key state: every read opens, `fstat`s, `pread`s and closes;
//! - resolves every key beneath the store root with `openat2(RESOLVE_BENEATH)` (or, on
//!   kernels without it, `realpath` and a prefix check), so a symlink inside the store
//!   is followed only while it stays inside; `.` and `..` components are refused;
//! - opens with `O_NONBLOCK` and refuses anything but a regular file (FIFO, device,
//!   socket, directory) by name, before reading a byte;
//! - compares a file's size with the most bytes its key may hold (64 MiB for metadata,
//!   the array's encoded chunk bound for chunks and shards) before allocating, and checks
//!   byte ranges against the file's end before allocating them.

use std::ffi::{CStr, CString};
use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use zarrs::storage::byte_range::{ByteRange, ByteRangeIterator, InvalidByteRangeError};
use zarrs::storage::{
    Bytes, ListableStorageTraits, MaybeBytesIterator, ReadableStorageTraits, StorageError,
    StoreKey, StoreKeys, StoreKeysPrefixes, StorePrefix,
};

use crate::error::{Error, Result};

/// Largest metadata file read (`zarr.json`, `.zarray`, `.zattrs`, `.zgroup`, `.zmetadata`).
pub const MAX_METADATA_BYTES: u64 = 64 << 20;

/// Deepest directory nesting walked when listing (a symlink loop inside the store ends here).
pub const MAX_DEPTH: usize = 64;

/// File names that hold metadata rather than chunks.
const METADATA_NAMES: [&str; 5] = ["zarr.json", ".zarray", ".zattrs", ".zgroup", ".zmetadata"];

/// Set once `openat2` turns out to be missing (old kernel or a seccomp filter).
static NO_OPENAT2: AtomicBool = AtomicBool::new(false);

/// Why a key could not be read, before any byte of it was.
#[derive(Debug)]
enum Refusal {
    /// The key has `.`/`..`/empty components, a NUL, or is absolute.
    BadKey,
    /// A symlink on the way leads outside the store root.
    Outside,
    /// Not a regular file: what it is instead.
    NotRegular(&'static str),
    /// Larger than the most its key may hold.
    TooLarge {
        size: u64,
        limit: u64,
        metadata: bool,
    },
    /// A key is missing because the store was replaced (an `--overwrite` swapped it
    /// out) or removed after it was opened: reading on would mix fill values or another
    /// array's chunks into this one.
    Replaced,
    /// An I/O error.
    Io(std::io::Error),
}

/// A Zarr store directory, read-only. Cheap to clone (one duplicated descriptor).
#[derive(Debug)]
pub struct StoreDir {
    /// The root as the user named it, for messages.
    root: PathBuf,
    /// The root, resolved once (the user may name it through a symlink).
    real_root: PathBuf,
    /// The root directory, open.
    dir: OwnedFd,
    /// Most bytes a chunk (or shard) file may hold; `None` until the array is known,
    /// when non-metadata keys get the metadata cap.
    chunk_limit: Option<u64>,
}

impl StoreDir {
    /// Opens the store directory at `root`.
    pub fn open(root: &Path) -> Result<StoreDir> {
        let real_root = std::fs::canonicalize(root).map_err(|e| Error::io(root, e))?;
        let c_root = c_path(real_root.as_os_str().as_bytes())
            .ok_or_else(|| Error::format(root, "the store path holds a NUL byte"))?;
        // SAFETY: a valid NUL-terminated path; the descriptor is owned below.
        let fd = unsafe {
            libc::open(
                c_root.as_ptr(),
                libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC | libc::O_NONBLOCK,
            )
        };
        if fd < 0 {
            return Err(Error::io(root, std::io::Error::last_os_error()));
        }
        Ok(StoreDir {
            root: root.to_path_buf(),
            real_root,
            // SAFETY: `fd` was just opened and is owned by nothing else.
            dir: unsafe { OwnedFd::from_raw_fd(fd) },
            chunk_limit: None,
        })
    }

    /// The same store, whose chunk files may hold at most `limit` bytes.
    pub fn with_chunk_limit(&self, limit: u64) -> Result<StoreDir> {
        Ok(StoreDir {
            root: self.root.clone(),
            real_root: self.real_root.clone(),
            dir: self.dir.try_clone().map_err(|e| Error::io(&self.root, e))?,
            chunk_limit: Some(limit),
        })
    }

    /// The root as the user named it.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The path of `key`, for messages.
    pub fn file(&self, key: &str) -> PathBuf {
        if key.is_empty() {
            self.root.clone()
        } else {
            self.root.join(key)
        }
    }

    /// Reads the whole metadata file `key` (`None` when absent), refusing one that is
    /// not a regular file, leads outside the store or is over [`MAX_METADATA_BYTES`].
    pub fn read_metadata(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let refused = |r: Refusal| self.error(key, r);
        let Some((file, size)) = self.open_file(key).map_err(refused)? else {
            return Ok(None);
        };
        if size > MAX_METADATA_BYTES {
            return Err(refused(Refusal::TooLarge {
                size,
                limit: MAX_METADATA_BYTES,
                metadata: true,
            }));
        }
        read_range(&file, size, ByteRange::FromStart(0, None))
            .map(Some)
            .map_err(|e| Error::format(self.file(key), e.to_string()))
    }

    /// Whether `key` names a directory inside the store (symlinks followed beneath it).
    pub fn is_dir(&self, key: &str) -> Result<bool> {
        match self.stat(key) {
            Ok(Some(mode)) => Ok(mode & libc::S_IFMT == libc::S_IFDIR),
            Ok(None) => Ok(false),
            Err(r) => Err(self.error(key, r)),
        }
    }

    /// The names of the subdirectories of directory `key` (sorted; symlinks followed
    /// while they stay inside the store).
    pub fn subdirs(&self, key: &str) -> Result<Vec<String>> {
        let (dirs, _) = self.entries(key).map_err(|(at, r)| self.error(&at, r))?;
        Ok(dirs)
    }

    /// The tessera error for a refusal of `key`.
    fn error(&self, key: &str, refusal: Refusal) -> Error {
        let file = self.file(key);
        match refusal {
            Refusal::Io(e) => Error::io(file, e),
            other => Error::format(file, describe(&other)),
        }
    }

    /// The zarrs error for a refusal of `key`: one line naming the file.
    fn storage_error(&self, key: &str, refusal: Refusal) -> StorageError {
        let file = self.file(key);
        StorageError::Other(match refusal {
            Refusal::Io(e) => format!("{}: {e}", file.display()),
            other => format!("{}: {}", file.display(), describe(&other)),
        })
    }

    /// The most bytes `key` may hold.
    fn limit_for(&self, key: &str) -> (u64, bool) {
        let name = key.rsplit('/').next().unwrap_or(key);
        if METADATA_NAMES.contains(&name) {
            (MAX_METADATA_BYTES, true)
        } else {
            (self.chunk_limit.unwrap_or(MAX_METADATA_BYTES), false)
        }
    }

    /// True while the open root directory is still linked and still the one its path
    /// names. After an `--overwrite` swapped the store out, the open directory is the
    /// old store, being deleted; its path names the new one.
    fn still_in_place(&self) -> bool {
        use std::os::unix::fs::MetadataExt;
        // SAFETY: stat is plain data that fstat fills in; the descriptor is open.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        if unsafe { libc::fstat(self.dir.as_raw_fd(), &mut st) } != 0 {
            return false;
        }
        st.st_nlink > 0
            && std::fs::metadata(&self.real_root)
                .is_ok_and(|m| (m.dev(), m.ino()) == (st.st_dev, st.st_ino))
    }

    /// Opens regular file `key` for reading with its size; `None` when absent.
    fn open_file(&self, key: &str) -> std::result::Result<Option<(File, u64)>, Refusal> {
        let flags = libc::O_RDONLY | libc::O_NONBLOCK | libc::O_NOCTTY;
        let Some(fd) = self.open_beneath(key, flags)? else {
            return Ok(None);
        };
        let file = File::from(fd);
        let meta = file.metadata().map_err(Refusal::Io)?;
        let mode = std::os::unix::fs::MetadataExt::mode(&meta);
        if mode & libc::S_IFMT != libc::S_IFREG {
            return Err(Refusal::NotRegular(kind_of(mode)));
        }
        Ok(Some((file, meta.len())))
    }

    /// The mode of `key` (following symlinks beneath the root); `None` when absent.
    fn stat(&self, key: &str) -> std::result::Result<Option<u32>, Refusal> {
        let Some(fd) = self.open_beneath(key, libc::O_PATH)? else {
            return Ok(None);
        };
        // SAFETY: stat is plain data that fstat fills in.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: `fd` is open for the duration of the call.
        if unsafe { libc::fstat(fd.as_raw_fd(), &mut st) } != 0 {
            return Err(Refusal::Io(std::io::Error::last_os_error()));
        }
        Ok(Some(st.st_mode))
    }

    /// Opens `key` relative to the root, never leaving it; `None` when absent.
    fn open_beneath(&self, key: &str, flags: i32) -> std::result::Result<Option<OwnedFd>, Refusal> {
        let rel = relative(key).ok_or(Refusal::BadKey)?;
        if !NO_OPENAT2.load(Ordering::Relaxed) {
            match openat2_beneath(self.dir.as_raw_fd(), &rel, flags) {
                Ok(fd) => return Ok(Some(fd)),
                Err(e) => match e.raw_os_error() {
                    Some(libc::ENOENT | libc::ENOTDIR) => return Ok(None),
                    // An absolute symlink, or one that leads out: decided below.
                    Some(libc::EXDEV) => {}
                    Some(libc::ENOSYS | libc::EPERM | libc::E2BIG) => {
                        NO_OPENAT2.store(true, Ordering::Relaxed);
                    }
                    _ => return Err(Refusal::Io(e)),
                },
            }
        }
        self.open_resolved(key, flags)
    }

    /// The fallback of [`Self::open_beneath`]: resolves `key` fully, checks that it
    /// lies under the resolved root, and opens the resolved path without following a
    /// final symlink.
    fn open_resolved(
        &self,
        key: &str,
        flags: i32,
    ) -> std::result::Result<Option<OwnedFd>, Refusal> {
        let full = if key.is_empty() {
            self.real_root.clone()
        } else {
            self.real_root.join(key)
        };
        let real = match std::fs::canonicalize(&full) {
            Ok(real) => real,
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => return Ok(None),
            Err(e) if e.raw_os_error() == Some(libc::ENOTDIR) => return Ok(None),
            Err(e) => return Err(Refusal::Io(e)),
        };
        if !real.starts_with(&self.real_root) {
            return Err(Refusal::Outside);
        }
        let c_real = c_path(real.as_os_str().as_bytes()).ok_or(Refusal::BadKey)?;
        let flags = flags
            | libc::O_CLOEXEC
            | if flags & libc::O_PATH == 0 {
                libc::O_NOFOLLOW
            } else {
                0
            };
        // SAFETY: a valid NUL-terminated path; the descriptor is owned below.
        let fd = unsafe { libc::open(c_real.as_ptr(), flags) };
        if fd < 0 {
            let e = std::io::Error::last_os_error();
            return match e.raw_os_error() {
                Some(libc::ENOENT | libc::ENOTDIR) => Ok(None),
                Some(libc::ELOOP) => Err(Refusal::Outside),
                _ => Err(Refusal::Io(e)),
            };
        }
        // SAFETY: `fd` was just opened and is owned by nothing else.
        Ok(Some(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    /// The subdirectories and the other entries of directory `key`, each sorted; a
    /// refusal comes with the key it is about.
    fn entries(
        &self,
        key: &str,
    ) -> std::result::Result<(Vec<String>, Vec<String>), (String, Refusal)> {
        let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NONBLOCK;
        let at_dir = |r| (key.to_string(), r);
        let Some(fd) = self.open_beneath(key, flags).map_err(at_dir)? else {
            return Ok((vec![], vec![]));
        };
        let mut dirs = Vec::new();
        let mut files = Vec::new();
        for name in read_names(fd).map_err(at_dir)? {
            let child = if key.is_empty() {
                name.clone()
            } else {
                format!("{key}/{name}")
            };
            let Some(mode) = self.stat(&child).map_err(|r| (child.clone(), r))? else {
                continue; // a dangling symlink
            };
            if mode & libc::S_IFMT == libc::S_IFDIR {
                dirs.push(name);
            } else {
                files.push(name);
            }
        }
        dirs.sort();
        files.sort();
        Ok((dirs, files))
    }

    /// Every file key under `prefix`, depth first, at most [`MAX_DEPTH`] levels down.
    fn walk(
        &self,
        prefix: &str,
        depth: usize,
        out: &mut StoreKeys,
    ) -> std::result::Result<(), StorageError> {
        let key = prefix.trim_end_matches('/');
        if depth > MAX_DEPTH {
            return Err(StorageError::Other(format!(
                "{}: directories nested deeper than {MAX_DEPTH} levels",
                self.file(key).display()
            )));
        }
        let (dirs, files) = self
            .entries(key)
            .map_err(|(at, r)| self.storage_error(&at, r))?;
        for name in files {
            out.push(StoreKey::new(format!("{prefix}{name}"))?);
        }
        for name in dirs {
            self.walk(&format!("{prefix}{name}/"), depth + 1, out)?;
        }
        Ok(())
    }
}

impl ReadableStorageTraits for StoreDir {
    fn get_partial_many<'a>(
        &'a self,
        key: &StoreKey,
        byte_ranges: ByteRangeIterator<'a>,
    ) -> std::result::Result<MaybeBytesIterator<'a>, StorageError> {
        let name = key.as_str();
        let Some((file, size)) = self
            .open_file(name)
            .map_err(|r| self.storage_error(name, r))?
        else {
            // Absent: a chunk never written, unless the store is no longer where it was.
            if !self.still_in_place() {
                return Err(self.storage_error(name, Refusal::Replaced));
            }
            return Ok(None);
        };
        let (limit, metadata) = self.limit_for(name);
        if size > limit {
            let too_large = Refusal::TooLarge {
                size,
                limit,
                metadata,
            };
            return Err(self.storage_error(name, too_large));
        }
        let out: Vec<_> = byte_ranges
            .map(|range| read_range(&file, size, range).map(Bytes::from))
            .collect();
        Ok(Some(Box::new(out.into_iter())))
    }

    fn size_key(&self, key: &StoreKey) -> std::result::Result<Option<u64>, StorageError> {
        let name = key.as_str();
        let opened = self
            .open_file(name)
            .map_err(|r| self.storage_error(name, r))?;
        Ok(opened.map(|(_, size)| size))
    }

    fn supports_get_partial(&self) -> bool {
        true
    }
}

impl ListableStorageTraits for StoreDir {
    fn list(&self) -> std::result::Result<StoreKeys, StorageError> {
        self.list_prefix(&StorePrefix::root())
    }

    fn list_prefix(&self, prefix: &StorePrefix) -> std::result::Result<StoreKeys, StorageError> {
        let mut out = Vec::new();
        self.walk(prefix.as_str(), 0, &mut out)?;
        Ok(out)
    }

    fn list_dir(
        &self,
        prefix: &StorePrefix,
    ) -> std::result::Result<StoreKeysPrefixes, StorageError> {
        let key = prefix.as_str().trim_end_matches('/');
        let (dirs, files) = self
            .entries(key)
            .map_err(|(at, r)| self.storage_error(&at, r))?;
        let keys = files
            .into_iter()
            .map(|name| StoreKey::new(format!("{}{name}", prefix.as_str())))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let prefixes = dirs
            .into_iter()
            .map(|name| StorePrefix::new(format!("{}{name}/", prefix.as_str())))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(StoreKeysPrefixes::new(keys, prefixes))
    }

    fn size_prefix(&self, prefix: &StorePrefix) -> std::result::Result<u64, StorageError> {
        let mut total = 0u64;
        for key in self.list_prefix(prefix)? {
            total = total.saturating_add(self.size_key(&key)?.unwrap_or(0));
        }
        Ok(total)
    }
}

/// Reads `range` of a file of `size` bytes, refusing ranges past its end before
/// allocating.
fn read_range(
    file: &File,
    size: u64,
    range: ByteRange,
) -> std::result::Result<Vec<u8>, StorageError> {
    let invalid = || StorageError::from(InvalidByteRangeError::new(range, size));
    let (offset, length) = match range {
        ByteRange::FromStart(offset, None) => {
            (offset, size.checked_sub(offset).ok_or_else(invalid)?)
        }
        ByteRange::FromStart(offset, Some(length)) => {
            let end = offset.checked_add(length).ok_or_else(invalid)?;
            if end > size {
                return Err(invalid());
            }
            (offset, length)
        }
        ByteRange::Suffix(length) => (size.checked_sub(length).ok_or_else(invalid)?, length),
    };
    let length = usize::try_from(length).map_err(|_| invalid())?;
    let mut buffer = vec![0u8; length];
    file.read_exact_at(&mut buffer, offset)
        .map_err(|e| StorageError::Other(format!("read of {length} bytes at {offset}: {e}")))?;
    Ok(buffer)
}

const BAD_KEY: &str = "not a valid key inside the store ('.', '..' or empty components)";
const OUTSIDE: &str = "symlink leads outside the store; refusing to follow it";
const NOT_REGULAR: &str = "not a regular file";
const METADATA_TOO_LARGE: &str = "metadata file of";

/// Whether `e` is a refusal of this storage (or an I/O error under it) rather than a
/// problem with a file's contents: a hierarchy walk stops at these.
pub fn is_refusal(e: &Error) -> bool {
    let text = e.to_string();
    matches!(e, Error::Io { .. })
        || [BAD_KEY, OUTSIDE, NOT_REGULAR, METADATA_TOO_LARGE]
            .iter()
            .any(|t| text.contains(t))
}

/// The reason text of a refusal.
fn describe(refusal: &Refusal) -> String {
    match refusal {
        Refusal::BadKey => BAD_KEY.into(),
        Refusal::Outside => OUTSIDE.into(),
        Refusal::NotRegular(kind) => format!("is {kind}, {NOT_REGULAR}"),
        Refusal::TooLarge {
            size,
            limit,
            metadata: true,
        } => format!("{METADATA_TOO_LARGE} {size} bytes is over the {limit}-byte limit"),
        Refusal::TooLarge { size, limit, .. } => format!(
            "chunk file is corrupt: it holds {size} bytes, more than the {limit} bytes a chunk of this array can take encoded"
        ),
        Refusal::Replaced => {
            "the store was replaced or removed while it was being read; read it again".into()
        }
        Refusal::Io(e) => e.to_string(),
    }
}

/// What a non-regular file is, for messages.
fn kind_of(mode: u32) -> &'static str {
    match mode & libc::S_IFMT {
        libc::S_IFDIR => "a directory",
        libc::S_IFIFO => "a FIFO",
        libc::S_IFCHR => "a character device",
        libc::S_IFBLK => "a block device",
        libc::S_IFSOCK => "a socket",
        _ => "a special file",
    }
}

/// `key` as a relative path, or `None` when it could step out (`..`), is absolute,
/// has empty or `.` components or holds a NUL.
fn relative(key: &str) -> Option<CString> {
    if key.is_empty() {
        return CString::new(".").ok();
    }
    let bad = key.starts_with('/')
        || key
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..");
    if bad {
        return None;
    }
    CString::new(key).ok()
}

fn c_path(bytes: &[u8]) -> Option<CString> {
    CString::new(bytes).ok()
}

/// `openat2(dir, rel, flags, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)`.
fn openat2_beneath(dir: RawFd, rel: &CStr, flags: i32) -> std::io::Result<OwnedFd> {
    // SAFETY: open_how is plain data; zero is a valid value for every field.
    let mut how: libc::open_how = unsafe { std::mem::zeroed() };
    how.flags = (flags | libc::O_CLOEXEC) as u64;
    how.resolve = libc::RESOLVE_BENEATH | libc::RESOLVE_NO_MAGICLINKS;
    // SAFETY: valid descriptor, NUL-terminated path and an open_how of the given size.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat2,
            dir,
            rel.as_ptr(),
            &how as *const libc::open_how,
            std::mem::size_of::<libc::open_how>(),
        )
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: the kernel returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// The entry names of an open directory, `.` and `..` and non-UTF-8 names left out.
fn read_names(fd: OwnedFd) -> std::result::Result<Vec<String>, Refusal> {
    let raw = fd.as_raw_fd();
    // SAFETY: `raw` is an open directory descriptor; fdopendir takes it over, so the
    // OwnedFd must not close it as well.
    let dir = unsafe { libc::fdopendir(raw) };
    if dir.is_null() {
        return Err(Refusal::Io(std::io::Error::last_os_error()));
    }
    std::mem::forget(fd);
    let mut names = Vec::new();
    loop {
        // SAFETY: `dir` is a valid DIR stream until closedir below.
        let entry = unsafe { libc::readdir64(dir) };
        if entry.is_null() {
            break;
        }
        // SAFETY: d_name is NUL-terminated inside the entry readdir returned.
        let name = unsafe { CStr::from_ptr((*entry).d_name.as_ptr()) };
        if let Ok(name) = name.to_str()
            && name != "."
            && name != ".."
        {
            names.push(name.to_string());
        }
    }
    // SAFETY: closes the stream (and its descriptor) exactly once.
    unsafe { libc::closedir(dir) };
    Ok(names)
}

#[cfg(test)]
mod tests;
