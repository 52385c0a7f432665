//! Every operation of the lazy engine against small in-memory oracles written over
//! ndarray: elementwise binary/unary operators with numpy 2 type promotion (checked
//! against a table produced by numpy itself), casts, clip, where, every reduction,
//! slicing, transposes, rechunks, matrix products, map_blocks and chains of them, over
//! random 1-4-D shapes, dtypes and chunkings. Integers and bools must match exactly;
//! floats within 1e-12 relative (f64), 1e-6 (f32) or 1e-3 (f16).
//!
//! The oracle keeps every element as a `V` (bool, i128 or f64 holding a value already
//! rounded to its dtype) and follows numpy's rules element by element: integers wrap,
//! floor division and remainder follow Python's signs (numpy's `npy_divmod` for floats),
//! integer division by zero gives 0 (tessera's documented choice), an integer to a
//! negative integer power is refused (as numpy's `ValueError`), min/max propagate NaN, the nan*
//! reductions skip it, argmin/argmax take the first occurrence (the first NaN if any).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use half::f16;
use ndarray::{ArrayD, Axis, Dimension, IxDyn, Zip};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::ValueTree;
use tessera::Operand;
use tessera::kernels::elementwise::{BinaryOp, UnaryOp};
use tessera::kernels::promote::Scalar;
use tessera::kernels::reduce::ReduceOp;
use tessera::store::memory::MemorySource;
use tessera::{Array, Chunk, Context, DType, SliceItem};

// ----- numpy's dtypes, as numpy 2.4 computed them ----------------------------------------

/// `np.<ufunc>(lhs, rhs).dtype` for the ufuncs of `BINARY` (in that order), with `err`
/// where numpy raises. `s:bool`, `s:int`, `s:float` are Python literals (NEP 50 weak
/// scalars); the last lines are the unary ufuncs of `UNARY`. Produced by:
///
/// ```python
/// ops = ['add','subtract','multiply','true_divide','floor_divide','remainder','power',
///        'less','less_equal','greater','greater_equal','equal','not_equal',
///        'logical_and','logical_or','maximum','minimum']
/// for l in dtypes: for r in dtypes + literals: getattr(np, f)(np.ones(2, l), r).dtype ...
/// ```
const NUMPY_DTYPES: &str = "
f64 f64: f64 f64 f64 f64 f64 f64 f64 bool bool bool bool bool bool bool bool f64 f64
f64 f32: f64 f64 f64 f64 f64 f64 f64 bool bool bool bool bool bool bool bool f64 f64
f64 i32: f64 f64 f64 f64 f64 f64 f64 bool bool bool bool bool bool bool bool f64 f64
f64 i64: f64 f64 f64 f64 f64 f64 f64 bool bool bool bool bool bool bool bool f64 f64
f64 u8: f64 f64 f64 f64 f64 f64 f64 bool bool bool bool bool bool bool bool f64 f64
f64 bool: f64 f64 f64 f64 f64 f64 f64 bool bool bool bool bool bool bool bool f64 f64
f64 s:bool: f64 f64 f64 f64 f64 f64 f64 bool bool bool bool bool bool bool bool f64 f64
f64 s:int: f64 f64 f64 f64 f64 f64 f64 bool bool bool bool bool bool bool bool f64 f64
f64 s:float: f64 f64 f64 f64 f64 f64 f64 bool bool bool bool bool bool bool bool f64 f64
s:bool f64: f64 f64 f64 f64 f64 f64 f64 bool bool bool bool bool bool bool bool f64 f64
s:int f64: f64 f64 f64 f64 f64 f64 f64 bool bool bool bool bool bool bool bool f64 f64
s:float f64: f64 f64 f64 f64 f64 f64 f64 bool bool bool bool bool bool bool bool f64 f64
f32 f64: f64 f64 f64 f64 f64 f64 f64 bool bool bool bool bool bool bool bool f64 f64
f32 f32: f32 f32 f32 f32 f32 f32 f32 bool bool bool bool bool bool bool bool f32 f32
f32 i32: f64 f64 f64 f64 f64 f64 f64 bool bool bool bool bool bool bool bool f64 f64
f32 i64: f64 f64 f64 f64 f64 f64 f64 bool bool bool bool bool bool bool bool f64 f64
f32 u8: f32 f32 f32 f32 f32 f32 f32 bool bool bool bool bool bool bool bool f32 f32
f32 bool: f32 f32 f32 f32 f32 f32 f32 bool bool bool bool bool bool bool bool f32 f32
f32 s:bool: f32 f32 f32 f32 f32 f32 f32 bool bool bool bool bool bool bool bool f32 f32
f32 s:int: f32 f32 f32 f32 f32 f32 f32 bool bool bool bool bool bool bool bool f32 f32
f32 s:float: f32 f32 f32 f32 f32 f32 f32 bool bool bool bool bool bool bool bool f32 f32
s:bool f32: f32 f32 f32 f32 f32 f32 f32 bool bool bool bool bool bool bool bool f32 f32
s:int f32: f32 f32 f32 f32 f32 f32 f32 bool bool bool bool bool bool bool bool f32 f32
s:float f32: f32 f32 f32 f32 f32 f32 f32 bool bool bool bool bool bool bool bool f32 f32
i32 f64: f64 f64 f64 f64 f64 f64 f64 bool bool bool bool bool bool bool bool f64 f64
i32 f32: f64 f64 f64 f64 f64 f64 f64 bool bool bool bool bool bool bool bool f64 f64
i32 i32: i32 i32 i32 f64 i32 i32 i32 bool bool bool bool bool bool bool bool i32 i32
i32 i64: i64 i64 i64 f64 i64 i64 i64 bool bool bool bool bool bool bool bool i64 i64
i32 u8: i32 i32 i32 f64 i32 i32 i32 bool bool bool bool bool bool bool bool i32 i32
i32 bool: i32 i32 i32 f64 i32 i32 i32 bool bool bool bool bool bool bool bool i32 i32
i32 s:bool: i32 i32 i32 f64 i32 i32 i32 bool bool bool bool bool bool bool bool i32 i32
i32 s:int: i32 i32 i32 f64 i32 i32 i32 bool bool bool bool bool bool bool bool i32 i32
i32 s:float: f64 f64 f64 f64 f64 f64 f64 bool bool bool bool bool bool bool bool f64 f64
s:bool i32: i32 i32 i32 f64 i32 i32 i32 bool bool bool bool bool bool bool bool i32 i32
s:int i32: i32 i32 i32 f64 i32 i32 i32 bool bool bool bool bool bool bool bool i32 i32
s:float i32: f64 f64 f64 f64 f64 f64 f64 bool bool bool bool bool bool bool bool f64 f64
i64 f64: f64 f64 f64 f64 f64 f64 f64 bool bool bool bool bool bool bool bool f64 f64
i64 f32: f64 f64 f64 f64 f64 f64 f64 bool bool bool bool bool bool bool bool f64 f64
i64 i32: i64 i64 i64 f64 i64 i64 i64 bool bool bool bool bool bool bool bool i64 i64
i64 i64: i64 i64 i64 f64 i64 i64 i64 bool bool bool bool bool bool bool bool i64 i64
i64 u8: i64 i64 i64 f64 i64 i64 i64 bool bool bool bool bool bool bool bool i64 i64
i64 bool: i64 i64 i64 f64 i64 i64 i64 bool bool bool bool bool bool bool bool i64 i64
i64 s:bool: i64 i64 i64 f64 i64 i64 i64 bool bool bool bool bool bool bool bool i64 i64
i64 s:int: i64 i64 i64 f64 i64 i64 i64 bool bool bool bool bool bool bool bool i64 i64
i64 s:float: f64 f64 f64 f64 f64 f64 f64 bool bool bool bool bool bool bool bool f64 f64
s:bool i64: i64 i64 i64 f64 i64 i64 i64 bool bool bool bool bool bool bool bool i64 i64
s:int i64: i64 i64 i64 f64 i64 i64 i64 bool bool bool bool bool bool bool bool i64 i64
s:float i64: f64 f64 f64 f64 f64 f64 f64 bool bool bool bool bool bool bool bool f64 f64
u8 f64: f64 f64 f64 f64 f64 f64 f64 bool bool bool bool bool bool bool bool f64 f64
u8 f32: f32 f32 f32 f32 f32 f32 f32 bool bool bool bool bool bool bool bool f32 f32
u8 i32: i32 i32 i32 f64 i32 i32 i32 bool bool bool bool bool bool bool bool i32 i32
u8 i64: i64 i64 i64 f64 i64 i64 i64 bool bool bool bool bool bool bool bool i64 i64
u8 u8: u8 u8 u8 f64 u8 u8 u8 bool bool bool bool bool bool bool bool u8 u8
u8 bool: u8 u8 u8 f64 u8 u8 u8 bool bool bool bool bool bool bool bool u8 u8
u8 s:bool: u8 u8 u8 f64 u8 u8 u8 bool bool bool bool bool bool bool bool u8 u8
u8 s:int: u8 u8 u8 f64 u8 u8 u8 bool bool bool bool bool bool bool bool u8 u8
u8 s:float: f64 f64 f64 f64 f64 f64 f64 bool bool bool bool bool bool bool bool f64 f64
s:bool u8: u8 u8 u8 f64 u8 u8 u8 bool bool bool bool bool bool bool bool u8 u8
s:int u8: u8 u8 u8 f64 u8 u8 u8 bool bool bool bool bool bool bool bool u8 u8
s:float u8: f64 f64 f64 f64 f64 f64 f64 bool bool bool bool bool bool bool bool f64 f64
bool f64: f64 f64 f64 f64 f64 f64 f64 bool bool bool bool bool bool bool bool f64 f64
bool f32: f32 f32 f32 f32 f32 f32 f32 bool bool bool bool bool bool bool bool f32 f32
bool i32: i32 i32 i32 f64 i32 i32 i32 bool bool bool bool bool bool bool bool i32 i32
bool i64: i64 i64 i64 f64 i64 i64 i64 bool bool bool bool bool bool bool bool i64 i64
bool u8: u8 u8 u8 f64 u8 u8 u8 bool bool bool bool bool bool bool bool u8 u8
bool bool: bool err bool f64 i8 i8 i8 bool bool bool bool bool bool bool bool bool bool
bool s:bool: bool err bool f64 i8 i8 i8 bool bool bool bool bool bool bool bool bool bool
bool s:int: i64 i64 i64 f64 i64 i64 i64 bool bool bool bool bool bool bool bool i64 i64
bool s:float: f64 f64 f64 f64 f64 f64 f64 bool bool bool bool bool bool bool bool f64 f64
s:bool bool: bool err bool f64 i8 i8 i8 bool bool bool bool bool bool bool bool bool bool
s:int bool: i64 i64 i64 f64 i64 i64 i64 bool bool bool bool bool bool bool bool i64 i64
s:float bool: f64 f64 f64 f64 f64 f64 f64 bool bool bool bool bool bool bool bool f64 f64
unary f64: f64 f64 f64 f64 f64 f64 f64 bool bool
unary f32: f32 f32 f32 f32 f32 f32 f32 bool bool
unary i32: i32 i32 f64 f64 f64 f64 f64 bool bool
unary i64: i64 i64 f64 f64 f64 f64 f64 bool bool
unary u8: u8 u8 f16 f16 f16 f16 f16 bool bool
unary bool: err bool f16 f16 f16 f16 f16 bool bool
";

