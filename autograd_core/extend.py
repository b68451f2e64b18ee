"""Your own primitives: a function the engine treats as one node, with derivative rules you give.

Decorate a function with `@primitive`; the engine then never looks inside it (it may call
anything: SciPy, a solver loop, in-place NumPy) and uses the rules given by `defvjp` (reverse
mode) and `defjvp` (forward mode). The conventions are HIPS autograd's:

* A VJP maker for argument i is called as ``maker(ans, *args, **kwargs)``, where ``ans`` is the
  output and ``args``, ``kwargs`` are the primitive's arguments; it returns the function
  ``g -> contribution`` that maps g = dC/d ans to argument i's share of dC/d args[i], of its
  shape.
* A JVP function for argument i is called as ``jvp(t, ans, *args, **kwargs)``, where ``t`` is
  the tangent of args[i]; it returns that argument's contribution to the output's tangent.
  ``"same"`` stands for the primitive itself with ``t`` in place of args[i] (a linear argument).
* ``None`` marks an argument with no derivative (its contribution is zero); an argument with no
  rule at all gets a `NotImplementedError` naming it when something differentiates it.
* `defvjp(fun, *makers, argnums=...)` and `defjvp(fun, *jvps, argnums=...)` give the rules of
  the arguments at `argnums` (0, 1, 2, ... by default). A later call replaces every rule of
  that kind given before.

The positional arguments that are Values (or containers, such as tuples, holding Values) are
the differentiable inputs; the forward gets their data. Everything else (functions, ints,
strings, None, tuples of them, plain numbers and arrays) is passed to the forward and to the
rules as it is, and never differentiated. Keyword arguments are never differentiated either,
so a Value among them is refused. The output must be a number or an array.

When a derivative is itself differentiated (`grad(grad(f))`, `hessian`, a `backward` with
`create_graph=True`), the rules are called with Values for ``ans``, ``g`` and the
differentiable arguments, so rules written with the engine's functions (`autograd_core`'s
operations, `grad`, `vjp`, and primitives such as this one) record their own graph and differentiate
again. Check the rules with `check_grads` (see below), which compares them with finite differences
up to second order.

User primitives are not entered in the library's table of primitives (`primitives.REGISTRY`):
that table is the library's, every row of it covered by the test suite.

Example: a fixed point x* = f(a)(x*), found by iterating, and differentiated by the implicit
function theorem. Where x* = T(a, x*), dx*/da = (I - dT/dx)^-1 dT/da, so the VJP of g is
u^T dT/da, where u = g + (dT/dx)^T u is itself a fixed point, found by iterating the same way::

    import numpy as np
    import autograd_core as ag
    from autograd_core import defvjp, primitive, vjp

    @primitive
    def fixed_point(f, a, x0, distance, tol):
        "The x with x = f(a)(x), by iterating from x0 until distance(x, x_prev) <= tol."
        step = f(a)
        x, x_prev = step(x0), x0
        while distance(x, x_prev) > tol:
            x, x_prev = step(x), x
        return x

    def fixed_point_vjp(ans, f, a, x0, distance, tol):
        def adjoint(params):  # u -> g + (dT/dx)^T u at (a, x*)
            a, x_star, g = params
            _, back_x = vjp(f(a), x_star)
            return lambda u: g + back_x(u)[0]

        _, back_a = vjp(lambda a, x: f(a)(x), a, ans)
        return lambda g: back_a(fixed_point(adjoint, (a, ans, g), np.zeros(np.shape(g)), distance, tol))[0]

    defvjp(fixed_point, None, fixed_point_vjp, None)

    def newton_sqrt(a):  # the map whose fixed point is sqrt(a)
        return lambda x: 0.5 * (x + a / x)

    def sqrt(a):
        return fixed_point(newton_sqrt, a, 1.0, lambda x, y: abs(x - y), 1e-12)

    assert abs(ag.grad(sqrt)(2.0) - 0.5 / np.sqrt(2.0)) < 1e-10
    assert abs(ag.grad(ag.grad(sqrt))(2.0) + 0.25 * 2.0 ** -1.5) < 1e-8
    ag.check_grads(sqrt, 2.0, modes=["rev"], order=2)   # the rule against finite differences

The adjoint fixed point passes the container ``(a, ans, g)`` as its differentiable argument, so
when the VJP is differentiated again (the second derivative above) the implicit function
theorem is applied again, to the adjoint iteration.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .core import _NO_PARAMS, Primitive, Value, _node, as_data, data_of, is_grad_enabled, no_grad, shape_of
from .tree import TreeDef, tree_flatten, tree_unflatten

__all__ = ["primitive", "defvjp", "defjvp"]


@dataclass(frozen=True)
class _Layout:
    """How one call's positional arguments sit among a node's inputs: `args` are the arguments
    with their static ones in place; `slots[k] = (argnum, treedef, start, stop)` says that the
    differentiable argument at `argnum` is inputs[start:stop], one Value (treedef None) or the
    leaves of a container of structure `treedef`; `wanted` are the argnums holding a Value that
    requires grad."""

    args: tuple
    slots: tuple[tuple[int, TreeDef | None, int, int], ...]
    wanted: frozenset[int]

    def arguments(self, inputs: Sequence[Any]) -> list[Any]:
        """The positional arguments, with the differentiable ones rebuilt from `inputs`."""
        args = list(self.args)
        for argnum, treedef, start, stop in self.slots:
            args[argnum] = inputs[start] if treedef is None else tree_unflatten(treedef, inputs[start:stop])
        return args


class UserPrimitive(Primitive):
    """A function made a primitive by `@primitive`: calling it runs the function, recording one
    node when a differentiable argument needs a gradient; `defvjp` and `defjvp` give its rules."""

    def __init__(self, fun: Callable[..., Any]) -> None:
        super().__init__(getattr(fun, "__name__", type(fun).__name__), fun, self._all_vjps, self._all_jvps)
        functools.update_wrapper(self, fun, updated=())
        self.fun = fun
        self.vjpmakers: dict[int, Callable[..., Any] | None] = {}
        self.jvpfuns: dict[int, Callable[..., Any] | str | None] = {}

    def __repr__(self) -> str:
        return f"<primitive {self.name} (user-defined)>"

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        """As a method, bound to its object (which is then a static first argument)."""
        return self if obj is None else types.MethodType(self, obj)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """fun(*args, **kwargs); a Value (a node of the graph) when an argument is a Value."""
        for key, value in kwargs.items():
            if _holds_value(value):
                raise TypeError(
                    f"{self.name}: keyword argument {key!r} holds a Value; keyword arguments are never "
                    "differentiated, so pass it positionally"
                )
        datas, inputs, layout = _split(args, self.name)
        with no_grad():  # the forward computes on data and records nothing, whatever it calls
            ans = self.fun(*datas, **kwargs)
        if not layout.slots:
            return ans
        if isinstance(ans, tuple | list | dict | Value):
            raise TypeError(
                f"{self.name}: the output of a primitive must be a number or an array, not a "
                f"{type(ans).__name__}"
            )
        ans = as_data(ans, f"{self.name}: the output of a primitive")
        if layout.wanted and is_grad_enabled():
            return _node(ans, self, tuple(inputs), {**kwargs, "_layout": layout})
        return _node(ans, None, (), _NO_PARAMS)

    # --- the rules, as the engine calls them: one function for every input of a node -------------

    def _all_vjps(self, g: Any, ans: Any, *inputs: Any, _layout: _Layout, **kwargs: Any) -> list[Any]:
        """Every input's contribution to the gradient (None for those that need none)."""
        args = _layout.arguments(inputs)
        contributions: list[Any] = [None] * len(inputs)
        for argnum, treedef, start, stop in _layout.slots:
            if argnum not in _layout.wanted:
                continue
            maker = self._rule(self.vjpmakers, argnum, "VJP")
            c = _zeros_like(args[argnum]) if maker is None else maker(ans, *args, **kwargs)(g)
            got = self._leaves(c, treedef, argnum, "VJP")
            for k, (share, like) in enumerate(zip(got, inputs[start:stop], strict=True)):
                contributions[start + k] = self._checked(share, like, argnum, "VJP", "argument")
        return contributions

    def _all_jvps(self, tangents: list[Any], ans: Any, *inputs: Any, _layout: _Layout, **kwargs: Any) -> Any:
        """The output's tangent, given every input's tangent (None where an input has none)."""
        args = _layout.arguments(inputs)
        total = None
        for argnum, treedef, start, stop in _layout.slots:
            ts = tangents[start:stop]
            if all(t is None for t in ts):
                continue
            ts = [_zeros_like(x) if t is None else t for t, x in zip(ts, inputs[start:stop], strict=True)]
            t = ts[0] if treedef is None else tree_unflatten(treedef, ts)
            rule = self._rule(self.jvpfuns, argnum, "JVP")
            if rule is None:
                c = _zeros_like(ans)
            elif isinstance(rule, str):  # "same": the primitive is linear in this argument
                c = self(*args[:argnum], t, *args[argnum + 1:], **kwargs)
            else:
                c = rule(t, ans, *args, **kwargs)
            c = self._checked(c, ans, argnum, "JVP", "output")
            total = c if total is None else total + c
        return total

    def _rule(self, rules: dict[int, Any], argnum: int, kind: str) -> Any:
        if argnum not in rules:
            given = f"argnums {sorted(rules)}" if rules else "no argument"
            raise NotImplementedError(
                f"{kind} of {self.name} with respect to argument {argnum} is not defined (def{kind.lower()} "
                f"gave rules for {given})"
            )
        return rules[argnum]

    def _leaves(self, c: Any, treedef: TreeDef | None, argnum: int, kind: str) -> list[Any]:
        """A rule's contribution to a container argument, as the container's leaves."""
        if treedef is None:
            return [c]
        leaves, found = tree_flatten(c, f"{self.name}: the {kind} of argument {argnum}")
        if found != treedef:
            raise ValueError(
                f"{self.name}: the {kind} rule of argument {argnum} returned a {type(c).__name__} of another "
                "structure than the argument's"
            )
        return leaves

    def _checked(self, c: Any, like: Any, argnum: int, kind: str, what: str) -> Any:
        """A rule's contribution, refused unless it has the shape of `like` (no silent broadcasting)."""
        if c is None or not isinstance(c, Value | np.ndarray | np.generic | float | int):
            raise TypeError(
                f"{self.name}: the {kind} rule of argument {argnum} returned {type(c).__name__}, not a "
                "number, array or Value"
            )
        if shape_of(c) != shape_of(data_of(like)):
            raise ValueError(
                f"{self.name}: the {kind} rule of argument {argnum} returned shape {shape_of(c)}; the "
                f"{what} has shape {shape_of(data_of(like))}"
            )
        return c


