//! Unit tests of `store/target.rs`.

use super::*;

#[test]
fn chunk_keys_of_every_encoding() {
    let dir = Path::new("/s/a");
    for key in ["c/0/1", "c.0.1", "0.1", "0/1", "c", "0", "c/12/0/3"] {
        assert!(is_chunk_key(&dir.join(key), dir), "{key}");
    }
    for key in ["notes.txt", "c/x", "0..1", ".DS_Store", "c/0/x"] {
        assert!(!is_chunk_key(&dir.join(key), dir), "{key}");
    }
}

#[test]
fn worst_case_sizes_count_whole_blocks_and_files() {
    let like = ArrayMeta {
        shape: vec![100, 100],
        chunks: vec![10, 10],
        dtype: crate::dtype::DType::F64,
        fill_value: vec![0; 8],
        codec: String::new(),
        layout: String::new(),
        attributes: Default::default(),
        dimension_names: None,
        stored_bytes: None,
        fill_marks_missing: false,
    };
    let options = WriteOptions {
        chunks: vec![10, 10],
        codec: Codec::None,
        zarr_version: crate::store::ZarrVersion::V3,
        shard: None,
        overwrite: false,
    };
    // 100 chunks of 800 bytes, each in a 4 KiB block, plus slack.
    let (bytes, files) = max_output_size(Format::Zarr, &like, &options, 4096).unwrap();
    assert_eq!(bytes, 100 * 4096 + METADATA_SLACK);
    assert_eq!(files, 116);
    let (bytes, files) = max_output_size(Format::Npy, &like, &options, 4096).unwrap();
    assert_eq!((bytes, files), (round_up(80_000 + METADATA_SLACK, 4096), 1));
    let huge = ArrayMeta {
        shape: vec![u64::MAX, 2],
        ..like
    };
    assert!(max_output_size(Format::Npy, &huge, &options, 4096).is_none());
}

#[test]
fn a_target_inside_an_input_store_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("in.zarr");
    std::fs::create_dir(&store).unwrap();
    let err = check_not_an_input(&store.join("out.npy"), std::slice::from_ref(&store));
    assert!(err.unwrap_err().to_string().contains("inside the input"));
    let err = check_not_an_input(&store, std::slice::from_ref(&store.join("x")));
    assert!(err.is_ok(), "x does not exist: nothing to protect");
    std::fs::write(store.join("x"), b"1").unwrap();
    let err = check_not_an_input(&store, &[store.join("x")]);
    assert!(err.unwrap_err().to_string().contains("contains the input"));
    let link = dir.path().join("alias");
    std::os::unix::fs::symlink(store.join("x"), &link).unwrap();
    let err = check_not_an_input(&link, &[store.join("x")]);
    assert!(err.unwrap_err().to_string().contains("is the input"));
}
