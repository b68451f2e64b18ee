"""Rows of the primitives' table for `linalg`: products, einsum, diagonals and triangles.

Each row draws a call with NumPy's own function on Values (np.dot, np.einsum, ...), so the
dispatch from NumPy is exercised too.
"""

import warnings

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from autograd_core.testing import arrays, shapes

from .calls import Call


def BATCHES(count: int) -> st.SearchStrategy:
    """`count` mutually broadcastable shapes of at most two axes."""
    return hnp.mutually_broadcastable_shapes(num_shapes=count, max_dims=2, max_side=3)


@st.composite
def einsums(draw: st.DrawFn) -> Call:
    """einsum of 1 to 3 operands with drawn labels: labels repeated within an operand (a
    diagonal), summed away, shared, broadcast from length 1; '...' anywhere in an operand;
    an implicit output or an explicit one (any subset of the labels, in any order)."""
    sizes = {c: draw(st.integers(1, 3)) for c in "abcd"}
    count = draw(st.integers(1, 3))
    terms = [draw(st.lists(st.sampled_from("abcd"), max_size=3)) for _ in range(count)]
    broadcast = None
    if draw(st.booleans()):
        broadcast = draw(BATCHES(count)).input_shapes
    subscripts, operand_shapes = [], []
    for k, term in enumerate(terms):
        shape = [1 if term.count(c) == 1 and draw(st.integers(0, 4)) == 0 else sizes[c] for c in term]
        if broadcast is None:
            subscripts.append("".join(term))
        else:
            at = draw(st.integers(0, len(term)))
            subscripts.append("".join(term[:at]) + "..." + "".join(term[at:]))
            shape[at:at] = broadcast[k]
        operand_shapes.append(tuple(shape))
    spec = ",".join(subscripts)
    if draw(st.booleans()):
        labels = sorted({c for term in terms for c in term})
        output = "".join(draw(st.permutations(labels))[: draw(st.integers(0, len(labels)))])
        spec += "->" + ("..." if broadcast is not None else "") + output
    xs = tuple(draw(arrays(s)) for s in operand_shapes)
    return Call(lambda *xs: np.einsum(spec, *xs), xs, {"subscripts": spec})


@st.composite
def dots(draw: st.DrawFn) -> Call:
    """np.dot on operands of 0 to 3 axes: a scalar, vectors, matrices, stacks."""
    a_shape = draw(shapes(max_dims=3, max_side=3))
    b_shape = draw(shapes(max_dims=3, max_side=3))
    if a_shape and b_shape:
        k = -1 if len(b_shape) == 1 else -2
        b_list = list(b_shape)
        b_list[k] = a_shape[-1]
        b_shape = tuple(b_list)
    return Call(np.dot, (draw(arrays(a_shape)), draw(arrays(b_shape))))


@st.composite
def inners(draw: st.DrawFn) -> Call:
    """np.inner: the sum over both last axes (or a product with a scalar)."""
    a_shape = draw(shapes(max_dims=3, max_side=3))
    b_shape = draw(shapes(max_dims=2, max_side=3))
    if a_shape and b_shape:
        b_shape = b_shape[:-1] + a_shape[-1:]
    return Call(np.inner, (draw(arrays(a_shape)), draw(arrays(b_shape))))


@st.composite
def vdots(draw: st.DrawFn) -> Call:
    """np.vdot of two arrays of the same size and different shapes."""
    a = draw(arrays(shapes(min_dims=1)))
    b_shape = draw(st.sampled_from([a.shape, (a.size,), a.shape[::-1]]))
    return Call(np.vdot, (a, draw(arrays(b_shape))))


@st.composite
def outers(draw: st.DrawFn) -> Call:
    return Call(np.outer, (draw(arrays()), draw(arrays())))


@st.composite
def kronecker_products(draw: st.DrawFn) -> Call:
    """np.kron of operands of 0 to 3 axes (the shorter one given leading axes)."""
    small = shapes(max_dims=3, max_side=2)
    return Call(np.kron, (draw(arrays(small)), draw(arrays(small))))


@st.composite
def tensordots(draw: st.DrawFn) -> Call:
    """np.tensordot with an int or with drawn pairs of axes (negative ones too)."""
    a = draw(arrays(shapes(max_dims=3, max_side=3)))
    if draw(st.booleans()):
        n = draw(st.integers(0, a.ndim))
        b_shape = a.shape[a.ndim - n:] + draw(shapes(max_dims=2, max_side=3))
        return Call(lambda a, b: np.tensordot(a, b, n), (a, draw(arrays(b_shape))), {"axes": n})
    summed = draw(st.lists(st.integers(0, a.ndim - 1), unique=True, max_size=a.ndim)) if a.ndim else []
    extra = list(draw(shapes(max_dims=2, max_side=3)))
    places = draw(st.permutations(range(len(summed) + len(extra))))
    b_shape = [0] * len(places)
    axes_b = [0] * len(summed)
    for slot, place in enumerate(places):
        if slot < len(summed):
            axes_b[slot] = place - len(places) * draw(st.integers(0, 1))  # sometimes negative
            b_shape[place] = a.shape[summed[slot]]
        else:
            b_shape[place] = extra[slot - len(summed)]
    axes = (summed, axes_b)
    return Call(lambda a, b: np.tensordot(a, b, axes), (a, draw(arrays(tuple(b_shape)))), {"axes": axes})


