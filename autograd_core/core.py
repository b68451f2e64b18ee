"""The engine: grad mode, primitives and the nodes they record, and the two sweeps over a graph.

A `Value` is a node of a computational graph. A leaf is made by the user; every other node
is made by a `Primitive` (the registry, `primitives/`, declares them all) and remembers the
primitive (`_op`), its inputs in one tuple (`_inputs`: an input that needs a gradient as its
Value, any other as its raw data) and its keyword parameters (`_params`). Nothing refers from
a parent to its children and no rule captures the node it belongs to, so a dropped graph is
freed by reference counting alone.

`toposort` lists a graph's nodes, parents before children. The reverse pass takes them the
other way round, children first, keeping the gradients in a dictionary of its own; the
forward pass takes them in order, for forward mode.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

import numpy as np

# --- grad mode: one setting per thread and per asyncio task -------------------------------------

_grad_enabled: ContextVar[bool] = ContextVar("grad_enabled", default=True)
_saved_modes: ContextVar[tuple[bool, ...]] = ContextVar("saved_grad_modes", default=())


def is_grad_enabled() -> bool:
    """True when primitives record graph nodes (the default) in this thread or task."""
    return _grad_enabled.get()


class _GradMode:
    """Grad mode set to `enabled` inside a `with` block or a decorated function, then restored.

    The object keeps no state of its own (the modes it restores live in a context variable),
    so one object can be reused, nested and shared between threads.
    """

    enabled: bool

    def __enter__(self) -> None:
        _saved_modes.set((*_saved_modes.get(), _grad_enabled.get()))
        _grad_enabled.set(self.enabled)

    def __exit__(self, *exc_info: object) -> None:
        *saved, previous = _saved_modes.get()
        _saved_modes.set(tuple(saved))
        _grad_enabled.set(previous)

    def __call__(self, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def in_mode(*args: Any, **kwargs: Any) -> Any:
            with self:
                return function(*args, **kwargs)

        return in_mode


class no_grad(_GradMode):  # noqa: N801  (named like PyTorch's)
    """Inside it (`with no_grad():` or `@no_grad()`), operations compute values but record no graph."""

    enabled = False


class enable_grad(_GradMode):  # noqa: N801
    """Inside it (`with enable_grad():` or `@enable_grad()`), operations record the graph."""

    enabled = True


# --- data --------------------------------------------------------------------------------------

_NUMERIC_KINDS = "biuf"
# NumPy's array type, read from the module once: `np` has a module-level __getattr__, so
# Python 3.11 cannot cache `np.ndarray` lookups, and each one costs a dictionary search.
_ndarray = np.ndarray
_PLAIN_NUMBERS = frozenset({float, int, np.float64, np.float32})
_FLOAT64 = np.dtype(np.float64)


def as_data(data: Any, what: str = "Value data") -> Any:
    """The float or float array a `Value` holds for `data`: ints and bools become float64,
    float16/32/64 keep their dtype; anything else is a `TypeError` that names it."""
    if data.__class__ is float or (data.__class__ is _ndarray and data.dtype.kind == "f"):
        return data
    if isinstance(data, bool | int | float) and not isinstance(data, np.generic):
        return float(data)
    array = _numeric(data, what)
    return array if array.dtype.kind == "f" else array.astype(np.float64)


def _operand(a: Any, op: str) -> Any:
    """A non-Value input of a primitive (a constant of the graph): a number or a numeric array as
    it is, a list as a float array; anything else is a `TypeError` naming it."""
    if a.__class__ in _PLAIN_NUMBERS or (a.__class__ is _ndarray and a.dtype.kind in _NUMERIC_KINDS):
        return a
    if isinstance(a, np.ndarray | np.generic):
        return _numeric(a, f"{op}: an operand")
    return as_data(a, f"{op}: an operand")


def _numeric(data: Any, what: str) -> Any:
    """`data` as a NumPy array or scalar of real numbers (an array subclass such as np.memmap as a
    plain array), or a `TypeError` that names what it is."""
    if isinstance(data, Value):
        raise TypeError(f"{what} must be a number or a NumPy array, not a Value (use .data)")
    if isinstance(data, np.matrix):
        raise TypeError(f"{what} is an np.matrix, whose * multiplies matrices; convert it with np.asarray")
    if isinstance(data, np.ma.MaskedArray):
        raise TypeError(f"{what} is a masked array, whose mask would be ignored; use .filled() or np.asarray")
    array: Any
    if isinstance(data, np.generic):
        array = data
    elif isinstance(data, np.ndarray | list | tuple):
        array = np.asarray(data)
    else:
        raise TypeError(f"{what} must be a number or a numeric NumPy array, not {type(data).__name__}")
    if array.dtype.kind not in _NUMERIC_KINDS:
        raise TypeError(
            f"{what} must be real numbers; got an array of dtype {array.dtype} "
            "(strings, objects and complex numbers are not supported)"
        )
    return array


def shape_of(x: Any) -> tuple[int, ...]:
    """The shape of a Value, array, NumPy scalar or Python number (() for a number)."""
    if x.__class__ is _ndarray:
        return x.shape
    return () if x.__class__ is float else getattr(x, "shape", ())


def ones_like(data: Any) -> Any:
    """1 in the type, dtype and shape of `data` (the seed dC/dC of a backward pass)."""
    return np.ones_like(data) if data.__class__ is _ndarray else type(data)(1.0)


def data_of(x: Any) -> Any:
    """The raw data of a Value, or `x` itself."""
    return x.data if isinstance(x, Value) else x


_PYTHON_FAILURES = (ZeroDivisionError, OverflowError)
"""What Python raises on floats where NumPy's float64 gives inf or nan (under its error state):
where a forward or a rule raises one, it is computed again with its numbers as float64 scalars."""


def _as_float64(x: Any) -> Any:
    """A Python number as a float64 scalar; anything else as it is."""
    return np.float64(x) if x.__class__ is float or x.__class__ is int else x


def _as_python(x: Any) -> Any:
    """A float64 scalar as a Python float; a list of them as a list of Python floats."""
    if isinstance(x, list | tuple):
        return [_as_python(c) for c in x]
    return float(x) if x.__class__ is np.float64 else x


def _call(rule: Callable[..., Any], first: Any, ans: Any, args: Any, params: dict) -> Any:
    """rule(first, ans, *args, **params), a derivative rule; if Python's floats raise, computed
    again with its numbers as float64 scalars."""
    try:
        return rule(first, ans, *args, **params)
    except _PYTHON_FAILURES:
        return _as_python(rule(_as_float64(first), _as_float64(ans), *map(_as_float64, args), **params))


# --- primitives and the nodes they record -------------------------------------------------------


class Primitive:
    """A differentiable operation: a NumPy forward and its derivative rules.

    `vjps[i](g, ans, *inputs, **params)` is input i's contribution to the gradient, given g,
    the gradient of the output `ans`; `jvps[i](t, ans, *inputs, **params)` is input i's
    contribution to the output's tangent, given t, the tangent of input i. A primitive of any
    number of inputs (concatenate, stack) may give one function instead of each list, called
    once per node: `vjps(g, ans, *inputs, **params)` returns every input's contribution, in
    order; `jvps(tangents, ans, *inputs, **params)` takes every input's tangent (None where an
    input has none). `broadcasts=True` lets a VJP return the output's broadcast shape.

    Called on plain numbers and arrays, a primitive runs its forward. Called with Values among
    its inputs it returns a Value: a node of the graph when some input requires grad and grad
    mode is on, else a constant.
    """

    __slots__ = ("name", "forward", "vjps", "jvps", "broadcasts", "one_rule")

    def __init__(
        self, name: str, forward: Callable[..., Any], vjps: Any, jvps: Any, broadcasts: bool = False
    ) -> None:
        self.name = name
        self.forward = forward
        self.vjps = vjps
        self.jvps = jvps
        self.broadcasts = broadcasts
        self.one_rule = callable(vjps)  # one VJP function for all the inputs

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"

    def __call__(self, *args: Any, **params: Any) -> Any:
        """The forward on the inputs' data; with a Value among the inputs, a Value (a node)."""
        datas = []  # what the forward takes
        inputs = []  # what the node keeps: the Values that need a gradient, data for the rest
        has_value = needs_grad = False
        for a in args:
            if a.__class__ is Value:
                has_value = True
                d = a.data
                if a.requires_grad:
                    needs_grad = True
                    inputs.append(a)
                else:
                    inputs.append(d)
            else:
                d = _operand(a, self.name)
                inputs.append(d)
            datas.append(d)
        try:
            ans = self.forward(*datas, **params)
        except ValueError as error:
            raise self._refusal(datas, error) from None
        except _PYTHON_FAILURES:
            ans = _as_python(self.forward(*map(_as_float64, datas), **params))
        if not has_value:
            return ans
        if needs_grad and _grad_enabled.get():
            return _node(ans, self, tuple(inputs), params)
        return _node(ans, None, (), _NO_PARAMS)

    def binary(self, x: Any, y: Any) -> Any:
        """`self(x, y)` written out for two inputs and no parameters: the path of the arithmetic
        operators of `Value`, of which scalar graphs are made."""
        x_node, y_node = x.__class__ is Value, y.__class__ is Value
        if not (x_node or y_node):
            return self(x, y)
        xd = x.data if x_node else _operand(x, self.name)
        yd = y.data if y_node else _operand(y, self.name)
        try:
            ans = self.forward(xd, yd)
        except ValueError as error:
            raise self._refusal([xd, yd], error) from None
        except _PYTHON_FAILURES:
            ans = _as_python(self.forward(_as_float64(xd), _as_float64(yd)))
        x_grad, y_grad = x_node and x.requires_grad, y_node and y.requires_grad
        if (x_grad or y_grad) and _grad_enabled.get():
            return _node(ans, self, (x if x_grad else xd, y if y_grad else yd), _NO_PARAMS)
        return _node(ans, None, (), _NO_PARAMS)

    def _refusal(self, datas: list[Any], error: ValueError) -> ValueError:
        """The error for operands the forward refused, naming this primitive and their shapes."""
        if len(datas) == 1:
            return ValueError(f"{self.name} of an operand with shape {shape_of(datas[0])}: {error}")
        shapes = " and ".join(str(shape_of(d)) for d in datas)
        return ValueError(f"{self.name} of operands with shapes {shapes}: {error}")


