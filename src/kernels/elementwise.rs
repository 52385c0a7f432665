//! Elementwise kernels: binary and unary operators, casts and `where`, over byte blocks.
//!
//! The engine evaluates fused expression trees block by block with reusable buffers, so
//! every kernel takes raw native-endian bytes plus an explicit dtype, works on any length,
//! and treats a length-1 operand as a broadcast scalar. Inner loops are monomorphised per
//! dtype and operator (zipped slices, no per-element dispatch, no bounds checks), so the
//! float loops auto-vectorise.
//!
//! Type resolution (`BinaryOp::types`, `UnaryOp::types`) follows numpy 2's ufunc loops:
//! the caller casts both operands to the returned compute dtype (with [`cast`]) and
//! provides an output buffer of the returned output dtype.
//!
//! Conventions and deliberate differences from numpy:
//! - byte slices must be aligned to their element size (chunk bytes and `Vec<T>`-backed
//!   buffers are); a misaligned or ragged slice is refused with `Error::Invalid`;
//! - bool bytes are 0 or 1 (as every tessera producer writes them); logical operators
//!   treat any nonzero byte as true;
//! - integer `FloorDiv`/`Rem` by zero give 0 (numpy's value; numpy also warns, we don't);
//! - integer `Pow` with a negative exponent, which numpy refuses with `ValueError`, gives
//!   0, except base 1 (→ 1) and base -1 (→ ±1 by the exponent's parity);
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
    /// `power` (`a ** b`); an integer to a negative integer power gives 0 (except for a
    /// base of 1 or -1) where numpy raises.
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
        }
    }

    fn class(self) -> Class {
        match self {
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge | BinaryOp::Eq => {
                Class::Compare
            }
            BinaryOp::Ne => Class::Compare,
            BinaryOp::And | BinaryOp::Or => Class::Logical,
            _ => Class::Arith,
        }
    }

    /// `(compute dtype, output dtype)` for operands of dtypes `a` and `b`: both operands
    /// are cast to the compute dtype before [`binary`], which writes the output dtype.
    /// Follows numpy 2's loop selection (e.g. `int // int` stays int, `int / int` is
    /// f64, `bool + bool` is bool (logical or), `bool // bool` is int8).
    pub fn types(self, a: DType, b: DType) -> Result<(DType, DType)> {
        let r = result_type(a, b);
        let compute = match self {
            BinaryOp::Sub if r == DType::Bool => {
                return Err(Error::Invalid(
                    "subtract: numpy does not subtract booleans; use logical_xor (^) or cast to an integer dtype first".into(),
                ));
            }
            BinaryOp::Div if !r.is_float() => DType::F64,
            BinaryOp::FloorDiv | BinaryOp::Rem | BinaryOp::Pow if r == DType::Bool => DType::I8,
            _ => r,
        };
        let out = match self.class() {
            Class::Arith => compute,
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
        }
    }

    fn is_math(self) -> bool {
        matches!(
            self,
            UnaryOp::Sqrt | UnaryOp::Exp | UnaryOp::Log | UnaryOp::Sin | UnaryOp::Cos
        )
    }

    /// `(compute dtype, output dtype)` for an operand of dtype `a`, as numpy 2 picks its
    /// loop. Math functions on bool/ints use the smallest float numpy picks: bool, int8
    /// and uint8 → f16; int16/uint16 → f32; wider ints → f64.
    pub fn types(self, a: DType) -> Result<(DType, DType)> {
        match self {
            UnaryOp::Neg if a == DType::Bool => Err(Error::Invalid(
                "negative: numpy does not negate booleans; use logical_not (~) instead".into(),
            )),
            UnaryOp::Neg | UnaryOp::Abs => Ok((a, a)),
            UnaryOp::Not | UnaryOp::IsNan => Ok((a, DType::Bool)),
            _ => {
                let f = match a {
                    DType::F16 | DType::F32 | DType::F64 => a,
                    DType::Bool | DType::I8 | DType::U8 => DType::F16,
                    DType::I16 | DType::U16 => DType::F32,
                    _ => DType::F64,
                };
                Ok((f, f))
            }
        }
    }
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

