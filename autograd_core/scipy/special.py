"""SciPy's special functions as primitives: the forward is SciPy's, the rules are written with
the primitives (so they differentiate again).

    >>> import numpy as np
    >>> from autograd_core import grad
    >>> from autograd_core.scipy import special
    >>> float(grad(special.gammaln)(3.0))   # digamma(3) = 1.5 - Euler's gamma
    0.9227843350984671

The contract of the rules is the registry's (`autograd_core.primitives`). SciPy's own ufuncs
(`scipy.special.gammaln(v)`, ...) called on a Value run these primitives (`NUMPY_UFUNCS`): the
engine's NumPy dispatch imports this module the first time one of them meets a Value.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.special as sp

from .. import primitives as P
from ..core import Primitive, Value, data_of
from ..primitives import defelementwise, defprim, exp, log, log1p, sigmoid, where
from ..primitives._registry import keep

__all__ = [
    "gammaln", "digamma", "polygamma", "gamma", "betaln", "erf", "erfc", "erfinv", "erfcinv",
    "ndtr", "ndtri", "log_ndtr", "expit", "logit", "xlogy", "xlog1py", "i0", "i1", "iv", "poch",
    "stdtr", "logsumexp", "softmax", "log_softmax",
]

_SQRT_2PI = math.sqrt(2.0 * math.pi)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_LOG_PI = math.log(math.pi)
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


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


def _constant_order(order: Any, function: str, name: str) -> Any:
    """The data of an order argument, refusing a Value that requires grad (the derivative in
    the order is not provided, and dropping it silently would give a wrong gradient)."""
    if isinstance(order, Value) and order.requires_grad:
        raise TypeError(
            f"{function}: the order {name} is not differentiable; pass it as a number or array "
            "(or a Value with requires_grad=False)"
        )
    return data_of(order)


# --- the gamma function and its relatives ---------------------------------------------------

_polygamma = defprim(
    "polygamma",
    _with_order(sp.polygamma, "n"),
    (lambda g, ans, x, n: g * polygamma(n + 1, x),),
    (lambda t, ans, x, n: t * polygamma(n + 1, x),),
)


def polygamma(n: Any, x: Any) -> Any:
    """psi^(n)(x), the n-th derivative of digamma; differentiable in x (n is a whole number)."""
    n_data = np.asarray(_constant_order(n, "polygamma", "n"))
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
# (z)_m = Gamma(z + m) / Gamma(z), SciPy's rising factorial. A primitive, not a composition: for
# log (z)_{1/2}, which Student's t density needs, gammaln(z + 1/2) - gammaln(z) is off by 8e-7 at
# z = 5e8 (a difference of two numbers near 1e10) and 0.5 log(pi) - betaln(z, 1/2) by 2e-10 at
# z = 5e5, where SciPy's poch is right to rounding.
poch = defelementwise(
    "poch",
    _scipy(sp.poch),
    lambda g, ans, z, m: g * ans * (digamma(z + m) - digamma(z)),
    lambda g, ans, z, m: g * ans * digamma(z + m),
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

# --- Student's t distribution ------------------------------------------------------------------


def t_logpdf(t: Any, df: Any) -> Any:
    """log of Student's t density with df degrees of freedom at t, SciPy's formula:
    log (df/2)_{1/2} - (log df + log pi)/2 - (df + 1)/2 log(1 + t^2/df); the normal density's log
    where df is infinite."""
    infinite = np.isinf(data_of(df))
    if not np.any(infinite):
        return log(poch(0.5 * df, 0.5)) - 0.5 * (log(df) + _LOG_PI) - 0.5 * (df + 1.0) * log1p(t * t / df)
    normal = -0.5 * t * t - _LOG_SQRT_2PI
    return where(infinite, normal, t_logpdf(t, where(infinite, 1.0, df)))


def _stdtr_ddf(*args: Any, **params: Any) -> Any:
    raise NotImplementedError(
        "stdtr (the t distribution's CDF) is not differentiable in df here: the derivative of the "
        "regularized incomplete beta function in its parameters has no closed form; pass df as a "
        "constant (a number, an array, or a Value with requires_grad=False)"
    )


stdtr = defelementwise(  # P(T <= t) for Student's t with df degrees of freedom: d/dt = its density
    "stdtr", _scipy(sp.stdtr), _stdtr_ddf, lambda g, ans, df, t: g * exp(t_logpdf(t, df))
)

# --- logistic functions and x log y ----------------------------------------------------------

expit = sigmoid
logit = defelementwise("logit", _scipy(sp.logit), lambda g, ans, x: g / (x * (1.0 - x)))


def _x_over(x: Any, y: Any) -> Any:
    """x / y, and 0 where x = y = 0: the derivative in y of x log y, which is 0 wherever x = 0.
    Convention: 0 at x = y = 0, where x log y is 0 for every y."""
    return x / where((data_of(x) == 0) & (data_of(y) == 0), 1.0, y)


xlogy = defelementwise(  # x log y, 0 where x = 0; d/dx = log y (-inf at y = 0), d/dy = x / y
    "xlogy", _scipy(sp.xlogy), lambda g, ans, x, y: g * log(y), lambda g, ans, x, y: g * _x_over(x, y)
)
xlog1py = defelementwise(  # x log(1 + y), 0 where x = 0; d/dx = log(1 + y), d/dy = x / (1 + y)
    "xlog1py",
    _scipy(sp.xlog1py),
    lambda g, ans, x, y: g * log1p(y),
    lambda g, ans, x, y: g * _x_over(x, 1.0 + y),
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
    return _iv(x, v=_constant_order(v, "iv", "v"))


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
    sp.xlog1py: xlog1py, sp.i0: i0, sp.i1: i1, sp.iv: iv, sp.poch: poch, sp.stdtr: stdtr,
}
"""SciPy's ufuncs and the primitives they run when called on a Value."""

CONSTANT_ARGUMENTS = {"polygamma": "n (a whole number)", "iv": "v", "stdtr": "df"}
"""The arguments a function is not differentiable in (a Value that requires grad is refused)."""
