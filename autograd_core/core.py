"""The node type `Value`, how a primitive records a node, and the two sweeps over a graph.

A `Value` is a node of a computational graph. A leaf is made by the user; every other
node is made by a `Primitive` (see the registry, `primitives/`) and remembers the primitive (`_op`), its
inputs (`_x`, `_y`, `_more`: a parent that needs a gradient as its Value, anything else as
raw data) and its keyword parameters (`_params`). Nothing here holds a reference from a parent
to a child and no rule captures the node it belongs to, so a graph is freed by reference
counting alone.

The reverse pass (`reverse_pass`) visits the graph once in reverse topological order and
adds up each node's gradient in one place; the forward sweep (`forward_pass`) visits it
once in topological order, for forward mode.
"""

from __future__ import annotations

import contextlib
import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

_grad_enabled = [True]


def is_grad_enabled() -> bool:
    """True when primitives record graph nodes (the default)."""
    return _grad_enabled[0]


@contextlib.contextmanager
def _grad_mode(enabled: bool) -> Iterator[None]:
    previous = _grad_enabled[0]
    _grad_enabled[0] = enabled
    try:
        yield
    finally:
        _grad_enabled[0] = previous


def no_grad() -> contextlib.AbstractContextManager[None]:
    """Context manager: inside it, operations compute values but record no graph."""
    return _grad_mode(False)


def enable_grad() -> contextlib.AbstractContextManager[None]:
    """Context manager: inside it, operations record the graph (undoes `no_grad`)."""
    return _grad_mode(True)


_NUMERIC_KINDS = "biuf"
# NumPy's array type, read from the module once: `np` has a module-level __getattr__, so
# Python 3.11 cannot cache `np.ndarray` lookups, and each one costs a dictionary search.
_ndarray = np.ndarray
_PLAIN_NUMBERS = frozenset({float, int, np.float64, np.float32})
_FLOAT64 = np.dtype(np.float64)


def as_data(data: Any, what: str = "Value data") -> Any:
    """The float or float array a `Value` holds for `data`: ints and bools become float64,
    float16/32/64 keep their dtype; anything else is a `TypeError` that names it."""
    if type(data) is float or (data.__class__ is _ndarray and data.dtype.kind == "f"):
        return data
    if isinstance(data, Value):
        raise TypeError(f"{what} must be a number or a NumPy array, not a Value (use .data)")
    if isinstance(data, bool | int | float) and not isinstance(data, np.generic):
        return float(data)
    array = data if isinstance(data, np.ndarray | np.generic) else None
    if array is None:
        if not isinstance(data, list | tuple):
            raise TypeError(
                f"{what} must be a number or a numeric NumPy array, not {type(data).__name__}"
            )
        array = np.asarray(data)
    if array.dtype.kind not in _NUMERIC_KINDS:
        raise TypeError(
            f"{what} must be real numbers; got an array of dtype {array.dtype} "
            "(strings, objects and complex numbers are not supported)"
        )
    if array.dtype.kind != "f":
        array = array.astype(np.float64)
    return array


def shape_of(x: Any) -> tuple[int, ...]:
    """The shape of a Value, array, NumPy scalar or Python number (() for a number)."""
    return x.shape if x.__class__ is _ndarray else getattr(x, "shape", ())


def ones_like(data: Any) -> Any:
    """1 in the type, dtype and shape of `data` (the seed dC/dC of a backward pass)."""
    return np.ones_like(data) if data.__class__ is _ndarray else type(data)(1.0)


def data_of(x: Any) -> Any:
    """The raw data of a Value, or `x` itself."""
    return x.data if isinstance(x, Value) else x


