//! Elementwise kernels: binary and unary operators, casts and `where`, over byte blocks.
//!
//! The engine evaluates fused expression trees block by block with reusable buffers, so
//! every kernel takes raw native-endian bytes plus an explicit dtype, works on any length,
//! and treats a length-1 operand as a broadcast scalar. Inner loops are monomorphised per
//! dtype and operator (zipped slices, no per-element dispatch, no bounds checks), so the
//! float loops auto-vectorise.
//!
//! Type resolution (`BinaryOp::types`, `UnaryOp::types`) follows numpy 2's ufunc loops:
//! the caller casts both operands to the returned compute dtype (with `cast`) and
//! provides an output buffer of the returned output dtype.
//!
//! Conventions and deliberate differences from numpy:
//! - byte slices must be aligned to their element size (chunk bytes and `Vec<T>`-backed
//!   buffers are); a misaligned or ragged slice is refused with `Error::Invalid`;
//! - bool bytes are 0 or 1 (as every tessera producer writes them); logical operators
//!   treat any nonzero byte as true;
//! - integer `FloorDiv`/`Rem` by zero give 0 (numpy's value; numpy also warns, we don't);
//! - integer `Pow` with a negative exponent is refused with `Error::Invalid`, as numpy
//!   refuses it (`ValueError`); float32/64 `Pow` with a broadcast (length-1) exponent
//!   of 0.5 is `sqrt`, as numpy's loop makes it (so `(-0.0) ** 0.5` is -0.0 and
//!   `(-inf) ** 0.5` NaN; float16 keeps C's `pow`, as numpy's `power` does);
//! - integer `reciprocal` of 0 and integer `round` with negative decimals whose result
//!   overflows give what numpy gives on x86-64 (its C conversion of an out-of-range
//!   double there), except uint64, which saturates;
//! - float → int casts truncate toward zero and saturate: NaN → 0, ±inf and out-of-range
//!   values → the type's min/max (numpy's result is platform-dependent there);
//! - f16 arithmetic and math functions compute in f32 and round each result, as numpy's
//!   float16 loops do.

use crate::chunk::Chunk;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::kernels::promote::result_type;
use bytemuck::Pod;
use half::f16;

/// A binary operator, named after its numpy ufunc ([`BinaryOp::name`]). Dtypes follow
/// numpy 2's loops ([`BinaryOp::types`]).
///
/// Non-exhaustive: more ufuncs will be added, so a match outside tessera needs a `_` arm.
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// let ctx = Context::new()?;
/// let a = Array::from_ndarray(ndarray::array![7i64, -7].view(), &[2])?;
/// assert_eq!(a.binary(BinaryOp::FloorDiv, 2)?.compute_vec::<i64>(&ctx)?, vec![3, -4]);
/// assert_eq!(a.binary(BinaryOp::Maximum, 0)?.compute_vec::<i64>(&ctx)?, vec![7, 0]);
/// # Ok::<(), tessera::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BinaryOp {
    /// `add` (`a + b`); on two bools, logical or.
    Add,
    /// `subtract` (`a - b`); refused for two bools, as numpy does.
    Sub,
    /// `multiply` (`a * b`); on two bools, logical and.
    Mul,
    /// `true_divide` (`a / b`); integers and bools divide in float64.
    Div,
    /// `floor_divide` (`a // b`): rounds toward negative infinity; integer division by
    /// zero gives 0.
    FloorDiv,
    /// `remainder` (`a % b`): the sign follows the divisor; integer remainder by zero
    /// gives 0.
    Rem,
    /// `power` (`a ** b`); an integer to a negative integer power is refused, as numpy
    /// refuses it.
    Pow,
    /// `less` (`a < b`), giving bool.
    Lt,
    /// `less_equal` (`a <= b`), giving bool.
    Le,
    /// `greater` (`a > b`), giving bool.
    Gt,
    /// `greater_equal` (`a >= b`), giving bool.
    Ge,
    /// `equal` (`a == b`), giving bool.
    Eq,
    /// `not_equal` (`a != b`), giving bool.
    Ne,
    /// `logical_and`: true where both operands are nonzero, giving bool.
    And,
    /// `logical_or`: true where either operand is nonzero, giving bool.
    Or,
    /// `maximum`: the larger of the two, element by element; NaN if either is NaN.
    Maximum,
    /// `minimum`: the smaller of the two, element by element; NaN if either is NaN.
    Minimum,
    /// `logical_xor`: true where exactly one operand is nonzero, giving bool (also `^`).
    Xor,
    /// `fmax`: the larger of the two, ignoring NaN (NaN only where both are NaN).
    Fmax,
    /// `fmin`: the smaller of the two, ignoring NaN (NaN only where both are NaN).
    Fmin,
    /// `fmod`: C's remainder, with the sign of the dividend; integer `fmod` by zero
    /// gives 0.
    Fmod,
    /// `arctan2(y, x)`: the angle of the point (x, y), in radians. Bool and integers
    /// compute in the smallest float numpy picks (f16 for 8-bit, f32 for 16-bit, f64
    /// wider), as for the other float functions below.
    Arctan2,
    /// `hypot`: `sqrt(a*a + b*b)` without undue overflow.
    Hypot,
    /// `copysign`: the magnitude of a with the sign of b.
    CopySign,
    /// `nextafter`: the next float after a toward b.
    NextAfter,
    /// `heaviside(x, h0)`: 0 where x < 0, h0 where x == 0, 1 where x > 0 (NaN stays).
    Heaviside,
    /// `float_power`: a to the power b, always in float64.
    FloatPower,
}

