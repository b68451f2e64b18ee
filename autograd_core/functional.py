"""The functional API: grad, value_and_grad, jacobian, hessian, vjp, jvp and check_grads.

These functions are pure: they read no `.grad` and write none. Called on plain numbers
or arrays they return plain numbers or arrays. Called on Values that an outer `grad` (or
`jvp`, `jacobian`) is differentiating, they record their own work in the graph and
return Values, so they nest: `grad(grad(f))`, `hessian(f) = jacobian(grad(f))`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import primitives as P
from .core import (
    Value,
    _like,
    data_of,
    enable_grad,
    forward_pass,
    is_grad_enabled,
    no_grad,
    ones_like,
    reverse_pass,
)

_tracing = [0]  # how many grad/jvp/jacobian calls are evaluating their function right now


def _wrap(x: Any) -> tuple[Value, bool]:
    """A fresh node to differentiate with respect to, and whether we are nested.

    We are nested when an outer grad (or jvp, jacobian) is evaluating its function: then
    this derivative must itself be recorded, since it may depend on the outer variables
    even through a closure. A Value that is itself being differentiated is wrapped in an
    identity node, so the inner derivative is taken with respect to a node of its own (no
    perturbation confusion) while staying connected to the outer graph.
    """
    nested = _tracing[0] > 0 and is_grad_enabled()
    if isinstance(x, Value):
        if x.requires_grad and is_grad_enabled():
            return P.identity(x), True
        x = x.data
    return Value(x), nested


def _zeros_like(x: Value) -> Any:
    return np.zeros_like(x.data) if isinstance(x.data, np.ndarray) else type(x.data)(0.0)


def _gradients(out: Value, wrt: Sequence[Value], seed: Any, create_graph: bool) -> list[Any]:
    """d(seed . out)/d(each of wrt), by one reverse pass that stops at `wrt`."""
    targets = set(wrt)
    found: dict[Value, Any] = {}
    if isinstance(out, Value) and out.requires_grad:
        for node, g in reverse_pass(out, seed, create_graph=create_graph, stop_at=targets):
            if node in targets:
                found[node] = _like(g, node)
    return [found[x] if x in found else _zeros_like(x) for x in wrt]


def _trace(f: Callable[..., Any], args: Sequence[Any], argnums: Sequence[int]) -> tuple:
    """Call f with the arguments at `argnums` replaced by fresh nodes; record the graph."""
    args = list(args)
    wrapped = []
    nested = False
    for i in argnums:
        node, inner = _wrap(args[i])
        args[i] = node
        wrapped.append(node)
        nested = nested or inner
    _tracing[0] += 1
    try:
        with enable_grad():
            out = f(*args)
    finally:
        _tracing[0] -= 1
    if not isinstance(out, Value):
        out = Value(out, requires_grad=False)
    return out, wrapped, nested


def _result(x: Any, nested: bool) -> Any:
    return x if nested or not isinstance(x, Value) else x.data


def value_and_grad(f: Callable[..., Any], argnum: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """A function returning (f(*args), df/d args[argnum]) for a scalar-valued f."""

    def value_and_grad_f(*args: Any) -> tuple[Any, Any]:
        argnums = argnum if isinstance(argnum, tuple) else (argnum,)
        out, wrapped, nested = _trace(f, args, argnums)
        if out.size != 1:
            raise ValueError(
                f"grad: the function must return a scalar, but it returned shape {out.shape}; "
                "use jacobian() or vjp() for non-scalar outputs"
            )
        seed = ones_like(out.data)
        if nested:
            seed = Value(seed, requires_grad=False)
        grads = _gradients(out, wrapped, seed, create_graph=nested)
        grads = [_result(g, nested) for g in grads]
        return _result(out, nested), grads[0] if not isinstance(argnum, tuple) else tuple(grads)

    return value_and_grad_f


def grad(f: Callable[..., Any], argnum: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """The gradient of a scalar-valued f with respect to argument `argnum`, as a function.

    Returns a float or array like the argument, or a Value when called on Values being
    differentiated (so `grad(grad(f))` gives the second derivative).
    """

    def grad_f(*args: Any) -> Any:
        return value_and_grad(f, argnum)(*args)[1]

    return grad_f


def vjp(f: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[[Any], tuple]]:
    """(f(*primals), back) where back(g) returns g^T J_i for each primal i, as a tuple."""
    out, wrapped, nested = _trace(f, primals, range(len(primals)))

    def back(g: Any) -> tuple:
        g_data = np.asarray(data_of(g), dtype=out.dtype)
        if g_data.shape != out.shape:
            raise ValueError(
                f"vjp: cotangent has shape {g_data.shape} but f returned shape {out.shape}"
            )
        seed = g if nested and isinstance(g, Value) else g_data
        return tuple(_result(c, nested) for c in _gradients(out, wrapped, seed, nested))

    return _result(out, nested), back


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """(f(*primals), J t): the directional derivative of f along `tangents`, by forward mode.

    One sweep from the inputs to the output through the JVP rules (it records the
    primal computation as it goes, then pushes tangents through it in the same order).
    """
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    out, wrapped, nested = _trace(f, primals, range(len(primals)))
    seeds = {}
    for node, t in zip(wrapped, tangents, strict=True):
        t_data = np.asarray(data_of(t), dtype=node.dtype)
        if t_data.shape != node.shape:
            raise ValueError(f"jvp: tangent of shape {t_data.shape} for a primal of shape {node.shape}")
        seeds[node] = t if nested and isinstance(t, Value) else t_data
    tangent = None
    if out.requires_grad:
        tangent = forward_pass(out, seeds, create_graph=nested)
    if tangent is None:
        tangent = np.zeros(out.shape, dtype=out.dtype)
    elif not nested:
        tangent = np.array(data_of(tangent))
    return _result(out, nested), tangent


def jacobian(f: Callable[..., Any], argnum: int = 0) -> Callable[..., Any]:
    """d f(x)_i / d x_j as an array of shape f(x).shape + x.shape (one reverse pass per row)."""

    def jacobian_f(*args: Any) -> Any:
        out, wrapped, nested = _trace(f, args, (argnum,))
        x = wrapped[0]
        rows = []
        for k in range(out.size):
            seed = np.zeros(out.size, dtype=out.dtype)
            seed[k] = 1.0
            seed = seed.reshape(out.shape)
            rows.append(_gradients(out, [x], seed, create_graph=nested)[0])
        shape = out.shape + x.shape
        if nested:
            return P.reshape(P.stack([P.reshape(r, x.shape) for r in rows]), shape)
        if not rows:
            return np.zeros(shape, dtype=x.dtype)
        return np.stack([np.asarray(r) for r in rows]).reshape(shape)

    return jacobian_f


def hessian(f: Callable[..., Any], argnum: int = 0) -> Callable[..., Any]:
    """d^2 f / dx_i dx_j for a scalar-valued f, by reverse-over-reverse: jacobian(grad(f))."""
    return jacobian(grad(f, argnum), argnum)


def _evaluate(f: Callable[..., Any], args: Sequence[Any]) -> np.ndarray:
    with no_grad():
        return np.asarray(data_of(f(*args)), dtype=np.float64)


def _compare(what: str, got: Any, want: Any, rtol: float, atol: float) -> tuple[float, str]:
    got = np.asarray(data_of(got), dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    err = float(np.max(np.abs(got - want) / (atol + rtol * np.abs(want)), initial=0.0))
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(want)):
        err = np.inf
    detail = f"{what}: got {got!r}, finite differences give {want!r}"
    return err, detail


def check_grads(
    f: Callable[..., Any],
    *args: Any,
    order: int = 2,
    modes: Sequence[str] = ("fwd", "rev"),
    eps: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    seed: int = 0,
) -> float:
    """Check f's derivatives against central finite differences along random directions.

    For each order up to `order`, forward mode (J v) and reverse mode (u^T J, compared as
    u^T J v) are checked against (f(x + eps v) - f(x - eps v)) / (2 eps); order k checks
    the derivatives of the order k-1 derivative maps. The arguments are taken in float64.
    Raises AssertionError naming the worst error and its order; returns the worst error as
    a fraction of the tolerance (below 1 passes).
    """
    args = tuple(np.array(data_of(a), dtype=np.float64) for a in args)
    return _check_order(f, args, 1, order, tuple(modes), eps, rtol, atol, seed)


def _check_order(
    f: Callable[..., Any], args: tuple, level: int, order: int, modes: tuple,
    eps: float, rtol: float, atol: float, seed: int,
) -> float:
    """check_grads at derivative order `level`, then recursively up to `order`."""
    rng = np.random.default_rng(seed)
    directions = tuple(rng.standard_normal(np.shape(a)) for a in args)
    shifted_up = [a + eps * v for a, v in zip(args, directions, strict=True)]
    shifted_down = [a - eps * v for a, v in zip(args, directions, strict=True)]
    numeric = (_evaluate(f, shifted_up) - _evaluate(f, shifted_down)) / (2 * eps)
    results = []
    if "fwd" in modes:
        _, tangent = jvp(f, args, directions)
        results.append(_compare(f"order {level}, forward mode J v", tangent, numeric, rtol, atol))
    cotangent = rng.standard_normal(numeric.shape)
    if "rev" in modes:
        _, back = vjp(f, *args)
        pulled = back(cotangent)
        got = sum(np.vdot(np.asarray(c), v) for c, v in zip(pulled, directions, strict=True))
        want = np.vdot(cotangent, numeric)
        results.append(_compare(f"order {level}, reverse mode u^T J v", got, want, rtol, atol))
    worst_err, worst = max(results, key=lambda r: r[0]) if results else (0.0, "")
    if worst_err > 1.0:
        raise AssertionError(
            f"check_grads: derivatives disagree with finite differences by {worst_err:.3g} "
            f"times the tolerance (rtol={rtol}, atol={atol}); worst case, {worst}"
        )
    if level < order:
        derived = []
        if "fwd" in modes:
            derived.append(lambda *xs: jvp(f, xs, directions)[1])
        if "rev" in modes:
            def pulled_back(*xs: Any) -> Any:
                parts = vjp(f, *xs)[1](cotangent)
                return P.concatenate([P.reshape(c, (-1,)) for c in parts])

            derived.append(pulled_back)
        for k, g in enumerate(derived):
            deeper = _check_order(g, args, level + 1, order, modes, eps, rtol, atol, seed + 1 + k)
            worst_err = max(worst_err, deeper)
    return worst_err