const BINARY: [BinaryOp; 17] = [
    BinaryOp::Add,
    BinaryOp::Sub,
    BinaryOp::Mul,
    BinaryOp::Div,
    BinaryOp::FloorDiv,
    BinaryOp::Rem,
    BinaryOp::Pow,
    BinaryOp::Lt,
    BinaryOp::Le,
    BinaryOp::Gt,
    BinaryOp::Ge,
    BinaryOp::Eq,
    BinaryOp::Ne,
    BinaryOp::And,
    BinaryOp::Or,
    BinaryOp::Maximum,
    BinaryOp::Minimum,
];

const UNARY: [UnaryOp; 9] = [
    UnaryOp::Neg,
    UnaryOp::Abs,
    UnaryOp::Sqrt,
    UnaryOp::Exp,
    UnaryOp::Log,
    UnaryOp::Sin,
    UnaryOp::Cos,
    UnaryOp::Not,
    UnaryOp::IsNan,
];

/// The dtypes the properties draw from.
const DTYPES: [DType; 6] = [
    DType::F64,
    DType::F32,
    DType::I32,
    DType::I64,
    DType::U8,
    DType::Bool,
];

fn short(d: DType) -> &'static str {
    match d {
        DType::Bool => "bool",
        DType::I8 => "i8",
        DType::I16 => "i16",
        DType::I32 => "i32",
        DType::I64 => "i64",
        DType::U8 => "u8",
        DType::U16 => "u16",
        DType::U32 => "u32",
        DType::U64 => "u64",
        DType::F16 => "f16",
        DType::F32 => "f32",
        DType::F64 => "f64",
    }
}

fn numpy_table() -> &'static HashMap<String, Vec<Option<DType>>> {
    static TABLE: OnceLock<HashMap<String, Vec<Option<DType>>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        NUMPY_DTYPES
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|line| {
                // keys like "s:int f64" hold colons of their own: split at ": "
                let (key, outs) = line.split_once(": ").unwrap_or((line, ""));
                let outs = outs
                    .split_whitespace()
                    .map(|s| if s == "err" { None } else { DType::parse(s) })
                    .collect();
                (key.trim().to_string(), outs)
            })
            .collect()
    })
}

/// One side of an elementwise operation, as the dtype table names it.
#[derive(Clone, Copy, Debug)]
enum Side {
    Arr(DType),
    Lit(Scalar),
}

impl Side {
    fn key(self) -> &'static str {
        match self {
            Side::Arr(d) => short(d),
            Side::Lit(Scalar::Bool(_)) => "s:bool",
            Side::Lit(Scalar::Int(_)) => "s:int",
            Side::Lit(Scalar::Float(_)) => "s:float",
        }
    }
}

/// numpy's output dtype of `lhs op rhs` (None: numpy refuses).
fn numpy_binary(op: BinaryOp, lhs: Side, rhs: Side) -> Option<DType> {
    let key = format!("{} {}", lhs.key(), rhs.key());
    let row = numpy_table()
        .get(&key)
        .unwrap_or_else(|| panic!("no numpy row for {key}"));
    let at = BINARY.iter().position(|o| *o == op).unwrap();
    row[at]
}

/// `(compute dtype, output dtype)` of `lhs op rhs`: comparisons and logical operators
/// compare in the promoted dtype (numpy's `maximum` dtype), everything else computes in
/// its output dtype.
fn numpy_binary_types(op: BinaryOp, lhs: Side, rhs: Side) -> Option<(DType, DType)> {
    let out = numpy_binary(op, lhs, rhs)?;
    let compare = matches!(
        op,
        BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::And
            | BinaryOp::Or
    );
    let compute = if compare {
        numpy_binary(BinaryOp::Maximum, lhs, rhs)?
    } else {
        out
    };
    Some((compute, out))
}

fn numpy_unary(op: UnaryOp, input: DType) -> Option<DType> {
    let row = &numpy_table()[&format!("unary {}", short(input))];
    row[UNARY.iter().position(|o| *o == op).unwrap()]
}

/// numpy's dtype of a reduction's result.
fn numpy_reduce_dtype(op: ReduceOp, input: DType) -> DType {
    let unsigned = matches!(input, DType::U8 | DType::U16 | DType::U32 | DType::U64);
    match op {
        ReduceOp::Sum | ReduceOp::Prod | ReduceOp::NanSum if input.is_float() => input,
        ReduceOp::Sum | ReduceOp::Prod | ReduceOp::NanSum if unsigned => DType::U64,
        ReduceOp::Sum | ReduceOp::Prod | ReduceOp::NanSum => DType::I64,
        ReduceOp::Mean | ReduceOp::NanMean | ReduceOp::Var { .. } | ReduceOp::Std { .. } => {
            if input.is_float() { input } else { DType::F64 }
        }
        ReduceOp::Min | ReduceOp::Max | ReduceOp::NanMin | ReduceOp::NanMax => input,
        ReduceOp::Count | ReduceOp::ArgMin | ReduceOp::ArgMax => DType::I64,
        ReduceOp::Any | ReduceOp::All => DType::Bool,
        _ => unimplemented!("no numpy dtype oracle for {op:?}"),
    }
}

// ----- oracle values ---------------------------------------------------------------------

/// One element: a bool, an integer of any dtype, or a float already rounded to its dtype.
#[derive(Clone, Copy, Debug, PartialEq)]
enum V {
    B(bool),
    I(i128),
    F(f64),
}

/// An oracle array: dtype and values.
#[derive(Clone, Debug)]
struct Tv {
    dtype: DType,
    a: ArrayD<V>,
}

impl Tv {
    fn shape(&self) -> Vec<u64> {
        self.a.shape().iter().map(|n| *n as u64).collect()
    }
}

fn is_int(d: DType) -> bool {
    !d.is_float() && d != DType::Bool
}

fn wrap(i: i128, d: DType) -> i128 {
    match d {
        DType::I8 => i as i8 as i128,
        DType::I16 => i as i16 as i128,
        DType::I32 => i as i32 as i128,
        DType::I64 => i as i64 as i128,
        DType::U8 => i as u8 as i128,
        DType::U16 => i as u16 as i128,
        DType::U32 => i as u32 as i128,
        DType::U64 => i as u64 as i128,
        _ => panic!("wrap to {d}"),
    }
}

fn int_bounds(d: DType) -> (i128, i128) {
    match d {
        DType::I8 => (i8::MIN as i128, i8::MAX as i128),
        DType::I16 => (i16::MIN as i128, i16::MAX as i128),
        DType::I32 => (i32::MIN as i128, i32::MAX as i128),
        DType::I64 => (i64::MIN as i128, i64::MAX as i128),
        DType::U8 => (0, u8::MAX as i128),
        DType::U16 => (0, u16::MAX as i128),
        DType::U32 => (0, u32::MAX as i128),
        DType::U64 => (0, u64::MAX as i128),
        _ => panic!("bounds of {d}"),
    }
}

fn round_to(x: f64, d: DType) -> f64 {
    match d {
        DType::F16 => f16::from_f64(x).to_f64(),
        DType::F32 => x as f32 as f64,
        _ => x,
    }
}

/// numpy's `astype` with tessera's documented choices for float -> int (truncate,
/// saturate, NaN -> 0).
fn cast(v: V, to: DType) -> V {
    if to == DType::Bool {
        return V::B(match v {
            V::B(b) => b,
            V::I(i) => i != 0,
            V::F(x) => x != 0.0,
        });
    }
    if to.is_float() {
        return V::F(match v {
            V::B(b) => u8::from(b) as f64,
            V::I(i) => match to {
                DType::F32 => i as f32 as f64,
                DType::F16 => f16::from_f64(i as f64).to_f64(),
                _ => i as f64,
            },
            V::F(x) => round_to(x, to),
        });
    }
    V::I(match v {
        V::B(b) => i128::from(b),
        V::I(i) => wrap(i, to),
        V::F(x) if x.is_nan() => 0,
        V::F(x) => {
            let (lo, hi) = int_bounds(to);
            (x.trunc() as i128).clamp(lo, hi)
        }
    })
}

fn scalar_value(s: Scalar) -> V {
    match s {
        Scalar::Bool(b) => V::B(b),
        Scalar::Int(i) => V::I(i as i128),
        Scalar::Float(x) => V::F(x),
    }
}

fn truthy(v: V) -> bool {
    match v {
        V::B(b) => b,
        V::I(i) => i != 0,
        V::F(x) => x != 0.0,
    }
}

/// numpy's `npy_divmod` (floor division and Python's remainder) for floats.
macro_rules! divmod {
    ($name:ident, $t:ty) => {
        fn $name(a: $t, b: $t) -> ($t, $t) {
            let m = a % b;
            if b == 0.0 {
                return (a / b, m);
            }
            let mut div = (a - m) / b;
            let mut m = m;
            if m != 0.0 {
                if (b < 0.0) != (m < 0.0) {
                    m += b;
                    div -= 1.0;
                }
            } else {
                m = (0.0 as $t).copysign(b);
            }
            let q = if div != 0.0 {
                let f = div.floor();
                if div - f > 0.5 { f + 1.0 } else { f }
            } else {
                (0.0 as $t).copysign(a / b)
            };
            (q, m)
        }
    };
}
divmod!(divmod64, f64);
divmod!(divmod32, f32);

macro_rules! float_arith {
    ($op:expr, $a:expr, $b:expr, $divmod:ident) => {{
        let (a, b) = ($a, $b);
        match $op {
            BinaryOp::Add => a + b,
            BinaryOp::Sub => a - b,
            BinaryOp::Mul => a * b,
            BinaryOp::Div => a / b,
            BinaryOp::FloorDiv => $divmod(a, b).0,
            BinaryOp::Rem => $divmod(a, b).1,
            BinaryOp::Pow => a.powf(b),
            BinaryOp::Maximum => {
                if a.is_nan() || (!b.is_nan() && a >= b) {
                    a
                } else {
                    b
                }
            }
            BinaryOp::Minimum => {
                if a.is_nan() || (!b.is_nan() && a <= b) {
                    a
                } else {
                    b
                }
            }
            other => panic!("{other:?} is not arithmetic"),
        }
    }};
}

