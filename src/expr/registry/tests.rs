//! Tests of the registry: every entry's example lowers and computes, every name the
//! hand-written dispatch accepted is still listed, the unknown-function message lists
//! every function, and the committed docs equal the generated text.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use ndarray::{ArrayD, IxDyn};

use super::*;
use crate::context::Context;
use crate::expr::evaluate;
use crate::graph::Array;

/// The inputs of the examples: `a` (float64, 3 x 4) and `v` (float64, 4 long), in
/// several chunks each.
fn inputs() -> BTreeMap<String, Array> {
    let a = ArrayD::from_shape_fn(IxDyn(&[3, 4]), |i| (i[0] * 4 + i[1]) as f64 * 0.5 - 2.0);
    let v = ArrayD::from_shape_fn(IxDyn(&[4]), |i| i[0] as f64 + 1.0);
    BTreeMap::from([
        (
            "a".to_string(),
            Array::from_ndarray(a.view(), &[2, 3]).unwrap(),
        ),
        (
            "v".to_string(),
            Array::from_ndarray(v.view(), &[3]).unwrap(),
        ),
    ])
}

#[test]
fn every_example_lowers_and_computes() {
    let ctx = Context::with_limits(16 << 20, 1).unwrap();
    let inputs = inputs();
    for function in FUNCTIONS {
        let name = function.name();
        let example = function.example;
        assert!(
            example.starts_with(&format!("{name}("))
                || example.contains(&format!(".{name}("))
                || example.contains(&format!(" {name}(")),
            "{name}: the example {example:?} does not call it"
        );
        let array = evaluate(example, &inputs).unwrap_or_else(|e| panic!("{example}: {e}"));
        array
            .compute(&ctx)
            .unwrap_or_else(|e| panic!("{example}: {e}"));
    }
}

#[test]
fn entries_are_well_formed() {
    let mut names = BTreeSet::new();
    for function in FUNCTIONS {
        let name = function.name();
        assert!(names.insert(name), "{name} is listed twice");
        assert!(
            name.starts_with(|c: char| c.is_ascii_lowercase())
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'),
            "{name:?}: not a function name"
        );
        assert!(function.signature.ends_with(')'), "{}", function.signature);
        assert!(function.summary.ends_with('.'), "{}", function.summary);
        for text in [function.signature, function.summary, function.example] {
            assert!(
                !text.contains('|') && !text.contains('\n'),
                "{name}: {text:?} would break the docs' tables"
            );
        }
        assert!(
            Category::ALL.contains(&function.category),
            "{name}: its category is missing from Category::ALL"
        );
        assert!(lookup(name).is_some_and(|f| f.signature == function.signature));
    }
    assert!(lookup("frobnicate").is_none());
    // The table is in the docs' order, so the unknown-function listing is too.
    let rank = |f: &Function| Category::ALL.iter().position(|c| *c == f.category);
    assert!(
        FUNCTIONS.windows(2).all(|w| rank(&w[0]) <= rank(&w[1])),
        "the table's categories are not in the order of Category::ALL"
    );
}

/// Every name the hand-written dispatch accepted before the registry.
const OLD_NAMES: &str = "sum prod min max mean var std count any all argmin argmax nansum \
    nanmean nanmin nanmax abs absolute sqrt exp log sin cos isnan negative logical_not \
    zeros ones empty full arange linspace eye random.uniform random.normal random.integers \
    concatenate stack squeeze flip expand_dims swapaxes moveaxis cumsum cumprod broadcast_to \
    reshape ravel flatten block take extract tensordot einsum outer diagonal trace \
    map_overlap maximum minimum clip where astype matmul dot transpose rechunk";

#[test]
fn every_old_name_is_still_accepted() {
    let listed: BTreeSet<&str> = function_names().collect();
    for name in OLD_NAMES.split_whitespace() {
        assert!(listed.contains(name), "{name} is no longer listed");
    }
}

#[test]
fn reductions_agree_with_the_graph() {
    let listed: Vec<&str> = FUNCTIONS
        .iter()
        .filter(|f| f.category == Category::Reduction && matches!(f.lower, Lower::Reduce(_)))
        .map(Function::name)
        .collect();
    let graph: Vec<&str> = crate::ops::reduce::REDUCTIONS.split(", ").collect();
    assert_eq!(
        listed, graph,
        "graph::REDUCTIONS (the CLI's reduce) differs"
    );
    for function in FUNCTIONS {
        if let Lower::Reduce(op) = function.lower {
            assert_eq!(crate::ops::reduce::reduce_op(function.name(), 0), Some(op));
        }
    }
}

