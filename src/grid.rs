//! Chunk-grid arithmetic: which region of the array a chunk covers, which chunks a
//! region touches, and copying a box of elements between C-ordered buffers. Edge chunks
//! are clipped to the array, so a chunk's region never reaches past the array's shape.

use crate::error::{Error, Result};

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

    /// Number of elements in the box.
    pub fn len(&self) -> u64 {
        self.shape.iter().product()
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
    /// positive and the ranks must agree.
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

/// Parses a comma-separated list of positive integers such as `1000,1000`.
pub fn parse_shape(text: &str, what: &str) -> Result<Vec<u64>> {
    text.split(',')
        .map(|part| {
            part.trim()
                .parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| {
                    Error::Invalid(format!(
                        "{what} '{text}': expected positive integers separated by commas, e.g. 1000,1000"
                    ))
                })
        })
        .collect()
}

#[cfg(test)]
mod tests;
