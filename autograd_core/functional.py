"""The functional API: grad, value_and_grad, jacobian, hessian, hvp, vjp, jvp and check_grads.

These functions are pure: they read no `.grad` and write none. Called on plain numbers
or arrays they return plain numbers or arrays. Called on Values that an outer `grad` (or
`jvp`, `vjp`, `jacobian`) is differentiating, they record their own work in the graph and
return Values, so they nest: `grad(grad(f))`, `hessian(f) = jacobian(grad(f))`.

Arguments, outputs, tangents and cotangents may be trees (nested tuples, lists, dicts and
namedtuples of arrays and numbers, see `autograd_core.tree`): each leaf is differentiated, and a
derivative has the structure of what it is the derivative of. A leaf that is not a number or
an array is refused with its path, named after f's parameter (`params[1]['W']`).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any, overload

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
from .tree import LEAF_TYPES, TreeDef, flatten, is_container, tree_flatten, tree_map, tree_unflatten

_PLAIN = frozenset({Value, np.ndarray, float, int})  # the commonest leaves, recognised by class alone

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


# --- containers: arguments and outputs that are trees ------------------------------------------


def _parameter_name(f: Callable[..., Any], i: int) -> str:
    """The name of f's positional parameter i (`params`, `args[2]`), or `argument i`."""
    try:
        parameters = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        return f"argument {i}"
    for k, p in enumerate(parameters):
        if p.kind is p.VAR_POSITIONAL:
            return f"{p.name}[{i - k}]"
        if k == i and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            return p.name
    return f"argument {i}"


def _naming_parameters_of(f: Callable[..., Any], derived: Callable[..., Any]) -> Callable[..., Any]:
    """`derived` (grad(f), jacobian(f), ...), marked as taking f's parameters, so that errors name
    them (`inspect.signature` follows `__wrapped__`) when it is itself differentiated."""
    derived.__wrapped__ = f  # type: ignore[attr-defined]
    return derived


def _leaves_of(tree: Any, name: str | Callable[[], str], who: str) -> tuple[list[Any], TreeDef]:
    """tree_flatten(tree), its errors prefixed with the function that met them."""
    try:
        return tree_flatten(tree, name)
    except TypeError as error:
        raise TypeError(f"{who}: {error}") from None


def _unflatten_each(defs: Sequence[TreeDef | None], leaves: Sequence[Any]) -> list[Any]:
    """The arguments rebuilt from all their leaves in a row: one leaf where a structure is None."""
    rebuilt, start = [], 0
    for treedef in defs:
        if treedef is None:
            rebuilt.append(leaves[start])
            start += 1
        else:
            n = treedef.num_leaves
            rebuilt.append(tree_unflatten(treedef, leaves[start:start + n]))
            start += n
    return rebuilt


def _outputs(out: Any, who: str) -> tuple[list[Value], TreeDef | None]:
    """What f returned as a list of Values, and its structure (None for one number or array)."""
    if out.__class__ is Value:
        return [out], None
    if not is_container(out):
        return [_as_output(out, who)], None
    leaves, treedef = _leaves_of(out, "output", who)
    return [_as_output(leaf, who) for leaf in leaves], treedef


def _matching_leaves(tree: Any, treedef: TreeDef | None, what: str, like: str, who: str) -> list[Any]:
    """The leaves of `tree`, which must have the structure `treedef` (None: one leaf) of `like`."""
    if treedef is None:
        return [tree]
    leaves, found = _leaves_of(tree, what, who)
    if found != treedef:
        raise ValueError(f"{who}: {what} must have the structure of {like}; got {_shown(tree)}")
    return leaves


def _shown(tree: Any) -> str:
    """A tree's structure, its leaves written as their shapes (for errors)."""
    leaves, treedef = tree_flatten(tree)
    return repr(tree_unflatten(treedef, [f"<shape {np.shape(data_of(x))}>" for x in leaves]))


# --- tracing f ------------------------------------------------------------------------------


