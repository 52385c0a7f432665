//! Kernels over whole lanes along one axis of a chunk: sorting (`sort`, `argsort`),
//! medians and quantiles. A lane is the run of elements along the axis with every
//! other index fixed; each is copied into one scratch buffer, worked on, and written
//! to the output lane, whose length the kernel sets (the lane's length for sorts, one
//! for a median, one per quantile).
//!
//! Orders follow numpy's: NaN sorts last (after +inf); `argsort` is stable (numpy's
//! `kind='stable'`). Order statistics are found with `select_nth_unstable` (one or two
//! per quantile), or a full sort when a lane needs more than two of them.
//!
//! Quantiles reproduce numpy 2's `_quantile` arithmetic step by step: the virtual
//! index `(n - 1) * q` in float64, its floor and ceiling clamped as `_get_indexes`
//! clamps them, `gamma = index - previous`, and `_lerp`: `a + (b - a) * t`, or
//! `b - (b - a) * (1 - t)` where `t >= 0.5`. The difference `b - a` is taken in the
//! input's dtype (integers wrap, as numpy's), and the rest in the result's precision:
//! float16/float32 inputs with one Python-number `q` stay in their dtype (each float16
//! operation rounded from float32, as numpy's half loops), everything else in float64.

use std::cmp::Ordering;

use half::f16;

use crate::chunk::Chunk;
use crate::dtype::DType;
use crate::error::{Error, Result};

/// How a quantile that falls between two order statistics is chosen (numpy's
/// `method=`).
///
/// Non-exhaustive: numpy's other methods (`'hazen'`, `'weibull'`, ...) may be added.
///
/// # Examples
/// ```
/// use tessera::QuantileMethod;
/// assert_eq!(QuantileMethod::parse("midpoint"), Some(QuantileMethod::Midpoint));
/// assert_eq!(QuantileMethod::Linear.name(), "linear");
/// assert_eq!(QuantileMethod::parse("hazen"), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum QuantileMethod {
    /// Interpolates linearly between the two neighbours (numpy's default).
    #[default]
    Linear,
    /// The lower neighbour.
    Lower,
    /// The higher neighbour.
    Higher,
    /// The nearest neighbour (halves round to the even index, as numpy's `around`).
    Nearest,
    /// The mean of the two neighbours.
    Midpoint,
}

impl QuantileMethod {
    /// The method named as numpy names it.
    pub fn parse(name: &str) -> Option<QuantileMethod> {
        Some(match name {
            "linear" => QuantileMethod::Linear,
            "lower" => QuantileMethod::Lower,
            "higher" => QuantileMethod::Higher,
            "nearest" => QuantileMethod::Nearest,
            "midpoint" => QuantileMethod::Midpoint,
            _ => return None,
        })
    }

    /// numpy's name of the method.
    pub fn name(self) -> &'static str {
        match self {
            QuantileMethod::Linear => "linear",
            QuantileMethod::Lower => "lower",
            QuantileMethod::Higher => "higher",
            QuantileMethod::Nearest => "nearest",
            QuantileMethod::Midpoint => "midpoint",
        }
    }

    /// Methods that pick an element (so keep the input's dtype) rather than
    /// interpolate.
    fn picks(self) -> bool {
        matches!(
            self,
            QuantileMethod::Lower | QuantileMethod::Higher | QuantileMethod::Nearest
        )
    }
}

/// What a lane becomes.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum LaneKernel {
    /// The lane in ascending order, NaN last.
    Sort,
    /// The indices that sort the lane (stable), as int64.
    ArgSort,
    /// numpy's `median` (`skip_nan`: `nanmedian`).
    Median { skip_nan: bool },
    /// numpy's `quantile` at each of `q` (`skip_nan`: `nanquantile`). `weak`: `q` was
    /// one Python number (numpy's `weak_q`: float16/float32 results keep their dtype);
    /// `integer_q`: every q is a Python integer, so `linear` picks elements as numpy
    /// does for integer virtual indices.
    Quantile {
        q: Vec<f64>,
        method: QuantileMethod,
        skip_nan: bool,
        weak: bool,
        integer_q: bool,
    },
}

