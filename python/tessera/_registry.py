"""The engine's functions under numpy's names, made from its registry.

The engine keeps one list of its functions (the registry behind ``tessera eval``), each
with numpy's signature and a one-line summary. ``_tessera.functions()`` returns it and
``_tessera.call(name, *args, **kwargs)`` calls an entry; this module turns every entry
into a Python function with that signature (``inspect.signature``, ``help()``) and that
summary as its docstring. The command line and Python therefore share one list, one way
of binding arguments and one set of semantics.
"""

import ast
import inspect

import numpy as np

from tessera import _tessera


def _default(node):
    """A default value of a registry signature: a literal, or a dtype name."""
    if isinstance(node, ast.Name):
        return np.dtype(node.id) if node.id not in ("None", "True", "False") else None
    return ast.literal_eval(node)


def _parameters(signature):
    """The ``inspect.Signature`` of a registry signature such as
    ``"cumsum(a, axis=None, dtype=None)"``; None when it is not Python syntax (arange's
    ``[start,] stop[, step]``)."""
    name, _, rest = signature.partition("(")
    try:
        tree = ast.parse(f"def f({rest}: pass")
    except SyntaxError:
        return None
    spec = tree.body[0].args
    kind = inspect.Parameter
    positional = spec.args
    defaults = [None] * (len(positional) - len(spec.defaults)) + list(spec.defaults)
    params = [
        kind(a.arg, kind.POSITIONAL_OR_KEYWORD, default=kind.empty if d is None else _default(d))
        for a, d in zip(positional, defaults)
    ]
    if spec.vararg is not None:
        params.append(kind(spec.vararg.arg, kind.VAR_POSITIONAL))
    for a, d in zip(spec.kwonlyargs, spec.kw_defaults):
        params.append(kind(a.arg, kind.KEYWORD_ONLY, default=kind.empty if d is None else _default(d)))
    return inspect.Signature(params)


def _function(name, signature, summary, category, module):
    """The Python function of one registry entry."""

    def function(*args, **kwargs):
        return _tessera.call(name, *args, **kwargs)

    short = name.rpartition(".")[2]
    function.__name__ = function.__qualname__ = short
    function.__module__ = module
    function.__doc__ = (
        f"{signature.replace(name, short, 1)}\n\n{summary}\n\n"
        f"{category}: lazy, with numpy's semantics and argument names "
        f"(numpy.{name}). Arrays may be tessera arrays or anything numpy takes."
    )
    parameters = _parameters(signature)
    if parameters is not None:
        function.__signature__ = parameters
    return function


def functions(prefix=""):
    """Every registry function whose name starts with ``prefix`` (``"random."``), by its
    name after the prefix."""
    module = "tessera." + prefix.rstrip(".") if prefix else "tessera"
    made = {}
    for name, signature, summary, category in _tessera.functions():
        if prefix and not name.startswith(prefix):
            continue
        if not prefix and "." in name:
            continue
        made[name[len(prefix):]] = _function(name, signature, summary, category, module)
    return made
