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
from autograd_core.core import graph_parents
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


def _total_of_many() -> ag.Primitive:
    """x_1 + ... + x_n as one primitive, with one rule for all its inputs."""
    return ag.Primitive(
        "total",
        lambda *xs: sum(xs),
        lambda g, ans, *xs: [g] * len(xs),
        lambda ts, ans, *xs: sum(t for t in ts if t is not None),
    )


def test_a_node_of_a_hundred_thousand_inputs_backpropagates_and_pushes_tangents():
    n = 100_000
    xs = [Value(float(k)) for k in range(n)]
    weights = np.arange(n) % 7 - 3.0
    out = _total_of_many()(*[x * w for x, w in zip(xs, weights, strict=True)], 0.5)
    assert len(out.parents) == n and out.data == float(np.dot(np.arange(n), weights)) + 0.5
    out.backward()
    np.testing.assert_array_equal([x.grad for x in xs], weights)
    _, tangent = ag.jvp(lambda *vs: _total_of_many()(*vs), xs[:1000], [1.0] * 1000)
    assert tangent == 1000.0


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
    """Bytes still allocated after many rounds beyond what the rounds before them leave."""
    tracemalloc.start()
    try:
        run(200)  # warm up, traced: caches that hold freed blocks (NumPy's among them) fill with traced ones
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


def test_no_grad_and_enable_grad_are_reusable_nestable_and_decorate_functions():
    x = Value(2.0)
    quiet, loud = no_grad(), ag.enable_grad()
    for _ in range(2):  # the same objects, entered again
        with quiet:
            with loud:
                assert (x * x).requires_grad
            with quiet:
                assert not (x * x).requires_grad
            assert not ag.is_grad_enabled()
        assert ag.is_grad_enabled()

    @no_grad()
    def square(v: Value) -> Value:
        return v * v

    @loud
    def cube(v: Value) -> Value:
        return v * v * v

    assert not square(x).requires_grad and ag.is_grad_enabled()
    with quiet:
        assert cube(x).requires_grad and not ag.is_grad_enabled()
    assert square.__name__ == "square"


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
    "neg": lambda v: -v, "matmul": lambda v: v @ v.T, "squeeze": lambda v: v[:1].squeeze(),
}


@pytest.mark.parametrize("op", list(METHODS))
def test_methods_and_operators_are_thin_calls_into_the_registry(op):
    v = Value(np.arange(1.0, 7.0).reshape(2, 3))
    assert METHODS[op](v).op == op
    assert v.T.op == "transpose" and abs(v).op == "abs" and (+v) is v


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


def test_equality_compares_data_elementwise_while_values_hash_by_identity():
    a, b = Value(1.0), Value(1.0)
    assert (a == b) is True and (a != b) is False and (a == 2.0) is False and (a != 2) is True
    assert len({a, b, a}) == 2
    table = {a: "a", b: "b"}
    assert table[a] == "a" and table[b] == "b"
    x, y = Value(np.array([1.0, 2.0, 3.0])), Value(np.array([1.0, 0.0, 3.0]))
    for result, want in ((x == y, [True, False, True]), (x != y, [False, True, False]),
                         (x == np.array([1.0, 2.0, 0.0]), [True, True, False]),
                         (np.array([1.0, 2.0, 0.0]) == x, [True, True, False]),
                         (np.array([0.0, 2.0, 3.0]) != x, [True, False, False])):
        assert isinstance(result, np.ndarray) and result.dtype == bool
        np.testing.assert_array_equal(result, want)
    assert {x: 1, y: 2}[y] == 2 and x in {x} and y not in {x}


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


# --- a Value where an array is expected ----------------------------------------------------


def test_repr_shows_the_number_or_the_shape_and_dtype_and_the_operation():
    a = Value(2.0, label="a")
    assert repr(a) == "Value(2.0, label='a')"
    assert repr(a * 3) == "Value(6.0, op='mul')"
    assert repr(Value(np.ones((2, 3), dtype=np.float32))) == "Value(shape=(2, 3), dtype=float32)"
    assert repr(Value(1.5, requires_grad=False)) == "Value(1.5, requires_grad=False)"
    assert repr(Value(np.ones(3)).sum()) == "Value(3.0, op='sum')"


