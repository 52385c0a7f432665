//! Length-1 axes inserted or removed (`squeeze`, `expand_dims`): the same elements in
//! the same C order, so a region is the input region reshaped in place. Views of views
//! collapse into one node.

use crate::chunk::Chunk;
use crate::error::{Error, Result};
use crate::graph::{Array, Evaluator, Operator, normalize_axes, normalize_axis, region_cost};
use crate::grid::Region;

/// The operator of a unit-axes view: output axis `d` is input axis `axes[d]`, or a new
/// length-1 axis where it is `None`. Input axes not listed have length 1.
pub(crate) struct UnitAxes {
    pub(crate) input: Array,
    pub(crate) axes: Vec<Option<usize>>,
}

impl UnitAxes {
    /// The input region an output `region` reads: listed axes as in the region, the
    /// others (length 1) `[0, 1)`.
    fn input_region(&self, region: &Region) -> Region {
        let ndim = self.input.ndim();
        let mut input_region = Region {
            start: vec![0; ndim],
            shape: vec![1; ndim],
        };
        for (d, axis) in self.axes.iter().enumerate() {
            if let Some(i) = *axis {
                input_region.start[i] = region.start[d];
                input_region.shape[i] = region.shape[d];
            }
        }
        input_region
    }
}

impl Array {
    /// Removes length-1 axes: those in `axes` (an error when one is longer), or every
    /// length-1 axis when `None` (numpy's `squeeze`).
    pub fn squeeze(&self, axes: Option<&[i64]>) -> Result<Array> {
        let drop: Vec<usize> = match axes {
            None => (0..self.ndim()).filter(|&d| self.shape()[d] == 1).collect(),
            Some(axes) => {
                let axes = normalize_axes(Some(axes), self.ndim(), "squeeze")?;
                if let Some(&d) = axes.iter().find(|&&d| self.shape()[d] != 1) {
                    return Err(Error::shape(
                        "squeeze",
                        format!(
                            "cannot remove axis {d} of length {} from shape {:?}: only length-1 axes can be squeezed",
                            self.shape()[d],
                            self.shape()
                        ),
                    ));
                }
                axes
            }
        };
        let keep = (0..self.ndim())
            .filter(|d| !drop.contains(d))
            .map(Some)
            .collect();
        Ok(self.unit_axes(keep))
    }

    /// Inserts a length-1 axis at position `axis` of the result (negative counts from
    /// the end of the result, as in numpy's `expand_dims`).
    pub fn expand_dims(&self, axis: i64) -> Result<Array> {
        let at = normalize_axis(axis, self.ndim() + 1, "expand_dims")?;
        let axes = (0..=self.ndim())
            .map(|d| match d.cmp(&at) {
                std::cmp::Ordering::Less => Some(d),
                std::cmp::Ordering::Equal => None,
                std::cmp::Ordering::Greater => Some(d - 1),
            })
            .collect();
        Ok(self.unit_axes(axes))
    }

    /// A `UnitAxes` view; views of views collapse into one.
    fn unit_axes(&self, axes: Vec<Option<usize>>) -> Array {
        let (input, axes) = match self.op::<UnitAxes>() {
            Some(inner) => (
                &inner.input,
                axes.iter().map(|a| a.and_then(|i| inner.axes[i])).collect(),
            ),
            None => (self, axes),
        };
        // Axes keep their order, so when every kept axis is in its place the new
        // axes fill the input's unlisted (length-1) axes: the input itself.
        let identity = axes.len() == input.ndim()
            && axes
                .iter()
                .enumerate()
                .all(|(d, a)| a.is_none_or(|i| i == d));
        if identity {
            return input.clone();
        }
        let shape = axes
            .iter()
            .map(|a| a.map_or(1, |i| input.shape()[i]))
            .collect();
        let chunks = axes
            .iter()
            .map(|a| a.map_or(1, |i| input.chunks()[i]))
            .collect();
        let op = UnitAxes {
            input: input.clone(),
            axes,
        };
        Array::from_node(op, shape, chunks, input.dtype())
    }
}

impl Operator for UnitAxes {
    fn name(&self) -> &'static str {
        "squeeze/expand_dims"
    }

    fn label(&self, _node: &Array) -> String {
        format!("unit axes (squeeze/expand_dims) {:?}", self.axes)
    }

    fn inputs(&self) -> Vec<&Array> {
        vec![&self.input]
    }

    fn evaluate(&self, ev: &Evaluator<'_>, node: &Array, region: &Region) -> Result<Chunk> {
        if region.is_empty() {
            return Ok(Chunk::zeros(node.dtype(), &region.shape));
        }
        // Same elements in the same C order: only the shape changes.
        ev.region(&self.input, &self.input_region(region))?
            .reshaped(&region.shape)
    }

    /// The input region, reshaped in place.
    fn cost(&self, _node: &Array, shape: &[u64], batch: u64) -> u64 {
        let input_shape = self.input_region(&Region::whole(shape)).shape;
        region_cost(&self.input, &input_shape, batch)
    }
}

#[cfg(test)]
mod tests;
