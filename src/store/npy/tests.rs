//! Unit tests of `store/npy.rs`.

use super::*;
use crate::store::{Codec, ZarrVersion};

fn address(path: &Path) -> Address {
    Address {
        path: path.to_path_buf(),
        format: Format::Npy,
        array: String::new(),
    }
}

/// A file with a hand-written header dictionary (version `major`) and `data`.
fn write_raw(path: &Path, major: u8, dict: &str, data: &[u8]) {
    let mut bytes = MAGIC.to_vec();
    bytes.extend_from_slice(&[major, 0]);
    if major == 1 {
        bytes.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    } else {
        bytes.extend_from_slice(&(dict.len() as u32).to_le_bytes());
    }
    bytes.extend_from_slice(dict.as_bytes());
    bytes.extend_from_slice(data);
    std::fs::write(path, bytes).unwrap();
}

fn like(dtype: DType, shape: &[u64]) -> ArrayMeta {
    ArrayMeta {
        shape: shape.to_vec(),
        chunks: shape.iter().map(|n| (*n).max(1)).collect(),
        dtype,
        fill_value: vec![0; dtype.size()],
        codec: "none".into(),
        layout: "contiguous".into(),
        attributes: Default::default(),
        dimension_names: None,
        stored_bytes: None,
        fill_marks_missing: false,
    }
}

fn options(shape: &[u64]) -> WriteOptions {
    WriteOptions {
        chunks: shape.iter().map(|n| (*n).max(1)).collect(),
        codec: Codec::Gzip(5),
        zarr_version: ZarrVersion::V3,
        shard: None,
        overwrite: false,
    }
}

/// Writes `chunk` through an NpySink with a tiny write unit, chunk by chunk.
fn write_via_sink(path: &Path, chunk: &Chunk, block: u64) {
    let meta = like(chunk.dtype(), chunk.shape());
    let sink =
        NpySink::create_with_block(&address(path), &meta, &options(chunk.shape()), block).unwrap();
    let grid = sink.meta().grid().unwrap();
    for index in grid.indices() {
        let part = chunk.extract(&grid.chunk_region(&index));
        sink.write_chunk(&index, &part).unwrap();
    }
    Box::new(sink).commit().unwrap();
}

fn read_whole(path: &Path, block: u64) -> Chunk {
    let source = NpySource::open_with_block(&address(path), block).unwrap();
    let shape = source.meta().shape.clone();
    let via_region = source.read_region(&Region::whole(&shape)).unwrap();
    // The chunk path must agree with the direct region path.
    let grid = source.meta().grid().unwrap();
    let mut via_chunks = Chunk::zeros(source.meta().dtype, &shape);
    for index in grid.indices() {
        let part = source.read_chunk(&index).unwrap();
        part.copy_overlap_into(
            &grid.chunk_region(&index),
            &mut via_chunks,
            &Region::whole(&shape),
        );
    }
    assert_eq!(via_region, via_chunks);
    via_region
}

/// Deterministic, varied bytes: every bit pattern for floats is fine here.
fn pattern(dtype: DType, shape: &[u64]) -> Chunk {
    let mut chunk = Chunk::zeros(dtype, shape);
    for (i, b) in chunk.bytes_mut().iter_mut().enumerate() {
        *b = if dtype == DType::Bool {
            (i % 3 == 0) as u8
        } else {
            (i.wrapping_mul(37) ^ (i >> 3)) as u8
        };
    }
    chunk
}

fn header_of(text: &str) -> Result<Header> {
    parse_dict(text, 128, Path::new("x.npy"))
}

#[test]
fn parses_header_dictionaries() {
    let h = header_of("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }   \n").unwrap();
    assert_eq!(
        (h.dtype, h.endian, h.fortran_order),
        (DType::F64, Endian::Little, false)
    );
    assert_eq!(h.shape, vec![3, 4]);
    let h = header_of("{\"shape\": (7L,), \"fortran_order\": True, \"descr\": \">i2\"}").unwrap();
    assert_eq!(
        (h.dtype, h.endian, h.fortran_order, h.shape),
        (DType::I16, Endian::Big, true, vec![7])
    );
    let h = header_of("{'descr': '|b1', 'fortran_order': False, 'shape': ()}").unwrap();
    assert_eq!((h.dtype, h.shape.len()), (DType::Bool, 0));
}

#[test]
fn refuses_bad_header_dictionaries() {
    for bad in [
        "",
        "{'descr': '<f8', 'fortran_order': False}",
        "{'descr': '<f8', 'fortran_order': 0, 'shape': (3,)}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (3, -1)}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,)}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (3,)",
        "{'descr': '<f8 'fortran_order': False, 'shape': (3,)}",
        "[1, 2]",
        "{'descr': 8, 'fortran_order': False, 'shape': (3,)}",
        &"[".repeat(10_000),
    ] {
        let err = header_of(bad).unwrap_err();
        assert!(matches!(err, Error::Format { .. }), "{bad:?}: {err}");
        assert!(
            err.to_string().starts_with("x.npy: bad .npy header"),
            "{err}"
        );
    }
}

