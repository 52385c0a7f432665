//! Reductions: per-chunk partial results that the engine combines in a fixed tree order.
//!
//! [`partial`] reduces some axes of one chunk into a [`Partial`] whose shape is the
//! chunk's shape with the reduced axes set to 1. Partials covering disjoint parts of the
//! reduced axes merge with [`Partial::combine`], and [`Partial::finish`] turns the merged
//! state into output values. Nothing here is parallel or order-dependent inside a chunk,
//! so the same inputs combined in the same order give bit-identical results.
//!
//! Accuracy: float sums and means accumulate in f64 (whatever the input float type) with
//! 8-lane pairwise summation along contiguous reduced runs and Neumaier compensation when
//! sweeping rows and combining partials; results are rounded to the output dtype at
//! `finish`. This is at least as accurate as numpy (which sums f32 in f32), so f16/f32
//! results may differ from numpy's in the last bit. Var/Std keep `(count, mean, M2)`:
//! two-pass within a contiguous run, Welford when sweeping rows, Chan's formula when
//! merging. Integer sums and products wrap in i64/u64 like numpy.
//!
//! NaN: `Min`/`Max`/`ArgMin`/`ArgMax` propagate NaN (the first NaN wins for the arg
//! variants); the `Nan*` variants skip NaN (`NanMin` of all-NaN and `NanMean` of all-NaN
//! are NaN). `Count` counts non-NaN elements (xarray's `count`). Empty reductions follow
//! numpy: sum 0, prod 1, mean/var NaN, min/max/argmin/argmax an error. Var/Std with
//! `ddof` at or past the count divide by zero as numpy does: inf, or NaN when all the
//! elements are equal.

use crate::chunk::Chunk;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::kernels::elementwise::{view, view_mut};
use bytemuck::Pod;
use half::f16;
use prod::{Limits, ProdAcc};

mod prod;

/// A reduction operator, named after its numpy function (see [`ReduceOp::name`]).
///
/// Non-exhaustive: more reductions (median, quantiles) will be added, so a match outside
/// tessera needs a `_` arm. Output dtypes are [`ReduceOp::output_dtype`]'s.
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// let ctx = Context::new()?;
/// let a = Array::from_ndarray(ndarray::array![[1.0, f64::NAN], [3.0, 4.0]].view(), &[1, 2])?;
/// assert_eq!(a.reduce(ReduceOp::NanMax, Axes::from(1))?.compute_vec::<f64>(&ctx)?, vec![1.0, 4.0]);
/// assert_eq!(a.reduce(ReduceOp::Count, Axes::all())?.compute_vec::<i64>(&ctx)?, vec![3]);
/// # Ok::<(), tessera::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum ReduceOp {
    /// Sum; 0 for an empty reduction. Floats accumulate in f64 with compensation,
    /// integers wrap in i64/u64.
    Sum,
    /// Product; 1 for an empty reduction.
    Prod,
    /// Smallest element; NaN if any element is NaN. An empty reduction is an error.
    Min,
    /// Largest element; NaN if any element is NaN. An empty reduction is an error.
    Max,
    /// Arithmetic mean; NaN for an empty reduction.
    Mean,
    /// Variance, dividing the sum of squared deviations by `count - ddof`.
    Var {
        /// Delta degrees of freedom: 0 for the population variance, 1 for the sample
        /// variance (numpy's `ddof`).
        ddof: u32,
    },
    /// Standard deviation: the square root of [`ReduceOp::Var`] with the same `ddof`.
    Std {
        /// Delta degrees of freedom, as for [`ReduceOp::Var`].
        ddof: u32,
    },
    /// Number of elements that are not NaN (xarray's `count`), as int64.
    Count,
    /// Whether any element is nonzero (true for NaN, false for an empty reduction).
    Any,
    /// Whether every element is nonzero (true for an empty reduction).
    All,
    /// Index of the smallest element (the first on ties; the first NaN if there is
    /// one), as int64: along one reduced axis, or the flat C-order index when every
    /// axis is reduced.
    ArgMin,
    /// Index of the largest element (the first on ties; the first NaN if there is
    /// one), as int64: along one reduced axis, or the flat C-order index when every
    /// axis is reduced.
    ArgMax,
    /// Sum that skips NaN elements (0 when all are NaN).
    NanSum,
    /// Mean of the elements that are not NaN (NaN when all are NaN).
    NanMean,
    /// Smallest element that is not NaN (NaN when all are NaN).
    NanMin,
    /// Largest element that is not NaN (NaN when all are NaN).
    NanMax,
    /// Product that skips NaN elements (1 when all are NaN).
    NanProd,
    /// Variance of the elements that are not NaN, dividing by `count - ddof` (NaN when
    /// that is not positive, as numpy's `nanvar`).
    NanVar {
        /// Delta degrees of freedom, as for [`ReduceOp::Var`].
        ddof: u32,
    },
    /// Standard deviation of the elements that are not NaN: the square root of
    /// [`ReduceOp::NanVar`].
    NanStd {
        /// Delta degrees of freedom, as for [`ReduceOp::Var`].
        ddof: u32,
    },
    /// Index of the smallest element that is not NaN, as [`ReduceOp::ArgMin`]; a slice
    /// of NaNs only is an error (numpy raises `ValueError`).
    NanArgMin,
    /// Index of the largest element that is not NaN, as [`ReduceOp::ArgMax`]; a slice
    /// of NaNs only is an error (numpy raises `ValueError`).
    NanArgMax,
    /// Number of nonzero elements (numpy's `count_nonzero`; NaN counts), as int64.
    CountNonzero,
}

