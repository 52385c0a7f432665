//! The Zarr store: what tessera writes reads back identically (v2 and v3, every codec,
//! sharded, 1-4 D, ragged edges), with its attributes and axis names; groups are listed
//! with theirs; stores written by zarr-python read as zarr-python read them
//! (`../shared/fixtures`, skipped when absent), and what cannot be read is refused
//! with one line naming the store.

use std::path::{Path, PathBuf};

use serde_json::Value;
use tessera::address::Format;
use tessera::dtype::DType;
use tessera::grid::{ChunkGrid, Region};
use tessera::store::zarr::{ZarrSink, ZarrSource, list};
use tessera::store::{ArrayMeta, ChunkSink, ChunkSource, Codec, WriteOptions, ZarrVersion};
use tessera::{Address, Chunk, Error};

fn zarr_address(path: &Path, array: &str) -> Address {
    Address {
        path: path.to_path_buf(),
        format: Format::Zarr,
        array: array.to_string(),
    }
}

fn like(shape: &[u64], dtype: DType, fill: &[u8]) -> ArrayMeta {
    let mut attributes = serde_json::Map::new();
    attributes.insert("units".into(), Value::from("kelvin"));
    ArrayMeta {
        shape: shape.to_vec(),
        chunks: shape.to_vec(),
        dtype,
        fill_value: fill.to_vec(),
        codec: String::new(),
        layout: String::new(),
        attributes: attributes.into(),
        dimension_names: None,
        stored_bytes: None,
        // A declared fill value, as a Zarr v2 source has: v2 output keeps it.
        fill_marks_missing: true,
    }
}

/// Deterministic test values of `dtype`: element i is derived from i.
fn values(dtype: DType, shape: &[u64]) -> Chunk {
    let n: u64 = shape.iter().product();
    let mut chunk = Chunk::zeros(dtype, shape);
    let size = dtype.size();
    for (i, element) in chunk.bytes_mut().chunks_exact_mut(size).enumerate() {
        let v = (i as u64).wrapping_mul(2654435761) % 1000;
        let bytes: Vec<u8> = match dtype {
            DType::Bool => vec![(v % 2) as u8],
            DType::I8 => ((v as i64 - 500) as i8).to_ne_bytes().to_vec(),
            DType::I16 => ((v as i16) - 500).to_ne_bytes().to_vec(),
            DType::I32 => ((v as i32) * -70_001).to_ne_bytes().to_vec(),
            DType::I64 => ((v as i64) * -7_000_000_001).to_ne_bytes().to_vec(),
            DType::U8 => (v as u8).to_ne_bytes().to_vec(),
            DType::U16 => (v as u16 * 60).to_ne_bytes().to_vec(),
            DType::U32 => (v as u32 * 4_000_001).to_ne_bytes().to_vec(),
            DType::U64 => (v * 18_000_000_000_001).to_ne_bytes().to_vec(),
            DType::F16 => half::f16::from_f64(v as f64 / 8.0).to_ne_bytes().to_vec(),
            DType::F32 => (v as f32 / 3.0).to_ne_bytes().to_vec(),
            DType::F64 => (v as f64 / 7.0 - n as f64).to_ne_bytes().to_vec(),
        };
        element.copy_from_slice(&bytes);
    }
    chunk
}

/// Writes `data` through a sink, chunk by chunk (in parallel), and commits.
fn write(address: &Address, data: &Chunk, like: &ArrayMeta, options: &WriteOptions) {
    use rayon::prelude::*;
    let sink = Box::new(ZarrSink::create(address, like, options).unwrap());
    let grid = sink.meta().grid().unwrap();
    let indices: Vec<Vec<u64>> = grid.indices().collect();
    indices.par_iter().for_each(|index| {
        let region = grid.chunk_region(index);
        sink.write_chunk(index, &data.extract(&region)).unwrap();
    });
    sink.commit().unwrap();
}

/// Reads every chunk of the source (in parallel) into one array.
fn read(source: &ZarrSource) -> Chunk {
    use rayon::prelude::*;
    let meta = source.meta();
    let grid = ChunkGrid::new(&meta.shape, &meta.chunks).unwrap();
    let indices: Vec<Vec<u64>> = grid.indices().collect();
    let chunks: Vec<Chunk> = indices
        .par_iter()
        .map(|index| source.read_chunk(index).unwrap())
        .collect();
    let whole = Region::whole(&meta.shape);
    let mut out = Chunk::filled(meta.dtype, &meta.shape, &meta.fill_value);
    for (index, chunk) in indices.iter().zip(&chunks) {
        let region = grid.chunk_region(index);
        assert_eq!(
            chunk.shape(),
            region.shape.as_slice(),
            "chunk {index:?} is not clipped"
        );
        chunk.copy_overlap_into(&region, &mut out, &whole);
    }
    out
}

