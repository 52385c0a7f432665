"""numpy's protocols and ``ndarray`` methods on ``tessera.Array``.

- ``__array_ufunc__``: a numpy ufunc of a tessera array (``np.sqrt(a)``,
  ``np.add(x, a)``, ``x + a`` with ``x`` a numpy array, ``np.add.reduce(a, axis=1)``,
  ``np.multiply.accumulate(a)``) gives a lazy tessera array when tessera has the
  operation.
- ``__array_function__``: a numpy function of a tessera array (``np.sum(a)``,
  ``np.concatenate([a, b])``, ``np.where(c, a, 0)``) calls tessera's function of that
  name, lazily.
- Anything else is computed: its tessera arrays become numpy arrays (each within the
  memory budget of the current context, ``BudgetError`` otherwise) and numpy runs it.
- The ``ndarray`` methods tessera has beyond the native ones (``cumsum``, ``clip``,
  ``round``, ``squeeze``, ``take``, ...), and ``map_overlap``.

The methods and protocols are set on the native class when the package is imported.
"""

import numpy as np

from tessera import _tessera
from tessera._functions import NAMESPACE

# numpy's names that tessera spells otherwise.
_ALIASES = {"amax": "max", "amin": "min", "around": "round", "concat": "concatenate"}

# ``ufunc.reduce`` and ``ufunc.accumulate`` as tessera's reductions and scans.
_REDUCE = {"add": "sum", "multiply": "prod", "maximum": "max", "minimum": "min",
           "logical_and": "all", "logical_or": "any"}
_ACCUMULATE = {"add": "cumsum", "multiply": "cumprod"}

# numpy's bitwise ufuncs, which are the logical ones on bool arrays.
_BITWISE = {"bitwise_and": "logical_and", "bitwise_or": "logical_or",
            "bitwise_xor": "logical_xor", "invert": "logical_not"}


def _handled(types):
    """Whether tessera can compute with every type taking part: numpy's, its own, and
    any without an ``__array_ufunc__``/``__array_function__`` of its own (Python
    numbers, lists)."""
    ours = (_tessera.Array, np.ndarray, np.generic)
    return all(
        issubclass(t, ours) or not (hasattr(t, "__array_ufunc__") or hasattr(t, "__array_function__"))
        for t in types
    )


def computed(value):
    """``value`` with every tessera array in it (in lists, tuples and dicts) computed."""
    if isinstance(value, _tessera.Array):
        return value.compute()
    if isinstance(value, (list, tuple)):
        return type(value)(computed(v) for v in value)
    if isinstance(value, dict):
        return {k: computed(v) for k, v in value.items()}
    return value


def _no_out(kwargs):
    """``kwargs`` without an ``out`` that asks for nothing (``None`` or all ``None``)."""
    out = kwargs.get("out")
    if out is None or (isinstance(out, tuple) and all(o is None for o in out)):
        kwargs = dict(kwargs)
        kwargs.pop("out", None)
    return kwargs


def _is_bool(x):
    return getattr(x, "dtype", None) == np.bool_ or isinstance(x, bool)


def _lazy_ufunc(ufunc, method, inputs, kwargs):
    """The lazy tessera array of ``ufunc.method(*inputs, **kwargs)``, or None when
    tessera does not have it."""
    name = ufunc.__name__
    if method == "__call__" and not kwargs:
        if name in _BITWISE and all(_is_bool(x) for x in inputs):
            name = _BITWISE[name]
        if name in NAMESPACE:
            return _tessera.call(name, *inputs)
    if method == "reduce" and name in _REDUCE and set(kwargs) <= {"axis", "dtype", "keepdims"}:
        kwargs = {"axis": 0, **kwargs}
        if name not in ("add", "multiply"):
            kwargs.pop("dtype", None)
        return getattr(NAMESPACE["asarray"](inputs[0]), _REDUCE[name])(**kwargs)
    if method == "accumulate" and name in _ACCUMULATE and set(kwargs) <= {"axis", "dtype"}:
        return NAMESPACE[_ACCUMULATE[name]](inputs[0], **{"axis": 0, **kwargs})
    return None


def array_ufunc(self, ufunc, method, *inputs, **kwargs):
    """numpy's ``__array_ufunc__``: lazily where tessera has the operation, else
    computed (see the module's doc)."""
    if not _handled(type(x) for x in inputs + tuple(kwargs.get("out") or ())):
        return NotImplemented
    lazy = _lazy_ufunc(ufunc, method, inputs, _no_out(kwargs))
    if lazy is not None:
        return lazy
    return getattr(ufunc, method)(*computed(inputs), **computed(kwargs))


def array_function(self, func, types, args, kwargs):
    """numpy's ``__array_function__``: tessera's function of the same name, lazily;
    else computed (see the module's doc)."""
    if not _handled(types):
        return NotImplemented
    name = _ALIASES.get(func.__name__, func.__name__)
    ours = NAMESPACE.get(name) if func.__module__ == "numpy" else None
    if ours is not None:
        try:
            return ours(*args, **kwargs)
        except (TypeError, NotImplementedError):
            pass  # an argument tessera does not take: numpy computes it
    return func._implementation(*computed(args), **computed(kwargs))


def _method(name):
    """``Array.<name>(*args, **kwargs)``: the registry's ``name(self, *args, **kwargs)``."""
    function = NAMESPACE[name]

    def method(self, *args, **kwargs):
        return function(self, *args, **kwargs)

    method.__name__ = name
    method.__qualname__ = f"Array.{name}"
    method.__doc__ = f"``a.{name}(...)``: ``tessera.{name}(a, ...)``.\n\n{function.__doc__}"
    return method


def clip(self, min=None, max=None, out=None, **kwargs):
    """``clip(min=None, max=None)``: the values limited to [min, max], lazily, as
    numpy's ``ndarray.clip`` (``a_min``/``a_max`` are taken too)."""
    low = kwargs.pop("a_min", min)
    high = kwargs.pop("a_max", max)
    return NAMESPACE["clip"](self, low, high, out=out, **kwargs)


def copy(self):
    """``copy()``: the array itself (tessera arrays are immutable and lazy)."""
    return self


def tolist(self):
    """``tolist()``: the computed values as nested Python lists."""
    return self.compute().tolist()


def item(self, *args):
    """``item(*args)``: one element, computed, as a Python scalar."""
    return self.compute().item(*args)


def tobytes(self, order="C"):
    """``tobytes(order="C")``: the computed values' bytes."""
    return self.compute().tobytes(order)


_METHODS = ("cumsum", "cumprod", "round", "squeeze", "swapaxes", "ravel", "flatten", "dot",
            "diagonal", "trace", "take", "argsort", "map_overlap")


def install():
    """Sets the protocols and the methods on ``tessera.Array``."""
    cls = _tessera.Array
    cls.__array_ufunc__ = array_ufunc
    cls.__array_function__ = array_function
    for name in _METHODS:
        setattr(cls, name, _method(name))
    for function in (clip, copy, tolist, item, tobytes):
        function.__qualname__ = f"Array.{function.__name__}"
        setattr(cls, function.__name__, function)
