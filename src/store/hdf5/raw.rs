//! The few HDF5 C calls hdf5-metno does not wrap the way tessera needs them: filter
//! pipelines with their parameters, fill values as bytes, hyperslab reads into byte
//! buffers, direct chunk writes. Every call runs under hdf5-metno's process-wide lock
//! (`hdf5::sync::sync`), which also keeps HDF5 from printing its error stack.

use std::os::raw::{c_char, c_uint, c_void};

use hdf5::{Dataset, Datatype};
use hdf5_sys::h5d::{H5D_fill_value_t, H5Dget_space, H5Dread, H5Dwrite, H5Dwrite_chunk};
use hdf5_sys::h5i::hid_t;
use hdf5_sys::h5p::{
    H5P_DEFAULT, H5Pfill_value_defined, H5Pget_external, H5Pget_external_count, H5Pget_fill_value,
    H5Pget_filter2, H5Pget_nfilters, H5Pget_virtual_count, H5Pget_virtual_dsetname,
    H5Pget_virtual_filename,
};
use hdf5_sys::h5s::{
    H5S_ALL, H5S_class_t, H5S_seloper_t, H5Sclose, H5Screate_simple, H5Sget_simple_extent_type,
    H5Sselect_hyperslab,
};
use hdf5_sys::h5z::H5Zfilter_avail;

use crate::grid::Region;

/// One filter of a dataset's pipeline: HDF5 filter id and its client data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct FilterSpec {
    pub id: i32,
    pub params: Vec<u32>,
}

/// `Ok` for a non-negative return code, else HDF5's error stack, or `what` when the
/// library left the stack empty (never "unknown library error").
pub(super) fn check(ret: i64, what: &str) -> hdf5::Result<()> {
    if ret >= 0 {
        return Ok(());
    }
    match hdf5::Error::query() {
        Ok(e) if e.stack().is_some_and(|s| !s.is_empty()) => Err(e),
        _ => Err(hdf5::Error::from(what)),
    }
}

/// The filter pipeline of a dataset creation property list, in write order.
pub(super) fn filters(dcpl: hid_t) -> hdf5::Result<Vec<FilterSpec>> {
    hdf5::sync::sync(|| {
        // SAFETY: dcpl is a live property list id; buffers are sized as declared.
        let n = unsafe { H5Pget_nfilters(dcpl) };
        check(i64::from(n), "cannot read the filter pipeline")?;
        let mut out = Vec::with_capacity(n as usize);
        for i in 0..n as c_uint {
            let mut flags: c_uint = 0;
            let mut params = [0 as c_uint; 16];
            let mut nparams: usize = params.len();
            let mut name = [0 as c_char; 64];
            let mut config: c_uint = 0;
            // SAFETY: as above; HDF5 writes at most `nparams` values and `name.len()` bytes.
            let id = unsafe {
                H5Pget_filter2(
                    dcpl,
                    i,
                    &mut flags,
                    &mut nparams,
                    params.as_mut_ptr(),
                    name.len(),
                    name.as_mut_ptr(),
                    &mut config,
                )
            };
            check(i64::from(id), "cannot read the filter pipeline")?;
            let kept = nparams.min(params.len());
            out.push(FilterSpec {
                id,
                params: params[..kept].to_vec(),
            });
        }
        Ok(out)
    })
}

/// True when the HDF5 library can run filter `id` (built in or registered).
pub(super) fn filter_available(id: i32) -> bool {
    super::plugins::apply_policy();
    // SAFETY: a plain query on a filter id.
    hdf5::sync::sync(|| unsafe { H5Zfilter_avail(id) } > 0)
}

/// Number of external files holding a contiguous dataset's data.
pub(super) fn external_count(dcpl: hid_t) -> i32 {
    // SAFETY: dcpl is a live property list id.
    hdf5::sync::sync(|| unsafe { H5Pget_external_count(dcpl) })
}

