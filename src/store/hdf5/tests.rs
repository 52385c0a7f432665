//! Unit tests of the HDF5 store: round trips through the sink, the fast path against
//! HDF5's own `H5Dread`, the reference fixtures, and files that must be refused.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::*;
use crate::address::Format;
use crate::store::ZarrVersion;

fn addr(path: &Path, name: &str) -> Address {
    Address {
        path: path.to_path_buf(),
        format: Format::Hdf5,
        array: name.to_string(),
    }
}

fn fixtures() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: ../shared/fixtures is absent");
        None
    }
}

/// The whole dataset as HDF5's own H5Dread returns it.
fn library_read(path: &Path, name: &str, dtype: DType) -> Chunk {
    let file = hdf5::File::open(path).unwrap();
    let ds = file.dataset(name).unwrap();
    let shape: Vec<u64> = ds.shape().iter().map(|n| *n as u64).collect();
    let memtype = meta::memtype(path, dtype).unwrap();
    let bytes = raw::read_region(&ds, &memtype, &Region::whole(&shape), dtype.size()).unwrap();
    Chunk::from_bytes(dtype, &shape, &bytes).unwrap()
}

/// The whole dataset through tessera's reader, chunks read in parallel.
fn tessera_read(source: &Hdf5Source) -> Chunk {
    let meta = source.meta();
    let grid = meta.grid().unwrap();
    let whole = Region::whole(&meta.shape);
    let chunks: Vec<(Vec<u64>, Chunk)> = grid
        .indices()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|i| {
            let c = source.read_chunk(&i).unwrap();
            (i, c)
        })
        .collect();
    let mut out = Chunk::zeros(meta.dtype, &meta.shape);
    for (i, c) in chunks {
        assert_eq!(c.shape(), grid.chunk_region(&i).shape.as_slice());
        c.copy_overlap_into(&grid.chunk_region(&i), &mut out, &whole);
    }
    out
}

/// Deterministic test values for `dtype` (0/1 for bool).
fn values(dtype: DType, n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n * dtype.size());
    for i in 0..n as u64 {
        if dtype == DType::Bool {
            out.push(u8::from(i % 3 == 0));
            continue;
        }
        let v = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 7 ^ (i / 5);
        out.extend_from_slice(&v.to_le_bytes()[..dtype.size()]);
    }
    out
}

fn like(dtype: DType, shape: &[u64], fill: Vec<u8>) -> ArrayMeta {
    ArrayMeta {
        shape: shape.to_vec(),
        chunks: shape.to_vec(),
        dtype,
        fill_value: fill,
        codec: String::new(),
        layout: String::new(),
        attributes: Default::default(),
        dimension_names: None,
        stored_bytes: None,
        fill_marks_missing: false,
    }
}

fn options(chunks: &[u64], codec: Codec) -> WriteOptions {
    WriteOptions {
        chunks: chunks.to_vec(),
        codec,
        zarr_version: ZarrVersion::V3,
        shard: None,
        overwrite: false,
    }
}

/// Writes `data` through Hdf5Sink, every chunk in parallel, and commits.
fn write_array(path: &Path, name: &str, like: &ArrayMeta, opts: &WriteOptions, data: &Chunk) {
    let sink = Hdf5Sink::create(&addr(path, name), like, opts).unwrap();
    let grid = sink.meta().grid().unwrap();
    let whole = Region::whole(&like.shape);
    grid.indices()
        .collect::<Vec<_>>()
        .into_par_iter()
        .for_each(|i| {
            let region = grid.chunk_region(&i);
            let mut chunk = Chunk::zeros(like.dtype, &region.shape);
            data.copy_overlap_into(&whole, &mut chunk, &region);
            sink.write_chunk(&i, &chunk).unwrap();
        });
    Box::new(sink).commit().unwrap();
}

