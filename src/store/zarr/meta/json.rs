//! Parsing Zarr metadata documents as JSON, with the non-finite floats Python writes.
//!
//! zarr-python (2 and 3) writes attributes with Python's `json.dumps`, which spells a
//! NaN or infinite float as the bare tokens `NaN`, `Infinity` and `-Infinity`: not JSON,
//! so serde_json refuses the whole document. Outside string literals those capitalised
//! words can be nothing else (JSON's own words are `true`, `false` and `null`), so they
//! are rewritten as the strings `"NaN"`, `"Infinity"` and `"-Infinity"` before parsing,
//! the spelling tessera's attributes (and Zarr's fill values) use for them. The rewrite
//! is one linear pass that copies only when such a token occurs.

use std::borrow::Cow;
use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Result};

/// The non-finite tokens, longest first where one is a prefix of another.
const TOKENS: [&[u8]; 3] = [b"-Infinity", b"Infinity", b"NaN"];

/// Parses a metadata document, accepting Python's bare non-finite float tokens.
pub(in crate::store::zarr) fn parse_json(file: &Path, bytes: &[u8]) -> Result<Value> {
    serde_json::from_slice(&quote_non_finite(bytes))
        .map_err(|e| Error::format(file, format!("invalid JSON: {e}")))
}

/// `bytes` with every bare `NaN`, `Infinity` and `-Infinity` outside string literals
/// quoted; borrowed when there is none.
pub(super) fn quote_non_finite(bytes: &[u8]) -> Cow<'_, [u8]> {
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
        } else if let Some(token) = token_at(bytes, i) {
            let copy = out.get_or_insert_with(|| bytes[..i].to_vec());
            copy.push(b'"');
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
