//! netCDF-3 files read as netCDF-C reads them: netCDF4-python (netCDF-C underneath)
//! writes files in all three variants (classic, 64-bit offset, 64-bit data) with every
//! type, 0-d to 3-d variables, several record variables or exactly one, zero records,
//! `_FillValue` and unwritten records, and text and multi-element attributes; then dumps
//! what it reads back (values with masking and scaling off, dtypes, attributes with
//! their types, dimensions, fill values). tessera must read the same.

mod common;

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use tessera::grid::Region;
use tessera::store::{AttrElement, AttrShape, ChunkSource};
use tessera::{Address, Format};

use common::python;

/// Writes the files (argv[1] is the directory) and prints the dump as JSON.
const MAKE_AND_DUMP: &str = r#"
import json, math, os, sys
import numpy as np
import netCDF4

out = sys.argv[1]
rng = np.random.default_rng(7)
CLASSIC = ["i1", "i2", "i4", "f4", "f8"]
EXTENDED = ["u1", "u2", "u4", "i8", "u8"]

def values(dt, shape):
    dt = np.dtype(dt)
    if dt.kind == "f":
        a = rng.normal(0, 1e3, size=shape).astype(dt)
        flat = a.reshape(-1)
        if flat.size > 3:
            flat[0], flat[1], flat[2] = np.nan, np.inf, -0.0
        return a
    info = np.iinfo(dt)
    a = rng.integers(info.min, info.max, size=shape, dtype=dt, endpoint=True)
    flat = a.reshape(-1)
    if flat.size > 2:
        flat[0], flat[1] = info.min, info.max
    return a

def add_attrs(obj, types):
    obj.setncattr("title", "a test file: ünïcode")
    obj.setncattr("empty_text", "")
    for dt in types:
        obj.setncattr(f"one_{dt}", np.array([values(dt, (1,))[0]], dtype=dt))
        obj.setncattr(f"many_{dt}", values(dt, (5,)))
    obj.setncattr("tenth_f4", np.float32(0.1))
    obj.setncattr("nan_f8", np.array([np.nan, np.inf, -np.inf, 1.5]))

def make_all(path, fmt, types):
    with netCDF4.Dataset(path, "w", format=fmt) as ds:
        ds.createDimension("time", None)
        for name, n in [("x", 3), ("y", 4), ("z", 5), ("strlen", 7)]:
            ds.createDimension(name, n)
        add_attrs(ds, types)
        ds.createVariable("text", "S1", ("strlen",))[:] = netCDF4.stringtochar(np.array(["abcdefg"], "S7"))[0]
        ds.createVariable("text_rec", "S1", ("time", "strlen"))
        for dt in types:
            v = ds.createVariable(f"scalar_{dt}", dt, ())
            v.assignValue(values(dt, ()))
            ds.createVariable(f"vec_{dt}", dt, ("x",))[:] = values(dt, (3,))
            cube = ds.createVariable(f"cube_{dt}", dt, ("x", "y", "z"))
            cube[:] = values(dt, (3, 4, 5))
            cube.setncattr("units", "m s-1")
            cube.setncattr("valid_range", values(dt, (2,)))
            ds.createVariable(f"rec_{dt}", dt, ("time", "x"))[0:4] = values(dt, (4, 3))
            ds.createVariable(f"rec_only_{dt}", dt, ("time",))[0:4] = values(dt, (4,))
        ds.createVariable("rec3", "f4", ("time", "y", "z"))[0:4] = values("f4", (4, 4, 5))
        filled = ds.createVariable("filled", "i2", ("time", "x"), fill_value=-5)
        filled[0:2] = values("i2", (2, 3))
        ds["text_rec"][0:4] = netCDF4.stringtochar(np.array(["r0", "r1", "r2", "r3"], "S7"))
        defaulted = ds.createVariable("defaulted", "f8", ("time", "y"))
        defaulted[1] = values("f8", (4,))

def make_one_record(path, fmt, dt, shape_dims):
    with netCDF4.Dataset(path, "w", format=fmt) as ds:
        ds.createDimension("t", None)
        ds.createDimension("x", 3)
        ds.createVariable("fixed", "i4", ("x",))[:] = values("i4", (3,))
        v = ds.createVariable("only", dt, ("t",) + shape_dims)
        shape = (9,) + tuple(len(ds.dimensions[d]) for d in shape_dims)
        v[:] = values(dt, shape)

def make_zero_records(path, fmt):
    with netCDF4.Dataset(path, "w", format=fmt) as ds:
        ds.createDimension("t", None)
        ds.createDimension("x", 2)
        ds.createVariable("a", "f8", ("t", "x"))
        ds.createVariable("b", "i2", ("t",), fill_value=7)
        ds.createVariable("fixed", "i1", ("x",))[:] = [1, -1]
        ds.setncattr("note", "no records")

def make_no_variables(path, fmt):
    with netCDF4.Dataset(path, "w", format=fmt) as ds:
        ds.createDimension("x", 2)
        ds.setncattr("ints", np.array([1, 2, 3], "i4"))