#[test]
fn round_trips_every_dtype_and_rank() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&[u64], &[u64])] = &[
        (&[37], &[8]),
        (&[10, 7], &[4, 3]),
        (&[5, 6, 7], &[2, 6, 3]),
        (&[3, 4, 5, 6], &[2, 3, 5, 4]),
        (&[4, 4], &[4, 4]),
    ];
    let mut n = 0;
    for dtype in DType::ALL {
        for (shape, chunks) in cases {
            for codec in [Codec::None, Codec::Gzip(1), Codec::Gzip(6)] {
                n += 1;
                let path = dir.path().join(format!("rt{n}.h5"));
                let len = shape.iter().product::<u64>() as usize;
                let data = Chunk::from_bytes(dtype, shape, &values(dtype, len)).unwrap();
                let like = like(dtype, shape, vec![0; dtype.size()]);
                write_array(&path, "/g/sub/data", &like, &options(chunks, codec), &data);
                let source = Hdf5Source::open(&addr(&path, "/g/sub/data")).unwrap();
                assert!(source.is_fast_path());
                assert_eq!(source.meta().chunks, chunks.to_vec());
                assert_eq!(source.meta().dtype, dtype);
                let got = tessera_read(&source);
                assert_eq!(got, data, "{dtype} {shape:?} {codec:?}");
                let lib = library_read(&path, "/g/sub/data", dtype);
                assert_eq!(lib, data, "H5Dread of {dtype} {shape:?} {codec:?}");
            }
        }
    }
}

#[test]
fn sink_reports_layout_codec_and_attributes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("attrs.h5");
    let mut like = like(DType::F32, &[6, 4], 2.5f32.to_ne_bytes().to_vec());
    let attrs = serde_json::json!({
        "units": "K", "scale": 0.5, "count": 3, "flag": true,
        "range": [1, 2, 3], "weights": [0.5, 1.5], "skip": {"nested": 1},
        "_FillValue": 2.5, "valid_range": [0, 10], "_Netcdf4Dimid": 0
    });
    like.attributes = attrs.as_object().unwrap().clone().into();
    let data = Chunk::from_slice(&[6, 4], &[1.0f32; 24]).unwrap();
    write_array(&path, "/t", &like, &options(&[4, 4], Codec::Gzip(4)), &data);
    let source = Hdf5Source::open(&addr(&path, "/t")).unwrap();
    let meta = source.meta();
    assert_eq!(meta.codec, "shuffle+deflate(4)");
    assert_eq!(meta.layout, "chunked");
    assert_eq!(meta.fill_value, 2.5f32.to_ne_bytes().to_vec());
    let a = &meta.attributes;
    assert_eq!(a["units"], "K");
    assert_eq!(a["scale"], 0.5);
    assert_eq!(a["count"], 3);
    assert_eq!(a["flag"], true);
    assert_eq!(a["range"], serde_json::json!([1, 2, 3]));
    assert_eq!(a["weights"], serde_json::json!([0.5, 1.5]));
    assert_eq!(
        a["skip"], r#"{"nested":1}"#,
        "objects are kept as JSON text"
    );
    assert!(
        !a.contains_key("_Netcdf4Dimid"),
        "netCDF plumbing is not an attribute"
    );
    assert_eq!(a["_FillValue"], 2.5);
    assert_eq!(a["valid_range"], serde_json::json!([0.0, 10.0]));
    let file = hdf5::File::open(&path).unwrap();
    let ds = file.dataset("t").unwrap();
    for name in ["_FillValue", "valid_range"] {
        let desc = ds
            .attr(name)
            .unwrap()
            .dtype()
            .unwrap()
            .to_descriptor()
            .unwrap();
        assert_eq!(
            desc,
            meta::descriptor(DType::F32),
            "{name} takes the data's type"
        );
    }
}