fn compare<T: PartialOrd>(op: BinaryOp, a: T, b: T) -> bool {
    match op {
        BinaryOp::Lt => a < b,
        BinaryOp::Le => a <= b,
        BinaryOp::Gt => a > b,
        BinaryOp::Ge => a >= b,
        BinaryOp::Eq => a == b,
        BinaryOp::Ne => a != b,
        other => panic!("{other:?} is not a comparison"),
    }
}

fn int_pow(base: i128, exp: i128, d: DType) -> i128 {
    if exp < 0 {
        return match base {
            1 => 1,
            -1 => {
                if exp % 2 == 0 {
                    1
                } else {
                    -1
                }
            }
            _ => 0,
        };
    }
    let (mut acc, mut base, mut e) = (1i128, base, exp as u128);
    while e > 0 {
        if e & 1 == 1 {
            acc = wrap(acc.wrapping_mul(base), d);
        }
        base = wrap(base.wrapping_mul(base), d);
        e >>= 1;
    }
    acc
}

/// `x op y` with both already in the compute dtype `c`.
fn binop(op: BinaryOp, x: V, y: V, c: DType) -> V {
    match op {
        BinaryOp::And => return V::B(truthy(x) && truthy(y)),
        BinaryOp::Or => return V::B(truthy(x) || truthy(y)),
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge | BinaryOp::Eq | BinaryOp::Ne => {
            return V::B(match (x, y) {
                (V::B(a), V::B(b)) => compare(op, a, b),
                (V::I(a), V::I(b)) => compare(op, a, b),
                (V::F(a), V::F(b)) => compare(op, a, b),
                _ => panic!("mixed operands {x:?} {y:?}"),
            });
        }
        _ => {}
    }
    match (x, y) {
        (V::B(a), V::B(b)) => V::B(match op {
            BinaryOp::Add | BinaryOp::Maximum => a || b,
            BinaryOp::Mul | BinaryOp::Minimum => a && b,
            other => panic!("{other:?} on bools"),
        }),
        (V::I(a), V::I(b)) => V::I(wrap(
            match op {
                BinaryOp::Add => a + b,
                BinaryOp::Sub => a - b,
                BinaryOp::Mul => a.wrapping_mul(b),
                BinaryOp::FloorDiv if b == 0 => 0,
                BinaryOp::FloorDiv => {
                    let q = a / b;
                    if a % b != 0 && ((a < 0) != (b < 0)) {
                        q - 1
                    } else {
                        q
                    }
                }
                BinaryOp::Rem if b == 0 => 0,
                BinaryOp::Rem => {
                    let r = a % b;
                    if r != 0 && ((r < 0) != (b < 0)) {
                        r + b
                    } else {
                        r
                    }
                }
                BinaryOp::Pow => int_pow(a, b, c),
                BinaryOp::Maximum => a.max(b),
                BinaryOp::Minimum => a.min(b),
                other => panic!("{other:?} on ints"),
            },
            c,
        )),
        (V::F(a), V::F(b)) => V::F(match c {
            DType::F64 => float_arith!(op, a, b, divmod64),
            // f32 computes in f32; f16 computes in f32 and rounds, as numpy's loops do.
            _ => round_to(float_arith!(op, a as f32, b as f32, divmod32) as f64, c),
        }),
        _ => panic!("mixed operands {x:?} {y:?}"),
    }
}

/// `op x` with `x` already in the compute dtype `c`.
fn unop(op: UnaryOp, x: V, c: DType) -> V {
    match (op, x) {
        (UnaryOp::Not, v) => V::B(!truthy(v)),
        (UnaryOp::IsNan, V::F(f)) => V::B(f.is_nan()),
        (UnaryOp::IsNan, _) => V::B(false),
        (UnaryOp::Neg, V::I(i)) => V::I(wrap(-i, c)),
        (UnaryOp::Neg, V::F(f)) => V::F(-f),
        (UnaryOp::Abs, V::I(i)) => V::I(wrap(i.abs(), c)),
        (UnaryOp::Abs, V::F(f)) => V::F(f.abs()),
        (UnaryOp::Abs, V::B(b)) => V::B(b),
        (_, V::F(f)) => {
            macro_rules! math {
                ($x:expr) => {
                    match op {
                        UnaryOp::Sqrt => $x.sqrt(),
                        UnaryOp::Exp => $x.exp(),
                        UnaryOp::Log => $x.ln(),
                        UnaryOp::Sin => $x.sin(),
                        UnaryOp::Cos => $x.cos(),
                        other => panic!("{other:?}"),
                    }
                };
            }
            V::F(match c {
                DType::F64 => math!(f),
                _ => round_to(math!(f as f32) as f64, c),
            })
        }
        (op, x) => panic!("{op:?} of {x:?}"),
    }
}

// ----- oracle arrays <-> tessera ---------------------------------------------------------

fn to_chunk(t: &Tv) -> Chunk {
    let mut bytes = Vec::new();
    for &v in t.a.iter() {
        let v = cast(v, t.dtype);
        match (t.dtype, v) {
            (DType::Bool, V::B(b)) => bytes.push(u8::from(b)),
            (DType::I8, V::I(i)) => bytes.extend((i as i8).to_ne_bytes()),
            (DType::I16, V::I(i)) => bytes.extend((i as i16).to_ne_bytes()),
            (DType::I32, V::I(i)) => bytes.extend((i as i32).to_ne_bytes()),
            (DType::I64, V::I(i)) => bytes.extend((i as i64).to_ne_bytes()),
            (DType::U8, V::I(i)) => bytes.push(i as u8),
            (DType::U16, V::I(i)) => bytes.extend((i as u16).to_ne_bytes()),
            (DType::U32, V::I(i)) => bytes.extend((i as u32).to_ne_bytes()),
            (DType::U64, V::I(i)) => bytes.extend((i as u64).to_ne_bytes()),
            (DType::F16, V::F(x)) => bytes.extend(f16::from_f64(x).to_ne_bytes()),
            (DType::F32, V::F(x)) => bytes.extend((x as f32).to_ne_bytes()),
            (DType::F64, V::F(x)) => bytes.extend(x.to_ne_bytes()),
            (d, v) => panic!("{v:?} in a {d} array"),
        }
    }
    Chunk::from_bytes(t.dtype, &t.shape(), &bytes).unwrap()
}

fn from_chunk(c: &Chunk) -> Tv {
    fn ints<T: tessera::dtype::Element + Into<i128>>(c: &Chunk) -> Vec<V> {
        c.as_slice::<T>()
            .unwrap()
            .iter()
            .map(|&x| V::I(x.into()))
            .collect()
    }
    let values: Vec<V> = match c.dtype() {
        DType::Bool => c.bytes().iter().map(|&b| V::B(b != 0)).collect(),
        DType::I8 => ints::<i8>(c),
        DType::I16 => ints::<i16>(c),
        DType::I32 => ints::<i32>(c),
        DType::I64 => ints::<i64>(c),
        DType::U8 => ints::<u8>(c),
        DType::U16 => ints::<u16>(c),
        DType::U32 => ints::<u32>(c),
        DType::U64 => ints::<u64>(c),
        DType::F16 => c
            .as_slice::<f16>()
            .unwrap()
            .iter()
            .map(|x| V::F(x.to_f64()))
            .collect(),
        DType::F32 => c
            .as_slice::<f32>()
            .unwrap()
            .iter()
            .map(|&x| V::F(x as f64))
            .collect(),
        DType::F64 => c
            .as_slice::<f64>()
            .unwrap()
            .iter()
            .map(|&x| V::F(x))
            .collect(),
    };
    let shape: Vec<usize> = c.shape().iter().map(|n| *n as usize).collect();
    Tv {
        dtype: c.dtype(),
        a: ArrayD::from_shape_vec(IxDyn(&shape), values).unwrap(),
    }
}

fn lazy(t: &Tv, chunks: &[u64]) -> Array {
    let source = MemorySource::new(to_chunk(t), chunks).unwrap();
    Array::from_source(Arc::new(source))
}

fn ctx(threads: usize) -> Context {
    Context::with_limits(64 << 20, threads).unwrap()
}

fn default_tol(d: DType) -> f64 {
    match d {
        DType::F16 => 1e-3,
        DType::F32 => 1e-6,
        _ => 1e-12,
    }
}

fn close(g: f64, w: f64, tol: f64) -> bool {
    (g.is_nan() && w.is_nan()) || g == w || (g - w).abs() <= tol * w.abs().max(1.0)
}

/// Computes `got` and compares it with `want`: dtype, shape and values.
fn check(got: &Array, want: &Tv, threads: usize, what: &str) {
    check_tol(got, want, threads, default_tol(want.dtype), what)
}

fn check_tol(got: &Array, want: &Tv, threads: usize, tol: f64, what: &str) {
    assert_eq!(got.dtype(), want.dtype, "{what}: dtype of the lazy array");
    assert_eq!(
        got.shape(),
        &want.shape()[..],
        "{what}: shape of the lazy array"
    );
    let chunk = got
        .compute(&ctx(threads))
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let values = from_chunk(&chunk);
    assert_eq!(values.dtype, want.dtype, "{what}: computed dtype");
    assert_eq!(values.a.shape(), want.a.shape(), "{what}: computed shape");
    for (i, (g, w)) in values.a.iter().zip(want.a.iter()).enumerate() {
        let ok = match (g, w) {
            (V::F(g), V::F(w)) => close(*g, *w, tol),
            _ => g == w,
        };
        assert!(ok, "{what}: element {i}: got {g:?}, want {w:?}");
    }
}

// ----- oracle operations -----------------------------------------------------------------

fn broadcast_shape(a: &[usize], b: &[usize]) -> Vec<usize> {
    let n = a.len().max(b.len());
    (0..n)
        .map(|d| {
            let x = if d + a.len() >= n {
                a[d + a.len() - n]
            } else {
                1
            };
            let y = if d + b.len() >= n {
                b[d + b.len() - n]
            } else {
                1
            };
            if x == 1 { y } else { x }
        })
        .collect()
}

fn scalar_tv(s: Scalar) -> Tv {
    let dtype = match s {
        Scalar::Bool(_) => DType::Bool,
        Scalar::Int(_) => DType::I64,
        Scalar::Float(_) => DType::F64,
    };
    Tv {
        dtype,
        a: ArrayD::from_elem(IxDyn(&[]), scalar_value(s)),
    }
}