/// A unary operator, named after its numpy ufunc ([`UnaryOp::name`]). Dtypes follow
/// numpy 2's loops ([`UnaryOp::types`]).
///
/// Non-exhaustive: more ufuncs will be added, so a match outside tessera needs a `_` arm.
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// let ctx = Context::new()?;
/// let a = Array::from_ndarray(ndarray::array![4.0, 9.0].view(), &[2])?;
/// assert_eq!(a.unary(UnaryOp::Sqrt)?.compute_vec::<f64>(&ctx)?, vec![2.0, 3.0]);
/// # Ok::<(), tessera::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UnaryOp {
    /// `negative` (`-a`); refused for bool, as numpy does.
    Neg,
    /// `absolute`; integers wrap at their minimum (`abs(-128i8)` is -128), as numpy's.
    Abs,
    /// `sqrt`; NaN for negative floats. Bool and integers compute in the smallest float
    /// numpy picks (f16 for 8-bit, f32 for 16-bit, f64 wider), as for the other math
    /// functions below.
    Sqrt,
    /// `exp`: e to the power of each element.
    Exp,
    /// `log`: natural logarithm; -inf at 0, NaN below.
    Log,
    /// `sin`, of radians.
    Sin,
    /// `cos`, of radians.
    Cos,
    /// `logical_not`: true where the element is zero, giving bool.
    Not,
    /// `isnan`: true where the element is NaN (never, for bool and integers), giving bool.
    IsNan,
    /// `positive` (`+a`): the element unchanged; refused for bool, as numpy does.
    Pos,
    /// `sign`: -1, 0 or 1 in the same dtype (0.0 for ±0.0, NaN for NaN); refused for
    /// bool, as numpy does.
    Sign,
    /// `floor`; integers and bool are unchanged (and keep their dtype, as in numpy 2).
    Floor,
    /// `ceil`; integers and bool are unchanged.
    Ceil,
    /// `trunc`: rounds toward zero; integers and bool are unchanged.
    Trunc,
    /// `round(a, decimals)`: half to even, to `decimals` places (negative: tens,
    /// hundreds, ...), computed as numpy does through a power of ten. Integers keep their
    /// dtype (unchanged for `decimals >= 0`); bool gives float16 for `decimals == 0` and
    /// is refused otherwise, as numpy does.
    Round {
        /// Decimal places; negative rounds to tens, hundreds, ...
        decimals: i32,
    },
    /// `square`: `a * a` in the same dtype (integers wrap); bool gives int8.
    Square,
    /// `reciprocal`: `1 / a` in the same dtype; integers give `1 / a` truncated (0 for
    /// |a| > 1); bool gives int8.
    Reciprocal,
    /// `isinf`: true where the element is ±inf, giving bool.
    IsInf,
    /// `isfinite`: true where the element is neither infinite nor NaN, giving bool.
    IsFinite,
    /// `signbit`: true where the sign bit is set (-0.0 and negative numbers), giving bool.
    SignBit,
    /// `tan`, of radians.
    Tan,
    /// `arcsin`, in radians.
    Arcsin,
    /// `arccos`, in radians.
    Arccos,
    /// `arctan`, in radians.
    Arctan,
    /// `sinh`: hyperbolic sine.
    Sinh,
    /// `cosh`: hyperbolic cosine.
    Cosh,
    /// `tanh`: hyperbolic tangent.
    Tanh,
    /// `arcsinh`: inverse hyperbolic sine.
    Arcsinh,
    /// `arccosh`: inverse hyperbolic cosine; NaN below 1.
    Arccosh,
    /// `arctanh`: inverse hyperbolic tangent; ±inf at ±1, NaN beyond.
    Arctanh,
    /// `log10`: base-10 logarithm.
    Log10,
    /// `log2`: base-2 logarithm.
    Log2,
    /// `log1p`: `log(1 + a)`, accurate near 0.
    Log1p,
    /// `expm1`: `exp(a) - 1`, accurate near 0.
    Expm1,
    /// `exp2`: 2 to the power of each element.
    Exp2,
    /// `cbrt`: cube root.
    Cbrt,
    /// `rint`: the nearest integer, half to even, as a float (bool and integers give
    /// floats, as numpy does).
    Rint,
    /// `fabs`: absolute value as a float (bool and integers give floats).
    Fabs,
    /// `deg2rad` (`radians`): degrees to radians.
    Deg2Rad,
    /// `rad2deg` (`degrees`): radians to degrees.
    Rad2Deg,
}

