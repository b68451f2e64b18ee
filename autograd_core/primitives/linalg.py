"""Linear algebra: products (matmul, dot, einsum, ...), the layer z = x W^T + b, diagonals
and triangles. (The decompositions of NumPy's linalg are in `decompositions`.)"""

from __future__ import annotations

import operator
import string
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from ..core import data_of, shape_of
from ._registry import EachArg, defprim
from .elementwise import mul, where
from .reductions import sum
from .shapes import _ndim, _refuse, _shape, broadcast_to, moveaxis, ravel, reshape, stack

__all__ = [  # the public names of this module: ag.<name>
    "matmul", "linear", "dot", "vdot", "inner", "outer", "tensordot", "einsum", "kron", "cross",
    "diagonal", "make_diagonal", "diag", "diagflat", "trace", "tril", "triu",
]

# --- linear algebra --------------------------------------------------------------------------


def _as_matrices(g: Any, x: Any, y: Any) -> tuple[Any, Any, Any]:
    """Treat a 1-D x as a row (1, k) and a 1-D y as a column (k, 1), and g to match."""
    if len(shape_of(y)) == 1:
        g, y = g[..., None], y.reshape((-1, 1))
    if len(shape_of(x)) == 1:
        g, x = g[..., None, :], x.reshape((1, -1))
    return g, x, y


def _matmul_dx(g: Any, ans: Any, x: Any, y: Any) -> Any:
    """dC/dx = g y^T."""
    if x.ndim == 2 and y.ndim == 2:
        return g @ y.T
    g, x2, y = _as_matrices(g, x, y)
    dx = g @ y.swapaxes(-1, -2)
    return dx[..., 0, :] if len(shape_of(x)) == 1 else dx


def _matmul_dy(g: Any, ans: Any, x: Any, y: Any) -> Any:
    """dC/dy = x^T g, computed as (g^T x)^T so that W.grad of `A @ W.T` comes out row-major."""
    if x.ndim == 2 and y.ndim == 2:
        return (g.T @ x).T
    g, x, y2 = _as_matrices(g, x, y)
    dy = (g.swapaxes(-1, -2) @ x).swapaxes(-1, -2)
    return dy[..., 0] if len(shape_of(y)) == 1 else dy


matmul = defprim(
    "matmul",
    operator.matmul,
    (_matmul_dx, _matmul_dy),
    (lambda t, ans, x, y: t @ y, lambda t, ans, x, y: x @ t),
    broadcasts=True,  # batched operands broadcast over the leading axes
)

def _rows(a: Any) -> Any:
    """a as a matrix of rows: (..., n) -> (m, n)."""
    return a.reshape((-1, shape_of(a)[-1]))


def _linear_dW(g: Any, ans: Any, x: Any, W: Any, b: Any = None) -> Any:
    """BP4: dC/dW = delta^T a, summed over the rows (examples); row-major like W."""
    if g.ndim != 2 or x.ndim != 2:
        g, x = _rows(g), _rows(x)
    return g.T @ x


def _linear_db(g: Any, ans: Any, x: Any, W: Any, b: Any) -> Any:
    """BP3: dC/db = delta, summed over the rows (examples)."""
    return (g if g.ndim == 2 else _rows(g)).sum(axis=0)


def _linear(x: Any, W: Any, b: Any = None) -> Any:
    """z = x W^T + b, refusing a W or b whose shape does not fit x's rows (the error names them)."""
    if getattr(W, "ndim", 0) != 2 or (b is not None and getattr(b, "shape", None) != W.shape[:1]):
        raise ValueError(_linear_misfit(x, W, b))
    try:
        z = x @ W.T
    except ValueError:  # x's rows are not as long as W's
        raise ValueError(_linear_misfit(x, W, b)) from None
    return z if b is None else z + b


def _linear_misfit(x: Any, W: Any, b: Any) -> str:
    x_shape, W_shape = shape_of(x), shape_of(W)
    n_in = x_shape[-1] if x_shape else "?"
    if len(W_shape) != 2 or not x_shape or x_shape[-1] != W_shape[1]:
        return f"x of shape {x_shape} needs W of shape (n_out, {n_in}); got W of shape {W_shape}"
    return f"b must have shape ({W_shape[0]},) to match W {W_shape}; got {shape_of(b)}"


