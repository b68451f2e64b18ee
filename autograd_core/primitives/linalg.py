"""Linear algebra: matrix products and the layer z = x W^T + b."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import shape_of
from ._registry import defprim
from .shapes import broadcast_to

__all__ = [  # the public names of this module: ag.<name>
    "matmul",
    "linear",
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


# --- what NumPy's own functions called on a Value run (see numpy_dispatch) ------------------

NUMPY_UFUNCS: dict[Any, Callable[..., Any]] = {np.matmul: matmul}
NUMPY_FUNCTIONS: dict[Any, Callable[..., Any]] = {}
