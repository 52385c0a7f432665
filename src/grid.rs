//! Chunk-grid arithmetic: which region of the array a chunk covers, which chunks a
//! region touches, and copying a box of elements between C-ordered buffers. Edge chunks
//! are clipped to the array, so a chunk's region never reaches past the array's shape.

use crate::error::{Error, Result};

/// Most elements an array, a chunk or a region may have: 2^60. numpy refuses arrays
/// whose bytes exceed 2^63 - 1 ("array is too big"); with elements of at most 8 bytes,
/// 2^60 elements keeps every byte count of every dtype inside that, so products of
/// element counts and element sizes never overflow once a shape has passed this gate.
pub const MAX_ELEMENTS: u64 = 1 << 60;

/// Most tasks (chunks) one run may enumerate: 10^12. A plan beyond this would take
/// days of scheduling alone; it is refused up front instead of enumerated.
pub const MAX_TASKS: u64 = 1_000_000_000_000;

/// The number of elements of `shape`, or `None` when it overflows u64.
pub fn checked_len(shape: &[u64]) -> Option<u64> {
    shape.iter().try_fold(1u64, |acc, n| acc.checked_mul(*n))
}

/// Checks that `shape` (of `what`) has at most [`MAX_ELEMENTS`] elements, counting
/// zero-length axes as 1 the way numpy does, so that an empty array whose other axes
/// multiply past the limit is refused too. Returns the element count.
pub fn check_len(shape: &[u64], what: &str) -> Result<u64> {
    let nonzero = shape
        .iter()
        .try_fold(1u64, |acc, n| acc.checked_mul((*n).max(1)));
    match nonzero {
        Some(n) if n <= MAX_ELEMENTS => Ok(checked_len(shape).unwrap_or(0)), // invariant: <= nonzero product
        _ => Err(Error::shape(
            what,
            format!(
                "shape {shape:?} is too large: its element count overflows (at most 2^60 elements)"
            ),
        )),
    }
}

/// Bytes of a box of `shape` with `elem`-byte elements, checked like [`check_len`].
pub fn check_bytes(shape: &[u64], elem: usize, what: &str) -> Result<u64> {
    let len = check_len(shape, what)?;
    len.checked_mul(elem as u64).ok_or_else(|| {
        Error::shape(
            what,
            format!(
                "shape {shape:?} of {elem}-byte elements is too large: its byte count overflows"
            ),
        )
    })
}

/// The element count of `shape`, saturating at `u64::MAX` instead of wrapping.
pub fn sat_len(shape: &[u64]) -> u64 {
    shape.iter().fold(1u64, |acc, n| acc.saturating_mul(*n))
}

/// An axis-aligned box of an array: `start[d] .. start[d] + shape[d]` on each axis.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Region {
    pub start: Vec<u64>,
    pub shape: Vec<u64>,
}

impl Region {
    /// The whole of an array of `shape`.
    pub fn whole(shape: &[u64]) -> Region {
        Region {
            start: vec![0; shape.len()],
            shape: shape.to_vec(),
        }
    }

    /// Number of elements in the box (saturating; regions of checked grids never are).
    pub fn len(&self) -> u64 {
        sat_len(&self.shape)
    }

    /// True when some axis has length zero.
    pub fn is_empty(&self) -> bool {
        self.shape.contains(&0)
    }

    /// One past the last index on each axis.
    pub fn end(&self) -> Vec<u64> {
        self.start
            .iter()
            .zip(&self.shape)
            .map(|(s, n)| s + n)
            .collect()
    }

    /// The overlap of two boxes, or `None` when they do not meet.
    pub fn intersect(&self, other: &Region) -> Option<Region> {
        let mut start = Vec::with_capacity(self.start.len());
        let mut shape = Vec::with_capacity(self.start.len());
        for d in 0..self.start.len() {
            let lo = self.start[d].max(other.start[d]);
            let hi = (self.start[d] + self.shape[d]).min(other.start[d] + other.shape[d]);
            if hi <= lo {
                return None;
            }
            start.push(lo);
            shape.push(hi - lo);
        }
        Some(Region { start, shape })
    }

