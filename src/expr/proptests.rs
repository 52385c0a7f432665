//! Property tests of the expression parser: arbitrary strings never panic, and every
//! tree prints as source that parses back to the same tree.

use proptest::prelude::*;

use super::tests::{s, sexp};
use super::*;

// ----- round trip through Display -----

#[test]
fn display_prints_parseable_source() {
    let cases = [
        ("-a**2", "-a ** 2"),
        ("(-a)**2", "(-a) ** 2"),
        ("a**-b", "a ** -b"),
        ("(a**b)**c", "(a ** b) ** c"),
        ("a - (b - c)", "a - (b - c)"),
        ("(a - b) - c", "a - b - c"),
        ("a < b and c > d", "(a < b) & (c > d)"),
        ("not a", "~a"),
        ("not a < b", "~(a < b)"),
        ("(1,)", "(1,)"),
        ("(1).T", "(1).T"),
        ("1.5", "1.5"),
        ("1e-3", "0.001"),
        ("2E+20", "2e20"),
        ("a[::-1, None, ..., 1:2]", "a[::-1, None, ..., 1:2]"),
        ("f(a, axis=(0, 1),)", "f(a, axis=(0, 1))"),
        ("random.normal(seed=1)", "random.normal(seed=1)"),
        ("(a < b) == c", "(a < b) == c"),
    ];
    for (source, printed) in cases {
        let e = match parse(source) {
            Ok(e) => e,
            Err(err) => panic!("{source}: {err}"),
        };
        assert_eq!(e.to_string(), printed, "{source}");
        assert_eq!(s(&e.to_string()), s(source), "{source}");
    }
}

/// Names that are not keywords.
fn name_strategy() -> impl Strategy<Value = String> {
    "[a-z_][a-z0-9_]{0,3}".prop_filter("keyword", |n| !matches!(n.as_str(), "and" | "or" | "not"))
}

fn dummy() -> Span {
    Span::new(0, 0)
}

fn leaf_strategy() -> impl Strategy<Value = Expr> {
    prop_oneof![
        (0i64..=i64::MAX).prop_map(|value| Expr::Int {
            value: value.into(),
            span: dummy()
        }),
        (0.0f64..1e300).prop_map(|value| Expr::Float {
            value,
            span: dummy()
        }),
        any::<bool>().prop_map(|value| Expr::Bool {
            value,
            span: dummy()
        }),
        name_strategy().prop_map(|name| Expr::Name {
            name,
            span: dummy()
        }),
        "[a-z,>' -]{0,8}".prop_map(|value| Expr::Str {
            value,
            span: dummy()
        }),
    ]
}

fn unary_op() -> impl Strategy<Value = UnaryOp> {
    prop_oneof![Just(UnaryOp::Neg), Just(UnaryOp::Pos), Just(UnaryOp::Not)]
}

fn binary_op() -> impl Strategy<Value = BinaryOp> {
    use BinaryOp::*;
    proptest::sample::select(vec![
        Add, Sub, Mul, Div, FloorDiv, Mod, Pow, MatMul, Lt, Le, Gt, Ge, Eq, Ne, And, Or, Xor,
    ])
}

fn item_strategy(inner: BoxedStrategy<Expr>) -> impl Strategy<Value = IndexItem> {
    let part = proptest::option::of(inner.clone());
    prop_oneof![
        inner.prop_map(IndexItem::Expr),
        (part.clone(), part.clone(), part).prop_map(|(start, stop, step)| IndexItem::Slice {
            start,
            stop,
            step,
            span: dummy()
        }),
        Just(IndexItem::NewAxis(dummy())),
        Just(IndexItem::Ellipsis(dummy())),
    ]
}

