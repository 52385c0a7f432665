//! The expression language of `tessera eval`: numpy-like expressions over named arrays,
//! such as `mean((a - b)**2, axis=0)` or `a[0:100, ::2].T @ v`.
//!
//! This module only parses: [`parse`] turns the text into an [`Expr`] tree, with a
//! [`Span`] on every node; mapping the tree onto array operations happens elsewhere.
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

pub use ast::{BinaryOp, Expr, IndexItem, Span, UnaryOp};
pub use error::{ParseError, excerpt};
pub use lower::{evaluate, evaluate_in};
pub use parser::{MAX_DEPTH, parse};

#[cfg(test)]
mod tests;