impl ReduceOp {
    /// numpy's function name (`sum`, `nanmean`, `argmax`, ...); `count` is xarray's.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(tessera::ReduceOp::NanMean.name(), "nanmean");
    /// assert_eq!(tessera::ReduceOp::Var { ddof: 1 }.name(), "var");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            ReduceOp::Sum => "sum",
            ReduceOp::Prod => "prod",
            ReduceOp::Min => "min",
            ReduceOp::Max => "max",
            ReduceOp::Mean => "mean",
            ReduceOp::Var { .. } => "var",
            ReduceOp::Std { .. } => "std",
            ReduceOp::Count => "count",
            ReduceOp::Any => "any",
            ReduceOp::All => "all",
            ReduceOp::ArgMin => "argmin",
            ReduceOp::ArgMax => "argmax",
            ReduceOp::NanSum => "nansum",
            ReduceOp::NanMean => "nanmean",
            ReduceOp::NanMin => "nanmin",
            ReduceOp::NanMax => "nanmax",
            ReduceOp::NanProd => "nanprod",
            ReduceOp::NanVar { .. } => "nanvar",
            ReduceOp::NanStd { .. } => "nanstd",
            ReduceOp::NanArgMin => "nanargmin",
            ReduceOp::NanArgMax => "nanargmax",
            ReduceOp::CountNonzero => "count_nonzero",
        }
    }

    /// The dtype of the reduced values for an input of dtype `input`, as numpy picks it:
    /// sums/products of bool and signed ints → int64, of unsigned → uint64, floats keep;
    /// mean/var/std of bool and ints → float64, floats keep; min/max keep the dtype;
    /// count and arg* → int64; any/all → bool.
    ///
    /// # Errors
    /// A dtype the reduction does not take.
    ///
    /// # Examples
    /// ```
    /// use tessera::{DType, ReduceOp};
    /// assert_eq!(ReduceOp::Sum.output_dtype(DType::I8)?, DType::I64);
    /// assert_eq!(ReduceOp::Mean.output_dtype(DType::U16)?, DType::F64);
    /// assert_eq!(ReduceOp::Max.output_dtype(DType::F32)?, DType::F32);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn output_dtype(self, input: DType) -> Result<DType> {
        Ok(match self {
            ReduceOp::Sum | ReduceOp::Prod | ReduceOp::NanSum | ReduceOp::NanProd => {
                match domain(input) {
                    Domain::I => DType::I64,
                    Domain::U => DType::U64,
                    Domain::F => input,
                }
            }
            ReduceOp::Mean
            | ReduceOp::Var { .. }
            | ReduceOp::Std { .. }
            | ReduceOp::NanMean
            | ReduceOp::NanVar { .. }
            | ReduceOp::NanStd { .. } => {
                if input.is_float() {
                    input
                } else {
                    DType::F64
                }
            }
            ReduceOp::Min | ReduceOp::Max | ReduceOp::NanMin | ReduceOp::NanMax => input,
            ReduceOp::Count
            | ReduceOp::CountNonzero
            | ReduceOp::ArgMin
            | ReduceOp::ArgMax
            | ReduceOp::NanArgMin
            | ReduceOp::NanArgMax => DType::I64,
            ReduceOp::Any | ReduceOp::All => DType::Bool,
        })
    }

    fn is_arg(self) -> bool {
        matches!(
            self,
            ReduceOp::ArgMin | ReduceOp::ArgMax | ReduceOp::NanArgMin | ReduceOp::NanArgMax
        )
    }

    /// True for ops that have no identity and refuse an empty reduction.
    pub(crate) fn needs_elements(self) -> bool {
        matches!(
            self,
            ReduceOp::Min
                | ReduceOp::Max
                | ReduceOp::NanMin
                | ReduceOp::NanMax
                | ReduceOp::ArgMin
                | ReduceOp::ArgMax
                | ReduceOp::NanArgMin
                | ReduceOp::NanArgMax
        )
    }

    fn skips_nan(self) -> bool {
        matches!(
            self,
            ReduceOp::NanSum
                | ReduceOp::NanMean
                | ReduceOp::NanMin
                | ReduceOp::NanMax
                | ReduceOp::NanProd
                | ReduceOp::NanVar { .. }
                | ReduceOp::NanStd { .. }
                | ReduceOp::NanArgMin
                | ReduceOp::NanArgMax
        )
    }

    fn is_max(self) -> bool {
        matches!(
            self,
            ReduceOp::Max | ReduceOp::NanMax | ReduceOp::ArgMax | ReduceOp::NanArgMax
        )
    }
}

/// The accumulation domain of an input dtype.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Domain {
    /// bool and signed ints, accumulated in i64
    I,
    /// unsigned ints, in u64
    U,
    /// floats, in f64
    F,
}

fn domain(d: DType) -> Domain {
    if d.is_float() {
        Domain::F
    } else if matches!(d, DType::U8 | DType::U16 | DType::U32 | DType::U64) {
        Domain::U
    } else {
        Domain::I
    }
}

/// An input element type (bool is read as its 0/1 byte).
trait Input: Pod {
    fn f(self) -> f64;
    fn i(self) -> i64;
    fn u(self) -> u64;
    fn nan(self) -> bool;
    fn nz(self) -> bool;
}

macro_rules! int_input {
    ($($t:ty),*) => {$(
        impl Input for $t {
            #[inline(always)] fn f(self) -> f64 { self as f64 }
            #[inline(always)] fn i(self) -> i64 { self as i64 }
            #[inline(always)] fn u(self) -> u64 { self as u64 }
            #[inline(always)] fn nan(self) -> bool { false }
            #[inline(always)] fn nz(self) -> bool { self != 0 }
        }
    )*};
}
int_input!(i8, i16, i32, i64, u8, u16, u32, u64);

macro_rules! float_input {
    ($($t:ty),*) => {$(
        impl Input for $t {
            #[inline(always)] fn f(self) -> f64 { self as f64 }
            #[inline(always)] fn i(self) -> i64 { self as i64 }
            #[inline(always)] fn u(self) -> u64 { self as u64 }
            #[inline(always)] fn nan(self) -> bool { self.is_nan() }
            #[inline(always)] fn nz(self) -> bool { self != 0.0 }
        }
    )*};
}
float_input!(f32, f64);

impl Input for f16 {
    #[inline(always)]
    fn f(self) -> f64 {
        self.to_f64()
    }
    #[inline(always)]
    fn i(self) -> i64 {
        self.to_f32() as i64
    }
    #[inline(always)]
    fn u(self) -> u64 {
        self.to_f32() as u64
    }
    #[inline(always)]
    fn nan(self) -> bool {
        self.is_nan()
    }
    #[inline(always)]
    fn nz(self) -> bool {
        self.to_bits() & 0x7fff != 0
    }
}

/// An accumulator value type: i64, u64 or f64.
trait Val: Copy + PartialOrd + Default + std::fmt::Debug + Send + Sync + 'static {
    const LOWEST: Self;
    const HIGHEST: Self;
    /// The "nothing seen yet" value of nan-skipping min/max (NaN for f64).
    const NONE: Self;
    fn of<T: Input>(x: T) -> Self;
    fn nan(self) -> bool;
    fn wadd(self, o: Self) -> Self;
    fn wmul(self, o: Self) -> Self;
}

macro_rules! int_val {
    ($t:ty, $m:ident, $none:expr) => {
        impl Val for $t {
            const LOWEST: Self = <$t>::MIN;
            const HIGHEST: Self = <$t>::MAX;
            const NONE: Self = $none;
            #[inline(always)]
            fn of<T: Input>(x: T) -> Self {
                x.$m()
            }
            #[inline(always)]
            fn nan(self) -> bool {
                false
            }
            #[inline(always)]
            fn wadd(self, o: Self) -> Self {
                self.wrapping_add(o)
            }
            #[inline(always)]
            fn wmul(self, o: Self) -> Self {
                self.wrapping_mul(o)
            }
        }
    };
}
int_val!(i64, i, 0);
int_val!(u64, u, 0);

