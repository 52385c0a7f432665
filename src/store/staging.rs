//! Staged outputs: every file or store is written inside a private staging directory
//! beside its target and moved into place in one atomic step when complete, so an
//! interrupted or failed write never leaves a partial target, and a replaced target is
//! swapped, never deleted first.
//!
//! ```text
//!  parent/
//!    .NAME.tessera-PID-RANDOM.partial/   mkdir 0700: exclusive, never through a symlink,
//!        NAME                             unpredictable; the output is written here
//!    NAME                                 <- renameat2(RENAME_NOREPLACE), or with
//!                                            --overwrite renameat2(RENAME_EXCHANGE): the
//!                                            old target lands in the staging directory,
//!                                            which is then removed
//! ```
//!
//! At every instant the target path holds the old target whole or the new one whole:
//! a kill -9 before the swap leaves the old target, after it the new one. What a killed
//! process leaves is a hidden staging directory named after its PID; the next write
//! beside it finds it, reports it ([`take_notes`]) and removes it. On filesystems
//! without `RENAME_EXCHANGE` the old target is renamed into the staging directory as
//! `.previous` and the new one renamed in; a crash between the two is repaired by the
//! next run, which puts `.previous` back.
//!
//! Live staging paths are kept in a registry so that a signal handler can remove them
//! ([`remove_all_active`]); the swap holds the registry's lock, so a signal never
//! interrupts it half-way.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// The suffix of staging directories.
const STAGING_SUFFIX: &str = ".partial";
/// The suffix of rechunking scratch files.
const SCRATCH_SUFFIX: &str = ".scratch";
/// Where a replaced target waits in the staging directory when `RENAME_EXCHANGE` is
/// not available.
const PREVIOUS: &str = ".previous";

/// Staging directories and scratch files of this process that are not yet committed
/// or removed.
static ACTIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// What the cleanup of dead processes' leftovers did, and what a write left out, for
/// the CLI to report.
static NOTES: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Set when the process is being stopped: no new chunk write starts.
static STOPPING: AtomicBool = AtomicBool::new(false);

/// Chunk writes in progress (see [`WriteGuard`]).
static WRITES_IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// How long [`remove_all_active`] waits for chunk writes in progress to finish.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// Held by a sink while it writes one chunk into a staging directory. Once the process
/// is stopping, no new guard is handed out, and removing the staging waits until every
/// guard is dropped: a library that recreates missing directories as it writes (zarrs'
/// filesystem store does) then cannot bring the staging back after its removal.
pub struct WriteGuard(());

impl WriteGuard {
    /// A guard for one chunk write, or an error when the process is stopping.
    pub fn acquire() -> Result<WriteGuard> {
        WRITES_IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
        if STOPPING.load(Ordering::SeqCst) {
            WRITES_IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
            return Err(Error::Invalid(
                "interrupted: the output is being removed".into(),
            ));
        }
        Ok(WriteGuard(()))
    }
}

