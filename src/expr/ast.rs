//! Syntax tree of the `tessera eval` expression language: spans, operators, nodes.
//!
//! The tree records what the user wrote, not what it means: names are not resolved and
//! calls are not checked against any list of functions. Every node carries the byte span
//! of the source text it came from, so later stages can point at it in their errors.

/// A byte range `start..end` of the source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-a`
    Neg,
    /// `+a`
    Pos,
    /// `~a` or `not a`: element-wise logical (or bitwise, for integers) not.
    Not,
}

/// An infix operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
    MatMul,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    /// `&` or `and`: element-wise and. The two spellings give the same node; they differ
    /// only in precedence (`and` binds looser than comparisons, `&` tighter).
    And,
    /// `|` or `or`: element-wise or, with the same two spellings as [`BinaryOp::And`].
    Or,
}

/// Precedence levels, lowest to highest, as in Python. Shared by the parser and the
/// printer so that both agree on where parentheses are needed.
pub(crate) mod prec {
    pub(crate) const OR_WORD: u8 = 1;
    pub(crate) const AND_WORD: u8 = 2;
    pub(crate) const NOT_WORD: u8 = 3;
    pub(crate) const COMPARE: u8 = 4;
    pub(crate) const BIT_OR: u8 = 5;
    pub(crate) const BIT_AND: u8 = 6;
    pub(crate) const ADD: u8 = 7;
    pub(crate) const MUL: u8 = 8;
    pub(crate) const UNARY: u8 = 9;
    pub(crate) const POW: u8 = 10;
    pub(crate) const POSTFIX: u8 = 11;
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
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// An integer literal (`42`, `1_000`). Literals are never negative: `-1` is `Unary`.
    Int { value: i64, span: Span },
    /// A float literal (`1.5`, `.5`, `1.`, `1e-3`), always finite.
    Float { value: f64, span: Span },
    /// `True` or `False`.
    Bool { value: bool, span: Span },
    /// A quoted string (`'reflect'`), quotes removed.
    Str { value: String, span: Span },
    /// An identifier: an array, a constant (`nan`, `inf`) or a dtype (`float32`).
    Name { name: String, span: Span },
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
        span: Span,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
        span: Span,
    },
    /// `func(args..., name=value...)`; `func` may be dotted (`random.normal`).
    Call {
        func: String,
        args: Vec<Expr>,
        kwargs: Vec<(String, Expr)>,
        span: Span,
    },
    /// `target[items...]`, at least one item.
    Index {
        target: Box<Expr>,
        items: Vec<IndexItem>,
        span: Span,
    },
    /// `target.name` (`a.T`, `a.shape`).
    Attr {
        target: Box<Expr>,
        name: String,
        span: Span,
    },
    /// `()`, `(a,)`, `(a, b)`.
    Tuple { items: Vec<Expr>, span: Span },
    /// `[]`, `[a, b]`.
    List { items: Vec<Expr>, span: Span },
}

/// One item between the brackets of an index.
#[derive(Clone, Debug, PartialEq)]
pub enum IndexItem {
    /// `a[3]`, `a[i]`, `a[[0, 2]]`.
    Expr(Expr),
    /// `a[start:stop:step]`, each part optional (`None` as a bound means omitted).
    Slice {
        start: Option<Expr>,
        stop: Option<Expr>,
        step: Option<Expr>,
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
