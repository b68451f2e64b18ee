"""Rows of the primitives' table for the elementwise functions, called as NumPy's own functions
on Values (so each row also checks NumPy's dispatch), on inputs inside their domains and away
from their kinks and jumps."""

import functools

import numpy as np
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.testing import arrays, broadcastable_arrays, positive_arrays, separated_arrays

from .calls import Call, binary, unary

away_from_zero = functools.partial(arrays, min_magnitude=0.3)


def between_jumps(x: np.ndarray) -> np.ndarray:
    """x moved to n + 0.1 .. n + 0.4 (n = floor(x)): at least 0.1 from every integer and half
    integer, where floor, ceil, trunc, rint, round and sign jump."""
    n = np.floor(x)
    return n + 0.1 + 0.3 * (x - n)


@st.composite
def roundings(draw: st.DrawFn) -> Call:
    """np.round(x, decimals) with x between the jumps of that many decimals."""
    decimals = draw(st.integers(0, 2))
    x = between_jumps(draw(arrays())) / 10.0**decimals
    return Call(lambda x: np.round(x, decimals), (x,), {"decimals": decimals})


@st.composite
def quotients_between_jumps(draw: st.DrawFn, f: np.ufunc) -> Call:
    """f(x, y) for remainder and fmod, with x / y at least 0.1 from every integer."""
    q, y = draw(broadcastable_arrays(lambda s: arrays(s).map(between_jumps), away_from_zero))
    return Call(f, (q * y, y))


@st.composite
def clips(draw: st.DrawFn) -> Call:
    """np.clip(x, a_min, a_max) with number bounds (either may be None), x at least 0.05 from
    them; or with array bounds, differentiated too, all three apart."""
    if draw(st.booleans()):
        x, low, high = draw(separated_arrays(3))
        return Call(lambda x, low, high: np.clip(x, low, high), (x, low, high))
    low = draw(st.none() | st.floats(-2.0, -0.5))
    high = draw(st.none() | st.floats(0.5, 2.0))
    x = draw(arrays())
    for bound in (low, high):
        if bound is not None:
            x = np.where(np.abs(x - bound) < 0.05, x + 0.1, x)
    return Call(lambda x: np.clip(x, low, high), (x,), {"a_min": low, "a_max": high})


ROWS = {
    "square": unary(np.square),
    "reciprocal": unary(np.reciprocal, away_from_zero()),
    "remainder": quotients_between_jumps(np.remainder),
    "fmod": quotients_between_jumps(np.fmod),
    "exp2": unary(np.exp2),
    "expm1": unary(np.expm1),
    "log2": unary(np.log2, positive_arrays()),
    "log10": unary(np.log10, positive_arrays()),
    "log1p": unary(np.log1p, arrays(low=-0.8)),
    "logaddexp": binary(np.logaddexp),
    "logaddexp2": binary(np.logaddexp2),
    "cbrt": unary(np.cbrt, away_from_zero()),
    "sin": unary(np.sin),
    "cos": unary(np.cos),
    "tan": unary(np.tan, arrays(low=-1.2, high=1.2)),
    "arcsin": unary(np.arcsin, arrays(low=-0.9, high=0.9)),
    "arccos": unary(np.arccos, arrays(low=-0.9, high=0.9)),
    "arctan": unary(np.arctan),
    "arctan2": binary(np.arctan2, away_from_zero, arrays),  # y away from 0: no branch cut
    "hypot": binary(np.hypot, away_from_zero, arrays),  # away from the origin
    "sinc": unary(np.sinc),
    "sinh": unary(np.sinh),
    "cosh": unary(np.cosh),
    "arcsinh": unary(np.arcsinh),
    "arccosh": unary(np.arccosh, arrays(low=1.2)),
    "arctanh": unary(np.arctanh, arrays(low=-0.9, high=0.9)),
    "deg2rad": unary(np.deg2rad),
    "rad2deg": unary(np.rad2deg),
    "softplus": unary(ag.softplus),
    "log_sigmoid": unary(ag.log_sigmoid),
    "fmax": separated_arrays(2).map(lambda xy: Call(np.fmax, xy)),
    "fmin": separated_arrays(2).map(lambda xy: Call(np.fmin, xy)),
    "clip": clips(),
    "sign": unary(np.sign, arrays().map(between_jumps)),
    "floor": unary(np.floor, arrays().map(between_jumps)),
    "ceil": unary(np.ceil, arrays().map(between_jumps)),
    "trunc": unary(np.trunc, arrays().map(between_jumps)),
    "round": roundings(),
    "astype": unary(lambda x: np.astype(x, np.float64)),
}