class Primitive:
    """A differentiable operation: a NumPy forward and, for each input, a VJP and a JVP rule.

    Calling it on plain numbers or arrays just runs the forward. Calling it on Values
    returns a Value; when some input requires grad (and grad mode is on) that Value is a
    graph node which remembers how it was made.
    """

    __slots__ = ("name", "forward", "vjps", "jvps", "broadcasts")

    def __init__(
        self,
        name: str,
        forward: Callable[..., Any],
        vjps: Any,
        jvps: Any,
        broadcasts: bool = False,
    ) -> None:
        self.name = name
        self.forward = forward
        self.vjps = vjps
        self.jvps = jvps
        self.broadcasts = broadcasts

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"

    def __call__(self, *args: Any, **params: Any) -> Any:
        if not params:
            if len(args) == 2:
                return self.binary(args[0], args[1])
            if len(args) == 1 and args[0].__class__ is Value:
                return self.unary(args[0])
        inputs = []
        datas = []
        has_value = needs_grad = False
        for a in args:
            if a.__class__ is Value:
                has_value = True
                datas.append(a.data)
                if a.requires_grad:
                    needs_grad = True
                    inputs.append(a)
                else:
                    inputs.append(a.data)
            else:
                a = _operand(a, self.name)
                datas.append(a)
                inputs.append(a)
        if not has_value:  # plain numbers and arrays in (lists made arrays), plain out: no graph
            return self.forward(*datas, **params)
        try:
            ans = self.forward(*datas, **params)
        except ValueError as error:
            raise self._refusal(datas, error) from None
        if not (needs_grad and _grad_enabled[0]):
            return _node(ans, None, None, _UNARY, None, None)
        more = tuple(inputs[2:]) if len(inputs) > 2 else None
        return _node(ans, self, inputs[0], inputs[1] if len(inputs) > 1 else _UNARY, more, params or None)

    def _refusal(self, datas: Sequence[Any], error: ValueError) -> ValueError:
        """The error for operands the forward refused, naming this primitive and their shapes."""
        if len(datas) == 1:
            return ValueError(f"{self.name} of an operand with shape {shape_of(datas[0])}: {error}")
        shapes = " and ".join(str(shape_of(d)) for d in datas)
        return ValueError(f"{self.name} of operands with shapes {shapes}: {error}")

    def unary(self, x: Value) -> Value:
        """The primitive of one Value input and no parameters (the fast path of Value methods)."""
        try:
            ans = self.forward(x.data)
        except ValueError as error:
            raise self._refusal((x.data,), error) from None
        if x.requires_grad and _grad_enabled[0]:
            return _node(ans, self, x, _UNARY, None, None)
        return _node(ans, None, None, _UNARY, None, None)

    def binary(self, x: Any, y: Any) -> Any:
        """The primitive of two inputs and no parameters (the fast path of Value operators)."""
        if x.__class__ is Value:
            xd = x.data
            if not x.requires_grad:
                x = xd
        elif y.__class__ is not Value:  # no Value at all: plain in (lists made arrays), plain out
            return self.forward(_operand(x, self.name), _operand(y, self.name))
        else:
            xd = x = x if x.__class__ is float else _operand(x, self.name)
        if y.__class__ is Value:
            yd = y.data
            if not y.requires_grad:
                y = yd
        else:
            yd = y = y if y.__class__ is float else _operand(y, self.name)
        try:
            ans = self.forward(xd, yd)
        except ValueError as error:
            raise self._refusal((xd, yd), error) from None
        if (x is not xd or y is not yd) and _grad_enabled[0]:
            return _node(ans, self, x, y, None, None)
        return _node(ans, None, None, _UNARY, None, None)

    def ternary(self, x: Any, y: Any, z: Any) -> Any:
        """The primitive of three inputs and no parameters (the fast path of `linear`)."""
        xd = x.data if x.__class__ is Value else _operand(x, self.name)
        yd = y.data if y.__class__ is Value else _operand(y, self.name)
        zd = z.data if z.__class__ is Value else _operand(z, self.name)
        if x.__class__ is not Value and y.__class__ is not Value and z.__class__ is not Value:
            return self.forward(xd, yd, zd)  # no Value at all: plain in, plain out
        try:
            ans = self.forward(xd, yd, zd)
        except ValueError as error:
            raise self._refusal((xd, yd, zd), error) from None
        if x.__class__ is not Value or not x.requires_grad:  # a constant is stored as its data
            x = xd
        if y.__class__ is not Value or not y.requires_grad:
            y = yd
        if z.__class__ is not Value or not z.requires_grad:
            z = zd
        if (x is not xd or y is not yd or z is not zd) and _grad_enabled[0]:
            return _node(ans, self, x, y, (z,), None)
        return _node(ans, None, None, _UNARY, None, None)


def _operand(a: Any, op: str) -> Any:
    """A non-Value operand, checked: a number or numeric array is a constant of the graph."""
    if a.__class__ in _PLAIN_NUMBERS or (a.__class__ is _ndarray and a.dtype.kind in _NUMERIC_KINDS):
        return a
    return _constant(a, op)


def _constant(a: Any, op: str) -> Any:
    """Check a non-Value operand: a number or numeric array is a constant of the graph."""
    if type(a) is float or type(a) is int or isinstance(a, np.ndarray | np.generic):
        dtype = getattr(a, "dtype", _FLOAT64)
        if dtype.kind not in _NUMERIC_KINDS:
            raise TypeError(f"{op}: operand has dtype {dtype}; only real numbers are supported")
        return a
    return as_data(a, f"{op}: an operand")


