//! Dimension names: netCDF-4 dimensions as HDF5 dimension scales, read and written.
//!
//! netCDF-4 stores a dimension as a 1-D dataset marked as a dimension scale
//! (`CLASS = "DIMENSION_SCALE"`), and names each axis of a variable by attaching that
//! scale to it (the variable's `DIMENSION_LIST` holds a reference to the scale per
//! axis). The dimension's name is the scale's link name in its group, not its `NAME`
//! attribute. A dimension with a coordinate variable is that variable itself (a 1-D
//! dataset named like the dimension, made a scale); a dimension without one is a
//! *pure dimension* dataset: float32, as long as the dimension, never written, whose
//! `NAME` reads `This is a netCDF dimension but not a netCDF variable.` and the length
//! right-aligned in 10 characters. A pure dimension is not a variable: `list` leaves it
//! out and `groups` reports it as a dimension of its group.
//!
//! Reading: [`dimension_names`] reads `DIMENSION_LIST` itself rather than through the
//! H5DS library calls, which trust the attribute's shape (a hostile file with a longer
//! list would overflow their buffer). The list must be one entry per axis of
//! old-style object references (what netCDF-C, h5py and h5netcdf write); anything else
//! leaves the axes unnamed. A reference that does not lead to a dataset leaves its
//! axis unnamed. Object references are addresses in the same file, so a scale is
//! never looked for in another file; new-style references (which may name other
//! files) are not followed.
//!
//! Writing: [`attach_dimensions`] names a dataset's axes in its group: it makes a 1-D
//! dataset named like its axis a scale, attaches an existing scale of that name, or
//! creates a pure dimension dataset and attaches it. It is idempotent (attaching an
//! attached scale again does nothing). A variable named like one of its dimensions
//! that is not that dimension's coordinate variable is stored under netCDF's prefix
//! (`noncoord`), and attached to the dimension like any other. A coordinate variable
//! written after its dimension's pure dimension dataset takes that dataset's place
//! ([`take_pure_dimension`], then [`attach_referrers`]), as in netCDF-C and h5netcdf.

use std::collections::HashMap;
use std::ffi::{CString, c_char, c_ulong, c_void};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use hdf5::{Dataset, Datatype, Group};
use hdf5_sys::h5::herr_t;
use hdf5_sys::h5i::{H5I_type_t, H5Iget_name, H5Iget_type, hid_t};
use hdf5_sys::h5p::H5P_DEFAULT;
use hdf5_sys::h5r::{H5R_type_t, H5Rdereference2, hobj_ref_t};
use hdf5_sys::h5t::{H5T_class_t, hvl_t};

use super::attr_read::read_attribute;
use super::links::LinkGuard;
use super::noncoord;
use crate::error::{Error, Result};

unsafe extern "C" {
    fn H5DSset_scale(dsid: hid_t, dimname: *const c_char) -> herr_t;
    fn H5DSattach_scale(did: hid_t, dsid: hid_t, idx: std::ffi::c_uint) -> herr_t;
}

/// How the `NAME` of a netCDF pure dimension dataset begins.
pub(super) const PURE_DIMENSION: &str = "This is a netCDF dimension but not a netCDF variable.";

/// Scales looked at per axis of a `DIMENSION_LIST` (netCDF attaches one).
const MAX_SCALES_PER_AXIS: usize = 16;

/// Entries of a `REFERENCE_LIST` read (datasets attached to one scale).
const MAX_BACK_REFERENCES: usize = 1 << 14;

/// Longest object path read back from HDF5.
const MAX_NAME_BYTES: usize = 1 << 14;

/// A small text attribute of `loc` (`CLASS`, `NAME`), if it is one.
fn text_attribute(loc: &hdf5::Location, name: &str) -> Option<String> {
    if !has_attribute(loc, name) {
        return None;
    }
    let attribute = read_attribute(&loc.attr(name).ok()?).ok()?;
    attribute.value.as_str().map(str::to_string)
}

