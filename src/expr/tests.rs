//! Unit tests of the expression parser: precedence, literals, calls, indexing, spans,
//! error messages and hostile input (the property tests are in `proptests.rs`).

use super::*;
use crate::text::shorten;

/// S-expression rendering of a tree, spans left out: `-a**2` → `(neg (** a 2))`.
pub(super) fn sexp(e: &Expr) -> String {
    match e {
        Expr::Int { value, .. } => value.to_string(),
        Expr::Float { value, .. } => format!("{value:?}"),
        Expr::Bool { value, .. } => if *value { "True" } else { "False" }.to_string(),
        Expr::Str { value, .. } => format!("{value:?}"),
        Expr::Name { name, .. } => name.clone(),
        Expr::Unary { op, operand, .. } => {
            let op = match op {
                UnaryOp::Neg => "neg",
                UnaryOp::Pos => "pos",
                UnaryOp::Not => "not",
            };
            format!("({op} {})", sexp(operand))
        }
        Expr::Binary { op, lhs, rhs, .. } => {
            format!("({} {} {})", op.symbol(), sexp(lhs), sexp(rhs))
        }
        Expr::Call {
            func, args, kwargs, ..
        } => {
            let mut parts = vec![format!("call {func}")];
            parts.extend(args.iter().map(sexp));
            parts.extend(kwargs.iter().map(|(k, v)| format!("{k}={}", sexp(v))));
            format!("({})", parts.join(" "))
        }
        Expr::Index { target, items, .. } => {
            let items: Vec<String> = items.iter().map(sexp_item).collect();
            format!("(index {} {})", sexp(target), items.join(" "))
        }
        Expr::Attr { target, name, .. } => format!("(. {} {name})", sexp(target)),
        Expr::Tuple { items, .. } => sexp_seq("tuple", items),
        Expr::List { items, .. } => sexp_seq("list", items),
    }
}

fn sexp_seq(head: &str, items: &[Expr]) -> String {
    let mut parts = vec![head.to_string()];
    parts.extend(items.iter().map(sexp));
    format!("({})", parts.join(" "))
}

fn sexp_item(item: &IndexItem) -> String {
    let part = |p: &Option<Expr>| p.as_ref().map_or("_".to_string(), sexp);
    match item {
        IndexItem::Expr(e) => sexp(e),
        IndexItem::Slice {
            start, stop, step, ..
        } => format!("(slice {} {} {})", part(start), part(stop), part(step)),
        IndexItem::NewAxis(_) => "newaxis".to_string(),
        IndexItem::Ellipsis(_) => "...".to_string(),
    }
}

pub(super) fn s(source: &str) -> String {
    match parse(source) {
        Ok(e) => sexp(&e),
        Err(err) => panic!("{source:?} did not parse: {err}"),
    }
}

fn err(source: &str) -> ParseError {
    match parse(source) {
        Ok(e) => panic!("{source:?} parsed as {}", sexp(&e)),
        Err(err) => err,
    }
}

/// Asserts that `source` fails at `column` with a message containing `needle`.
fn check_err(source: &str, column: usize, needle: &str) {
    let e = err(source);
    assert!(
        e.message.contains(needle),
        "{source:?}: message {:?} lacks {needle:?}",
        e.message
    );
    assert_eq!(e.column(), column, "{source:?}: {e}");
}

// ----- precedence and associativity -----

