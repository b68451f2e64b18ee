"""Reductions: sums, products, means, variances, extrema, cumulative sums and products,
differences, log-sum-exp, softmax and the quadratic cost; and argmax, argmin, all and any,
which have no derivative and give plain arrays."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import Primitive, Value, data_of, shape_of
from ._registry import count, defprim, keep, kept_shape, tie_share
from .elementwise import exp, where
from .shapes import broadcast_to, concatenate, expand_dims, getitem, reshape, swapaxes, transpose

__all__ = [  # the public names of this module: ag.<name>
    "sum", "prod", "mean", "average", "var", "std", "max", "min", "amax", "amin",
    "cumsum", "cumprod", "diff", "logsumexp", "softmax", "log_softmax", "quadratic_cost",
    "argmax", "argmin", "all", "any",
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
    out = np.empty(shape_of(x), dtype=np.result_type(g))  # (g may be a Python float)
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
        """1 for the extreme element, 0 for the others. Convention: tied extreme elements share
        the gradient equally."""
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


amax, amin = max, min


# --- products --------------------------------------------------------------------------------


def _axes_of(x: Any, axis: Any) -> tuple[int, ...]:
    """`axis` (None for all, an int or a tuple) as a tuple of non-negative axes of x."""
    ndim = len(shape_of(x))
    if axis is None:
        return tuple(range(ndim))
    return tuple(a % ndim for a in (axis if isinstance(axis, tuple) else (axis,)))


def _array_if_list(x: Any) -> Any:
    return np.asarray(x) if isinstance(x, list | tuple) else x


def _dtype_of(x: Any) -> np.dtype:
    return getattr(data_of(x), "dtype", np.dtype(np.float64))


def _flip(x: Any, axis: int) -> Any:
    """x reversed along `axis`."""
    return getitem(x, (slice(None),) * (axis % len(shape_of(x))) + (slice(None, None, -1),))


def _exclusive_cumprod(rows: Any) -> Any:
    """For rows (..., n): the product of the elements before each one (1 for the first)."""
    ones = np.ones(shape_of(rows)[:-1] + (1,), _dtype_of(rows))
    return cumprod(concatenate([ones, getitem(rows, (Ellipsis, slice(None, -1)))], axis=-1), axis=-1)


def _product_of_the_others(x: Any, axis: Any) -> Any:
    """For each element of x, the product of the other elements reduced with it over `axis`:
    the products before it times the products after it, so no division, and zeros are exact."""
    shape = shape_of(x)
    axes = _axes_of(x, axis)
    order = tuple(k for k in range(len(shape)) if k not in axes) + axes
    n = math.prod(shape[k] for k in axes)
    if n == 0:
        return np.zeros(shape, _dtype_of(x))
    kept = tuple(shape[k] for k in order[: len(order) - len(axes)])
    rows = reshape(transpose(x, order), kept + (n,))  # the elements reduced together, in rows
    others = _exclusive_cumprod(rows) * _flip(_exclusive_cumprod(_flip(rows, -1)), -1)
    back = tuple(int(k) for k in np.argsort(order))
    return transpose(reshape(others, tuple(shape[k] for k in order)), back)


_prod = defprim(
    "prod",
    lambda x, axis=None, keepdims=False: np.prod(x, axis=axis, keepdims=keepdims),
    (lambda g, ans, x, axis=None, keepdims=False:
     keep(g, x, axis, keepdims) * _product_of_the_others(x, axis),),
    (lambda t, ans, x, axis=None, keepdims=False:
     sum(t * _product_of_the_others(x, axis), axis=axis, keepdims=keepdims),),
)


def prod(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The product of a's elements over `axis` (all of them by default).

    Its derivative in an element is the product of the others, computed without dividing, so
    it is exact where some elements are zero (one zero: only that element gets a gradient;
    several: none does)."""
    return _prod(a, axis=axis, keepdims=keepdims)


# --- cumulative sums and products --------------------------------------------------------------