/// Numeric element arithmetic with numpy's semantics for each type.
trait Num: Pod + PartialOrd + Default {
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    /// True division; integers never reach it (their `Div` computes in f64).
    fn div(self, o: Self) -> Self;
    fn floordiv(self, o: Self) -> Self;
    fn rem(self, o: Self) -> Self;
    fn pow(self, o: Self) -> Self;
    fn maximum(self, o: Self) -> Self;
    fn minimum(self, o: Self) -> Self;
    fn neg(self) -> Self;
    fn abs(self) -> Self;
    fn is_nan(self) -> bool;
}

/// Wrapping integer power by squaring; `e` is non-negative.
macro_rules! int_pow {
    ($base:expr, $e:expr, $t:ty) => {{
        let (mut base, mut e, mut acc) = ($base, $e as u64, 1 as $t);
        while e > 0 {
            if e & 1 == 1 {
                acc = acc.wrapping_mul(base);
            }
            base = base.wrapping_mul(base);
            e >>= 1;
        }
        acc
    }};
}

macro_rules! signed_num {
    ($($t:ty),*) => {$(
        impl Num for $t {
            #[inline(always)] fn add(self, o: Self) -> Self { self.wrapping_add(o) }
            #[inline(always)] fn sub(self, o: Self) -> Self { self.wrapping_sub(o) }
            #[inline(always)] fn mul(self, o: Self) -> Self { self.wrapping_mul(o) }
            #[inline(always)] fn div(self, o: Self) -> Self { self.floordiv(o) }
            #[inline(always)] fn floordiv(self, o: Self) -> Self {
                if o == 0 { return 0; }
                let q = self.wrapping_div(o);
                if self.wrapping_rem(o) != 0 && ((self < 0) != (o < 0)) { q - 1 } else { q }
            }
            #[inline(always)] fn rem(self, o: Self) -> Self {
                if o == 0 { return 0; }
                let r = self.wrapping_rem(o);
                if r != 0 && ((r < 0) != (o < 0)) { r + o } else { r }
            }
            #[inline(always)] fn pow(self, o: Self) -> Self {
                if o < 0 {
                    return match self { 1 => 1, -1 => if o & 1 == 0 { 1 } else { -1 }, _ => 0 };
                }
                int_pow!(self, o, $t)
            }
            #[inline(always)] fn maximum(self, o: Self) -> Self { if self >= o { self } else { o } }
            #[inline(always)] fn minimum(self, o: Self) -> Self { if self <= o { self } else { o } }
            #[inline(always)] fn neg(self) -> Self { self.wrapping_neg() }
            #[inline(always)] fn abs(self) -> Self { self.wrapping_abs() }
            #[inline(always)] fn is_nan(self) -> bool { false }
        }
    )*};
}

macro_rules! unsigned_num {
    ($($t:ty),*) => {$(
        impl Num for $t {
            #[inline(always)] fn add(self, o: Self) -> Self { self.wrapping_add(o) }
            #[inline(always)] fn sub(self, o: Self) -> Self { self.wrapping_sub(o) }
            #[inline(always)] fn mul(self, o: Self) -> Self { self.wrapping_mul(o) }
            #[inline(always)] fn div(self, o: Self) -> Self { self.floordiv(o) }
            #[inline(always)] fn floordiv(self, o: Self) -> Self { if o == 0 { 0 } else { self / o } }
            #[inline(always)] fn rem(self, o: Self) -> Self { if o == 0 { 0 } else { self % o } }
            #[inline(always)] fn pow(self, o: Self) -> Self { int_pow!(self, o, $t) }
            #[inline(always)] fn maximum(self, o: Self) -> Self { if self >= o { self } else { o } }
            #[inline(always)] fn minimum(self, o: Self) -> Self { if self <= o { self } else { o } }
            #[inline(always)] fn neg(self) -> Self { self.wrapping_neg() }
            #[inline(always)] fn abs(self) -> Self { self }
            #[inline(always)] fn is_nan(self) -> bool { false }
        }
    )*};
}

signed_num!(i8, i16, i32, i64);
unsigned_num!(u8, u16, u32, u64);

