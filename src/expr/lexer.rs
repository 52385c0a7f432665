//! Lexer: splits the source into tokens with byte spans. Keywords (`and`, `or`, `not`,
//! `True`, `False`, `None`) come out as names; the parser gives them their meaning.
//! Strings are quoted with `'` or `"`, on one line, without escapes.

use super::ast::Span;
use super::error::ParseError;

/// What a token is.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    Int(i128),
    Float(f64),
    Name(String),
    /// A quoted string (`'reflect'`, `"ij,jk->ik"`), quotes removed.
    Str(String),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Colon,
    Dot,
    Ellipsis,
    Assign,
    Plus,
    Minus,
    Star,
    StarStar,
    Slash,
    SlashSlash,
    Percent,
    At,
    Lt,
    Le,
    Gt,
    Ge,
    EqEq,
    Ne,
    Amp,
    Pipe,
    Caret,
    Tilde,
    Eof,
}

/// A token and the bytes of the source it covers.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Token {
    pub kind: Tok,
    pub span: Span,
}

/// Punctuation, longest first so that `**` wins over `*`.
const PUNCTUATION: &[(&str, Tok)] = &[
    ("...", Tok::Ellipsis),
    ("**", Tok::StarStar),
    ("//", Tok::SlashSlash),
    ("<=", Tok::Le),
    (">=", Tok::Ge),
    ("==", Tok::EqEq),
    ("!=", Tok::Ne),
    ("(", Tok::LParen),
    (")", Tok::RParen),
    ("[", Tok::LBracket),
    ("]", Tok::RBracket),
    (",", Tok::Comma),
    (":", Tok::Colon),
    (".", Tok::Dot),
    ("=", Tok::Assign),
    ("+", Tok::Plus),
    ("-", Tok::Minus),
    ("*", Tok::Star),
    ("/", Tok::Slash),
    ("%", Tok::Percent),
    ("@", Tok::At),
    ("<", Tok::Lt),
    (">", Tok::Gt),
    ("&", Tok::Amp),
    ("|", Tok::Pipe),
    ("^", Tok::Caret),
    ("~", Tok::Tilde),
];

/// Splits `source` into tokens, ending with one `Eof` token at `source.len()`.
pub(crate) fn tokenize(source: &str) -> Result<Vec<Token>, ParseError> {
    let mut lexer = Lexer {
        src: source,
        pos: 0,
    };
    let mut tokens = Vec::new();
    loop {
        let token = lexer.next_token()?;
        let done = token.kind == Tok::Eof;
        tokens.push(token);
        if done {
            return Ok(tokens);
        }
    }
}

pub(crate) fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

pub(crate) fn is_ident_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

struct Lexer<'a> {
    src: &'a str,
    /// Byte offset of the next character; always on a char boundary.
    pos: usize,
}

