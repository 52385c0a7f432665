//! Hostile HDF5 objects: external links, external storage, virtual datasets, link cycles, huge groups, null dataspaces and odd dtypes.
//!
//! Files are crafted with h5py (`TESSERA_PYTHON`) in a temporary directory. Every
//! refusal is checked through the CLI on `info`, `reduce sum` and `convert`: exit code
//! 2, one line naming the file, the object and the reason, no panic or hang, and the
//! directory (inputs included) byte-for-byte unchanged. Where another file must never
//! be opened, that file is a FIFO: opening it would block until the deadline.

use std::path::Path;
use std::process::Command;

use crate::harness::{self, Snapshot, at, tessera};

/// Runs a short h5py/numpy script in `dir`; panics with its output when it fails.
pub(crate) fn python(dir: &Path, script: &str) {
    let interpreter = std::env::var("TESSERA_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(interpreter)
        .arg("-c")
        .arg(format!("import h5py, numpy as np\n{script}"))
        .current_dir(dir)
        .output()
        .expect("the Python interpreter runs (source scripts/setup.sh)");
    assert!(
        out.status.success(),
        "python failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Makes a FIFO at `dir/name`: a file that blocks whoever opens it for reading.
pub(crate) fn fifo(dir: &Path, name: &str) {
    let path = std::ffi::CString::new(at(dir, name)).expect("no NUL in a temp path");
    // SAFETY: a valid NUL-terminated path.
    let ret = unsafe { libc::mkfifo(path.as_ptr(), 0o644) };
    assert_eq!(ret, 0, "mkfifo {name}");
}

/// Asserts that `reduce sum` and `convert` of `file:name` are refused with the needles
/// and that `info` lists `name` with the same reason, leaving `dir` unchanged.
fn refused_everywhere(dir: &Path, file: &str, name: &str, needles: &[&str]) {
    let snap = Snapshot::of(dir);
    let src = format!("{}:{name}", at(dir, file));
    let mut all = vec![file];
    all.extend_from_slice(needles);
    tessera(&["reduce", "sum", &src, "--quiet"]).refused(&all);
    let out = at(dir, "out.npy");
    tessera(&["convert", &src, &out, "--quiet"]).refused(&all);
    let info = tessera(&["info", &at(dir, file)]);
    info.succeeded();
    let line = info
        .stdout
        .lines()
        .find(|l| {
            l.trim_start()
                .starts_with(&format!("{name} cannot be read"))
        })
        .unwrap_or_else(|| panic!("info does not list {name} as unreadable:\n{}", info.stdout));
    for needle in needles {
        assert!(
            line.to_lowercase().contains(&needle.to_lowercase()),
            "'{needle}' not in info's line: {line}"
        );
    }
    snap.unchanged();
}

/// The number printed by `reduce sum` of `src`.
fn sum(src: &str) -> f64 {
    let out = tessera(&["reduce", "sum", src, "--quiet"]);
    out.succeeded();
    out.stdout
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {}", out.stdout))
}

const OTHER: &str = "with h5py.File('other.h5', 'w') as f:\n    f['data'] = np.arange(10.0)\n    f.create_group('g')['inner'] = np.arange(5.0)\n";

#[test]
fn external_link_to_an_existing_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    python(
        dir.path(),
        &format!(
            "{OTHER}with h5py.File('x.h5', 'w') as f:\n    f['ext'] = h5py.ExternalLink('other.h5', '/data')\n"
        ),
    );
    refused_everywhere(
        dir.path(),
        "x.h5",
        "/ext",
        &[
            "x.h5:/ext",
            "external link to other.h5:/data",
            "reads only the file it is given",
        ],
    );
}

#[test]
fn external_link_to_a_missing_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    python(
        dir.path(),
        "with h5py.File('x.h5', 'w') as f:\n    f['d'] = np.arange(3.0)\n    f['ext'] = h5py.ExternalLink('nope.h5', '/data')\n",
    );
    refused_everywhere(
        dir.path(),
        "x.h5",
        "/ext",
        &["external link to nope.h5:/data"],
    );
}

#[test]
fn external_link_as_an_intermediate_group_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    python(
        dir.path(),
        &format!(
            "{OTHER}with h5py.File('x.h5', 'w') as f:\n    f['grp'] = h5py.ExternalLink('other.h5', '/g')\n"
        ),
    );
    let snap = Snapshot::of(dir.path());
    let src = format!("{}:/grp/inner", at(dir.path(), "x.h5"));
    tessera(&["reduce", "sum", &src]).refused(&["x.h5:/grp", "external link to other.h5:/g"]);
    tessera(&["convert", &src, &at(dir.path(), "o.npy")])
        .refused(&["x.h5:/grp", "external link to other.h5:/g"]);
    snap.unchanged();
}

