"""Rows of the primitives' table for `indexing`: take, repeat, roll, pad, sort, select,
called through NumPy's own functions (or the Value methods) on Values."""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd_core.testing import arrays, shapes

from .calls import NONSCALAR_SHAPES, Call


@st.composite
def takes(draw: st.DrawFn) -> Call:
    """np.take (or the method) along an axis or of the flattened array, indices repeated,
    negative, or out of range with mode 'wrap' or 'clip'."""
    x = draw(arrays(NONSCALAR_SHAPES))
    axis = draw(st.none() | st.integers(-x.ndim, x.ndim - 1))
    length = x.size if axis is None else x.shape[axis]
    mode = draw(st.sampled_from(["raise", "wrap", "clip"]))
    bound = length if mode == "raise" else 2 * length + 1
    elements = st.integers(-bound, bound - 1)
    indices = draw(hnp.arrays(np.intp, shapes(max_dims=2, max_side=3), elements=elements))
    kw = {"axis": axis, "mode": mode}
    if draw(st.booleans()):
        return Call(lambda x: x.take(indices, **kw), (x,), {"indices": indices, **kw})
    return Call(lambda x: np.take(x, indices, **kw), (x,), {"indices": indices, **kw})


@st.composite
def takes_along_an_axis(draw: st.DrawFn) -> Call:
    x = draw(arrays(NONSCALAR_SHAPES))
    axis = draw(st.integers(-x.ndim, x.ndim - 1))
    shape = list(x.shape)
    shape[axis] = draw(st.integers(1, 4))
    indices = draw(hnp.arrays(np.intp, tuple(shape), elements=st.integers(-x.shape[axis], x.shape[axis] - 1)))
    return Call(lambda x: np.take_along_axis(x, indices, axis), (x,), {"indices": indices, "axis": axis})


@st.composite
def repeats(draw: st.DrawFn) -> Call:
    """np.repeat (or the method) with one count or a count per element, along an axis or flattened."""
    x = draw(arrays())
    axis = draw(st.none() | st.integers(-x.ndim, x.ndim - 1)) if x.ndim else None
    length = x.size if axis is None else x.shape[axis]
    counts = draw(st.integers(0, 3) | st.lists(st.integers(0, 3), min_size=length, max_size=length))
    if draw(st.booleans()):
        return Call(lambda x: x.repeat(counts, axis), (x,), {"repeats": counts, "axis": axis})
    return Call(lambda x: np.repeat(x, counts, axis), (x,), {"repeats": counts, "axis": axis})


@st.composite
def rolls(draw: st.DrawFn) -> Call:
    """np.roll of the flattened array, along one axis, or along several (the same one twice too)."""
    x = draw(arrays(NONSCALAR_SHAPES))
    shift = draw(st.integers(-7, 7))
    axis = draw(st.none() | st.integers(-x.ndim, x.ndim - 1))
    if axis is not None and draw(st.booleans()):
        axis = tuple(draw(st.lists(st.integers(-x.ndim, x.ndim - 1), min_size=1, max_size=3)))
        shift = tuple(draw(st.integers(-7, 7)) for _ in axis)
    return Call(lambda x: np.roll(x, shift, axis), (x,), {"shift": shift, "axis": axis})


@st.composite
def pads(draw: st.DrawFn) -> Call:
    """np.pad, constant mode, with pad widths in each of NumPy's forms and drawn constants."""
    x = draw(arrays())
    form = draw(st.sampled_from(["int", "pair", "per axis"] if x.ndim else ["int", "pair"]))
    if form == "int":
        widths = draw(st.integers(0, 2))
    elif form == "pair":
        widths = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    else:
        widths = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(x.ndim))
    value = draw(st.sampled_from([0.0, 1.5, -2.0]))
    params = {"pad_width": widths, "value": value}
    return Call(lambda x: np.pad(x, widths, constant_values=value), (x,), params)


@st.composite
def sorts(draw: st.DrawFn) -> Call:
    """np.sort of untied elements along an axis or of the flattened array."""
    x = draw(arrays(NONSCALAR_SHAPES, unique=True))
    axis = draw(st.none() | st.integers(-x.ndim, x.ndim - 1))
    return Call(lambda x: np.sort(x, axis=axis), (x,), {"axis": axis})


@st.composite
def partitions(draw: st.DrawFn) -> Call:
    """np.partition of untied elements around one or several kth, along an axis or flattened."""
    x = draw(arrays(NONSCALAR_SHAPES, unique=True))
    axis = draw(st.none() | st.integers(-x.ndim, x.ndim - 1))
    length = x.size if axis is None else x.shape[axis]
    several = st.lists(st.integers(0, length - 1), min_size=1, max_size=3)
    kth = draw(st.integers(-length, length - 1) | several)
    return Call(lambda x: np.partition(x, kth, axis=axis), (x,), {"kth": kth, "axis": axis})


@st.composite
def selections(draw: st.DrawFn) -> Call:
    """np.select of 1 to 3 choices under boolean conditions, all broadcast, with a default
    that is a number or an array being differentiated."""
    count = draw(st.integers(1, 3))
    shapes_ = draw(hnp.mutually_broadcastable_shapes(num_shapes=2 * count + 1, max_side=3)).input_shapes
    conditions = [draw(hnp.arrays(bool, s)) for s in shapes_[:count]]
    choices = tuple(draw(arrays(s)) for s in shapes_[count:])
    if draw(st.booleans()):
        return Call(lambda *xs: np.select(conditions, list(xs), 1.5), choices[:-1],
                    {"conditions": conditions, "default": 1.5})
    return Call(lambda *xs: np.select(conditions, list(xs[:-1]), xs[-1]), choices, {"conditions": conditions})


ROWS: dict[str, st.SearchStrategy] = {
    "take": takes(),
    "take_along_axis": takes_along_an_axis(),
    "repeat": repeats(),
    "roll": rolls(),
    "pad": pads(),
    "sort": sorts(),
    "partition": partitions(),
    "select": selections(),
}