fn zip_map(x: &Tv, y: &Tv, dtype: DType, f: impl Fn(V, V) -> V) -> Tv {
    let shape = broadcast_shape(x.a.shape(), y.a.shape());
    let xb = x.a.broadcast(IxDyn(&shape)).unwrap();
    let yb = y.a.broadcast(IxDyn(&shape)).unwrap();
    Tv {
        dtype,
        a: Zip::from(&xb).and(&yb).map_collect(|&a, &b| f(a, b)),
    }
}

/// `x op y`. `sqrt_half`: numpy's `power` with one exponent element of 0.5 (a literal,
/// or for float32/64 a broadcast element too) is `sqrt` (differing from C's pow at -0.0
/// and -inf).
fn oracle_binary(
    op: BinaryOp,
    x: &Tv,
    y: &Tv,
    (compute, out): (DType, DType),
    sqrt_half: bool,
) -> Tv {
    let sqrt = sqrt_half
        && op == BinaryOp::Pow
        && compute.is_float()
        && y.a.len() == 1
        && y.a
            .iter()
            .all(|v| matches!(cast(*v, compute), V::F(h) if h == 0.5));
    zip_map(x, y, out, |a, b| match cast(a, compute) {
        V::F(f) if sqrt => V::F(round_to(f.sqrt(), compute)),
        a => binop(op, a, cast(b, compute), compute),
    })
}

fn oracle_where(cond: &Tv, x: &Tv, y: &Tv, dtype: DType) -> Tv {
    let shape = broadcast_shape(&broadcast_shape(cond.a.shape(), x.a.shape()), y.a.shape());
    let (c, xb, yb) = (
        cond.a.broadcast(IxDyn(&shape)).unwrap(),
        x.a.broadcast(IxDyn(&shape)).unwrap(),
        y.a.broadcast(IxDyn(&shape)).unwrap(),
    );
    Tv {
        dtype,
        a: Zip::from(&c)
            .and(&xb)
            .and(&yb)
            .map_collect(|&c, &a, &b| cast(if truthy(c) { a } else { b }, dtype)),
    }
}

/// Neumaier-compensated sum.
fn fsum(values: impl Iterator<Item = f64>) -> f64 {
    let (mut s, mut c) = (0.0f64, 0.0f64);
    for x in values {
        let t = s + x;
        c += if s.abs() >= x.abs() {
            (s - t) + x
        } else {
            (x - t) + s
        };
        s = t;
    }
    if s.is_finite() { s + c } else { s }
}

fn as_f64(v: V) -> f64 {
    match v {
        V::B(b) => u8::from(b) as f64,
        V::I(i) => i as f64,
        V::F(x) => x,
    }
}

fn is_nan(v: V) -> bool {
    matches!(v, V::F(x) if x.is_nan())
}

/// Orders non-NaN values (bools as 0/1).
fn less(a: V, b: V) -> bool {
    match (a, b) {
        (V::I(a), V::I(b)) => a < b,
        _ => as_f64(a) < as_f64(b),
    }
}

/// numpy's reduction of one lane (elements in C order of the reduced axes).
fn reduce_lane(op: ReduceOp, lane: &[V], input: DType) -> V {
    let out = numpy_reduce_dtype(op, input);
    let unsigned = matches!(input, DType::U8 | DType::U16 | DType::U32 | DType::U64);
    let acc = if unsigned { DType::U64 } else { DType::I64 };
    let skip = matches!(
        op,
        ReduceOp::NanSum | ReduceOp::NanMean | ReduceOp::NanMin | ReduceOp::NanMax
    );
    let kept: Vec<V> = lane
        .iter()
        .copied()
        .filter(|v| !(skip && is_nan(*v)))
        .collect();
    let n = kept.len() as f64;
    let mean = || fsum(kept.iter().map(|v| as_f64(*v))) / n;
    let var = |ddof: u32| {
        let m = mean();
        let m2 = fsum(kept.iter().map(|v| (as_f64(*v) - m).powi(2)));
        // numpy divides by max(n - ddof, 0): inf (or NaN for 0/0) past the elements
        m2 / (n - f64::from(ddof)).max(0.0)
    };
    match op {
        ReduceOp::Sum | ReduceOp::NanSum | ReduceOp::Prod if !input.is_float() => {
            let ints = kept.iter().map(|v| match v {
                V::B(b) => i128::from(*b),
                V::I(i) => *i,
                V::F(_) => unreachable!(),
            });
            V::I(if op == ReduceOp::Prod {
                ints.fold(1, |a, x| wrap(a.wrapping_mul(x), acc))
            } else {
                wrap(ints.sum(), acc)
            })
        }
        ReduceOp::Sum | ReduceOp::NanSum => {
            V::F(round_to(fsum(kept.iter().map(|v| as_f64(*v))), out))
        }
        ReduceOp::Prod => V::F(round_to(kept.iter().map(|v| as_f64(*v)).product(), out)),
        ReduceOp::Mean | ReduceOp::NanMean => V::F(round_to(mean(), out)),
        ReduceOp::Var { ddof } => V::F(round_to(var(ddof), out)),
        ReduceOp::Std { ddof } => V::F(round_to(var(ddof).sqrt(), out)),
        ReduceOp::Count => V::I(lane.iter().filter(|v| !is_nan(**v)).count() as i128),
        ReduceOp::Any => V::B(lane.iter().any(|v| truthy(*v))),
        ReduceOp::All => V::B(lane.iter().all(|v| truthy(*v))),
        ReduceOp::Min | ReduceOp::Max | ReduceOp::NanMin | ReduceOp::NanMax => {
            let max = matches!(op, ReduceOp::Max | ReduceOp::NanMax);
            if let Some(nan) = kept.iter().find(|v| is_nan(**v)) {
                return *nan;
            }
            if kept.is_empty() {
                return V::F(f64::NAN); // nanmin/nanmax of all-NaN
            }
            kept.iter()
                .copied()
                .reduce(|a, b| {
                    if (max && less(a, b)) || (!max && less(b, a)) {
                        b
                    } else {
                        a
                    }
                })
                .unwrap()
        }
        ReduceOp::ArgMin | ReduceOp::ArgMax => {
            if let Some(i) = lane.iter().position(|v| is_nan(*v)) {
                return V::I(i as i128);
            }
            let max = op == ReduceOp::ArgMax;
            let mut best = 0;
            for (i, v) in lane.iter().enumerate() {
                if (max && less(lane[best], *v)) || (!max && less(*v, lane[best])) {
                    best = i;
                }
            }
            V::I(best as i128)
        }
        _ => unimplemented!("no oracle for {op:?}"),
    }
}

fn oracle_reduce(x: &Tv, op: ReduceOp, axes: &[usize], keepdims: bool) -> Tv {
    let ndim = x.a.ndim();
    let kept: Vec<usize> = (0..ndim).filter(|d| !axes.contains(d)).collect();
    let kept_shape: Vec<usize> = kept.iter().map(|&d| x.a.shape()[d]).collect();
    let count: usize = kept_shape.iter().product();
    let mut lanes: Vec<Vec<V>> = vec![Vec::new(); count];
    for (index, v) in x.a.indexed_iter() {
        let at = kept
            .iter()
            .fold(0, |acc, &d| acc * x.a.shape()[d] + index[d]);
        lanes[at].push(*v);
    }
    let values: Vec<V> = lanes.iter().map(|l| reduce_lane(op, l, x.dtype)).collect();
    let shape: Vec<usize> = if keepdims {
        (0..ndim)
            .map(|d| if axes.contains(&d) { 1 } else { x.a.shape()[d] })
            .collect()
    } else {
        kept_shape
    };
    Tv {
        dtype: numpy_reduce_dtype(op, x.dtype),
        a: ArrayD::from_shape_vec(IxDyn(&shape), values).unwrap(),
    }
}

/// numpy's `a[s:e:step]` along `axis` (bounds may be negative or past the end).
fn python_slice(
    values: &ArrayD<V>,
    axis: Axis,
    s: Option<i64>,
    e: Option<i64>,
    step: i64,
) -> ArrayD<V> {
    let n = values.len_of(axis) as i64;
    let fix = |v: i64| if v < 0 { v + n } else { v };
    let indices: Vec<usize> = if step > 0 {
        let s = s.map_or(0, |s| fix(s).clamp(0, n));
        let e = e.map_or(n, |e| fix(e).clamp(0, n));
        (s..e.max(s))
            .step_by(step as usize)
            .map(|i| i as usize)
            .collect()
    } else {
        let s = s.map_or(n - 1, |s| fix(s).clamp(-1, n - 1));
        let e = e.map_or(-1, |e| fix(e).clamp(-1, n - 1));
        let mut out = Vec::new();
        let mut i = s;
        while i > e {
            out.push(i as usize);
            i += step;
        }
        out
    };
    values.select(axis, &indices)
}

/// Applies slice items to an oracle array.
fn oracle_slice(x: &Tv, items: &[SliceItem]) -> Tv {
    let mut a = x.a.clone();
    let mut dropped = 0;
    for (d, item) in items.iter().enumerate() {
        let axis = Axis(d - dropped);
        match *item {
            SliceItem::Index(i) => {
                let n = a.len_of(axis) as i64;
                let i = if i < 0 { i + n } else { i };
                a = a.index_axis(axis, i as usize).to_owned();
                dropped += 1;
            }
            SliceItem::Range { start, stop, step } => {
                a = python_slice(&a, axis, start, stop, step.unwrap_or(1));
            }
        }
    }
    Tv { dtype: x.dtype, a }
}

fn oracle_transpose(x: &Tv, perm: &[usize]) -> Tv {
    let a = x.a.clone().permuted_axes(IxDyn(perm));
    // a standard-layout copy, so that iteration and indexing agree with C order
    let a = ArrayD::from_shape_vec(a.raw_dim(), a.iter().copied().collect()).unwrap();
    Tv { dtype: x.dtype, a }
}

fn map_tv(x: &Tv, dtype: DType, f: impl Fn(V) -> V) -> Tv {
    Tv {
        dtype,
        a: x.a.mapv(f),
    }
}

// ----- strategies ------------------------------------------------------------------------

/// An element of `dtype`. `wide` integers reach the whole range of their type (so sums
/// and products wrap); otherwise they stay within ±1000 (so float moments stay exact).
fn elem(dtype: DType, wide: bool) -> BoxedStrategy<V> {
    let small = -6i128..=6;
    match dtype {
        DType::F64 | DType::F32 => prop_oneof![
            8 => -100.0f64..100.0,
            3 => (-6i32..=6).prop_map(f64::from),
            1 => Just(f64::NAN),
            1 => select(vec![f64::INFINITY, f64::NEG_INFINITY, -0.0, 0.5, 1e-3]),
        ]
        .prop_map(move |x| V::F(round_to(x, dtype)))
        .boxed(),
        DType::I32 if wide => prop_oneof![3 => small, 1 => any::<i32>().prop_map(i128::from)]
            .prop_map(V::I)
            .boxed(),
        DType::I64 if wide => prop_oneof![
            3 => small,
            1 => any::<i64>().prop_map(i128::from),
            1 => (-1i128 << 40)..(1i128 << 40),
        ]
        .prop_map(V::I)
        .boxed(),
        DType::I32 | DType::I64 => prop_oneof![1 => small, 1 => -1000i128..=1000]
            .prop_map(V::I)
            .boxed(),
        DType::U8 => prop_oneof![0i128..=6, any::<u8>().prop_map(i128::from)]
            .prop_map(V::I)
            .boxed(),
        DType::Bool => any::<bool>().prop_map(V::B).boxed(),
        other => panic!("no strategy for {other}"),
    }
}

