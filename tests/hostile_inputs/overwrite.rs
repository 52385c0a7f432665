//! --overwrite replaces a target only when it provably holds exactly the one array, and never an input.
