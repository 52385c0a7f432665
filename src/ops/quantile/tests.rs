//! Tests against numpy 2.4 values.
use super::*;
