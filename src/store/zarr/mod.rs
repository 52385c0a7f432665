//! Zarr v2 and v3 arrays, read and written through zarrs.
//!
//! - [`ZarrSource`] opens one array of a store on disk (v2 or v3, told by its metadata)
//!   and decodes chunks into native-endian, C-ordered [`Chunk`]s. For sharded arrays the
//!   read unit is the inner chunk, read through zarrs' shard-index cache, so a large
//!   shard is never decoded whole to read a part of it.
//! - [`ZarrSink`] writes a new store under a staging path with zarrs and renames it into
//!   place on commit. When sharded, its write unit is the whole shard.
//! - [`list`] walks a store's hierarchy for its arrays, [`groups`] for its groups and
//!   their attributes; a directory without metadata is walked as an implicit group.
//!
//! Axis names are v3's `dimension_names` or v2's `_ARRAY_DIMENSIONS` attribute
//! (xarray's convention, taken out of the attributes on read and written back from
//! `ArrayMeta::dimension_names`); attributes are plain JSON (see `sink` for how typed
//! and non-finite values are written, `meta::json` for the NaN tokens Python writes).
//!
//! numcodecs' `delta` and `lz4`, which zarrs lacks, live in [`codecs`]; the human text
//! for codecs and layouts lives in `describe`.
//!
//! Reading is hardened against hostile stores: files are read through [`fs::StoreDir`]
//! (no per-key state, never outside the store, no FIFOs, sizes checked before
//! allocating), metadata is checked field by field in `meta` before zarrs parses it,
//! and decompression stops at the chunk's size (`bounded`).

mod add;
mod bounded;
pub mod codecs;
mod container;
mod describe;
pub mod fs;
mod meta;
mod sink;
mod write_dir;

pub use add::add_to_store;
pub use container::ZarrOutput;
pub use sink::ZarrSink;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use std::borrow::Cow;
use zarrs::array::codec::api::Codec as ZarrsCodec;

use unsafe_cell_slice::UnsafeCellSlice;
use zarrs::array::{
    Array, ArrayBuilder, ArrayBytesDecodeIntoTarget, ArrayBytesFixedDisjointView, ArrayError,
    ArrayMetadata, ArrayMetadataOptions, ArrayMetadataV2, ArrayShardedExt, ArrayShardedReadableExt,
    ArrayShardedReadableExtCache, ArraySubset, BytesToBytesCodecTraits, CodecOptions, DataType,
    FillValue, FillValueMetadata, data_type,
};
use zarrs::group::{Group, GroupBuilder, GroupMetadata};
use zarrs::metadata::v2::{GroupMetadataV2, MetadataV2};
use zarrs::metadata::v3::MetadataV3;
use zarrs::plugin::PluginCreateError;
use zarrs::storage::ReadableStorageTraits;

use self::fs::StoreDir;
use self::meta::{ArrayDoc, Node};
use self::write_dir::WriteDir;

use crate::address::Address;
use crate::chunk::Chunk;
use crate::dtype::{DType, Endian};
use crate::error::{Error, Result};
use crate::grid::{ChunkGrid, Region};
use crate::store::{
    ArrayEntry, ArrayMeta, Attributes, ChunkSink, ChunkSource, Codec, GroupEntry, WriteOptions,
    ZarrVersion,
};

/// Shard indexes kept by a source before its cache is emptied (bounds its memory).
const MAX_CACHED_SHARD_INDEXES: usize = 4096;

/// Bytes of shard indexes a source keeps cached at most.
const MAX_CACHED_SHARD_INDEX_BYTES: u64 = 32 << 20;

/// Chunk files counted for `stored_bytes` before giving up (keeps `open` cheap).
const MAX_FILES_FOR_STORED_BYTES: usize = 100_000;

/// An array of a Zarr store, open for reading.
pub struct ZarrSource {
    address: Address,
    meta: ArrayMeta,
    array: Array<StoreDir>,
    shards: ArrayShardedReadableExtCache,
    /// Shard indexes cached before the cache is emptied.
    max_cached_shards: usize,
    /// The compressor, when chunks are decoded straight into the chunk (see
    /// [`direct_decoder`]).
    direct: Option<bounded::Kind>,
}

