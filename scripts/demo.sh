#!/usr/bin/env bash
# The main job on built-in defaults: generate a float64 array several times larger than
# a 256 MiB budget as HDF5, convert it to Zarr v3 with new chunks and zstd, convert it
# back to HDF5 in column blocks (an orthogonal rechunk), check the round trip, compute a
# few statistics lazily, and print the time and peak memory of each step.
#
#   scripts/demo.sh [ROWS COLS]     default 16384 x 16384 float64 (2 GiB)
#
# Data goes to demo-data/ (removed at the end unless KEEP=1).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/setup.sh
cargo build --release --quiet
rows="${1:-16384}"; cols="${2:-16384}"
memory=256MiB
tessera="$root/target/release/tessera"
data="$root/demo-data"
rm -rf "$data"; mkdir -p "$data"
trap '[ "${KEEP:-0}" = 1 ] || rm -rf "$data"' EXIT

step() {
  local name="$1"; shift
  [ -n "$name" ] && echo "== $name"
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "   wall %e s, peak RSS %M KiB (/usr/bin/time)" "$@" --quiet
  else
    "$@" --quiet
  fi
}

step "generate ${rows}x${cols} float64 as HDF5 (chunks 2048x2048)" \
  "$tessera" gen random "$data/a.h5:/data" --shape "$rows,$cols" --chunks 2048,2048 \
  --seed 1 --memory "$memory"
step "HDF5 -> Zarr v3, chunks 1024x1024, zstd:1" \
  "$tessera" convert "$data/a.h5:/data" "$data/a.zarr" --chunks 1024,1024 --codec zstd:1 \
  --memory "$memory"
step "Zarr -> HDF5 column blocks ${rows}x64, shuffle+deflate:1 (orthogonal rechunk)" \
  "$tessera" convert "$data/a.zarr" "$data/b.h5:/data" --chunks "$rows,64" --codec gzip:1 \
  --memory "$memory"
step "HDF5 -> .npy (for the byte comparison)" \
  "$tessera" convert "$data/b.h5:/data" "$data/b.npy" --memory "$memory"
step "HDF5 (original) -> .npy" \
  "$tessera" convert "$data/a.h5:/data" "$data/a.npy" --memory "$memory"
step "compute std(a) and mean((a - a.T)**2) over the Zarr copy" \
  "$tessera" eval 'std(a)' -i a="$data/a.zarr" --memory "$memory"
step "" "$tessera" eval 'mean((a - a.T)**2)' -i a="$data/a.zarr" --memory "$memory"
if cmp -s "$data/a.npy" "$data/b.npy"; then
  echo "round trip HDF5 -> Zarr -> HDF5: identical"
else
  echo "round trip HDF5 -> Zarr -> HDF5: DIFFERENT" >&2
  exit 1
fi
"$tessera" info "$data/a.zarr"
