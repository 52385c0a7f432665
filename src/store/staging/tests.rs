//! Unit tests of `store/staging.rs`.

use super::*;

#[test]
fn nothing_appears_until_commit() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.npy");
    let staging = Staging::new(&target, false).unwrap();
    std::fs::write(staging.temp_path(), b"x").unwrap();
    assert!(!target.exists());
    staging.commit().unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), b"x");
}

#[test]
fn dropped_staging_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.zarr");
    let temp = {
        let staging = Staging::new(&target, false).unwrap();
        std::fs::create_dir(staging.temp_path()).unwrap();
        staging.temp_path().to_path_buf()
    };
    assert!(!temp.exists());
    assert!(!target.exists());
}

#[test]
fn refuses_existing_target_without_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.npy");
    std::fs::write(&target, b"old").unwrap();
    assert!(matches!(
        Staging::new(&target, false),
        Err(Error::TargetExists { .. })
    ));
    let staging = Staging::new(&target, true).unwrap();
    std::fs::write(staging.temp_path(), b"new").unwrap();
    staging.commit().unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), b"new");
}
