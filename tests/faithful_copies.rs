//! Faithful copies through the command line: arrays added to existing files and
//! stores, whole files copied with their groups, attributes and dimensions, and the
//! HDF5 filter-plugin policy. The reference libraries (h5py, netCDF4, zarr-python,
//! xarray) write the inputs and read the outputs.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tessera_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tessera"));
    command.args(args).env_remove("HDF5_PLUGIN_PATH");
    command.env_remove("TESSERA_HDF5_PLUGINS");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("the tessera binary runs")
}

fn tessera(args: &[&str]) -> Output {
    tessera_env(args, &[])
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn succeeded(output: &Output) -> String {
    assert!(output.status.success(), "failed: {}", stderr(output));
    stdout(output)
}

/// Asserts a refusal: exit code 2 and one line on stderr holding every needle.
fn refused(output: &Output, needles: &[&str]) {
    let text = stderr(output);
    assert_eq!(output.status.code(), Some(2), "stderr: {text}");
    assert_eq!(text.trim_end().lines().count(), 1, "one line: {text}");
    for needle in needles {
        assert!(text.contains(needle), "'{needle}' not in: {text}");
    }
}

/// Runs `code` with the reference Python; `None` when there is none (never under CI).
fn python(code: &str) -> Option<String> {
    let python = common::python()?;
    let output = Command::new(python)
        .arg("-c")
        .arg(code)
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "python failed: {}\n{code}",
        stderr(&output)
    );
    Some(stdout(&output))
}

fn at(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

/// The netCDF4 package's bundled HDF5 filter plugins.
fn netcdf4_plugin_dir() -> Option<PathBuf> {
    let dir = python(
        "import netCDF4, os; print(os.path.join(os.path.dirname(netCDF4.__file__), 'plugins'))",
    )?;
    Some(PathBuf::from(dir.trim()))
}

#[test]
fn hdf5_filter_plugins_are_off_unless_turned_on() {
    let dir = tempfile::tempdir().unwrap();
    let file = at(dir.path(), "zstd.nc");
    let Some(_) = python(&format!(
        "import netCDF4, numpy as np\n\
         d = netCDF4.Dataset('{file}', 'w'); d.createDimension('x', 100)\n\
         v = d.createVariable('v', 'f4', ('x',), compression='zstd'); v[:] = np.arange(100); d.close()"
    )) else {
        return;
    };
    let plugins = netcdf4_plugin_dir().unwrap();
    let plugins = plugins.to_str().unwrap();
    let address = format!("{file}:/v");
    let sum = ["reduce", "sum", address.as_str()];
    // Off by default, whatever HDF5_PLUGIN_PATH says: refused, naming the filter and the way out.
    refused(&tessera(&sum), &["zstd", "32015", "TESSERA_HDF5_PLUGINS=1"]);
    refused(
        &tessera_env(&sum, &[("HDF5_PLUGIN_PATH", plugins)]),
        &["zstd", "plugins are off"],
    );
    // Turned on with a plugin directory: read, with the values netCDF4 wrote.
    let on = [("TESSERA_HDF5_PLUGINS", "1"), ("HDF5_PLUGIN_PATH", plugins)];
    assert_eq!(succeeded(&tessera_env(&sum, &on)).trim(), "4950.0");
    // Turned on without a plugin for it: refused, saying so.
    let empty = tempfile::tempdir().unwrap();
    let none = [
        ("TESSERA_HDF5_PLUGINS", "1"),
        ("HDF5_PLUGIN_PATH", empty.path().to_str().unwrap()),
    ];
    refused(&tessera_env(&sum, &none), &["zstd", "no plugin"]);
}

/// A small .npy input of 12x10 float64 values 0..120, made by numpy.
fn source(dir: &Path) -> Option<String> {
    let src = at(dir, "src.npy");
    python(&format!(
        "import numpy as np; np.save('{src}', np.arange(120.0).reshape(12, 10))"
    ))?;
    Some(src)
}

#[test]
fn arrays_are_added_to_an_existing_hdf5_file_keeping_everything_else() {
    let dir = tempfile::tempdir().unwrap();
    let Some(src) = source(dir.path()) else {
        return;
    };
    let file = at(dir.path(), "data.h5");
    python(&format!(
        "import h5py, numpy as np\n\
         f = h5py.File('{file}', 'w'); f['a'] = np.arange(5, dtype='i2'); f.attrs['history'] = 'made by hand'\n\
         g = f.create_group('g'); g.attrs['note'] = np.float32(0.5); f['alias'] = h5py.SoftLink('/a'); f.close()"
    ));
    succeeded(&tessera(&[
        "convert",
        &src,
        &format!("{file}:/b"),
        "--quiet",
    ]));
    succeeded(&tessera(&[
        "convert",
        &src,
        &format!("{file}:/g/new/c"),
        "--quiet",
    ]));
    let checked = python(&format!(
        "import h5py, numpy as np\n\
         f = h5py.File('{file}', 'r')\n\
         assert list(f['a'][:]) == [0, 1, 2, 3, 4] and f['a'].dtype == 'i2'\n\
         assert f.attrs['history'] == 'made by hand'\n\
         assert f['g'].attrs['note'] == np.float32(0.5) and f['g'].attrs['note'].dtype == np.float32\n\
         assert f.get('alias', getlink=True).path == '/a'\n\
         want = np.arange(120.0).reshape(12, 10)\n\
         assert (f['b'][:] == want).all() and (f['g/new/c'][:] == want).all()\n\
         print(sorted(f.keys()))"
    ))
    .unwrap();
    assert_eq!(checked.trim(), "['a', 'alias', 'b', 'g']");
    assert!(
        std::fs::read_dir(dir.path()).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with('.')),
        "staging left behind"
    );
}

