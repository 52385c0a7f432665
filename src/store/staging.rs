//! Staged outputs: every file or store is written under a hidden temporary name beside
//! its target and renamed into place only when complete, so an interrupted or failed
//! write never leaves anything at the target path.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// A temporary path that becomes the target on `commit` and is removed on drop
/// otherwise.
#[derive(Debug)]
pub struct Staging {
    target: PathBuf,
    temp: PathBuf,
    overwrite: bool,
    committed: bool,
}

impl Staging {
    /// Stages a write to `target`. Fails when the target exists and `overwrite` is off,
    /// or when its directory does not exist.
    pub fn new(target: &Path, overwrite: bool) -> Result<Staging> {
        if target.exists() && !overwrite {
            return Err(Error::TargetExists {
                path: target.to_path_buf(),
            });
        }
        let name = target
            .file_name()
            .ok_or_else(|| Error::Invalid(format!("{}: not a file name", target.display())))?;
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !parent.is_dir() {
            return Err(Error::io(
                &parent,
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "output directory does not exist",
                ),
            ));
        }
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let temp = parent.join(format!(
            ".{}.tessera-{}-{}.partial",
            name.to_string_lossy(),
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        Ok(Staging {
            target: target.to_path_buf(),
            temp,
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

    /// Moves the staged output to the target, replacing an existing one when allowed.
    pub fn commit(mut self) -> Result<()> {
        if self.target.exists() {
            if !self.overwrite {
                return Err(Error::TargetExists {
                    path: self.target.clone(),
                });
            }
            remove_path(&self.target)?;
        }
        std::fs::rename(&self.temp, &self.target).map_err(|e| Error::io(&self.target, e))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed && self.temp.exists() {
            // Best effort: a failure here leaves only a hidden .partial beside the target.
            let _ = remove_path(&self.temp);
        }
    }
}

fn remove_path(path: &Path) -> Result<()> {
    let result = if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    };
    result.map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests;
