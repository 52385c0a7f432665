#!/usr/bin/env bash
# Installs what tessera's build and tests need and that a fresh machine lacks: OpenBLAS
# (libopenblas-dev, from apt-get, for the default `blas` feature), CMake
# (the bundled HDF5 needs >= 3.26; Debian's is older) and the Python reference
# implementations (numpy, h5py, zarr-python, netCDF4, xarray, h5netcdf) in a virtualenv at .venv,
# with maturin, pytest and hypothesis for the Python package (python/).
# Safe to run again: it only installs what is missing. Source it to get PATH set.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
libraries="$(ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true)"
if [[ "$libraries" != *"libopenblas.so "* ]]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing libopenblas-dev (apt-get) for matrix products" >&2
    apt-get install -y -q libopenblas-dev >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q libopenblas-dev >/dev/null; }
  elif [ -z "${TESSERA_OPENBLAS_LIB_DIR:-}" ]; then
    echo "setup: OpenBLAS is missing: install libopenblas-dev (or set TESSERA_OPENBLAS_LIB_DIR)," \
         "or build with --no-default-features for the pure-Rust matrix kernel" >&2
  fi
fi
if [ ! -x "$venv/bin/python" ]; then
  echo "setup: creating $venv" >&2
  python3 -m venv "$venv"
fi
stamp="$venv/.tessera-requirements"
if ! cmp -s "$root/scripts/requirements.txt" "$stamp" 2>/dev/null; then
  echo "setup: installing CMake and the Python reference libraries into $venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/scripts/requirements.txt"
  cp "$root/scripts/requirements.txt" "$stamp"
fi
export PATH="$venv/bin:$PATH"
export CMAKE="$venv/bin/cmake"
export TESSERA_PYTHON="$venv/bin/python"
