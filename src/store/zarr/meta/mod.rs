//! Zarr metadata, read and checked by tessera before zarrs sees it.
//!
//! zarrs parses `.zarray` and `zarr.json` through serde's untagged enums, whose
//! messages ("data did not match any variant of untagged enum") name neither the file
//! nor the field, and it trusts counts that can overflow. Here each document is read
//! through [`StoreDir`] (capped, never through a symlink out, never a FIFO), parsed as
//! JSON (serde_json's nesting limit of 128 stops deep documents), and checked field by
//! field; every refusal names the metadata file and the field. Only then is it handed
//! to zarrs. [`walk`] finds the arrays of a hierarchy the way zarrs does (directories
//! without metadata are skipped), without following a directory loop forever.

mod chains;
pub(super) mod json;

use chains::*;
pub(super) use json::parse_json;

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use zarrs::array::codec::api::Codec as ZarrsCodec;
use zarrs::array::{ArrayMetadata, ArrayMetadataV2};
use zarrs::metadata::DataTypeSize;
use zarrs::metadata::v2::MetadataV2;
use zarrs::metadata::v3::{ArrayMetadataV3, MetadataV3};
use zarrs::metadata_ext::codec::blosc::{
    BloscCodecConfigurationNumcodecs, codec_blosc_v2_numcodecs_to_v3,
};
use zarrs::plugin::PluginCreateError;

use super::bounded::V2_BLOSC_ID;
use super::fs::{MAX_DEPTH, StoreDir};
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::store::Attributes;

/// Most dimensions an array may have (numpy's limit).
pub(super) const MAX_RANK: usize = 64;

/// Most inner chunks in one shard: its index then takes at most 16 MiB.
pub(super) const MAX_INNER_CHUNKS: u64 = 1 << 20;

/// Slack allowed on top of a chunk's decoded size in its encoded file: headers,
/// incompressible blocks, filters that widen the type.
const CODEC_SLACK: u64 = 64 << 10;

/// An array's metadata, checked.
#[derive(Clone, Debug)]
pub(super) struct ArrayDoc {
    /// The metadata file, for messages.
    pub file: PathBuf,
    /// The metadata as the store holds it (what `info` describes).
    pub original: ArrayMetadata,
    /// The metadata handed to zarrs (a v2 blosc compressor renamed; see `bounded.rs`).
    pub for_zarrs: ArrayMetadata,
    /// Most bytes one chunk (or shard) file may hold.
    pub chunk_limit: u64,
    /// The attributes written as floats with a non-finite token (see
    /// `json::float_token_attributes`).
    pub float_attributes: Vec<String>,
}

/// What a node of the hierarchy is.
pub(super) enum Node {
    Array(Box<ArrayDoc>),
    /// A group, with its attributes.
    Group(Attributes),
}

/// The node at `path` ("" for the root, "a/b" below it), `None` when the directory has
/// no Zarr metadata.
pub(super) fn read_node(store: &StoreDir, path: &str) -> Result<Option<Node>> {
    let key = |name: &str| {
        if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}/{name}")
        }
    };
    if let Some(bytes) = store.read_metadata(&key("zarr.json"))? {
        let file = store.file(&key("zarr.json"));
        let (doc, floats) = json::parse_with_floats(&file, &bytes, Some("attributes"))?;
        return match doc.get("node_type").and_then(Value::as_str) {
            Some("array") => {
                let doc = ArrayDoc {
                    float_attributes: floats,
                    ..check_v3(&file, doc)?
                };
                Ok(Some(Node::Array(Box::new(doc))))
            }
            Some("group") => v3_group(&file, doc).map(|attributes| {
                Some(Node::Group(Attributes::from_json_with_floats(
                    attributes, &floats,
                )))
            }),
            _ => Err(field(&file, "node_type", "must be \"array\" or \"group\"")),
        };
    }
    if let Some(bytes) = store.read_metadata(&key(".zarray"))? {
        let file = store.file(&key(".zarray"));
        let doc = parse_json(&file, &bytes)?;
        let (attributes, floats) = read_attributes(store, &key(".zattrs"))?;
        let doc = ArrayDoc {
            float_attributes: floats,
            ..check_v2(&file, doc, attributes)?
        };
        return Ok(Some(Node::Array(Box::new(doc))));
    }
    if let Some(bytes) = store.read_metadata(&key(".zgroup"))? {
        let file = store.file(&key(".zgroup"));
        let doc = parse_json(&file, &bytes)?;
        check_format(&file, &doc, 2)?;
        let (attributes, floats) = read_attributes(store, &key(".zattrs"))?;
        return Ok(Some(Node::Group(Attributes::from_json_with_floats(
            attributes, &floats,
        ))));
    }
    Ok(None)
}

