//! The expression language of `tessera eval`: numpy-like expressions over named arrays,
//! such as `mean((a - b)**2, axis=0)` or `a[0:100, ::2].T @ v`.
//!
//! [`parse`] turns the text into an [`Expr`] tree, with a [`Span`] on every node;
//! [`evaluate`] lowers the tree onto lazy array operations. The functions a call may
//! name are the registry's [`FUNCTIONS`] (see [`lookup`]), which also generates the
//! function lists of the docs ([`functions_markdown`], [`readme_functions`]).
//! Precedence and associativity are Python's. `&`/`and` and `|`/`or` are element-wise
//! logic ([`BinaryOp::And`], [`BinaryOp::Or`]); `~`/`not` is [`UnaryOp::Not`]. `None`
//! (a new axis) and `...` are only allowed inside index brackets. `Display` on an
//! [`Expr`] prints it back as source text that parses to the same tree.

mod ast;
mod display;
mod error;
mod lexer;
mod lower;
mod parser;
mod registry;

pub use ast::{BinaryOp, Expr, IndexItem, Span, UnaryOp};
pub use error::{ParseError, excerpt};
pub use lower::{Subscript, Value, call, evaluate, evaluate_in, index};
pub use parser::{MAX_DEPTH, parse};
pub use registry::{
    Category, FUNCTIONS, Function, function_names, functions_markdown, lookup, readme_functions,
};

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
