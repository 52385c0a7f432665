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
    /// Axes reversed (`.T`).
    pub fn t(&self) -> Result<Array> {
        let perm: Vec<usize> = (0..self.ndim()).rev().collect();
        self.transpose(&perm)
    }

    /// Axes permuted: output axis `d` is input axis `perm[d]`.
    pub fn transpose(&self, perm: &[usize]) -> Result<Array> {
        let mut seen = vec![false; self.ndim()];
        let valid = perm.len() == self.ndim()
            && perm
                .iter()
                .all(|&p| p < seen.len() && !std::mem::replace(&mut seen[p], true));
        if !valid {
            return Err(Error::shape(
                "transpose",
                format!("{perm:?} is not a permutation of the {} axes", self.ndim()),
            ));
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

    /// Axes `a` and `b` exchanged (a transpose).
    pub fn swapaxes(&self, a: i64, b: i64) -> Result<Array> {
        let a = normalize_axis(a, self.ndim(), "swapaxes")?;
        let b = normalize_axis(b, self.ndim(), "swapaxes")?;
        let mut perm: Vec<usize> = (0..self.ndim()).collect();
        perm.swap(a, b);
        self.transpose(&perm)
    }

    /// Axis `source` moved to position `destination`, the others keeping their order
    /// (a transpose, as numpy's `moveaxis` with one axis).
    pub fn moveaxis(&self, source: i64, destination: i64) -> Result<Array> {
        let source = normalize_axis(source, self.ndim(), "moveaxis")?;
        let destination = normalize_axis(destination, self.ndim(), "moveaxis")?;
        let mut perm: Vec<usize> = (0..self.ndim()).filter(|&d| d != source).collect();
        perm.insert(destination, source);
        self.transpose(&perm)
    }
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