@st.composite
def crosses(draw: st.DrawFn) -> Call:
    """cross of 3-vectors (or a 2-vector with a 3-vector) along drawn axes of broadcast stacks."""
    batch_a, batch_b = draw(BATCHES(2)).input_shapes
    n_a, n_b = draw(st.sampled_from([(3, 3), (3, 3), (2, 3), (3, 2)]))
    axis_a = draw(st.integers(-len(batch_a) - 1, len(batch_a)))
    axis_b = draw(st.integers(-len(batch_b) - 1, len(batch_b)))
    out_ndim = max(len(batch_a), len(batch_b)) + 1
    axis_c = draw(st.integers(-out_ndim, out_ndim - 1))
    a = np.moveaxis(draw(arrays(batch_a + (n_a,))), -1, axis_a)
    b = np.moveaxis(draw(arrays(batch_b + (n_b,))), -1, axis_b)
    kw = {"axisa": axis_a, "axisb": axis_b, "axisc": axis_c}
    return Call(lambda a, b: _quiet_cross(a, b, **kw), (a, b), kw)


def _quiet_cross(a, b, **kw):
    """np.cross, without NumPy's deprecation warning for 2-vectors when it runs on plain arrays
    (on Values it dispatches to ag.cross, which takes them as NumPy 1 did)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return np.cross(a, b, **kw)


@st.composite
def diagonals(draw: st.DrawFn) -> Call:
    """np.diagonal with a drawn offset and pair of axes (the method, sometimes)."""
    x = draw(arrays(shapes(min_dims=2, max_side=4)))
    axis1, axis2 = draw(st.lists(st.integers(-x.ndim, x.ndim - 1), min_size=2, max_size=2).filter(
        lambda ab: ab[0] % x.ndim != ab[1] % x.ndim))
    offset = draw(st.integers(-x.shape[axis1], x.shape[axis2]))
    kw = {"offset": offset, "axis1": axis1, "axis2": axis2}
    if draw(st.booleans()):
        return Call(lambda x: x.diagonal(**kw), (x,), kw)
    return Call(lambda x: np.diagonal(x, **kw), (x,), kw)


@st.composite
def made_diagonals(draw: st.DrawFn) -> Call:
    """make_diagonal: v written onto a diagonal of an array of zeros of a given shape, or of
    the smallest shape."""
    shape = draw(shapes(min_dims=2, max_side=4))
    axis1, axis2 = draw(st.permutations(range(len(shape))))[:2]
    offset = draw(st.integers(-shape[axis1] + 1, shape[axis2] - 1))
    length = np.diagonal(np.empty(shape), offset, axis1, axis2).shape[-1]
    rest = tuple(n for k, n in enumerate(shape) if k not in (axis1, axis2))
    kw = {"offset": offset, "axis1": axis1, "axis2": axis2}
    if draw(st.booleans()):
        kw["shape"] = shape
    return Call(lambda v: ag.make_diagonal(v, **kw), (draw(arrays(rest + (length,))),), kw)


@st.composite
def diags(draw: st.DrawFn, f) -> Call:
    """np.diag of a vector (a matrix out) or of a matrix (a diagonal out), or np.diagflat."""
    x = draw(arrays(shapes(min_dims=1, max_dims=2, max_side=4)))
    k = draw(st.integers(-x.shape[0], x.shape[-1]))
    return Call(lambda x: f(x, k), (x,), {"function": f.__name__, "k": k})


@st.composite
def traces(draw: st.DrawFn) -> Call:
    """np.trace (or the method) with a drawn offset and axes."""
    x = draw(arrays(shapes(min_dims=2, max_side=4)))
    axis1, axis2 = draw(st.permutations(range(x.ndim)))[:2]
    offset = draw(st.integers(-x.shape[axis1], x.shape[axis2]))
    kw = {"offset": offset, "axis1": axis1, "axis2": axis2}
    return Call(lambda x: x.trace(**kw) if kw["offset"] % 2 else np.trace(x, **kw), (x,), kw)


@st.composite
def triangles(draw: st.DrawFn, f) -> Call:
    """np.tril or np.triu of stacks of matrices (of a vector: a square), with a drawn k."""
    x = draw(arrays(shapes(min_dims=1, max_side=4)))
    k = draw(st.integers(-4, 4))
    return Call(lambda x: f(x, k), (x,), {"function": f.__name__, "k": k})


ROWS: dict[str, st.SearchStrategy] = {
    "einsum": einsums(),
    "dot": dots(),
    "vdot": vdots(),
    "inner": inners(),
    "outer": outers(),
    "tensordot": tensordots(),
    "kron": kronecker_products(),
    "cross": crosses(),
    "diagonal": diagonals(),
    "make_diagonal": made_diagonals(),
    "diag": diags(np.diag),
    "diagflat": diags(np.diagflat),
    "trace": traces(),
    "tril": triangles(np.tril),
    "triu": triangles(np.triu),
}