impl Val for f64 {
    const LOWEST: Self = f64::NEG_INFINITY;
    const HIGHEST: Self = f64::INFINITY;
    const NONE: Self = f64::NAN;
    #[inline(always)]
    fn of<T: Input>(x: T) -> Self {
        x.f()
    }
    #[inline(always)]
    fn nan(self) -> bool {
        self.is_nan()
    }
    #[inline(always)]
    fn wadd(self, o: Self) -> Self {
        self + o
    }
    #[inline(always)]
    fn wmul(self, o: Self) -> Self {
        self * o
    }
}

/// Per-output-element values in one of the three domains.
#[derive(Clone, Debug)]
enum Vals {
    I(Vec<i64>),
    U(Vec<u64>),
    F(Vec<f64>),
}

impl Vals {
    fn filled(dom: Domain, len: usize, i: i64, u: u64, f: f64) -> Vals {
        match dom {
            Domain::I => Vals::I(vec![i; len]),
            Domain::U => Vals::U(vec![u; len]),
            Domain::F => Vals::F(vec![f; len]),
        }
    }

    fn nbytes(&self) -> usize {
        8 * match self {
            Vals::I(v) => v.len(),
            Vals::U(v) => v.len(),
            Vals::F(v) => v.len(),
        }
    }
}

/// The per-output-element state of a reduction.
#[derive(Clone, Debug)]
enum State {
    /// Sum/NanSum of integers (wrapping).
    SumInt(Vals),
    /// Sum/NanSum of floats: compensated `(sum, compensation)` in f64.
    SumF {
        s: Vec<f64>,
        c: Vec<f64>,
    },
    Prod(Vals),
    /// Prod/NanProd of floats: order-exact summaries (see `prod`).
    ProdF(Vec<ProdAcc>),
    /// Min/Max and their nan-skipping variants.
    Ext(Vals),
    /// Mean/NanMean: compensated sum and count.
    Mean {
        s: Vec<f64>,
        c: Vec<f64>,
        n: Vec<f64>,
    },
    /// Var/Std: count, mean, sum of squared deviations.
    Moments {
        n: Vec<f64>,
        mean: Vec<f64>,
        m2: Vec<f64>,
    },
    Count(Vec<i64>),
    /// CountNonzero.
    Nonzero(Vec<i64>),
    /// Any/All as 0/1.
    Logic(Vec<u8>),
    /// ArgMin/ArgMax: best value and its global index (-1: nothing seen).
    Arg {
        v: Vals,
        i: Vec<i64>,
    },
}

impl State {
    fn new(op: ReduceOp, dom: Domain, len: usize) -> State {
        let zeros = || vec![0.0f64; len];
        match op {
            ReduceOp::Sum | ReduceOp::NanSum if dom == Domain::F => State::SumF {
                s: zeros(),
                c: zeros(),
            },
            ReduceOp::Sum | ReduceOp::NanSum => State::SumInt(Vals::filled(dom, len, 0, 0, 0.0)),
            ReduceOp::Prod | ReduceOp::NanProd if dom == Domain::F => {
                State::ProdF(vec![ProdAcc::default(); len])
            }
            ReduceOp::Prod | ReduceOp::NanProd => State::Prod(Vals::filled(dom, len, 1, 1, 1.0)),
            ReduceOp::Min => State::Ext(Vals::filled(dom, len, i64::MAX, u64::MAX, f64::INFINITY)),
            ReduceOp::Max => State::Ext(Vals::filled(dom, len, i64::MIN, 0, f64::NEG_INFINITY)),
            ReduceOp::NanMin => State::Ext(Vals::filled(dom, len, i64::MAX, u64::MAX, f64::NAN)),
            ReduceOp::NanMax => State::Ext(Vals::filled(dom, len, i64::MIN, 0, f64::NAN)),
            ReduceOp::Mean | ReduceOp::NanMean => State::Mean {
                s: zeros(),
                c: zeros(),
                n: zeros(),
            },
            ReduceOp::Var { .. }
            | ReduceOp::Std { .. }
            | ReduceOp::NanVar { .. }
            | ReduceOp::NanStd { .. } => State::Moments {
                n: zeros(),
                mean: zeros(),
                m2: zeros(),
            },
            ReduceOp::Count => State::Count(vec![0; len]),
            ReduceOp::CountNonzero => State::Nonzero(vec![0; len]),
            ReduceOp::Any => State::Logic(vec![0; len]),
            ReduceOp::All => State::Logic(vec![1; len]),
            ReduceOp::ArgMin | ReduceOp::ArgMax | ReduceOp::NanArgMin | ReduceOp::NanArgMax => {
                State::Arg {
                    v: Vals::filled(dom, len, 0, 0, 0.0),
                    i: vec![-1; len],
                }
            }
        }
    }

    fn nbytes(&self) -> usize {
        match self {
            State::SumInt(v) | State::Prod(v) | State::Ext(v) => v.nbytes(),
            State::SumF { s, .. } => 16 * s.len(),
            State::Mean { s, .. } => 24 * s.len(),
            State::Moments { n, .. } => 24 * n.len(),
            State::Count(v) | State::Nonzero(v) => 8 * v.len(),
            State::ProdF(v) => size_of::<ProdAcc>() * v.len(),
            State::Logic(v) => v.len(),
            State::Arg { v, i } => v.nbytes() + 8 * i.len(),
        }
    }
}

/// How the reduced elements of one visit are laid out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A contiguous run of reduced elements, all for output element `out`.
    Run,
    /// A row of kept elements: element j goes to output `out + j`.
    Row,
}

/// How ArgMin/ArgMax turn a chunk-local position into a global index.
#[derive(Clone, Debug)]
enum ArgMap {
    /// One reduced axis: index along it = chunk offset on that axis + local coordinate.
    Axis(i64),
    /// All axes reduced: the flat C-order index in the whole array.
    Flat {
        chunk_shape: Vec<u64>,
        start: Vec<u64>,
        array_shape: Vec<u64>,
    },
}

impl ArgMap {
    fn global(&self, local: u64) -> i64 {
        match self {
            ArgMap::Axis(offset) => offset + local as i64,
            ArgMap::Flat {
                chunk_shape,
                start,
                array_shape,
            } => {
                let mut rest = local;
                let mut coords = vec![0u64; chunk_shape.len()];
                for (c, &n) in coords.iter_mut().zip(chunk_shape).rev() {
                    *c = rest % n.max(1);
                    rest /= n.max(1);
                }
                let mut flat = 0u64;
                for ((c, s), n) in coords.iter().zip(start).zip(array_shape) {
                    flat = flat * n + c + s;
                }
                flat as i64
            }
        }
    }
}