_new = object.__new__
_UNARY = type("_Unary", (), {"__repr__": lambda self: "<no second input>"})()
_PENDING = type("_Pending", (), {"__repr__": lambda self: "<reached, no gradient yet>"})()
_EXPANDED = type("_Expanded", (), {"__repr__": lambda self: "<reached, parents being walked>"})()


def _node(ans: Any, op: Primitive | None, x: Any, y: Any, more: tuple | None, params: dict | None) -> Value:
    """A new node made by `op` from inputs x, y, *more (with keyword `params`).

    An input that needs a gradient is stored as its Value (a parent); any other input as its
    raw data (a constant of the graph). The inputs live in slots, not in a tuple, so a node
    of one or two inputs is a single object for the garbage collector to track (it was about
    four), and scalar graphs of many thousands of nodes cost the collector far less.
    """
    v = _new(Value)
    v.data = ans
    v.grad = None
    v.requires_grad = op is not None
    v.label = None
    v._op = op
    v._x = x
    v._y = y
    v._more = more
    v._params = params
    v._retain = False
    v._g = None
    return v


def toposort(root: Any, parents: Callable[[Any], Iterable[Any]]) -> list[Any]:
    """Every node reachable from `root` through `parents`, each after all its parents.

    Iterative depth-first search with an explicit stack, so a chain of a million nodes
    needs no recursion: a node is expanded when first popped (its parents pushed above a
    marker), and listed when the marker comes back up, after all its parents. `viz` draws
    graphs with the same function.
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


def graph_parents(node: Value) -> tuple[Value, ...]:
    """The parent nodes of `node` that need a gradient, in input order (none for a leaf)."""
    if node._op is None:
        return ()
    return tuple(a for a in _inputs(node) if a.__class__ is Value)


def _inputs(node: Value) -> tuple:
    """A node's inputs as it stores them: parents as Values, constants as raw data."""
    y = node._y
    if y is _UNARY:
        return (node._x,)
    more = node._more
    return (node._x, y) if more is None else (node._x, y, *more)


def _raw(inputs: tuple) -> tuple:
    """The inputs' raw data (what the rules take in an ordinary backward pass)."""
    return tuple([a.data if a.__class__ is Value else a for a in inputs])


_NO_PARAMS: dict = {}


def _unbroadcast(c: Any, shape: tuple[int, ...]) -> Any:
    """Sum a gradient of a broadcast shape back to `shape`, the shape of the input it flows
    into. The reverse pass calls it, in one place, whenever the shapes differ: a rule never
    has to think about broadcasting."""
    c_shape = c.shape
    lead = len(c_shape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + k for k, n in enumerate(shape) if n == 1 and c_shape[lead + k] != 1
    )
    return c.sum(axis=axes, keepdims=True).reshape(shape) if axes else c.reshape(shape)


def _like(g: Any, node: Value) -> Any:
    """`g` in the dtype of `node`'s data, so float32 data gets float32 gradients."""
    if g.__class__ is float and node.data.__class__ is float:
        return g
    dtype = getattr(g, "dtype", None)
    want = getattr(node.data, "dtype", _FLOAT64)
    if dtype is None or dtype is want or dtype == want:
        return g
    return g.astype(want)


