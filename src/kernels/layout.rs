//! Layout kernels: elements moved between C-order buffers without arithmetic
//! (axis permutations, broadcasts). They know chunks and shapes, never files or graphs.

use crate::chunk::Chunk;
use crate::grid::{strides, unravel};

/// Copies elements `lo..hi` of `value` broadcast to `out_shape`.
pub(crate) fn gather_broadcast(value: &Chunk, out_shape: &[u64], lo: usize, hi: usize) -> Vec<u8> {
    let size = value.dtype().size();
    let ndim = out_shape.len();
    let offset = ndim - value.shape().len();
    let in_strides = strides(value.shape());
    // Stride of each output axis in the input (0 where broadcast).
    let axis_strides: Vec<u64> = (0..ndim)
        .map(|d| {
            if d < offset || value.shape()[d - offset] == 1 {
                0
            } else {
                in_strides[d - offset]
            }
        })
        .collect();
    let src = value.bytes();
    let mut out = Vec::with_capacity((hi - lo) * size);
    let mut index = unravel(lo as u64, out_shape);
    for _ in lo..hi {
        let at: u64 = index.iter().zip(&axis_strides).map(|(i, s)| i * s).sum();
        let at = at as usize * size;
        out.extend_from_slice(&src[at..at + size]);
        // Advance the C-order odometer.
        for d in (0..ndim).rev() {
            index[d] += 1;
            if index[d] < out_shape[d] {
                break;
            }
            index[d] = 0;
        }
    }
    out
}

/// `values` with axes permuted: output axis `d` is input axis `perm[d]`.
pub(crate) fn permute_axes(values: &Chunk, perm: &[usize]) -> Chunk {
    let out_shape: Vec<u64> = perm.iter().map(|&p| values.shape()[p]).collect();
    let mut out = Chunk::zeros(values.dtype(), &out_shape);
    let in_strides = strides(values.shape());
    let along: Vec<u64> = perm.iter().map(|&p| in_strides[p]).collect();
    // Elements move as plain words of their size; chunk storage is 8-byte aligned.
    macro_rules! permute {
        ($t:ty) => {
            permute_words::<$t>(
                bytemuck::cast_slice(values.bytes()),
                bytemuck::cast_slice_mut(out.bytes_mut()),
                &out_shape,
                &along,
            )
        };
    }
    match values.dtype().size() {
        1 => permute!(u8),
        2 => permute!(u16),
        4 => permute!(u32),
        _ => permute!(u64),
    }
    out
}

/// Side of the square tiles a 2-D transpose copies, so both sides stay in cache.
const TILE: usize = 32;

/// Fills `dst` (C order, `out_shape`) from `src`, where output axis `d` steps `along[d]`
/// elements in `src`.
fn permute_words<T: Copy>(src: &[T], dst: &mut [T], out_shape: &[u64], along: &[u64]) {
    let ndim = out_shape.len();
    if dst.is_empty() {
        return;
    }
    if ndim == 0 {
        dst[0] = src[0];
        return;
    }
    if ndim == 2 && along[1] != 1 {
        let (rows, cols) = (out_shape[0] as usize, out_shape[1] as usize);
        let (row_step, col_step) = (along[0] as usize, along[1] as usize);
        for r0 in (0..rows).step_by(TILE) {
            for c0 in (0..cols).step_by(TILE) {
                for r in r0..(r0 + TILE).min(rows) {
                    for c in c0..(c0 + TILE).min(cols) {
                        dst[r * cols + c] = src[r * row_step + c * col_step];
                    }
                }
            }
        }
        return;
    }
    // General case: one pass per output row along the last axis.
    let inner = out_shape[ndim - 1] as usize;
    let step = along[ndim - 1] as usize;
    let outer: Vec<u64> = out_shape[..ndim - 1].to_vec();
    let rows: u64 = outer.iter().product();
    for row in 0..rows {
        let index = unravel(row, &outer);
        let base: u64 = index.iter().zip(along).map(|(i, s)| i * s).sum();
        let (base, at) = (base as usize, row as usize * inner);
        for (k, slot) in dst[at..at + inner].iter_mut().enumerate() {
            *slot = src[base + k * step];
        }
    }
}

#[cfg(test)]
mod tests;
