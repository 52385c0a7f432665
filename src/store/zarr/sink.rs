//! Writing Zarr v2 and v3: array metadata built with zarrs (codecs, sharding, fill
//! value, attributes, axis names) in a staged store, chunks written through `WriteDir`,
//! and the store committed by renaming it into place (see `container`).
//!
//! Attributes are written as the JSON they hold: typed attributes (HDF5, netCDF) nested
//! by their shape, non-finite floats as the strings `"NaN"`, `"Infinity"` and
//! `"-Infinity"` (JSON has no such numbers; zarr-python reads the strings back as
//! strings). Axis names go where xarray looks for them: v3's `dimension_names` (null
//! for an unnamed axis), v2's `_ARRAY_DIMENSIONS` attribute. xarray requires every axis
//! of a v2 array to be named, so a v2 array with some axes unnamed gets no
//! `_ARRAY_DIMENSIONS` at all; tessera invents no names.

use super::container::ZarrOutput;
use super::*;

/// A new Zarr array being written into a staged store.
pub struct ZarrSink {
    meta: ArrayMeta,
    name: String,
    // Field order matters: the array closes before its output commits.
    array: Array<WriteDir>,
    output: Arc<ZarrOutput>,
    committed: bool,
    /// Whether chunks equal to the fill value are written too (a v2 array whose
    /// `fill_value` is null: what a missing chunk reads as is then undefined).
    every_chunk: bool,
}

impl ZarrSink {
    /// Stages a new store at `address.path` holding one array at `address.array`, with
    /// the shape, dtype, fill value and attributes of `like`.
    pub fn create(address: &Address, like: &ArrayMeta, options: &WriteOptions) -> Result<ZarrSink> {
        let output = Arc::new(ZarrOutput::create(&address.path, options.overwrite)?);
        ZarrSink::in_output(output, &address.array, like, options)
    }

    /// Creates the array `array` (with the groups above it) in a staged output shared
    /// with other writers; the output is committed when its last member is.
    pub fn in_output(
        output: Arc<ZarrOutput>,
        array: &str,
        like: &ArrayMeta,
        options: &WriteOptions,
    ) -> Result<ZarrSink> {
        codecs::register();
        let name = Address {
            path: output.target().to_path_buf(),
            format: crate::address::Format::Zarr,
            array: array.to_string(),
        }
        .display();
        if options.shard.is_some() && options.zarr_version == ZarrVersion::V2 {
            return Err(Error::Invalid(format!(
                "{name}: sharding needs Zarr v3; drop --shard or write v3"
            )));
        }
        check_names(&name, like)?;
        output.join();
        let joined = Joined(&output);
        let store = output.store().clone();
        create_groups(&name, &store, array, options.zarr_version)?;
        let array = match options.zarr_version {
            ZarrVersion::V3 => build_v3(&name, &store, array, like, options)?,
            ZarrVersion::V2 => build_v2(&name, &store, array, like, options)?,
        };
        array.store_metadata().map_err(|e| zarr_error(&name, e))?;
        let meta = sink_meta(like, options, &array);
        std::mem::forget(joined);
        Ok(ZarrSink {
            every_chunk: has_null_fill(&array),
            meta,
            name,
            array,
            output,
            committed: false,
        })
    }
}

/// A member's share of an output until its sink exists: dropped on an error, it
/// abandons the output.
struct Joined<'a>(&'a ZarrOutput);

impl Drop for Joined<'_> {
    fn drop(&mut self) {
        self.0.member_abandoned();
    }
}

impl Drop for ZarrSink {
    /// A sink dropped without committing abandons its output: nothing is written.
    fn drop(&mut self) {
        if !self.committed {
            self.output.member_abandoned();
        }
    }
}

impl ChunkSink for ZarrSink {
    fn meta(&self) -> &ArrayMeta {
        &self.meta
    }

    fn write_chunk(&self, index: &[u64], chunk: &Chunk) -> Result<()> {
        // zarrs recreates missing directories as it writes: a signal's cleanup waits.
        let _writing = crate::store::staging::WriteGuard::acquire()?;
        let region = chunk_region(
            &self.meta,
            index,
            &Address {
                path: PathBuf::from(&self.name),
                format: crate::address::Format::Zarr,
                array: String::new(),
            },
        )?;
        if chunk.shape() != region.shape.as_slice() || chunk.dtype() != self.meta.dtype {
            return Err(Error::shape(
                format!("{}: chunk {index:?}", self.name),
                format!(
                    "got {} {:?}, expected {} {:?}",
                    chunk.dtype(),
                    chunk.shape(),
                    self.meta.dtype,
                    region.shape
                ),
            ));
        }
        let full = pad_to_full(chunk, &region, &self.meta);
        let full: &Chunk = &full;
        let bytes = zarrs::array::ArrayBytes::new_flen(full.bytes());
        let options = codec_options().with_store_empty_chunks(self.every_chunk);
        self.array
            .store_chunk_opt(index, bytes, &options)
            .map_err(|e| Error::zarr(&self.name, &format!("chunk {index:?}"), e))
    }

