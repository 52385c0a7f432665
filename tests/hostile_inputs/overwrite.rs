//! --overwrite replaces a target only when it provably holds exactly the one array, and
//! never an input; on an array inside a file or store it replaces that one array and
//! keeps everything else.

use std::path::Path;

use crate::harness::{Snapshot, at, generate, leftovers, python, sum_value, tessera};

/// A small .npy input and the directory it lives in.
fn setup() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let src = generate(dir.path(), "in.npy", "40,30", "40,30");
    (dir, src)
}

/// `convert SRC DST --overwrite` must be refused, leaving everything as it was.
fn overwrite_refused(dir: &Path, src: &str, dst: &str, needles: &[&str]) {
    let snapshot = Snapshot::of(dir);
    tessera(&["convert", src, dst, "--overwrite", "--quiet"]).refused(needles);
    snapshot.unchanged();
}

/// `convert SRC DST --overwrite` must succeed and leave DST equal to SRC.
fn overwrite_succeeds(dir: &Path, src: &str, dst: &str) {
    tessera(&["convert", src, dst, "--overwrite", "--quiet"]).succeeded();
    assert_eq!(sum_value(src), sum_value(dst));
    assert!(
        leftovers(dir).is_empty(),
        "staging left behind: {:?}",
        leftovers(dir)
    );
}

/// `convert SRC DST --overwrite` must succeed, leave DST equal to SRC, and `check`
/// (Python) must find everything else in the file or store as it was.
fn overwrite_keeps_the_rest(dir: &Path, src: &str, dst: &str, check: &str) {
    overwrite_succeeds(dir, src, dst);
    python(check);
}

#[test]
fn a_file_of_unknown_format_is_never_replaced() {
    let (dir, src) = setup();
    std::fs::write(dir.path().join("notes.npy"), b"my thesis, chapter 1").unwrap();
    overwrite_refused(
        dir.path(),
        &src,
        &at(dir.path(), "notes.npy"),
        &["--overwrite refused"],
    );
}

#[test]
fn an_empty_directory_is_never_replaced() {
    let (dir, src) = setup();
    std::fs::create_dir(dir.path().join("out.zarr")).unwrap();
    overwrite_refused(dir.path(), &src, &at(dir.path(), "out.zarr"), &["out.zarr"]);
}

#[test]
fn a_directory_of_other_files_is_never_replaced() {
    let (dir, src) = setup();
    let target = dir.path().join("results.zarr");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("data.csv"), b"1,2,3").unwrap();
    overwrite_refused(
        dir.path(),
        &src,
        &at(dir.path(), "results.zarr"),
        &["results.zarr"],
    );
}

#[test]
fn a_zarr_store_with_two_arrays_keeps_the_other() {
    let (dir, src) = setup();
    let store = at(dir.path(), "two.zarr");
    tessera(&["convert", &src, &format!("{store}:/a"), "--quiet"]).succeeded();
    // A second array in the same store, written by zarr-python.
    python(&format!(
        "import zarr, numpy as np; g = zarr.open_group('{store}', mode='a'); g.create_array('b', data=np.arange(5))"
    ));
    overwrite_keeps_the_rest(
        dir.path(),
        &src,
        &format!("{store}:/a"),
        &format!(
            "import zarr; assert list(zarr.open_group('{store}', mode='r')['b'][:]) == [0, 1, 2, 3, 4]"
        ),
    );
}

#[test]
fn a_zarr_store_with_a_stray_file_is_never_replaced() {
    let (dir, src) = setup();
    let store = at(dir.path(), "out.zarr");
    tessera(&["convert", &src, &store, "--quiet"]).succeeded();
    std::fs::write(dir.path().join("out.zarr/README.txt"), b"how I made this").unwrap();
    overwrite_refused(dir.path(), &src, &store, &["also holds", "README.txt"]);
}