/// The smallest float numpy computes a float function of dtype `d` in: floats keep
/// their dtype; bool, int8 and uint8 → f16; int16/uint16 → f32; wider integers → f64.
fn float_for(d: DType) -> DType {
    match d {
        DType::F16 | DType::F32 | DType::F64 => d,
        DType::Bool | DType::I8 | DType::U8 => DType::F16,
        DType::I16 | DType::U16 => DType::F32,
        _ => DType::F64,
    }
}

/// How an operator's loop is shaped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// T, T → T
    Arith,
    /// T, T → bool
    Compare,
    /// nonzero(T), nonzero(T) → bool
    Logical,
    /// F, F → F for a float dtype F
    Float,
}

impl BinaryOp {
    /// numpy's ufunc name (`add`, `floor_divide`, `logical_and`, ...).
    pub fn name(self) -> &'static str {
        match self {
            BinaryOp::Add => "add",
            BinaryOp::Sub => "subtract",
            BinaryOp::Mul => "multiply",
            BinaryOp::Div => "true_divide",
            BinaryOp::FloorDiv => "floor_divide",
            BinaryOp::Rem => "remainder",
            BinaryOp::Pow => "power",
            BinaryOp::Lt => "less",
            BinaryOp::Le => "less_equal",
            BinaryOp::Gt => "greater",
            BinaryOp::Ge => "greater_equal",
            BinaryOp::Eq => "equal",
            BinaryOp::Ne => "not_equal",
            BinaryOp::And => "logical_and",
            BinaryOp::Or => "logical_or",
            BinaryOp::Maximum => "maximum",
            BinaryOp::Minimum => "minimum",
            BinaryOp::Xor => "logical_xor",
            BinaryOp::Fmax => "fmax",
            BinaryOp::Fmin => "fmin",
            BinaryOp::Fmod => "fmod",
            BinaryOp::Arctan2 => "arctan2",
            BinaryOp::Hypot => "hypot",
            BinaryOp::CopySign => "copysign",
            BinaryOp::NextAfter => "nextafter",
            BinaryOp::Heaviside => "heaviside",
            BinaryOp::FloatPower => "float_power",
        }
    }

    fn class(self) -> Class {
        match self {
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge | BinaryOp::Eq => {
                Class::Compare
            }
            BinaryOp::Ne => Class::Compare,
            BinaryOp::And | BinaryOp::Or | BinaryOp::Xor => Class::Logical,
            BinaryOp::Arctan2
            | BinaryOp::Hypot
            | BinaryOp::CopySign
            | BinaryOp::NextAfter
            | BinaryOp::Heaviside
            | BinaryOp::FloatPower => Class::Float,
            _ => Class::Arith,
        }
    }

    /// `(compute dtype, output dtype)` for operands of dtypes `a` and `b`: both operands
    /// are cast to the compute dtype before [`binary`], which writes the output dtype.
    /// Follows numpy 2's loop selection (e.g. `int // int` stays int, `int / int` is
    /// f64, `bool + bool` is bool (logical or), `bool // bool` is int8, `arctan2` of
    /// int16 is f32, `float_power` is always f64).
    ///
    /// # Errors
    /// [`Error::Invalid`] for `subtract` on two bools, which numpy refuses.
    pub fn types(self, a: DType, b: DType) -> Result<(DType, DType)> {
        let r = result_type(a, b);
        let compute = match self {
            BinaryOp::Sub if r == DType::Bool => {
                return Err(Error::Invalid(
                    "subtract: numpy does not subtract booleans; use logical_xor (^) or cast to an integer dtype first".into(),
                ));
            }
            BinaryOp::Div if !r.is_float() => DType::F64,
            BinaryOp::FloorDiv | BinaryOp::Rem | BinaryOp::Pow | BinaryOp::Fmod
                if r == DType::Bool =>
            {
                DType::I8
            }
            BinaryOp::FloatPower => DType::F64,
            // numpy picks the first float loop both operands cast to safely.
            _ if self.class() == Class::Float => result_type(float_for(a), float_for(b)),
            _ => r,
        };
        let out = match self.class() {
            Class::Arith | Class::Float => compute,
            Class::Compare | Class::Logical => DType::Bool,
        };
        Ok((compute, out))
    }
}