    /// This box's position relative to `origin` (which must not lie past its start).
    pub fn relative_to(&self, origin: &[u64]) -> Region {
        Region {
            start: self.start.iter().zip(origin).map(|(s, o)| s - o).collect(),
            shape: self.shape.clone(),
        }
    }
}

/// A regular grid of chunks over an array. The last chunk on each axis may be partial.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkGrid {
    shape: Vec<u64>,
    chunks: Vec<u64>,
}

impl ChunkGrid {
    /// A grid of `chunks`-shaped chunks over an array of `shape`. Chunk lengths must be
    /// positive and the ranks must agree. This is the gate every source, sink and plan
    /// passes: the array and one chunk must each have at most [`MAX_ELEMENTS`] elements,
    /// so the grid's counts, offsets and byte sizes never overflow.
    pub fn new(shape: &[u64], chunks: &[u64]) -> Result<ChunkGrid> {
        if shape.len() != chunks.len() {
            return Err(Error::shape(
                "chunk shape",
                format!(
                    "{chunks:?} has {} axes but the array {shape:?} has {}",
                    chunks.len(),
                    shape.len()
                ),
            ));
        }
        if chunks.contains(&0) {
            return Err(Error::shape(
                "chunk shape",
                format!("{chunks:?} has a zero-length axis"),
            ));
        }
        check_len(shape, "array shape")?;
        check_len(chunks, "chunk shape")?;
        Ok(ChunkGrid {
            shape: shape.to_vec(),
            chunks: chunks.to_vec(),
        })
    }

    /// The array's shape.
    pub fn shape(&self) -> &[u64] {
        &self.shape
    }

    /// The (full, unclipped) chunk shape.
    pub fn chunk_shape(&self) -> &[u64] {
        &self.chunks
    }

    /// Number of axes.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// Number of chunks along each axis.
    pub fn grid_shape(&self) -> Vec<u64> {
        self.shape
            .iter()
            .zip(&self.chunks)
            .map(|(n, c)| n.div_ceil(*c))
            .collect()
    }

    /// Total number of chunks (1 for a 0-d array, 0 when an axis is empty).
    pub fn num_chunks(&self) -> u64 {
        self.grid_shape().iter().product()
    }

    /// The region of the array covered by chunk `index`, clipped to the array.
    pub fn chunk_region(&self, index: &[u64]) -> Region {
        let start: Vec<u64> = index.iter().zip(&self.chunks).map(|(i, c)| i * c).collect();
        let shape = start
            .iter()
            .zip(&self.chunks)
            .zip(&self.shape)
            .map(|((s, c), n)| (*c).min(n.saturating_sub(*s)))
            .collect();
        Region { start, shape }
    }

    /// The chunk index (multi-dimensional) of the `linear`-th chunk in C order.
    pub fn unravel(&self, linear: u64) -> Vec<u64> {
        unravel(linear, &self.grid_shape())
    }

    /// The C-order position of chunk `index`.
    pub fn ravel(&self, index: &[u64]) -> u64 {
        ravel(index, &self.grid_shape())
    }

    /// Every chunk index in C order.
    pub fn indices(&self) -> impl Iterator<Item = Vec<u64>> + '_ {
        let grid = self.grid_shape();
        (0..self.num_chunks()).map(move |i| unravel(i, &grid))
    }

    /// The box of chunk indices `[first, last]` (inclusive) whose chunks meet `region`,
    /// as a start and a count per axis. `region` must be non-empty and inside the array.
    pub fn chunks_touching(&self, region: &Region) -> Region {
        let start: Vec<u64> = region
            .start
            .iter()
            .zip(&self.chunks)
            .map(|(s, c)| s / c)
            .collect();
        let shape = region
            .end()
            .iter()
            .zip(&self.chunks)
            .zip(&start)
            .map(|((e, c), s)| (e - 1) / c + 1 - s)
            .collect();
        Region { start, shape }
    }
}

