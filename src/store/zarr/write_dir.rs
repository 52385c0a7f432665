//! The storage zarrs writes a new store through: each key becomes a file beneath the
//! staging directory, reached from the directory's open descriptor (`mkdirat`,
//! `openat` with `O_NOFOLLOW`), with no state kept per key.
//!
//! zarrs' own `FilesystemStore` keeps a lock for every key it has written (a
//! million-chunk output grew by about 250 bytes a chunk, past any budget) and recreates
//! missing directories with `create_dir_all`, which would bring back a staging
//! directory that was removed under it. Here a removed staging directory makes every
//! later write fail, and the commit refuses what is left.

use std::ffi::CString;
use std::fs::File;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use zarrs::storage::{
    Bytes, OffsetBytesIterator, StorageError, StoreKey, StorePrefix, WritableStorageTraits,
};

use crate::error::{Error, Result};

/// A staging directory that zarrs writes a store into.
#[derive(Debug)]
pub(super) struct WriteDir {
    /// The directory's path, for messages and prefix removal.
    root: PathBuf,
    /// The directory, open.
    dir: OwnedFd,
}

impl WriteDir {
    /// Opens the existing, empty directory `root` (never through a symlink).
    pub(super) fn open(root: &Path) -> Result<WriteDir> {
        let c_root = CString::new(root.as_os_str().as_bytes())
            .map_err(|_| Error::format(root, "the path holds a NUL byte"))?;
        let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
        // SAFETY: a valid NUL-terminated path; the descriptor is owned below.
        let fd = unsafe { libc::open(c_root.as_ptr(), flags) };
        if fd < 0 {
            return Err(Error::io(root, std::io::Error::last_os_error()));
        }
        Ok(WriteDir {
            root: root.to_path_buf(),
            // SAFETY: just opened, owned by nothing else.
            dir: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    /// Opens (creating) the file of `key` for writing, making its directories on the
    /// way; `truncate` empties an existing file.
    fn open_key(&self, key: &str, truncate: bool) -> std::io::Result<File> {
        let parts = components(key)?;
        let (name, dirs) = parts.split_last().ok_or_else(bad_key)?;
        let mut parent: Option<OwnedFd> = None;
        for dir in dirs {
            let at = parent
                .as_ref()
                .map_or(self.dir.as_raw_fd(), AsRawFd::as_raw_fd);
            parent = Some(make_and_open_dir(at, dir)?);
        }
        let at = parent
            .as_ref()
            .map_or(self.dir.as_raw_fd(), AsRawFd::as_raw_fd);
        let mut flags = libc::O_WRONLY | libc::O_CREAT | libc::O_NOFOLLOW | libc::O_CLOEXEC;
        if truncate {
            flags |= libc::O_TRUNC;
        }
        let fd = openat(at, name, flags)?;
        Ok(File::from(fd))
    }

    fn error(&self, key: &str, e: std::io::Error) -> StorageError {
        StorageError::Other(format!("{}: {e}", self.root.join(key).display()))
    }
}

impl WritableStorageTraits for WriteDir {
    /// Writes a key's file; a metadata document's marked non-finite floats become bare
    /// tokens (see `meta::json::unmark`).
    fn set(&self, key: &StoreKey, value: Bytes) -> std::result::Result<(), StorageError> {
        let name = key.as_str();
        let mut file = self.open_key(name, true).map_err(|e| self.error(name, e))?;
        let bytes = if is_metadata_key(name) {
            super::meta::json::unmark(&value)
        } else {
            std::borrow::Cow::Borrowed(&value[..])
        };
        file.write_all(&bytes).map_err(|e| self.error(name, e))
    }

    fn set_partial_many(
        &self,
        key: &StoreKey,
        offset_values: OffsetBytesIterator,
    ) -> std::result::Result<(), StorageError> {
        let name = key.as_str();
        let file = self
            .open_key(name, false)
            .map_err(|e| self.error(name, e))?;
        for (offset, bytes) in offset_values {
            file.write_all_at(&bytes, offset)
                .map_err(|e| self.error(name, e))?;
        }
        Ok(())
    }

    fn erase(&self, key: &StoreKey) -> std::result::Result<(), StorageError> {
        let name = key.as_str();
        match std::fs::remove_file(self.path_of(name).map_err(|e| self.error(name, e))?) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(self.error(name, e)),
            _ => Ok(()),
        }
    }

    fn erase_prefix(&self, prefix: &StorePrefix) -> std::result::Result<(), StorageError> {
        let name = prefix.as_str().trim_end_matches('/');
        let path = self.path_of(name).map_err(|e| self.error(name, e))?;
        match std::fs::remove_dir_all(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(self.error(name, e)),
            _ => Ok(()),
        }
    }

    fn supports_set_partial(&self) -> bool {
        true
    }
}

impl WriteDir {
    /// True when the key has been written (a file exists there, not through a symlink).
    pub(super) fn has_key(&self, key: &str) -> bool {
        self.path_of(key)
            .ok()
            .and_then(|p| std::fs::symlink_metadata(p).ok())
            .is_some_and(|m| m.is_file())
    }

    /// The path of `key` beneath the root, after checking its components.
    fn path_of(&self, key: &str) -> std::io::Result<PathBuf> {
        if key.is_empty() {
            return Ok(self.root.clone());
        }
        components(key)?;
        Ok(self.root.join(key))
    }
}

fn bad_key() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        "a store key must be names separated by '/', none of them empty, '.' or '..'",
    )
}

/// The `/`-separated names of `key`, none empty, `.`, `..` or holding a NUL.
fn components(key: &str) -> std::io::Result<Vec<CString>> {
    key.split('/')
        .map(|part| match part {
            "" | "." | ".." => Err(bad_key()),
            _ => CString::new(part).map_err(|_| bad_key()),
        })
        .collect()
}

fn openat(at: RawFd, name: &CString, flags: i32) -> std::io::Result<OwnedFd> {
    // SAFETY: `at` is an open directory, `name` a valid NUL-terminated name.
    let fd = unsafe { libc::openat(at, name.as_ptr(), flags, 0o644 as libc::c_uint) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: just opened, owned by nothing else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Opens directory `name` in `at` (never a symlink), making it first if it is missing.
/// The open comes first: `mkdirat` locks the parent even when the directory exists,
/// and chunk writers on every thread share their parents.
fn make_and_open_dir(at: RawFd, name: &CString) -> std::io::Result<OwnedFd> {
    let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    match openat(at, name, flags) {
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {}
        opened => return opened,
    }
    // SAFETY: as in `openat`.
    if unsafe { libc::mkdirat(at, name.as_ptr(), 0o755) } != 0 {
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EEXIST) {
            return Err(e);
        }
    }
    openat(at, name, flags)
}

#[cfg(test)]
mod tests;

/// Whether `key` names a metadata document (of any node, v2 or v3).
fn is_metadata_key(key: &str) -> bool {
    let name = key.rsplit('/').next().unwrap_or(key);
    matches!(
        name,
        "zarr.json" | ".zarray" | ".zattrs" | ".zgroup" | ".zmetadata"
    )
}