_new = object.__new__
_NO_PARAMS: dict = {}


def _node(data: Any, op: Primitive | None, inputs: tuple, params: dict) -> Value:
    """A new Value holding `data`, made by `op` from `inputs` (a constant when `op` is None)."""
    v = _new(Value)
    v.data = data
    v.grad = None
    v.requires_grad = op is not None
    v.label = None
    v._op = op
    v._inputs = inputs
    v._params = params
    v._retain = False
    return v


def graph_parents(node: Value) -> list[Value]:
    """The inputs of `node` that need a gradient, in input order (none for a leaf)."""
    parents = []
    for a in node._inputs:
        if a.__class__ is Value:
            parents.append(a)
    return parents


def _data_of_each(inputs: tuple) -> list[Any]:
    """The raw data of each input (what the rules take when they record no graph)."""
    datas = []
    for a in inputs:
        datas.append(a.data if a.__class__ is Value else a)
    return datas


def toposort(root: Any, parents: Callable[[Any], Iterable[Any]]) -> list[Any]:
    """Every node reachable from `root` through `parents`, each after all its parents.

    Depth-first search with an explicit stack, so a chain of a million nodes needs no
    recursion: a node is expanded when it first comes up (pushed again, marked done, beneath
    its parents) and listed when it comes up done, after all its parents. The reverse pass,
    forward mode and `viz` all walk graphs with this function.
    """
    order = []
    expanded = set()
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        elif node not in expanded:
            expanded.add(node)
            stack.append((node, True))
            for parent in parents(node):
                if parent not in expanded:
                    stack.append((parent, False))
    return order


