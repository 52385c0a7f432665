//! Malicious and wrong Zarr v2/v3 metadata: every case is refused with one line naming the store and the field.
//!
//! Each case writes one store (metadata plus a valid chunk, so that only the metadata
//! is wrong) and runs `info`, `convert` and `reduce sum` on it: exit code 2, exactly one
//! line naming the store and the field or reason, no panic, no hang, nothing changed.
//! A proptest fuzz mutates valid `.zarray` / `zarr.json` documents in-process.

use std::path::{Path, PathBuf};

use proptest::prelude::*;

use super::harness::{Snapshot, tessera};

/// A valid v2 `.zarray`: 4 float64 in chunks of 2, raw.
pub(crate) const V2_OK: &str = r#"{"zarr_format": 2, "shape": [4], "chunks": [2], "dtype": "<f8",
 "compressor": null, "fill_value": 0.0, "order": "C", "filters": null}"#;

/// A valid v3 `zarr.json`: 4 float64 in chunks of 2, raw.
pub(crate) const V3_OK: &str = r#"{"zarr_format": 3, "node_type": "array", "shape": [4],
 "data_type": "float64",
 "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [2]}},
 "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
 "fill_value": 0.0,
 "codecs": [{"name": "bytes", "configuration": {"endian": "little"}}]}"#;

/// Writes a v2 store `name` under `dir` with `zarray` and chunk 0 (two float64).
pub(crate) fn v2_store(dir: &Path, name: &str, zarray: &str) -> PathBuf {
    let store = dir.join(name);
    std::fs::create_dir_all(&store).unwrap();
    std::fs::write(store.join(".zarray"), zarray).unwrap();
    std::fs::write(store.join("0"), f64_bytes(&[1.0, 2.0])).unwrap();
    store
}

/// Writes a v3 store `name` under `dir` with `zarr_json` and chunk 0 (two float64).
pub(crate) fn v3_store(dir: &Path, name: &str, zarr_json: &str) -> PathBuf {
    let store = dir.join(name);
    std::fs::create_dir_all(store.join("c")).unwrap();
    std::fs::write(store.join("zarr.json"), zarr_json).unwrap();
    std::fs::write(store.join("c").join("0"), f64_bytes(&[1.0, 2.0])).unwrap();
    store
}

