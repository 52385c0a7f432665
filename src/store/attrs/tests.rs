use super::*;
use serde_json::json;

#[test]
fn nest_and_flatten_are_inverse() {
    let values: Vec<Value> = (0..6).map(Value::from).collect();
    let nested = nest(values.clone(), &[2, 3]).unwrap();
    assert_eq!(nested, json!([[0, 1, 2], [3, 4, 5]]));
    let (leaves, shape) = flatten(&nested).unwrap();
    assert_eq!(shape, vec![2, 3]);
    assert_eq!(leaves.into_iter().cloned().collect::<Vec<_>>(), values);
    assert_eq!(nest(vec![json!(1)], &[]), Some(json!(1)));
    assert_eq!(nest(vec![], &[0]), Some(json!([])));
    assert_eq!(nest(vec![json!(1)], &[2]), None);
}

#[test]
fn flatten_refuses_ragged_and_objects() {
    assert!(flatten(&json!([[1, 2], [3]])).is_none());
    assert!(flatten(&json!([{"a": 1}])).is_none());
    assert_eq!(flatten(&json!(5)).unwrap().1, Vec::<u64>::new());
    assert_eq!(flatten(&json!([])).unwrap().1, vec![0]);
}

#[test]
fn insert_keeps_order_and_replaces_in_place() {
    let mut attrs = Attributes::new();
    attrs.insert("b", Attribute::json(1));
    attrs.insert("a", Attribute::json(2));
    attrs.insert("b", Attribute::json(3));
    let names: Vec<_> = attrs.iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["b", "a"]);
    assert_eq!(attrs.value("b"), Some(&json!(3)));
    assert_eq!(
        attrs.to_json(),
        json!({"b": 3, "a": 2}).as_object().unwrap().clone()
    );
}

#[test]
fn non_finite_floats_round_trip_through_json() {
    for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1.5] {
        let back = json_float(&float_json(v)).unwrap();
        assert!(back == v || (back.is_nan() && v.is_nan()));
    }
}