#[test]
fn sink_refuses_other_codecs_and_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("z.h5");
    let like = like(DType::U8, &[4], vec![0]);
    let err = Hdf5Sink::create(&addr(&path, "/a"), &like, &options(&[2], Codec::Zstd(3)))
        .err()
        .unwrap();
    assert!(err.to_string().contains("gzip:L"), "{err}");
    {
        let _sink =
            Hdf5Sink::create(&addr(&path, "/a"), &like, &options(&[2], Codec::None)).unwrap();
    }
    assert!(!path.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "staged file left behind"
    );
}

#[test]
fn missing_chunks_read_as_the_fill_value() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fill.h5");
    let like = like(DType::I16, &[10, 10], (-7i16).to_ne_bytes().to_vec());
    let sink =
        Hdf5Sink::create(&addr(&path, "/x"), &like, &options(&[4, 4], Codec::Gzip(1))).unwrap();
    let chunk = Chunk::from_slice(&[4, 4], &[5i16; 16]).unwrap();
    sink.write_chunk(&[0, 0], &chunk).unwrap();
    Box::new(sink).commit().unwrap();
    let source = Hdf5Source::open(&addr(&path, "/x")).unwrap();
    assert_eq!(source.read_chunk(&[0, 0]).unwrap(), chunk);
    let edge = source.read_chunk(&[2, 1]).unwrap();
    assert_eq!(edge.shape(), &[2, 4]);
    assert!(edge.as_slice::<i16>().unwrap().iter().all(|v| *v == -7));
    assert_eq!(tessera_read(&source), library_read(&path, "/x", DType::I16));
    assert!(source.read_chunk(&[3, 0]).is_err());
    assert!(source.read_chunk(&[0]).is_err());
}

#[test]
fn scalar_datasets_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scalar.h5");
    let like = like(DType::F64, &[], vec![0; 8]);
    let data = Chunk::from_slice(&[], &[42.5f64]).unwrap();
    write_array(&path, "/s", &like, &options(&[], Codec::Gzip(4)), &data);
    let source = Hdf5Source::open(&addr(&path, "/s")).unwrap();
    assert_eq!(source.meta().shape, Vec::<u64>::new());
    assert_eq!(source.read_chunk(&[]).unwrap(), data);
}

#[test]
fn big_endian_and_contiguous_datasets_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("be.h5");
    let values: Vec<i32> = (0..1000).map(|i| i * 7919 - 300_000).collect();
    {
        let file = hdf5::File::create(&path).unwrap();
        let be: Datatype = hdf5::sync::sync(|| unsafe {
            hdf5::from_id(hdf5_sys::h5t::H5Tcopy(*hdf5::globals::H5T_STD_I32BE)).unwrap()
        });
        let ds = file
            .new_dataset_builder()
            .empty_as(hdf5::DatasetType::Datatype(be.clone()))
            .shape([40, 25])
            .chunk([16, 10])
            .shuffle()
            .deflate(3)
            .create("chunked")
            .unwrap();
        ds.write_raw(&values).unwrap();
        let ds = file
            .new_dataset_builder()
            .empty_as(hdf5::DatasetType::Datatype(be))
            .shape([40, 25])
            .create("contiguous")
            .unwrap();
        ds.write_raw(&values).unwrap();
        file.new_dataset::<u16>()
            .shape([30])
            .create("unwritten")
            .unwrap();
    }
    let expected = Chunk::from_slice(&[40, 25], &values).unwrap();
    for name in ["/chunked", "/contiguous"] {
        let source = Hdf5Source::open(&addr(&path, name)).unwrap();
        assert!(source.is_fast_path());
        assert_eq!(tessera_read(&source), expected, "{name}");
    }
    let source = Hdf5Source::open(&addr(&path, "/unwritten")).unwrap();
    assert_eq!(source.meta().layout, "contiguous");
    assert_eq!(tessera_read(&source), Chunk::zeros(DType::U16, &[30]));
}