def _reverse_cumsum(x: Any, axis: int) -> Any:
    """The sums of x from each element to the end along `axis`."""
    return _flip(cumsum(_flip(x, axis), axis=axis), axis)


_cumsum = defprim(
    "cumsum",
    lambda x, axis=None: np.cumsum(x, axis=axis),
    (lambda g, ans, x, axis=None:
     reshape(_reverse_cumsum(g, 0), shape_of(x)) if axis is None else _reverse_cumsum(g, axis),),
    (lambda t, ans, x, axis=None: cumsum(t, axis=axis),),
)


def cumsum(a: Any, axis: int | None = None) -> Any:
    """The running sums of a along `axis` (of a flattened when axis is None)."""
    return _cumsum(a, axis=axis)


def _products_leaving_one_out(x: Any) -> tuple[Any, np.ndarray]:
    """For x of shape (..., n): C[..., i, j] = the product of x[..., k] for k <= j, k != i, and
    the mask i <= j of the pairs where x[..., i] is one of the factors of cumprod(x)[..., j]."""
    n = shape_of(x)[-1]
    rows = broadcast_to(expand_dims(x, -2), shape_of(x)[:-1] + (n, n))
    return cumprod(where(np.eye(n, dtype=bool), 1.0, rows), axis=-1), np.triu(np.ones((n, n), dtype=bool))


def _cumprod_vjp(g: Any, ans: Any, x: Any, axis: int | None = None) -> Any:
    """dC/dx_i = sum_{j >= i} g_j prod_{k <= j, k != i} x_k: (reverse cumsum of g ans) / x when no
    element is zero; with zeros, the products leaving x_i out are formed (n^2 of them per row)."""
    if axis is None:
        return reshape(_cumprod_vjp(g, ans, reshape(x, (-1,)), 0), shape_of(x))
    if not np.any(data_of(x) == 0):
        return _reverse_cumsum(g * ans, axis) / x
    products, factor = _products_leaving_one_out(swapaxes(x, axis, -1))
    gs = where(factor, expand_dims(swapaxes(g, axis, -1), -2), 0.0)
    return swapaxes(sum(products * gs, axis=-1), axis, -1)


def _cumprod_jvp(t: Any, ans: Any, x: Any, axis: int | None = None) -> Any:
    """d cumprod(x)_j = sum_{i <= j} t_i prod_{k <= j, k != i} x_k (as the VJP, zeros exact)."""
    if axis is None:
        return _cumprod_jvp(reshape(t, (-1,)), ans, reshape(x, (-1,)), 0)
    if not np.any(data_of(x) == 0):
        return ans * cumsum(t / x, axis=axis)
    products, factor = _products_leaving_one_out(swapaxes(x, axis, -1))
    ts = where(factor, expand_dims(swapaxes(t, axis, -1), -1), 0.0)
    return swapaxes(sum(products * ts, axis=-2), axis, -1)


_cumprod = defprim(
    "cumprod", lambda x, axis=None: np.cumprod(x, axis=axis), (_cumprod_vjp,), (_cumprod_jvp,)
)


def cumprod(a: Any, axis: int | None = None) -> Any:
    """The running products of a along `axis` (of a flattened when axis is None); exact
    derivatives where elements are zero."""
    return _cumprod(a, axis=axis)


# --- differences ---------------------------------------------------------------------------------


def _diff_vjp(g: Any, ans: Any, x: Any, n: int = 1, axis: int = -1) -> Any:
    """The adjoint of differencing, n times: g padded with a zero at both ends along `axis`,
    then minus its difference."""
    for _ in range(n):
        zeros = np.zeros(kept_shape(shape_of(g), axis), _dtype_of(g))
        g = -diff(concatenate([zeros, g, zeros], axis=axis), axis=axis)
    return g


_diff = defprim(
    "diff",
    lambda x, n=1, axis=-1: np.diff(x, n=n, axis=axis),
    (_diff_vjp,),
    (lambda t, ans, x, n=1, axis=-1: diff(t, n=n, axis=axis),),
)


