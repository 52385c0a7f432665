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
    /// Removes length-1 axes: those in `axes` (negative counts from the end), or every
    /// length-1 axis when `None` (numpy's `squeeze`). The elements keep their C order,
    /// so nothing is copied but the chunk; the other axes keep their chunks.
    ///
    /// # Errors
    /// [`Error::Shape`] for an axis out of range or repeated, or
    /// one whose length is not 1.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![[[1.0], [2.0], [3.0]]].view(), &[1, 2, 1])?;
    /// assert_eq!(a.shape(), &[1, 3, 1]);
    /// let all = a.squeeze(None)?;
    /// assert_eq!(all.shape(), &[3]);
    /// assert_eq!(all.chunks(), &[2]);
    /// assert_eq!(all.compute_vec::<f64>(&ctx)?, vec![1.0, 2.0, 3.0]);
    /// assert_eq!(a.squeeze(Some(&[-1]))?.shape(), &[1, 3]);
    ///
    /// assert!(a.squeeze(Some(&[1])).is_err()); // axis 1 has length 3
    /// # Ok::<(), tessera::Error>(())
    /// ```
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

    /// Inserts a length-1 axis (with a chunk of 1) at position `axis` of the result
    /// (numpy's `expand_dims` with one axis; negative counts from the end of the
    /// result, so `-1` appends an axis). The elements keep their C order.
    ///
    /// # Errors
    /// [`Error::Shape`] when `axis` is out of range for an array
    /// of `ndim + 1` axes.
    ///
    /// # Examples
    /// ```
    /// use tessera::prelude::*;
    /// let ctx = Context::new()?;
    /// let a = Array::from_ndarray(ndarray::array![1.0, 2.0, 3.0].view(), &[2])?;
    /// let row = a.expand_dims(0)?;
    /// assert_eq!(row.shape(), &[1, 3]);
    /// assert_eq!(row.chunks(), &[1, 2]);
    /// assert_eq!(a.expand_dims(-1)?.shape(), &[3, 1]);
    /// assert_eq!(row.compute_vec::<f64>(&ctx)?, vec![1.0, 2.0, 3.0]);
    /// assert!(a.expand_dims(2).is_err());
    /// # Ok::<(), tessera::Error>(())
    /// ```
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
