//! Walking an HDF5 file's links without ever leaving it.
//!
//! tessera reads only the file it is given. HDF5 follows external links (into other
//! files) on its own whenever a path is traversed, so every traversal here goes
//! through a link access list whose external-link callback refuses, and records what
//! it refused (`LinkGuard`). On top of that:
//!
//! - opening `file.h5:/a/b/c` checks each component with `H5Lget_info2`: an external
//!   link at any component is refused by name, with its target; a soft link is
//!   resolved by HDF5 (inside the file), its chain capped by HDF5's link limit (16),
//!   so cycles and long chains end at once with HDF5's "too many links";
//! - listing (`walk`) iterates each group's links once (`H5Literate2`) and opens only
//!   hard links, by their name in that group. Objects reached through several hard
//!   links (cycles included) are listed once, by object token, under the first path
//!   in listing order; the other paths (more hard links, soft links resolved inside
//!   the file to a dataset or to a group holding it) become its aliases. A dangling
//!   soft link is listed with the reason; soft-link cycles end at HDF5's link limit
//!   and reach nothing. External and user-defined links are listed with the reason
//!   they are not read.
//!
//! We refuse external links rather than follow them: following one would read a file
//! the user never named, which the promise "nothing is read outside the given paths"
//! forbids, and whether the target exists and is trusted is for the user to decide.
//! `HDF5_EXT_PREFIX` does not change this: the callback runs before any file is opened.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::ffi::{CStr, CString, c_char, c_int, c_uint, c_void};
use std::ops::Bound;

use hdf5::{Dataset, Group};
use hdf5_sys::h5::herr_t;
use hdf5_sys::h5::{H5_index_t, H5_iter_order_t};
use hdf5_sys::h5i::hid_t;
use hdf5_sys::h5l::{H5L_info2_t, H5Lget_info2, H5Lget_val, H5Literate2, H5Lunpack_elink_val};
use hdf5_sys::h5o::{H5O_INFO_BASIC, H5O_info2_t, H5O_token_t, H5O_type_t, H5Oget_info_by_name3};
use hdf5_sys::h5p::{H5P_CLS_DATASET_ACCESS, H5Pclose, H5Pcreate, H5Pset_elink_cb};

/// HDF5's link type codes (read as plain integers: a file may hold any value).
const LINK_HARD: c_int = 0;
const LINK_SOFT: c_int = 1;
const LINK_EXTERNAL: c_int = 64;

/// Deepest group nesting `walk` descends into.
const MAX_DEPTH: usize = 64;

/// An external link HDF5 was about to follow when the guard refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Denied {
    pub file: String,
    pub object: String,
}

/// A dataset access list (a link access list too) whose external-link callback
/// refuses every traversal and records the first target it refused.
pub(super) struct LinkGuard {
    id: hid_t,
    denied: Box<RefCell<Option<Denied>>>,
}

impl LinkGuard {
    /// A new guard; its list is closed on drop.
    pub(super) fn new() -> hdf5::Result<LinkGuard> {
        let denied = Box::new(RefCell::new(None));
        hdf5::sync::sync(|| {
            // SAFETY: creating a property list of a library class.
            let id = unsafe { H5Pcreate(*H5P_CLS_DATASET_ACCESS) };
            super::raw::check(id, "cannot create a link access list")?;
            let guard = LinkGuard { id, denied };
            let data = std::ptr::from_ref::<RefCell<Option<Denied>>>(&guard.denied).cast_mut();
            // SAFETY: `data` points into the boxed cell, which lives as long as the list
            // (the list is closed in Drop before the box is freed).
            let ret = unsafe { H5Pset_elink_cb(id, Some(refuse_external), data.cast()) };
            super::raw::check(i64::from(ret), "cannot set the external link callback")?;
            Ok(guard)
        })
    }

    /// The property list id, for any call taking a link or dataset access list.
    pub(super) fn id(&self) -> hid_t {
        self.id
    }

    /// The external link refused since the last call, if any.
    pub(super) fn take_denied(&self) -> Option<Denied> {
        self.denied.borrow_mut().take()
    }
}

impl Drop for LinkGuard {
    fn drop(&mut self) {
        // SAFETY: our own list, closed once.
        hdf5::sync::sync(|| unsafe { H5Pclose(self.id) });
    }
}

