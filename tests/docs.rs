//! `docs/dask.md` names only what exists.
//!
//! Every code span in a table's "tessera library" column is read for Rust names: calls
//! (`sum_axis(0)`, `compute_vec::<T>(&ctx)`, `x.outer(&y)`), paths (`tessera::stack`,
//! `create::zeros`, `Context::builder`, `ReduceOp::ArgMin/ArgMax`,
//! `Boundary::{None, Reflect}`) and bare function names (`ones`). Each must be in the
//! public API, looked up in the crate's sources:
//!
//! - a function or method `name` appears as `pub fn name` in a non-test file of `src/`
//!   (outside the CLI), or is made by a macro invocation in a file that generates
//!   `pub fn $name`s;
//! - `tessera::X` is re-exported by `src/lib.rs` or is one of its public modules, and a
//!   hidden (`#[doc(hidden)]`) module only if dask.md says so ([`HIDDEN_BUT_NAMED`]);
//! - `Type::method` needs `Type` re-exported at the crate root and `pub fn method`;
//!   `Type::Variant` needs the variant in `pub enum Type`.
//!
//! Every function called in a "`tessera eval`" column must be in the expression
//! language's registry (`tessera::expr::lookup`). A failure lists every missing name with
//! its table row.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Hidden public modules that docs/dask.md names anyway, with the reason in its text:
/// the creation functions have no home in the documented API yet.
const HIDDEN_BUT_NAMED: &[&str] = &["create"];

