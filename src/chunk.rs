//! `Chunk`: a decoded block of elements in memory, C-ordered and in native byte order.
//! Its bytes live in 8-byte-aligned storage so that typed views (`&[f64]`) are always
//! possible without copying. The storage is shared: cloning a chunk (a cached chunk handed
//! to a task) costs a reference count, and the first write to a shared chunk copies it.

use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::grid::{Region, copy_box};
use crate::memory::advise_huge_pages;
use std::sync::Arc;

/// A block of decoded elements.
#[derive(Debug, Clone)]
pub struct Chunk {
    dtype: DType,
    shape: Vec<u64>,
    storage: Arc<Storage>,
    len_bytes: usize,
}

/// Where a chunk's bytes live: words of its own, or bytes it shares with their owner
/// without a copy (file pages mapped read-only, a numpy array's buffer).
#[derive(Debug)]
enum Storage {
    Words(Vec<u64>),
    Shared(Box<dyn SharedBytes>),
}

impl Storage {
    fn bytes(&self) -> &[u8] {
        match self {
            Storage::Words(words) => bytemuck::cast_slice(words),
            Storage::Shared(shared) => shared.bytes(),
        }
    }
}

/// Read-only bytes owned elsewhere that a chunk can stand on without copying them: a
/// mapped stretch of a file, or the buffer of an array of another runtime, kept alive
/// while the chunk lives. The bytes must not change while they are shared.
pub trait SharedBytes: Send + Sync + std::fmt::Debug {
    /// The bytes: the same slice on every call.
    fn bytes(&self) -> &[u8];
}

impl PartialEq for Chunk {
    fn eq(&self, other: &Chunk) -> bool {
        (self.dtype, &self.shape, self.bytes()) == (other.dtype, &other.shape, other.bytes())
    }
}

/// `n` zero words; chunk-sized buffers are backed by huge pages where the system allows.
fn zeroed_words(n: usize) -> Vec<u64> {
    let mut words = vec![0u64; n];
    advise_huge_pages(&mut words);
    words
}

/// Bytes of `shape`'s elements of `dtype`, or `None` when they do not fit `usize`.
fn byte_len(dtype: DType, shape: &[u64]) -> Option<usize> {
    let elements = crate::grid::checked_len(shape)?;
    usize::try_from(elements).ok()?.checked_mul(dtype.size())
}

impl Chunk {
    /// A chunk of `shape` whose every element is the `fill` bytes (one element, native
    /// byte order; all zeros when `fill` is empty).
    ///
    /// # Examples
    /// ```
    /// use tessera::{Chunk, DType};
    /// let sevens = Chunk::filled(DType::U16, &[2, 2], &7u16.to_ne_bytes());
    /// assert_eq!(sevens.as_slice::<u16>(), Some(&[7u16; 4][..]));
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use tessera::{Chunk, DType};
    /// let z = Chunk::zeros(DType::F64, &[3]);
    /// assert_eq!(z.as_slice::<f64>(), Some(&[0.0; 3][..]));
    /// ```
    pub fn zeros(dtype: DType, shape: &[u64]) -> Chunk {
        let len_bytes = byte_len(dtype, shape).unwrap_or(usize::MAX);
        Chunk {
            dtype,
            shape: shape.to_vec(),
            storage: Arc::new(Storage::Words(zeroed_words(len_bytes.div_ceil(8)))),
            len_bytes,
        }
    }

    /// A chunk holding a copy of `bytes`, which must be exactly `shape`'s elements.
    /// The length is checked before anything is allocated.
    ///
    /// # Examples
    /// ```
    /// use tessera::{Chunk, DType};
    /// let c = Chunk::from_bytes(DType::U8, &[2], &[4, 5])?;
    /// assert_eq!(c.bytes(), &[4, 5]);
    /// assert!(Chunk::from_bytes(DType::U8, &[3], &[4, 5]).is_err());
    /// # Ok::<(), tessera::Error>(())
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use tessera::{Chunk, DType};
    /// let c = Chunk::from_slice(&[2, 2], &[1i32, 2, 3, 4])?;
    /// assert_eq!((c.dtype(), c.shape()), (DType::I32, &[2u64, 2][..]));
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn from_slice<T: Element>(shape: &[u64], values: &[T]) -> Result<Chunk> {
        Chunk::from_bytes(T::DTYPE, shape, bytemuck::cast_slice(values))
    }