    fn commit(mut self: Box<Self>) -> Result<()> {
        self.committed = true;
        self.output.member_committed()
    }
}
// ---- writing ----

/// Writes group metadata for the store root and every group above `array` that has
/// none yet (a group written with its attributes keeps them).
fn create_groups(
    name: &str,
    store: &Arc<WriteDir>,
    array: &str,
    version: ZarrVersion,
) -> Result<()> {
    if array.is_empty() {
        return Ok(());
    }
    let parts: Vec<&str> = array.split('/').collect();
    for depth in 0..parts.len() {
        let group = parts[..depth].join("/");
        let key = |file: &str| {
            if group.is_empty() {
                file.to_string()
            } else {
                format!("{group}/{file}")
            }
        };
        if !store.has_key(&key("zarr.json")) && !store.has_key(&key(".zgroup")) {
            write_group(name, store, &group, version, None)?;
        }
    }
    Ok(())
}

/// Writes the metadata of the group `group` (empty: the root), with `attributes`.
pub(super) fn write_group(
    name: &str,
    store: &Arc<WriteDir>,
    group: &str,
    version: ZarrVersion,
    attributes: Option<&crate::store::Attributes>,
) -> Result<()> {
    let path = node_path(group);
    let attributes = attributes
        .map(|a| zarr_attributes(a, None))
        .unwrap_or_default();
    let group = match version {
        ZarrVersion::V3 => GroupBuilder::new()
            .attributes(attributes)
            .build(store.clone(), &path),
        ZarrVersion::V2 => Group::new_with_metadata(
            store.clone(),
            &path,
            GroupMetadata::V2(GroupMetadataV2::new().with_attributes(attributes)),
        ),
    }
    .map_err(|e| zarr_error(name, e))?;
    group.store_metadata().map_err(|e| zarr_error(name, e))
}

fn zarrs_data_type(dtype: DType) -> DataType {
    match dtype {
        DType::Bool => data_type::bool(),
        DType::I8 => data_type::int8(),
        DType::I16 => data_type::int16(),
        DType::I32 => data_type::int32(),
        DType::I64 => data_type::int64(),
        DType::U8 => data_type::uint8(),
        DType::U16 => data_type::uint16(),
        DType::U32 => data_type::uint32(),
        DType::U64 => data_type::uint64(),
        DType::F16 => data_type::float16(),
        DType::F32 => data_type::float32(),
        DType::F64 => data_type::float64(),
    }
}

/// The fill value of `like`, checked against its dtype (zeros when absent).
fn fill_bytes(name: &str, like: &ArrayMeta) -> Result<Vec<u8>> {
    match like.fill_value.len() {
        0 => Ok(vec![0; like.dtype.size()]),
        n if n == like.dtype.size() => Ok(like.fill_value.clone()),
        n => Err(Error::Invalid(format!(
            "{name}: fill value has {n} bytes but {} needs {}",
            like.dtype,
            like.dtype.size()
        ))),
    }
}

fn metadata_options() -> ArrayMetadataOptions {
    ArrayMetadataOptions::default().with_include_zarrs_metadata(false)
}

fn build_v3(
    name: &str,
    store: &Arc<WriteDir>,
    array: &str,
    like: &ArrayMeta,
    options: &WriteOptions,
) -> Result<Array<WriteDir>> {
    let fill = FillValue::new(fill_bytes(name, like)?);
    let outer = options
        .shard
        .clone()
        .unwrap_or_else(|| options.chunks.clone());
    let mut builder =
        ArrayBuilder::new(like.shape.clone(), outer, zarrs_data_type(like.dtype), fill);
    builder
        .bytes_to_bytes_codecs(v3_compressors(name, options.codec, like.dtype)?)
        .attributes(v3_attributes(name, like))
        .dimension_names(like.dimension_names.clone().map(|names| {
            names
                .into_iter()
                .map(|name| name.map(escape_name))
                .collect::<Vec<_>>()
        }));
    if options.shard.is_some() {
        builder.subchunk_shape(options.chunks.clone());
    }
    let array = builder
        .build(store.clone(), &node_path(array))
        .map_err(|e| zarr_error(name, e))?;
    Ok(array.with_metadata_options(metadata_options()))
}