# --- the reverse pass --------------------------------------------------------------------------


def reverse_pass(
    root: Value, seed: Any, create_graph: bool = False, stop_at: Any = frozenset(), keep_all: bool = False
) -> dict[Value, Any]:
    """Backpropagate `seed`, dC/d root, through the graph below `root`.

    Returns dC/dv for every leaf v, every node of `stop_at` (which passes nothing on), every
    node that asked for `retain_grad()`, and every node if `keep_all`. The nodes are taken
    children first (`toposort`, reversed): when a node comes up, all its children have given it
    their contributions, so its gradient is complete, and it passes it on to its parents. The
    gradients live in this pass's own dictionary; nothing is written on the nodes. With
    `create_graph` the rules run on Values and record the pass as a new graph (for higher
    derivatives); otherwise they run on raw data.
    """
    parents = graph_parents if not stop_at else lambda v: () if v in stop_at else graph_parents(v)
    grads = {root: seed}
    mode = _grad_enabled.set(create_graph)
    try:
        for node in reversed(toposort(root, parents)):
            if node._op is None or (stop_at and node in stop_at):
                continue  # a leaf, or a node where the pass stops: it keeps its gradient
            g = grads[node] if keep_all or node._retain else grads.pop(node)
            _pass_on(node, g, grads, create_graph)
    finally:
        _grad_enabled.reset(mode)
    return grads  # what is left: the gradients of the leaves, the stops and the retained nodes