#[test]
fn precedence_table() {
    let cases = [
        ("-a**2", "(neg (** a 2))"),
        ("a**-b", "(** a (neg b))"),
        ("a**b**c", "(** a (** b c))"),
        ("-a**-b**c", "(neg (** a (neg (** b c))))"),
        ("(-a)**2", "(** (neg a) 2)"),
        ("2**3*4", "(* (** 2 3) 4)"),
        ("a - b - c", "(- (- a b) c)"),
        ("a / b / c", "(/ (/ a b) c)"),
        ("a + b * c", "(+ a (* b c))"),
        ("a * b + c", "(+ (* a b) c)"),
        ("a // b % c @ d", "(@ (% (// a b) c) d)"),
        ("-a * b", "(* (neg a) b)"),
        ("a * -b", "(* a (neg b))"),
        ("+a - ~b", "(- (pos a) (not b))"),
        ("--a", "(neg (neg a))"),
        ("a & b | c", "(| (& a b) c)"),
        ("a | b & c", "(| a (& b c))"),
        ("a | b ^ c & d", "(| a (^ b (& c d)))"),
        ("a ^ b | c ^ d", "(| (^ a b) (^ c d))"),
        ("a ^ b ^ c", "(^ (^ a b) c)"),
        ("a < b ^ c", "(< a (^ b c))"),
        ("a + b & c", "(& (+ a b) c)"),
        ("a < b & c", "(< a (& b c))"),
        ("a < b | c", "(< a (| b c))"),
        ("(a < b) & (c > d)", "(& (< a b) (> c d))"),
        ("a < b and c > d", "(& (< a b) (> c d))"),
        ("a < b or c > d", "(| (< a b) (> c d))"),
        ("a or b and c", "(| a (& b c))"),
        ("a and b or c", "(| (& a b) c)"),
        ("not a and b", "(& (not a) b)"),
        ("not a < b", "(not (< a b))"),
        ("not not a", "(not (not a))"),
        ("a or not b", "(| a (not b))"),
        ("~a < b", "(< (not a) b)"),
        ("a == b + 1", "(== a (+ b 1))"),
        ("a != b", "(!= a b)"),
        ("a <= b", "(<= a b)"),
        ("a >= b", "(>= a b)"),
        ("-a.T", "(neg (. a T))"),
        ("a**b[0]", "(** a (index b 0))"),
        ("-a**2 + 3.5e-2 * b", "(+ (neg (** a 2)) (* 0.035 b))"),
        (
            "a[0:100, ::2].T @ v",
            "(@ (. (index a (slice 0 100 _) (slice _ _ 2)) T) v)",
        ),
    ];
    for (source, expected) in cases {
        assert_eq!(s(source), expected, "{source}");
    }
}

#[test]
fn chained_comparisons_are_refused() {
    check_err("a < b < c", 7, "cannot be chained");
    check_err("a == b < c", 8, "cannot be chained");
    check_err("not a < b >= c", 11, "(a < b) & (b < c)");
}

#[test]
fn not_after_a_tight_operator_is_refused() {
    check_err("a + not b", 5, "'not' cannot follow");
    check_err("a == not b", 6, "'not' cannot follow");
    assert_eq!(s("a + (not b)"), "(+ a (not b))");
}

// ----- literals -----

#[test]
fn integer_literals() {
    assert_eq!(s("42"), "42");
    assert_eq!(s("0"), "0");
    assert_eq!(s("1_000_000"), "1000000");
    assert_eq!(s("0_0"), "0");
    assert_eq!(s("9223372036854775807"), "9223372036854775807");
}

#[test]
fn float_literals() {
    let cases = [
        ("1.5", 1.5),
        (".5", 0.5),
        ("1.", 1.0),
        ("1e-3", 1e-3),
        ("2E+10", 2e10),
        ("1.e5", 1e5),
        (".5e1", 5.0),
        ("1_0.2_5", 10.25),
        ("1e-400", 0.0),
    ];
    for (source, value) in cases {
        match parse(source) {
            Ok(Expr::Float { value: v, span }) => {
                assert_eq!(v, value, "{source}");
                assert_eq!(span, Span::new(0, source.len()));
            }
            other => panic!("{source}: {other:?}"),
        }
    }
}

#[test]
fn bool_and_names() {
    assert_eq!(s("True"), "True");
    assert_eq!(s("False"), "False");
    for name in ["a", "temp_2m", "nan", "inf", "float32", "_x", "température"] {
        assert_eq!(s(name), name);
    }
}

#[test]
fn string_literals() {
    assert_eq!(s("f(a, 'reflect')"), "(call f a \"reflect\")");
    assert_eq!(
        s("einsum(\"ij,jk->ik\", a, b)"),
        "(call einsum \"ij,jk->ik\" a b)"
    );
    assert_eq!(s("f(\"it's\")"), "(call f \"it's\")");
    check_err("f('abc", 3, "unterminated string");
}

#[test]
fn bad_number_literals() {
    check_err(
        "1e",
        1,
        "bad number literal '1e': missing digits in the exponent",
    );
    check_err("a + 1e+", 5, "missing digits in the exponent");
    check_err("1_", 1, "'_' must sit between two digits");
    check_err("1__0", 1, "'_' must sit between two digits");
    check_err("1_.5", 1, "'_' must sit between two digits");
    check_err("1._5", 1, "bad number literal");
    check_err("2a", 1, "bad number literal '2a'");
    check_err("0x1f", 1, "hexadecimal");
    check_err("3j", 1, "complex numbers");
    check_err("007", 1, "leading zeros");
    check_err(
        "340282366920938463463374607431768211456",
        1,
        "too large for a 128-bit integer",
    );
    check_err("1e999", 1, "too large for a 64-bit float");
    check_err("1.T", 1, "bad number literal '1.T'");
}