impl ZarrSource {
    /// Opens the array `address.array` of the store at `address.path`.
    pub fn open(address: &Address) -> Result<ZarrSource> {
        register_codecs();
        let name = address.display();
        let store = open_store(&address.path)?;
        let doc = match meta::read_node(&store, address.array.trim_matches('/'))? {
            Some(Node::Array(doc)) => doc,
            Some(Node::Group(_)) => {
                return Err(Error::format(
                    &name,
                    "is a group, not an array (run `tessera info` on the store to list its arrays)",
                ));
            }
            None => return Err(missing_array(address, "no Zarr metadata there")),
        };
        let store = Arc::new(store.with_chunk_limit(doc.chunk_limit)?);
        let array = open_array(&name, &store, &address.array, &doc)?;
        let meta = array_meta(&name, &address.path, &address.array, &array, &doc)?;
        let shards = ArrayShardedReadableExtCache::new(&array);
        let max_cached_shards = max_cached_shards(&array);
        let direct = direct_decoder(&array);
        Ok(ZarrSource {
            address: address.clone(),
            meta,
            array,
            shards,
            max_cached_shards,
            direct,
        })
    }
}

/// The compressor of an array whose chunks are only compressed native bytes (no
/// sharding, filters, transposes or other codecs; gzip, zlib or zstd), which tessera
/// then decodes straight into the chunk instead of through zarrs' intermediate buffer.
fn direct_decoder<S: ?Sized>(array: &Array<S>) -> Option<bounded::Kind> {
    let codecs = array.codecs();
    let [compressor] = codecs.bytes_to_bytes_codecs() else {
        return None;
    };
    let to_bytes = codecs.array_to_bytes_codec();
    if !codecs.array_to_array_codecs().is_empty()
        || !to_bytes.as_any().is::<zarrs::array::codec::BytesCodec>()
    {
        return None;
    }
    let configuration = to_bytes.configuration(
        zarrs::plugin::ZarrVersion::V3,
        &zarrs::array::CodecMetadataOptions::default(),
    )?;
    let native = if cfg!(target_endian = "little") {
        "little"
    } else {
        "big"
    };
    let endian = configuration.get("endian").and_then(|e| e.as_str());
    if endian.is_some_and(|e| e != native) {
        return None;
    }
    bounded::direct_kind(compressor.as_ref())
}

/// Registers tessera's codecs and the bounded decompressors with zarrs.
fn register_codecs() {
    codecs::register();
    bounded::register();
}

/// How many shard indexes fit [`MAX_CACHED_SHARD_INDEX_BYTES`] (16 bytes per inner chunk).
fn max_cached_shards<S: ?Sized>(array: &Array<S>) -> usize {
    let Some(inner) = array.effective_subchunk_shape() else {
        return MAX_CACHED_SHARD_INDEXES;
    };
    let zeros = vec![0; array.dimensionality()];
    let Ok(shard) = array.chunk_shape(&zeros) else {
        return 1;
    };
    let per_shard: u64 = shard
        .iter()
        .zip(inner.iter())
        .map(|(s, c)| s.get() / c.get().max(1))
        .fold(16u64, u64::saturating_mul);
    let fit = MAX_CACHED_SHARD_INDEX_BYTES / per_shard.max(1);
    usize::try_from(fit)
        .unwrap_or(usize::MAX)
        .clamp(1, MAX_CACHED_SHARD_INDEXES)
}

impl ChunkSource for ZarrSource {
    fn meta(&self) -> &ArrayMeta {
        &self.meta
    }

    fn origin(&self) -> crate::store::Origin<'_> {
        crate::store::Origin::Stored(&self.address)
    }

    fn read_chunk(&self, index: &[u64]) -> Result<Chunk> {
        let region = chunk_region(&self.meta, index, &self.address)?;
        // The metadata is checked and the storage and codecs are bounded, so zarrs should
        // not panic on a chunk; if hostile bytes still make it, the panic is this chunk's
        // error rather than the end of the process (the last line of defence).
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.read_region_of(index, &region)
        }))
        .unwrap_or_else(|_| {
            Err(Error::CorruptChunk {
                path: PathBuf::from(self.address.display()),
                chunk: index.to_vec(),
                reason: "zarrs failed on its bytes".into(),
            })
        })
    }
}

