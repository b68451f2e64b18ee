"""The registry: every primitive, its NumPy forward and its derivative rules, side by side.

The contract of a rule
----------------------
* A VJP rule for input i is called as ``rule(g, ans, *inputs, **params)``: ``g`` is the
  gradient of the output (dC/d ans), ``ans`` the output, ``inputs`` the primitive's inputs.
  It returns the contribution dC/d inputs[i] along this edge. It may return an array of the
  output's (broadcast) shape: the reverse pass sums it back to the input's shape, in one
  place (`core._unbroadcast`), so a rule never thinks about broadcasting.
* A JVP rule for input i is called as ``rule(t, ans, *inputs, **params)``: ``t`` is the
  tangent of inputs[i]; it returns that input's contribution to the output's tangent.
* Rules are written with the primitives themselves (operators, methods, the functions of
  this module), so they run on raw arrays in an ordinary backward pass and on Values,
  recording a new graph, with ``create_graph=True``: higher derivatives fall out.
* For an elementwise primitive the VJP and the JVP of an input are the same map
  (multiplication by the partial derivative), so one rule serves both: ``derivs``.
* Rules are given per input, so the rule of an input that needs no gradient never runs.
"""

from __future__ import annotations

import builtins
import contextvars
import math
import operator
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .core import Primitive, Value, _ndarray, data_of, shape_of

# --- declaring primitives -----------------------------------------------------------------


def defprim(
    name: str, forward: Callable[..., Any], vjps: Any, jvps: Any, broadcasts: bool = False
) -> Primitive:
    """Register a primitive with one VJP rule and one JVP rule per input.

    `broadcasts=True` says a VJP may return the output's broadcast shape, to be summed back.
    """
    return Primitive(name, forward, vjps, jvps, broadcasts)


def defelementwise(name: str, forward: Callable[..., Any], *derivs: Callable[..., Any] | None) -> Primitive:
    """Register an elementwise primitive; ``derivs[i](g, ans, *inputs)`` is g * d ans/d input_i.

    With two or more inputs it broadcasts; with one, the output has the input's shape."""
    return Primitive(name, forward, derivs, derivs, broadcasts=len(derivs) > 1)


class _EachArg:
    """Rules of a primitive with any number of inputs: ``rules[i]`` is ``rule(i, ...)``."""

    def __init__(self, rule: Callable[..., Any]) -> None:
        self.rule = rule

    def __getitem__(self, i: int) -> Callable[..., Any]:
        return lambda *args, **params: self.rule(i, *args, **params)


# --- helpers the rules use -----------------------------------------------------------------


def _kept_shape(shape: tuple[int, ...], axis: Any) -> tuple[int, ...]:
    """`shape` with the reduced `axis` kept as size 1 (what keepdims=True gives)."""
    if axis is None:
        return (1,) * len(shape)
    axes = {a % len(shape) for a in (axis if isinstance(axis, tuple) else (axis,))}
    return tuple(1 if k in axes else n for k, n in enumerate(shape))