#[test]
fn a_zarr_store_with_a_stray_directory_is_never_replaced() {
    let (dir, src) = setup();
    let store = at(dir.path(), "out.zarr");
    tessera(&["convert", &src, &store, "--quiet"]).succeeded();
    std::fs::create_dir_all(dir.path().join("out.zarr/plots")).unwrap();
    std::fs::write(dir.path().join("out.zarr/plots/fig1.png"), b"\x89PNG").unwrap();
    overwrite_refused(dir.path(), &src, &store, &["also holds", "plots"]);
}

#[test]
fn a_zarr_store_holding_just_the_array_is_replaced() {
    let (dir, src) = setup();
    let store = at(dir.path(), "out.zarr");
    let other = generate(dir.path(), "other.npy", "40,30", "40,30");
    tessera(&["convert", &other, &store, "--chunks", "7,7", "--quiet"]).succeeded();
    overwrite_succeeds(dir.path(), &src, &store);
}

#[test]
fn a_zarr_v2_store_holding_just_the_array_is_replaced() {
    let (dir, src) = setup();
    let store = at(dir.path(), "v2.zarr");
    tessera(&[
        "convert",
        &src,
        &store,
        "--zarr-version",
        "2",
        "--chunks",
        "9,9",
        "--quiet",
    ])
    .succeeded();
    overwrite_succeeds(dir.path(), &src, &store);
}

#[test]
fn an_array_inside_a_group_is_replaced_with_its_groups() {
    let (dir, src) = setup();
    let store = format!("{}:/g/h/a", at(dir.path(), "grouped.zarr"));
    tessera(&["convert", &src, &store, "--quiet"]).succeeded();
    overwrite_succeeds(dir.path(), &src, &store);
}

#[test]
fn an_npy_with_trailing_bytes_is_never_replaced() {
    let (dir, src) = setup();
    let target = at(dir.path(), "out.npy");
    tessera(&["convert", &src, &target, "--quiet"]).succeeded();
    let mut bytes = std::fs::read(&target).unwrap();
    bytes.extend_from_slice(b"appended lab notes");
    std::fs::write(&target, bytes).unwrap();
    overwrite_refused(dir.path(), &src, &target, &["bytes after the array"]);
}

#[test]
fn a_plain_npy_is_replaced() {
    let (dir, src) = setup();
    let target = generate(dir.path(), "old.npy", "3,3", "3,3");
    overwrite_succeeds(dir.path(), &src, &target);
}

#[test]
fn an_hdf5_file_with_two_datasets_keeps_the_other() {
    let (dir, src) = setup();
    let file = at(dir.path(), "two.h5");
    python(&format!(
        "import h5py; f = h5py.File('{file}', 'w'); f['a'] = [1.0, 2.0]; f['b'] = [3.0]"
    ));
    overwrite_keeps_the_rest(
        dir.path(),
        &src,
        &format!("{file}:/a"),
        &format!("import h5py; assert list(h5py.File('{file}', 'r')['b'][:]) == [3.0]"),
    );
}

#[test]
fn an_hdf5_file_keeps_its_root_attributes() {
    let (dir, src) = setup();
    let file = at(dir.path(), "attrs.h5");
    python(&format!(
        "import h5py; f = h5py.File('{file}', 'w'); f['a'] = [1.0, 2.0]; f.attrs['history'] = 'irreplaceable'"
    ));
    overwrite_keeps_the_rest(
        dir.path(),
        &src,
        &format!("{file}:/a"),
        &format!(
            "import h5py; assert h5py.File('{file}', 'r').attrs['history'] == 'irreplaceable'"
        ),
    );
}