/// The names of the external raw-data files of a dataset (H5Pset_external), empty
/// when its data lives in the file. Names are read, never opened.
pub(super) fn external_files(dcpl: hid_t) -> Vec<String> {
    let count = external_count(dcpl).max(0) as c_uint;
    hdf5::sync::sync(|| {
        (0..count.min(MAX_LISTED))
            .map(|i| {
                let mut name = [0 as c_char; 1024];
                let (mut offset, mut size) = (0, 0);
                // SAFETY: dcpl is live; HDF5 writes at most name.len() bytes, NUL included.
                let ret = unsafe {
                    H5Pget_external(
                        dcpl,
                        i,
                        name.len(),
                        name.as_mut_ptr(),
                        &mut offset,
                        &mut size,
                    )
                };
                if ret < 0 {
                    return "?".to_string();
                }
                c_text(&name)
            })
            .collect()
    })
}

/// The (file, dataset) source of each mapping of a virtual dataset (at most
/// `MAX_LISTED`); "." is the file itself. Names are read, never opened.
pub(super) fn virtual_sources(dcpl: hid_t) -> Vec<(String, String)> {
    hdf5::sync::sync(|| {
        let mut count = 0usize;
        // SAFETY: dcpl is live; count is a valid out pointer.
        if unsafe { H5Pget_virtual_count(dcpl, &mut count) } < 0 {
            return Vec::new();
        }
        (0..count.min(MAX_LISTED as usize))
            .map(|i| {
                let mut file = [0 as c_char; 1024];
                let mut dset = [0 as c_char; 1024];
                // SAFETY: as above; HDF5 writes at most the buffer sizes, NUL included.
                unsafe {
                    H5Pget_virtual_filename(dcpl, i, file.as_mut_ptr(), file.len());
                    H5Pget_virtual_dsetname(dcpl, i, dset.as_mut_ptr(), dset.len());
                }
                (c_text(&file), c_text(&dset))
            })
            .collect()
    })
}

/// How many external files or virtual mappings are read for a message.
const MAX_LISTED: c_uint = 64;

