//! dask.array's creation functions: `zeros`, `ones`, `full`, `arange`, `linspace`,
//! `eye` and seeded random arrays, as lazy arrays whose chunks are made on demand (the
//! whole array is never materialised), plus dask's "auto" chunking.
//!
//! Every function returns an `Array` over a [`CreateSource`]. The deterministic ones
//! compute each element from its position alone (`arange`: `start + i * step`), so their
//! values never depend on the chunking. The random ones draw chunk `i` of their grid
//! from its own stream seeded from `(seed, i)`: the values depend on the seed and the
//! chunk shape only, never on the number of threads or the order chunks are made in.
//!
//! Differences from numpy, on purpose:
//! - `arange` with a step of the wrong sign (`arange(0, 10, -1)`) and `linspace` with
//!   `num = 0` are errors instead of empty arrays (`arange(x, x, s)` is still empty).
//! - `arange` with an integer dtype and a fractional start or step computes each value
//!   in float64 and truncates it (`astype`), where numpy fills by the truncated
//!   difference of the first two values.
//! - Integer values a dtype cannot hold (`full(1000, int8)`, `arange` past the
//!   type's range) are errors, not wrapped values.

mod numbers;
mod random;

use numbers::*;
pub use random::{Dist, random_integers, random_normal, random_uniform};

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::chunk::Chunk;
use crate::context::Context;
use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::graph::Array;
use crate::grid::{ChunkGrid, Region};
use crate::kernels::elementwise::{Operand, try_cast};
use crate::kernels::promote::Scalar;
use crate::store::Origin;
use crate::store::{ArrayMeta, ChunkSource};

/// dask's default target chunk size for "auto" chunking (`array.chunk-size`): 128 MiB.
pub const DEFAULT_CHUNK_BYTES: u64 = 128 << 20;

/// Values generated per block before conversion to the array's dtype.
const BLOCK: usize = 1024;

/// Largest array length `arange` and `linspace` accept (2^53: every index is exact in
/// float64).
const MAX_LEN: u64 = 1 << 53;

/// How a [`CreateSource`] makes its values.
#[derive(Clone, Debug, PartialEq)]
enum Values {
    /// Every element is the metadata's fill value.
    Fill,
    /// `start + i * step` (1-D), in float64, or exactly in integers when `exact`.
    Arange {
        start: f64,
        step: f64,
        exact: Option<(i128, i128)>,
    },
    /// `start + i * step` (1-D); element `last` (if any) is `stop` exactly. Floored for
    /// integer dtypes (numpy 2).
    Linspace {
        start: f64,
        step: f64,
        last: Option<(u64, f64)>,
    },
    /// One where `column - row == k`, zero elsewhere (2-D).
    Eye { k: i64 },
    /// Floats uniform in `[low, high)`.
    Uniform { low: f64, high: f64 },
    /// Floats from N(mean, std²).
    Normal { mean: f64, std: f64 },
    /// Integers uniform in `[low, high)`.
    Integers { low: i64, high: i64 },
}

impl Values {
    fn is_random(&self) -> bool {
        matches!(
            self,
            Values::Uniform { .. } | Values::Normal { .. } | Values::Integers { .. }
        )
    }
}

/// A created array, produced chunk by chunk on demand.
pub struct CreateSource {
    /// What made the values, for messages.
    name: String,
    meta: ArrayMeta,
    grid: ChunkGrid,
    values: Values,
    seed: u64,
}

impl CreateSource {
    fn new(
        name: &str,
        shape: &[u64],
        chunks: &[u64],
        dtype: DType,
        fill_value: Vec<u8>,
        values: Values,
        seed: u64,
    ) -> Result<CreateSource> {
        let grid = ChunkGrid::new(shape, chunks)?;
        let mut attributes = Map::new();
        attributes.insert("generator".into(), Value::from(format!("tessera {name}")));
        let label = if values.is_random() {
            attributes.insert("seed".into(), Value::from(seed));
            format!("<{name} seed={seed}>")
        } else {
            format!("<{name}>")
        };
        let meta = ArrayMeta {
            shape: shape.to_vec(),
            chunks: chunks.to_vec(),
            dtype,
            fill_value,
            codec: "none".into(),
            layout: "generated".into(),
            attributes: attributes.into(),
            dimension_names: None,
            stored_bytes: None,
            fill_marks_missing: false,
        };
        Ok(CreateSource {
            name: label,
            meta,
            grid,
            values,
            seed,
        })
    }

    fn into_array(self) -> Array {
        Array::from_source(Arc::new(self))
    }

