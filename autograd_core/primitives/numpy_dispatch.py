"""NumPy interoperability: NumPy's functions and ufuncs called on Values run the primitives.

Each module of the registry says, in its `NUMPY_UFUNCS` and `NUMPY_FUNCTIONS` tables, which
of NumPy's functions its primitives stand for; this module only looks them up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import data_of
from . import elementwise, linalg, reductions, shapes

_KINDS = (elementwise, reductions, linalg, shapes)
UFUNCS: dict[Any, Callable[..., Any]] = {k: v for m in _KINDS for k, v in m.NUMPY_UFUNCS.items()}
FUNCTIONS: dict[Any, Callable[..., Any]] = {k: v for m in _KINDS for k, v in m.NUMPY_FUNCTIONS.items()}
_COMPARISONS = {np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal}
_ABOUT_SHAPE = {np.shape, np.ndim, np.size}


def apply_ufunc(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
    """A NumPy ufunc called on Values: the matching primitive, or a clear TypeError."""
    if method == "__call__" and not kwargs:
        if ufunc in UFUNCS:
            return UFUNCS[ufunc](*inputs)
        if ufunc in _COMPARISONS:
            return ufunc(*(data_of(x) for x in inputs))
    raise TypeError(
        f"numpy.{ufunc.__name__} ({method}) is not differentiable here; "
        "use the functions of autograd_core"
    )


def apply_function(func: Any, args: tuple, kwargs: dict) -> Any:
    """A NumPy function called on Values: the matching primitive, or a clear TypeError."""
    if func in _ABOUT_SHAPE:
        return func(*(data_of(a) for a in args), **kwargs)
    if func not in FUNCTIONS:
        raise TypeError(
            f"numpy.{func.__name__} is not differentiable here; use the functions of autograd_core"
        )
    return FUNCTIONS[func](*args, **kwargs)
