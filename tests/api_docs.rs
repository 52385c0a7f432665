//! Every public method of `Array`, `Context` and `ContextBuilder` carries a runnable
//! example: reads the crate's sources, finds each `pub fn` inside an `impl` of those
//! types, and fails naming every one whose doc comment has no code block (`cargo test
//! --doc` runs those blocks). Methods made by a macro are checked at the macro, whose
//! doc template holds the example.

mod common;

use std::path::Path;

/// The types whose every public method must show an example.
const TYPES: [&str; 3] = ["Array", "Context", "ContextBuilder"];

/// The type an `impl` line opens a block for (`impl Array {`, `impl<'a> X for Y`
/// excluded: trait impls document the trait).
fn impl_of(line: &str) -> Option<&str> {
    let rest = line.trim_start().strip_prefix("impl ")?;
    let name = rest.trim_end_matches('{').trim();
    (!name.contains(" for ")).then_some(name)
}

/// Public methods without an example in `text`, as `file:line name`, and how many
/// public methods of the types were checked.
fn undocumented(file: &Path, text: &str) -> (Vec<String>, usize) {
    let lines: Vec<&str> = text.lines().collect();
    let mut missing = Vec::new();
    let mut checked = 0;
    let mut inside: Option<(usize, &str)> = None;
    for (at, line) in lines.iter().enumerate() {
        let indent = line.len() - line.trim_start().len();
        if let Some(name) = impl_of(line) {
            inside = TYPES.contains(&name).then_some((indent, name));
            continue;
        }
        let Some((impl_indent, _)) = inside else {
            continue;
        };
        if indent == impl_indent && line.trim_start().starts_with('}') {
            inside = None;
            continue;
        }
        let Some(signature) = line.trim_start().strip_prefix("pub fn ") else {
            continue;
        };
        let name: String = signature
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
            .collect();
        checked += 1;
        let docs: Vec<&str> = lines[..at]
            .iter()
            .rev()
            .map(|l| l.trim_start())
            .take_while(|l| l.starts_with("///") || l.starts_with("#["))
            .collect();
        if !docs.iter().any(|l| l.contains("```")) {
            missing.push(format!("{}:{} {name}", file.display(), at + 1));
        }
    }
    (missing, checked)
}

#[test]
fn every_public_method_of_array_and_context_has_an_example() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = common::library_sources();
    let mut missing = Vec::new();
    let mut checked = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let (found, count) = undocumented(&file, &text);
        missing.extend(found);
        checked += count;
    }
    assert!(checked > 60, "only {checked} methods found under {root:?}");
    assert!(
        missing.is_empty(),
        "public methods without an example:\n{}",
        missing.join("\n")
    );
}

#[test]
fn a_method_without_an_example_is_found() {
    let text = "impl Array {\n    /// Docs.\n    pub fn bare(&self) {}\n\n    /// ```\n    /// ok\n    /// ```\n    pub fn shown(&self) {}\n}\nimpl Other {\n    pub fn ignored() {}\n}\n";
    let (found, checked) = undocumented(Path::new("x.rs"), text);
    assert_eq!(found, vec!["x.rs:3 bare".to_string()]);
    assert_eq!(checked, 2);
}
