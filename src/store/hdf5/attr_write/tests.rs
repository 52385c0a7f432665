//! Typed attributes: the write plan for stored, CF and JSON-only attributes, and every
//! stored element type and shape written and read back unchanged.

use serde_json::json;

use super::*;
use crate::store::attrs::{float_json, nest};
use crate::store::hdf5::attr_read::{
    MAX_ATTRIBUTE_ELEMENTS, read_attributes, shortest_f16, shortest_f32,
};

const ALL_DTYPES: [DType; 12] = [
    DType::Bool,
    DType::I8,
    DType::I16,
    DType::I32,
    DType::I64,
    DType::U8,
    DType::U16,
    DType::U32,
    DType::U64,
    DType::F16,
    DType::F32,
    DType::F64,
];

/// Three values of each element type, as the reader shows them (extremes, shortest
/// decimals of float32/float16, non-finite floats, non-ASCII text).
fn samples(element: AttrElement) -> [Value; 3] {
    match element {
        AttrElement::Number(dtype) => match dtype {
            DType::Bool => [json!(true), json!(false), json!(true)],
            DType::I8 => [json!(i8::MIN), json!(i8::MAX), json!(-1)],
            DType::I16 => [json!(i16::MIN), json!(i16::MAX), json!(-1)],
            DType::I32 => [json!(i32::MIN), json!(i32::MAX), json!(-1)],
            DType::I64 => [json!(i64::MIN), json!(i64::MAX), json!(-1)],
            DType::U8 => [json!(u8::MAX), json!(0), json!(7)],
            DType::U16 => [json!(u16::MAX), json!(0), json!(7)],
            DType::U32 => [json!(u32::MAX), json!(0), json!(7)],
            DType::U64 => [json!(u64::MAX), json!(0), json!(7)],
            DType::F16 => [
                float_json(shortest_f16(half::f16::from_f64(0.1))),
                float_json(shortest_f16(half::f16::MAX)),
                json!("-Infinity"),
            ],
            DType::F32 => [
                float_json(shortest_f32(0.01)),
                float_json(shortest_f32(f32::MAX)),
                json!("NaN"),
            ],
            DType::F64 => [json!(0.1), json!(1e300), json!("Infinity")],
        },
        _ => [json!("a"), json!("héllo wörld"), json!("")],
    }
}

/// The JSON the reader gives for `shape` filled with `samples` in turn.
fn value_of(element: AttrElement, shape: &AttrShape) -> Value {
    let samples = samples(element);
    match shape {
        AttrShape::Null => Value::Null,
        AttrShape::Scalar => samples[0].clone(),
        AttrShape::Array(dims) => {
            let count = dims.iter().product::<u64>() as usize;
            let leaves: Vec<Value> = (0..count).map(|i| samples[i % 3].clone()).collect();
            if count == 1 {
                leaves[0].clone()
            } else {
                nest(leaves, dims).unwrap()
            }
        }
    }
}

fn shapes() -> Vec<AttrShape> {
    vec![
        AttrShape::Scalar,
        AttrShape::Array(vec![1]),
        AttrShape::Array(vec![3]),
        AttrShape::Array(vec![2, 3]),
        AttrShape::Array(vec![1, 1]),
        AttrShape::Array(vec![0]),
        AttrShape::Array(vec![2, 0]),
        AttrShape::Null,
    ]
}

/// Every element type in every shape, named `{element}-{shape index}`.
fn every_stored_attribute() -> Attributes {
    let elements = ALL_DTYPES
        .iter()
        .map(|d| AttrElement::Number(*d))
        .chain([AttrElement::Text]);
    let mut out = Attributes::new();
    for element in elements {
        for (i, shape) in shapes().into_iter().enumerate() {
            let value = value_of(element, &shape);
            out.insert(
                format!("{element:?}-{i}"),
                Attribute::typed(value, element, shape),
            );
        }
    }
    out
}

fn assert_same(written: &Attributes, read: &Attributes) {
    for (name, attribute) in written.iter() {
        assert_eq!(read.get(name), Some(attribute), "attribute {name}");
    }
    assert_eq!(read.len(), written.len());
}

#[test]
fn every_stored_type_and_shape_is_written_and_read_back_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typed.h5");
    let attrs = every_stored_attribute();
    {
        let file = hdf5::File::create(&path).unwrap();
        let ds = file.new_dataset::<f64>().shape([4]).create("d").unwrap();
        write_attributes(&path, &ds, Some(DType::F64), &attrs).unwrap();
        write_attributes(&path, &file, None, &attrs).unwrap();
    }
    let file = hdf5::File::open(&path).unwrap();
    let on_dataset = read_attributes(&file.dataset("d").unwrap());
    assert!(on_dataset.skipped.is_empty(), "{:?}", on_dataset.skipped);
    assert_same(&attrs, &on_dataset.attributes);
    assert_same(&attrs, &read_attributes(&file).attributes);
    // Read -> written again -> read: identical.
    let path2 = dir.path().join("again.h5");
    {
        let file2 = hdf5::File::create(&path2).unwrap();
        write_attributes(&path2, &file2, None, &on_dataset.attributes).unwrap();
    }
    let again = read_attributes(&hdf5::File::open(&path2).unwrap());
    assert_same(&attrs, &again.attributes);
}