impl ZarrSource {
    /// Reads chunk `index`, whose clipped region is `region`.
    fn read_region_of(&self, index: &[u64], region: &Region) -> Result<Chunk> {
        if !self.array.is_sharded() {
            return self.decode_into_chunk(index, region);
        }
        if self.shards.len() >= self.max_cached_shards {
            self.shards.clear();
        }
        let subset = ArraySubset::new_with_start_shape(region.start.clone(), region.shape.clone())
            .map_err(|e| zarr_error(&self.address.display(), e))?;
        let bytes: zarrs::array::ArrayBytes<'static> = self
            .array
            .retrieve_array_subset_sharded_opt(&self.shards, &subset, &codec_options())
            .map_err(|e| chunk_error(&self.address.display(), index, e))?;
        let bytes = bytes
            .into_fixed()
            .map_err(|e| chunk_error(&self.address.display(), index, e.into()))?;
        Chunk::from_bytes(self.meta.dtype, &region.shape, &bytes).map_err(|e| Error::CorruptChunk {
            path: PathBuf::from(self.address.display()),
            chunk: index.to_vec(),
            reason: e.to_string(),
        })
    }
}

impl ZarrSource {
    /// Decodes the unsharded chunk `index` (clipped to `region`) straight into a new chunk
    /// buffer: the only other memory is the encoded bytes.
    fn decode_into_chunk(&self, index: &[u64], region: &Region) -> Result<Chunk> {
        if let Some(kind) = self.direct {
            return self.decode_direct(kind, index, region);
        }
        let name = self.address.display();
        let mut chunk = Chunk::zeros(self.meta.dtype, &region.shape);
        let subset = ArraySubset::new_with_start_shape(region.start.clone(), region.shape.clone())
            .map_err(|e| zarr_error(&name, e))?;
        let whole = ArraySubset::new_with_shape(region.shape.clone());
        let size = self.meta.dtype.size();
        // SAFETY: this is the only view of `chunk`'s bytes, and it covers them whole.
        let mut view = unsafe {
            ArrayBytesFixedDisjointView::new(
                UnsafeCellSlice::new(chunk.bytes_mut()),
                size,
                &region.shape,
                whole,
            )
        }
        .map_err(|e| zarr_error(&name, e))?;
        self.array
            .retrieve_array_subset_into_opt(
                &subset,
                ArrayBytesDecodeIntoTarget::Fixed(&mut view),
                &codec_options(),
            )
            .map_err(|e| chunk_error(&name, index, e))?;
        Ok(chunk)
    }
}

impl ZarrSource {
    /// Reads chunk `index`'s stored bytes and decompresses them straight into a chunk
    /// (full size, as Zarr stores edge chunks, then cut to `region`); a missing chunk
    /// is the fill value.
    fn decode_direct(&self, kind: bounded::Kind, index: &[u64], region: &Region) -> Result<Chunk> {
        let name = self.address.display();
        let encoded = self
            .array
            .retrieve_encoded_chunk(index)
            .map_err(|e| chunk_error(&name, index, ArrayError::StorageError(e)))?;
        let Some(encoded) = encoded else {
            return Ok(Chunk::filled(
                self.meta.dtype,
                &region.shape,
                &self.meta.fill_value,
            ));
        };
        let mut full = Chunk::zeros(self.meta.dtype, &self.meta.chunks);
        bounded::decode_into(kind, &encoded, full.bytes_mut())
            .map_err(|e| chunk_error(&name, index, ArrayError::CodecError(e)))?;
        Ok(full.cropped(&region.shape))
    }
}