    /// The values of `region`, computed from element positions (deterministic kinds).
    fn make_region(&self, region: &Region) -> Result<Chunk> {
        let dtype = self.meta.dtype;
        let mut out = Chunk::zeros(dtype, &region.shape);
        match &self.values {
            Values::Fill => return Ok(Chunk::filled(dtype, &region.shape, &self.meta.fill_value)),
            Values::Arange { start, step, exact } => {
                let first = first_index(region);
                let n = region.len();
                match exact {
                    Some((s, d)) => write_ints(
                        out.bytes_mut(),
                        dtype,
                        (first..first + n).map(|i| s + i128::from(i) * d),
                    )?,
                    None => write_floats(
                        out.bytes_mut(),
                        dtype,
                        (first..first + n).map(|i| start + i as f64 * step),
                    )?,
                }
            }
            Values::Linspace { start, step, last } => {
                let first = first_index(region);
                let n = region.len();
                let floor = !dtype.is_float() && dtype != DType::Bool;
                let values = (first..first + n).map(|i| {
                    let v = match last {
                        Some((at, stop)) if *at == i => *stop,
                        _ => start + i as f64 * step,
                    };
                    if floor { v.floor() } else { v }
                });
                write_floats(out.bytes_mut(), dtype, values)?;
            }
            Values::Eye { k } => {
                let one = scalar_bytes(Scalar::Int(1), dtype)?;
                let (rows, cols) = (region.shape[0], region.shape[1]);
                let (row0, col0) = (region.start[0], region.start[1]);
                let size = dtype.size();
                let bytes = out.bytes_mut();
                for r in 0..rows {
                    let col = i128::from(row0 + r) + i128::from(*k);
                    if col >= i128::from(col0) && col < i128::from(col0 + cols) {
                        let c = (col - i128::from(col0)) as u64;
                        let at = ((r * cols + c) as usize) * size;
                        bytes[at..at + size].copy_from_slice(&one);
                    }
                }
            }
            Values::Uniform { .. } | Values::Normal { .. } | Values::Integers { .. } => {
                return Err(Error::Invalid(
                    "random arrays are made a whole chunk at a time".into(),
                ));
            }
        }
        Ok(out)
    }
}

impl ChunkSource for CreateSource {
    fn meta(&self) -> &ArrayMeta {
        &self.meta
    }

    fn origin(&self) -> Origin<'_> {
        Origin::Made(&self.name)
    }

    fn input_paths(&self) -> Vec<std::path::PathBuf> {
        Vec::new() // made in memory: reads no file
    }

    fn read_chunk(&self, index: &[u64]) -> Result<Chunk> {
        if self.values.is_random() {
            self.make_random_chunk(index)
        } else {
            self.make_region(&self.grid.chunk_region(index))
        }
    }

    fn read_region(&self, region: &Region) -> Result<Chunk> {
        crate::store::check_region(&self.meta, region, self.origin())?;
        if !self.values.is_random() {
            return self.make_region(region);
        }
        let mut out = Chunk::zeros(self.meta.dtype, &region.shape);
        if region.is_empty() {
            return Ok(out);
        }
        let touching = self.grid.chunks_touching(region);
        for index in crate::grid::region_indices(&touching) {
            let chunk = self.make_random_chunk(&index)?;
            chunk.copy_overlap_into(&self.grid.chunk_region(&index), &mut out, region);
        }
        Ok(out)
    }
}

/// An array of `shape` and `dtype` full of zeros, in chunks of `chunks`.
///
/// # Errors
/// A `shape` or `chunks` that do not fit together, or a result too large to
/// address.
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// let ctx = Context::new()?;
/// let z = tessera::zeros(&[2, 3], &[1, 3], DType::F32)?;
/// assert_eq!(z.compute_vec::<f32>(&ctx)?, vec![0.0; 6]);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn zeros(shape: &[u64], chunks: &[u64], dtype: DType) -> Result<Array> {
    full_named("zeros", shape, chunks, Scalar::Int(0), dtype)
}

/// An array of `shape` and `dtype` full of ones (`true` for bool).
///
/// # Errors
/// As [`zeros`].
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// let ctx = Context::new()?;
/// let b = tessera::ones(&[3], &[2], DType::I8)?;
/// assert_eq!(b.compute_vec::<i8>(&ctx)?, vec![1; 3]);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn ones(shape: &[u64], chunks: &[u64], dtype: DType) -> Result<Array> {
    full_named("ones", shape, chunks, Scalar::Int(1), dtype)
}

/// An array of `shape` and `dtype` full of `value`, converted to `dtype` with `astype`
/// rules (floats truncate toward integers, anything non-zero is `true`). An integer
/// dtype that cannot hold the value is an error.
///
/// # Errors
/// As [`zeros`], and a value the integer dtype cannot hold.
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// let ctx = Context::new()?;
/// use tessera::Scalar;
/// let sevens = tessera::full(&[2, 2], &[2, 2], Scalar::Int(7), DType::I16)?;
/// assert_eq!(sevens.compute_vec::<i16>(&ctx)?, vec![7; 4]);
/// assert!(tessera::full(&[1], &[1], Scalar::Int(300), DType::U8).is_err());
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn full(shape: &[u64], chunks: &[u64], value: Scalar, dtype: DType) -> Result<Array> {
    full_named("full", shape, chunks, value, dtype)
}

