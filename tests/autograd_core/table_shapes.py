"""Rows of the primitives' table for `shapes`: reshaping, flipping, joining and splitting,
called through NumPy's own functions on Values."""

import numpy as np
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.testing import arrays, shapes

from .calls import NONSCALAR_SHAPES, Call


def _flat(parts: list) -> object:
    return ag.concatenate([ag.ravel(p) for p in parts])


@st.composite
def ravels(draw: st.DrawFn) -> Call:
    """np.ravel in each order (of a transposed view too), or the flatten method."""
    x = draw(arrays())
    order = draw(st.sampled_from("CFAK"))
    if draw(st.booleans()):
        return Call(lambda x: x.flatten(order), (x,), {"flatten": order})
    view = draw(st.booleans())
    return Call(lambda x: np.ravel(x.T if view else x, order), (x,), {"order": order, "of x.T": view})


@st.composite
def flips(draw: st.DrawFn, kind: str) -> Call:
    """np.flip over drawn axes, np.fliplr, np.flipud, np.rot90 with a drawn k and axes."""
    x = draw(arrays(shapes(min_dims=2)))
    if kind == "flip":
        axis = draw(st.none() | st.integers(-x.ndim, x.ndim - 1) | st.permutations(range(x.ndim)).map(
            lambda p: tuple(p[:2])))
        return Call(lambda x: np.flip(x, axis), (x,), {"flip axis": axis})
    if kind == "rot90":
        k = draw(st.integers(-5, 5))
        axes = tuple(draw(st.permutations(range(x.ndim)))[:2])
        return Call(lambda x: np.rot90(x, k, axes), (x,), {"rot90 k": k, "axes": axes})
    return Call(getattr(np, kind), (x,), {"function": kind})


@st.composite
def moved_axes(draw: st.DrawFn) -> Call:
    """np.moveaxis of several axes, or np.rollaxis."""
    x = draw(arrays(NONSCALAR_SHAPES))
    if draw(st.booleans()):
        axis, start = draw(st.integers(-x.ndim, x.ndim - 1)), draw(st.integers(-x.ndim, x.ndim))
        return Call(lambda x: np.rollaxis(x, axis, start), (x,), {"rollaxis": (axis, start)})
    count = draw(st.integers(1, x.ndim))
    source = draw(st.permutations(range(x.ndim)))[:count]
    destination = draw(st.permutations(range(-x.ndim, 0)))[:count]
    return Call(lambda x: np.moveaxis(x, source, destination), (x,), {"moveaxis": (source, destination)})


@st.composite
def at_least(draw: st.DrawFn, f) -> Call:
    """np.atleast_1d, 2d or 3d of one or two arrays of 0 to 3 axes."""
    xs = tuple(draw(st.lists(arrays(), min_size=1, max_size=2)))
    if len(xs) == 1:
        return Call(f, xs, {"function": f.__name__})
    return Call(lambda *xs: _flat(list(f(*xs))), xs, {"function": f.__name__})


@st.composite
def tiles(draw: st.DrawFn) -> Call:
    """np.tile with an int or a tuple of repetitions, shorter or longer than x's axes."""
    x = draw(arrays(shapes(max_side=3)))
    reps = draw(st.integers(0, 3) | st.lists(st.integers(0, 2), max_size=4).map(tuple))
    return Call(lambda x: np.tile(x, reps), (x,), {"reps": reps})


@st.composite
def stackings(draw: st.DrawFn, f) -> Call:
    """np.hstack, vstack, dstack or column_stack of 1 to 3 arrays whose shapes fit together."""
    shape = draw(shapes(max_dims=3, max_side=3))
    along = {np.hstack: 1 if len(shape) > 1 else 0, np.vstack: 0, np.dstack: 2, np.column_stack: 1}[f]
    count = draw(st.integers(1, 3))
    xs = []
    for _ in range(count):
        s = list(shape)
        if len(s) > along and (len(s) > 1 or f is np.hstack):  # (vectors are rows or columns here)
            s[along] = draw(st.integers(1, 3))
        xs.append(draw(arrays(tuple(s))))
    return Call(lambda *xs: f(list(xs)), tuple(xs), {"function": f.__name__})


@st.composite
def splits(draw: st.DrawFn, f) -> Call:
    """np.split, array_split, hsplit, vsplit, dsplit into sections or at drawn indices."""
    min_dims = {np.vsplit: 2, np.dsplit: 3}.get(f, 1)
    x = draw(arrays(shapes(min_dims=min_dims, max_side=4)))
    axis = {np.hsplit: 1 if x.ndim > 1 else 0, np.vsplit: 0, np.dsplit: 2}.get(f)
    params = {}
    if axis is None:
        axis = draw(st.integers(-x.ndim, x.ndim - 1))
        params["axis"] = axis
    length = x.shape[axis]
    if draw(st.booleans()):
        cuts = draw(st.lists(st.integers(-length, length + 1), max_size=3))
    elif f is np.array_split:
        cuts = draw(st.integers(1, length + 2))
    else:
        cuts = draw(st.sampled_from([n for n in range(1, length + 1) if length % n == 0]))
    return Call(lambda x: _flat(f(x, cuts, **params)), (x,), {"function": f.__name__, "cuts": cuts, **params})


@st.composite
def appends(draw: st.DrawFn) -> Call:
    """np.append along an axis (the lengths along it may differ) or of both flattened."""
    x = draw(arrays())
    if x.ndim and draw(st.booleans()):
        axis = draw(st.integers(-x.ndim, x.ndim - 1))
        shape = list(x.shape)
        shape[axis] = draw(st.integers(1, 3))
        return Call(lambda x, y: np.append(x, y, axis), (x, draw(arrays(tuple(shape)))), {"axis": axis})
    return Call(lambda x, y: np.append(x, y), (x, draw(arrays())), {"axis": None})


@st.composite
def many_joined(draw: st.DrawFn) -> Call:
    """np.concatenate (axis None too) and np.stack of more inputs than one node takes (64)."""
    count = draw(st.integers(65, 140))
    x = draw(arrays((count, 2)))
    if draw(st.booleans()):
        return Call(lambda x: np.stack(list(x), axis=-1), (x,), {"inputs": count, "function": "stack"})
    return Call(lambda x: np.concatenate(list(x), axis=None), (x,), {"inputs": count})


ROWS: dict[str, st.SearchStrategy] = {
    "ravel / flatten": ravels(),
    **{kind: flips(kind) for kind in ("flip", "fliplr", "flipud", "rot90")},
    "moveaxis / rollaxis": moved_axes(),
    **{f.__name__: at_least(f) for f in (np.atleast_1d, np.atleast_2d, np.atleast_3d)},
    "tile": tiles(),
    **{f.__name__: stackings(f) for f in (np.hstack, np.vstack, np.dstack, np.column_stack)},
    "append": appends(),
    **{f.__name__: splits(f) for f in (np.split, np.array_split, np.hsplit, np.vsplit, np.dsplit)},
    "concatenate / stack (many inputs)": many_joined(),
}
