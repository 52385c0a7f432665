//! Unit tests of elementwise nodes.

use std::sync::Arc;

use super::*;
use crate::chunk::Chunk;
use crate::dtype::DType;
use crate::store::memory::MemorySource;

fn array(shape: &[u64], chunks: &[u64], dtype: DType) -> Array {
    let data = Chunk::zeros(dtype, shape);
    Array::from_source(Arc::new(MemorySource::new(data, chunks).unwrap()))
}

#[test]
fn elementwise_chains_fuse_into_one_node() {
    let a = array(&[10, 10], &[5, 5], DType::F64);
    let b = array(&[10], &[5], DType::F32);
    let diff = a.binary(BinaryOp::Sub, &b).unwrap();
    let squared = diff.binary(BinaryOp::Pow, 2i64).unwrap();
    let scaled = squared.binary(BinaryOp::Mul, &a).unwrap();
    let Some(Elementwise { inputs, program }) = scaled.op::<Elementwise>() else {
        panic!("not fused");
    };
    assert_eq!(inputs.len(), 2, "a and b once each");
    assert_eq!(scaled.shape(), &[10, 10]);
    assert_eq!(scaled.dtype(), DType::F64);
    assert!(program.op_count() >= 3);
}

fn eval(source: &str, inputs: &[(&str, Array)]) -> crate::error::Result<Array> {
    let inputs = inputs
        .iter()
        .map(|(n, a)| (n.to_string(), a.clone()))
        .collect::<std::collections::BTreeMap<_, _>>();
    crate::expr::evaluate(source, &inputs)
}

fn vec_array<T: crate::dtype::Element>(v: Vec<T>, chunk: u64) -> Array {
    let n = v.len();
    let data = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[n]), v).unwrap();
    Array::from_ndarray(data.view(), &[chunk]).unwrap()
}

#[test]
fn new_ufuncs_fuse_into_one_node() {
    let a = array(&[10, 10], &[5, 5], DType::F64);
    let b = array(&[10], &[5], DType::I16);
    let x = a
        .unary(UnaryOp::Tanh)
        .unwrap()
        .binary(BinaryOp::Arctan2, &b)
        .unwrap()
        .unary(UnaryOp::Round { decimals: 2 })
        .unwrap()
        .binary(BinaryOp::Fmax, &a)
        .unwrap()
        .binary(BinaryOp::Xor, &b)
        .unwrap();
    let Some(Elementwise { inputs, program }) = x.op::<Elementwise>() else {
        panic!("not fused");
    };
    assert_eq!(inputs.len(), 2);
    assert!(program.op_count() >= 5);
    assert_eq!(x.dtype(), DType::Bool);
}

#[test]
fn identities_return_the_array_and_bool_refusals_match_numpy() {
    let i = array(&[4], &[2], DType::I32);
    for op in [
        UnaryOp::Pos,
        UnaryOp::Floor,
        UnaryOp::Ceil,
        UnaryOp::Trunc,
        UnaryOp::Round { decimals: 3 },
    ] {
        assert!(i.unary(op).unwrap().is_same(&i), "{op:?}");
    }
    assert!(
        !i.unary(UnaryOp::Round { decimals: -1 })
            .unwrap()
            .is_same(&i)
    );
    let b = array(&[4], &[2], DType::Bool);
    for op in [
        UnaryOp::Pos,
        UnaryOp::Sign,
        UnaryOp::Neg,
        UnaryOp::Round { decimals: 1 },
    ] {
        assert!(b.unary(op).is_err(), "{op:?} of bool");
    }
    assert_eq!(
        b.unary(UnaryOp::Round { decimals: 0 }).unwrap().dtype(),
        DType::F16
    );
    assert_eq!(b.unary(UnaryOp::Square).unwrap().dtype(), DType::I8);
    assert_eq!(b.unary(UnaryOp::Floor).unwrap().dtype(), DType::Bool);
}

#[test]
fn integer_to_negative_integer_power_is_refused() {
    let ctx = crate::context::Context::new().unwrap();
    let i = vec_array(vec![2i64, 3, 4], 2);
    // a literal exponent: refused when the node is built
    let err = i.binary(BinaryOp::Pow, -1i64).err().unwrap().to_string();
    assert!(err.contains("power") && err.contains("negative"), "{err}");
    let b = i.binary(BinaryOp::Gt, 2i64).unwrap();
    assert!(
        b.binary(BinaryOp::Pow, -2i64).is_err(),
        "bool ** -2 is int64"
    );
    // an array exponent: refused by the kernel when computed
    let e = vec_array(vec![1i64, -1, 2], 2);
    let p = i.binary(BinaryOp::Pow, &e).unwrap();
    let err = p.compute_vec::<i64>(&ctx).err().unwrap().to_string();
    assert!(err.contains("power"), "{err}");
    // floats, and float literals, are fine
    let f = i.binary(BinaryOp::Pow, -1.0).unwrap();
    assert_eq!(
        f.compute_vec::<f64>(&ctx).unwrap(),
        vec![0.5, 1.0 / 3.0, 0.25]
    );
    assert_eq!(
        i.binary(BinaryOp::Pow, 0i64)
            .unwrap()
            .compute_vec::<i64>(&ctx)
            .unwrap(),
        vec![1, 1, 1]
    );
}

