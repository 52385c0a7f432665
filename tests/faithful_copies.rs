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