fn options(chunks: &[u64], codec: Codec, version: ZarrVersion) -> WriteOptions {
    WriteOptions {
        chunks: chunks.to_vec(),
        codec,
        zarr_version: version,
        shard: None,
        overwrite: false,
    }
}

fn round_trip(shape: &[u64], dtype: DType, options: &WriteOptions, array: &str) -> ArrayMeta {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.zarr");
    let address = zarr_address(&path, array);
    let data = values(dtype, shape);
    let fill = values(dtype, &[1]);
    let like = like(shape, dtype, fill.bytes());
    write(&address, &data, &like, options);
    let source = ZarrSource::open(&address).unwrap();
    let got = read(&source);
    assert_eq!(got, data, "{dtype} {shape:?} {options:?}");
    let meta = source.meta().clone();
    assert_eq!(meta.shape, shape);
    assert_eq!(meta.dtype, dtype);
    assert_eq!(meta.fill_value, fill.bytes());
    assert_eq!(meta.attributes.value("units"), Some(&Value::from("kelvin")));
    assert_eq!(
        meta.chunks, options.chunks,
        "read unit is the (inner) chunk"
    );
    meta
}

const CODECS: [Codec; 5] = [
    Codec::None,
    Codec::Gzip(5),
    Codec::Zstd(3),
    Codec::BloscLz4(5),
    Codec::BloscZstd(3),
];

#[test]
fn every_dtype_round_trips_in_v2_and_v3() {
    for version in [ZarrVersion::V3, ZarrVersion::V2] {
        for dtype in DType::ALL {
            let opts = options(&[4, 3], Codec::Gzip(1), version);
            round_trip(&[10, 7], dtype, &opts, "");
        }
    }
}

#[test]
fn every_codec_round_trips_with_ragged_edges_in_1_to_4_d() {
    let shapes: [(&[u64], &[u64]); 4] = [
        (&[103], &[10]),
        (&[9, 11], &[4, 5]),
        (&[5, 6, 7], &[2, 4, 3]),
        (&[3, 4, 5, 6], &[2, 3, 2, 4]),
    ];
    for version in [ZarrVersion::V3, ZarrVersion::V2] {
        for codec in CODECS {
            for (shape, chunks) in shapes {
                let meta = round_trip(shape, DType::F32, &options(chunks, codec, version), "");
                assert_eq!(meta.layout, "chunked");
            }
        }
    }
}

#[test]
fn codec_text_names_the_compressor() {
    let v3 = round_trip(
        &[8],
        DType::I16,
        &options(&[4], Codec::BloscZstd(5), ZarrVersion::V3),
        "",
    );
    assert_eq!(v3.codec, "blosc(zstd, clevel 5, shuffle)");
    let v2 = round_trip(
        &[8],
        DType::I16,
        &options(&[4], Codec::Gzip(5), ZarrVersion::V2),
        "",
    );
    assert_eq!(v2.codec, "gzip(5)");
    let raw = round_trip(
        &[8],
        DType::I16,
        &options(&[4], Codec::None, ZarrVersion::V3),
        "",
    );
    assert_eq!(raw.codec, "none");
}

#[test]
fn sharded_arrays_round_trip_and_read_by_inner_chunk() {
    for codec in [Codec::None, Codec::Gzip(5), Codec::BloscLz4(5)] {
        let mut opts = options(&[2, 3], codec, ZarrVersion::V3);
        opts.shard = Some(vec![4, 6]);
        let meta = round_trip(&[9, 13], DType::U16, &opts, "group/sub/data");
        assert_eq!(meta.layout, "sharded (shard 4x6, inner 2x3)");
        assert!(meta.codec.starts_with("sharding["), "{}", meta.codec);
    }
}

#[test]
fn sharding_with_v2_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(&[2], Codec::None, ZarrVersion::V2);
    opts.shard = Some(vec![4]);
    let address = zarr_address(&dir.path().join("x.zarr"), "");
    let err = ZarrSink::create(&address, &like(&[8], DType::U8, &[0]), &opts)
        .err()
        .unwrap();
    assert!(matches!(err, Error::Invalid(_)), "{err}");
}

