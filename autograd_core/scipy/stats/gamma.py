"""The gamma distribution, as scipy.stats.gamma: `gamma.logpdf(x, a, loc=0, scale=1)`.

Differentiable in x, a, loc and scale; the arguments broadcast. With z = (x - loc) / scale,
the support is z >= 0: below it logpdf is -inf and pdf 0, with derivative 0. Where a <= 0 or
scale <= 0 the result is nan, as SciPy's, and so is its derivative. At z = 0 the value is
SciPy's (0 for a = 1, -inf for a > 1, inf for a < 1), as are the infinite derivatives there.
"""

from __future__ import annotations

from typing import Any

from ...primitives import exp, log
from ..special import gammaln, xlogy
from ._support import location_scale

__all__ = ["logpdf", "pdf"]


def _log_density(z: Any, a: Any) -> Any:
    """(a - 1) log z - z - log Gamma(a), SciPy's formula (with 0 log 0 = 0)."""
    return xlogy(a - 1.0, z) - z - gammaln(a)


def logpdf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """(a - 1) log z - z - log Gamma(a) - log scale."""
    return location_scale(
        lambda z, scale, a: _log_density(z, a) - log(scale),
        x, loc, scale, (a,),
        shapes_valid=lambda a: a > 0, support=lambda z: z >= 0, safe_z=1.0, safe_shapes=(1.0,),
    )


def pdf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """z^(a-1) e^-z / (Gamma(a) scale)."""
    return location_scale(
        lambda z, scale, a: exp(_log_density(z, a)) / scale,
        x, loc, scale, (a,),
        shapes_valid=lambda a: a > 0, support=lambda z: z >= 0, safe_z=1.0, safe_shapes=(1.0,),
        outside=0.0,
    )
