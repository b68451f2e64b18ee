"""The Poisson distribution, as scipy.stats.poisson: `poisson.logpmf(k, mu, loc=0)`.

Differentiable in mu; the arguments broadcast. k and loc take whole numbers and are not
differentiated (a Value that requires grad is refused for them). Where k - loc is not a whole
number >= 0, logpmf is -inf and pmf 0, with derivative 0 in mu. Where mu < 0 or k is nan the
result is nan, as SciPy's, and so is its derivative. At mu = 0: logpmf(0, 0) = 0, with
derivative -1 in mu.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import data_of
from ...primitives import exp
from ..special import gammaln, xlogy
from ._support import array_like, constant, restricted

__all__ = ["logpmf", "pmf"]

CONSTANT_ARGUMENTS = {"logpmf": "k, loc", "pmf": "k, loc"}
"""The arguments a method is not differentiated in (for the list of supported functions)."""


def _restricted(formula: Any, k: Any, mu: Any, loc: Any, outside: float) -> Any:
    k = constant(k, "poisson", "k") - constant(loc, "poisson", "loc")
    mu = array_like(mu)
    valid = np.asarray(data_of(mu) >= 0) & ~np.isnan(k)
    inside = valid & (k >= 0) & (np.floor(k) == k)
    k_safe = np.where(inside, k, 0.0)
    return restricted(
        lambda mu: formula(k_safe, mu), (mu,), (1.0,), inside=inside, valid=valid, originals=(mu,),
        outside=outside,
    )


def logpmf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """k log mu - log k! - mu at the whole numbers k >= 0 (with 0 log 0 = 0)."""
    return _restricted(lambda k, mu: xlogy(k, mu) - gammaln(k + 1.0) - mu, k, mu, loc, -np.inf)


def pmf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """mu^k e^-mu / k!."""
    return _restricted(lambda k, mu: exp(xlogy(k, mu) - gammaln(k + 1.0) - mu), k, mu, loc, 0.0)
