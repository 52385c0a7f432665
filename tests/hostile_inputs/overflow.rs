//! Shapes, chunk shapes and counts whose products overflow, refused by name before any work.
