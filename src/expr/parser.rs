//! Pratt parser from tokens to [`Expr`], with Python's precedence and associativity.
//!
//! Lowest to highest: `or` < `and` < `not` < comparisons (not chainable) < `|` < `^` < `&` <
//! `+ -` < `* / // % @` < unary `- + ~` < `**` (right-associative; its right operand may
//! start with a unary operator) < call, index, attribute. Trees and recursion are both
//! kept within [`MAX_DEPTH`] levels, so hostile input cannot overflow the stack.

use super::ast::{BinaryOp, Expr, IndexItem, Span, UnaryOp, prec};
use super::error::ParseError;
use super::lexer::{Tok, Token, tokenize};

/// Deepest nesting accepted, both of the tree and of the parser's recursion.
pub const MAX_DEPTH: usize = 200;

/// Parses one expression of the `tessera eval` language.
///
/// `&`/`and` both give [`BinaryOp::And`] and `|`/`or` give [`BinaryOp::Or`]: on arrays
/// they are element-wise logic. The words only bind looser, as in Python, so that
/// `a < 0 or a > 1` needs no parentheses.
pub fn parse(source: &str) -> Result<Expr, ParseError> {
    let tokens = tokenize(source)?;
    let mut parser = Parser {
        source,
        tokens,
        pos: 0,
        depth: 0,
    };
    parser.whole()
}

type PResult<T> = Result<T, ParseError>;

/// An expression with the height of its tree (a leaf has height 1).
struct Node {
    expr: Expr,
    height: usize,
}

/// One argument of a call.
enum Arg {
    Positional(Node),
    Keyword {
        name: String,
        span: Span,
        value: Node,
    },
}

/// The arguments of a call, sorted, and the height of the tallest.
struct Arguments {
    args: Vec<Expr>,
    kwargs: Vec<(String, Expr)>,
    height: usize,
}

struct Parser<'a> {
    source: &'a str,
    /// Never empty: the lexer always ends the list with `Eof`.
    tokens: Vec<Token>,
    pos: usize,
    /// Current recursion depth of `expr`.
    depth: usize,
}