/// The text of a NUL-terminated (or full) C buffer.
fn c_text(buf: &[c_char]) -> String {
    let bytes: Vec<u8> = buf
        .iter()
        .take_while(|c| **c != 0)
        .map(|c| *c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// True when the dataset's dataspace is null (h5py `Empty`): it has no elements and
/// no shape, not even a 0-d one.
pub(super) fn is_null_space(ds: &Dataset) -> hdf5::Result<bool> {
    hdf5::sync::sync(|| {
        // SAFETY: ds is a live dataset; the space id is ours and closed here.
        unsafe {
            let space = H5Dget_space(ds.id());
            check(space, "cannot get the dataspace")?;
            let class = H5Sget_simple_extent_type(space);
            H5Sclose(space);
            Ok(class == H5S_class_t::H5S_NULL)
        }
    })
}

/// The dataset's fill value converted to `memtype` (`elem` bytes), or zeros when none
/// is defined.
pub(super) fn fill_value(dcpl: hid_t, memtype: &Datatype, elem: usize) -> hdf5::Result<Vec<u8>> {
    hdf5::sync::sync(|| {
        let mut status = H5D_fill_value_t::H5D_FILL_VALUE_DEFAULT;
        // SAFETY: dcpl is live; status is a valid out pointer.
        check(
            i64::from(unsafe { H5Pfill_value_defined(dcpl, &mut status) }),
            "cannot read the fill value",
        )?;
        let mut buf = vec![0u8; elem.max(16)];
        if status == H5D_fill_value_t::H5D_FILL_VALUE_USER_DEFINED {
            // SAFETY: buf holds at least one element of memtype (conversion scratch
            // included: 16 bytes covers every numeric type).
            let ret = unsafe { H5Pget_fill_value(dcpl, memtype.id(), buf.as_mut_ptr().cast()) };
            check(i64::from(ret), "cannot read the fill value")?;
        }
        buf.truncate(elem);
        Ok(buf)
    })
}

/// Reads `region` of the dataset (the whole of it for a 0-d dataset) converted to
/// `memtype`, `elem` bytes per element, C order. This is HDF5's own read path: it
/// decodes any filter the library has and holds the lock throughout.
pub(super) fn read_region(
    ds: &Dataset,
    memtype: &Datatype,
    region: &Region,
    elem: usize,
) -> hdf5::Result<Vec<u8>> {
    let mut buf = vec![0u8; region.len() as usize * elem];
    if buf.is_empty() {
        return Ok(buf);
    }
    hdf5::sync::sync(|| {
        if region.shape.is_empty() {
            // SAFETY: a 0-d dataset holds one element; buf holds one element.
            let ret = unsafe {
                H5Dread(
                    ds.id(),
                    memtype.id(),
                    H5S_ALL,
                    H5S_ALL,
                    H5P_DEFAULT,
                    buf.as_mut_ptr().cast(),
                )
            };
            return check(i64::from(ret), "cannot read the dataset");
        }
        let spaces = Spaces::for_region(ds, region)?;
        // SAFETY: the memory space has exactly buf.len() / elem elements.
        let ret = unsafe {
            H5Dread(
                ds.id(),
                memtype.id(),
                spaces.mem,
                spaces.file,
                H5P_DEFAULT,
                buf.as_mut_ptr().cast(),
            )
        };
        check(i64::from(ret), "cannot read the dataset")
    })?;
    Ok(buf)
}

/// Writes the whole of a (0-d or otherwise unchunked) dataset from native bytes.
pub(super) fn write_all(ds: &Dataset, memtype: &Datatype, bytes: &[u8]) -> hdf5::Result<()> {
    hdf5::sync::sync(|| {
        // SAFETY: bytes holds every element of the dataset in memtype.
        let ret = unsafe {
            H5Dwrite(
                ds.id(),
                memtype.id(),
                H5S_ALL,
                H5S_ALL,
                H5P_DEFAULT,
                bytes.as_ptr().cast::<c_void>(),
            )
        };
        check(i64::from(ret), "cannot write the dataset")
    })
}

/// Stores already-filtered chunk bytes at element offset `start` (direct chunk write;
/// every filter of the pipeline applied).
pub(super) fn write_chunk(ds: &Dataset, start: &[u64], bytes: &[u8]) -> hdf5::Result<()> {
    hdf5::sync::sync(|| {
        // SAFETY: start has one entry per axis of the dataset; bytes is a live buffer.
        let ret = unsafe {
            H5Dwrite_chunk(
                ds.id(),
                H5P_DEFAULT,
                0,
                start.as_ptr(),
                bytes.len(),
                bytes.as_ptr().cast::<c_void>(),
            )
        };
        check(i64::from(ret), "cannot write a chunk")
    })
}

/// A file space with a hyperslab selected and the matching memory space; closed on
/// drop. Only made and dropped under the lock.
struct Spaces {
    file: hid_t,
    mem: hid_t,
}

impl Spaces {
    fn for_region(ds: &Dataset, region: &Region) -> hdf5::Result<Spaces> {
        // SAFETY: ds is a live dataset; arrays have one entry per axis.
        unsafe {
            let file = H5Dget_space(ds.id());
            check(file, "cannot get the dataspace")?;
            let mut spaces = Spaces { file, mem: -1 };
            let ret = H5Sselect_hyperslab(
                file,
                H5S_seloper_t::H5S_SELECT_SET,
                region.start.as_ptr(),
                std::ptr::null(),
                region.shape.as_ptr(),
                std::ptr::null(),
            );
            check(i64::from(ret), "cannot select the region")?;
            let rank = region.shape.len() as i32;
            spaces.mem = H5Screate_simple(rank, region.shape.as_ptr(), std::ptr::null());
            check(spaces.mem, "cannot create a memory space")?;
            Ok(spaces)
        }
    }
}

impl Drop for Spaces {
    fn drop(&mut self) {
        hdf5::sync::sync(|| {
            for id in [self.file, self.mem] {
                if id >= 0 {
                    // SAFETY: ids we created and own.
                    unsafe { H5Sclose(id) };
                }
            }
        });
    }
}
