#!/usr/bin/env bash
# Side-by-side benchmark: tessera vs dask.array, numpy and the copy-speed limit.
# Generates two data sets of the same shape (default 100000x2000 float64, 1.6 GB per
# array): one with tessera (bench-data/tessera/), one with h5py and zarr-python
# (bench-data/python/); runs every workload over each, every engine in its own process
# (tessera also on 1 thread and with --explain), and writes BENCHMARKS.md.
# Options go to benches/compare/run.py: --rows, --cols, --chunk, --repeat, --writer, --only, ...
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/setup.sh"
stamp="$root/.venv/.tessera-compare-requirements"
if ! cmp -s "$root/benches/compare/requirements.txt" "$stamp" 2>/dev/null; then
  echo "compare: installing benches/compare/requirements.txt into $root/.venv" >&2
  "$root/.venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/benches/compare/requirements.txt"
  cp "$root/benches/compare/requirements.txt" "$stamp"
fi
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
exec "$root/.venv/bin/python" "$root/benches/compare/run.py" "$@"