#[test]
fn spans_cover_the_source() {
    let source = "mean((a - b)**2, axis=0)";
    let Ok(Expr::Call {
        args, kwargs, span, ..
    }) = parse(source)
    else {
        panic!("not a call");
    };
    assert_eq!(span, Span::new(0, source.len()));
    // the parenthesized lhs of ** includes its parentheses
    let Expr::Binary { lhs, span: pow, .. } = &args[0] else {
        panic!("not binary");
    };
    assert_eq!(&source[pow.start..pow.end], "(a - b)**2");
    assert_eq!(&source[lhs.span().start..lhs.span().end], "(a - b)");
    let zero = kwargs[0].1.span();
    assert_eq!(&source[zero.start..zero.end], "0");
    assert_eq!(zero.column(), 23);
}

// ----- calls, tuples, lists -----

#[test]
fn calls() {
    let cases = [
        (
            "mean((a - b)**2, axis=0)",
            "(call mean (** (- a b) 2) axis=0)",
        ),
        (
            "sum(a > 0.5, axis=(0, 1), keepdims=True)",
            "(call sum (> a 0.5) axis=(tuple 0 1) keepdims=True)",
        ),
        ("where(a < 0, 0, a)", "(call where (< a 0) 0 a)"),
        ("clip(a, -1, 1)", "(call clip a (neg 1) 1)"),
        ("astype(a, float32)", "(call astype a float32)"),
        ("std(a, ddof=1)", "(call std a ddof=1)"),
        (
            "concatenate([a, b], axis=1)",
            "(call concatenate (list a b) axis=1)",
        ),
        (
            "reshape(a, (100, -1))",
            "(call reshape a (tuple 100 (neg 1)))",
        ),
        (
            "random.normal(shape=(1000, 1000), chunks=(100, 100), seed=1)",
            "(call random.normal shape=(tuple 1000 1000) chunks=(tuple 100 100) seed=1)",
        ),
        (
            "tensordot(a, b, axes=([1], [0]))",
            "(call tensordot a b axes=(tuple (list 1) (list 0)))",
        ),
        ("f()", "(call f)"),
        ("f(a,)", "(call f a)"),
        ("f(a, axis=0,)", "(call f a axis=0)"),
        ("np.linalg.norm(a)", "(call np.linalg.norm a)"),
        ("a.sum(axis=0)", "(call a.sum axis=0)"),
        ("f(x == 1)", "(call f (== x 1))"),
        ("f(g(h(x)))", "(call f (call g (call h x)))"),
    ];
    for (source, expected) in cases {
        assert_eq!(s(source), expected, "{source}");
    }
    check_err("f(a)(b)", 5, "'f(a)' is not a function name");
}

#[test]
fn tuples_and_lists() {
    assert_eq!(s("()"), "(tuple)");
    assert_eq!(s("(1,)"), "(tuple 1)");
    assert_eq!(s("(a, b)"), "(tuple a b)");
    assert_eq!(s("(a, b,)"), "(tuple a b)");
    assert_eq!(s("(a)"), "a");
    assert_eq!(s("((a))"), "a");
    assert_eq!(s("[]"), "(list)");
    assert_eq!(s("[1]"), "(list 1)");
    assert_eq!(s("[1, [2, 3],]"), "(list 1 (list 2 3))");
    assert_eq!(s(" \t( a ,\n b ) "), "(tuple a b)");
}

// ----- indexing and attributes -----

