//! The error of the expression parser: a message, the span it is about and the source,
//! shown as one line for the CLI or as a caret drawing for library users.

use std::fmt::{self, Display, Formatter};

use super::ast::Span;

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
        write!(
            f,
            "bad expression at column {}: {} in {:?}",
            self.column(),
            self.message,
            self.source
        )
    }
}

impl std::error::Error for ParseError {}

impl From<ParseError> for crate::error::Error {
    fn from(err: ParseError) -> Self {
        crate::error::Error::Invalid(err.to_string())
    }
}
