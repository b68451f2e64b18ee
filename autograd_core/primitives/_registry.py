"""How a primitive is declared, the one table of all of them, and helpers the rules share.

The contract every rule follows is stated once, in `autograd_core/primitives/__init__.py`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import Primitive, data_of, shape_of

REGISTRY: dict[str, Primitive] = {}
"""Every primitive, by name: the one table of forwards and derivative rules."""

# --- declaring primitives -----------------------------------------------------------------


def defprim(
    name: str, forward: Callable[..., Any], vjps: Any, jvps: Any, broadcasts: bool = False
) -> Primitive:
    """Register a primitive with one VJP rule and one JVP rule per input.

    `broadcasts=True` says a VJP may return the output's broadcast shape, to be summed back.
    """
    return _register(Primitive(name, forward, vjps, jvps, broadcasts))


def defelementwise(name: str, forward: Callable[..., Any], *derivs: Callable[..., Any] | None) -> Primitive:
    """Register an elementwise primitive; ``derivs[i](g, ans, *inputs)`` is g * d ans/d input_i.

    With two or more inputs it broadcasts; with one, the output has the input's shape."""
    return _register(Primitive(name, forward, derivs, derivs, broadcasts=len(derivs) > 1))


def _register(prim: Primitive) -> Primitive:
    if prim.name in REGISTRY:
        raise ValueError(f"a primitive named {prim.name!r} is already registered")
    REGISTRY[prim.name] = prim
    return prim


class EachArg:
    """Rules of a primitive with any number of inputs: ``rules[i]`` is ``rule(i, ...)``."""

    def __init__(self, rule: Callable[..., Any]) -> None:
        self.rule = rule

    def __getitem__(self, i: int) -> Callable[..., Any]:
        return lambda *args, **params: self.rule(i, *args, **params)


# --- helpers the rules share -----------------------------------------------------------------


def kept_shape(shape: tuple[int, ...], axis: Any) -> tuple[int, ...]:
    """`shape` with the reduced `axis` kept as size 1 (what keepdims=True gives)."""
    if axis is None:
        return (1,) * len(shape)
    axes = {a % len(shape) for a in (axis if isinstance(axis, tuple) else (axis,))}
    return tuple(1 if k in axes else n for k, n in enumerate(shape))


def keep(g: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    """Give a reduction's output (or its gradient) back the reduced axes, as size 1."""
    return g if keepdims else g.reshape(kept_shape(shape_of(x), axis))


def count(x: Any, axis: Any) -> int:
    shape = shape_of(x)
    return math.prod(shape) // math.prod(kept_shape(shape, axis))


def tie_share(x: Any, ans_kept: Any, axis: Any) -> np.ndarray:
    """Where x attains its max (or min) along axis, divided by how many times it does."""
    hits = data_of(x) == data_of(ans_kept)
    return hits / hits.sum(axis=axis, keepdims=True)
