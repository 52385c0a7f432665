#!/usr/bin/env bash
# Runs tessera's whole test suite on a fresh machine: installs CMake and the Python
# reference libraries if missing (scripts/setup.sh), builds in release mode and runs
# every unit, integration and property test. Extra arguments go to `cargo test`.
# Without arguments it then runs the lint gates (clippy over every target of the workspace,
# the Python extension included, and rustdoc, both with warnings as errors), builds the
# Python package into .venv (maturin develop) and runs its tests (pytest python/tests).
# `scripts/test.sh --test cli` skips all of that.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/setup.sh
cargo test --release "$@"
if [ "$#" -eq 0 ]; then
  cargo clippy --release --all-targets --workspace -- -D warnings
  RUSTDOCFLAGS="-D warnings" cargo doc --release --no-deps
  (cd python && VIRTUAL_ENV="$root/.venv" maturin develop --release --quiet)
  "$root/.venv/bin/python" -m pytest python/tests -q
fi
