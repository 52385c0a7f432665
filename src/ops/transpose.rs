//! Axis permutations (`transpose`, `.T`, `swapaxes`, `moveaxis`): an output region is
//! the permuted input region, read whole and permuted into place.

use crate::chunk::Chunk;
use crate::error::{Error, Result};
use crate::graph::{Array, Evaluator, Operator, normalize_axis, out_bytes, region_cost};
use crate::grid::Region;
use crate::kernels::layout::permute_axes;

/// The operator of a transpose: output axis `d` is input axis `perm[d]`.
pub(crate) struct Transpose {
    pub(crate) input: Array,
    pub(crate) perm: Vec<usize>,
}

impl Transpose {
    /// The input region an output region of `shape` starting at `start` reads.
    fn input_region(&self, region: &Region) -> Region {
        let mut input_region = Region {
            start: vec![0; self.perm.len()],
            shape: vec![0; self.perm.len()],
        };
        for (d, &p) in self.perm.iter().enumerate() {
            input_region.start[p] = region.start[d];
            input_region.shape[p] = region.shape[d];
        }
        input_region
    }
}

impl Array {
    /// Axes reversed (numpy's `.T`): a transpose with the permutation `[n-1, ..., 0]`.
    /// Chunk lengths are permuted with their axes. A 0-d or 1-d array is returned
    /// unchanged.
    ///
    /// # Errors
    /// None for any array (the permutation is always valid).
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let values = ndarray::array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
    /// let a = Array::from_ndarray(values.view(), &[1, 2])?;
    /// let t = a.t()?;
    /// assert_eq!(t.shape(), &[3, 2]);
    /// assert_eq!(t.chunks(), &[2, 1]);
    /// assert_eq!(t.compute_vec::<f64>(&ctx)?, vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn t(&self) -> Result<Array> {
        let perm: Vec<usize> = (0..self.ndim()).rev().collect();
        self.permute(&perm)
    }

    /// Axes permuted: output axis `d` is input axis `axes[d]` (numpy's `transpose`
    /// with `axes`; negative axes count from the end, and `t()` is the reversal).
    /// Chunk lengths move with their axes; the identity permutation returns `self`.
    ///
    /// # Errors
    /// [`Error::Shape`] when `axes` is not a permutation of the array's axes (wrong
    /// length, an axis out of range or repeated).
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let values =
    ///     ndarray::Array3::from_shape_fn((2, 3, 4), |(i, j, k)| (i * 12 + j * 4 + k) as i64);
    /// let a = Array::from_ndarray(values.view(), &[1, 3, 2])?;
    /// let b = a.transpose(&[2, 0, 1])?;
    /// assert_eq!(b.shape(), &[4, 2, 3]);
    /// assert_eq!(b.chunks(), &[2, 1, 3]);
    /// assert_eq!(b.compute_vec::<i64>(&ctx)?[..6], [0, 4, 8, 12, 16, 20]);
    ///
    /// assert_eq!(a.transpose(&[-1, 0, 1])?.shape(), b.shape());
    /// assert!(a.transpose(&[0, 1]).is_err());
    /// assert!(a.transpose(&[0, 1, 1]).is_err());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn transpose(&self, axes: &[i64]) -> Result<Array> {
        let ndim = self.ndim();
        let perm = axes
            .iter()
            .map(|&axis| normalize_axis(axis, ndim, "transpose"))
            .collect::<Result<Vec<usize>>>()
            .map_err(|_| not_a_permutation(axes, ndim))?;
        self.permute(&perm)
    }

    /// Axes permuted by `perm` (see [`Array::transpose`]), as the crate's own code
    /// holds them.
    pub(crate) fn permute(&self, perm: &[usize]) -> Result<Array> {
        let mut seen = vec![false; self.ndim()];
        let valid = perm.len() == self.ndim()
            && perm
                .iter()
                .all(|&p| p < seen.len() && !std::mem::replace(&mut seen[p], true));
        if !valid {
            return Err(not_a_permutation(perm, self.ndim()));
        }
        if perm.iter().enumerate().all(|(i, p)| i == *p) {
            return Ok(self.clone());
        }
        let shape = perm.iter().map(|&p| self.shape()[p]).collect();
        let chunks = perm.iter().map(|&p| self.chunks()[p]).collect();
        let op = Transpose {
            input: self.clone(),
            perm: perm.to_vec(),
        };
        Ok(Array::from_node(op, shape, chunks, self.dtype()))
    }

    /// Axes `a` and `b` exchanged (numpy's `swapaxes`), a transpose; negative axes
    /// count from the end.
    ///
    /// # Errors
    /// [`Error::Shape`] for an axis out of range.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let a = Array::from_ndarray(ndarray::Array3::<f32>::zeros((2, 3, 4)).view(), &[1, 3, 2])?;
    /// let b = a.swapaxes(0, -1)?;
    /// assert_eq!(b.shape(), &[4, 3, 2]);
    /// assert_eq!(b.chunks(), &[2, 3, 1]);
    /// assert!(a.swapaxes(0, 3).is_err());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn swapaxes(&self, a: i64, b: i64) -> Result<Array> {
        let a = normalize_axis(a, self.ndim(), "swapaxes")?;
        let b = normalize_axis(b, self.ndim(), "swapaxes")?;
        let mut perm: Vec<usize> = (0..self.ndim()).collect();
        perm.swap(a, b);
        self.permute(&perm)
    }

    /// Axis `source` moved to position `destination`, the others keeping their order
    /// (numpy's `moveaxis` with one axis each), a transpose; negative axes count from
    /// the end.
    ///
    /// # Errors
    /// [`Error::Shape`] for an axis out of range.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let a = Array::from_ndarray(ndarray::Array3::<f32>::zeros((2, 3, 4)).view(), &[1, 3, 2])?;
    /// assert_eq!(a.moveaxis(0, -1)?.shape(), &[3, 4, 2]);
    /// assert_eq!(a.moveaxis(-1, 0)?.shape(), &[4, 2, 3]);
    /// assert!(a.moveaxis(-4, 0).is_err());
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn moveaxis(&self, source: i64, destination: i64) -> Result<Array> {
        let source = normalize_axis(source, self.ndim(), "moveaxis")?;
        let destination = normalize_axis(destination, self.ndim(), "moveaxis")?;
        let mut perm: Vec<usize> = (0..self.ndim()).filter(|&d| d != source).collect();
        perm.insert(destination, source);
        self.permute(&perm)
    }
}

/// The refusal of `axes` that do not permute `ndim` axes.
fn not_a_permutation(axes: &[impl std::fmt::Debug], ndim: usize) -> Error {
    Error::shape(
        "transpose",
        format!("{axes:?} is not a permutation of the {ndim} axes"),
    )
}

impl Operator for Transpose {
    fn name(&self) -> &'static str {
        "a transpose"
    }

    fn label(&self, _node: &Array) -> String {
        format!("transpose {:?}", self.perm)
    }

    fn inputs(&self) -> Vec<&Array> {
        vec![&self.input]
    }

    fn evaluate(&self, ev: &Evaluator<'_>, _node: &Array, region: &Region) -> Result<Chunk> {
        let values = ev.region(&self.input, &self.input_region(region))?;
        Ok(permute_axes(&values, &self.perm))
    }

    /// The input region read (with its working memory), then permuted into a second
    /// buffer.
    fn cost(&self, node: &Array, shape: &[u64], batch: u64) -> u64 {
        let input_shape = self.input_region(&Region::whole(shape)).shape;
        let read = region_cost(&self.input, &input_shape, batch);
        let held = out_bytes(&self.input, &input_shape);
        held.saturating_add(read.saturating_sub(held).max(out_bytes(node, shape)))
    }
}
