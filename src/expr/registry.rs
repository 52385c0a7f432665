//! The function registry of the expression language: one [`Function`] per name that
//! `tessera eval` accepts, with its category, its signature as users write it, a
//! one-line description, an example, and the [`Lower`] step that builds its array.
//!
//! The registry is the only list of functions. The lowering looks a call's name up here
//! and matches on the entry's [`Lower`] (so a name cannot be accepted without being
//! listed); the "unknown function ... available: ..." message and its suggestions, the
//! function tables of the README and of `docs/expressions.md` ([`functions_markdown`],
//! [`readme_functions`]) are generated from it, and the tests lower every entry's
//! example (so a name cannot be listed without being accepted) and compare the
//! committed docs with the generated text.
//!
//! Adding a function is one entry in `registry/table.rs` (and, when no existing
//! [`Lower`] step fits, one variant and its arm in the lowering's dispatch).
//!
//! ```
//! let sum = tessera::expr::lookup("sum").map(|f| f.signature);
//! assert_eq!(sum, Some("sum(a, axis=None, dtype=None, *, keepdims=False)"));
//! assert!(tessera::expr::function_names().any(|name| name == "cumsum"));
//! ```

use crate::kernels::elementwise::{BinaryOp, UnaryOp};
use crate::kernels::reduce::ReduceOp;

mod docs;
mod table;

pub use docs::{functions_markdown, readme_functions};
pub use table::FUNCTIONS;

/// What kind of function an entry is; the docs group functions by it, in the order of
/// [`Category::ALL`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// Reductions over some or all axes.
    Reduction,
    /// Element by element, with numpy's broadcasting and type promotion.
    Elementwise,
    /// Running (cumulative) reductions along one axis.
    Scan,
    /// Functions that rearrange, select or join elements without computing new values.
    Shape,
    /// Matrix and tensor products and diagonals.
    Linalg,
    /// Functions of each element's neighbourhood.
    Stencil,
    /// Arrays made from a shape and a few numbers, without inputs.
    Creation,
    /// Seeded random arrays.
    Random,
    /// Functions that change how an array is split into chunks.
    Chunking,
}

impl Category {
    /// Every category, in the order the docs list them.
    pub const ALL: [Category; 9] = [
        Category::Reduction,
        Category::Elementwise,
        Category::Scan,
        Category::Shape,
        Category::Linalg,
        Category::Stencil,
        Category::Creation,
        Category::Random,
        Category::Chunking,
    ];

    /// The category's heading in the docs.
    pub fn title(self) -> &'static str {
        match self {
            Category::Elementwise => "Element-wise",
            Category::Reduction => "Reductions",
            Category::Scan => "Scans",
            Category::Shape => "Shape and selection",
            Category::Linalg => "Linear algebra",
            Category::Stencil => "Stencils",
            Category::Creation => "Creation",
            Category::Random => "Random",
            Category::Chunking => "Chunking",
        }
    }

    /// One sentence on what the category's functions share, for the docs.
    pub fn blurb(self) -> &'static str {
        match self {
            Category::Elementwise => {
                "Element by element, with numpy's broadcasting and type promotion (numpy 2, NEP 50)."
            }
            Category::Reduction => {
                "`axis` is an integer, a tuple of integers or `None` (every axis); `keepdims=True` keeps the reduced axes with length 1."
            }
            Category::Scan => {
                "Streamed along the axis: each chunk needs only the carry of the chunks before it. Arrays of more than one axis need `axis=`."
            }
            Category::Shape => "Rearrange, select or join elements; lazy, chunk by chunk.",
            Category::Linalg => {
                "Matrix and tensor products and diagonals; `a @ b` is `matmul(a, b)`."
            }
            Category::Stencil => {
                "Functions of each element's neighbourhood, with dask's `map_overlap` arguments."
            }
            Category::Creation => {
                "`chunks=` sets the chunk shape (an integer means that length on every axis); without it chunks are about 16 MiB."
            }
            Category::Random => {
                "Seeded: the same `seed` and chunks give the same values whatever the thread count. `shape=` (or `size=`) is required; `chunks=` as for creation."
            }
            Category::Chunking => "Change the chunk grid without changing the values.",
        }
    }
}

/// One function of the expression language.
#[derive(Clone, Copy, Debug)]
pub struct Function {
    /// The signature as users write it, with numpy's argument names, listing only the
    /// arguments tessera accepts; arguments after `*` are keyword-only. The function's
    /// name is the text before `(`.
    pub signature: &'static str,
    /// What the function does, in one line.
    pub summary: &'static str,
    /// A call over the inputs `a` (float64, 3 x 4) and `v` (float64, 4 long); the
    /// tests lower and compute every example.
    pub example: &'static str,
    /// Where the docs list the function.
    pub category: Category,
    /// How the lowering builds the function's array.
    pub(crate) lower: Lower,
}

impl Function {
    /// The name a call uses: `sum`, `random.normal`.
    pub fn name(&self) -> &'static str {
        match self.signature.split_once('(') {
            Some((name, _)) => name,
            None => self.signature,
        }
    }
}

/// The entry named `name`, if the language has such a function.
pub fn lookup(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name() == name)
}

/// Every function name, in the registry's order (that of [`Category::ALL`]).
pub fn function_names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS.iter().map(Function::name)
}

/// The step that lowers a call: the lowering's dispatch matches on it (exhaustively, so
/// every step has its arm) after looking the call's name up in the registry.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Lower {
    /// A reduction; `var`/`std` carry ddof 0, which `ddof=` replaces.
    Reduce(ReduceOp),
    /// `ptp`: max - min.
    Ptp,
    /// `median` (`nan: false`) or `nanmedian`.
    Median {
        nan: bool,
    },
    /// `quantile`/`nanquantile`, or the `percentile`s (`percent`: q / 100).
    Quantile {
        nan: bool,
        percent: bool,
    },
    /// `average`: a (weighted) mean.
    Average,
    /// A one-argument ufunc.
    Unary(UnaryOp),
    /// A two-argument ufunc whose second operand may be a number.
    Binary(BinaryOp),
    /// `round(a, decimals=0)`.
    Round,
    Clip,
    Where,
    Astype,
    MatMul,
    Transpose,
    Rechunk,
    /// `zeros`/`empty` (`ones: false`) or `ones`.
    Filled {
        ones: bool,
    },
    Full,
    Arange,
    Linspace,
    Eye,
    /// A seeded `random.*` draw.
    Sample(RandomKind),
    /// `concatenate` (`new_axis: false`) or `stack`.
    Join {
        new_axis: bool,
    },
    Block,
    Reshape,
    Ravel,
    Squeeze,
    Flip,
    ExpandDims,
    SwapAxes,
    MoveAxis,
    BroadcastTo,
    Take,
    Extract,
    /// `cumsum` (`product: false`) or `cumprod`.
    Cumulative {
        product: bool,
    },
    /// `sort` (`arg: false`) or `argsort`.
    Sort {
        arg: bool,
    },
    /// `diff`: discrete differences.
    Diff,
    TensorDot,
    Einsum,
    Outer,
    Diagonal,
    Trace,
    MapOverlap,
}

/// The distributions of `random.*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RandomKind {
    Uniform,
    Normal,
    Integers,
}

#[cfg(test)]
mod tests;