pub(crate) fn f64_bytes(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// `info`, `convert` and `reduce sum` on `store` are each refused in one line naming
/// the store and holding every needle; nothing under `dir` changes.
pub(crate) fn refused_everywhere(dir: &Path, store: &Path, needles: &[&str]) {
    let snapshot = Snapshot::of(dir);
    let path = store.to_str().unwrap();
    let out = dir.join("out.zarr");
    let mut all = vec![path];
    all.extend_from_slice(needles);
    tessera(&["info", path]).refused(&all);
    tessera(&["convert", path, out.to_str().unwrap(), "--memory", "64MiB"]).refused(&all);
    tessera(&["reduce", "sum", path, "--memory", "64MiB"]).refused(&all);
    snapshot.unchanged();
}

/// `V2_OK` with `key` set to the JSON `value` (or removed when `value` is `None`).
fn v2_with(key: &str, value: Option<&str>) -> String {
    with(V2_OK, key, value)
}

fn v3_with(key: &str, value: Option<&str>) -> String {
    with(V3_OK, key, value)
}

fn with(doc: &str, key: &str, value: Option<&str>) -> String {
    let mut json: serde_json::Value = serde_json::from_str(doc).unwrap();
    let obj = json.as_object_mut().unwrap();
    match value {
        Some(v) => {
            obj.insert(key.into(), serde_json::from_str(v).unwrap());
        }
        None => {
            obj.remove(key);
        }
    }
    json.to_string()
}

/// One case: a v2 store whose `.zarray` is `doc`, refused with `needles`.
fn v2_case(doc: &str, needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let store = v2_store(dir.path(), "s.zarr", doc);
    refused_everywhere(dir.path(), &store, needles);
}

/// One case: a v3 store whose `zarr.json` is `doc`, refused with `needles`.
fn v3_case(doc: &str, needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let store = v3_store(dir.path(), "s.zarr", doc);
    refused_everywhere(dir.path(), &store, needles);
}

#[test]
fn valid_stores_read_so_the_cases_below_test_one_thing() {
    let dir = tempfile::tempdir().unwrap();
    for store in [
        v2_store(dir.path(), "v2.zarr", V2_OK),
        v3_store(dir.path(), "v3.zarr", V3_OK),
    ] {
        let out = tessera(&["reduce", "sum", store.to_str().unwrap()]);
        out.succeeded();
        assert_eq!(out.stdout.trim(), "3.0", "{out:?}");
    }
}

// ---- Zarr v2: counts that do not fit ----

#[test]
fn v2_shape_whose_element_count_overflows_u64() {
    let doc = v2_with("shape", Some("[4294967296, 4294967296, 2]"))
        .replace("\"chunks\":[2]", "\"chunks\":[1,1,2]");
    v2_case(&doc, &[".zarray", "'shape'", "64 bits"]);
}

#[test]
fn shape_beyond_the_element_limit_names_the_store() {
    // 2^60 + 1 float64 fit in u64 bytes but not in tessera's element limit.
    let doc = v3_with("shape", Some("[1152921504606846977]"));
    v3_case(&doc, &["s.zarr", "2^60"]);
}

#[test]
fn v2_shape_whose_byte_count_overflows_u64() {
    let doc = v2_with("shape", Some("[4611686018427387904]"));
    v2_case(&doc, &[".zarray", "'shape'", "bytes"]);
}

#[test]
fn v2_chunk_whose_byte_count_does_not_fit() {
    let doc = v2_with("chunks", Some("[4611686018427387904]"));
    v2_case(&doc, &[".zarray", "'chunks'"]);
}

#[test]
fn v2_zero_chunk_size() {
    v2_case(
        &v2_with("chunks", Some("[0]")),
        &[".zarray", "'chunks'", "positive"],
    );
}

#[test]
fn v2_negative_chunk_size() {
    v2_case(
        &v2_with("chunks", Some("[-2]")),
        &[".zarray", "'chunks'", "positive"],
    );
}

#[test]
fn v2_negative_shape() {
    v2_case(
        &v2_with("shape", Some("[-4]")),
        &[".zarray", "'shape'", "non-negative"],
    );
}

#[test]
fn v2_shape_beyond_u64() {
    let doc = v2_with("shape", Some("[18446744073709551616]"));
    v2_case(&doc, &[".zarray", "'shape'"]);
}

#[test]
fn v2_shape_and_chunks_of_different_rank() {
    v2_case(
        &v2_with("chunks", Some("[2, 2]")),
        &[".zarray", "'chunks'", "dimensions"],
    );
}

#[test]
fn v2_thousands_of_dimensions() {
    let ones = vec!["1"; 5000].join(",");
    let doc = v2_with("shape", Some(&format!("[{ones}]")))
        .replace("\"chunks\":[2]", &format!("\"chunks\":[{ones}]"));
    v2_case(&doc, &[".zarray", "'shape'", "5000 dimensions"]);
}

// ---- Zarr v2: wrong types and values per field ----

#[test]
fn v2_shape_of_the_wrong_type() {
    v2_case(
        &v2_with("shape", Some("\"4\"")),
        &[".zarray", "'shape'", "list"],
    );
}

#[test]
fn v2_chunks_of_the_wrong_type() {
    v2_case(
        &v2_with("chunks", Some("{\"a\": 1}")),
        &[".zarray", "'chunks'"],
    );
}

#[test]
fn v2_missing_chunks() {
    v2_case(
        &v2_with("chunks", None),
        &[".zarray", "'chunks'", "missing"],
    );
}

#[test]
fn v2_dtype_of_the_wrong_type() {
    v2_case(&v2_with("dtype", Some("42")), &[".zarray", "dtype", "42"]);
}

#[test]
fn v2_unknown_dtype() {
    v2_case(
        &v2_with("dtype", Some("\"<c16\"")),
        &[".zarray", "unsupported dtype", "<c16"],
    );
}

#[test]
fn v2_fill_value_that_does_not_fit_the_dtype() {
    let doc = v2_with("dtype", Some("\"|u1\"")).replace("\"fill_value\":0.0", "\"fill_value\":300");
    v2_case(&doc, &[".zarray", "'fill_value'", "does not fit uint8"]);
}

#[test]
fn v2_fill_value_of_the_wrong_type() {
    v2_case(
        &v2_with("fill_value", Some("\"abc\"")),
        &[".zarray", "'fill_value'"],
    );
}

#[test]
fn v2_bad_order() {
    v2_case(&v2_with("order", Some("\"Z\"")), &[".zarray", "'order'"]);
}

#[test]
fn v2_bad_dimension_separator() {
    v2_case(
        &v2_with("dimension_separator", Some("\"-\"")),
        &[".zarray", "'dimension_separator'"],
    );
}

#[test]
fn v2_unknown_compressor() {
    let doc = v2_with("compressor", Some("{\"id\": \"nosuch\"}"));
    v2_case(&doc, &["unsupported codec", "nosuch"]);
}

#[test]
fn v2_compressor_of_the_wrong_type() {
    v2_case(
        &v2_with("compressor", Some("5")),
        &[".zarray", "'compressor'"],
    );
}

#[test]
fn v2_filters_of_the_wrong_type() {
    v2_case(
        &v2_with("filters", Some("\"x\"")),
        &[".zarray", "'filters'"],
    );
}

#[test]
fn v2_wrong_zarr_format() {
    v2_case(
        &v2_with("zarr_format", Some("7")),
        &[".zarray", "'zarr_format'"],
    );
}

#[test]
fn v2_truncated_json() {
    v2_case(&V2_OK[..V2_OK.len() / 2], &[".zarray", "invalid JSON"]);
}

#[test]
fn v2_json_that_is_not_an_object() {
    v2_case("[1, 2, 3]", &[".zarray", "must hold a JSON object"]);
}

#[test]
fn v2_binary_garbage() {
    let dir = tempfile::tempdir().unwrap();
    let store = v2_store(dir.path(), "s.zarr", "");
    std::fs::write(store.join(".zarray"), [0xff, 0xfe, 0x00, 0x7b, 0x80]).unwrap();
    refused_everywhere(dir.path(), &store, &[".zarray", "invalid JSON"]);
}

#[test]
fn v2_deeply_nested_json() {
    let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    let doc = V2_OK.replace("\"order\"", &format!("\"x\": {deep}, \"order\""));
    v2_case(&doc, &[".zarray", "invalid JSON", "recursion"]);
}

#[test]
fn v2_zattrs_that_is_not_an_object() {
    let dir = tempfile::tempdir().unwrap();
    let store = v2_store(dir.path(), "s.zarr", V2_OK);
    std::fs::write(store.join(".zattrs"), "[1, 2]").unwrap();
    refused_everywhere(dir.path(), &store, &[".zattrs", "object"]);
}

#[test]
fn v2_zarray_that_is_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.zarr");
    std::fs::create_dir_all(store.join(".zarray")).unwrap();
    refused_everywhere(dir.path(), &store, &[".zarray", "directory"]);
}