#[test]
fn an_hdf5_file_keeps_its_soft_link() {
    let (dir, src) = setup();
    let file = at(dir.path(), "links.h5");
    python(&format!(
        "import h5py; f = h5py.File('{file}', 'w'); f['a'] = [1.0]; f['alias'] = h5py.SoftLink('/a')"
    ));
    overwrite_keeps_the_rest(
        dir.path(),
        &src,
        &format!("{file}:/a"),
        &format!(
            "import h5py; f = h5py.File('{file}', 'r')\n\
             assert f.get('alias', getlink=True).path == '/a' and f['alias'].shape == (40, 30)"
        ),
    );
    // The link itself is never replaced.
    overwrite_refused(dir.path(), &src, &format!("{file}:/alias"), &["soft link"]);
}

#[test]
fn an_hdf5_file_keeps_its_empty_group() {
    let (dir, src) = setup();
    let file = at(dir.path(), "groups.h5");
    python(&format!(
        "import h5py; f = h5py.File('{file}', 'w'); f['a'] = [1.0]; f.create_group('drafts')"
    ));
    overwrite_keeps_the_rest(
        dir.path(),
        &src,
        &format!("{file}:/a"),
        &format!("import h5py; assert 'drafts' in h5py.File('{file}', 'r')"),
    );
    overwrite_refused(dir.path(), &src, &format!("{file}:/drafts"), &["a group"]);
}

#[test]
fn an_hdf5_file_holding_another_name_gets_the_new_one_beside_it() {
    let (dir, src) = setup();
    let file = at(dir.path(), "named.h5");
    tessera(&["convert", &src, &format!("{file}:/keep"), "--quiet"]).succeeded();
    overwrite_keeps_the_rest(
        dir.path(),
        &src,
        &format!("{file}:/other"),
        &format!("import h5py; assert h5py.File('{file}', 'r')['keep'].shape == (40, 30)"),
    );
}

#[test]
fn an_hdf5_file_holding_just_the_dataset_is_replaced() {
    let (dir, src) = setup();
    let file = format!("{}:/grp/data", at(dir.path(), "out.h5"));
    let other = generate(dir.path(), "other.npy", "5,5", "5,5");
    tessera(&["convert", &other, &file, "--quiet"]).succeeded();
    overwrite_succeeds(dir.path(), &src, &file);
}

#[test]
fn an_unreadable_dataset_named_with_overwrite_is_replaced_alone() {
    let (dir, src) = setup();
    let file = at(dir.path(), "strings.h5");
    python(&format!(
        "import h5py; f = h5py.File('{file}', 'w'); f['a'] = ['lab', 'notes']; f['notes'] = ['keep']"
    ));
    overwrite_keeps_the_rest(
        dir.path(),
        &src,
        &format!("{file}:/a"),
        &format!("import h5py; assert h5py.File('{file}', 'r')['notes'][0] == b'keep'"),
    );
}

#[test]
fn a_symlink_target_is_never_replaced() {
    let (dir, src) = setup();
    let real = generate(dir.path(), "real.npy", "3,3", "3,3");
    std::os::unix::fs::symlink(&real, dir.path().join("link.npy")).unwrap();
    overwrite_refused(dir.path(), &src, &at(dir.path(), "link.npy"), &["symlink"]);
}

#[test]
fn a_dangling_symlink_target_is_not_written_through() {
    let (dir, src) = setup();
    std::os::unix::fs::symlink(dir.path().join("elsewhere.npy"), dir.path().join("out.npy"))
        .unwrap();
    let snapshot = Snapshot::of(dir.path());
    tessera(&["convert", &src, &at(dir.path(), "out.npy"), "--quiet"]).refused(&["exists"]);
    snapshot.unchanged();
    assert!(!dir.path().join("elsewhere.npy").exists());
}

#[test]
fn an_existing_target_without_overwrite_is_kept() {
    let (dir, src) = setup();
    let target = generate(dir.path(), "old.npy", "3,3", "3,3");
    let snapshot = Snapshot::of(dir.path());
    tessera(&["convert", &src, &target, "--quiet"]).refused(&["already exists", "--overwrite"]);
    snapshot.unchanged();
}