/// Lists every array in the store at `path`: name `""` when the store is itself one.
///
/// A store that is itself one array is refused whole when that array cannot be read;
/// in a hierarchy, an array that cannot be read is listed with the reason. A store
/// whose root has no metadata is walked as an implicit group (`convert` opens the
/// arrays below it by name); it is refused only when nothing below it is Zarr either.
pub fn list(path: &Path) -> Result<Vec<ArrayEntry>> {
    register_codecs();
    let store = open_store(path)?;
    let root = meta::read_node(&store, "")?;
    if let Some(Node::Array(doc)) = &root {
        let meta = entry_meta(&store, path, "", doc)?;
        return Ok(vec![ArrayEntry {
            name: String::new(),
            meta: Ok(meta),
            aliases: Vec::new(),
        }]);
    }
    let found = walk_below_root(&store, root.is_some())?;
    let mut arrays = found.arrays;
    arrays.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(arrays
        .into_iter()
        .map(|(array_name, doc)| {
            let meta = doc
                .and_then(|doc| entry_meta(&store, path, &array_name, &doc))
                .map_err(|e| e.to_string());
            ArrayEntry {
                name: array_name,
                meta,
                aliases: Vec::new(),
            }
        })
        .collect())
}

/// Every group of the Zarr store at `path`: the root first (name `""`, also when it has
/// no metadata or is an array; an array's attributes are its own, not the root's),
/// then the groups below it depth first in name order, each with its attributes (v2
/// `.zattrs`, v3 `zarr.json`'s `attributes`). Directories without metadata are walked
/// but not listed; nesting is bounded like [`list`]'s walk.
pub fn groups(path: &Path) -> Result<Vec<GroupEntry>> {
    register_codecs();
    let store = open_store(path)?;
    let root = meta::read_node(&store, "")?;
    let group = |name: String, attributes: Attributes| GroupEntry {
        name,
        attributes,
        dimensions: Vec::new(),
    };
    // (the root's attributes, whether to walk below it, whether it has metadata)
    let (root_attributes, walk, has_metadata) = match root {
        Some(Node::Array(_)) => (Attributes::new(), false, true),
        Some(Node::Group(attributes)) => (attributes, true, true),
        None => (Attributes::new(), true, false),
    };
    let mut out = vec![group(String::new(), root_attributes)];
    if walk {
        let found = walk_below_root(&store, has_metadata)?;
        out.extend(found.groups.into_iter().map(|(n, a)| group(n, a)));
    }
    Ok(out)
}

/// The hierarchy below a store root that is not an array; refused when the root has no
/// metadata (`root_has_metadata` false) and nothing below it is Zarr either.
fn walk_below_root(store: &StoreDir, root_has_metadata: bool) -> Result<meta::Hierarchy> {
    let mut found = meta::Hierarchy::default();
    meta::walk(store, "", 1, &mut found)?;
    if !root_has_metadata && found.arrays.is_empty() && found.groups.is_empty() {
        return Err(Error::format(
            store.root(),
            "no Zarr metadata at the store root (zarr.json, .zarray or .zgroup) nor below it",
        ));
    }
    Ok(found)
}

/// The metadata `info` shows for one checked array of a store.
fn entry_meta(
    store: &StoreDir,
    path: &Path,
    array_name: &str,
    doc: &ArrayDoc,
) -> Result<ArrayMeta> {
    let display = display_name(path, array_name);
    let store = Arc::new(store.with_chunk_limit(doc.chunk_limit)?);
    let array = open_array(&display, &store, array_name, doc)?;
    array_meta(&display, path, array_name, &array, doc)
}

fn display_name(path: &Path, array: &str) -> String {
    if array.is_empty() {
        path.display().to_string()
    } else {
        format!("{}:/{array}", path.display())
    }
}

fn node_path(array: &str) -> String {
    format!("/{}", array.trim_matches('/'))
}

/// The codec options for one chunk call: single-threaded codecs when called from a
/// rayon worker (the caller already runs chunks in parallel), all cores otherwise.
fn codec_options() -> CodecOptions {
    let options = CodecOptions::default();
    if rayon::current_thread_index().is_some() {
        options.with_concurrent_target(1)
    } else {
        options
    }
}

/// Opens the directory store at `path`, refusing the pre-final draft v3 layout.
fn open_store(path: &Path) -> Result<StoreDir> {
    if !path.is_dir() {
        return Err(Error::io(
            path,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such Zarr store directory"),
        ));
    }
    let store = StoreDir::open(path)?;
    check_not_draft(&store)?;
    Ok(store)
}