#[test]
fn soft_link_through_an_external_link_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    python(
        dir.path(),
        &format!(
            "{OTHER}with h5py.File('x.h5', 'w') as f:\n    f['grp'] = h5py.ExternalLink('other.h5', '/g')\n    f['s'] = h5py.SoftLink('/grp/inner')\n"
        ),
    );
    let snap = Snapshot::of(dir.path());
    let src = format!("{}:/s", at(dir.path(), "x.h5"));
    tessera(&["reduce", "sum", &src]).refused(&["x.h5:/s", "external link to other.h5:/g"]);
    snap.unchanged();
}

#[test]
fn external_link_target_is_never_opened() {
    // other.h5 is a FIFO: opening it would block past the deadline.
    let dir = tempfile::tempdir().unwrap();
    python(
        dir.path(),
        "with h5py.File('x.h5', 'w') as f:\n    f['d'] = np.arange(4.0)\n    f['ext'] = h5py.ExternalLink('other.h5', '/data')\n    f['grp'] = h5py.ExternalLink('other.h5', '/g')\n",
    );
    fifo(dir.path(), "other.h5");
    refused_everywhere(
        dir.path(),
        "x.h5",
        "/ext",
        &["external link to other.h5:/data"],
    );
    let src = format!("{}:/grp/inner", at(dir.path(), "x.h5"));
    tessera(&["reduce", "sum", &src]).refused(&["x.h5:/grp", "external link"]);
    assert_eq!(sum(&format!("{}:/d", at(dir.path(), "x.h5"))), 6.0);
}

#[test]
fn hdf5_ext_prefix_does_not_make_links_followed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("elsewhere")).unwrap();
    python(
        &dir.path().join("elsewhere"),
        "with h5py.File('other.h5', 'w') as f:\n    f['data'] = np.arange(10.0)\n",
    );
    python(
        dir.path(),
        "with h5py.File('x.h5', 'w') as f:\n    f['ext'] = h5py.ExternalLink('other.h5', '/data')\n",
    );
    let snap = Snapshot::of(dir.path());
    let prefix = at(dir.path(), "elsewhere");
    let src = format!("{}:/ext", at(dir.path(), "x.h5"));
    let env = [("HDF5_EXT_PREFIX", prefix.as_str())];
    harness::run(&["reduce", "sum", &src], harness::DEADLINE, None, &env)
        .refused(&["x.h5:/ext", "external link to other.h5:/data"]);
    snap.unchanged();
}

#[test]
fn external_raw_storage_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    python(
        dir.path(),
        "np.arange(4.0).tofile('raw.bin')\nwith h5py.File('x.h5', 'w') as f:\n    f.create_dataset('e', shape=(4,), dtype='f8', external=[('raw.bin', 0, 32)])\n",
    );
    refused_everywhere(
        dir.path(),
        "x.h5",
        "/e",
        &[
            "x.h5:/e",
            "external file(s) raw.bin",
            "reads only the file it is given",
        ],
    );
}

#[test]
fn external_raw_storage_file_is_never_opened() {
    let dir = tempfile::tempdir().unwrap();
    python(
        dir.path(),
        "with h5py.File('x.h5', 'w') as f:\n    f.create_dataset('e', shape=(4,), dtype='f8', external=[('raw.bin', 0, 32)])\n",
    );
    fifo(dir.path(), "raw.bin");
    refused_everywhere(dir.path(), "x.h5", "/e", &["external file(s) raw.bin"]);
}

#[test]
fn virtual_dataset_from_another_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    python(
        dir.path(),
        &format!(
            "{OTHER}layout = h5py.VirtualLayout(shape=(10,), dtype='f8')\nlayout[:] = h5py.VirtualSource('other.h5', 'data', shape=(10,))\nwith h5py.File('x.h5', 'w') as f:\n    f.create_virtual_dataset('v', layout)\n"
        ),
    );
    refused_everywhere(
        dir.path(),
        "x.h5",
        "/v",
        &["x.h5:/v", "virtual dataset", "other.h5:data"],
    );
}

#[test]
fn virtual_dataset_within_the_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    python(
        dir.path(),
        "with h5py.File('x.h5', 'w') as f:\n    f['src'] = np.arange(10.0)\n    layout = h5py.VirtualLayout(shape=(10,), dtype='f8')\n    layout[:] = h5py.VirtualSource(f['src'])\n    f.create_virtual_dataset('v', layout)\n",
    );
    refused_everywhere(dir.path(), "x.h5", "/v", &["x.h5:/v", "virtual dataset"]);
    assert_eq!(sum(&format!("{}:/src", at(dir.path(), "x.h5"))), 45.0);
}

