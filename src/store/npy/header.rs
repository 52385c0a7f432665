//! The .npy header: its preamble, the Python dict literal that describes the array
//! (parsed by a small bounded parser, never evaluated), and the header tessera writes.

use super::*;

// ----- header -----------------------------------------------------------------------

/// Reads and parses the header at the start of `file`.
pub(super) fn read_header(file: &File, file_len: u64, path: &Path) -> Result<Header> {
    let mut preamble = [0u8; 12];
    let pre_len = file_len.min(12) as usize;
    read_at(file, &mut preamble[..pre_len], 0, path)?;
    let (header_start, header_len) = parse_preamble(&preamble[..pre_len], path)?;
    if header_len > MAX_HEADER_BYTES {
        return Err(Error::format(
            path,
            format!(
                "the .npy header claims {header_len} bytes, more than the {MAX_HEADER_BYTES} accepted"
            ),
        ));
    }
    if header_start + header_len > file_len {
        return Err(Error::format(path, "the .npy header is truncated"));
    }
    let mut text = vec![0u8; header_len as usize];
    read_at(file, &mut text, header_start, path)?;
    let text = String::from_utf8(text)
        .map_err(|_| Error::format(path, "the .npy header is not valid text"))?;
    parse_dict(&text, header_start + header_len, path)
}

/// Checks the magic and version in the first (up to 12) bytes of a file; returns where
/// the header text starts and its length.
pub(super) fn parse_preamble(bytes: &[u8], path: &Path) -> Result<(u64, u64)> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(Error::format(
            path,
            "not a .npy file: the magic string \\x93NUMPY is missing",
        ));
    }
    let truncated = || Error::format(path, "the .npy header is truncated");
    if bytes.len() < 10 {
        return Err(truncated());
    }
    match bytes[6] {
        1 => Ok((10, u16::from_le_bytes([bytes[8], bytes[9]]) as u64)),
        2 | 3 if bytes.len() >= 12 => Ok((
            12,
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as u64,
        )),
        2 | 3 => Err(truncated()),
        major => Err(Error::format(
            path,
            format!(
                "unsupported .npy format version {major}.{}: tessera reads 1.0, 2.0 and 3.0",
                bytes[7]
            ),
        )),
    }
}

/// Interprets the header dictionary.
pub(super) fn parse_dict(text: &str, data_offset: u64, path: &Path) -> Result<Header> {
    // Reasons quote header text, which may be long: keep them to one short line.
    let bad = |reason: String| {
        Error::format(
            path,
            format!("bad .npy header: {}", crate::text::shorten(&reason, 200)),
        )
    };
    let value = PyParser::new(text).parse_all().map_err(&bad)?;
    let PyValue::Dict(entries) = value else {
        return Err(bad("it is not a dictionary".to_string()));
    };
    let get = |key: &str| {
        entries
            .iter()
            .find(|(k, _)| matches!(k, PyValue::Str(s) if s == key))
            .map(|(_, v)| v)
            .ok_or_else(|| bad(format!("the key '{key}' is missing")))
    };
    let (dtype, endian) = parse_descr(get("descr")?, path)?;
    let fortran_order = match get("fortran_order")? {
        PyValue::Bool(b) => *b,
        other => return Err(bad(format!("fortran_order is {other}, not True or False"))),
    };
    let shape = match get("shape")? {
        PyValue::Seq(items) => items
            .iter()
            .map(|v| match v {
                PyValue::Int(n) => Ok(*n),
                other => Err(bad(format!("the shape holds {other}, not an integer"))),
            })
            .collect::<Result<Vec<u64>>>()?,
        other => return Err(bad(format!("the shape is {other}, not a tuple"))),
    };
    Ok(Header {
        dtype,
        endian,
        fortran_order,
        shape,
        data_offset,
    })
}

pub(super) fn parse_descr(descr: &PyValue, path: &Path) -> Result<(DType, Endian)> {
    let unsupported = |dtype: String| Error::UnsupportedDtype {
        path: path.to_path_buf(),
        dtype,
    };
    match descr {
        PyValue::Str(s) => DType::from_numpy_str(s)
            .ok_or_else(|| unsupported(crate::text::shorten(&format!("'{s}'"), 60))),
        PyValue::Seq(_) => Err(unsupported(crate::text::shorten(
            &format!("structured {descr}"),
            100,
        ))),
        other => Err(Error::format(
            path,
            crate::text::shorten(
                &format!("bad .npy header: descr is {other}, not a type string"),
                200,
            ),
        )),
    }
}

/// The Python literals a .npy header uses.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum PyValue {
    Str(String),
    Int(u64),
    Bool(bool),
    None,
    /// A tuple or a list.
    Seq(Vec<PyValue>),
    Dict(Vec<(PyValue, PyValue)>),
}

impl std::fmt::Display for PyValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PyValue::Str(s) => write!(f, "'{s}'"),
            PyValue::Int(n) => write!(f, "{n}"),
            PyValue::Bool(b) => f.write_str(if *b { "True" } else { "False" }),
            PyValue::None => f.write_str("None"),
            PyValue::Seq(items) => {
                let parts: Vec<String> = items.iter().map(|v| v.to_string()).collect();
                write!(f, "[{}]", parts.join(", "))
            }
            PyValue::Dict(_) => f.write_str("a dictionary"),
        }
    }
}

/// A recursive-descent parser for the Python literal subset of .npy headers.
pub(super) struct PyParser<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    depth: usize,
}

/// Nesting deeper than this is refused (headers nest two or three levels).
pub(super) const MAX_DEPTH: usize = 32;