/// Methods of standard traits (`Axes::from(0)`): implemented, never written `pub fn`.
const TRAIT_METHODS: &[&str] = &["from", "into", "default", "clone"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

// ----- the crate's public names ------------------------------------------------------

/// What the crate's sources make public.
struct Api {
    /// Names of `pub fn`s (and macro-made ones) outside tests and the CLI.
    functions: BTreeSet<String>,
    /// Names the crate root re-exports (`pub use`), each with the module it comes from
    /// (`ReduceOp` → `kernels::reduce`).
    reexports: BTreeMap<String, String>,
    /// The crate root's public modules, with whether each is `#[doc(hidden)]`.
    modules: Vec<(String, bool)>,
    /// Every non-test library source file and its text.
    files: Vec<(PathBuf, String)>,
}

impl Api {
    fn load() -> Api {
        let paths = common::library_sources();
        let files: Vec<(PathBuf, String)> = paths
            .into_iter()
            .map(|p| {
                let text = std::fs::read_to_string(&p).unwrap();
                let text = strip_test_module(&text).to_string();
                (p, text)
            })
            .collect();
        let mut functions = BTreeSet::new();
        for (_, text) in &files {
            functions.extend(pub_fns(text));
        }
        let lib = std::fs::read_to_string(root().join("src/lib.rs")).unwrap();
        Api {
            functions,
            reexports: reexports(&lib),
            modules: pub_modules(&lib),
            files,
        }
    }

    fn module(&self, name: &str) -> Option<bool> {
        self.modules
            .iter()
            .find(|(m, _)| m == name)
            .map(|(_, hidden)| *hidden)
    }

    /// The files of module `path` (`create`, `kernels::reduce`): `src/path.rs` and
    /// `src/path/**`.
    fn module_files(&self, path: &str) -> impl Iterator<Item = &str> {
        let path = path.replace("::", "/");
        let file = root().join("src").join(format!("{path}.rs"));
        let dir = root().join("src").join(path);
        self.files
            .iter()
            .filter(move |(p, _)| *p == file || p.starts_with(&dir))
            .map(|(_, t)| t.as_str())
    }

    /// Variants of the `pub enum name` that the crate root re-exports, if it is one.
    fn variants(&self, name: &str) -> Option<BTreeSet<String>> {
        let needle = format!("pub enum {name}");
        let module = self.reexports.get(name)?;
        self.module_files(module).find_map(|text| {
            let at = find_word(text, &needle)?;
            let open = at + text[at..].find('{')?;
            Some(enum_variants(&text[open + 1..]))
        })
    }
}

/// `text` up to an inline `#[cfg(test)] mod tests { ... }`.
fn strip_test_module(text: &str) -> &str {
    match text.find("#[cfg(test)]\nmod tests {") {
        Some(at) => &text[..at],
        None => text,
    }
}

/// Position of `word` in `text` where it is not followed by an identifier character.
fn find_word(text: &str, word: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find(word) {
        let at = from + i;
        let end = at + word.len();
        if !text[end..].starts_with(is_ident_char) {
            return Some(at);
        }
        from = end;
    }
    None
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn ident_at(text: &str) -> &str {
    let end = text.find(|c| !is_ident_char(c)).unwrap_or(text.len());
    &text[..end]
}

/// Names of `pub fn`s in `text`, plus, where `text` generates `pub fn $name`s with a
/// macro, every identifier in the invocations of the macros it defines.
fn pub_fns(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for marker in ["pub fn ", "pub const fn ", "pub unsafe fn "] {
        for (at, _) in text.match_indices(marker) {
            let name = ident_at(&text[at + marker.len()..]);
            if !name.is_empty() {
                names.insert(name.to_string());
            }
        }
    }
    if text.contains("pub fn $") {
        for (at, _) in text.match_indices("macro_rules! ") {
            let name = ident_at(&text[at + "macro_rules! ".len()..]);
            let call = format!("\n{name}! {{");
            for (start, _) in text.match_indices(&call) {
                let body = &text[start + call.len()..];
                let end = body.find("\n}").unwrap_or(body.len());
                names.extend(identifiers(&body[..end]));
            }
        }
    }
    names
}

fn identifiers(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !is_ident_char(c))
        .filter(|w| w.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'))
        .map(str::to_string)
}

/// The name of every item of every `pub use` in `lib` (`as` renames included), with the
/// module path it is used from. The prelude's `crate::{..}` adds nothing new.
fn reexports(lib: &str) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for (at, _) in lib.match_indices("pub use ") {
        let statement = &lib[at + "pub use ".len()..];
        let statement = &statement[..statement.find(';').unwrap()];
        let (module, items) = match statement.find('{') {
            Some(open) => (
                statement[..open].trim_end_matches("::"),
                &statement[open + 1..statement.rfind('}').unwrap()],
            ),
            None => match statement.rfind("::") {
                Some(k) => (&statement[..k], &statement[k + 2..]),
                None => ("", statement),
            },
        };
        for item in items.split(',') {
            let item = item.trim();
            let (path, name) = match item.rsplit_once(' ') {
                Some((path, alias)) => (path.trim_end_matches(" as"), alias),
                None => (item, item.rsplit("::").next().unwrap()),
            };
            let module = match path.rsplit_once("::") {
                Some((inner, _)) => format!("{module}::{inner}"),
                None => module.to_string(),
            };
            if !name.is_empty() {
                names.entry(name.to_string()).or_insert(module);
            }
        }
    }
    names
}

/// The `pub mod`s of `lib`, each with whether a `#[doc(hidden)]` line precedes it.
fn pub_modules(lib: &str) -> Vec<(String, bool)> {
    let lines: Vec<&str> = lib.lines().collect();
    lines
        .iter()
        .enumerate()
        .filter_map(|(i, line)| {
            let name = line.trim().strip_prefix("pub mod ")?;
            let name = ident_at(name).to_string();
            let hidden = i > 0 && lines[i - 1].trim() == "#[doc(hidden)]";
            Some((name, hidden))
        })
        .collect()
}

/// Variant names of the enum whose body starts at `body` (just past its `{`).
fn enum_variants(body: &str) -> BTreeSet<String> {
    let mut variants = BTreeSet::new();
    let mut depth = 0usize;
    let mut expect_variant = true;
    for line in body.lines() {
        let line = line.trim();
        if line.starts_with("//") || line.starts_with("#[") {
            continue;
        }
        let mut rest = line;
        while let Some(c) = rest.chars().next() {
            if is_ident_char(c) {
                let word = ident_at(rest);
                if depth == 0 && expect_variant {
                    variants.insert(word.to_string());
                    expect_variant = false;
                }
                rest = &rest[word.len()..];
                continue;
            }
            match c {
                '{' | '(' => depth += 1,
                ')' => depth -= 1,
                '}' if depth == 0 => return variants,
                '}' => depth -= 1,
                ',' if depth == 0 => expect_variant = true,
                _ => {}
            }
            rest = &rest[c.len_utf8()..];
        }
    }
    variants
}

// ----- docs/dask.md ------------------------------------------------------------------

/// A code span of a table cell, with where it came from.
struct Span {
    row: String,
    code: String,
}

/// The code spans of the column whose header contains `header`, in every table.
fn column_spans(markdown: &str, header: &str) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut column = None;
    let mut previous_was_table = false;
    for line in markdown.lines() {
        let line = line.trim();
        if !line.starts_with('|') {
            previous_was_table = false;
            column = None;
            continue;
        }
        let cells = split_row(line);
        if !previous_was_table {
            column = cells.iter().position(|c| c.contains(header));
        } else if let Some(col) = column
            && !line.starts_with("|---")
        {
            let row = cells.first().cloned().unwrap_or_default();
            for code in code_spans(cells.get(col).map_or("", |c| c)) {
                spans.push(Span {
                    row: row.clone(),
                    code,
                });
            }
        }
        previous_was_table = true;
    }
    spans
}

