//! Hostile hierarchies against the walks that find arrays, groups and aliases: Zarr
//! directories without metadata (walked as implicit groups) that loop or lead out of
//! the store, attribute documents with Python's non-finite tokens in odd places, and
//! HDF5 files whose soft links dangle, cycle, leave the file or multiply the paths to
//! every dataset. Each ends, in one line naming the file where it is refused, with no
//! panic and nothing changed.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::python;

fn tessera(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(args)
        .output()
        .expect("the tessera binary runs")
}

/// Exit code 2, one line on stderr holding every needle, no panic.
fn refused(output: &Output, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "'{needle}' not in: {stderr}");
    }
}

/// A v2 array `.zarray` (four float64 in one chunk) at `dir`.
fn v2_array(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join(".zarray"),
        r#"{"zarr_format": 2, "shape": [4], "chunks": [4], "dtype": "<f8",
            "compressor": null, "fill_value": 0.0, "order": "C", "filters": null}"#,
    )
    .unwrap();
}

#[test]
fn a_directory_loop_without_metadata_ends_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.zarr");
    v2_array(&store.join("bare/arr"));
    // Two ways back up at every level: the walk must end at the first too-deep path.
    std::os::unix::fs::symlink("..", store.join("bare/up")).unwrap();
    std::os::unix::fs::symlink("..", store.join("bare/up2")).unwrap();
    let path = store.to_str().unwrap();
    refused(&tessera(&["info", path]), &[path, "nested deeper"]);
    let text = tessera::store::groups(&store).unwrap_err().to_string();
    assert!(text.contains("nested deeper"), "{text}");
    // The array itself is still read by name.
    let address = format!("{path}:/bare/arr");
    let sum = tessera(&["reduce", "sum", &address]);
    assert!(
        sum.status.success(),
        "{}",
        String::from_utf8_lossy(&sum.stderr)
    );
}

#[test]
fn an_implicit_group_that_leads_out_of_the_store_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.zarr");
    v2_array(&store.join("g/arr"));
    v2_array(&dir.path().join("outside/arr"));
    std::os::unix::fs::symlink(dir.path().join("outside"), store.join("g/out")).unwrap();
    let path = store.to_str().unwrap();
    refused(
        &tessera(&["info", path]),
        &["s.zarr/g/out", "outside the store"],
    );
}

#[test]
fn attribute_documents_with_odd_tokens_are_read_or_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("a.zarr");
    v2_array(&store);
    let path = store.to_str().unwrap();
    let read = [
        r#"{"a": NaN}"#,
        r#"{"a": [-Infinity,Infinity,NaN]}"#,
        r#"{"NaN": "NaN", "b": "\"NaN\\", "c": NaN}"#,
        r#"{"a":NaN,"b":{"c":[[NaN]]}}"#,
    ];
    for text in read {
        std::fs::write(store.join(".zattrs"), text).unwrap();
        let out = tessera(&["info", path, "--json"]);
        assert!(
            out.status.success(),
            "{text}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let refused_docs = [
        r#"{"a": NaNa}"#,
        r#"{"a": -NaN}"#,
        r#"{"a": Infinit}"#,
        r#"{"a": nan}"#,
        r#"{"a": "NaN}"#,
        "{\"a\": NaN",
    ];
    for text in refused_docs {
        std::fs::write(store.join(".zattrs"), text).unwrap();
        refused(&tessera(&["info", path]), &[".zattrs", "invalid JSON"]);
    }
}

/// Runs an h5py script in `dir`; false (with a notice) when there is no Python.
fn h5py(dir: &Path, script: &str) -> bool {
    let Some(interpreter) = python() else {
        return false;
    };
    let out = Command::new(interpreter)
        .arg("-c")
        .arg(format!("import numpy as np, h5py\n{script}"))
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    true
}

#[test]
fn thousands_of_links_to_the_root_keep_at_most_64_aliases_per_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let made = h5py(
        dir.path(),
        "with h5py.File('m.h5', 'w') as f:\n    for i in range(50):\n        f[f'd{i:03}'] = np.arange(2)\n    g = f.create_group('g')\n    for i in range(300):\n        g[f's{i:03}'] = h5py.SoftLink('/')\n        g[f'h{i:03}'] = f['/']\n",
    );
    if !made {
        return;
    }
    let entries = tessera::store::list(&dir.path().join("m.h5")).unwrap();
    assert_eq!(entries.len(), 50);
    for entry in &entries {
        assert_eq!(entry.aliases.len(), 64, "{}", entry.name);
        assert!(entry.aliases.iter().all(|a| a.starts_with("/g/")));
    }
}

#[test]
fn soft_links_that_leave_the_file_or_dangle_are_listed_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let made = h5py(
        dir.path(),
        "with h5py.File('other.h5', 'w') as f:\n    f['x'] = np.arange(3)\nwith h5py.File('l.h5', 'w') as f:\n    f['d'] = np.arange(2)\n    f['ext'] = h5py.ExternalLink('other.h5', '/')\n    f['through'] = h5py.SoftLink('/ext/x')\n    f['gone'] = h5py.SoftLink('/d/below')\n",
    );
    if !made {
        return;
    }
    let file = dir.path().join("l.h5");
    let entries = tessera::store::list(&file).unwrap();
    let reason = |name: &str| {
        let entry = entries.iter().find(|e| e.name == name).unwrap();
        entry.meta.as_ref().unwrap_err().clone()
    };
    assert!(reason("/through").contains("external link to other.h5"));
    assert!(reason("/gone").contains("'/d/below'") && reason("/gone").contains("dangling"));
    assert!(reason("/ext").contains("external link"));
    let d = entries.iter().find(|e| e.name == "/d").unwrap();
    assert!(d.meta.is_ok() && d.aliases.is_empty());
    for entry in &entries {
        if let Err(reason) = &entry.meta {
            assert!(
                !reason.contains('\n') && reason.contains("l.h5:"),
                "{reason}"
            );
        }
    }
}
