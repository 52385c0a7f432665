//! Numbers made for a dtype: floats and integers written with numpy's rounding and
//! range rules, the bounds a dtype can hold, and the checks creation functions make.

use super::*;

/// The position of a 1-D region's first element.
pub(super) fn first_index(region: &Region) -> u64 {
    region.start.first().copied().unwrap_or(0)
}

/// Converts float64 `values` into `out` (elements of `dtype`) with `astype` rules, a
/// block at a time.
pub(super) fn write_floats(
    out: &mut [u8],
    dtype: DType,
    values: impl Iterator<Item = f64>,
) -> Result<()> {
    let size = dtype.size();
    let mut block = Vec::with_capacity(BLOCK);
    let mut at = 0;
    let mut flush = |block: &mut Vec<f64>, at: &mut usize| -> Result<()> {
        let end = *at + block.len() * size;
        let dst = out.get_mut(*at..end).ok_or_else(|| overrun(dtype))?;
        try_cast(
            Operand::new(bytemuck::cast_slice(block), DType::F64),
            dst,
            dtype,
        )?;
        *at = end;
        block.clear();
        Ok(())
    };
    for v in values {
        block.push(v);
        if block.len() == BLOCK {
            flush(&mut block, &mut at)?;
        }
    }
    flush(&mut block, &mut at)
}

/// Converts integer `values` (already checked to fit `dtype`) into `out`, a block at a
/// time.
pub(super) fn write_ints(
    out: &mut [u8],
    dtype: DType,
    values: impl Iterator<Item = i128>,
) -> Result<()> {
    let size = dtype.size();
    let unsigned = dtype == DType::U64;
    let mut signed_block: Vec<i64> = Vec::with_capacity(BLOCK);
    let mut unsigned_block: Vec<u64> = Vec::with_capacity(BLOCK);
    let mut at = 0;
    let mut flush = |s: &mut Vec<i64>, u: &mut Vec<u64>, at: &mut usize| -> Result<()> {
        let (bytes, from): (&[u8], DType) = if unsigned {
            (bytemuck::cast_slice(u), DType::U64)
        } else {
            (bytemuck::cast_slice(s), DType::I64)
        };
        let end = *at + (s.len() + u.len()) * size;
        let dst = out.get_mut(*at..end).ok_or_else(|| overrun(dtype))?;
        try_cast(Operand::new(bytes, from), dst, dtype)?;
        *at = end;
        s.clear();
        u.clear();
        Ok(())
    };
    for v in values {
        if unsigned {
            unsigned_block.push(v as u64);
        } else {
            signed_block.push(v as i64);
        }
        if signed_block.len() + unsigned_block.len() == BLOCK {
            flush(&mut signed_block, &mut unsigned_block, &mut at)?;
        }
    }
    flush(&mut signed_block, &mut unsigned_block, &mut at)
}

pub(super) fn overrun(dtype: DType) -> Error {
    Error::Invalid(format!(
        "generated more {dtype} values than the chunk holds"
    ))
}

/// Fails unless integer `value` fits `dtype` (always true for floats and bool).
pub(super) fn check_int_fits(what: &str, value: i128, dtype: DType) -> Result<()> {
    match dtype.int_range() {
        Some((lo, hi)) if value < lo || value > hi => Err(Error::Invalid(format!(
            "{what}: {value} does not fit in {dtype} ({lo} to {hi})"
        ))),
        _ => Ok(()),
    }
}

/// Fails unless float `value`, truncated, fits integer `dtype` (always true for floats
/// and bool).
pub(super) fn check_float_fits(what: &str, value: f64, dtype: DType) -> Result<()> {
    let Some((lo, hi)) = dtype.int_range() else {
        return Ok(());
    };
    let t = value.trunc();
    if !t.is_finite() || t < lo as f64 || t > hi as f64 {
        return Err(Error::Invalid(format!(
            "{what}: {value} does not fit in {dtype} ({lo} to {hi})"
        )));
    }
    Ok(())
}

/// One element of `dtype` holding `value`, converted with `astype` rules after checking
/// that an integer dtype can hold it.
pub(super) fn scalar_bytes(value: Scalar, dtype: DType) -> Result<Vec<u8>> {
    let mut out = vec![0u8; dtype.size()];
    let what = "fill value";
    match value {
        Scalar::Bool(b) => try_cast(Operand::new(&[u8::from(b)], DType::Bool), &mut out, dtype)?,
        Scalar::Int(i) => {
            check_int_fits(what, i128::from(i), dtype)?;
            try_cast(Operand::new(&i.to_ne_bytes(), DType::I64), &mut out, dtype)?;
        }
        Scalar::Float(x) => {
            check_float_fits(what, x, dtype)?;
            try_cast(Operand::new(&x.to_ne_bytes(), DType::F64), &mut out, dtype)?;
        }
    }
    Ok(out)
}

/// `x` rounded to the nearest value of float `dtype`, as float64.
pub(super) fn round_to(dtype: DType, x: f64) -> f64 {
    match dtype {
        DType::F16 => half::f16::from_f64(x).to_f64(),
        DType::F32 => f64::from(x as f32),
        _ => x,
    }
}

/// The next value of float `dtype` above (`up`) or below finite `x` (a value of
/// `dtype`), as float64.
pub(super) fn step_float(dtype: DType, x: f64, up: bool) -> f64 {
    match dtype {
        DType::F16 => {
            let bits = half::f16::from_f64(x).to_bits();
            let next = if x == 0.0 {
                if up { 0x0001 } else { 0x8001 }
            } else if (x > 0.0) == up {
                bits + 1
            } else {
                bits - 1
            };
            half::f16::from_bits(next).to_f64()
        }
        DType::F32 => {
            let v = x as f32;
            f64::from(if up { v.next_up() } else { v.next_down() })
        }
        _ => {
            if up {
                x.next_up()
            } else {
                x.next_down()
            }
        }
    }
}

/// The smallest and largest values of float `dtype` in `[low, high)`, as float64.
pub(super) fn float_bounds_in(dtype: DType, low: f64, high: f64) -> Result<(f64, f64)> {
    let mut lo = round_to(dtype, low);
    if lo < low {
        lo = step_float(dtype, lo, true);
    }
    let mut hi = round_to(dtype, high);
    if hi >= high {
        hi = step_float(dtype, hi, false);
    }
    if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
        return Err(Error::Invalid(format!(
            "random_uniform: no {dtype} value lies in [{low}, {high})"
        )));
    }
    Ok((lo, hi))
}

pub(super) fn need_finite(what: &str, name: &str, value: f64) -> Result<()> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "{what}: {name} must be a finite number, not {value}"
        )))
    }
}

pub(super) fn need_float(what: &str, dtype: DType) -> Result<()> {
    if dtype.is_float() {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "{what} makes floats: give float16, float32 or float64, not {dtype}"
        )))
    }
}
