"""Arithmetic and elementwise functions: each derivative rule is g times a partial derivative.

A rule's docstring states, after "Convention:", what it gives at the points where the
function has no derivative; `numpy_dispatch` lists these in docs/numpy-support.md.
"""

from __future__ import annotations

import contextvars
import math
import operator
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import _ndarray, data_of, shape_of
from ._registry import defelementwise, defprim

__all__ = [  # the public names of this module: ag.<name>
    "add", "sub", "mul", "div", "neg", "power", "square", "reciprocal", "remainder", "mod", "fmod",
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "logaddexp", "logaddexp2", "sqrt", "cbrt",
    "sin", "cos", "tan", "arcsin", "arccos", "arctan", "arctan2", "hypot", "sinc",
    "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh",
    "deg2rad", "radians", "rad2deg", "degrees",
    "abs", "fabs", "sigmoid", "relu", "softplus", "log_sigmoid",
    "maximum", "minimum", "fmax", "fmin", "clip", "where", "identity",
    "sign", "floor", "ceil", "trunc", "fix", "rint", "round", "around", "astype",
]

_LN2, _LN10 = math.log(2.0), math.log(10.0)  # Python floats: float32 data stays float32

# --- arithmetic -----------------------------------------------------------------------------

add = defelementwise("add", operator.add, lambda g, ans, x, y: g, lambda g, ans, x, y: g)
sub = defelementwise("sub", operator.sub, lambda g, ans, x, y: g, lambda g, ans, x, y: -g)
mul = defelementwise("mul", operator.mul, lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x)
div = defelementwise(
    "div", operator.truediv, lambda g, ans, x, y: g / y, lambda g, ans, x, y: -g * ans / y
)
neg = defelementwise("neg", operator.neg, lambda g, ans, x: -g)


def _pow(x: Any, y: Any) -> Any:
    """x ** y; a negative Python float to a fractional power is nan, as NumPy gives, not complex."""
    ans = x ** y
    return ans if ans.__class__ is not complex else float(np.power(np.float64(x), np.float64(y)))


def _pow_dx(g: Any, ans: Any, x: Any, y: Any) -> Any:
    """d(x^y)/dx = y x^(y-1). Convention: 0 at x = y = 0, where the formula would give nan."""
    if y.__class__ is int or y.__class__ is float:
        return g * (2.0 * x) if y == 2 else g * (y * _pow(x, y - 1 if y != 0 else 1.0))
    at_origin = (data_of(x) == 0) & (data_of(y) == 0)  # 0 * 0^-1 would be nan; the limit is 0
    return g * y * x ** where(at_origin, 1.0, y - 1)


def _pow_dy(g: Any, ans: Any, x: Any, y: Any) -> Any:
    """d(x^y)/dy = x^y ln x. Convention: 0 at x = 0; nan for x < 0, where it is not real."""
    return g * ans * log(where(data_of(x) == 0, 1.0, x))


power = defelementwise("power", _pow, _pow_dx, _pow_dy)
square = defelementwise("square", np.square, lambda g, ans, x: g * (2.0 * x))
reciprocal = defelementwise("reciprocal", np.reciprocal, lambda g, ans, x: -g * (ans * ans))


def _remainder_dy(g: Any, ans: Any, x: Any, y: Any) -> Any:
    """d(x mod y)/dy = -floor(x / y). Convention: at the jumps (x / y an integer), the
    derivative of the piece that starts there; d/dx = 1 everywhere."""
    return -g * np.floor(data_of(x) / data_of(y))


def _fmod_dy(g: Any, ans: Any, x: Any, y: Any) -> Any:
    """d fmod(x, y)/dy = -trunc(x / y). Convention: at the jumps (x / y a nonzero integer),
    the derivative of the piece nearer zero; d/dx = 1 everywhere."""
    return -g * np.trunc(data_of(x) / data_of(y))


remainder = defelementwise("remainder", np.remainder, lambda g, ans, x, y: g, _remainder_dy)
mod = remainder
fmod = defelementwise("fmod", np.fmod, lambda g, ans, x, y: g, _fmod_dy)

