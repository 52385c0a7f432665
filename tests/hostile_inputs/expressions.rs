//! The expression language under attack: long, deep, malformed and fuzzed expressions.
//!
//! Through the CLI: a 60 KB expression with an error is answered with the column and a
//! short excerpt, never echoed whole; unknown names and functions list what exists
//! without echoing the input; deep nesting is refused by its limit. In-process
//! (proptest): token soups and mutations of valid expressions (inserted, deleted and
//! replaced characters, unbalanced brackets, huge integers, unicode, NUL bytes) lower to
//! an array or to an error, never a panic, and every error is one short line naming a
//! column. Case counts default to a few thousand and follow `PROPTEST_CASES`.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use tessera::Array;

use super::harness::{Outcome, at, tessera};
use super::overflow::make_input;

/// Longest error line the promise allows (the message and the excerpt are each capped;
/// rare characters that print as escapes show as `?`).
const MAX_LINE: usize = 400;

/// Cases per property unless `PROPTEST_CASES` says otherwise.
const DEFAULT_CASES: u32 = 3000;

/// `cases` cases, without a regressions file (the suite is one binary of modules,
/// where proptest cannot find the source file to keep it beside).
fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

/// `tessera eval EXPR -i a=<small 2-D float64 array>`.
fn eval_on_a(expr: &str) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let a = make_input(dir.path(), "a.h5:/a", "6,8", "3,4");
    tessera(&["eval", expr, "-i", &format!("a={a}"), "--quiet"])
}

/// Bytes of the list of available functions in an unknown-function error (0 if none).
fn listing_len(line: &str) -> usize {
    line.find("; available: ")
        .and_then(|start| line[start..].find(" in \""))
        .unwrap_or(0)
}

/// The error line of a refusal.
fn error_line(outcome: &Outcome) -> String {
    outcome
        .stderr
        .lines()
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .to_string()
}

/// `concatenate([a, a, ..., a])` of `n` items: long but shallow (a flat sum of as many
/// terms would be refused for its depth).
fn long_list(n: usize) -> String {
    vec!["a"; n].join(", ")
}

#[test]
fn sixty_kilobyte_expression_with_an_error_at_the_end() {
    let expr = format!("concatenate([{})", long_list(20_000));
    assert!(expr.len() > 60_000);
    let column = expr.len();
    let outcome = eval_on_a(&expr);
    outcome.refused(&[
        &format!("bad expression at column {column}:"),
        "in \"...a, a, a",
        "a, a, a)\"",
    ]);
    let line = error_line(&outcome);
    assert!(line.len() <= 300, "{} bytes: {line}", line.len());
}

#[test]
fn sixty_kilobyte_expression_with_an_error_in_the_middle() {
    let half = long_list(10_000);
    let expr = format!("concatenate([{half}, * {half}])");
    let column = "concatenate([".len() + half.len() + 3;
    let outcome = eval_on_a(&expr);
    outcome.refused(&[
        &format!("bad expression at column {column}:"),
        "in \"...",
        "a, a, * a, a",
    ]);
    let line = error_line(&outcome);
    assert!(line.len() <= 300, "{} bytes: {line}", line.len());
    assert!(line.ends_with("...\""), "cut on both sides: {line}");
}

#[test]
fn sixty_kilobyte_unknown_name_is_not_echoed() {
    let name = "q".repeat(60_000);
    let outcome = eval_on_a(&format!("a + {name}"));
    outcome.refused(&["column 5", "unknown name 'qqqq", "..."]);
    let line = error_line(&outcome);
    assert!(line.len() <= 300, "{} bytes: {line}", line.len());
}

#[test]
fn sixty_kilobyte_unknown_function_lists_what_exists() {
    let name = format!("sun{}", "x".repeat(60_000));
    let outcome = eval_on_a(&format!("{name}(a)"));
    outcome.refused(&[
        "column 1",
        "unknown function 'sunxxx",
        "(closest: sin, sum, ",
        "; available: sum, prod",
    ]);
    // The user's part is short; tessera's own list of functions follows it.
    let line = error_line(&outcome);
    let rest = line.len() - listing_len(&line);
    assert!(rest <= 300, "{rest} bytes besides the list: {line}");
}

