//! Arrays with a zero-length axis convert, compute and reduce as numpy does.