def _split(args: tuple, name: str) -> tuple[list[Any], list[Any], _Layout]:
    """(what the forward takes, the node's inputs, their layout) for a call's positional
    arguments: each Value, and each leaf of a container holding a Value, is an input (the
    Value where it requires grad, its data otherwise); the forward gets data in their places
    and every other argument as it is."""
    datas = list(args)
    static = list(args)
    inputs: list[Any] = []
    slots = []
    wanted = set()
    for argnum, arg in enumerate(args):
        if isinstance(arg, Value):
            leaves, treedef = [arg], None
        elif isinstance(arg, tuple | list | dict) and _holds_value(arg):
            leaves, treedef = tree_flatten(arg, f"{name}: argument {argnum}")
        else:
            continue
        start = len(inputs)
        for leaf in leaves:
            needs = isinstance(leaf, Value) and leaf.requires_grad
            inputs.append(leaf if needs else data_of(leaf))
            if needs:
                wanted.add(argnum)
        slots.append((argnum, treedef, start, len(inputs)))
        static[argnum] = None
        datas[argnum] = arg.data if treedef is None else tree_unflatten(treedef, map(data_of, leaves))
    return datas, inputs, _Layout(tuple(static), tuple(slots), frozenset(wanted))


def _holds_value(x: Any) -> bool:
    """Whether `x` is a Value or a tuple, list or dict with a Value somewhere inside."""
    if isinstance(x, Value):
        return True
    if isinstance(x, tuple | list):
        return any(_holds_value(item) for item in x)
    if isinstance(x, dict):
        return any(_holds_value(item) for item in x.values())
    return False