def attr_json(value):
    if isinstance(value, str):
        return ["text", value]
    arr = np.atleast_1d(np.asarray(value))
    if arr.dtype.kind in "SU":
        return ["text", str(value)]
    def num(x):
        if arr.dtype.kind == "f":
            x = float(x)
            if math.isnan(x): return "NaN"
            if math.isinf(x): return "Infinity" if x > 0 else "-Infinity"
            return x
        return int(x)
    return [arr.dtype.name, [num(x) for x in arr]]

def dump(path):
    entry = {"path": path, "variables": [], "dimensions": [], "attributes": []}
    with netCDF4.Dataset(path) as ds:
        ds.set_auto_maskandscale(False)
        entry["format"] = ds.data_model
        entry["dimensions"] = [[d.name, len(d), d.isunlimited()] for d in ds.dimensions.values()]
        entry["attributes"] = [[k] + attr_json(ds.getncattr(k)) for k in ds.ncattrs()]
        for name, v in ds.variables.items():
            var = {"name": name, "dims": list(v.dimensions), "char": v.dtype.kind == "S"}
            var["attributes"] = [[k] + attr_json(v.getncattr(k)) for k in v.ncattrs()]
            var["record"] = bool(v.dimensions) and ds.dimensions[v.dimensions[0]].isunlimited()
            if not var["char"]:
                data = np.array(np.asarray(v[...]).reshape(v.shape), order="C")
                data = data.astype(data.dtype.newbyteorder("="))
                ref = os.path.join(out, f"{os.path.basename(path)}.{name}.npy")
                np.save(ref, data)
                fill = v._FillValue if "_FillValue" in v.ncattrs() else netCDF4.default_fillvals[v.dtype.str[1:]]
                var.update(reference=ref, dtype=data.dtype.name, shape=list(data.shape),
                           fill=np.array(fill, dtype=data.dtype).tobytes().hex())
            entry["variables"].append(var)
    return entry

files = []
for fmt, tag in [("NETCDF3_CLASSIC", "cdf1"), ("NETCDF3_64BIT_OFFSET", "cdf2"), ("NETCDF3_64BIT_DATA", "cdf5")]:
    types = CLASSIC + (EXTENDED if tag == "cdf5" else [])
    p = lambda name: os.path.join(out, f"{tag}-{name}.nc")
    make_all(p("all"), fmt, types)
    make_one_record(p("one-short"), fmt, "i2", ("x",))
    make_one_record(p("one-byte"), fmt, "i1", ())
    make_one_record(p("one-double"), fmt, "f8", ("x",))
    make_zero_records(p("zero"), fmt)
    make_no_variables(p("novars"), fmt)
    files += [p(n) for n in ["all", "one-short", "one-byte", "one-double", "zero", "novars"]]
print(json.dumps([dump(f) for f in files]))
"#;

/// Compares one attribute as tessera reads it with netCDF4-python's `[name, kind, value]`.
fn check_attribute(what: &str, got: &tessera::store::Attribute, kind: &str, want: &Value) {
    let stored = got
        .stored
        .as_ref()
        .unwrap_or_else(|| panic!("{what}: no type"));
    if kind == "text" {
        assert_eq!(stored.element, AttrElement::Text, "{what}");
        assert_eq!(&got.value, want, "{what}");
        return;
    }
    let AttrElement::Number(dtype) = stored.element else {
        panic!("{what}: stored as text, netCDF4-python reads {kind}");
    };
    assert_eq!(dtype.name(), kind, "{what}: type");
    let want = want.as_array().unwrap();
    assert_eq!(
        stored.shape,
        AttrShape::Array(vec![want.len() as u64]),
        "{what}"
    );
    let got_values: Vec<Value> = match (&got.value, want.len()) {
        (Value::Array(items), n) if n != 1 => items.clone(),
        (scalar, 1) => vec![scalar.clone()],
        (other, _) => panic!("{what}: {other} for {} values", want.len()),
    };
    assert_eq!(got_values.len(), want.len(), "{what}");
    for (g, w) in got_values.iter().zip(want) {
        let same = match (kind, g.as_f64(), w.as_f64()) {
            // float32 attributes read as their shortest decimal; compare as float32.
            ("float32", Some(a), Some(b)) => a as f32 == b as f32,
            ("float64", Some(a), Some(b)) => a == b,
            _ => g == w,
        };
        assert!(same, "{what}: {g} != {w}");
    }
}

fn check_attributes(what: &str, got: &tessera::store::Attributes, want: &Value) {
    let want = want.as_array().unwrap();
    let names: Vec<&str> = got.iter().map(|(n, _)| n).collect();
    let want_names: Vec<&str> = want.iter().map(|a| a[0].as_str().unwrap()).collect();
    assert_eq!(names, want_names, "{what}: attribute names and order");
    for a in want {
        let name = a[0].as_str().unwrap();
        let attribute = got.get(name).unwrap();
        check_attribute(
            &format!("{what} attribute {name}"),
            attribute,
            a[1].as_str().unwrap(),
            &a[2],
        );
    }
}