impl UnaryOp {
    /// numpy's ufunc name (`negative`, `absolute`, `sqrt`, ...).
    pub fn name(self) -> &'static str {
        match self {
            UnaryOp::Neg => "negative",
            UnaryOp::Abs => "absolute",
            UnaryOp::Sqrt => "sqrt",
            UnaryOp::Exp => "exp",
            UnaryOp::Log => "log",
            UnaryOp::Sin => "sin",
            UnaryOp::Cos => "cos",
            UnaryOp::Not => "logical_not",
            UnaryOp::IsNan => "isnan",
            UnaryOp::Pos => "positive",
            UnaryOp::Sign => "sign",
            UnaryOp::Floor => "floor",
            UnaryOp::Ceil => "ceil",
            UnaryOp::Trunc => "trunc",
            UnaryOp::Round { .. } => "round",
            UnaryOp::Square => "square",
            UnaryOp::Reciprocal => "reciprocal",
            UnaryOp::IsInf => "isinf",
            UnaryOp::IsFinite => "isfinite",
            UnaryOp::SignBit => "signbit",
            UnaryOp::Tan => "tan",
            UnaryOp::Arcsin => "arcsin",
            UnaryOp::Arccos => "arccos",
            UnaryOp::Arctan => "arctan",
            UnaryOp::Sinh => "sinh",
            UnaryOp::Cosh => "cosh",
            UnaryOp::Tanh => "tanh",
            UnaryOp::Arcsinh => "arcsinh",
            UnaryOp::Arccosh => "arccosh",
            UnaryOp::Arctanh => "arctanh",
            UnaryOp::Log10 => "log10",
            UnaryOp::Log2 => "log2",
            UnaryOp::Log1p => "log1p",
            UnaryOp::Expm1 => "expm1",
            UnaryOp::Exp2 => "exp2",
            UnaryOp::Cbrt => "cbrt",
            UnaryOp::Rint => "rint",
            UnaryOp::Fabs => "fabs",
            UnaryOp::Deg2Rad => "deg2rad",
            UnaryOp::Rad2Deg => "rad2deg",
        }
    }

    /// How the operator's loop is shaped.
    fn shape(self) -> UnaryShape {
        match self {
            UnaryOp::Not
            | UnaryOp::IsNan
            | UnaryOp::IsInf
            | UnaryOp::IsFinite
            | UnaryOp::SignBit => UnaryShape::Predicate,
            UnaryOp::Neg
            | UnaryOp::Abs
            | UnaryOp::Pos
            | UnaryOp::Sign
            | UnaryOp::Floor
            | UnaryOp::Ceil
            | UnaryOp::Trunc
            | UnaryOp::Round { .. }
            | UnaryOp::Square
            | UnaryOp::Reciprocal => UnaryShape::Same,
            _ => UnaryShape::Float,
        }
    }

    /// True when the operator returns every element of dtype `a` unchanged (`positive`;
    /// `floor`, `ceil`, `trunc` of integers; `round` of integers to `decimals >= 0`), so
    /// the array itself can stand for the result.
    pub(crate) fn is_identity_for(self, a: DType) -> bool {
        let int = !a.is_float() && a != DType::Bool;
        match self {
            UnaryOp::Pos => a != DType::Bool,
            UnaryOp::Floor | UnaryOp::Ceil | UnaryOp::Trunc => int,
            UnaryOp::Round { decimals } => int && decimals >= 0,
            _ => false,
        }
    }

    /// `(compute dtype, output dtype)` for an operand of dtype `a`, as numpy 2 picks its
    /// loop. Float functions on bool/ints use the smallest float numpy picks: bool, int8
    /// and uint8 → f16; int16/uint16 → f32; wider ints → f64.
    ///
    /// # Errors
    /// [`Error::Invalid`] where numpy refuses a bool operand: `negative`, `positive`,
    /// `sign`, and `round` with nonzero decimals.
    pub fn types(self, a: DType) -> Result<(DType, DType)> {
        let name = self.name();
        let is_bool = a == DType::Bool;
        match self {
            UnaryOp::Neg if is_bool => Err(Error::Invalid(
                "negative: numpy does not negate booleans; use logical_not (~) instead".into(),
            )),
            UnaryOp::Pos | UnaryOp::Sign if is_bool => Err(Error::Invalid(format!(
                "{name}: numpy does not apply {name} to booleans; cast to an integer dtype first"
            ))),
            UnaryOp::Round { decimals } if is_bool && decimals != 0 => Err(Error::Invalid(
                "round: numpy does not round booleans to nonzero decimals; cast to a float dtype first".into(),
            )),
            UnaryOp::Round { .. } if is_bool => Ok((DType::F16, DType::F16)),
            UnaryOp::Square | UnaryOp::Reciprocal if is_bool => Ok((DType::I8, DType::I8)),
            _ => Ok(match self.shape() {
                UnaryShape::Predicate => (a, DType::Bool),
                UnaryShape::Same => (a, a),
                UnaryShape::Float => (float_for(a), float_for(a)),
            }),
        }
    }
}