#[test]
fn chunk_addresses_account_for_a_userblock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ub.h5");
    let values: Vec<f64> = (0..500).map(|i| f64::from(i).sin()).collect();
    {
        let file = hdf5::File::with_options()
            .with_fcpl(|p| p.userblock(1024))
            .create(&path)
            .unwrap();
        assert_eq!(file.userblock(), 1024);
        let ds = file
            .new_dataset::<f64>()
            .shape([500])
            .chunk([64])
            .deflate(2)
            .create("c")
            .unwrap();
        ds.write_raw(&values).unwrap();
        let ds = file
            .new_dataset::<f64>()
            .shape([500])
            .create("flat")
            .unwrap();
        ds.write_raw(&values).unwrap();
    }
    let expected = Chunk::from_slice(&[500], &values).unwrap();
    for name in ["/c", "/flat"] {
        let source = Hdf5Source::open(&addr(&path, name)).unwrap();
        assert_eq!(tessera_read(&source), expected, "{name}");
    }
}

#[test]
fn lzf_is_decoded_by_tessera_and_other_library_filters_use_h5dread() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lzf.h5");
    let values: Vec<u32> = (0..300).map(|i| i / 3).collect();
    {
        let file = hdf5::File::create(&path).unwrap();
        let ds = file
            .new_dataset::<u32>()
            .shape([300])
            .chunk([64])
            .lzf()
            .create("l")
            .unwrap();
        ds.write_raw(&values).unwrap();
    }
    let source = Hdf5Source::open(&addr(&path, "/l")).unwrap();
    assert!(source.is_fast_path());
    assert_eq!(source.meta().codec, "lzf");
    let expected = Chunk::from_slice(&[300], &values).unwrap();
    assert_eq!(tessera_read(&source), expected);
    assert_eq!(library_read(&path, "/l", DType::U32), expected);
    {
        let file = hdf5::File::open_rw(&path).unwrap();
        let ds = file
            .new_dataset::<u32>()
            .shape([300])
            .chunk([64])
            .nbit()
            .create("n")
            .unwrap();
        ds.write_raw(&values).unwrap();
    }
    let source = Hdf5Source::open(&addr(&path, "/n")).unwrap();
    assert!(!source.is_fast_path());
    assert_eq!(tessera_read(&source), expected);
}

#[test]
fn unsupported_dtypes_and_missing_datasets_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("str.h5");
    {
        let file = hdf5::File::create(&path).unwrap();
        let s: hdf5::types::VarLenUnicode = "hello".parse().unwrap();
        file.new_dataset::<hdf5::types::VarLenUnicode>()
            .create("text")
            .unwrap()
            .write_scalar(&s)
            .unwrap();
        file.new_dataset::<u8>()
            .shape([3])
            .create("grp/bytes")
            .unwrap();
    }
    let err = Hdf5Source::open(&addr(&path, "/text")).err().unwrap();
    assert!(matches!(err, Error::UnsupportedDtype { .. }), "{err}");
    assert!(
        err.to_string().contains("str.h5") && err.to_string().contains("unicode"),
        "{err}"
    );
    let err = Hdf5Source::open(&addr(&path, "/nope"))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("/grp/bytes") && err.contains("/nope"), "{err}");
    let err = Hdf5Source::open(&addr(&path, "/grp"))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("is a group"), "{err}");
    let entries = list(&path).unwrap();
    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["/text", "/grp/bytes"]);
    assert!(
        entries[0]
            .meta
            .as_ref()
            .err()
            .unwrap()
            .contains("unsupported dtype")
    );
    assert_eq!(entries[1].meta.as_ref().unwrap().shape, vec![3]);
}

#[test]
fn unreadable_files_give_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let not_hdf5 = dir.path().join("junk.h5");
    std::fs::write(&not_hdf5, b"this is not an HDF5 file at all").unwrap();
    let truncated = dir.path().join("cut.h5");
    {
        let file = hdf5::File::create(&truncated).unwrap();
        file.new_dataset::<f64>()
            .shape([1000])
            .create("d")
            .unwrap()
            .write_raw(&[1.0; 1000])
            .unwrap();
    }
    let bytes = std::fs::read(&truncated).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    let mut cases = vec![not_hdf5, truncated, dir.path().join("absent.h5")];
    if let Some(fx) = fixtures() {
        cases.push(fx.join("negative/hdf5-open-for-write-flag.hdf5"));
    }
    for path in cases {
        let err = Hdf5Source::open(&addr(&path, "/d"))
            .err()
            .unwrap()
            .to_string();
        let name = path.file_name().unwrap().to_str().unwrap();
        assert!(err.contains(name), "{err}");
        assert!(!err.contains('\n'), "{err}");
        eprintln!("{err}");
    }
}