fn full_named(
    name: &str,
    shape: &[u64],
    chunks: &[u64],
    value: Scalar,
    dtype: DType,
) -> Result<Array> {
    let fill = scalar_bytes(value, dtype).map_err(|e| Error::Invalid(format!("{name}: {e}")))?;
    Ok(CreateSource::new(name, shape, chunks, dtype, fill, Values::Fill, 0)?.into_array())
}

/// numpy's `arange`: the 1-D array `start + i * step` for `i` in
/// `0 .. ceil((stop - start) / step)`, in chunks of `chunks`. Each value is computed
/// from its index alone (exactly in integers when the dtype is an integer type and
/// `start` and `step` are whole numbers), so chunking never changes it.
///
/// # Errors
/// A zero or non-finite step, a length past 2^53, or values the dtype cannot hold.
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// let ctx = Context::new()?;
/// let a = tessera::arange(0.0, 10.0, 3.0, 2, DType::I64)?;
/// assert_eq!(a.compute_vec::<i64>(&ctx)?, vec![0, 3, 6, 9]);
/// assert_eq!(a.chunks(), &[2]);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn arange(start: f64, stop: f64, step: f64, chunks: u64, dtype: DType) -> Result<Array> {
    let what = "arange";
    need_finite(what, "start", start)?;
    need_finite(what, "stop", stop)?;
    need_finite(what, "step", step)?;
    if step == 0.0 {
        return Err(Error::Invalid(format!("{what}: step must not be zero")));
    }
    let span = stop - start;
    if span != 0.0 && (span > 0.0) != (step > 0.0) {
        return Err(Error::Invalid(format!(
            "{what}: step {step} goes away from stop {stop} (start {start}); give a step of the other sign"
        )));
    }
    let count = (span / step).ceil();
    if count.is_nan() || count > MAX_LEN as f64 {
        return Err(Error::Invalid(format!(
            "{what}: {count:.3e} elements is too many (at most 2^53)"
        )));
    }
    let len = count.max(0.0) as u64;
    let whole = |x: f64| x.fract() == 0.0 && x.abs() < 9.2e18;
    let exact = (dtype.int_range().is_some() && whole(start) && whole(step))
        .then_some((start as i128, step as i128));
    if len > 0 {
        let last_index = len - 1;
        match exact {
            Some((s, d)) => {
                check_int_fits(what, s, dtype)?;
                check_int_fits(what, s + i128::from(last_index) * d, dtype)?;
            }
            None => {
                check_float_fits(what, start, dtype)?;
                check_float_fits(what, start + last_index as f64 * step, dtype)?;
            }
        }
    }
    let values = Values::Arange { start, step, exact };
    let fill = vec![0; dtype.size()];
    Ok(CreateSource::new(what, &[len], &[chunks], dtype, fill, values, 0)?.into_array())
}

/// numpy's `linspace`: `num` evenly spaced values from `start`, `step = (stop - start) /
/// (num - 1)` with `endpoint` (the last value is then exactly `stop`) or `/ num`
/// without. Values are `start + i * step`, floored for integer dtypes (numpy 2).
///
/// # Errors
/// Non-finite bounds, a length past 2^53, or values the dtype cannot hold.
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// let ctx = Context::new()?;
/// let x = tessera::linspace(0.0, 1.0, 5, true, 2, DType::F64)?;
/// assert_eq!(x.compute_vec::<f64>(&ctx)?, vec![0.0, 0.25, 0.5, 0.75, 1.0]);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn linspace(
    start: f64,
    stop: f64,
    num: u64,
    endpoint: bool,
    chunks: u64,
    dtype: DType,
) -> Result<Array> {
    let what = "linspace";
    need_finite(what, "start", start)?;
    need_finite(what, "stop", stop)?;
    if num == 0 {
        return Err(Error::Invalid(format!("{what}: num must be at least 1")));
    }
    if num > MAX_LEN {
        return Err(Error::Invalid(format!(
            "{what}: {num} elements is too many (at most 2^53)"
        )));
    }
    let div = if endpoint { num - 1 } else { num };
    let step = if div > 0 {
        (stop - start) / div as f64
    } else {
        0.0
    };
    if !step.is_finite() {
        return Err(Error::Invalid(format!(
            "{what}: the step from {start} to {stop} overflows float64"
        )));
    }
    let last = (endpoint && num > 1).then_some((num - 1, stop));
    let end_value = match last {
        Some((_, stop)) => stop,
        None => start + (num - 1) as f64 * step,
    };
    check_float_fits(what, start.floor(), dtype)?;
    check_float_fits(what, end_value.floor(), dtype)?;
    let values = Values::Linspace { start, step, last };
    let fill = vec![0; dtype.size()];
    Ok(CreateSource::new(what, &[num], &[chunks], dtype, fill, values, 0)?.into_array())
}