/// The draft v3 layout (`zarr.json` with a URL `zarr_format`, `meta/root/...`) that
/// zarr-python 2.x wrote experimentally before v3 was final.
fn check_not_draft(store: &StoreDir) -> Result<()> {
    let path = store.root();
    let draft_format = store
        .read_metadata("zarr.json")?
        .and_then(|bytes| meta::parse_json(path, &bytes).ok())
        .is_some_and(|json| json.get("zarr_format").is_some_and(Value::is_string));
    let draft_tree = store.is_dir("meta/root")? && !path.join(".zgroup").exists();
    if draft_format || (draft_tree && !path.join("zarr.json").exists()) {
        return Err(Error::format(
            path,
            "this store uses the pre-final draft Zarr v3 layout (zarr.json with a URL zarr_format, meta/root/...), which is not supported; rewrite it as Zarr v2 or final v3 with zarr-python",
        ));
    }
    Ok(())
}

fn missing_array(address: &Address, reason: &str) -> Error {
    let names: Vec<String> = list(&address.path)
        .map(|entries| entries.into_iter().map(|e| e.name).collect())
        .unwrap_or_default();
    let mut available = names
        .iter()
        .take(12)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > 12 {
        available.push_str(&format!(" and {} more", names.len() - 12));
    }
    let what = if address.array.is_empty() {
        "the store root is not an array".to_string()
    } else {
        format!("no array '{}' in this store", address.array)
    };
    let hint = if available.is_empty() {
        format!(" ({reason})")
    } else {
        format!("; arrays here: {available}")
    };
    Error::format(&address.path, format!("{what}{hint}"))
}

/// Builds the zarrs array after checking the dtype and codecs, so that refusals name
/// what is unsupported.
fn open_array<S: ?Sized + ReadableStorageTraits + 'static>(
    name: &str,
    store: &Arc<S>,
    array: &str,
    doc: &ArrayDoc,
) -> Result<Array<S>> {
    let metadata = &doc.for_zarrs;
    dtype_of(name, metadata)?;
    // The metadata was checked field by field (meta.rs), so zarrs should not panic on
    // it; a panic that slips through is still turned into an error here rather than
    // taking the process down (the last line of defence).
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Array::new_with_metadata(store.clone(), &node_path(array), metadata.clone())
    }))
    .map_err(|_| Error::format(&doc.file, "zarrs failed on this metadata"))?;
    result.map_err(|e| {
        unsupported_codec(name, metadata).unwrap_or_else(|| Error::zarr(&doc.file, "", e))
    })
}

/// The tessera dtype of an array, or `UnsupportedDtype`.
fn dtype_of(name: &str, metadata: &ArrayMetadata) -> Result<DType> {
    let (found, text) = match metadata {
        ArrayMetadata::V3(v3) => {
            let text = v3.data_type.name().to_string();
            (DType::ALL.into_iter().find(|d| d.name() == text), text)
        }
        ArrayMetadata::V2(v2) => {
            let text = v2.dtype.to_string();
            (DType::from_numpy_str(&text).map(|(d, _)| d), text)
        }
    };
    found.ok_or_else(|| Error::UnsupportedDtype {
        path: PathBuf::from(name),
        dtype: text,
    })
}

/// The first codec of `metadata` that zarrs has no plugin for, as an error.
fn unsupported_codec(name: &str, metadata: &ArrayMetadata) -> Option<Error> {
    let failures: Vec<(String, PluginCreateError)> = match metadata {
        ArrayMetadata::V3(v3) => v3
            .codecs
            .iter()
            .filter_map(|c| {
                ZarrsCodec::from_metadata(c)
                    .err()
                    .map(|e| (c.name().to_string(), e))
            })
            .collect(),
        ArrayMetadata::V2(v2) => v2
            .filters
            .iter()
            .flatten()
            .chain(v2.compressor.iter())
            .filter(|c| c.id() != "blosc")
            .filter_map(|c| {
                ZarrsCodec::from_metadata(c)
                    .err()
                    .map(|e| (c.id().to_string(), e))
            })
            .collect(),
    };
    failures.into_iter().next().map(|(codec, e)| {
        let detail = match e {
            PluginCreateError::Unsupported(_) => "zarrs has no implementation of it".to_string(),
            other => other.to_string(),
        };
        Error::UnsupportedCodec {
            path: PathBuf::from(name),
            codec,
            detail,
        }
    })
}

