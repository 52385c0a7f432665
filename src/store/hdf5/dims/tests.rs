//! Dimension scales: names written and read back, refusals in one line, hostile
//! `DIMENSION_LIST`s, the groups walk, and the scales kept consistent when a
//! coordinate variable takes over a pure dimension or a variable is replaced.

use std::ffi::c_void;

use hdf5_sys::h5a::{H5Aclose, H5Acreate2, H5Awrite};
use hdf5_sys::h5s::{H5Sclose, H5Screate_simple};
use hdf5_sys::h5t::{H5T_STD_REF_OBJ, H5Tclose, H5Tvlen_create};

use super::*;

fn names(list: &[&str]) -> Vec<Option<String>> {
    list.iter()
        .map(|n| (!n.is_empty()).then(|| n.to_string()))
        .collect()
}

fn dataset(group: &Group, name: &str, shape: &[usize]) -> Dataset {
    group
        .new_dataset::<f64>()
        .shape(shape.to_vec())
        .create(name)
        .unwrap()
}

#[test]
fn coordinate_variables_and_pure_dimensions_are_written_and_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dims.h5");
    {
        let file = hdf5::File::create(&path).unwrap();
        let root: &Group = &file;
        let x = dataset(root, "x", &[3]);
        let v = dataset(root, "v", &[4, 3]);
        attach_dimensions(&path, root, &x, &names(&["x"])).unwrap();
        attach_dimensions(&path, root, &v, &names(&["t", "x"])).unwrap();
        // Idempotent: attaching again changes nothing.
        attach_dimensions(&path, root, &v, &names(&["t", "x"])).unwrap();
        attach_dimensions(&path, root, &x, &names(&["x"])).unwrap();
        let w = dataset(root, "w", &[4, 2]);
        attach_dimensions(&path, root, &w, &names(&["t", ""])).unwrap();
        let sub = file.create_group("sub").unwrap();
        let s = dataset(&sub, "s", &[2]);
        attach_dimensions(&path, &sub, &s, &names(&["t"])).unwrap();
    }
    let file = hdf5::File::open(&path).unwrap();
    let open = |name: &str| file.dataset(name).unwrap();
    assert_eq!(dimension_names(&open("v")), Some(names(&["t", "x"])));
    assert_eq!(dimension_names(&open("x")), Some(names(&["x"])));
    assert_eq!(
        dimension_names(&open("w")),
        Some(vec![Some("t".into()), None])
    );
    assert_eq!(dimension_names(&open("sub/s")), Some(names(&["t"])));
    assert_eq!(dimension_names(&open("t")), Some(names(&["t"])));
    assert!(is_pure_dimension(&open("t")));
    assert!(!is_pure_dimension(&open("x")) && is_scale(&open("x")));
    assert!(!is_scale(&open("v")));
    let name = text_attribute(&open("t"), "NAME").unwrap();
    assert_eq!(
        name,
        "This is a netCDF dimension but not a netCDF variable.         4"
    );
    let t = open("t");
    assert_eq!((t.shape(), t.dtype().unwrap().size()), (vec![4], 4));
    // One scale per axis however often it was attached.
    let list = file.dataset("v").unwrap().attr("DIMENSION_LIST").unwrap();
    assert_eq!(list.shape(), vec![2]);
    assert_eq!(attached_names(&open("v"), 2), Some(names(&["t", "x"])));

    let groups = super::super::groups(&path).unwrap();
    let summary: Vec<_> = groups
        .iter()
        .map(|g| {
            let dims = g.dimensions.iter();
            (
                g.name.clone(),
                dims.map(|d| (d.name.clone(), d.len, d.unlimited)).collect(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "/".to_string(),
                vec![("t".to_string(), 4, false), ("x".to_string(), 3, false)]
            ),
            ("/sub".to_string(), vec![("t".to_string(), 2, false)]),
        ]
    );
}