#[test]
fn v2_zarray_that_is_a_fifo() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.zarr");
    std::fs::create_dir_all(&store).unwrap();
    mkfifo(&store.join(".zarray"));
    refused_everywhere(dir.path(), &store, &[".zarray", "FIFO"]);
}

#[test]
fn v2_zarray_over_the_metadata_cap() {
    let dir = tempfile::tempdir().unwrap();
    let store = v2_store(dir.path(), "s.zarr", V2_OK);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(store.join(".zarray"))
        .unwrap();
    file.set_len(65 << 20).unwrap();
    refused_everywhere(dir.path(), &store, &[".zarray", "metadata file", "limit"]);
}

#[test]
fn store_root_without_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.zarr");
    std::fs::create_dir_all(&store).unwrap();
    std::fs::write(store.join(".zattrs"), "{}").unwrap();
    std::fs::write(store.join("0"), f64_bytes(&[1.0, 2.0])).unwrap();
    refused_everywhere(dir.path(), &store, &["no Zarr metadata"]);
}

// ---- Zarr v3 ----

#[test]
fn v3_shape_whose_element_count_overflows_u64() {
    let doc = v3_with("shape", Some("[4294967296, 4294967296, 2]"))
        .replace("\"chunk_shape\":[2]", "\"chunk_shape\":[1,1,2]");
    v3_case(&doc, &["zarr.json", "'shape'", "64 bits"]);
}