impl LaneKernel {
    /// The operation's name in messages.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            LaneKernel::Sort => "sort",
            LaneKernel::ArgSort => "argsort",
            LaneKernel::Median { skip_nan: false } => "median",
            LaneKernel::Median { skip_nan: true } => "nanmedian",
            LaneKernel::Quantile {
                skip_nan: false, ..
            } => "quantile",
            LaneKernel::Quantile { skip_nan: true, .. } => "nanquantile",
        }
    }

    /// The length of an output lane for an input lane of `n`.
    pub(crate) fn output_len(&self, n: u64) -> u64 {
        match self {
            LaneKernel::Sort | LaneKernel::ArgSort => n,
            LaneKernel::Median { .. } => 1,
            LaneKernel::Quantile { q, .. } => q.len() as u64,
        }
    }

    /// True when the kernel picks elements of the lane (so the result keeps its dtype).
    fn picks(&self) -> bool {
        match self {
            LaneKernel::Sort => true,
            LaneKernel::ArgSort | LaneKernel::Median { .. } => false,
            LaneKernel::Quantile {
                method, integer_q, ..
            } => method.picks() || (*method == QuantileMethod::Linear && *integer_q),
        }
    }

    /// The result dtype for lanes of `dtype`, as numpy's.
    ///
    /// # Errors
    /// An interpolating quantile of bools (numpy refuses to subtract bools).
    pub(crate) fn output_dtype(&self, dtype: DType) -> Result<DType> {
        Ok(match self {
            LaneKernel::Sort => dtype,
            LaneKernel::ArgSort => DType::I64,
            LaneKernel::Median { .. } if dtype.is_float() => dtype,
            LaneKernel::Median { .. } => DType::F64,
            _ if self.picks() => dtype,
            LaneKernel::Quantile { method, .. } if dtype == DType::Bool => {
                return Err(Error::Invalid(format!(
                    "{}(method='{}') of a bool array is not supported: numpy refuses to subtract bools (use method='lower', 'higher' or 'nearest', or astype first)",
                    self.name(),
                    method.name()
                )));
            }
            LaneKernel::Quantile { weak: true, .. } if dtype.is_float() => dtype,
            LaneKernel::Quantile { .. } => DType::F64,
        })
    }

    /// Bytes of scratch one lane of `n` elements of `dtype` needs beside the block and
    /// the output: a copy of the lane, its indices (argsort) and the results.
    pub(crate) fn scratch_bytes(&self, n: u64, dtype: DType) -> u64 {
        let copy = n.saturating_mul(dtype.size() as u64);
        let extra = match self {
            LaneKernel::ArgSort => n.saturating_mul(8),
            LaneKernel::Quantile { q, .. } => (q.len() as u64).saturating_mul(32),
            _ => 64,
        };
        copy.saturating_add(extra)
    }
}

/// The kernel over every lane of `values` along `axis`; the output has the lane axis
/// resized to [`LaneKernel::output_len`] and the dtype [`LaneKernel::output_dtype`].
pub(crate) fn apply(kernel: &LaneKernel, values: &Chunk, axis: usize) -> Result<Chunk> {
    let shape = values.shape();
    if axis >= shape.len() {
        return Err(Error::Invalid(format!(
            "{}: axis {axis} of a chunk of {} axes",
            kernel.name(),
            shape.len()
        )));
    }
    let n = shape[axis] as usize;
    let m = kernel.output_len(n as u64) as usize;
    let out_dtype = kernel.output_dtype(values.dtype())?;
    let mut out_shape = shape.to_vec();
    out_shape[axis] = m as u64;
    let mut out = Chunk::zeros(out_dtype, &out_shape);
    let outer: usize = shape[..axis].iter().map(|&s| s as usize).product();
    let inner: usize = shape[axis + 1..].iter().map(|&s| s as usize).product();
    let geometry = Geometry { outer, inner, n, m };
    macro_rules! run {
        ($t:ty) => {
            run_typed::<$t>(kernel, values, &mut out, &geometry)
        };
    }
    match values.dtype() {
        // bools are bytes 0 and 1: ordered, averaged and picked as uint8.
        DType::Bool | DType::U8 => run!(u8),
        DType::I8 => run!(i8),
        DType::I16 => run!(i16),
        DType::I32 => run!(i32),
        DType::I64 => run!(i64),
        DType::U16 => run!(u16),
        DType::U32 => run!(u32),
        DType::U64 => run!(u64),
        DType::F16 => run!(f16),
        DType::F32 => run!(f32),
        DType::F64 => run!(f64),
    }?;
    Ok(out)
}

/// A block seen as `outer` x lane x `inner`, lanes of `n` in and `m` out.
struct Geometry {
    outer: usize,
    inner: usize,
    n: usize,
    m: usize,
}