#[test]
fn sink_meta_chunks_is_the_shard() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(&[2, 2], Codec::None, ZarrVersion::V3);
    opts.shard = Some(vec![4, 4]);
    let address = zarr_address(&dir.path().join("x.zarr"), "a");
    let sink = ZarrSink::create(&address, &like(&[8, 8], DType::U8, &[0]), &opts).unwrap();
    assert_eq!(sink.meta().chunks, vec![4, 4]);
    drop(sink);
    assert!(
        !dir.path().join("x.zarr").exists(),
        "nothing appears without commit"
    );
}

#[test]
fn nested_arrays_are_listed_and_missing_chunks_read_as_fill() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested.zarr");
    for version in [ZarrVersion::V3, ZarrVersion::V2] {
        let address = zarr_address(&path, "a/b/c");
        let mut opts = options(&[2, 2], Codec::Zstd(1), version);
        opts.overwrite = true;
        let fill = 7i32.to_ne_bytes();
        let sink =
            Box::new(ZarrSink::create(&address, &like(&[4, 4], DType::I32, &fill), &opts).unwrap());
        let chunk = Chunk::from_slice(&[2, 2], &[1i32, 2, 3, 4]).unwrap();
        sink.write_chunk(&[1, 1], &chunk).unwrap();
        sink.commit().unwrap();
        let entries = list(&path).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].name, "a/b/c");
        assert!(entries[0].meta.is_ok());
        let source = ZarrSource::open(&address).unwrap();
        let all = read(&source);
        let expected = [7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 1, 2, 7, 7, 3, 4];
        assert_eq!(all.as_slice::<i32>().unwrap(), &expected);
        let group = ZarrSource::open(&zarr_address(&path, "a/b")).err().unwrap();
        assert!(group.to_string().contains("group"), "{group}");
        let missing = ZarrSource::open(&zarr_address(&path, "nope"))
            .err()
            .unwrap();
        assert!(missing.to_string().contains("a/b/c"), "{missing}");
    }
}

#[test]
fn out_of_grid_chunk_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let address = zarr_address(&dir.path().join("x.zarr"), "");
    let data = values(DType::U8, &[5]);
    write(
        &address,
        &data,
        &like(&[5], DType::U8, &[0]),
        &options(&[2], Codec::None, ZarrVersion::V3),
    );
    let source = ZarrSource::open(&address).unwrap();
    assert!(source.read_chunk(&[3]).is_err());
    assert!(source.read_chunk(&[0, 0]).is_err());
    assert!(source.meta().stored_bytes.is_some_and(|b| b > 0));
}

#[test]
fn unknown_codecs_and_corrupt_chunks_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.zarr");
    let address = zarr_address(&path, "");
    let data = values(DType::F64, &[6]);
    let opts = options(&[3], Codec::Gzip(5), ZarrVersion::V3);
    write(&address, &data, &like(&[6], DType::F64, &[0; 8]), &opts);

    std::fs::write(path.join("c/0"), b"not gzip").unwrap();
    let source = ZarrSource::open(&address).unwrap();
    let err = source.read_chunk(&[0]).err().unwrap();
    assert!(matches!(err, Error::CorruptChunk { .. }), "{err}");
    assert!(source.read_chunk(&[1]).is_ok());

    let meta_path = path.join("zarr.json");
    let text = std::fs::read_to_string(&meta_path).unwrap();
    std::fs::write(&meta_path, text.replace("\"gzip\"", "\"snappy\"")).unwrap();
    let err = ZarrSource::open(&address).err().unwrap();
    let text = err.to_string();
    assert!(matches!(err, Error::UnsupportedCodec { .. }), "{text}");
    assert!(text.contains("snappy") && text.contains("x.zarr") && !text.contains('\n'));
}

// ---- metadata: axis names, attributes, groups ----

/// Writes `like` (filled with zeros) at `address` in one chunk of its whole shape.
fn write_like(address: &Address, like: &ArrayMeta, version: ZarrVersion) {
    let chunks: Vec<u64> = like.shape.iter().map(|n| (*n).max(1)).collect();
    let data = Chunk::zeros(like.dtype, &like.shape);
    write(
        address,
        &data,
        like,
        &options(&chunks, Codec::None, version),
    );
}

