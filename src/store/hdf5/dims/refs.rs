//! Rewriting the references between datasets and their dimension scales without
//! following stale ones.
//!
//! A file may hold references to datasets unlinked since (h5py's `del`, a dataset
//! replaced by an older writer), and opening one reads freed space: HDF5 then caches a
//! stale object header, and a later allocation at that address fails ("duplicate entry
//! in cache"). The H5DS calls that detach a scale follow every entry of the scale's
//! `REFERENCE_LIST`, so scales are taken off here by rewriting the lists directly, and
//! only references to datasets linked in the file are ever opened.

use std::collections::HashSet;

use hdf5_sys::h5a::{H5Acreate2, H5Adelete, H5Awrite};
use hdf5_sys::h5s::H5Screate_simple;

use super::*;

/// An axis of a dataset that a scale is attached to.
pub(crate) struct Referrer {
    pub(super) ds: Dataset,
    pub(super) axis: usize,
}

/// The file addresses of the datasets linked in `file` (what references to them hold).
pub(super) fn linked_datasets(file: &hdf5::File, guard: &LinkGuard) -> HashSet<u64> {
    super::super::groups::dataset_link_names(file, guard)
        .into_keys()
        .collect()
}

/// The axes the scale `scale` is attached to, of datasets in `linked`.
pub(super) fn referrers(scale: &Dataset, linked: &HashSet<u64>) -> Vec<Referrer> {
    back_references(scale)
        .unwrap_or_default()
        .iter()
        .filter(|entry| linked.contains(&entry.dataset))
        .filter_map(|entry| {
            let ds = dereference(scale, entry.dataset)?.into_dataset()?;
            Some(Referrer {
                ds,
                axis: entry.axis as usize,
            })
        })
        .collect()
}

/// The scales attached to the axes of `ds` that are datasets in `linked`.
pub(super) fn scales_of(ds: &Dataset, linked: &HashSet<u64>) -> Vec<Dataset> {
    let lists = dimension_list(ds, ds.ndim()).unwrap_or_default();
    let mut seen = HashSet::new();
    lists
        .into_iter()
        .flatten()
        .filter(|reference| linked.contains(reference) && seen.insert(*reference))
        .filter_map(|reference| dereference(ds, reference)?.into_dataset())
        .collect()
}

/// Removes the scale at `address` from the list of the axis `referrer` names.
pub(super) fn forget_scale(referrer: &Referrer, address: hobj_ref_t) -> hdf5::Result<()> {
    let ds = &referrer.ds;
    let Some(mut lists) = dimension_list(ds, ds.ndim()) else {
        return Ok(());
    };
    if let Some(list) = lists.get_mut(referrer.axis) {
        list.retain(|reference| *reference != address);
    }
    write_dimension_list(ds, &lists)
}

/// Removes every entry for the dataset at `address` from the `REFERENCE_LIST` of
/// `scale` (deleting the list when nothing is left, as H5DS does).
pub(super) fn forget_referrer(scale: &Dataset, address: hobj_ref_t) -> hdf5::Result<()> {
    let Some(entries) = back_references(scale) else {
        return Ok(());
    };
    let kept: Vec<Backref> = entries
        .iter()
        .copied()
        .filter(|entry| entry.dataset != address)
        .collect();
    if kept.len() == entries.len() {
        return Ok(());
    }
    let filetype = scale.attr("REFERENCE_LIST")?.dtype()?;
    delete_attribute(scale, c"REFERENCE_LIST")?;
    if kept.is_empty() {
        return Ok(());
    }
    let memtype = backref_memtype()
        .ok_or_else(|| hdf5::Error::from("cannot make the REFERENCE_LIST type"))?;
    let dims = [kept.len() as u64];
    hdf5::sync::sync(|| {
        // SAFETY: a one-dimensional space we own, closed by the handle.
        let space = unsafe {
            let id = H5Screate_simple(1, dims.as_ptr(), std::ptr::null());
            hdf5::from_id::<hdf5::Dataspace>(id)?
        };
        // SAFETY: live ids and a NUL-terminated name; the attribute is ours, closed by
        // the handle.
        let attr = unsafe {
            let id = H5Acreate2(
                scale.id(),
                c"REFERENCE_LIST".as_ptr(),
                filetype.id(),
                space.id(),
                H5P_DEFAULT,
                H5P_DEFAULT,
            );
            hdf5::from_id::<hdf5::Attribute>(id)?
        };
        // SAFETY: `kept` holds as many elements as the space, in `memtype`'s layout.
        let ret = unsafe { H5Awrite(attr.id(), memtype.id(), kept.as_ptr().cast()) };
        super::super::raw::check(i64::from(ret), "cannot write REFERENCE_LIST")
    })
}

/// Writes `lists` as the `DIMENSION_LIST` of `ds` (which has one of as many axes), or
/// deletes it when every list is empty (as H5DS does).
fn write_dimension_list(ds: &Dataset, lists: &[Vec<hobj_ref_t>]) -> hdf5::Result<()> {
    if lists.iter().all(Vec::is_empty) {
        return delete_attribute(ds, c"DIMENSION_LIST");
    }
    let attr = ds.attr("DIMENSION_LIST")?;
    let memtype = reference_list_type()
        .ok_or_else(|| hdf5::Error::from("cannot make a reference list type"))?;
    let bufs: Vec<hvl_t> = lists
        .iter()
        .map(|list| hvl_t {
            len: list.len(),
            p: if list.is_empty() {
                std::ptr::null_mut()
            } else {
                list.as_ptr().cast_mut().cast()
            },
        })
        .collect();
    // SAFETY: the attribute holds one list per axis, as many as `bufs` (read with the
    // same shape); each list points into `lists`, alive for the call, read only.
    let ret =
        hdf5::sync::sync(|| unsafe { H5Awrite(attr.id(), memtype.id(), bufs.as_ptr().cast()) });
    super::super::raw::check(i64::from(ret), "cannot write DIMENSION_LIST")
}

/// Deletes the attribute `name` of `ds`.
fn delete_attribute(ds: &Dataset, name: &std::ffi::CStr) -> hdf5::Result<()> {
    // SAFETY: a live dataset id and a NUL-terminated name.
    let ret = hdf5::sync::sync(|| unsafe { H5Adelete(ds.id(), name.as_ptr()) });
    super::super::raw::check(i64::from(ret), "cannot delete an attribute")
}