#[test]
fn unknown_function_suggests_the_closest_names() {
    let outcome = eval_on_a("meen(a, axis=0)");
    outcome.refused(&[
        "column 1",
        "unknown function 'meen' (closest: mean, ",
        "; available: sum, prod, min, max, mean",
        "tensordot, einsum, outer, diagonal, trace",
    ]);
}

#[test]
fn short_expressions_are_still_quoted_whole() {
    // The README's example keeps its form.
    eval_on_a("mean((a - 1)**2").refused(&[
        "bad expression at column 16: expected ')' to close '(' opened at column 5 in \"mean((a - 1)**2\"",
    ]);
}

#[test]
fn deep_nesting_is_refused_by_its_limit() {
    // 100 KB: under the 128 KiB a single argument may take.
    let expr = format!("{}a{}", "(".repeat(50_000), ")".repeat(50_000));
    let outcome = eval_on_a(&expr);
    outcome.refused(&["nested too deeply", "more than 200 levels"]);
    assert!(error_line(&outcome).len() <= 300);
}

#[test]
fn deep_unary_chain_is_refused_by_its_limit() {
    let expr = format!("a * {}a", "-".repeat(100_000));
    eval_on_a(&expr).refused(&["nested too deeply"]);
}

#[test]
fn long_power_tower_is_refused_by_its_limit() {
    let expr = vec!["a"; 20_000].join("**");
    assert!(expr.len() < 128 << 10);
    eval_on_a(&expr).refused(&["nested too deeply"]);
}

#[test]
fn huge_integer_literal() {
    eval_on_a("a + 99999999999999999999999999999999999999").succeeded_or_refused();
    let outcome = eval_on_a("a[99999999999999999999999999]");
    outcome.refused(&["column"]);
}

#[test]
fn integer_floor_division_that_overflows_i64_is_folded_without_a_panic() {
    // i64::MIN // -1 is 2^63 in Python; tessera folds it in float64.
    let dir = tempfile::tempdir().unwrap();
    let a = make_input(dir.path(), "a.h5:/a", "2", "2");
    let outcome = tessera(&[
        "eval",
        "sum(a * 0) + (-9223372036854775807 - 1) // -1 + (-9223372036854775807 - 1) % -1",
        "-i",
        &format!("a={a}"),
        "--json",
        "--quiet",
    ]);
    outcome.succeeded();
    let doc: serde_json::Value = serde_json::from_str(outcome.stdout.trim()).unwrap();
    assert_eq!(
        doc["value"].as_f64(),
        Some(9223372036854775808.0),
        "{}",
        outcome.stdout
    );
}

#[test]
fn error_inside_a_long_expression_keeps_the_input_file_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let a = make_input(dir.path(), "a.h5:/a", "6,8", "3,4");
    let snapshot = super::harness::Snapshot::of(dir.path());
    let expr = format!("stack([{}]) + ", vec!["sqrt(a)"; 5000].join(", "));
    let column = expr.len() + 1;
    tessera(&[
        "eval",
        &expr,
        "-i",
        &format!("a={a}"),
        "--out",
        &at(dir.path(), "o.npy"),
        "--quiet",
    ])
    .refused(&[&format!("column {column}:"), "expected an expression"]);
    snapshot.unchanged();
}

// ----- property-based fuzzing, in-process -----------------------------------------------

/// Named inputs for the lowering: a float64 matrix, an int32 vector and a bool matrix.
fn inputs() -> BTreeMap<String, Array> {
    let a = ndarray::Array2::<f64>::from_shape_fn((4, 5), |(i, j)| (i * 5 + j) as f64 - 7.0);
    let b = ndarray::Array1::<i32>::from_shape_fn(5, |i| i as i32 - 2);
    let mut inputs = BTreeMap::from([
        (
            "a".to_string(),
            Array::from_ndarray(a.view(), &[2, 3]).unwrap(),
        ),
        (
            "b".to_string(),
            Array::from_ndarray(b.view(), &[5]).unwrap(),
        ),
    ]);
    let m = tessera::expr::evaluate("a > 0", &inputs).unwrap();
    inputs.insert("m".to_string(), m);
    inputs
}

