//! Parsing Zarr metadata documents as JSON, with the non-finite floats Python writes.
//!
//! zarr-python (2 and 3) writes attributes with Python's `json.dumps`, which spells a
//! NaN or infinite float as the bare tokens `NaN`, `Infinity` and `-Infinity`: not JSON,
//! so serde_json refuses the whole document. Outside string literals those capitalised
//! words can be nothing else (JSON's own words are `true`, `false` and `null`), so they
//! are rewritten as the strings `"NaN"`, `"Infinity"` and `"-Infinity"` before parsing,
//! the spelling tessera's attributes (and Zarr's fill values) use for them. The rewrite
//! is one linear pass that copies only when such a token occurs.
//!
//! Writing, tessera spells a non-finite float attribute as zarr-python does, with the
//! bare token (xarray and zarr-python then read a float, where the string "NaN" would
//! read as a string). serde_json cannot hold such a float, so a document to write holds
//! it as a marked string, [`MARK`] and the token ("\u{0}NaN"), and [`unmark`] turns the
//! serialized marks into bare tokens as the file is written. A genuine string opening
//! with [`MARK`] is written with the mark doubled ([`escape_marks`]) and undoubled by
//! [`unmark`], so no user string ever becomes a token. [`parse_marked`] reads a document
//! the same way, for rewriting one (consolidated metadata) without losing its tokens.

use std::borrow::Cow;
use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Result};

/// The non-finite tokens, longest first where one is a prefix of another.
const TOKENS: [&[u8]; 3] = [b"-Infinity", b"Infinity", b"NaN"];

/// The character opening a marked non-finite float in a document to write.
pub(in crate::store::zarr) const MARK: char = '\u{0}';

/// How [`MARK`] is spelled in serialized JSON (serde_json escapes control characters
/// as `\u00XX`).
const MARK_ESCAPED: &[u8] = b"\\u0000";

/// Parses a metadata document, accepting Python's bare non-finite float tokens.
pub(in crate::store::zarr) fn parse_json(file: &Path, bytes: &[u8]) -> Result<Value> {
    serde_json::from_slice(&quote_non_finite(bytes))
        .map_err(|e| Error::format(file, format!("invalid JSON: {e}")))
}

/// Parses a metadata document as [`parse_json`] does, with the names of its float
/// attributes with a non-finite token (see [`float_token_attributes`]); a document
/// without tokens is scanned once.
pub(in crate::store::zarr) fn parse_with_floats(
    file: &Path,
    bytes: &[u8],
    member: Option<&str>,
) -> Result<(Value, Vec<String>)> {
    let quoted = quote_non_finite(bytes);
    let doc = serde_json::from_slice(&quoted)
        .map_err(|e| Error::format(file, format!("invalid JSON: {e}")))?;
    let floats = match quoted {
        Cow::Borrowed(_) => Vec::new(),
        Cow::Owned(_) => float_token_attributes(file, bytes, member)?,
    };
    Ok((doc, floats))
}

/// Parses a metadata document to rewrite: its bare tokens become marked strings and
/// its strings opening with [`MARK`] get the mark doubled, so that [`unmark`] writes
/// it back as it was.
pub(in crate::store::zarr) fn parse_marked(file: &Path, bytes: &[u8]) -> Result<Value> {
    serde_json::from_slice(&rewrite(bytes, Rewrite::Mark))
        .map_err(|e| Error::format(file, format!("invalid JSON: {e}")))
}

/// The names of the attributes in a metadata document (`member`: the object holding
/// them, `None` for a `.zattrs` that is that object) that are floats, or regular
/// arrays of them, with a bare non-finite token among them ([`parse_with_floats`]
/// asks only for documents that have a token).
pub(in crate::store::zarr) fn float_token_attributes(
    file: &Path,
    bytes: &[u8],
    member: Option<&str>,
) -> Result<Vec<String>> {
    let doc = parse_marked(file, bytes)?;
    let attributes = match member {
        Some(member) => doc.get(member),
        None => Some(&doc),
    };
    let Some(Value::Object(attributes)) = attributes else {
        return Ok(Vec::new());
    };
    let is_mark = |v: &Value| {
        v.as_str()
            .and_then(|s| s.strip_prefix(MARK))
            .is_some_and(|token| TOKENS.iter().any(|t| t == &token.as_bytes()))
    };
    Ok(attributes
        .iter()
        .filter(|(_, value)| {
            crate::store::attrs::flatten(value).is_some_and(|(leaves, _)| {
                leaves.iter().any(|v| is_mark(v))
                    && leaves.iter().all(|v| v.is_number() || is_mark(v))
            })
        })
        .map(|(name, _)| name.clone())
        .collect())
}

