//! Checks of a Zarr array's codec chain (v2 compressor and filters, v3 codecs and
//! sharding) and of its fill value, before zarrs sees the metadata.

use super::*;

/// Where a codec sits in a chain.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(super) enum Stage {
    ArrayToArray,
    ArrayToBytes,
    BytesToBytes,
}

/// Checks a v3 codec chain for chunks of `chunks` and returns the most bytes an
/// encoded chunk may take.
pub(super) fn check_codecs(
    file: &Path,
    name: &str,
    value: Option<&Value>,
    chunks: &[u64],
    dtype: DType,
    depth: usize,
) -> Result<u64> {
    let value = value.ok_or_else(|| field(file, name, "missing"))?;
    let list = value.as_array().filter(|l| !l.is_empty()).ok_or_else(|| {
        field(
            file,
            name,
            format!("must be a non-empty list of codecs, got {}", kind(value)),
        )
    })?;
    let elements: u64 = chunks.iter().product();
    let mut bound = encoded_bound(elements, dtype.size());
    let mut last = Stage::ArrayToArray;
    let mut array_to_bytes = 0;
    for (i, codec) in list.iter().enumerate() {
        let here = format!("{name}[{i}]");
        let meta: MetadataV3 = serde_json::from_value(codec.clone())
            .map_err(|e| field(file, &here, format!("not a codec: {e}")))?;
        if meta.name() == "sharding_indexed" {
            bound = check_sharding(file, &here, &meta, chunks, dtype, depth)?;
        }
        let stage = match ZarrsCodec::from_metadata(&meta) {
            Ok(ZarrsCodec::ArrayToArray(_)) => Stage::ArrayToArray,
            Ok(ZarrsCodec::ArrayToBytes(_)) => Stage::ArrayToBytes,
            Ok(ZarrsCodec::BytesToBytes(_)) => Stage::BytesToBytes,
            Err(e) => {
                return Err(Error::UnsupportedCodec {
                    path: file.to_path_buf(),
                    codec: meta.name().to_string(),
                    detail: match e {
                        PluginCreateError::Unsupported(_) => {
                            "zarrs has no implementation of it".into()
                        }
                        other => format!("in field '{here}': {other}"),
                    },
                });
            }
        };
        if stage < last {
            return Err(field(
                file,
                &here,
                format!(
                    "codec '{}' ({stage:?}) cannot follow a {last:?} codec",
                    meta.name()
                ),
            ));
        }
        if stage == Stage::ArrayToBytes {
            array_to_bytes += 1;
        }
        last = stage;
    }
    if array_to_bytes != 1 {
        return Err(field(
            file,
            name,
            format!(
                "needs exactly one array-to-bytes codec (e.g. \"bytes\"), found {array_to_bytes}"
            ),
        ));
    }
    Ok(bound)
}

/// Checks a `sharding_indexed` configuration for shards of `shard`; returns the most
/// bytes an encoded shard may take.
pub(super) fn check_sharding(
    file: &Path,
    name: &str,
    meta: &MetadataV3,
    shard: &[u64],
    dtype: DType,
    depth: usize,
) -> Result<u64> {
    if depth >= 4 {
        return Err(field(file, name, "sharding nested more than 4 deep"));
    }
    let config = meta.configuration().cloned().unwrap_or_default();
    let inner = dims(
        file,
        &format!("{name}.configuration.chunk_shape"),
        config.get("chunk_shape"),
        true,
    )?;
    if inner.len() != shard.len() {
        return Err(field(
            file,
            &format!("{name}.configuration.chunk_shape"),
            format!(
                "has {} dimensions but the shard has {}",
                inner.len(),
                shard.len()
            ),
        ));
    }
    if let Some(d) = (0..inner.len()).find(|d| !shard[*d].is_multiple_of(inner[*d])) {
        return Err(field(
            file,
            &format!("{name}.configuration.chunk_shape"),
            format!("inner chunk {inner:?} does not divide the shard {shard:?} (axis {d})"),
        ));
    }
    let count = shard
        .iter()
        .zip(&inner)
        .try_fold(1u64, |acc, (s, c)| acc.checked_mul(s / c))
        .filter(|n| *n <= MAX_INNER_CHUNKS)
        .ok_or_else(|| {
            field(
                file,
                &format!("{name}.configuration.chunk_shape"),
                format!("a shard of {shard:?} holds more than {MAX_INNER_CHUNKS} inner chunks of {inner:?}; its index would be too large"),
            )
        })?;
    match config.get("index_location") {
        None => {}
        Some(Value::String(s)) if s == "start" || s == "end" => {}
        Some(other) => {
            return Err(field(
                file,
                &format!("{name}.configuration.index_location"),
                format!("must be \"start\" or \"end\", got {}", kind(other)),
            ));
        }
    }
    let inner_bound = check_codecs(
        file,
        &format!("{name}.configuration.codecs"),
        config.get("codecs"),
        &inner,
        dtype,
        depth + 1,
    )?;
    check_codecs(
        file,
        &format!("{name}.configuration.index_codecs"),
        config.get("index_codecs"),
        &[count, 2],
        DType::U64,
        depth + 1,
    )?;
    Ok(count
        .saturating_mul(inner_bound)
        .saturating_add(count.saturating_mul(16))
        .saturating_add(CODEC_SLACK))
}

// ---- fill values ----

/// A fill value must be one element of `dtype` (`null` allowed in v2).
pub(super) fn check_fill(
    file: &Path,
    name: &str,
    value: Option<&Value>,
    dtype: DType,
    v2: bool,
) -> Result<()> {
    let value = match value {
        None if v2 => return Ok(()),
        None => return Err(field(file, name, "missing")),
        Some(v) => v,
    };
    if v2 && value.is_null() {
        return Ok(());
    }
    let fits = match dtype {
        DType::Bool => value.is_boolean() || (v2 && matches!(value.as_u64(), Some(0 | 1))),
        DType::F16 | DType::F32 | DType::F64 => float_fits(value, dtype),
        _ => int_fits(value, dtype),
    };
    if !fits {
        return Err(field(
            file,
            name,
            format!("{} does not fit {}", kind(value), dtype.name()),
        ));
    }
    Ok(())
}

pub(super) fn int_fits(value: &Value, dtype: DType) -> bool {
    let Some((lo, hi)) = dtype.int_range() else {
        return false;
    };
    let v = value
        .as_i64()
        .map(i128::from)
        .or_else(|| value.as_u64().map(i128::from));
    v.is_some_and(|v| (lo..=hi).contains(&v))
}

pub(super) fn float_fits(value: &Value, dtype: DType) -> bool {
    if let Some(text) = value.as_str() {
        if matches!(text, "NaN" | "Infinity" | "-Infinity") {
            return true;
        }
        let hex = text.strip_prefix("0x").unwrap_or("");
        return !hex.is_empty()
            && hex.len() == 2 * dtype.size()
            && hex.chars().all(|c| c.is_ascii_hexdigit());
    }
    let Some(v) = value.as_f64() else {
        return false;
    };
    let max = match dtype {
        DType::F16 => 65504.0,
        DType::F32 => f32::MAX as f64,
        _ => f64::MAX,
    };
    v.is_finite() && v.abs() <= max
}
