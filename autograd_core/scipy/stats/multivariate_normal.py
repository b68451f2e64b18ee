"""The multivariate normal distribution, as scipy.stats.multivariate_normal:
`multivariate_normal.logpdf(x, mean=None, cov=1, allow_singular=False)`.

SciPy's handling of the arguments: the dimension comes from `mean` (its size) or else from
`cov`; `cov` may be a number (times the identity), a vector (the diagonal) or a matrix, of
which only the lower triangle is read (as SciPy's eigh reads it); `x` holds one point per row
along its last axis (a 1-D x is one point, or, in one dimension, one point per element); the
result loses its axes of size 1 and is a scalar for one point.

Differentiable in x, mean and cov. The gradient in a matrix cov goes to the lower triangle
that is read (an off-diagonal element there stands for both of its places in the symmetric
matrix); for a cov built symmetric from parameters (K = A A^T, a kernel matrix) the chain rule
gives the same derivative as the symmetric formula 1/2 (S^-1 d d^T S^-1 - S^-1).

As SciPy's, a cov whose eigenvalues are not all > eps = 1e6 * machine epsilon * max |eigenvalue|
is singular: refused with `np.linalg.LinAlgError` unless `allow_singular=True`, when the density
is taken on the subspace the kept eigenvectors span, with the pseudo-determinant; a point off
that subspace has logpdf -inf (pdf 0), with derivative 0. A negative eigenvalue below -eps is a
ValueError.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...core import data_of, shape_of
from ...primitives import cholesky, diag, diagonal, exp, log, reshape, solve, sum, transpose, tril, where
from ._support import array_like, squeeze_output

__all__ = ["logpdf", "pdf"]

_LOG_2PI = math.log(2.0 * math.pi)


def _parameters(mean: Any, cov: Any) -> tuple[int, Any, Any]:
    """SciPy's dimension, mean vector and covariance matrix (dim, dim) for `mean` and `cov`."""
    mean = None if mean is None else array_like(mean)
    cov = None if cov is None else array_like(cov)
    if mean is None:
        dim = 1 if cov is None or np.ndim(data_of(cov)) < 2 else shape_of(cov)[0]
        mean = np.zeros(dim)
    else:
        dim = int(np.size(data_of(mean)))
    cov = 1.0 if cov is None else cov
    if dim == 1:
        mean, cov = _reshaped(mean, (1,), "mean"), _reshaped(cov, (1, 1), "cov")
    if len(shape_of(mean)) != 1 or shape_of(mean)[0] != dim:
        raise ValueError(f"Array 'mean' must be a vector of length {dim}.")
    ndim = len(shape_of(cov))
    if ndim == 0:
        cov = cov * np.eye(dim)
    elif ndim == 1:
        cov = diag(cov)
    elif ndim > 2:
        raise ValueError(f"Array 'cov' must be at most two-dimensional, but cov.ndim = {ndim}")
    rows, cols = shape_of(cov)
    if rows != cols:
        raise ValueError(
            f"Array 'cov' must be square if it is two dimensional, but cov.shape = {(rows, cols)}."
        )
    if rows != dim:
        raise ValueError(f"Dimension mismatch: array 'cov' is of shape {(rows, cols)}, but 'mean' is a "
                         f"vector of length {dim}.")
    return dim, mean, cov


def _reshaped(a: Any, shape: tuple[int, ...], name: str) -> Any:
    if int(np.size(data_of(a))) != 1:
        raise ValueError(f"Array '{name}' must hold one number for a distribution in one dimension; "
                         f"got shape {shape_of(a)}")
    return reshape(a, shape)


def _quantiles(x: Any, dim: int) -> Any:
    """x with one point per row along its last axis (SciPy's `_process_quantiles`)."""
    ndim = len(shape_of(x))
    if ndim == 0:
        return reshape(x, (1,))
    if ndim == 1:
        return reshape(x, (-1, 1) if dim == 1 else (1, -1))
    return x


def _spectrum(cov: Any, allow_singular: bool) -> tuple[np.ndarray, np.ndarray, float]:
    """The eigenvalues and eigenvectors of the symmetric matrix cov's lower triangle stands for,
    and SciPy's eps below which an eigenvalue counts as zero; SciPy's refusals."""
    data = np.asarray(data_of(cov), dtype=np.float64)
    if not np.all(np.isfinite(data)):
        raise ValueError("array must not contain infs or NaNs")
    s, V = np.linalg.eigh(data, UPLO="L")
    eps = 1e6 * np.finfo(np.float64).eps * np.max(np.abs(s))
    if np.min(s) < -eps:
        raise ValueError("The input matrix must be symmetric positive semidefinite.")
    if np.any(s <= eps) and not allow_singular:
        raise np.linalg.LinAlgError(
            "When `allow_singular is False`, the input matrix must be symmetric positive definite."
        )
    return s, V, eps


def _mahalanobis(L: Any, dev: Any) -> Any:
    """|L^-1 d|^2 for each point d along dev's last axis."""
    batch, dim = shape_of(dev)[:-1], shape_of(dev)[-1]
    whitened = solve(L, transpose(reshape(dev, (-1, dim))))
    return reshape(sum(whitened * whitened, axis=0), batch)


def _log_density(x: Any, mean: Any, cov: Any, allow_singular: bool) -> Any:
    """-(rank log 2 pi + log pdet(cov) + (x - mean)^T cov^+ (x - mean)) / 2 for each point of x
    (-inf off the support of a singular cov)."""
    dim = shape_of(mean)[0]
    s, V, eps = _spectrum(cov, allow_singular)
    dev = x - mean
    kept = s > eps
    rank = int(np.count_nonzero(kept))
    if rank == dim:
        L = cholesky(cov)
        log_det = 2.0 * sum(log(diagonal(L)))
        return -0.5 * (dim * _LOG_2PI + log_det + _mahalanobis(L, dev))
    # Singular: with P the projection on the kept eigenvectors, P S P + c (I - P) has the kept
    # eigenvalues and c on the rest, so its log-determinant less (dim - rank) log c is the
    # log pseudo-determinant of S, and its inverse on the subspace is the pseudo-inverse's.
    P = V[:, kept] @ V[:, kept].T
    c = float(np.max(np.abs(s))) or 1.0
    S = tril(cov) + transpose(tril(cov, -1))
    L = cholesky(P @ S @ P + c * (np.eye(dim) - P))
    log_pdet = 2.0 * sum(log(diagonal(L))) - (dim - rank) * math.log(c)
    out = -0.5 * (rank * _LOG_2PI + log_pdet + _mahalanobis(L, dev @ P))
    residual = np.linalg.norm(data_of(dev) @ V[:, ~kept], axis=-1)
    return where(residual < 1e3 * eps, out, -np.inf)


def logpdf(x: Any, mean: Any = None, cov: Any = 1, allow_singular: bool = False) -> Any:
    """log N(x; mean, cov) = -(k log 2 pi + log det cov + (x - mean)^T cov^-1 (x - mean)) / 2 for
    each point x (k, the rank of cov, is the dimension unless cov is singular)."""
    dim, mean, cov = _parameters(mean, cov)
    return squeeze_output(_log_density(_quantiles(array_like(x), dim), mean, cov, allow_singular))


def pdf(x: Any, mean: Any = None, cov: Any = 1, allow_singular: bool = False) -> Any:
    """N(x; mean, cov), the density: exp(logpdf)."""
    dim, mean, cov = _parameters(mean, cov)
    return squeeze_output(exp(_log_density(_quantiles(array_like(x), dim), mean, cov, allow_singular)))