# --- exponentials and logarithms --------------------------------------------------------------


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


def _sqrt_dx(g: Any, ans: Any, x: Any) -> Any:
    """d sqrt(x)/dx = 1 / (2 sqrt(x)). Convention: sqrt'(0) = inf."""
    return g * 0.5 / ans


def _cbrt_dx(g: Any, ans: Any, x: Any) -> Any:
    """d cbrt(x)/dx = 1 / (3 cbrt(x)^2). Convention: cbrt'(0) = inf."""
    return g / (3.0 * (ans * ans))


exp = defelementwise("exp", _on_floats(np.exp, math.exp), lambda g, ans, x: g * ans)
exp2 = defelementwise("exp2", _on_floats(np.exp2, lambda x: 2.0 ** x), lambda g, ans, x: g * (_LN2 * ans))
expm1 = defelementwise("expm1", _on_floats(np.expm1, math.expm1), lambda g, ans, x: g * (ans + 1.0))
log = defelementwise("log", _on_floats(np.log, math.log), lambda g, ans, x: g / x)
log2 = defelementwise("log2", _on_floats(np.log2, math.log2), lambda g, ans, x: g / (_LN2 * x))
log10 = defelementwise("log10", _on_floats(np.log10, math.log10), lambda g, ans, x: g / (_LN10 * x))
log1p = defelementwise("log1p", _on_floats(np.log1p, math.log1p), lambda g, ans, x: g / (1.0 + x))
sqrt = defelementwise("sqrt", _on_floats(np.sqrt, math.sqrt), _sqrt_dx)
cbrt = defelementwise("cbrt", _on_floats(np.cbrt, math.cbrt), _cbrt_dx)
logaddexp = defelementwise(  # d/dx log(e^x + e^y) = e^(x - ans)
    "logaddexp", np.logaddexp, lambda g, ans, x, y: g * exp(x - ans), lambda g, ans, x, y: g * exp(y - ans)
)
logaddexp2 = defelementwise(  # d/dx log2(2^x + 2^y) = 2^(x - ans)
    "logaddexp2", np.logaddexp2,
    lambda g, ans, x, y: g * exp2(x - ans), lambda g, ans, x, y: g * exp2(y - ans),
)

# --- trigonometric and hyperbolic functions ---------------------------------------------------


def _sin_dx(g: Any, ans: Any, x: Any) -> Any:
    """d sin(x)/dx = cos(x)."""
    return g * cos(x)


def _sinh_dx(g: Any, ans: Any, x: Any) -> Any:
    """d sinh(x)/dx = cosh(x)."""
    return g * cosh(x)


sin = defelementwise("sin", _on_floats(np.sin, math.sin), _sin_dx)
cos = defelementwise("cos", _on_floats(np.cos, math.cos), lambda g, ans, x: -g * sin(x))
tan = defelementwise("tan", _on_floats(np.tan, math.tan), lambda g, ans, x: g * (1.0 + ans * ans))
arcsin = defelementwise("arcsin", _on_floats(np.arcsin, math.asin), lambda g, ans, x: g / sqrt(1.0 - x * x))
arccos = defelementwise("arccos", _on_floats(np.arccos, math.acos), lambda g, ans, x: -g / sqrt(1.0 - x * x))
arctan = defelementwise("arctan", _on_floats(np.arctan, math.atan), lambda g, ans, x: g / (1.0 + x * x))
sinh = defelementwise("sinh", _on_floats(np.sinh, math.sinh), _sinh_dx)
cosh = defelementwise("cosh", _on_floats(np.cosh, math.cosh), lambda g, ans, x: g * sinh(x))
tanh = defelementwise("tanh", _on_floats(np.tanh, math.tanh), lambda g, ans, x: g * (1.0 - ans * ans))
arcsinh = defelementwise(
    "arcsinh", _on_floats(np.arcsinh, math.asinh), lambda g, ans, x: g / sqrt(x * x + 1.0)
)
arccosh = defelementwise(
    "arccosh", _on_floats(np.arccosh, math.acosh), lambda g, ans, x: g / sqrt(x * x - 1.0)
)
arctanh = defelementwise("arctanh", _on_floats(np.arctanh, math.atanh), lambda g, ans, x: g / (1.0 - x * x))
deg2rad = defelementwise("deg2rad", np.deg2rad, lambda g, ans, x: g * (math.pi / 180.0))
rad2deg = defelementwise("rad2deg", np.rad2deg, lambda g, ans, x: g * (180.0 / math.pi))
radians, degrees = deg2rad, rad2deg


