"""Student's t distribution, as scipy.stats.t: `t.logpdf(x, df, loc=0, scale=1)`.

The functions take SciPy's arguments (positional or by keyword) and broadcast them. logpdf
and pdf are differentiable in x, df, loc and scale; cdf in x, loc and scale (its derivative in
df is refused with an error: see `autograd_core.scipy.special.stdtr`). An infinite df gives the
normal distribution, as in SciPy. Where df <= 0 or scale <= 0 the result is nan, as SciPy's,
and so is its derivative. With z = (x - loc) / scale:
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...primitives import exp, log
from ..special import stdtr, t_logpdf
from ._support import location_scale

__all__ = ["logpdf", "pdf", "cdf"]

CONSTANT_ARGUMENTS = {"cdf": "df"}
"""The arguments a method is not differentiable in (for the list of supported functions)."""


def _df_valid(df: np.ndarray) -> np.ndarray:
    return df > 0


def logpdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """log Gamma((df+1)/2) - log Gamma(df/2) - log(sqrt(df pi) scale) - (df+1)/2 log(1 + z^2/df),
    the first difference taken as SciPy does, as log of the rising factorial (df/2)_{1/2}."""
    return location_scale(
        lambda z, scale, df: t_logpdf(z, df) - log(scale),
        x, loc, scale, (df,), shapes_valid=_df_valid, safe_shapes=(1.0,),
    )


def pdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density, exp(logpdf)."""
    return location_scale(
        lambda z, scale, df: exp(t_logpdf(z, df)) / scale,
        x, loc, scale, (df,), shapes_valid=_df_valid, safe_shapes=(1.0,), outside=0.0,
    )


def cdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The probability of a value <= x, SciPy's stdtr(df, z); not differentiable in df."""
    return location_scale(
        lambda z, scale, df: stdtr(df, z),
        x, loc, scale, (df,), shapes_valid=_df_valid, safe_shapes=(1.0,), outside=0.0,
    )