#[test]
fn names_that_cannot_be_dimensions_are_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("refused.h5");
    let file = hdf5::File::create(&path).unwrap();
    let root: &Group = &file;
    let plain = dataset(root, "plain", &[5]);
    let x = dataset(root, "x", &[3]);
    attach_dimensions(&path, root, &x, &names(&["x"])).unwrap();
    root.create_group("grp").unwrap();
    let m = dataset(root, "m", &[5, 3]);
    let cases: &[(&[&str], &str)] = &[
        (&["plain", ""], "not a dimension scale"),
        (&["x", ""], "has shape [3], but axis 0 of 'm' has length 5"),
        (&["grp", ""], "not a dataset"),
        (
            &["m", ""],
            "netCDF stores such a variable as '_nc4_non_coord_m'",
        ),
        (&["a/b", ""], "cannot be an HDF5 link name"),
        (&["t"], "2 axes but 1 dimension names"),
    ];
    for (list, reason) in cases {
        let err = attach_dimensions(&path, root, &m, &names(list))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("refused.h5") && err.contains(reason),
            "{list:?}: {err}"
        );
        assert!(!err.contains('\n'), "{err}");
    }
    assert!(!is_scale(&plain));
}

/// The file address of an open object (the native token's first 8 bytes).
fn address(id: hid_t) -> u64 {
    hdf5::sync::sync(|| {
        let mut info: hdf5_sys::h5o::H5O_info2_t = unsafe { std::mem::zeroed() };
        let ret =
            unsafe { hdf5_sys::h5o::H5Oget_info3(id, &mut info, hdf5_sys::h5o::H5O_INFO_BASIC) };
        assert!(ret >= 0);
        let bytes: [u8; 16] = unsafe { std::mem::transmute(info.token) };
        u64::from_le_bytes(bytes[..8].try_into().unwrap())
    })
}

/// Writes a DIMENSION_LIST of `lists` (raw object addresses), however wrong.
fn write_dimension_list(ds: &Dataset, lists: &[Vec<u64>]) {
    hdf5::sync::sync(|| unsafe {
        let vlen = H5Tvlen_create(*H5T_STD_REF_OBJ);
        let dims = [lists.len() as u64];
        let space = H5Screate_simple(1, dims.as_ptr(), std::ptr::null());
        let attr = H5Acreate2(
            ds.id(),
            c"DIMENSION_LIST".as_ptr(),
            vlen,
            space,
            H5P_DEFAULT,
            H5P_DEFAULT,
        );
        assert!(attr >= 0);
        let bufs: Vec<hvl_t> = lists
            .iter()
            .map(|l| hvl_t {
                len: l.len(),
                p: l.as_ptr() as *mut c_void,
            })
            .collect();
        assert!(H5Awrite(attr, vlen, bufs.as_ptr().cast()) >= 0);
        H5Aclose(attr);
        H5Sclose(space);
        H5Tclose(vlen);
    })
}

#[test]
fn hostile_dimension_lists_name_nothing_and_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.h5");
    {
        let file = hdf5::File::create(&path).unwrap();
        let root: &Group = &file;
        let x = dataset(root, "x", &[4]);
        let group = root.create_group("g").unwrap();
        let (x_at, group_at) = (address(x.id()), address(group.id()));
        let cases: Vec<(&str, Vec<Vec<u64>>)> = vec![
            ("good", vec![vec![x_at]]),
            ("longer_than_rank", vec![vec![x_at], vec![x_at], vec![x_at]]),
            ("bogus_addresses", vec![vec![12345, u64::MAX, 0, 1 << 40]]),
            ("to_a_group", vec![vec![group_at]]),
            ("empty", vec![vec![]]),
        ];
        for (name, lists) in cases {
            write_dimension_list(&dataset(root, name, &[4]), &lists);
        }
        let wrong_type = dataset(root, "wrong_type", &[4]);
        wrong_type
            .new_attr::<u64>()
            .shape([1])
            .create("DIMENSION_LIST")
            .unwrap();
    }
    let file = hdf5::File::open(&path).unwrap();
    let open = |name: &str| file.dataset(name).unwrap();
    assert_eq!(dimension_names(&open("good")), Some(names(&["x"])));
    for name in [
        "longer_than_rank",
        "bogus_addresses",
        "to_a_group",
        "empty",
        "wrong_type",
    ] {
        assert_eq!(dimension_names(&open(name)), None, "{name}");
    }
    let groups = super::super::groups(&path).unwrap();
    assert_eq!(groups.len(), 2);
}