/// True when `ds` is a dimension scale.
pub(super) fn is_scale(ds: &Dataset) -> bool {
    text_attribute(ds, "CLASS").as_deref() == Some("DIMENSION_SCALE")
}

/// True when `ds` is a netCDF dimension without a variable: a dimension scale whose
/// `NAME` says so. Such a dataset is not an array of the file (`list` leaves it out).
pub(super) fn is_pure_dimension(ds: &Dataset) -> bool {
    is_scale(ds) && text_attribute(ds, "NAME").is_some_and(|name| name.starts_with(PURE_DIMENSION))
}

/// One entry of a scale's `REFERENCE_LIST`: a dataset it is attached to, and the axis.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct Backref {
    dataset: hobj_ref_t,
    axis: std::ffi::c_uint,
}

/// The lengths of the axes the scale `ds` is attached to (its `REFERENCE_LIST`);
/// empty when it has none or the list is not of netCDF-C's / H5DS's form.
fn attached_lengths(ds: &Dataset) -> Vec<u64> {
    let Some(entries) = back_references(ds) else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|entry| {
            let object = dereference(ds, entry.dataset)?;
            axis_length(object.0, entry.axis as usize)
        })
        .collect()
}

/// The `REFERENCE_LIST` of `ds` read as (object reference, axis) pairs.
fn back_references(ds: &Dataset) -> Option<Vec<Backref>> {
    has_attribute(ds, "REFERENCE_LIST").then_some(())?;
    let attr = ds.attr("REFERENCE_LIST").ok()?;
    let space = attr.space().ok()?;
    let count = space.size();
    if !space.is_simple() || space.ndim() != 1 || count > MAX_BACK_REFERENCES {
        return None;
    }
    let filetype = attr.dtype().ok()?;
    hdf5::sync::sync(|| {
        // SAFETY: a live datatype id.
        if unsafe { hdf5_sys::h5t::H5Tget_class(filetype.id()) } != H5T_class_t::H5T_COMPOUND {
            return None;
        }
        let memtype = backref_memtype()?;
        let mut entries = vec![Backref::default(); count];
        // SAFETY: `entries` holds the attribute's `count` elements in `memtype`'s layout
        // (the repr(C) Backref); HDF5 converts the members by name.
        let ret =
            unsafe { hdf5_sys::h5a::H5Aread(attr.id(), memtype.id(), entries.as_mut_ptr().cast()) };
        (ret >= 0).then_some(entries)
    })
}

/// The in-memory compound type of [`Backref`] (H5DS's member names).
fn backref_memtype() -> Option<Datatype> {
    // SAFETY: creating and filling a compound type we own (closed by the handle); the
    // offsets and size are those of the repr(C) struct.
    unsafe {
        let id =
            hdf5_sys::h5t::H5Tcreate(H5T_class_t::H5T_COMPOUND, std::mem::size_of::<Backref>());
        let memtype = hdf5::from_id::<Datatype>(id).ok()?;
        let ok = hdf5_sys::h5t::H5Tinsert(
            id,
            c"dataset".as_ptr(),
            std::mem::offset_of!(Backref, dataset),
            *hdf5_sys::h5t::H5T_STD_REF_OBJ,
        ) >= 0
            && hdf5_sys::h5t::H5Tinsert(
                id,
                c"dimension".as_ptr(),
                std::mem::offset_of!(Backref, axis),
                *hdf5_sys::h5t::H5T_NATIVE_UINT,
            ) >= 0;
        ok.then_some(memtype)
    }
}