/// How a unary operator's loop is shaped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum UnaryShape {
    /// T → bool
    Predicate,
    /// T → T, for every numeric T
    Same,
    /// F → F for a float dtype F
    Float,
}

/// A block of elements: raw native-endian bytes and their dtype. A length-1 operand
/// broadcasts against longer ones.
#[derive(Clone, Copy, Debug)]
pub struct Operand<'a> {
    pub bytes: &'a [u8],
    pub dtype: DType,
}

impl<'a> Operand<'a> {
    /// An operand over `bytes` of `dtype`.
    pub fn new(bytes: &'a [u8], dtype: DType) -> Self {
        Operand { bytes, dtype }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.bytes.len() / self.dtype.size()
    }

    /// True when the operand holds no element.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

/// `bytes` as a typed slice, or an error naming `what` when ragged or misaligned.
pub(crate) fn view<'b, T: Pod>(bytes: &'b [u8], what: &str) -> Result<&'b [T]> {
    if bytes.is_empty() {
        // An empty Vec<u8> has a dangling, 1-aligned pointer: no element to misread.
        return Ok(&[]);
    }
    bytemuck::try_cast_slice(bytes).map_err(|e| misfit(what, bytes.len(), size_of::<T>(), e))
}

/// `bytes` as a mutable typed slice, or an error naming `what`.
pub(crate) fn view_mut<'b, T: Pod>(bytes: &'b mut [u8], what: &str) -> Result<&'b mut [T]> {
    let len = bytes.len();
    if len == 0 {
        return Ok(&mut []);
    }
    bytemuck::try_cast_slice_mut(bytes).map_err(|e| misfit(what, len, size_of::<T>(), e))
}

fn misfit(what: &str, len: usize, size: usize, e: bytemuck::PodCastError) -> Error {
    Error::Invalid(format!(
        "{what}: {len} bytes are not an aligned whole number of {size}-byte elements ({e:?})"
    ))
}

fn length_error(what: &str, a: usize, b: usize, n: usize) -> Error {
    Error::shape(
        what,
        format!("operands of {a} and {b} elements do not broadcast to an output of {n}"),
    )
}