fn named(names: &[Option<&str>]) -> Option<Vec<Option<String>>> {
    Some(names.iter().map(|n| n.map(str::to_string)).collect())
}

/// A metadata file as JSON, its bare `NaN`, `Infinity` and `-Infinity` tokens (which
/// tessera writes as zarr-python does) read as the strings of those names.
fn json_file(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    let (mut out, mut in_string, mut escaped) = (String::new(), false, false);
    let mut rest = text.as_str();
    while let Some(c) = rest.chars().next() {
        let token = ["-Infinity", "Infinity", "NaN"]
            .into_iter()
            .find(|t| !in_string && rest.starts_with(t));
        if let Some(token) = token {
            out.push_str(&format!("\"{token}\""));
            rest = &rest[token.len()..];
            continue;
        }
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (_, false, '"') => in_string = !in_string,
            _ => {}
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    serde_json::from_str(&out).unwrap()
}

/// Whether a metadata file holds `token` bare (outside any string).
fn has_bare_token(path: &Path, token: &str) -> bool {
    let text = std::fs::read_to_string(path).unwrap();
    text.match_indices(token)
        .any(|(at, _)| !text[..at].ends_with('"') && !text[..at].ends_with('-'))
}

#[test]
fn dimension_names_round_trip_in_v2_and_v3() {
    // (version, shape, names written, names read back)
    let cases = [
        (
            ZarrVersion::V3,
            vec![2, 3],
            named(&[Some("y"), Some("x")]),
            named(&[Some("y"), Some("x")]),
        ),
        (
            ZarrVersion::V3,
            vec![2, 3],
            named(&[None, Some("x")]),
            named(&[None, Some("x")]),
        ),
        (ZarrVersion::V3, vec![2, 3], named(&[None, None]), None),
        (ZarrVersion::V3, vec![], named(&[]), named(&[])),
        (
            ZarrVersion::V2,
            vec![2, 3],
            named(&[Some("y"), Some("x")]),
            named(&[Some("y"), Some("x")]),
        ),
        // xarray needs every axis of a v2 array named: none are written.
        (ZarrVersion::V2, vec![2, 3], named(&[None, Some("x")]), None),
        (ZarrVersion::V2, vec![], named(&[]), named(&[])),
        (ZarrVersion::V2, vec![4], None, None),
        // A 0-d array has all of its (no) axes named, as xarray needs in v2.
        (ZarrVersion::V2, vec![], None, named(&[])),
    ];
    for (version, shape, written, read) in cases {
        let dir = tempfile::tempdir().unwrap();
        let address = zarr_address(&dir.path().join("n.zarr"), "g/v");
        let mut meta = like(&shape, DType::F32, &[]);
        meta.dimension_names = written.clone();
        write_like(&address, &meta, version);
        let source = ZarrSource::open(&address).unwrap();
        let case = format!("{version:?} {shape:?} {written:?}");
        assert_eq!(source.meta().dimension_names, read, "{case}");
        assert_eq!(
            source.meta().attributes,
            meta.attributes,
            "{case}: attributes"
        );
        if version == ZarrVersion::V2 {
            let zattrs = json_file(&dir.path().join("n.zarr/g/v/.zattrs"));
            let expected = read
                .as_ref()
                .map(|names| Value::from(names.iter().flatten().cloned().collect::<Vec<_>>()));
            assert_eq!(zattrs.get("_ARRAY_DIMENSIONS"), expected.as_ref(), "{case}");
        } else {
            let doc = json_file(&dir.path().join("n.zarr/g/v/zarr.json"));
            assert!(
                doc["attributes"].get("_ARRAY_DIMENSIONS").is_none(),
                "{case}"
            );
        }
    }
}

#[test]
fn v2_array_dimensions_that_name_no_axes_stay_an_attribute() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.zarr");
    let address = zarr_address(&path, "");
    write_like(&address, &like(&[2, 3], DType::I16, &[]), ZarrVersion::V2);
    for (value, names) in [
        (r#"["y", "x"]"#, named(&[Some("y"), Some("x")])),
        (r#"["x"]"#, None),
        (r#"["y", 1]"#, None),
        (r#"["y", null]"#, None),
        (r#""yx""#, None),
    ] {
        let text = format!(r#"{{"units": "m", "_ARRAY_DIMENSIONS": {value}}}"#);
        std::fs::write(path.join(".zattrs"), text).unwrap();
        let meta = ZarrSource::open(&address).unwrap().meta().clone();
        assert_eq!(meta.dimension_names, names, "{value}");
        // Not xarray's: kept as written, so a copy carries it unchanged.
        let kept = meta.attributes.value("_ARRAY_DIMENSIONS").cloned();
        let expected = names
            .is_none()
            .then(|| serde_json::from_str::<Value>(value).unwrap());
        assert_eq!(kept, expected, "{value}");
        assert_eq!(meta.attributes["units"], "m");
    }
}

#[test]
fn dimension_names_of_the_wrong_length_are_refused_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let address = zarr_address(&dir.path().join("w.zarr"), "");
    let mut meta = like(&[2, 3], DType::U8, &[0]);
    meta.dimension_names = named(&[Some("x")]);
    for version in [ZarrVersion::V2, ZarrVersion::V3] {
        let err = ZarrSink::create(&address, &meta, &options(&[2, 3], Codec::None, version))
            .err()
            .unwrap();
        let text = err.to_string();
        assert!(
            text.contains("w.zarr") && text.contains("1 dimension names"),
            "{text}"
        );
        assert!(!dir.path().join("w.zarr").exists());
    }
}

#[test]
fn typed_attributes_are_written_nested_with_non_finite_floats_as_bare_tokens() {
    use tessera::store::attrs::float_json;
    use tessera::store::{AttrElement, AttrShape, Attribute, Attributes};
    let matrix = serde_json::json!([[1.5, 2.0, 3.0], [4.0, 5.0, 6.0]]);
    let attributes: Attributes = [
        (
            "matrix".to_string(),
            Attribute::typed(
                matrix.clone(),
                AttrElement::Number(DType::F32),
                AttrShape::Array(vec![2, 3]),
            ),
        ),
        (
            "missing".to_string(),
            Attribute::typed(
                float_json(f64::NAN),
                AttrElement::Number(DType::F64),
                AttrShape::Scalar,
            ),
        ),
        (
            "range".to_string(),
            Attribute::typed(
                Value::from(vec![
                    float_json(f64::NEG_INFINITY),
                    float_json(f64::INFINITY),
                ]),
                AttrElement::Number(DType::F64),
                AttrShape::Array(vec![2]),
            ),
        ),
        (
            "scale".to_string(),
            Attribute::typed(
                Value::from(0.5),
                AttrElement::Number(DType::F32),
                AttrShape::Array(vec![1]),
            ),
        ),
    ]
    .into_iter()
    .collect();
    let expected = serde_json::json!({
        "matrix": matrix, "missing": "NaN", "range": ["-Infinity", "Infinity"], "scale": 0.5
    });
    for version in [ZarrVersion::V2, ZarrVersion::V3] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.zarr");
        let mut meta = like(&[2], DType::F64, &[]);
        meta.attributes = attributes.clone();
        write_like(&zarr_address(&path, ""), &meta, version);
        let stored = match version {
            ZarrVersion::V2 => json_file(&path.join(".zattrs")),
            _ => json_file(&path.join("zarr.json"))["attributes"].clone(),
        };
        assert_eq!(stored, expected, "{version:?}");
        let file = match version {
            ZarrVersion::V2 => path.join(".zattrs"),
            _ => path.join("zarr.json"),
        };
        for token in ["NaN", "-Infinity"] {
            assert!(has_bare_token(&file, token), "{version:?} {token}");
        }
        // Read back as JSON; only the floats with a non-finite token are typed (as
        // float64: Zarr records no narrower type).
        let read = ZarrSource::open(&zarr_address(&path, ""))
            .unwrap()
            .meta()
            .clone();
        assert_eq!(Value::from(read.attributes.to_json()), expected);
        let typed: Vec<_> = read
            .attributes
            .iter()
            .filter(|(_, a)| a.stored_dtype() == Some(DType::F64))
            .map(|(n, _)| n)
            .collect();
        assert_eq!(typed, ["missing", "range"], "{version:?}");
    }
}

#[test]
fn python_non_finite_tokens_in_attributes_read_as_strings() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.zarr");
    for version in [ZarrVersion::V2, ZarrVersion::V3] {
        let _ = std::fs::remove_dir_all(&path);
        write_like(
            &zarr_address(&path, "a"),
            &like(&[2], DType::F64, &[]),
            version,
        );
        // What Python's json.dumps writes for nan and inf (zarr-python does so).
        let attrs = r#"{"nan": NaN, "both": [Infinity, -Infinity], "text": "NaN"}"#;
        match version {
            ZarrVersion::V2 => {
                std::fs::write(path.join("a/.zattrs"), attrs).unwrap();
                std::fs::write(path.join(".zattrs"), attrs).unwrap();
            }
            _ => {
                for file in ["a/zarr.json", "zarr.json"] {
                    let mut doc = json_file(&path.join(file));
                    doc["attributes"] = Value::from("ATTRS");
                    let text = doc.to_string().replace("\"ATTRS\"", attrs);
                    std::fs::write(path.join(file), text).unwrap();
                }
            }
        }
        let expected =
            serde_json::json!({"nan": "NaN", "both": ["Infinity", "-Infinity"], "text": "NaN"});
        let meta = ZarrSource::open(&zarr_address(&path, "a"))
            .unwrap()
            .meta()
            .clone();
        assert_eq!(
            Value::from(meta.attributes.to_json()),
            expected,
            "{version:?}"
        );
        // The tokens are floats, the string is a string.
        assert_eq!(
            meta.attributes.get("nan").unwrap().stored_dtype(),
            Some(DType::F64)
        );
        assert_eq!(
            meta.attributes.get("both").unwrap().stored_dtype(),
            Some(DType::F64)
        );
        assert!(meta.attributes.get("text").unwrap().stored.is_none());
        let groups = tessera::store::zarr::groups(&path).unwrap();
        assert_eq!(
            Value::from(groups[0].attributes.to_json()),
            expected,
            "{version:?}"
        );
        assert!(list(&path).unwrap()[0].meta.is_ok());
    }
}

/// A v3 or v2 group document with `attributes` at `dir/key`.
fn write_group(dir: &Path, key: &str, attributes: Value, version: ZarrVersion) {
    let at = dir.join(key);
    std::fs::create_dir_all(&at).unwrap();
    match version {
        ZarrVersion::V2 => {
            std::fs::write(at.join(".zgroup"), r#"{"zarr_format": 2}"#).unwrap();
            std::fs::write(at.join(".zattrs"), attributes.to_string()).unwrap();
        }
        _ => {
            let doc = serde_json::json!({"zarr_format": 3, "node_type": "group", "attributes": attributes});
            std::fs::write(at.join("zarr.json"), doc.to_string()).unwrap();
        }
    }
}

#[test]
fn groups_are_listed_root_first_then_depth_first_with_attributes() {
    for version in [ZarrVersion::V2, ZarrVersion::V3] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.zarr");
        write_like(
            &zarr_address(&path, "b/arr"),
            &like(&[3], DType::U8, &[0]),
            version,
        );
        write_group(&path, "", serde_json::json!({"title": "root"}), version);
        write_group(
            &path,
            "b",
            serde_json::json!({"n": [[1, 2], [3, 4]]}),
            version,
        );
        write_group(&path, "b/c", serde_json::json!({}), version);
        write_group(&path, "a", serde_json::json!({"first": true}), version);
        // A directory without metadata is walked, not listed.
        write_group(&path, "implicit/deep", serde_json::json!({"x": 1}), version);
        let groups = tessera::store::zarr::groups(&path).unwrap();
        let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["", "a", "b", "b/c", "implicit/deep"], "{version:?}");
        assert_eq!(groups[0].attributes["title"], "root");
        assert_eq!(
            groups[2].attributes["n"],
            serde_json::json!([[1, 2], [3, 4]])
        );
        assert_eq!(groups[4].attributes["x"], 1);
        assert!(groups.iter().all(|g| g.dimensions.is_empty()));
        // Through the format-independent entry point too.
        assert_eq!(tessera::store::groups(&path).unwrap(), groups);
        let arrays: Vec<String> = list(&path).unwrap().into_iter().map(|e| e.name).collect();
        assert_eq!(arrays, ["b/arr"]);
    }
}

#[test]
fn a_store_that_is_an_array_has_only_a_root_group() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.zarr");
    write_like(
        &zarr_address(&path, ""),
        &like(&[3], DType::U8, &[0]),
        ZarrVersion::V3,
    );
    let groups = tessera::store::zarr::groups(&path).unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].name, "");
    assert!(
        groups[0].attributes.is_empty(),
        "the array's attributes are its own"
    );
}