/// The length of axis `axis` of the open dataset `id`.
fn axis_length(id: hid_t, axis: usize) -> Option<u64> {
    hdf5::sync::sync(|| {
        // SAFETY: a live dataset id; the space id is ours and closed here; dims holds
        // as many entries as the rank HDF5 reports (at most 32).
        unsafe {
            let space = hdf5_sys::h5d::H5Dget_space(id);
            if space < 0 {
                return None;
            }
            let mut dims = [0u64; 32];
            let rank = hdf5_sys::h5s::H5Sget_simple_extent_ndims(space);
            let got = if (0..=32).contains(&rank) {
                hdf5_sys::h5s::H5Sget_simple_extent_dims(
                    space,
                    dims.as_mut_ptr(),
                    std::ptr::null_mut(),
                )
            } else {
                -1
            };
            hdf5_sys::h5s::H5Sclose(space);
            (got >= 0 && axis < rank as usize).then(|| dims[axis])
        }
    })
}

/// The last component of an HDF5 path.
fn last_component(path: &str) -> Option<String> {
    path.rsplit('/')
        .next()
        .filter(|n| !n.is_empty())
        .map(str::to_string)
}

/// The name of each axis of `ds` from its dimension scales: the link name of the
/// scale attached to the axis, or the dataset's own name for the first axis of a
/// dataset that is itself a scale (a coordinate variable). `None` when no axis is
/// named.
pub(super) fn dimension_names(ds: &Dataset) -> Option<Vec<Option<String>>> {
    let rank = ds.ndim();
    if rank == 0 {
        return None;
    }
    let mut names = attached_names(ds, rank).unwrap_or_else(|| vec![None; rank]);
    if names[0].is_none() && is_scale(ds) {
        names[0] = last_component(&ds.name());
    }
    names.iter().any(Option::is_some).then_some(names)
}

/// Dataset link names by file address.
type LinkNames = Arc<HashMap<u64, String>>;

/// Owns an HDF5 object id opened here, closed on drop.
struct ObjectId(hid_t);

impl ObjectId {
    /// The object as a dataset handle (which closes it), if it is a dataset.
    fn into_dataset(self) -> Option<Dataset> {
        let id = self.0;
        // SAFETY: a live id.
        let is_dataset = hdf5::sync::sync(|| unsafe { H5Iget_type(id) } == H5I_type_t::H5I_DATASET);
        if !is_dataset {
            return None;
        }
        std::mem::forget(self);
        // SAFETY: a live dataset id whose ownership moves to the handle (nothing else
        // closes it: `self` is forgotten above).
        unsafe { hdf5::from_id::<Dataset>(id) }.ok()
    }
}

impl Drop for ObjectId {
    fn drop(&mut self) {
        // SAFETY: an object id this module opened and owns.
        hdf5::sync::sync(|| unsafe { hdf5_sys::h5o::H5Oclose(self.0) });
    }
}

/// The names in `ds`'s `DIMENSION_LIST`, one per axis, or None when it has none or it
/// is not one list of object references per axis.
fn attached_names(ds: &Dataset, rank: usize) -> Option<Vec<Option<String>>> {
    let lists = dimension_list(ds, rank)?;
    Some(lists.iter().map(|refs| axis_name(ds, refs)).collect())
}

/// The object references in `ds`'s `DIMENSION_LIST`, one list per axis, or None when
/// it has none or it is not one list of object references per axis.
fn dimension_list(ds: &Dataset, rank: usize) -> Option<Vec<Vec<hobj_ref_t>>> {
    has_attribute(ds, "DIMENSION_LIST").then_some(())?;
    let attr = ds.attr("DIMENSION_LIST").ok()?;
    let space = attr.space().ok()?;
    if !space.is_simple() || space.shape() != [rank] {
        return None;
    }
    let filetype = attr.dtype().ok()?;
    if !is_object_reference_list(&filetype) {
        return None;
    }
    hdf5::sync::sync(|| {
        let memtype = reference_list_type()?;
        let mut lists = vec![hvl_t::default(); rank];
        // SAFETY: the attribute holds `rank` lists (checked above); `lists` holds as many.
        let ret =
            unsafe { hdf5_sys::h5a::H5Aread(attr.id(), memtype.id(), lists.as_mut_ptr().cast()) };
        if ret < 0 {
            return None;
        }
        let refs = lists.iter().map(references).collect();
        // SAFETY: frees what H5Aread allocated for the lists, described by the same
        // type and the attribute's own space.
        unsafe {
            hdf5_sys::h5t::H5Treclaim(
                memtype.id(),
                space.id(),
                H5P_DEFAULT,
                lists.as_mut_ptr().cast(),
            )
        };
        Some(refs)
    })
}