#[test]
fn refuses_non_numeric_dtypes() {
    for descr in [
        "'<U7'",
        "'|O'",
        "'|S3'",
        "'<c16'",
        "[('a', '<i4'), ('b', '<f8')]",
    ] {
        let text = format!("{{'descr': {descr}, 'fortran_order': False, 'shape': (2,)}}");
        let err = header_of(&text).unwrap_err();
        assert!(
            matches!(err, Error::UnsupportedDtype { .. }),
            "{descr}: {err}"
        );
        assert!(err.to_string().contains("x.npy"), "{err}");
    }
}

#[test]
fn reads_versions_1_2_and_3() {
    let dir = tempfile::tempdir().unwrap();
    let values = [1.5f32, -2.0, 3.25];
    let data: &[u8] = bytemuck::cast_slice(&values);
    let data: Vec<u8> = data
        .chunks(4)
        .flat_map(|e| {
            let mut v = e.to_vec();
            if Endian::NATIVE == Endian::Big {
                v.reverse();
            }
            v
        })
        .collect();
    for major in [1u8, 2, 3] {
        let path = dir.path().join(format!("v{major}.npy"));
        write_raw(
            &path,
            major,
            "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }\n",
            &data,
        );
        let chunk = read_whole(&path, BLOCK_BYTES);
        assert_eq!(chunk.as_slice::<f32>().unwrap(), &values);
    }
}

#[test]
fn refuses_bad_files_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let dict = "{'descr': '<i4', 'fortran_order': False, 'shape': (4,), }\n";
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty.npy", vec![]),
        ("tiny.npy", b"\x93NUM".to_vec()),
        ("eight.npy", b"\x93NUMPY\x01\x00".to_vec()),
        ("magic.npy", b"\x93NUMPX\x01\x00\x10\x00{}".to_vec()),
        ("version.npy", b"\x93NUMPY\x09\x00\x10\x00{}".to_vec()),
        ("cut.npy", b"\x93NUMPY\x01\x00\x50\x00{'descr'".to_vec()),
        ("preamble.npy", b"\x93NUMPY\x02\x00\x50".to_vec()),
        ("huge.npy", b"\x93NUMPY\x02\x00\xff\xff\xff\xff{}".to_vec()),
    ];
    for (name, bytes) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let err = NpySource::open(&address(&path)).err().unwrap();
        assert!(matches!(err, Error::Format { .. }), "{name}: {err}");
        assert!(err.to_string().contains(name), "{err}");
    }
    let path = dir.path().join("short.npy");
    write_raw(&path, 1, dict, &[0u8; 15]);
    let err = NpySource::open(&address(&path)).err().unwrap();
    assert!(
        err.to_string()
            .contains("short.npy: file is shorter than its data"),
        "{err}"
    );
}

#[test]
fn round_trips_every_dtype() {
    let dir = tempfile::tempdir().unwrap();
    for dtype in DType::ALL {
        for (shape, block) in [(vec![5u64, 3], 24u64), (vec![7, 2, 3], 40), (vec![11], 8)] {
            let path = dir.path().join(format!("{dtype}-{}.npy", shape.len()));
            let chunk = pattern(dtype, &shape);
            write_via_sink(&path, &chunk, block);
            assert_eq!(read_whole(&path, block), chunk, "{dtype} {shape:?}");
            assert_eq!(read_whole(&path, BLOCK_BYTES), chunk, "{dtype} {shape:?}");
        }
    }
}

#[test]
fn written_header_is_aligned_and_v1() {
    let header = encode_header(DType::F64, &[3, 4]);
    assert_eq!(header.len() % 64, 0);
    assert_eq!(&header[6..8], &[1, 0]);
    assert_eq!(*header.last().unwrap(), b'\n');
    let text = std::str::from_utf8(&header[10..]).unwrap();
    assert!(text.starts_with("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }"));
    let long: Vec<u64> = vec![1; 30_000];
    let header = encode_header(DType::U8, &long);
    assert_eq!(&header[6..8], &[2, 0]);
    assert_eq!(header.len() % 64, 0);
    let parsed = header_of(std::str::from_utf8(&header[12..]).unwrap()).unwrap();
    assert_eq!(parsed.shape, long);
}

#[test]
fn reads_big_endian_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("be.npy");
    let values: Vec<i32> = vec![1, -2, 300_000, i32::MIN, 7, 8];
    let data: Vec<u8> = values.iter().flat_map(|v| v.to_be_bytes()).collect();
    write_raw(
        &path,
        1,
        "{'descr': '>i4', 'fortran_order': False, 'shape': (2, 3), }\n",
        &data,
    );
    for block in [4, 12, BLOCK_BYTES] {
        assert_eq!(
            read_whole(&path, block).as_slice::<i32>().unwrap(),
            values.as_slice()
        );
    }
}

