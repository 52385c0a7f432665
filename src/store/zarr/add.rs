//! Adding an array to an existing Zarr store: the array is staged inside the store,
//! beside where it will live, and renamed into place; the groups on its way that are
//! missing are created first; consolidated metadata, when the store keeps it, is
//! updated after the rename. Nothing else in the store is touched.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use super::container::ZarrOutput;
use super::fs::StoreDir;
use super::sink::ZarrSink;
use super::write_dir::WriteDir;
use crate::address::Address;
use crate::error::{Error, Result};
use crate::store::{ArrayMeta, WriteOptions, ZarrVersion};

/// A sink for `address.array` inside the existing store `address.path`, replacing an
/// array there when `replace` (checked by the caller). The array takes the store's
/// Zarr version.
pub fn add_to_store(
    address: &Address,
    like: &ArrayMeta,
    options: &WriteOptions,
    replace: bool,
) -> Result<ZarrSink> {
    let root = &address.path;
    let array = address.array.trim_matches('/');
    let version = store_version(root)?.unwrap_or(options.zarr_version);
    let options = WriteOptions {
        zarr_version: version,
        overwrite: replace,
        ..options.clone()
    };
    create_missing_groups(root, array, version)?;
    let output = ZarrOutput::create(&root.join(array), replace)?
        .with_after_commit(consolidated_updater(root, array));
    ZarrSink::in_output(Arc::new(output), "", like, &options)
}

/// The Zarr version of the store at `root`, from its root metadata.
fn store_version(root: &Path) -> Result<Option<ZarrVersion>> {
    let store = StoreDir::open(root)?;
    if store.read_metadata("zarr.json")?.is_some() {
        return Ok(Some(ZarrVersion::V3));
    }
    for key in [".zgroup", ".zarray", ".zattrs"] {
        if store.read_metadata(key)?.is_some() {
            return Ok(Some(ZarrVersion::V2));
        }
    }
    Ok(None)
}

/// Writes group metadata for every group on the way to `array` that has none; an
/// existing group's metadata (and attributes) is left as it is.
fn create_missing_groups(root: &Path, array: &str, version: ZarrVersion) -> Result<()> {
    let store = StoreDir::open(root)?;
    let parts: Vec<&str> = array.split('/').collect();
    let writer = Arc::new(WriteDir::open(root)?);
    for depth in 1..parts.len() {
        let group = parts[..depth].join("/");
        let has = |name: &str| store.read_metadata(&format!("{group}/{name}"));
        if has("zarr.json")?.is_some() || has(".zgroup")?.is_some() {
            continue;
        }
        super::sink::write_group(&root.display().to_string(), &writer, &group, version, None)?;
    }
    Ok(())
}

/// Brings the store's consolidated metadata (v2 `.zmetadata`, v3 `consolidated_metadata`
/// in the root `zarr.json`) up to date with the new array and groups, if it has any.
fn consolidated_updater(root: &Path, array: &str) -> Box<dyn FnOnce() -> Result<()> + Send + Sync> {
    let root = root.to_path_buf();
    let array = array.to_string();
    Box::new(move || update_consolidated(&root, &array))
}

fn update_consolidated(root: &Path, array: &str) -> Result<()> {
    let store = StoreDir::open(root)?;
    if let Some(bytes) = store.read_metadata(".zmetadata")? {
        let mut doc = parse(root, ".zmetadata", &bytes)?;
        if let Some(entries) = doc.get_mut("metadata").and_then(Value::as_object_mut) {
            let prefix = format!("{array}/");
            entries.retain(|key, _| !key.starts_with(&prefix));
            let parts: Vec<&str> = array.split('/').collect();
            for depth in 1..=parts.len() {
                let node = parts[..depth].join("/");
                for name in [".zgroup", ".zarray", ".zattrs"] {
                    let key = format!("{node}/{name}");
                    if let Some(bytes) = store.read_metadata(&key)? {
                        entries.insert(key.clone(), parse(root, &key, &bytes)?);
                    }
                }
            }
        }
        write_atomically(root, ".zmetadata", &doc)?;
    }
    if let Some(bytes) = store.read_metadata("zarr.json")? {
        let mut doc = parse(root, "zarr.json", &bytes)?;
        let entries = doc
            .get_mut("consolidated_metadata")
            .and_then(|c| c.get_mut("metadata"))
            .and_then(Value::as_object_mut);
        if let Some(entries) = entries {
            let prefix = format!("{array}/");
            entries.retain(|key, _| !key.starts_with(&prefix));
            let parts: Vec<&str> = array.split('/').collect();
            for depth in 1..=parts.len() {
                let node = parts[..depth].join("/");
                if let Some(bytes) = store.read_metadata(&format!("{node}/zarr.json"))? {
                    entries.insert(node.clone(), parse(root, &node, &bytes)?);
                }
            }
            write_atomically(root, "zarr.json", &doc)?;
        }
    }
    Ok(())
}

/// A metadata document to rewrite, its non-finite tokens kept (see `meta::json`).
fn parse(root: &Path, key: &str, bytes: &[u8]) -> Result<Value> {
    super::meta::json::parse_marked(&root.join(key), bytes)
}

/// Replaces the metadata file `key` of the store with `doc` in one rename.
fn write_atomically(root: &Path, key: &str, doc: &Value) -> Result<()> {
    let text = serde_json::to_vec_pretty(doc)
        .map_err(|e| Error::internal(format!("metadata does not serialize: {e}")))?;
    let target = root.join(key);
    let staging = crate::store::Staging::new(&target, true)?;
    let text = super::meta::json::unmark(&text);
    std::fs::write(staging.temp_path(), text).map_err(|e| Error::io(&target, e))?;
    staging.commit()
}
