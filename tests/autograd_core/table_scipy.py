"""Rows of the primitives' table for `autograd_core.scipy.special` and `autograd_core.scipy.stats`
(each input inside its domain, each distribution's points inside its support): every float
argument of every function is differentiated."""

import functools

import numpy as np
from hypothesis import strategies as st

from autograd_core.scipy import special
from autograd_core.scipy.stats import beta, dirichlet, gamma, multivariate_normal, norm, poisson, t
from autograd_core.testing import (
    arrays,
    broadcastable_arrays,
    positive_arrays,
    spd_matrices,
    well_conditioned_matrices,
)

from .calls import LEADING_SHAPES, Call, axis_params, binary, unary

PROBABILITIES = functools.partial(arrays, low=0.05, high=0.95)


@st.composite
def orders(draw: st.DrawFn, f, low: float = 0.3, high: float = 3.0) -> Call:
    """f(n, x) for a drawn whole order n and x in (low, high)."""
    n = draw(st.integers(0, 3))
    return Call(lambda x: f(n, x), (draw(positive_arrays(low=low, high=high)),), {"n": n})


@st.composite
def weighted_logsumexps(draw: st.DrawFn) -> Call:
    """logsumexp(a, axis, b, keepdims) with positive weights b broadcasting against a."""
    a = draw(arrays())
    b = draw(positive_arrays(shape=st.sampled_from([a.shape, a.shape[1:], ()]), low=0.2))
    params = draw(axis_params(a.ndim))
    return Call(lambda a, b: special.logsumexp(a, b=b, **params), (a, b), params)


@st.composite
def scipy_softmaxes(draw: st.DrawFn, f) -> Call:
    """softmax / log_softmax with SciPy's default axis None (all elements), or a drawn axis."""
    x = draw(arrays())
    axis = draw(st.none() | (st.integers(-x.ndim, x.ndim - 1) if x.ndim else st.none()))
    return Call(lambda x: f(x, axis=axis), (x,), {"axis": axis})


# SciPy's stdtr(df, t) is computed through 1 - t^2/(df + t^2) and loses up to 1e-11 near t = 0
# (at t = 1e-6), which finite differences there would magnify: its rows keep |t| >= 0.1.
AWAY_FROM_ZERO = functools.partial(arrays, min_magnitude=0.1)


@st.composite
def degrees_of_freedom(draw: st.DrawFn, f) -> Call:
    """f(df, t) for the t distribution's CDF, differentiable in t only (df a drawn constant)."""
    df, x = draw(broadcastable_arrays(functools.partial(positive_arrays, low=0.5, high=10.0), AWAY_FROM_ZERO))
    return Call(lambda x: f(df, x), (x,), {"df": df})


SCALES = functools.partial(positive_arrays, low=0.5, high=2.0)
SHAPE_PARAMETERS = functools.partial(positive_arrays, low=0.5, high=3.0)


@st.composite
def location_scale_calls(draw: st.DrawFn, f, shape_makers=(), z_maker=arrays, constants=None) -> Call:
    """f(x, *shapes, loc, scale), SciPy's order, with broadcasting arguments and x = loc + scale z
    for z drawn inside the support by `z_maker`; shape parameters listed in `constants` are
    passed as data, not differentiated."""
    z, loc, scale, *shapes = draw(broadcastable_arrays(z_maker, arrays, SCALES, *shape_makers))
    x = loc + scale * z
    if constants is None:
        return Call(f, (x, *shapes, loc, scale))
    return Call(lambda x, loc, scale: f(x, *shapes, loc, scale), (x, loc, scale), {constants: shapes})


@st.composite
def poisson_calls(draw: st.DrawFn, f) -> Call:
    """f(k, mu) for whole numbers k >= 0, differentiable in mu."""
    k, mu = draw(broadcastable_arrays(
        lambda shape: arrays(shape, low=0.0, high=6.0).map(np.round),
        functools.partial(positive_arrays, low=0.3, high=5.0),
    ))
    return Call(lambda mu: f(k, mu), (mu,), {"k": k})


@st.composite
def multivariate_normal_calls(draw: st.DrawFn, f) -> Call:
    """f(x, mean, cov) with cov a matrix (read through its lower triangle), a vector (the
    diagonal) or a number; x one point (1-D) or points along its last axis."""
    dim = draw(st.integers(1, 3))
    form = draw(st.sampled_from(["matrix", "diagonal", "number"]))
    cov = {
        "matrix": spd_matrices((dim, dim), low=0.5, high=3.0),
        "diagonal": positive_arrays((dim,), low=0.5, high=3.0),
        "number": positive_arrays((), low=0.5, high=3.0),
    }[form]
    x = draw(arrays(draw(LEADING_SHAPES) + (dim,)))
    return Call(f, (x, draw(arrays((dim,))), draw(cov)), {"cov": form})