/// `out[i] = f(a[i], b[i])`, with length-1 `a` or `b` broadcast.
#[inline(always)]
fn zip_with<A: Copy, B: Copy, O>(
    what: &str,
    a: &[A],
    b: &[B],
    out: &mut [O],
    f: impl Fn(A, B) -> O,
) -> Result<()> {
    let n = out.len();
    if a.len() == n && b.len() == n {
        for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
            *o = f(x, y);
        }
    } else if let ([x], true) = (a, b.len() == n) {
        for (o, &y) in out.iter_mut().zip(b) {
            *o = f(*x, y);
        }
    } else if let (true, [y]) = (a.len() == n, b) {
        for (o, &x) in out.iter_mut().zip(a) {
            *o = f(x, *y);
        }
    } else if let ([x], [y]) = (a, b) {
        for o in out.iter_mut() {
            *o = f(*x, *y);
        }
    } else {
        return Err(length_error(what, a.len(), b.len(), n));
    }
    Ok(())
}

/// `out[i] = f(a[i])`, with a length-1 `a` broadcast.
#[inline(always)]
fn map_with<A: Copy, O>(what: &str, a: &[A], out: &mut [O], f: impl Fn(A) -> O) -> Result<()> {
    if a.len() == out.len() {
        for (o, &x) in out.iter_mut().zip(a) {
            *o = f(x);
        }
    } else if let [x] = a {
        for o in out.iter_mut() {
            *o = f(*x);
        }
    } else {
        return Err(length_error(what, a.len(), 1, out.len()));
    }
    Ok(())
}

/// Runs `$body` with `$T` bound to the Rust type of numeric dtype `$dtype`; `$bool` for
/// `DType::Bool`.
macro_rules! dispatch {
    ($dtype:expr, $T:ident => $body:expr, bool => $bool:expr) => {
        match $dtype {
            DType::Bool => $bool,
            DType::I8 => {
                type $T = i8;
                $body
            }
            DType::I16 => {
                type $T = i16;
                $body
            }
            DType::I32 => {
                type $T = i32;
                $body
            }
            DType::I64 => {
                type $T = i64;
                $body
            }
            DType::U8 => {
                type $T = u8;
                $body
            }
            DType::U16 => {
                type $T = u16;
                $body
            }
            DType::U32 => {
                type $T = u32;
                $body
            }
            DType::U64 => {
                type $T = u64;
                $body
            }
            DType::F16 => {
                type $T = f16;
                $body
            }
            DType::F32 => {
                type $T = f32;
                $body
            }
            DType::F64 => {
                type $T = f64;
                $body
            }
        }
    };
}

/// Elements a fused expression or an in-place combine works on at a time: small enough
/// that a block of 8-byte values per operation stays in cache.
pub const BLOCK: usize = 8192;

mod cast;
mod math;
mod num;

pub use cast::{cast, try_cast, try_where_select, where_select};
use num::Num;

/// `acc = acc op other`, elementwise and in place; both have `acc`'s dtype and shape.
/// Works through one block of scratch at a time, so no chunk-sized temporary exists.
///
/// # Errors
/// Whatever [`binary`] reports for the operation (an integer division by zero never
/// errors; numpy's conventions apply).
pub fn apply_in_place(op: BinaryOp, acc: &mut Chunk, other: &Chunk) -> Result<()> {
    let dtype = acc.dtype();
    let size = dtype.size();
    let mut scratch = vec![0u64; BLOCK];
    for lo in (0..acc.len()).step_by(BLOCK) {
        let hi = (lo + BLOCK).min(acc.len());
        let bytes = lo * size..hi * size;
        let out = &mut bytemuck::cast_slice_mut::<u64, u8>(&mut scratch)[..bytes.len()];
        binary(
            op,
            Operand::new(&acc.bytes()[bytes.clone()], dtype),
            Operand::new(&other.bytes()[bytes.clone()], dtype),
            out,
            dtype,
        )?;
        acc.bytes_mut()[bytes].copy_from_slice(out);
    }
    Ok(())
}