/// C-order multi-index of `linear` in a box of `shape`.
pub fn unravel(mut linear: u64, shape: &[u64]) -> Vec<u64> {
    let mut index = vec![0; shape.len()];
    for d in (0..shape.len()).rev() {
        if shape[d] > 0 {
            index[d] = linear % shape[d];
            linear /= shape[d];
        }
    }
    index
}

/// C-order position of `index` in a box of `shape`.
pub fn ravel(index: &[u64], shape: &[u64]) -> u64 {
    index.iter().zip(shape).fold(0, |acc, (i, n)| acc * n + i)
}

/// Every multi-index inside `region`, in C order.
pub fn region_indices(region: &Region) -> impl Iterator<Item = Vec<u64>> + '_ {
    (0..region.len()).map(move |i| {
        unravel(i, &region.shape)
            .iter()
            .zip(&region.start)
            .map(|(i, s)| i + s)
            .collect()
    })
}

/// Copies the box `extent` (a shape) from `src`, a C-ordered buffer of `src_shape` at
/// element offset `src_at`, into `dst`, a C-ordered buffer of `dst_shape` at `dst_at`.
/// Elements are `elem` bytes. Runs of the innermost contiguous axes are copied with one
/// `copy_from_slice` each.
#[allow(clippy::too_many_arguments)]
pub fn copy_box(
    src: &[u8],
    src_shape: &[u64],
    src_at: &[u64],
    dst: &mut [u8],
    dst_shape: &[u64],
    dst_at: &[u64],
    extent: &[u64],
    elem: usize,
) {
    let ndim = extent.len();
    if extent.contains(&0) {
        return;
    }
    if ndim == 0 {
        dst[..elem].copy_from_slice(&src[..elem]);
        return;
    }
    // Merge trailing axes that are whole in both buffers into one contiguous run.
    let mut inner = ndim - 1;
    let mut run = extent[ndim - 1];
    while inner > 0
        && extent[inner] == src_shape[inner]
        && extent[inner] == dst_shape[inner]
        && src_at[inner] == 0
        && dst_at[inner] == 0
    {
        inner -= 1;
        run *= extent[inner];
    }
    let run_bytes = run as usize * elem;
    let src_strides = strides(src_shape);
    let dst_strides = strides(dst_shape);
    let outer: &[u64] = &extent[..inner];
    let count: u64 = outer.iter().product();
    for i in 0..count {
        let pos = unravel(i, outer);
        let mut s = src_at[inner] * src_strides[inner];
        let mut t = dst_at[inner] * dst_strides[inner];
        for d in 0..inner {
            s += (src_at[d] + pos[d]) * src_strides[d];
            t += (dst_at[d] + pos[d]) * dst_strides[d];
        }
        let (s, t) = (s as usize * elem, t as usize * elem);
        dst[t..t + run_bytes].copy_from_slice(&src[s..s + run_bytes]);
    }
}

/// C-order element strides of a box of `shape`.
pub fn strides(shape: &[u64]) -> Vec<u64> {
    let mut strides = vec![1; shape.len()];
    for d in (0..shape.len().saturating_sub(1)).rev() {
        strides[d] = strides[d + 1] * shape[d + 1];
    }
    strides
}

/// Parses a comma-separated list of positive integers such as `1000,1000`. An array
/// shape (`what` is `--shape`) may have zero-length axes, as numpy's may; chunk and
/// shard shapes may not. Element counts are checked by [`check_len`].
pub fn parse_shape(text: &str, what: &str) -> Result<Vec<u64>> {
    let allow_zero = what == "--shape";
    let (kind, example) = if allow_zero {
        ("non-negative", "1000,1000 or 0,5")
    } else {
        ("positive", "1000,1000")
    };
    let shape = text
        .split(',')
        .map(|part| {
            part.trim()
                .parse::<u64>()
                .ok()
                .filter(|n| *n > 0 || allow_zero)
                .ok_or_else(|| {
                    Error::invalid_argument(
                        what,
                        text,
                        format!("expected {kind} integers separated by commas, e.g. {example}"),
                    )
                })
        })
        .collect::<Result<Vec<u64>>>()?;
    check_len(&shape, what)?;
    Ok(shape)
}

#[cfg(test)]
mod tests;