linear_prim = defprim(
    "linear",
    _linear,
    (lambda g, ans, x, W, b=None: g @ W, _linear_dW, _linear_db),
    (
        lambda t, ans, x, W, b=None: t @ W.T,
        lambda t, ans, x, W, b=None: x @ t.T,
        lambda t, ans, x, W, b: broadcast_to(t, shape_of(ans)),
    ),
)


def linear(x: Any, W: Any, b: Any = None) -> Any:
    """z = W a + b for each row a of x: x W^T + b, with W of shape (n_out, n_in).

    One primitive for the book's layer: its rules are BP2's W^T delta (for x), BP4's
    delta a^T (for W) and BP3's delta (for b), summed over the rows.
    """
    return linear_prim(x, W) if b is None else linear_prim(x, W, b)


# --- einsum: every product is a sum over labelled axes ------------------------------------

_LABELS = string.ascii_letters  # NumPy's einsum labels, a-z then A-Z (sublist integers 0-51)


def _label_of(sublist: Sequence[Any]) -> str:
    """A sublist of einsum's interleaved form (integers and Ellipsis) as subscript letters."""
    return "".join("..." if item is Ellipsis else _LABELS[int(item)] for item in sublist)


def _written_out(subscripts: str, shapes: list[tuple[int, ...]]) -> str:
    """The subscripts with every axis named by a letter: each '...' replaced by letters of its
    own (right-aligned, as broadcasting aligns axes) and an implicit output made explicit
    (the broadcast axes, then the labels used once, in alphabetical order, capitals first)."""
    subscripts = subscripts.replace(" ", "")
    inputs, arrow, output = subscripts.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(
            f"einsum: the subscripts {subscripts!r} name {len(terms)} operands; {len(shapes)} given"
        )
    named = set(subscripts) - set(".,->")
    if not named <= set(_LABELS):
        raise ValueError(f"einsum: subscripts must be letters; got {sorted(named - set(_LABELS))}")
    covers = []
    for k, (term, shape) in enumerate(zip(terms, shapes, strict=True)):
        letters = len(term.replace("...", ""))
        if letters != len(shape) and not ("..." in term and letters <= len(shape)):
            raise ValueError(
                f"einsum: operand {k} has {len(shape)} axes but its subscripts {term!r} name {letters}"
            )
        covers.append(len(shape) - letters if "..." in term else 0)
    broadcast = "".join([c for c in _LABELS if c not in named][: max(covers, default=0)])
    terms = [t.replace("...", broadcast[len(broadcast) - n:]) for t, n in zip(terms, covers, strict=True)]
    if arrow:
        if "..." not in output and any(covers):
            raise ValueError("einsum: the output must have '...' where the operands do")
        output = output.replace("...", broadcast)
    else:
        once = [c for c in named if inputs.count(c) == 1]
        output = broadcast + "".join(sorted(once))
    return ",".join(terms) + "->" + output


def _einsum_forward(*xs: Any, subscripts: str, optimize: Any) -> Any:
    return np.einsum(subscripts, *xs, optimize=optimize)


def _einsum_vjp(k: int, g: Any, ans: Any, *xs: Any, subscripts: str, optimize: Any) -> Any:
    """dC/dx_k is itself an einsum: of g and the other operands, into x_k's subscripts.

    A label repeated in x_k (its diagonal, as in 'ii->i') is written back onto the diagonal
    through identity matrices; a label that only x_k has (summed, as j in 'ij->i') is spread
    along that axis through a vector of ones.
    """
    inputs, output = subscripts.split("->")
    terms = inputs.split(",")
    spare = iter(c for c in _LABELS if c not in subscripts)
    dtype = np.result_type(data_of(g))
    sources = [t for j, t in enumerate(terms) if j != k] + [output]
    operands = [x for j, x in enumerate(xs) if j != k] + [g]
    present, wanted = set("".join(sources)), ""
    for label, n in zip(terms[k], shape_of(xs[k]), strict=True):
        if label in wanted:
            fresh = next(spare)
            sources.append(label + fresh)
            operands.append(np.eye(n, dtype=dtype))
            wanted += fresh
        else:
            wanted += label
            if label not in present:
                sources.append(label)
                operands.append(np.ones(n, dtype=dtype))
    dx = _einsum(*operands, subscripts=",".join(sources) + "->" + wanted, optimize=optimize)
    if shape_of(dx) != shape_of(xs[k]):  # x_k broadcast another operand's axes of length 1
        dx = broadcast_to(dx, np.broadcast_shapes(shape_of(dx), shape_of(xs[k])))
    return dx


