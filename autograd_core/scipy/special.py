"""SciPy's special functions as primitives: the forward is SciPy's, the rules are written with
the primitives (so they differentiate again).

    >>> import numpy as np
    >>> from autograd_core import grad
    >>> from autograd_core.scipy import special
    >>> float(grad(special.gammaln)(3.0))   # digamma(3) = 1.5 - Euler's gamma
    0.9227843350984671

The contract of the rules is the registry's (`autograd_core.primitives`). Importing this
module also makes SciPy's own ufuncs (`scipy.special.gammaln(v)`, ...) called on a Value run
these primitives.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.special as sp

from .. import primitives as P
from ..core import Primitive, data_of
from ..primitives import defelementwise, defprim, exp, log, sigmoid
from ..primitives._registry import keep

__all__ = [
    "gammaln", "digamma", "polygamma", "gamma", "betaln", "erf", "erfc", "erfinv", "erfcinv",
    "ndtr", "ndtri", "log_ndtr", "expit", "logit", "xlogy", "xlog1py", "i0", "i1", "iv",
    "logsumexp", "softmax", "log_softmax",
]

_SQRT_2PI = math.sqrt(2.0 * math.pi)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _scipy(fn: Callable[..., Any]) -> Callable[..., Any]:
    """SciPy's function as a forward that keeps a Python float a Python float."""

    def forward(*xs: Any, **params: Any) -> Any:
        ans = fn(*xs, **params)
        return float(ans) if all(x.__class__ is float for x in xs) else ans

    forward.__name__ = getattr(fn, "__name__", "forward")
    return forward


def _with_order(fn: Callable[..., Any], order_name: str) -> Callable[..., Any]:
    """fn(n, x) as a forward of x alone, the integer order n travelling as a parameter."""
    return _scipy(lambda x, **params: fn(params[order_name], x))


# --- the gamma function and its relatives ---------------------------------------------------

_polygamma = defprim(
    "polygamma",
    _with_order(sp.polygamma, "n"),
    (lambda g, ans, x, n: g * polygamma(n + 1, x),),
    (lambda t, ans, x, n: t * polygamma(n + 1, x),),
)


def polygamma(n: Any, x: Any) -> Any:
    """psi^(n)(x), the n-th derivative of digamma; differentiable in x (n is a whole number)."""
    n_data = np.asarray(data_of(n))
    if n_data.dtype.kind not in "iu" and not np.all(n_data == np.round(n_data)):
        raise ValueError(f"polygamma: the order n must be a whole number; got {n_data}")
    return _polygamma(x, n=n_data.astype(np.int64) if n_data.ndim else int(n_data))


digamma = defelementwise("digamma", _scipy(sp.digamma), lambda g, ans, x: g * polygamma(1, x))
gammaln = defelementwise("gammaln", _scipy(sp.gammaln), lambda g, ans, x: g * digamma(x))
gamma = defelementwise("gamma", _scipy(sp.gamma), lambda g, ans, x: g * ans * digamma(x))
betaln = defelementwise(
    "betaln",
    _scipy(sp.betaln),
    lambda g, ans, a, b: g * (digamma(a) - digamma(a + b)),  # d ln B(a, b)/da = psi(a) - psi(a + b)
    lambda g, ans, a, b: g * (digamma(b) - digamma(a + b)),
)

# --- the error function and the normal distribution -----------------------------------------

erf = defelementwise("erf", _scipy(sp.erf), lambda g, ans, x: g * _TWO_OVER_SQRT_PI * exp(-x * x))
erfc = defelementwise("erfc", _scipy(sp.erfc), lambda g, ans, x: -g * _TWO_OVER_SQRT_PI * exp(-x * x))
erfinv = defelementwise(  # the inverse's derivative: 1 / erf'(erfinv(x))
    "erfinv", _scipy(sp.erfinv), lambda g, ans, x: g * (0.5 * math.sqrt(math.pi)) * exp(ans * ans)
)
erfcinv = defelementwise(
    "erfcinv", _scipy(sp.erfcinv), lambda g, ans, x: -g * (0.5 * math.sqrt(math.pi)) * exp(ans * ans)
)
ndtr = defelementwise(  # Phi(x), the standard normal CDF: Phi' = phi
    "ndtr", _scipy(sp.ndtr), lambda g, ans, x: g * exp(-0.5 * x * x) / _SQRT_2PI
)
ndtri = defelementwise(  # Phi^-1(p): 1 / phi(Phi^-1(p))
    "ndtri", _scipy(sp.ndtri), lambda g, ans, x: g * _SQRT_2PI * exp(0.5 * ans * ans)
)
log_ndtr = defelementwise(  # log Phi(x): phi(x) / Phi(x), taken as exp(log phi - log Phi), stable far left
    "log_ndtr", _scipy(sp.log_ndtr), lambda g, ans, x: g * exp(-0.5 * x * x - ans) / _SQRT_2PI
)

# --- logistic functions and x log y ----------------------------------------------------------