/// Lowers `source`; fails the case on a panic or on an error that is not one short line
/// naming a column.
fn lower_checked(source: &str, inputs: &BTreeMap<String, Array>) -> Result<bool, TestCaseError> {
    let result = catch_unwind(AssertUnwindSafe(|| tessera::expr::evaluate(source, inputs)));
    let Ok(result) = result else {
        return Err(TestCaseError::fail(format!("panic on {source:?}")));
    };
    match result {
        Ok(_) => Ok(true),
        Err(error) => {
            let text = error.to_string();
            prop_assert!(!text.contains('\n'), "several lines for {source:?}: {text}");
            // An unknown function's message lists every function (tessera's own text,
            // of fixed length); the bound holds for the rest of the line.
            let listing = listing_len(&text);
            prop_assert!(
                text.chars().count().saturating_sub(listing) <= MAX_LINE,
                "{} characters for {:?}: {text}",
                text.chars().count(),
                &source[..source.len().min(200)]
            );
            prop_assert!(text.contains("column "), "no column for {source:?}: {text}");
            Ok(false)
        }
    }
}

/// Valid expressions to mutate; none of them computes anything large when lowered.
const SEEDS: &[&str] = &[
    "mean((a - 1)**2, axis=0)",
    "sum(where(a > 0.5, a, 0)[0:3, ::2])",
    "a.T @ a",
    "a @ b",
    "std(a, axis=(0, 1), ddof=1) + max(b)",
    "a[m]",
    "clip(a, -1, 1) * b",
    "astype(a, int16) // 3 % 2",
    "cumsum(a, axis=1)[-1]",
    "concatenate([a, a], axis=0)[::-1, 1:4]",
    "reshape(a, (5, 4)).T",
    "tensordot(a, a, ((0,), (0,)))",
    "einsum('ij,j->i', a, b)",
    "zeros((3, 4), chunks=2) + ones(4, dtype=float32)",
    "arange(0, 10, 2)[1:]",
    "(a < 0) & ~m | (b == 2)",
    "not m or m and True",
    "a[1, -2:]",
    "take(a, [0, -1, 2], axis=1)",
    "map_overlap(a, 'mean', depth=(1, 1), boundary='reflect')",
    "abs(-a) ** 0.5 - sqrt(abs(a))",
    "trace(a[:, :4]) + diagonal(a, 1)[0]",
];

/// Characters a mutation inserts: the language's own, brackets, digits, unicode, NUL.
fn mutation_char() -> impl Strategy<Value = char> {
    prop_oneof![
        prop::sample::select(
            "()[]{},:.;=+-*/%@<>!&|~^'\"\\ _0123456789eEjxabm"
                .chars()
                .collect::<Vec<_>>()
        ),
        prop::sample::select(vec![
            '\0', '\n', '\t', '\u{202e}', '\u{300}', 'é', '∑', '🦀', '\u{feff}'
        ]),
        any::<char>(),
    ]
}

/// Words a mutation inserts whole: huge integers, keywords and names.
fn mutation_word() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "99999999999999999999999999",
        "9223372036854775807",
        "-9223372036854775808",
        "1e400",
        "1e-400",
        "nan",
        "inf",
        "0x10",
        "None",
        "...",
        "**",
        "//",
        "axis=",
        "keepdims=True",
        "ddof=",
        "(((",
        ")))",
        "[[[",
        "]]]",
        "lambda",
        "a.T",
        "a[m]",
        "zeros(",
        "2**62",
        "-0",
        "0.",
        ".5",
        "1_000",
    ])
    .prop_map(str::to_string)
}

#[derive(Clone, Debug)]
enum Edit {
    InsertChar(usize, char),
    InsertWord(usize, String),
    Delete(usize, usize),
    Replace(usize, char),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), mutation_char()).prop_map(|(p, c)| Edit::InsertChar(p, c)),
        (any::<usize>(), mutation_word()).prop_map(|(p, w)| Edit::InsertWord(p, w)),
        (any::<usize>(), 1usize..6).prop_map(|(p, n)| Edit::Delete(p, n)),
        (any::<usize>(), mutation_char()).prop_map(|(p, c)| Edit::Replace(p, c)),
    ]
}

