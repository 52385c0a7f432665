//! Path tricks: symlinks, '..', aliases of inputs, names with colons, spaces and unicode, FIFOs and devices.

use std::path::Path;

use crate::harness::{Snapshot, at, generate, tessera};

fn setup() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let src = generate(dir.path(), "in.npy", "50,20", "50,20");
    (dir, src)
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
}

#[test]
fn a_fifo_input_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["pipe.npy", "pipe.h5", "pipe.zarr"] {
        let fifo = dir.path().join(name);
        mkfifo(&fifo);
        let address = match name {
            "pipe.h5" => format!("{}:/data", fifo.display()),
            _ => fifo.display().to_string(),
        };
        let snapshot = Snapshot::of(dir.path());
        tessera(&["info", &address]).refused(&[name, "FIFO"]);
        tessera(&["reduce", "sum", &address]).refused(&[name, "FIFO"]);
        tessera(&["convert", &address, &at(dir.path(), "out.npy")]).refused(&[name, "FIFO"]);
        snapshot.unchanged();
    }
}

#[test]
fn a_fifo_inside_a_zarr_store_is_refused_without_blocking() {
    let (dir, src) = setup();
    let store = at(dir.path(), "s.zarr");
    tessera(&["convert", &src, &store, "--chunks", "10,10", "--quiet"]).succeeded();
    let chunk = dir.path().join("s.zarr/c/0/0");
    std::fs::remove_file(&chunk).unwrap();
    mkfifo(&chunk);
    let snapshot = Snapshot::of(dir.path());
    tessera(&["reduce", "sum", &store]).refused(&["s.zarr"]);
    snapshot.unchanged();
}

#[test]
fn devices_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for device in ["/dev/null", "/dev/zero", "/dev/urandom"] {
        tessera(&["info", device]).refused(&[device]);
        tessera(&["reduce", "sum", device]).refused(&[device]);
        tessera(&["convert", device, &at(dir.path(), "out.zarr")]).refused(&[device]);
    }
    // A symlink to a device, with a known extension, is a device all the same.
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.npy")).unwrap();
    tessera(&["reduce", "sum", &at(dir.path(), "zero.npy")]).refused(&["zero.npy", "device"]);
}

#[test]
fn the_target_may_not_be_a_fifo_or_device() {
    let (dir, src) = setup();
    let fifo = dir.path().join("out.npy");
    mkfifo(&fifo);
    let snapshot = Snapshot::of(dir.path());
    tessera(&["convert", &src, &at(dir.path(), "out.npy"), "--overwrite"]).refused(&["out.npy"]);
    snapshot.unchanged();
    tessera(&["convert", &src, "/dev/null", "--overwrite"]).refused(&["/dev/null"]);
}