/// An element type lanes are worked on in.
trait Value: bytemuck::Pod + PartialOrd + Default {
    /// The result's precision when a weak `q` keeps the dtype (floats), else float64.
    const WORK: Work;
    fn is_nan(self) -> bool;
    /// The value as float64 (as numpy's cast to float64).
    fn to_f64(self) -> f64;
    /// `b - a` in this dtype (integers wrap, float16 rounds from float32), as float64.
    fn diff(b: Self, a: Self) -> f64;
    /// numpy's `mean` of `a` and `b` in the median's result dtype, as float64.
    fn mean2(a: Self, b: Self) -> f64 {
        (a.to_f64() + b.to_f64()) / 2.0
    }
    /// NaN, for float types (zero otherwise; never written for those).
    fn nan() -> Self {
        Self::default()
    }
}

/// The precision of an interpolation.
#[derive(Clone, Copy, PartialEq)]
enum Work {
    F16,
    F32,
    F64,
}

macro_rules! int_value {
    ($($t:ty),*) => {$(
        impl Value for $t {
            const WORK: Work = Work::F64;
            fn is_nan(self) -> bool { false }
            fn to_f64(self) -> f64 { self as f64 }
            fn diff(b: Self, a: Self) -> f64 { b.wrapping_sub(a) as f64 }
        }
    )*};
}
int_value!(i8, i16, i32, i64, u8, u16, u32, u64);

impl Value for f64 {
    const WORK: Work = Work::F64;
    fn is_nan(self) -> bool {
        self.is_nan()
    }
    fn to_f64(self) -> f64 {
        self
    }
    fn diff(b: Self, a: Self) -> f64 {
        b - a
    }
    fn nan() -> Self {
        f64::NAN
    }
}

impl Value for f32 {
    const WORK: Work = Work::F32;
    fn is_nan(self) -> bool {
        self.is_nan()
    }
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    fn diff(b: Self, a: Self) -> f64 {
        f64::from(b - a)
    }
    fn mean2(a: Self, b: Self) -> f64 {
        f64::from((a + b) / 2.0)
    }
    fn nan() -> Self {
        f32::NAN
    }
}

impl Value for f16 {
    const WORK: Work = Work::F16;
    fn is_nan(self) -> bool {
        self.is_nan()
    }
    fn to_f64(self) -> f64 {
        self.to_f64()
    }
    fn diff(b: Self, a: Self) -> f64 {
        half16(b.to_f32() - a.to_f32())
    }
    // numpy's mean of float16 sums and divides in float32, then rounds once.
    fn mean2(a: Self, b: Self) -> f64 {
        half16((a.to_f32() + b.to_f32()) / 2.0)
    }
    fn nan() -> Self {
        f16::NAN
    }
}

/// `x` rounded to float16, as float64.
fn half16(x: f32) -> f64 {
    f16::from_f32(x).to_f64()
}

/// numpy's sort order: NaN after everything, NaNs equal.
fn nan_last<T: Value>(a: &T, b: &T) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (false, false) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
    }
}

/// A typed view of a chunk's bytes.
fn typed<T: bytemuck::Pod>(bytes: &[u8]) -> Result<&[T]> {
    bytemuck::try_cast_slice(bytes)
        .map_err(|e| Error::Internal(format!("lane kernel: misaligned chunk ({e})")))
}

fn typed_mut<T: bytemuck::Pod>(bytes: &mut [u8]) -> Result<&mut [T]> {
    bytemuck::try_cast_slice_mut(bytes)
        .map_err(|e| Error::Internal(format!("lane kernel: misaligned chunk ({e})")))
}

/// One result of a quantile or median: an element of the lane, or a value in the
/// result's precision.
#[derive(Clone, Copy)]
enum Found<T> {
    Element(T),
    Value(f64),
}