def _pass_on(node: Value, g: Any, grads: dict[Value, Any], create_graph: bool) -> None:
    """Give each parent of `node` its contribution g^T d node/d parent, by the VJP rules."""
    prim, inputs, params = node._op, node._inputs, node._params
    assert prim is not None
    vjps = prim.vjps
    if len(inputs) == 2 and not (create_graph or params or prim.one_rule):
        x, y = inputs  # (most nodes: the loop below, written out for two inputs)
        xd = x.data if x.__class__ is Value else x
        yd = y.data if y.__class__ is Value else y
        try:
            cx = vjps[0](g, node.data, xd, yd) if x.__class__ is Value else None
            cy = vjps[1](g, node.data, xd, yd) if y.__class__ is Value else None
        except _PYTHON_FAILURES:
            cx = _call(vjps[0], g, node.data, [xd, yd], params) if x.__class__ is Value else None
            cy = _call(vjps[1], g, node.data, [xd, yd], params) if y.__class__ is Value else None
        if cx is not None:
            _accumulate(grads, x, cx, prim)
        if cy is not None:
            _accumulate(grads, y, cy, prim)
        return
    args: Any
    if create_graph:
        ans, args = node, inputs
    elif len(inputs) == 1:  # (the input of a one-input node is a parent)
        ans, args = node.data, (inputs[0].data,)
    else:
        ans, args = node.data, _data_of_each(inputs)
    every = _call(vjps, g, ans, args, params) if prim.one_rule else None  # one rule for every input
    for i, parent in enumerate(inputs):
        if parent.__class__ is not Value:  # a constant: no gradient
            continue
        if every is not None:
            c = every[i]
        else:  # (the body of _call, inlined: most rules run here)
            try:
                c = vjps[i](g, ans, *args, **params)
            except _PYTHON_FAILURES:
                c = _call(vjps[i], g, ans, args, params)
        _accumulate(grads, parent, c, prim)


def _accumulate(grads: dict[Value, Any], parent: Value, c: Any, prim: Primitive) -> None:
    """Add the contribution `c` to the gradient of `parent`. A parent used by several children
    (b in e = (a + b)(b + 1)) gets the sum of their contributions: this is the one place where
    gradients are added up, and where a contribution of a broadcast shape is summed back."""
    if prim.broadcasts and c.__class__ is not float and c.shape != shape_of(parent.data):
        c = _unbroadcast(c, shape_of(parent.data))
    grads[parent] = grads[parent] + c if parent in grads else c


def _unbroadcast(c: Any, shape: tuple[int, ...]) -> Any:
    """A contribution of a broadcast shape summed back to `shape`, the shape of the input it
    flows into: a rule never has to think about broadcasting."""
    lead = len(shape_of(c)) - len(shape)
    if lead < 0:  # (a share with fewer axes than its input: the same numbers)
        return c.reshape(shape)
    if lead:  # the axes broadcasting put in front
        c = c.sum(axis=tuple(range(lead)))
    stretched = tuple(k for k, n in enumerate(shape) if n == 1 and c.shape[k] != 1)  # 1s stretched
    return c.sum(axis=stretched, keepdims=True) if stretched else c


# --- the forward pass (forward mode) -------------------------------------------------------------


def forward_pass(root: Value, tangents: dict[Value, Any], create_graph: bool = False) -> Any:
    """The tangent of `root`, given the tangents of some nodes below it (node -> dx).

    The nodes are taken parents first (`toposort`), each pushing its inputs' tangents through
    the JVP rules: forward mode. The result is None if `root` depends on no node with a tangent.
    """
    tangents = dict(tangents)
    mode = _grad_enabled.set(create_graph)
    try:
        for node in toposort(root, graph_parents):
            if node._op is not None and node not in tangents:
                t = _push_forward(node, tangents, create_graph)
                if t is not None:
                    tangents[node] = t
    finally:
        _grad_enabled.reset(mode)
    return tangents.get(root)


