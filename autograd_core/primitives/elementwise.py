"""Arithmetic and elementwise functions: each derivative rule is g times a partial derivative."""

from __future__ import annotations

import contextvars
import math
import operator
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import _ndarray, data_of
from ._registry import defelementwise

__all__ = [  # the public names of this module: ag.<name>
    "add",
    "sub",
    "mul",
    "div",
    "neg",
    "power",
    "exp",
    "log",
    "sqrt",
    "abs",
    "tanh",
    "sigmoid",
    "relu",
    "maximum",
    "minimum",
    "where",
    "identity",
]

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
    """d(x^y)/dx = y x^(y-1) (0 at x = y = 0, where the formula would give nan)."""
    if y.__class__ is int or y.__class__ is float:
        return g * (2.0 * x) if y == 2 else g * (y * _pow(x, y - 1 if y != 0 else 1.0))
    at_origin = (data_of(x) == 0) & (data_of(y) == 0)  # 0 * 0^-1 would be nan; the limit is 0
    return g * y * x ** where(at_origin, 1.0, y - 1)


def _pow_dy(g: Any, ans: Any, x: Any, y: Any) -> Any:
    """d(x^y)/dy = x^y ln x (taken as 0 at x = 0; nan for negative x, where it is not real)."""
    return g * ans * log(where(data_of(x) == 0, 1.0, x))


power = defelementwise("power", _pow, _pow_dx, _pow_dy)

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


# --- what NumPy's own functions called on a Value run (see numpy_dispatch) ------------------

NUMPY_UFUNCS: dict[Any, Callable[..., Any]] = {
    np.add: add, np.subtract: sub, np.multiply: mul, np.true_divide: div,
    np.negative: neg, np.power: power, np.exp: exp, np.log: log, np.sqrt: sqrt,
    np.absolute: abs, np.tanh: tanh, np.maximum: maximum, np.minimum: minimum,
}
NUMPY_FUNCTIONS: dict[Any, Callable[..., Any]] = {np.where: where}
