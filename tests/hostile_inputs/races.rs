//! Concurrent writers and readers of one target.