def _arctan2_dy(g: Any, ans: Any, y: Any, x: Any) -> Any:
    """d arctan2(y, x)/dy = x / (x^2 + y^2). Convention: nan at the origin (a discontinuity)."""
    return g * x / (x * x + y * y)


def _arctan2_dx(g: Any, ans: Any, y: Any, x: Any) -> Any:
    """d arctan2(y, x)/dx = -y / (x^2 + y^2). Convention: nan at the origin (a discontinuity)."""
    return -g * y / (x * x + y * y)


def _hypot_dx(g: Any, ans: Any, x: Any, y: Any) -> Any:
    """d hypot(x, y)/dx = x / hypot(x, y). Convention: 0 at the origin (the smallest
    subgradient of this norm, as abs'(0) = 0)."""
    return g * x / where(data_of(ans) == 0, 1.0, ans)


def _sinc_dx(g: Any, ans: Any, x: Any) -> Any:
    """d sinc(x)/dx = (cos(pi x) - sinc(x)) / x; for |x| < 1e-3, where that difference
    cancels, its Taylor series -pi^2 x / 3 + pi^4 x^3 / 30 (so sinc''(0) = -pi^2 / 3)."""
    near_zero = np.abs(data_of(x)) < 1e-3
    series = x * ((math.pi**4 / 30.0) * (x * x) - math.pi**2 / 3.0)
    return g * where(near_zero, series, (cos(math.pi * x) - ans) / where(near_zero, 1.0, x))


arctan2 = defelementwise("arctan2", np.arctan2, _arctan2_dy, _arctan2_dx)
hypot = defelementwise("hypot", np.hypot, _hypot_dx, lambda g, ans, x, y: _hypot_dx(g, ans, y, x))
sinc = defelementwise("sinc", np.sinc, _sinc_dx)

# --- activations --------------------------------------------------------------------------------


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


def _relu_dz(g: Any, ans: Any, z: Any) -> Any:
    """relu'(z) = 1 for z > 0, else 0 (ans > 0 exactly where z > 0). Convention: relu'(0) = 0."""
    return g * (ans > 0.0)


def _abs_dx(g: Any, ans: Any, x: Any) -> Any:
    """d|x|/dx = sign(x). Convention: abs'(0) = 0."""
    return g * np.sign(data_of(x))


def _softplus(z: Any) -> Any:
    """ln(1 + e^z) = max(z, 0) + ln(1 + e^-|z|): nothing overflows, and for very negative z
    the result e^z keeps its relative accuracy."""
    if z.__class__ is float:
        return (z if z > 0.0 else 0.0) + math.log1p(math.exp(-math.fabs(z)))
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def _log_sigmoid(z: Any) -> Any:
    """ln sigma(z) = -softplus(-z) = min(z, 0) - ln(1 + e^-|z|), computed the same way."""
    if z.__class__ is float:
        return (z if z < 0.0 else 0.0) - math.log1p(math.exp(-math.fabs(z)))
    return np.minimum(z, 0.0) - np.log1p(np.exp(-np.abs(z)))


abs = defelementwise("abs", np.abs, _abs_dx)
fabs = abs
sigmoid = defelementwise("sigmoid", _sigmoid, lambda g, ans, x: g * (ans * (1.0 - ans)))
relu = defelementwise("relu", _relu, _relu_dz)
softplus = defelementwise("softplus", _softplus, lambda g, ans, z: g * sigmoid(z))  # softplus' = sigma
log_sigmoid = defelementwise(  # d/dz ln sigma(z) = sigma(-z) = 1 - sigma(z)
    "log_sigmoid", _log_sigmoid, lambda g, ans, z: g * sigmoid(-z)
)