/// HDF5's external-link traversal callback: record the target, refuse.
extern "C" fn refuse_external(
    _parent_file: *const c_char,
    _parent_group: *const c_char,
    child_file: *const c_char,
    child_object: *const c_char,
    _flags: *mut c_uint,
    _fapl: hid_t,
    data: *mut c_void,
) -> herr_t {
    let text = |p: *const c_char| {
        if p.is_null() {
            String::new()
        } else {
            // SAFETY: HDF5 passes NUL-terminated strings valid for this call.
            unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
        }
    };
    if !data.is_null() {
        // SAFETY: `data` is the guard's boxed cell (LinkGuard::new); HDF5 calls back on
        // the thread that holds the library lock, inside a call made with the guard.
        let cell = unsafe { &*data.cast::<RefCell<Option<Denied>>>() };
        if let Ok(mut slot) = cell.try_borrow_mut() {
            slot.get_or_insert(Denied {
                file: text(child_file),
                object: text(child_object),
            });
        }
    }
    -1
}

/// What a link is, read without following it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum LinkKind {
    /// A hard link to the object with this token.
    Hard([u8; 16]),
    Soft,
    External(Denied),
    /// A user-defined link type (HDF5 type code).
    Other(c_int),
}

/// One link of a group.
struct Link {
    name: String,
    kind: LinkKind,
}

/// Something `walk` found: a dataset to inspect or an object it does not read.
pub(super) enum Member {
    Dataset { name: String, ds: Dataset },
    Refused { name: String, reason: String },
}

/// The reason text for an external link, as `info` and open print it.
pub(super) fn external_reason(target: &Denied) -> String {
    format!(
        "is an external link to {}:{}; tessera reads only the file it is given",
        target.file, target.object
    )
}

/// The reason text for a path that a soft link leads out of the file.
pub(super) fn leads_outside_reason(target: &Denied) -> String {
    format!(
        "leads through an external link to {}:{}; tessera reads only the file it is given",
        target.file, target.object
    )
}

/// What a walk learns about the paths that reach each object, for [`Paths::aliases`].
#[derive(Default)]
pub(super) struct Paths {
    /// Each dataset and group listed, by object token: its first path in listing order
    /// (`""` for the root group) and whether it is a group.
    first: HashMap<[u8; 16], (String, bool)>,
    /// Every other path found to reach a listed object (a second hard link, a soft
    /// link), with that object's token, in listing order.
    others: Vec<(String, [u8; 16])>,
}

