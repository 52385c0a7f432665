//! Shape arithmetic shared by operations: axis arguments as numpy takes them, numpy's
//! broadcasting rules, and the regions they map.

use crate::error::{Error, Result};
use crate::grid::Region;

/// Axes as sorted unique non-negative indices.
pub fn normalize_axes(axes: Option<&[i64]>, ndim: usize, what: &str) -> Result<Vec<usize>> {
    let Some(axes) = axes else {
        return Ok((0..ndim).collect());
    };
    let mut out = Vec::with_capacity(axes.len());
    for &a in axes {
        let d = if a < 0 { a + ndim as i64 } else { a };
        if !(0..ndim as i64).contains(&d) {
            return Err(Error::shape(
                what,
                format!("axis {a} is out of range for an array of {ndim} axes"),
            ));
        }
        if out.contains(&(d as usize)) {
            return Err(Error::shape(what, format!("axis {a} is repeated")));
        }
        out.push(d as usize);
    }
    out.sort_unstable();
    Ok(out)
}

/// One axis as a non-negative index (negative counts from the end).
pub fn normalize_axis(axis: i64, ndim: usize, what: &str) -> Result<usize> {
    let d = if axis < 0 { axis + ndim as i64 } else { axis };
    if !(0..ndim as i64).contains(&d) {
        return Err(Error::shape(
            what,
            format!("axis {axis} is out of range for {ndim} axes"),
        ));
    }
    Ok(d as usize)
}

/// numpy broadcasting of several shapes.
pub fn broadcast_shapes(shapes: &[&[u64]]) -> Result<Vec<u64>> {
    let ndim = shapes.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut out = vec![1u64; ndim];
    for shape in shapes {
        for (i, &n) in shape.iter().enumerate() {
            let d = ndim - shape.len() + i;
            if out[d] == 1 {
                out[d] = n;
            } else if n != 1 && n != out[d] {
                return Err(Error::shape(
                    "broadcast",
                    format!(
                        "shapes {:?} cannot be broadcast together (axis {d}: {} vs {n})",
                        shapes, out[d]
                    ),
                ));
            }
        }
    }
    Ok(out)
}

/// The region of an input (of `input_shape`) that broadcasts onto `region`.
pub(crate) fn broadcast_source_region(region: &Region, input_shape: &[u64]) -> Region {
    let offset = region.start.len() - input_shape.len();
    let mut start = Vec::with_capacity(input_shape.len());
    let mut shape = Vec::with_capacity(input_shape.len());
    for (i, &n) in input_shape.iter().enumerate() {
        let d = i + offset;
        if n == 1 && region.shape[d] != 1 {
            start.push(0);
            shape.push(1);
        } else if n == 1 {
            start.push(0);
            shape.push(region.shape[d]);
        } else {
            start.push(region.start[d]);
            shape.push(region.shape[d]);
        }
    }
    Region { start, shape }
}

/// `region` with `axis` limited to `[lo, hi)`.
pub(crate) fn along(region: &Region, axis: usize, lo: u64, hi: u64) -> Region {
    let mut piece = region.clone();
    piece.start[axis] = lo;
    piece.shape[axis] = hi - lo;
    piece
}

/// The input shape read for an output region of `shape` (broadcast axes are length 1).
pub(crate) fn broadcast_input_shape(shape: &[u64], input_shape: &[u64]) -> Vec<u64> {
    let offset = shape.len() - input_shape.len();
    input_shape
        .iter()
        .enumerate()
        .map(|(i, &n)| if n == 1 { 1 } else { shape[i + offset] })
        .collect()
}