#[test]
fn groups_come_root_first_depth_first_once_each() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("groups.h5");
    {
        let file = hdf5::File::create(&path).unwrap();
        let b = file.create_group("b").unwrap();
        b.new_attr::<i32>().create("level").unwrap();
        let a = file.create_group("a").unwrap();
        a.create_group("c").unwrap();
        file.link_hard("/b", "/a/again").unwrap();
        file.link_hard("/", "/b/root_again").unwrap();
        file.link_soft("/a", "/soft").unwrap();
        file.link_external("elsewhere.h5", "/", "/ext").unwrap();
        file.new_attr::<f32>().create("title").unwrap();
    }
    let groups = super::super::groups(&path).unwrap();
    let listed: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
    // A group is named by the first path the walk lists it under (as `list` names
    // datasets): /b is listed in the root before /a is entered.
    assert_eq!(listed, ["/", "/a", "/a/c", "/b"]);
    assert_eq!(groups[0].attributes["title"], 0.0);
    assert_eq!(groups[3].attributes["level"], 0);
    assert!(groups.iter().all(|g| g.dimensions.is_empty()));
}

/// Writes a zero array at `path:name` through `store::create` (a new or an existing
/// file), its axes named `names`; `replace` passes --overwrite.
fn write(path: &Path, name: &str, shape: &[u64], names: &[&str], replace: bool) -> Result<()> {
    use crate::store::{ArrayMeta, WriteOptions};
    let like = ArrayMeta {
        shape: shape.to_vec(),
        chunks: shape.to_vec(),
        dtype: crate::dtype::DType::F32,
        fill_value: vec![0; 4],
        codec: String::new(),
        layout: String::new(),
        attributes: Default::default(),
        dimension_names: Some(names.iter().map(|n| Some(n.to_string())).collect()),
        stored_bytes: None,
        fill_marks_missing: false,
    };
    let options = WriteOptions {
        overwrite: replace,
        ..WriteOptions::new(&like.chunks)
    };
    let address = crate::address::Address {
        path: path.to_path_buf(),
        format: crate::address::Format::Hdf5,
        array: name.to_string(),
    };
    let sink = crate::store::create(&address, &like, &options, &[])?;
    let chunk = crate::chunk::Chunk::zeros(like.dtype, shape);
    sink.write_chunk(&vec![0; shape.len()], &chunk)?;
    sink.commit()
}

/// A dataset's link name, the names on its axes, and its `REFERENCE_LIST` entries.
type ScaleLinks = (String, Vec<Option<String>>, Vec<(String, u32)>);

/// Each dataset of the root: (link name, names on its axes, (dataset, axis) of its
/// `REFERENCE_LIST` in name order), the references named by the link index ("stale"
/// for a dataset no link leads to).
fn scale_links(path: &Path) -> Vec<ScaleLinks> {
    let file = hdf5::File::open(path).unwrap();
    let guard = LinkGuard::new().unwrap();
    let names = super::super::groups::dataset_link_names(&file, &guard);
    let mut members = file.member_names().unwrap();
    members.sort();
    members
        .into_iter()
        .map(|member| {
            let ds = file.dataset(&member).unwrap();
            let axes = attached_names(&ds, ds.ndim()).unwrap_or_default();
            let mut back: Vec<(String, u32)> = back_references(&ds)
                .unwrap_or_default()
                .iter()
                .map(|e| {
                    let to = names
                        .get(&e.dataset)
                        .cloned()
                        .unwrap_or_else(|| "stale".into());
                    (to, e.axis)
                })
                .collect();
            back.sort();
            (member, axes, back)
        })
        .collect()
}

fn some(names: &[&str]) -> Vec<Option<String>> {
    names.iter().map(|n| Some(n.to_string())).collect()
}