def reverse_pass(
    root: Value,
    seed: Any,
    create_graph: bool = False,
    stop_at: set | None = None,
    visit_all: bool = False,
) -> list[tuple[Value, Any]]:
    """Backpropagate `seed` (dC/droot) through the graph below `root`.

    The nodes reachable from `root` are taken children first (in reverse topological order),
    so each node's gradient is complete when it is reached; it is then
    passed to the node's parents through the primitive's VJP rules. Returned, in the order
    reached, are (node, gradient) for the leaves, for the nodes in `stop_at` (which pass
    nothing on), for the nodes that asked for `retain_grad()`, and for every node if
    `visit_all`. With `create_graph` the rules run on Values and record the backward pass as
    a new graph (for higher derivatives); otherwise they run on raw arrays.

    While the pass runs, each node's gradient so far is kept on the node (`_g`) rather than
    in a dictionary; a node hands it on and forgets it when it is reached, and an error
    clears every mark, so nothing is left behind. Passes that share nodes therefore run one
    after another (as nested `grad` calls do), never at the same time in two threads.
    The rules read a parent's `data` when the pass reaches it: rebinding a parent's `data`
    between the forward and the backward pass changes the gradient accordingly.
    """
    nodes: list[Value] = []  # made by a primitive: they pass their gradient on
    leaves: list[Value] = []  # made by the user: they only receive one
    reached: list[tuple[Value, Any]] = []
    previous = _grad_enabled[0]
    try:
        if root._op is None:
            leaves.append(root)
        else:
            _reach(root, nodes, leaves, stop_at)
            nodes.reverse()  # children first
        root._g = seed
        _grad_enabled[0] = create_graph
        stop: set | frozenset = stop_at or frozenset()
        for node in nodes:
            g = node._g
            node._g = None
            if node._retain or visit_all or (stop and node in stop):
                reached.append((node, g))
                if stop and node in stop:
                    continue
            prim = node._op
            assert prim is not None  # (`nodes` holds no leaf)
            if node._more is not None or node._params is not None:
                _backprop_general(node, prim, g, create_graph)
                continue
            # One or two inputs, no parameters (most nodes): written out here, not called.
            x, y, vjps = node._x, node._y, prim.vjps
            if y is _UNARY:
                _add_to(x, vjps[0](g, node, x) if create_graph else vjps[0](g, node.data, x.data), prim)
                continue
            x_is_node = x.__class__ is Value
            y_is_node = y.__class__ is Value
            if create_graph:
                ans, xd, yd = node, x, y
            else:
                ans, xd, yd = node.data, x.data if x_is_node else x, y.data if y_is_node else y
            if x_is_node:
                _add_to(x, vjps[0](g, ans, xd, yd), prim)
            if y_is_node:
                _add_to(y, vjps[1](g, ans, xd, yd), prim)
        for leaf in leaves:
            reached.append((leaf, leaf._g))
            leaf._g = None
    except BaseException:
        for node in itertools.chain(nodes, leaves):
            node._g = None
        raise
    finally:
        _grad_enabled[0] = previous
    return reached


def _reach(root: Value, nodes: list[Value], leaves: list[Value], stop_at: set | None) -> None:
    """List in `nodes` the root (not a leaf) and every node it depends on through parents,
    each after all its parents, and in `leaves` every leaf it depends on, marking each as
    reached (`_PENDING`); the parents of nodes in `stop_at` are not followed.

    The depth-first walk of `toposort`, with the marks kept on the nodes (`_g`) instead of in
    a set and the leaves kept apart: a node is pushed while unmarked, marked `_EXPANDED` and
    pushed again beneath its unmarked parents when it first comes up, and listed when it
    comes up the second time. (Sorting the nodes by a counter of creation instead, as
    before, cost a counter and a slot on every node: a tenth of a scalar graph's time.) If
    the walk is interrupted, the nodes on its stack are unmarked here; the caller unmarks the
    nodes and leaves already listed.
    """
    stack = [root]
    pop, push, listed = stack.pop, stack.append, nodes.append
    try:
        while stack:
            node = pop()
            mark = node._g
            if mark is None:  # first time up: walk its parents
                if stop_at and node in stop_at:
                    node._g = _PENDING
                    listed(node)
                    continue
                node._g = _EXPANDED
                push(node)
                for p in (node._x, node._y) if node._more is None else _inputs(node):
                    if p.__class__ is Value and p._g is None:
                        if p._op is None:
                            p._g = _PENDING
                            leaves.append(p)
                        else:
                            push(p)
            elif mark is _EXPANDED:  # second time up: its parents are listed
                node._g = _PENDING
                listed(node)
            # (else a node pushed twice, by two children, comes up again after it was listed)
    except BaseException:
        for node in stack:
            node._g = None
        raise


def _backprop_general(node: Value, prim: Primitive, g: Any, create_graph: bool) -> None:
    """Pass g on to the parents of any node, through the rule of each parent's input."""
    inputs = _inputs(node)
    args, ans = (inputs, node) if create_graph else (_raw(inputs), node.data)
    params, vjps = node._params, prim.vjps
    for i, p in enumerate(inputs):
        if p.__class__ is Value:
            _add_to(p, vjps[i](g, ans, *args, **params) if params else vjps[i](g, ans, *args), prim)


def _add_to(p: Value, c: Any, prim: Primitive) -> None:
    """Add the contribution c (from a child made by `prim`) to the gradient of parent p."""
    if c.__class__ is not float and prim.broadcasts and c.shape != shape_of(p.data):
        c = _unbroadcast(c, shape_of(p.data))
    pg = p._g
    p._g = c if pg is _PENDING else pg + c  # the one place where gradients are added up