#[test]
fn virtual_dataset_sources_are_never_opened_whatever_the_prefix() {
    let dir = tempfile::tempdir().unwrap();
    python(
        dir.path(),
        "layout = h5py.VirtualLayout(shape=(10,), dtype='f8')\nlayout[:] = h5py.VirtualSource('src.h5', 'data', shape=(10,))\nwith h5py.File('x.h5', 'w') as f:\n    f.create_virtual_dataset('v', layout, fillvalue=0)\n",
    );
    fifo(dir.path(), "src.h5");
    let snap = Snapshot::of(dir.path());
    let src = format!("{}:/v", at(dir.path(), "x.h5"));
    let prefix = dir.path().display().to_string();
    let env = [("HDF5_VDS_PREFIX", prefix.as_str())];
    harness::run(&["reduce", "sum", &src], harness::DEADLINE, None, &env).refused(&[
        "x.h5:/v",
        "virtual dataset",
        "src.h5",
    ]);
    let info = harness::run(
        &["info", &at(dir.path(), "x.h5")],
        harness::DEADLINE,
        None,
        &env,
    );
    info.succeeded();
    assert!(info.stdout.contains("virtual dataset"), "{}", info.stdout);
    snap.unchanged();
}

#[test]
fn unlimited_virtual_dataset_sources_are_never_opened() {
    // HDF5 opens the sources of an unlimited mapping to learn the extent: the layout
    // must be refused before the dataspace is asked for.
    let dir = tempfile::tempdir().unwrap();
    python(
        dir.path(),
        "with h5py.File('src.h5', 'w') as f:\n    f.create_dataset('data', data=np.arange(10.0), maxshape=(None,), chunks=(5,))\nlayout = h5py.VirtualLayout(shape=(10,), maxshape=(None,), dtype='f8')\nvs = h5py.VirtualSource('src.h5', 'data', shape=(10,), maxshape=(None,))\nlayout[0:h5py.h5s.UNLIMITED] = vs[0:h5py.h5s.UNLIMITED]\nwith h5py.File('x.h5', 'w', libver='latest') as f:\n    f.create_virtual_dataset('v', layout, fillvalue=0)\n",
    );
    std::fs::remove_file(dir.path().join("src.h5")).unwrap();
    fifo(dir.path(), "src.h5");
    refused_everywhere(
        dir.path(),
        "x.h5",
        "/v",
        &["x.h5:/v", "virtual dataset", "src.h5"],
    );
}

#[test]
fn soft_link_cycle_ends_at_once() {
    let dir = tempfile::tempdir().unwrap();
    python(
        dir.path(),
        "with h5py.File('x.h5', 'w') as f:\n    f['d'] = np.arange(3.0)\n    f['a'] = h5py.SoftLink('/b')\n    f['b'] = h5py.SoftLink('/a')\n    f['self'] = h5py.SoftLink('/self')\n",
    );
    let snap = Snapshot::of(dir.path());
    for name in ["/a", "/self", "/a/x"] {
        let src = format!("{}:{name}", at(dir.path(), "x.h5"));
        tessera(&["reduce", "sum", &src]).refused(&["x.h5:", "soft links form a cycle"]);
    }
    let info = tessera(&["info", &at(dir.path(), "x.h5")]);
    info.succeeded();
    assert!(info.stdout.contains("1 array(s)"), "{}", info.stdout);
    snap.unchanged();
}

#[test]
fn long_soft_link_chains_end_and_short_ones_read() {
    let dir = tempfile::tempdir().unwrap();
    python(
        dir.path(),
        "with h5py.File('x.h5', 'w') as f:\n    f['d'] = np.arange(4.0)\n    f['s0'] = h5py.SoftLink('/d')\n    for i in range(1, 40):\n        f[f's{i}'] = h5py.SoftLink(f'/s{i-1}')\n",
    );
    let x = at(dir.path(), "x.h5");
    assert_eq!(sum(&format!("{x}:/s5")), 6.0);
    tessera(&["reduce", "sum", &format!("{x}:/s39")]).refused(&["x.h5:/s39", "16 links"]);
    let info = tessera(&["info", &x]);
    info.succeeded();
    assert!(info.stdout.contains("1 array(s)"), "{}", info.stdout);
}