/// Metadata tessera shows and plans with.
fn array_meta<S: ?Sized>(
    name: &str,
    store_path: &Path,
    array_name: &str,
    array: &Array<S>,
    doc: &ArrayDoc,
) -> Result<ArrayMeta> {
    let original = &doc.original;
    let dtype = dtype_of(name, original)?;
    let outer = regular_chunks(name, array, original)?;
    let inner = array
        .effective_subchunk_shape()
        .map(|s| s.iter().map(|v| v.get()).collect::<Vec<_>>());
    let fill_value = array.fill_value().as_ne_bytes().to_vec();
    if fill_value.len() != dtype.size() {
        return Err(Error::format(
            name,
            format!(
                "fill value has {} bytes, expected {}",
                fill_value.len(),
                dtype.size()
            ),
        ));
    }
    let (attributes, dimension_names) = attributes_and_names(original, &doc.float_attributes);
    let dir = store_path.join(array_name);
    let meta = ArrayMeta {
        shape: array.shape().to_vec(),
        chunks: inner.clone().unwrap_or_else(|| outer.clone()),
        dtype,
        fill_value,
        codec: describe::codecs(original),
        layout: describe::layout(original, &outer, inner.as_deref()),
        attributes,
        dimension_names,
        stored_bytes: None,
        fill_marks_missing: declared_fill(original),
    };
    // A grid tessera cannot hold (2^60 elements or more) is refused now, naming the store.
    meta.grid()
        .map_err(|e| Error::format(name, e.to_string()))?;
    Ok(ArrayMeta {
        stored_bytes: stored_bytes(&dir),
        ..meta
    })
}

/// Whether the metadata declares a fill value xarray takes as marking missing values:
/// a Zarr v2 `fill_value` that is not null.
fn declared_fill(original: &ArrayMetadata) -> bool {
    match original {
        ArrayMetadata::V2(v2) => !matches!(v2.fill_value, FillValueMetadata::Null),
        ArrayMetadata::V3(_) => false,
    }
}

/// The user attributes of an array and the names of its axes: v3's `dimension_names`
/// (already checked: one string or null per axis), or v2's `_ARRAY_DIMENSIONS`
/// attribute, xarray's convention, which then leaves the attributes as xarray's
/// reader takes it out. A v2 `_ARRAY_DIMENSIONS` that is not one string per axis is
/// not xarray's: it stays an ordinary attribute (copied as it is) and names no axis,
/// rather than making an array that zarr-python reads unreadable here.
/// The attributes named in `floats` are typed (see `Attributes::from_json_with_floats`).
fn attributes_and_names(
    original: &ArrayMetadata,
    floats: &[String],
) -> (Attributes, Option<Vec<Option<String>>>) {
    match original {
        ArrayMetadata::V3(v3) => {
            // All null is "no names", as an absent field; a 0-d array's [] is kept.
            let names = v3
                .dimension_names
                .clone()
                .filter(|names| names.is_empty() || names.iter().any(Option::is_some));
            let attributes = Attributes::from_json_with_floats(v3.attributes.clone(), floats);
            (attributes, names)
        }
        ArrayMetadata::V2(v2) => {
            let mut attributes = v2.attributes.clone();
            let names = attributes
                .get(V2_DIMENSIONS)
                .and_then(|value| xarray_names(value, v2.shape.len()));
            if names.is_some() {
                attributes.remove(V2_DIMENSIONS);
            }
            (Attributes::from_json_with_floats(attributes, floats), names)
        }
    }
}

/// The attribute in which xarray keeps a v2 array's axis names.
const V2_DIMENSIONS: &str = "_ARRAY_DIMENSIONS";