/// `out = a (op) b` elementwise. `a` and `b` must already be in the compute dtype that
/// [`BinaryOp::types`] returns, `out_dtype` must be its output dtype, and `out` holds
/// as many elements as the longer operand (a length-1 operand broadcasts).
pub fn binary(
    op: BinaryOp,
    a: Operand,
    b: Operand,
    out: &mut [u8],
    out_dtype: DType,
) -> Result<()> {
    let name = op.name();
    if a.dtype != b.dtype {
        return Err(Error::Invalid(format!(
            "{name}: operands are {} and {}; cast both to the compute dtype first",
            a.dtype, b.dtype
        )));
    }
    let (compute, expected) = op.types(a.dtype, b.dtype)?;
    if compute != a.dtype && op.class() != Class::Logical {
        return Err(Error::Invalid(format!(
            "{name}: operands are {}; cast them to the compute dtype {compute} first",
            a.dtype
        )));
    }
    if out_dtype != expected {
        return Err(Error::Invalid(format!(
            "{name}: output dtype is {expected} for {} operands, not {out_dtype}",
            a.dtype
        )));
    }
    match op.class() {
        Class::Arith => dispatch!(a.dtype,
            T => arith::<T>(op, view(a.bytes, name)?, view(b.bytes, name)?, view_mut(out, name)?),
            bool => bool_arith(op, a.bytes, b.bytes, out)),
        Class::Compare => dispatch!(a.dtype,
            T => compare::<T>(op, view(a.bytes, name)?, view(b.bytes, name)?, out),
            bool => compare::<u8>(op, a.bytes, b.bytes, out)),
        Class::Logical => dispatch!(a.dtype,
            T => logical::<T>(op, view(a.bytes, name)?, view(b.bytes, name)?, out),
            bool => logical::<u8>(op, a.bytes, b.bytes, out)),
        Class::Float => math::binary(op, a, b, out),
    }
}

fn arith<T: Num>(op: BinaryOp, a: &[T], b: &[T], out: &mut [T]) -> Result<()> {
    let w = op.name();
    match op {
        BinaryOp::Add => zip_with(w, a, b, out, T::add),
        BinaryOp::Sub => zip_with(w, a, b, out, T::sub),
        BinaryOp::Mul => zip_with(w, a, b, out, T::mul),
        BinaryOp::Div => zip_with(w, a, b, out, T::div),
        BinaryOp::FloorDiv => zip_with(w, a, b, out, T::floordiv),
        BinaryOp::Rem => zip_with(w, a, b, out, T::rem),
        BinaryOp::Pow => power(a, b, out),
        BinaryOp::Maximum => zip_with(w, a, b, out, T::maximum),
        BinaryOp::Minimum => zip_with(w, a, b, out, T::minimum),
        BinaryOp::Fmax => zip_with(w, a, b, out, T::fmax),
        BinaryOp::Fmin => zip_with(w, a, b, out, T::fmin),
        BinaryOp::Fmod => zip_with(w, a, b, out, T::fmod),
        _ => Err(Error::Invalid(format!("{w} is not an arithmetic operator"))),
    }
}

/// The message refusing an integer to a negative integer power (numpy's `ValueError`).
pub(crate) const NEGATIVE_POWER: &str = "power: integers to negative integer powers are not allowed (numpy refuses them too); use float_power or cast to a float dtype first";

/// `power`: refuses negative integer exponents before the loop, as numpy does; a
/// broadcast float exponent of 0.5 is `sqrt`, as in numpy's loop.
fn power<T: Num>(a: &[T], b: &[T], out: &mut [T]) -> Result<()> {
    let w = BinaryOp::Pow.name();
    if b.iter().any(|e| e.negative_int()) {
        return Err(Error::Invalid(NEGATIVE_POWER.into()));
    }
    match b {
        [e] if e.is_half() => map_with(w, a, out, T::sqrt),
        _ => zip_with(w, a, b, out, T::pow),
    }
}

/// Boolean arithmetic as numpy defines it: add/maximum/fmax are logical or,
/// multiply/minimum/fmin logical and.
fn bool_arith(op: BinaryOp, a: &[u8], b: &[u8], out: &mut [u8]) -> Result<()> {
    let w = op.name();
    match op {
        BinaryOp::Add | BinaryOp::Maximum | BinaryOp::Fmax => {
            zip_with(w, a, b, out, |x, y| u8::from((x | y) != 0))
        }
        BinaryOp::Mul | BinaryOp::Minimum | BinaryOp::Fmin => {
            zip_with(w, a, b, out, |x, y| u8::from(x != 0 && y != 0))
        }
        _ => Err(Error::Invalid(format!(
            "{w} is not defined for bool operands"
        ))),
    }
}

