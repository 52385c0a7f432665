//! Human text for Zarr codecs and layouts, as `tessera info` shows them:
//! `blosc(zstd, clevel 5, shuffle)`, `delta+zlib(1)`, `sharding[bytes, gzip(5)]`,
//! `sharded (shard 4x4, inner 1x1)`.

use serde_json::{Map, Value};
use zarrs::array::ArrayMetadata;
use zarrs::metadata::v3::MetadataV3;

/// The codec chain of an array, `none` when it stores raw little-endian bytes.
pub(super) fn codecs(metadata: &ArrayMetadata) -> String {
    let parts: Vec<String> = match metadata {
        ArrayMetadata::V3(v3) => v3
            .codecs
            .iter()
            .filter(|c| !is_plain_bytes(c))
            .map(v3_codec)
            .collect(),
        ArrayMetadata::V2(v2) => v2
            .filters
            .iter()
            .flatten()
            .chain(v2.compressor.iter())
            .map(|c| codec_text(c.id(), c.configuration()))
            .collect(),
    };
    if parts.is_empty() {
        "none".to_string()
    } else {
        parts.join("+")
    }
}

/// `chunked`, `chunked (F order)` or `sharded (shard AxB, inner CxD)`.
pub(super) fn layout(metadata: &ArrayMetadata, outer: &[u64], inner: Option<&[u64]>) -> String {
    let shape = |s: &[u64]| s.iter().map(u64::to_string).collect::<Vec<_>>().join("x");
    let f_order = matches!(metadata, ArrayMetadata::V2(v2)
        if v2.order == zarrs::metadata::v2::ArrayMetadataV2Order::F);
    match inner {
        Some(inner) => format!("sharded (shard {}, inner {})", shape(outer), shape(inner)),
        None if f_order => "chunked (F order)".to_string(),
        None => "chunked".to_string(),
    }
}

fn is_plain_bytes(codec: &MetadataV3) -> bool {
    codec.name() == "bytes"
        && codec
            .configuration()
            .and_then(|c| c.get("endian"))
            .is_none_or(|e| e == "little")
}

fn v3_codec(codec: &MetadataV3) -> String {
    let empty = Map::new();
    let config = codec.configuration().map_or(&empty, |c| c);
    if is_plain_bytes(codec) {
        return "bytes".to_string();
    }
    if codec.name() == "sharding_indexed" {
        let inner = config
            .get("codecs")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|c| serde_json::from_value::<MetadataV3>(c.clone()).ok())
                    .map(|c| v3_codec(&c))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        return format!("sharding[{inner}]");
    }
    codec_text(codec.name(), config)
}

/// One codec: special forms for the common ones, `name(key value, ...)` otherwise.
fn codec_text(name: &str, config: &Map<String, Value>) -> String {
    let short = name.trim_start_matches("numcodecs.");
    let get = |key: &str| config.get(key).map(scalar).unwrap_or_default();
    match short {
        "blosc" => format!(
            "blosc({}, clevel {}, {})",
            get("cname"),
            get("clevel"),
            blosc_shuffle(config.get("shuffle"))
        ),
        "gzip" | "zlib" | "bz2" | "zstd" if config.contains_key("level") => {
            format!("{short}({})", get("level"))
        }
        "bytes" => format!("bytes({}-endian)", get("endian")),
        "transpose" => format!("transpose({})", get("order")),
        _ if config.is_empty() => short.to_string(),
        _ => {
            let fields: Vec<String> = config
                .iter()
                .filter(|(k, _)| k.as_str() != "id")
                .map(|(k, v)| format!("{k} {}", scalar(v)))
                .collect();
            format!("{short}({})", fields.join(", "))
        }
    }
}

fn blosc_shuffle(value: Option<&Value>) -> String {
    match value {
        Some(Value::Number(n)) => match n.as_i64() {
            Some(0) => "noshuffle",
            Some(1) => "shuffle",
            Some(2) => "bitshuffle",
            _ => "auto shuffle",
        }
        .to_string(),
        Some(v) => scalar(v),
        None => "noshuffle".to_string(),
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests;
