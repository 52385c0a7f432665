//! An HDF5 file being written: staged, shared by the datasets written into it, and
//! renamed into place once all of them are done.
//!
//! HDF5 changes a file in place and has no transactions: a process killed while adding
//! a dataset to a file can leave the whole file unreadable. So tessera never opens an
//! existing file for writing. To add or replace a dataset it copies the file into the
//! staging directory, changes the copy, and swaps the copy into place:
//!
//! ```text
//!  new file:        create .staging/NAME          -> datasets -> rename into place
//!  existing file:   copy NAME to .staging/NAME    -> datasets -> exchange with NAME
//! ```
//!
//! At every instant the path holds the old file whole or the new one whole. The price
//! is one copy of the existing file per write (fast where the filesystem shares extents;
//! `copy_file_range` otherwise). A replaced dataset is unlinked in the copy, so its
//! bytes stay in the file as free space, as with h5py; `h5repack` reclaims it.
//!
//! Several sinks may write into one file (`store_many` with targets in one file, or a
//! whole-file copy): each registers as a member, and the last member to commit closes
//! the file and commits the staging. A member dropped without committing drops its
//! share; when every share is gone without the commit, the staging is removed.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::meta::h5err;
use crate::error::{Error, Result};
use crate::store::Staging;
use crate::store::staging::SharedStaging;

/// A staged HDF5 file and the members writing into it.
pub struct Hdf5File {
    target: PathBuf,
    // Field order matters: the file closes before the staging removes its directory.
    file: Mutex<Option<hdf5::File>>,
    staging: SharedStaging,
}

impl Hdf5File {
    /// Stages a new file at `target` (replacing an existing one on commit when
    /// `overwrite`; the caller has checked that it may).
    pub fn create(target: &Path, overwrite: bool) -> Result<Hdf5File> {
        super::plugins::apply_policy();
        let staging = Staging::new(target, overwrite)?;
        let file = super::sink::create_file(staging.temp_path()).map_err(h5err(target))?;
        Ok(Hdf5File::staged(target, file, staging))
    }

    /// Stages a copy of the existing file at `target`, to add or replace datasets in.
    pub fn copy_of_existing(target: &Path) -> Result<Hdf5File> {
        super::plugins::apply_policy();
        let staging = Staging::new(target, true)?;
        std::fs::copy(target, staging.temp_path()).map_err(|e| Error::io(target, e))?;
        let file = hdf5::File::open_rw(staging.temp_path())
            .map_err(|e| Error::hdf5(target, "cannot open a copy of the file for writing", e))?;
        super::meta::close_on_exec(&file);
        Ok(Hdf5File::staged(target, file, staging))
    }

    fn staged(target: &Path, file: hdf5::File, staging: Staging) -> Hdf5File {
        Hdf5File {
            target: target.to_path_buf(),
            file: Mutex::new(Some(file)),
            staging: SharedStaging::new(staging),
        }
    }

    /// The final path, for messages.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// The open file, registering one more member that must commit before the file
    /// does.
    pub fn join(&self) -> Result<hdf5::File> {
        let file = self.file()?;
        self.staging.join();
        Ok(file)
    }

    /// The open file, without registering a member (for groups and attributes written
    /// by a member).
    pub fn file(&self) -> Result<hdf5::File> {
        self.lock()
            .clone()
            .ok_or_else(|| Error::format(&self.target, "the HDF5 output is already closed"))
    }

    /// A member is done. The last one closes the file and moves it into place.
    pub fn member_committed(&self) -> Result<()> {
        self.staging
            .finished(&self.target, || {
                let Some(file) = self.lock().take() else {
                    return Ok(());
                };
                // Flushed first: were a handle still open somewhere, closing would only
                // drop a reference, and the rename must see every byte.
                file.flush().map_err(h5err(&self.target))?;
                file.close().map_err(h5err(&self.target))
            })
            .map(|_| ())
    }

    /// A member gave up (dropped without committing): the file is never committed.
    pub fn member_abandoned(&self) {
        drop(self.lock().take());
        self.staging.abandon();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<hdf5::File>> {
        self.file.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// What a path inside an existing HDF5 file names, for adding or replacing a dataset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemberKind {
    /// Nothing: a dataset may be added there.
    Missing,
    /// A dataset reached by a hard link: `--overwrite` may replace it.
    Dataset,
    /// Something else, described (`a group`, `a soft link`, ...): never replaced.
    Other(String),
}

/// What `name` names in the HDF5 file at `path`, read without following external
/// links. `name` is a netCDF variable's name: a pure dimension dataset there is no
/// variable (Missing), and a variable stored under netCDF's prefix is found (see
/// `noncoord`).
pub fn member_kind(path: &Path, name: &str) -> Result<MemberKind> {
    use super::links::{self, PathProblem};
    let file = super::meta::open_file(path)?;
    let guard = links::LinkGuard::new().map_err(h5err(path))?;
    match links::check_path(&file, name, &guard) {
        Ok(()) => {}
        Err(PathProblem::External { at, .. }) => {
            return Ok(MemberKind::Other(format!(
                "reached through the external link {at}"
            )));
        }
        Err(PathProblem::LeadsOutside { .. }) => {
            return Ok(MemberKind::Other("reached through an external link".into()));
        }
        Err(PathProblem::Other { at, code }) => {
            return Ok(MemberKind::Other(format!(
                "reached through {at}, a user-defined link (type {code})"
            )));
        }
    }
    let name = &super::noncoord::stored_variable(&file, name, &guard);
    if super::noncoord::holds_no_variable(&file, name, &guard) {
        return Ok(MemberKind::Missing);
    }
    Ok(match links::link_type(&file, name, &guard) {
        None => MemberKind::Missing,
        Some(LINK_HARD) => match links::object_kind(file.id(), name, &guard) {
            Some(hdf5_sys::h5o::H5O_type_t::H5O_TYPE_DATASET) => MemberKind::Dataset,
            Some(hdf5_sys::h5o::H5O_type_t::H5O_TYPE_GROUP) => MemberKind::Other("a group".into()),
            _ => MemberKind::Other("an object other than a dataset".into()),
        },
        Some(LINK_SOFT) => MemberKind::Other("a soft link".into()),
        Some(_) => MemberKind::Other("an external or user-defined link".into()),
    })
}

const LINK_HARD: std::ffi::c_int = 0;
const LINK_SOFT: std::ffi::c_int = 1;

impl Hdf5File {
    /// Unlinks the variable `name` (where netCDF stores it, see `noncoord`) from the
    /// staged copy, to be written anew, leaving the file's dimension scales consistent
    /// (see `dims`). Its bytes stay in the file as free space (`h5repack` reclaims
    /// them).
    pub fn remove_dataset(&self, name: &str) -> Result<()> {
        let file = self.file()?;
        let guard = super::links::LinkGuard::new().map_err(h5err(&self.target))?;
        let stored = super::noncoord::stored_variable(&file, name, &guard);
        super::dims::remove_variable(&self.target, &file, &stored)
    }
}

impl Hdf5File {
    /// Creates the group `name` (empty or `/`: the root, which exists) in the staged
    /// file, with `attributes`.
    pub fn write_group(&self, name: &str, attributes: &crate::store::Attributes) -> Result<()> {
        let file = self.file()?;
        let name = name.trim_matches('/');
        let group = if name.is_empty() {
            file.as_group()
        } else {
            file.create_group(name)
        }
        .map_err(|e| Error::hdf5(&self.target, &format!("cannot create the group /{name}"), e))?;
        super::attr_write::write_attributes(&self.target, &group, None, attributes)
    }
}