/// The in-memory type of one axis's list: a variable-length list of object references.
fn reference_list_type() -> Option<Datatype> {
    // SAFETY: the base type is a library constant; the vlen type is ours, owned by the
    // handle.
    unsafe {
        let id = hdf5_sys::h5t::H5Tvlen_create(*hdf5_sys::h5t::H5T_STD_REF_OBJ);
        hdf5::from_id::<Datatype>(id).ok()
    }
}

/// The object references of one list read by `H5Aread`.
fn references(list: &hvl_t) -> Vec<hobj_ref_t> {
    if list.p.is_null() {
        return Vec::new();
    }
    // SAFETY: H5Aread filled `list` with `len` object references at `p`.
    unsafe { std::slice::from_raw_parts(list.p.cast::<hobj_ref_t>(), list.len) }.to_vec()
}

/// True when `loc` has an attribute called `name`.
fn has_attribute(loc: &hdf5::Location, name: &str) -> bool {
    let Ok(cname) = CString::new(name) else {
        return false;
    };
    hdf5::sync::sync(|| {
        // SAFETY: a live object id and a NUL-terminated name.
        unsafe { hdf5_sys::h5a::H5Aexists(loc.id(), cname.as_ptr()) > 0 }
    })
}

/// True for a variable-length list of old-style object references.
fn is_object_reference_list(filetype: &Datatype) -> bool {
    hdf5::sync::sync(|| {
        // SAFETY: live datatype ids; the super type id is ours, owned by the handle.
        unsafe {
            if hdf5_sys::h5t::H5Tget_class(filetype.id()) != H5T_class_t::H5T_VLEN {
                return false;
            }
            let Ok(base) = hdf5::from_id::<Datatype>(hdf5_sys::h5t::H5Tget_super(filetype.id()))
            else {
                return false;
            };
            hdf5_sys::h5t::H5Tequal(base.id(), *hdf5_sys::h5t::H5T_STD_REF_OBJ) > 0
        }
    })
}

/// The link name of the first scale in one axis's list that leads to a dataset.
fn axis_name(ds: &Dataset, refs: &[hobj_ref_t]) -> Option<String> {
    refs.iter()
        .take(MAX_SCALES_PER_AXIS)
        .find_map(|reference| scale_name(ds, *reference))
}

/// The last path component of the dataset `reference` leads to (in `ds`'s file).
///
/// The name comes from an index of the file's datasets by address, built once per
/// open file: asking HDF5 for the path of an object opened through a reference makes
/// it search the whole file, once per axis of every dataset. An object the index does
/// not hold (not reached through hard links) is looked up that way.
fn scale_name(ds: &Dataset, reference: hobj_ref_t) -> Option<String> {
    if let Some(name) = link_names(ds).and_then(|names| names.get(&reference).cloned()) {
        return Some(name);
    }
    let object = dereference(ds, reference)?;
    last_component(&object_path(object.0)?)
}

/// The link names of the datasets of `ds`'s file by address (see `groups`), for the
/// open file last asked about.
fn link_names(ds: &Dataset) -> Option<LinkNames> {
    static LAST: Mutex<Option<(c_ulong, LinkNames)>> = Mutex::new(None);
    let fileno = file_number(ds)?;
    let cached = LAST.lock().unwrap_or_else(PoisonError::into_inner).clone();
    if let Some((_, names)) = cached.filter(|(number, _)| *number == fileno) {
        return Some(names);
    }
    // Built without holding the cache's lock (HDF5 takes its own).
    let file = ds.file().ok()?;
    let guard = LinkGuard::new().ok()?;
    let names = Arc::new(super::groups::dataset_link_names(&file, &guard));
    *LAST.lock().unwrap_or_else(PoisonError::into_inner) = Some((fileno, names.clone()));
    Some(names)
}