#[test]
fn attributes_are_read_in_creation_order_where_tracked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("order.h5");
    let mut attrs = Attributes::new();
    for name in ["zeta", "alpha", "mid"] {
        attrs.insert(name, Attribute::json(1));
    }
    {
        let file = hdf5::File::create(&path).unwrap();
        let tracked = file
            .new_dataset::<u8>()
            .attr_creation_order(hdf5::file::AttrCreationOrder::Tracked)
            .shape([1])
            .create("tracked")
            .unwrap();
        let plain = file.new_dataset::<u8>().shape([1]).create("plain").unwrap();
        write_attributes(&path, &tracked, None, &attrs).unwrap();
        write_attributes(&path, &plain, None, &attrs).unwrap();
    }
    let file = hdf5::File::open(&path).unwrap();
    let names = |name: &str| -> Vec<String> {
        read_attributes(&file.dataset(name).unwrap())
            .attributes
            .iter()
            .map(|(n, _)| n.to_string())
            .collect()
    };
    assert_eq!(names("tracked"), ["zeta", "alpha", "mid"]);
    assert_eq!(
        names("plain"),
        ["alpha", "mid", "zeta"],
        "h5py's name order"
    );
}

fn numbers(dtype: DType, values: &[Value]) -> Payload {
    let leaves: Vec<&Value> = values.iter().collect();
    Payload::Numbers(dtype, encode_numbers(dtype, &leaves).unwrap())
}

fn typed(value: Value, dtype: DType, shape: AttrShape) -> Attribute {
    Attribute::typed(value, AttrElement::Number(dtype), shape)
}