def _zeros_like(x: Any) -> Any:
    """Zeros of the shape of x's data (a float for a number): a contribution of no derivative."""
    if isinstance(x, tuple | list | dict):
        leaves, treedef = tree_flatten(x)
        return tree_unflatten(treedef, [_zeros_like(leaf) for leaf in leaves])
    data = data_of(x)
    return np.zeros_like(data, dtype=np.result_type(data, 1.0)) if isinstance(data, np.ndarray) else 0.0


def primitive(fun: Callable[..., Any]) -> UserPrimitive:
    """`fun` as a primitive: one node of the graph, whose derivatives come from the rules given
    by `defvjp` and `defjvp` rather than from what `fun` computes (see this module's docstring)."""
    if not callable(fun):
        raise TypeError(f"primitive: expected a function, not {type(fun).__name__}")
    return UserPrimitive(fun)


def _user_primitive(fun: Any, who: str) -> UserPrimitive:
    if not isinstance(fun, UserPrimitive):
        raise TypeError(
            f"{who}: {getattr(fun, '__name__', fun)!r} is not a primitive made by @primitive; decorate the "
            "function with @autograd_core.primitive first"
        )
    return fun


def _by_argnum(fun: UserPrimitive, rules: Sequence[Any], argnums: Iterable[int] | None, who: str) -> dict:
    """{argnum: rule}, each rule a callable or None (or, for JVPs, "same"), checked."""
    positions = list(range(len(rules))) if argnums is None else list(argnums)
    if len(positions) != len(rules):
        raise ValueError(f"{who}: {len(rules)} rules for {len(positions)} argnums ({positions})")
    for argnum, rule in zip(positions, rules, strict=True):
        if isinstance(argnum, bool) or not isinstance(argnum, int) or argnum < 0:
            raise TypeError(f"{who}: argnums must be non-negative ints, not {argnum!r}")
        if not (rule is None or callable(rule) or (who == "defjvp" and rule == "same")):
            raise TypeError(f"{who}: the rule of argument {argnum} of {fun.name} is {rule!r}, not a function")
    return dict(zip(positions, rules, strict=True))


def defvjp(fun: Any, *vjpmakers: Callable[..., Any] | None, argnums: Iterable[int] | None = None) -> None:
    """Give the primitive `fun` its reverse-mode rules: `vjpmakers[k]` is the VJP maker of
    argument argnums[k] (argument k by default), called as maker(ans, *args, **kwargs) and
    returning g -> that argument's contribution to the gradient; None for no derivative."""
    prim = _user_primitive(fun, "defvjp")
    prim.vjpmakers = _by_argnum(prim, vjpmakers, argnums, "defvjp")


def defjvp(fun: Any, *jvpfuns: Callable[..., Any] | str | None, argnums: Iterable[int] | None = None) -> None:
    """Give the primitive `fun` its forward-mode rules: `jvpfuns[k]` gives argument argnums[k]'s
    (argument k's by default) contribution to the output's tangent, called as
    jvp(t, ans, *args, **kwargs) with t that argument's tangent; "same" for `fun` itself applied
    with t in its place (an argument `fun` is linear in); None for no derivative."""
    prim = _user_primitive(fun, "defjvp")
    prim.jvpfuns = _by_argnum(prim, jvpfuns, argnums, "defjvp")