/// HDF5's number for the open file holding `ds`: unique to one open of one file while
/// the process runs.
fn file_number(ds: &Dataset) -> Option<c_ulong> {
    hdf5::sync::sync(|| {
        // SAFETY: a live dataset id; the file id is ours and closed here.
        unsafe {
            let file = hdf5_sys::h5i::H5Iget_file_id(ds.id());
            if file < 0 {
                return None;
            }
            let mut number: c_ulong = 0;
            let ret = hdf5_sys::h5f::H5Fget_fileno(file, &mut number);
            hdf5_sys::h5f::H5Fclose(file);
            (ret >= 0).then_some(number)
        }
    })
}

/// Opens the dataset an object `reference` leads to in `ds`'s file (None for anything
/// else: a group, a named type, no object).
fn dereference(ds: &Dataset, reference: hobj_ref_t) -> Option<ObjectId> {
    hdf5::sync::sync(|| {
        // SAFETY: a live dataset id; the reference is read, never written.
        let id = unsafe {
            H5Rdereference2(
                ds.id(),
                H5P_DEFAULT,
                H5R_type_t::H5R_OBJECT1,
                std::ptr::from_ref(&reference).cast::<c_void>(),
            )
        };
        if id < 0 {
            return None;
        }
        let object = ObjectId(id);
        // SAFETY: a live id.
        if unsafe { H5Iget_type(object.0) } != H5I_type_t::H5I_DATASET {
            return None;
        }
        Some(object)
    })
}

/// The path HDF5 knows for the open object `id`.
fn object_path(id: hid_t) -> Option<String> {
    // SAFETY: a live id; with a null buffer HDF5 only returns the length.
    let len = unsafe { H5Iget_name(id, std::ptr::null_mut(), 0) };
    if len <= 0 || len as usize > MAX_NAME_BYTES {
        return None;
    }
    let mut buf = vec![0u8; len as usize + 1];
    // SAFETY: buf holds len + 1 bytes, NUL included.
    let got = unsafe { H5Iget_name(id, buf.as_mut_ptr().cast(), buf.len()) };
    if got <= 0 {
        return None;
    }
    buf.truncate(got.min(len) as usize);
    Some(String::from_utf8_lossy(&buf).into_owned())
}

/// Names the axes of `ds` (a dataset of `group`) after `names`, so that netCDF-C,
/// xarray and h5py see them as dimensions: the axis of a 1-D `ds` named like `ds`
/// itself makes `ds` a scale (a coordinate variable); another name attaches the scale
/// of that name in `group`, which must be a dimension scale of the axis's length, or
/// else a new pure dimension dataset (see the module doc). A variable stored under
/// netCDF's prefix (see `noncoord`) is named without it, and its axis named like it is
/// attached to the pure dimension of that name. Unnamed axes (`None`) are left alone.
/// Errors name `path` and say why in one line.
pub(crate) fn attach_dimensions(
    path: &Path,
    group: &Group,
    ds: &Dataset,
    names: &[Option<String>],
) -> Result<()> {
    let shape = ds.shape();
    let link = last_component(&ds.name()).unwrap_or_default();
    let own = noncoord::variable_name(&link);
    if names.len() != shape.len() {
        return Err(Error::format(
            path,
            format!(
                "'{own}' has {} axes but {} dimension names",
                shape.len(),
                names.len()
            ),
        ));
    }
    let coordinate = link == own && noncoord::is_coordinate(own, names);
    for (axis, name) in names.iter().enumerate() {
        let Some(name) = name else { continue };
        check_name(path, name)?;
        if coordinate {
            make_coordinate(path, ds, own)?;
            continue;
        }
        if *name == link {
            return Err(unprefixed(path, own, axis));
        }
        let scale = match existing_scale(path, group, name)? {
            Some(scale) => check_scale(path, &scale, name, own, axis, shape[axis] as u64)?,
            None => create_pure_dimension(path, group, name, shape[axis] as u64)?,
        };
        attach(path, ds, &scale, axis, name)?;
    }
    Ok(())
}

