"""tessera: out-of-core arrays under a memory budget.

Arrays in HDF5/netCDF4 files, Zarr v2/v3 stores and .npy files are opened lazily
(``open``), combined with numpy's operators, indexing and reductions, and computed chunk
by chunk in parallel within the memory budget of the current ``Context``: into numpy
arrays (``Array.compute``, ``compute``) or streamed into files (``Array.to_zarr``,
``Array.to_hdf5``, ``Array.to_npy``, ``store``). The engine releases the GIL while it
works; Ctrl-C stops it (no output is left behind), and ``with ProgressBar():`` draws
its progress.

>>> import numpy as np, tessera as ts
>>> a = ts.from_numpy(np.arange(12.0).reshape(3, 4), chunks=2)
>>> (a - a.mean(axis=0)).sum(axis=1).compute()
array([-8.,  0.,  8.])
>>> np.cumsum(np.sqrt(a), axis=1)  # numpy's functions of a tessera array stay lazy
tessera.Array<shape=(3, 4), dtype=float64, chunks=(2, 2)>
"""

from tessera import _protocols, random
from tessera._functions import NAMESPACE
from tessera._tessera import (
    Array,
    BudgetError,
    Context,
    compute,
    describe,
    explain,
    from_numpy,
    get_context,
    open,
    store,
)
from tessera._progress import ProgressBar

# numpy's functions under their names: the engine's registry (cumsum, where, concatenate,
# zeros, einsum, ...), the reductions, asarray and the *_like creators. See _functions.
globals().update(NAMESPACE)
_protocols.install()

__all__ = sorted(
    [
        "Array",
        "BudgetError",
        "Context",
        "compute",
        "describe",
        "explain",
        "from_numpy",
        "get_context",
        "open",
        "ProgressBar",
        "random",
        "store",
        *NAMESPACE,
    ]
)