#[test]
fn group_attributes_that_are_not_an_object_are_refused_by_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.zarr");
    std::fs::create_dir_all(&path).unwrap();
    std::fs::write(
        path.join("zarr.json"),
        r#"{"zarr_format": 3, "node_type": "group", "attributes": [1]}"#,
    )
    .unwrap();
    let text = tessera::store::zarr::groups(&path)
        .err()
        .unwrap()
        .to_string();
    assert!(
        text.contains("zarr.json") && text.contains("'attributes'"),
        "{text}"
    );
    assert!(!text.contains('\n'));
}

#[test]
fn stores_whose_root_has_no_metadata_list_the_arrays_below() {
    for (version, metadata) in [(ZarrVersion::V3, "zarr.json"), (ZarrVersion::V2, ".zgroup")] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.zarr");
        let address = zarr_address(&path, "group/array");
        write_like(&address, &like(&[4], DType::I32, &[0; 4]), version);
        std::fs::remove_file(path.join(metadata)).unwrap();
        std::fs::remove_file(path.join("group").join(metadata)).unwrap();
        let entries = list(&path).unwrap();
        assert_eq!(entries.len(), 1, "{version:?}");
        assert_eq!(entries[0].name, "group/array");
        assert!(entries[0].meta.is_ok());
        assert!(ZarrSource::open(&address).is_ok());
        let groups = tessera::store::zarr::groups(&path).unwrap();
        assert_eq!(groups.len(), 1, "only the implicit root: {groups:?}");
        assert_eq!(tessera::store::list(&path).unwrap(), entries);
    }
}