#[test]
fn index_forms() {
    let cases = [
        ("a[3]", "(index a 3)"),
        ("a[i + 1]", "(index a (+ i 1))"),
        ("a[-1]", "(index a (neg 1))"),
        ("a[:]", "(index a (slice _ _ _))"),
        ("a[::]", "(index a (slice _ _ _))"),
        ("a[1:]", "(index a (slice 1 _ _))"),
        ("a[:5]", "(index a (slice _ 5 _))"),
        ("a[1:5]", "(index a (slice 1 5 _))"),
        ("a[1:5:2]", "(index a (slice 1 5 2))"),
        ("a[::2]", "(index a (slice _ _ 2))"),
        ("a[::-1]", "(index a (slice _ _ (neg 1)))"),
        ("a[5:1:-2]", "(index a (slice 5 1 (neg 2)))"),
        (
            "a[3, :, ::-1]",
            "(index a 3 (slice _ _ _) (slice _ _ (neg 1)))",
        ),
        ("a[None]", "(index a newaxis)"),
        ("a[:, None]", "(index a (slice _ _ _) newaxis)"),
        ("a[..., 0]", "(index a ... 0)"),
        ("a[...]", "(index a ...)"),
        ("a[None:5]", "(index a (slice _ 5 _))"),
        ("a[1:None:None]", "(index a (slice 1 _ _))"),
        ("a[[0, 2]]", "(index a (list 0 2))"),
        ("a[b > 0]", "(index a (> b 0))"),
        ("a[1,]", "(index a 1)"),
        ("a[0][1]", "(index (index a 0) 1)"),
        ("f(x)[0]", "(index (call f x) 0)"),
        ("(a + b)[0]", "(index (+ a b) 0)"),
    ];
    for (source, expected) in cases {
        assert_eq!(s(source), expected, "{source}");
    }
}

#[test]
fn index_item_spans() {
    let source = "a[1:5, ::-1, None, ...]";
    let Ok(Expr::Index { items, .. }) = parse(source) else {
        panic!("not an index");
    };
    let texts: Vec<&str> = items
        .iter()
        .map(|i| &source[i.span().start..i.span().end])
        .collect();
    assert_eq!(texts, ["1:5", "::-1", "None", "..."]);
}

#[test]
fn attribute_chains() {
    assert_eq!(s("a.T"), "(. a T)");
    assert_eq!(s("a.T.T"), "(. (. a T) T)");
    assert_eq!(s("a.T @ b.T"), "(@ (. a T) (. b T))");
    assert_eq!(s("a[0].shape"), "(. (index a 0) shape)");
    assert_eq!(s("(a + b).T"), "(. (+ a b) T)");
    assert_eq!(s("(1).T"), "(. 1 T)");
    assert_eq!(s("a . T"), "(. a T)");
    check_err(
        "a.",
        3,
        "expected an attribute name after '.', found end of input",
    );
    check_err(
        "a.None",
        3,
        "expected an attribute name after '.', found 'None'",
    );
}

// ----- error messages -----

#[test]
fn display_is_one_line_with_column_and_source() {
    let e = err("mean((a - b)**2, axis=0");
    assert_eq!(
        e.to_string(),
        "bad expression at column 24: expected ')' to close '(' opened at column 5 in \"mean((a - b)**2, axis=0\""
    );
    let e = err("a +\n");
    assert!(!e.to_string().contains('\n'));
    let crate_error: crate::error::Error = e.clone().into();
    assert_eq!(crate_error.to_string(), e.to_string());
}

#[test]
fn caret_points_at_the_span() {
    let source = "a + $";
    let e = err(source);
    assert_eq!(e.caret(source), "a + $\n    ^");
    let source = "mean(a, ,)";
    assert_eq!(err(source).caret(source), "mean(a, ,)\n        ^");
    let source = "a *";
    assert_eq!(err(source).caret(source), "a *\n   ^");
    let source = "é + 1__0";
    assert_eq!(err(source).caret(source), "é + 1__0\n    ^^^^");
    let source = "a\t+ !";
    assert_eq!(err(source).caret(source), "a + !\n    ^");
}

#[test]
fn unexpected_characters() {
    check_err("a $ b", 3, "unexpected character '$'");
    check_err(
        "a ! b",
        3,
        "unexpected character '!' (did you mean '!=' or '~'?)",
    );
    check_err("é + ×", 5, "unexpected character '×'");
    check_err("a\u{7}", 2, "unexpected character '\\u{7}'");
}

