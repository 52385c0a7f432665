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