/// numpy's `npy_divmod`: Python's floor division and remainder for floats.
macro_rules! float_divmod {
    ($name:ident, $t:ty) => {
        #[inline(always)]
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

float_divmod!(divmod32, f32);
float_divmod!(divmod64, f64);

macro_rules! float_num {
    ($t:ty, $divmod:ident) => {
        impl Num for $t {
            #[inline(always)]
            fn add(self, o: Self) -> Self {
                self + o
            }
            #[inline(always)]
            fn sub(self, o: Self) -> Self {
                self - o
            }
            #[inline(always)]
            fn mul(self, o: Self) -> Self {
                self * o
            }
            #[inline(always)]
            fn div(self, o: Self) -> Self {
                self / o
            }
            #[inline(always)]
            fn floordiv(self, o: Self) -> Self {
                $divmod(self, o).0
            }
            #[inline(always)]
            fn rem(self, o: Self) -> Self {
                if o == 0.0 {
                    self % o
                } else {
                    $divmod(self, o).1
                }
            }
            #[inline(always)]
            fn pow(self, o: Self) -> Self {
                self.powf(o)
            }
            #[inline(always)]
            fn maximum(self, o: Self) -> Self {
                if self >= o || self.is_nan() { self } else { o }
            }
            #[inline(always)]
            fn minimum(self, o: Self) -> Self {
                if self <= o || self.is_nan() { self } else { o }
            }
            #[inline(always)]
            fn neg(self) -> Self {
                -self
            }
            #[inline(always)]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline(always)]
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
        }
    };
}

float_num!(f32, divmod32);
float_num!(f64, divmod64);

/// f16 computes each result in f32 and rounds, like numpy's float16 loops.
impl Num for f16 {
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        f16::from_f32(self.to_f32() + o.to_f32())
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        f16::from_f32(self.to_f32() - o.to_f32())
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        f16::from_f32(self.to_f32() * o.to_f32())
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        f16::from_f32(self.to_f32() / o.to_f32())
    }
    #[inline(always)]
    fn floordiv(self, o: Self) -> Self {
        f16::from_f32(self.to_f32().floordiv(o.to_f32()))
    }
    #[inline(always)]
    fn rem(self, o: Self) -> Self {
        f16::from_f32(Num::rem(self.to_f32(), o.to_f32()))
    }
    #[inline(always)]
    fn pow(self, o: Self) -> Self {
        f16::from_f32(self.to_f32().powf(o.to_f32()))
    }
    #[inline(always)]
    fn maximum(self, o: Self) -> Self {
        if self >= o || self.is_nan() { self } else { o }
    }
    #[inline(always)]
    fn minimum(self, o: Self) -> Self {
        if self <= o || self.is_nan() { self } else { o }
    }
    #[inline(always)]
    fn neg(self) -> Self {
        -self
    }
    #[inline(always)]
    fn abs(self) -> Self {
        f16::from_bits(self.to_bits() & 0x7fff)
    }
    #[inline(always)]
    fn is_nan(self) -> bool {
        f16::is_nan(self)
    }
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
        BinaryOp::Pow => zip_with(w, a, b, out, T::pow),
        BinaryOp::Maximum => zip_with(w, a, b, out, T::maximum),
        BinaryOp::Minimum => zip_with(w, a, b, out, T::minimum),
        _ => Err(Error::Invalid(format!("{w} is not an arithmetic operator"))),
    }
}