def _push_forward(node: Value, tangents: dict[Value, Any], create_graph: bool) -> Any:
    """The tangent of `node` from its inputs' tangents (None if none of them has one)."""
    prim, inputs, params = node._op, node._inputs, node._params
    assert prim is not None
    ts = [tangents.get(a) if a.__class__ is Value else None for a in inputs]
    if all(t is None for t in ts):
        return None
    ans, args = (node, inputs) if create_graph else (node.data, _data_of_each(inputs))
    if callable(prim.jvps):  # one rule for every input
        out = _call(prim.jvps, ts, ans, args, params)
    else:  # a rule for each input that has a tangent; their contributions add up
        parts = [_call(prim.jvps[i], t, ans, args, params) for i, t in enumerate(ts) if t is not None]
        out = sum(parts[1:], start=parts[0])
    return out if shape_of(out) == shape_of(node.data) else _p.broadcast_to(out, shape_of(node.data))


# --- gradients handed to the user ------------------------------------------------------------------

_leaf_grads_lock = threading.Lock()


def _like(g: Any, node: Value) -> Any:
    """`g` in the type and dtype of `node`'s data: float32 data gets float32 gradients, a
    Python float a Python float."""
    if node.data.__class__ is float and g.__class__ is not Value:
        return g if g.__class__ is float else float(g)
    dtype = getattr(g, "dtype", None)
    want = getattr(node.data, "dtype", _FLOAT64)
    if dtype is None or dtype is want or dtype == want:
        return g
    return g.astype(want)


def _owned(g: Any, node: Value, visible: set[int]) -> Any:
    """`g` in `node`'s dtype, copied when it could alias an array the user already sees
    (another node's stored gradient, or a read-only broadcast view)."""
    data = node.data
    if not (g.__class__ is _ndarray and data.__class__ is _ndarray and g.dtype is data.dtype):
        g = _like(g, node)  # (arrays of the node's dtype, the common case, need no call)
    if g.__class__ is _ndarray:
        base = g.base
        if id(g) in visible or (base is not None and (id(base) in visible or not g.flags.writeable)):
            g = g.copy()
            base = None
        visible.add(id(g))
        if base is not None:
            visible.add(id(base))
    return g


# --- Value ---------------------------------------------------------------------------------------------


