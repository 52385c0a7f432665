//! Unit tests of `linalg.rs`.