/// Why a variable named like one of its axes, but not that dimension's coordinate
/// variable, cannot be written under its own name.
fn unprefixed(path: &Path, own: &str, axis: usize) -> Error {
    Error::format(
        path,
        format!(
            "'{own}' names its axis {axis} '{own}' without being the 1-D coordinate variable of dimension '{own}'; netCDF stores such a variable as '{}{own}'",
            noncoord::PREFIX
        ),
    )
}

/// A dimension name must be one HDF5 link name.
fn check_name(path: &Path, name: &str) -> Result<()> {
    if name.is_empty() || name == "." || name.contains('/') || name.contains('\0') {
        return Err(Error::format(
            path,
            format!(
                "dimension name '{name}' cannot be an HDF5 link name (empty, '.', or holding '/' or NUL)"
            ),
        ));
    }
    Ok(())
}

/// Makes `ds` (named `own`) a dimension scale: a coordinate variable.
fn make_coordinate(path: &Path, ds: &Dataset, own: &str) -> Result<()> {
    if is_scale(ds) {
        return Ok(());
    }
    set_scale(ds, own)
        .map_err(|e| Error::hdf5(path, &format!("cannot make '{own}' a dimension scale"), e))
}

fn set_scale(ds: &Dataset, name: &str) -> hdf5::Result<()> {
    let cname = CString::new(name).map_err(|_| hdf5::Error::from("the name holds a NUL byte"))?;
    let ret = hdf5::sync::sync(|| {
        // SAFETY: a live dataset id and a NUL-terminated name.
        unsafe { H5DSset_scale(ds.id(), cname.as_ptr()) }
    });
    super::raw::check(i64::from(ret), "cannot set the dimension scale")
}

/// The dataset `name` in `group`, if there is a link of that name; an error when the
/// link leads elsewhere than a dataset of this file.
fn existing_scale(path: &Path, group: &Group, name: &str) -> Result<Option<Dataset>> {
    if !group.link_exists(name) {
        return Ok(None);
    }
    let guard = LinkGuard::new().map_err(super::meta::h5err(path))?;
    let kind = super::links::object_kind(group.id(), name, &guard);
    if kind != Some(hdf5_sys::h5o::H5O_type_t::H5O_TYPE_DATASET) {
        return Err(Error::format(
            path,
            format!(
                "'{name}' exists in the group and is not a dataset in this file, so it cannot be dimension '{name}'"
            ),
        ));
    }
    let cname = CString::new(name).map_err(|_| Error::format(path, "a name holds a NUL byte"))?;
    let opened = hdf5::sync::sync(|| {
        // SAFETY: a live group id, a NUL-terminated name and a live access list.
        let id = unsafe { hdf5_sys::h5d::H5Dopen2(group.id(), cname.as_ptr(), guard.id()) };
        super::raw::check(id, "cannot open the dataset")?;
        // SAFETY: a dataset id just returned by H5Dopen2, owned by the handle.
        unsafe { hdf5::from_id::<Dataset>(id) }
    });
    opened
        .map(Some)
        .map_err(|e| Error::hdf5(path, &format!("cannot open '{name}'"), e))
}

/// `scale` when it is a 1-D dimension scale of length `len`.
fn check_scale(
    path: &Path,
    scale: &Dataset,
    name: &str,
    own: &str,
    axis: usize,
    len: u64,
) -> Result<Dataset> {
    if !is_scale(scale) {
        return Err(Error::format(
            path,
            format!(
                "'{name}' exists in the group and is not a dimension scale, so it cannot be dimension '{name}' of '{own}'"
            ),
        ));
    }
    let shape = scale.shape();
    if shape.len() != 1 || shape[0] as u64 != len {
        return Err(Error::format(
            path,
            format!(
                "dimension '{name}' has shape {shape:?}, but axis {axis} of '{own}' has length {len}"
            ),
        ));
    }
    Ok(scale.clone())
}

