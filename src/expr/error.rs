//! The error of the expression parser: a message, the span it is about and the source,
//! shown as one line for the CLI or as a caret drawing for library users.

use std::fmt::{self, Display, Formatter};

use super::ast::Span;
use crate::text::shorten;

/// Why an expression does not parse, and where.
#[derive(Clone, Debug, PartialEq)]
pub struct ParseError {
    /// What is wrong, without the location (`expected an expression after '*'`).
    pub message: String,
    /// Byte span of the offending text; empty at the end of the input.
    pub span: Span,
    /// The whole expression, so that `Display` can quote it.
    pub source: String,
}

impl ParseError {
    pub(crate) fn new(source: &str, span: Span, message: impl Into<String>) -> Self {
        ParseError {
            message: message.into(),
            span,
            source: source.to_string(),
        }
    }

    /// 1-based column of the error, counted in characters.
    pub fn column(&self) -> usize {
        self.span.column_in(&self.source)
    }

    /// Two lines: `source` (tabs and line breaks shown as spaces), then `^` under the span.
    pub fn caret(&self, source: &str) -> String {
        let line: String = source
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let pad = " ".repeat(self.span.column_in(source) - 1);
        let marks = "^".repeat(self.span.char_len_in(source).max(1));
        format!("{line}\n{pad}{marks}")
    }
}

impl Display for ParseError {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&one_line(&self.source, self.span, &self.message))
    }
}

/// Characters of the expression quoted around an error.
pub(super) const EXCERPT_CHARS: usize = 80;

/// Characters of a message kept (messages can quote the user's words, such as a name).
pub(super) const MESSAGE_CHARS: usize = 160;

/// The one-line form of an error at `span` of `source`: the column, the message
/// (shortened to [`MESSAGE_CHARS`]) and the expression, or for a long one an excerpt of
/// at most [`EXCERPT_CHARS`] characters around the column with `...` where it is cut.
/// A long expression is never echoed whole; control characters show as spaces and
/// characters that would print as long escapes as `?`, so the line stays short.
pub(super) fn one_line(source: &str, span: Span, message: &str) -> String {
    format!(
        "bad expression at column {}: {} in {}",
        span.column_in(source),
        printable(&shorten(message, MESSAGE_CHARS)),
        quoted(&excerpt(source, span))
    )
}

/// [`one_line`] with a fixed `listing` of what is available after the message (the
/// listing is tessera's own text, so it is not shortened; the user's words are).
pub(super) fn one_line_listing(source: &str, span: Span, message: &str, listing: &str) -> String {
    format!(
        "bad expression at column {}: {}; available: {listing} in {}",
        span.column_in(source),
        printable(&shorten(message, MESSAGE_CHARS)),
        quoted(&excerpt(source, span))
    )
}

/// `text` with control characters (line breaks, NUL, ...) as spaces.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// `text` in double quotes, escaped as Rust's `{:?}` does for `"` and `\`; characters
/// whose escape is longer (`\u{202e}`) show as `?`.
fn quoted(text: &str) -> String {
    let mut out = String::from('"');
    for c in text.chars() {
        let escaped = c.escape_debug();
        if c == '\'' {
            out.push(c); // as `{:?}` of a string: single quotes stay as they are
        } else if escaped.len() > 2 {
            out.push('?');
        } else {
            out.extend(escaped);
        }
    }
    out.push('"');
    out
}

/// `source` when it is short; else 80 characters of it (`EXCERPT_CHARS`) around the start
/// of `span`, with `...` on each side that is cut. Control characters show as spaces.
pub fn excerpt(source: &str, span: Span) -> String {
    let chars: Vec<char> = printable(source).chars().collect();
    if chars.len() <= EXCERPT_CHARS {
        return chars.into_iter().collect();
    }
    let at = span.column_in(source).saturating_sub(1).min(chars.len());
    let room = EXCERPT_CHARS - 6; // two "..." marks
    let start = at.saturating_sub(room / 2).min(chars.len() - room);
    let end = start + room;
    let mut out = String::new();
    if start > 0 {
        out.push_str("...");
    }
    out.extend(&chars[start..end]);
    if end < chars.len() {
        out.push_str("...");
    }
    out
}

impl std::error::Error for ParseError {}

impl From<ParseError> for crate::error::Error {
    fn from(err: ParseError) -> Self {
        crate::error::Error::Invalid(err.to_string())
    }
}