// ---- fixtures written by zarr-python ----

fn fixtures() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipping: ../shared/fixtures not found");
        None
    }
}

/// A minimal .npy reader: (dtype, shape, native C-ordered bytes).
fn read_npy(path: &Path) -> (DType, Vec<u64>, Vec<u8>) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..6], b"\x93NUMPY");
    let (header_len, start) = if bytes[6] == 1 {
        (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10)
    } else {
        (
            u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize,
            12,
        )
    };
    let header = std::str::from_utf8(&bytes[start..start + header_len]).unwrap();
    let field = |key: &str| {
        let at = header.find(&format!("'{key}':")).unwrap() + key.len() + 3;
        header[at..].trim_start().to_string()
    };
    let descr = field("descr");
    let descr = descr[1..].split('\'').next().unwrap().to_string();
    let (dtype, endian) = DType::from_numpy_str(&descr).unwrap();
    let fortran = field("fortran_order").starts_with("True");
    let shape_text = field("shape");
    let shape: Vec<u64> = shape_text[1..shape_text.find(')').unwrap()]
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse().unwrap())
        .collect();
    let mut data = bytes[start + header_len..].to_vec();
    if endian != tessera::dtype::Endian::NATIVE {
        tessera::dtype::swap_bytes_in_place(&mut data, dtype.size());
    }
    if fortran {
        data = f_to_c(&data, &shape, dtype.size());
    }
    (dtype, shape, data)
}