fn v3_compressors(
    name: &str,
    codec: Codec,
    dtype: DType,
) -> Result<Vec<Arc<dyn BytesToBytesCodecTraits>>> {
    let blosc = |cname: &str, level: u8| {
        serde_json::json!({"name": "blosc", "configuration": {
            "cname": cname, "clevel": level, "shuffle": "shuffle",
            "typesize": dtype.size(), "blocksize": 0}})
    };
    let json = match codec {
        Codec::None => return Ok(vec![]),
        Codec::Gzip(level) => {
            serde_json::json!({"name": "gzip", "configuration": {"level": level}})
        }
        Codec::Zstd(level) => {
            serde_json::json!({"name": "zstd", "configuration": {"level": level, "checksum": false}})
        }
        Codec::BloscLz4(level) => blosc("lz4", level),
        Codec::BloscZstd(level) => blosc("zstd", level),
    };
    let metadata: MetadataV3 = serde_json::from_value(json).map_err(|e| zarr_error(name, e))?;
    match ZarrsCodec::from_metadata(&metadata).map_err(|e| zarr_error(name, e))? {
        ZarrsCodec::BytesToBytes(codec) => Ok(vec![codec]),
        // invariant: every codec built above is a bytes-to-bytes codec.
        _ => Err(Error::internal(format!(
            "{name}: the compressor {codec:?} is not a bytes-to-bytes codec"
        ))),
    }
}

fn build_v2(
    name: &str,
    store: &Arc<WriteDir>,
    array: &str,
    like: &ArrayMeta,
    options: &WriteOptions,
) -> Result<Array<WriteDir>> {
    fill_bytes(name, like)?;
    let fill: FillValueMetadata =
        serde_json::from_value(v2_fill(like)).map_err(|e| zarr_error(name, e))?;
    let metadata = ArrayMetadataV2::new(
        like.shape.clone(),
        chunk_shape(name, &options.chunks)?,
        like.dtype.numpy_str(Endian::Little).into(),
        fill,
        v2_compressor(name, options.codec)?,
        None,
    )
    .with_attributes(v2_attributes(like));
    let array = Array::new_with_metadata(
        store.clone(),
        &node_path(array),
        ArrayMetadata::V2(metadata),
    )
    .map_err(|e| zarr_error(name, e))?;
    Ok(array.with_metadata_options(metadata_options()))
}

/// The `fill_value` of a v2 array, as xarray writes and reads it: the `_FillValue`
/// attribute where the dtype can hold it; else the source's fill value where its format
/// declares it as marking missing values (a Zarr v2 source); else null, so that xarray
/// masks nothing in the copy, as it masks nothing in the source. Every chunk of an
/// array with a null fill value is written (see [`ZarrSink::write_chunk`]): Zarr leaves
/// what a missing chunk reads as undefined then.
fn v2_fill(like: &ArrayMeta) -> Value {
    let declared = like.attributes.value("_FillValue");
    if let Some(fill) = declared.and_then(|value| fill_of_dtype(like.dtype, value)) {
        return fill;
    }
    if like.fill_marks_missing && like.fill_value.len() == like.dtype.size() {
        return fill_json(like.dtype, &like.fill_value);
    }
    Value::Null
}

/// `value` as a fill value of `dtype` in Zarr's JSON, when it is one: a float for a
/// float dtype (rounded to it), an integer in range for an integer dtype, a bool (or 0
/// or 1) for bool.
fn fill_of_dtype(dtype: DType, value: &Value) -> Option<Value> {
    use crate::store::attrs::{float_json, json_float};
    let number = json_float(value)?;
    match dtype {
        DType::F64 => Some(float_json(number)),
        DType::F32 => Some(float_json(f64::from(number as f32))),
        DType::F16 => Some(float_json(half::f16::from_f64(number).to_f64())),
        DType::Bool => match value {
            Value::Bool(b) => Some(Value::from(*b)),
            _ if number == 0.0 || number == 1.0 => Some(Value::from(number == 1.0)),
            _ => None,
        },
        _ => {
            let integer = match value {
                Value::Number(n) => n.as_i64().map(i128::from).or(n.as_u64().map(i128::from)),
                _ => None,
            }
            .or_else(|| (number.fract() == 0.0).then_some(number as i128))?;
            let (low, high) = dtype.int_range()?;
            (low..=high).contains(&integer).then(|| int_json(integer))
        }
    }
}

