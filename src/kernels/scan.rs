//! Cumulative sums and products along one axis of a chunk, continuing from a carry.
//!
//! `scan` walks the chunk along `axis`, adding (or multiplying) each slice into a running
//! total that starts at `carry`, writes the running totals, and leaves the last one in
//! `carry` for the next chunk along the axis. Integers wrap like numpy's; floats add in
//! their own precision, one slice after another, as numpy's `cumsum` does.

use crate::chunk::Chunk;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::grid::strides;

/// The running operation of a cumulative scan along one axis.
///
/// Non-exhaustive: more scans (cumulative max/min, NaN-skipping variants) may be added,
/// so a match outside tessera needs a `_` arm.
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// let ctx = Context::new()?;
/// let a = Array::from_ndarray(ndarray::array![1, 2, 3, 4].view(), &[2])?;
/// assert_eq!(a.scan(ScanOp::Prod, 0)?.compute_vec::<i64>(&ctx)?, vec![1, 2, 6, 24]);
/// # Ok::<(), tessera::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScanOp {
    /// `cumsum`: running sum, starting from 0.
    Sum,
    /// `cumprod`: running product, starting from 1.
    Prod,
}

impl ScanOp {
    /// numpy's name.
    pub fn name(self) -> &'static str {
        match self {
            ScanOp::Sum => "cumsum",
            ScanOp::Prod => "cumprod",
        }
    }
}

/// A carry of `shape` (the chunk's shape with `axis` set to 1) holding the identity.
pub fn identity(op: ScanOp, dtype: DType, shape: &[u64]) -> Chunk {
    let mut carry = Chunk::zeros(dtype, shape);
    if op == ScanOp::Prod {
        let one = one_bytes(dtype);
        for element in carry.bytes_mut().chunks_exact_mut(dtype.size()) {
            element.copy_from_slice(&one);
        }
    }
    carry
}

fn one_bytes(dtype: DType) -> Vec<u8> {
    match dtype {
        DType::Bool | DType::I8 | DType::U8 => vec![1],
        DType::I16 | DType::U16 => 1u16.to_ne_bytes().to_vec(),
        DType::F16 => half::f16::ONE.to_ne_bytes().to_vec(),
        DType::I32 | DType::U32 => 1u32.to_ne_bytes().to_vec(),
        DType::F32 => 1f32.to_ne_bytes().to_vec(),
        DType::I64 | DType::U64 => 1u64.to_ne_bytes().to_vec(),
        DType::F64 => 1f64.to_ne_bytes().to_vec(),
    }
}

/// Scans `values` along `axis` starting from `carry`; returns the running totals and
/// leaves the last slice's totals in `carry`. `values`, `carry` share the dtype.
pub fn scan(op: ScanOp, values: &Chunk, axis: usize, carry: &mut Chunk) -> Result<Chunk> {
    let mut expected = values.shape().to_vec();
    if axis >= expected.len() || values.dtype() != carry.dtype() {
        return Err(Error::Invalid(format!("{}: bad axis or dtype", op.name())));
    }
    expected[axis] = 1;
    if carry.shape() != expected.as_slice() {
        return Err(Error::shape(
            op.name(),
            format!("carry {:?} does not match {:?}", carry.shape(), expected),
        ));
    }
    let mut out = Chunk::zeros(values.dtype(), values.shape());
    let shape = values.shape();
    let outer: u64 = shape[..axis].iter().product();
    let steps = shape[axis] as usize;
    let inner = strides(shape)[axis] as usize;
    macro_rules! run {
        ($t:ty, $combine:expr) => {{
            let src = values.as_slice::<$t>().unwrap_or(&[]);
            let acc = carry.as_slice_mut::<$t>().unwrap_or(&mut []);
            let dst = out.as_slice_mut::<$t>().unwrap_or(&mut []);
            scan_slices(src, dst, acc, outer as usize, steps, inner, $combine);
        }};
    }
    macro_rules! by_op {
        ($t:ty, $add:expr, $mul:expr) => {
            match op {
                ScanOp::Sum => run!($t, $add),
                ScanOp::Prod => run!($t, $mul),
            }
        };
    }
    match values.dtype() {
        DType::F64 => by_op!(f64, |a: f64, b: f64| a + b, |a: f64, b: f64| a * b),
        DType::F32 => by_op!(f32, |a: f32, b: f32| a + b, |a: f32, b: f32| a * b),
        DType::F16 => by_op!(
            half::f16,
            |a: half::f16, b: half::f16| half::f16::from_f32(a.to_f32() + b.to_f32()),
            |a: half::f16, b: half::f16| half::f16::from_f32(a.to_f32() * b.to_f32())
        ),
        DType::I64 => by_op!(i64, i64::wrapping_add, i64::wrapping_mul),
        DType::U64 => by_op!(u64, u64::wrapping_add, u64::wrapping_mul),
        other => {
            return Err(Error::Invalid(format!(
                "{}: scans run in int64, uint64 or float dtypes, not {other}",
                op.name()
            )));
        }
    }
    Ok(out)
}

/// The scan over a C-ordered block seen as `outer` x `steps` x `inner`.
fn scan_slices<T: Copy>(
    src: &[T],
    dst: &mut [T],
    acc: &mut [T],
    outer: usize,
    steps: usize,
    inner: usize,
    combine: impl Fn(T, T) -> T,
) {
    for o in 0..outer {
        let running = &mut acc[o * inner..(o + 1) * inner];
        for s in 0..steps {
            let at = (o * steps + s) * inner;
            for ((total, value), slot) in running
                .iter_mut()
                .zip(&src[at..at + inner])
                .zip(&mut dst[at..at + inner])
            {
                *total = combine(*total, *value);
                *slot = *total;
            }
        }
    }
}

#[cfg(test)]
mod tests;
