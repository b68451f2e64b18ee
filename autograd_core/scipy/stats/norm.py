"""The normal distribution N(loc, scale^2), as scipy.stats.norm: `norm.logpdf(x, loc=0, scale=1)`.

Every function takes SciPy's arguments (positional or by keyword), broadcasts them, and is
differentiable in x, loc and scale. Where scale <= 0 the result is nan, as SciPy's, and so is
its derivative. With z = (x - loc) / scale:
"""

from __future__ import annotations

import math
from typing import Any

from ...primitives import exp, log
from ..special import log_ndtr, ndtr
from ._support import location_scale

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """log phi(z) - log scale = -z^2/2 - log(sqrt(2 pi) scale)."""
    return location_scale(lambda z, scale: -0.5 * z * z - _LOG_SQRT_2PI - log(scale), x, loc, scale)


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """phi(z) / scale = exp(-z^2/2) / (sqrt(2 pi) scale)."""
    return location_scale(lambda z, scale: exp(-0.5 * z * z) / _SQRT_2PI / scale, x, loc, scale)


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """Phi(z), the probability of a value <= x."""
    return location_scale(lambda z, scale: ndtr(z), x, loc, scale)


def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """log Phi(z), accurate far in the left tail (SciPy's log_ndtr)."""
    return location_scale(lambda z, scale: log_ndtr(z), x, loc, scale)


def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """1 - Phi(z) = Phi(-z), the probability of a value > x."""
    return location_scale(lambda z, scale: ndtr(-z), x, loc, scale)


def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """log(1 - Phi(z)) = log Phi(-z), accurate far in the right tail."""
    return location_scale(lambda z, scale: log_ndtr(-z), x, loc, scale)
