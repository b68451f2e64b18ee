"""What the distributions share: SciPy's conventions outside the support and for invalid
parameters, the location-scale standardization, and SciPy's squeezing of a result.

SciPy's conventions, kept here with their derivatives:

* outside the support (x < 0 for the gamma distribution, a k that is not a whole number for
  the Poisson distribution, ...) the log-density is -inf and the density 0; the derivative
  there is 0 in every argument, as the value is constant nearby;
* where a parameter is outside its domain (scale <= 0, df <= 0, a shape parameter <= 0, ...)
  or x is nan, the result is nan, and so is its derivative in every argument (a zero there
  would let an optimiser carry on as if the point were fine).

The formula is never evaluated outside the support or at an invalid parameter: safe values
stand in for the arguments there, so no nan or infinity from it reaches the derivatives (a
nan multiplied by the zero that `where` sends back would still be nan).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ...core import Value, data_of
from ...primitives import squeeze, where


def restricted(
    formula: Callable[..., Any],
    args: Sequence[Any],
    safe: Sequence[float],
    *,
    inside: Any,
    valid: Any,
    originals: Sequence[Any],
    outside: float = -np.inf,
) -> Any:
    """formula(*args) where `inside` holds, `outside` where the arguments are `valid` but not
    inside the support, and nan (in value and derivative in each of `originals`) where they are
    not valid. `safe[i]` replaces args[i] wherever `inside` fails."""
    if np.all(inside):
        return formula(*args)
    safe_args = [where(inside, a, s) for a, s in zip(args, safe, strict=True)]
    out = where(inside, formula(*safe_args), outside)
    if np.all(valid):
        return out
    nan_there = np.where(valid, 0.0, np.nan)
    with np.errstate(invalid="ignore"):  # (an infinite argument times the 0 of a valid point)
        poisoned = nan_there * sum(originals)
    return where(valid, out, poisoned)


def location_scale(
    formula: Callable[..., Any],
    x: Any,
    loc: Any,
    scale: Any,
    shapes: Sequence[Any] = (),
    *,
    shapes_valid: Callable[..., Any] | None = None,
    support: Callable[[np.ndarray], Any] | None = None,
    safe_z: float = 0.0,
    safe_shapes: Sequence[float] = (),
    outside: float = -np.inf,
) -> Any:
    """formula(z, scale, *shapes) at z = (x - loc) / scale, with SciPy's conventions: nan where
    scale <= 0, z is nan or `shapes_valid` (given the shapes' data) fails; `outside` where
    `support(z)` fails."""
    x, loc, scale = array_like(x), array_like(loc), array_like(scale)
    shapes = tuple(array_like(s) for s in shapes)
    scale_ok = np.asarray(data_of(scale) > 0)
    scale_used = scale if np.all(scale_ok) else where(scale_ok, scale, 1.0)
    z = (x - loc) / scale_used
    valid = scale_ok & ~np.isnan(data_of(z))
    if shapes_valid is not None:
        valid = valid & shapes_valid(*map(data_of, shapes))
    inside = valid & support(data_of(z)) if support is not None else valid
    return restricted(
        formula,
        (z, scale, *shapes),
        (safe_z, 1.0, *safe_shapes),
        inside=inside,
        valid=valid,
        originals=(x, loc, scale, *shapes),
        outside=outside,
    )


def array_like(a: Any) -> Any:
    """A Value or a number as it is; anything else (a list, an array) as a float64 array, as SciPy
    takes its arguments."""
    if isinstance(a, Value | float | int) and not isinstance(a, bool):
        return a
    return np.asarray(a, dtype=np.float64)


def squeeze_output(out: Any) -> Any:
    """out without its axes of size 1, and a plain 0-d result as a NumPy scalar (SciPy's
    `_squeeze_output` for the multivariate distributions)."""
    out = squeeze(out)
    return out if isinstance(out, Value) or np.ndim(out) else np.asarray(out)[()]


def constant(value: Any, distribution: str, name: str) -> Any:
    """The data of an argument that is not differentiated (a count, a whole-number shift), as a
    float64 array, refusing a Value that requires grad rather than giving it a gradient of zero
    silently."""
    if isinstance(value, Value) and value.requires_grad:
        raise TypeError(
            f"{distribution}: {name} is not differentiable (it takes whole numbers); pass it as a "
            "number or array (or a Value with requires_grad=False)"
        )
    return np.asarray(data_of(value), dtype=np.float64)