def _einsum_jvp(k: int, t: Any, ans: Any, *xs: Any, subscripts: str, optimize: Any) -> Any:
    """Linear in each operand: the same einsum with x_k's tangent in its place."""
    return _einsum(*xs[:k], t, *xs[k + 1:], subscripts=subscripts, optimize=optimize)


_einsum = defprim("einsum", _einsum_forward, EachArg(_einsum_vjp), EachArg(_einsum_jvp), broadcasts=True)


def einsum(*operands: Any, out: None = None, optimize: Any = False, dtype: Any = None,
           order: str = "K", casting: str = "safe") -> Any:
    """Einstein summation, as NumPy's: `einsum('ij,jk->ik', a, b)` or the interleaved form
    `einsum(a, [0, 1], b, [1, 2], [0, 2])`; '...' broadcasting, implicit output, repeated
    labels ('ii->i', 'ii') and any number of operands. `optimize` chooses the contraction
    order (True or 'greedy' or 'optimal'; a given path counts as 'greedy')."""
    _refuse("einsum", out=out, dtype=dtype)
    if operands and isinstance(operands[0], str):
        subscripts, arrays = operands[0], list(operands[1:])
    else:
        arrays, terms = list(operands[0:-1:2]), [_label_of(s) for s in operands[1::2]]
        subscripts = ",".join(terms) + ("->" + _label_of(operands[-1]) if len(operands) % 2 else "")
    written = _written_out(subscripts, [_shape(x) for x in arrays])
    if optimize is not False and optimize not in ("greedy", "optimal"):
        optimize = "greedy"
    try:
        return _einsum(*arrays, subscripts=written, optimize=optimize)
    except StopIteration:
        raise ValueError("einsum: too many axes to label with 52 letters") from None


# --- products written as einsums or matmuls ---------------------------------------------


def tensordot(a: Any, b: Any, axes: Any = 2) -> Any:
    """The sum of a * b over the axes `axes` pairs up: an int n pairs a's last n axes with
    b's first n; a pair (axes_a, axes_b) names them. The result has a's other axes, then b's."""
    na, nb = _ndim(a), _ndim(b)
    if not isinstance(axes, list | tuple):
        n = int(axes)
        if not 0 <= n <= min(na, nb):
            raise ValueError(f"tensordot: axes={n} but the operands have {na} and {nb} axes")
        axes_a, axes_b = list(range(na - n, na)), list(range(n))
    else:
        axes_a, axes_b = ([int(k)] if np.ndim(k) == 0 else [int(i) for i in k] for k in axes)
    if len(axes_a) != len(axes_b):
        raise ValueError(f"tensordot: axes {axes_a} of a and {axes_b} of b must pair up")
    axes_a = [normalize_axis_index(k, na) for k in axes_a]
    axes_b = [normalize_axis_index(k, nb) for k in axes_b]
    shape_a, shape_b = _shape(a), _shape(b)
    for i, j in zip(axes_a, axes_b, strict=True):
        if shape_a[i] != shape_b[j]:
            raise ValueError(f"tensordot: axis {i} of a (length {shape_a[i]}) and axis {j} of b "
                             f"(length {shape_b[j]}) are summed together but differ in length")
    labels_a = _LABELS[:na]
    labels_b = [_LABELS[na + j] for j in range(nb)]
    for i, j in zip(axes_a, axes_b, strict=True):
        labels_b[j] = labels_a[i]
    kept = "".join(c for k, c in enumerate(labels_a) if k not in axes_a)
    kept += "".join(c for k, c in enumerate(labels_b) if k not in axes_b)
    return _einsum(a, b, subscripts=f"{labels_a},{''.join(labels_b)}->{kept}", optimize="greedy")


