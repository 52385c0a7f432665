//! netCDF's `_nc4_non_coord_` variables: the stored path the writer picks, the layout
//! it leaves (as netCDF-C's), and the name `list`, `open` and `member_kind` use.

use std::path::Path;

use super::*;
use crate::address::{Address, Format};
use crate::chunk::Chunk;
use crate::dtype::DType;
use crate::grid::Region;
use crate::store::{ArrayMeta, ChunkSource, WriteOptions};

fn like(shape: &[u64], names: &[&str]) -> ArrayMeta {
    ArrayMeta {
        shape: shape.to_vec(),
        chunks: shape.to_vec(),
        dtype: DType::F64,
        fill_value: vec![0; 8],
        codec: String::new(),
        layout: String::new(),
        attributes: Default::default(),
        dimension_names: Some(names.iter().map(|n| Some(n.to_string())).collect()),
        stored_bytes: None,
        fill_marks_missing: false,
    }
}

fn address(path: &Path, name: &str) -> Address {
    Address {
        path: path.to_path_buf(),
        format: Format::Hdf5,
        array: name.to_string(),
    }
}

/// Values 0, 1, 2, ... of `shape`.
fn counting(shape: &[u64]) -> Chunk {
    let n: u64 = shape.iter().product();
    let bytes: Vec<u8> = (0..n).flat_map(|i| (i as f64).to_ne_bytes()).collect();
    Chunk::from_bytes(DType::F64, shape, &bytes).unwrap()
}

/// Writes `counting(shape)` at `path:name` through `store::create` (new or existing
/// file), its axes named `names`.
fn write(path: &Path, name: &str, shape: &[u64], names: &[&str]) -> crate::Result<()> {
    let like = like(shape, names);
    let options = WriteOptions::new(&like.chunks);
    let sink = crate::store::create(&address(path, name), &like, &options, &[])?;
    sink.write_chunk(&vec![0; shape.len()], &counting(shape))?;
    sink.commit()
}

fn read(path: &Path, name: &str) -> Chunk {
    let source = super::super::Hdf5Source::open(&address(path, name)).unwrap();
    let shape = source.meta().shape.clone();
    assert_eq!(
        source.meta().grid().unwrap().grid_shape(),
        vec![1; shape.len()]
    );
    source
        .read_chunk(&vec![0; shape.len()])
        .unwrap()
        .extract(&Region::whole(&shape))
}

#[test]
fn names_and_stored_paths() {
    assert_eq!(variable_name("_nc4_non_coord_x"), "x");
    assert_eq!(variable_name("_nc4_non_coord_"), "_nc4_non_coord_");
    assert_eq!(variable_name("x"), "x");
    let some = |names: &[&str]| {
        names
            .iter()
            .map(|n| Some(n.to_string()))
            .collect::<Vec<_>>()
    };
    assert!(is_coordinate("x", &some(&["x"])));
    assert!(!is_coordinate("x", &some(&["y", "x"])));
    assert!(!is_coordinate("x", &some(&["x", "y"])));
    assert!(!is_coordinate("x", &[None]));
    assert_eq!(prefixed("x"), "/_nc4_non_coord_x");
    assert_eq!(prefixed("/x"), "/_nc4_non_coord_x");
    assert_eq!(prefixed("g/x"), "g/_nc4_non_coord_x");
    assert_eq!(prefixed("/g/h/x"), "/g/h/_nc4_non_coord_x");
}

#[test]
fn a_variable_named_like_one_of_its_axes_is_stored_as_netcdf_c_stores_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.nc");
    write(&path, "/x", &[3, 4], &["y", "x"]).unwrap();
    write(&path, "/w", &[4], &["x"]).unwrap();
    {
        let file = hdf5::File::open(&path).unwrap();
        let var = file.dataset(&format!("{PREFIX}x")).unwrap();
        assert_eq!(var.shape(), [3, 4]);
        assert!(!super::super::dims::is_scale(&var));
        for (name, len) in [("x", 4), ("y", 3)] {
            let dim = file.dataset(name).unwrap();
            assert!(super::super::dims::is_pure_dimension(&dim), "{name}");
            assert_eq!(dim.shape(), [len]);
            assert_eq!(
                dim.space().unwrap().maxdims(),
                [Some(len)],
                "fixed, as netCDF-C's"
            );
        }
    }
    let listed = super::super::list(&path).unwrap();
    let names: Vec<&str> = listed.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["/x", "/w"], "pure dimensions are no variables");
    let dims = |i: usize| listed[i].meta.as_ref().unwrap().dimension_names.clone();
    assert_eq!(dims(0), like(&[3, 4], &["y", "x"]).dimension_names);
    assert_eq!(dims(1), like(&[4], &["x"]).dimension_names);
    assert_eq!(read(&path, "/x").bytes(), counting(&[3, 4]).bytes());
    assert_eq!(read(&path, "x").bytes(), counting(&[3, 4]).bytes());
    assert_eq!(
        read(&path, "/_nc4_non_coord_x").bytes(),
        counting(&[3, 4]).bytes()
    );
    let groups = super::super::groups(&path).unwrap();
    let dimensions: Vec<(&str, u64)> = groups[0]
        .dimensions
        .iter()
        .map(|d| (d.name.as_str(), d.len))
        .collect();
    assert_eq!(dimensions, [("y", 3), ("x", 4)]);

    use super::super::MemberKind;
    assert_eq!(
        super::super::member_kind(&path, "/x").unwrap(),
        MemberKind::Dataset
    );
    assert_eq!(
        super::super::member_kind(&path, "/y").unwrap(),
        MemberKind::Missing
    );
    let again = write(&path, "/x", &[4], &["x"]).unwrap_err().to_string();
    assert!(again.contains("already exists"), "{again}");
}

#[test]
fn a_name_already_held_by_a_pure_dimension_is_prefixed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.nc");
    write(&path, "/w", &[2], &["t"]).unwrap();
    // 't' is a dimension of the group: a variable 't' over another one is prefixed.
    write(&path, "/t", &[5], &["n"]).unwrap();
    let file = hdf5::File::open(&path).unwrap();
    assert!(file.link_exists(&format!("{PREFIX}t")));
    assert!(super::super::dims::is_pure_dimension(
        &file.dataset("t").unwrap()
    ));
    let listed = super::super::list(&path).unwrap();
    let names: Vec<&str> = listed.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["/t", "/w"]);
}

#[test]
fn a_prefixed_dataset_beside_a_variable_of_its_name_keeps_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("both.h5");
    {
        let file = hdf5::File::create(&path).unwrap();
        file.new_dataset::<f64>().shape([2]).create("x").unwrap();
        file.new_dataset::<f64>()
            .shape([3])
            .create(format!("{PREFIX}x").as_str())
            .unwrap();
        file.new_dataset::<f64>()
            .shape([3])
            .create(format!("{PREFIX}z").as_str())
            .unwrap();
    }
    let listed = super::super::list(&path).unwrap();
    let names: Vec<&str> = listed.iter().map(|e| e.name.as_str()).collect();
    // In the order of the stored link names.
    assert_eq!(names, ["/_nc4_non_coord_x", "/z", "/x"]);
    let shape = |name: &str| {
        let source = super::super::Hdf5Source::open(&address(&path, name)).unwrap();
        source.meta().shape.clone()
    };
    assert_eq!(shape("/x"), [2], "the variable x, not the prefixed dataset");
    assert_eq!(shape("/z"), [3]);
}