def _trace(f: Callable[..., Any], args: Sequence[Any], argnums: Sequence[int], who: str) -> tuple:
    """Call f with every leaf of the arguments at `argnums` replaced by a fresh node and record its
    graph: (f's output, the fresh nodes in order, the structure of each argument (None for a
    single leaf; the list itself None where no argument is a tree), whether we are nested)."""
    args = list(args)
    wrapped: list[Value] = []
    defs: list[TreeDef | None] | None = None
    nested = False
    for i in argnums:
        arg = args[i]
        if arg.__class__ in _PLAIN or isinstance(arg, LEAF_TYPES):  # (most calls: no tree to walk)
            node, inner = _wrap(arg)
            args[i] = node
            wrapped.append(node)
            nested = nested or inner
            if defs is not None:
                defs.append(None)
            continue
        leaves, treedef = _leaves_of(arg, functools.partial(_parameter_name, f, i), who)
        nodes = []
        for leaf in leaves:
            node, inner = _wrap(leaf)
            nodes.append(node)
            nested = nested or inner
        args[i] = tree_unflatten(treedef, nodes)
        wrapped += nodes
        defs = [None] * (len(wrapped) - len(nodes)) if defs is None else defs  # (leaves so far: 1 each)
        defs.append(treedef)
    token = _depth.set(_depth.get() + 1)
    try:
        with enable_grad():
            out = f(*args)
    finally:
        _depth.reset(token)
    return out, wrapped, defs, nested if wrapped else _nested()


def _gradients(out: Value, wrt: Sequence[Value], seed: Any, create_graph: bool) -> list[Any]:
    """d(seed . out)/d(each of wrt), by one reverse pass that stops at `wrt`; None for a node
    that `out` does not depend on."""
    if not out.requires_grad:
        return [None for _ in wrt]
    found = reverse_pass(out, seed, create_graph=create_graph, stop_at=set(wrt))
    return [_like(found[x], x) if x in found else None for x in wrt]


def _or_zeros(g: Any, x: Value) -> Any:
    """g (a 0-d array for a 0-d array x, not a NumPy scalar), or zeros like x when g is None
    (the output does not depend on x)."""
    if g is not None:
        return np.asarray(g) if g.__class__ is not x.data.__class__ and isinstance(g, np.generic) else g
    return np.zeros_like(x.data) if isinstance(x.data, np.ndarray) else type(x.data)(0.0)


def _result(x: Any, nested: bool) -> Any:
    return x if nested or not isinstance(x, Value) else x.data


def _results(leaves: Sequence[Any], treedef: TreeDef, nested: bool) -> Any:
    """The leaves as results (see `_result`), in the structure `treedef`."""
    return tree_unflatten(treedef, [_result(x, nested) for x in leaves])


# --- grad, value_and_grad, vjp, jvp, jacobian, hessian -----------------------------------------------


def _value_and_grad(
    f: Callable[..., Any], argnum: int | tuple[int, ...], who: str, strict: bool = True
) -> Callable[..., tuple[Any, Any]]:
    """value_and_grad; with `strict=False` an output that does not depend on the arguments has a
    zero gradient rather than being an error."""

    def value_and_grad_f(*args: Any) -> tuple[Any, Any]:
        out, wrapped, defs, nested = _trace(f, args, _argnums(argnum, args, who), who)
        out = _as_output(out, who)
        if out.size != 1:
            raise ValueError(
                f"{who}: the function must return a scalar, but it returned shape {out.shape}; "
                "use jacobian() or vjp() for non-scalar outputs"
            )
        seed = ones_like(out.data)
        grads = _gradients(out, wrapped, Value(seed, requires_grad=False) if nested else seed, nested)
        if strict and wrapped and all(g is None for g in grads):
            raise ValueError(
                f"{who}: the function's output does not depend on argument {argnum} (it was computed "
                "without it, from its .data, or under no_grad)"
            )
        grads = [_result(_or_zeros(g, x), nested) for g, x in zip(grads, wrapped, strict=True)]
        if defs is not None:
            grads = _unflatten_each(defs, grads)
        return _result(out, nested), grads[0] if not isinstance(argnum, tuple) else tuple(grads)

    return value_and_grad_f