def diff(a: Any, n: int = 1, axis: int = -1, prepend: Any = None, append: Any = None) -> Any:
    """The n-th differences of a along `axis`: a[1:] - a[:-1], n times.

    `prepend` and `append` (a number, broadcast along the other axes, or an array) are
    joined to a along `axis` first (unless n = 0: then a is returned as it is, as NumPy does);
    they may be Values too."""
    if n != 0 and (prepend is not None or append is not None):
        ends = [_block(e, a, axis) if e is not None else None for e in (prepend, append)]
        a = concatenate([e for e in (ends[0], a, ends[1]) if e is not None], axis=axis)
    return _diff(a, n=n, axis=axis)


def _block(value: Any, a: Any, axis: int) -> Any:
    """A number broadcast to a's shape with length 1 along `axis`; an array as it is."""
    value = _array_if_list(value)
    return broadcast_to(value, kept_shape(shape_of(a), axis)) if shape_of(value) == () else value


# --- means, variances and standard deviations ---------------------------------------------------


def _centered(x: Any, axis: Any) -> Any:
    """x minus its mean over `axis`."""
    return x - mean(x, axis=axis, keepdims=True)


def _per_dof(x: Any, axis: Any, ddof: int) -> float:
    """1 / (N - ddof), N the number of elements reduced (inf where N - ddof <= 0, as NumPy)."""
    dof = count(x, axis) - ddof
    return 1.0 / dof if dof > 0 else math.inf


_var = defprim(
    "var",
    lambda x, axis=None, ddof=0, keepdims=False: np.var(x, axis=axis, ddof=ddof, keepdims=keepdims),
    (lambda g, ans, x, axis=None, ddof=0, keepdims=False:
     keep(g, x, axis, keepdims) * _centered(x, axis) * (2.0 * _per_dof(x, axis, ddof)),),
    (lambda t, ans, x, axis=None, ddof=0, keepdims=False:
     sum(t * _centered(x, axis), axis=axis, keepdims=keepdims) * (2.0 * _per_dof(x, axis, ddof)),),
)


def _nonzero(s: Any) -> Any:
    return where(data_of(s) == 0, 1.0, s)


