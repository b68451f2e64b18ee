"""Rows of the primitives' table for the reductions, called as NumPy's own functions on Values,
with drawn axes, keepdims, ddof, weights and differences; products also with zeros."""

import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd_core.testing import arrays, positive_arrays

from .calls import NONSCALAR_SHAPES, Call, axis_params

moderate = arrays(low=-1.5, high=1.5, min_magnitude=0.5)  # products of up to 64 stay moderate


@st.composite
def with_zeros(draw: st.DrawFn) -> np.ndarray:
    """Moderate arrays with some elements (none, one, several) set to exactly 0."""
    x = draw(moderate)
    return np.where(draw(hnp.arrays(bool, x.shape)), 0.0, x)


@st.composite
def products(draw: st.DrawFn, elements: st.SearchStrategy[np.ndarray]) -> Call:
    x = draw(elements)
    params = draw(axis_params(x.ndim))
    return Call(lambda x: np.prod(x, **params), (x,), params)


@st.composite
def running(draw: st.DrawFn, f: object, elements: st.SearchStrategy[np.ndarray]) -> Call:
    """cumsum / cumprod along a drawn axis, or over the flattened array (axis None)."""
    x = draw(elements)
    axis = draw(st.none() | st.integers(-x.ndim, x.ndim - 1)) if x.ndim else None
    return Call(lambda x: f(x, axis=axis), (x,), {"axis": axis})


@st.composite
def spreads(draw: st.DrawFn, f: object) -> Call:
    """var / std over drawn axes with a ddof below the number of elements reduced; the elements
    are distinct, so std > 0 wherever more than one element is reduced."""
    x = draw(arrays(unique=True, min_gap=0.02))
    params = draw(axis_params(x.ndim))
    n = x.size // math.prod(np.sum(x, axis=params["axis"], keepdims=True).shape)
    params["ddof"] = draw(st.integers(0, max(0, n - 1)))
    return Call(lambda x: f(x, **params), (x,), params)


@st.composite
def differences(draw: st.DrawFn) -> Call:
    """np.diff(x, n, axis), n up to the length less one; sometimes with prepend and append,
    a number or an array (differentiated too)."""
    x = draw(arrays(NONSCALAR_SHAPES))
    axis = draw(st.integers(-x.ndim, x.ndim - 1))
    n = draw(st.integers(0, x.shape[axis] - 1))
    if n == 0 or draw(st.booleans()):  # (with n = 0, NumPy ignores prepend and append)
        return Call(lambda x: np.diff(x, n, axis), (x,), {"n": n, "axis": axis})
    end_shape = x.shape[: axis % x.ndim] + (draw(st.integers(1, 2)),) + x.shape[axis % x.ndim + 1:]
    head, tail = draw(arrays(end_shape)), draw(st.floats(-3, 3))
    return Call(lambda x, head: np.diff(x, n, axis, prepend=head, append=tail), (x, head),
                {"n": n, "axis": axis, "append": tail})


@st.composite
def averages(draw: st.DrawFn) -> Call:
    """np.average with positive weights of x's shape (any axes), or 1-D along one axis."""
    x = draw(arrays())
    if x.ndim and draw(st.booleans()):
        axis = draw(st.integers(-x.ndim, x.ndim - 1))
        params = {"axis": axis, "keepdims": draw(st.booleans())}
        w = draw(positive_arrays((x.shape[axis],), low=0.2))
    else:
        params = draw(axis_params(x.ndim))
        w = draw(positive_arrays(x.shape, low=0.2))
    return Call(lambda x, w: np.average(x, weights=w, **params), (x, w), params)


ROWS = {
    "prod": products(moderate),
    "prod (with zeros)": products(with_zeros()),
    "cumsum": running(np.cumsum, arrays()),
    "cumprod": running(np.cumprod, moderate),
    "cumprod (with zeros)": running(np.cumprod, with_zeros()),
    "var": spreads(np.var),
    "std": spreads(np.std),
    "diff": differences(),
    "average": averages(),
}
