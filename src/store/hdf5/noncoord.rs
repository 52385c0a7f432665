//! netCDF-4 variables stored under another name than their own.
//!
//! In HDF5 a netCDF dimension is a dataset named like the dimension (its coordinate
//! variable, or a pure dimension dataset, see `dims`). A variable named like a
//! dimension of its group without being that dimension's coordinate variable (a 1-D
//! variable over that dimension) cannot have that name too. netCDF-C
//! (`NON_COORD_PREPEND` in `libhdf5`) and h5netcdf store such a variable as
//! `_nc4_non_coord_NAME`, and every netCDF reader strips the prefix: the variable is
//! `NAME`, and its axes are attached to the dimensions (the pure dimension `NAME`
//! included) like any other variable's:
//!
//! ```text
//!  netCDF: x(y, x)      HDF5: /_nc4_non_coord_x  (y, x), DIMENSION_LIST -> /y, /x
//!                             /x                 pure dimension, as long as x's axis 1
//!                             /y                 pure dimension
//! ```
//!
//! tessera does the same both ways: the writer picks the stored path
//! ([`stored_path`]); `list` names the variable `NAME` ([`listed_path`]); opening,
//! adding or replacing `NAME` reaches the prefixed dataset when `NAME` itself holds no
//! variable (no link, or a pure dimension) ([`stored_variable`]). The dimension names
//! in `DIMENSION_LIST` are the scales' own link names, never prefixed, so they are read
//! as they are (as netCDF-C reads them).

use std::ffi::c_int;

use hdf5_sys::h5o::H5O_type_t;

use super::links::{self, LinkGuard};

/// What netCDF-C and h5netcdf put before the name of a variable named like one of its
/// group's dimensions that is not that dimension's coordinate variable.
pub(super) const PREFIX: &str = "_nc4_non_coord_";

/// HDF5's code for a hard link.
const LINK_HARD: c_int = 0;

/// The netCDF name of a variable stored under the link name `link`.
pub(super) fn variable_name(link: &str) -> &str {
    link.strip_prefix(PREFIX)
        .filter(|name| !name.is_empty())
        .unwrap_or(link)
}

/// True when the variable `own`, with axes named `names`, is the coordinate variable
/// of its dimension: 1-D, its axis named after itself.
pub(super) fn is_coordinate(own: &str, names: &[Option<String>]) -> bool {
    matches!(names, [Some(name)] if name == own)
}

/// `(parent, last component)` of a path in a file: `("/g", "x")` for `/g/x`, `("g",
/// "x")` for `g/x`, `("", "x")` for `x` and `/x`.
fn split(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

/// `path` with its last component prefixed.
fn prefixed(path: &str) -> String {
    let (parent, last) = split(path);
    format!("{parent}/{PREFIX}{last}")
}

/// Where the writer creates the variable `array` (a path in `file`) whose axes are
/// named `names`: under the prefix when it names one of its axes after itself without
/// being that dimension's coordinate variable, or when its group holds a pure
/// dimension of its name already; else at `array`.
pub(super) fn stored_path(
    file: &hdf5::File,
    array: &str,
    names: Option<&[Option<String>]>,
) -> String {
    let names = names.unwrap_or_default();
    let (_, own) = split(array);
    if own.starts_with(PREFIX) || is_coordinate(own, names) {
        return array.to_string();
    }
    let shares_a_name = names.iter().flatten().any(|name| name == own);
    let dimension_there =
        LinkGuard::new().is_ok_and(|guard| is_pure_dimension(file, array, &guard));
    if shares_a_name || dimension_there {
        prefixed(array)
    } else {
        array.to_string()
    }
}

/// The path `list` gives the dataset at `path`: the variable's netCDF name for a
/// prefixed dataset whose unprefixed sibling holds no variable, else `path`.
pub(super) fn listed_path(file: &hdf5::File, path: &str, guard: &LinkGuard) -> String {
    let (parent, last) = split(path);
    let name = variable_name(last);
    if name == last {
        return path.to_string();
    }
    let plain = format!("{parent}/{name}");
    if holds_no_variable(file, &plain, guard) {
        plain
    } else {
        path.to_string()
    }
}

/// The dataset the variable `path` is stored at: its prefixed sibling when that is a
/// dataset and `path` holds no variable, else `path`.
pub(super) fn stored_variable(file: &hdf5::File, path: &str, guard: &LinkGuard) -> String {
    let (_, last) = split(path);
    if last.is_empty() || last.starts_with(PREFIX) {
        return path.to_string();
    }
    let other = prefixed(path);
    if is_dataset(file, &other, guard) && holds_no_variable(file, path, guard) {
        other
    } else {
        path.to_string()
    }
}

/// True when `path` names no variable: no link, or a hard link to a pure dimension.
pub(super) fn holds_no_variable(file: &hdf5::File, path: &str, guard: &LinkGuard) -> bool {
    match links::link_type(file, path, guard) {
        None => true,
        Some(LINK_HARD) => is_pure_dimension(file, path, guard),
        Some(_) => false,
    }
}

/// True when `path` is a hard link to a dataset.
fn is_dataset(file: &hdf5::File, path: &str, guard: &LinkGuard) -> bool {
    links::link_type(file, path, guard) == Some(LINK_HARD)
        && links::object_kind(file.id(), path, guard) == Some(H5O_type_t::H5O_TYPE_DATASET)
}

/// True when `path` is a hard link to a pure dimension dataset.
pub(super) fn is_pure_dimension(file: &hdf5::File, path: &str, guard: &LinkGuard) -> bool {
    is_dataset(file, path, guard)
        && super::open_guarded(file, path, guard)
            .is_ok_and(|ds| super::dims::is_pure_dimension(&ds))
}

#[cfg(test)]
mod tests;