#[test]
fn a_coordinate_variable_takes_over_its_pure_dimension() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("late.nc");
    write(&path, "/w", &[4], &["x"], false).unwrap();
    write(&path, "/v", &[2, 4], &["t", "x"], false).unwrap();
    write(&path, "/x", &[4], &["x"], false).unwrap();
    let file = hdf5::File::open(&path).unwrap();
    let x = file.dataset("x").unwrap();
    assert!(is_scale(&x) && !is_pure_dimension(&x));
    drop((x, file));
    assert_eq!(
        scale_links(&path),
        vec![
            ("t".into(), vec![], vec![("v".into(), 0)]),
            ("v".into(), some(&["t", "x"]), vec![]),
            ("w".into(), some(&["x"]), vec![]),
            ("x".into(), vec![], vec![("v".into(), 1), ("w".into(), 0)]),
        ]
    );
    // A coordinate variable of another length than the axes using the dimension.
    let err = write(&path, "/t", &[5], &["t"], false)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "dimension 't' is axis 0 of '/v', 2 long, but the coordinate variable 't' is 5 long"
        ),
        "{err}"
    );
    assert!(!err.contains('\n'));
    assert!(is_pure_dimension(
        &hdf5::File::open(&path).unwrap().dataset("t").unwrap()
    ));
}

#[test]
fn replacing_a_variable_leaves_no_reference_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("replace.nc");
    write(&path, "/x", &[3, 4], &["y", "x"], false).unwrap();
    write(&path, "/w", &[4], &["x"], false).unwrap();
    let variable_x = "_nc4_non_coord_x".to_string();
    let two_d = vec![
        (variable_x.clone(), some(&["y", "x"]), vec![]),
        ("w".into(), some(&["x"]), vec![]),
        (
            "x".into(),
            vec![],
            vec![(variable_x.clone(), 1), ("w".into(), 0)],
        ),
        ("y".into(), vec![], vec![(variable_x.clone(), 0)]),
    ];
    assert_eq!(scale_links(&path), two_d);
    // The 2-D x replaced by the coordinate variable x: y is left unused.
    write(&path, "/x", &[4], &["x"], true).unwrap();
    let coordinate = vec![
        ("w".into(), some(&["x"]), vec![]),
        ("x".into(), vec![], vec![("w".into(), 0)]),
        ("y".into(), vec![], vec![]),
    ];
    assert_eq!(scale_links(&path), coordinate);
    write(&path, "/x", &[4], &["x"], true).unwrap();
    assert_eq!(scale_links(&path), coordinate);
    // The coordinate variable replaced by a 2-D x: w keeps dimension x, now pure.
    write(&path, "/x", &[3, 4], &["y", "x"], true).unwrap();
    let file = hdf5::File::open(&path).unwrap();
    assert!(is_pure_dimension(&file.dataset("x").unwrap()));
    drop(file);
    assert_eq!(scale_links(&path), two_d);
    write(&path, "/x", &[3, 4], &["y", "x"], true).unwrap();
    assert_eq!(scale_links(&path), two_d);
}

#[test]
fn references_to_unlinked_datasets_are_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stale.nc");
    write(&path, "/x", &[3, 4], &["y", "x"], false).unwrap();
    write(&path, "/w", &[4], &["x"], false).unwrap();
    // Unlinked without detaching its scales (as h5py's `del` does): x and y keep
    // references to freed space.
    hdf5::File::open_rw(&path)
        .unwrap()
        .unlink("_nc4_non_coord_x")
        .unwrap();
    let stale = scale_links(&path);
    assert_eq!(stale[1].2, vec![("stale".into(), 1), ("w".into(), 0)]);
    write(&path, "/x", &[4], &["x"], false).unwrap();
    write(&path, "/v", &[3, 4], &["y", "x"], false).unwrap();
    let links = scale_links(&path);
    assert_eq!(links[0], ("v".into(), some(&["y", "x"]), vec![]));
    assert_eq!(links[1], ("w".into(), some(&["x"]), vec![]));
    assert_eq!(
        links[2],
        ("x".into(), vec![], vec![("v".into(), 1), ("w".into(), 0)])
    );
    // y still lists the unlinked dataset (maybe at an address v took over since).
    assert!(links[3].2.contains(&("v".into(), 0)), "{:?}", links[3]);
}
