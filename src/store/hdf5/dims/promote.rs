//! A coordinate variable written after its dimension's pure dimension dataset takes
//! that dataset's place (one dataset per dimension, as netCDF-C and h5netcdf keep it):
//! the pure dimension is taken off every axis it names (see `refs`) and unlinked, and
//! the new coordinate variable, once created and made a scale, is attached to those
//! axes.

use super::refs::{Referrer, forget_scale, linked_datasets, referrers};
use super::*;

/// Makes way for the variable at `link` in `file` (axes named `names`, shape `shape`)
/// when it is the coordinate variable of a dimension that `link` holds as a pure
/// dimension dataset: takes that dataset off every axis it names and unlinks it.
/// Returns those axes, for [`attach_referrers`]; none otherwise. Refused, with nothing
/// changed, when one of those axes is not as long as the variable.
pub(crate) fn take_pure_dimension(
    path: &Path,
    file: &hdf5::File,
    link: &str,
    names: Option<&[Option<String>]>,
    shape: &[u64],
) -> Result<Vec<Referrer>> {
    let own = last_component(link).unwrap_or_default();
    let guard = LinkGuard::new().map_err(super::super::meta::h5err(path))?;
    let coordinate = names.is_some_and(|names| noncoord::is_coordinate(&own, names));
    if !coordinate || !noncoord::is_pure_dimension(file, link, &guard) {
        return Ok(Vec::new());
    }
    let pure = super::super::open_guarded(file, link, &guard)
        .map_err(|e| Error::hdf5(path, &format!("cannot open dimension '{own}'"), e))?;
    let address = super::super::groups::object_address(pure.id())
        .ok_or_else(|| Error::format(path, format!("cannot locate dimension '{own}'")))?;
    let referrers = referrers(&pure, &linked_datasets(file, &guard));
    check_lengths(path, &own, &referrers, shape)?;
    for referrer in &referrers {
        forget_scale(referrer, address).map_err(|e| {
            let at = format!("axis {} of '{}'", referrer.axis, referrer.ds.name());
            Error::hdf5(path, &format!("cannot take dimension '{own}' off {at}"), e)
        })?;
    }
    drop(pure);
    file.unlink(link).map_err(|e| {
        Error::hdf5(
            path,
            &format!("cannot remove dimension '{own}' to write its coordinate variable"),
            e,
        )
    })?;
    Ok(referrers)
}

/// Attaches the coordinate variable `ds` to the axes its pure dimension was attached to.
pub(crate) fn attach_referrers(path: &Path, ds: &Dataset, referrers: &[Referrer]) -> Result<()> {
    let own = last_component(&ds.name()).unwrap_or_default();
    referrers
        .iter()
        .try_for_each(|r| attach(path, &r.ds, ds, r.axis, &own))
}

/// Every axis in `referrers` must be as long as the coordinate variable `own`.
fn check_lengths(path: &Path, own: &str, referrers: &[Referrer], shape: &[u64]) -> Result<()> {
    let len = shape.first().copied().unwrap_or_default();
    for r in referrers {
        let axis_len = axis_length(r.ds.id(), r.axis);
        if axis_len != Some(len) {
            let told = axis_len.map_or_else(|| "of unknown length".into(), |n| format!("{n} long"));
            return Err(Error::format(
                path,
                format!(
                    "dimension '{own}' is axis {} of '{}', {told}, but the coordinate variable '{own}' is {len} long",
                    r.axis,
                    r.ds.name(),
                ),
            ));
        }
    }
    Ok(())
}