/// The partial result of a reduction over part of the reduced axes.
#[derive(Clone, Debug)]
pub struct Partial {
    op: ReduceOp,
    input: DType,
    shape: Vec<u64>,
    /// Elements reduced into each output element so far.
    n: u64,
    state: State,
}

/// Reduces `axes` (sorted, unique) of `chunk`. `chunk_start` and `array_shape` place the
/// chunk in the input array; only ArgMin/ArgMax use them (to record global indices: the
/// index along the axis with one reduced axis, the flat C-order index in the whole array
/// when all axes are reduced; any other axis set is refused for them).
pub fn partial(
    op: ReduceOp,
    chunk: &Chunk,
    axes: &[usize],
    chunk_start: &[u64],
    array_shape: &[u64],
) -> Result<Partial> {
    let shape = chunk.shape();
    let ndim = shape.len();
    if axes.windows(2).any(|w| w[0] >= w[1]) || axes.iter().any(|&a| a >= ndim) {
        return Err(Error::Invalid(format!(
            "{}: axes {axes:?} must be sorted, unique and below the chunk's {ndim} dimensions",
            op.name()
        )));
    }
    let reduced: Vec<bool> = (0..ndim).map(|d| axes.contains(&d)).collect();
    let argmap = if op.is_arg() {
        Some(arg_map(op, shape, axes, chunk_start, array_shape)?)
    } else {
        None
    };
    let out_shape: Vec<u64> = shape
        .iter()
        .zip(&reduced)
        .map(|(&n, &r)| if r { 1 } else { n })
        .collect();
    let out_len = out_shape.iter().product::<u64>() as usize;
    let n: u64 = shape
        .iter()
        .zip(&reduced)
        .filter(|(_, r)| **r)
        .map(|(n, _)| n)
        .product();
    let input = chunk.dtype();
    let mut state = State::new(op, domain(input), out_len);
    if !chunk.is_empty() {
        let groups = layout(shape, &reduced);
        let mut acc = Accumulate {
            op,
            state: &mut state,
            argmap: argmap.as_ref(),
            lim: Limits::of(input),
        };
        let bytes = chunk.bytes();
        match input {
            DType::Bool | DType::U8 => acc.sweep::<u8>(view(bytes, op.name())?, &groups),
            DType::I8 => acc.sweep::<i8>(view(bytes, op.name())?, &groups),
            DType::I16 => acc.sweep::<i16>(view(bytes, op.name())?, &groups),
            DType::I32 => acc.sweep::<i32>(view(bytes, op.name())?, &groups),
            DType::I64 => acc.sweep::<i64>(view(bytes, op.name())?, &groups),
            DType::U16 => acc.sweep::<u16>(view(bytes, op.name())?, &groups),
            DType::U32 => acc.sweep::<u32>(view(bytes, op.name())?, &groups),
            DType::U64 => acc.sweep::<u64>(view(bytes, op.name())?, &groups),
            DType::F16 => acc.sweep::<f16>(view(bytes, op.name())?, &groups),
            DType::F32 => acc.sweep::<f32>(view(bytes, op.name())?, &groups),
            DType::F64 => acc.sweep::<f64>(view(bytes, op.name())?, &groups),
        }
    }
    Ok(Partial {
        op,
        input,
        shape: out_shape,
        n,
        state,
    })
}

fn arg_map(
    op: ReduceOp,
    shape: &[u64],
    axes: &[usize],
    start: &[u64],
    array_shape: &[u64],
) -> Result<ArgMap> {
    let ndim = shape.len();
    if start.len() != ndim || array_shape.len() != ndim {
        return Err(Error::Invalid(format!(
            "{}: chunk_start {start:?} and array_shape {array_shape:?} must have the chunk's {ndim} dimensions",
            op.name()
        )));
    }
    if shape
        .iter()
        .zip(start)
        .zip(array_shape)
        .any(|((n, s), a)| s + n > *a)
    {
        return Err(Error::shape(
            op.name(),
            format!("chunk {shape:?} at {start:?} does not fit in array {array_shape:?}"),
        ));
    }
    match axes {
        _ if axes.len() == ndim => Ok(ArgMap::Flat {
            chunk_shape: shape.to_vec(),
            start: start.to_vec(),
            array_shape: array_shape.to_vec(),
        }),
        [axis] => Ok(ArgMap::Axis(start[*axis] as i64)),
        _ => Err(Error::Invalid(format!(
            "{}: reduces one axis or all axes, not {axes:?} of {ndim}",
            op.name()
        ))),
    }
}

/// Merges adjacent axes of the same kind (reduced or kept) and drops size-1 axes:
/// `(size, reduced)` groups, outermost first.
fn layout(shape: &[u64], reduced: &[bool]) -> Vec<(usize, bool)> {
    let mut groups: Vec<(usize, bool)> = Vec::new();
    for (&n, &r) in shape.iter().zip(reduced) {
        if n == 1 {
            continue;
        }
        match groups.last_mut() {
            Some((size, kind)) if *kind == r => *size *= n as usize,
            _ => groups.push((n as usize, r)),
        }
    }
    groups
}

/// Accumulates a chunk into a state.
struct Accumulate<'s> {
    op: ReduceOp,
    state: &'s mut State,
    argmap: Option<&'s ArgMap>,
    lim: Limits,
}