def _std_vjp(g: Any, ans: Any, x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """d std/dx = (x - mean) / ((N - ddof) std). Convention: 0 where std = 0 (all the elements
    equal), the smallest subgradient of std, a norm of x - mean."""
    s = _nonzero(keep(ans, x, axis, keepdims))
    return keep(g, x, axis, keepdims) * _centered(x, axis) / s * _per_dof(x, axis, ddof)


_std = defprim(
    "std",
    lambda x, axis=None, ddof=0, keepdims=False: np.std(x, axis=axis, ddof=ddof, keepdims=keepdims),
    (_std_vjp,),
    (lambda t, ans, x, axis=None, ddof=0, keepdims=False:
     sum(t * _centered(x, axis), axis=axis, keepdims=keepdims) / _nonzero(ans) * _per_dof(x, axis, ddof),),
)


def var(a: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """The variance of a's elements over `axis`: sum (x - mean)^2 / (N - ddof)."""
    return _var(a, axis=axis, ddof=ddof, keepdims=keepdims)


def std(a: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """The standard deviation of a's elements over `axis`: sqrt(var(a, axis, ddof))."""
    return _std(a, axis=axis, ddof=ddof, keepdims=keepdims)


def _weighted_mean(a: Any, w: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """sum(a w) / sum(w) over `axis`, w broadcast to a's shape."""
    total = np.sum(np.broadcast_to(w, np.shape(a)), axis=axis, keepdims=keepdims)
    return np.sum(a * w, axis=axis, keepdims=keepdims) / total


def _total_weight(w: Any, a: Any, axis: Any) -> Any:
    """sum(w) over `axis`, w broadcast to a's shape, with the reduced axes kept."""
    return sum(broadcast_to(w, shape_of(a)), axis=axis, keepdims=True)


_average = defprim(
    "average",
    _weighted_mean,
    (
        lambda g, ans, a, w, axis=None, keepdims=False:
        keep(g, a, axis, keepdims) * w / _total_weight(w, a, axis),
        lambda g, ans, a, w, axis=None, keepdims=False:
        keep(g, a, axis, keepdims) * (a - keep(ans, a, axis, keepdims)) / _total_weight(w, a, axis),
    ),
    (
        lambda t, ans, a, w, axis=None, keepdims=False:
        sum(t * w / _total_weight(w, a, axis), axis=axis, keepdims=keepdims),
        lambda t, ans, a, w, axis=None, keepdims=False:
        sum(t * (a - keep(ans, a, axis, keepdims)) / _total_weight(w, a, axis), axis=axis, keepdims=keepdims),
    ),
    broadcasts=True,  # the weights may have length 1 along the axes they are not given for
)


def average(
    a: Any, axis: Any = None, weights: Any = None, returned: bool = False, *, keepdims: bool = False
) -> Any:
    """The weighted mean sum(a w) / sum(w) over `axis` (the mean when `weights` is None).

    `weights` has a's shape, or the shape of a along `axis` (e.g. 1-D along one axis); they
    may be Values too. With `returned`, also the sum of the weights (the count without weights),
    in the result's shape.
    """
    if weights is None:
        avg = mean(a, axis=axis, keepdims=keepdims)
        total: Any = np.full(shape_of(avg), count(a, axis), _dtype_of(avg))
    else:
        w = _weights_along(a, weights, axis)
        total = sum(broadcast_to(w, shape_of(a)), axis=axis, keepdims=keepdims)
        if np.any(data_of(total) == 0):
            raise ZeroDivisionError("average: the weights sum to zero, so they cannot be normalized")
        avg = _average(a, w, axis=axis, keepdims=keepdims)
    return (avg, total) if returned else avg


def _weights_along(a: Any, weights: Any, axis: Any) -> Any:
    """`weights` reshaped to broadcast against a: as they are when they have a's shape, else
    laid along `axis` (their shape must be that of a along those axes, in that order)."""
    weights = _array_if_list(weights)
    a_shape, w_shape = shape_of(a), shape_of(weights)
    if w_shape == a_shape:
        return weights
    if axis is None:
        raise TypeError(
            f"average: weights of shape {w_shape} differ from a's {a_shape}; give the axis they lie along"
        )
    axes = _axes_of(a, axis)
    if w_shape != tuple(a_shape[k] for k in axes):
        raise ValueError(
            f"average: weights of shape {w_shape} do not fit a of shape {a_shape} along axis {axis}"
        )
    laid = transpose(weights, tuple(int(k) for k in np.argsort(axes)))
    return reshape(laid, tuple(n if k in axes else 1 for k, n in enumerate(a_shape)))


# --- no derivative: indices and truth values, as plain arrays ----------------------------------


def argmax(a: Any, axis: int | None = None, *, keepdims: bool = False) -> Any:
    """The index of the largest element (over `axis`), as a plain integer array: no derivative."""
    return np.argmax(data_of(a), axis=axis, keepdims=keepdims)


def argmin(a: Any, axis: int | None = None, *, keepdims: bool = False) -> Any:
    """The index of the smallest element (over `axis`), as a plain integer array: no derivative."""
    return np.argmin(data_of(a), axis=axis, keepdims=keepdims)


def all(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Whether every element (over `axis`) is nonzero, as plain booleans: no derivative."""
    return np.all(data_of(a), axis=axis, keepdims=keepdims)


def any(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Whether some element (over `axis`) is nonzero, as plain booleans: no derivative."""
    return np.any(data_of(a), axis=axis, keepdims=keepdims)


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
    np.sum: sum, np.prod: prod, np.mean: mean, np.average: average, np.var: var, np.std: std,
    np.max: max, np.min: min, np.amax: max, np.amin: min, np.cumsum: cumsum, np.cumprod: cumprod,
    np.diff: diff,
}