#[test]
fn v3_chunk_grid_that_is_not_regular() {
    let grid = r#"{"name": "rectilinear", "configuration": {"chunk_shapes": [[2, 2]]}}"#;
    v3_case(
        &v3_with("chunk_grid", Some(grid)),
        &["zarr.json", "chunk grid", "rectilinear"],
    );
}

#[test]
fn v3_zero_chunk_size() {
    let doc = V3_OK.replace("\"chunk_shape\": [2]", "\"chunk_shape\": [0]");
    v3_case(&doc, &["zarr.json", "chunk_shape", "positive"]);
}

#[test]
fn v3_shape_and_chunks_of_different_rank() {
    let doc = V3_OK.replace("\"chunk_shape\": [2]", "\"chunk_shape\": [2, 2]");
    v3_case(&doc, &["zarr.json", "chunk_shape", "dimensions"]);
}

#[test]
fn v3_thousands_of_dimensions() {
    let ones = vec!["1"; 3000].join(",");
    let doc = v3_with("shape", Some(&format!("[{ones}]")));
    v3_case(&doc, &["zarr.json", "'shape'", "3000 dimensions"]);
}

#[test]
fn v3_unknown_data_type() {
    v3_case(
        &v3_with("data_type", Some("\"complex128\"")),
        &["zarr.json", "unsupported dtype", "complex128"],
    );
}

#[test]
fn v3_data_type_of_the_wrong_type() {
    v3_case(
        &v3_with("data_type", Some("[1]")),
        &["zarr.json", "unsupported dtype"],
    );
}

#[test]
fn v3_fill_value_that_does_not_fit_the_dtype() {
    let doc =
        v3_with("data_type", Some("\"int8\"")).replace("\"fill_value\":0.0", "\"fill_value\":200");
    v3_case(&doc, &["zarr.json", "'fill_value'", "does not fit int8"]);
}

#[test]
fn v3_missing_fill_value() {
    v3_case(
        &v3_with("fill_value", None),
        &["zarr.json", "'fill_value'", "missing"],
    );
}

#[test]
fn v3_empty_codecs() {
    v3_case(&v3_with("codecs", Some("[]")), &["zarr.json", "'codecs'"]);
}

#[test]
fn v3_unknown_codec() {
    let codecs = r#"[{"name": "bytes"}, {"name": "nosuch"}]"#;
    v3_case(
        &v3_with("codecs", Some(codecs)),
        &["zarr.json", "unsupported codec", "nosuch"],
    );
}

#[test]
fn v3_codecs_in_an_invalid_order() {
    let codecs = r#"[{"name": "gzip", "configuration": {"level": 1}}, {"name": "bytes", "configuration": {"endian": "little"}}]"#;
    v3_case(
        &v3_with("codecs", Some(codecs)),
        &["zarr.json", "codecs[1]", "cannot follow"],
    );
}

#[test]
fn v3_two_array_to_bytes_codecs() {
    let codecs = r#"[{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "bytes", "configuration": {"endian": "little"}}]"#;
    v3_case(
        &v3_with("codecs", Some(codecs)),
        &["zarr.json", "'codecs'", "exactly one"],
    );
}