impl Drop for WriteGuard {
    fn drop(&mut self) {
        WRITES_IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A private staging directory whose output becomes the target on `commit` and which
/// is removed on drop otherwise.
#[derive(Debug)]
pub struct Staging {
    target: PathBuf,
    dir: PathBuf,
    temp: PathBuf,
    /// `dir`, held open: at commit its identity is compared with what the path names,
    /// so a staging directory that vanished and was recreated (by a library's
    /// create_dir_all, say) is never committed. Held open, its inode number cannot be
    /// reused meanwhile.
    dir_handle: std::fs::File,
    /// The target found at the start, when replacing one, held open for the same
    /// reason: a replacement by another process is never swapped out.
    target_handle: Option<std::fs::File>,
    overwrite: bool,
    committed: bool,
}

impl Staging {
    /// Stages a write to `target`. Fails when the target exists and `overwrite` is off,
    /// when the target is a symlink or not a regular file or directory, or when its
    /// directory does not exist.
    pub fn new(target: &Path, overwrite: bool) -> Result<Staging> {
        let name = target_name(target)?;
        let parent = parent_of(target);
        check_parent(&parent)?;
        clean_stale(&parent, &name, target);
        let target_handle = existing_target(target, overwrite)?;
        let dir = make_private_dir(&parent, &name, STAGING_SUFFIX)?;
        register(&dir);
        let dir_handle = std::fs::File::open(&dir).map_err(|e| Error::io(&dir, e))?;
        Ok(Staging {
            target: target.to_path_buf(),
            temp: dir.join(&name),
            dir,
            dir_handle,
            target_handle,
            overwrite,
            committed: false,
        })
    }

    /// Where to write until `commit`.
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// The final path.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Moves the staged output to the target in one atomic step, swapping out an
    /// existing target when allowed.
    pub fn commit(mut self) -> Result<()> {
        self.check_staging_intact()?;
        // Held through the swap: a signal handler removing staging waits for it.
        let mut active = lock(&ACTIVE);
        self.swap_into_place()?;
        active.retain(|p| p != &self.dir);
        drop(active);
        self.committed = true;
        // The old target, if any, now sits in the staging directory.
        let _ = std::fs::remove_dir_all(&self.dir);
        Ok(())
    }

    fn check_staging_intact(&self) -> Result<()> {
        // Our directory still has its name (a removed one has no links), and the name
        // still leads to it (not to a recreated directory).
        let held = self.dir_handle.metadata().ok();
        let linked = held.as_ref().is_some_and(|m| m.nlink() > 0);
        let intact = linked
            && std::fs::symlink_metadata(&self.dir)
                .is_ok_and(|m| m.is_dir() && held.as_ref().is_some_and(|h| same_object(&m, h)))
            && std::fs::symlink_metadata(&self.temp).is_ok();
        if intact {
            return Ok(());
        }
        Err(Error::io(
            &self.target,
            std::io::Error::other(
                "the staged output vanished during the run (was the output directory removed?); nothing was written",
            ),
        ))
    }

    fn swap_into_place(&self) -> Result<()> {
        let current = std::fs::symlink_metadata(&self.target).ok();
        let Some(current) = current else {
            return rename_noreplace(&self.temp, &self.target);
        };
        let same_as_checked = self
            .target_handle
            .as_ref()
            .and_then(|h| h.metadata().ok())
            .is_some_and(|held| same_object(&current, &held));
        if !self.overwrite {
            return Err(Error::TargetExists {
                path: self.target.clone(),
            });
        }
        if !same_as_checked || current.file_type().is_symlink() {
            return Err(Error::io(
                &self.target,
                std::io::Error::other(
                    "the target was replaced by another process during the run; it was left as it is",
                ),
            ));
        }
        match rename_exchange(&self.temp, &self.target) {
            Ok(()) => Ok(()),
            Err(e) if exchange_unsupported(&e) => self.rename_aside_then_in(),
            Err(e) => Err(Error::io(&self.target, e)),
        }
    }

    /// The fallback swap: old target into the staging directory, then the new one in.
    fn rename_aside_then_in(&self) -> Result<()> {
        let previous = self.dir.join(PREVIOUS);
        std::fs::rename(&self.target, &previous).map_err(|e| Error::io(&self.target, e))?;
        if let Err(e) = std::fs::rename(&self.temp, &self.target) {
            // Put the old target back; if even that fails, the next run restores it.
            let _ = std::fs::rename(&previous, &self.target);
            return Err(Error::io(&self.target, e));
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        let mut active = lock(&ACTIVE);
        // Best effort: what fails here is a hidden staging directory named after this
        // process, which the next write beside it removes.
        let _ = std::fs::remove_dir_all(&self.dir);
        active.retain(|p| p != &self.dir);
    }
}

/// A staging shared by several writers of one output (arrays written into one file or
/// store): each writer joins, and the last to finish commits. One writer giving up
/// abandons the output: the staging is removed and nothing is committed.
#[derive(Debug)]
pub struct SharedStaging {
    state: Mutex<SharedState>,
}

#[derive(Debug)]
struct SharedState {
    staging: Option<Staging>,
    /// Writers joined and not yet finished.
    pending: usize,
    abandoned: bool,
}

impl SharedStaging {
    /// Shares `staging` among writers yet to join.
    pub fn new(staging: Staging) -> SharedStaging {
        SharedStaging {
            state: Mutex::new(SharedState {
                staging: Some(staging),
                pending: 0,
                abandoned: false,
            }),
        }
    }

    /// Where the output is written until the commit.
    pub fn temp_path(&self) -> Option<PathBuf> {
        lock(&self.state)
            .staging
            .as_ref()
            .map(|s| s.temp_path().to_path_buf())
    }

    /// One more writer that must finish before the commit.
    pub fn join(&self) {
        lock(&self.state).pending += 1;
    }

    /// A writer finished. The last one runs `before_commit` (closing files) and
    /// commits; the result says whether this call committed.
    pub fn finished(
        &self,
        target: &Path,
        before_commit: impl FnOnce() -> Result<()>,
    ) -> Result<bool> {
        let mut state = lock(&self.state);
        if state.abandoned {
            return Err(Error::Invalid(format!(
                "{}: another array written into this output failed; nothing was written",
                target.display()
            )));
        }
        state.pending = state.pending.saturating_sub(1);
        if state.pending > 0 {
            return Ok(false);
        }
        before_commit()?;
        match state.staging.take() {
            Some(staging) => staging.commit().map(|()| true),
            None => Err(Error::Invalid(format!(
                "{}: the output was already committed",
                target.display()
            ))),
        }
    }

    /// A writer gave up: nothing will be committed, and the staging is removed now.
    pub fn abandon(&self) {
        let mut state = lock(&self.state);
        state.abandoned = true;
        drop(state.staging.take());
    }
}

/// A scratch file beside `target` (rechunking's intermediate), created exclusively
/// under an unpredictable name and registered for removal on signals. Remove it with
/// [`remove_scratch`].
pub fn create_scratch(target: &Path) -> Result<(PathBuf, std::fs::File)> {
    let name = target_name(target)?;
    let parent = parent_of(target);
    check_parent(&parent)?;
    for _ in 0..16 {
        let path = parent.join(private_name(&name, SCRATCH_SUFFIX));
        let opened = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path);
        match opened {
            Ok(file) => {
                register(&path);
                return Ok((path, file));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io(&path, e)),
        }
    }
    Err(Error::io(
        &parent,
        std::io::Error::other("cannot find a free name for a scratch file"),
    ))
}

/// Removes a scratch file made by [`create_scratch`].
pub fn remove_scratch(path: &Path) {
    let mut active = lock(&ACTIVE);
    let _ = std::fs::remove_file(path);
    active.retain(|p| p != path);
}

/// Removes every staging directory and scratch file of this process that is not yet
/// committed: for signal handlers, as the process ends. Returns how many it removed. A
/// commit in progress finishes first; chunk writes in progress finish (up to a few
/// seconds), and no new one starts.
pub fn remove_all_active() -> usize {
    STOPPING.store(true, Ordering::SeqCst);
    let started = Instant::now();
    while WRITES_IN_FLIGHT.load(Ordering::SeqCst) > 0 && started.elapsed() < STOP_GRACE {
        std::thread::sleep(Duration::from_millis(1));
    }
    let mut active = lock(&ACTIVE);
    let mut removed = 0;
    for path in active.drain(..) {
        for _ in 0..3 {
            // Workers may still be adding files: try again until the directory is gone.
            let _ = remove_path(&path);
            if std::fs::symlink_metadata(&path).is_err() {
                removed += 1;
                break;
            }
        }
    }
    removed
}

/// True once [`remove_all_active`] has begun: the process is being stopped by a signal.
pub fn stopping() -> bool {
    STOPPING.load(Ordering::SeqCst)
}

/// What the cleanup of leftovers from dead processes did, and what writes left out,
/// since the last call.
pub fn take_notes() -> Vec<String> {
    std::mem::take(&mut *lock(&NOTES))
}

/// Records something a write left out (an attribute the output format cannot hold),
/// for the CLI to report when the command succeeds.
pub fn note(text: String) {
    lock(&NOTES).push(text);
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// The registries of live staging paths and of notes, locked (in that order): held by
/// the fork handlers (`store::fork`) so that a child never inherits them locked by a
/// thread it lacks.
pub(crate) fn lock_registries() -> (
    std::sync::MutexGuard<'static, Vec<PathBuf>>,
    std::sync::MutexGuard<'static, Vec<String>>,
) {
    (lock(&ACTIVE), lock(&NOTES))
}

fn register(path: &Path) {
    lock(&ACTIVE).push(path.to_path_buf());
}

fn target_name(target: &Path) -> Result<String> {
    match target.file_name().and_then(|n| n.to_str()) {
        Some(name) if name != "." && name != ".." => Ok(name.to_string()),
        _ => Err(Error::Invalid(format!(
            "{}: not a file name to write to",
            target.display()
        ))),
    }
}

/// True when two metadata describe the same file (device and inode).
fn same_object(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    (a.dev(), a.ino()) == (b.dev(), b.ino())
}

/// The directory a target is written in (`.` for a bare name).
pub(crate) fn parent_of(target: &Path) -> PathBuf {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn check_parent(parent: &Path) -> Result<()> {
    if parent.is_dir() {
        return Ok(());
    }
    Err(Error::io(
        parent,
        std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "output directory does not exist",
        ),
    ))
}

/// Checks an existing target and opens it (so that its inode stays its own while we
/// hold it), or `None` when there is none.
fn existing_target(target: &Path, overwrite: bool) -> Result<Option<std::fs::File>> {
    let Ok(meta) = std::fs::symlink_metadata(target) else {
        return Ok(None);
    };
    if !overwrite {
        return Err(Error::TargetExists {
            path: target.to_path_buf(),
        });
    }
    let kind = meta.file_type();
    if kind.is_symlink() {
        return Err(Error::io(
            target,
            std::io::Error::other(
                "the target is a symlink; tessera replaces only a regular file or a directory (write to the path it points to, or remove the link)",
            ),
        ));
    }
    if !kind.is_file() && !kind.is_dir() {
        return Err(Error::io(
            target,
            std::io::Error::other(
                "the target is not a regular file or a directory; it was left as it is",
            ),
        ));
    }
    // A regular file or a directory (checked above): opening it cannot block.
    let handle = std::fs::File::open(target).map_err(|e| Error::io(target, e))?;
    Ok(Some(handle))
}

/// `.NAME.tessera-PID-RANDOM.SUFFIX`: hidden, named after the process, unpredictable.
fn private_name(name: &str, suffix: &str) -> String {
    format!(
        ".{name}.tessera-{}-{:016x}{suffix}",
        std::process::id(),
        rand::random::<u64>()
    )
}

/// Creates a private (0700) directory with an unpredictable name in `parent`. mkdir is
/// exclusive and never follows a symlink at the new name.
fn make_private_dir(parent: &Path, name: &str, suffix: &str) -> Result<PathBuf> {
    for _ in 0..16 {
        let dir = parent.join(private_name(name, suffix));
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io(&dir, e)),
        }
    }
    Err(Error::io(
        parent,
        std::io::Error::other("cannot find a free name for a staging directory"),
    ))
}

/// Removes the staging directories and scratch files that dead processes left for
/// `name` in `parent`, restoring a target that a crash left renamed aside.
fn clean_stale(parent: &Path, name: &str, target: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let prefix = format!(".{name}.tessera-");
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let Some(pid) = leftover_pid(rest) else {
            continue;
        };
        if process_alive(pid) {
            continue;
        }
        let path = entry.path();
        restore_previous(&path, target);
        if remove_path(&path).is_ok() {
            lock(&NOTES).push(format!(
                "removed {}, left by process {pid}, which is no longer running",
                path.display()
            ));
        }
    }
}

