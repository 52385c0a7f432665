//! The expression language under attack: long, deep, malformed and fuzzed expressions.