#[test]
fn open_for_write_flag_is_explained() {
    let Some(fx) = fixtures() else { return };
    let path = fx.join("negative/hdf5-open-for-write-flag.hdf5");
    let err = Hdf5Source::open(&addr(&path, "/x"))
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("open for writing") && err.contains("h5clear"),
        "{err}"
    );
    assert!(list(&path).is_err());
}

#[test]
fn szip_is_refused_at_open() {
    let Some(fx) = fixtures() else { return };
    let path = fx.join("negative/szip-filter.h5");
    let err = Hdf5Source::open(&addr(&path, "/dset_szip")).err().unwrap();
    assert!(matches!(err, Error::UnsupportedCodec { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("szip-filter.h5") && text.contains("szip") && !text.contains('\n'),
        "{text}"
    );
}

#[test]
fn corrupt_fletcher32_chunk_is_reported() {
    let Some(fx) = fixtures() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f32.hdf5");
    std::fs::copy(fx.join("hdf5-h5py/fletcher32_datasets_latest.hdf5"), &path).unwrap();
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&path, perms).unwrap();
    let source = Hdf5Source::open(&addr(&path, "/float/float64")).unwrap();
    let Storage::Chunks(idx) = &source.storage else {
        panic!("not the fast path")
    };
    let loc = idx.table.chunks[&0];
    drop(source);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[loc.addr as usize + 3] ^= 0x5a;
    std::fs::write(&path, &bytes).unwrap();
    let source = Hdf5Source::open(&addr(&path, "/float/float64")).unwrap();
    let err = source.read_chunk(&[0, 0]).err().unwrap();
    assert!(matches!(err, Error::CorruptChunk { .. }), "{err}");
    assert!(
        err.to_string().contains("f32.hdf5") && err.to_string().contains("fletcher32"),
        "{err}"
    );
    assert!(source.read_chunk(&[1, 1]).is_ok());
}

/// Parses a .npy file into (dtype, shape, native bytes).
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
    let descr = header
        .split("'descr':")
        .nth(1)
        .unwrap()
        .split('\'')
        .nth(1)
        .unwrap();
    assert!(header.contains("'fortran_order': False"));
    let shape_text = header.split("'shape':").nth(1).unwrap();
    let shape_text = &shape_text[shape_text.find('(').unwrap() + 1..shape_text.find(')').unwrap()];
    let shape: Vec<u64> = shape_text
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse().unwrap())
        .collect();
    let (dtype, endian) = DType::from_numpy_str(descr).unwrap();
    let mut data = bytes[start + header_len..].to_vec();
    if endian != Endian::NATIVE {
        swap_bytes_in_place(&mut data, dtype.size());
    }
    (dtype, shape, data)
}