/// The attributes of a checked v3 group document.
fn v3_group(file: &Path, doc: Value) -> Result<Map<String, Value>> {
    check_format(file, &doc, 3)?;
    match doc {
        Value::Object(mut obj) => match obj.remove("attributes") {
            None | Some(Value::Null) => Ok(Map::new()),
            Some(Value::Object(attributes)) => Ok(attributes),
            Some(other) => Err(field(
                file,
                "attributes",
                format!("must be an object, got {}", kind(&other)),
            )),
        },
        // invariant: check_format refused anything but an object.
        _ => Err(Error::format(file, "must hold a JSON object")),
    }
}

/// The nodes found under a group by [`walk`], each list in walk order.
#[derive(Default)]
pub(super) struct Hierarchy {
    /// Every array, as `(name, checked metadata or the reason it cannot be read)`;
    /// nodes whose metadata cannot be read at all are here too.
    pub arrays: Vec<(String, Result<ArrayDoc>)>,
    /// Every group with metadata, as `(name, attributes)`, depth first in name order.
    pub groups: Vec<(String, Attributes)>,
}

/// Walks the hierarchy under the group at `path` into `out`: subdirectories in name
/// order, each group before what it holds. A directory without Zarr metadata is
/// walked as an implicit group (zarr-python 2 opens arrays below one, and so does
/// `tessera convert`), so every array that can be opened by name is found; it is not
/// listed among the groups. Storage refusals (a symlink out, a FIFO) and nesting
/// deeper than [`MAX_DEPTH`] end the walk.
pub(super) fn walk(store: &StoreDir, path: &str, depth: usize, out: &mut Hierarchy) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(Error::format(
            store.file(path),
            format!("groups nested deeper than {MAX_DEPTH} levels (a directory loop?)"),
        ));
    }
    for name in store.subdirs(path)? {
        if name.starts_with("__") {
            continue; // reserved by the Zarr spec, as zarrs skips them
        }
        let child = if path.is_empty() {
            name
        } else {
            format!("{path}/{name}")
        };
        match read_node(store, &child) {
            Ok(Some(Node::Array(doc))) => out.arrays.push((child, Ok(*doc))),
            Ok(Some(Node::Group(attributes))) => {
                out.groups.push((child.clone(), attributes));
                walk(store, &child, depth + 1, out)?;
            }
            Ok(None) => walk(store, &child, depth + 1, out)?,
            Err(e) if super::fs::is_refusal(&e) => return Err(e),
            Err(e) => out.arrays.push((child, Err(e))),
        }
    }
    Ok(())
}

/// A `.zattrs` document, and the names of its float attributes with non-finite
/// tokens.
fn read_attributes(store: &StoreDir, key: &str) -> Result<(Map<String, Value>, Vec<String>)> {
    let Some(bytes) = store.read_metadata(key)? else {
        return Ok((Map::new(), Vec::new()));
    };
    let file = store.file(key);
    match json::parse_with_floats(&file, &bytes, None)? {
        (Value::Object(map), floats) => Ok((map, floats)),
        (other, _) => Err(Error::format(
            &file,
            format!("must hold a JSON object, not {}", kind(&other)),
        )),
    }
}

fn field(file: &Path, name: &str, what: impl std::fmt::Display) -> Error {
    Error::format(file, format!("field '{name}': {what}"))
}

/// A short description of a JSON value for messages (never the whole value).
fn kind(value: &Value) -> String {
    let text = value.to_string();
    if text.len() <= 40 {
        text
    } else {
        let cut = (0..=40)
            .rev()
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0);
        format!("{}...", &text[..cut])
    }
}

