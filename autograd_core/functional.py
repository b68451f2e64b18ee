"""The functional API: grad, value_and_grad, jacobian, hessian, vjp, jvp and check_grads.

These functions are pure: they read no `.grad` and write none. Called on plain numbers
or arrays they return plain numbers or arrays. Called on Values that an outer `grad` (or
`jvp`, `vjp`, `jacobian`) is differentiating, they record their own work in the graph and
return Values, so they nest: `grad(grad(f))`, `hessian(f) = jacobian(grad(f))`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextvars import ContextVar
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

_depth: ContextVar[int] = ContextVar("differentiation_depth", default=0)
"""How many grad/jvp/vjp/jacobian calls of this thread or task are evaluating their function."""


def _nested() -> bool:
    """True inside the function of an outer grad (jvp, vjp, jacobian) with grad mode on: a
    derivative taken here may depend on the outer variables, so it must be recorded."""
    return _depth.get() > 0 and is_grad_enabled()


def _wrap(x: Any) -> tuple[Value, bool]:
    """A fresh node to differentiate with respect to, and whether we are nested.

    A Value that is itself being differentiated is wrapped in an identity node, so the inner
    derivative is taken with respect to a node of its own (no perturbation confusion) while
    staying connected to the outer graph.
    """
    if isinstance(x, Value):
        if x.requires_grad and is_grad_enabled():
            return P.identity(x), True
        x = x.data
    return Value(x), _nested()


def _argnums(argnum: int | tuple[int, ...], args: Sequence[Any], who: str) -> tuple[int, ...]:
    """`argnum` as a tuple of indices into `args`, or a clear error."""
    argnums = argnum if isinstance(argnum, tuple) else (argnum,)
    for i in argnums:
        if isinstance(i, bool) or not isinstance(i, int | np.integer):
            raise TypeError(f"{who}: argnum must be an int or a tuple of ints, not {i!r}")
        if not -len(args) <= i < len(args):
            raise ValueError(
                f"{who}: argnum={i}, but the function was called with {len(args)} argument(s)"
            )
    return tuple(int(i) % len(args) for i in argnums)


def _as_output(out: Any, who: str) -> Value:
    """What f returned, as a Value; a tuple, a boolean or anything else without a derivative is refused."""
    if isinstance(out, Value):
        return out
    if isinstance(out, bool | np.bool_) or (isinstance(out, np.ndarray) and out.dtype.kind == "b"):
        raise TypeError(f"{who}: the function returned booleans ({out!r}), which have no derivative")
    if isinstance(out, tuple | list):
        kinds = ", ".join(type(o).__name__ for o in out)
        raise TypeError(
            f"{who}: the function must return one Value, number or array; it returned a "
            f"{type(out).__name__} of {len(out)} ({kinds})"
        )
    if not isinstance(out, int | float | np.ndarray | np.generic):
        raise TypeError(
            f"{who}: the function must return a Value, a number or an array, not {type(out).__name__}"
        )
    return Value(out, requires_grad=False)


def _trace(f: Callable[..., Any], args: Sequence[Any], argnums: Sequence[int], who: str) -> tuple:
    """Call f with the arguments at `argnums` replaced by fresh nodes and record its graph:
    (its output as a Value, the fresh nodes, whether we are nested)."""
    args = list(args)
    wrapped = []
    nested = False
    for i in argnums:
        node, inner = _wrap(args[i])
        args[i] = node
        wrapped.append(node)
        nested = nested or inner
    token = _depth.set(_depth.get() + 1)
    try:
        with enable_grad():
            out = f(*args)
    finally:
        _depth.reset(token)
    return _as_output(out, who), wrapped, nested


def _gradients(out: Value, wrt: Sequence[Value], seed: Any, create_graph: bool) -> list[Any]:
    """d(seed . out)/d(each of wrt), by one reverse pass that stops at `wrt`; None for a node
    that `out` does not depend on."""
    if not out.requires_grad:
        return [None for _ in wrt]
    found = reverse_pass(out, seed, create_graph=create_graph, stop_at=set(wrt))
    return [_like(found[x], x) if x in found else None for x in wrt]


def _or_zeros(g: Any, x: Value) -> Any:
    """g, or zeros like x when g is None (the output does not depend on x)."""
    if g is not None:
        return g
    return np.zeros_like(x.data) if isinstance(x.data, np.ndarray) else type(x.data)(0.0)


def _result(x: Any, nested: bool) -> Any:
    return x if nested or not isinstance(x, Value) else x.data


def value_and_grad(f: Callable[..., Any], argnum: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """A function returning (f(*args), df/d args[argnum]) for a scalar-valued f."""

    def value_and_grad_f(*args: Any) -> tuple[Any, Any]:
        out, wrapped, nested = _trace(f, args, _argnums(argnum, args, "grad"), "grad")
        if out.size != 1:
            raise ValueError(
                f"grad: the function must return a scalar, but it returned shape {out.shape}; "
                "use jacobian() or vjp() for non-scalar outputs"
            )
        seed = ones_like(out.data)
        grads = _gradients(out, wrapped, Value(seed, requires_grad=False) if nested else seed, nested)
        if all(g is None for g in grads):
            raise ValueError(
                f"grad: the function's output does not depend on argument {argnum} (it was computed "
                "without it, from its .data, or under no_grad)"
            )
        grads = [_result(_or_zeros(g, x), nested) for g, x in zip(grads, wrapped, strict=True)]
        return _result(out, nested), grads[0] if not isinstance(argnum, tuple) else tuple(grads)

    return value_and_grad_f


def grad(f: Callable[..., Any], argnum: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """The gradient of a scalar-valued f with respect to argument `argnum`, as a function.

    Returns a float or array like the argument, or a Value when called on Values being
    differentiated (so `grad(grad(f))` gives the second derivative). An output that does not
    depend on the argument is an error, as `backward()` of it is.
    """

    def grad_f(*args: Any) -> Any:
        return value_and_grad(f, argnum)(*args)[1]

    return grad_f


def vjp(f: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[[Any], tuple]]:
    """(f(*primals), back) where back(g) returns g^T J_i for each primal i, as a tuple.

    `back` can be applied inside an outer `grad` (or `jvp`, ...) to a cotangent that is being
    differentiated: its result is then recorded, as a function of the cotangent.
    """
    out, wrapped, nested = _trace(f, primals, range(len(primals)), "vjp")

    def back(g: Any) -> tuple:
        g_data = np.asarray(data_of(g), dtype=out.dtype)
        if g_data.shape != out.shape:
            raise ValueError(f"vjp: cotangent has shape {g_data.shape} but f returned shape {out.shape}")
        record = nested or _nested()
        seed = g if record and isinstance(g, Value) else g_data
        grads = _gradients(out, wrapped, seed, create_graph=record)
        return tuple(_result(_or_zeros(c, x), record) for c, x in zip(grads, wrapped, strict=True))

    return _result(out, nested), back


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """(f(*primals), J t): the directional derivative of f along `tangents`, by forward mode.

    One sweep from the inputs to the output through the JVP rules (it records the
    primal computation as it goes, then pushes tangents through it in the same order).
    """
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    out, wrapped, nested = _trace(f, primals, range(len(primals)), "jvp")
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
        out, wrapped, nested = _trace(f, args, _argnums(argnum, args, "jacobian"), "jacobian")
        x = wrapped[0]
        rows = []
        for k in range(out.size):
            seed = np.zeros(out.size, dtype=out.dtype)
            seed[k] = 1.0
            rows.append(_or_zeros(_gradients(out, [x], seed.reshape(out.shape), nested)[0], x))
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


# --- check_grads -------------------------------------------------------------------------------


def _evaluate(f: Callable[..., Any], args: Sequence[Any]) -> np.ndarray:
    with no_grad():
        return np.asarray(data_of(f(*args)), dtype=np.float64)


def _compare(what: str, got: Any, want: Any, rtol: float, atol: float) -> tuple[float, str]:
    """(the largest error as a fraction of the tolerance, a description); NaN is an error."""
    got = np.asarray(data_of(got), dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        errors = np.abs(got - want) / (atol + rtol * np.abs(want))
    detail = f"{what}: got {got!r}, finite differences give {want!r}"
    if np.isnan(errors).any():
        raise AssertionError(
            f"check_grads: nothing could be compared at these points ({detail}): the comparison gives "
            "NaN, so f or its derivatives are not defined (or not finite) around them"
        )
    return float(np.max(errors, initial=0.0)), detail


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

    At each order, forward mode (J v) and reverse mode (u^T J, compared as u^T J v) are
    checked against (f(x + eps v) - f(x - eps v)) / (2 eps). Order k checks in the same way
    the maps of order k-1, (x, t) -> J(x) t and (x, u) -> u^T J(x), as functions of both
    arguments: a rule must be right in how it depends on x and on the tangent or cotangent
    it is given. The arguments are taken in float64. Raises AssertionError naming the worst
    error and its order, or saying that nothing could be compared (a comparison gave NaN);
    returns the worst error as a fraction of the tolerance (below 1 passes).
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
        pulled = vjp(f, *args)[1](cotangent)
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
        n = len(args)
        derived: list[tuple[Callable[..., Any], tuple]] = []
        if "fwd" in modes:
            derived.append((lambda *xt: jvp(f, xt[:n], xt[n:])[1], (*args, *directions)))
        if "rev" in modes:
            def pulled_back(*xu: Any) -> Any:
                parts = vjp(f, *xu[:n])[1](xu[n])
                return P.concatenate([P.reshape(c, (-1,)) for c in parts])

            derived.append((pulled_back, (*args, cotangent)))
        for k, (g, g_args) in enumerate(derived):
            deeper = _check_order(g, g_args, level + 1, order, modes, eps, rtol, atol, seed + 1 + k)
            worst_err = max(worst_err, deeper)
    return worst_err
