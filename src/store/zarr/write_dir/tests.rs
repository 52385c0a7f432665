//! Unit tests of `store/zarr/write_dir.rs`.

use super::*;

#[test]
fn writes_nest_beneath_the_root_and_never_recreate_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    std::fs::create_dir(&root).unwrap();
    let store = WriteDir::open(&root).unwrap();
    let key = StoreKey::new("a/c/0/1").unwrap();
    store.set(&key, Bytes::from_static(b"xyz")).unwrap();
    assert_eq!(std::fs::read(root.join("a/c/0/1")).unwrap(), b"xyz");
    store
        .set_partial_many(&key, Box::new([(1, Bytes::from_static(b"Q"))].into_iter()))
        .unwrap();
    assert_eq!(std::fs::read(root.join("a/c/0/1")).unwrap(), b"xQz");
    store.erase(&key).unwrap();
    assert!(!root.join("a/c/0/1").exists());
    // The staging directory goes away: writes fail, nothing is recreated.
    std::fs::remove_dir_all(&root).unwrap();
    let other = StoreKey::new("a/c/0/2").unwrap();
    assert!(store.set(&other, Bytes::from_static(b"x")).is_err());
    assert!(!root.exists());
}

#[test]
fn keys_never_lead_out() {
    for key in ["../x", "a/../../x", "a//b", "./a"] {
        assert!(components(key).is_err(), "{key}");
    }
}
