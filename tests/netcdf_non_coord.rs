//! A variable named like one of its dimensions without being that dimension's
//! coordinate variable (`x(y, x)`): tessera writes it as netCDF-C does (the dataset
//! `_nc4_non_coord_x`, the dimension `x` a pure dimension dataset), and reads the files
//! netCDF-C writes so, under the variable's own name. netCDF4-python, xarray (netcdf4
//! and h5netcdf engines), h5py and zarr-python write the inputs and judge the outputs.

mod common;

use common::run_python;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use tessera::Address;
use tessera::store;

fn tessera(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(args)
        .output()
        .expect("the tessera binary runs")
}

fn succeeded(output: &Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Zarr v3 arrays: x (30, 50) float32 over (y, x), and w (50,) int32 over (x).
const ZARR_SOURCES: &str = r#"
import sys, numpy as np, zarr
x = zarr.create_array(sys.argv[1], shape=(30, 50), chunks=(10, 20), dtype="f4",
                      dimension_names=["y", "x"], zarr_format=3)
x[:] = np.arange(1500, dtype="f4").reshape(30, 50)
w = zarr.create_array(sys.argv[2], shape=(50,), chunks=(25,), dtype="i4",
                      dimension_names=["x"], zarr_format=3)
w[:] = np.arange(50, dtype="i4") * 3
"#;

/// Opens the written file with netCDF4-python, xarray (both engines) and h5py.
const CHECK_WRITTEN: &str = r#"
import sys, numpy as np, h5py, netCDF4, xarray as xr
path = sys.argv[1]
want_x = np.arange(1500, dtype="f4").reshape(30, 50)
want_w = np.arange(50, dtype="i4") * 3
problems = []
def check(what, got, want):
    if got != want:
        problems.append(f"{what}: got {got!r}, expected {want!r}")

with netCDF4.Dataset(path) as nc:
    check("netCDF4 variables", sorted(nc.variables), ["w", "x"])
    check("netCDF4 dims", {n: len(d) for n, d in nc.dimensions.items()}, {"y": 30, "x": 50})
    check("netCDF4 x dims", nc["x"].dimensions, ("y", "x"))
    check("netCDF4 w dims", nc["w"].dimensions, ("x",))
    check("netCDF4 x values", bool(np.array_equal(nc["x"][:], want_x)), True)
for engine in ["netcdf4", "h5netcdf"]:
    with xr.open_dataset(path, engine=engine) as ds:
        check(f"{engine} x dims", ds["x"].dims, ("y", "x"))
        check(f"{engine} w dims", ds["w"].dims, ("x",))
        check(f"{engine} sizes", dict(ds.sizes), {"y": 30, "x": 50})
        check(f"{engine} x values", bool(np.array_equal(ds["x"].values, want_x)), True)
        check(f"{engine} w values", bool(np.array_equal(ds["w"].values, want_w)), True)
with h5py.File(path, "r") as f:
    check("h5py datasets", sorted(f), ["_nc4_non_coord_x", "w", "x", "y"])
    check("h5py x scales", [f["_nc4_non_coord_x"].dims[i][0].name for i in range(2)], ["/y", "/x"])
    check("h5py w scale", f["w"].dims[0][0].name, "/x")
    pure = b"This is a netCDF dimension but not a netCDF variable."
    check("h5py dimension x", (f["x"].shape, f["x"].maxshape, f["x"].attrs["NAME"]),
          ((50,), (50,), pure + b"        50"))
    check("h5py dimension y", f["y"].attrs["NAME"], pure + b"        30")
print("\n".join(problems))
sys.exit(1 if problems else 0)
"#;

#[test]
fn a_2d_variable_named_like_its_axis_is_written_as_netcdf_c_writes_it() {
    let Some(python) = common::python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name).display().to_string();
    run_python(&python, ZARR_SOURCES, &[&at("x.zarr"), &at("w.zarr")]);
    let out = at("out.nc");
    succeeded(&tessera(&["convert", &at("x.zarr"), &format!("{out}:/x")]));
    succeeded(&tessera(&["convert", &at("w.zarr"), &format!("{out}:/w")]));
    run_python(&python, CHECK_WRITTEN, &[&out]);

    let info: Value =
        serde_json::from_str(&succeeded(&tessera(&["info", "--json", &out]))).unwrap();
    let arrays: Vec<(&str, &Value)> = info["arrays"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["name"].as_str().unwrap(), &a["dimension_names"]))
        .collect();
    assert_eq!(
        arrays,
        [
            ("/x", &serde_json::json!(["y", "x"])),
            ("/w", &serde_json::json!(["x"]))
        ]
    );
    let text = succeeded(&tessera(&["info", &out]));
    assert!(text.contains("dimensions of /x: (y, x)"), "{text}");
    assert!(!text.contains("_nc4_non_coord_"), "{text}");

    // The variable is x: adding another x is refused, as netCDF refuses it.
    let again = tessera(&["convert", &at("w.zarr"), &format!("{out}:/x")]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    // Read back through tessera.
    let npy = at("x.npy");
    succeeded(&tessera(&["convert", &format!("{out}:/x"), &npy]));
    let same = "import sys, numpy as np; a = np.load(sys.argv[1]); \
                assert a.shape == (30, 50) and (a == np.arange(1500).reshape(30, 50)).all()";
    run_python(&python, same, &[&npy]);
}

