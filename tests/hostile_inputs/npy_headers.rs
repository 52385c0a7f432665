//! Fuzzed .npy headers: every mutation is read or refused by name, never a panic.