/// The PID of a leftover's name after the prefix: `PID-RANDOM.partial`,
/// `PID-RANDOM.scratch`, and the older `PID-N.partial` / `PID.scratch`.
fn leftover_pid(rest: &str) -> Option<u32> {
    let stem = rest
        .strip_suffix(STAGING_SUFFIX)
        .or_else(|| rest.strip_suffix(SCRATCH_SUFFIX))?;
    let pid = stem.split('-').next()?;
    pid.parse().ok()
}

/// A crash between the fallback swap's two renames left the old target in the staging
/// directory and none at the target path: put it back.
fn restore_previous(staging_dir: &Path, target: &Path) {
    let previous = staging_dir.join(PREVIOUS);
    if std::fs::symlink_metadata(&previous).is_ok()
        && std::fs::symlink_metadata(target).is_err()
        && std::fs::rename(&previous, target).is_ok()
    {
        lock(&NOTES).push(format!(
            "restored {} from {}, where an interrupted replacement had left it",
            target.display(),
            staging_dir.display()
        ));
    }
}

fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists.
    let result = unsafe { libc::kill(pid, 0) };
    result == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

fn remove_path(path: &Path) -> std::io::Result<()> {
    let meta = std::fs::symlink_metadata(path)?;
    if meta.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    }
}

