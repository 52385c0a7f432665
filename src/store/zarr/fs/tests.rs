//! Unit tests of `store/zarr/fs.rs`.

use super::*;

#[test]
fn keys_that_could_step_out_are_refused() {
    assert!(relative("../x").is_none());
    assert!(relative("a/../../x").is_none());
    assert!(relative("/etc/passwd").is_none());
    assert!(relative("a//b").is_none());
    assert!(relative("a/./b").is_none());
    assert!(relative("a/0.0").is_some());
    assert!(relative("").is_some());
}

/// openat2 and the realpath fallback agree: inside symlinks (relative or absolute)
/// are followed, outside ones refused, missing keys are absent.
#[test]
fn openat2_and_the_fallback_resolve_alike() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("s.zarr");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(root.join("sub").join("a"), b"x").unwrap();
    std::fs::write(dir.path().join("secret"), b"y").unwrap();
    std::os::unix::fs::symlink("sub/a", root.join("rel")).unwrap();
    std::os::unix::fs::symlink(root.join("sub").join("a"), root.join("abs")).unwrap();
    std::os::unix::fs::symlink("../secret", root.join("out")).unwrap();
    std::os::unix::fs::symlink(dir.path(), root.join("updir")).unwrap();
    let store = StoreDir::open(&root).unwrap();
    let flags = libc::O_RDONLY | libc::O_NONBLOCK;
    type Open<'a> = &'a dyn Fn(&str) -> std::result::Result<Option<OwnedFd>, Refusal>;
    let beneath: Open = &|key| store.open_beneath(key, flags);
    let resolved: Open = &|key| store.open_resolved(key, flags);
    for open in [beneath, resolved] {
        assert!(open("sub/a").unwrap().is_some());
        assert!(open("rel").unwrap().is_some());
        assert!(open("abs").unwrap().is_some());
        assert!(open("missing").unwrap().is_none());
        assert!(matches!(open("out"), Err(Refusal::Outside)));
        assert!(matches!(open("updir/secret"), Err(Refusal::Outside)));
    }
    assert!(matches!(beneath("../secret"), Err(Refusal::BadKey)));
}

#[test]
fn ranges_past_the_end_are_refused_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    std::fs::write(&path, b"0123456789").unwrap();
    let file = File::open(&path).unwrap();
    assert!(read_range(&file, 10, ByteRange::FromStart(8, Some(u64::MAX))).is_err());
    assert!(read_range(&file, 10, ByteRange::FromStart(11, None)).is_err());
    assert!(read_range(&file, 10, ByteRange::Suffix(11)).is_err());
    assert_eq!(read_range(&file, 10, ByteRange::Suffix(3)).unwrap(), b"789");
    assert_eq!(
        read_range(&file, 10, ByteRange::FromStart(2, Some(2))).unwrap(),
        b"23"
    );
}