/// Refuses axis names that are not one per axis.
fn check_names(name: &str, like: &ArrayMeta) -> Result<()> {
    match &like.dimension_names {
        Some(names) if names.len() != like.shape.len() => Err(Error::Invalid(format!(
            "{name}: {} dimension names for an array of {} axes",
            names.len(),
            like.shape.len()
        ))),
        _ => Ok(()),
    }
}

/// The attributes of a v2 array: the user's, and xarray's `_ARRAY_DIMENSIONS` when
/// every axis is named.
fn v2_attributes(like: &ArrayMeta) -> serde_json::Map<String, Value> {
    let mut attributes = zarr_attributes(&like.attributes, Some(like));
    if let Some(names) = v2_names(like) {
        let names: Vec<String> = names.into_iter().map(escape_name).collect();
        attributes.insert(V2_DIMENSIONS.to_string(), Value::from(names));
    }
    attributes
}

/// The axis names a v2 array can record: all of them, or none. A 0-d array has all of
/// its (no) axes named, `[]`, whatever the source says: xarray reads no v2 array
/// without the attribute.
fn v2_names(like: &ArrayMeta) -> Option<Vec<String>> {
    if like.shape.is_empty() {
        return Some(Vec::new());
    }
    like.dimension_names
        .as_ref()?
        .iter()
        .cloned()
        .collect::<Option<Vec<String>>>()
}

fn chunk_shape(name: &str, chunks: &[u64]) -> Result<zarrs::array::ChunkShape> {
    chunks
        .iter()
        .map(|c| std::num::NonZeroU64::new(*c))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| Error::Invalid(format!("{name}: chunk shape {chunks:?} has a zero")))
}

/// numcodecs compressors, as zarr-python 2 and 3 write them for v2 arrays.
fn v2_compressor(name: &str, codec: Codec) -> Result<Option<MetadataV2>> {
    let blosc = |cname: &str, level: u8| serde_json::json!({"id": "blosc", "cname": cname, "clevel": level, "shuffle": 1, "blocksize": 0});
    let json = match codec {
        Codec::None => return Ok(None),
        Codec::Gzip(level) => serde_json::json!({"id": "gzip", "level": level}),
        Codec::Zstd(level) => serde_json::json!({"id": "zstd", "level": level}),
        Codec::BloscLz4(level) => blosc("lz4", level),
        Codec::BloscZstd(level) => blosc("zstd", level),
    };
    serde_json::from_value(json)
        .map(Some)
        .map_err(|e| zarr_error(name, e))
}

/// An integer of any dtype as JSON (those over `i64::MAX` are `u64`).
fn int_json(v: i128) -> Value {
    i64::try_from(v)
        .map(Value::from)
        .unwrap_or_else(|_| Value::from(v as u64))
}

/// One element of native bytes as the JSON fill value Zarr metadata holds.
pub(super) fn fill_json(dtype: DType, bytes: &[u8]) -> Value {
    let float = crate::store::attrs::float_json;
    let int = int_json;
    macro_rules! ne {
        ($t:ty) => {
            <$t>::from_ne_bytes(bytes.try_into().unwrap_or_default())
        };
    }
    match dtype {
        DType::Bool => Value::from(bytes.first().is_some_and(|b| *b != 0)),
        DType::I8 => int(ne!(i8) as i128),
        DType::I16 => int(ne!(i16) as i128),
        DType::I32 => int(ne!(i32) as i128),
        DType::I64 => int(ne!(i64) as i128),
        DType::U8 => int(ne!(u8) as i128),
        DType::U16 => int(ne!(u16) as i128),
        DType::U32 => int(ne!(u32) as i128),
        DType::U64 => int(ne!(u64) as i128),
        DType::F16 => float(half::f16::from_bits(ne!(u16)).to_f64()),
        DType::F32 => float(ne!(f32) as f64),
        DType::F64 => float(ne!(f64)),
    }
}

/// Whether `array` is a v2 array whose `fill_value` is null (v3 has none such).
fn has_null_fill(array: &Array<WriteDir>) -> bool {
    matches!(array.metadata(), ArrayMetadata::V2(v2) if matches!(v2.fill_value, FillValueMetadata::Null))
}