fn check_format(file: &Path, doc: &Value, version: u64) -> Result<()> {
    let Some(obj) = doc.as_object() else {
        return Err(Error::format(file, "must hold a JSON object"));
    };
    match obj.get("zarr_format") {
        Some(v) if v.as_u64() == Some(version) => Ok(()),
        Some(v) => Err(field(
            file,
            "zarr_format",
            format!("expected {version}, got {}", kind(v)),
        )),
        None => Err(field(file, "zarr_format", "missing")),
    }
}

/// A list of dimension lengths: non-negative (or positive) integers, at most
/// [`MAX_RANK`] of them.
fn dims(file: &Path, name: &str, value: Option<&Value>, positive: bool) -> Result<Vec<u64>> {
    let value = value.ok_or_else(|| field(file, name, "missing"))?;
    let list = value.as_array().ok_or_else(|| {
        field(
            file,
            name,
            format!("must be a list of integers, got {}", kind(value)),
        )
    })?;
    if list.len() > MAX_RANK {
        return Err(field(
            file,
            name,
            format!(
                "{} dimensions, more than the {MAX_RANK} tessera supports",
                list.len()
            ),
        ));
    }
    let what = if positive { "positive" } else { "non-negative" };
    list.iter()
        .map(|v| {
            v.as_u64().filter(|n| !positive || *n > 0).ok_or_else(|| {
                field(
                    file,
                    name,
                    format!("must hold {what} integers, got {}", kind(v)),
                )
            })
        })
        .collect()
}

/// Element and byte counts of the array and of one chunk must fit 64 bits.
fn check_counts(file: &Path, shape: &[u64], chunks: &[u64], dtype: DType) -> Result<()> {
    let size = dtype.size() as u64;
    let product = |dims: &[u64]| dims.iter().try_fold(1u64, |acc, d| acc.checked_mul(*d));
    let elements = product(shape).ok_or_else(|| {
        field(
            file,
            "shape",
            format!("{shape:?} holds more elements than fit in 64 bits"),
        )
    })?;
    elements.checked_mul(size).ok_or_else(|| {
        field(
            file,
            "shape",
            format!("{shape:?} of {dtype} holds more bytes than fit in 64 bits"),
        )
    })?;
    product(chunks)
        .and_then(|n| n.checked_mul(size))
        .filter(|n| usize::try_from(*n).is_ok() && n.checked_mul(2).is_some())
        .map(|_| ())
        .ok_or_else(|| {
            field(
                file,
                "chunks",
                format!("a chunk of {chunks:?} {dtype} holds more bytes than fit in memory"),
            )
        })
}

fn check_rank(file: &Path, name: &str, chunks: &[u64], shape: &[u64]) -> Result<()> {
    if chunks.len() != shape.len() {
        return Err(field(
            file,
            name,
            format!(
                "has {} dimensions but 'shape' has {}",
                chunks.len(),
                shape.len()
            ),
        ));
    }
    Ok(())
}

/// Most bytes an encoded chunk of `elements` elements of `size` bytes may take.
fn encoded_bound(elements: u64, size: usize) -> u64 {
    let raw = elements.saturating_mul(size.max(8) as u64);
    raw.saturating_add(raw / 4).saturating_add(CODEC_SLACK)
}

// ---- Zarr v2 ----