fn c_path(path: &Path) -> std::io::Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| std::io::Error::other("the path holds a NUL byte"))
}

fn renameat2(from: &Path, to: &Path, flags: libc::c_uint) -> std::io::Result<()> {
    let (from, to) = (c_path(from)?, c_path(to)?);
    // SAFETY: both are valid NUL-terminated paths; AT_FDCWD resolves them as given.
    let result = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            flags,
        )
    };
    if result == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

fn exchange_unsupported(e: &std::io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP)
    )
}

/// Renames `from` to `to`, failing if `to` exists (also when it appeared meanwhile).
fn rename_noreplace(from: &Path, to: &Path) -> Result<()> {
    match renameat2(from, to, libc::RENAME_NOREPLACE) {
        Ok(()) => Ok(()),
        Err(e) if e.raw_os_error() == Some(libc::EEXIST) => Err(Error::TargetExists {
            path: to.to_path_buf(),
        }),
        Err(e) if exchange_unsupported(&e) => {
            // No RENAME_NOREPLACE here: check, then rename (a narrow race remains).
            if std::fs::symlink_metadata(to).is_ok() {
                return Err(Error::TargetExists {
                    path: to.to_path_buf(),
                });
            }
            std::fs::rename(from, to).map_err(|e| Error::io(to, e))
        }
        Err(e) => Err(Error::io(to, e)),
    }
}

fn rename_exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    renameat2(a, b, libc::RENAME_EXCHANGE)
}

#[cfg(test)]
mod tests;
