//! Where new arrays are written: one entry point for one array or several, which
//! checks every target first ([`super::target`]) and then opens one sink per
//! array. Arrays bound for one file or store share its staging, so they appear
//! together on the last commit:
//!
//! ```text
//!  new.h5:/a, new.h5:/b        one staged new file, two datasets
//!  old.h5:/c (old.h5 exists)   one staged copy of old.h5, plus /c
//!  new.zarr:/a, new.zarr:/g/b  one staged new store, two arrays
//!  old.zarr:/c (exists)        /c staged inside old.zarr, renamed into place
//! ```

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::target::{self, Placement};
use super::{ArrayMeta, ChunkSink, WriteOptions, hdf5, npy, zarr};
use crate::address::{Address, Format};
use crate::error::{Error, Result};

/// One array to write: where, like what, and how.
#[derive(Clone, Copy, Debug)]
pub struct Target<'a> {
    /// Where the array goes.
    pub address: &'a Address,
    /// Its shape, dtype, fill value, attributes and dimension names.
    pub like: &'a ArrayMeta,
    /// Its layout, and whether an existing array may be replaced.
    pub options: &'a WriteOptions,
}

/// Opens a sink for every target, after checking them all; nothing is staged when
/// any check fails. `inputs` are the paths the written values are read from.
pub fn create_many(targets: &[Target<'_>], inputs: &[PathBuf]) -> Result<Vec<Box<dyn ChunkSink>>> {
    for target in targets {
        target.address.require_array()?;
        if target.address.format == Format::Netcdf3 {
            return Err(netcdf3_refused(target.address));
        }
    }
    check_distinct(targets)?;
    let placements = targets
        .iter()
        .map(|t| {
            super::check_write_options(t.like, t.options)?;
            target::check_target(t.address, t.like, t.options, inputs)
        })
        .collect::<Result<Vec<_>>>()?;
    let mut shared = Shared::default();
    let sinks = targets
        .iter()
        .zip(placements)
        .map(|(t, placement)| shared.sink(t, placement))
        .collect::<Result<Vec<_>>>()?;
    for target in targets {
        note_unread(&target.address.display(), &target.like.attributes);
    }
    Ok(sinks)
}

/// Notes each attribute of the source that `output` cannot have, because tessera could
/// not read it (an HDF5 compound or reference type, ...).
pub fn note_unread(output: &str, attributes: &super::Attributes) {
    for unread in attributes.unread() {
        super::staging::note(format!(
            "{output}: the source's attribute '{}' is not copied: it {}",
            unread.name, unread.reason
        ));
    }
}

/// The staged files and stores that several targets write into.
#[derive(Default)]
struct Shared {
    hdf5: HashMap<PathBuf, Arc<hdf5::Hdf5File>>,
    zarr: HashMap<PathBuf, Arc<zarr::ZarrOutput>>,
}

impl Shared {
    fn sink(&mut self, t: &Target<'_>, placement: Placement) -> Result<Box<dyn ChunkSink>> {
        let Target {
            address,
            like,
            options,
        } = *t;
        let path = &address.path;
        let whole = placement == Placement::ReplaceWhole;
        Ok(match (address.format, placement) {
            (Format::Hdf5, placement) => {
                let file = self.hdf5_file(path, || match placement {
                    Placement::Member { .. } => hdf5::Hdf5File::copy_of_existing(path),
                    _ => hdf5::Hdf5File::create(path, whole),
                })?;
                if placement == (Placement::Member { replace: true }) {
                    file.remove_dataset(&address.array)?;
                }
                Box::new(hdf5::Hdf5Sink::in_file(
                    file,
                    &address.array,
                    like,
                    options,
                )?)
            }
            (Format::Zarr, Placement::Member { replace }) => {
                Box::new(zarr::add_to_store(address, like, options, replace)?)
            }
            (Format::Zarr, _) => {
                let output = match self.zarr.get(path) {
                    Some(output) => output.clone(),
                    None => {
                        let output = Arc::new(zarr::ZarrOutput::create(path, whole)?);
                        self.zarr.insert(path.clone(), output.clone());
                        output
                    }
                };
                Box::new(zarr::ZarrSink::in_output(
                    output,
                    &address.array,
                    like,
                    options,
                )?)
            }
            (Format::Npy, _) => Box::new(npy::NpySink::create(address, like, options)?),
            (Format::Netcdf3, _) => return Err(netcdf3_refused(address)),
        })
    }

    /// The staged HDF5 file of `path`, opened by `open` for its first target.
    fn hdf5_file(
        &mut self,
        path: &std::path::Path,
        open: impl FnOnce() -> Result<hdf5::Hdf5File>,
    ) -> Result<Arc<hdf5::Hdf5File>> {
        if let Some(file) = self.hdf5.get(path) {
            return Ok(file.clone());
        }
        let file = Arc::new(open()?);
        self.hdf5.insert(path.to_path_buf(), file.clone());
        Ok(file)
    }
}

fn netcdf3_refused(address: &Address) -> Error {
    Error::Invalid(format!(
        "{}: is a netCDF-3 file; tessera writes netCDF-4 (HDF5), not netCDF-3",
        address.path.display()
    ))
}

/// Refuses targets that collide: one array written twice, an array inside another,
/// a whole-store target beside others in the same store, or one new Zarr store given
/// two versions.
fn check_distinct(targets: &[Target<'_>]) -> Result<()> {
    let keyed: Vec<(PathBuf, String)> = targets
        .iter()
        .map(|t| {
            (
                comparable_path(&t.address.path),
                t.address.array.trim_matches('/').to_string(),
            )
        })
        .collect();
    for (i, (path, array)) in keyed.iter().enumerate() {
        for (j, (other_path, other)) in keyed.iter().enumerate().take(i) {
            if path != other_path {
                continue;
            }
            let nested = array.is_empty()
                || other.is_empty()
                || array == other
                || array.starts_with(&format!("{other}/"))
                || other.starts_with(&format!("{array}/"));
            if nested {
                return Err(Error::Invalid(format!(
                    "{} and {}: outputs {j} and {i} overlap; give each output its own array path",
                    targets[j].address.display(),
                    targets[i].address.display()
                )));
            }
            if targets[i].options.zarr_version != targets[j].options.zarr_version
                && targets[i].address.format == Format::Zarr
            {
                return Err(Error::Invalid(format!(
                    "{}: outputs {j} and {i} ask for different Zarr versions in one store",
                    targets[i].address.path.display()
                )));
            }
        }
    }
    Ok(())
}

/// `path` made absolute and canonical as far as it exists, to compare targets.
pub(crate) fn comparable_path(path: &std::path::Path) -> PathBuf {
    if let Ok(real) = path.canonicalize() {
        return real;
    }
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match (absolute.parent(), absolute.file_name()) {
        (Some(parent), Some(name)) => parent
            .canonicalize()
            .map_or(absolute.clone(), |p| p.join(name)),
        _ => absolute,
    }
}