/// numpy's `eye`: an `n` x `m` (default `n` x `n`) array with ones on diagonal `k`
/// (`k > 0` above the main diagonal, `k < 0` below) and zeros elsewhere, in 2-D chunks
/// of `chunks`.
///
/// # Errors
/// As [`zeros`], and `chunks` that are not 2-D.
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// let ctx = Context::new()?;
/// let i = tessera::eye(2, Some(3), 1, &[2, 2], DType::U8)?;
/// assert_eq!(i.compute_vec::<u8>(&ctx)?, vec![0, 1, 0, 0, 0, 1]);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn eye(n: u64, m: Option<u64>, k: i64, chunks: &[u64], dtype: DType) -> Result<Array> {
    let shape = [n, m.unwrap_or(n)];
    let fill = vec![0; dtype.size()];
    Ok(CreateSource::new("eye", &shape, chunks, dtype, fill, Values::Eye { k }, 0)?.into_array())
}

/// dask's "auto" chunking: a chunk shape of at most `target_bytes` (at least one
/// element), as square as possible. All axes grow together; an axis shorter than the
/// common length is taken whole and the room left goes to the others.
///
/// # Examples
/// ```
/// let chunks = tessera::create::auto_chunks(&[100_000, 100_000], tessera::DType::F64, 128 << 20);
/// assert!(chunks.iter().product::<u64>() * 8 <= 128 << 20);
/// assert_eq!(chunks[0], chunks[1], "as square as possible");
/// ```
pub fn auto_chunks(shape: &[u64], dtype: DType, target_bytes: u64) -> Vec<u64> {
    let limit = (target_bytes / dtype.size() as u64).max(1);
    let mut chunks = vec![1u64; shape.len()];
    let mut free: Vec<usize> = (0..shape.len()).filter(|d| shape[*d] > 1).collect();
    let mut taken = 1u64;
    while !free.is_empty() {
        let side = (limit as f64 / taken as f64).powf(1.0 / free.len() as f64);
        let (small, rest): (Vec<usize>, Vec<usize>) =
            free.iter().partition(|d| shape[**d] as f64 <= side);
        if small.is_empty() {
            for d in &free {
                chunks[*d] = (side.floor() as u64).clamp(1, shape[*d]);
            }
            break;
        }
        for d in small {
            chunks[d] = shape[d];
            taken = taken.saturating_mul(shape[d]);
        }
        free = rest;
    }
    // Rounding in `powf` may overshoot by one step: trim the longest axes until it fits.
    while chunks
        .iter()
        .try_fold(1u64, |p, c| p.checked_mul(*c))
        .is_none_or(|p| p > limit)
    {
        let Some(d) = (0..chunks.len()).max_by_key(|d| chunks[*d]) else {
            break;
        };
        if chunks[d] <= 1 {
            break;
        }
        let others = chunks
            .iter()
            .enumerate()
            .filter(|(e, _)| *e != d)
            .fold(1u64, |p, (_, c)| p.saturating_mul(*c));
        chunks[d] = (limit / others).clamp(1, chunks[d] - 1);
    }
    chunks
}

/// The target chunk size for arrays made in `ctx`: dask's 128 MiB, or an eighth of the
/// memory budget when that is smaller, so that a chunk always fits comfortably.
///
/// # Examples
/// ```
/// let ctx = tessera::Context::with_limits(64 << 20, 1)?;
/// assert_eq!(tessera::create::auto_chunk_bytes(&ctx), 8 << 20);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn auto_chunk_bytes(ctx: &Context) -> u64 {
    DEFAULT_CHUNK_BYTES.min(ctx.memory_limit() / 8)
}

/// [`Array::from_ndarray`] with [`auto_chunks`] toward [`auto_chunk_bytes`].
///
/// # Errors
/// As [`Array::from_ndarray`].
///
/// # Examples
/// ```
/// use tessera::prelude::*;
/// let ctx = Context::new()?;
/// let a = tessera::create::from_ndarray_auto(ndarray::array![1.0, 2.0].view(), &ctx)?;
/// assert_eq!(a.chunks(), &[2]);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn from_ndarray_auto<T: Element, D: ndarray::Dimension>(
    values: ndarray::ArrayView<'_, T, D>,
    ctx: &Context,
) -> Result<Array> {
    let shape: Vec<u64> = values.shape().iter().map(|n| *n as u64).collect();
    let chunks = auto_chunks(&shape, T::DTYPE, auto_chunk_bytes(ctx));
    Array::from_ndarray(values, &chunks)
}

#[cfg(test)]
mod tests;