impl Accumulate<'_> {
    /// Visits `data` (non-empty, laid out as `groups`) as contiguous innermost blocks:
    /// runs of reduced elements when the innermost group is reduced, rows of kept
    /// elements otherwise. `coord` is the flat position among the outer reduced groups.
    fn sweep<T: Input>(&mut self, data: &[T], groups: &[(usize, bool)]) {
        let Some((&(inner, inner_reduced), outer)) = groups.split_last() else {
            self.visit(Mode::Run, 0, data, 0);
            return;
        };
        let mode = if inner_reduced { Mode::Run } else { Mode::Row };
        let mut out_strides = vec![0usize; outer.len()];
        let mut red_strides = vec![0u64; outer.len()];
        let (mut os, mut rs) = (if inner_reduced { 1 } else { inner }, 1u64);
        for (g, &(size, red)) in outer.iter().enumerate().rev() {
            if red {
                red_strides[g] = rs;
                rs *= size as u64;
            } else {
                out_strides[g] = os;
                os *= size;
            }
        }
        let mut coords = vec![0usize; outer.len()];
        for block in data.chunks_exact(inner) {
            let out = coords.iter().zip(&out_strides).map(|(c, s)| c * s).sum();
            let coord = coords
                .iter()
                .zip(&red_strides)
                .map(|(&c, s)| c as u64 * s)
                .sum();
            self.visit(mode, out, block, coord);
            for (c, &(size, _)) in coords.iter_mut().zip(outer).rev() {
                *c += 1;
                if *c < size {
                    break;
                }
                *c = 0;
            }
        }
    }

    fn visit<T: Input>(&mut self, mode: Mode, out: usize, x: &[T], coord: u64) {
        let op = self.op;
        let width = if mode == Mode::Run { 1 } else { x.len() };
        let range = out..out + width;
        match &mut *self.state {
            State::SumInt(Vals::I(v)) => int_fold(mode, window(v, range), x, i64::wadd),
            State::SumInt(Vals::U(v)) => int_fold(mode, window(v, range), x, u64::wadd),
            State::SumF { s, c } => {
                let (s, c) = (window(s, range.clone()), window(c, range));
                sum_f(mode, s, c, None, x, op.skips_nan());
            }
            State::Prod(Vals::I(v)) => int_fold(mode, window(v, range), x, i64::wmul),
            State::Prod(Vals::U(v)) => int_fold(mode, window(v, range), x, u64::wmul),
            State::Prod(Vals::F(_)) => {}
            State::ProdF(v) => prod_f(mode, window(v, range), x, self.lim, op.skips_nan()),
            State::Ext(Vals::I(v)) => ext(mode, window(v, range), x, op),
            State::Ext(Vals::U(v)) => ext(mode, window(v, range), x, op),
            State::Ext(Vals::F(v)) => ext(mode, window(v, range), x, op),
            State::Mean { s, c, n } => {
                let (s, c) = (window(s, range.clone()), window(c, range.clone()));
                sum_f(mode, s, c, Some(window(n, range)), x, op.skips_nan());
            }
            State::Moments { n, mean, m2 } => {
                let (n, mean) = (window(n, range.clone()), window(mean, range.clone()));
                moments(mode, n, mean, window(m2, range), x, op.skips_nan());
            }
            State::Count(v) => count(mode, window(v, range), x),
            State::Nonzero(v) => nonzero(mode, window(v, range), x),
            State::Logic(v) => logic(mode, window(v, range), x, op == ReduceOp::All),
            State::Arg { v, i } => {
                let Some(map) = self.argmap else { return };
                let idx = window(i, range.clone());
                match v {
                    Vals::I(v) => arg(mode, window(v, range), idx, x, coord, map, op),
                    Vals::U(v) => arg(mode, window(v, range), idx, x, coord, map, op),
                    Vals::F(v) => arg(mode, window(v, range), idx, x, coord, map, op),
                }
            }
            State::SumInt(Vals::F(_)) => {}
        }
    }
}

/// `v[range]`, or an empty slice if out of range (never, by construction of the sweep).
fn window<V>(v: &mut [V], range: std::ops::Range<usize>) -> &mut [V] {
    v.get_mut(range).unwrap_or_default()
}

fn int_fold<T: Input, V: Val>(mode: Mode, acc: &mut [V], x: &[T], f: fn(V, V) -> V) {
    match (mode, acc) {
        (Mode::Run, [a]) => *a = x.iter().fold(*a, |a, &t| f(a, V::of(t))),
        (_, acc) => acc
            .iter_mut()
            .zip(x)
            .for_each(|(a, &t)| *a = f(*a, V::of(t))),
    }
}

/// Pairwise sum of `f(x)` in 8 lanes: blocks of 128 summed lane-wise, halves recursed.
#[inline(always)]
fn pairwise<T: Copy>(x: &[T], f: &impl Fn(T) -> f64) -> f64 {
    const BLOCK: usize = 128;
    if x.len() > BLOCK {
        let half = x.len() / 16 * 8;
        let (lo, hi) = x.split_at(half);
        return pairwise(lo, f) + pairwise(hi, f);
    }
    let mut lanes = [0.0f64; 8];
    let mut chunks = x.chunks_exact(8);
    for c in &mut chunks {
        for (l, &v) in lanes.iter_mut().zip(c) {
            *l += f(v);
        }
    }
    let tail: f64 = chunks.remainder().iter().map(|&v| f(v)).sum();
    let [a, b, c, d, e, g, h, k] = lanes;
    (((a + b) + (c + d)) + ((e + g) + (h + k))) + tail
}

/// Neumaier's compensated `(s, c) += x`.
#[inline(always)]
fn neumaier(s: &mut f64, c: &mut f64, x: f64) {
    let t = *s + x;
    let (big, small) = if s.abs() >= x.abs() { (*s, x) } else { (x, *s) };
    *c += (big - t) + small;
    *s = t;
}

/// The value of a compensated sum (an infinite or NaN sum ignores the compensation,
/// which is NaN then).
fn compensated(s: f64, c: f64) -> f64 {
    if s.is_finite() { s + c } else { s }
}

/// Float sum (and count, for means), skipping NaN when `skip`.
fn sum_f<T: Input>(
    mode: Mode,
    s: &mut [f64],
    c: &mut [f64],
    n: Option<&mut [f64]>,
    x: &[T],
    skip: bool,
) {
    let value = |t: T| {
        let v = t.f();
        if skip && v.is_nan() { 0.0 } else { v }
    };
    match (mode, s, c) {
        (Mode::Run, [s], [c]) => {
            let total = if skip {
                pairwise(x, &value)
            } else {
                pairwise(x, &|t: T| t.f())
            };
            neumaier(s, c, total);
            if let Some([n]) = n {
                let nans = if skip {
                    x.iter().filter(|t| t.nan()).count()
                } else {
                    0
                };
                *n += (x.len() - nans) as f64;
            }
        }
        (_, s, c) => {
            for ((s, c), &t) in s.iter_mut().zip(c.iter_mut()).zip(x) {
                neumaier(s, c, value(t));
            }
            if let Some(n) = n {
                for (n, &t) in n.iter_mut().zip(x) {
                    *n += if skip && t.nan() { 0.0 } else { 1.0 };
                }
            }
        }
    }
}

fn prod_f<T: Input>(mode: Mode, acc: &mut [ProdAcc], x: &[T], lim: Limits, skip: bool) {
    match (mode, acc) {
        (Mode::Run, [a]) => x.iter().for_each(|t| a.push(t.f(), lim, skip)),
        (_, acc) => acc
            .iter_mut()
            .zip(x)
            .for_each(|(a, t)| a.push(t.f(), lim, skip)),
    }
}