@st.composite
def singular_multivariate_normal_calls(draw: st.DrawFn, f) -> Call:
    """f on a singular cov = B diag(w) B^T (rank 2 in 3 dimensions, allow_singular=True), with x
    = B u and mean = B v on its support: differentiable in u, v and w (the rank stays 2)."""
    B = draw(well_conditioned_matrices((3, 2), low=0.5, high=2.0))
    u = draw(arrays(draw(LEADING_SHAPES) + (2,)))
    v, w = draw(arrays((2,))), draw(positive_arrays((2,), low=0.5, high=3.0))

    def on_the_support(u, v, w):
        return f(u @ B.T, B @ v, (B * w) @ B.T, allow_singular=True)

    return Call(on_the_support, (u, v, w), {"B": B})


@st.composite
def dirichlet_calls(draw: st.DrawFn, f, free: bool) -> Call:
    """f(x, alpha) for points x on the simplex, one (K,) or several (K, n) as columns. With
    free=True x holds K - 1 components (the last is 1 - their sum) and is differentiated;
    else the whole x is data and alpha alone is differentiated."""
    K = draw(st.integers(2, 4))
    columns = draw(st.sampled_from([(), (1,), (3,)]))
    weights = draw(positive_arrays((K, *columns), low=0.5, high=3.0))
    x = weights / weights.sum(axis=0)
    alpha = draw(positive_arrays((K,), low=0.5, high=3.0))
    if free:
        return Call(f, (x[:-1], alpha))
    return Call(lambda alpha: f(x, alpha), (alpha,), {"x": x})


ROWS = {
    "gammaln": unary(special.gammaln, positive_arrays(low=0.3)),
    "digamma": unary(special.digamma, positive_arrays(low=0.3)),
    "polygamma": orders(special.polygamma),
    "gamma": unary(special.gamma, positive_arrays(low=0.3)),
    "betaln": binary(special.betaln, positive_arrays, positive_arrays),
    "erf": unary(special.erf),
    "erfc": unary(special.erfc),
    "erfinv": unary(special.erfinv, arrays(low=-0.9, high=0.9)),
    "erfcinv": unary(special.erfcinv, arrays(low=0.1, high=1.9)),
    "ndtr": unary(special.ndtr),
    "ndtri": unary(special.ndtri, PROBABILITIES()),
    "log_ndtr": unary(special.log_ndtr, arrays(low=-8.0, high=4.0)),
    "logit": unary(special.logit, PROBABILITIES()),
    "xlogy": binary(special.xlogy, arrays, positive_arrays),
    "xlog1py": binary(special.xlog1py, arrays, functools.partial(arrays, low=-0.8, high=3.0)),
    "i0": unary(special.i0),
    "i1": unary(special.i1),
    "iv": orders(special.iv, low=0.3),
    "logsumexp (weighted)": weighted_logsumexps(),
    "softmax (scipy)": scipy_softmaxes(special.softmax),
    "log_softmax (scipy)": scipy_softmaxes(special.log_softmax),
    "poch": binary(special.poch, functools.partial(positive_arrays, low=0.3), positive_arrays),
    "stdtr": degrees_of_freedom(special.stdtr),
    # scipy.stats
    **{f"norm.{name}": location_scale_calls(getattr(norm, name)) for name in norm.__all__},
    "t.logpdf": location_scale_calls(t.logpdf, (SHAPE_PARAMETERS,)),
    "t.pdf": location_scale_calls(t.pdf, (SHAPE_PARAMETERS,)),
    "t.cdf": location_scale_calls(t.cdf, (SHAPE_PARAMETERS,), AWAY_FROM_ZERO, constants="df"),
    "gamma.logpdf": location_scale_calls(gamma.logpdf, (SHAPE_PARAMETERS,), positive_arrays),
    "gamma.pdf": location_scale_calls(gamma.pdf, (SHAPE_PARAMETERS,), positive_arrays),
    "beta.logpdf": location_scale_calls(beta.logpdf, (SHAPE_PARAMETERS,) * 2, PROBABILITIES),
    "beta.pdf": location_scale_calls(beta.pdf, (SHAPE_PARAMETERS,) * 2, PROBABILITIES),
    "poisson.logpmf": poisson_calls(poisson.logpmf),
    "poisson.pmf": poisson_calls(poisson.pmf),
    "multivariate_normal.logpdf": multivariate_normal_calls(multivariate_normal.logpdf),
    "multivariate_normal.pdf": multivariate_normal_calls(multivariate_normal.pdf),
    "multivariate_normal.logpdf (singular)": singular_multivariate_normal_calls(multivariate_normal.logpdf),
    "dirichlet.logpdf (K - 1 components)": dirichlet_calls(dirichlet.logpdf, free=True),
    "dirichlet.logpdf (K components)": dirichlet_calls(dirichlet.logpdf, free=False),
    "dirichlet.pdf (K - 1 components)": dirichlet_calls(dirichlet.pdf, free=True),
}
