"""NumPy interoperability: NumPy functions and ufuncs called on Values run the primitives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import data_of
from .elementwise import abs, add, div, exp, log, maximum, minimum, mul, neg, power, sqrt, sub, tanh, where
from .linalg import matmul
from .reductions import max, mean, min, sum
from .shapes import broadcast_to, concatenate, expand_dims, reshape, squeeze, stack, swapaxes, transpose

# --- NumPy interoperability ------------------------------------------------------------------

_UFUNCS: dict[Any, Callable[..., Any]] = {
    np.add: add, np.subtract: sub, np.multiply: mul, np.true_divide: div,
    np.negative: neg, np.power: power, np.exp: exp, np.log: log, np.sqrt: sqrt,
    np.absolute: abs, np.tanh: tanh, np.maximum: maximum, np.minimum: minimum,
    np.matmul: matmul,
}
_COMPARISONS = {np.less, np.less_equal, np.greater, np.greater_equal}


def apply_ufunc(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
    """A NumPy ufunc called on Values: the matching primitive, or a clear TypeError."""
    if method == "__call__" and not kwargs:
        if ufunc in _UFUNCS:
            return _UFUNCS[ufunc](*inputs)
        if ufunc in _COMPARISONS:
            return ufunc(*(data_of(x) for x in inputs))
    raise TypeError(
        f"numpy.{ufunc.__name__} ({method}) is not differentiable here; "
        "use the functions of autograd_core"
    )


def apply_function(func: Any, args: tuple, kwargs: dict) -> Any:
    """A NumPy function called on Values: the matching primitive, or a clear TypeError."""
    handlers: dict[Any, Callable[..., Any]] = {
        np.sum: sum, np.mean: mean, np.max: max, np.min: min, np.amax: max, np.amin: min,
        np.reshape: reshape, np.transpose: transpose, np.swapaxes: swapaxes,
        np.expand_dims: expand_dims, np.squeeze: squeeze, np.broadcast_to: broadcast_to,
        np.concatenate: concatenate, np.stack: stack, np.where: where, np.matmul: matmul,
        np.exp: exp, np.log: log, np.tanh: tanh, np.sqrt: sqrt, np.abs: abs,
        np.maximum: maximum, np.minimum: minimum,
    }
    if func in (np.shape, np.ndim, np.size):
        return func(*(data_of(a) for a in args), **kwargs)
    if func not in handlers:
        raise TypeError(
            f"numpy.{func.__name__} is not differentiable here; use the functions of autograd_core"
        )
    return handlers[func](*args, **kwargs)
