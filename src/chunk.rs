//! `Chunk`: a decoded block of elements in memory, C-ordered and in native byte order.
//! Its bytes live in 8-byte-aligned storage so that typed views (`&[f64]`) are always
//! possible without copying.

use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::grid::{Region, copy_box};
use crate::memory::advise_huge_pages;

/// A block of decoded elements.
#[derive(Debug, PartialEq)]
pub struct Chunk {
    dtype: DType,
    shape: Vec<u64>,
    words: Vec<u64>,
    len_bytes: usize,
}

/// `n` zero words; chunk-sized buffers are backed by huge pages where the system allows.
fn zeroed_words(n: usize) -> Vec<u64> {
    let mut words = vec![0u64; n];
    advise_huge_pages(&mut words);
    words
}

impl Clone for Chunk {
    fn clone(&self) -> Chunk {
        let mut words = zeroed_words(self.words.len());
        words.copy_from_slice(&self.words);
        Chunk {
            dtype: self.dtype,
            shape: self.shape.clone(),
            words,
            len_bytes: self.len_bytes,
        }
    }
}

/// Bytes of `shape`'s elements of `dtype`, or `None` when they do not fit `usize`.
fn byte_len(dtype: DType, shape: &[u64]) -> Option<usize> {
    let elements = crate::grid::checked_len(shape)?;
    usize::try_from(elements).ok()?.checked_mul(dtype.size())
}

impl Chunk {
    /// A chunk of `shape` whose every element is the `fill` bytes (one element, native
    /// byte order; all zeros when `fill` is empty).
    pub fn filled(dtype: DType, shape: &[u64], fill: &[u8]) -> Chunk {
        let mut chunk = Chunk::zeros(dtype, shape);
        if !fill.is_empty() && fill.iter().any(|b| *b != 0) {
            for element in chunk.bytes_mut().chunks_exact_mut(dtype.size()) {
                element.copy_from_slice(fill);
            }
        }
        chunk
    }

    /// A chunk of `shape` full of zero bytes. Its byte count saturates rather than
    /// wraps, so an absurd shape fails to allocate instead of making a short buffer;
    /// chunks are only made for regions of checked grids (see `ChunkGrid::new`) that
    /// the memory budget admitted.
    pub fn zeros(dtype: DType, shape: &[u64]) -> Chunk {
        let len_bytes = byte_len(dtype, shape).unwrap_or(usize::MAX);
        Chunk {
            dtype,
            shape: shape.to_vec(),
            words: zeroed_words(len_bytes.div_ceil(8)),
            len_bytes,
        }
    }

    /// A chunk holding a copy of `bytes`, which must be exactly `shape`'s elements.
    /// The length is checked before anything is allocated.
    pub fn from_bytes(dtype: DType, shape: &[u64], bytes: &[u8]) -> Result<Chunk> {
        if byte_len(dtype, shape) != Some(bytes.len()) {
            return Err(Error::shape(
                "chunk",
                format!(
                    "{} bytes given for shape {shape:?} of {dtype}, which needs {}",
                    bytes.len(),
                    crate::grid::sat_len(shape).saturating_mul(dtype.size() as u64)
                ),
            ));
        }
        let mut chunk = Chunk::zeros(dtype, shape);
        chunk.bytes_mut().copy_from_slice(bytes);
        Ok(chunk)
    }

    /// A chunk holding a copy of typed values.
    pub fn from_slice<T: Element>(shape: &[u64], values: &[T]) -> Result<Chunk> {
        Chunk::from_bytes(T::DTYPE, shape, bytemuck::cast_slice(values))
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// The shape.
    pub fn shape(&self) -> &[u64] {
        &self.shape
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len_bytes / self.dtype.size()
    }

    /// True when the chunk holds no element.
    pub fn is_empty(&self) -> bool {
        self.len_bytes == 0
    }

    /// Size of the elements in bytes.
    pub fn nbytes(&self) -> usize {
        self.len_bytes
    }

    /// The elements as raw native-endian bytes.
    pub fn bytes(&self) -> &[u8] {
        &bytemuck::cast_slice(&self.words)[..self.len_bytes]
    }

    /// The elements as mutable raw bytes.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        &mut bytemuck::cast_slice_mut(&mut self.words)[..self.len_bytes]
    }

