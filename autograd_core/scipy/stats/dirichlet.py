"""The Dirichlet distribution, as scipy.stats.dirichlet: `dirichlet.logpdf(x, alpha)`.

SciPy's layout of x: its FIRST axis holds the K components (one point is a vector of length
K; several points are the columns of a (K, n) array), or K - 1 of them, the last being
1 - (the sum of the others). Differentiable in x and alpha. SciPy's checks are kept: alpha must
be a vector of positive numbers, and x must lie on the simplex (entries in [0, 1] summing to 1
within 1e-9, and none 0 where its alpha is below 1): anything else is a ValueError. Where an
entry of x is 0 and its alpha above 1, logpdf is -inf (pdf 0) and the derivatives are
infinite, as the limits are.

With K - 1 components given, the gradient in x is that of the function of K - 1 free numbers
(the last component moves with them), so it stays on the simplex.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core import data_of, shape_of
from ...primitives import concatenate, exp, reshape, sum
from ..special import gammaln, xlogy
from ._support import array_like, squeeze_output

__all__ = ["logpdf", "pdf"]


def _check_alpha(alpha: Any) -> None:
    data = np.asarray(data_of(alpha))
    if np.min(data) <= 0:
        raise ValueError("All parameters must be greater than 0")
    if data.ndim != 1:
        raise ValueError(f"Parameter vector 'a' must be one dimensional, but a.shape = {data.shape}.")


def _on_simplex(alpha: Any, x: Any) -> Any:
    """x with its K-th component appended when it has K - 1, after SciPy's checks."""
    K, shape = shape_of(alpha)[0], shape_of(x)
    if len(shape) == 0 or shape[0] not in (K - 1, K):
        raise ValueError("Vector 'x' must have either the same number of entries as, or one entry fewer "
                         f"than, parameter vector 'a', but alpha.shape = {(K,)} and x.shape = {shape}.")
    if shape[0] == K - 1:
        if len(shape) > 2:
            raise ValueError("The input must be one dimensional or a two dimensional matrix containing "
                             "the entries.")
        last = 1.0 - sum(x, axis=0)
        x = concatenate([x, reshape(last, (1,) + shape[1:])], axis=0)
    _check_simplex(np.asarray(data_of(alpha)), np.asarray(data_of(x)))
    return x


def _check_simplex(alpha: np.ndarray, x: np.ndarray) -> None:
    if np.min(x) < 0:
        raise ValueError("Each entry in 'x' must be greater than or equal to zero.")
    if np.max(x) > 1:
        raise ValueError("Each entry in 'x' must be smaller or equal one.")
    below_one = alpha.reshape((-1,) + (1,) * (x.ndim - 1)) < 1
    if np.any((x == 0) & below_one):
        raise ValueError("Each entry in 'x' must be greater than zero if its alpha is less than one.")
    totals = np.sum(x, axis=0)
    if np.any(np.abs(totals - 1.0) > 1e-9):
        raise ValueError(
            f"The input vector 'x' must lie within the normal simplex. but np.sum(x, 0) = {totals}."
        )


def _log_density(x: Any, alpha: Any) -> Any:
    """sum_i (alpha_i - 1) log x_i - log B(alpha), log B(alpha) = sum_i log Gamma(alpha_i) -
    log Gamma(sum_i alpha_i), for each point (column) of x."""
    _check_alpha(alpha)
    x = _on_simplex(alpha, x)
    log_B = sum(gammaln(alpha)) - gammaln(sum(alpha))
    alpha_column = reshape(alpha, (-1,) + (1,) * (len(shape_of(x)) - 1))
    return sum(xlogy(alpha_column - 1.0, x), axis=0) - log_B


def logpdf(x: Any, alpha: Any) -> Any:
    """log Dir(x; alpha) = sum_i (alpha_i - 1) log x_i - log B(alpha), for each point of x."""
    return squeeze_output(_log_density(array_like(x), array_like(alpha)))


def pdf(x: Any, alpha: Any) -> Any:
    """Dir(x; alpha) = prod_i x_i^(alpha_i - 1) / B(alpha), for each point of x."""
    return squeeze_output(exp(_log_density(array_like(x), array_like(alpha))))