impl<'a> PyParser<'a> {
    fn new(text: &'a str) -> PyParser<'a> {
        PyParser {
            chars: text.chars().peekable(),
            depth: 0,
        }
    }

    /// One value followed by nothing but whitespace.
    fn parse_all(mut self) -> std::result::Result<PyValue, String> {
        let value = self.value()?;
        self.skip_ws();
        match self.chars.next() {
            None => Ok(value),
            Some(c) => Err(format!("unexpected '{c}' after the dictionary")),
        }
    }

    fn skip_ws(&mut self) {
        while self.chars.next_if(|c| c.is_whitespace()).is_some() {}
    }

    fn value(&mut self) -> std::result::Result<PyValue, String> {
        self.skip_ws();
        match self.chars.peek().copied() {
            None => Err("it ends early".to_string()),
            Some('{') => self.nested(|p| p.dict()),
            Some(open @ ('(' | '[')) => {
                let close = if open == '(' { ')' } else { ']' };
                self.nested(|p| p.seq(close))
            }
            Some(quote @ ('\'' | '"')) => self.string(quote),
            Some(c) if c.is_ascii_digit() => self.int(),
            Some(c) if c.is_ascii_alphabetic() => self.word(),
            Some(c) => Err(format!("unexpected '{c}'")),
        }
    }

    fn nested(
        &mut self,
        inner: impl FnOnce(&mut Self) -> std::result::Result<PyValue, String>,
    ) -> std::result::Result<PyValue, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("it nests too deeply".to_string());
        }
        self.chars.next();
        let value = inner(self);
        self.depth -= 1;
        value
    }

    /// Items up to `close`, separated by commas, a trailing comma allowed.
    fn items(
        &mut self,
        close: char,
        mut item: impl FnMut(&mut Self) -> std::result::Result<(), String>,
    ) -> std::result::Result<(), String> {
        loop {
            self.skip_ws();
            if self.chars.next_if_eq(&close).is_some() {
                return Ok(());
            }
            item(self)?;
            self.skip_ws();
            if self.chars.next_if_eq(&',').is_none() {
                self.skip_ws();
                return match self.chars.next() {
                    Some(c) if c == close => Ok(()),
                    Some(c) => Err(format!("expected ',' or '{close}', found '{c}'")),
                    None => Err("it ends early".to_string()),
                };
            }
        }
    }

    fn seq(&mut self, close: char) -> std::result::Result<PyValue, String> {
        let mut items = Vec::new();
        self.items(close, |p| {
            items.push(p.value()?);
            Ok(())
        })?;
        Ok(PyValue::Seq(items))
    }

    fn dict(&mut self) -> std::result::Result<PyValue, String> {
        let mut entries = Vec::new();
        self.items('}', |p| {
            let key = p.value()?;
            p.skip_ws();
            if p.chars.next_if_eq(&':').is_none() {
                return Err(format!("expected ':' after the key {key}"));
            }
            entries.push((key, p.value()?));
            Ok(())
        })?;
        Ok(PyValue::Dict(entries))
    }

    fn string(&mut self, quote: char) -> std::result::Result<PyValue, String> {
        self.chars.next();
        let mut text = String::new();
        loop {
            match self.chars.next() {
                None => return Err("a string is not closed".to_string()),
                Some(c) if c == quote => return Ok(PyValue::Str(text)),
                Some('\\') => match self.chars.next() {
                    Some(c) => text.push(c),
                    None => return Err("a string is not closed".to_string()),
                },
                Some(c) => text.push(c),
            }
        }
    }

    fn int(&mut self) -> std::result::Result<PyValue, String> {
        let mut n: u64 = 0;
        while let Some(d) = self.chars.peek().and_then(|c| c.to_digit(10)) {
            self.chars.next();
            n = n
                .checked_mul(10)
                .and_then(|n| n.checked_add(d as u64))
                .ok_or_else(|| "an integer is too large".to_string())?;
        }
        // Python 2 wrote long integers as `3L`.
        self.chars.next_if(|c| *c == 'L' || *c == 'l');
        Ok(PyValue::Int(n))
    }

    fn word(&mut self) -> std::result::Result<PyValue, String> {
        let mut word = String::new();
        while let Some(c) = self
            .chars
            .next_if(|c| c.is_ascii_alphanumeric() || *c == '_')
        {
            word.push(c);
        }
        match word.as_str() {
            "True" => Ok(PyValue::Bool(true)),
            "False" => Ok(PyValue::Bool(false)),
            "None" => Ok(PyValue::None),
            _ => Err(format!("unexpected word '{word}'")),
        }
    }
}

/// The complete header (magic, version, length, padded dictionary) of a little-endian
/// C-order file; version 1.0 unless the dictionary needs more than 65535 bytes.
pub(super) fn encode_header(dtype: DType, shape: &[u64]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|n| n.to_string()).collect();
    let shape_text = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let dict = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {shape_text}, }}",
        dtype.numpy_str(Endian::Little)
    );
    // numpy pads so that the data starts on a multiple of 64 bytes.
    let padded = |prefix: usize| {
        let unpadded = prefix + dict.len() + 1;
        let total = unpadded.div_ceil(64) * 64;
        let mut text = dict.clone().into_bytes();
        text.resize(total - prefix - 1, b' ');
        text.push(b'\n');
        text
    };
    let text = padded(10);
    let mut out = Vec::with_capacity(text.len() + 12);
    out.extend_from_slice(MAGIC);
    if let Ok(len) = u16::try_from(text.len()) {
        out.extend_from_slice(&[1, 0]);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&text);
    } else {
        let text = padded(12);
        out.extend_from_slice(&[2, 0]);
        out.extend_from_slice(&(text.len() as u32).to_le_bytes());
        out.extend_from_slice(&text);
    }
    out
}