#[test]
fn arrays_are_added_to_existing_zarr_stores_of_either_version() {
    for (version, consolidate) in [("2", "zarr.consolidate_metadata(s)"), ("3", "")] {
        let dir = tempfile::tempdir().unwrap();
        let Some(src) = source(dir.path()) else {
            return;
        };
        let store = at(dir.path(), "data.zarr");
        python(&format!(
            "import zarr, numpy as np\n\
             s = '{store}'; g = zarr.open_group(s, mode='w', zarr_format={version}); g.attrs['title'] = 'survey'\n\
             g.attrs['limits'] = [float('nan'), float('-inf')]\n\
             g.create_array('a', data=np.arange(6, dtype='u1')); {consolidate}"
        ));
        succeeded(&tessera(&[
            "convert",
            &src,
            &format!("{store}:/b"),
            "--quiet",
        ]));
        succeeded(&tessera(&[
            "convert",
            &src,
            &format!("{store}:/g/c"),
            "--quiet",
        ]));
        let open = if consolidate.is_empty() {
            "zarr.open_group(s, mode='r')"
        } else {
            "zarr.open_consolidated(s, mode='r')"
        };
        let listed = python(&format!(
            "import zarr, numpy as np\n\
             s = '{store}'; g = {open}\n\
             assert g.metadata.zarr_format == {version}\n\
             assert g.attrs['title'] == 'survey' and list(g['a'][:]) == list(range(6))\n\
             nan, inf = g.attrs['limits']; assert np.isnan(nan) and inf == -np.inf, g.attrs['limits']\n\
             want = np.arange(120.0).reshape(12, 10)\n\
             assert (g['b'][:] == want).all() and (g['g/c'][:] == want).all()\n\
             assert g['b'].metadata.zarr_format == {version}\n\
             print(sorted(g.keys()))"
        ))
        .unwrap();
        assert_eq!(listed.trim(), "['a', 'b', 'g']", "zarr v{version}");
    }
}

#[test]
fn overwrite_replaces_only_the_named_array() {
    let dir = tempfile::tempdir().unwrap();
    let Some(src) = source(dir.path()) else {
        return;
    };
    let file = at(dir.path(), "data.h5");
    let store = at(dir.path(), "data.zarr");
    python(&format!(
        "import h5py, zarr, numpy as np\n\
         f = h5py.File('{file}', 'w'); f['a'] = np.zeros(3); f['b'] = np.ones(4); f.close()\n\
         g = zarr.open_group('{store}', mode='w'); g.create_array('a', data=np.zeros(3)); g.create_array('b', data=np.ones(4))"
    ));
    for target in [format!("{file}:/b"), format!("{store}:/b")] {
        let before = common::dir_contents(dir.path());
        refused(
            &tessera(&["convert", &src, &target, "--quiet"]),
            &["already exists", "--overwrite"],
        );
        assert!(
            before == common::dir_contents(dir.path()),
            "{target}: changed by a refusal"
        );
        succeeded(&tessera(&[
            "convert",
            &src,
            &target,
            "--overwrite",
            "--quiet",
        ]));
    }
    python(&format!(
        "import h5py, zarr, numpy as np\n\
         want = np.arange(120.0).reshape(12, 10)\n\
         f = h5py.File('{file}', 'r'); assert (f['a'][:] == 0).all() and (f['b'][:] == want).all()\n\
         g = zarr.open_group('{store}', mode='r'); assert (g['a'][:] == 0).all() and (g['b'][:] == want).all()"
    ));
}