fn check_v2(file: &Path, doc: Value, attributes: Map<String, Value>) -> Result<ArrayDoc> {
    check_format(file, &doc, 2)?;
    let obj = doc
        .as_object()
        .ok_or_else(|| Error::format(file, "must hold a JSON object"))?;
    let shape = dims(file, "shape", obj.get("shape"), false)?;
    let chunks = dims(file, "chunks", obj.get("chunks"), true)?;
    check_rank(file, "chunks", &chunks, &shape)?;
    let dtype = v2_dtype(file, obj.get("dtype"))?;
    check_counts(file, &shape, &chunks, dtype)?;
    check_fill(file, "fill_value", obj.get("fill_value"), dtype, true)?;
    match obj.get("order") {
        Some(Value::String(s)) if s == "C" || s == "F" => {}
        Some(other) => {
            return Err(field(
                file,
                "order",
                format!("must be \"C\" or \"F\", got {}", kind(other)),
            ));
        }
        None => return Err(field(file, "order", "missing")),
    }
    match obj.get("dimension_separator") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if s == "." || s == "/" => {}
        Some(other) => {
            return Err(field(
                file,
                "dimension_separator",
                format!("must be \".\" or \"/\", got {}", kind(other)),
            ));
        }
    }
    match obj.get("compressor") {
        None | Some(Value::Null) => {}
        Some(c) => v2_codec(file, "compressor", c)?,
    }
    match obj.get("filters") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for (i, f) in list.iter().enumerate() {
                v2_codec(file, &format!("filters[{i}]"), f)?;
            }
        }
        Some(other) => {
            return Err(field(
                file,
                "filters",
                format!("must be a list or null, got {}", kind(other)),
            ));
        }
    }
    let mut original: ArrayMetadataV2 = serde_json::from_value(doc)
        .map_err(|e| Error::format(file, format!("not valid Zarr v2 array metadata: {e}")))?;
    original.attributes = attributes;
    let for_zarrs = v2_for_zarrs(file, &original, dtype)?;
    let elements: u64 = chunks.iter().product();
    Ok(ArrayDoc {
        file: file.to_path_buf(),
        original: ArrayMetadata::V2(original),
        for_zarrs: ArrayMetadata::V2(for_zarrs),
        chunk_limit: encoded_bound(elements, dtype.size()),
        float_attributes: Vec::new(),
    })
}

fn v2_dtype(file: &Path, value: Option<&Value>) -> Result<DType> {
    let value = value.ok_or_else(|| field(file, "dtype", "missing"))?;
    let Some(text) = value.as_str() else {
        return Err(Error::UnsupportedDtype {
            path: file.to_path_buf(),
            dtype: kind(value),
        });
    };
    DType::from_numpy_str(text)
        .map(|(d, _)| d)
        .ok_or_else(|| Error::UnsupportedDtype {
            path: file.to_path_buf(),
            dtype: kind(value),
        })
}

fn v2_codec(file: &Path, name: &str, value: &Value) -> Result<()> {
    let ok = value
        .as_object()
        .and_then(|o| o.get("id"))
        .is_some_and(Value::is_string);
    if !ok {
        return Err(field(
            file,
            name,
            format!("must be an object with a string 'id', got {}", kind(value)),
        ));
    }
    Ok(())
}

/// The v2 metadata zarrs gets: a blosc compressor renamed so that the bounded blosc
/// codec decodes it.
fn v2_for_zarrs(file: &Path, v2: &ArrayMetadataV2, dtype: DType) -> Result<ArrayMetadataV2> {
    let Some(compressor) = &v2.compressor else {
        return Ok(v2.clone());
    };
    if compressor.id() != "blosc" {
        return Ok(v2.clone());
    }
    let bad = |e: &dyn std::fmt::Display| {
        field(file, "compressor", format!("bad blosc configuration: {e}"))
    };
    let config = serde_json::to_value(compressor.configuration()).map_err(|e| bad(&e))?;
    let numcodecs: BloscCodecConfigurationNumcodecs =
        serde_json::from_value(config).map_err(|e| bad(&e))?;
    let v3 = codec_blosc_v2_numcodecs_to_v3(&numcodecs, Some(DataTypeSize::Fixed(dtype.size())));
    let mut renamed = serde_json::to_value(v3).map_err(|e| bad(&e))?;
    if let Value::Object(map) = &mut renamed {
        map.insert("id".into(), Value::from(V2_BLOSC_ID));
    }
    let renamed: MetadataV2 = serde_json::from_value(renamed).map_err(|e| bad(&e))?;
    let mut out = v2.clone();
    out.compressor = Some(renamed);
    Ok(out)
}

// ---- Zarr v3 ----

