//! Syntax tree of the `tessera eval` expression language: spans, operators, nodes.
//!
//! The tree records what the user wrote, not what it means: names are not resolved and
//! calls are not checked against any list of functions. Every node carries the byte span
//! of the source text it came from, so later stages can point at it in their errors.

/// A byte range `start..end` of the source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// Byte offset of the first byte of the node's text.
    pub start: usize,
    /// Byte offset just past the node's text (exclusive); equals `start` for an empty span.
    pub end: usize,
}

impl Span {
    /// The span `start..end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// 1-based column of `start`, counted in bytes. A span holds no source text, so this
    /// equals the character column only for ASCII sources; use [`Span::column_in`] (or
    /// `ParseError::column`) to count characters.
    pub fn column(&self) -> usize {
        self.start + 1
    }

    /// 1-based column of `start` in `source`, counted in characters.
    pub fn column_in(&self, source: &str) -> usize {
        char_count_before(source, self.start) + 1
    }

    /// Number of characters the span covers in `source` (0 for an empty span).
    pub fn char_len_in(&self, source: &str) -> usize {
        char_count_before(source, self.end).saturating_sub(char_count_before(source, self.start))
    }

    /// The smallest span covering both `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// Number of characters of `source` that start before byte offset `offset`.
fn char_count_before(source: &str, offset: usize) -> usize {
    source
        .char_indices()
        .take_while(|(i, _)| *i < offset)
        .count()
}

/// A prefix operator.
///
/// Non-exhaustive: the language follows Python's operators and may gain more.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnaryOp {
    /// `-a`
    Neg,
    /// `+a`
    Pos,
    /// `~a` or `not a`: element-wise logical (or bitwise, for integers) not.
    Not,
}

/// An infix operator, as written; lowering maps it to numpy's function of the same
/// meaning.
///
/// Non-exhaustive: the language follows Python's operators and may gain more (`^`, shifts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BinaryOp {
    /// `a + b`.
    Add,
    /// `a - b`.
    Sub,
    /// `a * b`.
    Mul,
    /// `a / b`: true division (integers give float64).
    Div,
    /// `a // b`: floor division, rounding toward negative infinity.
    FloorDiv,
    /// `a % b`: remainder with the sign of `b`, as Python's and numpy's `%`.
    Mod,
    /// `a ** b`: binds tighter than unary minus on its left (`-a ** 2` is `-(a ** 2)`).
    Pow,
    /// `a @ b`: matrix product (numpy's `matmul`).
    MatMul,
    /// `a < b`.
    Lt,
    /// `a <= b`.
    Le,
    /// `a > b`.
    Gt,
    /// `a >= b`.
    Ge,
    /// `a == b`: element-wise equality, giving a bool array.
    Eq,
    /// `a != b`: element-wise inequality, giving a bool array.
    Ne,
    /// `&` or `and`: element-wise and. The two spellings give the same node; they differ
    /// only in precedence (`and` binds looser than comparisons, `&` tighter).
    And,
    /// `|` or `or`: element-wise or, with the same two spellings as [`BinaryOp::And`].
    Or,
    /// `^`: element-wise exclusive or (numpy's `logical_xor`, consistent with `&` and
    /// `|`), between `|` and `&` in precedence as in Python.
    Xor,
}

/// Precedence levels, lowest to highest, as in Python. Shared by the parser and the
/// printer so that both agree on where parentheses are needed.
pub(crate) mod prec {
    pub(crate) const OR_WORD: u8 = 1;
    pub(crate) const AND_WORD: u8 = 2;
    pub(crate) const NOT_WORD: u8 = 3;
    pub(crate) const COMPARE: u8 = 4;
    pub(crate) const BIT_OR: u8 = 5;
    pub(crate) const BIT_XOR: u8 = 6;
    pub(crate) const BIT_AND: u8 = 7;
    pub(crate) const ADD: u8 = 8;
    pub(crate) const MUL: u8 = 9;
    pub(crate) const UNARY: u8 = 10;
    pub(crate) const POW: u8 = 11;
    pub(crate) const POSTFIX: u8 = 12;
}

impl BinaryOp {
    /// The operator as the printer writes it (`&` and `|` for And and Or).
    pub fn symbol(self) -> &'static str {
        use BinaryOp::*;
        match self {
            Add => "+",
            Sub => "-",
            Mul => "*",
            Div => "/",
            FloorDiv => "//",
            Mod => "%",
            Pow => "**",
            MatMul => "@",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            Eq => "==",
            Ne => "!=",
            And => "&",
            Or => "|",
            Xor => "^",
        }
    }

    /// Whether this is one of the six comparisons (which may not be chained).
    pub fn is_comparison(self) -> bool {
        use BinaryOp::*;
        matches!(self, Lt | Le | Gt | Ge | Eq | Ne)
    }

    /// Precedence of the symbolic spelling (`&`, `|` for And and Or).
    pub(crate) fn precedence(self) -> u8 {
        use BinaryOp::*;
        match self {
            Or => prec::BIT_OR,
            Xor => prec::BIT_XOR,
            And => prec::BIT_AND,
            Add | Sub => prec::ADD,
            Mul | Div | FloorDiv | Mod | MatMul => prec::MUL,
            Pow => prec::POW,
            Lt | Le | Gt | Ge | Eq | Ne => prec::COMPARE,
        }
    }
}