#[test]
fn overwrite_never_replaces_a_group_or_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let Some(src) = source(dir.path()) else {
        return;
    };
    let file = at(dir.path(), "data.h5");
    let store = at(dir.path(), "data.zarr");
    python(&format!(
        "import h5py, zarr, numpy as np\n\
         f = h5py.File('{file}', 'w'); f['g/x'] = np.zeros(3); f['alias'] = h5py.SoftLink('/g/x'); f.close()\n\
         g = zarr.open_group('{store}', mode='w'); g.create_group('sub').create_array('x', data=np.zeros(3))\n\
         g.create_array('arr', data=np.zeros(3))"
    ));
    let before = common::dir_contents(dir.path());
    for (target, needle) in [
        (format!("{file}:/g"), "a group"),
        (format!("{file}:/alias"), "a soft link"),
        (format!("{store}:/sub"), "not a Zarr array"),
        (format!("{store}:/arr/inner"), "is an array, not a group"),
    ] {
        refused(
            &tessera(&["convert", &src, &target, "--overwrite", "--quiet"]),
            &[needle],
        );
    }
    assert!(
        before == common::dir_contents(dir.path()),
        "a refusal changed something"
    );
}

#[test]
fn a_failed_add_leaves_the_file_and_store_as_they_were() {
    let dir = tempfile::tempdir().unwrap();
    let bad = at(dir.path(), "bad.zarr");
    let file = at(dir.path(), "data.h5");
    let store = at(dir.path(), "data.zarr");
    let Some(_) = python(&format!(
        "import h5py, zarr, numpy as np, os, glob\n\
         z = zarr.create_array('{bad}', shape=(100,), chunks=(10,), dtype='f8', compressors=zarr.codecs.GzipCodec()); z[:] = np.arange(100.0)\n\
         chunk = sorted(glob.glob('{bad}/c/*'))[5]; open(chunk, 'wb').write(b'not gzip at all')\n\
         f = h5py.File('{file}', 'w'); f['a'] = np.zeros(3); f.close()\n\
         g = zarr.open_group('{store}', mode='w'); g.create_array('a', data=np.zeros(3))"
    )) else {
        return;
    };
    let before = common::dir_contents(dir.path());
    for target in [format!("{file}:/b"), format!("{store}:/b")] {
        let output = tessera(&["convert", &bad, &target, "--quiet"]);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert!(
            before == common::dir_contents(dir.path()),
            "{target}: a failed add changed something"
        );
    }
}

#[test]
fn several_outputs_of_one_run_go_into_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let Some(src) = source(dir.path()) else {
        return;
    };
    let file = at(dir.path(), "results.h5");
    let store = at(dir.path(), "results.zarr");
    let input = format!("a={src}");
    for (x, y) in [
        (format!("{file}:/x"), format!("{file}:/stats/y")),
        (format!("{store}:/x"), format!("{store}:/stats/y")),
    ] {
        succeeded(&tessera(&[
            "eval", "a + 1", "a * 2", "-i", &input, "--out", &x, "--out", &y, "--quiet",
        ]));
    }
    python(&format!(
        "import h5py, zarr, numpy as np\n\
         a = np.arange(120.0).reshape(12, 10)\n\
         f = h5py.File('{file}', 'r'); assert (f['x'][:] == a + 1).all() and (f['stats/y'][:] == a * 2).all()\n\
         g = zarr.open_group('{store}', mode='r'); assert (g['x'][:] == a + 1).all() and (g['stats/y'][:] == a * 2).all()"
    ));
    // One array named twice is refused before anything is written.
    let twice = format!("{}:/z", at(dir.path(), "twice.h5"));
    refused(
        &tessera(&[
            "eval", "a + 1", "a * 2", "-i", &input, "--out", &twice, "--out", &twice, "--quiet",
        ]),
        &["overlap"],
    );
    assert!(!dir.path().join("twice.h5").exists());
}

/// Writes a netCDF-4 file as a climate model would: an unlimited time dimension,
/// coordinate variables, a packed int16 variable with float32 scale_factor and
/// add_offset, a variable on a dimension without coordinates, and global attributes.
fn climate_file(path: &str) -> Option<String> {
    python(&format!(
        "import netCDF4, numpy as np\n\
         d = netCDF4.Dataset('{path}', 'w')\n\
         d.title = 'tiny model run'; d.history = 'made by the test'; d.version = np.int32(3)\n\
         d.createDimension('time', None); d.createDimension('lat', 4); d.createDimension('lon', 5)\n\
         d.createDimension('station', 2)\n\
         t = d.createVariable('time', 'f8', ('time',)); t.units = 'days since 2000-01-01'; t[:] = [0.0, 1.0, 2.0]\n\
         la = d.createVariable('lat', 'f4', ('lat',)); la.units = 'degrees_north'; la[:] = np.linspace(-60, 60, 4)\n\
         lo = d.createVariable('lon', 'f4', ('lon',)); lo.units = 'degrees_east'; lo[:] = np.linspace(0, 288, 5)\n\
         v = d.createVariable('tas', 'i2', ('time', 'lat', 'lon'), fill_value=np.int16(-999), zlib=True, chunksizes=(1, 4, 5))\n\
         v.scale_factor = np.float32(0.01); v.add_offset = np.float32(273.15); v.units = 'K'\n\
         v.valid_range = np.array([-5000, 5000], dtype='i2')\n\
         v.set_auto_maskandscale(False); v[:] = (np.arange(60).reshape(3, 4, 5) * 7 - 200).astype('i2')\n\
         s = d.createVariable('height', 'f8', ('station',)); s.long_name = 'station height'; s[:] = [10.5, 20.25]\n\
         d.close()"
    ))
}