#[test]
fn v3_no_array_to_bytes_codec() {
    let codecs = r#"[{"name": "gzip", "configuration": {"level": 1}}]"#;
    v3_case(
        &v3_with("codecs", Some(codecs)),
        &["zarr.json", "'codecs'", "exactly one"],
    );
}

#[test]
fn v3_codec_of_the_wrong_type() {
    v3_case(
        &v3_with("codecs", Some("[42]")),
        &["zarr.json", "codecs[0]"],
    );
}

#[test]
fn v3_bad_chunk_key_encoding() {
    let encoding = r#"{"name": "weird"}"#;
    v3_case(
        &v3_with("chunk_key_encoding", Some(encoding)),
        &["zarr.json", "'chunk_key_encoding'"],
    );
}

#[test]
fn v3_bad_chunk_key_separator() {
    let encoding = r#"{"name": "default", "configuration": {"separator": "-"}}"#;
    v3_case(
        &v3_with("chunk_key_encoding", Some(encoding)),
        &["zarr.json", "'chunk_key_encoding'", "separator"],
    );
}

/// A sharded `zarr.json` with shards of `shard` and inner chunks of `inner` over a
/// 1-D array of `shape` elements.
fn sharded(shape: u64, shard: u64, inner: &str) -> String {
    let codecs = format!(
        r#"[{{"name": "sharding_indexed", "configuration": {{"chunk_shape": {inner},
        "codecs": [{{"name": "bytes", "configuration": {{"endian": "little"}}}}],
        "index_codecs": [{{"name": "bytes", "configuration": {{"endian": "little"}}}}],
        "index_location": "end"}}}}]"#
    );
    v3_with("codecs", Some(&codecs))
        .replace("\"shape\":[4]", &format!("\"shape\":[{shape}]"))
        .replace("\"chunk_shape\":[2]", &format!("\"chunk_shape\":[{shard}]"))
}

#[test]
fn v3_inner_chunk_that_does_not_divide_the_shard() {
    v3_case(
        &sharded(4, 4, "[3]"),
        &["zarr.json", "chunk_shape", "does not divide"],
    );
}

#[test]
fn v3_shard_with_a_huge_index() {
    let shard = 1u64 << 30;
    v3_case(
        &sharded(shard, shard, "[1]"),
        &["zarr.json", "chunk_shape", "index"],
    );
}

#[test]
fn v3_inner_chunk_of_another_rank() {
    v3_case(
        &sharded(4, 4, "[2, 2]"),
        &["zarr.json", "chunk_shape", "dimensions"],
    );
}

#[test]
fn v3_bad_node_type() {
    v3_case(
        &v3_with("node_type", Some("\"banana\"")),
        &["zarr.json", "'node_type'"],
    );
}

#[test]
fn v3_truncated_json() {
    v3_case(&V3_OK[..V3_OK.len() - 10], &["zarr.json", "invalid JSON"]);
}

#[test]
fn v3_storage_transformers() {
    let transformers = r#"[{"name": "sharding_v0"}]"#;
    v3_case(
        &v3_with("storage_transformers", Some(transformers)),
        &["zarr.json", "storage transformers"],
    );
}

#[test]
fn v2_structured_dtype() {
    let dtype = r#"[["a", "<f8"], ["b", "<i4"]]"#;
    v2_case(
        &v2_with("dtype", Some(dtype)),
        &[".zarray", "unsupported dtype"],
    );
}

#[test]
fn v3_dimension_names_of_the_wrong_length() {
    let names = r#"["x", "y"]"#;
    v3_case(
        &v3_with("dimension_names", Some(names)),
        &["zarr.json", "'dimension_names'"],
    );
}

#[test]
fn v3_group_with_a_wrong_zarr_format() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("g.zarr");
    std::fs::create_dir_all(&store).unwrap();
    std::fs::write(
        store.join("zarr.json"),
        r#"{"zarr_format": "3", "node_type": "group"}"#,
    )
    .unwrap();
    let snapshot = Snapshot::of(dir.path());
    let path = store.to_str().unwrap();
    tessera(&["info", path]).refused(&[path, "draft"]);
    snapshot.unchanged();
    std::fs::write(
        store.join("zarr.json"),
        r#"{"zarr_format": 4, "node_type": "group"}"#,
    )
    .unwrap();
    let snapshot = Snapshot::of(dir.path());
    tessera(&["info", path]).refused(&[path, "zarr.json", "'zarr_format'"]);
    snapshot.unchanged();
}