#[test]
fn plans_keep_fitting_stored_types_and_infer_the_rest() {
    let arr = |dims: &[u64]| AttrShape::Array(dims.to_vec());
    let text = |s: &str| Payload::Text(vec![s.to_string()]);
    #[rustfmt::skip]
    let cases: Vec<(Attribute, Option<DType>, AttrShape, Payload)> = vec![
        // Stored types that fit are kept.
        (typed(json!(0.01), DType::F32, AttrShape::Scalar), None,
            AttrShape::Scalar, numbers(DType::F32, &[json!(0.01)])),
        (typed(json!([]), DType::I32, arr(&[0])), None, arr(&[0]), Payload::Numbers(DType::I32, vec![])),
        (typed(json!(7), DType::I16, arr(&[1])), None, arr(&[1]), numbers(DType::I16, &[json!(7)])),
        (typed(json!(null), DType::F64, AttrShape::Null), None,
            AttrShape::Null, Payload::Numbers(DType::F64, vec![])),
        (Attribute::typed(json!(["a", "b"]), AttrElement::Text, arr(&[2])), None,
            arr(&[2]), Payload::Text(vec!["a".into(), "b".into()])),
        // A stored type wins over the CF rule.
        (typed(json!(-1), DType::I8, AttrShape::Scalar), Some(DType::F32),
            AttrShape::Scalar, numbers(DType::I8, &[json!(-1)])),
        // Values that do not fit their stored type are inferred.
        (typed(json!(300), DType::I8, AttrShape::Scalar), None,
            AttrShape::Scalar, numbers(DType::I64, &[json!(300)])),
        (typed(json!(3), DType::F64, AttrShape::Null), None,
            AttrShape::Scalar, numbers(DType::I64, &[json!(3)])),
        (typed(json!([1, 2]), DType::I8, arr(&[3])), None, arr(&[2]), numbers(DType::I64, &[json!(1), json!(2)])),
        // The CF rule for untyped values.
        (Attribute::json(1.5), Some(DType::F32), AttrShape::Scalar, numbers(DType::F32, &[json!(1.5)])),
        (Attribute::json("NaN"), Some(DType::F64), AttrShape::Scalar, numbers(DType::F64, &[json!("NaN")])),
        (Attribute::json(json!([0, 10])), Some(DType::U8), arr(&[2]), numbers(DType::U8, &[json!(0), json!(10)])),
        (Attribute::json(1e20), Some(DType::I16), AttrShape::Scalar, numbers(DType::F64, &[json!(1e20)])),
        // JSON inference.
        (Attribute::json(5), None, AttrShape::Scalar, numbers(DType::I64, &[json!(5)])),
        (Attribute::json(json!([1, u64::MAX])), None, arr(&[2]), numbers(DType::U64, &[json!(1), json!(u64::MAX)])),
        (Attribute::json(json!([-1, u64::MAX])), None, arr(&[2]), numbers(DType::F64, &[json!(-1), json!(u64::MAX)])),
        (Attribute::json(json!([1, 2.5])), None, arr(&[2]), numbers(DType::F64, &[json!(1), json!(2.5)])),
        (Attribute::json(json!([1, "NaN"])), None, arr(&[2]), numbers(DType::F64, &[json!(1), json!("NaN")])),
        (Attribute::json(json!(["NaN"])), None, arr(&[1]), Payload::Text(vec!["NaN".into()])),
        (Attribute::json(json!([true, false])), None, arr(&[2]), numbers(DType::Bool, &[json!(true), json!(false)])),
        (Attribute::json(json!([[1, 2], [3, 4]])), None, arr(&[2, 2]),
            numbers(DType::I64, &[json!(1), json!(2), json!(3), json!(4)])),
        (Attribute::json(json!([])), None, arr(&[0]), Payload::Numbers(DType::F64, vec![])),
        (Attribute::json(json!("K")), None, AttrShape::Scalar, text("K")),
        // No HDF5 type: the JSON text.
        (Attribute::json(json!({"a": 1})), None, AttrShape::Scalar, text(r#"{"a":1}"#)),
        (Attribute::json(Value::Null), None, AttrShape::Scalar, text("null")),
        (Attribute::json(json!([1, "a"])), None, AttrShape::Scalar, text(r#"[1,"a"]"#)),
        (Attribute::json(json!([[1], [2, 3]])), None, AttrShape::Scalar, text("[[1],[2,3]]")),
    ];
    for (attribute, cf, shape, payload) in cases {
        let got = plan(&attribute, cf);
        assert_eq!(got, Plan { shape, payload }, "{attribute:?} (cf {cf:?})");
    }
}

#[test]
fn plumbing_is_neither_read_nor_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plumbing.h5");
    let mut attrs = Attributes::new();
    attrs.insert("_Netcdf4Dimid", Attribute::json(0));
    attrs.insert("_NCProperties", Attribute::json("version=2"));
    attrs.insert("DIMENSION_LIST", Attribute::json("x"));
    attrs.insert("CLASS", Attribute::json("DIMENSION_SCALE"));
    attrs.insert("units", Attribute::json("m"));
    {
        let file = hdf5::File::create(&path).unwrap();
        write_attributes(&path, &file, None, &attrs).unwrap();
        file.new_attr::<i32>()
            .create("_Netcdf4Coordinates")
            .unwrap();
    }
    let file = hdf5::File::open(&path).unwrap();
    assert_eq!(file.attr_names().unwrap(), ["_Netcdf4Coordinates", "units"]);
    let read = read_attributes(&file);
    assert_eq!(read.attributes.len(), 1);
    assert_eq!(read.attributes["units"], "m");
}

#[test]
fn other_types_and_huge_attributes_are_listed_as_skipped() {
    use hdf5::types::{EnumMember, EnumType, IntSize, TypeDescriptor};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("skipped.h5");
    {
        let file = hdf5::File::create(&path).unwrap();
        let colour = TypeDescriptor::Enum(EnumType {
            size: IntSize::U1,
            signed: false,
            members: vec![
                EnumMember {
                    name: "RED".into(),
                    value: 0,
                },
                EnumMember {
                    name: "GREEN".into(),
                    value: 1,
                },
                EnumMember {
                    name: "BLUE".into(),
                    value: 2,
                },
            ],
        });
        file.new_attr_builder()
            .empty_as(&colour)
            .create("colour")
            .unwrap();
        let ragged = TypeDescriptor::VarLenArray(Box::new(TypeDescriptor::Integer(IntSize::U4)));
        file.new_attr_builder()
            .empty_as(&ragged)
            .create("ragged")
            .unwrap();
        file.new_attr::<u8>()
            .shape([MAX_ATTRIBUTE_ELEMENTS + 1])
            .create("huge")
            .unwrap();
        file.new_attr::<u8>().create("fine").unwrap();
    }
    let read = read_attributes(&hdf5::File::open(&path).unwrap());
    assert_eq!(read.attributes.len(), 1);
    assert_eq!(read.attributes["fine"], 0);
    let reasons: Vec<(&str, &str)> = read
        .skipped
        .iter()
        .map(|s| (s.name.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(
        reasons[0].0 == "colour" && reasons[0].1.contains("enum"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].0 == "huge" && reasons[1].1.contains("65536"),
        "{reasons:?}"
    );
    assert!(
        reasons[2].0 == "ragged" && reasons[2].1.contains("variable-length sequence"),
        "{reasons:?}"
    );
}

#[test]
fn nul_bytes_in_text_are_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nul.h5");
    let file = hdf5::File::create(&path).unwrap();
    let mut attrs = Attributes::new();
    attrs.insert("bad", Attribute::json("a\0b"));
    let err = write_attributes(&path, &file, None, &attrs)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("nul.h5") && err.contains("'bad'") && err.contains("NUL"),
        "{err}"
    );
    assert!(!err.contains('\n'), "{err}");
}