/// Reorders Fortran-ordered elements into C order.
fn f_to_c(data: &[u8], shape: &[u64], size: usize) -> Vec<u8> {
    let n: u64 = shape.iter().product();
    let mut out = Vec::with_capacity(data.len());
    for linear in 0..n {
        let mut rest = linear;
        let mut index = vec![0u64; shape.len()];
        for d in (0..shape.len()).rev() {
            index[d] = rest % shape[d];
            rest /= shape[d];
        }
        let mut offset = 0u64;
        for d in (0..shape.len()).rev() {
            offset = offset * shape[d] + index[d];
        }
        let at = offset as usize * size;
        out.extend_from_slice(&data[at..at + size]);
    }
    out
}

fn zarr_entries(root: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(root.join("manifest.json")).unwrap();
    let all: Vec<Value> = serde_json::from_str(&text).unwrap();
    all.into_iter()
        .filter(|e| e["format"].as_str().unwrap_or("").starts_with("zarr"))
        .collect()
}

fn check_fixture(root: &Path, entry: &Value) -> Result<(), String> {
    let store = root.join(entry["path"].as_str().unwrap());
    let address = zarr_address(&store, entry["array"].as_str().unwrap_or(""));
    let opened = ZarrSource::open(&address);
    let Some(expected) = entry["expected"].as_str() else {
        let err = match opened {
            Ok(source) => match source.read_region(&Region::whole(&source.meta().shape.clone())) {
                Ok(_) => return Err("was read, but must be refused".into()),
                Err(e) => e,
            },
            Err(e) => e,
        };
        let text = err.to_string();
        if !text.contains(&store.display().to_string()) || text.contains('\n') {
            return Err(format!("error is not one line naming the store: {text}"));
        }
        let non_numeric = entry["note"].as_str().unwrap_or("").contains("non-numeric");
        if non_numeric && !matches!(err, Error::UnsupportedDtype { .. }) {
            return Err(format!("expected UnsupportedDtype, got: {text}"));
        }
        return Ok(());
    };
    let source = opened.map_err(|e| e.to_string())?;
    let (dtype, shape, want) = read_npy(&root.join(expected));
    let got = read(&source);
    if got.dtype() != dtype || got.shape() != shape.as_slice() {
        return Err(format!(
            "got {} {:?}, expected {dtype} {shape:?}",
            got.dtype(),
            got.shape()
        ));
    }
    if got.bytes() != want.as_slice() {
        return Err("values differ".into());
    }
    let whole = source
        .read_region(&Region::whole(&shape))
        .map_err(|e| e.to_string())?;
    if whole.bytes() != want.as_slice() {
        return Err("read_region differs".into());
    }
    Ok(())
}