    /// The elements as a typed slice, or `None` when `T` is not this chunk's dtype.
    pub fn as_slice<T: Element>(&self) -> Option<&[T]> {
        (T::DTYPE == self.dtype).then(|| bytemuck::cast_slice(self.bytes()))
    }

    /// The elements as a mutable typed slice, or `None` when `T` is not the dtype.
    pub fn as_slice_mut<T: Element>(&mut self) -> Option<&mut [T]> {
        if T::DTYPE == self.dtype {
            Some(bytemuck::cast_slice_mut(self.bytes_mut()))
        } else {
            None
        }
    }

    /// Copies the part of `self` (which covers `self_region` of the array) that overlaps
    /// `dst_region` into `dst` (which covers `dst_region`). Nothing happens when the two
    /// regions do not meet.
    pub fn copy_overlap_into(&self, self_region: &Region, dst: &mut Chunk, dst_region: &Region) {
        let Some(overlap) = self_region.intersect(dst_region) else {
            return;
        };
        let src_at = overlap.relative_to(&self_region.start).start;
        let dst_at = overlap.relative_to(&dst_region.start).start;
        let elem = self.dtype.size();
        let dst_shape = dst.shape.clone();
        copy_box(
            self.bytes(),
            &self.shape,
            &src_at,
            dst.bytes_mut(),
            &dst_shape,
            &dst_at,
            &overlap.shape,
            elem,
        );
    }

    /// The sub-box `region` (relative to this chunk's origin) as a new chunk.
    pub fn extract(&self, region: &Region) -> Chunk {
        let mut out = Chunk::zeros(self.dtype, &region.shape);
        copy_box(
            self.bytes(),
            &self.shape,
            &region.start,
            out.bytes_mut(),
            &region.shape,
            &vec![0; region.shape.len()],
            &region.shape,
            self.dtype.size(),
        );
        out
    }

    /// A chunk holding the values of an ndarray (any memory layout).
    pub fn from_ndarray<T: Element, D: ndarray::Dimension>(
        values: ndarray::ArrayView<'_, T, D>,
    ) -> Chunk {
        let shape: Vec<u64> = values.shape().iter().map(|n| *n as u64).collect();
        let mut chunk = Chunk::zeros(T::DTYPE, &shape);
        let out: &mut [T] = bytemuck::cast_slice_mut(chunk.bytes_mut());
        for (slot, value) in out.iter_mut().zip(values.iter()) {
            *slot = *value;
        }
        chunk
    }

    /// The values as an ndarray of `T`, which must be this chunk's dtype.
    pub fn to_ndarray<T: Element>(&self) -> Result<ndarray::ArrayD<T>> {
        let values = self.as_slice::<T>().ok_or_else(|| {
            Error::Invalid(format!("the values are {}, not {}", self.dtype, T::DTYPE))
        })?;
        let shape: Vec<usize> = self.shape.iter().map(|n| *n as usize).collect();
        ndarray::ArrayD::from_shape_vec(shape, values.to_vec())
            .map_err(|e| Error::shape("chunk", e.to_string()))
    }

    /// This chunk reinterpreted with another shape of the same element count.
    pub fn reshaped(mut self, shape: &[u64]) -> Result<Chunk> {
        if crate::grid::checked_len(shape) != Some(self.len() as u64) {
            return Err(Error::shape(
                "chunk",
                format!("cannot reshape {:?} to {shape:?}", self.shape),
            ));
        }
        self.shape = shape.to_vec();
        Ok(self)
    }
}

#[cfg(test)]
mod tests;
