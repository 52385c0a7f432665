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

#[test]
fn staging_directories_are_private_and_unpredictable() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.zarr");
    let a = Staging::new(&target, false).unwrap();
    let b = Staging::new(&target, false).unwrap();
    assert_ne!(a.dir, b.dir);
    let mode = std::fs::metadata(&a.dir).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);
    let name = a.dir.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with(".out.zarr.tessera-"), "{name}");
    assert!(name.ends_with(".partial"), "{name}");
}

#[test]
fn overwrite_swaps_the_old_target_out_in_one_step() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.zarr");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("old"), b"old").unwrap();
    let staging = Staging::new(&target, true).unwrap();
    std::fs::create_dir(staging.temp_path()).unwrap();
    std::fs::write(staging.temp_path().join("new"), b"new").unwrap();
    staging.commit().unwrap();
    assert!(target.join("new").exists());
    assert!(!target.join("old").exists());
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "only the target remains");
}

#[test]
fn a_target_that_appears_meanwhile_is_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.npy");
    let staging = Staging::new(&target, false).unwrap();
    std::fs::write(staging.temp_path(), b"new").unwrap();
    std::fs::write(&target, b"someone else's").unwrap();
    assert!(matches!(staging.commit(), Err(Error::TargetExists { .. })));
    assert_eq!(std::fs::read(&target).unwrap(), b"someone else's");
}

#[test]
fn a_target_replaced_meanwhile_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.npy");
    std::fs::write(&target, b"old").unwrap();
    let staging = Staging::new(&target, true).unwrap();
    std::fs::write(staging.temp_path(), b"new").unwrap();
    std::fs::remove_file(&target).unwrap();
    std::fs::write(&target, b"another process's").unwrap();
    let err = staging.commit().unwrap_err();
    assert!(
        err.to_string().contains("replaced by another process"),
        "{err}"
    );
    assert_eq!(std::fs::read(&target).unwrap(), b"another process's");
}

#[test]
fn a_vanished_staging_directory_is_never_committed() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.zarr");
    let staging = Staging::new(&target, false).unwrap();
    std::fs::create_dir(staging.temp_path()).unwrap();
    // Removed, then recreated by a library's create_dir_all: a different directory.
    std::fs::remove_dir_all(&staging.dir).unwrap();
    std::fs::create_dir_all(staging.temp_path()).unwrap();
    let err = staging.commit().unwrap_err();
    assert!(err.to_string().contains("vanished"), "{err}");
    assert!(!target.exists());
}

#[test]
fn leftovers_of_dead_processes_are_removed_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.zarr");
    // PID 0x7fffffff is never a live process.
    let dead = dir.path().join(".out.zarr.tessera-2147483647-00ff.partial");
    std::fs::create_dir(&dead).unwrap();
    let scratch = dir.path().join(".out.zarr.tessera-2147483647-00aa.scratch");
    std::fs::write(&scratch, b"x").unwrap();
    let live = dir.path().join(format!(
        ".out.zarr.tessera-{}-0001.partial",
        std::process::id()
    ));
    std::fs::create_dir(&live).unwrap();
    let unrelated = dir
        .path()
        .join(".other.zarr.tessera-2147483647-00ff.partial");
    std::fs::create_dir(&unrelated).unwrap();
    take_notes();
    let staging = Staging::new(&target, false).unwrap();
    drop(staging);
    assert!(!dead.exists() && !scratch.exists());
    assert!(live.exists(), "a live process's staging is kept");
    assert!(
        unrelated.exists(),
        "another target's staging is not ours to judge now"
    );
    let notes = take_notes();
    assert_eq!(notes.len(), 2, "{notes:?}");
}

#[test]
fn a_target_left_renamed_aside_is_restored() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.zarr");
    let dead = dir.path().join(".out.zarr.tessera-2147483647-00ff.partial");
    std::fs::create_dir_all(dead.join(PREVIOUS)).unwrap();
    std::fs::write(dead.join(PREVIOUS).join("zarr.json"), b"{}").unwrap();
    let staging = Staging::new(&target, true).unwrap();
    drop(staging);
    assert!(target.join("zarr.json").exists());
    assert!(!dead.exists());
}