class Value:
    """A node of a computational graph: `data` (a float or a NumPy array) and its `grad`.

    `grad` is dC/d(this node) after a backward pass from C has reached it, else None.
    Leaves that require grad accumulate into `grad` across backward passes.
    """

    __slots__ = (
        "data", "grad", "requires_grad", "label", "_op", "_inputs", "_params", "_retain", "__weakref__",
    )
    __array_priority__ = 1000.0
    _op: Primitive | None
    _inputs: tuple
    _params: dict

    def __init__(self, data: Any, requires_grad: bool = True, label: str | None = None) -> None:
        self.data = as_data(data)
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.label = label
        self._op = None
        self._inputs = ()
        self._params = _NO_PARAMS
        self._retain = False

    # --- descriptive -------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of `data` (() for a scalar)."""
        return shape_of(self.data)

    @property
    def ndim(self) -> int:
        """The number of dimensions of `data`."""
        return len(shape_of(self.data))

    @property
    def size(self) -> int:
        """The number of elements of `data`."""
        return math.prod(self.shape)

    @property
    def dtype(self) -> np.dtype:
        """The dtype of `data` (float64 for a Python float)."""
        return getattr(self.data, "dtype", np.dtype(np.float64))

    @property
    def is_leaf(self) -> bool:
        """True for a node made by the user rather than by an operation."""
        return self._op is None

    @property
    def parents(self) -> tuple[Value, ...]:
        """The nodes this one was computed from that need a gradient (() for a leaf)."""
        return tuple(graph_parents(self))

    @property
    def inputs(self) -> tuple:
        """Every input of the primitive that made this node, in order: the inputs that need a
        gradient as their Values, the others (constants, such as the 1 of b + 1) as their data."""
        return self._inputs

    @property
    def params(self) -> dict[str, Any]:
        """The keyword parameters the primitive that made this node was called with (axis, ...)."""
        return dict(self._params)

    @property
    def op(self) -> str | None:
        """The name of the primitive that made this node (None for a leaf)."""
        return self._op.name if self._op is not None else None

    def __repr__(self) -> str:
        data = self.data
        shown = repr(float(data)) if self.ndim == 0 else f"shape={self.shape}, dtype={self.dtype}"
        parts = [shown]
        if self._op is not None:
            parts.append(f"op={self._op.name!r}")
        elif not self.requires_grad:
            parts.append("requires_grad=False")
        if self.label:
            parts.append(f"label={self.label!r}")
        return f"Value({', '.join(parts)})"

    def __format__(self, spec: str) -> str:
        if not spec:
            return str(self)
        if self.ndim != 0:
            raise TypeError(f"format spec {spec!r} needs a scalar Value; this one has shape {self.shape}")
        return format(self.data, spec)

    def item(self) -> float:
        """The single number this Value holds, as a Python float."""
        if self.size != 1:
            raise ValueError(f"item() needs a Value with one element; this one has shape {self.shape}")
        return float(np.asarray(self.data).reshape(()))

    def numpy(self) -> np.ndarray:
        """`data` as a NumPy array (sharing its memory), for a Value that does not require grad."""
        if self.requires_grad:
            raise TypeError(
                "numpy() of a Value that requires grad would drop its graph; use .data or .detach()"
            )
        return np.asarray(self.data)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if self.requires_grad:
            raise TypeError(
                "np.asarray() of a Value that requires grad would drop its graph; use .data or .detach() "
                "(a function written in Python that converts its input, such as scipy.stats' or "
                "scipy.special.logsumexp, has a differentiable twin in autograd_core.scipy)"
            )
        array = np.asarray(self.data, dtype=dtype)
        return array.copy() if copy else array

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a scalar Value")
        return self.shape[0]

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        return self.item()

    # --- gradients -----------------------------------------------------------------------
    def detach(self) -> Value:
        """A new leaf holding the same data, cut from the graph (requires_grad=False)."""
        return Value(self.data, requires_grad=False, label=self.label)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient: `grad` becomes None."""
        self.grad = None

    def retain_grad(self) -> Value:
        """Ask backward passes to leave this (non-leaf) node's gradient in `grad`."""
        self._retain = True
        return self

    def backward(
        self,
        gradient: Any = None,
        *,
        retain_grads: bool = False,
        create_graph: bool = False,
    ) -> None:
        """Backpropagate from this node: every leaf L that requires grad gets dC/dL added
        to `L.grad`, where C is this node (or, with `gradient`, C = sum(gradient * this)).

        `retain_grads=True` also assigns to every other node of the graph its gradient of
        this pass; `create_graph=True` records the backward pass so it can be differentiated.
        Passes in several threads may share leaves: each adds its gradients under a lock.
        If a rule fails, no `grad` is changed.

        The rules read each input's `data` when the pass runs. Changing a Value's `data` (in
        place, or binding a new array) between building this node and calling backward()
        gives gradients at the new data for an output computed at the old: nothing detects
        it, so build the graph again after changing a parameter.
        """
        if not self.requires_grad:
            raise ValueError("backward(): this Value does not depend on any Value with requires_grad=True")
        grads = reverse_pass(self, self._seed(gradient), create_graph=create_graph, keep_all=retain_grads)
        visible: set[int] = set()
        with _leaf_grads_lock:
            for node, g in grads.items():
                g = _owned(g, node, visible)
                if node._op is not None:
                    node.grad = g  # this pass's gradient, never added to an earlier one
                else:
                    node.grad = g if node.grad is None else node.grad + g

    def _seed(self, gradient: Any) -> Any:
        data = self.data
        if gradient is None:
            if getattr(data, "size", 1) != 1:
                raise ValueError(
                    f"backward() on a non-scalar Value of shape {self.shape} needs a "
                    "gradient argument of that shape (dC/d of this Value)"
                )
            return ones_like(data)
        if isinstance(gradient, Value):
            gradient = gradient.data
        seed = np.array(gradient, dtype=self.dtype)
        if seed.shape != self.shape:
            raise ValueError(
                f"backward(): gradient has shape {seed.shape} but the Value has shape {self.shape}"
            )
        return seed

    # --- comparisons: elementwise on the data, plain booleans; hashing by identity ---------
    def __eq__(self, other: object) -> Any:  # type: ignore[override]
        return self.data == data_of(other)

    def __ne__(self, other: object) -> Any:  # type: ignore[override]
        return self.data != data_of(other)

    def __lt__(self, other: Any) -> Any:
        return self.data < data_of(other)

    def __le__(self, other: Any) -> Any:
        return self.data <= data_of(other)

    def __gt__(self, other: Any) -> Any:
        return self.data > data_of(other)

    def __ge__(self, other: Any) -> Any:
        return self.data >= data_of(other)

    __hash__ = object.__hash__

    # --- arithmetic: thin calls into the registry ------------------------------------------
    def __add__(self, other: Any) -> Value:
        return _p.add.binary(self, other)

    def __radd__(self, other: Any) -> Value:
        return _p.add.binary(other, self)

    def __sub__(self, other: Any) -> Value:
        return _p.sub.binary(self, other)

    def __rsub__(self, other: Any) -> Value:
        return _p.sub.binary(other, self)

    def __mul__(self, other: Any) -> Value:
        return _p.mul.binary(self, other)

    def __rmul__(self, other: Any) -> Value:
        return _p.mul.binary(other, self)

    def __truediv__(self, other: Any) -> Value:
        return _p.div.binary(self, other)

    def __rtruediv__(self, other: Any) -> Value:
        return _p.div.binary(other, self)

    def __pow__(self, other: Any) -> Value:
        return _p.power.binary(self, other)

    def __rpow__(self, other: Any) -> Value:
        return _p.power.binary(other, self)

    def __matmul__(self, other: Any) -> Value:
        return _p.matmul.binary(self, other)

    def __rmatmul__(self, other: Any) -> Value:
        return _p.matmul.binary(other, self)

    def __neg__(self) -> Value:
        return _p.neg(self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _p.abs(self)

    def __getitem__(self, index: Any) -> Value:
        return _p.getitem(self, index)

    # --- NumPy interoperability: ufuncs and a few functions map to primitives --------------
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return _p.apply_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        return _p.apply_function(func, args, kwargs)

    # --- methods ----------------------------------------------------------------------------
    def sum(self, axis: Any = None, keepdims: bool = False) -> Value:
        """Sum over `axis` (all axes by default)."""
        return _p.sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Value:
        """Mean over `axis` (all axes by default)."""
        return _p.mean(self, axis=axis, keepdims=keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Value:
        """Maximum over `axis`; ties share the gradient equally."""
        return _p.max(self, axis=axis, keepdims=keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> Value:
        """Minimum over `axis`; ties share the gradient equally."""
        return _p.min(self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape: Any) -> Value:
        """The same numbers in a new shape (`x.reshape(2, 3)` or `x.reshape((2, 3))`)."""
        if len(shape) == 1 and isinstance(shape[0], tuple | list):
            shape = tuple(shape[0])
        return _p.reshape(self, shape)

    def transpose(self, *axes: Any) -> Value:
        """Axes permuted (reversed by default)."""
        order = axes[0] if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], tuple | list)) else axes
        return _p.transpose(self, order or None)

    @property
    def T(self) -> Value:
        """The transpose (axes reversed)."""
        return _p.transpose(self, None)

    def swapaxes(self, axis1: int, axis2: int) -> Value:
        """`axis1` and `axis2` interchanged."""
        return _p.swapaxes(self, axis1, axis2)

    def squeeze(self, axis: Any = None) -> Value:
        """Without its axes of size 1 (or just `axis`)."""
        return _p.squeeze(self, axis)

    def exp(self) -> Value:
        """e ** x, elementwise."""
        return _p.exp(self)

    def log(self) -> Value:
        """Natural logarithm, elementwise."""
        return _p.log(self)

    def sqrt(self) -> Value:
        """Square root, elementwise."""
        return _p.sqrt(self)

    def tanh(self) -> Value:
        """Hyperbolic tangent, elementwise."""
        return _p.tanh(self)

    def sigmoid(self) -> Value:
        """sigma(z) = 1 / (1 + e^-z), elementwise, computed stably."""
        return _p.sigmoid(self)

    def relu(self) -> Value:
        """max(z, 0), elementwise."""
        return _p.relu(self)

    def abs(self) -> Value:
        """|x|, elementwise."""
        return _p.abs(self)

    # --- ndarray methods: elementwise and reductions --------------------------------------------
    def __mod__(self, other: Any) -> Value:
        """self % other: the remainder with the sign of the divisor, as NumPy's."""
        return _p.remainder(self, other)

    def __rmod__(self, other: Any) -> Value:
        """other % self: the remainder with the sign of the divisor, as NumPy's."""
        return _p.remainder(other, self)

    def clip(self, min: Any = None, max: Any = None) -> Value:
        """The data limited to [min, max] elementwise (either may be None)."""
        return _p.clip(self, min, max)

    def round(self, decimals: int = 0) -> Value:
        """Rounded to `decimals` decimal places (halves to even); derivative 0."""
        return _p.round(self, decimals)

    def astype(self, dtype: Any) -> Any:
        """Converted to a float `dtype` (a Value), or to an integer or boolean one (plain data)."""
        return _p.astype(self, dtype)

    def prod(self, axis: Any = None, keepdims: bool = False) -> Value:
        """Product over `axis` (all axes by default)."""
        return _p.prod(self, axis=axis, keepdims=keepdims)

    def var(self, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Value:
        """Variance over `axis`, dividing by N - ddof."""
        return _p.var(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def std(self, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Value:
        """Standard deviation over `axis`, dividing the variance by N - ddof."""
        return _p.std(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def cumsum(self, axis: int | None = None) -> Value:
        """Running sums along `axis` (of the flattened data by default)."""
        return _p.cumsum(self, axis=axis)

    def cumprod(self, axis: int | None = None) -> Value:
        """Running products along `axis` (of the flattened data by default)."""
        return _p.cumprod(self, axis=axis)

    def argmax(self, axis: int | None = None, *, keepdims: bool = False) -> Any:
        """Index of the largest element (over `axis`), a plain integer array."""
        return _p.argmax(self, axis=axis, keepdims=keepdims)

    def argmin(self, axis: int | None = None, *, keepdims: bool = False) -> Any:
        """Index of the smallest element (over `axis`), a plain integer array."""
        return _p.argmin(self, axis=axis, keepdims=keepdims)

    def all(self, axis: Any = None, keepdims: bool = False) -> Any:
        """Whether every element (over `axis`) is nonzero, as plain booleans."""
        return _p.all(self, axis=axis, keepdims=keepdims)

    def any(self, axis: Any = None, keepdims: bool = False) -> Any:
        """Whether some element (over `axis`) is nonzero, as plain booleans."""
        return _p.any(self, axis=axis, keepdims=keepdims)

    # --- ndarray methods: linear algebra, shapes and indexing ----------------------------------
    def dot(self, b: Any, out: None = None) -> Value:
        """The dot product with b, as numpy.dot."""
        return _p.dot(self, b, out=out)

    def ravel(self, order: str = "C") -> Value:
        """The elements in one dimension, read in `order`."""
        return _p.ravel(self, order)

    def flatten(self, order: str = "C") -> Value:
        """The elements in one dimension, read in `order` (as ravel)."""
        return _p.ravel(self, order)

    def diagonal(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Value:
        """The `offset` diagonal of the planes of axes axis1 and axis2, as the last axis."""
        return _p.diagonal(self, offset, axis1, axis2)

    def trace(
        self, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None, out: None = None
    ) -> Value:
        """The sum along the `offset` diagonal of axes axis1 and axis2."""
        return _p.trace(self, offset, axis1, axis2, dtype, out)

    def repeat(self, repeats: Any, axis: int | None = None) -> Value:
        """Each element repeated `repeats` times along `axis` (of the flattened array if None)."""
        return _p.repeat(self, repeats, axis)

    def take(self, indices: Any, axis: int | None = None, out: None = None, mode: str = "raise") -> Value:
        """The elements at `indices` along `axis` (of the flattened array if None)."""
        return _p.take(self, indices, axis, out, mode)

    def argsort(self, axis: int | None = -1, kind: str | None = None, order: None = None) -> np.ndarray:
        """The indices that sort the data along `axis`, a plain integer array."""
        return _p.argsort(self, axis, kind, order)

    def argpartition(
        self, kth: Any, axis: int | None = -1, kind: str = "introselect", order: None = None
    ) -> np.ndarray:
        """The indices that partition the data around its kth element(s), a plain integer array."""
        return _p.argpartition(self, kth, axis, kind, order)


from . import primitives as _p  # noqa: E402  (the registry needs Value defined first)