/// The cells of a table row, split at unescaped `|`, with `\|` unescaped.
fn split_row(line: &str) -> Vec<String> {
    let inner = line.trim_matches('|');
    let mut cells = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cells.last_mut().unwrap().push('|');
                chars.next();
            }
            '|' => cells.push(String::new()),
            _ => cells.last_mut().unwrap().push(c),
        }
    }
    cells.into_iter().map(|c| c.trim().to_string()).collect()
}

fn code_spans(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// A name a library span uses.
#[derive(Debug, PartialEq)]
enum Name {
    /// A function or method, called or named alone.
    Function(String),
    /// A path of two or more segments; the last may hold alternatives
    /// (`ArgMin/ArgMax`, `{None, Reflect}`) and be a prefix (`Nan…`).
    Path {
        segments: Vec<String>,
        last: Vec<String>,
        prefix: bool,
    },
    /// A type named alone, as in `BinaryOp::…`.
    Type(String),
}

/// The Rust names in a library code span.
fn library_names(code: &str) -> Vec<Name> {
    let code = strip_strings(code);
    let s = code.as_str();
    let mut names = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        let c = rest.chars().next().unwrap();
        let starts_word = (c.is_ascii_alphabetic() || c == '_')
            && !s[..i].ends_with(is_ident_char)
            && !s[..i].ends_with('\'');
        if !starts_word {
            i += c.len_utf8();
            continue;
        }
        let mut segments = vec![ident_at(rest).to_string()];
        let mut j = i + segments[0].len();
        let mut last = Vec::new();
        let mut prefix = false;
        let mut elided = false;
        loop {
            let tail = &s[j..];
            if let Some(t) = tail.strip_prefix("::") {
                if t.starts_with('<') {
                    // a turbofish: skip to its end
                    j += 2 + t.find('>').map_or(t.len(), |k| k + 1);
                    break;
                }
                if let Some(group) = t.strip_prefix('{') {
                    let close = group.find('}').unwrap_or(group.len());
                    last = top_level_words(&group[..close]);
                    j += 3 + close + 1;
                    break;
                }
                let word = ident_at(t);
                if word.is_empty() {
                    // `BinaryOp::…`: the type alone
                    elided = true;
                    j += 2;
                    break;
                }
                segments.push(word.to_string());
                j += 2 + word.len();
                continue;
            }
            if let Some(t) = tail.strip_prefix('/') {
                // `ArgMin/ArgMax`: alternatives for the last segment of a path
                let word = ident_at(t);
                if segments.len() > 1 && !word.is_empty() {
                    last.push(word.to_string());
                    j += 1 + word.len();
                    continue;
                }
            }
            if tail.starts_with('…') {
                prefix = true;
            }
            break;
        }
        let called = s[j..].starts_with('(');
        let whole = s.trim() == segments[0] && segments.len() == 1;
        let first = &segments[0];
        let capital = first.starts_with(|c: char| c.is_ascii_uppercase());
        if segments.len() > 1 || !last.is_empty() {
            if last.is_empty() {
                last.push(segments.pop().unwrap());
            } else if segments.len() > 1 {
                last.insert(0, segments.pop().unwrap());
            }
            names.push(Name::Path {
                segments,
                last,
                prefix,
            });
        } else if capital {
            // `None`, `T`: only `Type::…` is a claim about the API
            if elided {
                names.push(Name::Type(first.clone()));
            }
        } else if called || whole {
            names.push(Name::Function(first.clone()));
        }
        i = j.max(i + 1);
    }
    names
}

