//! The groups of an HDF5 file: each with its attributes and the dimensions defined in
//! it (its 1-D dimension scales: netCDF dimensions, with or without a coordinate
//! variable).
//!
//! The walk visits the root first, then each group's subgroups depth first in name
//! order. Only hard links are followed, each object once however many hard links
//! reach it (cycles included), at most [`MAX_DEPTH`] groups deep; soft links are not
//! followed (their targets are visited through their hard links) and external links
//! never are (nothing outside the file is read, see `links`).
//!
//! A group reached through several hard links is listed once, under the first path
//! the walk meets: a group's subgroups are all noted before any is entered (as `list`
//! names datasets).
//!
//! A group's dimensions come in the order netCDF-C gives them: by `_Netcdf4Dimid` when
//! every one records it, else in link creation order where the group tracks it, else
//! in name order.

use std::collections::{HashMap, HashSet};
use std::ffi::{CString, c_int};
use std::path::Path;

use hdf5::Group;
use hdf5_sys::h5l::{H5L_info2_t, H5Lget_info2};
use hdf5_sys::h5o::H5O_type_t;

use super::links::{LinkGuard, object_kind};
use super::meta::h5err;
use crate::error::Result;
use crate::store::{Dimension, GroupEntry};

/// Deepest group nesting visited.
const MAX_DEPTH: usize = 64;

/// HDF5's code for a hard link (read as a plain integer: a file may hold any value).
const LINK_HARD: c_int = 0;

/// Every group of the HDF5 file at `path`, the root (`/`) first.
pub(super) fn groups(path: &Path) -> Result<Vec<GroupEntry>> {
    let file = super::meta::open_file(path)?;
    let guard = LinkGuard::new().map_err(h5err(path))?;
    let root: &Group = &file;
    let mut walk = Walk {
        guard,
        seen: HashSet::new(),
        out: Vec::new(),
    };
    if let Some(token) = object_token(root.id()) {
        walk.seen.insert(token);
    }
    walk.group(root, "/", 0)
        .map_err(|e| crate::error::Error::hdf5(path, "cannot list the groups", e))?;
    Ok(walk.out)
}

struct Walk {
    guard: LinkGuard,
    seen: HashSet<[u8; 16]>,
    out: Vec<GroupEntry>,
}

impl Walk {
    /// Lists `group` (at `name`), then its subgroups.
    fn group(&mut self, group: &Group, name: &str, depth: usize) -> hdf5::Result<()> {
        let mut dimensions = Vec::new();
        let mut subgroups = Vec::new();
        for link in hard_links(group, &self.guard)? {
            match object_kind(group.id(), &link.name, &self.guard) {
                Some(H5O_type_t::H5O_TYPE_GROUP) if self.seen.insert(link.token) => {
                    subgroups.push(link.name);
                }
                Some(H5O_type_t::H5O_TYPE_DATASET) => {
                    let Ok(ds) = group.dataset(&link.name) else {
                        continue;
                    };
                    if let Some((dim, dimid)) = super::dims::as_dimension(&ds, &link.name) {
                        dimensions.push((dim, (dimid, link.created)));
                    }
                }
                _ => {}
            }
        }
        self.out.push(GroupEntry {
            name: name.to_string(),
            attributes: super::attr_read::read_attributes(group).into_attributes(),
            dimensions: in_netcdf_order(dimensions),
        });
        if depth >= MAX_DEPTH {
            return Ok(());
        }
        for sub in subgroups {
            let path = if name == "/" {
                format!("/{sub}")
            } else {
                format!("{name}/{sub}")
            };
            if let Ok(child) = group.group(&sub) {
                self.group(&child, &path, depth + 1)?;
            }
        }
        Ok(())
    }
}

/// Most datasets [`dataset_link_names`] indexes.
const MAX_INDEXED: usize = 1 << 20;

/// The link name of every dataset reached through hard links from `root`, by file
/// address: the first name the walk meets (root first, groups in name order).
pub(super) fn dataset_link_names(root: &Group, guard: &LinkGuard) -> HashMap<u64, String> {
    let mut names = HashMap::new();
    let mut seen = HashSet::new();
    let mut pending = vec![(root.clone(), 0usize)];
    while let Some((group, depth)) = pending.pop() {
        let Ok(links) = hard_links(&group, guard) else {
            continue;
        };
        let mut subgroups = Vec::new();
        for link in links {
            match object_kind(group.id(), &link.name, guard) {
                Some(H5O_type_t::H5O_TYPE_GROUP)
                    if depth < MAX_DEPTH && seen.insert(link.token) =>
                {
                    subgroups.extend(group.group(&link.name).ok());
                }
                Some(H5O_type_t::H5O_TYPE_DATASET) if names.len() < MAX_INDEXED => {
                    names.entry(token_address(&link.token)).or_insert(link.name);
                }
                _ => {}
            }
        }
        pending.extend(subgroups.into_iter().rev().map(|sub| (sub, depth + 1)));
    }
    names
}

