"""Random well-typed expressions for the differential test, each node rendered twice:
tessera's language (Python precedence, minimal parentheses) and numpy code. Every node
is evaluated by numpy as it is built (`ev`), so the generator knows each subexpression's
shape and dtype, and the error bound of bounds.py follows the tree.

This module holds the precedence levels, the node and the rendering helpers."""

import operator

import numpy as np

import bounds as B

OR, AND, NOT, CMP, BOR, BAND, ADD, MUL, UNARY, POW, ATOM = 1, 2, 3, 4, 5, 7, 9, 10, 11, 12, 13

BINOPS = {"+": (ADD, operator.add), "-": (ADD, operator.sub), "*": (MUL, operator.mul),
          "/": (MUL, operator.truediv), "//": (MUL, operator.floordiv),
          "%": (MUL, operator.mod), "**": (POW, operator.pow)}
CMPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
        "==": operator.eq, "!=": operator.ne}
EXACT_UNARY = ["abs", "absolute", "sqrt", "isnan", "negative", "logical_not", "sign", "floor",
               "ceil", "round", "square", "isinf", "isfinite"]
INEXACT_UNARY = ["exp", "log", "sin", "cos", "tan", "tanh", "arcsin", "arccos", "arctan",
                 "log10", "log2", "log1p", "expm1"]
EXACT_BINARY = ["maximum", "minimum", "fmax", "fmin", "add", "subtract", "multiply", "divide",
                "true_divide", "floor_divide", "remainder", "less", "less_equal", "greater",
                "greater_equal", "equal", "not_equal", "logical_and", "logical_or",
                "logical_xor"]
INEXACT_BINARY = ["arctan2", "hypot", "power"]
SUMS = ["sum", "nansum", "mean", "nanmean", "average"]
VARS = ["var", "std", "nanvar", "nanstd"]
PRODS = ["prod", "nanprod"]
EXTREMES = ["min", "max", "nanmin", "nanmax", "ptp", "median", "quantile", "percentile"]
DISCRETE = ["argmin", "argmax", "nanargmin", "nanargmax", "count", "count_nonzero", "any", "all"]
METHODS = {"sum", "prod", "min", "max", "mean", "var", "std", "any", "all", "argmin", "argmax",
           "cumsum", "cumprod"}
DTYPE_ARG = {"sum", "prod", "nansum", "nanprod", "mean", "nanmean", "var", "std", "nanvar",
             "nanstd", "cumsum", "cumprod"}
DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64"]
INT_LITERALS = [0, 1, 2, 3, 5, 7, 127, 128, 255, 256, 300, 32767, 65535, 65536, 2**31 - 1,
                2**31, 2**32, 2**53 + 1, 2**63 - 1, 2**63, 2**64 - 1]
FLOAT_LITERALS = [0.5, 1.5, 2.0, 0.25, 0.0, 1e-3, 3.75, 1e10, 1e30, 1e300, 1e-310, 65504.0,
                  70000.0]


class Node:
    def __init__(self, tess, npy, prec, val, err=None, lit=False, unreliable=False):
        self.tess, self.npy, self.prec, self.val = tess, npy, prec, val
        self.err, self.lit, self.shape_unreliable = err, lit, unreliable

    @property
    def ok(self):
        return not isinstance(self.val, Exception)

    @property
    def shape(self):
        return np.shape(self.val)


def t(node, minprec):
    return node.tess if node.prec >= minprec else f"({node.tess})"


def n(node):
    return node.npy if node.prec >= ATOM else f"({node.npy})"


def lit_text(v):
    """(tessera text, numpy text, precedence) of a Python literal."""
    if isinstance(v, bool):
        return repr(v), repr(v), ATOM
    if isinstance(v, float):
        if v != v:
            return "nan", "np.nan", ATOM
        if v in (np.inf, -np.inf):
            return ("inf", "np.inf", ATOM) if v > 0 else ("-inf", "-np.inf", UNARY)
    text = repr(v)
    return text, text, (UNARY if text.startswith("-") else ATOM)