def _keep(g: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    """Give a reduction's output (or its gradient) back the reduced axes, as size 1."""
    return g if keepdims else g.reshape(_kept_shape(shape_of(x), axis))


def _count(x: Any, axis: Any) -> int:
    shape = shape_of(x)
    return math.prod(shape) // math.prod(_kept_shape(shape, axis))


def _tie_share(x: Any, ans_kept: Any, axis: Any) -> np.ndarray:
    """Where x attains its max (or min) along axis, divided by how many times it does."""
    hits = data_of(x) == data_of(ans_kept)
    return hits / hits.sum(axis=axis, keepdims=True)


# --- arithmetic -----------------------------------------------------------------------------

add = defelementwise("add", operator.add, lambda g, ans, x, y: g, lambda g, ans, x, y: g)
sub = defelementwise("sub", operator.sub, lambda g, ans, x, y: g, lambda g, ans, x, y: -g)
mul = defelementwise("mul", operator.mul, lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x)
div = defelementwise(
    "div", operator.truediv, lambda g, ans, x, y: g / y, lambda g, ans, x, y: -g * ans / y
)
neg = defelementwise("neg", operator.neg, lambda g, ans, x: -g)


def _pow_dx(g: Any, ans: Any, x: Any, y: Any) -> Any:
    """d(x^y)/dx = y x^(y-1) (0 at x = y = 0, where the formula would give nan)."""
    if y.__class__ is int or y.__class__ is float:
        return g * (2.0 * x) if y == 2 else g * (y * x ** (y - 1 if y != 0 else 1.0))
    at_origin = (data_of(x) == 0) & (data_of(y) == 0)  # 0 * 0^-1 would be nan; the limit is 0
    return g * y * x ** where(at_origin, 1.0, y - 1)


def _pow_dy(g: Any, ans: Any, x: Any, y: Any) -> Any:
    """d(x^y)/dy = x^y ln x (taken as 0 at x = 0; nan for negative x, where it is not real)."""
    return g * ans * log(where(data_of(x) == 0, 1.0, x))


power = defelementwise("power", operator.pow, _pow_dx, _pow_dy)

# --- elementwise functions -------------------------------------------------------------------


def _sigmoid(z: Any) -> Any:
    """sigma(z) = 1 / (1 + e^-z). Where e^-z overflows (z < -709) the result is 0, correctly
    rounded, with no warning; small results keep their relative accuracy (sigma(-40) = 4.2e-18)."""
    if z.__class__ is float:
        return 1.0 / (1.0 + math.exp(-z)) if z > -700.0 else math.exp(z)
    t = _exp_of_negative(z)
    t += 1.0
    return np.divide(1.0, t, out=t) if t.__class__ is _ndarray else 1.0 / t  # (faster than np.reciprocal)


class _Quiet(threading.local):
    """`run(f, x)` calls f(x) with NumPy's floating-point errors ignored: in a context, one
    per thread, whose NumPy error state is "ignore". (NumPy 2 keeps its error state in a
    contextvar, so setting it inside a copied context leaves the caller's untouched.)
    `np.errstate` does the same but builds that error state anew on every call: about 4,800
    instructions, a sixth of a float32 sigmoid of 10 x 30."""

    def __init__(self) -> None:
        context = contextvars.copy_context()
        context.run(np.seterr, all="ignore")
        self.run = context.run


_quiet = _Quiet()


def _exp_of_negative(z: Any) -> Any:
    """e^-z, inf where it overflows, without a warning (nor one for underflow)."""
    return _quiet.run(np.exp, -z)


def _relu(z: Any) -> Any:
    """max(z, 0), nan staying nan."""
    if z.__class__ is float:
        return z if z > 0.0 else 0.0 * z
    return np.maximum(z, 0.0)


def _on_floats(array_fn: Callable[[Any], Any], float_fn: Callable[[float], float]) -> Callable[[Any], Any]:
    """A forward that keeps Python floats as Python floats (fast scalar graphs), falling back
    to NumPy (inf or nan with its usual warning) where `math` would raise."""

    def forward(x: Any) -> Any:
        if x.__class__ is float:
            try:
                return float_fn(x)
            except (OverflowError, ValueError):
                return float(array_fn(x))
        return array_fn(x)

    return forward


exp = defelementwise("exp", _on_floats(np.exp, math.exp), lambda g, ans, x: g * ans)
log = defelementwise("log", _on_floats(np.log, math.log), lambda g, ans, x: g / x)
sqrt = defelementwise("sqrt", _on_floats(np.sqrt, math.sqrt), lambda g, ans, x: g * 0.5 / ans)
abs = defelementwise("abs", np.abs, lambda g, ans, x: g * np.sign(data_of(x)))
tanh = defelementwise("tanh", _on_floats(np.tanh, math.tanh), lambda g, ans, x: g * (1.0 - ans * ans))
sigmoid = defelementwise("sigmoid", _sigmoid, lambda g, ans, x: g * (ans * (1.0 - ans)))
relu = defelementwise("relu", _relu, lambda g, ans, x: g * (ans > 0.0))  # (ans > 0 exactly where x > 0)
maximum = defelementwise(
    "maximum",
    np.maximum,
    lambda g, ans, x, y: g * ((data_of(x) > data_of(y)) + 0.5 * (data_of(x) == data_of(y))),
    lambda g, ans, x, y: g * ((data_of(y) > data_of(x)) + 0.5 * (data_of(x) == data_of(y))),
)
minimum = defelementwise(
    "minimum",
    np.minimum,
    lambda g, ans, x, y: g * ((data_of(x) < data_of(y)) + 0.5 * (data_of(x) == data_of(y))),
    lambda g, ans, x, y: g * ((data_of(y) < data_of(x)) + 0.5 * (data_of(x) == data_of(y))),
)
identity = defelementwise("identity", lambda x: x, lambda g, ans, x: g)
_where = defelementwise(
    "where",
    np.where,
    None,
    lambda g, ans, c, x, y: where(c, g, 0.0),
    lambda g, ans, c, x, y: where(c, 0.0, g),
)


def where(condition: Any, x: Any, y: Any) -> Any:
    """x where `condition` holds, else y (elementwise, broadcasting); `condition` is data."""
    return _where(np.asarray(data_of(condition), dtype=bool), x, y)


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
    return linear_prim.binary(x, W) if b is None else linear_prim.ternary(x, W, b)


# --- reductions ------------------------------------------------------------------------------


def _sum_vjp(g: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Every element of x gets the gradient of the sum it went into."""
    if isinstance(g, Value):
        return broadcast_to(_keep(g, x, axis, keepdims), shape_of(x))
    out = np.empty(shape_of(x), dtype=g.dtype)
    out[...] = g if axis is None else _keep(g, x, axis, keepdims)
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
     _sum_vjp(g, ans, x, axis, keepdims) / _count(x, axis),),
    (lambda t, ans, x, axis=None, keepdims=False: sum(t, axis, keepdims) / _count(x, axis),),
)


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The sum of x's elements over `axis` (all of them by default)."""
    return _sum(x) if axis is None and not keepdims else _sum(x, axis=axis, keepdims=keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The mean of x's elements over `axis` (all of them by default)."""
    return _mean(x) if axis is None and not keepdims else _mean(x, axis=axis, keepdims=keepdims)


def _extremum(name: str, reduce: Callable[..., Any]) -> Primitive:
    """max or min over an axis; where several elements tie, they share the gradient."""

    def vjp(g: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return _keep(g, x, axis, keepdims) * _tie_share(x, _keep(ans, x, axis, keepdims), axis)

    def jvp(t: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return sum(t * _tie_share(x, _keep(ans, x, axis, keepdims), axis), axis, keepdims)

    return defprim(
        name,
        lambda x, axis=None, keepdims=False: reduce(x, axis=axis, keepdims=keepdims),
        (vjp,),
        (jvp,),
    )


_max = _extremum("max", np.max)
_min = _extremum("min", np.min)

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
     _keep(g, x, axis, keepdims) * exp(x - _keep(ans, x, axis, keepdims)),),
    (lambda t, ans, x, axis=None, keepdims=False:
     sum(t * exp(x - _keep(ans, x, axis, keepdims)), axis, keepdims),),
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


def _slice_of(i: int, ans: Any, xs: tuple, axis: int) -> tuple:
    """The index of input i's block inside the concatenation `ans`."""
    axis = axis % len(shape_of(ans))
    start = builtins.sum(shape_of(x)[axis] for x in xs[:i])
    return (slice(None),) * axis + (slice(start, start + shape_of(xs[i])[axis]),)


def _stack_index(i: int, ans: Any, axis: int) -> tuple:
    return (slice(None),) * (axis % len(shape_of(ans))) + (i,)


_concatenate = defprim(
    "concatenate",
    lambda *xs, axis=0: np.concatenate(xs, axis=axis),
    _EachArg(lambda i, g, ans, *xs, axis=0: getitem(g, _slice_of(i, ans, xs, axis))),
    _EachArg(lambda i, t, ans, *xs, axis=0:
             scatter_add(t, _slice_of(i, ans, xs, axis), shape_of(ans))),
)
_stack = defprim(
    "stack",
    lambda *xs, axis=0: np.stack(xs, axis=axis),
    _EachArg(lambda i, g, ans, *xs, axis=0: getitem(g, _stack_index(i, ans, axis))),
    _EachArg(lambda i, t, ans, *xs, axis=0:
             scatter_add(t, _stack_index(i, ans, axis), shape_of(ans))),
)


def concatenate(xs: Sequence[Any], axis: int = 0) -> Any:
    """The inputs joined along an existing `axis`."""
    return _concatenate(*xs, axis=axis)


def stack(xs: Sequence[Any], axis: int = 0) -> Any:
    """The inputs stacked along a new `axis`."""
    return _stack(*xs, axis=axis)


# --- NumPy interoperability ------------------------------------------------------------------

_UFUNCS: dict[Any, Callable[..., Any]] = {
    np.add: add, np.subtract: sub, np.multiply: mul, np.true_divide: div,
    np.negative: neg, np.power: power, np.exp: exp, np.log: log, np.sqrt: sqrt,
    np.absolute: abs, np.tanh: tanh, np.maximum: maximum, np.minimum: minimum,
    np.matmul: matmul,
}
_COMPARISONS = {np.less, np.less_equal, np.greater, np.greater_equal}


def apply_ufunc(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
    """A NumPy ufunc called on Values: the matching primitive, or a clear TypeError."""
    if method == "__call__" and not kwargs:
        if ufunc in _UFUNCS:
            return _UFUNCS[ufunc](*inputs)
        if ufunc in _COMPARISONS:
            return ufunc(*(data_of(x) for x in inputs))
    raise TypeError(
        f"numpy.{ufunc.__name__} ({method}) is not differentiable here; "
        "use the functions of autograd_core"
    )


def apply_function(func: Any, args: tuple, kwargs: dict) -> Any:
    """A NumPy function called on Values: the matching primitive, or a clear TypeError."""
    handlers: dict[Any, Callable[..., Any]] = {
        np.sum: sum, np.mean: mean, np.max: max, np.min: min, np.amax: max, np.amin: min,
        np.reshape: reshape, np.transpose: transpose, np.swapaxes: swapaxes,
        np.expand_dims: expand_dims, np.squeeze: squeeze, np.broadcast_to: broadcast_to,
        np.concatenate: concatenate, np.stack: stack, np.where: where, np.matmul: matmul,
        np.exp: exp, np.log: log, np.tanh: tanh, np.sqrt: sqrt, np.abs: abs,
        np.maximum: maximum, np.minimum: minimum,
    }
    if func in (np.shape, np.ndim, np.size):
        return func(*(data_of(a) for a in args), **kwargs)
    if func not in handlers:
        raise TypeError(
            f"numpy.{func.__name__} is not differentiable here; use the functions of autograd_core"
        )
    return handlers[func](*args, **kwargs)


__all__ = [
    "Value", "add", "sub", "mul", "div", "neg", "power", "exp", "log", "sqrt", "abs", "tanh",
    "sigmoid", "relu", "maximum", "minimum", "where", "matmul", "linear", "sum", "mean", "max", "min",
    "quadratic_cost", "logsumexp", "softmax", "log_softmax", "reshape", "transpose", "swapaxes",
    "expand_dims", "squeeze", "broadcast_to", "getitem", "scatter_add", "concatenate", "stack", "identity",
]