expit = sigmoid
logit = defelementwise("logit", _scipy(sp.logit), lambda g, ans, x: g / (x * (1.0 - x)))
xlogy = defelementwise(  # x log y, 0 where x = 0; d/dx = log y (-inf at y = 0), d/dy = x / y
    "xlogy", _scipy(sp.xlogy), lambda g, ans, x, y: g * log(y), lambda g, ans, x, y: g * x / y
)
xlog1py = defelementwise(  # x log(1 + y); d/dx = log(1 + y), d/dy = x / (1 + y)
    "xlog1py",
    _scipy(sp.xlog1py),
    lambda g, ans, x, y: g * log(1.0 + y),
    lambda g, ans, x, y: g * x / (1.0 + y),
)

# --- modified Bessel functions of the first kind ---------------------------------------------

def _bessel_iv(v: Any, x: Any) -> Any:
    """SciPy's I_v(x), with its leading term (x/2)^v / Gamma(v + 1) where SciPy gives nan for a
    tiny x (it does at |x| ~ 1e-308 for v >= 2); I_{-n} = I_n for whole n."""
    ans = sp.iv(v, x)
    lost = np.isnan(ans) & np.isfinite(x)
    if np.any(lost):
        order = np.where(np.asarray(v) == np.round(v), np.abs(v), v)
        ans = np.where(lost, (np.asarray(x) / 2.0) ** order / sp.gamma(order + 1.0), ans)
    return ans


_iv = defprim(  # I_v'(x) = (I_{v-1}(x) + I_{v+1}(x)) / 2
    "iv",
    _with_order(_bessel_iv, "v"),
    (lambda g, ans, x, v: g * 0.5 * (iv(v - 1, x) + iv(v + 1, x)),),
    (lambda t, ans, x, v: t * 0.5 * (iv(v - 1, x) + iv(v + 1, x)),),
)


def iv(v: Any, x: Any) -> Any:
    """I_v(x), the modified Bessel function of the first kind of real order v; differentiable in x."""
    return _iv(x, v=data_of(v))


i0: Primitive = defelementwise("i0", _scipy(sp.i0), lambda g, ans, x: g * i1(x))  # I_0' = I_1
i1: Primitive = defelementwise("i1", _scipy(sp.i1), lambda g, ans, x: g * 0.5 * (i0(x) + iv(2, x)))

# --- log-sum-exp and softmax, with SciPy's signatures -----------------------------------------


def _weighted_logsumexp(x: Any, b: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return sp.logsumexp(x, axis=axis, b=b, keepdims=keepdims)


def _weight_share(ans: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    """exp(x - log sum b e^x) = e^x / sum b e^x, the derivative of the result in each b."""
    return exp(x - keep(ans, x, axis, keepdims))


_weighted = defprim(
    "logsumexp_weighted",
    _weighted_logsumexp,
    (
        lambda g, ans, x, b, axis=None, keepdims=False:
            keep(g, x, axis, keepdims) * b * _weight_share(ans, x, axis, keepdims),
        lambda g, ans, x, b, axis=None, keepdims=False:
            keep(g, x, axis, keepdims) * _weight_share(ans, x, axis, keepdims),
    ),
    (
        lambda t, ans, x, b, axis=None, keepdims=False:
            P.sum(t * b * _weight_share(ans, x, axis, keepdims), axis, keepdims),
        lambda t, ans, x, b, axis=None, keepdims=False:
            P.sum(t * _weight_share(ans, x, axis, keepdims), axis, keepdims),
    ),
    broadcasts=True,  # b broadcasts against x
)


def logsumexp(
    a: Any, axis: Any = None, b: Any = None, keepdims: bool = False, return_sign: bool = False
) -> Any:
    """log sum_i b_i e^{a_i} over `axis` (b = 1 by default), as scipy.special.logsumexp;
    differentiable in a and b. `return_sign=True` is refused (the sign is not differentiable)."""
    if return_sign:
        raise ValueError("logsumexp: return_sign=True is not supported (use b >= 0)")
    if b is None:
        return P.logsumexp(a, axis=axis, keepdims=keepdims)
    shape = np.broadcast_shapes(np.shape(data_of(a)), np.shape(data_of(b)))
    a = P.broadcast_to(a, shape) if np.shape(data_of(a)) != shape else a
    return _weighted(a, b, axis=axis, keepdims=keepdims)


def softmax(x: Any, axis: Any = None) -> Any:
    """e^{x_i} / sum_j e^{x_j} over `axis` (all elements when None, as SciPy's default)."""
    return P.softmax(x, axis=axis)


def log_softmax(x: Any, axis: Any = None) -> Any:
    """x_i - log sum_j e^{x_j} over `axis` (all elements when None, as SciPy's default)."""
    return P.log_softmax(x, axis=axis)


NUMPY_UFUNCS: dict[Any, Callable[..., Any]] = {
    sp.gammaln: gammaln, sp.digamma: digamma, sp.psi: digamma, sp.gamma: gamma, sp.betaln: betaln,
    sp.erf: erf, sp.erfc: erfc, sp.erfinv: erfinv, sp.erfcinv: erfcinv, sp.ndtr: ndtr,
    sp.ndtri: ndtri, sp.log_ndtr: log_ndtr, sp.expit: expit, sp.logit: logit, sp.xlogy: xlogy,
    sp.xlog1py: xlog1py, sp.i0: i0, sp.i1: i1, sp.polygamma: polygamma, sp.iv: iv,
}
"""SciPy's ufuncs and the primitives they run when called on a Value."""
