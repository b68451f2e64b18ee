"""Shapes and indexing: rules that move gradients around without changing them."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..core import _ndarray, data_of, shape_of
from ._registry import EachArg, defprim

__all__ = [  # the public names of this module: ag.<name>
    "reshape",
    "transpose",
    "swapaxes",
    "expand_dims",
    "squeeze",
    "broadcast_to",
    "getitem",
    "scatter_add",
    "concatenate",
    "stack",
]

# --- shape and indexing ----------------------------------------------------------------------

_reshape = defprim(
    "reshape",
    lambda x, shape: np.reshape(x, shape),
    (lambda g, ans, x, shape: reshape(g, shape_of(x)),),
    (lambda t, ans, x, shape: reshape(t, shape),),
)


def _inverse(axes: Any, ndim: int) -> Any:
    return None if axes is None else tuple(int(k) for k in np.argsort([a % ndim for a in axes]))


_transpose = defprim(
    "transpose",
    lambda x, axes=None: x.transpose(axes) if x.__class__ is _ndarray else np.transpose(x, axes),
    (lambda g, ans, x, axes=None: g.transpose(_inverse(axes, len(shape_of(x)))),),
    (lambda t, ans, x, axes=None: t.transpose(axes),),
)
_swapaxes = defprim(
    "swapaxes",
    lambda x, axis1, axis2: np.swapaxes(x, axis1, axis2),
    (lambda g, ans, x, axis1, axis2: swapaxes(g, axis1, axis2),),
    (lambda t, ans, x, axis1, axis2: swapaxes(t, axis1, axis2),),
)
_expand_dims = defprim(
    "expand_dims",
    lambda x, axis: np.expand_dims(x, axis),
    (lambda g, ans, x, axis: reshape(g, shape_of(x)),),
    (lambda t, ans, x, axis: reshape(t, shape_of(ans)),),
)
_squeeze = defprim(
    "squeeze",
    lambda x, axis=None: np.squeeze(x, axis),
    (lambda g, ans, x, axis=None: reshape(g, shape_of(x)),),
    (lambda t, ans, x, axis=None: reshape(t, shape_of(ans)),),
)
_broadcast_to = defprim(
    "broadcast_to",
    lambda x, shape: np.broadcast_to(x, shape),
    (lambda g, ans, x, shape: g,),  # the reverse pass sums g back to x's shape
    (lambda t, ans, x, shape: broadcast_to(t, shape),),
    broadcasts=True,
)


def reshape(x: Any, shape: Any) -> Any:
    """The same elements in a new `shape`."""
    return _reshape(x, shape=tuple(shape) if isinstance(shape, list) else shape)


def transpose(x: Any, axes: Any = None) -> Any:
    """x with its axes permuted (reversed when `axes` is None); `x.T` for a matrix."""
    return _transpose(x, axes=None if axes is None else tuple(axes))


def swapaxes(x: Any, axis1: int, axis2: int) -> Any:
    """x with `axis1` and `axis2` interchanged."""
    return _swapaxes(x, axis1=axis1, axis2=axis2)


def expand_dims(x: Any, axis: Any) -> Any:
    """x with a new axis of size 1 at `axis`."""
    return _expand_dims(x, axis=axis)


def squeeze(x: Any, axis: Any = None) -> Any:
    """x without its axes of size 1 (or just `axis`)."""
    return _squeeze(x, axis=axis)


def broadcast_to(x: Any, shape: Any) -> Any:
    """x broadcast to `shape`, as NumPy broadcasts."""
    return _broadcast_to(x, shape=tuple(shape))


def _is_basic(index: Any) -> bool:
    """True for indices made of ints, slices, None and Ellipsis (no element is repeated)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, int | slice | type(None) | type(Ellipsis)) for p in parts)


def _scatter_add(g: Any, index: Any, shape: tuple[int, ...]) -> np.ndarray:
    """An array of zeros of `shape` with g added at `index`; repeated indices accumulate."""
    out = np.zeros(shape, dtype=getattr(g, "dtype", np.float64))
    if _is_basic(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


_scatter_add_prim = defprim(
    "scatter_add",
    _scatter_add,
    (lambda g, ans, x, index, shape: getitem(g, index),),
    (lambda t, ans, x, index, shape: scatter_add(t, index, shape),),
)
_getitem = defprim(
    "getitem",
    lambda x, index: x[index],
    (lambda g, ans, x, index: scatter_add(g, index, shape_of(x)),),
    (lambda t, ans, x, index: getitem(t, index),),
)


def scatter_add(x: Any, index: Any, shape: tuple[int, ...]) -> Any:
    """Zeros of `shape` with x added at `index` (the adjoint of indexing)."""
    return _scatter_add_prim(x, index=index, shape=tuple(shape))


def getitem(x: Any, index: Any) -> Any:
    """x[index], basic or advanced indexing (Value indices are used as plain data)."""
    if isinstance(index, tuple):
        index = tuple(data_of(i) for i in index)
    else:
        index = data_of(index)
    if isinstance(index, list):
        index = np.asarray(index)
    return _getitem(x, index=index)


def _slice_of(i: int, ans: Any, xs: tuple, axis: int) -> tuple:
    """The index of input i's block inside the concatenation `ans`."""
    axis = axis % len(shape_of(ans))
    start = builtins.sum(shape_of(x)[axis] for x in xs[:i])
    return (slice(None),) * axis + (slice(start, start + shape_of(xs[i])[axis]),)


def _stack_index(i: int, ans: Any, axis: int) -> tuple:
    return (slice(None),) * (axis % len(shape_of(ans))) + (i,)


_concatenate = defprim(
    "concatenate",
    lambda *xs, axis=0: np.concatenate(xs, axis=axis),
    EachArg(lambda i, g, ans, *xs, axis=0: getitem(g, _slice_of(i, ans, xs, axis))),
    EachArg(lambda i, t, ans, *xs, axis=0:
             scatter_add(t, _slice_of(i, ans, xs, axis), shape_of(ans))),
)
_stack = defprim(
    "stack",
    lambda *xs, axis=0: np.stack(xs, axis=axis),
    EachArg(lambda i, g, ans, *xs, axis=0: getitem(g, _stack_index(i, ans, axis))),
    EachArg(lambda i, t, ans, *xs, axis=0:
             scatter_add(t, _stack_index(i, ans, axis), shape_of(ans))),
)


def concatenate(xs: Sequence[Any], axis: int = 0) -> Any:
    """The inputs joined along an existing `axis`."""
    return _concatenate(*xs, axis=axis)


def stack(xs: Sequence[Any], axis: int = 0) -> Any:
    """The inputs stacked along a new `axis`."""
    return _stack(*xs, axis=axis)


# --- what NumPy's own functions called on a Value run (see numpy_dispatch) ------------------

NUMPY_UFUNCS: dict[Any, Callable[..., Any]] = {}
NUMPY_FUNCTIONS: dict[Any, Callable[..., Any]] = {
    np.reshape: reshape, np.transpose: transpose, np.swapaxes: swapaxes,
    np.expand_dims: expand_dims, np.squeeze: squeeze, np.broadcast_to: broadcast_to,
    np.concatenate: concatenate, np.stack: stack,
}
