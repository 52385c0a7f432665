//! A Zarr store (or one array directory of an existing store) being written: staged,
//! shared by the arrays written into it, and renamed into place once all are done.
//!
//! ```text
//!  new store:               .staging/NAME/      arrays, groups  -> rename to NAME
//!  array added to a store:  STORE/.staging/A/   one array       -> rename to STORE/A
//! ```
//!
//! An array added to an existing store is staged inside the store, beside where it
//! will live, and appears in one rename; the store's other arrays and files are never
//! touched. The groups on its way that do not exist yet are created first (a group
//! with no members is harmless), and consolidated metadata, when the store has it, is
//! brought up to date after the rename (see `consolidated`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::write_dir::WriteDir;
use crate::error::{Error, Result};
use crate::store::Staging;
use crate::store::staging::SharedStaging;

/// A staged Zarr output and the arrays writing into it.
pub struct ZarrOutput {
    target: PathBuf,
    // Field order matters: the directory closes before the staging removes it.
    store: Arc<WriteDir>,
    staging: SharedStaging,
    /// Run once the output is in place (consolidated metadata of the store it joined).
    after_commit: std::sync::Mutex<Option<AfterCommit>>,
}

/// Work done once an output is in place.
pub(super) type AfterCommit = Box<dyn FnOnce() -> Result<()> + Send + Sync>;

impl std::fmt::Debug for ZarrOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZarrOutput")
            .field("target", &self.target)
            .finish()
    }
}

impl ZarrOutput {
    /// Stages a new directory at `target` (replacing an existing one on commit when
    /// `overwrite`; the caller has checked that it may).
    pub fn create(target: &Path, overwrite: bool) -> Result<ZarrOutput> {
        let staging = Staging::new(target, overwrite)?;
        std::fs::create_dir(staging.temp_path()).map_err(|e| Error::io(staging.temp_path(), e))?;
        let store = Arc::new(WriteDir::open(staging.temp_path())?);
        Ok(ZarrOutput {
            target: target.to_path_buf(),
            store,
            staging: SharedStaging::new(staging),
            after_commit: std::sync::Mutex::new(None),
        })
    }

    /// Runs `work` once the output is in place.
    pub fn with_after_commit(self, work: AfterCommit) -> ZarrOutput {
        *self.after_commit.lock().unwrap_or_else(|p| p.into_inner()) = Some(work);
        self
    }

    /// Writes a group's metadata and attributes into the staged output.
    pub fn write_group(
        &self,
        group: &str,
        version: crate::store::ZarrVersion,
        attributes: &crate::store::Attributes,
    ) -> Result<()> {
        let name = self.target.display().to_string();
        super::sink::write_group(&name, &self.store, group, version, Some(attributes))
    }

    /// The final path, for messages.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// The staged directory, for zarrs to write into.
    pub(super) fn store(&self) -> &Arc<WriteDir> {
        &self.store
    }

    /// One more array that must commit before the output does.
    pub fn join(&self) {
        self.staging.join();
    }

    /// An array is done. The last one moves the output into place.
    pub fn member_committed(&self) -> Result<()> {
        if self.staging.finished(&self.target, || Ok(()))? {
            let work = self
                .after_commit
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take();
            if let Some(work) = work {
                work()?;
            }
        }
        Ok(())
    }

    /// An array gave up: nothing is committed.
    pub fn member_abandoned(&self) {
        self.staging.abandon();
    }
}