/// Boolean arithmetic as numpy defines it: add/maximum are logical or, multiply/minimum
/// logical and.
fn bool_arith(op: BinaryOp, a: &[u8], b: &[u8], out: &mut [u8]) -> Result<()> {
    let w = op.name();
    match op {
        BinaryOp::Add | BinaryOp::Maximum => zip_with(w, a, b, out, |x, y| u8::from((x | y) != 0)),
        BinaryOp::Mul | BinaryOp::Minimum => {
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
    match op {
        UnaryOp::Not => dispatch!(a.dtype,
            T => map_with(name, view::<T>(a.bytes, name)?, out, |x| u8::from(x == T::default())),
            bool => map_with(name, a.bytes, out, |x| u8::from(x == 0))),
        UnaryOp::IsNan => dispatch!(a.dtype,
            T => map_with(name, view::<T>(a.bytes, name)?, out, |x| u8::from(x.is_nan())),
            bool => map_with(name, a.bytes, out, |_| 0)),
        UnaryOp::Neg | UnaryOp::Abs => dispatch!(a.dtype,
            T => sign_op::<T>(op, view(a.bytes, name)?, view_mut(out, name)?),
            bool => map_with(name, a.bytes, out, |x| u8::from(x != 0))),
        _ => match a.dtype {
            DType::F16 => math_f16(op, view(a.bytes, name)?, view_mut(out, name)?),
            DType::F32 => math_f32(op, view(a.bytes, name)?, view_mut(out, name)?),
            DType::F64 => math_f64(op, view(a.bytes, name)?, view_mut(out, name)?),
            d => Err(Error::Invalid(format!(
                "{name}: needs a float operand, not {d}"
            ))),
        },
    }
}

fn sign_op<T: Num>(op: UnaryOp, a: &[T], out: &mut [T]) -> Result<()> {
    match op {
        UnaryOp::Neg => map_with(op.name(), a, out, T::neg),
        _ => map_with(op.name(), a, out, T::abs),
    }
}

macro_rules! math_fn {
    ($fname:ident, $t:ty) => {
        fn $fname(op: UnaryOp, a: &[$t], out: &mut [$t]) -> Result<()> {
            let w = op.name();
            match op {
                UnaryOp::Sqrt => map_with(w, a, out, <$t>::sqrt),
                UnaryOp::Exp => map_with(w, a, out, <$t>::exp),
                UnaryOp::Log => map_with(w, a, out, <$t>::ln),
                UnaryOp::Sin => map_with(w, a, out, <$t>::sin),
                UnaryOp::Cos => map_with(w, a, out, <$t>::cos),
                _ => Err(Error::Invalid(format!("{w} is not a math function"))),
            }
        }
    };
}
math_fn!(math_f32, f32);
math_fn!(math_f64, f64);

fn math_f16(op: UnaryOp, a: &[f16], out: &mut [f16]) -> Result<()> {
    debug_assert!(op.is_math());
    let via = |f: fn(f32) -> f32| move |x: f16| f16::from_f32(f(x.to_f32()));
    let w = op.name();
    match op {
        UnaryOp::Sqrt => map_with(w, a, out, via(f32::sqrt)),
        UnaryOp::Exp => map_with(w, a, out, via(f32::exp)),
        UnaryOp::Log => map_with(w, a, out, via(f32::ln)),
        UnaryOp::Sin => map_with(w, a, out, via(f32::sin)),
        UnaryOp::Cos => map_with(w, a, out, via(f32::cos)),
        _ => Err(Error::Invalid(format!("{w} is not a math function"))),
    }
}

/// Conversion of one element to another numeric type with numpy's `astype` rules (see
/// the module docs for float → int saturation).
trait CastTo<D> {
    fn cast_to(self) -> D;
}

macro_rules! cast_as {
    ($($s:ty),*) => { $( cast_as!(@one $s; i8, i16, i32, i64, u8, u16, u32, u64, f32, f64); )* };
    (@one $s:ty; $($d:ty),*) => {
        $( impl CastTo<$d> for $s { #[inline(always)] fn cast_to(self) -> $d { self as $d } } )*
        impl CastTo<f16> for $s { #[inline(always)] fn cast_to(self) -> f16 { f16::from_f64(self as f64) } }
    };
}
cast_as!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

macro_rules! cast_from_f16 {
    ($($d:ty),*) => {
        $( impl CastTo<$d> for f16 { #[inline(always)] fn cast_to(self) -> $d { self.to_f32() as $d } } )*
    };
}
cast_from_f16!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);
impl CastTo<f16> for f16 {
    #[inline(always)]
    fn cast_to(self) -> f16 {
        self
    }
}

/// A source element type castable to every dtype.
trait CastAll:
    Pod
    + PartialEq
    + Default
    + CastTo<i8>
    + CastTo<i16>
    + CastTo<i32>
    + CastTo<i64>
    + CastTo<u8>
    + CastTo<u16>
    + CastTo<u32>
    + CastTo<u64>
    + CastTo<f16>
    + CastTo<f32>
    + CastTo<f64>
{
}
impl<T> CastAll for T where
    T: Pod
        + PartialEq
        + Default
        + CastTo<i8>
        + CastTo<i16>
        + CastTo<i32>
        + CastTo<i64>
        + CastTo<u8>
        + CastTo<u16>
        + CastTo<u32>
        + CastTo<u64>
        + CastTo<f16>
        + CastTo<f32>
        + CastTo<f64>
{
}

/// Converts `a` to dtype `to` into `out` (numpy `astype`): ints wrap, floats truncate
/// toward zero and saturate when converted to ints (NaN → 0), anything → bool is
/// `!= 0` (NaN → true), bool → numbers is 0/1, f16 converts through half. A length-1
/// `a` fills the whole of `out`.
///
/// A ragged, misaligned or mis-sized buffer cannot be converted: `out` is then zeroed
/// (the function never panics); use [`try_cast`] to get the error instead.
pub fn cast(a: Operand, out: &mut [u8], to: DType) {
    if try_cast(a, out, to).is_err() {
        out.fill(0);
    }
}

/// [`cast`], reporting malformed buffers as errors.
pub fn try_cast(a: Operand, out: &mut [u8], to: DType) -> Result<()> {
    if a.dtype == to && a.bytes.len() == out.len() {
        out.copy_from_slice(a.bytes);
        return Ok(());
    }
    dispatch!(a.dtype,
        T => cast_from::<T>(view(a.bytes, "cast")?, out, to),
        bool => cast_from::<u8>(a.bytes, out, to))
}

fn cast_from<S: CastAll>(a: &[S], out: &mut [u8], to: DType) -> Result<()> {
    let w = "cast";
    match to {
        DType::Bool => {
            let z = S::default();
            map_with(w, a, out, |x| u8::from(x != z))
        }
        _ => dispatch!(to,
            D => map_with(w, a, view_mut::<D>(out, w)?, <S as CastTo<D>>::cast_to),
            bool => Ok(())),
    }
}

/// `out[i] = if cond[i] { a[i] } else { b[i] }` (numpy `where`). `cond` is bool; `a`
/// and `b` are already in the output dtype; any of the three may be length 1.
///
/// Mismatched dtypes or lengths cannot be selected: `out` is then zeroed (the function
/// never panics); use [`try_where_select`] to get the error instead.
pub fn where_select(cond: Operand, a: Operand, b: Operand, out: &mut [u8]) {
    if try_where_select(cond, a, b, out).is_err() {
        out.fill(0);
    }
}

/// [`where_select`], reporting malformed operands as errors.
pub fn try_where_select(cond: Operand, a: Operand, b: Operand, out: &mut [u8]) -> Result<()> {
    let w = "where";
    if cond.dtype != DType::Bool || a.dtype != b.dtype {
        return Err(Error::Invalid(format!(
            "{w}: condition must be bool ({} given) and both branches one dtype ({} and {} given)",
            cond.dtype, a.dtype, b.dtype
        )));
    }
    match a.dtype.size() {
        1 => select::<u8>(cond.bytes, a.bytes, b.bytes, out),
        2 => select::<u16>(cond.bytes, a.bytes, b.bytes, out),
        4 => select::<u32>(cond.bytes, a.bytes, b.bytes, out),
        _ => select::<u64>(cond.bytes, a.bytes, b.bytes, out),
    }
}

fn select<T: Pod>(cond: &[u8], a: &[u8], b: &[u8], out: &mut [u8]) -> Result<()> {
    let w = "where";
    let (a, b, out) = (view::<T>(a, w)?, view::<T>(b, w)?, view_mut::<T>(out, w)?);
    let n = out.len();
    if let [c] = cond {
        let src = if *c != 0 { a } else { b };
        return map_with(w, src, out, |x| x);
    }
    if cond.len() != n {
        return Err(length_error(w, cond.len(), a.len().max(b.len()), n));
    }
    let pick = |c: u8, x: T, y: T| if c != 0 { x } else { y };
    match (a, b) {
        _ if a.len() == n && b.len() == n => {
            for (((o, &c), &x), &y) in out.iter_mut().zip(cond).zip(a).zip(b) {
                *o = pick(c, x, y);
            }
        }
        ([x], _) if b.len() == n => {
            for ((o, &c), &y) in out.iter_mut().zip(cond).zip(b) {
                *o = pick(c, *x, y);
            }
        }
        (_, [y]) if a.len() == n => {
            for ((o, &c), &x) in out.iter_mut().zip(cond).zip(a) {
                *o = pick(c, x, *y);
            }
        }
        ([x], [y]) => {
            for (o, &c) in out.iter_mut().zip(cond) {
                *o = pick(c, *x, *y);
            }
        }
        _ => return Err(length_error(w, a.len(), b.len(), n)),
    }
    Ok(())
}

#[cfg(test)]
mod tests;