fn check_v3(file: &Path, doc: Value) -> Result<ArrayDoc> {
    check_format(file, &doc, 3)?;
    let obj = doc
        .as_object()
        .ok_or_else(|| Error::format(file, "must hold a JSON object"))?;
    let shape = dims(file, "shape", obj.get("shape"), false)?;
    let dtype = v3_dtype(file, obj.get("data_type"))?;
    let chunks = regular_grid(file, obj.get("chunk_grid"))?;
    check_rank(
        file,
        "chunk_grid.configuration.chunk_shape",
        &chunks,
        &shape,
    )?;
    check_counts(file, &shape, &chunks, dtype)?;
    check_fill(file, "fill_value", obj.get("fill_value"), dtype, false)?;
    check_key_encoding(file, obj.get("chunk_key_encoding"))?;
    match obj.get("storage_transformers") {
        None => {}
        Some(Value::Array(list)) if list.is_empty() => {}
        Some(_) => {
            return Err(Error::UnsupportedCodec {
                path: file.to_path_buf(),
                codec: "storage_transformers".into(),
                detail: "storage transformers are not supported".into(),
            });
        }
    }
    match obj.get("dimension_names") {
        None | Some(Value::Null) => {}
        Some(Value::Array(names))
            if names.len() == shape.len() && names.iter().all(|n| n.is_string() || n.is_null()) => {
        }
        Some(other) => {
            return Err(field(
                file,
                "dimension_names",
                format!(
                    "must be a list of {} strings or nulls, got {}",
                    shape.len(),
                    kind(other)
                ),
            ));
        }
    }
    match obj.get("attributes") {
        None | Some(Value::Object(_)) => {}
        Some(other) => {
            return Err(field(
                file,
                "attributes",
                format!("must be an object, got {}", kind(other)),
            ));
        }
    }
    let chunk_limit = check_codecs(file, "codecs", obj.get("codecs"), &chunks, dtype, 0)?;
    let v3: ArrayMetadataV3 = serde_json::from_value(doc)
        .map_err(|e| Error::format(file, format!("not valid Zarr v3 array metadata: {e}")))?;
    Ok(ArrayDoc {
        file: file.to_path_buf(),
        original: ArrayMetadata::V3(v3.clone()),
        for_zarrs: ArrayMetadata::V3(v3),
        chunk_limit,
        float_attributes: Vec::new(),
    })
}

fn v3_dtype(file: &Path, value: Option<&Value>) -> Result<DType> {
    let value = value.ok_or_else(|| field(file, "data_type", "missing"))?;
    let name = match value {
        Value::String(s) => Some(s.as_str()),
        Value::Object(o) => o.get("name").and_then(Value::as_str),
        _ => None,
    };
    name.and_then(|n| DType::ALL.into_iter().find(|d| d.name() == n))
        .ok_or_else(|| Error::UnsupportedDtype {
            path: file.to_path_buf(),
            dtype: kind(value),
        })
}

fn regular_grid(file: &Path, value: Option<&Value>) -> Result<Vec<u64>> {
    let value = value.ok_or_else(|| field(file, "chunk_grid", "missing"))?;
    let obj = value.as_object().ok_or_else(|| {
        field(
            file,
            "chunk_grid",
            format!("must be an object, got {}", kind(value)),
        )
    })?;
    match obj.get("name").and_then(Value::as_str) {
        Some("regular") => {}
        Some(other) => {
            return Err(Error::UnsupportedCodec {
                path: file.to_path_buf(),
                codec: "chunk grid".into(),
                detail: format!("'{other}': only regular chunk grids are supported"),
            });
        }
        None => return Err(field(file, "chunk_grid.name", "missing or not a string")),
    }
    let config = obj.get("configuration").and_then(Value::as_object);
    dims(
        file,
        "chunk_grid.configuration.chunk_shape",
        config.and_then(|c| c.get("chunk_shape")),
        true,
    )
}

fn check_key_encoding(file: &Path, value: Option<&Value>) -> Result<()> {
    let value = value.ok_or_else(|| field(file, "chunk_key_encoding", "missing"))?;
    let bad = |what: String| field(file, "chunk_key_encoding", what);
    let obj = value
        .as_object()
        .ok_or_else(|| bad(format!("must be an object, got {}", kind(value))))?;
    match obj.get("name").and_then(Value::as_str) {
        Some("default" | "v2") => {}
        _ => {
            return Err(bad(format!(
                "name must be \"default\" or \"v2\", got {}",
                kind(value)
            )));
        }
    }
    match obj.get("configuration") {
        None => Ok(()),
        Some(Value::Object(config)) => match config.get("separator") {
            None => Ok(()),
            Some(Value::String(s)) if s == "." || s == "/" => Ok(()),
            Some(other) => Err(bad(format!(
                "separator must be \".\" or \"/\", got {}",
                kind(other)
            ))),
        },
        Some(other) => Err(bad(format!(
            "configuration must be an object, got {}",
            kind(other)
        ))),
    }
}