def dot(a: Any, b: Any, out: None = None) -> Any:
    """NumPy's dot: a * b for a scalar; a @ b for vectors and matrices; otherwise the sum over
    a's last axis and b's second-to-last (its only one for a vector)."""
    _refuse("dot", out=out)
    na, nb = _ndim(a), _ndim(b)
    if na == 0 or nb == 0:
        return mul(a, b)
    if na <= 2 and nb <= 2:
        return matmul(a, b)
    return tensordot(a, b, ([-1], [-1 if nb == 1 else -2]))


def vdot(a: Any, b: Any) -> Any:
    """The sum of the products of a's and b's elements, both flattened (of the same size)."""
    return dot(ravel(a), ravel(b))


def inner(a: Any, b: Any) -> Any:
    """The sum of a * b over their last axes (a * b for a scalar); the result has a's other
    axes, then b's."""
    if _ndim(a) == 0 or _ndim(b) == 0:
        return mul(a, b)
    return tensordot(a, b, ([-1], [-1]))


def outer(a: Any, b: Any, out: None = None) -> Any:
    """The matrix of products a_i b_j of the elements of a and b (both flattened)."""
    _refuse("outer", out=out)
    return reshape(ravel(a), (-1, 1)) * reshape(ravel(b), (1, -1))


def kron(a: Any, b: Any) -> Any:
    """The Kronecker product: a block array whose block i is a_i * b (the operands given
    leading axes of length 1 until they have as many)."""
    shape_a, shape_b = _shape(a), _shape(b)
    ndim = max(len(shape_a), len(shape_b))
    shape_a, shape_b = (1,) * (ndim - len(shape_a)) + shape_a, (1,) * (ndim - len(shape_b)) + shape_b
    spread_a = reshape(a, tuple(n for side in shape_a for n in (side, 1)))
    spread_b = reshape(b, tuple(n for side in shape_b for n in (1, side)))
    return reshape(spread_a * spread_b, tuple(p * q for p, q in zip(shape_a, shape_b, strict=True)))


def cross(a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: int | None = None) -> Any:
    """The cross product of the 3-vectors (or 2-vectors, taken with a zero third component)
    along `axisa` of a and `axisb` of b (or `axis` of both), placed along `axisc`; of two
    2-vectors, its third component alone."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = moveaxis(a, axisa, -1), moveaxis(b, axisb, -1)
    sides = _shape(a)[-1], _shape(b)[-1]
    if not set(sides) <= {2, 3}:
        raise ValueError(f"cross: vectors must have 2 or 3 components; got {sides[0]} and {sides[1]}")
    a0, a1, b0, b1 = a[..., 0], a[..., 1], b[..., 0], b[..., 1]
    if sides == (2, 2):
        return a0 * b1 - a1 * b0
    a2 = a[..., 2] if sides[0] == 3 else 0.0
    b2 = b[..., 2] if sides[1] == 3 else 0.0
    shape = np.broadcast_shapes(_shape(a)[:-1], _shape(b)[:-1])
    parts = [a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0]
    return moveaxis(stack([broadcast_to(c, shape) for c in parts], axis=-1), -1, axisc)


# --- diagonals and triangles --------------------------------------------------------------


def _make_diagonal(v: Any, shape: tuple[int, ...], offset: int, axis1: int, axis2: int) -> np.ndarray:
    """Zeros of `shape` with v (its last axis along the diagonal) on the `offset` diagonal of
    axes axis1 and axis2."""
    out = np.zeros(shape, dtype=np.result_type(v))
    planes = np.moveaxis(out, (axis1, axis2), (-2, -1))  # a view: writing to it writes to out
    steps = np.arange(np.shape(v)[-1])
    planes[..., steps + max(-offset, 0), steps + max(offset, 0)] = v
    return out


_diagonal = defprim(
    "diagonal",
    lambda x, offset, axis1, axis2: np.diagonal(x, offset, axis1, axis2).copy(),
    (lambda g, ans, x, offset, axis1, axis2: make_diagonal(g, offset, axis1, axis2, shape_of(x)),),
    (lambda t, ans, x, offset, axis1, axis2: diagonal(t, offset, axis1, axis2),),
)
_make_diagonal_prim = defprim(
    "make_diagonal",
    _make_diagonal,
    (lambda g, ans, v, shape, offset, axis1, axis2: diagonal(g, offset, axis1, axis2),),
    (lambda t, ans, v, shape, offset, axis1, axis2: make_diagonal(t, offset, axis1, axis2, shape),),
)


def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The `offset` diagonal of the planes of axes axis1 and axis2 (above the main diagonal
    for offset > 0), as the last axis of the result."""
    ndim = _ndim(a)
    if ndim < 2:
        raise ValueError(f"diagonal: needs an array of 2 or more dimensions; got shape {_shape(a)}")
    axis1, axis2 = normalize_axis_index(axis1, ndim), normalize_axis_index(axis2, ndim)
    if axis1 == axis2:
        raise ValueError(f"diagonal: axis1 and axis2 must differ; both are {axis1}")
    return _diagonal(a, offset=int(offset), axis1=axis1, axis2=axis2)