/// The `NAME` netCDF-C gives a pure dimension dataset of `len`.
pub(super) fn pure_dimension_name(len: u64) -> String {
    format!("{PURE_DIMENSION}{len:>10}")
}

/// Creates a pure dimension dataset `name` of `len` in `group`, as netCDF-C does.
fn create_pure_dimension(path: &Path, group: &Group, name: &str, len: u64) -> Result<Dataset> {
    let made = group
        .new_dataset::<f32>()
        .shape([len as usize])
        .create(name)
        .and_then(|ds| set_scale(&ds, &pure_dimension_name(len)).map(|()| ds));
    made.map_err(|e| Error::hdf5(path, &format!("cannot create dimension '{name}'"), e))
}

/// Attaches `scale` to axis `axis` of `ds`, unless it is attached already.
///
/// Whether it is comes from `ds`'s `DIMENSION_LIST` alone: `H5DSis_attached` opens
/// every dataset the scale's `REFERENCE_LIST` names, and a stale entry there (a dataset
/// unlinked since) would make HDF5 read freed space (see `refs`).
fn attach(path: &Path, ds: &Dataset, scale: &Dataset, axis: usize, name: &str) -> Result<()> {
    if is_attached(ds, scale, axis) {
        return Ok(());
    }
    let ret = hdf5::sync::sync(|| {
        // SAFETY: live dataset ids; `axis` is below the rank (checked by the caller).
        unsafe { H5DSattach_scale(ds.id(), scale.id(), axis as std::ffi::c_uint) }
    });
    super::raw::check(i64::from(ret), "cannot attach the dimension scale").map_err(|e| {
        Error::hdf5(
            path,
            &format!("cannot attach dimension '{name}' to axis {axis}"),
            e,
        )
    })
}

/// True when `ds`'s `DIMENSION_LIST` holds `scale` for axis `axis`.
fn is_attached(ds: &Dataset, scale: &Dataset, axis: usize) -> bool {
    let Some(address) = super::groups::object_address(scale.id()) else {
        return false;
    };
    dimension_list(ds, ds.ndim())
        .and_then(|lists| lists.get(axis).map(|list| list.contains(&address)))
        .unwrap_or(false)
}

/// One dimension of a group: a 1-D dimension scale `ds` called `name`, with its
/// netCDF dimension id when it records one.
pub(super) fn as_dimension(
    ds: &Dataset,
    name: &str,
) -> Option<(crate::store::Dimension, Option<i64>)> {
    if !is_scale(ds) {
        return None;
    }
    let space = ds.space().ok()?;
    if !space.is_simple() || space.ndim() != 1 {
        return None;
    }
    let own_len = *space.shape().first()? as u64;
    let unlimited = space.maxdims().first().is_some_and(Option::is_none);
    // netCDF-C leaves an unlimited pure dimension dataset at the length it was made
    // with; the dimension is as long as the longest axis attached to it.
    let len = if unlimited {
        attached_lengths(ds).into_iter().fold(own_len, u64::max)
    } else {
        own_len
    };
    let dimid = has_attribute(ds, "_Netcdf4Dimid")
        .then(|| ds.attr("_Netcdf4Dimid").ok())
        .flatten()
        .and_then(|a| read_attribute(&a).ok())
        .and_then(|a| a.value.as_i64());
    Some((
        crate::store::Dimension {
            name: name.to_string(),
            len,
            unlimited,
        },
        dimid,
    ))
}

mod promote;
mod refs;
mod remove;

pub(crate) use promote::{attach_referrers, take_pure_dimension};
pub(crate) use remove::remove_variable;

#[cfg(test)]
mod tests;
