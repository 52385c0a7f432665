//! Copies keep what the reference implementations see: axis names that xarray opens
//! (Zarr v2 and v3), arrays with a zero-length axis that h5py, zarr-python and numpy
//! read back with the same shape, dtype and chunks, stores whose root has no metadata
//! that `info` lists as `convert` opens them, and HDF5 datasets listed once with every
//! other path that reaches them. The files are made by the reference libraries
//! (h5py, zarr-python, xarray, numpy) from the virtualenv of scripts/setup.sh.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};

use common::python;

/// Runs the tessera binary in `dir`.
fn tessera(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the tessera binary runs")
}

/// Asserts that `output` succeeded and returns its stdout.
fn succeeded(output: &Output, what: &str) -> String {
    assert!(
        output.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs `script` with the reference Python in `dir`, returning its stdout (None when
/// there is no virtualenv, with the notice `python()` prints).
fn run_python(dir: &Path, script: &str) -> Option<String> {
    let interpreter = python()?;
    let out = Command::new(interpreter)
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

// ---- Zarr axis names, through xarray ----

const XARRAY_SOURCES: &str = r#"
import numpy as np, xarray as xr
ds = xr.Dataset({
    'temperature': (('time', 'lat'), np.arange(6.0).reshape(2, 3),
                    {'units': 'K', 'valid_range': [0.0, 400.0], 'missing': float('nan')}),
    'offset': ((), 3.0),
})
ds.to_zarr('src2.zarr', zarr_format=2, consolidated=False)
ds.to_zarr('src3.zarr', zarr_format=3, consolidated=False)
"#;

/// A Python `plain(value)` for reports: JSON has no NaN or infinity, so non-finite
/// floats are shown as '<float nan>', '<float inf>', '<float -inf>' (and differ from
/// the strings "NaN" and "Infinity").
const PLAIN: &str = r#"
import math
def plain(v):
    if isinstance(v, float) and math.isnan(v):
        return '<float nan>'
    if isinstance(v, float) and math.isinf(v):
        return '<float inf>' if v > 0 else '<float -inf>'
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    return v
"#;

const XARRAY_CHECK: &str = r#"
import json, math, sys, xarray as xr
out = {}
for name in sys.argv[1:]:
    ds = xr.open_zarr(name, consolidated=False)
    var = ds[list(ds.data_vars)[0]]
    out[name] = {'dims': list(var.dims), 'values': var.values.tolist(), 'attrs': plain(var.attrs)}
print(json.dumps(out))
"#;

#[test]
fn xarray_opens_copies_with_their_axis_names_in_v2_and_v3() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    if run_python(dir, XARRAY_SOURCES).is_none() {
        return;
    }
    let mut outputs = Vec::new();
    for source in ["src2.zarr", "src3.zarr"] {
        for version in ["2", "3"] {
            for array in ["temperature", "offset"] {
                let out = format!("{array}-{source}-v{version}.zarr");
                let (src, dst) = (format!("{source}:/{array}"), format!("{out}:/{array}"));
                let args = ["convert", &src, &dst, "--zarr-version", version, "--quiet"];
                succeeded(&tessera(dir, &args), &format!("{src} -> {dst}"));
                outputs.push(out);
            }
        }
    }
    let script = format!("import sys; sys.argv = ['x'] + {outputs:?}\n{PLAIN}\n{XARRAY_CHECK}");
    let report: Value = serde_json::from_str(run_python(dir, &script).unwrap().trim()).unwrap();
    for out in &outputs {
        let got = &report[out];
        if out.starts_with("temperature") {
            assert_eq!(got["dims"], serde_json::json!(["time", "lat"]), "{out}");
            assert_eq!(
                got["values"],
                serde_json::json!([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]),
                "{out}"
            );
            assert_eq!(got["attrs"]["units"], "K", "{out}");
            assert_eq!(got["attrs"]["valid_range"], serde_json::json!([0.0, 400.0]));
            // A float NaN stays a float NaN (zarr-python's bare token), not "NaN".
            assert_eq!(got["attrs"]["missing"], "<float nan>", "{out}");
            assert!(got["attrs"].get("_ARRAY_DIMENSIONS").is_none(), "{out}");
        } else {
            assert_eq!(got["dims"], serde_json::json!([]), "{out}");
            assert_eq!(got["values"], serde_json::json!(3.0), "{out}");
        }
    }
}

// ---- fill values and non-finite attributes, as xarray and zarr-python read them ----

const FILL_SOURCES: &str = r#"
import h5py, numpy as np, zarr
with h5py.File('src.h5', 'w') as f:
    f['t'] = np.arange(4.0)
    f['t'].make_scale('t')
    def named(d):
        d.dims[0].attach_scale(f['t'])
        return d
    # no _FillValue: the copy must mask nothing, zeros included
    named(f.create_dataset('plain', data=np.array([0, 1, 0, 0], 'f4'), chunks=(2,)))
    d = named(f.create_dataset('masked', data=np.array([-999, 1, 2, 3], 'f4'), chunks=(2,)))
    d.attrs['_FillValue'] = np.float32(-999)
    # a float NaN _FillValue on integers: not an int16 value
    d = named(f.create_dataset('ints', data=np.array([0, 0, 5, 6], 'i2'), chunks=(2,)))
    d.attrs['_FillValue'] = np.float64('nan')
    d.attrs['valid_range'] = np.array([np.nan, np.inf])
    d.attrs['label'] = 'NaN'
a = zarr.create_array('src2.zarr', shape=(4,), chunks=(2,), dtype='f8', zarr_format=2, fill_value=7.0,
                      attributes={'limit': float('inf'), 'text': 'Infinity', '\x00odd': '\x00NaN',
                                  '_ARRAY_DIMENSIONS': ['t']})
a[:] = [7, 7, 1, 2]
"#;

const FILL_CHECK: &str = r#"
import json, math, os, sys, warnings, numpy as np, xarray as xr, zarr
warnings.simplefilter('ignore')
out = {}
for arg in sys.argv[1:]:
    store, name = arg.split(':')
    a = zarr.open_group(store, mode='r')[name]
    var = xr.open_dataset(store, engine='zarr', consolidated=False)[name]
    files = os.listdir(os.path.join(store, name))
    out[store] = {
        'fill': plain(a.fill_value.item() if a.fill_value is not None else None),
        'attrs': plain(a.attrs.asdict()),
        'xarray': plain(var.values.tolist()),
        'chunk_files': sorted(n for n in files if n[0].isdigit()),
    }
print(json.dumps(out))
"#;

#[test]
fn zarr_copies_carry_fill_values_and_non_finite_attributes_as_xarray_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    if run_python(dir, FILL_SOURCES).is_none() {
        return;
    }
    let mut stores = Vec::new();
    let mut notes = String::new();
    for (source, name) in [
        ("src.h5:/plain", "plain"),
        ("src.h5:/masked", "masked"),
        ("src.h5:/ints", "ints"),
        ("src2.zarr", "zsrc"),
    ] {
        for version in ["2", "3"] {
            let store = format!("{name}-v{version}.zarr");
            let dst = format!("{store}:/{name}");
            let args = [
                "convert",
                source,
                &dst,
                "--zarr-version",
                version,
                "--quiet",
            ];
            let output = tessera(dir, &args);
            succeeded(&output, &format!("{source} -> {dst}"));
            notes.push_str(&String::from_utf8_lossy(&output.stderr));
            stores.push(format!("{store}:{name}"));
        }
    }
    let script = format!("import sys; sys.argv = ['x'] + {stores:?}\n{PLAIN}\n{FILL_CHECK}");
    let report: Value = serde_json::from_str(run_python(dir, &script).unwrap().trim()).unwrap();
    let get = |name: &str, version: &str| report[format!("{name}-v{version}.zarr")].clone();

    // No _FillValue in the source: v2 fill_value null, every chunk written, no masking.
    assert_eq!(get("plain", "2")["fill"], Value::Null);
    assert_eq!(get("plain", "2")["chunk_files"], json!(["0", "1"]));
    for version in ["2", "3"] {
        assert_eq!(
            get("plain", version)["xarray"],
            json!([0.0, 1.0, 0.0, 0.0]),
            "v{version}"
        );
        // A _FillValue the dtype holds masks in both versions.
        assert_eq!(
            get("masked", version)["xarray"],
            json!(["<float nan>", 1.0, 2.0, 3.0]),
            "v{version}"
        );
    }
    assert_eq!(get("masked", "2")["fill"], json!(-999.0));
    assert!(get("masked", "2")["attrs"].get("_FillValue").is_none());

    // A NaN _FillValue on int16: v2 keeps it as a float attribute (xarray drops it
    // as the source's), v3 leaves it out and says so.
    let ints2 = get("ints", "2");
    assert_eq!(ints2["fill"], Value::Null);
    assert_eq!(ints2["attrs"]["_FillValue"], "<float nan>");
    assert_eq!(ints2["xarray"], json!([0, 0, 5, 6]));
    assert!(get("ints", "3")["attrs"].get("_FillValue").is_none());
    assert!(
        notes.contains("attribute _FillValue NaN is no int16 value; not copied"),
        "{notes}"
    );
    for version in ["2", "3"] {
        let attrs = &get("ints", version)["attrs"];
        assert_eq!(
            attrs["valid_range"],
            json!(["<float nan>", "<float inf>"]),
            "v{version}"
        );
        assert_eq!(attrs["label"], "NaN", "v{version}: a string stays a string");
    }

    // A Zarr v2 source: its fill_value is its own (kept in v2), its float token
    // attributes stay floats, strings stay strings, odd names and values survive.
    assert_eq!(get("zsrc", "2")["fill"], json!(7.0));
    assert_eq!(
        get("zsrc", "2")["xarray"],
        json!(["<float nan>", "<float nan>", 1.0, 2.0])
    );
    for version in ["2", "3"] {
        let attrs = &get("zsrc", version)["attrs"];
        assert_eq!(attrs["limit"], "<float inf>", "v{version}");
        assert_eq!(attrs["text"], "Infinity", "v{version}");
        assert_eq!(attrs["\u{0}odd"], "\u{0}NaN", "v{version}");
    }
}

// ---- info on a store whose root has no metadata ----

#[test]
fn info_lists_a_store_whose_root_has_no_metadata_as_convert_opens_it() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let made = run_python(
        dir,
        r#"
import os, numpy as np, zarr
for version, meta in [(2, '.zgroup'), (3, 'zarr.json')]:
    store = f'bare{version}.zarr'
    a = zarr.create_array(store, name='group/array', shape=(4,), dtype='i4', zarr_format=version)
    a[:] = np.arange(4)
    os.remove(f'{store}/{meta}')
    os.remove(f'{store}/group/{meta}')
"#,
    );
    if made.is_none() {
        return;
    }
    for store in ["bare2.zarr", "bare3.zarr"] {
        let address = format!("{store}:/group/array");
        for target in [address.as_str(), store] {
            let text = succeeded(&tessera(dir, &["info", target]), target);
            assert!(text.contains("1 array(s)"), "{text}");
            assert!(text.contains("group/array"), "{text}");
            let json = succeeded(&tessera(dir, &["info", target, "--json"]), target);
            let doc: Value = serde_json::from_str(&json).unwrap();
            assert_eq!(doc["arrays"][0]["name"], "group/array");
            assert_eq!(doc["arrays"][0]["shape"], serde_json::json!([4]));
        }
        let out = format!("copy-{store}.npy");
        succeeded(
            &tessera(dir, &["convert", &address, &out, "--quiet"]),
            &address,
        );
    }
    // A directory with nothing Zarr in it is still refused, in one line.
    std::fs::create_dir(dir.join("empty.zarr")).unwrap();
    let output = tessera(dir, &["info", "empty.zarr"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("empty.zarr") && stderr.contains("no Zarr metadata"));
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

// ---- zero-length axes ----

/// Sources of shapes (0,), (0, 5) and (4, 0, 3) written by h5py (chunked and
/// contiguous), zarr-python (v2 and v3) and numpy.
const EMPTY_SOURCES: &str = r#"
import numpy as np, h5py, zarr
shapes = {'a': ((0,), (2,)), 'b': ((0, 5), (2, 5)), 'c': ((4, 0, 3), (2, 1, 3))}
with h5py.File('h.h5', 'w') as f:
    for key, (shape, chunks) in shapes.items():
        maxshape = tuple(None if n == 0 else n for n in shape)
        f.create_dataset(key, shape=shape, dtype='f4', chunks=chunks, maxshape=maxshape)
        f.create_dataset(key + '_contiguous', shape=shape, dtype='i2')
for key, (shape, chunks) in shapes.items():
    for version in (2, 3):
        zarr.create_array(f'z{version}{key}.zarr', shape=shape, dtype='u2', chunks=chunks,
                          zarr_format=version)
    np.save(f'n{key}.npy', np.zeros(shape, 'f8'))
"#;

/// Reads every converted target and prints `{name: [shape, dtype, chunks, shards, size]}`.
const EMPTY_CHECK: &str = r#"
import glob, json, numpy as np, h5py, zarr
out = {}
for name in sorted(glob.glob('out-*')):
    if name.endswith('.npy'):
        a = np.load(name)
        out[name] = [list(a.shape), str(a.dtype), None, None, a.size]
    elif name.endswith('.h5'):
        with h5py.File(name, 'r') as f:
            d = f['x']
            out[name] = [list(d.shape), str(d.dtype), list(d.chunks) if d.chunks else None,
                         None, d[()].size]
    else:
        z = zarr.open_array(name, mode='r')
        shards = list(z.shards) if z.shards else None
        out[name] = [list(z.shape), str(z.dtype), list(z.chunks), shards, z[...].size]
print(json.dumps(out))
"#;

/// One empty source: its key in EMPTY_SOURCES, shape, the chunks of its chunked
/// writers and the row blocks tessera reads contiguous ones in.
struct EmptyShape {
    key: &'static str,
    shape: &'static [u64],
    chunks: &'static [u64],
    rows: &'static [u64],
}

const EMPTY_SHAPES: [EmptyShape; 3] = [
    EmptyShape {
        key: "a",
        shape: &[0],
        chunks: &[2],
        rows: &[1],
    },
    EmptyShape {
        key: "b",
        shape: &[0, 5],
        chunks: &[2, 5],
        rows: &[1, 5],
    },
    EmptyShape {
        key: "c",
        shape: &[4, 0, 3],
        chunks: &[2, 1, 3],
        rows: &[4, 1, 3],
    },
];

/// What a converted target must hold.
struct Expected {
    name: String,
    shape: Vec<u64>,
    dtype: &'static str,
    chunks: Vec<u64>,
    shards: Option<Vec<u64>>,
}

fn comma_list(shape: &[u64]) -> String {
    shape
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Converts `src` (whose chunks are `chunks`) to .npy, HDF5, Zarr v2, v3 and sharded
/// v3, returning what each target must hold.
fn convert_empty(
    dir: &Path,
    name: &str,
    src: &str,
    dtype: &'static str,
    shape: &[u64],
    chunks: &[u64],
) -> Vec<Expected> {
    let shard: Vec<u64> = chunks.iter().map(|c| c * 2).collect();
    let (chunk_text, shard_text) = (comma_list(chunks), comma_list(&shard));
    let sharded = ["--chunks", &chunk_text, "--shard", &shard_text];
    let targets: [(&str, &[&str]); 5] = [
        ("npy", &[]),
        ("h5:/x", &[]),
        ("v2.zarr", &["--zarr-version", "2"]),
        ("v3.zarr", &[]),
        ("sharded.zarr", &sharded),
    ];
    targets
        .into_iter()
        .map(|(suffix, options)| {
            let dst = format!("out-{name}.{suffix}");
            let mut args = vec!["convert", src, dst.as_str(), "--quiet"];
            args.extend(options);
            succeeded(&tessera(dir, &args), &format!("{src} -> {dst}"));
            Expected {
                name: dst.trim_end_matches(":/x").to_string(),
                shape: shape.to_vec(),
                dtype,
                chunks: chunks.to_vec(),
                shards: (suffix == "sharded.zarr").then(|| shard.clone()),
            }
        })
        .collect()
}

#[test]
fn empty_arrays_from_reference_writers_convert_to_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    if run_python(dir, EMPTY_SOURCES).is_none() {
        return;
    }
    let mut expected = Vec::new();
    for EmptyShape {
        key,
        shape,
        chunks,
        rows,
    } in EMPTY_SHAPES
    {
        let sources = [
            (format!("h.h5:/{key}"), chunks, "float32"),
            (format!("h.h5:/{key}_contiguous"), rows, "int16"),
            (format!("z2{key}.zarr"), chunks, "uint16"),
            (format!("z3{key}.zarr"), chunks, "uint16"),
            (format!("n{key}.npy"), rows, "float64"),
        ];
        for (i, (src, source_chunks, dtype)) in sources.iter().enumerate() {
            let name = format!("{key}{i}");
            expected.extend(convert_empty(dir, &name, src, dtype, shape, source_chunks));
        }
    }
    let report: Value = serde_json::from_str(run_python(dir, EMPTY_CHECK).unwrap().trim()).unwrap();
    assert_eq!(
        report.as_object().unwrap().len(),
        expected.len(),
        "{report}"
    );
    for want in expected {
        let name = &want.name;
        let got = &report[name];
        assert_eq!(
            got[0],
            serde_json::json!(want.shape),
            "shape of {name}: {got}"
        );
        assert_eq!(got[1], want.dtype, "dtype of {name}: {got}");
        if !name.ends_with(".npy") {
            assert_eq!(
                got[2],
                serde_json::json!(want.chunks),
                "chunks of {name}: {got}"
            );
        }
        if name.ends_with(".zarr") {
            assert_eq!(
                got[3],
                serde_json::json!(want.shards),
                "shards of {name}: {got}"
            );
        }
        assert_eq!(got[4], 0, "{name} holds elements: {got}");
    }
}

// ---- HDF5 links ----

const LINKS: &str = r#"
import numpy as np, h5py
with h5py.File('links.h5', 'w') as f:
    f['d'] = np.arange(3.0)
    f['also'] = f['d']
    g = f.create_group('g')
    g['again'] = f['d']
    g['e'] = np.arange(2)
    g['rel'] = h5py.SoftLink('e')
    f['soft'] = h5py.SoftLink('/d')
    f['sg'] = h5py.SoftLink('/g')
    f['dangling'] = h5py.SoftLink('/nowhere')
    f['a'] = h5py.SoftLink('/b')
    f['b'] = h5py.SoftLink('/a')
    f['self'] = h5py.SoftLink('/self')
    f['ext'] = h5py.ExternalLink('other.h5', '/x')
"#;

#[test]
fn hdf5_datasets_are_listed_once_with_every_other_path_to_them() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    if run_python(dir, LINKS).is_none() {
        return;
    }
    let file = dir.join("links.h5");
    let entries = tessera::store::list(&file).unwrap();
    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    // Cycles reach nothing and are left out; the dangling and external links are not.
    assert_eq!(names, ["/also", "/dangling", "/ext", "/g/e"]);
    assert_eq!(entries[0].aliases, ["/d", "/g/again", "/soft"]);
    assert_eq!(entries[3].aliases, ["/g/rel", "/sg/e"]);
    let dangling = entries[1].meta.as_ref().unwrap_err();
    assert!(
        dangling.contains("links.h5:/dangling") && dangling.contains("'/nowhere'"),
        "{dangling}"
    );
    assert!(dangling.contains("dangling") && !dangling.contains('\n'));
    let external = entries[2].meta.as_ref().unwrap_err();
    assert!(
        external.contains("external link to other.h5:/x"),
        "{external}"
    );
    // Every alias reads the dataset it is listed under.
    for entry in [&entries[0], &entries[3]] {
        let first = read_hdf5(&file, &entry.name);
        for alias in &entry.aliases {
            assert_eq!(read_hdf5(&file, alias), first, "{alias}");
        }
    }
}

fn read_hdf5(file: &Path, name: &str) -> tessera::Chunk {
    common::read_all_at(&format!("{}:{name}", file.display())).unwrap()
}

#[test]
fn hdf5_hard_link_cycles_of_groups_give_finitely_many_aliases() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let made = run_python(
        dir,
        r#"
import numpy as np, h5py
with h5py.File('cycle.h5', 'w') as f:
    g = f.create_group('g')
    g['d'] = np.arange(2.0)
    g['up'] = f['/']
    g['self'] = g
    g['loop'] = h5py.SoftLink('/g')
"#,
    );
    if made.is_none() {
        return;
    }
    let entries = tessera::store::list(&dir.join("cycle.h5")).unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].name, "/g/d");
    assert_eq!(entries[0].aliases, ["/g/loop/d", "/g/self/d", "/g/up/g/d"]);
}