fn run_typed<T: Value>(
    kernel: &LaneKernel,
    values: &Chunk,
    out: &mut Chunk,
    g: &Geometry,
) -> Result<()> {
    let src = typed::<T>(values.bytes())?;
    let out_dtype = out.dtype();
    let mut lane: Vec<T> = Vec::with_capacity(g.n);
    let mut order: Vec<usize> = Vec::new();
    let mut found: Vec<Found<T>> = Vec::with_capacity(g.outer * g.inner * g.m);
    for o in 0..g.outer {
        for i in 0..g.inner {
            lane.clear();
            lane.extend((0..g.n).map(|k| src[(o * g.n + k) * g.inner + i]));
            let at = |k: usize| (o * g.m + k) * g.inner + i;
            match kernel {
                LaneKernel::Sort => {
                    lane.sort_unstable_by(nan_last);
                    let dst = typed_mut::<T>(out.bytes_mut())?;
                    for (k, v) in lane.iter().enumerate() {
                        dst[at(k)] = *v;
                    }
                }
                LaneKernel::ArgSort => {
                    order.clear();
                    order.extend(0..g.n);
                    order.sort_by(|x, y| nan_last(&lane[*x], &lane[*y]));
                    let dst = typed_mut::<i64>(out.bytes_mut())?;
                    for (k, index) in order.iter().enumerate() {
                        dst[at(k)] = *index as i64;
                    }
                }
                LaneKernel::Median { skip_nan } => {
                    found.push(median(&mut lane, *skip_nan));
                }
                LaneKernel::Quantile {
                    q,
                    method,
                    skip_nan,
                    weak,
                    integer_q,
                } => {
                    let work = if *weak { T::WORK } else { Work::F64 };
                    quantiles(
                        &mut lane, q, *method, *skip_nan, work, *integer_q, &mut found,
                    );
                }
            }
        }
    }
    if found.is_empty() {
        return Ok(());
    }
    // `found` is in lane order (outer, inner, then k); scatter to (outer, k, inner).
    let position = |index: usize| {
        let (o, rest) = (index / (g.inner * g.m), index % (g.inner * g.m));
        let (i, k) = (rest / g.m, rest % g.m);
        (o * g.m + k) * g.inner + i
    };
    macro_rules! put {
        ($t:ty, $from:expr) => {{
            let dst = typed_mut::<$t>(out.bytes_mut())?;
            for (index, f) in found.iter().enumerate() {
                dst[position(index)] = match *f {
                    Found::Value(x) => $from(x),
                    // invariant: elements are only found where the result keeps T's
                    // dtype (handled below); this arm converts through float64.
                    Found::Element(e) => $from(e.to_f64()),
                };
            }
        }};
    }
    if out_dtype == values.dtype() && kernel.picks() {
        let dst = typed_mut::<T>(out.bytes_mut())?;
        for (index, f) in found.iter().enumerate() {
            dst[position(index)] = match *f {
                Found::Element(e) => e,
                Found::Value(_) => T::nan(),
            };
        }
        return Ok(());
    }
    match out_dtype {
        DType::F64 => put!(f64, |x: f64| x),
        DType::F32 => put!(f32, |x: f64| x as f32),
        DType::F16 => put!(f16, f16::from_f64),
        other => {
            return Err(Error::Internal(format!(
                "lane kernel: unexpected result dtype {other}"
            )));
        }
    }
    Ok(())
}

/// numpy's `median` of one lane: the middle element, or numpy's `mean` of the two
/// middle ones; NaN when the lane holds one (`skip_nan`: NaNs dropped first; NaN when
/// nothing is left).
fn median<T: Value>(lane: &mut Vec<T>, skip_nan: bool) -> Found<T> {
    if lane.iter().any(|v| v.is_nan()) {
        if !skip_nan {
            return Found::Value(f64::NAN);
        }
        lane.retain(|v| !v.is_nan());
    }
    let n = lane.len();
    if n == 0 {
        return Found::Value(f64::NAN);
    }
    let half = n / 2;
    let (below, middle, _) = lane.select_nth_unstable_by(half, nan_last);
    let middle = *middle;
    if n % 2 == 1 {
        return Found::Value(middle.to_f64());
    }
    let lower = below.iter().copied().max_by(nan_last).unwrap_or(middle);
    Found::Value(T::mean2(lower, middle))
}

/// The elements at sorted positions `ks` (ascending) of `lane` (no NaN).
fn order_statistics<T: Value>(lane: &mut [T], ks: &[usize]) -> Vec<T> {
    match ks {
        [] => Vec::new(),
        [k] => vec![*lane.select_nth_unstable_by(*k, nan_last).1],
        [k0, k1] => {
            let (_, first, rest) = lane.select_nth_unstable_by(*k0, nan_last);
            let first = *first;
            let second = if k1 == k0 {
                first
            } else {
                *rest.select_nth_unstable_by(k1 - k0 - 1, nan_last).1
            };
            vec![first, second]
        }
        _ => {
            lane.sort_unstable_by(nan_last);
            ks.iter().map(|&k| lane[k]).collect()
        }
    }
}

/// One quantile's plan: pick the element at `Pick`, or interpolate between two
/// (`previous`, `next`, `gamma`).
enum Plan {
    Pick(usize),
    Lerp {
        previous: usize,
        next: usize,
        gamma: f64,
    },
}

