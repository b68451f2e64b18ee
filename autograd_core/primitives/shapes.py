"""Shapes: reshaping, moving axes, flipping, indexing (getitem and its adjoint), joining
and splitting. Their rules move gradients around without changing them."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from ..core import Value, _ndarray, data_of, shape_of
from ._registry import EachArg, defprim

__all__ = [  # the public names of this module: ag.<name>
    "reshape", "ravel", "transpose", "swapaxes", "moveaxis", "rollaxis", "expand_dims", "squeeze",
    "broadcast_to", "atleast_1d", "atleast_2d", "atleast_3d", "tile",
    "flip", "fliplr", "flipud", "rot90",
    "getitem", "scatter_add",
    "concatenate", "stack", "append", "hstack", "vstack", "dstack", "column_stack",
    "split", "array_split", "hsplit", "vsplit", "dsplit",
]


def _refuse(name: str, **arguments: Any) -> None:
    """Refuse, naming it, a NumPy argument given a value the engine does not support (out=, dtype=...)."""
    for argument, value in arguments.items():
        if value is not None:
            raise TypeError(f"{name}: the argument {argument}= is not supported (got {value!r})")

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


def _ndim(x: Any) -> int:
    return len(_shape(x))


def _shape(x: Any) -> tuple[int, ...]:
    """The shape of a Value, array, number or nested list."""
    return shape_of(x) if isinstance(x, Value | np.ndarray) else np.shape(x)


def _as_array(x: Any) -> Any:
    """A Value as it is; anything else as a NumPy array (what NumPy's functions return)."""
    return x if isinstance(x, Value) else np.asarray(x)


def ravel(a: Any, order: str = "C") -> Any:
    """The elements of a in one dimension, read in `order`: 'C' (last index fastest), 'F'
    (first index fastest), 'A' ('F' if a's data is Fortran-contiguous, else 'C') or 'K' (the
    order of a's data in memory)."""
    if order == "C":
        return reshape(a, (-1,))
    if order == "F":
        return reshape(transpose(a), (-1,))
    if order in ("A", "K"):
        positions = np.empty_like(np.asarray(data_of(a)), dtype=np.intp)  # laid out as a's data
        positions[...] = np.arange(positions.size).reshape(positions.shape)
        return getitem(reshape(a, (-1,)), positions.ravel(order))  # type: ignore[arg-type]
    raise ValueError(f"ravel: order must be 'C', 'F', 'A' or 'K'; got {order!r}")


def moveaxis(a: Any, source: Any, destination: Any) -> Any:
    """a with the axes `source` moved to the positions `destination`, the others in order."""
    ndim = _ndim(a)
    source = normalize_axis_tuple(source, ndim, "source")
    destination = normalize_axis_tuple(destination, ndim, "destination")
    if len(source) != len(destination):
        raise ValueError(
            f"moveaxis: source {source} and destination {destination} must name as many axes"
        )
    order = [k for k in range(ndim) if k not in source]
    for dest, src in sorted(zip(destination, source, strict=True)):
        order.insert(dest, src)
    return transpose(a, order)


def rollaxis(a: Any, axis: int, start: int = 0) -> Any:
    """a with `axis` moved to lie before position `start` (NumPy's older form of moveaxis)."""
    ndim = _ndim(a)
    axis = normalize_axis_index(axis, ndim)
    if not -ndim <= start <= ndim:
        raise np.exceptions.AxisError(f"rollaxis: start={start} is out of range for {ndim} axes")
    start += ndim if start < 0 else 0
    return moveaxis(a, axis, start - 1 if axis < start else start)


def _at_least(ndim: int, shape_for: Callable[[tuple[int, ...]], tuple[int, ...]], arys: tuple) -> Any:
    """Each array with at least `ndim` axes (`shape_for` gives the new shape); one array or a tuple."""
    out = tuple(
        reshape(x, shape_for(_shape(x))) if _ndim(x) < ndim else _as_array(x) for x in arys
    )
    return out[0] if len(out) == 1 else out


def atleast_1d(*arys: Any) -> Any:
    """Each input with at least one axis: a scalar becomes shape (1,)."""
    return _at_least(1, lambda s: (1,), arys)


def atleast_2d(*arys: Any) -> Any:
    """Each input with at least two axes: a scalar becomes (1, 1), a vector (n,) becomes (1, n)."""
    return _at_least(2, lambda s: (1,) * (2 - len(s)) + s, arys)


def atleast_3d(*arys: Any) -> Any:
    """Each input with at least three axes: a scalar becomes (1, 1, 1), a vector (n,) becomes
    (1, n, 1), a matrix (m, n) becomes (m, n, 1)."""
    return _at_least(3, lambda s: (1, *s, 1) if len(s) == 1 else (*s, 1) if len(s) == 2 else (1, 1, 1), arys)


def tile(A: Any, reps: Any) -> Any:
    """A repeated reps[k] times along each axis k (A or reps padded with leading 1s to match)."""
    reps = (int(reps),) if np.ndim(reps) == 0 else tuple(int(r) for r in reps)
    shape = _shape(A)
    ndim = max(len(shape), len(reps))
    shape = (1,) * (ndim - len(shape)) + shape
    reps = (1,) * (ndim - len(reps)) + reps
    spread = reshape(A, tuple(n for side in shape for n in (1, side)))  # (1, s0, 1, s1, ...)
    copies = broadcast_to(spread, tuple(n for r, side in zip(reps, shape, strict=True) for n in (r, side)))
    return reshape(copies, tuple(r * side for r, side in zip(reps, shape, strict=True)))


def flip(m: Any, axis: Any = None) -> Any:
    """m with the order of its elements reversed along `axis` (all axes by default)."""
    ndim = _ndim(m)
    axes = range(ndim) if axis is None else normalize_axis_tuple(axis, ndim)
    return getitem(m, tuple(slice(None, None, -1) if k in axes else slice(None) for k in range(ndim)))


def fliplr(m: Any) -> Any:
    """m with its columns (axis 1) in reverse order."""
    if _ndim(m) < 2:
        raise ValueError(f"fliplr: needs an array of 2 or more dimensions; got shape {_shape(m)}")
    return flip(m, 1)


def flipud(m: Any) -> Any:
    """m with its rows (axis 0) in reverse order."""
    if _ndim(m) < 1:
        raise ValueError("flipud: needs an array of 1 or more dimensions; got a scalar")
    return flip(m, 0)


def rot90(m: Any, k: int = 1, axes: Any = (0, 1)) -> Any:
    """m rotated by 90 degrees k times, from the first of `axes` towards the second."""
    ndim = _ndim(m)
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError(f"rot90: axes must name two axes; got {axes}")
    first, second = normalize_axis_tuple(axes, ndim, "axes")  # (refuses an axis named twice)
    k %= 4
    if k == 0:
        return getitem(m, ...)
    if k == 2:
        return flip(m, axes)
    if k == 1:
        return swapaxes(flip(m, second), first, second)
    return flip(swapaxes(m, first, second), second)


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


# --- joining ------------------------------------------------------------------------------

_MOST_INPUTS = 64
"""The most inputs one concatenate or stack node takes: more are joined in groups of this
many, then the groups joined, so a backward or forward pass costs time linear in their number
(a rule of a node receives all of its inputs)."""


def _join_block(i: int, ans: Any, axis: int, offsets: tuple[int, ...]) -> tuple:
    """The index of input i's block inside the concatenation `ans` (its rows offsets[i]:offsets[i+1])."""
    return (slice(None),) * (axis % len(shape_of(ans))) + (slice(offsets[i], offsets[i + 1]),)


def _stack_index(i: int, ans: Any, axis: int) -> tuple:
    return (slice(None),) * (axis % len(shape_of(ans))) + (i,)


_concatenate = defprim(
    "concatenate",
    lambda *xs, axis, offsets: np.concatenate(xs, axis=axis),
    EachArg(lambda i, g, ans, *xs, axis, offsets: getitem(g, _join_block(i, ans, axis, offsets))),
    EachArg(lambda i, t, ans, *xs, axis, offsets:
             scatter_add(t, _join_block(i, ans, axis, offsets), shape_of(ans))),
)
_stack = defprim(
    "stack",
    lambda *xs, axis=0: np.stack(xs, axis=axis),
    EachArg(lambda i, g, ans, *xs, axis=0: getitem(g, _stack_index(i, ans, axis))),
    EachArg(lambda i, t, ans, *xs, axis=0:
             scatter_add(t, _stack_index(i, ans, axis), shape_of(ans))),
)


def _concatenate_few(xs: list, axis: int) -> Any:
    """One concatenate node; the offsets of the blocks travel with it, so each rule is O(1)."""
    shapes = [_shape(x) for x in xs]
    if not xs or any(len(s) == 0 or len(s) != len(shapes[0]) for s in shapes) or not (
        -len(shapes[0]) <= axis < len(shapes[0])
    ):
        return _concatenate(*xs, axis=axis, offsets=())  # NumPy's forward words the refusal
    offsets = tuple(itertools.accumulate((s[axis] for s in shapes), initial=0))
    return _concatenate(*xs, axis=axis, offsets=offsets)


def concatenate(
    arrays: Sequence[Any], axis: int | None = 0, out: None = None, *, dtype: Any = None,
    casting: str = "same_kind",
) -> Any:
    """The arrays joined along an existing `axis` (flattened first when axis is None)."""
    _refuse("concatenate", out=out, dtype=dtype)
    xs = list(arrays)
    if axis is None:
        xs, axis = [ravel(x) for x in xs], 0
    while len(xs) > _MOST_INPUTS:
        xs = [_concatenate_few(xs[k: k + _MOST_INPUTS], axis) for k in range(0, len(xs), _MOST_INPUTS)]
    return _concatenate_few(xs, axis)


def stack(
    arrays: Sequence[Any], axis: int = 0, out: None = None, *, dtype: Any = None, casting: str = "same_kind"
) -> Any:
    """The arrays, all of one shape, stacked along a new `axis`."""
    _refuse("stack", out=out, dtype=dtype)
    xs = list(arrays)
    if len(xs) <= _MOST_INPUTS:
        return _stack(*xs, axis=axis)
    groups = [_stack(*xs[k: k + _MOST_INPUTS], axis=axis) for k in range(0, len(xs), _MOST_INPUTS)]
    return concatenate(groups, axis=axis)


def append(arr: Any, values: Any, axis: int | None = None) -> Any:
    """arr with `values` joined at its end along `axis` (both flattened when axis is None)."""
    if axis is None:
        return concatenate([ravel(arr), ravel(values)])
    return concatenate([arr, values], axis=axis)


def hstack(tup: Sequence[Any], *, dtype: Any = None, casting: str = "same_kind") -> Any:
    """The arrays joined column-wise: along axis 1, or axis 0 for vectors."""
    _refuse("hstack", dtype=dtype)
    xs = [atleast_1d(x) for x in tup]
    return concatenate(xs, axis=0 if xs and _ndim(xs[0]) == 1 else 1)


def vstack(tup: Sequence[Any], *, dtype: Any = None, casting: str = "same_kind") -> Any:
    """The arrays joined row-wise, along axis 0 (a vector (n,) counts as a row (1, n))."""
    _refuse("vstack", dtype=dtype)
    return concatenate([atleast_2d(x) for x in tup], axis=0)


def dstack(tup: Sequence[Any]) -> Any:
    """The arrays joined depth-wise, along axis 2 (after `atleast_3d`)."""
    return concatenate([atleast_3d(x) for x in tup], axis=2)


def column_stack(tup: Sequence[Any]) -> Any:
    """The arrays as the columns of a matrix: vectors (n,) become columns (n, 1); then joined
    along axis 1."""
    columns = [reshape(x, (-1, 1)) if _ndim(x) < 2 else x for x in tup]
    return concatenate(columns, axis=1)


# --- splitting ------------------------------------------------------------------------------


def array_split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list[Any]:
    """ary cut along `axis` into a list of pieces: N pieces as equal as can be (the first
    ones one longer) for an integer N, or cut before each of the given indices."""
    length = _shape(ary)[normalize_axis_index(axis, _ndim(ary))]
    if np.ndim(indices_or_sections) == 0:
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError(f"array_split: the number of sections must be positive; got {sections}")
        each, extra = divmod(length, sections)
        sizes = [each + 1] * extra + [each] * (sections - extra)
        bounds = list(itertools.accumulate(sizes, initial=0))
    else:
        bounds = [0, *(int(i) for i in indices_or_sections), length]
    head = (slice(None),) * normalize_axis_index(axis, _ndim(ary))
    return [getitem(ary, head + (slice(start, stop),)) for start, stop in itertools.pairwise(bounds)]


def split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list[Any]:
    """ary cut along `axis` into N equal pieces (an error if N does not divide its length),
    or cut before each of the given indices."""
    if np.ndim(indices_or_sections) == 0:
        length = _shape(ary)[normalize_axis_index(axis, _ndim(ary))]
        if int(indices_or_sections) > 0 and length % int(indices_or_sections):
            raise ValueError(
                f"split: {indices_or_sections} sections do not divide the length {length} of axis {axis} "
                "equally (array_split allows unequal pieces)"
            )
    return array_split(ary, indices_or_sections, axis)


def hsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    """split along the columns: axis 1, or axis 0 for a vector."""
    if _ndim(ary) == 0:
        raise ValueError("hsplit: needs an array of 1 or more dimensions; got a scalar")
    return split(ary, indices_or_sections, 1 if _ndim(ary) > 1 else 0)


def vsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    """split along the rows (axis 0) of an array of 2 or more dimensions."""
    if _ndim(ary) < 2:
        raise ValueError(f"vsplit: needs an array of 2 or more dimensions; got shape {_shape(ary)}")
    return split(ary, indices_or_sections, 0)


def dsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    """split along the depth (axis 2) of an array of 3 or more dimensions."""
    if _ndim(ary) < 3:
        raise ValueError(f"dsplit: needs an array of 3 or more dimensions; got shape {_shape(ary)}")
    return split(ary, indices_or_sections, 2)


# --- what NumPy's own functions called on a Value run (see numpy_dispatch) ------------------

NUMPY_UFUNCS: dict[Any, Callable[..., Any]] = {}
NUMPY_FUNCTIONS: dict[Any, Callable[..., Any]] = {
    np.reshape: reshape, np.transpose: transpose, np.swapaxes: swapaxes,
    np.expand_dims: expand_dims, np.squeeze: squeeze, np.broadcast_to: broadcast_to,
    np.ravel: ravel, np.moveaxis: moveaxis, np.rollaxis: rollaxis,
    np.atleast_1d: atleast_1d, np.atleast_2d: atleast_2d, np.atleast_3d: atleast_3d, np.tile: tile,
    np.flip: flip, np.fliplr: fliplr, np.flipud: flipud, np.rot90: rot90,
    np.concatenate: concatenate, np.stack: stack, np.append: append, np.hstack: hstack, np.vstack: vstack,
    np.dstack: dstack, np.column_stack: column_stack,
    np.split: split, np.array_split: array_split, np.hsplit: hsplit, np.vsplit: vsplit, np.dsplit: dsplit,
}