/// A non-finite float as the marked string [`unmark`] writes as a bare token; a finite
/// one as a number.
pub(in crate::store::zarr) fn marked_float(v: f64) -> Value {
    match serde_json::Number::from_f64(v) {
        Some(n) => Value::Number(n),
        None if v.is_nan() => Value::from(format!("{MARK}NaN")),
        None if v > 0.0 => Value::from(format!("{MARK}Infinity")),
        None => Value::from(format!("{MARK}-Infinity")),
    }
}

/// `value` with every string (and object key) opening with [`MARK`] given a second
/// one, which [`unmark`] takes away again.
pub(in crate::store::zarr) fn escape_marks(value: Value) -> Value {
    let escape = |s: String| {
        if s.starts_with(MARK) {
            format!("{MARK}{s}")
        } else {
            s
        }
    };
    match value {
        Value::String(s) => Value::String(escape(s)),
        Value::Array(items) => Value::Array(items.into_iter().map(escape_marks).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (escape(k), escape_marks(v)))
                .collect(),
        ),
        other => other,
    }
}

/// Serialized JSON with every marked string written as its bare token and every
/// doubled mark undoubled; borrowed when there is neither.
pub(in crate::store::zarr) fn unmark(bytes: &[u8]) -> Cow<'_, [u8]> {
    if !bytes.windows(MARK_ESCAPED.len()).any(|w| w == MARK_ESCAPED) {
        return Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if byte == b'"' {
            let rest = &bytes[i + 1..];
            if let Some(token) = marked_token(rest) {
                out.extend_from_slice(token);
                i += 1 + MARK_ESCAPED.len() + token.len() + 1;
                continue;
            }
            let end = i + 1 + string_len(rest);
            let body = &bytes[i + 1..end];
            out.push(b'"');
            let doubled = body.starts_with(MARK_ESCAPED)
                && body[MARK_ESCAPED.len()..].starts_with(MARK_ESCAPED);
            out.extend_from_slice(if doubled {
                &body[MARK_ESCAPED.len()..]
            } else {
                body
            });
            i = end;
            continue;
        }
        out.push(byte);
        i += 1;
    }
    Cow::Owned(out)
}

/// The token of a marked string whose body (after its opening quote) is `rest`.
fn marked_token(rest: &[u8]) -> Option<&'static [u8]> {
    let body = rest.strip_prefix(MARK_ESCAPED)?;
    TOKENS.into_iter().find(|token| {
        body.strip_prefix(*token)
            .is_some_and(|r| r.first() == Some(&b'"'))
    })
}

/// The length of a string literal's body and closing quote, given what follows its
/// opening quote (all of it when the literal is not closed).
fn string_len(rest: &[u8]) -> usize {
    let mut escaped = false;
    for (at, byte) in rest.iter().enumerate() {
        match (escaped, byte) {
            (true, _) => escaped = false,
            (false, b'\\') => escaped = true,
            (false, b'"') => return at + 1,
            _ => {}
        }
    }
    rest.len()
}

/// What [`rewrite`] does with a bare token.
#[derive(Clone, Copy, PartialEq)]
enum Rewrite {
    /// Quotes it: `"NaN"`.
    Quote,
    /// Marks it, and doubles the mark opening a string.
    Mark,
}

/// `bytes` with every bare `NaN`, `Infinity` and `-Infinity` outside string literals
/// quoted; borrowed when there is none.
pub(super) fn quote_non_finite(bytes: &[u8]) -> Cow<'_, [u8]> {
    rewrite(bytes, Rewrite::Quote)
}

fn rewrite(bytes: &[u8], how: Rewrite) -> Cow<'_, [u8]> {
    let mut out: Option<Vec<u8>> = None;
    let mut in_string = false;
    let mut escaped = false;
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else if byte == b'"' {
            in_string = true;
            if how == Rewrite::Mark && bytes[i + 1..].starts_with(MARK_ESCAPED) {
                let copy = out.get_or_insert_with(|| bytes[..i].to_vec());
                copy.push(b'"');
                copy.extend_from_slice(MARK_ESCAPED);
                i += 1;
                continue;
            }
        } else if let Some(token) = token_at(bytes, i) {
            let copy = out.get_or_insert_with(|| bytes[..i].to_vec());
            copy.push(b'"');
            if how == Rewrite::Mark {
                copy.extend_from_slice(MARK_ESCAPED);
            }
            copy.extend_from_slice(token);
            copy.push(b'"');
            i += token.len();
            continue;
        }
        if let Some(copy) = out.as_mut() {
            copy.push(byte);
        }
        i += 1;
    }
    match out {
        Some(copy) => Cow::Owned(copy),
        None => Cow::Borrowed(bytes),
    }
}

/// The non-finite token starting at `at`, if one does (a whole word: not followed by a
/// letter or digit).
fn token_at(bytes: &[u8], at: usize) -> Option<&'static [u8]> {
    let rest = &bytes[at..];
    TOKENS.into_iter().find(|token| {
        rest.starts_with(token)
            && rest
                .get(token.len())
                .is_none_or(|next| !next.is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests;
