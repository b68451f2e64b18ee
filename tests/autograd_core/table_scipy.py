"""Rows of the primitives' table for `autograd_core.scipy.special` (each input inside its domain)."""

import functools

from hypothesis import strategies as st

from autograd_core.scipy import special
from autograd_core.testing import arrays, positive_arrays

from .calls import Call, axis_params, binary, unary

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
}
