"""Indexing, sorting and padding: functions that pick, reorder or surround elements.

Each is written with the primitives of `shapes` (getitem and its adjoint scatter_add,
reshape, broadcast_to, concatenate) and `where`, so its derivative is theirs: a gradient
goes back to the element it was picked from, and elements picked twice add up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from ..core import Value, data_of
from .elementwise import where
from .shapes import (
    _ndim,
    _refuse,
    _shape,
    broadcast_to,
    concatenate,
    getitem,
    ravel,
    reshape,
    scatter_add,
)

__all__ = [  # the public names of this module: ag.<name>
    "take", "take_along_axis", "repeat", "roll", "pad", "sort", "argsort", "partition", "argpartition",
    "select",
]

# --- picking elements ----------------------------------------------------------------------


def _along(axis: int, index: Any) -> tuple:
    """The index that applies `index` to `axis` and keeps the other axes whole."""
    return (slice(None),) * axis + (index,)


def _integer_indices(indices: Any, what: str) -> np.ndarray:
    """`indices` as an integer array (booleans count as 0 and 1, as in NumPy's take)."""
    indices = np.asarray(data_of(indices))
    if indices.dtype.kind == "b":
        return indices.astype(np.intp)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"{what}: indices must be integers; got an array of dtype {indices.dtype}")
    return indices


def take(a: Any, indices: Any, axis: int | None = None, out: None = None, mode: str = "raise") -> Any:
    """The elements of a at `indices` along `axis` (of a flattened when axis is None).

    `mode` says what an index out of range does: 'raise' an IndexError, 'wrap' around, or
    'clip' to the first or last element (a negative index clips to the first).
    """
    _refuse("take", out=out)
    if axis is None:
        a, axis = ravel(a), 0
    axis = normalize_axis_index(axis, _ndim(a))
    indices = _integer_indices(indices, "take")
    length = _shape(a)[axis]
    if mode == "wrap":
        indices = indices % length
    elif mode == "clip":
        indices = np.clip(indices, 0, length - 1)
    elif mode != "raise":
        raise ValueError(f"take: mode must be 'raise', 'wrap' or 'clip'; got {mode!r}")
    return getitem(a, _along(axis, indices))


def take_along_axis(arr: Any, indices: Any, axis: int | None = -1) -> Any:
    """arr[..., indices[..., j, ...], ...] along `axis`: picks with an index array of arr's
    number of dimensions (what argsort and argmax with keepdims give), broadcasting the others."""
    indices = _integer_indices(indices, "take_along_axis")
    if axis is None:
        arr, axis = ravel(arr), 0
    ndim = _ndim(arr)
    if indices.ndim != ndim:
        raise ValueError(
            f"take_along_axis: indices must have as many dimensions as arr ({ndim}); got {indices.ndim}"
        )
    axis = normalize_axis_index(axis, ndim)
    grid = tuple(
        indices if k == axis else np.arange(n).reshape((-1,) + (1,) * (ndim - 1 - k))
        for k, n in enumerate(_shape(arr))
    )
    return getitem(arr, grid)


def repeat(a: Any, repeats: Any, axis: int | None = None) -> Any:
    """Each element of a repeated `repeats` times along `axis` (of a flattened when axis is
    None); `repeats` is one count for all elements or one count per element."""
    if axis is None:
        a, axis = ravel(a), 0
    axis = normalize_axis_index(axis, _ndim(a))
    shape = _shape(a)
    if np.ndim(repeats) == 0:  # every element the same number of times: a broadcast, then a reshape
        count = int(repeats)
        if count < 0:
            raise ValueError(f"repeat: repeats must not be negative; got {count}")
        spread = broadcast_to(reshape(a, shape[: axis + 1] + (1,) + shape[axis + 1:]),
                              shape[: axis + 1] + (count,) + shape[axis + 1:])
        return reshape(spread, shape[:axis] + (shape[axis] * count,) + shape[axis + 1:])
    return getitem(a, _along(axis, np.repeat(np.arange(shape[axis]), repeats)))


def roll(a: Any, shift: Any, axis: Any = None) -> Any:
    """a with its elements shifted `shift` places along `axis` (of a flattened when axis is
    None); those pushed off the end come back at the start. Several axes take several shifts."""
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), _shape(a))
    ndim = _ndim(a)
    shifts: dict[int, int] = {}
    for s, k in np.broadcast(shift, axis):
        k = normalize_axis_index(int(k), ndim)
        shifts[k] = shifts.get(k, 0) + int(s)
    for k, s in shifts.items():
        length = _shape(a)[k]
        cut = length - s % length if length else 0
        if 0 < cut < length:
            a = concatenate([getitem(a, _along(k, slice(cut, None))), getitem(a, _along(k, slice(cut)))], k)
    return a