def value_and_grad(f: Callable[..., Any], argnum: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """A function returning (f(*args), df/d args[argnum]) for a scalar-valued f.

    The gradient has the structure of the argument: an array like an array, a float for a
    float, a list of (W, b) tuples for a list of (W, b) tuples (see `grad`).
    """
    return _naming_parameters_of(f, _value_and_grad(f, argnum, "grad"))


def grad(f: Callable[..., Any], argnum: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """The gradient of a scalar-valued f with respect to argument `argnum`, as a function.

    Returns a float or array like the argument, or a Value when called on Values being
    differentiated (so `grad(grad(f))` gives the second derivative). An argument may be a tree
    (nested tuples, lists, dicts and namedtuples of arrays and numbers, as `autograd_core.tree`
    describes): its gradient is a tree of the same structure. With a tuple `argnum`, a tuple of
    gradients. An output that does not depend on the argument is an error, as `backward()` of
    it is.
    """
    value_and_grad_f = _value_and_grad(f, argnum, "grad")

    def grad_f(*args: Any) -> Any:
        return value_and_grad_f(*args)[1]

    return _naming_parameters_of(f, grad_f)


def elementwise_grad(f: Callable[..., Any], argnum: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """The gradient of sum(f(x)) with respect to argument `argnum`: for an f that acts elementwise
    (a diagonal Jacobian, each output z_j depending only on x_j), the array of dz_j/dx_j.

    It nests like `grad`: `elementwise_grad(elementwise_grad(np.tanh))(x)` is tanh'' at each x_j.
    For an f whose Jacobian is not diagonal it is the column sums of the Jacobian, 1^T J.
    """

    def summed(*args: Any) -> Any:
        return P.sum(f(*args))

    return grad(_naming_parameters_of(f, summed), argnum)  # errors name f's parameters


def vjp(f: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[[Any], tuple]]:
    """(f(*primals), back) where back(g) returns g^T J_i for each primal i, as a tuple.

    Primals, the output and so g may be trees; each g^T J_i has the structure of primal i.
    `back` can be applied inside an outer `grad` (or `jvp`, ...) to a cotangent that is being
    differentiated: its result is then recorded, as a function of the cotangent.
    """
    out, wrapped, defs, nested = _trace(f, primals, range(len(primals)), "vjp")
    outs, out_def = _outputs(out, "vjp")

    def back(g: Any) -> tuple:
        record = nested or _nested()
        if out_def is None:
            grads = _gradients(outs[0], wrapped, _cotangent(g, outs[0], record), record)
        else:
            cotangents = _matching_leaves(g, out_def, "the cotangent", "the output", "vjp")
            seeds = [_cotangent(gk, o, record) for gk, o in zip(cotangents, outs, strict=True)]
            grads = _pulled_back(outs, seeds, wrapped, record)
        pulled = tuple(_result(_or_zeros(c, x), record) for c, x in zip(grads, wrapped, strict=True))
        return pulled if defs is None else tuple(_unflatten_each(defs, pulled))

    return (_result(out, nested) if out_def is None else _results(outs, out_def, nested)), back


def _cotangent(g: Any, out: Value, record: bool) -> Any:
    """The seed of a reverse pass from `out` for the cotangent g, checked against out's shape."""
    g_data = np.asarray(data_of(g), dtype=out.dtype)
    if g_data.shape != out.shape:
        raise ValueError(f"vjp: cotangent has shape {g_data.shape} but f returned shape {out.shape}")
    return g if record and isinstance(g, Value) else g_data


def _pulled_back(outs: list[Value], seeds: list[Any], wrt: list[Value], record: bool) -> list[Any]:
    """sum_k seeds_k^T d outs_k / d x for each x of `wrt`, by one reverse pass; None where no
    output depends on x. The outputs are joined into one node, sum_k <seeds_k, outs_k>."""
    live = [(o, s) for o, s in zip(outs, seeds, strict=True) if o.requires_grad]
    if not live:
        return [None for _ in wrt]
    with enable_grad():
        root = P.sum(live[0][0] * live[0][1])
        for o, s in live[1:]:
            root = root + P.sum(o * s)
    return _gradients(root, wrt, ones_like(root.data), record)


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """(f(*primals), J t): the directional derivative of f along `tangents`, by forward mode.

    One sweep from the inputs to the output through the JVP rules (it records the primal
    computation as it goes, then pushes tangents through it in the same order). Primals may be
    trees, each tangent a tree of its primal's structure; the output and its tangent may be trees.
    """
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    out, wrapped, defs, nested = _trace(f, primals, range(len(primals)), "jvp")
    flat_tangents: Sequence[Any] = tangents
    if defs is not None:
        flat_tangents = []
        for i, (t, treedef) in enumerate(zip(tangents, defs, strict=True)):
            flat_tangents += _matching_leaves(t, treedef, f"tangents[{i}]", f"primals[{i}]", "jvp")
    seeds = {}
    for node, t in zip(wrapped, flat_tangents, strict=True):
        t_data = np.asarray(data_of(t), dtype=node.dtype)
        if t_data.shape != node.shape:
            raise ValueError(f"jvp: tangent of shape {t_data.shape} for a primal of shape {node.shape}")
        seeds[node] = t if nested and isinstance(t, Value) else t_data
    outs, out_def = _outputs(out, "jvp")
    if out_def is None:
        return _result(outs[0], nested), _pushed_forward(outs[0], seeds, nested)
    pushed = [_pushed_forward(o, seeds, nested) for o in outs]
    return _results(outs, out_def, nested), tree_unflatten(out_def, pushed)


def _pushed_forward(out: Value, seeds: dict[Value, Any], nested: bool) -> Any:
    """The tangent of `out` given the tangents `seeds` of some nodes below it (zeros if none)."""
    tangent = forward_pass(out, seeds, create_graph=nested) if out.requires_grad else None
    if tangent is None:
        return np.zeros(out.shape, dtype=out.dtype)
    return tangent if nested else np.array(data_of(tangent))


def jacobian(f: Callable[..., Any], argnum: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """d f(x)_i / d x_j as an array of shape f(x).shape + x.shape (one reverse pass per row).

    For trees, as JAX gives it: the output's structure outside, the argument's inside (a tuple
    of them for a tuple `argnum`), each leaf of shape out_leaf.shape + arg_leaf.shape.
    """

    def jacobian_f(*args: Any) -> Any:
        out, wrapped, defs, nested = _trace(f, args, _argnums(argnum, args, "jacobian"), "jacobian")
        outs, out_def = _outputs(out, "jacobian")
        blocks = []
        for o in outs:
            per_argument = _jacobian_blocks(o, wrapped, nested)
            if defs is not None:
                per_argument = _unflatten_each(defs, per_argument)
            blocks.append(per_argument[0] if not isinstance(argnum, tuple) else tuple(per_argument))
        return blocks[0] if out_def is None else tree_unflatten(out_def, blocks)

    return _naming_parameters_of(f, jacobian_f)


def _jacobian_blocks(out: Value, wrt: list[Value], nested: bool) -> list[Any]:
    """d out / d x for each x of `wrt`, of shape out.shape + x.shape: one reverse pass per
    element of `out`."""
    rows = []  # rows[k][j]: d out_k / d wrt[j] (None where out_k does not depend on it)
    for k in range(out.size):
        seed = np.zeros(out.size, dtype=out.dtype)
        seed[k] = 1.0
        rows.append(_gradients(out, wrt, seed.reshape(out.shape), nested))
    blocks = []
    for j, x in enumerate(wrt):
        column = [_or_zeros(row[j], x) for row in rows]
        shape = out.shape + x.shape
        if nested:
            blocks.append(P.reshape(P.stack([P.reshape(c, x.shape) for c in column]), shape))
        elif not column:
            blocks.append(np.zeros(shape, dtype=x.dtype))
        else:
            blocks.append(np.stack([np.asarray(c) for c in column]).reshape(shape))
    return blocks


def hessian(f: Callable[..., Any], argnum: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """d^2 f / dx_i dx_j for a scalar-valued f, by reverse-over-reverse: jacobian(grad(f)).

    For a tree argument, a tree of trees (the argument's structure outside and inside), each
    leaf of shape leaf_i.shape + leaf_j.shape, as JAX gives it.
    """
    return jacobian(grad(f, argnum), argnum)


def hessian_vector_product(f: Callable[..., Any], argnum: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """A function of (*args, v) giving H v, the Hessian of a scalar-valued f with respect to
    argument `argnum` times v, without forming H: the gradient of <grad f, v> (reverse over
    reverse, as HIPS autograd computes it). v has the argument's structure, and so has H v.
    Also named `hvp`."""
    grad_f = grad(f, argnum)

    def hvp_f(*args: Any) -> Any:
        if not args:
            raise TypeError("hessian_vector_product: call it with f's arguments followed by the vector v")
        *xs, v = args

        def gradient_dot_v(*xs: Any) -> Any:
            return _tree_vdot(grad_f(*xs), v, "hessian_vector_product")

        return _value_and_grad(gradient_dot_v, argnum, "hessian_vector_product", strict=False)(*xs)[1]

    return _naming_parameters_of(f, hvp_f)


hvp = hessian_vector_product


def _tree_vdot(a: Any, b: Any, who: str) -> Any:
    """sum over the leaves of <a_leaf, b_leaf>, for b of a's structure and shapes."""
    a_leaves, a_def = tree_flatten(a)
    b_leaves = _matching_leaves(b, a_def, "the vector", "the argument", who)
    total: Any = 0.0
    for x, y in zip(a_leaves, b_leaves, strict=True):
        if np.shape(data_of(y)) != np.shape(data_of(x)):
            raise ValueError(
                f"{who}: the vector has a leaf of shape {np.shape(data_of(y))} where the argument has "
                f"shape {np.shape(data_of(x))}"
            )
        total = total + P.sum(x * y)
    return total


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


@overload
def check_grads(
    f: Callable[..., Any], *, order: int = 2, modes: Sequence[str] = ("fwd", "rev"), eps: float = 1e-6,
    rtol: float = 1e-5, atol: float = 1e-6, seed: int = 0,
) -> Callable[..., float]: ...


@overload
def check_grads(
    f: Callable[..., Any], arg: Any, /, *args: Any, order: int = 2, modes: Sequence[str] = ("fwd", "rev"),
    eps: float = 1e-6, rtol: float = 1e-5, atol: float = 1e-6, seed: int = 0,
) -> float: ...


def check_grads(
    f: Callable[..., Any],
    *args: Any,
    order: int = 2,
    modes: Sequence[str] = ("fwd", "rev"),
    eps: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    seed: int = 0,
) -> float | Callable[..., float]:
    """Check f's derivatives against central finite differences along random directions.

    At each order, forward mode (J v) and reverse mode (u^T J, compared as u^T J v) are
    checked against (f(x + eps v) - f(x - eps v)) / (2 eps). Order k checks in the same way
    the maps of order k-1, (x, t) -> J(x) t and (x, u) -> u^T J(x), as functions of both
    arguments: a rule must be right in how it depends on x and on the tangent or cotangent
    it is given. The arguments are taken in float64; arguments and outputs that are trees are
    checked as one vector each (their leaves raveled and joined, as `flatten` does). Raises
    AssertionError naming the worst error and its order, or saying that nothing could be
    compared (a comparison gave NaN); returns the worst error as a fraction of the tolerance
    (below 1 passes). Given f alone, it returns the check as a function of the arguments, as
    HIPS autograd's `check_grads` is called: `check_grads(f, modes=["rev"])(x)`.
    """
    if not args:
        def check_at(arg: Any, /, *more: Any) -> float:
            return check_grads(f, arg, *more, order=order, modes=modes, eps=eps, rtol=rtol, atol=atol,
                               seed=seed)

        return check_at
    if all(isinstance(a, LEAF_TYPES) for a in args):
        args = tuple(np.array(data_of(a), dtype=np.float64) for a in args)
        return _check_order(_joined_output(f), args, 1, order, tuple(modes), eps, rtol, atol, seed)
    for i, a in enumerate(args):
        _leaves_of(a, functools.partial(_parameter_name, f, i), "check_grads")  # a clear error for a bad leaf
    vector, unflatten = flatten(tree_map(lambda a: np.array(data_of(a), dtype=np.float64), args))

    def f_of_vector(v: Any) -> Any:
        return _joined_output(f)(*unflatten(v))

    return _check_order(f_of_vector, (vector,), 1, order, tuple(modes), eps, rtol, atol, seed)


def _joined_output(f: Callable[..., Any]) -> Callable[..., Any]:
    """f, its output raveled and joined into one vector where it is a tree."""

    def f_joined(*args: Any) -> Any:
        out = f(*args)
        if not is_container(out):
            return out
        leaves, _ = _leaves_of(out, "output", "check_grads")
        if not leaves:
            return np.zeros(0)
        return P.concatenate([P.reshape(leaf, (-1,)) for leaf in leaves])

    return f_joined


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