/// Applies `edits` to `source`, positions taken modulo its length in characters.
fn mutate(source: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = source.chars().collect();
    for edit in edits {
        let n = chars.len();
        match edit {
            Edit::InsertChar(p, c) => chars.insert(p % (n + 1), *c),
            Edit::InsertWord(p, w) => {
                let at = p % (n + 1);
                chars.splice(at..at, w.chars());
            }
            Edit::Delete(p, k) if n > 0 => {
                let at = p % n;
                chars.drain(at..(at + k).min(n));
            }
            Edit::Replace(p, c) if n > 0 => chars[p % n] = *c,
            _ => {}
        }
    }
    chars.into_iter().collect()
}

#[test]
fn fuzz_mutations_of_valid_expressions() {
    let inputs = inputs();
    for seed in SEEDS {
        if let Err(e) = tessera::expr::evaluate(seed, &inputs) {
            panic!("the seed {seed} must lower: {e}");
        }
    }
    let mut runner = TestRunner::new(config(cases()));
    let strategy = (
        prop::sample::select(SEEDS.to_vec()),
        prop::collection::vec(edit(), 1..4),
    );
    let (lowered, refused) = (std::cell::Cell::new(0u64), std::cell::Cell::new(0u64));
    runner
        .run(&strategy, |(seed, edits)| {
            let source = mutate(seed, &edits);
            if lower_checked(&source, &inputs)? {
                lowered.set(lowered.get() + 1);
            } else {
                refused.set(refused.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    let (lowered, refused) = (lowered.get(), refused.get());
    eprintln!("expression mutations: {lowered} lowered, {refused} refused");
    assert!(lowered > 0 && refused > 0);
}

/// Tokens of the language (and some that are not), for soups.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "a",
            "b",
            "m",
            "(",
            ")",
            "[",
            "]",
            ",",
            ":",
            "+",
            "-",
            "*",
            "/",
            "//",
            "%",
            "**",
            "@",
            "<",
            "<=",
            "==",
            "!=",
            "&",
            "|",
            "~",
            "and",
            "or",
            "not",
            ".T",
            "=",
            "axis",
            "keepdims",
            "True",
            "False",
            "None",
            "...",
            "sum",
            "mean",
            "where",
            "reshape",
            "einsum",
            "'ij->j'",
            "zeros",
            "float32",
            "nan",
            "inf",
            "0",
            "1",
            "-1",
            "2.5",
            "99999999999999999999",
            "\0",
            "é",
            " ",
        ])
        .prop_map(str::to_string),
        "[a-z_][a-z0-9_]{0,6}",
        "[0-9]{1,30}",
        any::<char>().prop_map(String::from),
    ]
}

#[test]
fn fuzz_token_soups() {
    let inputs = inputs();
    let mut runner = TestRunner::new(config(cases()));
    let (lowered, refused) = (std::cell::Cell::new(0u64), std::cell::Cell::new(0u64));
    runner
        .run(&prop::collection::vec(token(), 0..30), |tokens| {
            let source = tokens.join(" ");
            if lower_checked(&source, &inputs)? {
                lowered.set(lowered.get() + 1);
            } else {
                refused.set(refused.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    let (lowered, refused) = (lowered.get(), refused.get());
    eprintln!("expression token soups: {lowered} lowered, {refused} refused");
    assert!(refused > 0);
}

#[test]
fn fuzz_arbitrary_text_and_long_inputs() {
    let inputs = inputs();
    let mut runner = TestRunner::new(config(cases() / 4 + 1));
    let strategy = prop_oneof![
        "\\PC{0,200}",
        ".{0,200}",
        // Long: a valid sum of many terms with one edit somewhere.
        (1usize..3000, prop::collection::vec(edit(), 1..3))
            .prop_map(|(n, edits)| mutate(&vec!["a"; n].join(" + "), &edits)),
    ];
    runner
        .run(&strategy, |source| {
            lower_checked(&source, &inputs)?;
            Ok(())
        })
        .unwrap();
}

#[test]
fn quotes_in_the_expression_are_shown_as_written() {
    let outcome = eval_on_a("einsum('ij->k', a)");
    outcome.refused(&["column", "in \"einsum('ij->k', a)\""]);
}
