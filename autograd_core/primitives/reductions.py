"""Reductions: sums, means, extrema, log-sum-exp, softmax and the quadratic cost."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import Primitive, Value, shape_of
from ._registry import count, defprim, keep, tie_share
from .elementwise import exp
from .shapes import broadcast_to

__all__ = [  # the public names of this module: ag.<name>
    "sum",
    "mean",
    "max",
    "min",
    "logsumexp",
    "softmax",
    "log_softmax",
    "quadratic_cost",
]

# --- reductions ------------------------------------------------------------------------------


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The sum of x's elements over `axis` (all of them by default)."""
    return _sum(x) if axis is None and not keepdims else _sum(x, axis=axis, keepdims=keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The mean of x's elements over `axis` (all of them by default)."""
    return _mean(x) if axis is None and not keepdims else _mean(x, axis=axis, keepdims=keepdims)


def _sum_vjp(g: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Every element of x gets the gradient of the sum it went into."""
    if isinstance(g, Value):
        return broadcast_to(keep(g, x, axis, keepdims), shape_of(x))
    out = np.empty(shape_of(x), dtype=g.dtype)
    out[...] = g if axis is None else keep(g, x, axis, keepdims)
    return out


_sum = defprim(
    "sum",
    lambda x, axis=None, keepdims=False: np.asarray(x).sum(axis=axis, keepdims=keepdims),
    (_sum_vjp,),
    (lambda t, ans, x, axis=None, keepdims=False: sum(t, axis, keepdims),),
)
_mean = defprim(
    "mean",
    lambda x, axis=None, keepdims=False: np.asarray(x).mean(axis=axis, keepdims=keepdims),
    (lambda g, ans, x, axis=None, keepdims=False:
     _sum_vjp(g, ans, x, axis, keepdims) / count(x, axis),),
    (lambda t, ans, x, axis=None, keepdims=False: sum(t, axis, keepdims) / count(x, axis),),
)


def _extremum(name: str, reduce: Callable[..., Any]) -> Primitive:
    """max or min over an axis; where several elements tie, they share the gradient."""

    def vjp(g: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return keep(g, x, axis, keepdims) * tie_share(x, keep(ans, x, axis, keepdims), axis)

    def jvp(t: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return sum(t * tie_share(x, keep(ans, x, axis, keepdims), axis), axis, keepdims)

    return defprim(
        name,
        lambda x, axis=None, keepdims=False: reduce(x, axis=axis, keepdims=keepdims),
        (vjp,),
        (jvp,),
    )


_max = _extremum("max", np.max)
_min = _extremum("min", np.min)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The largest element of x over `axis`; tied maxima share the gradient equally."""
    return _max(x, axis=axis, keepdims=keepdims)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The smallest element of x over `axis`; tied minima share the gradient equally."""
    return _min(x, axis=axis, keepdims=keepdims)


def _logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """log sum exp x, shifted by the maximum so that nothing overflows."""
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    out = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return out if keepdims else out.reshape(np.shape(np.sum(x, axis=axis)))


_logsumexp_prim = defprim(
    "logsumexp",
    _logsumexp,
    (lambda g, ans, x, axis=None, keepdims=False:
     keep(g, x, axis, keepdims) * exp(x - keep(ans, x, axis, keepdims)),),
    (lambda t, ans, x, axis=None, keepdims=False:
     sum(t * exp(x - keep(ans, x, axis, keepdims)), axis, keepdims),),
)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """log(sum(exp(x))) over `axis`, computed without overflow."""
    return _logsumexp_prim(x, axis=axis, keepdims=keepdims)


def _softmax(x: Any, axis: int = -1) -> Any:
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _softmax_rule(g: Any, ans: Any, x: Any, axis: int = -1) -> Any:
    """The softmax Jacobian diag(s) - s s^T is symmetric: one rule for VJP and JVP."""
    return ans * (g - sum(g * ans, axis, True))


_softmax_prim = defprim("softmax", _softmax, (_softmax_rule,), (_softmax_rule,))
_log_softmax_prim = defprim(
    "log_softmax",
    lambda x, axis=-1: x - _logsumexp(x, axis=axis, keepdims=True),
    (lambda g, ans, x, axis=-1: g - exp(ans) * sum(g, axis, True),),
    (lambda t, ans, x, axis=-1: t - sum(exp(ans) * t, axis, True),),
)


def softmax(x: Any, axis: int = -1) -> Any:
    """a_j = e^{z_j} / sum_k e^{z_k} along `axis`, computed without overflow."""
    return _softmax_prim(x, axis=axis)


def log_softmax(x: Any, axis: int = -1) -> Any:
    """log softmax(z) = z - logsumexp(z) along `axis`, accurate for very negative results."""
    return _log_softmax_prim(x, axis=axis)


# --- the quadratic cost ----------------------------------------------------------------------


def _examples(a: Any) -> int:
    """n, the number of examples in a: its rows when it has two or more axes, else one."""
    shape = shape_of(a)
    return shape[0] if len(shape) >= 2 else 1


def _quadratic_cost(a: Any, y: Any) -> Any:
    """C = 1/(2n) sum_x ||y(x) - a(x)||^2, refusing a y whose shape is not a's."""
    if shape_of(a) != shape_of(y):
        raise ValueError(f"y must have the shape of a, {shape_of(a)}; got {shape_of(y)}")
    n = _examples(a)
    if n == 0:
        raise ValueError("the cost of a batch of no examples is undefined")
    d = a - y
    return (d * d if d.__class__ is float else np.vdot(d, d)) * (0.5 / n)  # vdot: sum of d_j^2


quadratic_cost_prim = defprim(
    "quadratic_cost",
    _quadratic_cost,
    (
        lambda g, ans, a, y: (a - y) * (g / _examples(a)),
        lambda g, ans, a, y: (y - a) * (g / _examples(a)),
    ),
    (
        lambda t, ans, a, y: sum(t * (a - y)) * (1.0 / _examples(a)),
        lambda t, ans, a, y: sum(t * (y - a)) * (1.0 / _examples(a)),
    ),
)


def quadratic_cost(a: Any, y: Any) -> Any:
    """The book's quadratic cost C = 1/(2n) sum_x ||y(x) - a(x)||^2, one node.

    The rows of `a` are the outputs a^L(x) of the n examples of a batch (a 0-D or 1-D `a` is
    one example); `y` holds the desired outputs, in a's shape. Its rule is BP1's
    grad_a C = (a^L - y) / n, so the output error comes from one node instead of four
    (subtract, square, sum, scale).
    """
    return quadratic_cost_prim.binary(a, y)


# --- what NumPy's own functions called on a Value run (see numpy_dispatch) ------------------

NUMPY_UFUNCS: dict[Any, Callable[..., Any]] = {}
NUMPY_FUNCTIONS: dict[Any, Callable[..., Any]] = {
    np.sum: sum, np.mean: mean, np.max: max, np.min: min, np.amax: max, np.amin: min,
}