fn tv(dtype: DType, shape: Vec<usize>, wide: bool) -> impl Strategy<Value = Tv> {
    let len = shape.iter().product::<usize>();
    proptest::collection::vec(elem(dtype, wide), len).prop_map(move |values| Tv {
        dtype,
        a: ArrayD::from_shape_vec(IxDyn(&shape), values).unwrap(),
    })
}

fn chunks_for(shape: &[usize]) -> Vec<std::ops::RangeInclusive<u64>> {
    shape.iter().map(|&n| 1..=(n.max(1) as u64)).collect()
}

/// A shape of 1-4 axes.
fn shape_strategy() -> impl Strategy<Value = Vec<usize>> {
    (1usize..=4).prop_flat_map(|ndim| {
        let side = [150usize, 20, 8, 5][ndim - 1];
        proptest::collection::vec(1..=side, ndim)
    })
}

/// An oracle array of `dtype` with a random shape and chunking.
fn array_of(dtype: DType, wide: bool) -> impl Strategy<Value = (Tv, Vec<u64>)> {
    shape_strategy()
        .prop_flat_map(move |shape| (tv(dtype, shape.clone(), wide), chunks_for(&shape)))
}

fn any_array(dtypes: &'static [DType], wide: bool) -> impl Strategy<Value = (Tv, Vec<u64>)> {
    select(dtypes).prop_flat_map(move |d| array_of(d, wide))
}

/// `shape`'s last `rank` axes, with the axes whose bit in `ones` is set made length 1.
fn sub_shape(shape: &[usize], rank: usize, ones: u32) -> Vec<usize> {
    let tail = &shape[shape.len() - rank..];
    tail.iter()
        .enumerate()
        .map(|(d, &n)| if ones & (1 << d) != 0 { 1 } else { n })
        .collect()
}

type Chunked = (Tv, Vec<u64>);

/// Two arrays of random dtypes whose shapes broadcast together (different ranks,
/// length-1 axes), each with its own chunking.
fn broadcast_pair() -> impl Strategy<Value = (Chunked, Chunked)> {
    (
        shape_strategy(),
        select(&DTYPES[..]),
        select(&DTYPES[..]),
        any::<u64>(),
    )
        .prop_flat_map(|(base, dl, dr, bits)| {
            let ndim = base.len();
            let rank_l = 1 + (bits % ndim as u64) as usize;
            let rank_r = 1 + ((bits >> 8) % ndim as u64) as usize;
            // each axis is length 1 with probability 1/4
            let ones = |shift: u32| {
                (0..4).fold(0u32, |m, d| {
                    m | (u32::from((bits >> (shift + 2 * d)) & 3 == 0) << d)
                })
            };
            let ls = sub_shape(&base, rank_l, ones(16));
            let rs = sub_shape(&base, rank_r, ones(32));
            (
                (tv(dl, ls.clone(), true), chunks_for(&ls)),
                (tv(dr, rs.clone(), true), chunks_for(&rs)),
            )
        })
}

fn scalar_strategy() -> impl Strategy<Value = Scalar> {
    prop_oneof![
        any::<bool>().prop_map(Scalar::Bool),
        prop_oneof![Just(2i64), Just(0), Just(-1), -8i64..=8, any::<i64>()].prop_map(Scalar::Int),
        prop_oneof![
            Just(2.0f64),
            Just(0.0),
            Just(0.5),
            -8.0f64..8.0,
            Just(f64::NAN),
            Just(f64::INFINITY)
        ]
        .prop_map(Scalar::Float),
    ]
}

/// An integer literal made to fit `dtype` (numpy 2 refuses literals out of range).
/// True when an integer literal fits an integer `dtype` (anything fits the others).
fn literal_fits(s: Scalar, dtype: DType) -> bool {
    match (s, dtype.int_range()) {
        (Scalar::Int(i), Some((lo, hi))) => (lo..=hi).contains(&i128::from(i)),
        _ => true,
    }
}

fn fit(s: Scalar, dtype: DType) -> Scalar {
    match (s, dtype) {
        (Scalar::Int(i), DType::U8) => Scalar::Int(i.rem_euclid(256)),
        (Scalar::Int(i), DType::I32) => Scalar::Int(i as i32 as i64),
        _ => s,
    }
}

/// A random permutation of `n` axes from `seed`.
fn permutation(n: usize, seed: u64) -> Vec<usize> {
    let mut perm: Vec<usize> = (0..n).collect();
    let mut s = seed;
    for i in (1..n).rev() {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        perm.swap(i, (s >> 33) as usize % (i + 1));
    }
    perm
}

/// Slice items for `shape` from random picks: ranges with any bounds and steps
/// (negative included), or single indices (negative included).
fn slice_items(shape: &[usize], picks: &[(i16, i16, i64, u8)]) -> Vec<SliceItem> {
    shape
        .iter()
        .zip(picks)
        .map(|(&n, &(start, stop, step, kind))| {
            let n = n as i64;
            match kind % 4 {
                0 if n > 0 => SliceItem::Index((start as i64).rem_euclid(2 * n) - n),
                0 => SliceItem::ALL,
                1 => SliceItem::ALL,
                _ => {
                    let step = if step == 0 { 1 } else { step };
                    let bound = |v: i16, on: bool| on.then_some((v as i64) % (n + 3));
                    SliceItem::Range {
                        start: bound(start, kind & 8 == 0),
                        stop: bound(stop, kind & 16 == 0),
                        step: (kind & 32 == 0).then_some(step),
                    }
                }
            }
        })
        .collect()
}

fn all_reductions(ddof: u32) -> Vec<ReduceOp> {
    vec![
        ReduceOp::Sum,
        ReduceOp::Prod,
        ReduceOp::Min,
        ReduceOp::Max,
        ReduceOp::Mean,
        ReduceOp::Var { ddof },
        ReduceOp::Std { ddof },
        ReduceOp::Count,
        ReduceOp::Any,
        ReduceOp::All,
        ReduceOp::ArgMin,
        ReduceOp::ArgMax,
        ReduceOp::NanSum,
        ReduceOp::NanMean,
        ReduceOp::NanMin,
        ReduceOp::NanMax,
    ]
}

fn axes_from_mask(ndim: usize, mask: u8) -> (Option<Vec<i64>>, Vec<usize>) {
    let axes: Vec<usize> = (0..ndim).filter(|d| mask & (1 << d) != 0).collect();
    if axes.is_empty() {
        (None, (0..ndim).collect())
    } else {
        // negative axes count from the end: use them for odd masks
        let given = axes
            .iter()
            .map(|&d| {
                if mask & 16 != 0 {
                    d as i64 - ndim as i64
                } else {
                    d as i64
                }
            })
            .collect();
        (Some(given), axes)
    }
}

// ----- properties ------------------------------------------------------------------------

/// `x` broadcast against literal `s` through `numpy_binary_types`, or None when numpy
/// refuses.
/// True where numpy refuses `lhs ** rhs`: an integer to a negative integer power
/// (`ValueError`). tessera refuses it when building (a literal exponent) or computing.
fn negative_int_power(op: BinaryOp, lhs: (&Tv, Side), rhs: (&Tv, Side)) -> bool {
    if op != BinaryOp::Pow {
        return false;
    }
    match numpy_binary_types(op, lhs.1, rhs.1) {
        Some((compute, _)) if !compute.is_float() => {
            rhs.0.a.iter().any(|v| matches!(v, V::I(i) if *i < 0))
        }
        _ => false,
    }
}

fn expect_binary(op: BinaryOp, lhs: (&Tv, Side), rhs: (&Tv, Side)) -> Option<Tv> {
    let (compute, out) = numpy_binary_types(op, lhs.1, rhs.1)?;
    let sqrt_half = matches!(rhs.1, Side::Lit(_)) || compute != DType::F16;
    Some(oracle_binary(op, lhs.0, rhs.0, (compute, out), sqrt_half))
}

fn same_shape_triple() -> impl Strategy<Value = (Chunked, Chunked, Chunked)> {
    (
        shape_strategy(),
        select(&DTYPES[..]),
        select(&DTYPES[..]),
        any::<u64>(),
    )
        .prop_flat_map(|(shape, dx, dy, bits)| {
            let rank = 1 + (bits % shape.len() as u64) as usize;
            let ones = if bits & 4 == 0 {
                (bits >> 8) as u32 & 0xf
            } else {
                0
            };
            let cs = sub_shape(&shape, rank, ones);
            (
                (tv(dx, shape.clone(), true), chunks_for(&shape)),
                (tv(dy, shape.clone(), true), chunks_for(&shape)),
                (tv(DType::Bool, cs.clone(), true), chunks_for(&cs)),
            )
        })
}