#[test]
fn dataset_behind_several_hard_links_is_listed_once() {
    let dir = tempfile::tempdir().unwrap();
    python(
        dir.path(),
        "with h5py.File('x.h5', 'w') as f:\n    f['d'] = np.arange(3.0)\n    g = f.create_group('g')\n    g['again'] = f['d']\n    f['also'] = f['d']\n",
    );
    let x = at(dir.path(), "x.h5");
    let info = tessera(&["info", &x]);
    info.succeeded();
    assert!(info.stdout.contains("1 array(s)"), "{}", info.stdout);
    assert_eq!(sum(&format!("{x}:/g/again")), 3.0);
}

#[test]
fn hard_link_cycle_of_groups_is_walked_once() {
    let dir = tempfile::tempdir().unwrap();
    python(
        dir.path(),
        "with h5py.File('x.h5', 'w') as f:\n    g = f.create_group('g')\n    g['d'] = np.arange(2.0)\n    g['up'] = f['/']\n    g['self'] = g\n",
    );
    let x = at(dir.path(), "x.h5");
    let info = tessera(&["info", &x]);
    info.succeeded();
    assert!(info.stdout.contains("1 array(s)"), "{}", info.stdout);
    assert_eq!(sum(&format!("{x}:/g/up/g/self/d")), 1.0);
}

#[test]
fn ten_thousand_datasets_are_all_listed() {
    let dir = tempfile::tempdir().unwrap();
    python(
        dir.path(),
        "with h5py.File('x.h5', 'w') as f:\n    g = f.create_group('g')\n    for i in range(10000):\n        g.create_dataset(f'd{i:05d}', data=np.arange(3, dtype='i4'))\n",
    );
    let x = at(dir.path(), "x.h5");
    let info = tessera(&["info", &x]);
    info.succeeded();
    assert!(
        info.stdout.contains("10000 array(s)"),
        "{}",
        &info.stdout[..200]
    );
    for name in ["/g/d00000", "/g/d04567", "/g/d09999"] {
        assert!(info.stdout.contains(name), "{name} not listed");
    }
    let json = tessera(&["info", &x, "--json"]);
    json.succeeded();
    assert_eq!(json.stdout.matches("\"name\": \"/g/d").count(), 10000);
}

#[test]
fn missing_dataset_is_named_with_those_that_exist() {
    let dir = tempfile::tempdir().unwrap();
    python(
        dir.path(),
        "with h5py.File('x.h5', 'w') as f:\n    f.create_group('g')['d'] = np.arange(3.0)\n",
    );
    let x = at(dir.path(), "x.h5");
    tessera(&["reduce", "sum", &format!("{x}:/nope")]).refused(&[
        "x.h5",
        "'/nope': no such dataset",
        "/g/d",
    ]);
    tessera(&["reduce", "sum", &format!("{x}:/g")]).refused(&["x.h5", "is a group"]);
}

#[test]
fn null_dataspace_is_no_scalar() {
    let dir = tempfile::tempdir().unwrap();
    python(
        dir.path(),
        "with h5py.File('x.h5', 'w') as f:\n    f['empty'] = h5py.Empty('f8')\n",
    );
    refused_everywhere(
        dir.path(),
        "x.h5",
        "/empty",
        &["x.h5:/empty", "null dataspace", "no array to read"],
    );
}

#[test]
fn scalar_dataset_reads_its_value() {
    let dir = tempfile::tempdir().unwrap();
    python(
        dir.path(),
        "with h5py.File('x.h5', 'w') as f:\n    f['s'] = np.float64(3.5)\n",
    );
    let x = at(dir.path(), "x.h5");
    assert_eq!(sum(&format!("{x}:/s")), 3.5);
    let out = at(dir.path(), "s.npy");
    tessera(&["convert", &format!("{x}:/s"), &out, "--quiet"]).succeeded();
    python(
        dir.path(),
        "assert np.load('s.npy').shape == () and np.load('s.npy') == 3.5\n",
    );
}

#[test]
fn zero_length_axes_read_as_empty_arrays() {
    let dir = tempfile::tempdir().unwrap();
    python(
        dir.path(),
        "with h5py.File('x.h5', 'w') as f:\n    f['c'] = np.zeros((0, 5))\n    f.create_dataset('k', shape=(0, 5), maxshape=(None, 5), chunks=(4, 5), dtype='i4')\n",
    );
    let x = at(dir.path(), "x.h5");
    let info = tessera(&["info", &x]);
    info.succeeded();
    assert_eq!(info.stdout.matches("0x5").count(), 2, "{}", info.stdout);
    assert_eq!(sum(&format!("{x}:/c")), 0.0);
    assert_eq!(sum(&format!("{x}:/k")), 0.0);
    // The converter (not the HDF5 reader) decides whether an empty array converts.
    tessera(&[
        "convert",
        &format!("{x}:/k"),
        &at(dir.path(), "k.npy"),
        "--quiet",
    ])
    .succeeded_or_refused();
}