#[test]
fn reads_fortran_order_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.npy");
    // A 2x3x4 array a[i,j,k] = 100i + 10j + k, stored with i fastest (big-endian u16).
    let shape = [2u64, 3, 4];
    let mut data = Vec::new();
    for k in 0..4u16 {
        for j in 0..3u16 {
            for i in 0..2u16 {
                data.extend_from_slice(&(100 * i + 10 * j + k).to_be_bytes());
            }
        }
    }
    write_raw(
        &path,
        1,
        "{'descr': '>u2', 'fortran_order': True, 'shape': (2, 3, 4), }\n",
        &data,
    );
    let expected: Vec<u16> = (0..2u16)
        .flat_map(|i| (0..3u16).flat_map(move |j| (0..4u16).map(move |k| 100 * i + 10 * j + k)))
        .collect();
    for block in [2, 6, 12, 36, BLOCK_BYTES] {
        let source = NpySource::open_with_block(&address(&path), block).unwrap();
        assert_eq!(source.meta().shape, shape.to_vec());
        assert_eq!(
            read_whole(&path, block).as_slice::<u16>().unwrap(),
            expected.as_slice()
        );
    }
    // A sub-region straight from the file.
    let source = NpySource::open_with_block(&address(&path), 12).unwrap();
    let region = Region {
        start: vec![1, 1, 2],
        shape: vec![1, 2, 2],
    };
    let part = source.read_region(&region).unwrap();
    assert_eq!(part.as_slice::<u16>().unwrap(), &[112, 113, 122, 123]);
}

#[test]
fn zero_d_and_empty_arrays() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scalar.npy");
    write_raw(
        &path,
        1,
        "{'descr': '<f8', 'fortran_order': False, 'shape': (), }\n",
        &2.5f64.to_le_bytes(),
    );
    let chunk = read_whole(&path, BLOCK_BYTES);
    assert_eq!(
        (chunk.shape().len(), chunk.as_slice::<f64>().unwrap()),
        (0, &[2.5][..])
    );

    let path = dir.path().join("scalar-out.npy");
    let scalar = Chunk::from_slice::<i64>(&[], &[-9]).unwrap();
    write_via_sink(&path, &scalar, BLOCK_BYTES);
    assert_eq!(read_whole(&path, BLOCK_BYTES), scalar);

    let path = dir.path().join("empty.npy");
    let empty = Chunk::zeros(DType::F32, &[0, 5]);
    write_via_sink(&path, &empty, BLOCK_BYTES);
    let source = NpySource::open(&address(&path)).unwrap();
    assert_eq!(source.meta().grid().unwrap().num_chunks(), 0);
    assert_eq!(read_whole(&path, BLOCK_BYTES), empty);
}

#[test]
fn concurrent_writes_land_in_place() {
    use rayon::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("par.npy");
    let data = pattern(DType::F64, &[300, 7]);
    let meta = like(DType::F64, &[300, 7]);
    let sink =
        NpySink::create_with_block(&address(&path), &meta, &options(&[300, 7]), 7 * 8 * 3).unwrap();
    let grid = sink.meta().grid().unwrap();
    assert_eq!(sink.meta().chunks, vec![3, 7]);
    let indices: Vec<Vec<u64>> = grid.indices().collect();
    indices.par_iter().rev().for_each(|index| {
        sink.write_chunk(index, &data.extract(&grid.chunk_region(index)))
            .unwrap();
    });
    assert!(!path.exists(), "nothing appears before commit");
    Box::new(sink).commit().unwrap();
    assert_eq!(read_whole(&path, BLOCK_BYTES), data);
}

#[test]
fn sink_refuses_wrong_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.npy");
    let meta = like(DType::U8, &[10]);
    let sink = NpySink::create_with_block(&address(&path), &meta, &options(&[10]), 4).unwrap();
    assert!(
        sink.write_chunk(&[3], &Chunk::zeros(DType::U8, &[4]))
            .is_err()
    );
    assert!(
        sink.write_chunk(&[0], &Chunk::zeros(DType::U8, &[3]))
            .is_err()
    );
    assert!(
        sink.write_chunk(&[0], &Chunk::zeros(DType::I8, &[4]))
            .is_err()
    );
    drop(sink);
    assert!(!path.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "staged file removed"
    );
}

#[test]
fn lists_one_unnamed_array() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.npy");
    write_via_sink(&path, &pattern(DType::I16, &[4, 4]), BLOCK_BYTES);
    let entries = list(&path).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].name, "");
    let meta = entries[0].meta.as_ref().unwrap();
    assert_eq!((meta.shape.clone(), meta.dtype), (vec![4, 4], DType::I16));
    assert_eq!(
        meta.stored_bytes,
        Some(std::fs::metadata(&path).unwrap().len())
    );

    let path = dir.path().join("s.npy");
    write_raw(
        &path,
        1,
        "{'descr': '<U3', 'fortran_order': False, 'shape': (1,), }\n",
        &[0; 12],
    );
    let entries = list(&path).unwrap();
    assert!(
        entries[0]
            .meta
            .as_ref()
            .unwrap_err()
            .contains("unsupported dtype")
    );
}