/// An expression node. Every variant carries the span of its source text; a
/// parenthesized expression's span includes the parentheses.
///
/// Non-exhaustive: new syntax (conditional expressions, for one) adds variants, so a
/// match outside tessera needs a `_` arm.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Expr {
    /// An integer literal (`42`, `1_000`, up to 128 bits: Python's integers are
    /// unbounded). Literals are never negative: `-1` is `Unary`.
    Int {
        /// The literal's value.
        value: i128,
        /// Where the literal is in the source.
        span: Span,
    },
    /// A float literal (`1.5`, `.5`, `1.`, `1e-3`), always finite.
    Float {
        /// The literal's value.
        value: f64,
        /// Where the literal is in the source.
        span: Span,
    },
    /// `True` or `False`.
    Bool {
        /// `true` for `True`.
        value: bool,
        /// Where the literal is in the source.
        span: Span,
    },
    /// A quoted string (`'reflect'`), quotes removed.
    Str {
        /// The text between the quotes (the language has no escapes).
        value: String,
        /// Where the literal is in the source.
        span: Span,
    },
    /// An identifier: an array, a constant (`nan`, `inf`) or a dtype (`float32`).
    Name {
        /// The identifier as written, unresolved.
        name: String,
        /// Where the identifier is in the source.
        span: Span,
    },
    /// A prefix operator applied to an operand (`-a`, `not m`).
    Unary {
        /// The operator.
        op: UnaryOp,
        /// What it applies to.
        operand: Box<Expr>,
        /// From the operator to the end of the operand.
        span: Span,
    },
    /// An infix operator between two operands (`a + b`, `x < 0`).
    Binary {
        /// The operator.
        op: BinaryOp,
        /// The left operand.
        lhs: Box<Expr>,
        /// The right operand.
        rhs: Box<Expr>,
        /// From the start of `lhs` to the end of `rhs`.
        span: Span,
    },
    /// `func(args..., name=value...)`; `func` may be dotted (`random.normal`).
    Call {
        /// The function's name, dots included; not checked against the registry here.
        func: String,
        /// Positional arguments in order.
        args: Vec<Expr>,
        /// Keyword arguments in the order written, each with its name.
        kwargs: Vec<(String, Expr)>,
        /// From the function's name to the closing parenthesis.
        span: Span,
    },
    /// `target[items...]`, at least one item.
    Index {
        /// The indexed expression.
        target: Box<Expr>,
        /// The comma-separated items between the brackets.
        items: Vec<IndexItem>,
        /// From the start of `target` to the closing bracket.
        span: Span,
    },
    /// `target.name` (`a.T`, `a.shape`).
    Attr {
        /// The expression before the dot.
        target: Box<Expr>,
        /// The attribute after the dot.
        name: String,
        /// From the start of `target` to the end of `name`.
        span: Span,
    },
    /// `()`, `(a,)`, `(a, b)`.
    Tuple {
        /// The elements. `(a)` is `a` itself, so a one-element tuple is written `(a,)`.
        items: Vec<Expr>,
        /// From the opening to the closing parenthesis.
        span: Span,
    },
    /// `[]`, `[a, b]`.
    List {
        /// The elements.
        items: Vec<Expr>,
        /// From the opening to the closing bracket.
        span: Span,
    },
}

/// One item between the brackets of an index.
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)] // a few per index, parsed once: boxing buys nothing
pub enum IndexItem {
    /// `a[3]`, `a[i]`, `a[[0, 2]]`.
    Expr(Expr),
    /// `a[start:stop:step]`, each part optional (`None` as a bound means omitted).
    Slice {
        /// The first index, or `None` for the start of the axis.
        start: Option<Expr>,
        /// The index to stop before, or `None` for the end of the axis.
        stop: Option<Expr>,
        /// The stride, or `None` for 1.
        step: Option<Expr>,
        /// From the first bound (or colon) to the last.
        span: Span,
    },
    /// `None`: a new axis of length 1.
    NewAxis(Span),
    /// `...`: as many full slices as needed.
    Ellipsis(Span),
}

impl Expr {
    /// The span of the source text this node came from.
    pub fn span(&self) -> Span {
        match self {
            Expr::Int { span, .. }
            | Expr::Float { span, .. }
            | Expr::Bool { span, .. }
            | Expr::Str { span, .. }
            | Expr::Name { span, .. }
            | Expr::Unary { span, .. }
            | Expr::Binary { span, .. }
            | Expr::Call { span, .. }
            | Expr::Index { span, .. }
            | Expr::Attr { span, .. }
            | Expr::Tuple { span, .. }
            | Expr::List { span, .. } => *span,
        }
    }

    /// Replaces the span of this node (not of its children).
    pub(crate) fn set_span(&mut self, new: Span) {
        match self {
            Expr::Int { span, .. }
            | Expr::Float { span, .. }
            | Expr::Bool { span, .. }
            | Expr::Str { span, .. }
            | Expr::Name { span, .. }
            | Expr::Unary { span, .. }
            | Expr::Binary { span, .. }
            | Expr::Call { span, .. }
            | Expr::Index { span, .. }
            | Expr::Attr { span, .. }
            | Expr::Tuple { span, .. }
            | Expr::List { span, .. } => *span = new,
        }
    }

    /// Precedence level of the node as printed: the loosest operator at its top.
    pub(crate) fn precedence(&self) -> u8 {
        match self {
            Expr::Unary { .. } => prec::UNARY,
            Expr::Binary { op, .. } => op.precedence(),
            _ => prec::POSTFIX,
        }
    }
}

impl IndexItem {
    /// The span of the item's source text.
    pub fn span(&self) -> Span {
        match self {
            IndexItem::Expr(e) => e.span(),
            IndexItem::Slice { span, .. }
            | IndexItem::NewAxis(span)
            | IndexItem::Ellipsis(span) => *span,
        }
    }
}
