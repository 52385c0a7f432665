//! Whole-file copies: every array of a file or store, with its groups, their
//! attributes and the dimension names, into a new file or store
//! (`tessera convert in.nc out.zarr`).
//!
//! The output is one staged file or store, committed when the last array is written:
//! it appears whole or not at all. Each array is copied as [`convert`](super::convert)
//! copies one, in bounded memory, with its own chunks (or `--chunks` where its rank
//! matches), re-encoded with the requested codec. Coordinate variables (1-D arrays
//! named after their own dimension) are written first, so that HDF5 output attaches
//! the other variables to them as netCDF does. What cannot be copied (strings,
//! unsupported types or codecs) is skipped, and each skip is reported with its reason.

use std::sync::Arc;

use super::{ConvertReport, ProgressFn, copy, refuse_same_path};
use crate::address::{Address, Format};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::store::{self, ArrayEntry, ArrayMeta, ChunkSink, GroupEntry, WriteOptions, ZarrVersion};

/// What a whole-file copy did.
#[derive(Clone, Debug, Default)]
pub struct TreeReport {
    /// Each array copied (its path in the output) and how.
    pub arrays: Vec<(String, ConvertReport)>,
    /// Groups written, the root included.
    pub groups: usize,
    /// Arrays not copied, with the reason.
    pub skipped: Vec<(String, String)>,
}

/// True when `src` names a whole file or store of several arrays rather than one array:
/// an HDF5 or netCDF address without a dataset path, or a Zarr store whose root is a
/// group.
pub fn is_tree(src: &Address) -> bool {
    if !src.array.trim_matches('/').is_empty() {
        return false;
    }
    match src.format {
        Format::Zarr => !store::target::zarr_root_is_array(&src.path),
        Format::Npy => false,
        _ => true,
    }
}

/// Copies every array, group and attribute of the file or store at `src` into a new
/// one at `dst` (which must not exist), with `options`' codec and Zarr version.
pub fn convert_tree(
    ctx: &Context,
    src: &Address,
    dst: &Address,
    options: &WriteOptions,
    progress: Option<&ProgressFn<'_>>,
) -> Result<TreeReport> {
    refuse_same_path(&src.path, &dst.path)?;
    if !dst.array.trim_matches('/').is_empty() || dst.format == Format::Npy {
        return Err(Error::Invalid(format!(
            "{}: a whole file is copied into a new HDF5 file or Zarr store; give its path without an array",
            dst.display()
        )));
    }
    if std::fs::symlink_metadata(&dst.path).is_ok() {
        return Err(Error::TargetExists {
            path: dst.path.clone(),
        });
    }
    let groups = store::groups(&src.path)?;
    let mut entries = store::list(&src.path)?;
    entries.sort_by_key(|e| !is_coordinate(e));
    store::target::check_not_an_input(&dst.path, std::slice::from_ref(&src.path))?;
    let output = Output::create(dst, options)?;
    output.write_groups(&groups)?;
    let mut report = TreeReport {
        groups: groups.len(),
        ..TreeReport::default()
    };
    for entry in &entries {
        let meta = match &entry.meta {
            Ok(meta) => meta,
            Err(reason) => {
                report.skipped.push((entry.name.clone(), reason.clone()));
                continue;
            }
        };
        let from = Address {
            array: entry.name.clone(),
            ..src.clone()
        };
        let source = store::open(&from)?;
        let array_options = options_for(meta, options);
        let name = output.array_path(&entry.name);
        let sink = output.sink(&name, source.meta(), &array_options)?;
        let scratch = super::scratch_path_for(&dst.path);
        let copied = copy(ctx, source.as_ref(), sink.as_ref(), &scratch, progress)?;
        sink.commit()?;
        report.arrays.push((name, copied));
    }
    output.commit()?;
    Ok(report)
}

/// A 1-D array named after its own dimension (a netCDF coordinate variable).
fn is_coordinate(entry: &ArrayEntry) -> bool {
    let Ok(meta) = &entry.meta else {
        return false;
    };
    let base = entry.name.rsplit('/').next().unwrap_or(&entry.name);
    match meta.dimension_names.as_deref() {
        Some([Some(dim)]) => dim == base,
        _ => false,
    }
}

/// The requested layout for one array: `--chunks` where its rank matches, else the
/// source's chunks.
fn options_for(meta: &ArrayMeta, options: &WriteOptions) -> WriteOptions {
    let chunks = if options.chunks.len() == meta.shape.len() && !options.chunks.is_empty() {
        options.chunks.clone()
    } else {
        meta.chunks.clone()
    };
    let shard = options
        .shard
        .clone()
        .filter(|s| s.len() == meta.shape.len());
    WriteOptions {
        chunks,
        shard,
        overwrite: false,
        ..options.clone()
    }
}

/// The staged output of a whole-file copy, held open (as a member of its own) until
/// every array is written.
enum Output {
    Hdf5(Arc<store::hdf5::Hdf5File>),
    Zarr {
        output: Arc<store::zarr::ZarrOutput>,
        version: ZarrVersion,
    },
}

impl Output {
    fn create(dst: &Address, options: &WriteOptions) -> Result<Output> {
        Ok(match dst.format {
            Format::Zarr => {
                let output = Arc::new(store::zarr::ZarrOutput::create(&dst.path, false)?);
                output.join();
                Output::Zarr {
                    output,
                    version: options.zarr_version,
                }
            }
            _ => {
                let file = Arc::new(store::hdf5::Hdf5File::create(&dst.path, false)?);
                drop(file.join()?);
                Output::Hdf5(file)
            }
        })
    }

    /// An array's path in the output: HDF5 `/g/x`, Zarr `g/x`.
    fn array_path(&self, name: &str) -> String {
        let bare = name.trim_matches('/');
        match self {
            Output::Hdf5(_) => format!("/{bare}"),
            Output::Zarr { .. } => bare.to_string(),
        }
    }

    fn write_groups(&self, groups: &[GroupEntry]) -> Result<()> {
        for group in groups {
            let name = group.name.trim_matches('/');
            store::output::note_unread(&format!("group /{name}"), &group.attributes);
            match self {
                Output::Hdf5(file) => file.write_group(name, &group.attributes)?,
                Output::Zarr { output, version } => {
                    output.write_group(name, *version, &group.attributes)?
                }
            }
        }
        Ok(())
    }

    fn sink(
        &self,
        name: &str,
        like: &ArrayMeta,
        options: &WriteOptions,
    ) -> Result<Box<dyn ChunkSink>> {
        store::check_write_options(like, options)?;
        store::output::note_unread(name, &like.attributes);
        Ok(match self {
            Output::Hdf5(file) => Box::new(store::hdf5::Hdf5Sink::in_file(
                file.clone(),
                name,
                like,
                options,
            )?),
            Output::Zarr { output, version } => {
                let options = WriteOptions {
                    zarr_version: *version,
                    ..options.clone()
                };
                Box::new(store::zarr::ZarrSink::in_output(
                    output.clone(),
                    name,
                    like,
                    &options,
                )?)
            }
        })
    }

    /// Releases the copy's own share: the output is committed.
    fn commit(self) -> Result<()> {
        match self {
            Output::Hdf5(file) => file.member_committed(),
            Output::Zarr { output, .. } => output.member_committed(),
        }
    }
}