/// Cases per property: 64, or `LAZY_OPS_CASES` for a longer hunt.
fn cases() -> u32 {
    std::env::var("LAZY_OPS_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

fn literal_dtype(s: Scalar) -> DType {
    scalar_tv(s).dtype
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    /// Every binary operator between two arrays of any two dtypes, broadcast across
    /// different ranks and length-1 axes, each array chunked its own way.
    #[test]
    fn binary_ops_between_arrays_follow_numpy(
        ((l, lc), (r, rc)) in broadcast_pair(),
        threads in 1usize..=2,
    ) {
        let (la, ra) = (lazy(&l, &lc), lazy(&r, &rc));
        for op in BINARY {
            let what = format!("{} {op:?} {} ({:?} {:?})", l.dtype, r.dtype, l.a.shape(), r.a.shape());
            let sides = ((&l, Side::Arr(l.dtype)), (&r, Side::Arr(r.dtype)));
            match expect_binary(op, sides.0, sides.1) {
                None => assert!(la.binary(op, &ra).is_err(), "{what}: numpy refuses it"),
                Some(_) if negative_int_power(op, sides.0, sides.1) => assert!(
                    la.binary(op, &ra).and_then(|x| x.compute(&ctx(threads))).is_err(),
                    "{what}: numpy refuses negative integer powers"
                ),
                Some(want) => check(&la.binary(op, &ra).unwrap(), &want, threads, &what),
            }
        }
    }

    /// Every binary operator with a Python-like literal on either side (`binary` and
    /// `rbinary`): NEP 50 weak promotion, strength-reduced `x ** 2`, division by zero.
    #[test]
    fn binary_ops_with_literals_follow_numpy(
        (x, xc) in any_array(&DTYPES, true),
        s in scalar_strategy(),
        threads in 1usize..=2,
    ) {
        let s = fit(s, x.dtype);
        let (a, lit) = (lazy(&x, &xc), scalar_tv(s));
        for op in BINARY {
            let what = format!("{} {op:?} {s:?}", x.dtype);
            let sides = ((&x, Side::Arr(x.dtype)), (&lit, Side::Lit(s)));
            match expect_binary(op, sides.0, sides.1) {
                None => assert!(a.binary(op, Operand::Scalar(s)).is_err(), "{what}: numpy refuses it"),
                Some(_) if negative_int_power(op, sides.0, sides.1) => assert!(
                    a.binary(op, Operand::Scalar(s)).is_err(),
                    "{what}: numpy refuses negative integer powers, before any work"
                ),
                Some(want) => check(&a.binary(op, Operand::Scalar(s)).unwrap(), &want, threads, &what),
            }
            let what = format!("{s:?} {op:?} {}", x.dtype);
            let sides = ((&lit, Side::Lit(s)), (&x, Side::Arr(x.dtype)));
            match expect_binary(op, sides.0, sides.1) {
                None => assert!(a.rbinary(op, s).is_err(), "{what}: numpy refuses it"),
                Some(_) if negative_int_power(op, sides.0, sides.1) => assert!(
                    a.rbinary(op, s).and_then(|x| x.compute(&ctx(threads))).is_err(),
                    "{what}: numpy refuses negative integer powers"
                ),
                Some(want) => check(&a.rbinary(op, s).unwrap(), &want, threads, &what),
            }
        }
    }

    /// Every unary operator, astype to every dtype, clip with literals and arrays, and
    /// where with arrays (broadcast condition) and literals.
    #[test]
    fn unary_astype_clip_where_follow_numpy(
        ((x, xc), (y, yc), (c, cc)) in same_shape_triple(),
        lo in scalar_strategy(),
        hi in scalar_strategy(),
        threads in 1usize..=2,
    ) {
        let (a, b, cond) = (lazy(&x, &xc), lazy(&y, &yc), lazy(&c, &cc));
        for op in UNARY {
            let what = format!("{op:?} {}", x.dtype);
            match numpy_unary(op, x.dtype) {
                None => assert!(a.unary(op).is_err(), "{what}: numpy refuses it"),
                Some(out) => {
                    let compute = if matches!(op, UnaryOp::Not | UnaryOp::IsNan) { x.dtype } else { out };
                    let want = map_tv(&x, out, |v| unop(op, cast(v, compute), compute));
                    check(&a.unary(op).unwrap(), &want, threads, &what);
                }
            }
        }
        for to in DType::ALL {
            let want = map_tv(&x, to, |v| cast(v, to));
            check(&a.astype(to).unwrap(), &want, threads, &format!("{} astype {to}", x.dtype));
        }
        // clip(x, lo, hi) is minimum(maximum(x, lo), hi)
        let lo = fit(lo, x.dtype);
        let clip_what = format!("clip {} to {lo:?}, {hi:?}", x.dtype);
        match expect_binary(BinaryOp::Maximum, (&x, Side::Arr(x.dtype)), (&scalar_tv(lo), Side::Lit(lo))) {
            Some(low) => {
                // numpy 2 checks an integer bound against the array's own dtype.
                let hi = fit(hi, x.dtype);
                let want = expect_binary(BinaryOp::Minimum, (&low, Side::Arr(low.dtype)), (&scalar_tv(hi), Side::Lit(hi))).unwrap();
                check(&a.clip(Operand::Scalar(lo), Operand::Scalar(hi)).unwrap(), &want, threads, &clip_what);
                let low = expect_binary(BinaryOp::Maximum, (&x, Side::Arr(x.dtype)), (&y, Side::Arr(y.dtype))).unwrap();
                if literal_fits(hi, low.dtype) {
                    let want = expect_binary(BinaryOp::Minimum, (&low, Side::Arr(low.dtype)), (&scalar_tv(hi), Side::Lit(hi))).unwrap();
                    check(&a.clip(&b, Operand::Scalar(hi)).unwrap(), &want, threads, "clip to an array");
                } else {
                    // numpy 2 raises OverflowError for a literal beyond an integer loop.
                    assert!(a.clip(&b, Operand::Scalar(hi)).is_err(), "clip to an array: {hi:?} beyond {}", low.dtype);
                }
            }
            None => unreachable!("maximum always has a loop"),
        }
        // where: arrays, an array and a literal, two literals, a non-bool condition
        let dtype = numpy_binary(BinaryOp::Maximum, Side::Arr(x.dtype), Side::Arr(y.dtype)).unwrap();
        check(&Array::where_(&cond, &a, &b).unwrap(), &oracle_where(&c, &x, &y, dtype), threads, "where(c, x, y)");
        let s = fit(hi, x.dtype);
        let dtype = numpy_binary(BinaryOp::Maximum, Side::Arr(x.dtype), Side::Lit(s)).unwrap();
        check(&Array::where_(&cond, &a, Operand::Scalar(s)).unwrap(), &oracle_where(&c, &x, &scalar_tv(s), dtype), threads, "where(c, x, literal)");
        check(&Array::where_(&cond, Operand::Scalar(s), &a).unwrap(), &oracle_where(&c, &scalar_tv(s), &x, dtype), threads, "where(c, literal, x)");
        let dtype = numpy_binary(BinaryOp::Maximum, Side::Arr(literal_dtype(lo)), Side::Lit(hi)).unwrap();
        check(
            &Array::where_(&cond, Operand::Scalar(lo), Operand::Scalar(hi)).unwrap(),
            &oracle_where(&c, &scalar_tv(lo), &scalar_tv(hi), dtype),
            threads,
            "where(c, literal, literal)",
        );
        let s = fit(s, y.dtype);
        let dtype = numpy_binary(BinaryOp::Maximum, Side::Arr(y.dtype), Side::Lit(s)).unwrap();
        check(&Array::where_(&a, &b, Operand::Scalar(s)).unwrap(), &oracle_where(&x, &y, &scalar_tv(s), dtype), threads, "where(x as condition, y, literal)");
    }

    /// Every reduction over random axis subsets (negative axes included), with and
    /// without keepdims, on every dtype: floats with NaN, ±inf and -0.0 (the nan*
    /// variants skip NaN), integers that wrap their sums and products like numpy.
    #[test]
    fn every_reduction_follows_numpy(
        (x, xc, wide) in (select(&DTYPES[..]), any::<bool>())
            .prop_flat_map(|(d, wide)| array_of(d, wide).prop_map(move |(t, c)| (t, c, wide))),
        mask in 0u8..32,
        keepdims in any::<bool>(),
        ddof in 0u32..=2,
        threads in 1usize..=2,
    ) {
        let a = lazy(&x, &xc);
        let ndim = x.a.ndim();
        let (given, axes) = axes_from_mask(ndim, mask);
        for op in all_reductions(ddof) {
            let moments = matches!(op, ReduceOp::Mean | ReduceOp::NanMean | ReduceOp::Var { .. } | ReduceOp::Std { .. });
            if moments && wide && x.dtype == DType::I64 {
                continue; // f64 moments of values near 2^63 are not exact
            }
            let what = format!("{} of {} {:?} over {given:?} keepdims={keepdims}", op.name(), x.dtype, x.a.shape());
            let (input, values) = if op == ReduceOp::Prod && x.dtype.is_float() {
                // products of values near 1, so that no partial product overflows
                let scaled = expect_binary(BinaryOp::Div, (&x, Side::Arr(x.dtype)), (&scalar_tv(Scalar::Float(1000.0)), Side::Lit(Scalar::Float(1000.0)))).unwrap();
                let shifted = expect_binary(BinaryOp::Add, (&scaled, Side::Arr(x.dtype)), (&scalar_tv(Scalar::Float(1.0)), Side::Lit(Scalar::Float(1.0)))).unwrap();
                (a.binary(BinaryOp::Div, 1000.0).unwrap().binary(BinaryOp::Add, 1.0).unwrap(), shifted)
            } else {
                (a.clone(), x.clone())
            };
            if matches!(op, ReduceOp::ArgMin | ReduceOp::ArgMax) && axes.len() != 1 && axes.len() != ndim {
                assert!(input.reduce(op, tessera::Axes::from(given.as_deref()).keepdims(keepdims)).is_err(), "{what}: several axes");
                let one = [axes[0] as i64];
                let want = oracle_reduce(&values, op, &axes[..1], keepdims);
                check(&input.reduce(op, tessera::Axes::from(&one[..]).keepdims(keepdims)).unwrap(), &want, threads, &what);
                continue;
            }
            let want = oracle_reduce(&values, op, &axes, keepdims);
            check(&input.reduce(op, tessera::Axes::from(given.as_deref()).keepdims(keepdims)).unwrap(), &want, threads, &what);
        }
    }
}

/// A matrix product in the oracle: the result and, per element, the sum of
/// |a_ik * b_kj| that bounds a float result's rounding error.
fn oracle_matmul(a: &Tv, b: &Tv) -> (Tv, ArrayD<f64>) {
    let dtype = numpy_binary(BinaryOp::Maximum, Side::Arr(a.dtype), Side::Arr(b.dtype)).unwrap();
    let (m, k) = (a.a.shape()[0], a.a.shape()[1]);
    let vector = b.a.ndim() == 1;
    let n = if vector { 1 } else { b.a.shape()[1] };
    let bv = |p: usize, j: usize| {
        if vector {
            b.a[[p].as_slice()]
        } else {
            b.a[[p, j].as_slice()]
        }
    };
    let mut values = Vec::new();
    let mut scale = Vec::new();
    for i in 0..m {
        for j in 0..n {
            let pairs =
                (0..k).map(|p| (cast(a.a[[i, p].as_slice()], dtype), cast(bv(p, j), dtype)));
            match dtype {
                d if d.is_float() => {
                    let products: Vec<f64> = pairs.map(|(x, y)| as_f64(x) * as_f64(y)).collect();
                    values.push(V::F(round_to(fsum(products.iter().copied()), d)));
                    scale.push(products.iter().map(|p| p.abs()).sum());
                }
                DType::Bool => {
                    values.push(V::B(pairs.into_iter().any(|(x, y)| truthy(x) && truthy(y))));
                    scale.push(0.0);
                }
                d => {
                    let sum = pairs.fold(0i128, |s, (x, y)| match (x, y) {
                        (V::I(x), V::I(y)) => wrap(s + wrap(x.wrapping_mul(y), d), d),
                        _ => unreachable!(),
                    });
                    values.push(V::I(sum));
                    scale.push(0.0);
                }
            }
        }
    }
    let shape: Vec<usize> = if vector { vec![m] } else { vec![m, n] };
    (
        Tv {
            dtype,
            a: ArrayD::from_shape_vec(IxDyn(&shape), values).unwrap(),
        },
        ArrayD::from_shape_vec(IxDyn(&shape), scale).unwrap(),
    )
}

fn check_matmul(got: &Array, a: &Tv, b: &Tv, threads: usize, what: &str) {
    let (want, scale) = oracle_matmul(a, b);
    assert_eq!(got.dtype(), want.dtype, "{what}: dtype");
    let values = from_chunk(&got.compute(&ctx(threads)).unwrap());
    assert_eq!(values.a.shape(), want.a.shape(), "{what}: shape");
    for ((g, w), s) in values.a.iter().zip(want.a.iter()).zip(scale.iter()) {
        let ok = match (g, w) {
            (V::F(g), V::F(w)) => {
                (g - w).abs() <= default_tol(want.dtype) * s.max(w.abs()).max(1.0)
            }
            _ => g == w,
        };
        assert!(ok, "{what}: got {g:?}, want {w:?}");
    }
}

/// Finite values (matrix products of inf and NaN are not worth the bookkeeping).
fn finite(t: Tv) -> Tv {
    map_tv(&t, t.dtype, |v| match v {
        V::F(x) if !x.is_finite() => V::F(round_to(1.5, t.dtype)),
        v => v,
    })
}

fn matrix(dtype: DType, rows: usize, cols: usize) -> impl Strategy<Value = Chunked> {
    let shape = vec![rows, cols];
    (
        tv(dtype, shape.clone(), true).prop_map(finite),
        chunks_for(&shape),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    /// Slices (ranges with any bounds and negative steps, integers, missing trailing
    /// items), transposes, `.t()` and rechunks, alone and composed, on 1-, 4- and
    /// 8-byte dtypes.
    #[test]
    fn slices_transposes_rechunks_move_elements(
        (x, xc) in any_array(&[DType::F64, DType::I32, DType::U8, DType::Bool], true),
        picks in proptest::collection::vec((any::<i16>(), any::<i16>(), -3i64..=3, any::<u8>()), 4),
        given in 0usize..=4,
        seed in any::<u64>(),
        new_chunks in proptest::collection::vec(1u64..=9, 4),
        threads in 1usize..=2,
    ) {
        let a = lazy(&x, &xc);
        let ndim = x.a.ndim();
        let items = slice_items(x.a.shape(), &picks);
        let items = &items[..given.min(ndim)];
        let sliced = a.slice(items).unwrap();
        let want_slice = oracle_slice(&x, items);
        check(&sliced, &want_slice, threads, &format!("{:?}{items:?}", x.a.shape()));

        let perm = permutation(ndim, seed);
        let want_t = oracle_transpose(&x, &perm);
        check(&a.transpose(&axes_of(&perm)).unwrap(), &want_t, threads, &format!("transpose {perm:?}"));
        let reversed: Vec<usize> = (0..ndim).rev().collect();
        check(&a.t().unwrap(), &oracle_transpose(&x, &reversed), threads, ".t()");

        let chunks: Vec<u64> = x.a.shape().iter().zip(&new_chunks).map(|(&n, &c)| c.min(n as u64)).collect();
        check(&a.rechunk(&chunks).unwrap(), &x, threads, &format!("rechunk to {chunks:?}"));

        // composed: slice of a rechunked transpose, and a transpose of a slice
        let tr = a.transpose(&axes_of(&perm)).unwrap().rechunk(&chunks.iter().map(|c| c + 1).collect::<Vec<_>>()).unwrap();
        let items_t = slice_items(want_t.a.shape(), &picks);
        check(&tr.slice(&items_t).unwrap(), &oracle_slice(&want_t, &items_t), threads, "slice of a rechunked transpose");
        let sdim = want_slice.a.ndim();
        if sdim > 0 {
            let perm_s = permutation(sdim, seed ^ 0x5555);
            check(&sliced.transpose(&axes_of(&perm_s)).unwrap(), &oracle_transpose(&want_slice, &perm_s), threads, "transpose of a slice");
            let items_s = slice_items(want_slice.a.shape(), &picks[1..]);
            check(&sliced.slice(&items_s).unwrap(), &oracle_slice(&want_slice, &items_s), threads, "slice of a slice");
        }
    }

    /// Matrix @ matrix and matrix @ vector for f64 and i64 (wrapping), mixed dtypes,
    /// transposed operands and contracted axes chunked differently on each side.
    #[test]
    fn matmul_follows_numpy(
        ((a, ac), (b, bc), (v, vc)) in (1usize..24, 1usize..24, 1usize..16, select(vec![DType::F64, DType::I64]), select(vec![DType::F64, DType::I64, DType::I32, DType::U8]))
            .prop_flat_map(|(m, k, n, da, db)| (matrix(da, m, k), matrix(db, k, n), matrix(da, k, 1))),
        threads in 1usize..=2,
    ) {
        let (la, lb) = (lazy(&a, &ac), lazy(&b, &bc));
        let what = format!("{} {:?} @ {} {:?}", a.dtype, a.a.shape(), b.dtype, b.a.shape());
        check_matmul(&la.matmul(&lb).unwrap(), &a, &b, threads, &what);
        let vec1 = Tv { dtype: v.dtype, a: v.a.index_axis(Axis(1), 0).to_owned() };
        let lv = lazy(&vec1, &vc[..1]);
        check_matmul(&la.matmul(&lv).unwrap(), &a, &vec1, threads, &format!("{what} (vector)"));
        // (b.T @ a.T) is (a @ b).T
        let (at, bt) = (oracle_transpose(&a, &[1, 0]), oracle_transpose(&b, &[1, 0]));
        check_matmul(&lb.t().unwrap().matmul(&la.t().unwrap()).unwrap(), &bt, &at, threads, &format!("{what} transposed"));
        // a self-product of a rechunked operand: a.T @ a
        let ar = la.rechunk(&[ac[0].div_ceil(2).max(1), ac[1]]).unwrap();
        check_matmul(&ar.t().unwrap().matmul(&la).unwrap(), &at, &a, threads, "a.T @ a");
    }

    /// map_blocks applies a closure to each block of the input's chunking, whatever the
    /// input node, and its result feeds further operations.
    #[test]
    fn map_blocks_applies_closures_per_block(
        (x, xc) in array_of(DType::F64, true),
        seed in any::<u64>(),
        threads in 1usize..=2,
    ) {
        let a = lazy(&x, &xc);
        // elementwise closure changing the dtype
        let floor3 = |c: &Chunk| -> tessera::Result<Chunk> {
            let v: Vec<i64> = c.as_slice::<f64>().unwrap().iter().map(|x| (x * 3.0).floor() as i64).collect();
            Chunk::from_slice(c.shape(), &v)
        };
        let want = map_tv(&x, DType::I64, |v| cast(V::F((as_f64(v) * 3.0).floor()), DType::I64));
        check(&a.map_blocks(DType::I64, floor3), &want, threads, "map_blocks floor(3x)");
        // a closure that sees block boundaries: every element becomes its block's size
        let perm = permutation(x.a.ndim(), seed);
        let t = a.transpose(&axes_of(&perm)).unwrap();
        let xt = oracle_transpose(&x, &perm);
        let sizes = t.map_blocks(DType::U32, |c: &Chunk| Chunk::from_slice(c.shape(), &vec![c.len() as u32; c.len()]));
        let tchunks: Vec<usize> = t.chunks().iter().map(|c| *c as usize).collect();
        let mut want = xt.a.mapv(|_| V::I(0));
        for (index, slot) in want.indexed_iter_mut() {
            let size: usize = (0..index.ndim())
                .map(|d| {
                    let start = index[d] / tchunks[d] * tchunks[d];
                    tchunks[d].min(xt.a.shape()[d] - start)
                })
                .product();
            *slot = V::I(size as i128);
        }
        check(&sizes, &Tv { dtype: DType::U32, a: want }, threads, "map_blocks block sizes");
        // its result reduced
        let total = t.map_blocks(DType::F64, |c: &Chunk| Ok(c.clone())).reduce(ReduceOp::NanSum, tessera::Axes::all()).unwrap();
        check(&total, &oracle_reduce(&x, ReduceOp::NanSum, &(0..x.a.ndim()).collect::<Vec<_>>(), false), threads, "nansum of map_blocks");
        // a closure returning the wrong shape is an error, not a panic
        let bad = a.map_blocks(DType::F64, |c: &Chunk| {
            Chunk::from_slice(&[c.len() as u64 + 1], &vec![0.0f64; c.len() + 1])
        });
        assert!(bad.compute(&ctx(threads)).is_err());
    }

    /// Chains: a reduction of a slice of a rechunked transpose of a fused elementwise
    /// expression over three arrays with different chunkings (one broadcast), and data
    /// centred by its own keepdims mean.
    #[test]
    fn chains_of_operations_match(
        (base, dtype, bits) in (shape_strategy(), select(vec![DType::F64, DType::F32, DType::I64, DType::I32, DType::U8]), any::<u64>()),
        picks in proptest::collection::vec((any::<i16>(), any::<i16>(), -3i64..=3, any::<u8>()), 4),
        op_index in 0usize..16,
        mask in 0u8..32,
        keepdims in any::<bool>(),
        threads in 1usize..=2,
    ) {
        let ndim = base.len();
        let zs = sub_shape(&base, 1 + (bits % ndim as u64) as usize, (bits >> 8) as u32 & 0xf);
        let seed: Vec<u8> = (0..32).map(|i| (bits >> (8 * (i % 8))) as u8 ^ i as u8).collect();
        let rng = proptest::test_runner::TestRng::from_seed(proptest::test_runner::RngAlgorithm::ChaCha, &seed);
        let mut runner = proptest::test_runner::TestRunner::new_with_rng(ProptestConfig::default(), rng);
        let mut draw = |s: &[usize], d: DType| {
            (tv(d, s.to_vec(), false), chunks_for(s)).new_tree(&mut runner).unwrap().current()
        };
        let (x, xc) = draw(&base, dtype);
        let (y, yc) = draw(&base, dtype);
        let (z, zc) = draw(&zs, DType::I32);
        let (lx, ly, lz) = (lazy(&x, &xc), lazy(&y, &yc), lazy(&z, &zc));
        let arr = |t: &Tv| Side::Arr(t.dtype);
        let two = Scalar::Int(2);
        // e = where(x > y, x - z, y * 2)
        let gt = expect_binary(BinaryOp::Gt, (&x, arr(&x)), (&y, arr(&y))).unwrap();
        let diff = expect_binary(BinaryOp::Sub, (&x, arr(&x)), (&z, arr(&z))).unwrap();
        let twice = expect_binary(BinaryOp::Mul, (&y, arr(&y)), (&scalar_tv(two), Side::Lit(two))).unwrap();
        let e_dtype = numpy_binary(BinaryOp::Maximum, arr(&diff), arr(&twice)).unwrap();
        let e = oracle_where(&gt, &diff, &twice, e_dtype);
        let le = Array::where_(
            &lx.binary(BinaryOp::Gt, &ly).unwrap(),
            lx.binary(BinaryOp::Sub, &lz).unwrap(),
            ly.binary(BinaryOp::Mul, 2i64).unwrap(),
        ).unwrap();
        check(&le, &e, threads, "where(x > y, x - z, y * 2)");
        // transpose, rechunk, slice
        let perm = permutation(ndim, bits);
        let et = oracle_transpose(&e, &perm);
        let rechunked: Vec<u64> = et.a.shape().iter().map(|&n| (n as u64).div_ceil(2)).collect();
        let lt = le.transpose(&axes_of(&perm)).unwrap().rechunk(&rechunked).unwrap();
        let items = slice_items(et.a.shape(), &picks);
        let es = oracle_slice(&et, &items);
        let ls = lt.slice(&items).unwrap();
        check(&ls, &es, threads, "slice of a transpose");
        // reduce
        let sdim = es.a.ndim();
        if sdim == 0 || es.a.is_empty() {
            return Ok(());
        }
        let op = all_reductions(1)[op_index];
        if op == ReduceOp::Prod && es.dtype.is_float() {
            return Ok(());
        }
        let (given, axes) = axes_from_mask(sdim, mask);
        let (given, axes) = if matches!(op, ReduceOp::ArgMin | ReduceOp::ArgMax) && axes.len() != 1 && axes.len() != sdim {
            (Some(vec![axes[0] as i64]), vec![axes[0]])
        } else {
            (given, axes)
        };
        let want = oracle_reduce(&es, op, &axes, keepdims);
        check(&ls.reduce(op, tessera::Axes::from(given.as_deref()).keepdims(keepdims)).unwrap(), &want, threads, &format!("{} of the slice", op.name()));
        // centre by the keepdims mean and take the std of the result
        if es.dtype.is_float() || is_int(es.dtype) {
            let mean = oracle_reduce(&es, ReduceOp::Mean, &axes, true);
            let centred = expect_binary(BinaryOp::Sub, (&es, arr(&es)), (&mean, arr(&mean))).unwrap();
            let axes_i: Vec<i64> = axes.iter().map(|&d| d as i64).collect();
            let lm = ls.reduce(ReduceOp::Mean, tessera::Axes::from(&axes_i[..]).keepdims(true)).unwrap();
            let lc = ls.binary(BinaryOp::Sub, &lm).unwrap();
            let want = oracle_reduce(&centred, ReduceOp::Std { ddof: 0 }, &axes, keepdims);
            // centring first rounds each element once more: compare with some slack
            let got = lc.reduce(ReduceOp::Std { ddof: 0 }, tessera::Axes::from(&axes_i[..]).keepdims(keepdims)).unwrap();
            check_tol(&got, &want, threads, default_tol(want.dtype).max(1e-9), "std of centred data");
        }
    }
}

// ----- deterministic repros --------------------------------------------------------------

/// Found by `every_reduction_follows_numpy`: var/std with ddof at or past the count gave
/// NaN; numpy divides by max(n - ddof, 0), giving inf (NaN only when M2 is 0 too).
#[test]
fn var_with_ddof_at_least_the_count_divides_by_zero_like_numpy() {
    let values =
        ArrayD::from_shape_vec(IxDyn(&[2, 3]), vec![1.0, 2.0, 4.0, 5.0, 5.0, 5.0]).unwrap();
    let a = Array::from_ndarray(values.view(), &[1, 2]).unwrap();
    let ctx = ctx(1);
    let var = |ddof: u32| {
        a.reduce(ReduceOp::Var { ddof }, [1])
            .unwrap()
            .compute(&ctx)
            .unwrap()
            .to_ndarray::<f64>()
            .unwrap()
            .into_raw_vec_and_offset()
            .0
    };
    // np.var([[1, 2, 4], [5, 5, 5]], axis=1, ddof=3) == [inf, nan]
    let v3 = var(3);
    assert_eq!(v3[0], f64::INFINITY);
    assert!(v3[1].is_nan());
    let v4 = var(4);
    assert_eq!(v4[0], f64::INFINITY);
    assert!(v4[1].is_nan());
    let std = a
        .reduce(ReduceOp::Std { ddof: 3 }, tessera::Axes::all())
        .unwrap()
        .compute(&ctx)
        .unwrap()
        .to_ndarray::<f64>()
        .unwrap();
    assert!(
        std.iter().all(|s| s.is_finite()),
        "6 elements, ddof 3: {std}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases() / 4, ..ProptestConfig::default() })]

    /// Chunks larger than the evaluator's 8192-element blocks: broadcast operands,
    /// literals and where are gathered block by block across block boundaries.
    #[test]
    fn large_chunks_broadcast_across_block_boundaries(
        ((x, xc), (row, rowc), (col, colc)) in (1usize..5, 2000usize..9000, select(vec![DType::F64, DType::I32, DType::U8]))
            .prop_flat_map(|(rows, cols, d)| {
                let (xs, rs, cs) = (vec![rows, cols], vec![cols], vec![rows, 1]);
                (
                    (tv(d, xs.clone(), true), (1..=rows as u64, 1000..=cols as u64).prop_map(|(a, b)| vec![a, b])),
                    (tv(DType::F64, rs.clone(), true), chunks_for(&rs)),
                    (tv(DType::I32, cs.clone(), true), chunks_for(&cs)),
                )
            }),
        threads in 1usize..=2,
    ) {
        let (lx, lr, lc) = (lazy(&x, &xc), lazy(&row, &rowc), lazy(&col, &colc));
        let arr = |t: &Tv| Side::Arr(t.dtype);
        // where(x > row, x * col, row) + 1
        let gt = expect_binary(BinaryOp::Gt, (&x, arr(&x)), (&row, arr(&row))).unwrap();
        let prod = expect_binary(BinaryOp::Mul, (&x, arr(&x)), (&col, arr(&col))).unwrap();
        let dtype = numpy_binary(BinaryOp::Maximum, arr(&prod), arr(&row)).unwrap();
        let picked = oracle_where(&gt, &prod, &row, dtype);
        let one = Scalar::Int(1);
        let want = expect_binary(BinaryOp::Add, (&picked, arr(&picked)), (&scalar_tv(one), Side::Lit(one))).unwrap();
        let got = Array::where_(
            &lx.binary(BinaryOp::Gt, &lr).unwrap(),
            lx.binary(BinaryOp::Mul, &lc).unwrap(),
            &lr,
        )
        .unwrap()
        .binary(BinaryOp::Add, 1i64)
        .unwrap();
        check(&got, &want, threads, "where(x > row, x * col, row) + 1");
        let sums = oracle_reduce(&want, ReduceOp::NanSum, &[1], true);
        check(&got.reduce(ReduceOp::NanSum, tessera::Axes::from([-1]).keepdims(true)).unwrap(), &sums, threads, "row sums");
    }
}

/// Zero-size slices reduce like numpy: sums 0, products 1, means NaN, counts 0, any
/// false, all true; min/max/arg* of nothing are errors; an empty output is fine.
#[test]
fn empty_slices_reduce_like_numpy() {
    let values = ArrayD::from_shape_fn(IxDyn(&[4, 5]), |i| (i[0] * 5 + i[1]) as f64);
    let a = Array::from_ndarray(values.view(), &[3, 2]).unwrap();
    let empty = a
        .slice(&[
            SliceItem::ALL,
            SliceItem::Range {
                start: Some(2),
                stop: Some(2),
                step: None,
            },
        ])
        .unwrap();
    assert_eq!(empty.shape(), &[4, 0]);
    let ctx = ctx(2);
    // Refusals come when the reduction is built (numpy refuses those with no identity).
    let over_1 = |op: ReduceOp| empty.reduce(op, [1]).and_then(|r| r.compute(&ctx));
    let f64s = |c: Chunk| c.to_ndarray::<f64>().unwrap().into_raw_vec_and_offset().0;
    assert_eq!(f64s(over_1(ReduceOp::Sum).unwrap()), [0.0; 4]);
    assert_eq!(f64s(over_1(ReduceOp::NanSum).unwrap()), [0.0; 4]);
    assert_eq!(f64s(over_1(ReduceOp::Prod).unwrap()), [1.0; 4]);
    for op in [
        ReduceOp::Mean,
        ReduceOp::NanMean,
        ReduceOp::Var { ddof: 0 },
        ReduceOp::Std { ddof: 0 },
    ] {
        assert!(
            f64s(over_1(op).unwrap()).iter().all(|v| v.is_nan()),
            "{op:?}"
        );
    }
    let count = over_1(ReduceOp::Count)
        .unwrap()
        .to_ndarray::<i64>()
        .unwrap();
    assert!(count.iter().all(|c| *c == 0));
    assert_eq!(over_1(ReduceOp::Any).unwrap().bytes(), [0; 4]);
    assert_eq!(over_1(ReduceOp::All).unwrap().bytes(), [1; 4]);
    for op in [
        ReduceOp::Min,
        ReduceOp::Max,
        ReduceOp::NanMin,
        ReduceOp::NanMax,
        ReduceOp::ArgMin,
        ReduceOp::ArgMax,
    ] {
        assert!(over_1(op).is_err(), "{op:?} of nothing");
    }
    // reducing the non-empty axis leaves an empty result, which is fine
    let over_0 = empty.reduce(ReduceOp::Max, [0]).unwrap();
    assert_eq!(over_0.shape(), &[0]);
    assert_eq!(over_0.compute(&ctx).unwrap().len(), 0);
    let total = empty.sum().unwrap().compute(&ctx).unwrap();
    assert_eq!(f64s(total), [0.0]);
    let shifted = empty
        .binary(BinaryOp::Add, 1.0)
        .unwrap()
        .compute(&ctx)
        .unwrap();
    assert_eq!(shifted.shape(), &[4, 0]);
}

/// A permutation as `Array::transpose` takes it (signed axes).
fn axes_of(perm: &[usize]) -> Vec<i64> {
    perm.iter().map(|&p| p as i64).collect()
}