impl Paths {
    /// Every other path that reaches each dataset, as `(first name, other path)`, at
    /// most [`MAX_ALIASES`] per dataset. A path to a group that holds a dataset (a hard
    /// link to the group, a soft link to it) gives the dataset one more path: the
    /// group's other path with the dataset's name below the group's first path. Those
    /// are found one level deep (a second alias of a group inside an aliased group is
    /// not combined with the first), so hard-link cycles of groups give finitely many.
    pub(super) fn aliases(&self) -> Vec<(String, String)> {
        let datasets: BTreeSet<&str> = self
            .first
            .values()
            .filter(|(_, group)| !group)
            .map(|(name, _)| name.as_str())
            .collect();
        let mut found = Found::default();
        for (path, token) in &self.others {
            match self.first.get(token) {
                Some((first, false)) => found.add(first, path.clone()),
                Some((first, true)) => {
                    let below = format!("{first}/");
                    let inside = datasets
                        .range::<str, _>((Bound::Included(below.as_str()), Bound::Unbounded))
                        .take_while(|name| name.starts_with(&below));
                    for name in inside {
                        if found.work >= MAX_ALIAS_WORK {
                            break;
                        }
                        found.add(name, format!("{path}{}", &name[first.len()..]));
                    }
                }
                None => {}
            }
        }
        let mut out: Vec<(String, String)> = found
            .pairs
            .into_iter()
            .map(|(first, alias)| (first.to_string(), alias))
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// Aliases being collected, at most [`MAX_ALIASES`] per dataset.
#[derive(Default)]
struct Found<'a> {
    pairs: Vec<(&'a str, String)>,
    count: HashMap<&'a str, usize>,
    /// Aliases offered so far, kept or not.
    work: usize,
}

impl<'a> Found<'a> {
    fn add(&mut self, first: &'a str, alias: String) {
        self.work += 1;
        let n = self.count.entry(first).or_insert(0);
        if *n < MAX_ALIASES && alias != first {
            *n += 1;
            self.pairs.push((first, alias));
        }
    }
}

/// Most other paths kept for one dataset (a hostile file can make millions).
pub(super) const MAX_ALIASES: usize = 64;

/// Most aliases [`Paths::aliases`] considers in all (bounds its work on a file with
/// many links to groups that hold many datasets).
const MAX_ALIAS_WORK: usize = 1 << 22;

/// Calls `f` on every dataset and every unreadable link of the file, depth first:
/// a group's datasets and refused links in name order, then its subgroups. Each object
/// is visited once however many hard links reach it; the other paths that reach it
/// (hard links, soft links) are returned for [`Paths::aliases`]. Soft links are
/// resolved inside the file only: one that leads through an external link, or to
/// nothing (dangling), is given to `f` as refused; cycles and chains longer than
/// HDF5's limit of 16 links end there and reach nothing, so they are left out.
pub(super) fn walk(file: &hdf5::File, f: &mut dyn FnMut(Member)) -> hdf5::Result<Paths> {
    let guard = LinkGuard::new()?;
    let mut paths = Paths::default();
    let root: &Group = file;
    if let Ok(token) = object_token(root.id(), ".", &guard) {
        paths.first.insert(token, (String::new(), true));
    }
    walk_group(root, "", 0, &guard, &mut paths, f)?;
    Ok(paths)
}

fn walk_group(
    group: &Group,
    prefix: &str,
    depth: usize,
    guard: &LinkGuard,
    paths: &mut Paths,
    f: &mut dyn FnMut(Member),
) -> hdf5::Result<()> {
    let links = group_links(group, guard)?;
    let mut subgroups = Vec::new();
    for link in links {
        let name = format!("{prefix}/{}", link.name);
        match link.kind {
            LinkKind::Hard(token) => {
                if paths.first.contains_key(&token) {
                    paths.others.push((name, token));
                    continue;
                }
                match object_kind(group.id(), &link.name, guard) {
                    Some(H5O_type_t::H5O_TYPE_DATASET) => {
                        paths.first.insert(token, (name.clone(), false));
                        f(open_member(group, &link.name, name));
                    }
                    Some(H5O_type_t::H5O_TYPE_GROUP) => {
                        paths.first.insert(token, (name.clone(), true));
                        subgroups.push((name, link.name));
                    }
                    _ => {}
                }
            }
            LinkKind::Soft => {
                if let Some(refused) = soft_link(group, &link.name, &name, guard, paths) {
                    f(refused);
                }
            }
            LinkKind::External(target) => f(Member::Refused {
                name,
                reason: external_reason(&target),
            }),
            LinkKind::Other(code) => f(Member::Refused {
                name,
                reason: format!(
                    "is a user-defined link (type {code}); tessera reads only datasets stored in the file"
                ),
            }),
        }
    }
    if depth >= MAX_DEPTH {
        return Ok(());
    }
    for (path, local) in subgroups {
        let listed = group
            .group(&local)
            .and_then(|sub| walk_group(&sub, &path, depth + 1, guard, paths, f));
        if let Err(e) = listed {
            f(Member::Refused {
                name: path,
                reason: format!(
                    "is a group that cannot be listed: {}",
                    crate::error::hdf5_reason(&e)
                ),
            });
        }
    }
    Ok(())
}

/// The dataset `local` of `group` (listed as `name`), open, or why it does not open.
fn open_member(group: &Group, local: &str, name: String) -> Member {
    match group.dataset(local) {
        Ok(ds) => Member::Dataset { name, ds },
        Err(e) => Member::Refused {
            name,
            reason: format!(
                "is a dataset HDF5 cannot open: {}",
                crate::error::hdf5_reason(&e)
            ),
        },
    }
}

/// Resolves the soft link `local` of `group` (listed as `name`) inside the file and
/// records the object it reaches; returns it as refused when it leads out of the file
/// or to nothing.
fn soft_link(
    group: &Group,
    local: &str,
    name: &str,
    guard: &LinkGuard,
    paths: &mut Paths,
) -> Option<Member> {
    let resolved = object_info(group.id(), local, guard);
    if let Some(target) = guard.take_denied() {
        return Some(Member::Refused {
            name: name.to_string(),
            reason: leads_outside_reason(&target),
        });
    }
    match resolved {
        Ok(info) => {
            if matches!(
                info.type_,
                H5O_type_t::H5O_TYPE_DATASET | H5O_type_t::H5O_TYPE_GROUP
            ) {
                paths
                    .others
                    .push((name.to_string(), token_bytes(info.token)));
            }
            None
        }
        Err(e) if is_too_many_links(&e) => None,
        Err(_) => Some(Member::Refused {
            name: name.to_string(),
            reason: format!(
                "is a soft link to '{}', which leads to no object in the file (dangling)",
                soft_target(group.id(), local, guard).unwrap_or_else(|| "?".into())
            ),
        }),
    }
}

/// True when HDF5 gave up on a chain of soft links (a cycle, or over 16 links).
pub(super) fn is_too_many_links(e: &hdf5::Error) -> bool {
    crate::error::hdf5_reason(e)
        .to_ascii_lowercase()
        .contains("too many links")
}

/// The links of `group` in name order, with what each is.
fn group_links(group: &Group, guard: &LinkGuard) -> hdf5::Result<Vec<Link>> {
    let mut raw: Vec<(String, c_int, [u8; 16])> = Vec::new();
    hdf5::sync::sync(|| {
        let mut idx = 0;
        // SAFETY: `raw` outlives the call; the callback only pushes into it.
        let ret = unsafe {
            H5Literate2(
                group.id(),
                H5_index_t::H5_INDEX_NAME,
                H5_iter_order_t::H5_ITER_INC,
                &mut idx,
                Some(collect_link),
                std::ptr::from_mut(&mut raw).cast(),
            )
        };
        super::raw::check(i64::from(ret), "cannot list the group's links")
    })?;
    raw.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(raw
        .into_iter()
        .map(|(name, code, token)| {
            let kind = match code {
                LINK_HARD => LinkKind::Hard(token),
                LINK_SOFT => LinkKind::Soft,
                LINK_EXTERNAL => LinkKind::External(
                    external_target(group.id(), &name, guard).unwrap_or(Denied {
                        file: "?".into(),
                        object: "?".into(),
                    }),
                ),
                other => LinkKind::Other(other),
            };
            Link { name, kind }
        })
        .collect())
}

/// `H5Literate2` callback: push (name, type code, token) into the Vec at `data`.
unsafe extern "C" fn collect_link(
    _group: hid_t,
    name: *const c_char,
    info: *const H5L_info2_t,
    data: *mut c_void,
) -> herr_t {
    if name.is_null() || info.is_null() || data.is_null() {
        return -1;
    }
    // SAFETY: HDF5 passes a live name and info for this call; `data` is the Vec that
    // group_links handed to H5Literate2. The type is read as a plain integer (it is
    // the struct's first field, a C enum) so that an unknown code is no invalid enum.
    unsafe {
        let code = std::ptr::read(info.cast::<c_int>());
        let token = if code == LINK_HARD {
            {
                let mut u = std::ptr::read(std::ptr::addr_of!((*info).u));
                token_bytes(*u.token())
            }
        } else {
            [0; 16]
        };
        let out = &mut *data.cast::<Vec<(String, c_int, [u8; 16])>>();
        out.push((
            CStr::from_ptr(name).to_string_lossy().into_owned(),
            code,
            token,
        ));
    }
    0
}

fn token_bytes(token: H5O_token_t) -> [u8; 16] {
    // SAFETY: H5O_token_t is a repr(C) array of 16 bytes (transmute checks the size).
    unsafe { std::mem::transmute::<H5O_token_t, [u8; 16]>(token) }
}

/// The object token of what `name` (relative to `loc`) leads to.
fn object_token(loc: hid_t, name: &str, guard: &LinkGuard) -> hdf5::Result<[u8; 16]> {
    object_info(loc, name, guard).map(|info| token_bytes(info.token))
}

/// The type of the object `name` (relative to `loc`) leads to, if it can be read.
pub(super) fn object_kind(loc: hid_t, name: &str, guard: &LinkGuard) -> Option<H5O_type_t> {
    object_info(loc, name, guard).ok().map(|info| info.type_)
}

fn object_info(loc: hid_t, name: &str, guard: &LinkGuard) -> hdf5::Result<H5O_info2_t> {
    let cname = CString::new(name).map_err(|_| hdf5::Error::from("a name holds a NUL byte"))?;
    hdf5::sync::sync(|| {
        // SAFETY: H5O_info2_t is plain data that HDF5 fills in.
        let mut info: H5O_info2_t = unsafe { std::mem::zeroed() };
        // SAFETY: live ids and a NUL-terminated name.
        let ret = unsafe {
            H5Oget_info_by_name3(loc, cname.as_ptr(), &mut info, H5O_INFO_BASIC, guard.id())
        };
        super::raw::check(i64::from(ret), "cannot read an object's header")?;
        Ok(info)
    })
}

/// The file and object an external link `name` in `loc` points to (read from the
/// link itself; nothing is opened).
fn external_target(loc: hid_t, name: &str, guard: &LinkGuard) -> Option<Denied> {
    let buf = link_value(loc, name, guard)?;
    hdf5::sync::sync(|| {
        let (mut flags, mut file, mut object) = (0, std::ptr::null(), std::ptr::null());
        // SAFETY: buf holds the packed value; the out pointers point into buf.
        let ret = unsafe {
            H5Lunpack_elink_val(
                buf.as_ptr().cast(),
                buf.len(),
                &mut flags,
                &mut file,
                &mut object,
            )
        };
        if ret < 0 || file.is_null() || object.is_null() {
            return None;
        }
        // SAFETY: both point at NUL-terminated strings inside buf (checked by HDF5).
        let text = |p: *const c_char| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned();
        Some(Denied {
            file: text(file),
            object: text(object),
        })
    })
}

/// The path a soft link `name` in `loc` holds (read from the link; nothing followed).
fn soft_target(loc: hid_t, name: &str, guard: &LinkGuard) -> Option<String> {
    let buf = link_value(loc, name, guard)?;
    let text = buf.split(|b| *b == 0).next().unwrap_or_default();
    Some(String::from_utf8_lossy(text).into_owned())
}

/// The value of the non-hard link `name` in `loc` (at most 64 KiB of it).
fn link_value(loc: hid_t, name: &str, guard: &LinkGuard) -> Option<Vec<u8>> {
    let cname = CString::new(name).ok()?;
    hdf5::sync::sync(|| {
        // SAFETY: H5L_info2_t is plain data that HDF5 fills in.
        let mut info: H5L_info2_t = unsafe { std::mem::zeroed() };
        // SAFETY: live ids and a NUL-terminated name; the last component is not followed.
        let ret = unsafe { H5Lget_info2(loc, cname.as_ptr(), &mut info, guard.id()) };
        // SAFETY: the type is the first field, read as a plain integer.
        let code = unsafe { std::ptr::read(std::ptr::addr_of!(info).cast::<c_int>()) };
        if ret < 0 || code == LINK_HARD {
            return None;
        }
        // SAFETY: val_size is the union member for non-hard links.
        let mut u = info.u;
        let size = unsafe { *u.val_size() }.min(1 << 16);
        let mut buf = vec![0u8; size.max(1)];
        // SAFETY: buf holds at least `size` bytes.
        let ret = unsafe {
            H5Lget_val(
                loc,
                cname.as_ptr(),
                buf.as_mut_ptr().cast(),
                size,
                guard.id(),
            )
        };
        (ret >= 0).then(|| {
            buf.truncate(size);
            buf
        })
    })
}

/// HDF5's type code of the link `name` (its last component, not followed; the ones
/// before it traversed with external links refused by the guard), if it exists.
pub(super) fn link_type(file: &hdf5::File, name: &str, guard: &LinkGuard) -> Option<c_int> {
    let cname = CString::new(name).ok()?;
    hdf5::sync::sync(|| {
        // SAFETY: H5L_info2_t is plain data that HDF5 fills in.
        let mut info: H5L_info2_t = unsafe { std::mem::zeroed() };
        // SAFETY: a live file id, a NUL-terminated path and a live access list.
        let ret = unsafe { H5Lget_info2(file.id(), cname.as_ptr(), &mut info, guard.id()) };
        // SAFETY: the type is the first field, read as a plain integer so that an
        // unknown code is no invalid enum.
        (ret >= 0).then(|| unsafe { std::ptr::read(std::ptr::addr_of!(info).cast::<c_int>()) })
    })
}

/// Why a dataset path cannot be opened safely.
pub(super) enum PathProblem {
    /// The component `at` (a path from the root) is an external link to `target`.
    External { at: String, target: Denied },
    /// Resolving the path (a soft link in it) led through an external link.
    LeadsOutside { target: Denied },
    /// A component is a user-defined link.
    Other { at: String, code: c_int },
}

/// Checks every component of `name` without following external links. `Ok(())` also
/// when a component is missing: opening then reports it.
pub(super) fn check_path(
    file: &hdf5::File,
    name: &str,
    guard: &LinkGuard,
) -> Result<(), PathProblem> {
    let mut at = String::new();
    for part in name.split('/').filter(|p| !p.is_empty()) {
        at.push('/');
        at.push_str(part);
        let code = link_type(file, &at, guard);
        if let Some(target) = guard.take_denied() {
            return Err(PathProblem::LeadsOutside { target });
        }
        match code {
            None => return Ok(()),
            Some(LINK_HARD | LINK_SOFT) => {}
            Some(LINK_EXTERNAL) => {
                let target = external_target(file.id(), &at, guard).unwrap_or(Denied {
                    file: "?".into(),
                    object: "?".into(),
                });
                return Err(PathProblem::External { at, target });
            }
            Some(code) => return Err(PathProblem::Other { at, code }),
        }
    }
    Ok(())
}