#[test]
fn a_whole_netcdf_file_copies_to_hdf5_and_zarr_that_xarray_opens_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let src = at(dir.path(), "model.nc");
    let Some(_) = climate_file(&src) else {
        return;
    };
    let outputs = [
        ("copy.nc", vec![]),
        ("copy_v3.zarr", vec!["--zarr-version", "3"]),
        ("copy_v2.zarr", vec!["--zarr-version", "2"]),
    ];
    for (name, extra) in &outputs {
        let dst = at(dir.path(), name);
        let mut args = vec!["convert", src.as_str(), dst.as_str(), "--quiet"];
        args.extend(extra.iter().copied());
        succeeded(&tessera(&args));
    }
    let compared = python(&format!(
        "import xarray as xr, numpy as np\n\
         d = '{dir}'\n\
         def same_attrs(a, b, exact):\n\
         \x20   # Zarr always has a fill value, which xarray shows as _FillValue.\n\
         \x20   extra = set(b) - set(a) - (set() if exact else {{'_FillValue'}})\n\
         \x20   assert set(a) <= set(b) and not extra, (sorted(a), sorted(b))\n\
         \x20   for k in a:\n\
         \x20       x, y = np.asarray(a[k]), np.asarray(b[k])\n\
         \x20       if x.dtype.kind in 'fiu':\n\
         \x20           assert np.array_equal(x, y.astype(x.dtype)), (k, x, y)\n\
         \x20           if exact: assert x.dtype == y.dtype and x.shape == y.shape, (k, x.dtype, y.dtype, x.shape, y.shape)\n\
         \x20       else: assert str(a[k]) == str(b[k]), (k, a[k], b[k])\n\
         def same(a, b, exact):\n\
         \x20   assert set(a.variables) == set(b.variables), (sorted(a.variables), sorted(b.variables))\n\
         \x20   assert dict(a.sizes) == dict(b.sizes), (dict(a.sizes), dict(b.sizes))\n\
         \x20   same_attrs(a.attrs, b.attrs, exact)\n\
         \x20   for v in a.variables:\n\
         \x20       assert a[v].dims == b[v].dims, (v, a[v].dims, b[v].dims)\n\
         \x20       assert a[v].dtype == b[v].dtype, (v, a[v].dtype, b[v].dtype)\n\
         \x20       assert np.array_equal(a[v].values, b[v].values, equal_nan=True), v\n\
         \x20       same_attrs(a[v].attrs, b[v].attrs, exact)\n\
         src = xr.open_dataset(d + '/model.nc', decode_cf=False)\n\
         for engine in ['netcdf4', 'h5netcdf']:\n\
         \x20   same(src, xr.open_dataset(d + '/copy.nc', engine=engine, decode_cf=False), True)\n\
         \x20   xr.testing.assert_identical(xr.open_dataset(d + '/model.nc'), xr.open_dataset(d + '/copy.nc', engine=engine))\n\
         for z in ['copy_v3.zarr', 'copy_v2.zarr']:\n\
         \x20   same(src, xr.open_zarr(d + '/' + z, decode_cf=False, consolidated=False), False)\n\
         \x20   xr.testing.assert_allclose(xr.open_dataset(d + '/model.nc'), xr.open_zarr(d + '/' + z, consolidated=False))\n\
         print('same')",
        dir = dir.path().display()
    ))
    .unwrap();
    assert_eq!(compared.trim(), "same");
}

#[test]
fn a_whole_copy_refuses_an_existing_target_and_leaves_it() {
    let dir = tempfile::tempdir().unwrap();
    let src = at(dir.path(), "model.nc");
    let Some(_) = climate_file(&src) else {
        return;
    };
    let dst = at(dir.path(), "copy.zarr");
    std::fs::create_dir(&dst).unwrap();
    std::fs::write(dir.path().join("copy.zarr/notes.txt"), b"keep me").unwrap();
    let before = common::dir_contents(dir.path());
    refused(
        &tessera(&["convert", &src, &dst, "--quiet"]),
        &["copy.zarr", "exists"],
    );
    assert!(before == common::dir_contents(dir.path()));
}