/// `code` with the contents of string literals blanked.
fn strip_strings(code: &str) -> String {
    let mut out = String::new();
    let mut in_string = false;
    for c in code.chars() {
        if c == '"' {
            in_string = !in_string;
            out.push(c);
        } else if !in_string {
            out.push(c);
        }
    }
    out
}

/// The identifiers at the top level of a `{A, B(x), C}` group.
fn top_level_words(group: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut depth = 0;
    for part in group.split_inclusive([',', '(', ')']) {
        if depth == 0 {
            let word = ident_at(part.trim_start());
            if !word.is_empty() {
                words.push(word.to_string());
            }
        }
        if part.ends_with('(') {
            depth += 1;
        } else if part.ends_with(')') {
            depth -= 1;
        }
    }
    words
}

/// Why `name` is not in the public API, or `None` when it is.
fn check_library_name(api: &Api, name: &Name) -> Option<String> {
    match name {
        Name::Function(f) => (!api.functions.contains(f) && !TRAIT_METHODS.contains(&f.as_str()))
            .then(|| format!("`{f}`: no `pub fn {f}` in src/")),
        Name::Type(t) => check_type(api, t),
        Name::Path {
            segments,
            last,
            prefix,
        } => {
            let mut segments: Vec<&str> = segments.iter().map(String::as_str).collect();
            if segments[0] == "tessera" {
                segments.remove(0);
            }
            let shown = format!("{}::{}", segments.join("::"), last.join("/"));
            let shown = shown.trim_start_matches("::");
            let first = segments.first().copied();
            match first {
                // `tessera::compute_many`: a re-export or a public module of the root
                None => last
                    .iter()
                    .filter(|l| !api.reexports.contains_key(*l) && api.module(l).is_none())
                    .map(|l| format!("`tessera::{l}`: not re-exported by src/lib.rs"))
                    .reduce(|a, b| format!("{a}; {b}")),
                Some(m) if m.starts_with(|c: char| c.is_ascii_lowercase()) => match api.module(m) {
                    None => Some(format!("`{shown}`: src/lib.rs has no `pub mod {m}`")),
                    Some(true) if !HIDDEN_BUT_NAMED.contains(&m) => Some(format!(
                        "`{shown}`: module `{m}` is #[doc(hidden)], not public API"
                    )),
                    Some(_) => last
                        .iter()
                        .filter(|l| {
                            !api.module_files(m).any(|text| {
                                pub_fns(text).contains(*l)
                                    || find_word(text, &format!("pub struct {l}")).is_some()
                                    || find_word(text, &format!("pub enum {l}")).is_some()
                            })
                        })
                        .map(|l| format!("`{m}::{l}`: not public in module `{m}`"))
                        .reduce(|a, b| format!("{a}; {b}")),
                },
                // `Type::method`, `Type::Variant`
                Some(t) => {
                    if let Some(missing) = check_type(api, t) {
                        return Some(missing);
                    }
                    let variants = api.variants(t);
                    last.iter()
                        .filter(|l| {
                            if l.starts_with(|c: char| c.is_ascii_uppercase()) {
                                let Some(vs) = &variants else { return true };
                                if *prefix {
                                    !vs.iter().any(|v| v.starts_with(l.as_str()))
                                } else {
                                    !vs.contains(*l)
                                }
                            } else {
                                !api.functions.contains(*l) && !TRAIT_METHODS.contains(&l.as_str())
                            }
                        })
                        .map(|l| format!("`{t}::{l}`: no such variant or `pub fn` in `{t}`"))
                        .reduce(|a, b| format!("{a}; {b}"))
                }
            }
        }
    }
}

/// Why type `t` is not public at the crate root, or `None` when it is.
fn check_type(api: &Api, t: &str) -> Option<String> {
    (!api.reexports.contains_key(t)).then(|| format!("`{t}`: not re-exported by src/lib.rs"))
}

/// The functions called in an eval code span: `name(` and `dotted.name(`, not `x=(`.
fn eval_calls(code: &str) -> Vec<String> {
    let mut calls = Vec::new();
    let bytes = code.as_bytes();
    for (at, _) in code.match_indices('(') {
        let head = &code[..at];
        let start = head
            .rfind(|c: char| !(is_ident_char(c) || c == '.'))
            .map_or(0, |k| k + 1);
        let name = head[start..].trim_start_matches('.');
        if !name.is_empty() && bytes[start].is_ascii_alphabetic() {
            calls.push(name.to_string());
        }
    }
    calls
}