fn compare<T: PartialOrd + Copy>(op: BinaryOp, a: &[T], b: &[T], out: &mut [u8]) -> Result<()> {
    let w = op.name();
    match op {
        BinaryOp::Lt => zip_with(w, a, b, out, |x, y| u8::from(x < y)),
        BinaryOp::Le => zip_with(w, a, b, out, |x, y| u8::from(x <= y)),
        BinaryOp::Gt => zip_with(w, a, b, out, |x, y| u8::from(x > y)),
        BinaryOp::Ge => zip_with(w, a, b, out, |x, y| u8::from(x >= y)),
        BinaryOp::Eq => zip_with(w, a, b, out, |x, y| u8::from(x == y)),
        BinaryOp::Ne => zip_with(w, a, b, out, |x, y| u8::from(x != y)),
        _ => Err(Error::Invalid(format!("{w} is not a comparison"))),
    }
}

fn logical<T: PartialEq + Default + Copy>(
    op: BinaryOp,
    a: &[T],
    b: &[T],
    out: &mut [u8],
) -> Result<()> {
    let w = op.name();
    let z = T::default();
    match op {
        BinaryOp::And => zip_with(w, a, b, out, |x, y| u8::from(x != z && y != z)),
        BinaryOp::Or => zip_with(w, a, b, out, |x, y| u8::from(x != z || y != z)),
        BinaryOp::Xor => zip_with(w, a, b, out, |x, y| u8::from((x != z) != (y != z))),
        _ => Err(Error::Invalid(format!("{w} is not a logical operator"))),
    }
}

/// `out = op(a)` elementwise. `a` must already be in the compute dtype that
/// [`UnaryOp::types`] returns and `out_dtype` must be its output dtype.
pub fn unary(op: UnaryOp, a: Operand, out: &mut [u8], out_dtype: DType) -> Result<()> {
    let name = op.name();
    let (compute, expected) = op.types(a.dtype)?;
    if compute != a.dtype || out_dtype != expected {
        return Err(Error::Invalid(format!(
            "{name}: a {} operand needs casting to {compute} and gives {expected}, not {out_dtype}",
            a.dtype
        )));
    }
    match op.shape() {
        UnaryShape::Predicate => dispatch!(a.dtype,
            T => predicate::<T>(op, view(a.bytes, name)?, out),
            bool => predicate::<u8>(op, a.bytes, out)),
        UnaryShape::Same => dispatch!(a.dtype,
            T => same_dtype::<T>(op, view(a.bytes, name)?, view_mut(out, name)?),
            // abs, floor, ceil and trunc of bool (the others compute in int8 or f16).
            bool => map_with(name, a.bytes, out, |x| u8::from(x != 0))),
        UnaryShape::Float => math::unary(op, a, out),
    }
}

/// A unary operator that keeps the dtype.
fn same_dtype<T: Num>(op: UnaryOp, a: &[T], out: &mut [T]) -> Result<()> {
    let w = op.name();
    match op {
        UnaryOp::Neg => map_with(w, a, out, T::neg),
        UnaryOp::Abs => map_with(w, a, out, T::abs),
        UnaryOp::Pos => map_with(w, a, out, |x| x),
        UnaryOp::Sign => map_with(w, a, out, T::sign),
        UnaryOp::Floor => map_with(w, a, out, T::floor),
        UnaryOp::Ceil => map_with(w, a, out, T::ceil),
        UnaryOp::Trunc => map_with(w, a, out, T::trunc),
        UnaryOp::Round { decimals } => map_with(w, a, out, |x| x.round_to(decimals)),
        UnaryOp::Square => map_with(w, a, out, |x| x.mul(x)),
        UnaryOp::Reciprocal => map_with(w, a, out, T::reciprocal),
        _ => Err(Error::Invalid(format!(
            "{w} does not keep its operand's dtype"
        ))),
    }
}

/// A unary operator giving bool. `u8` stands for bool: it is never NaN or infinite and
/// has no sign bit.
fn predicate<T: Num>(op: UnaryOp, a: &[T], out: &mut [u8]) -> Result<()> {
    let w = op.name();
    match op {
        UnaryOp::Not => map_with(w, a, out, |x| u8::from(x == T::default())),
        UnaryOp::IsNan => map_with(w, a, out, |x| u8::from(x.is_nan())),
        UnaryOp::IsInf => map_with(w, a, out, |x| u8::from(x.is_inf())),
        UnaryOp::IsFinite => map_with(w, a, out, |x| u8::from(x.is_finite())),
        UnaryOp::SignBit => map_with(w, a, out, |x| u8::from(x.signbit())),
        _ => Err(Error::Invalid(format!("{w} does not give bool"))),
    }
}

#[cfg(test)]
mod tests;
