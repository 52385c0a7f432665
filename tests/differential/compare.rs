//! Comparing tessera's result with numpy's: shapes, dtypes, NaN positions and values
//! within the per-element bound the oracle wrote (see the table in differential.rs).

use tessera::{Chunk, DType};

/// The elements of a result, widened: floats to f64, integers and bools to i128.
#[derive(Debug)]
pub(crate) enum Values {
    Float(Vec<f64>),
    Int(Vec<i128>),
}

/// The elements of `chunk`, decoded from its native-endian bytes.
pub(crate) fn values(chunk: &Chunk) -> Values {
    let bytes = chunk.bytes();
    let dtype = chunk.dtype();
    let each = |size: usize| bytes.chunks_exact(size);
    macro_rules! ints {
        ($t:ty) => {
            Values::Int(
                each(std::mem::size_of::<$t>())
                    .map(|b| i128::from(<$t>::from_ne_bytes(b.try_into().expect("element size"))))
                    .collect(),
            )
        };
    }
    match dtype {
        DType::Bool => Values::Int(bytes.iter().map(|b| i128::from(*b)).collect()),
        DType::I8 => ints!(i8),
        DType::I16 => ints!(i16),
        DType::I32 => ints!(i32),
        DType::I64 => ints!(i64),
        DType::U8 => ints!(u8),
        DType::U16 => ints!(u16),
        DType::U32 => ints!(u32),
        DType::U64 => ints!(u64),
        DType::F16 => Values::Float(
            each(2)
                .map(|b| half::f16::from_ne_bytes([b[0], b[1]]).to_f64())
                .collect(),
        ),
        DType::F32 => Values::Float(
            each(4)
                .map(|b| f64::from(f32::from_ne_bytes(b.try_into().expect("4 bytes"))))
                .collect(),
        ),
        DType::F64 => Values::Float(
            each(8)
                .map(|b| f64::from_ne_bytes(b.try_into().expect("8 bytes")))
                .collect(),
        ),
    }
}

/// How a result that numpy also computed differs from numpy's.
#[derive(Debug)]
pub(crate) enum Mismatch {
    Shape,
    DType,
    /// A NaN where numpy has a number, or the reverse.
    Nan(String),
    Value(String),
}

/// The C-order multi-index of flat position `flat` in `shape`.
fn unravel(mut flat: usize, shape: &[u64]) -> Vec<u64> {
    let mut index = vec![0; shape.len()];
    for (axis, &len) in shape.iter().enumerate().rev() {
        let len = usize::try_from(len.max(1)).expect("small test shapes");
        index[axis] = (flat % len) as u64;
        flat /= len;
    }
    index
}

/// Compares `got` with `expected`; `bound` holds the allowed |got - expected| of each
/// element: `inf` not compared (also for integers, e.g. numpy's undefined casts of NaN
/// to int), negative: only NaN positions compared; without it elements must be equal.
/// `values_too` false compares dtypes only (a result whose shape depends on rounding).
pub(crate) fn compare(
    got: &Chunk,
    expected: &Chunk,
    bound: Option<&[f64]>,
    values_too: bool,
) -> Option<Mismatch> {
    if got.dtype() != expected.dtype() {
        return Some(Mismatch::DType);
    }
    if !values_too {
        return None;
    }
    if got.shape() != expected.shape() {
        return Some(Mismatch::Shape);
    }
    let shape = expected.shape();
    match (values(got), values(expected)) {
        (Values::Int(g), Values::Int(e)) => {
            let compared = |i: usize| bound.is_none_or(|b| b[i].is_finite());
            let at = (0..e.len()).find(|&i| compared(i) && g[i] != e[i])?;
            Some(Mismatch::Value(format!(
                "at {:?}: got {}, expected {}",
                unravel(at, shape),
                g[at],
                e[at]
            )))
        }
        (Values::Float(g), Values::Float(e)) => {
            let total = e.len();
            for (i, (&g, &e)) in g.iter().zip(&e).enumerate() {
                let allowed = bound.map_or(0.0, |b| b[i]);
                if allowed.is_infinite() {
                    continue;
                }
                let nan_only = allowed < 0.0;
                let at = || format!("at {:?}", unravel(i, shape));
                if g.is_nan() != e.is_nan() {
                    return Some(Mismatch::Nan(format!(
                        "{}: got {g:e}, expected {e:e}",
                        at()
                    )));
                }
                if g.is_nan() || nan_only {
                    continue;
                }
                let ok = if g.is_infinite() || e.is_infinite() {
                    g == e
                } else {
                    (g - e).abs() <= allowed
                };
                if !ok {
                    return Some(Mismatch::Value(format!(
                        "{}: got {g:e}, expected {e:e} (allowed difference {allowed:e}, \
                         {} elements)",
                        at(),
                        total
                    )));
                }
            }
            None
        }
        _ => Some(Mismatch::DType),
    }
}

/// A short rendering of a result's first elements.
pub(crate) fn excerpt(chunk: &Chunk) -> String {
    let show = |items: Vec<String>, len: usize| {
        let more = if len > 8 { ", ..." } else { "" };
        format!("[{}{more}]", items.join(", "))
    };
    match values(chunk) {
        Values::Int(v) => show(v.iter().take(8).map(i128::to_string).collect(), v.len()),
        Values::Float(v) => show(
            v.iter().take(8).map(|x| format!("{x:e}")).collect(),
            v.len(),
        ),
    }
}
