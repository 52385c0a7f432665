//! The expression language of `tessera eval`.