#[test]
fn fixtures_match_h5dread_and_the_reference_values() {
    let Some(fx) = fixtures() else { return };
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fx.join("manifest.json")).unwrap()).unwrap();
    let mut checked = 0;
    for entry in manifest.as_array().unwrap() {
        if !matches!(entry["format"].as_str(), Some("hdf5" | "netcdf4")) {
            continue;
        }
        let path = fx.join(entry["path"].as_str().unwrap());
        let name = entry["array"].as_str().unwrap();
        let source = Hdf5Source::open(&addr(&path, name)).unwrap();
        let got = tessera_read(&source);
        let lib = library_read(&path, name, source.meta().dtype);
        assert_eq!(got, lib, "{} {name}", path.display());
        if let Some(expected) = entry["expected"].as_str() {
            let (dtype, shape, data) = read_npy(&fx.join(expected));
            assert_eq!(
                (dtype, shape.as_slice()),
                (got.dtype(), got.shape()),
                "{name}"
            );
            assert_eq!(got.bytes(), data.as_slice(), "{} {name}", path.display());
        }
        // Every fixture's filters (deflate, shuffle, fletcher32, LZF) are tessera's own.
        let fast = source.is_fast_path();
        assert!(
            fast,
            "{} {name}: fast path {fast}, codec {}",
            path.display(),
            source.meta().codec
        );
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} HDF5 fixtures checked");
}

#[test]
fn lists_every_dataset_of_the_fixtures() {
    let Some(fx) = fixtures() else { return };
    let entries = list(&fx.join("netcdf4/issue672.nc")).unwrap();
    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    for want in ["/azi_angle_trip", "/sigma0"] {
        assert!(names.contains(&want), "{names:?}");
    }
    // A netCDF dimension without a coordinate variable is a dimension, not an array.
    assert!(!names.contains(&"/numCells"), "{names:?}");
    let root = &groups(&fx.join("netcdf4/issue672.nc")).unwrap()[0];
    assert!(
        root.dimensions.iter().any(|d| d.name == "numCells"),
        "{root:?}"
    );
    let azi = entries
        .iter()
        .find(|e| e.name == "/azi_angle_trip")
        .unwrap();
    let meta = azi.meta.as_ref().unwrap();
    assert_eq!(meta.chunks, vec![532, 82, 1]);
    assert_eq!(meta.codec, "shuffle+deflate(5)");
    eprintln!("{:?}", meta.attributes);
}

#[test]
fn fifos_are_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.h5");
    let cpath = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(cpath.as_ptr(), 0o644) }, 0);
    let (tx, rx) = std::sync::mpsc::channel();
    let fifo = path.clone();
    std::thread::spawn(move || {
        let opened = Hdf5Source::open(&addr(&fifo, "/d"))
            .err()
            .map(|e| e.to_string());
        let listed = list(&fifo).err().map(|e| e.to_string());
        let _ = tx.send((opened, listed));
    });
    let (opened, listed) = rx
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("opening a FIFO must not block");
    for message in [opened.unwrap(), listed.unwrap()] {
        assert!(message.contains("x.h5"), "{message}");
        assert!(message.contains("not a regular file"), "{message}");
    }
}

#[test]
fn hdf5_errors_carry_the_stack_outer_and_inner_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.h5");
    let file = hdf5::File::create(&path).unwrap();
    let e = file.dataset("/nope").unwrap_err();
    let text = crate::error::hdf5_reason(&e);
    assert!(!text.contains("unknown library error"), "{text}");
    assert!(
        text.contains("doesn't exist") || text.contains("not found"),
        "{text}"
    );
}

/// Whether the descriptor HDF5 holds for `file` is close-on-exec.
fn descriptor_closes_on_exec(file: &hdf5::File) -> bool {
    let mut handle: *mut std::ffi::c_void = std::ptr::null_mut();
    let found = hdf5::sync::sync(|| unsafe {
        hdf5_sys::h5f::H5Fget_vfd_handle(file.id(), hdf5_sys::h5p::H5P_DEFAULT, &mut handle)
    });
    assert!(found >= 0 && !handle.is_null());
    let fd = unsafe { *(handle as *const libc::c_int) };
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
    flags >= 0 && flags & libc::FD_CLOEXEC != 0
}

#[test]
fn files_are_held_close_on_exec_so_child_processes_do_not_keep_them_locked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.h5");
    let file = super::sink::create_file(&path).unwrap();
    assert!(descriptor_closes_on_exec(&file), "created");
    drop(file);
    let file = super::meta::open_file(&path).unwrap();
    assert!(descriptor_closes_on_exec(&file), "opened");
}