/// The axis names in a v2 `_ARRAY_DIMENSIONS` value: a list of `ndim` strings.
fn xarray_names(value: &Value, ndim: usize) -> Option<Vec<Option<String>>> {
    let items = value.as_array().filter(|items| items.len() == ndim)?;
    items
        .iter()
        .map(|item| item.as_str().map(|s| Some(s.to_string())))
        .collect()
}

/// The regular chunk (or shard) shape of an array; other chunk grids are refused.
fn regular_chunks<S: ?Sized>(
    name: &str,
    array: &Array<S>,
    original: &ArrayMetadata,
) -> Result<Vec<u64>> {
    let regular = match original {
        ArrayMetadata::V3(v3) => v3.chunk_grid.name() == "regular",
        ArrayMetadata::V2(_) => true,
    };
    if !regular {
        return Err(Error::UnsupportedCodec {
            path: PathBuf::from(name),
            codec: "chunk grid".to_string(),
            detail: "only regular chunk grids are supported".to_string(),
        });
    }
    let zeros = vec![0; array.dimensionality()];
    let shape = array.chunk_shape(&zeros).map_err(|e| zarr_error(name, e))?;
    Ok(shape.iter().map(|v| v.get()).collect())
}

/// Sum of the sizes of the chunk files under `dir`, metadata files excluded; `None`
/// when unreadable or when there are too many files to count cheaply.
fn stored_bytes(dir: &Path) -> Option<u64> {
    let mut total = 0u64;
    let mut files = 0usize;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).ok()? {
            let entry = entry.ok()?;
            let kind = entry.file_type().ok()?;
            let file_name = entry.file_name();
            let is_meta = matches!(
                file_name.to_str(),
                Some("zarr.json" | ".zarray" | ".zattrs" | ".zgroup" | ".zmetadata")
            );
            if kind.is_dir() {
                pending.push(entry.path());
            } else if !is_meta {
                files += 1;
                if files > MAX_FILES_FOR_STORED_BYTES {
                    return None;
                }
                total += entry.metadata().ok()?.len();
            }
        }
    }
    Some(total)
}

/// The clipped region of chunk `index`, or an error when it is off the grid.
fn chunk_region(meta: &ArrayMeta, index: &[u64], address: &Address) -> Result<Region> {
    let grid: ChunkGrid = meta.grid()?;
    let inside =
        index.len() == grid.ndim() && index.iter().zip(grid.grid_shape()).all(|(i, n)| *i < n);
    if !inside {
        return Err(Error::shape(
            address.display(),
            format!(
                "chunk index {index:?} is outside the chunk grid {:?}",
                grid.grid_shape()
            ),
        ));
    }
    Ok(grid.chunk_region(index))
}

/// `chunk` (clipped to the array) placed in a full-size chunk padded with the fill.
fn pad_to_full<'c>(chunk: &'c Chunk, region: &Region, meta: &ArrayMeta) -> Cow<'c, Chunk> {
    if region.shape == meta.chunks {
        return Cow::Borrowed(chunk);
    }
    let full_region = Region {
        start: region.start.clone(),
        shape: meta.chunks.clone(),
    };
    let mut full = Chunk::filled(meta.dtype, &meta.chunks, &meta.fill_value);
    chunk.copy_overlap_into(region, &mut full, &full_region);
    Cow::Owned(full)
}

fn zarr_error(name: &str, e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::zarr(name, "", e)
}

fn chunk_error(name: &str, index: &[u64], e: ArrayError) -> Error {
    match e {
        // The storage layer's refusals (a symlink out, a FIFO, an oversized file) name
        // the file and say why themselves.
        ArrayError::StorageError(storage)
        | ArrayError::CodecError(zarrs::array::CodecError::StorageError(storage)) => Error::format(
            name,
            format!("chunk {index:?}: {}", one_line(&storage.to_string())),
        ),
        ArrayError::CodecError(codec) => Error::CorruptChunk {
            path: PathBuf::from(name),
            chunk: index.to_vec(),
            reason: one_line(&codec.to_string()),
        },
        other => Error::zarr(name, &format!("chunk {index:?}"), other),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests;
