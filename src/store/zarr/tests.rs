//! Unit tests of `store/zarr/mod.rs`.

use super::sink::fill_json;
use super::*;

#[test]
fn fill_values_become_json() {
    assert_eq!(
        fill_json(DType::F64, &f64::NAN.to_ne_bytes()),
        Value::from("NaN")
    );
    assert_eq!(
        fill_json(DType::I16, &(-3i16).to_ne_bytes()),
        Value::from(-3)
    );
    assert_eq!(
        fill_json(DType::U64, &u64::MAX.to_ne_bytes()),
        Value::from(u64::MAX)
    );
    assert_eq!(fill_json(DType::Bool, &[1]), Value::from(true));
}

#[test]
fn pads_edge_chunks_with_fill() {
    let meta = ArrayMeta {
        shape: vec![3],
        chunks: vec![2],
        dtype: DType::I16,
        fill_value: 9i16.to_ne_bytes().to_vec(),
        codec: String::new(),
        layout: String::new(),
        attributes: Default::default(),
        dimension_names: None,
        stored_bytes: None,
        fill_marks_missing: false,
    };
    let chunk = Chunk::from_slice(&[1], &[5i16]).unwrap();
    let region = Region {
        start: vec![2],
        shape: vec![1],
    };
    let full = pad_to_full(&chunk, &region, &meta);
    assert_eq!(full.as_slice::<i16>().unwrap(), &[5, 9]);
}

#[test]
fn plain_compressed_chunks_decode_straight_into_the_chunk() {
    use crate::graph::Array as Lazy;
    let dir = tempfile::tempdir().unwrap();
    let ctx = crate::Context::builder().threads(1).build().unwrap();
    let values = ndarray::Array2::from_shape_fn((7, 9), |(i, j)| (i * 9 + j) as f64 * 0.5);
    let cases = [
        (Codec::Zstd(1), ZarrVersion::V3, true),
        (Codec::Gzip(1), ZarrVersion::V2, true),
        (Codec::Zstd(3), ZarrVersion::V2, true),
        (Codec::None, ZarrVersion::V3, false),
        (Codec::BloscLz4(5), ZarrVersion::V3, false),
    ];
    for (i, (codec, version, direct)) in cases.into_iter().enumerate() {
        let path = dir.path().join(format!("a{i}.zarr")).display().to_string();
        let address = Address::parse(&path).unwrap();
        let mut options = WriteOptions::new(&[4, 4]);
        (options.codec, options.zarr_version) = (codec, version);
        let array = Lazy::from_ndarray(values.view(), &[7, 9]).unwrap();
        array.store(&ctx, &address, &options, None).unwrap();
        let source = ZarrSource::open(&address).unwrap();
        assert_eq!(source.direct.is_some(), direct, "{codec:?} {version:?}");
        // Interior and edge chunks (stored full size, cut on read) both match.
        let read = Lazy::open(&path).unwrap().compute_vec::<f64>(&ctx).unwrap();
        assert_eq!(
            read,
            values.iter().copied().collect::<Vec<_>>(),
            "{codec:?}"
        );
    }
}