#[test]
fn unterminated_brackets() {
    check_err(
        "mean((a - b)**2, axis=0",
        24,
        "expected ')' to close '(' opened at column 5",
    );
    check_err("(a + b", 7, "expected ')' to close '(' opened at column 1");
    check_err("[1, 2", 6, "expected ']' to close '[' opened at column 1");
    check_err("a[1:2", 6, "expected ']' to close '[' opened at column 2");
    check_err("f(a,", 5, "expected ')' to close '(' opened at column 2");
    check_err(
        "(a]",
        3,
        "expected ',' or ')' to close '(' opened at column 1, found ']'",
    );
    check_err(
        "f(a b)",
        5,
        "expected ',' or ')' to close '(' opened at column 2, found 'b'",
    );
    check_err(
        "a[1:2:3:4]",
        8,
        "expected ',' or ']' to close '[' opened at column 2, found ':'",
    );
    check_err("(a = 1)", 4, "did you mean '=='?");
    check_err("f(a + b=1)", 8, "'=' only names keyword arguments");
}

#[test]
fn missing_operands() {
    check_err("a *", 4, "expected an expression after '*'");
    check_err("a * ", 5, "expected an expression after '*'");
    assert_eq!(err("a *").message, "expected an expression after '*'");
    check_err("a * )", 5, "expected an expression after '*', found ')'");
    check_err("-", 2, "expected an expression after '-'");
    check_err("a ** ", 6, "expected an expression after '**'");
    check_err("not", 4, "expected an expression after 'not'");
    check_err("a and", 6, "expected an expression after 'and'");
    check_err("f(a=)", 5, "expected an expression after '=', found ')'");
    check_err("f(,)", 3, "expected an expression after '(', found ','");
    check_err("a[,1]", 3, "expected an expression after '[', found ','");
    check_err("* a", 1, "expected an expression, found '*'");
    check_err("and", 1, "expected an expression, found 'and'");
    check_err("a && b", 4, "expected an expression after '&', found '&'");
}

#[test]
fn argument_order_and_duplicates() {
    check_err(
        "f(axis=0, a)",
        11,
        "positional argument follows keyword argument",
    );
    check_err(
        "sum(a, axis=0, axis=1)",
        16,
        "duplicate keyword argument 'axis'",
    );
}

#[test]
fn empty_and_trailing() {
    check_err("", 1, "empty expression");
    check_err("   ", 1, "empty expression");
    check_err("a)", 2, "unexpected ')'");
    check_err("(a))", 4, "unexpected ')' with no matching '('");
    check_err("a]", 2, "unexpected ']'");
    check_err("a b", 3, "unexpected 'b'");
    check_err("a, b", 2, "a tuple needs parentheses");
    check_err("a = b", 3, "did you mean '=='?");
}

#[test]
fn none_and_ellipsis_outside_brackets() {
    // Outside brackets `None` is a plain name (`axis=None`); the evaluator decides.
    assert_eq!(s("sum(a, axis=None)"), "(call sum a axis=None)");
    check_err("a + ...", 5, "'...' is only allowed inside index brackets");
    check_err("f(...)", 3, "'...' is only allowed inside index brackets");
    check_err("a[..., ...]", 8, "a single ellipsis");
    check_err("a[]", 2, "empty index");
}

#[test]
fn columns_count_characters() {
    let e = err("ähm + )");
    assert_eq!(e.column(), 7);
    assert_eq!(e.span.column(), 8); // bytes: 'ä' is two
    assert!(e.to_string().starts_with("bad expression at column 7:"));
}

// ----- hostile input -----

#[test]
fn depth_limit() {
    let ok = format!("{}a{}", "(".repeat(150), ")".repeat(150));
    assert_eq!(s(&ok), "a");
    let deep_parens = format!("{}a{}", "(".repeat(10_000), ")".repeat(10_000));
    let hostile = [
        deep_parens,
        "-".repeat(100_000) + "a",
        "a".to_string() + &"+a".repeat(100_000),
        "a".to_string() + &"**a".repeat(100_000),
        "a".to_string() + &"[0]".repeat(100_000),
        "a".to_string() + &".T".repeat(100_000),
        "[".repeat(100_000),
        "f(".repeat(100_000),
        "a[".repeat(100_000),
        "not ".repeat(100_000) + "a",
        format!("{}a{}", "(a + ".repeat(150), "+ a)".repeat(150)),
    ];
    for source in hostile {
        let e = err(&source);
        assert!(e.message.contains("nested too deeply"), "{}", e.message);
    }
    // wide but shallow is fine
    let wide = format!("f({})", vec!["a"; 10_000].join(", "));
    assert!(parse(&wide).is_ok());
}