#[test]
fn an_empty_integer_array_to_a_negative_literal_power_is_empty() {
    // numpy checks the exponent element by element: an empty base raises nothing.
    let ctx = crate::context::Context::new().unwrap();
    let empty = vec_array(Vec::<i64>::new(), 1);
    let p = empty.binary(BinaryOp::Pow, -1i64).unwrap();
    assert_eq!((p.shape(), p.dtype()), (&[0u64][..], DType::I64));
    assert_eq!(p.compute_vec::<i64>(&ctx).unwrap(), Vec::<i64>::new());
    let wide = array(&[3, 0], &[2, 1], DType::I8);
    let q = wide
        .binary(BinaryOp::Pow, -3i64)
        .unwrap()
        .binary(BinaryOp::Add, 1i64);
    assert_eq!(q.unwrap().compute(&ctx).unwrap().shape(), &[3, 0]);
}

#[test]
fn expression_language_reaches_the_new_ufuncs() {
    let ctx = crate::context::Context::new().unwrap();
    let a = vec_array(vec![-2.5f64, -0.5, 0.5, 1.5, 2.5, 15.0], 4);
    let b = vec_array(vec![0.0f64, 1.0, 0.0, 2.0, 0.0, 0.0], 4);
    let inputs = [("a", a), ("b", b)];
    let get = |s: &str| eval(s, &inputs).unwrap().compute_vec::<f64>(&ctx).unwrap();
    assert_eq!(get("round(a)"), [-2.0, -0.0, 0.0, 2.0, 2.0, 15.0]);
    assert_eq!(
        get("round(a, decimals=-1)"),
        [-0.0, -0.0, 0.0, 0.0, 0.0, 20.0]
    );
    assert_eq!(get("a.round(-1)"), get("round(a, -1)"));
    assert_eq!(get("fmod(a, 2)"), [-0.5, -0.5, 0.5, 1.5, 0.5, 1.0]);
    assert_eq!(get("+a"), get("a"));
    assert_eq!(
        get("where(a ^ b, 1.0, 0.0)"),
        [1.0, 0.0, 1.0, 0.0, 1.0, 1.0]
    );
    assert_eq!(
        get("where(logical_xor(a, b), 1.0, 0.0)"),
        get("where(a ^ b, 1.0, 0.0)")
    );
    let flags = eval("+(a > 0)", &inputs).err().unwrap().to_string();
    assert!(flags.contains("positive"), "{flags}");
    let i = vec_array(vec![1i64, 2], 2);
    let err = eval("i ** -1", &[("i", i.clone())])
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("negative integer powers"), "{err}");
    let ints = eval("i ^ 3", &[("i", i)]).unwrap();
    assert_eq!(ints.dtype(), DType::Bool);
}

#[test]
fn power_of_a_half_literal_is_sqrt_as_numpys_operator() {
    let ctx = crate::context::Context::new().unwrap();
    let a = vec_array(vec![f64::NEG_INFINITY, -0.0, 4.0], 2);
    let r = a.binary(BinaryOp::Pow, 0.5).unwrap();
    let r = r.compute_vec::<f64>(&ctx).unwrap();
    assert!(r[0].is_nan() && r[1].to_bits() == (-0.0f64).to_bits() && r[2] == 2.0);
    // float16 too (numpy's `**` with a Python float is sqrt for every float dtype)
    let h = a.astype(DType::F16).unwrap();
    let r = h.binary(BinaryOp::Pow, 0.5).unwrap();
    assert_eq!(r.dtype(), DType::F16);
    let r = r
        .astype(DType::F64)
        .unwrap()
        .compute_vec::<f64>(&ctx)
        .unwrap();
    assert!(r[0].is_nan() && r[1].to_bits() == (-0.0f64).to_bits() && r[2] == 2.0);
}

#[test]
fn integer_literals_beyond_the_dtype_follow_numpy_2() {
    let ctx = crate::context::Context::with_limits(16 << 20, 1).unwrap();
    let u = array(&[4], &[2], DType::U8);
    let bools = |a: Array| {
        a.astype(DType::U8)
            .unwrap()
            .compute_vec::<u8>(&ctx)
            .unwrap()
    };
    // Comparisons answer what is true, whichever side the literal is on.
    assert_eq!(bools(u.binary(BinaryOp::Lt, 300i64).unwrap()), vec![1; 4]);
    assert_eq!(bools(u.binary(BinaryOp::Ge, -1i64).unwrap()), vec![1; 4]);
    assert_eq!(
        bools(u.rbinary(BinaryOp::Lt, Scalar::Int(-1)).unwrap()),
        vec![1; 4]
    );
    assert_eq!(bools(u.binary(BinaryOp::Eq, 256i64).unwrap()), vec![0; 4]);
    // Arithmetic refuses in an integer loop, not in a float one.
    for op in [
        BinaryOp::Add,
        BinaryOp::Maximum,
        BinaryOp::Pow,
        BinaryOp::FloorDiv,
    ] {
        let err = match u.binary(op, 300i64) {
            Ok(_) => panic!("{op:?}: answered"),
            Err(e) => e.to_string(),
        };
        assert!(err.contains("out of bounds for uint8"), "{err}");
    }
    assert_eq!(u.binary(BinaryOp::Div, 300i64).unwrap().dtype(), DType::F64);
    // Logic takes the truth of the literal.
    assert_eq!(bools(u.binary(BinaryOp::Or, 300i64).unwrap()), vec![1; 4]);
    // clip drops a bound beyond the range on its own side, refuses one beyond the other.
    assert_eq!(
        u.clip(-5i64, 300i64)
            .unwrap()
            .compute_vec::<u8>(&ctx)
            .unwrap(),
        vec![0; 4]
    );
    assert!(u.clip(300i64, 400i64).is_err());
    // where refuses a literal that does not fit (numpy wraps it with a warning).
    let yes = u.binary(BinaryOp::Eq, 0i64).unwrap();
    assert!(Array::where_(&yes, &u, 300i64).is_err());
}
