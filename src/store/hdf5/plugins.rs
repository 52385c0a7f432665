//! HDF5 filter plugins: off unless the user turns them on.
//!
//! The HDF5 library loads a shared library from `HDF5_PLUGIN_PATH` (or its default
//! plugin directory) when a dataset needs a filter it lacks: szip, zstd, blosc, bzip2,
//! lz4 and others. Left alone, what tessera can read would then depend on the
//! environment: importing `netCDF4` in Python sets `HDF5_PLUGIN_PATH` for the process
//! and its children, so the same command would read a file in one shell and refuse it
//! in another, and it would run code from whatever directory that variable names.
//!
//! tessera's policy: **plugins are off** and `HDF5_PLUGIN_PATH` is ignored, so reads
//! are the same everywhere and only code built into tessera runs. Set
//! `TESSERA_HDF5_PLUGINS=1` to turn plugin loading on; HDF5 then searches
//! `HDF5_PLUGIN_PATH` as usual. A dataset whose filter is missing is refused at open,
//! naming the filter, and the message says how to turn plugins on.

use std::ffi::{c_int, c_uint};
use std::sync::Once;

/// The environment variable that turns HDF5 filter plugins on.
pub(crate) const PLUGINS_VAR: &str = "TESSERA_HDF5_PLUGINS";

unsafe extern "C" {
    // Declared here: hdf5-metno-sys declares the mask as a pointer, but HDF5's C
    // signature is `herr_t H5PLset_loading_state(unsigned int plugin_control_mask)`.
    fn H5PLset_loading_state(plugin_control_mask: c_uint) -> c_int;
}

/// True when the user turned plugins on (`TESSERA_HDF5_PLUGINS` set to `1`, `on`,
/// `yes` or `true`).
pub(crate) fn enabled() -> bool {
    std::env::var(PLUGINS_VAR).is_ok_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "1" | "on" | "yes" | "true"
        )
    })
}

/// Applies the policy once per process, before any file is opened or filter looked up.
pub(crate) fn apply_policy() {
    static APPLIED: Once = Once::new();
    APPLIED.call_once(|| {
        let mask: c_uint = if enabled() { 0xffff } else { 0 };
        // SAFETY: a plain library call with a mask, under the library lock. A failure
        // leaves HDF5's default (plugins on), which only widens what can be read.
        hdf5::sync::sync(|| unsafe { H5PLset_loading_state(mask) });
    });
}

/// What to tell a user whose dataset needs filter `id`, which this process lacks.
pub(crate) fn unavailable_detail(id: i32) -> String {
    let how = if enabled() {
        "no plugin for it was found in HDF5_PLUGIN_PATH".to_string()
    } else {
        format!(
            "HDF5 filter plugins are off (set {PLUGINS_VAR}=1 and HDF5_PLUGIN_PATH to a directory holding its plugin to read it)"
        )
    };
    format!(
        "HDF5 filter id {id} is not built into tessera and {how}; or re-save the data with gzip (deflate) or no compression, e.g. `h5repack -f GZIP=4 IN OUT`"
    )
}
