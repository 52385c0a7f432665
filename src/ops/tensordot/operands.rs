//! A tensordot's operands as matrices: pieces read through the transposes stacked on
//! an operand (a reversed piece is used as a transposed view, not copied), and the
//! Gram case where both operands read the same piece.

use super::*;

/// An operand's region: free axes from the output, contracted axes from `spans`.
pub(super) fn operand_region(
    ndim: usize,
    free: &[usize],
    contracted: &[usize],
    out_start: &[u64],
    out_shape: &[u64],
    spans: &[(u64, u64)],
) -> Region {
    let mut region = Region {
        start: vec![0; ndim],
        shape: vec![0; ndim],
    };
    for (k, &d) in free.iter().enumerate() {
        region.start[d] = out_start[k];
        region.shape[d] = out_shape[k];
    }
    for (&d, &(lo, len)) in contracted.iter().zip(spans) {
        region.start[d] = lo;
        region.shape[d] = len;
    }
    region
}

/// An operand read through the transposes stacked on it: `base` is the array actually
/// evaluated, and operand axis `i` is `base` axis `axes[i]`.
pub(super) struct Peeled {
    pub(super) base: Array,
    pub(super) axes: Vec<usize>,
}

impl Peeled {
    pub(super) fn of(operand: &Array) -> Peeled {
        let mut base = operand.clone();
        let mut axes: Vec<usize> = (0..operand.ndim()).collect();
        while let Some(Transpose { input, perm }) = base.op::<Transpose>() {
            axes = axes.iter().map(|&a| perm[a]).collect();
            let input = input.clone();
            base = input;
        }
        Peeled { base, axes }
    }

    /// Operand axes as base axes.
    pub(super) fn map(&self, operand_axes: &[usize]) -> Vec<usize> {
        operand_axes.iter().map(|&d| self.axes[d]).collect()
    }

    /// The base region an operand region covers.
    pub(super) fn region(&self, operand: &Region) -> Region {
        let mut region = operand.clone();
        for (i, &d) in self.axes.iter().enumerate() {
            region.start[d] = operand.start[i];
            region.shape[d] = operand.shape[i];
        }
        region
    }

    /// The base's piece shape for an operand piece shape.
    pub(super) fn shape(&self, operand: &[u64]) -> Vec<u64> {
        let mut shape = operand.to_vec();
        for (i, &d) in self.axes.iter().enumerate() {
            shape[d] = operand[i];
        }
        shape
    }
}

/// One side of a product: its base array and the base axes of its matrix's rows and
/// columns.
pub(super) struct Side {
    pub(super) peeled: Peeled,
    pub(super) rows: Vec<usize>,
    pub(super) cols: Vec<usize>,
}

impl Side {
    /// The operand's piece of `region` (operand axes), read and laid out as a matrix.
    pub(super) fn matrix(&self, evaluator: &Evaluator<'_>, region: &Region) -> Result<Matrix> {
        let base_region = self.peeled.region(region);
        let values = evaluator.region(&self.peeled.base, &base_region)?;
        Matrix::new(values, &self.rows, &self.cols)
    }

    /// Projected bytes of reading a piece of `shape` (operand axes) as a matrix.
    pub(super) fn cost(&self, shape: &[u64], batch: u64, size: u64) -> u64 {
        let base_shape = self.peeled.shape(shape);
        let copy = match layout(&self.rows, &self.cols) {
            Layout::Copied => crate::grid::sat_len(&base_shape).saturating_mul(size),
            Layout::InPlace | Layout::Transposed => 0,
        };
        region_cost(&self.peeled.base, &base_shape, batch).saturating_add(copy)
    }
}

/// True when `a @ b` is `pᵀ @ p` blockwise: both read one array, and `a`'s matrix is
/// `b`'s transposed. A block whose two pieces are the same region is then a Gram matrix.
pub(super) fn is_gram(a: &Side, b: &Side) -> bool {
    a.peeled.base.is_same(&b.peeled.base) && a.rows == b.cols && a.cols == b.rows
}

/// How a base piece becomes a (rows, cols) matrix whose rows cover base axes `first` and
/// columns base axes `rest`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Layout {
    /// Already row-major in that order.
    InPlace,
    /// Row-major in the reverse order (`rest`, then `first`): a transposed view.
    Transposed,
    /// Axes interleaved: copied once into row-major order.
    Copied,
}

pub(super) fn layout(first: &[usize], rest: &[usize]) -> Layout {
    let forward: Vec<usize> = first.iter().chain(rest).copied().collect();
    let backward: Vec<usize> = rest.iter().chain(first).copied().collect();
    if is_identity(&forward) {
        Layout::InPlace
    } else if is_identity(&backward) {
        Layout::Transposed
    } else {
        Layout::Copied
    }
}

/// A base piece laid out as a matrix (see [`Layout`]); the chunk is 2-D, and the
/// matrix is that chunk or its transpose.
pub(super) struct Matrix {
    pub(super) values: Chunk,
    pub(super) transposed: bool,
}

impl Matrix {
    pub(super) fn new(values: Chunk, first: &[usize], rest: &[usize]) -> Result<Matrix> {
        let length = |axes: &[usize]| axes.iter().map(|&d| values.shape()[d]).product::<u64>();
        let (rows, cols) = (length(first), length(rest));
        match layout(first, rest) {
            Layout::InPlace => Ok(Matrix {
                values: values.reshaped(&[rows, cols])?,
                transposed: false,
            }),
            Layout::Transposed => Ok(Matrix {
                values: values.reshaped(&[cols, rows])?,
                transposed: true,
            }),
            Layout::Copied => {
                let perm: Vec<usize> = first.iter().chain(rest).copied().collect();
                Ok(Matrix {
                    values: permute_axes(&values, &perm).reshaped(&[rows, cols])?,
                    transposed: false,
                })
            }
        }
    }

    pub(super) fn view(&self) -> MatrixRef<'_> {
        MatrixRef {
            values: &self.values,
            transposed: self.transposed,
        }
    }
}

/// True when `perm` leaves every axis in place.
pub(super) fn is_identity(perm: &[usize]) -> bool {
    perm.iter().enumerate().all(|(i, &p)| i == p)
}