# --- maxima, minima and clipping ---------------------------------------------------------------


def _share(a: Any, b: Any, wins: Callable[[Any, Any], Any], nan_loses: bool = False) -> Any:
    """1 where a wins against b, 1/2 where they tie, else 0, in the dtype of a and b. With
    `nan_loses`, a number also wins against nan (fmax and fmin ignore nan)."""
    a, b = data_of(a), data_of(b)
    dtype = np.result_type(a, b)  # (before np.asarray: Python floats do not widen float32)
    a, b = np.asarray(a), np.asarray(b)
    share = wins(a, b) + 0.5 * (a == b)
    if nan_loses:
        share = share + (np.isnan(b) & ~np.isnan(a))
    return share.astype(dtype, copy=False)


def _max_dx(g: Any, ans: Any, x: Any, y: Any) -> Any:
    """d max(x, y)/dx = 1 where x > y, else 0. Convention: x and y share ties equally (1/2)."""
    return g * _share(x, y, np.greater)


def _min_dx(g: Any, ans: Any, x: Any, y: Any) -> Any:
    """d min(x, y)/dx = 1 where x < y, else 0. Convention: x and y share ties equally (1/2)."""
    return g * _share(x, y, np.less)


def _fmax_dx(g: Any, ans: Any, x: Any, y: Any) -> Any:
    """d fmax(x, y)/dx = 1 where x > y or y is nan. Convention: ties shared equally (1/2)."""
    return g * _share(x, y, np.greater, nan_loses=True)


def _fmin_dx(g: Any, ans: Any, x: Any, y: Any) -> Any:
    """d fmin(x, y)/dx = 1 where x < y or y is nan. Convention: ties shared equally (1/2)."""
    return g * _share(x, y, np.less, nan_loses=True)


maximum = defelementwise("maximum", np.maximum, _max_dx, lambda g, ans, x, y: _max_dx(g, ans, y, x))
minimum = defelementwise("minimum", np.minimum, _min_dx, lambda g, ans, x, y: _min_dx(g, ans, y, x))
fmax = defelementwise("fmax", np.fmax, _fmax_dx, lambda g, ans, x, y: _fmax_dx(g, ans, y, x))
fmin = defelementwise("fmin", np.fmin, _fmin_dx, lambda g, ans, x, y: _fmin_dx(g, ans, y, x))


def _clip_partials(x: Any, low: Any, high: Any) -> tuple[Any, Any, Any]:
    """The partial derivatives of clip = minimum(maximum(x, low), high) in x, low and high,
    by the chain rule through maximum and minimum (ties shared equally)."""
    m = np.maximum(data_of(x), data_of(low))
    through_min = _share(m, high, np.less)
    dx, dlow = through_min * _share(x, low, np.greater), through_min * _share(low, x, np.greater)
    return dx, dlow, _share(high, m, np.less)


def _clip_dx(g: Any, ans: Any, x: Any, low: Any, high: Any) -> Any:
    """d clip/dx = 1 strictly between the bounds, else 0. Convention: at a bound, x and the
    bound share the gradient equally (1/2 each), as maximum and minimum share ties."""
    return g * _clip_partials(x, low, high)[0]


_clip = defelementwise(
    "clip",
    np.clip,
    _clip_dx,
    lambda g, ans, x, low, high: g * _clip_partials(x, low, high)[1],
    lambda g, ans, x, low, high: g * _clip_partials(x, low, high)[2],
)


def clip(a: Any, a_min: Any = None, a_max: Any = None, *, min: Any = None, max: Any = None) -> Any:
    """a limited to [a_min, a_max], elementwise: minimum(maximum(a, a_min), a_max), as NumPy
    computes it (a_max wins where a_min > a_max). Either bound may be None (no limit on that
    side); `min` and `max` are NumPy's other names for them. The bounds may be Values too."""
    if min is not None:
        if a_min is not None:
            raise ValueError("clip: give the lower bound as a_min or as min, not both")
        a_min = min
    if max is not None:
        if a_max is not None:
            raise ValueError("clip: give the upper bound as a_max or as max, not both")
        a_max = max
    return _clip(a, -math.inf if a_min is None else a_min, math.inf if a_max is None else a_max)


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


