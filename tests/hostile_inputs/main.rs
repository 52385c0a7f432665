//! The adversarial suite: hostile metadata, corrupt and oversized chunks, path tricks,
//! resource bombs, signals and concurrent processes. Every case asserts tessera's
//! promises (README, "What tessera promises"): the exit code, exactly one error line,
//! no panic or hang, bounded RSS where it matters, nothing changed outside the target,
//! and the inputs' sha256 unchanged.
//!
//! One binary, one module per family.

mod harness;