def test_format_of_a_scalar_value_formats_its_number():
    assert f"{Value(2.0 / 3.0):.3f}" == "0.667" and format(Value(np.array(1.25)), "+.1e") == "+1.2e+00"
    assert f"{Value(0.5)}" == str(Value(0.5))
    with pytest.raises(TypeError, match=r"\(3,\)"):
        format(Value(np.ones(3)), ".3f")


def test_numpy_conversion_of_a_value_that_requires_grad_is_refused_and_of_one_that_does_not_gives_its_data():
    x = Value(np.arange(3.0))
    for convert in (np.asarray, np.array, lambda v: v.numpy(), lambda v: np.array([v.data, v])):
        with pytest.raises(TypeError, match=r"requires grad.*\.data or \.detach\(\)"):
            convert(x)
    detached = x.detach()
    assert np.asarray(detached) is detached.data and detached.numpy() is detached.data
    np.testing.assert_array_equal(np.array(detached, dtype=np.float32), [0, 1, 2])
    constant = Value(2.0, requires_grad=False)
    assert np.asarray(constant).shape == () and constant.numpy() == 2.0


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # (what np.matrix says of itself)
@pytest.mark.parametrize(
    "make, name",
    [(lambda: np.asmatrix(np.eye(2)), "matrix"),
     (lambda: np.ma.masked_array([1.0, 2.0], mask=[True, False]), "masked")],
)
def test_numpy_matrices_and_masked_arrays_are_refused_by_name(make, name):
    with pytest.raises(TypeError, match=name):
        Value(make())
    with pytest.raises(TypeError, match=name):
        Value(np.ones((2, 2))) * make()
    with pytest.raises(TypeError):  # (a masked array on the left converts the Value itself: refused too)
        make() * Value(np.ones((2, 2)))


def test_other_array_subclasses_become_plain_arrays(tmp_path):
    np.save(tmp_path / "a.npy", np.arange(4.0))
    mapped = np.load(tmp_path / "a.npy", mmap_mode="r")
    for v in (Value(mapped), Value(np.ones(4)) * mapped):
        assert type(v.data) is np.ndarray
    np.testing.assert_array_equal(Value(mapped).data, [0.0, 1.0, 2.0, 3.0])


PYTHON_FLOAT_EXPRESSIONS = {
    "(-1) ** 0.5": lambda x, y: (x - 2.0) ** 0.5,
    "1 / 0": lambda x, y: x / (y - 2.0),
    "0 ** -1": lambda x, y: (y - 2.0) ** -1.0,
    "overflowing power": lambda x, y: (x * 10.0) ** 400.0,
    "sqrt(0)": lambda x, y: ag.sqrt(y - 2.0),
    "log(0)": lambda x, y: ag.log(y - 2.0) * x,
    "exp(1000)": lambda x, y: ag.exp(x * 1000.0),
    "x ** y below 0": lambda x, y: (x - 3.0) ** (y - 1.5),
}


@pytest.mark.parametrize("name", list(PYTHON_FLOAT_EXPRESSIONS))
def test_a_python_float_value_gives_what_a_zero_dimensional_float64_array_gives(name):
    f = PYTHON_FLOAT_EXPRESSIONS[name]
    with np.errstate(all="ignore"):
        results = []
        for make in (float, lambda d: np.array(d, dtype=np.float64)):
            x, y = Value(make(1.0)), Value(make(2.0))
            out = f(x, y)
            out.backward()
            results.append((out.data, x.grad, y.grad))
    (got, want) = results
    assert type(got[0]) is float
    for g, w in zip(got, want, strict=True):
        same = type(g) is float and np.array_equal(g, w, equal_nan=True)
        assert same or (g is None and w is None), (got, want)


def test_python_float_values_follow_numpys_error_state():
    with np.errstate(divide="raise"), pytest.raises(FloatingPointError):
        Value(1.0) / 0.0
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        assert Value(1.0) / 0.0 == np.inf


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


def test_a_python_float_seed_reaches_through_a_sum_of_an_array():
    """The reverse pass takes dC/d root as a Python float too (a 0-d array's seed)."""
    x = Value(np.arange(3.0))
    grads = ag.core.reverse_pass(ag.sum(x * x), 1.0)
    np.testing.assert_array_equal(grads[x], [0.0, 2.0, 4.0])