#[test]
fn map_overlap_lists_the_window_functions() {
    let Some(entry) = lookup("map_overlap") else {
        panic!("map_overlap is not listed");
    };
    for window in crate::kernels::stencil::WINDOW_FUNCTIONS.split(", ") {
        assert!(entry.summary.contains(&format!("'{window}'")), "{window}");
    }
    for boundary in ["none", "reflect", "periodic", "nearest", "constant"] {
        assert!(
            entry.summary.contains(&format!("'{boundary}'")),
            "{boundary}"
        );
        assert!(
            crate::ops::overlap::BOUNDARIES.contains(boundary),
            "{boundary}"
        );
    }
}

#[test]
fn unknown_functions_list_every_function() {
    let err = error_of("frobnicate(a)");
    assert!(err.contains("unknown function 'frobnicate'"), "{err}");
    let available = err
        .split_once("available: ")
        .map(|(_, rest)| rest)
        .unwrap_or_else(|| panic!("no listing: {err}"));
    for name in function_names() {
        assert!(
            available.split([',', ' ']).any(|listed| listed == name),
            "{name} is missing from {err}"
        );
    }
    for name in ["cumsum", "cumprod", "map_overlap"] {
        assert!(available.contains(name), "{err}");
    }
    let err = error_of("cumsm(a, axis=0)");
    assert!(err.contains("(closest: cumsum,"), "{err}");
    let err = error_of("map_overlp(a, 'mean', 1)");
    assert!(err.contains("(closest: map_overlap,"), "{err}");
}

#[test]
fn method_calls_lower_as_functions() {
    let inputs = inputs();
    for (method, function) in [
        ("a.sum(axis=0)", "sum(a, axis=0)"),
        ("a.cumsum(axis=1)", "cumsum(a, axis=1)"),
        (
            "a.map_overlap('max', depth=1)",
            "map_overlap(a, 'max', depth=1)",
        ),
        ("a.reshape((-1,))", "reshape(a, (-1,))"),
        ("a.astype(float32)", "astype(a, float32)"),
        ("a.clip(0, 1)", "clip(a, 0, 1)"),
        ("v.take([0, 3])", "take(v, [0, 3])"),
    ] {
        let ctx = Context::with_limits(16 << 20, 1).unwrap();
        let compute = |source: &str| {
            let array = evaluate(source, &inputs).unwrap_or_else(|e| panic!("{source}: {e}"));
            let chunk = array
                .astype(crate::dtype::DType::F64)
                .unwrap()
                .compute(&ctx)
                .unwrap();
            chunk.as_slice::<f64>().unwrap().to_vec()
        };
        assert_eq!(compute(method), compute(function), "{method}");
    }
}

/// The error of lowering `source`, which must fail.
fn error_of(source: &str) -> String {
    match evaluate(source, &inputs()) {
        Ok(_) => panic!("{source}: lowered without error"),
        Err(e) => e.to_string(),
    }
}

/// Opens the generated part of a committed doc.
const BEGIN: &str = "<!-- functions: generated from src/expr/registry/table.rs";
/// Closes it.
const END: &str = "<!-- end of functions -->";

/// Checks that the generated part of `path` (from the line that starts with [`BEGIN`]
/// to [`END`]) is `generated`; with `TESSERA_UPDATE_DOCS=1`, rewrites it instead.
fn check_generated(path: &str, generated: &str) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{path}: {e}"));
    let start = text
        .find(BEGIN)
        .unwrap_or_else(|| panic!("{path} lacks the line {BEGIN} ..."));
    let start = start + text[start..].find('\n').expect("the marker line ends") + 1;
    let end = start
        + text[start..]
            .find(END)
            .unwrap_or_else(|| panic!("{path} lacks {END}"));
    if std::env::var_os("TESSERA_UPDATE_DOCS").is_some() {
        let updated = format!("{}{generated}{}", &text[..start], &text[end..]);
        std::fs::write(&file, updated).unwrap();
        return;
    }
    assert!(
        text[start..end] == *generated,
        "{path}'s function list differs from the registry's; run \
         `TESSERA_UPDATE_DOCS=1 cargo test --lib expr::registry` to regenerate it.\n\
         committed:\n{}\ngenerated:\n{generated}",
        &text[start..end]
    );
}

#[test]
fn committed_docs_match_the_registry() {
    check_generated("docs/expressions.md", &functions_markdown());
    check_generated("README.md", &readme_functions());
}