#[test]
fn zarr_python_fixtures_read_as_zarr_python_read_them() {
    let Some(root) = fixtures() else { return };
    let entries = zarr_entries(&root);
    assert!(
        entries.len() > 200,
        "manifest has {} Zarr entries",
        entries.len()
    );
    let failures: Vec<String> = entries
        .iter()
        .filter_map(|entry| {
            check_fixture(&root, entry)
                .err()
                .map(|e| format!("{}:{}: {e}", entry["path"], entry["array"]))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn fixture_metadata_reads_naturally() {
    let Some(root) = fixtures() else { return };
    let open = |store: &str, array: &str| {
        ZarrSource::open(&zarr_address(&root.join(store), array))
            .unwrap()
            .meta()
            .clone()
    };
    let sharded = open("zarr3-python", "2d.chunked.compressed.sharded.i2");
    assert_eq!(sharded.chunks, vec![1, 1]);
    assert!(
        sharded.layout.starts_with("sharded (shard "),
        "{}",
        sharded.layout
    );
    assert!(sharded.codec.contains("gzip(5)"), "{}", sharded.codec);
    let blosc = open("zarr2-python-fixture", "0/4");
    assert_eq!(blosc.codec, "blosc(zstd, clevel 1, shuffle)");
    let f_order = open("zarr2-python-mixed", "3d.chunked.mixed.i2.F");
    assert_eq!(f_order.layout, "chunked (F order)");
    let delta = open("zarr2-python-mixed", "1d.contiguous.delta.i2");
    assert!(delta.codec.starts_with("delta"), "{}", delta.codec);
}

#[test]
fn draft_v3_store_is_refused_in_one_line() {
    let Some(root) = fixtures() else { return };
    let path = root.join("negative/zarr3-draft.zarr");
    for err in [
        ZarrSource::open(&zarr_address(&path, "")).err().unwrap(),
        ZarrSource::open(&zarr_address(&path, "gzip"))
            .err()
            .unwrap(),
        list(&path).err().unwrap(),
    ] {
        let text = err.to_string();
        assert!(matches!(err, Error::Format { .. }), "{text}");
        assert!(
            text.contains("draft") && text.contains("zarr3-draft.zarr"),
            "{text}"
        );
        assert!(!text.contains('\n'), "{text}");
    }
}

#[test]
fn fixture_stores_list_every_array() {
    let Some(root) = fixtures() else { return };
    let entries = list(&root.join("zarr2-python-mixed")).unwrap();
    let find = |name: &str| entries.iter().find(|e| e.name == name).unwrap();
    assert!(find("1d.contiguous.raw.i2").meta.is_ok());
    let strings = find("1d.contiguous.U7").meta.as_ref().err().unwrap();
    assert!(strings.contains("<U7"), "{strings}");
    let v3 = list(&root.join("zarr3-python")).unwrap();
    assert!(v3.iter().any(|e| e.name == "consolidated/nested/1d.i2"));
    let astronaut = list(&root.join("zarr2-astronaut")).unwrap();
    assert!(astronaut.iter().all(|e| e.meta.is_ok()));
}