def forward_pass(root: Value, tangents: dict, create_graph: bool = False) -> Any:
    """Push the tangents of some nodes (`tangents`, node -> dx) forward to `root`.

    One sweep in topological order through the primitives' JVP rules: forward mode. A node
    that depends on no node with a tangent gets none; the result is None if `root` doesn't.
    """
    with _grad_mode(create_graph):
        for node in toposort(root, graph_parents):
            prim = node._op
            if prim is None or node in tangents:
                continue
            inputs = _inputs(node)
            args, ans = (inputs, node) if create_graph else (_raw(inputs), node.data)
            params = node._params or _NO_PARAMS
            out = None
            for i, p in enumerate(inputs):
                t = tangents.get(p) if p.__class__ is Value else None
                if t is not None:
                    c = prim.jvps[i](t, ans, *args, **params)
                    if shape_of(c) != shape_of(node.data):
                        c = _p.broadcast_to(c, shape_of(node.data))
                    out = c if out is None else out + c
            if out is not None:
                tangents[node] = out
    return tangents.get(root)


def _owned(g: Any, node: Value, visible: set[int]) -> Any:
    """`g` in `node`'s dtype, copied when it could alias an array the user already sees
    (another node's stored gradient, or a read-only broadcast view)."""
    data = node.data
    if not (g.__class__ is _ndarray and data.__class__ is _ndarray and g.dtype is data.dtype):
        g = _like(g, node)  # (the common case, arrays of one dtype, needs no call)
    if g.__class__ is _ndarray:
        base = g.base
        if id(g) in visible or (base is not None and (id(base) in visible or not g.flags.writeable)):
            g = g.copy()
            base = None
        visible.add(id(g))
        if base is not None:
            visible.add(id(base))
    return g


class Value:
    """A node of a computational graph: `data` (a float or a NumPy array) and its `grad`.

    `grad` is dC/d(this node) after a backward pass from C has reached it, else None.
    Leaves that require grad accumulate into `grad` across backward passes.
    """

    __slots__ = (
        "data", "grad", "requires_grad", "label", "_op", "_x", "_y", "_more", "_params", "_retain", "_g",
        "__weakref__",
    )
    __array_priority__ = 1000.0
    _op: Primitive | None
    _x: Any
    _y: Any
    _more: tuple | None
    _params: dict | None
    _g: Any

    def __init__(self, data: Any, requires_grad: bool = True, label: str | None = None) -> None:
        self.data = as_data(data)
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.label = label
        self._op = None
        self._x = None
        self._y = _UNARY
        self._more = None
        self._params = None
        self._retain = False
        self._g = None

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
        return graph_parents(self)

    @property
    def op(self) -> str | None:
        """The name of the primitive that made this node (None for a leaf)."""
        return self._op.name if self._op is not None else None

    def __repr__(self) -> str:
        name = f", label={self.label!r}" if self.label else ""
        grad = "" if self.grad is None else f", grad={self.grad!r}"
        return f"Value({self.data!r}{grad}{name})"

    def item(self) -> float:
        """The single number this Value holds, as a Python float."""
        if self.size != 1:
            raise ValueError(f"item() needs a Value with one element; this one has shape {self.shape}")
        return float(np.asarray(self.data).reshape(()))

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
        """
        if not self.requires_grad:
            raise ValueError(
                "backward(): this Value does not depend on any Value with requires_grad=True"
            )
        seed = self._seed(gradient)
        visible: set[int] = set()
        for node, g in reverse_pass(self, seed, create_graph=create_graph, visit_all=retain_grads):
            if node._op is None:
                g = _owned(g, node, visible)
                node.grad = g if node.grad is None else node.grad + g
            elif retain_grads or node._retain:
                node.grad = _owned(g, node, visible)

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

    # --- comparisons give plain booleans; == stays identity --------------------------------
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
        return _p.neg.unary(self)

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

    def exp(self) -> Value:
        """e ** x, elementwise."""
        return _p.exp.unary(self)

    def log(self) -> Value:
        """Natural logarithm, elementwise."""
        return _p.log.unary(self)

    def sqrt(self) -> Value:
        """Square root, elementwise."""
        return _p.sqrt.unary(self)

    def tanh(self) -> Value:
        """Hyperbolic tangent, elementwise."""
        return _p.tanh.unary(self)

    def sigmoid(self) -> Value:
        """sigma(z) = 1 / (1 + e^-z), elementwise, computed stably."""
        return _p.sigmoid.unary(self)

    def relu(self) -> Value:
        """max(z, 0), elementwise."""
        return _p.relu.unary(self)

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

    def squeeze(self, axis: Any = None) -> Value:
        """Without the axes of length 1 (or just `axis`)."""
        return _p.squeeze(self, axis)

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