# --- piecewise constant functions: derivative 0 ------------------------------------------------


def _flat(g: Any, ans: Any, x: Any, *params: Any, **named: Any) -> Any:
    """0: the function is constant between its jumps. Convention: 0 at the jumps as between them."""
    return np.zeros(shape_of(x), getattr(data_of(g), "dtype", np.float64))


sign = defelementwise("sign", np.sign, _flat)
floor = defelementwise("floor", np.floor, _flat)
ceil = defelementwise("ceil", np.ceil, _flat)
trunc = defelementwise("trunc", np.trunc, _flat)
fix = trunc
_round = defprim("round", lambda x, decimals=0: np.round(x, decimals), (_flat,), (_flat,))


def round(a: Any, decimals: int = 0) -> Any:
    """a rounded to `decimals` decimal places, halves to even (NumPy's rule); derivative 0."""
    return _round(a, decimals=decimals)


around = rint = round


# --- dtype conversion ---------------------------------------------------------------------------


def _dtype_of(x: Any) -> np.dtype:
    return getattr(x, "dtype", np.dtype(np.float64))


_astype = defprim(
    "astype",
    lambda x, dtype: np.asarray(x).astype(dtype),
    (lambda g, ans, x, dtype: astype(g, _dtype_of(x)),),
    (lambda t, ans, x, dtype: astype(t, dtype),),
)


def astype(x: Any, dtype: Any) -> Any:
    """x converted to the float `dtype` (float16, float32 or float64), as a Value.

    A Value holds floats, so an integer or boolean dtype gives plain data (x's data
    converted, as argmax gives plain indices): what is cast to integers has no derivative.
    Complex dtypes are refused.
    """
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return _astype(x, dtype=dtype)
    if dtype.kind in "biu":
        return np.asarray(data_of(x)).astype(dtype)
    raise TypeError(f"astype: autograd_core works with real numbers only; cannot convert to {dtype}")


# --- what NumPy's own functions called on a Value run (see numpy_dispatch) ------------------

NUMPY_UFUNCS: dict[Any, Callable[..., Any]] = {
    np.add: add, np.subtract: sub, np.multiply: mul, np.true_divide: div, np.negative: neg,
    np.positive: identity, np.conjugate: identity, np.power: power, np.square: square,
    np.reciprocal: reciprocal, np.remainder: remainder, np.fmod: fmod,
    np.exp: exp, np.exp2: exp2, np.expm1: expm1, np.log: log, np.log2: log2, np.log10: log10,
    np.log1p: log1p, np.logaddexp: logaddexp, np.logaddexp2: logaddexp2, np.sqrt: sqrt, np.cbrt: cbrt,
    np.sin: sin, np.cos: cos, np.tan: tan, np.arcsin: arcsin, np.arccos: arccos, np.arctan: arctan,
    np.arctan2: arctan2, np.hypot: hypot, np.sinh: sinh, np.cosh: cosh, np.tanh: tanh,
    np.arcsinh: arcsinh, np.arccosh: arccosh, np.arctanh: arctanh,
    np.deg2rad: deg2rad, np.radians: deg2rad, np.rad2deg: rad2deg, np.degrees: rad2deg,
    np.absolute: abs, np.fabs: abs, np.maximum: maximum, np.minimum: minimum, np.fmax: fmax, np.fmin: fmin,
    np.sign: sign, np.floor: floor, np.ceil: ceil, np.trunc: trunc, np.rint: rint,
}
NUMPY_FUNCTIONS: dict[Any, Callable[..., Any]] = {
    np.where: where, np.clip: clip, np.sinc: sinc, np.round: round, np.around: round, np.fix: trunc,
    np.real: identity, np.real_if_close: identity, np.astype: astype,
}