/// Merges extreme `b` into `a`: NaN propagates unless `skip`, where NaN means "none".
#[inline(always)]
fn ext_merge<V: Val>(a: V, b: V, max: bool, skip: bool) -> V {
    let better = if max { b > a } else { b < a };
    if skip {
        if b.nan() || (!a.nan() && !better) {
            a
        } else {
            b
        }
    } else if a.nan() || (!b.nan() && !better) {
        a
    } else {
        b
    }
}

fn ext<T: Input, V: Val>(mode: Mode, acc: &mut [V], x: &[T], op: ReduceOp) {
    let (max, skip) = (op.is_max(), op.skips_nan());
    match (mode, acc) {
        (Mode::Run, [a]) => {
            let run = if max {
                run_ext::<T, V, true>(x, skip)
            } else {
                run_ext::<T, V, false>(x, skip)
            };
            *a = ext_merge(*a, run, max, skip);
        }
        (_, acc) => {
            for (a, &t) in acc.iter_mut().zip(x) {
                *a = ext_merge(*a, V::of(t), max, skip);
            }
        }
    }
}

/// The extreme of a run in 8 lanes; NaN when the run holds NaN (not `skip`) or holds
/// only NaN (`skip`).
fn run_ext<T: Input, V: Val, const MAX: bool>(x: &[T], skip: bool) -> V {
    let init = if MAX { V::LOWEST } else { V::HIGHEST };
    let mut lanes = [init; 8];
    let mut nans = [0usize; 8];
    let step = |m: &mut V, n: &mut usize, t: T| {
        let v = V::of(t);
        let better = if MAX { v > *m } else { v < *m };
        *m = if better { v } else { *m };
        *n += usize::from(v.nan());
    };
    let mut chunks = x.chunks_exact(8);
    for c in &mut chunks {
        for ((m, n), &t) in lanes.iter_mut().zip(nans.iter_mut()).zip(c) {
            step(m, n, t);
        }
    }
    for &t in chunks.remainder() {
        step(&mut lanes[0], &mut nans[0], t);
    }
    let nan_count: usize = nans.iter().sum();
    if (skip && nan_count == x.len()) || (!skip && nan_count > 0) {
        return V::NONE;
    }
    lanes.iter().fold(init, |m, &v| {
        if (MAX && v > m) || (!MAX && v < m) {
            v
        } else {
            m
        }
    })
}

fn moments<T: Input>(
    mode: Mode,
    n: &mut [f64],
    mean: &mut [f64],
    m2: &mut [f64],
    x: &[T],
    skip: bool,
) {
    match (mode, n, mean, m2) {
        (Mode::Run, [n], [mean], [m2]) => {
            let nans = if skip {
                x.iter().filter(|t| t.nan()).count()
            } else {
                0
            };
            let nb = (x.len() - nans) as f64;
            if nb == 0.0 {
                return;
            }
            let value = |t: T| {
                let v = t.f();
                if skip && v.is_nan() { 0.0 } else { v }
            };
            let mb = pairwise(x, &value) / nb;
            let m2b = pairwise(x, &|t: T| {
                let v = t.f();
                if skip && v.is_nan() {
                    0.0
                } else {
                    (v - mb) * (v - mb)
                }
            });
            (*n, *mean, *m2) = chan((*n, *mean, *m2), (nb, mb, m2b));
        }
        (_, n, mean, m2) => {
            for (((n, mean), m2), &t) in n.iter_mut().zip(mean.iter_mut()).zip(m2.iter_mut()).zip(x)
            {
                let v = t.f();
                if skip && v.is_nan() {
                    continue;
                }
                *n += 1.0;
                let d = v - *mean;
                *mean += d / *n;
                *m2 += d * (v - *mean);
            }
        }
    }
}

/// Chan et al.'s merge of two `(count, mean, M2)` summaries.
fn chan(a: (f64, f64, f64), b: (f64, f64, f64)) -> (f64, f64, f64) {
    if b.0 == 0.0 {
        return a;
    }
    if a.0 == 0.0 {
        return b;
    }
    let n = a.0 + b.0;
    let d = b.1 - a.1;
    (n, a.1 + d * (b.0 / n), a.2 + b.2 + d * d * (a.0 * b.0 / n))
}

fn count<T: Input>(mode: Mode, acc: &mut [i64], x: &[T]) {
    match (mode, acc) {
        (Mode::Run, [a]) => *a += x.iter().filter(|t| !t.nan()).count() as i64,
        (_, acc) => acc
            .iter_mut()
            .zip(x)
            .for_each(|(a, t)| *a += i64::from(!t.nan())),
    }
}

fn nonzero<T: Input>(mode: Mode, acc: &mut [i64], x: &[T]) {
    match (mode, acc) {
        (Mode::Run, [a]) => *a += x.iter().filter(|t| t.nz()).count() as i64,
        (_, acc) => acc
            .iter_mut()
            .zip(x)
            .for_each(|(a, t)| *a += i64::from(t.nz())),
    }
}

fn logic<T: Input>(mode: Mode, acc: &mut [u8], x: &[T], all: bool) {
    match (mode, acc, all) {
        (Mode::Run, [a], false) => *a |= u8::from(x.iter().any(|t| t.nz())),
        (Mode::Run, [a], true) => *a &= u8::from(x.iter().all(|t| t.nz())),
        (_, acc, false) => acc
            .iter_mut()
            .zip(x)
            .for_each(|(a, t)| *a |= u8::from(t.nz())),
        (_, acc, true) => acc
            .iter_mut()
            .zip(x)
            .for_each(|(a, t)| *a &= u8::from(t.nz())),
    }
}

/// True when candidate `(bv, bi)` beats the current `(av, ai)` for argmin/argmax: the
/// first NaN wins, then the better value, then (on ties) the smaller index.
#[inline(always)]
fn arg_takes<V: Val>(av: V, ai: i64, bv: V, bi: i64, max: bool, skip: bool) -> bool {
    if bi < 0 || (skip && bv.nan()) {
        return false;
    }
    if ai < 0 {
        return true;
    }
    match (av.nan(), bv.nan()) {
        (true, true) => bi < ai,
        (true, false) => false,
        (false, true) => true,
        _ => {
            let (better, worse) = if max {
                (bv > av, bv < av)
            } else {
                (bv < av, bv > av)
            };
            better || (!worse && bi < ai)
        }
    }
}