def make_diagonal(
    v: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, shape: Sequence[int] | None = None
) -> Any:
    """The array, zero elsewhere, whose `diagonal(offset, axis1, axis2)` is v: the adjoint
    of `diagonal`. Its `shape` is given, or the smallest: v's axes but the last, with axes
    of v's last length (longer by |offset| on one side) put at axis1 and axis2."""
    if shape is None:
        v_shape = _shape(v)
        if not v_shape:
            raise ValueError("make_diagonal: v needs at least one axis (the diagonal)")
        ndim = len(v_shape) + 1
        axis1, axis2 = normalize_axis_index(axis1, ndim), normalize_axis_index(axis2, ndim)
        if axis1 == axis2:
            raise ValueError(f"make_diagonal: axis1 and axis2 must differ; both are {axis1}")
        others = iter(v_shape[:-1])
        length = v_shape[-1]
        sides = {axis1: length + max(-offset, 0), axis2: length + max(offset, 0)}
        shape = [sides[k] if k in sides else next(others) for k in range(ndim)]
    shape = tuple(shape)
    axis1, axis2 = normalize_axis_index(axis1, len(shape)), normalize_axis_index(axis2, len(shape))
    return _make_diagonal_prim(v, shape=shape, offset=int(offset), axis1=axis1, axis2=axis2)


def diag(v: Any, k: int = 0) -> Any:
    """For a vector, the square matrix with v on its k-th diagonal; for a matrix, its k-th
    diagonal."""
    shape = _shape(v)
    if len(shape) == 1:
        n = shape[0] + abs(k)
        return make_diagonal(v, k, shape=(n, n))
    if len(shape) == 2:
        return diagonal(v, k)
    raise ValueError(f"diag: needs a vector or a matrix; got shape {shape}")


def diagflat(v: Any, k: int = 0) -> Any:
    """The square matrix with the elements of v (flattened) on its k-th diagonal."""
    return diag(ravel(v), k)


def trace(
    a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None, out: None = None
) -> Any:
    """The sum along the `offset` diagonal of the planes of axes axis1 and axis2."""
    _refuse("trace", dtype=dtype, out=out)
    return sum(diagonal(a, offset, axis1, axis2), axis=-1)


def _triangle(m: Any, lower: bool, k: int) -> Any:
    if _ndim(m) == 0:
        name = "tril" if lower else "triu"
        raise ValueError(f"{name}: needs an array of 1 or more dimensions; got a scalar")
    rows, cols = (_shape(m) * 2)[-2:]  # (a vector (n,): an n x n square, as NumPy's tril)
    below = np.tri(rows, cols, k=k if lower else k - 1, dtype=bool)
    return where(below if lower else ~below, m, 0.0)


def tril(m: Any, k: int = 0) -> Any:
    """m with the elements above its k-th diagonal set to zero (on the last two axes)."""
    return _triangle(m, True, k)


def triu(m: Any, k: int = 0) -> Any:
    """m with the elements below its k-th diagonal set to zero (on the last two axes)."""
    return _triangle(m, False, k)


# --- what NumPy's own functions called on a Value run (see numpy_dispatch) ------------------

NUMPY_UFUNCS: dict[Any, Callable[..., Any]] = {np.matmul: matmul}
NUMPY_FUNCTIONS: dict[Any, Callable[..., Any]] = {
    np.dot: dot, np.vdot: vdot, np.inner: inner, np.outer: outer, np.tensordot: tensordot,
    np.einsum: einsum, np.kron: kron, np.cross: cross, np.diagonal: diagonal, np.diag: diag,
    np.diagflat: diagflat, np.trace: trace, np.tril: tril, np.triu: triu,
}