#[test]
fn depth_limit_bounds_the_tree_not_only_recursion() {
    // each level adds several operators; the tree height must stay within MAX_DEPTH
    fn height(e: &Expr) -> usize {
        let children: Vec<&Expr> = match e {
            Expr::Unary { operand, .. } => vec![operand],
            Expr::Binary { lhs, rhs, .. } => vec![lhs, rhs],
            Expr::Attr { target, .. } => vec![target],
            Expr::Index { target, .. } => vec![target],
            Expr::Call { args, .. } | Expr::Tuple { items: args, .. } => args.iter().collect(),
            Expr::List { items, .. } => items.iter().collect(),
            _ => vec![],
        };
        1 + children.into_iter().map(height).max().unwrap_or(0)
    }
    for n in [10, 50, 100, 150] {
        let source = format!("{}a{}", "(a + a + ".repeat(n), ")".repeat(n));
        if let Ok(e) = parse(&source) {
            assert!(height(&e) <= MAX_DEPTH, "n={n}");
        }
    }
}

#[test]
fn long_sources_are_quoted_by_an_excerpt_around_the_error() {
    // Long but shallow (a flat sum this long would be refused for its depth).
    let source = format!("({}+)", "a, ".repeat(10_000));
    let err = parse(&source).unwrap_err().to_string();
    assert!(err.len() < 300, "{} bytes: {err}", err.len());
    assert!(
        err.contains("in \"...a, a, ") && err.ends_with("a, a, +)\""),
        "{err}"
    );
    assert!(err.contains(&format!("column {}:", source.len())), "{err}");
}

#[test]
fn excerpts_keep_short_sources_and_show_odd_characters_briefly() {
    assert_eq!(excerpt("sum(a)", Span::new(0, 3)), "sum(a)");
    let err = parse("einsum('ij', a) +").unwrap_err().to_string();
    assert!(err.ends_with("in \"einsum('ij', a) +\""), "{err}");
    let err = parse("a +\u{0}\u{202e}").unwrap_err().to_string();
    assert!(
        !err.contains('\u{0}') && !err.contains('\u{202e}'),
        "{err:?}"
    );
    assert_eq!(shorten("abcdef", 5), "ab...");
}

#[test]
fn a_direct_call_binds_like_an_expression_and_its_errors_name_no_column() {
    use crate::kernels::promote::Scalar;
    let values = ndarray::Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f64);
    let a = crate::Array::from_ndarray(values.view(), &[2, 2]).unwrap();
    let ctx = crate::Context::new().unwrap();
    let axis = ("axis".to_string(), Value::Scalar(Scalar::Int(1)));
    let called = call(
        "cumsum",
        vec![Value::Array(a.clone())],
        vec![axis.clone()],
        None,
    )
    .unwrap();
    let mut inputs = std::collections::BTreeMap::new();
    inputs.insert("a".to_string(), a.clone());
    let written = evaluate("cumsum(a, axis=1)", &inputs).unwrap();
    assert_eq!(
        called.compute_vec::<f64>(&ctx).unwrap(),
        written.compute_vec::<f64>(&ctx).unwrap()
    );
    // A dtype given as its name, where a dtype is expected.
    let dtype = ("dtype".to_string(), Value::Str("float32".into()));
    let zeros = call(
        "zeros",
        vec![Value::Tuple(vec![Value::Scalar(Scalar::Int(2))])],
        vec![dtype],
        None,
    );
    assert_eq!(zeros.unwrap().dtype(), crate::DType::F32);
    // Errors: the message alone, and an error of the array layer keeps its kind.
    let bad_axis = ("axis".to_string(), Value::Scalar(Scalar::Int(5)));
    let Err(e) = call(
        "cumsum",
        vec![Value::Array(a.clone())],
        vec![bad_axis],
        None,
    ) else {
        panic!("accepted")
    };
    assert!(!e.to_string().contains("column"), "{e}");
    let Err(e) = call("cumsm", vec![Value::Array(a.clone())], vec![], None) else {
        panic!("accepted")
    };
    assert!(
        e.to_string()
            .contains("unknown function 'cumsm' (closest: cumsum"),
        "{e}"
    );
    let v = crate::Array::from_ndarray(ndarray::array![1.0, 2.0].view(), &[2]).unwrap();
    let Err(e) = call(
        "matmul",
        vec![Value::Array(a), Value::Array(v)],
        vec![],
        None,
    ) else {
        panic!("accepted")
    };
    assert!(matches!(e, crate::Error::Shape { .. }), "{e:?}");
}
