"""The beta distribution, as scipy.stats.beta: `beta.logpdf(x, a, b, loc=0, scale=1)`.

Differentiable in x, a, b, loc and scale; the arguments broadcast. With z = (x - loc) / scale,
the support is 0 <= z <= 1: outside it logpdf is -inf and pdf 0, with derivative 0. Where
a <= 0, b <= 0 or scale <= 0 the result is nan, as SciPy's, and so is its derivative. At z = 0
and z = 1 the value is SciPy's (finite, -inf or inf depending on a and b), as are the infinite
derivatives there.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...primitives import exp, log
from ..special import betaln, xlog1py, xlogy
from ._support import location_scale

__all__ = ["logpdf", "pdf"]


def _log_density(z: Any, a: Any, b: Any) -> Any:
    """(a - 1) log z + (b - 1) log(1 - z) - log B(a, b), SciPy's formula (with 0 log 0 = 0)."""
    return xlog1py(b - 1.0, -z) + xlogy(a - 1.0, z) - betaln(a, b)


def _in_unit_interval(z: np.ndarray) -> np.ndarray:
    return (z >= 0) & (z <= 1)


def _valid(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a > 0) & (b > 0)


def logpdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """(a - 1) log z + (b - 1) log(1 - z) - log B(a, b) - log scale."""
    return location_scale(
        lambda z, scale, a, b: _log_density(z, a, b) - log(scale),
        x, loc, scale, (a, b),
        shapes_valid=_valid, support=_in_unit_interval, safe_z=0.5, safe_shapes=(1.0, 1.0),
    )


def pdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """z^(a-1) (1 - z)^(b-1) / (B(a, b) scale)."""
    return location_scale(
        lambda z, scale, a, b: exp(_log_density(z, a, b)) / scale,
        x, loc, scale, (a, b),
        shapes_valid=_valid, support=_in_unit_interval, safe_z=0.5, safe_shapes=(1.0, 1.0),
        outside=0.0,
    )