# --- padding --------------------------------------------------------------------------------


def pad(array: Any, pad_width: Any, mode: str = "constant", **kwargs: Any) -> Any:
    """array surrounded by `pad_width` constants on each side of each axis (mode 'constant',
    the only mode supported); the constants, `constant_values` (0 by default), are data."""
    if mode != "constant":
        raise ValueError(f"pad: mode {mode!r} is not supported; only mode='constant' is")
    unknown = set(kwargs) - {"constant_values"}
    if unknown:
        raise TypeError(f"pad: mode 'constant' takes no argument {sorted(unknown)[0]}=")
    values = kwargs.get("constant_values", 0)
    if isinstance(values, Value) and values.requires_grad:
        raise TypeError("pad: constant_values is data here; a Value that requires grad cannot be padded in")
    values = data_of(values)
    data = np.asarray(data_of(array))
    frame = np.pad(np.zeros_like(data), pad_width, mode="constant", constant_values=values)
    before = np.broadcast_to(np.asarray(pad_width, dtype=np.intp), (data.ndim, 2))[:, 0]
    inside = tuple(slice(int(b), int(b) + n) for b, n in zip(before, data.shape, strict=True))
    padded = scatter_add(array, inside, frame.shape)
    return padded + frame if np.any(frame) else padded


# --- sorting --------------------------------------------------------------------------------


def argsort(a: Any, axis: int | None = -1, kind: str | None = None, order: None = None, *,
            stable: bool | None = None) -> np.ndarray:
    """The indices that sort a along `axis`, a plain integer array (not differentiable)."""
    _refuse("argsort", order=order)
    return np.argsort(data_of(a), axis=axis, kind=kind, stable=stable)  # type: ignore[arg-type]


def sort(a: Any, axis: int | None = -1, kind: str | None = None, order: None = None, *,
         stable: bool | None = None) -> Any:
    """a's values sorted along `axis` (of a flattened when axis is None).

    The gradient follows the permutation: each element receives the gradient of the place it
    was sorted to. Equal elements keep their order (a stable sort), so of tied elements the
    first in a takes the first of their places; `kind` does not change the values.
    """
    _refuse("sort", order=order)
    if axis is None:
        a, axis = ravel(a), -1
    return take_along_axis(a, np.argsort(data_of(a), axis=axis, kind="stable"), axis)


def argpartition(a: Any, kth: Any, axis: int | None = -1, kind: str = "introselect",
                 order: None = None) -> np.ndarray:
    """The indices that partition a around its kth element(s) along `axis`, a plain integer
    array (not differentiable)."""
    _refuse("argpartition", order=order)
    return np.argpartition(data_of(a), kth, axis=axis, kind=kind)  # type: ignore[arg-type]


def partition(a: Any, kth: Any, axis: int | None = -1, kind: str = "introselect", order: None = None) -> Any:
    """a with its kth element(s) along `axis` where a sort would put them, the smaller ones
    before and the larger ones after (as NumPy's partition). The gradient follows the
    permutation, as sort's does."""
    _refuse("partition", order=order)
    if axis is None:
        a, axis = ravel(a), -1
    return take_along_axis(a, argpartition(a, kth, axis, kind), axis)


# --- choosing -------------------------------------------------------------------------------


def select(condlist: Sequence[Any], choicelist: Sequence[Any], default: Any = 0) -> Any:
    """Elementwise, choicelist[i] for the first i whose condlist[i] holds, else `default`
    (all broadcast together); the conditions are boolean data."""
    if len(condlist) != len(choicelist):
        raise ValueError(
            f"select: {len(condlist)} conditions but {len(choicelist)} choices; they must pair up"
        )
    if not condlist:
        raise ValueError("select: needs at least one condition")
    for i, condition in enumerate(condlist):
        if np.asarray(data_of(condition)).dtype != bool:
            raise TypeError(f"select: condition {i} must be a boolean array")
    result = default
    for condition, choice in zip(reversed(condlist), reversed(choicelist), strict=True):
        result = where(condition, choice, result)
    return result


# --- what NumPy's own functions called on a Value run (see numpy_dispatch) ------------------

NUMPY_UFUNCS: dict[Any, Callable[..., Any]] = {}
NUMPY_FUNCTIONS: dict[Any, Callable[..., Any]] = {
    np.take: take, np.take_along_axis: take_along_axis, np.repeat: repeat, np.roll: roll, np.pad: pad,
    np.sort: sort, np.partition: partition, np.select: select,
}
