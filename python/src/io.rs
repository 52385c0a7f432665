//! Files: `tessera.open`, and the `to_zarr` / `to_hdf5` / `to_npy` / `tessera.store`
//! writers, which stream results into a new array through the engine's `store` and
//! `store_many` (staged, renamed into place when complete).

use std::path::PathBuf;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use tessera::store::{Codec, WriteOptions, ZarrVersion};
use tessera::{Address, Array, Format};

use crate::errors::py;
use crate::{context, run};

/// Where a result goes.
pub(crate) struct Target(Address);

impl Target {
    /// A Zarr store at `url` (`store.zarr` or `store.zarr:/group/array`), or the array
    /// `component` inside it. A new store need not end in `.zarr`.
    pub(crate) fn zarr(url: &str, component: Option<&str>) -> PyResult<Target> {
        let (path, array) = match component {
            Some(component) => (url.to_string(), component.to_string()),
            None => split(url, Format::Zarr)?,
        };
        Ok(Target(Address {
            path: PathBuf::from(path),
            format: Format::Zarr,
            array: array.trim_start_matches('/').to_string(),
        }))
    }

    /// The dataset `datapath` of the HDF5 file `filename` (or `file.h5:/dataset` in
    /// `filename`).
    pub(crate) fn hdf5(filename: &str, datapath: Option<&str>) -> PyResult<Target> {
        let (path, array) = match datapath {
            Some(datapath) => (filename.to_string(), datapath.to_string()),
            None => split(filename, Format::Hdf5)?,
        };
        if array.trim_matches('/').is_empty() {
            return Err(PyValueError::new_err(format!(
                "to_hdf5('{filename}') needs a dataset: to_hdf5('{filename}', '/x') or to_hdf5('{filename}:/x')"
            )));
        }
        Ok(Target(Address {
            path: PathBuf::from(path),
            format: Format::Hdf5,
            array: format!("/{}", array.trim_start_matches('/')),
        }))
    }

    /// A `.npy` file.
    pub(crate) fn npy(path: &str) -> Target {
        Target(Address {
            path: PathBuf::from(path),
            format: Format::Npy,
            array: String::new(),
        })
    }
}

/// `text` as (path, array inside) when the address parser reads it as `format`;
/// otherwise the whole text is the path.
fn split(text: &str, format: Format) -> PyResult<(String, String)> {
    match Address::parse(text) {
        Ok(address) if address.format == format => {
            Ok((address.path.display().to_string(), address.array))
        }
        Ok(address) => Err(PyValueError::new_err(format!(
            "'{text}' is a {} address, not a {} one",
            address.format.name(),
            format.name()
        ))),
        Err(_) => Ok((text.to_string(), String::new())),
    }
}

/// Write options from Python arguments: `chunks` as `from_numpy` takes them (default:
/// the array's chunks), a codec name, a Zarr version (2 or 3) and an optional shard.
pub(crate) fn options(
    array: &Array,
    chunks: Option<&Bound<'_, PyAny>>,
    codec: &str,
    zarr_version: u8,
    shard: Option<Vec<u64>>,
    overwrite: bool,
) -> PyResult<WriteOptions> {
    let chunks = match chunks.filter(|c| !c.is_none()) {
        Some(c) => crate::convert::chunk_shape(Some(c), array.shape(), array.dtype())?,
        None => Vec::new(),
    };
    let zarr_version = match zarr_version {
        2 => ZarrVersion::V2,
        3 => ZarrVersion::V3,
        v => {
            return Err(PyValueError::new_err(format!(
                "zarr_version {v}: expected 2 or 3"
            )));
        }
    };
    let mut options = WriteOptions::new(&chunks);
    options.codec = py(Codec::parse(codec))?;
    options.zarr_version = zarr_version;
    options.shard = shard;
    options.overwrite = overwrite;
    Ok(options)
}

/// Streams `array` into `target`, with the GIL released (see `run::engine`: Ctrl-C
/// stops it, leaving no target, and progress bars draw it).
pub(crate) fn store(
    py_token: Python<'_>,
    array: &Array,
    target: Target,
    options: WriteOptions,
) -> PyResult<()> {
    let ctx = context::current()?;
    let array = array.clone();
    let result = run::engine(py_token, ctx, move |ctx, progress| {
        array.store(ctx, &target.0, &options, progress)
    })?;
    py(result).map(|_| ())
}

/// Streams several arrays into several targets in one pass over shared inputs
/// (`tessera.store`), with the GIL released. Every target appears only when all are
/// complete (none after Ctrl-C).
pub(crate) fn store_many(
    py_token: Python<'_>,
    arrays: Vec<Array>,
    targets: Vec<(Address, WriteOptions)>,
) -> PyResult<()> {
    let ctx = context::current()?;
    let result = run::engine(py_token, ctx, move |ctx, progress| {
        tessera::store_many(&arrays, &targets, ctx, progress)
    })?;
    py(result).map(|_| ())
}

/// The address a target string names: any format, read from its contents or extension.
pub(crate) fn parse_target(text: &str) -> PyResult<Address> {
    let address = py(Address::parse(text))?;
    if address.format == Format::Hdf5 && address.array.trim_matches('/').is_empty() {
        return Err(PyValueError::new_err(format!(
            "'{text}' names no dataset: write 'file.h5:/x'"
        )));
    }
    Ok(address)
}