/// A Zarr array x over (x, y) written to HDF5, read by netCDF4-python and xarray.
const FIRST_AXIS: &str = r#"
import sys, numpy as np, zarr, netCDF4, xarray as xr
src, out = sys.argv[1:3]
if out == "-":
    a = zarr.create_array(src, shape=(4, 6), chunks=(2, 3), dtype="i2",
                          dimension_names=["x", "y"], zarr_format=3)
    a[:] = np.arange(24).reshape(4, 6)
    sys.exit(0)
with netCDF4.Dataset(out) as nc:
    assert nc["x"].dimensions == ("x", "y"), nc["x"].dimensions
    assert (nc["x"][:] == np.arange(24).reshape(4, 6)).all()
for engine in ["netcdf4", "h5netcdf"]:
    with xr.open_dataset(out, engine=engine) as ds:
        assert ds["x"].dims == ("x", "y"), (engine, ds["x"].dims)
        assert (ds["x"].values == np.arange(24).reshape(4, 6)).all()
"#;

#[test]
fn a_2d_variable_named_like_its_first_axis_is_stored_under_the_prefix_too() {
    let Some(python) = common::python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("xy.zarr").display().to_string();
    let out = dir.path().join("xy.nc").display().to_string();
    run_python(&python, FIRST_AXIS, &[&src, "-"]);
    succeeded(&tessera(&["convert", &src, &format!("{out}:/x")]));
    run_python(&python, FIRST_AXIS, &[&src, &out]);
    let listed = store::list(Path::new(&out)).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, "/x");
}

/// What netCDF4-python writes for a 2-D variable named like one of its dimensions.
const NETCDF_NON_COORD: &str = r#"
import sys, numpy as np, netCDF4
with netCDF4.Dataset(sys.argv[1], "w") as nc:
    nc.createDimension("x", 3)
    nc.createDimension("y", 2)
    x = nc.createVariable("x", "f4", ("y", "x"))
    x[:] = np.arange(6, dtype="f4").reshape(2, 3)
    w = nc.createVariable("w", "i2", ("x",))
    w[:] = [7, 8, 9]
    g = nc.createGroup("g")
    g.createDimension("m", 4)
    g.createDimension("t", 2)
    m = g.createVariable("m", "f8", ("t", "m"))
    m[:] = np.ones((2, 4))
"#;

#[test]
fn netcdf_c_non_coordinate_variables_are_read_under_their_own_name() {
    let Some(python) = common::python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nc4.nc");
    run_python(&python, NETCDF_NON_COORD, &[path.to_str().unwrap()]);

    let listed = store::list(&path).unwrap();
    let names: Vec<(&str, Option<Vec<Option<String>>>)> = listed
        .iter()
        .map(|e| {
            let meta = e.meta.as_ref().unwrap();
            (e.name.as_str(), meta.dimension_names.clone())
        })
        .collect();
    let named = |names: &[&str]| Some(names.iter().map(|n| Some(n.to_string())).collect());
    assert_eq!(
        names,
        [
            ("/x", named(&["y", "x"])),
            ("/w", named(&["x"])),
            ("/g/m", named(&["t", "m"]))
        ]
    );
    let groups = store::groups(&path).unwrap();
    let dims: Vec<(String, Vec<(String, u64)>)> = groups
        .iter()
        .map(|g| {
            let dims = g
                .dimensions
                .iter()
                .map(|d| (d.name.clone(), d.len))
                .collect();
            (g.name.clone(), dims)
        })
        .collect();
    assert_eq!(
        dims,
        [
            ("/".into(), vec![("x".into(), 3), ("y".into(), 2)]),
            ("/g".into(), vec![("m".into(), 4), ("t".into(), 2)])
        ]
    );
    let x = common::read_all(&Address::parse(&format!("{}:/x", path.display())).unwrap()).unwrap();
    assert_eq!(x.shape(), [2, 3]);
    let values: Vec<f32> = bytemuck::cast_slice(x.bytes()).to_vec();
    assert_eq!(values, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);

    // Whole-file copies keep the variable's name and dimensions.
    let src = path.display().to_string();
    let zarr = dir.path().join("copy.zarr").display().to_string();
    let nc = dir.path().join("copy.nc").display().to_string();
    succeeded(&tessera(&["convert", &src, &zarr]));
    succeeded(&tessera(&["convert", &src, &nc]));
    let check = r#"
import sys, numpy as np, netCDF4, zarr
src, zarr_path, nc_path = sys.argv[1:4]
with netCDF4.Dataset(src) as a, netCDF4.Dataset(nc_path) as b:
    for name in ["x", "w", "g/m"]:
        assert a[name].dimensions == b[name].dimensions, (name, b[name].dimensions)
        assert (a[name][:] == b[name][:]).all(), name
z = zarr.open_group(zarr_path, mode="r")
assert z["x"].metadata.dimension_names == ("y", "x"), z["x"].metadata.dimension_names
assert (z["x"][:] == np.arange(6).reshape(2, 3)).all()
assert z["g/m"].metadata.dimension_names == ("t", "m")
"#;
    run_python(&python, check, &[&src, &zarr, &nc]);
}