#[test]
fn directory_loop_inside_a_hierarchy() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("h.zarr");
    std::fs::create_dir_all(store.join("g")).unwrap();
    std::fs::write(store.join(".zgroup"), r#"{"zarr_format": 2}"#).unwrap();
    std::fs::write(store.join("g").join(".zgroup"), r#"{"zarr_format": 2}"#).unwrap();
    std::os::unix::fs::symlink("..", store.join("g").join("loop")).unwrap();
    let snapshot = Snapshot::of(dir.path());
    let path = store.to_str().unwrap();
    tessera(&["info", path]).refused(&[path, "nested deeper"]);
    snapshot.unchanged();
}

#[test]
fn v3_zarr_json_that_is_a_fifo() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.zarr");
    std::fs::create_dir_all(&store).unwrap();
    mkfifo(&store.join("zarr.json"));
    refused_everywhere(dir.path(), &store, &["zarr.json", "FIFO"]);
}

pub(crate) fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(
        unsafe { libc::mkfifo(c.as_ptr(), 0o644) },
        0,
        "mkfifo {path:?}"
    );
}

// ---- property-based fuzz of the metadata parsers ----

/// Default number of fuzz cases (`PROPTEST_CASES` overrides).
const FUZZ_CASES: u32 = 3000;

fn fuzz_config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(FUZZ_CASES);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Opens, lists and (when small) reads chunk 0 of the store in-process: Ok, or an
/// error naming the store; a panic fails the case.
fn open_list_read(store: &Path) -> Result<(), TestCaseError> {
    let text = store.to_str().unwrap().to_string();
    let outcome = std::panic::catch_unwind(|| {
        let mut errors = Vec::new();
        if let Err(e) = tessera::store::list(store) {
            errors.push(e.to_string());
        }
        match tessera::Address::parse(&text).and_then(|a| tessera::store::open(&a)) {
            Ok(source) => {
                let meta = source.meta().clone();
                let small = meta.chunk_bytes() <= 1 << 20;
                if small
                    && !meta.shape.contains(&0)
                    && let Err(e) = source.read_chunk(&vec![0; meta.shape.len()])
                {
                    errors.push(e.to_string());
                }
            }
            Err(e) => errors.push(e.to_string()),
        }
        errors
    });
    let errors = outcome.map_err(|_| TestCaseError::fail(format!("panic on {text}")))?;
    for e in errors {
        prop_assert!(e.contains(&text), "error does not name the store: {e}");
    }
    Ok(())
}