fn arg<T: Input, V: Val>(
    mode: Mode,
    vals: &mut [V],
    idx: &mut [i64],
    x: &[T],
    coord: u64,
    map: &ArgMap,
    op: ReduceOp,
) {
    let (max, skip) = (op.is_max(), op.skips_nan());
    match (mode, vals, idx) {
        (Mode::Run, [av], [ai]) => {
            let Some((bv, local)) = run_arg::<T, V>(x, max, skip) else {
                return;
            };
            let bi = map.global(local as u64);
            if arg_takes(*av, *ai, bv, bi, max, skip) {
                (*av, *ai) = (bv, bi);
            }
        }
        (_, vals, idx) => {
            let bi = map.global(coord);
            for ((av, ai), &t) in vals.iter_mut().zip(idx.iter_mut()).zip(x) {
                let bv = V::of(t);
                if arg_takes(*av, *ai, bv, bi, max, skip) {
                    (*av, *ai) = (bv, bi);
                }
            }
        }
    }
}

/// The first best element of a run and its position (the first NaN if any, unless
/// `skip`, where NaNs are passed over; `None` when nothing is left).
fn run_arg<T: Input, V: Val>(x: &[T], max: bool, skip: bool) -> Option<(V, usize)> {
    let mut best: Option<(V, usize)> = None;
    for (i, &t) in x.iter().enumerate() {
        let v = V::of(t);
        if v.nan() {
            if skip {
                continue;
            }
            return Some((v, i));
        }
        match best {
            Some((bv, _)) if !((max && v > bv) || (!max && v < bv)) => {}
            _ => best = Some((v, i)),
        }
    }
    best
}

impl Partial {
    /// The partial's shape: the chunk's shape with the reduced axes set to 1.
    pub fn shape(&self) -> &[u64] {
        &self.shape
    }

    /// Bytes of memory the partial holds.
    pub fn nbytes(&self) -> usize {
        self.state.nbytes() + 8 * self.shape.len() + size_of::<Partial>()
    }

    /// Merges `other`, which covers a disjoint part of the reduced axes (same op, input
    /// dtype and shape). Merging is deterministic: the same partials merged in the same
    /// order give bit-identical results.
    pub fn combine(mut self, other: &Partial) -> Result<Partial> {
        if self.op != other.op || self.input != other.input || self.shape != other.shape {
            return Err(Error::Invalid(format!(
                "{}: cannot combine a {} partial of {} {:?} with a {} partial of {} {:?}",
                self.op.name(),
                self.op.name(),
                self.input,
                self.shape,
                other.op.name(),
                other.input,
                other.shape
            )));
        }
        let (op, max, skip) = (self.op, self.op.is_max(), self.op.skips_nan());
        match (&mut self.state, &other.state) {
            (State::SumInt(a), State::SumInt(b)) => {
                zip_vals(a, b, |x, y| x.wadd(y), |x, y| x.wadd(y), |x, y| x + y)
            }
            (State::Prod(a), State::Prod(b)) => {
                zip_vals(a, b, |x, y| x.wmul(y), |x, y| x.wmul(y), |x, y| x * y)
            }
            (State::Ext(a), State::Ext(b)) => zip_vals(
                a,
                b,
                |x, y| ext_merge(x, y, max, skip),
                |x, y| ext_merge(x, y, max, skip),
                |x, y| ext_merge(x, y, max, skip),
            ),
            (State::SumF { s, c }, State::SumF { s: s2, c: c2 }) => merge_sums(s, c, s2, c2),
            (
                State::Mean { s, c, n },
                State::Mean {
                    s: s2,
                    c: c2,
                    n: n2,
                },
            ) => {
                merge_sums(s, c, s2, c2);
                n.iter_mut().zip(n2).for_each(|(a, b)| *a += b);
            }
            (
                State::Moments { n, mean, m2 },
                State::Moments {
                    n: n2,
                    mean: mean2,
                    m2: m22,
                },
            ) => {
                for (((n, mean), m2), b) in n
                    .iter_mut()
                    .zip(mean.iter_mut())
                    .zip(m2.iter_mut())
                    .zip(n2.iter().zip(mean2).zip(m22))
                {
                    let ((nb, mb), m2b) = b;
                    (*n, *mean, *m2) = chan((*n, *mean, *m2), (*nb, *mb, *m2b));
                }
            }
            (State::Count(a), State::Count(b)) | (State::Nonzero(a), State::Nonzero(b)) => {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y)
            }
            (State::ProdF(a), State::ProdF(b)) => a.iter_mut().zip(b).for_each(|(x, y)| x.then(y)),
            (State::Logic(a), State::Logic(b)) => {
                let all = op == ReduceOp::All;
                a.iter_mut()
                    .zip(b)
                    .for_each(|(x, y)| if all { *x &= y } else { *x |= y });
            }
            (State::Arg { v, i }, State::Arg { v: v2, i: i2 }) => match (v, v2) {
                (Vals::I(v), Vals::I(v2)) => merge_args(v, i, v2, i2, max, skip),
                (Vals::U(v), Vals::U(v2)) => merge_args(v, i, v2, i2, max, skip),
                (Vals::F(v), Vals::F(v2)) => merge_args(v, i, v2, i2, max, skip),
                _ => {}
            },
            _ => {}
        }
        self.n += other.n;
        Ok(self)
    }

    /// The reduced values, in `op.output_dtype(input)`, with the partial's shape.
    pub fn finish(self) -> Result<Chunk> {
        let op = self.op;
        let out = op.output_dtype(self.input)?;
        if self.n == 0 && op.needs_elements() {
            return Err(empty_reduction(op));
        }
        let mut chunk = Chunk::zeros(out, &self.shape);
        let bytes = chunk.bytes_mut();
        match self.state {
            State::SumInt(v) | State::Prod(v) | State::Ext(v) => write_vals(&v, bytes, out)?,
            State::SumF { s, c } => {
                let v: Vec<f64> = s.iter().zip(&c).map(|(&s, &c)| compensated(s, c)).collect();
                write_f64(&v, bytes, out)?;
            }
            State::Mean { s, c, n } => {
                let v: Vec<f64> = s
                    .iter()
                    .zip(&c)
                    .zip(&n)
                    .map(|((&s, &c), &n)| compensated(s, c) / n)
                    .collect();
                write_f64(&v, bytes, out)?;
            }
            State::ProdF(v) => {
                let v: Vec<f64> = v.iter().map(ProdAcc::value).collect();
                write_f64(&v, bytes, out)?;
            }
            State::Moments { n, m2, .. } => {
                let ddof = match op {
                    ReduceOp::Var { ddof }
                    | ReduceOp::Std { ddof }
                    | ReduceOp::NanVar { ddof }
                    | ReduceOp::NanStd { ddof } => f64::from(ddof),
                    _ => 0.0,
                };
                let std = matches!(op, ReduceOp::Std { .. } | ReduceOp::NanStd { .. });
                let nan_var = matches!(op, ReduceOp::NanVar { .. } | ReduceOp::NanStd { .. });
                let v: Vec<f64> = n
                    .iter()
                    .zip(&m2)
                    .map(|(&n, &m2)| {
                        // numpy divides by max(n - ddof, 0): inf once ddof reaches the
                        // count (NaN when M2 is 0 too, as for an empty reduction)
                        // nanvar gives NaN there instead
                        if nan_var && n - ddof <= 0.0 {
                            return f64::NAN;
                        }
                        let var = m2 / (n - ddof).max(0.0);
                        if std { var.sqrt() } else { var }
                    })
                    .collect();
                write_f64(&v, bytes, out)?;
            }
            State::Arg { i: v, .. } if v.contains(&-1) => {
                return Err(Error::Invalid(format!(
                    "{}: All-NaN slice encountered",
                    op.name()
                )));
            }
            State::Count(v) | State::Nonzero(v) | State::Arg { i: v, .. } => {
                view_mut::<i64>(bytes, op.name())?.copy_from_slice(&v)
            }
            State::Logic(v) => bytes.copy_from_slice(&v),
        }
        Ok(chunk)
    }
}