fn expr_strategy() -> impl Strategy<Value = Expr> {
    leaf_strategy().prop_recursive(6, 64, 4, |inner| {
        let boxed = inner.clone().boxed();
        let items = proptest::collection::vec(inner.clone(), 0..4);
        let kwargs = proptest::collection::vec((name_strategy(), inner.clone()), 0..3)
            .prop_map(dedup_keywords);
        let dotted = proptest::collection::vec(name_strategy(), 1..3).prop_map(|v| v.join("."));
        let index_items =
            proptest::collection::vec(item_strategy(boxed), 1..4).prop_map(at_most_one_ellipsis);
        prop_oneof![
            (unary_op(), inner.clone()).prop_map(|(op, e)| Expr::Unary {
                op,
                operand: Box::new(e),
                span: dummy()
            }),
            (binary_op(), inner.clone(), inner.clone()).prop_map(|(op, l, r)| Expr::Binary {
                op,
                lhs: Box::new(l),
                rhs: Box::new(r),
                span: dummy()
            }),
            (dotted, items.clone(), kwargs).prop_map(|(func, args, kwargs)| Expr::Call {
                func,
                args,
                kwargs,
                span: dummy()
            }),
            (inner.clone(), index_items).prop_map(|(t, items)| Expr::Index {
                target: Box::new(t),
                items,
                span: dummy()
            }),
            (inner.clone(), name_strategy()).prop_map(|(t, name)| Expr::Attr {
                target: Box::new(t),
                name,
                span: dummy()
            }),
            items.clone().prop_map(|items| Expr::Tuple {
                items,
                span: dummy()
            }),
            items.prop_map(|items| Expr::List {
                items,
                span: dummy()
            }),
        ]
    })
}

fn dedup_keywords(mut kwargs: Vec<(String, Expr)>) -> Vec<(String, Expr)> {
    let mut seen = std::collections::HashSet::new();
    kwargs.retain(|(k, _)| seen.insert(k.clone()));
    kwargs
}

fn at_most_one_ellipsis(items: Vec<IndexItem>) -> Vec<IndexItem> {
    let mut seen = false;
    items
        .into_iter()
        .filter(|i| !matches!(i, IndexItem::Ellipsis(_)) || !std::mem::replace(&mut seen, true))
        .collect()
}

/// Strings made of the language's own pieces, more likely to get deep into the parser
/// than arbitrary text.
fn token_soup() -> impl Strategy<Value = String> {
    let pieces = proptest::sample::select(vec![
        "a",
        "b1",
        "f",
        "random.normal",
        "'s'",
        "1",
        "2.5",
        ".5",
        "1e3",
        "1_0",
        "True",
        "None",
        "...",
        "not ",
        " and ",
        " or ",
        "(",
        ")",
        "[",
        "]",
        ",",
        ":",
        "=",
        ".",
        "+",
        "-",
        "^",
        "*",
        "**",
        "/",
        "//",
        "%",
        "@",
        "<",
        "<=",
        ">",
        ">=",
        "==",
        "!=",
        "&",
        "|",
        "~",
        " ",
        "é",
        "$",
    ]);
    proptest::collection::vec(pieces, 0..30).prop_map(|v| v.concat())
}

fn check_no_panic_and_round_trip(source: &str) {
    match parse(source) {
        Ok(e) => {
            let printed = e.to_string();
            let again = parse(&printed).unwrap_or_else(|err| panic!("{printed:?}: {err}"));
            assert_eq!(sexp(&again), sexp(&e), "{source:?} printed as {printed:?}");
        }
        Err(err) => {
            assert!(err.span.start <= err.span.end && err.span.end <= source.len());
            assert!(source.is_char_boundary(err.span.start));
            assert!(!err.to_string().contains('\n'));
            let caret = err.caret(source);
            assert_eq!(caret.lines().count(), 2, "{caret:?}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_panics_on_arbitrary_strings(source in any::<String>()) {
        check_no_panic_and_round_trip(&source);
    }

    #[test]
    fn never_panics_on_token_soup(source in token_soup()) {
        check_no_panic_and_round_trip(&source);
    }

    #[test]
    fn printed_trees_parse_back(e in expr_strategy()) {
        let printed = e.to_string();
        let parsed = match parse(&printed) {
            Ok(parsed) => parsed,
            Err(err) => return Err(TestCaseError::fail(format!("{printed:?}: {err}"))),
        };
        prop_assert_eq!(sexp(&parsed), sexp(&e), "printed as {:?}", printed);
    }
}