/// A random JSON value: the kinds of thing hostile metadata holds.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (0u64..8).prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[a-z<|>0-9.\\-/]{0,8}".prop_map(Value::from),
        prop::sample::select(vec![
            "NaN",
            "Infinity",
            "<f8",
            "|u1",
            "<i4",
            "float32",
            "int8",
            "bytes",
            "gzip",
            "blosc",
            "zstd",
            "regular",
            "default",
            "v2",
            "C",
            "F",
            ".",
            "/",
            "sharding_indexed",
            "array",
            "group",
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::vec(("[a-z_]{1,12}", inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A JSON-level mutation of a document: set, remove or nest a field.
#[derive(Debug, Clone)]
enum Mutation {
    Set(usize, serde_json::Value),
    Remove(usize),
    SetInner(usize, usize, serde_json::Value),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (0usize..16, json_value()).prop_map(|(k, v)| Mutation::Set(k, v)),
        (0usize..16).prop_map(Mutation::Remove),
        (0usize..16, 0usize..8, json_value()).prop_map(|(k, i, v)| Mutation::SetInner(k, i, v)),
    ]
}

fn apply(doc: &str, mutations: &[Mutation]) -> String {
    let mut json: serde_json::Value = serde_json::from_str(doc).unwrap();
    for m in mutations {
        let obj = json.as_object_mut().unwrap();
        let keys: Vec<String> = obj.keys().cloned().collect();
        let key = |k: usize| keys[k % keys.len()].clone();
        match m {
            Mutation::Set(k, v) => {
                obj.insert(key(*k), v.clone());
            }
            Mutation::Remove(k) => {
                obj.remove(&key(*k));
            }
            Mutation::SetInner(k, i, v) => match obj.get_mut(&key(*k)) {
                Some(serde_json::Value::Array(list)) if !list.is_empty() => {
                    let n = list.len();
                    list[i % n] = v.clone();
                }
                Some(serde_json::Value::Object(inner)) if !inner.is_empty() => {
                    let inner_keys: Vec<String> = inner.keys().cloned().collect();
                    inner.insert(inner_keys[i % inner_keys.len()].clone(), v.clone());
                }
                _ => {}
            },
        }
    }
    json.to_string()
}

/// Byte-level mutations: overwrite, insert or delete bytes at random places.
fn mutate_bytes(doc: &str, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    let mut bytes = doc.as_bytes().to_vec();
    for (at, byte, op) in edits {
        let at = at % (bytes.len() + 1);
        match op % 3 {
            0 if at < bytes.len() => bytes[at] = *byte,
            1 => bytes.insert(at, *byte),
            _ if at < bytes.len() => {
                bytes.remove(at);
            }
            _ => {}
        }
    }
    bytes
}

/// A valid v3 document with sharding and gzip inside, so mutations reach them.
const V3_SHARDED: &str = r#"{"zarr_format": 3, "node_type": "array", "shape": [4],
 "data_type": "float64",
 "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [4]}},
 "chunk_key_encoding": {"name": "default"},
 "fill_value": 0.0,
 "codecs": [{"name": "sharding_indexed", "configuration": {"chunk_shape": [2],
   "codecs": [{"name": "bytes", "configuration": {"endian": "little"}},
              {"name": "gzip", "configuration": {"level": 1}}],
   "index_codecs": [{"name": "bytes", "configuration": {"endian": "little"}},
                    {"name": "crc32c"}],
   "index_location": "end"}}]}"#;

thread_local! {
    /// One v2 and one v3 store per fuzzing thread, reused by every case (only the
    /// metadata file changes), so cases cost no directory creation.
    static FUZZ_STORES: (tempfile::TempDir, PathBuf, PathBuf) = {
        let dir = tempfile::tempdir().unwrap();
        let v2 = v2_store(dir.path(), "f2.zarr", V2_OK);
        let v3 = v3_store(dir.path(), "f3.zarr", V3_OK);
        (dir, v2, v3)
    };
}

fn fuzz_one(version: u8, bytes: &[u8]) -> Result<(), TestCaseError> {
    let (store, name) = FUZZ_STORES.with(|(_, v2, v3)| {
        if version == 2 {
            (v2.clone(), ".zarray")
        } else {
            (v3.clone(), "zarr.json")
        }
    });
    std::fs::write(store.join(name), bytes).unwrap();
    open_list_read(&store)
}

proptest! {
    #![proptest_config(fuzz_config())]

    #[test]
    fn fuzz_json_mutations_of_valid_metadata(
        which in 0u8..3,
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let (version, doc) = match which {
            0 => (2, V2_OK),
            1 => (3, V3_OK),
            _ => (3, V3_SHARDED),
        };
        fuzz_one(version, apply(doc, &mutations).as_bytes())?;
    }

    #[test]
    fn fuzz_byte_mutations_of_valid_metadata(
        which in 0u8..3,
        edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..6),
    ) {
        let (version, doc) = match which {
            0 => (2, V2_OK),
            1 => (3, V3_OK),
            _ => (3, V3_SHARDED),
        };
        fuzz_one(version, &mutate_bytes(doc, &edits))?;
    }
}