impl Lexer<'_> {
    fn rest(&self) -> &str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek_second(&self) -> Option<char> {
        self.rest().chars().nth(1)
    }

    fn bump(&mut self) {
        if let Some(c) = self.peek() {
            self.pos += c.len_utf8();
        }
    }

    fn bump_while(&mut self, pred: impl Fn(char) -> bool) {
        while self.peek().is_some_and(&pred) {
            self.bump();
        }
    }

    fn error(&self, start: usize, message: String) -> ParseError {
        ParseError::new(self.src, Span::new(start, self.pos), message)
    }

    fn next_token(&mut self) -> Result<Token, ParseError> {
        self.bump_while(char::is_whitespace);
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Ok(self.token(Tok::Eof, start));
        };
        if c.is_ascii_digit()
            || (c == '.' && self.peek_second().is_some_and(|d| d.is_ascii_digit()))
        {
            return self.number(start);
        }
        if is_ident_start(c) {
            self.bump_while(is_ident_continue);
            let name = self.src.get(start..self.pos).unwrap_or("").to_string();
            return Ok(self.token(Tok::Name(name), start));
        }
        if c == '\'' || c == '"' {
            return self.string(start, c);
        }
        for (text, kind) in PUNCTUATION {
            if self.rest().starts_with(text) {
                self.pos += text.len();
                return Ok(self.token(kind.clone(), start));
            }
        }
        self.bump();
        Err(self.error(start, unexpected_character(c)))
    }

    fn token(&self, kind: Tok, start: usize) -> Token {
        Token {
            kind,
            span: Span::new(start, self.pos),
        }
    }

    /// A string literal between matching `'` or `"` quotes, on one line, without escapes.
    fn string(&mut self, start: usize, quote: char) -> Result<Token, ParseError> {
        self.bump();
        let body_start = self.pos;
        self.bump_while(|c| c != quote && c != '\n');
        if self.peek() != Some(quote) {
            return Err(self.error(
                start,
                format!("unterminated string: missing closing {quote}"),
            ));
        }
        let body = self.src.get(body_start..self.pos).unwrap_or("").to_string();
        self.bump();
        Ok(self.token(Tok::Str(body), start))
    }

    /// A number literal: digits with `_` separators, an optional fraction and exponent.
    /// Letters or digits running on after it make the whole run a bad literal.
    fn number(&mut self, start: usize) -> Result<Token, ParseError> {
        let is_digit_or_sep = |c: char| c.is_ascii_digit() || c == '_';
        self.bump_while(is_digit_or_sep);
        let mut is_float = false;
        if self.peek() == Some('.') {
            is_float = true;
            self.bump();
            self.bump_while(is_digit_or_sep);
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            is_float = true;
            self.bump();
            if matches!(self.peek(), Some('+' | '-')) {
                self.bump();
            }
            self.bump_while(is_digit_or_sep);
        }
        let clean_end = self.pos;
        self.bump_while(is_ident_continue);
        let text = self.src.get(start..self.pos).unwrap_or("");
        let value = if self.pos != clean_end {
            Err(run_on_reason(text))
        } else {
            number_value(text, is_float)
        };
        match value {
            Ok(kind) => Ok(self.token(kind, start)),
            Err(reason) => Err(self.error(start, format!("bad number literal '{text}': {reason}"))),
        }
    }
}

fn unexpected_character(c: char) -> String {
    let hint = match c {
        '!' => " (did you mean '!=' or '~'?)",
        _ => "",
    };
    format!("unexpected character '{}'{hint}", c.escape_debug())
}

/// Why a number followed directly by letters or digits is wrong.
fn run_on_reason(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    if ["0x", "0o", "0b"].iter().any(|p| lower.starts_with(p)) {
        "hexadecimal, octal and binary literals are not supported".to_string()
    } else if lower.ends_with('j') {
        "complex numbers are not supported".to_string()
    } else {
        "a number cannot run into letters; put an operator or a space between them".to_string()
    }
}

/// The value of a literal made only of digits, `_`, `.`, `e`/`E` and an exponent sign.
fn number_value(text: &str, is_float: bool) -> Result<Tok, String> {
    check_separators(text)?;
    let digits: String = text.chars().filter(|&c| c != '_').collect();
    if is_float {
        float_value(&digits)
    } else {
        int_value(&digits)
    }
}

/// `_` may only sit between two digits.
fn check_separators(text: &str) -> Result<(), String> {
    let runs = text.split(|c: char| !(c.is_ascii_digit() || c == '_'));
    for run in runs.filter(|r| !r.is_empty()) {
        if run.starts_with('_') || run.ends_with('_') || run.contains("__") {
            return Err("'_' must sit between two digits".to_string());
        }
    }
    Ok(())
}

fn int_value(digits: &str) -> Result<Tok, String> {
    if digits.len() > 1 && digits.starts_with('0') && digits.bytes().any(|b| b != b'0') {
        return Err("leading zeros are not allowed in integers".to_string());
    }
    digits
        .parse::<i128>()
        .map(Tok::Int)
        .map_err(|_| "too large for a 128-bit integer".to_string())
}

fn float_value(digits: &str) -> Result<Tok, String> {
    let exponent = digits.split_once(['e', 'E']).map(|(_, exponent)| exponent);
    if exponent.is_some_and(|e| e.trim_start_matches(['+', '-']).is_empty()) {
        return Err("missing digits in the exponent".to_string());
    }
    match digits.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(Tok::Float(value)),
        Ok(_) => Err("too large for a 64-bit float".to_string()),
        Err(_) => Err("not a valid number".to_string()),
    }
}
