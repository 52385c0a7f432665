use super::*;

fn quoted(text: &str) -> String {
    String::from_utf8(quote_non_finite(text.as_bytes()).into_owned()).unwrap()
}

#[test]
fn bare_non_finite_tokens_become_strings() {
    assert_eq!(
        quoted(r#"{"a": NaN, "b": [Infinity, -Infinity]}"#),
        r#"{"a": "NaN", "b": ["Infinity", "-Infinity"]}"#
    );
    let value = parse_json(Path::new("x"), br#"{"a":[NaN,-Infinity]}"#).unwrap();
    assert_eq!(value, serde_json::json!({"a": ["NaN", "-Infinity"]}));
}

#[test]
fn strings_and_plain_documents_are_untouched() {
    let text = r#"{"NaN": "Infinity \" NaN", "x": -1.5e3, "t": true}"#;
    assert!(matches!(
        quote_non_finite(text.as_bytes()),
        Cow::Borrowed(_)
    ));
    assert_eq!(quoted(r#"["a\\", NaN]"#), r#"["a\\", "NaN"]"#);
}

proptest::proptest! {
    /// Any bytes: no panic, and what was valid JSON parses to the same value.
    #[test]
    fn valid_json_is_untouched(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
        let quoted = quote_non_finite(&bytes);
        if let Ok(value) = serde_json::from_slice::<Value>(&bytes) {
            proptest::prop_assert_eq!(serde_json::from_slice::<Value>(&quoted).ok(), Some(value));
        }
    }

    /// Strings holding the tokens, quotes and backslashes survive a round trip.
    #[test]
    fn strings_survive(text in "[NaIfity\\\" -]{0,16}") {
        let doc = serde_json::json!({"k": text, "v": [text]});
        let bytes = doc.to_string().into_bytes();
        proptest::prop_assert_eq!(parse_json(Path::new("x"), &bytes).ok(), Some(doc));
    }
}

#[test]
fn other_words_stay_invalid() {
    assert!(parse_json(Path::new("x"), b"[NaNo]").is_err());
    assert!(parse_json(Path::new("x"), b"[Inf]").is_err());
    assert!(parse_json(Path::new("x"), b"[NaN").is_err());
    assert_eq!(quoted("\"unterminated NaN"), "\"unterminated NaN");
}

/// A document to write, serialized and unmarked as `WriteDir` writes it.
fn written(value: &Value) -> String {
    let text = serde_json::to_vec(value).unwrap();
    String::from_utf8(unmark(&text).into_owned()).unwrap()
}

#[test]
fn marked_floats_are_written_as_bare_tokens_and_strings_stay_strings() {
    let doc = serde_json::json!({
        "a": marked_float(f64::NAN),
        "b": [1.5, marked_float(f64::INFINITY), marked_float(f64::NEG_INFINITY)],
        "s": "NaN",
    });
    assert_eq!(
        written(&escape_marks(serde_json::json!({"s": "NaN"}))),
        r#"{"s":"NaN"}"#
    );
    assert_eq!(
        written(&doc),
        r#"{"a":NaN,"b":[1.5,Infinity,-Infinity],"s":"NaN"}"#
    );
}

#[test]
fn strings_opening_with_the_mark_survive_the_round_trip() {
    // A user's string that looks like a mark, as a value and as a key.
    let user = serde_json::json!({"\u{0}NaN": ["\u{0}NaN", "\u{0}", "\u{0}\u{0}x", "a\u{0}NaN"]});
    let text = written(&escape_marks(user.clone()));
    assert_eq!(parse_json(Path::new("x"), text.as_bytes()).unwrap(), user);
    // Parsed to rewrite and written again, the document is unchanged.
    let again = written(&parse_marked(Path::new("x"), text.as_bytes()).unwrap());
    assert_eq!(again, text);
    let tokens = r#"{"a":NaN,"b":["\u0000NaN",-Infinity]}"#;
    let again = written(&parse_marked(Path::new("x"), tokens.as_bytes()).unwrap());
    assert_eq!(again, tokens);
}

#[test]
fn float_token_attributes_names_only_numeric_values_with_a_token() {
    let text = br#"{"attributes": {"a": NaN, "b": [1, Infinity], "c": [NaN, "x"], "d": "NaN", "e": 2.0, "f": {"g": NaN}}}"#;
    let names = float_token_attributes(Path::new("x"), text, Some("attributes")).unwrap();
    assert_eq!(names, ["a", "b"]);
    let plain = br#"{"a": "NaN"}"#;
    assert!(
        float_token_attributes(Path::new("x"), plain, None)
            .unwrap()
            .is_empty()
    );
}

proptest::proptest! {
    /// Any strings, escaped, written and parsed back: the same strings.
    #[test]
    fn any_strings_survive_escaping(items in proptest::collection::vec("(\u{0}|N|a|\"|\\\\|NaN|Infinity){0,6}", 0..6)) {
        let value = Value::from(items.clone());
        let text = written(&escape_marks(value.clone()));
        proptest::prop_assert_eq!(parse_json(Path::new("x"), text.as_bytes()).unwrap(), value);
    }
}
