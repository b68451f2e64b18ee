"""The Value API: the reverse pass at scale, memory, dtypes, gradient bookkeeping, errors."""

import gc
import itertools
import tracemalloc
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core import Value, grad, no_grad
from autograd_core.core import graph_parents, reverse_pass
from autograd_core.testing import arrays, shapes


@pytest.fixture
def collector_off():
    """Python's cycle collector disabled: whatever is freed, reference counting freed."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# --- scale -----------------------------------------------------------------------------------


def test_a_million_node_chain_backpropagates_and_is_freed(collector_off):
    # The collector is off only to keep the test fast: with a million live nodes its full
    # passes cost seconds; the graph itself has no cycles and needs no collector.
    x = Value(0.5)
    y = x
    for _ in range(250_000):
        y = y * 1.0 + 1.0  # two nodes per round
    middle = weakref.ref(y)
    for _ in range(250_000):
        y = y * 1.0 + 1.0
    y.backward()
    assert x.grad == 1.0
    assert y.item() == 500_000.5
    del y  # a million-deep chain is freed without a recursion error
    assert middle() is None


# --- memory ----------------------------------------------------------------------------------


def _rounds_of_training(n: int, W: Value, b: Value, X: np.ndarray) -> None:
    for _ in range(n):
        A = ag.sigmoid(X @ W.T + b)
        cost = (A * A).mean() + ag.logsumexp(A, axis=1).sum()
        cost.backward(retain_grads=True)
        W.zero_grad()
        b.zero_grad()


def _rounds_of_nested_derivatives(n: int, x: np.ndarray) -> None:
    def f(v: Any) -> Any:
        return (ag.tanh(v) ** 3).sum()

    for _ in range(n):
        grad(lambda v: grad(f)(v).sum())(x)
        ag.hessian(f)(x)
        ag.jvp(f, (x,), (x,))


def _traced_growth(run: Callable[[int], None]) -> int:
    """Bytes still allocated after many rounds beyond what a few rounds leave."""
    run(5)  # warm up caches
    tracemalloc.start()
    try:
        run(10)
        baseline = tracemalloc.get_traced_memory()[0]
        run(200)
        return tracemalloc.get_traced_memory()[0] - baseline
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("collector", ["on", "off"])
def test_repeated_build_and_backward_does_not_grow_memory(collector):
    rng = np.random.default_rng(0)
    W, b = Value(rng.standard_normal((32, 64))), Value(rng.standard_normal(32))
    X = rng.standard_normal((16, 64))  # each round allocates tens of kilobytes
    if collector == "off":
        gc.disable()
    try:
        growth = _traced_growth(lambda n: _rounds_of_training(n, W, b, X))
    finally:
        gc.enable()
    assert growth < 50_000, f"memory grew by {growth} bytes over 200 rounds"


def test_repeated_nested_derivatives_do_not_grow_memory(collector_off):
    x = np.random.default_rng(1).standard_normal(8)
    growth = _traced_growth(lambda n: _rounds_of_nested_derivatives(n, x))
    assert growth < 50_000, f"memory grew by {growth} bytes over 200 rounds"


@pytest.mark.parametrize("retain", [False, True])
def test_a_dropped_graph_is_freed_by_reference_counting_alone(collector_off, retain):
    x = Value(np.arange(6.0).reshape(2, 3))
    hidden = ag.tanh(x @ np.ones((3, 4)))
    intermediates = [weakref.ref(hidden)]
    out = ag.softmax(hidden * hidden, axis=0)[0].sum()
    intermediates += [weakref.ref(n) for n in ag.toposort(out, graph_parents) if n is not x]
    out.backward(retain_grads=retain)
    del hidden
    assert all(ref() is not None for ref in intermediates)  # the root keeps its graph alive
    del out
    assert all(ref() is None for ref in intermediates)
    assert x.grad.shape == (2, 3)  # the leaf and its gradient stay


def test_a_scalar_node_is_a_single_object_for_the_garbage_collector(collector_off):
    # Scalar graphs are built by the ten thousand: every node tracked by the collector costs
    # time at each collection, so a node keeps its inputs in slots, not in tuples.
    a, b = Value(0.5), Value(-1.5)
    before = len(gc.get_objects())
    nodes = []
    x = a
    for _ in range(1000):
        x = (x * b + 1.0).tanh()
        nodes.append(x)
    tracked = len(gc.get_objects()) - before
    assert tracked <= 3000 + 50, f"{tracked} objects tracked for 3000 nodes"


def test_a_reverse_pass_that_fails_leaves_the_graph_ready_for_the_next_one():
    calls = {"n": 0}

    def failing_rule(g, ans, x):
        calls["n"] += 1
        raise RuntimeError("rule failed on purpose")

    failing = ag.Primitive("failing", lambda x: x * 1.0, (failing_rule,), (failing_rule,))
    w = Value(np.array([1.0, 2.0, 3.0]))
    shared = w * w
    with pytest.raises(RuntimeError, match="on purpose"):
        (failing(shared) + shared).sum().backward()
    assert calls["n"] == 1
    assert w.grad is None
    assert all(n._g is None for n in ag.toposort(shared, graph_parents))
    z = failing(shared)
    late = Value(np.ones(3))  # a leaf made after the failing node is reached before it
    with pytest.raises(RuntimeError, match="on purpose"):
        (z * late).sum().backward()
    assert late.grad is None, "a failed pass must leave no gradient behind, not part of one"
    (shared * 2.0).sum().backward()
    np.testing.assert_allclose(w.grad, 4.0 * w.data)


# --- dtypes ----------------------------------------------------------------------------------

FLOAT32_EXPRESSIONS: dict[str, Callable[[Value, Value], Value]] = {
    "affine sigmoid": lambda x, W: ag.sigmoid(x @ W.T + 1.0).sum(),
    "quadratic cost": lambda x, W: 0.5 * ((x @ W.T - 0.25) ** 2).mean(),
    "cross entropy": lambda x, W: -(ag.log_softmax(x @ W.T, axis=1)[:, 0]).mean(),
    "logsumexp": lambda x, W: ag.logsumexp(x @ W.T, axis=0).sum(),
    "softmax": lambda x, W: (ag.softmax(x @ W.T) * np.float32(2.0)).sum(),
    "elementwise": lambda x, W: (ag.exp(-x) + ag.sqrt(W[:2] * W[:2] + 1) ** 1.5 + ag.tanh(x).abs()).sum(),
    "maximum/where": lambda x, W: (ag.maximum(x, 0.0) + ag.where(x.data > 0, x, -x) / 2).sum(),
    "reductions": lambda x, W: x.max(axis=0).sum() + W.min() + x.mean(axis=1, keepdims=True).sum(),
    "shapes": lambda x, W: ag.concatenate([x.T, ag.expand_dims(W[0], 1)], axis=1).reshape(-1)[::2].sum(),
    "stack/broadcast": lambda x, W: ag.stack([x, ag.broadcast_to(W[:1, :], x.shape)]).swapaxes(0, 2).sum(),
    "division and relu": lambda x, W: (ag.relu(x) / (1.0 + W[:2] * W[:2])).sum(),
}


@pytest.mark.parametrize("name", list(FLOAT32_EXPRESSIONS))
def test_float32_stays_float32_through_forward_and_backward(name):
    rng = np.random.default_rng(2)
    x = Value(rng.standard_normal((2, 3)).astype(np.float32))
    W = Value(rng.standard_normal((4, 3)).astype(np.float32))
    out = FLOAT32_EXPRESSIONS[name](x, W)
    out.backward(retain_grads=True)
    for node in ag.toposort(out, graph_parents):
        assert node.dtype == np.float32, f"{node.op} made {node.dtype}"
        assert np.asarray(node.grad).dtype == np.float32, f"the gradient of {node.op} is {node.grad.dtype}"


@pytest.mark.parametrize(
    "data",
    [3, True, np.int32(-2), np.arange(4), np.array([[True, False]]), [1, 2, 3], np.uint8(200)],
    ids=lambda d: f"{type(d).__name__}",
)
def test_integer_and_boolean_input_becomes_float64(data):
    v = Value(data)
    assert v.dtype == np.float64
    np.testing.assert_array_equal(v.data, np.asarray(data, dtype=np.float64))
    (v * v).sum().backward()
    assert np.asarray(v.grad).dtype == np.float64
    np.testing.assert_array_equal(v.grad, 2 * np.asarray(data, dtype=np.float64))


def test_a_python_float_stays_a_python_float():
    a, b = Value(2.0), Value(1.0)
    e = (a + b) * (b + 1)
    e.backward()
    assert type(e.data) is float and type(a.grad) is float and type(b.grad) is float


# --- gradient bookkeeping -------------------------------------------------------------------


def test_grad_is_none_until_reached_and_leaves_accumulate():
    x, unused = Value(np.array([1.0, 2.0])), Value(3.0)
    constant = Value(4.0, requires_grad=False)
    y = (x * constant).sum()
    assert x.grad is None and y.grad is None
    y.backward()
    np.testing.assert_array_equal(x.grad, [4.0, 4.0])
    assert unused.grad is None and constant.grad is None and y.grad is None
    y.backward()
    np.testing.assert_array_equal(x.grad, [8.0, 8.0])
    x.zero_grad()
    assert x.grad is None


def test_retain_grad_keeps_the_gradient_of_one_intermediate_node():
    a, b = Value(2.0), Value(1.0)
    c, d = a + b, b + 1
    assert c.retain_grad() is c
    e = c * d
    e.backward()
    assert c.grad == 2.0 and d.grad is None and e.grad is None  # de/dc = d = 2
    e.backward()
    assert c.grad == 2.0  # assigned each pass, not added
    assert (a.grad, b.grad) == (4.0, 10.0)


def _graphs_prone_to_aliasing() -> dict[str, Callable[[Value, Value], Value]]:
    """Graphs whose rules pass a gradient through unchanged, or as a view of it."""
    return {
        "add passes g to both": lambda x, y: x + y,
        "same node twice": lambda x, y: x + x - y,
        "identity": lambda x, y: ag.primitives.identity(x) * 1.0 + y,
        "reshape and transpose views": lambda x, y: x.reshape(3, 2).T + y,
        "broadcast_to is read-only": lambda x, y: ag.broadcast_to(x[0], (2, 3)) + y,
        "sum broadcasts g back": lambda x, y: x.sum(axis=0, keepdims=True) + y,
        "basic indexing": lambda x, y: ag.concatenate([x[:1], y[1:]]),
        "neg of neg": lambda x, y: ag.neg(-x) + y,
    }


@pytest.mark.parametrize("name", list(_graphs_prone_to_aliasing()))
def test_retained_gradients_are_never_shared(name):
    x = Value(np.arange(6.0).reshape(2, 3))
    y = Value(np.ones((2, 3)))
    out = _graphs_prone_to_aliasing()[name](x, y)
    gradient = np.arange(6.0).reshape(2, 3) + 1.0
    kept = gradient.copy()
    out.backward(gradient, retain_grads=True)
    nodes = [n for n in ag.toposort(out, graph_parents) if n.grad is not None]
    assert {x, y, out} <= set(nodes)
    for a, b in itertools.combinations(nodes, 2):
        assert not np.shares_memory(a.grad, b.grad), (a.op, b.op)
    for n in nodes:
        assert not np.shares_memory(n.grad, gradient), n.op
        n.grad += 100.0  # writable, and changes nothing else
    np.testing.assert_array_equal(gradient, kept)
    np.testing.assert_array_equal(out.grad, kept + 100.0)


def test_a_leaf_gradient_does_not_alias_the_users_gradient_argument():
    x = Value(np.zeros(3))
    g = np.array([1.0, 2.0, 3.0])
    (x + 0.0).backward(g)
    x.grad *= 10
    np.testing.assert_array_equal(g, [1.0, 2.0, 3.0])


def test_backward_without_create_graph_builds_no_graph():
    x = Value(np.array([0.5, -1.0]))
    (ag.tanh(x) ** 3).sum().backward()
    assert isinstance(x.grad, np.ndarray)


def test_backward_with_create_graph_records_a_differentiable_gradient():
    x = Value(3.0)
    (x ** 3).backward(create_graph=True)
    first = x.grad  # 3 x^2 = 27, as a node of a new graph
    assert isinstance(first, Value) and first.item() == 27.0
    x.zero_grad()
    first.backward()
    assert x.grad == 18.0  # 6 x


def test_detach_shares_the_data_and_stops_the_gradient():
    x = Value(np.array([1.0, 2.0]), label="x")
    d = x.detach()
    assert d.data is x.data and not d.requires_grad and d.is_leaf and d.label == "x"
    (d * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 2.0])  # not 2 x
    assert d.grad is None


def test_no_grad_records_nothing_and_restores_the_mode():
    x = Value(2.0)
    with no_grad():
        y = x * x
        assert not ag.is_grad_enabled()
        with ag.enable_grad():
            z = x * x
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf and y.op is None and y.data == 4.0
    assert z.requires_grad and z.op == "mul"
    with pytest.raises(ValueError, match="requires_grad"):
        y.backward()
    with pytest.raises(RuntimeError), no_grad():
        raise RuntimeError("inside no_grad")
    assert ag.is_grad_enabled()


def test_item_shape_and_description():
    v = Value(np.ones((2, 3)), label="W")
    assert (v.shape, v.ndim, v.size, v.dtype, v.label) == ((2, 3), 2, 6, np.float64, "W")
    assert v.is_leaf and v.op is None and (v * 2).op == "mul"
    assert Value(np.array([[4.5]])).item() == 4.5
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        v.item()


METHODS = {
    "sum": lambda v: v.sum(), "mean": lambda v: v.mean(), "max": lambda v: v.max(), "min": lambda v: v.min(),
    "reshape": lambda v: v.reshape(3, 2), "transpose": lambda v: v.transpose(1, 0),
    "swapaxes": lambda v: v.swapaxes(0, 1), "exp": lambda v: v.exp(), "log": lambda v: v.log(),
    "sqrt": lambda v: v.sqrt(), "tanh": lambda v: v.tanh(), "sigmoid": lambda v: v.sigmoid(),
    "relu": lambda v: v.relu(), "abs": lambda v: v.abs(), "getitem": lambda v: v[0],
    "neg": lambda v: -v, "matmul": lambda v: v @ v.T,
}


@pytest.mark.parametrize("op", list(METHODS))
def test_methods_and_operators_are_thin_calls_into_the_registry(op):
    v = Value(np.arange(1.0, 7.0).reshape(2, 3))
    assert METHODS[op](v).op == op
    assert v.T.op == "transpose" and abs(v).op == "abs" and (+v) is v


# --- the fast paths of Primitive agree with its general path ---------------------------------

_KINDS = ("needs grad", "Value without grad", "plain array", "list")


def _as_kind(data: np.ndarray, kind: str) -> Any:
    if kind in ("plain array", "list"):
        return data if kind == "plain array" else data.tolist()
    return Value(data, requires_grad=kind == "needs grad")


def _what_linear_builds(args: list[Any], fast: bool) -> tuple:
    """(type, requires_grad, what each stored input is, data, gradients of the args) of linear."""
    prim = ag.primitives.linear_prim
    z = prim.ternary(*args) if fast else prim(*args)  # prim(...) takes the general path
    if not isinstance(z, Value):
        return type(z), None, None, z, None
    stored = None if z._op is None else [type(a).__name__ for a in (z._x, z._y, *z._more)]
    gradients = None
    if z.requires_grad:
        (z * z).sum().backward()
        gradients = [a.grad if isinstance(a, Value) else "constant" for a in args]
    return type(z), z.requires_grad, stored, z.data, gradients


@pytest.mark.parametrize("kinds", list(itertools.product(_KINDS, repeat=3)))
@pytest.mark.parametrize("grad_mode", [True, False])
def test_the_three_input_fast_path_builds_what_the_general_path_builds(kinds, grad_mode):
    # ag.linear (and so nn.Linear) calls linear_prim.ternary, a fast path written out for three inputs.
    rng = np.random.default_rng(0)
    datas = [rng.standard_normal((2, 3)), rng.standard_normal((4, 3)), rng.standard_normal(4)]
    built = []
    for fast in (True, False):
        args = [_as_kind(d, k) for d, k in zip(datas, kinds, strict=True)]
        with ag.enable_grad() if grad_mode else no_grad():
            built.append(_what_linear_builds(args, fast))
    (kind, requires_grad, stored, z, gradients), general = built
    assert (kind, requires_grad, stored) == general[:3]
    np.testing.assert_array_equal(z, general[3])
    assert (kind is Value) == any(k in ("needs grad", "Value without grad") for k in kinds)
    assert (requires_grad is True) == (grad_mode and "needs grad" in kinds)
    assert (gradients is None) == (general[4] is None)
    for mine, theirs in zip(gradients or (), general[4] or (), strict=True):
        np.testing.assert_array_equal(mine, theirs)
    if gradients is not None:  # the gradients of exactly the inputs that need one
        reached = [g is not None and not isinstance(g, str) for g in gradients]
        assert reached == [k == "needs grad" for k in kinds]


# --- comparisons, identity, NumPy on the left ------------------------------------------------


def test_comparisons_return_plain_booleans_not_values():
    a, b = Value(1.0), Value(2.0)
    assert (a < b) is True and (a <= 1.0) is True and (a > b) is False and (b >= 3) is False
    arr = Value(np.array([1.0, 3.0]))
    for result in (arr < 2, arr <= b, arr > np.array([0.0, 5.0]), arr >= arr):
        assert isinstance(result, np.ndarray) and result.dtype == bool
    np.testing.assert_array_equal(arr > 2, [False, True])
    scalar_array = Value(np.array(1.0)) < 2
    assert not isinstance(scalar_array, Value) and bool(scalar_array) is True


def test_equality_is_identity_and_values_are_hashable():
    a, b = Value(1.0), Value(1.0)
    assert a == a and a != b and not (a == b)
    assert len({a, b, a}) == 2
    table = {a: "a", b: "b"}
    assert table[a] == "a" and table[b] == "b"
    arrays = Value(np.ones(3)), Value(np.ones(3))
    assert (arrays[0] == arrays[1]) is False  # not an elementwise comparison


@pytest.mark.parametrize(
    "op, expected_grad",
    [
        ("+", lambda c, v: np.ones(3)),
        ("-", lambda c, v: -np.ones(3)),
        ("*", lambda c, v: c),
        ("/", lambda c, v: -c / v**2),
        ("**", lambda c, v: c**v * np.log(c)),
        ("@", lambda c, v: c.sum(axis=0)),
    ],
)
def test_a_numpy_array_on_the_left_gives_a_value(op, expected_grad):
    c = np.array([1.5, 2.0, 3.0]) if op != "@" else np.arange(6.0).reshape(2, 3)
    v = Value(np.array([0.5, 1.0, 2.0]))
    out = eval(f"c {op} v")
    assert isinstance(out, Value) and out.requires_grad
    out.sum().backward()
    np.testing.assert_allclose(v.grad, expected_grad(c, v.data))
    assert isinstance(np.float64(2.0) * v, Value)


@pytest.mark.parametrize(
    "call, expected",
    [
        (lambda: ag.add([1.0], [2.0]), [3.0]),  # not the list [1.0, 2.0]
        (lambda: ag.mul([1.0, 2.0], 2), [2.0, 4.0]),  # not the list repeated
        (lambda: ag.sub([[3.0]], [1.0]), [[2.0]]),
        (lambda: ag.matmul([[1.0, 2.0]], [[3.0], [4.0]]), [[11.0]]),
        (lambda: ag.linear([[1.0, 2.0]], [[1.0, 1.0]], [0.5]), [[3.5]]),
        (lambda: ag.concatenate([[1.0], [2.0, 3.0]]), [1.0, 2.0, 3.0]),
    ],
)
def test_primitives_of_plain_lists_compute_on_arrays_not_on_the_lists(call, expected):
    out = call()
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("prim", [ag.add, ag.mul, ag.primitives.linear_prim])
def test_primitives_of_plain_strings_are_refused(prim):
    with pytest.raises(TypeError, match=f"{prim.name}.*str"):
        prim(*["a"] * (3 if prim.name == "linear" else 2))


# --- errors ----------------------------------------------------------------------------------

BINARY_OPS = {
    "add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y, "power": lambda x, y: x ** y, "maximum": ag.maximum,
    "minimum": ag.minimum,
}


@pytest.mark.parametrize("op", list(BINARY_OPS))
def test_incompatible_shapes_in_a_binary_op_name_the_op_and_both_shapes(op):
    with pytest.raises(ValueError) as error:
        BINARY_OPS[op](Value(np.ones((2, 3))), Value(np.ones((4,))))
    message = str(error.value)
    assert op in message and "(2, 3)" in message and "(4,)" in message


@pytest.mark.parametrize(
    "x_shape, y_shape", [((2, 3), (4, 5)), ((3,), (4,)), ((5, 2, 3), (4, 3, 2)), ((2, 3), (2,))]
)
def test_incompatible_shapes_in_matmul_name_the_op_and_both_shapes(x_shape, y_shape):
    with pytest.raises(ValueError) as error:
        Value(np.ones(x_shape)) @ np.ones(y_shape)
    message = str(error.value)
    assert "matmul" in message and str(x_shape) in message and str(y_shape) in message


@pytest.mark.parametrize("W_shape", [(4, 5), (3,), (2, 3, 3)])
def test_incompatible_shapes_in_a_linear_layer_name_both_shapes(W_shape):
    with pytest.raises(ValueError) as error:
        ag.linear(Value(np.ones((2, 3))), Value(np.ones(W_shape)))
    message = str(error.value)
    assert "linear" in message and "(2, 3)" in message and str(W_shape) in message


@pytest.mark.parametrize("b_shape", [(3,), (4, 1), (1,), ()])
def test_a_bias_of_the_wrong_shape_in_a_linear_layer_is_refused_not_broadcast(b_shape):
    with pytest.raises(ValueError) as error:
        ag.linear(Value(np.ones((4, 3))), Value(np.ones((4, 3))), Value(np.ones(b_shape)))
    message = str(error.value)
    assert "linear" in message and "(4,)" in message and str(b_shape) in message


def test_a_linear_layer_takes_weights_memory_mapped_from_a_file(tmp_path):
    np.save(tmp_path / "W.npy", np.arange(12.0).reshape(4, 3))
    W = Value(np.load(tmp_path / "W.npy", mmap_mode="r"), requires_grad=False)
    z = ag.linear(Value(np.ones((2, 3))), W, np.zeros(4))
    np.testing.assert_array_equal(z.data, np.ones((2, 3)) @ np.arange(12.0).reshape(4, 3).T)


@pytest.mark.parametrize("y_shape", [(3,), (4, 1), (3, 4), ()])
def test_targets_of_another_shape_in_the_quadratic_cost_are_refused_not_broadcast(y_shape):
    with pytest.raises(ValueError) as error:
        ag.quadratic_cost(Value(np.ones((4, 3))), np.ones(y_shape))
    message = str(error.value)
    assert "quadratic_cost" in message and "(4, 3)" in message and str(y_shape) in message


def test_the_quadratic_cost_of_no_examples_is_an_error_not_nan():
    with pytest.raises(ValueError, match="no examples"):
        ag.quadratic_cost(Value(np.ones((0, 3))), np.ones((0, 3)))


@given(arrays(shapes(min_dims=2, max_dims=2)), st.data())
def test_the_quadratic_cost_is_the_books_formula_and_its_gradient_is_bp1(a, data):
    """C = 1/(2n) sum_x ||y(x) - a(x)||^2 over the n rows; dC/da = (a - y) / n."""
    y = data.draw(arrays(a.shape), label="y")
    n = a.shape[0]
    a_value = Value(a)
    C = ag.quadratic_cost(a_value, y)
    C.backward()
    want = sum(0.5 * np.sum((y[k] - a[k]) ** 2) for k in range(n)) / n
    np.testing.assert_allclose(C.data, want, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(a_value.grad, (a - y) / n, rtol=1e-12, atol=1e-15)


def test_backward_on_a_non_scalar_needs_a_gradient():
    v = Value(np.ones((2, 3))) * 2
    with pytest.raises(ValueError, match=r"non-scalar.*\(2, 3\).*gradient"):
        v.backward()


@pytest.mark.parametrize("gradient_shape", [(3, 2), (6,), (), (1, 2, 3)])
def test_a_wrong_shaped_gradient_argument_is_an_error_naming_both_shapes(gradient_shape):
    v = Value(np.ones((2, 3))) * 2
    with pytest.raises(ValueError) as error:
        v.backward(np.ones(gradient_shape))
    assert str(gradient_shape) in str(error.value) and "(2, 3)" in str(error.value)


def test_grad_of_a_function_that_does_not_return_a_scalar_is_an_error():
    with pytest.raises(ValueError, match=r"scalar.*\(3,\)"):
        grad(lambda x: x * 2)(np.ones(3))


@pytest.mark.parametrize(
    "data",
    [
        "abc", None, 1 + 2j, object(), np.array(["a", "b"]), np.array([object()], dtype=object),
        np.array([1 + 2j]), np.complex128(1j), [1, "a"],
    ],
    ids=repr,
)
def test_unsupported_data_is_a_type_error_naming_it(data):
    with pytest.raises(TypeError) as error:
        Value(data)
    assert any(word in str(error.value) for word in ("str", "NoneType", "complex", "object", "<U", "dtype"))


@pytest.mark.parametrize(
    "operand", ["abc", np.array(["x"]), np.array([None], dtype=object), np.array([1j, 2j]), 1j, None]
)
def test_unsupported_operands_in_an_expression_are_type_errors(operand):
    with pytest.raises(TypeError):
        Value(np.ones(2)) * operand
    with pytest.raises(TypeError):
        operand + Value(np.ones(2))


def test_toposort_puts_parents_before_children_for_any_parent_function():
    parents = {"e": ["c", "d"], "c": ["a", "b"], "d": ["b"], "a": [], "b": []}
    order = ag.toposort("e", parents.__getitem__)
    assert sorted(order) == sorted(parents) and order[-1] == "e"
    for child, ps in parents.items():
        assert all(order.index(p) < order.index(child) for p in ps)


def test_a_pass_interrupted_in_its_walk_or_its_sweep_leaves_no_node_marked():
    # The reverse pass marks nodes as it finds them. A stop set that fails on its n-th
    # question interrupts the walk that finds the six nodes (n = 1 to 6) or the sweep that
    # passes gradients on (n = 7 to 12): either way every mark must be cleared.
    class FailingStops(set):
        def __init__(self, fail_at: int) -> None:
            super().__init__()
            self.asked = 0
            self.fail_at = fail_at

        def __contains__(self, item: object) -> bool:
            self.asked += 1
            if self.asked == self.fail_at:
                raise KeyboardInterrupt
            return False

        def __bool__(self) -> bool:
            return True

    a, b = Value(0.5), Value(-1.5)
    out = ((a * b + a).tanh() * (b + 2.0)) * a
    for fail_at in range(1, 13):
        with pytest.raises(KeyboardInterrupt):
            reverse_pass(out, 1.0, stop_at=FailingStops(fail_at))
        assert all(n._g is None for n in ag.toposort(out, graph_parents)), fail_at
    out.backward()
    assert a.grad is not None and b.grad is not None