impl Parser<'_> {
    // ----- token access -----

    fn peek(&self) -> &Token {
        let last = self.tokens.len() - 1; // invariant: tokens ends with Eof, so is not empty
        &self.tokens[self.pos.min(last)]
    }

    fn peek_kind(&self) -> &Tok {
        &self.peek().kind
    }

    fn peek_second_kind(&self) -> &Tok {
        let last = self.tokens.len() - 1; // invariant: tokens ends with Eof, so is not empty
        &self.tokens[(self.pos + 1).min(last)].kind
    }

    fn at(&self, kind: &Tok) -> bool {
        self.peek_kind() == kind
    }

    fn at_name(&self, word: &str) -> bool {
        matches!(self.peek_kind(), Tok::Name(n) if n == word)
    }

    fn bump(&mut self) -> Token {
        let token = self.peek().clone();
        if token.kind != Tok::Eof {
            self.pos += 1;
        }
        token
    }

    fn eat(&mut self, kind: &Tok) -> Option<Token> {
        self.at(kind).then(|| self.bump())
    }

    /// End of the last token consumed.
    fn prev_end(&self) -> usize {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .map_or(0, |t| t.span.end)
    }

    fn text(&self, span: Span) -> &str {
        self.source.get(span.start..span.end).unwrap_or("")
    }

    /// `'x'` for a token, or `end of input`.
    fn describe(&self, token: &Token) -> String {
        match token.kind {
            Tok::Eof => "end of input".to_string(),
            _ => format!("'{}'", self.text(token.span)),
        }
    }

    fn error(&self, span: Span, message: impl Into<String>) -> ParseError {
        ParseError::new(self.source, span, message)
    }

    fn too_deep(&self, span: Span) -> ParseError {
        self.error(
            span,
            format!("expression is nested too deeply (more than {MAX_DEPTH} levels)"),
        )
    }

    /// A new node over children whose tallest is `child_height` high.
    fn node(&self, expr: Expr, child_height: usize) -> PResult<Node> {
        let height = child_height + 1;
        if height > MAX_DEPTH {
            return Err(self.too_deep(expr.span()));
        }
        Ok(Node { expr, height })
    }

    // ----- whole input -----

    fn whole(&mut self) -> PResult<Expr> {
        if self.at(&Tok::Eof) {
            return Err(self.error(Span::new(0, self.source.len()), "empty expression"));
        }
        let node = self.expr(0)?;
        self.expect_end()?;
        Ok(node.expr)
    }

    fn expect_end(&self) -> PResult<()> {
        let token = self.peek();
        let text = self.text(token.span);
        let message = match token.kind {
            Tok::Eof => return Ok(()),
            Tok::RParen => "unexpected ')' with no matching '('".to_string(),
            Tok::RBracket => "unexpected ']' with no matching '['".to_string(),
            Tok::Comma => "unexpected ','; a tuple needs parentheses: '(a, b)'".to_string(),
            Tok::Assign => "unexpected '='; did you mean '=='?".to_string(),
            _ => format!("unexpected '{text}'; expected an operator or the end of the expression"),
        };
        Err(self.error(token.span, message))
    }

    // ----- operators -----

    /// Parses an expression whose operators all bind at least as tightly as `min_bp`.
    fn expr(&mut self, min_bp: u8) -> PResult<Node> {
        self.depth += 1;
        let result = if self.depth > MAX_DEPTH {
            Err(self.too_deep(self.peek().span))
        } else {
            self.expr_inner(min_bp)
        };
        self.depth -= 1;
        result
    }

    fn expr_inner(&mut self, min_bp: u8) -> PResult<Node> {
        let mut lhs = self.prefix(min_bp)?;
        let mut last_comparison = false;
        while let Some((op, bp)) = self.infix_op() {
            if bp < min_bp {
                break;
            }
            let op_token = self.bump();
            if op.is_comparison() && last_comparison {
                return Err(self.chained_comparison(op_token.span));
            }
            let rhs_bp = match op {
                BinaryOp::Pow => prec::UNARY,
                _ => bp + 1,
            };
            let rhs = self.operand(rhs_bp)?;
            let span = lhs.expr.span().to(rhs.expr.span());
            let height = lhs.height.max(rhs.height);
            let expr = Expr::Binary {
                op,
                lhs: Box::new(lhs.expr),
                rhs: Box::new(rhs.expr),
                span,
            };
            lhs = self.node(expr, height)?;
            last_comparison = op.is_comparison();
        }
        Ok(lhs)
    }

    fn chained_comparison(&self, span: Span) -> ParseError {
        self.error(
            span,
            "comparisons cannot be chained on arrays; combine them with '&', e.g. '(a < b) & (b < c)'",
        )
    }

    /// The binary operator at the cursor and its binding power, if any.
    fn infix_op(&self) -> Option<(BinaryOp, u8)> {
        use BinaryOp::*;
        let op = match self.peek_kind() {
            Tok::Name(word) if word == "or" => return Some((Or, prec::OR_WORD)),
            Tok::Name(word) if word == "and" => return Some((And, prec::AND_WORD)),
            Tok::Plus => Add,
            Tok::Minus => Sub,
            Tok::Star => Mul,
            Tok::Slash => Div,
            Tok::SlashSlash => FloorDiv,
            Tok::Percent => Mod,
            Tok::StarStar => Pow,
            Tok::At => MatMul,
            Tok::Lt => Lt,
            Tok::Le => Le,
            Tok::Gt => Gt,
            Tok::Ge => Ge,
            Tok::EqEq => Eq,
            Tok::Ne => Ne,
            Tok::Amp => And,
            Tok::Pipe => Or,
            Tok::Caret => Xor,
            _ => return None,
        };
        Some((op, op.precedence()))
    }

    /// The operand of the operator just consumed.
    fn operand(&mut self, min_bp: u8) -> PResult<Node> {
        self.expr(min_bp)
    }

    fn prefix(&mut self, min_bp: u8) -> PResult<Node> {
        let op = match self.peek_kind() {
            Tok::Minus => UnaryOp::Neg,
            Tok::Plus => UnaryOp::Pos,
            Tok::Tilde => UnaryOp::Not,
            Tok::Name(word) if word == "not" => return self.not_word(min_bp),
            _ => {
                let atom = self.atom()?;
                return self.postfix(atom);
            }
        };
        let op_token = self.bump();
        let operand = self.operand(prec::UNARY)?;
        self.unary(op, op_token.span, operand)
    }

    fn unary(&self, op: UnaryOp, op_span: Span, operand: Node) -> PResult<Node> {
        let span = op_span.to(operand.expr.span());
        let height = operand.height;
        let expr = Expr::Unary {
            op,
            operand: Box::new(operand.expr),
            span,
        };
        self.node(expr, height)
    }

    /// `not x`, which binds looser than comparisons and so may not follow a tighter
    /// operator (`a + not b` is an error, as in Python).
    fn not_word(&mut self, min_bp: u8) -> PResult<Node> {
        let op_token = self.bump();
        if min_bp > prec::NOT_WORD {
            return Err(self.error(
                op_token.span,
                "'not' cannot follow this operator without parentheses; write '(not ...)' or use '~'",
            ));
        }
        let operand = self.operand(prec::NOT_WORD)?;
        self.unary(UnaryOp::Not, op_token.span, operand)
    }

    // ----- atoms -----

    fn atom(&mut self) -> PResult<Node> {
        let token = self.peek().clone();
        let expr = match &token.kind {
            Tok::Int(value) => Expr::Int {
                value: *value,
                span: token.span,
            },
            Tok::Float(value) => Expr::Float {
                value: *value,
                span: token.span,
            },
            Tok::Str(value) => Expr::Str {
                value: value.clone(),
                span: token.span,
            },
            Tok::Name(name) => self.name_atom(name, token.span)?,
            Tok::LParen => return self.paren(),
            Tok::LBracket => return self.list(),
            Tok::Ellipsis => {
                return Err(self.error(
                    token.span,
                    "'...' is only allowed inside index brackets: 'a[..., 0]'",
                ));
            }
            _ => return Err(self.missing_expression()),
        };
        self.bump();
        self.node(expr, 0)
    }

    fn name_atom(&self, name: &str, span: Span) -> PResult<Expr> {
        match name {
            "True" | "False" => Ok(Expr::Bool {
                value: name == "True",
                span,
            }),
            "and" | "or" => Err(self.missing_expression()),
            _ => Ok(Expr::Name {
                name: name.to_string(),
                span,
            }),
        }
    }

    /// `expected an expression after '<previous token>'`, at the token under the cursor.
    fn missing_expression(&self) -> ParseError {
        let token = self.peek();
        let mut message = match self.pos.checked_sub(1).and_then(|i| self.tokens.get(i)) {
            Some(prev) => format!("expected an expression after '{}'", self.text(prev.span)),
            None => "expected an expression".to_string(),
        };
        if token.kind != Tok::Eof || self.pos == 0 {
            message.push_str(&format!(", found {}", self.describe(token)));
        }
        self.error(token.span, message)
    }

    /// `( )`, `(x)`, `(x,)`, `(x, y, ...)`.
    fn paren(&mut self) -> PResult<Node> {
        let open = self.bump();
        let mut items = Vec::new();
        let mut saw_comma = false;
        let close = self.delimited(
            &open,
            &Tok::RParen,
            |p| {
                items.push(p.expr(0)?);
                Ok(())
            },
            &mut saw_comma,
        )?;
        let span = open.span.to(close);
        if items.len() == 1 && !saw_comma {
            let mut inner = items.remove(0); // invariant: len is 1
            inner.expr.set_span(span);
            return Ok(inner);
        }
        let height = max_height(&items);
        let items = items.into_iter().map(|n| n.expr).collect();
        self.node(Expr::Tuple { items, span }, height)
    }

    /// `[x, y, ...]`.
    fn list(&mut self) -> PResult<Node> {
        let open = self.bump();
        let mut items = Vec::new();
        let close = self.delimited(
            &open,
            &Tok::RBracket,
            |p| {
                items.push(p.expr(0)?);
                Ok(())
            },
            &mut false,
        )?;
        let height = max_height(&items);
        let items = items.into_iter().map(|n| n.expr).collect();
        self.node(
            Expr::List {
                items,
                span: open.span.to(close),
            },
            height,
        )
    }

    /// Parses `item, item, ... ,? close` after `open` was consumed, calling `item` for each
    /// item. Returns the span of the closing token; sets `saw_comma` if a comma was read.
    fn delimited(
        &mut self,
        open: &Token,
        close: &Tok,
        mut item: impl FnMut(&mut Self) -> PResult<()>,
        saw_comma: &mut bool,
    ) -> PResult<Span> {
        loop {
            if let Some(token) = self.eat(close) {
                return Ok(token.span);
            }
            if self.at(&Tok::Eof) {
                return Err(self.unclosed(open, close, false));
            }
            item(self)?;
            if self.eat(&Tok::Comma).is_some() {
                *saw_comma = true;
            } else if !self.at(close) {
                return Err(self.unclosed(open, close, true));
            }
        }
    }

    /// `expected ')' to close '(' opened at column 5`, plus what was found instead.
    fn unclosed(&self, open: &Token, close: &Tok, comma_allowed: bool) -> ParseError {
        let closer = if *close == Tok::RParen { ")" } else { "]" };
        let opener = self.text(open.span);
        let column = open.span.column_in(self.source);
        let token = self.peek();
        let expected = if comma_allowed && token.kind != Tok::Eof {
            format!("',' or '{closer}'")
        } else {
            format!("'{closer}'")
        };
        let mut message =
            format!("expected {expected} to close '{opener}' opened at column {column}");
        if token.kind != Tok::Eof {
            message.push_str(&format!(", found {}", self.describe(token)));
        }
        if token.kind == Tok::Assign {
            message.push_str(" ('=' only names keyword arguments of calls; did you mean '=='?)");
        }
        self.error(token.span, message)
    }

    // ----- postfix: call, index, attribute -----

    fn postfix(&mut self, mut target: Node) -> PResult<Node> {
        loop {
            target = match self.peek_kind() {
                Tok::LParen => self.call(target)?,
                Tok::LBracket => self.index(target)?,
                Tok::Dot => self.attr(target)?,
                _ => return Ok(target),
            };
        }
    }

    fn attr(&mut self, target: Node) -> PResult<Node> {
        self.bump();
        let token = self.peek().clone();
        let name = match &token.kind {
            Tok::Name(name) if !is_keyword(name) => name.clone(),
            _ => {
                let message = format!(
                    "expected an attribute name after '.', found {}",
                    self.describe(&token)
                );
                return Err(self.error(token.span, message));
            }
        };
        self.bump();
        let span = target.expr.span().to(token.span);
        let expr = Expr::Attr {
            target: Box::new(target.expr),
            name,
            span,
        };
        self.node(expr, target.height)
    }

    fn call(&mut self, target: Node) -> PResult<Node> {
        let open = self.peek().clone();
        // `(a - b).mean()`: a method of any expression is the function with the
        // expression first, `mean(a - b)`.
        let (func, receiver) = match (dotted_name(&target.expr), &target.expr) {
            (Some(func), _) => (func, None),
            (
                None,
                Expr::Attr {
                    target: object,
                    name,
                    ..
                },
            ) => (name.clone(), Some((**object).clone())),
            (None, _) => {
                let message = format!(
                    "'{}' is not a function name; only named functions such as 'sum' or 'random.normal', and methods such as '(a - b).mean', can be called",
                    self.text(target.expr.span())
                );
                return Err(self.error(open.span, message));
            }
        };
        self.bump();
        let mut raw = Vec::new();
        let close = self.delimited(
            &open,
            &Tok::RParen,
            |p| {
                raw.push(p.argument()?);
                Ok(())
            },
            &mut false,
        )?;
        let Arguments {
            mut args,
            kwargs,
            height,
        } = self.sort_arguments(raw)?;
        if let Some(object) = receiver {
            args.insert(0, object);
        }
        let span = target.expr.span().to(close);
        self.node(
            Expr::Call {
                func,
                args,
                kwargs,
                span,
            },
            height,
        )
    }

    /// `name=value` or a positional expression.
    fn argument(&mut self) -> PResult<Arg> {
        let is_keyword_arg = matches!(self.peek_kind(), Tok::Name(n) if !is_keyword(n))
            && *self.peek_second_kind() == Tok::Assign;
        if !is_keyword_arg {
            return Ok(Arg::Positional(self.expr(0)?));
        }
        let name_token = self.bump();
        self.bump();
        let name = self.text(name_token.span).to_string();
        let value = self.expr(0)?;
        Ok(Arg::Keyword {
            name,
            span: name_token.span,
            value,
        })
    }

    /// Splits arguments into positional and keyword ones, refusing a positional argument
    /// after a keyword one and a repeated keyword.
    fn sort_arguments(&self, raw: Vec<Arg>) -> PResult<Arguments> {
        let mut args = Vec::new();
        let mut kwargs: Vec<(String, Expr)> = Vec::new();
        let mut height = 0;
        for arg in raw {
            match arg {
                Arg::Positional(node) if !kwargs.is_empty() => {
                    let message = "positional argument follows keyword argument";
                    return Err(self.error(node.expr.span(), message));
                }
                Arg::Positional(node) => {
                    height = height.max(node.height);
                    args.push(node.expr);
                }
                Arg::Keyword { name, span, .. } if kwargs.iter().any(|(k, _)| *k == name) => {
                    return Err(self.error(span, format!("duplicate keyword argument '{name}'")));
                }
                Arg::Keyword { name, value, .. } => {
                    height = height.max(value.height);
                    kwargs.push((name, value.expr));
                }
            }
        }
        Ok(Arguments {
            args,
            kwargs,
            height,
        })
    }

    fn index(&mut self, target: Node) -> PResult<Node> {
        let open = self.bump();
        if let Some(close) = self.eat(&Tok::RBracket) {
            return Err(self.error(
                open.span.to(close.span),
                "empty index: put an index between '[' and ']'",
            ));
        }
        let mut items = Vec::new();
        let close = self.delimited(
            &open,
            &Tok::RBracket,
            |p| {
                items.push(p.index_item()?);
                Ok(())
            },
            &mut false,
        )?;
        self.check_one_ellipsis(&items)?;
        let height = items
            .iter()
            .map(|(_, h)| *h)
            .max()
            .unwrap_or(0)
            .max(target.height);
        let items = items.into_iter().map(|(item, _)| item).collect();
        let span = target.expr.span().to(close);
        let expr = Expr::Index {
            target: Box::new(target.expr),
            items,
            span,
        };
        self.node(expr, height)
    }

    fn check_one_ellipsis(&self, items: &[(IndexItem, usize)]) -> PResult<()> {
        let mut ellipses = items
            .iter()
            .filter(|(item, _)| matches!(item, IndexItem::Ellipsis(_)));
        match (ellipses.next(), ellipses.next()) {
            (Some(_), Some((second, _))) => Err(self.error(
                second.span(),
                "an index can only have a single ellipsis ('...')",
            )),
            _ => Ok(()),
        }
    }

    /// One index item and the height it adds: `None`, `...`, an expression or a slice.
    fn index_item(&mut self) -> PResult<(IndexItem, usize)> {
        let alone = matches!(
            self.peek_second_kind(),
            Tok::Comma | Tok::RBracket | Tok::Eof
        );
        if self.at_name("None") && alone {
            return Ok((IndexItem::NewAxis(self.bump().span), 1));
        }
        if let Some(token) = self.eat(&Tok::Ellipsis) {
            return Ok((IndexItem::Ellipsis(token.span), 1));
        }
        let first_start = self.peek().span.start;
        let start = self.slice_bound()?;
        if self.eat(&Tok::Colon).is_none() {
            return match start {
                Some(node) => Ok((IndexItem::Expr(node.expr), node.height)),
                None => Err(self.missing_expression()),
            };
        }
        let stop = self.slice_bound()?;
        let step = match self.eat(&Tok::Colon) {
            Some(_) => self.slice_bound()?,
            None => None,
        };
        let height = [&start, &stop, &step]
            .iter()
            .filter_map(|n| n.as_ref().map(|n| n.height))
            .max()
            .unwrap_or(0);
        let span = Span::new(first_start, self.prev_end());
        let item = IndexItem::Slice {
            start: start.map(|n| n.expr),
            stop: stop.map(|n| n.expr),
            step: step.map(|n| n.expr),
            span,
        };
        Ok((item, height + 1))
    }

    /// Whether the token after the cursor ends an index item or a slice part.
    fn at_slice_end_after_next(&self) -> bool {
        matches!(
            self.peek_second_kind(),
            Tok::Colon | Tok::Comma | Tok::RBracket | Tok::Eof
        )
    }

    /// An optional slice bound; absent before `:`, `,` and `]`, or written `None`.
    fn slice_bound(&mut self) -> PResult<Option<Node>> {
        if matches!(
            self.peek_kind(),
            Tok::Colon | Tok::Comma | Tok::RBracket | Tok::Eof
        ) {
            return Ok(None);
        }
        if self.at_name("None") && self.at_slice_end_after_next() {
            self.bump();
            return Ok(None);
        }
        self.expr(0).map(Some)
    }
}

fn max_height(nodes: &[Node]) -> usize {
    nodes.iter().map(|n| n.height).max().unwrap_or(0)
}

/// Words with a meaning of their own, which cannot name arrays, attributes or keywords.
fn is_keyword(word: &str) -> bool {
    matches!(word, "and" | "or" | "not" | "True" | "False" | "None")
}

/// `name` or `name.name...` as one dotted string; `None` for anything else.
fn dotted_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Name { name, .. } => Some(name.clone()),
        Expr::Attr { target, name, .. } => dotted_name(target).map(|t| format!("{t}.{name}")),
        _ => None,
    }
}