fn dask_md() -> String {
    std::fs::read_to_string(root().join("docs/dask.md")).unwrap()
}

#[test]
fn dask_md_library_column_names_exist_in_the_public_api() {
    let api = Api::load();
    let spans = column_spans(&dask_md(), "tessera library");
    assert!(
        spans.len() > 50,
        "found only {} code spans in the \"tessera library\" columns of docs/dask.md; \
         did the tables change shape?",
        spans.len()
    );
    let mut missing = String::new();
    let mut checked = 0;
    for span in &spans {
        for name in library_names(&span.code) {
            checked += 1;
            if let Some(why) = check_library_name(&api, &name) {
                writeln!(missing, "  {} | `{}`: {why}", span.row, span.code).unwrap();
            }
        }
    }
    assert!(checked > 80, "only {checked} names found in docs/dask.md");
    assert!(
        missing.is_empty(),
        "docs/dask.md names library items that are not public API:\n{missing}"
    );
}

#[test]
fn dask_md_eval_column_functions_are_registered() {
    let spans = column_spans(&dask_md(), "`tessera eval`");
    let mut missing = String::new();
    let mut checked = 0;
    for span in &spans {
        for call in eval_calls(&span.code) {
            checked += 1;
            // `a.diagonal()` is the method form of `diagonal(a)`
            let method = call.rsplit('.').next().unwrap();
            if tessera::expr::lookup(&call).is_none() && tessera::expr::lookup(method).is_none() {
                writeln!(
                    missing,
                    "  {} | `{}`: `{call}` is not in tessera::expr::function_names()",
                    span.row, span.code
                )
                .unwrap();
            }
        }
    }
    assert!(
        checked > 40,
        "only {checked} eval calls found in docs/dask.md"
    );
    assert!(
        missing.is_empty(),
        "docs/dask.md calls functions the expression language does not have:\n{missing}"
    );
}

#[test]
fn name_extraction() {
    use Name::*;
    let path = |s: &[&str], l: &[&str], prefix| Path {
        segments: s.iter().map(|x| x.to_string()).collect(),
        last: l.iter().map(|x| x.to_string()).collect(),
        prefix,
    };
    assert_eq!(
        library_names("compute_vec::<T>(&ctx)"),
        vec![Function("compute_vec".into())]
    );
    assert_eq!(
        library_names("plan(&ctx)?.explain()"),
        vec![Function("plan".into()), Function("explain".into())]
    );
    assert_eq!(
        library_names("tessera::compute_many(&[x, y], &ctx)"),
        vec![path(&["tessera"], &["compute_many"], false)]
    );
    assert_eq!(
        library_names("reduce(ReduceOp::Var { ddof: 1 }, Axes::all())"),
        vec![
            Function("reduce".into()),
            path(&["ReduceOp"], &["Var"], false),
            path(&["Axes"], &["all"], false),
        ]
    );
    assert_eq!(
        library_names("ReduceOp::ArgMin/ArgMax"),
        vec![path(&["ReduceOp"], &["ArgMin", "ArgMax"], false)]
    );
    assert_eq!(
        library_names("ReduceOp::Nan…"),
        vec![path(&["ReduceOp"], &["Nan"], true)]
    );
    assert_eq!(
        library_names("Boundary::{None, Constant(v)}"),
        vec![path(&["Boundary"], &["None", "Constant"], false)]
    );
    assert_eq!(
        library_names("binary(BinaryOp::…, other)"),
        vec![Function("binary".into()), Type("BinaryOp".into())]
    );
    assert_eq!(library_names("ones"), vec![Function("ones".into())]);
    assert_eq!(
        library_names(r#"tessera::einsum("ij,jk->ik", &[&x])"#),
        vec![path(&["tessera"], &["einsum"], false)]
    );
    assert_eq!(
        eval_calls("eval 'sum(a)' 'std(a)', a.diagonal(), random.normal(shape=(1, 2))"),
        vec!["sum", "std", "a.diagonal", "random.normal"]
    );
}