/// Asserts a dataset of an unsupported dtype is refused by name everywhere.
fn unsupported_dtype(script: &str) {
    let dir = tempfile::tempdir().unwrap();
    python(
        dir.path(),
        &format!("with h5py.File('x.h5', 'w') as f:\n{script}"),
    );
    refused_everywhere(dir.path(), "x.h5", "/t", &["x.h5:/t", "unsupported dtype"]);
}

#[test]
fn compound_dtype_is_refused() {
    unsupported_dtype("    f['t'] = np.zeros(4, dtype=[('a', 'i4'), ('b', 'f8')])\n");
}

#[test]
fn fixed_string_dtype_is_refused() {
    unsupported_dtype("    f['t'] = np.array([b'ab', b'cd'])\n");
}

#[test]
fn variable_string_dtype_is_refused() {
    unsupported_dtype("    f.create_dataset('t', data=['a', 'bcd'], dtype=h5py.string_dtype())\n");
}

/// An enum reads as its integer base type (as h5py reads it), including a value no
/// member names; an enum of another enum's values is never a reason to panic.
#[test]
fn enum_dtype_reads_as_its_integer_base_type() {
    let dir = tempfile::tempdir().unwrap();
    python(
        dir.path(),
        "with h5py.File('x.h5', 'w') as f:\n    f.create_dataset('t', data=np.array([0, 1, 2, 250], dtype='u1'), dtype=h5py.enum_dtype({'R': 0, 'G': 1, 'B': 2}, basetype='u1'))\n",
    );
    let run = tessera(&["reduce", "sum", &at(dir.path(), "x.h5:/t")]);
    run.succeeded();
    assert_eq!(run.stdout.trim(), "253", "stderr: {}", run.stderr);
}

#[test]
fn vlen_dtype_is_refused() {
    unsupported_dtype(
        "    d = f.create_dataset('t', (2,), dtype=h5py.vlen_dtype('i4'))\n    d[0] = [1, 2]\n    d[1] = [3]\n",
    );
}

#[test]
fn one_and_zero_byte_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("one.h5"), b"\x89").unwrap();
    std::fs::write(dir.path().join("zero.h5"), b"").unwrap();
    let snap = Snapshot::of(dir.path());
    for file in ["one.h5", "zero.h5"] {
        let path = at(dir.path(), file);
        tessera(&["info", &path]).refused(&[file, "not an hdf5"]);
        tessera(&["reduce", "sum", &format!("{path}:/d")]).refused(&[file, "not an hdf5"]);
    }
    snap.unchanged();
}

#[test]
fn truncated_superblock_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    python(
        dir.path(),
        "with h5py.File('full.h5', 'w') as f:\n    f['d'] = np.arange(100.0)\ndata = open('full.h5', 'rb').read()\nopen('x.h5', 'wb').write(data[:40])\n",
    );
    let snap = Snapshot::of(dir.path());
    let x = at(dir.path(), "x.h5");
    tessera(&["info", &x]).refused(&["x.h5", "truncated"]);
    tessera(&["reduce", "sum", &format!("{x}:/d")]).refused(&["x.h5", "truncated"]);
    snap.unchanged();
}

#[test]
fn user_block_before_the_signature_reads_correctly() {
    let dir = tempfile::tempdir().unwrap();
    python(
        dir.path(),
        "with h5py.File('x.h5', 'w', userblock_size=512) as f:\n    f.create_dataset('d', data=np.arange(1000.0), chunks=(100,), compression='gzip')\n    f['c'] = np.arange(10.0)\nwith open('x.h5', 'r+b') as f:\n    f.write(b'not an HDF5 header, just a user block')\n",
    );
    let x = at(dir.path(), "x.h5");
    let snap = Snapshot::of(dir.path());
    assert_eq!(sum(&format!("{x}:/d")), 499500.0);
    assert_eq!(sum(&format!("{x}:/c")), 45.0);
    tessera(&["info", &x]).succeeded();
    snap.unchanged();
}

#[test]
fn huge_dims_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    python(
        dir.path(),
        "with h5py.File('x.h5', 'w') as f:\n    f.create_dataset('h', shape=(2**62, 2**62), chunks=(1, 1), dtype='u1')\n",
    );
    refused_everywhere(dir.path(), "x.h5", "/h", &["x.h5:/h", "fit in 64 bits"]);
}
