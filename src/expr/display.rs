//! Prints a syntax tree back as source text, with only the parentheses that precedence
//! needs. Parsing the printed text of a parsed tree gives the same tree (spans aside).
//! And and Or print as `&` and `|`, Not as `~`.

use std::fmt::{self, Display, Formatter, Write};

use super::ast::{BinaryOp, Expr, IndexItem, UnaryOp, prec};

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Int { value, .. } if *value < 0 => write!(f, "({value})"),
            Expr::Int { value, .. } => write!(f, "{value}"),
            Expr::Float { value, .. } => write_float(f, *value),
            Expr::Bool { value: true, .. } => f.write_str("True"),
            Expr::Bool { value: false, .. } => f.write_str("False"),
            Expr::Str { value, .. } if value.contains('\'') => write!(f, "\"{value}\""),
            Expr::Str { value, .. } => write!(f, "'{value}'"),
            Expr::Name { name, .. } => f.write_str(name),
            Expr::Unary { op, operand, .. } => {
                f.write_str(unary_symbol(*op))?;
                write_at_least(f, operand, prec::UNARY)
            }
            Expr::Binary { op, lhs, rhs, .. } => write_binary(f, *op, lhs, rhs),
            Expr::Call {
                func, args, kwargs, ..
            } => write_call(f, func, args, kwargs),
            Expr::Index { target, items, .. } => write_index(f, target, items),
            Expr::Attr { target, name, .. } => {
                write_postfix_target(f, target)?;
                write!(f, ".{name}")
            }
            Expr::Tuple { items, .. } => write_tuple(f, items),
            Expr::List { items, .. } => {
                f.write_char('[')?;
                write_list(f, items)?;
                f.write_char(']')
            }
        }
    }
}

/// Debug formatting of f64 is the shortest text that reads back to the same value, and
/// always has a '.' or an exponent, so it lexes as a float.
fn write_float(f: &mut Formatter<'_>, value: f64) -> fmt::Result {
    if value.is_sign_negative() || !value.is_finite() {
        write!(f, "({value:?})")
    } else {
        write!(f, "{value:?}")
    }
}

fn unary_symbol(op: UnaryOp) -> &'static str {
    match op {
        UnaryOp::Neg => "-",
        UnaryOp::Pos => "+",
        UnaryOp::Not => "~",
    }
}

/// Writes `e`, in parentheses if it binds looser than `level`.
fn write_at_least(f: &mut Formatter<'_>, e: &Expr, level: u8) -> fmt::Result {
    if e.precedence() < level {
        write!(f, "({e})")
    } else {
        write!(f, "{e}")
    }
}

fn write_binary(f: &mut Formatter<'_>, op: BinaryOp, lhs: &Expr, rhs: &Expr) -> fmt::Result {
    let level = op.precedence();
    let (lhs_min, rhs_min) = match op {
        // power: primary ** unary
        BinaryOp::Pow => (prec::POSTFIX, prec::UNARY),
        // comparisons do not chain, so neither side may be a bare comparison
        _ if op.is_comparison() => (level + 1, level + 1),
        // left-associative
        _ => (level, level + 1),
    };
    write_at_least(f, lhs, lhs_min)?;
    write!(f, " {} ", op.symbol())?;
    write_at_least(f, rhs, rhs_min)
}

/// The target of an index or attribute: a number needs parentheses (`(1).T`, since
/// `1.T` reads as the float `1.` followed by `T`).
fn write_postfix_target(f: &mut Formatter<'_>, target: &Expr) -> fmt::Result {
    match target {
        Expr::Int { .. } | Expr::Float { .. } => write!(f, "({target})"),
        _ => write_at_least(f, target, prec::POSTFIX),
    }
}

fn write_list(f: &mut Formatter<'_>, items: &[Expr]) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

fn write_tuple(f: &mut Formatter<'_>, items: &[Expr]) -> fmt::Result {
    f.write_char('(')?;
    write_list(f, items)?;
    if items.len() == 1 {
        f.write_char(',')?;
    }
    f.write_char(')')
}

fn write_call(
    f: &mut Formatter<'_>,
    func: &str,
    args: &[Expr],
    kwargs: &[(String, Expr)],
) -> fmt::Result {
    write!(f, "{func}(")?;
    write_list(f, args)?;
    for (i, (name, value)) in kwargs.iter().enumerate() {
        if i > 0 || !args.is_empty() {
            f.write_str(", ")?;
        }
        write!(f, "{name}={value}")?;
    }
    f.write_char(')')
}

fn write_index(f: &mut Formatter<'_>, target: &Expr, items: &[IndexItem]) -> fmt::Result {
    write_postfix_target(f, target)?;
    f.write_char('[')?;
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{item}")?;
    }
    f.write_char(']')
}

impl Display for IndexItem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            IndexItem::Expr(e) => write!(f, "{e}"),
            IndexItem::NewAxis(_) => f.write_str("None"),
            IndexItem::Ellipsis(_) => f.write_str("..."),
            IndexItem::Slice {
                start, stop, step, ..
            } => {
                write_optional(f, start)?;
                f.write_char(':')?;
                write_optional(f, stop)?;
                if let Some(step) = step {
                    write!(f, ":{step}")?;
                }
                Ok(())
            }
        }
    }
}

fn write_optional(f: &mut Formatter<'_>, part: &Option<Expr>) -> fmt::Result {
    match part {
        Some(e) => write!(f, "{e}"),
        None => Ok(()),
    }
}
