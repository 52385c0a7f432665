//! Unit tests of `store/zarr/describe.rs`.

use super::*;

fn config(json: Value) -> Map<String, Value> {
    json.as_object().cloned().unwrap()
}

#[test]
fn common_codecs_read_naturally() {
    let blosc = config(serde_json::json!({"cname": "zstd", "clevel": 5, "shuffle": 1}));
    assert_eq!(
        codec_text("blosc", &blosc),
        "blosc(zstd, clevel 5, shuffle)"
    );
    let v3 = config(serde_json::json!({"cname": "lz4", "clevel": 1, "shuffle": "bitshuffle"}));
    assert_eq!(codec_text("blosc", &v3), "blosc(lz4, clevel 1, bitshuffle)");
    let gzip = config(serde_json::json!({"level": 5}));
    assert_eq!(codec_text("gzip", &gzip), "gzip(5)");
    let delta = config(serde_json::json!({"dtype": "<i2", "id": "delta"}));
    assert_eq!(codec_text("delta", &delta), "delta(dtype <i2)");
}

#[test]
fn sharding_lists_inner_codecs() {
    let sharding: MetadataV3 = serde_json::from_value(serde_json::json!({
        "name": "sharding_indexed",
        "configuration": {"chunk_shape": [1], "codecs": [
            {"name": "bytes", "configuration": {"endian": "little"}},
            {"name": "gzip", "configuration": {"level": 5}}]}
    }))
    .unwrap();
    assert_eq!(v3_codec(&sharding), "sharding[bytes, gzip(5)]");
}