/// What the sink reports: `chunks` is the write unit (the shard when sharding).
fn sink_meta(like: &ArrayMeta, options: &WriteOptions, array: &Array<WriteDir>) -> ArrayMeta {
    let outer = options
        .shard
        .clone()
        .unwrap_or_else(|| options.chunks.clone());
    let inner = options.shard.as_ref().map(|_| options.chunks.clone());
    ArrayMeta {
        shape: like.shape.clone(),
        chunks: outer.clone(),
        dtype: like.dtype,
        fill_value: array.fill_value().as_ne_bytes().to_vec(),
        codec: describe::codecs(&array.metadata_opt(&metadata_options())),
        layout: describe::layout(array.metadata(), &outer, inner.as_deref()),
        attributes: like.attributes.clone(),
        dimension_names: match options.zarr_version {
            ZarrVersion::V2 => v2_names(like).map(|names| names.into_iter().map(Some).collect()),
            _ => like.dimension_names.clone(),
        },
        stored_bytes: None,
        fill_marks_missing: matches!(array.metadata(), ArrayMetadata::V2(_))
            && !has_null_fill(array),
    }
}

/// The attributes of a v3 array: as [`zarr_attributes`], and a `_FillValue` in the
/// form xarray writes to v3 stores and reads back (its `FillValueCoder`): an integer or
/// bool as such, a float as the base64 of its little-endian float64 bytes. A
/// `_FillValue` an integer or bool array cannot hold (NaN for int16) has no such form,
/// and makes xarray refuse the store: it is left out, with a note (xarray drops it from
/// the source too, as non-conforming). A float array's `_FillValue` that is no number
/// (already coded) is kept as it is.
fn v3_attributes(name: &str, like: &ArrayMeta) -> serde_json::Map<String, Value> {
    use base64::Engine;
    let mut json = zarr_attributes(&like.attributes, None);
    let Some(value) = like.attributes.value("_FillValue") else {
        return json;
    };
    match fill_of_dtype(like.dtype, value) {
        Some(fill) if like.dtype.is_float() => {
            let v = crate::store::attrs::json_float(&fill).unwrap_or(f64::NAN);
            let coded = base64::engine::general_purpose::STANDARD.encode(v.to_le_bytes());
            json.insert("_FillValue".into(), Value::from(coded));
        }
        Some(fill) => {
            json.insert("_FillValue".into(), fill);
        }
        None if like.dtype.is_float() => {}
        None => {
            json.remove("_FillValue");
            let shown = crate::store::attrs::json_float(value)
                .map_or_else(|| value.to_string(), |v| v.to_string());
            crate::store::staging::note(format!(
                "{name}: attribute _FillValue {shown} is no {} value; not copied (Zarr v3 \
                 keeps it in xarray's form, which needs one)",
                like.dtype
            ));
        }
    }
    json
}

/// Attributes as a Zarr store holds them: JSON, float32 values widened exactly (see
/// `Attributes::to_widened_json`); given a (v2) array, no `_FillValue` its dtype can
/// hold: that one is the metadata's `fill_value` (see [`v2_fill`]), where xarray writes
/// and reads it. One the dtype cannot hold (NaN for an integer array) stays an
/// attribute, which xarray reads, and drops as the source's, as non-conforming.
fn zarr_attributes(
    attributes: &crate::store::Attributes,
    array: Option<&ArrayMeta>,
) -> serde_json::Map<String, Value> {
    let mut json = marked_json(attributes);
    if let (Some(like), Some(value)) = (array, attributes.value("_FillValue"))
        && fill_of_dtype(like.dtype, value).is_some()
    {
        json.remove("_FillValue");
    }
    json
}

/// The attributes as JSON to write: widened (see `Attributes::to_widened_json`), the
/// non-finite values of float attributes marked to be written as bare tokens, every
/// other string escaped (see `meta::json`).
fn marked_json(attributes: &crate::store::Attributes) -> serde_json::Map<String, Value> {
    use super::meta::json::escape_marks;
    attributes
        .to_widened_json()
        .into_iter()
        .map(|(name, value)| {
            let float = attributes
                .get(&name)
                .and_then(|a| a.stored_dtype())
                .is_some_and(DType::is_float);
            let value = if float {
                mark_non_finite(value)
            } else {
                escape_marks(value)
            };
            (escape_name(name), value)
        })
        .collect()
}

/// A float attribute's value with its non-finite strings marked.
fn mark_non_finite(value: Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.into_iter().map(mark_non_finite).collect()),
        Value::String(s) => match crate::store::attrs::json_float(&Value::String(s.clone())) {
            Some(v) => super::meta::json::marked_float(v),
            None => super::meta::json::escape_marks(Value::String(s)),
        },
        other => other,
    }
}

/// A name (attribute, axis) escaped as [`marked_json`] escapes strings.
fn escape_name(name: String) -> String {
    match super::meta::json::escape_marks(Value::String(name)) {
        Value::String(name) => name,
        // invariant: escape_marks maps a string to a string.
        _ => String::new(),
    }
}
