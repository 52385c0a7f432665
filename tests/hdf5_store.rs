//! The HDF5 store through the public API: `store::create` / `store::open` / `store::list`
//! with parsed addresses, files tessera writes read back by the HDF5 library itself
//! (what h5py sees), concurrent chunk reads, and the project's own fixtures in data/.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use tessera::store::{self, ArrayMeta, Codec, WriteOptions, ZarrVersion};
use tessera::{Address, Chunk, DType, Error};

fn meta(dtype: DType, shape: &[u64]) -> ArrayMeta {
    ArrayMeta {
        shape: shape.to_vec(),
        chunks: shape.to_vec(),
        dtype,
        fill_value: vec![0; dtype.size()],
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

/// Writes `values` (C order over `like.shape`) as `text` ("file.h5:/ds").
fn write(text: &str, like: &ArrayMeta, opts: &WriteOptions, values: &Chunk) {
    let address = Address::parse(text).unwrap();
    let sink = store::create(&address, like, opts, &[]).unwrap();
    let grid = sink.meta().grid().unwrap();
    let whole = tessera::grid::Region::whole(&like.shape);
    let indices: Vec<Vec<u64>> = grid.indices().collect();
    indices.par_iter().for_each(|index| {
        let region = grid.chunk_region(index);
        let mut chunk = Chunk::zeros(like.dtype, &region.shape);
        values.copy_overlap_into(&whole, &mut chunk, &region);
        sink.write_chunk(index, &chunk).unwrap();
    });
    sink.commit().unwrap();
}

fn project_data() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    dir.join("hdf5/tessera.h5").is_file().then_some(dir)
}

#[test]
fn written_files_read_back_through_tessera_and_libhdf5() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.h5");
    let text = format!("{}:/results/grid", path.display());
    let values: Vec<f64> = (0..90 * 70).map(|i| (f64::from(i) * 0.01).cos()).collect();
    let data = Chunk::from_slice(&[90, 70], &values).unwrap();
    write(
        &text,
        &meta(DType::F64, &[90, 70]),
        &options(&[32, 32], Codec::Gzip(5)),
        &data,
    );

    let source = store::open(&Address::parse(&text).unwrap()).unwrap();
    assert_eq!(source.meta().codec, "shuffle+deflate(5)");
    let region = tessera::grid::Region {
        start: vec![10, 20],
        shape: vec![50, 45],
    };
    let part = source.read_region(&region).unwrap();
    let expected = data.extract(&region);
    assert_eq!(part, expected);

    // What h5py would read: the HDF5 library's own filter pipeline over our chunks.
    let file = hdf5::File::open(&path).unwrap();
    let ds = file.dataset("/results/grid").unwrap();
    assert_eq!(ds.chunk(), Some(vec![32, 32]));
    assert_eq!(ds.read_raw::<f64>().unwrap(), values);
}

#[test]
fn bool_arrays_are_hdf5_enums_like_h5py_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mask.h5");
    let text = format!("{}:/mask", path.display());
    let flags: Vec<u8> = (0..50u8).map(|i| u8::from(i % 7 < 3)).collect();
    let data = Chunk::from_bytes(DType::Bool, &[50], &flags).unwrap();
    write(
        &text,
        &meta(DType::Bool, &[50]),
        &options(&[16], Codec::None),
        &data,
    );

    let file = hdf5::File::open(&path).unwrap();
    let ds = file.dataset("mask").unwrap();
    let desc = ds.dtype().unwrap().to_descriptor().unwrap();
    assert_eq!(desc, hdf5::types::TypeDescriptor::Boolean);
    let read: Vec<bool> = ds.read_raw().unwrap();
    assert_eq!(read, flags.iter().map(|f| *f == 1).collect::<Vec<_>>());
    let source = store::open(&Address::parse(&text).unwrap()).unwrap();
    assert_eq!(source.meta().dtype, DType::Bool);
    let whole = tessera::grid::Region::whole(&[50]);
    assert_eq!(source.read_region(&whole).unwrap(), data);
}

#[test]
fn concurrent_chunk_reads_agree_with_serial_reads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.h5");
    let text = format!("{}:/m", path.display());
    let values: Vec<i32> = (0..200 * 200).map(|i| i % 1013 - 500).collect();
    let data = Chunk::from_slice(&[200, 200], &values).unwrap();
    write(
        &text,
        &meta(DType::I32, &[200, 200]),
        &options(&[17, 23], Codec::Gzip(1)),
        &data,
    );
    let source = store::open(&Address::parse(&text).unwrap()).unwrap();
    let grid = source.meta().grid().unwrap();
    let indices: Vec<Vec<u64>> = grid.indices().collect();
    let serial: Vec<Chunk> = indices
        .iter()
        .map(|i| source.read_chunk(i).unwrap())
        .collect();
    for _ in 0..4 {
        let parallel: Vec<Chunk> = indices
            .par_iter()
            .map(|i| source.read_chunk(i).unwrap())
            .collect();
        assert_eq!(parallel, serial);
    }
}

#[test]
fn existing_targets_and_unsupported_codecs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("taken.h5");
    std::fs::write(&path, b"x").unwrap();
    let text = format!("{}:/a", path.display());
    let address = Address::parse(&text).unwrap();
    let err = store::create(
        &address,
        &meta(DType::U8, &[4]),
        &options(&[2], Codec::None),
        &[],
    )
    .err()
    .unwrap();
    // Not an HDF5 file: nothing is added to it.
    assert!(err.to_string().contains("is not an HDF5 file"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), b"x");
    let fresh = Address::parse(&format!("{}:/a", dir.path().join("new.h5").display())).unwrap();
    for codec in [Codec::Zstd(3), Codec::BloscLz4(5), Codec::BloscZstd(5)] {
        let err = store::create(&fresh, &meta(DType::U8, &[4]), &options(&[2], codec), &[])
            .err()
            .unwrap();
        assert!(err.to_string().contains("gzip:L"), "{err}");
    }
    assert!(!dir.path().join("new.h5").exists());
}

#[test]
fn project_fixtures_list_and_read() {
    let Some(data) = project_data() else {
        eprintln!("skipping: data/hdf5/tessera.h5 is absent");
        return;
    };
    let path = data.join("hdf5/tessera.h5");
    let entries = store::list(&path).unwrap();
    let find = |name: &str| entries.iter().find(|e| e.name == name).unwrap();
    let strings = find("/strings/vlen").meta.as_ref().err().unwrap();
    assert!(strings.contains("unsupported dtype"), "{strings}");
    let empty = find("/contiguous/empty_f8").meta.as_ref().unwrap();
    assert_eq!(empty.shape, vec![0, 5]);
    let scalar = find("/contiguous/scalar_i8").meta.as_ref().unwrap();
    assert_eq!((scalar.shape.len(), scalar.dtype), (0, DType::I64));

    let text = format!("{}:/chunked/i2_missing_fill", path.display());
    let source = store::open(&Address::parse(&text).unwrap()).unwrap();
    let whole = tessera::grid::Region::whole(&source.meta().shape);
    let all = source.read_region(&whole).unwrap();
    assert_eq!(all.shape(), &[40, 40]);
    let err = store::open(&Address::parse(&format!("{}:/strings/fixed", path.display())).unwrap())
        .err()
        .unwrap();
    assert!(matches!(err, Error::UnsupportedDtype { .. }), "{err}");
}