/// The file address a native object token holds (its first 8 bytes, little-endian),
/// which is what an object reference holds.
fn token_address(token: &[u8; 16]) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&token[..8]);
    u64::from_le_bytes(bytes)
}

/// A dimension's netCDF id and its link's creation order, where recorded.
type OrderKeys = (Option<i64>, Option<i64>);

/// Dimensions by `_Netcdf4Dimid` when all have one, else by link creation order when
/// all have one, else as given (name order). `keys` are (dimension id, creation order).
fn in_netcdf_order(mut dims: Vec<(Dimension, OrderKeys)>) -> Vec<Dimension> {
    if dims.iter().all(|(_, (id, _))| id.is_some()) {
        dims.sort_by_key(|(_, (id, _))| *id);
    } else if dims.iter().all(|(_, (_, created))| created.is_some()) {
        dims.sort_by_key(|(_, (_, created))| *created);
    }
    dims.into_iter().map(|(d, _)| d).collect()
}

/// A hard link of a group: its name, the token of the object it leads to, and its
/// creation order where the group tracks it.
struct HardLink {
    name: String,
    token: [u8; 16],
    created: Option<i64>,
}

/// The hard links of `group` in name order.
fn hard_links(group: &Group, guard: &LinkGuard) -> hdf5::Result<Vec<HardLink>> {
    let mut names = group.member_names()?;
    names.sort();
    Ok(names
        .into_iter()
        .filter_map(|name| {
            let (token, created) = hard_link(group, &name, guard)?;
            Some(HardLink {
                name,
                token,
                created,
            })
        })
        .collect())
}

/// The token of the object the link `name` of `group` leads to and the link's creation
/// order (where tracked), if it is a hard link.
fn hard_link(group: &Group, name: &str, guard: &LinkGuard) -> Option<([u8; 16], Option<i64>)> {
    let cname = CString::new(name).ok()?;
    hdf5::sync::sync(|| {
        // SAFETY: H5L_info2_t is plain data that HDF5 fills in.
        let mut info: H5L_info2_t = unsafe { std::mem::zeroed() };
        // SAFETY: a live group id, a NUL-terminated name (one component: nothing is
        // traversed) and a live access list.
        let ret = unsafe { H5Lget_info2(group.id(), cname.as_ptr(), &mut info, guard.id()) };
        // SAFETY: the type is the first field, read as a plain integer.
        let code = unsafe { std::ptr::read(std::ptr::addr_of!(info).cast::<c_int>()) };
        if ret < 0 || code != LINK_HARD {
            return None;
        }
        let mut u = info.u;
        // SAFETY: `token` is the union member for hard links.
        let token = unsafe { *u.token() };
        let created = (info.corder_valid != 0).then_some(info.corder);
        Some((token_bytes(token), created))
    })
}

fn token_bytes(token: hdf5_sys::h5o::H5O_token_t) -> [u8; 16] {
    // SAFETY: H5O_token_t is a repr(C) array of 16 bytes (transmute checks the size).
    unsafe { std::mem::transmute::<hdf5_sys::h5o::H5O_token_t, [u8; 16]>(token) }
}

/// The file address of the open object `id` (what an object reference to it holds).
pub(super) fn object_address(id: hdf5_sys::h5i::hid_t) -> Option<u64> {
    object_token(id).map(|token| token_address(&token))
}

/// The token of the open object `id`.
fn object_token(id: hdf5_sys::h5i::hid_t) -> Option<[u8; 16]> {
    hdf5::sync::sync(|| {
        // SAFETY: H5O_info2_t is plain data that HDF5 fills in.
        let mut info: hdf5_sys::h5o::H5O_info2_t = unsafe { std::mem::zeroed() };
        // SAFETY: a live object id.
        let ret =
            unsafe { hdf5_sys::h5o::H5Oget_info3(id, &mut info, hdf5_sys::h5o::H5O_INFO_BASIC) };
        (ret >= 0).then(|| token_bytes(info.token))
    })
}
