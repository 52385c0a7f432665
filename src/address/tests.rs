//! Unit tests of `address.rs`.

use super::*;

#[test]
fn parses_the_documented_forms() {
    let a = Address::parse("data/x.h5:/grp/ds").unwrap();
    assert_eq!((a.format, a.array.as_str()), (Format::Hdf5, "/grp/ds"));
    let z = Address::parse("out.zarr").unwrap();
    assert_eq!((z.format, z.array.as_str()), (Format::Zarr, ""));
    let z = Address::parse("out.zarr:/g/a").unwrap();
    assert_eq!((z.format, z.array.as_str()), (Format::Zarr, "g/a"));
    let n = Address::parse("a.npy").unwrap();
    assert_eq!(n.format, Format::Npy);
    assert_eq!(Address::parse("x.nc:/v").unwrap().format, Format::Hdf5);
}

#[test]
fn refuses_unknown_forms() {
    let err = Address::parse("data.csv").unwrap_err().to_string();
    assert!(err.contains("Accepted forms"), "{err}");
    // A bare HDF5 file names the whole file (for whole-file copies), not an array.
    assert!(Address::parse("x.h5").unwrap().require_array().is_err());
    assert!(Address::parse("x.npy:/a").is_err());
    assert!(Address::parse("").is_err());
}