    /// The element type.
    ///
    /// # Examples
    /// ```
    /// use tessera::{Chunk, DType};
    /// assert_eq!(Chunk::zeros(DType::I8, &[1]).dtype(), DType::I8);
    /// ```
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// The shape.
    ///
    /// # Examples
    /// ```
    /// use tessera::{Chunk, DType};
    /// assert_eq!(Chunk::zeros(DType::I8, &[2, 5]).shape(), &[2, 5]);
    /// ```
    pub fn shape(&self) -> &[u64] {
        &self.shape
    }

    /// Number of elements.
    ///
    /// # Examples
    /// ```
    /// use tessera::{Chunk, DType};
    /// assert_eq!(Chunk::zeros(DType::F32, &[2, 5]).len(), 10);
    /// ```
    pub fn len(&self) -> usize {
        self.len_bytes / self.dtype.size()
    }

    /// True when the chunk holds no element.
    ///
    /// # Examples
    /// ```
    /// use tessera::{Chunk, DType};
    /// assert!(Chunk::zeros(DType::F32, &[2, 0]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len_bytes == 0
    }

    /// Size of the elements in bytes.
    ///
    /// # Examples
    /// ```
    /// use tessera::{Chunk, DType};
    /// assert_eq!(Chunk::zeros(DType::F32, &[2, 5]).nbytes(), 40);
    /// ```
    pub fn nbytes(&self) -> usize {
        self.len_bytes
    }

    /// The elements as raw native-endian bytes.
    ///
    /// # Examples
    /// ```
    /// use tessera::{Chunk, DType};
    /// let c = Chunk::from_slice(&[2], &[1u8, 2])?;
    /// assert_eq!(c.bytes(), &[1, 2]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn bytes(&self) -> &[u8] {
        &self.storage.bytes()[..self.len_bytes]
    }

    /// The elements as mutable raw bytes.
    ///
    /// # Examples
    /// ```
    /// use tessera::{Chunk, DType};
    /// let mut c = Chunk::zeros(DType::U8, &[2]);
    /// c.bytes_mut()[1] = 9;
    /// assert_eq!(c.bytes(), &[0, 9]);
    /// ```
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        let len_bytes = self.len_bytes;
        &mut bytemuck::cast_slice_mut(self.words_mut())[..len_bytes]
    }

    /// The storage as words of this chunk's own, copied first when it is shared with
    /// another chunk or stands on shared bytes.
    fn words_mut(&mut self) -> &mut Vec<u64> {
        if !matches!(Arc::get_mut(&mut self.storage), Some(Storage::Words(_))) {
            let mut words = zeroed_words(self.len_bytes.div_ceil(8));
            bytemuck::cast_slice_mut::<u64, u8>(&mut words)[..self.len_bytes]
                .copy_from_slice(self.bytes());
            self.storage = Arc::new(Storage::Words(words));
        }
        match Arc::get_mut(&mut self.storage) {
            Some(Storage::Words(words)) => words,
            // invariant: the storage was just made unshared words
            _ => unreachable!("a chunk's storage is unshared words after copying"),
        }
    }

    /// A chunk standing on `shared` bytes without copying them (the first write to the
    /// chunk copies them): they must be exactly `shape`'s elements of `dtype`, in C
    /// order and native byte order, and start 8-byte aligned. `None` when they are not.
    ///
    /// # Examples
    /// ```
    /// use tessera::{Chunk, DType, SharedBytes};
    /// #[derive(Debug)]
    /// struct Words(Vec<u64>);
    /// impl SharedBytes for Words {
    ///     fn bytes(&self) -> &[u8] {
    ///         bytemuck::cast_slice(&self.0)
    ///     }
    /// }
    /// let c = Chunk::from_shared(DType::U32, &[4], Box::new(Words(vec![1, 2])));
    /// assert_eq!(c.as_ref().and_then(|c| c.as_slice::<u32>()), Some(&[1, 0, 2, 0][..]));
    /// assert!(Chunk::from_shared(DType::U32, &[3], Box::new(Words(vec![1, 2]))).is_none());
    /// ```
    pub fn from_shared(dtype: DType, shape: &[u64], shared: Box<dyn SharedBytes>) -> Option<Chunk> {
        let len_bytes = byte_len(dtype, shape)?;
        let bytes = shared.bytes();
        let aligned = (bytes.as_ptr() as usize).is_multiple_of(8);
        (aligned && bytes.len() == len_bytes).then(|| Chunk {
            dtype,
            shape: shape.to_vec(),
            storage: Arc::new(Storage::Shared(shared)),
            len_bytes,
        })
    }

    /// The elements as a typed slice, or `None` when `T` is not this chunk's dtype.
    ///
    /// # Examples
    /// ```
    /// use tessera::{Chunk, DType};
    /// let c = Chunk::from_slice(&[2], &[1.5f64, 2.5])?;
    /// assert_eq!(c.as_slice::<f64>(), Some(&[1.5, 2.5][..]));
    /// assert_eq!(c.as_slice::<f32>(), None, "not its dtype");
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn as_slice<T: Element>(&self) -> Option<&[T]> {
        (T::DTYPE == self.dtype).then(|| bytemuck::cast_slice(self.bytes()))
    }

    /// The elements as a mutable typed slice, or `None` when `T` is not the dtype.
    ///
    /// # Examples
    /// ```
    /// use tessera::{Chunk, DType};
    /// let mut c = Chunk::zeros(DType::I64, &[2]);
    /// if let Some(values) = c.as_slice_mut::<i64>() {
    ///     values[0] = -1;
    /// }
    /// assert_eq!(c.as_slice::<i64>(), Some(&[-1, 0][..]));
    /// ```
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

    /// This chunk cut to its leading box of `shape` (no copy when that is the whole
    /// chunk): how stores that keep edge chunks full size hand out the array's part.
    ///
    /// # Examples
    /// ```
    /// use tessera::Chunk;
    /// let c = Chunk::from_slice(&[2, 3], &[1u8, 2, 3, 4, 5, 6])?.cropped(&[2, 2]);
    /// assert_eq!(c.as_slice::<u8>(), Some(&[1, 2, 4, 5][..]));
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn cropped(self, shape: &[u64]) -> Chunk {
        if shape == self.shape.as_slice() {
            self
        } else {
            self.extract(&Region::whole(shape))
        }
    }

    /// A chunk holding the values of an ndarray (any memory layout).
    ///
    /// # Examples
    /// ```
    /// use tessera::{Chunk, DType};
    /// let c = Chunk::from_ndarray(ndarray::array![[1u8, 2], [3, 4]].t());
    /// assert_eq!(c.as_slice::<u8>(), Some(&[1, 3, 2, 4][..]), "copied in C order");
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use tessera::{Chunk, DType};
    /// let c = Chunk::from_slice(&[2, 2], &[1.0f32, 2.0, 3.0, 4.0])?;
    /// assert_eq!(c.to_ndarray::<f32>()?, ndarray::array![[1.0, 2.0], [3.0, 4.0]].into_dyn());
    /// assert!(c.to_ndarray::<f64>().is_err());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn to_ndarray<T: Element>(&self) -> Result<ndarray::ArrayD<T>> {
        let values = self.as_slice::<T>().ok_or_else(|| {
            Error::Invalid(format!("the values are {}, not {}", self.dtype, T::DTYPE))
        })?;
        let shape: Vec<usize> = self.shape.iter().map(|n| *n as usize).collect();
        ndarray::ArrayD::from_shape_vec(shape, values.to_vec())
            .map_err(|e| Error::shape("chunk", e.to_string()))
    }

    /// Takes the chunk apart: its storage as 8-byte words, holding the elements in C
    /// order and native byte order in the first [`Chunk::nbytes`] bytes (the rest of the
    /// last word is zero). Bindings hand this buffer to another runtime (numpy) instead
    /// of copying it; it is copied only when other chunks share it or it stands on
    /// shared bytes (see [`Chunk::from_shared`]).
    ///
    /// # Examples
    /// ```
    /// use tessera::{Chunk, DType};
    /// let c = Chunk::from_slice(&[3], &[1u16, 2, 3])?;
    /// let words = c.into_words();
    /// assert_eq!(words.len(), 1);
    /// assert_eq!(&bytemuck::cast_slice::<u64, u8>(&words)[..6], &[1, 0, 2, 0, 3, 0]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn into_words(mut self) -> Vec<u64> {
        std::mem::take(self.words_mut())
    }

    /// This chunk reinterpreted with another shape of the same element count.
    ///
    /// # Examples
    /// ```
    /// use tessera::{Chunk, DType};
    /// let c = Chunk::from_slice(&[2, 3], &[0u8, 1, 2, 3, 4, 5])?.reshaped(&[3, 2])?;
    /// assert_eq!(c.shape(), &[3, 2]);
    /// assert!(c.reshaped(&[4]).is_err());
    /// # Ok::<(), tessera::Error>(())
    /// ```
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
