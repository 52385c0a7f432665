use super::*;
use bytemuck::{cast_slice, cast_slice_mut};

fn op<T: Pod>(v: &[T], dtype: DType) -> Operand<'_> {
    Operand::new(cast_slice(v), dtype)
}

fn bin<T: Pod, O: Pod + Default>(o: BinaryOp, a: &[T], b: &[T], dt: DType) -> Vec<O> {
    let (_, out_dt) = o.types(dt, dt).unwrap();
    let n = a.len().max(b.len());
    let mut out = vec![O::default(); n];
    binary(
        o,
        op(a, dt),
        op(b, dt),
        bytemuck::cast_slice_mut(&mut out),
        out_dt,
    )
    .unwrap();
    out
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn binary_types_match_numpy_loops() {
    use DType::*;
    assert!(BinaryOp::Sub.types(Bool, Bool).is_err());
    assert_eq!(BinaryOp::Add.types(Bool, Bool).unwrap(), (Bool, Bool));
    assert_eq!(BinaryOp::Div.types(I8, I8).unwrap(), (F64, F64));
    assert_eq!(BinaryOp::Div.types(F16, F16).unwrap(), (F16, F16));
    assert_eq!(BinaryOp::Div.types(Bool, U8).unwrap(), (F64, F64));
    assert_eq!(BinaryOp::FloorDiv.types(Bool, Bool).unwrap(), (I8, I8));
    assert_eq!(BinaryOp::Pow.types(Bool, Bool).unwrap(), (I8, I8));
    assert_eq!(BinaryOp::Rem.types(U16, I8).unwrap(), (I32, I32));
    assert_eq!(BinaryOp::Lt.types(I32, F32).unwrap(), (F64, Bool));
    assert_eq!(BinaryOp::And.types(I8, F64).unwrap(), (F64, Bool));
    assert_eq!(BinaryOp::Maximum.types(Bool, Bool).unwrap(), (Bool, Bool));
    assert_eq!(BinaryOp::Add.types(I32, F32).unwrap(), (F64, F64));
}

#[test]
fn unary_types_match_numpy_loops() {
    use DType::*;
    assert!(UnaryOp::Neg.types(Bool).is_err());
    assert_eq!(UnaryOp::Abs.types(Bool).unwrap(), (Bool, Bool));
    assert_eq!(UnaryOp::Sqrt.types(Bool).unwrap(), (F16, F16));
    assert_eq!(UnaryOp::Sqrt.types(I8).unwrap(), (F16, F16));
    assert_eq!(UnaryOp::Exp.types(U16).unwrap(), (F32, F32));
    assert_eq!(UnaryOp::Log.types(I32).unwrap(), (F64, F64));
    assert_eq!(UnaryOp::Sin.types(F32).unwrap(), (F32, F32));
    assert_eq!(UnaryOp::Not.types(F64).unwrap(), (F64, Bool));
    assert_eq!(UnaryOp::IsNan.types(I64).unwrap(), (I64, Bool));
}

#[test]
fn int_floor_div_and_rem_follow_numpy() {
    let a: [i8; 7] = [7, -7, 7, -7, 0, 5, -128];
    let b: [i8; 7] = [2, 2, -2, -2, 3, 0, -1];
    let q: Vec<i8> = bin(BinaryOp::FloorDiv, &a, &b, DType::I8);
    assert_eq!(q, [3, -4, -4, 3, 0, 0, -128]);
    let r: Vec<i8> = bin(BinaryOp::Rem, &a, &b, DType::I8);
    assert_eq!(r, [1, 1, -1, -1, 0, 0, 0]);
    let q: Vec<u32> = bin(BinaryOp::FloorDiv, &[7u32, 9], &[0u32, 2], DType::U32);
    assert_eq!(q, [0, 4]);
}

#[test]
fn float_floor_div_and_rem_follow_numpy() {
    let a = [7.5, -7.5, 7.5, -7.5, 0.0, 5.0, -0.0, 1.0];
    let b = [2.0, 2.0, -2.0, -2.0, -3.0, 0.0, 2.0, f64::INFINITY];
    let q: Vec<f64> = bin(BinaryOp::FloorDiv, &a, &b, DType::F64);
    assert_eq!(
        bits(&q),
        bits(&[3.0, -4.0, -4.0, 3.0, -0.0, f64::INFINITY, -0.0, 0.0])
    );
    let r: Vec<f64> = bin(BinaryOp::Rem, &a, &b, DType::F64);
    let expect = [1.5, 0.5, -0.5, -1.5, -0.0, f64::NAN, 0.0, 1.0];
    for (x, e) in r.iter().zip(expect) {
        assert!(
            x.to_bits() == e.to_bits() || (x.is_nan() && e.is_nan()),
            "{x} vs {e}"
        );
    }
}

#[test]
fn int_pow_wraps_like_numpy() {
    let p: Vec<i8> = bin(
        BinaryOp::Pow,
        &[2i8, 3, -2, 2, 0, 1],
        &[7i8, 5, 3, 0, 0, 100],
        DType::I8,
    );
    assert_eq!(p, [-128, -13, -8, 1, 1, 1]);
    let p: Vec<u8> = bin(BinaryOp::Pow, &[2u8, 3, 255], &[8u8, 5, 2], DType::U8);
    assert_eq!(p, [0, 243, 1]);
    // negative exponents: refused, as numpy's ValueError, whatever the base
    for base in [2i32, 1, -1] {
        let mut out = [0u8; 8];
        let r = binary(
            BinaryOp::Pow,
            op(&[base, base], DType::I32),
            op(&[3i32, -1], DType::I32),
            &mut out,
            DType::I32,
        );
        let err = r.unwrap_err().to_string();
        assert!(err.contains("power") && !err.contains('\n'), "{err}");
    }
}

#[test]
fn maximum_propagates_nan() {
    let m: Vec<f64> = bin(
        BinaryOp::Maximum,
        &[1.0, f64::NAN, 2.0],
        &[f64::NAN, 1.0, 3.0],
        DType::F64,
    );
    assert!(m[0].is_nan() && m[1].is_nan());
    assert_eq!(m[2], 3.0);
    let m: Vec<f64> = bin(
        BinaryOp::Minimum,
        &[1.0, f64::NAN, 2.0],
        &[f64::NAN, 1.0, 3.0],
        DType::F64,
    );
    assert!(m[0].is_nan() && m[1].is_nan());
    assert_eq!(m[2], 2.0);
}

#[test]
fn broadcasting_scalars() {
    let s: Vec<f64> = bin(BinaryOp::Sub, &[10.0], &[1.0, 2.0, 3.0], DType::F64);
    assert_eq!(s, [9.0, 8.0, 7.0]);
    let s: Vec<f64> = bin(BinaryOp::Sub, &[1.0, 2.0, 3.0], &[10.0], DType::F64);
    assert_eq!(s, [-9.0, -8.0, -7.0]);
    let c: Vec<u8> = bin(BinaryOp::Lt, &[1i64, 5, 9], &[5i64], DType::I64);
    assert_eq!(c, [1, 0, 0]);
    let mut out = [0u8; 16];
    let err = binary(
        BinaryOp::Add,
        op(&[1.0f64, 2.0], DType::F64),
        op(&[1.0f64; 3], DType::F64),
        &mut out,
        DType::F64,
    );
    assert!(err.is_err());
}

#[test]
fn bool_and_logical_ops() {
    let t: Vec<u8> = bin(BinaryOp::Add, &[0u8, 1, 0, 1], &[0u8, 0, 1, 1], DType::Bool);
    assert_eq!(t, [0, 1, 1, 1]);
    let t: Vec<u8> = bin(BinaryOp::Mul, &[0u8, 1, 0, 1], &[0u8, 0, 1, 1], DType::Bool);
    assert_eq!(t, [0, 0, 0, 1]);
    let t: Vec<u8> = bin(
        BinaryOp::And,
        &[0.0, f64::NAN, -0.0, 2.0],
        &[1.0, 1.0, 1.0, 1.0],
        DType::F64,
    );
    assert_eq!(t, [0, 1, 0, 1]);
    let t: Vec<u8> = bin(BinaryOp::Or, &[0i16, 0, 3], &[0i16, 4, 0], DType::I16);
    assert_eq!(t, [0, 1, 1]);
}

#[test]
fn operands_must_be_in_compute_dtype() {
    let mut out = [0u8; 8];
    let r = binary(
        BinaryOp::Div,
        op(&[1i32, 2], DType::I32),
        op(&[1i32, 2], DType::I32),
        &mut out,
        DType::F64,
    );
    assert!(r.is_err());
    let r = binary(
        BinaryOp::Add,
        op(&[1i32], DType::I32),
        op(&[1i64], DType::I64),
        &mut out,
        DType::I64,
    );
    assert!(r.is_err());
}

#[test]
fn unary_ops() {
    let a = [1.0f64, -4.0, f64::NAN, 0.0];
    let mut out = [0.0f64; 4];
    unary(
        UnaryOp::Abs,
        op(&a, DType::F64),
        cast_slice_mut(&mut out),
        DType::F64,
    )
    .unwrap();
    assert_eq!(out[..2], [1.0, 4.0]);
    let mut b = [0u8; 4];
    unary(UnaryOp::IsNan, op(&a, DType::F64), &mut b, DType::Bool).unwrap();
    assert_eq!(b, [0, 0, 1, 0]);
    unary(UnaryOp::Not, op(&a, DType::F64), &mut b, DType::Bool).unwrap();
    assert_eq!(b, [0, 0, 0, 1]);
    let mut i = [0i8; 2];
    unary(
        UnaryOp::Neg,
        op(&[-128i8, 5], DType::I8),
        cast_slice_mut(&mut i),
        DType::I8,
    )
    .unwrap();
    assert_eq!(i, [-128, -5]);
    unary(
        UnaryOp::Abs,
        op(&[-128i8, -5], DType::I8),
        cast_slice_mut(&mut i),
        DType::I8,
    )
    .unwrap();
    assert_eq!(i, [-128, 5]);
    let h: Vec<f16> = [2.0f32, 3.0, 10.0]
        .iter()
        .map(|&x| f16::from_f32(x))
        .collect();
    let mut o = [f16::ZERO; 3];
    unary(
        UnaryOp::Sqrt,
        op(&h, DType::F16),
        cast_slice_mut(&mut o),
        DType::F16,
    )
    .unwrap();
    let got: Vec<f64> = o.iter().map(|x| x.to_f64()).collect();
    assert_eq!(got, [1.4140625, 1.732421875, 3.162109375]);
    let mut e = [0.0f64; 1];
    assert!(
        unary(
            UnaryOp::Exp,
            op(&[1i32], DType::I32),
            cast_slice_mut(&mut e),
            DType::F64
        )
        .is_err()
    );
}

fn cast_to<T: Pod, O: Pod + Default>(a: &[T], from: DType, to: DType) -> Vec<O> {
    let mut out = vec![O::default(); a.len()];
    try_cast(op(a, from), cast_slice_mut(&mut out), to).unwrap();
    out
}

#[test]
fn casts_follow_numpy_astype() {
    let v: Vec<i8> = cast_to(&[1.9f64, -1.9, 127.4, -128.6], DType::F64, DType::I8);
    assert_eq!(v, [1, -1, 127, -128]);
    let v: Vec<i8> = cast_to(&[300i64, -129, 255], DType::I64, DType::I8);
    assert_eq!(v, [44, 127, -1]);
    let v: Vec<u8> = cast_to(&[0.0f64, -0.0, f64::NAN, 0.1], DType::F64, DType::Bool);
    assert_eq!(v, [0, 0, 1, 1]);
    let v: Vec<f16> = cast_to(&[1.0 / 3.0, 65519.0, 65520.0, 1e-8], DType::F64, DType::F16);
    let v: Vec<f64> = v.iter().map(|x| x.to_f64()).collect();
    assert_eq!(v, [0.333251953125, 65504.0, f64::INFINITY, 0.0]);
    let v: Vec<f32> = cast_to(&[0u8, 1], DType::Bool, DType::F32);
    assert_eq!(v, [0.0, 1.0]);
    // saturation (documented; numpy is platform-dependent here)
    let v: Vec<i32> = cast_to(&[f64::NAN, f64::INFINITY, -1e300], DType::F64, DType::I32);
    assert_eq!(v, [0, i32::MAX, i32::MIN]);
    let v: Vec<u64> = cast_to(&[f16::from_f32(3.7)], DType::F16, DType::U64);
    assert_eq!(v, [3]);
}

#[test]
fn cast_broadcasts_and_refuses_bad_buffers() {
    let mut out = [0.0f32; 3];
    try_cast(
        op(&[7i64], DType::I64),
        cast_slice_mut(&mut out),
        DType::F32,
    )
    .unwrap();
    assert_eq!(out, [7.0; 3]);
    let mut odd = [0u8; 5];
    assert!(try_cast(op(&[1i64, 2], DType::I64), &mut odd, DType::I16).is_err());
    cast(op(&[1i64, 2], DType::I64), &mut odd, DType::I16);
    assert_eq!(odd, [0; 5]);
}

#[test]
fn where_selects_with_broadcast() {
    let c = [1u8, 0, 1, 0];
    let mut out = [0i32; 4];
    try_where_select(
        op(&c, DType::Bool),
        op(&[1i32, 2, 3, 4], DType::I32),
        op(&[-1i32], DType::I32),
        cast_slice_mut(&mut out),
    )
    .unwrap();
    assert_eq!(out, [1, -1, 3, -1]);
    try_where_select(
        op(&[0u8], DType::Bool),
        op(&[1i32, 2, 3, 4], DType::I32),
        op(&[9i32, 8, 7, 6], DType::I32),
        cast_slice_mut(&mut out),
    )
    .unwrap();
    assert_eq!(out, [9, 8, 7, 6]);
    assert!(
        try_where_select(
            op(&c, DType::Bool),
            op(&[1i32], DType::I32),
            op(&[1i64], DType::I64),
            cast_slice_mut(&mut out)
        )
        .is_err()
    );
}

#[test]
fn misaligned_input_is_an_error_not_a_panic() {
    let words = [0u64; 3];
    let bytes: &[u8] = cast_slice(&words);
    let mut out = [0u8; 16];
    let r = binary(
        BinaryOp::Add,
        Operand::new(&bytes[1..17], DType::F64),
        Operand::new(&bytes[1..17], DType::F64),
        &mut out,
        DType::F64,
    );
    assert!(r.is_err());
}

proptest::proptest! {
    #[test]
    fn i64_floor_div_rem_match_python(a in proptest::num::i64::ANY, b in proptest::num::i64::ANY) {
        let q: Vec<i64> = bin(BinaryOp::FloorDiv, &[a], &[b], DType::I64);
        let r: Vec<i64> = bin(BinaryOp::Rem, &[a], &[b], DType::I64);
        if b != 0 && !(a == i64::MIN && b == -1) {
            let (a, b) = (i128::from(a), i128::from(b));
            let t = a / b;
            let floor = if a % b != 0 && ((a < 0) != (b < 0)) { t - 1 } else { t };
            proptest::prop_assert_eq!(i128::from(q[0]), floor);
            proptest::prop_assert_eq!(i128::from(r[0]), a - floor * b);
        }
    }
}

mod numpy_cases;

/// One unary ufunc over edge values of one dtype, with numpy's result dtype and values
/// (`None` where numpy raises).
pub(super) struct UnaryCase {
    pub op: UnaryOp,
    pub dtype: DType,
    pub input: &'static [f64],
    pub expected: Option<(DType, &'static [f64])>,
    /// Largest distance in units of the last place allowed (0: bit-exact).
    pub ulps: u32,
}

/// One binary ufunc over pairs of edge values of one dtype (both operands).
pub(super) struct BinaryCase {
    pub op: BinaryOp,
    pub dtype: DType,
    pub a: &'static [f64],
    pub b: &'static [f64],
    pub expected: Option<(DType, &'static [f64])>,
    pub ulps: u32,
}

/// `values` (exactly representable) as a block of `dtype`, in 8-byte words.
fn block_of(values: &[f64], dtype: DType) -> Vec<u64> {
    let mut out = vec![0u64; (values.len() * dtype.size()).div_ceil(8)];
    let bytes = &mut cast_slice_mut::<u64, u8>(&mut out)[..values.len() * dtype.size()];
    try_cast(op(values, DType::F64), bytes, dtype).unwrap();
    out
}

/// A block of `n` elements of `dtype`, back as f64 (exact for every value the tables use).
fn to_f64(words: &[u64], n: usize, dtype: DType) -> Vec<f64> {
    let mut out = vec![0.0f64; n];
    let bytes = &cast_slice::<u64, u8>(words)[..n * dtype.size()];
    try_cast(
        Operand::new(bytes, dtype),
        cast_slice_mut(&mut out),
        DType::F64,
    )
    .unwrap();
    out
}

/// Distance in units of the last place of `dtype` between two finite or infinite
/// values of it (as f64); bit-exact equality, with NaN equal to NaN, is distance 0.
fn ulps_apart(x: f64, y: f64, dtype: DType) -> u64 {
    if (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits() {
        return 0;
    }
    if x.is_nan() || y.is_nan() || (x == 0.0 && y == 0.0) {
        return u64::MAX;
    }
    let ordered = |v: f64| -> i64 {
        let bits: i64 = match dtype {
            DType::F16 => i64::from(f16::from_f64(v).to_bits() as i16),
            DType::F32 => i64::from((v as f32).to_bits() as i32),
            DType::F64 => v.to_bits() as i64,
            _ => return i64::MIN,
        };
        if bits < 0 { i64::MIN - bits } else { bits }
    };
    if !dtype.is_float() {
        return u64::MAX;
    }
    ordered(x).abs_diff(ordered(y))
}

/// Mismatches of `got` against numpy's `expected`, one line each; `inputs(i)` describes
/// element i's operands. `any_zero` takes +0.0 and -0.0 as equal (numpy's fmax/fmin pick
/// either sign, by platform and SIMD path).
fn mismatches(
    what: &str,
    got: &[f64],
    expected: &[f64],
    (dtype, ulps, any_zero): (DType, u32, bool),
    inputs: impl Fn(usize) -> String,
) -> Vec<String> {
    assert_eq!(got.len(), expected.len(), "{what}");
    let mut bad = Vec::new();
    for (i, (g, e)) in got.iter().zip(expected).enumerate() {
        let d = if any_zero && *g == 0.0 && *e == 0.0 {
            0
        } else {
            ulps_apart(*g, *e, dtype)
        };
        if d > u64::from(ulps) {
            bad.push(format!(
                "{what} at {}: got {g:?}, numpy gives {e:?} ({d} ulps apart)",
                inputs(i)
            ));
        }
    }
    bad
}

#[test]
fn unary_ufuncs_match_numpy_tables() {
    let mut bad = Vec::new();
    for case in numpy_cases::UNARY {
        let what = format!("{}({})", case.op.name(), case.dtype);
        let types = case.op.types(case.dtype);
        let Some((out_dtype, expected)) = case.expected else {
            assert!(types.is_err(), "{what}: numpy refuses it");
            continue;
        };
        let (compute, out) = types.unwrap();
        assert_eq!(out, out_dtype, "{what}: result dtype");
        let n = case.input.len();
        let input = block_of(case.input, case.dtype);
        let mut cast_input = vec![0u64; (n * compute.size()).div_ceil(8)];
        try_cast(
            Operand::new(&cast_slice(&input)[..n * case.dtype.size()], case.dtype),
            &mut cast_slice_mut(&mut cast_input)[..n * compute.size()],
            compute,
        )
        .unwrap();
        let mut result = vec![0u64; (n * out.size()).div_ceil(8)];
        unary(
            case.op,
            Operand::new(&cast_slice(&cast_input)[..n * compute.size()], compute),
            &mut cast_slice_mut(&mut result)[..n * out.size()],
            out,
        )
        .unwrap();
        let got = to_f64(&result, n, out);
        let spec = (out, case.ulps, false);
        bad.extend(mismatches(&what, &got, expected, spec, |i| {
            format!("{:?}", case.input[i])
        }));
    }
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn binary_ufuncs_match_numpy_tables() {
    let mut bad = Vec::new();
    for case in numpy_cases::BINARY {
        let what = format!("{}({})", case.op.name(), case.dtype);
        let types = case.op.types(case.dtype, case.dtype);
        let (a, b) = (block_of(case.a, case.dtype), block_of(case.b, case.dtype));
        let (na, nb) = (case.a.len(), case.b.len());
        let n = na.max(nb);
        let Ok((compute, out)) = types else {
            assert!(
                case.expected.is_none(),
                "{what}: refused, numpy computes it"
            );
            continue;
        };
        let cast = |words: &[u64], len: usize| {
            let mut c = vec![0u64; (len * compute.size()).div_ceil(8)];
            try_cast(
                Operand::new(&cast_slice(words)[..len * case.dtype.size()], case.dtype),
                &mut cast_slice_mut(&mut c)[..len * compute.size()],
                compute,
            )
            .unwrap();
            c
        };
        let (ca, cb) = (cast(&a, na), cast(&b, nb));
        let mut result = vec![0u64; (n * out.size()).div_ceil(8)];
        let r = binary(
            case.op,
            Operand::new(&cast_slice(&ca)[..na * compute.size()], compute),
            Operand::new(&cast_slice(&cb)[..nb * compute.size()], compute),
            &mut cast_slice_mut(&mut result)[..n * out.size()],
            out,
        );
        let Some((out_dtype, expected)) = case.expected else {
            let err = r.expect_err(&what).to_string();
            assert!(!err.contains('\n'), "{what}: one line: {err}");
            continue;
        };
        r.unwrap();
        assert_eq!(out, out_dtype, "{what}: result dtype");
        let got = to_f64(&result, n, out);
        let any_zero = matches!(case.op, BinaryOp::Fmax | BinaryOp::Fmin);
        let spec = (out, case.ulps, any_zero);
        bad.extend(mismatches(&what, &got, expected, spec, |i| {
            format!("({:?}, {:?})", case.a[i % na], case.b[i % nb])
        }));
    }
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}