/// Reads a few boxes of `source` and compares them with the same boxes of `reference`.
fn check_regions(what: &str, source: &dyn ChunkSource, reference: &tessera::Chunk) {
    let shape = source.meta().shape.clone();
    if shape.is_empty() || shape.contains(&0) {
        return;
    }
    let boxes = [
        (
            shape.iter().map(|n| n / 3).collect::<Vec<_>>(),
            shape.iter().map(|n| n - n / 3).collect::<Vec<_>>(),
        ),
        (
            vec![0; shape.len()],
            shape.iter().map(|n| n.div_ceil(2)).collect(),
        ),
        (shape.iter().map(|n| n - 1).collect(), vec![1; shape.len()]),
    ];
    for (start, size) in boxes {
        let region = Region { start, shape: size };
        let got = source.read_region(&region).unwrap();
        let want = reference.extract(&region);
        assert_eq!(got.bytes(), want.bytes(), "{what}: region {region:?}");
    }
}

#[test]
fn netcdf3_files_read_as_netcdf4_python_reads_them() {
    let Some(python) = python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(python)
        .args(["-c", MAKE_AND_DUMP])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let files: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    let (mut arrays, mut refused, mut attributes) = (0, 0, 0);
    for file in &files {
        let path = Path::new(file["path"].as_str().unwrap());
        assert_eq!(
            tessera::address::sniff_format(path),
            Some(Format::Netcdf3),
            "{}",
            path.display()
        );
        check_groups(path, file);
        attributes += file["attributes"].as_array().unwrap().len();
        let entries = tessera::store::list(path).unwrap();
        let variables = file["variables"].as_array().unwrap();
        let names: Vec<String> = entries.iter().map(|e| e.name.clone()).collect();
        let want: Vec<String> = variables
            .iter()
            .map(|v| format!("/{}", v["name"].as_str().unwrap()))
            .collect();
        assert_eq!(names, want, "{}: variables", path.display());
        for (var, entry) in variables.iter().zip(&entries) {
            let name = var["name"].as_str().unwrap();
            let text = format!("{}:/{name}", path.display());
            attributes += var["attributes"].as_array().unwrap().len();
            if var["char"].as_bool().unwrap() {
                let reason = entry.meta.as_ref().unwrap_err();
                assert!(
                    reason.contains("char variables are text, not numbers"),
                    "{reason}"
                );
                let error = tessera::store::open(&Address::parse(&text).unwrap())
                    .err()
                    .unwrap();
                assert!(error.to_string().contains(&text), "{error}");
                refused += 1;
                continue;
            }
            check_variable(&text, var, entry);
            arrays += 1;
        }
    }
    println!(
        "{} files, {arrays} arrays, {refused} char variables refused, {attributes} attributes checked",
        files.len()
    );
    assert!(arrays >= 100, "only {arrays} arrays checked");
}

fn check_groups(path: &Path, file: &Value) {
    let groups = tessera::store::groups(path).unwrap();
    assert_eq!(groups.len(), 1);
    let root = &groups[0];
    assert_eq!(root.name, "/");
    let dims: Vec<Value> = root
        .dimensions
        .iter()
        .map(|d| serde_json::json!([d.name, d.len, d.unlimited]))
        .collect();
    assert_eq!(
        &Value::from(dims),
        &file["dimensions"],
        "{}",
        path.display()
    );
    check_attributes(
        &path.display().to_string(),
        &root.attributes,
        &file["attributes"],
    );
}

fn check_variable(text: &str, var: &Value, entry: &tessera::store::ArrayEntry) {
    let address = Address::parse(text).unwrap();
    assert_eq!(address.format, Format::Netcdf3);
    let source = tessera::store::open(&address).unwrap();
    let meta = source.meta();
    assert_eq!(
        entry.meta.as_ref().unwrap(),
        meta,
        "{text}: list and open agree"
    );
    let reference = common::read_all_at(var["reference"].as_str().unwrap()).unwrap();
    assert_eq!(meta.dtype.name(), var["dtype"].as_str().unwrap(), "{text}");
    assert_eq!(meta.dtype, reference.dtype(), "{text}");
    assert_eq!(meta.shape.as_slice(), reference.shape(), "{text}");
    let got = common::read_all(&address).unwrap();
    assert_eq!(got.bytes(), reference.bytes(), "{text}: values");
    check_regions(text, source.as_ref(), &reference);
    let fill: String = meta.fill_value.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(fill, var["fill"].as_str().unwrap(), "{text}: fill value");
    let dims: Vec<Option<String>> = var["dims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| Some(d.as_str().unwrap().to_string()))
        .collect();
    assert_eq!(meta.dimension_names, Some(dims), "{text}");
    check_attributes(text, &meta.attributes, &var["attributes"]);
    assert_eq!(meta.codec, "none");
    if var["record"].as_bool().unwrap() {
        let records = meta.shape[0];
        assert_eq!(meta.layout, format!("record variable ({records} records)"));
    } else {
        assert_eq!(meta.layout, "contiguous");
    }
    assert_eq!(meta.stored_bytes, Some(meta.logical_bytes()), "{text}");
}
