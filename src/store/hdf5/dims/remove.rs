//! Removing a variable to replace it without leaving references to it behind: it is
//! taken off the `REFERENCE_LIST` of every scale attached to its axes, and a
//! coordinate variable that other datasets use leaves a pure dimension of its name and
//! length in its place, attached to them (a coordinate variable written next takes it
//! over again, see `promote`).

use super::refs::{forget_referrer, forget_scale, linked_datasets, referrers, scales_of};
use super::*;

/// Unlinks the dataset at `link` of `file` (a variable being replaced), keeping the
/// dimension scales of the file consistent (see the module doc).
pub(crate) fn remove_variable(path: &Path, file: &hdf5::File, link: &str) -> Result<()> {
    let fail = |what: &str| {
        let what = format!("cannot remove {link} to replace it{what}");
        move |e| Error::hdf5(path, &what, e)
    };
    let guard = LinkGuard::new().map_err(fail(""))?;
    let ds = super::super::open_guarded(file, link, &guard).map_err(fail(""))?;
    let Some(address) = super::super::groups::object_address(ds.id()) else {
        return file.unlink(link).map_err(fail(""));
    };
    let linked = linked_datasets(file, &guard);
    for scale in scales_of(&ds, &linked) {
        forget_referrer(&scale, address).map_err(fail(" (taking it off its dimensions)"))?;
    }
    let users = if is_scale(&ds) {
        referrers(&ds, &linked)
    } else {
        Vec::new()
    };
    for user in &users {
        forget_scale(user, address).map_err(fail(" (taking it off the variables using it)"))?;
    }
    let len = ds.shape().first().copied().unwrap_or_default() as u64;
    drop(ds);
    file.unlink(link).map_err(fail(""))?;
    if users.is_empty() {
        return Ok(());
    }
    leave_pure_dimension(path, file, link, len, &users)
}

/// Puts a pure dimension of `len` at `link` (a coordinate variable just removed) and
/// attaches it to the axes that used the coordinate variable.
fn leave_pure_dimension(
    path: &Path,
    file: &hdf5::File,
    link: &str,
    len: u64,
    users: &[super::refs::Referrer],
) -> Result<()> {
    let (parent, name) = link.rsplit_once('/').unwrap_or(("", link));
    let parent = if parent.is_empty() { "/" } else { parent };
    let group = file
        .group(parent)
        .map_err(|e| Error::hdf5(path, &format!("cannot open the group {parent}"), e))?;
    let pure = create_pure_dimension(path, &group, name, len)?;
    users
        .iter()
        .try_for_each(|user| attach(path, &user.ds, &pure, user.axis, name))
}