#[test]
fn the_target_may_not_be_the_input_through_a_symlink() {
    let (dir, src) = setup();
    std::os::unix::fs::symlink(&src, dir.path().join("alias.npy")).unwrap();
    let snapshot = Snapshot::of(dir.path());
    for flags in [&["--quiet"][..], &["--overwrite", "--quiet"][..]] {
        let mut args = vec!["convert", &src, &at(dir.path(), "alias.npy")[..]]
            .into_iter()
            .map(str::to_string)
            .collect::<Vec<_>>();
        args.extend(flags.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        tessera(&args).refused(&["alias.npy"]);
        snapshot.unchanged();
    }
}

#[test]
fn the_target_may_not_be_the_input_through_a_hard_link() {
    let (dir, src) = setup();
    std::fs::hard_link(&src, dir.path().join("twin.npy")).unwrap();
    let snapshot = Snapshot::of(dir.path());
    tessera(&["convert", &src, &at(dir.path(), "twin.npy"), "--overwrite"])
        .refused(&["twin.npy", "is the input"]);
    tessera(&[
        "eval",
        "a * 2",
        "-i",
        &format!("a={src}"),
        "--out",
        &at(dir.path(), "twin.npy"),
        "--overwrite",
    ])
    .refused(&["twin.npy", "is the input"]);
    snapshot.unchanged();
}

#[test]
fn eval_and_reduce_never_write_over_their_input() {
    let (dir, src) = setup();
    let snapshot = Snapshot::of(dir.path());
    tessera(&[
        "eval",
        "a + 1",
        "-i",
        &format!("a={src}"),
        "--out",
        &src,
        "--overwrite",
    ])
    .refused(&["in.npy", "input"]);
    tessera(&[
        "reduce",
        "sum",
        &src,
        "--axis",
        "1",
        "--out",
        &src,
        "--overwrite",
    ])
    .refused(&["in.npy", "input"]);
    snapshot.unchanged();
}

#[test]
fn several_outputs_never_write_over_any_input() {
    let (dir, src) = setup();
    let other = generate(dir.path(), "b.npy", "50,20", "50,20");
    let snapshot = Snapshot::of(dir.path());
    // The second output targets the first output's input.
    tessera(&[
        "eval",
        "a + 1",
        "b * 2",
        "-i",
        &format!("a={src}"),
        "-i",
        &format!("b={other}"),
        "--out",
        &other,
        "--out",
        &at(dir.path(), "new.npy"),
        "--overwrite",
    ])
    .refused(&["b.npy", "input"]);
    snapshot.unchanged();
}

#[test]
fn the_target_may_not_contain_the_input() {
    let (dir, src) = setup();
    let store = at(dir.path(), "both.zarr");
    tessera(&["convert", &src, &format!("{store}:/a"), "--quiet"]).succeeded();
    let snapshot = Snapshot::of(dir.path());
    tessera(&[
        "convert",
        &format!("{store}:/a"),
        &format!("{store}:/b"),
        "--overwrite",
    ])
    .refused(&["both.zarr"]);
    tessera(&["convert", &format!("{store}:/a"), &store, "--overwrite"]).refused(&["both.zarr"]);
    snapshot.unchanged();
}

#[test]
fn the_target_may_not_lie_inside_an_input_store() {
    let (dir, src) = setup();
    let store = at(dir.path(), "in.zarr");
    tessera(&["convert", &src, &store, "--quiet"]).succeeded();
    let snapshot = Snapshot::of(dir.path());
    tessera(&["convert", &store, &format!("{store}/copy.npy")])
        .refused(&["inside the input store"]);
    tessera(&["convert", &store, &format!("{store}/c/copy.npy")])
        .refused(&["inside the input store"]);
    snapshot.unchanged();
}

#[test]
fn array_paths_never_lead_out_of_the_store() {
    let (dir, src) = setup();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let snapshot = Snapshot::of(dir.path());
    for dst in [
        format!("{}:/../../escaped", at(dir.path(), "sub/out.zarr")),
        format!("{}:/a/../../escaped", at(dir.path(), "sub/out.zarr")),
        format!("{}:/./a", at(dir.path(), "sub/out.zarr")),
        format!("{}:/..", at(dir.path(), "sub/out.h5")),
    ] {
        tessera(&["convert", &src, &dst]).refused(&["may not contain"]);
    }
    tessera(&[
        "reduce",
        "sum",
        &format!("{}:/../in", at(dir.path(), "sub/x.zarr")),
    ])
    .refused(&["may not contain"]);
    snapshot.unchanged();
}

#[test]
fn names_with_colons_spaces_and_unicode_work() {
    let (dir, src) = setup();
    let odd = dir.path().join("dir with space/ünï:cödé");
    std::fs::create_dir_all(&odd).unwrap();
    let h5 = format!("{}:/grp/dåta", odd.join("a:b c.h5").display());
    tessera(&["convert", &src, &h5, "--quiet"]).succeeded();
    let zarr = format!("{}:/x y/z", odd.join("ö ü.zarr").display());
    tessera(&["convert", &h5, &zarr, "--chunks", "7,7", "--quiet"]).succeeded();
    let npy = odd.join("final:1.npy").display().to_string();
    tessera(&["convert", &zarr, &npy, "--quiet"]).succeeded();
    // Every copy holds the same values, bit for bit.
    let want = std::fs::read(dir.path().join("in.npy")).unwrap();
    assert_eq!(std::fs::read(odd.join("final:1.npy")).unwrap(), want);
    let back = dir.path().join("back.npy");
    tessera(&["convert", &h5, &back.display().to_string(), "--quiet"]).succeeded();
    assert_eq!(std::fs::read(&back).unwrap(), want);
    tessera(&["info", &odd.join("ö ü.zarr").display().to_string()]).succeeded();
}

#[test]
fn a_symlinked_output_directory_is_written_through_to_its_target() {
    let (dir, src) = setup();
    std::fs::create_dir(dir.path().join("real")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("linked")).unwrap();
    tessera(&[
        "convert",
        &src,
        &at(dir.path(), "linked/out.npy"),
        "--quiet",
    ])
    .succeeded();
    assert!(dir.path().join("real/out.npy").is_file());
    assert!(
        std::fs::symlink_metadata(dir.path().join("linked"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn a_missing_output_directory_is_refused() {
    let (dir, src) = setup();
    let snapshot = Snapshot::of(dir.path());
    tessera(&["convert", &src, &at(dir.path(), "no/such/dir/out.zarr")])
        .refused(&["output directory does not exist"]);
    snapshot.unchanged();
}

#[test]
fn a_missing_input_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = at(dir.path(), "missing.npy");
    tessera(&["convert", &missing, &at(dir.path(), "out.zarr")])
        .refused(&["missing.npy", "no such file"]);
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
}