/// numpy's `_get_indexes` and `_get_gamma` for a virtual index `v` into `n` values:
/// returns the indices to read and gamma (which numpy computes from the clamped
/// previous index, -1 standing for the last).
fn lerp_plan(v: f64, n: usize) -> Plan {
    let last = n - 1;
    let (previous, next, previous_value) = if v >= last as f64 {
        (last, last, -1.0)
    } else if v < 0.0 {
        (0, 0, 0.0)
    } else {
        let floor = v.floor();
        let p = floor as usize;
        (p, p + 1, floor)
    };
    Plan::Lerp {
        previous,
        next,
        gamma: v - previous_value,
    }
}

/// numpy's quantiles of one lane, appended to `found` in `q`'s order.
fn quantiles<T: Value>(
    lane: &mut Vec<T>,
    q: &[f64],
    method: QuantileMethod,
    skip_nan: bool,
    work: Work,
    integer_q: bool,
    found: &mut Vec<Found<T>>,
) {
    if lane.iter().any(|v| v.is_nan()) {
        if !skip_nan {
            found.extend(q.iter().map(|_| Found::Value(f64::NAN)));
            return;
        }
        lane.retain(|v| !v.is_nan());
    }
    let n = lane.len();
    if n == 0 {
        found.extend(q.iter().map(|_| Found::Value(f64::NAN)));
        return;
    }
    let last = (n - 1) as f64;
    let plans: Vec<Plan> = q
        .iter()
        .map(|&q| {
            let x = last * q;
            let clamp = |i: f64| (i.max(0.0) as usize).min(n - 1);
            match method {
                QuantileMethod::Linear if integer_q => Plan::Pick(clamp(x)),
                QuantileMethod::Linear => lerp_plan(x, n),
                QuantileMethod::Lower => Plan::Pick(clamp(x.floor())),
                QuantileMethod::Higher => Plan::Pick(clamp(x.ceil())),
                QuantileMethod::Nearest => Plan::Pick(clamp(x.round_ties_even())),
                QuantileMethod::Midpoint => {
                    let v = 0.5 * (x.floor() + x.ceil());
                    match lerp_plan(v, n) {
                        Plan::Lerp { previous, next, .. } => Plan::Lerp {
                            previous,
                            next,
                            gamma: if v % 1.0 == 0.0 { 0.0 } else { 0.5 },
                        },
                        pick => pick,
                    }
                }
            }
        })
        .collect();
    let mut ks: Vec<usize> = plans
        .iter()
        .flat_map(|p| match *p {
            Plan::Pick(k) => vec![k],
            Plan::Lerp { previous, next, .. } => vec![previous, next],
        })
        .collect();
    ks.sort_unstable();
    ks.dedup();
    let stats = order_statistics(lane, &ks);
    let value_at = |k: usize| {
        // invariant: every k read is in `ks`.
        let at = ks.binary_search(&k).unwrap_or(0);
        stats[at]
    };
    for plan in &plans {
        found.push(match *plan {
            Plan::Pick(k) => Found::Element(value_at(k)),
            Plan::Lerp {
                previous,
                next,
                gamma,
            } => Found::Value(lerp(value_at(previous), value_at(next), gamma, work)),
        });
    }
}

/// numpy's `_lerp(a, b, t)` in the result's precision, as float64.
fn lerp<T: Value>(a: T, b: T, t: f64, work: Work) -> f64 {
    let d = T::diff(b, a);
    match work {
        Work::F64 => {
            let (a, b) = (a.to_f64(), b.to_f64());
            if t >= 0.5 {
                b - d * (1.0 - t)
            } else {
                a + d * t
            }
        }
        Work::F32 => {
            let (a, b, d) = (a.to_f64() as f32, b.to_f64() as f32, d as f32);
            f64::from(if t >= 0.5 {
                b - d * ((1.0 - t) as f32)
            } else {
                a + d * (t as f32)
            })
        }
        Work::F16 => {
            let (a, b, d) = (a.to_f64() as f32, b.to_f64() as f32, d as f32);
            let h = |x: f64| f16::from_f64(x).to_f32();
            if t >= 0.5 {
                let product = half16(d * h(1.0 - t)) as f32;
                half16(b - product)
            } else {
                let product = half16(d * h(t)) as f32;
                half16(a + product)
            }
        }
    }
}

#[cfg(test)]
mod tests;