fn zip_vals(
    a: &mut Vals,
    b: &Vals,
    fi: impl Fn(i64, i64) -> i64,
    fu: impl Fn(u64, u64) -> u64,
    ff: impl Fn(f64, f64) -> f64,
) {
    match (a, b) {
        (Vals::I(a), Vals::I(b)) => a.iter_mut().zip(b).for_each(|(x, &y)| *x = fi(*x, y)),
        (Vals::U(a), Vals::U(b)) => a.iter_mut().zip(b).for_each(|(x, &y)| *x = fu(*x, y)),
        (Vals::F(a), Vals::F(b)) => a.iter_mut().zip(b).for_each(|(x, &y)| *x = ff(*x, y)),
        _ => {}
    }
}

fn merge_sums(s: &mut [f64], c: &mut [f64], s2: &[f64], c2: &[f64]) {
    for (((s, c), &s2), &c2) in s.iter_mut().zip(c.iter_mut()).zip(s2).zip(c2) {
        neumaier(s, c, s2);
        *c += c2;
    }
}

fn merge_args<V: Val>(v: &mut [V], i: &mut [i64], v2: &[V], i2: &[i64], max: bool, skip: bool) {
    for (((av, ai), &bv), &bi) in v.iter_mut().zip(i.iter_mut()).zip(v2).zip(i2) {
        if arg_takes(*av, *ai, bv, bi, max, skip) {
            (*av, *ai) = (bv, bi);
        }
    }
}

/// Writes domain values as the output dtype (exact: they came from that dtype, or are
/// i64/u64/f64 sums of it).
fn write_vals(v: &Vals, bytes: &mut [u8], out: DType) -> Result<()> {
    match v {
        Vals::F(v) => write_f64(v, bytes, out),
        Vals::I(v) => write_as(v, bytes, out, |x| x as f64, |x| x as u64),
        Vals::U(v) => write_as(v, bytes, out, |x| x as f64, |x| x),
    }
}

fn write_as<V: Copy + Into<i128>>(
    v: &[V],
    bytes: &mut [u8],
    out: DType,
    f: fn(V) -> f64,
    u: fn(V) -> u64,
) -> Result<()> {
    let w = "reduce";
    let wide = |x: V| -> i128 { x.into() };
    match out {
        DType::Bool => bytes
            .iter_mut()
            .zip(v)
            .for_each(|(b, &x)| *b = u8::from(wide(x) != 0)),
        DType::I8 => view_mut::<i8>(bytes, w)?
            .iter_mut()
            .zip(v)
            .for_each(|(o, &x)| *o = wide(x) as i8),
        DType::I16 => view_mut::<i16>(bytes, w)?
            .iter_mut()
            .zip(v)
            .for_each(|(o, &x)| *o = wide(x) as i16),
        DType::I32 => view_mut::<i32>(bytes, w)?
            .iter_mut()
            .zip(v)
            .for_each(|(o, &x)| *o = wide(x) as i32),
        DType::I64 => view_mut::<i64>(bytes, w)?
            .iter_mut()
            .zip(v)
            .for_each(|(o, &x)| *o = wide(x) as i64),
        DType::U8 => view_mut::<u8>(bytes, w)?
            .iter_mut()
            .zip(v)
            .for_each(|(o, &x)| *o = u(x) as u8),
        DType::U16 => view_mut::<u16>(bytes, w)?
            .iter_mut()
            .zip(v)
            .for_each(|(o, &x)| *o = u(x) as u16),
        DType::U32 => view_mut::<u32>(bytes, w)?
            .iter_mut()
            .zip(v)
            .for_each(|(o, &x)| *o = u(x) as u32),
        DType::U64 => view_mut::<u64>(bytes, w)?
            .iter_mut()
            .zip(v)
            .for_each(|(o, &x)| *o = u(x)),
        _ => {
            let v: Vec<f64> = v.iter().map(|&x| f(x)).collect();
            return write_f64(&v, bytes, out);
        }
    }
    Ok(())
}

fn write_f64(v: &[f64], bytes: &mut [u8], out: DType) -> Result<()> {
    let w = "reduce";
    match out {
        DType::F16 => view_mut::<f16>(bytes, w)?
            .iter_mut()
            .zip(v)
            .for_each(|(o, &x)| *o = f16::from_f64(x)),
        DType::F32 => view_mut::<f32>(bytes, w)?
            .iter_mut()
            .zip(v)
            .for_each(|(o, &x)| *o = x as f32),
        DType::F64 => view_mut::<f64>(bytes, w)?.copy_from_slice(v),
        d => {
            return Err(Error::Invalid(format!(
                "reduce: float result cannot be written as {d}"
            )));
        }
    }
    Ok(())
}

/// The refusal of `op` over zero elements, with numpy's reason word for word.
pub(crate) fn empty_reduction(op: ReduceOp) -> Error {
    Error::Invalid(format!("{}: {}", op.name(), empty_reason(op)))
}

/// numpy's reason for refusing `op` over zero elements, word for word.
fn empty_reason(op: ReduceOp) -> String {
    let ufunc = match op {
        ReduceOp::ArgMin | ReduceOp::ArgMax | ReduceOp::NanArgMin | ReduceOp::NanArgMax => {
            return format!("attempt to get {} of an empty sequence", op.name());
        }
        ReduceOp::Min => "minimum",
        ReduceOp::Max => "maximum",
        ReduceOp::NanMin => "fmin",
        ReduceOp::NanMax => "fmax",
        _ => op.name(),
    };
    format!("zero-size array to reduction operation {ufunc} which has no identity")
}

#[cfg(test)]
mod tests;
