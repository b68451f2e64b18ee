"""Every primitive of the registry, checked on generated shapes and values.

The TABLE maps each primitive to a strategy that draws a `Call`: a function of the
differentiable inputs (parameters such as axes or indices closed over) and inputs in
the primitive's domain, shapes from hypothesis.extra.numpy (mutually broadcastable for
binary operations). For every entry:

* reverse mode (vjp and `backward(gradient)`) equals central finite differences;
* forward mode (jvp) equals reverse mode: u . (J t) == (u^T J) . t;
* second derivatives agree with finite differences (`check_grads(order=2)`).

Then known values: stability and accuracy of sigmoid, softmax, logsumexp and log_softmax.
"""

import functools
import math
import re
import textwrap
import threading
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from autograd_core import Primitive, Value, check_grads, jvp, testing, vjp
from autograd_core import primitives as registry
from autograd_core.core import graph_parents
from autograd_core.testing import (
    arrays,
    assert_grads_correct,
    broadcastable_arrays,
    positive_arrays,
    separated_arrays,
    shapes,
)

from . import (
    table_decompositions,
    table_elementwise,
    table_indexing,
    table_linalg,
    table_reductions,
    table_scipy,
    table_shapes,
)
from .calls import (
    INDEX_RESULT_SHAPES,
    LEADING_SHAPES,
    NONSCALAR_SHAPES,
    SQUEEZABLE_SHAPES,
    Call,
    axis_params,
    binary,
    unary,
)


@st.composite
def reductions(draw: st.DrawFn, name: str) -> Call:
    """sum/mean/max/min/logsumexp over drawn axes; max and min get untied elements."""
    x = draw(arrays(unique=name in ("max", "min")))
    params = draw(axis_params(x.ndim))
    if name == "logsumexp":
        return Call(lambda x: ag.logsumexp(x, **params), (x,), params)
    return Call(lambda x: getattr(np, name)(x, **params), (x,), params)


@st.composite
def along_an_axis(draw: st.DrawFn, f: Callable[..., Any]) -> Call:
    """softmax / log_softmax along one drawn axis."""
    x = draw(arrays(NONSCALAR_SHAPES))
    axis = draw(st.integers(-x.ndim, x.ndim - 1))
    return Call(lambda x: f(x, axis=axis), (x,), {"axis": axis})


@st.composite
def matmuls(draw: st.DrawFn, vector_times_batch: bool = False) -> Call:
    """x @ y for 1-D, 2-D and batched operands (NumPy's gufunc signature of matmul)."""
    if vector_times_batch:
        n = draw(st.integers(1, 4))
        batch = draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=3))
        x_shape, y_shape = (n,), batch + (n, draw(st.integers(1, 4)))
    else:
        x_shape, y_shape = draw(
            hnp.mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=2, max_side=4)
        ).input_shapes
    x, y = draw(arrays(x_shape)), draw(arrays(y_shape))
    return Call((lambda x, y: x @ y) if vector_times_batch else np.matmul, (x, y))


@st.composite
def linear_layers(draw: st.DrawFn) -> Call:
    """linear(x, W, b) = x W^T + b for rows x of any batch shape, with or without b."""
    n_out, n_in = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    x = draw(arrays(draw(LEADING_SHAPES) + (n_in,)))
    W = draw(arrays((n_out, n_in)))
    if draw(st.booleans()):
        return Call(lambda x, W, b: ag.linear(x, W, b), (x, W, draw(arrays((n_out,)))))
    return Call(lambda x, W: ag.linear(x, W), (x, W), {"b": None})


@st.composite
def quadratic_costs(draw: st.DrawFn) -> Call:
    """quadratic_cost(a, y) on a and y of one drawn shape (0-D, one example, or rows of examples)."""
    shape = draw(shapes())
    return Call(ag.quadratic_cost, (draw(arrays(shape)), draw(arrays(shape))))


@st.composite
def power_of_number(draw: st.DrawFn) -> Call:
    """Value ** number: real exponents on positive bases, integer exponents on any base."""
    if draw(st.booleans()):
        p = draw(st.floats(-2.5, 2.5, allow_subnormal=False))
        x = draw(positive_arrays(low=0.2))
    else:
        p = draw(st.integers(-2, 3))
        x = draw(arrays(min_magnitude=0.3))
    return Call(lambda x: x ** p, (x,), {"exponent": p})


@st.composite
def number_to_power(draw: st.DrawFn) -> Call:
    """number ** Value (the base must be positive for a real derivative in the exponent)."""
    base = draw(st.floats(0.2, 3.0))
    return Call(lambda y: base ** y, (draw(arrays()),), {"base": base})


@st.composite
def array_times_value(draw: st.DrawFn) -> Call:
    """A NumPy array on the left of an operator with a Value: `np_array * x` is a Value."""
    c, x = draw(broadcastable_arrays())
    return Call(lambda x: c * x + c / (1.5 + x * x), (x,), {"c": c})


@st.composite
def wheres(draw: st.DrawFn) -> Call:
    """where(condition, x, y), the three of mutually broadcastable shapes."""
    condition, x, y = draw(broadcastable_arrays(lambda s: hnp.arrays(bool, s), arrays, arrays))
    return Call(lambda x, y: np.where(condition, x, y), (x, y), {"condition": condition})


@st.composite
def reshapes(draw: st.DrawFn) -> Call:
    """A new shape with the same size: the axes permuted, 1s inserted, two neighbours merged,
    or -1 for one of them."""
    x = draw(arrays())
    sides = list(draw(st.permutations(x.shape)))
    for _ in range(draw(st.integers(0, 2))):
        sides.insert(draw(st.integers(0, len(sides))), 1)
    if len(sides) >= 2 and draw(st.booleans()):
        k = draw(st.integers(0, len(sides) - 2))
        sides[k: k + 2] = [sides[k] * sides[k + 1]]
    if sides and draw(st.booleans()):
        sides[draw(st.integers(0, len(sides) - 1))] = -1
    new_shape = tuple(sides)
    return Call(lambda x: np.reshape(x, new_shape), (x,), {"shape": new_shape})


@st.composite
def transposes(draw: st.DrawFn) -> Call:
    """transpose with a drawn permutation (or None), and `.T`."""
    x = draw(arrays())
    axes = draw(st.none() | st.permutations(range(x.ndim)).map(tuple))
    if draw(st.booleans()):
        return Call(lambda x: x.T, (x,), {"form": ".T"})
    return Call(lambda x: np.transpose(x, axes), (x,), {"axes": axes})


@st.composite
def swapped(draw: st.DrawFn) -> Call:
    x = draw(arrays(NONSCALAR_SHAPES))
    a, b = draw(st.integers(-x.ndim, x.ndim - 1)), draw(st.integers(-x.ndim, x.ndim - 1))
    return Call(lambda x: np.swapaxes(x, a, b), (x,), {"axes": (a, b)})


@st.composite
def expanded(draw: st.DrawFn) -> Call:
    x = draw(arrays())
    axis = draw(st.integers(-x.ndim - 1, x.ndim))
    return Call(lambda x: np.expand_dims(x, axis), (x,), {"axis": axis})


@st.composite
def squeezed(draw: st.DrawFn) -> Call:
    """squeeze all size-1 axes, or a drawn subset of them."""
    x = draw(arrays(SQUEEZABLE_SHAPES))
    ones = [k for k, n in enumerate(x.shape) if n == 1]
    axis = draw(st.none() | st.lists(st.sampled_from(ones), unique=True).map(tuple)) if ones else None
    return Call(lambda x: np.squeeze(x, axis), (x,), {"axis": axis})


@st.composite
def broadcasts(draw: st.DrawFn) -> Call:
    """broadcast_to a shape with new leading axes and size-1 axes stretched."""
    x = draw(arrays())
    lead = draw(LEADING_SHAPES)
    stretched = tuple(draw(st.integers(1, 3)) if n == 1 else n for n in x.shape)
    target = lead + stretched
    return Call(lambda x: np.broadcast_to(x, target), (x,), {"shape": target})


@st.composite
def basic_indexing(draw: st.DrawFn) -> Call:
    """x[index] with ints, slices (steps, negative bounds), None and Ellipsis."""
    x = draw(arrays())
    index = draw(hnp.basic_indices(x.shape, allow_newaxis=True))
    return Call(lambda x: x[index], (x,), {"index": index})


@st.composite
def advanced_indexing(draw: st.DrawFn) -> Call:
    """x[integer arrays] (repeated indices must accumulate), x[boolean mask], x[list, slice]."""
    x = draw(arrays(NONSCALAR_SHAPES))
    kind = draw(st.sampled_from(["integer arrays", "mask", "list then slice"]))
    if kind == "integer arrays":
        index = draw(hnp.integer_array_indices(x.shape, result_shape=INDEX_RESULT_SHAPES))
    elif kind == "mask":
        index = draw(hnp.arrays(bool, x.shape))
    else:
        rows = draw(st.lists(st.integers(-x.shape[0], x.shape[0] - 1), min_size=1, max_size=5))
        index = (rows,) + (slice(None, None, -1),) * min(1, x.ndim - 1)
    return Call(lambda x: x[index], (x,), {"index": index})


@st.composite
def scatters(draw: st.DrawFn) -> Call:
    """scatter_add, the adjoint of indexing, on its own (it appears in second derivatives)."""
    shape = draw(NONSCALAR_SHAPES)
    index = draw(hnp.integer_array_indices(shape, result_shape=INDEX_RESULT_SHAPES))
    x = draw(arrays(np.broadcast_shapes(*(i.shape for i in index))))
    return Call(lambda x: registry.scatter_add(x, index, shape), (x,), {"index": index, "shape": shape})


@st.composite
def concatenations(draw: st.DrawFn) -> Call:
    """concatenate 1 to 3 arrays that differ in length along the drawn axis."""
    shape = draw(NONSCALAR_SHAPES)
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    lengths = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    xs = tuple(
        draw(arrays(shape[: axis % len(shape)] + (n,) + shape[axis % len(shape) + 1:])) for n in lengths
    )
    return Call(lambda *xs: np.concatenate(xs, axis=axis), xs, {"axis": axis})


@st.composite
def stacks(draw: st.DrawFn) -> Call:
    """stack 1 to 3 arrays of one shape along a new drawn axis."""
    shape = draw(shapes())
    axis = draw(st.integers(-len(shape) - 1, len(shape)))
    xs = tuple(draw(st.lists(arrays(shape), min_size=1, max_size=3)))
    return Call(lambda *xs: np.stack(xs, axis=axis), xs, {"axis": axis})


TABLE: dict[str, st.SearchStrategy] = {
    "add": binary(np.add),
    "sub": binary(np.subtract),
    "mul": binary(np.multiply),
    "div": binary(np.divide, arrays, functools.partial(arrays, min_magnitude=0.5)),
    "neg": unary(np.negative),
    "mul (array on the left)": array_times_value(),
    "power (Value ** number)": power_of_number(),
    "power (number ** Value)": number_to_power(),
    "power (Value ** Value)": binary(np.power, functools.partial(positive_arrays, low=0.2), arrays),
    "exp": unary(np.exp),
    "log": unary(np.log, positive_arrays()),
    "sqrt": unary(np.sqrt, positive_arrays()),
    "abs": unary(np.abs, arrays(min_magnitude=0.05)),
    "tanh": unary(np.tanh, arrays(low=-5.0, high=5.0)),
    "sigmoid": unary(ag.sigmoid, arrays(low=-8.0, high=8.0)),
    "relu": unary(ag.relu, arrays(min_magnitude=0.05)),
    "maximum": separated_arrays(2).map(lambda xy: Call(np.maximum, xy)),
    "minimum": separated_arrays(2).map(lambda xy: Call(np.minimum, xy)),
    "where": wheres(),
    "matmul": matmuls(),
    "matmul (1-D @ batched)": matmuls(vector_times_batch=True),
    "linear": linear_layers(),
    "quadratic_cost": quadratic_costs(),
    "sum": reductions("sum"),
    "mean": reductions("mean"),
    "max": reductions("max"),
    "min": reductions("min"),
    "logsumexp": reductions("logsumexp"),
    "softmax": along_an_axis(ag.softmax),
    "log_softmax": along_an_axis(ag.log_softmax),
    "reshape": reshapes(),
    "transpose": transposes(),
    "swapaxes": swapped(),
    "expand_dims": expanded(),
    "squeeze": squeezed(),
    "broadcast_to": broadcasts(),
    "getitem (basic)": basic_indexing(),
    "getitem (advanced)": advanced_indexing(),
    "scatter_add": scatters(),
    "concatenate": concatenations(),
    "stack": stacks(),
    "identity": unary(registry.identity),
}
# Rows of further kinds of primitive live beside this file, one module per kind:
# TABLE.update(table_<kind>.ROWS)
TABLE.update(table_elementwise.ROWS)
TABLE.update(table_reductions.ROWS)
TABLE.update(table_scipy.ROWS)
TABLE.update(table_linalg.ROWS)
TABLE.update(table_decompositions.ROWS)
TABLE.update(table_shapes.ROWS)
TABLE.update(table_indexing.ROWS)

with_each_primitive = pytest.mark.parametrize("name", list(TABLE))


def _nodes_of(call: Call) -> list[Value]:
    leaves = [Value(a) for a in call.args]
    return ag.toposort(call.f(*leaves), graph_parents)


def draws_of_each_row(examples: int = 25) -> list[Call]:
    """Calls drawn from every row of the table, each row by a derandomized hypothesis run of its
    own (drawn all at once, the rows would make one example too large for hypothesis); enough of
    them that a row choosing among several functions calls each."""
    calls: list[Call] = []
    for strategy in TABLE.values():

        @settings(max_examples=examples, database=None, derandomize=True)
        @given(strategy)
        def draw(call: Call) -> None:
            calls.append(call)

        draw()
    return calls


def test_the_table_covers_every_primitive_of_the_registry():
    registered = set(registry.REGISTRY)
    exercised = {node.op for call in draws_of_each_row() for node in _nodes_of(call)}
    assert registered <= exercised, f"primitives missing from TABLE: {sorted(registered - exercised)}"


@with_each_primitive
@given(data=st.data())
def test_reverse_mode_matches_finite_differences(name, data):
    call = data.draw(TABLE[name], label="call")
    check_grads(call.f, *call.args, order=1, modes=("rev",))
    # backward(gradient) leaves in .grad the same numbers as vjp
    out, back = vjp(call.f, *call.args)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    u = rng.standard_normal(np.shape(out))
    leaves = [Value(a) for a in call.args]
    call.f(*leaves).backward(u)
    for leaf, cotangent in zip(leaves, back(u), strict=True):
        assert leaf.grad is not None and np.shape(leaf.grad) == leaf.shape
        np.testing.assert_allclose(leaf.grad, cotangent, rtol=1e-12, atol=1e-12)


@with_each_primitive
@given(data=st.data())
def test_forward_mode_matches_reverse_mode(name, data):
    call = data.draw(TABLE[name], label="call")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    tangents = [rng.standard_normal(np.shape(a)) for a in call.args]
    out, tangent_out = jvp(call.f, call.args, tangents)
    u = rng.standard_normal(np.shape(out))
    _, back = vjp(call.f, *call.args)
    cotangents = back(u)
    forward = np.vdot(u, tangent_out)
    reverse = sum(np.vdot(c, t) for c, t in zip(cotangents, tangents, strict=True))
    scale = np.vdot(np.abs(u), np.abs(tangent_out)) + sum(
        np.vdot(np.abs(c), np.abs(t)) for c, t in zip(cotangents, tangents, strict=True)
    )
    assert abs(forward - reverse) <= 1e-10 * (1.0 + scale), (forward, reverse)


@with_each_primitive
@given(data=st.data())
def test_second_derivatives_match_finite_differences(name, data):
    call = data.draw(TABLE[name], label="call")
    assert_grads_correct(call.f, *call.args, order=2)


# --- the strategies of autograd_core.testing keep their promises -------------------------


@given(arrays(unique=True, min_magnitude=0.2, min_gap=0.05))
def test_unique_arrays_are_untied_and_away_from_zero(x):
    values = np.sort(x.ravel())
    assert np.all(np.diff(values) >= 0.05 - 1e-12)
    assert np.all(np.abs(values) >= 0.2 - 1e-12)
    assert np.all(np.abs(values) <= testing.BOUND)


@given(separated_arrays(3, gap=0.1))
def test_separated_arrays_broadcast_and_never_come_close(xs):
    a, b, c = np.broadcast_arrays(*xs)
    for p, q in [(a, b), (a, c), (b, c)]:
        assert np.all(np.abs(p - q) >= 0.1 - 1e-12)


@given(broadcastable_arrays(arrays, positive_arrays, functools.partial(arrays, dtype=np.float32)))
def test_broadcastable_arrays_follow_their_makers(xs):
    x, y, z = xs
    np.broadcast_shapes(x.shape, y.shape, z.shape)  # raises if they do not broadcast
    assert np.all(y >= 0.1) and z.dtype == np.float32 and x.dtype == np.float64
    assert np.all(np.isfinite(x)) and np.all(np.abs(x) <= testing.BOUND)


def test_the_usage_example_of_the_testing_module_runs():
    example = re.search(r"Example.*?::\n(.*?)\nThe strategies", testing.__doc__, re.S).group(1)
    namespace: dict[str, Any] = {}
    exec(compile(textwrap.dedent(example), "<testing docstring>", "exec"), namespace)
    namespace["test_x_log_y_has_correct_derivatives"]()


def test_assert_grads_correct_reports_the_argument_shapes():
    wrong = Primitive("wrong_square", np.square, (lambda g, ans, x: g * x,), (lambda t, ans, x: 2 * t * x,))
    with pytest.raises(AssertionError, match=r"reverse mode.*arguments of shapes \(2, 3\)"):
        assert_grads_correct(wrong, np.ones((2, 3)), order=1)


# --- known values: stability and accuracy ------------------------------------------------


@pytest.fixture
def strict_floats():
    """Any overflow, invalid operation or division by zero, or any warning, is an error."""
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        yield


def test_sigmoid_of_minus_40_keeps_its_relative_accuracy(strict_floats):
    expected = math.exp(-40.0) / (1.0 + math.exp(-40.0))  # 4.248354255291589e-18
    z = Value(-40.0)
    s = ag.sigmoid(z)
    s.backward()
    assert s.item() == pytest.approx(expected, rel=1e-12)
    assert z.grad == pytest.approx(expected * (1.0 - expected), rel=1e-12)
    assert ag.sigmoid(np.array([-40.0, 40.0]))[0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_stable_functions_at_a_thousand_give_finite_values_and_gradients(strict_floats, dtype):
    z = Value(np.array([1000.0, -1000.0, 0.0], dtype=dtype))
    expected = {
        "sigmoid": [1.0, 0.0, 0.5],
        "softmax": [1.0, 0.0, 0.0],
        "log_softmax": [0.0, -2000.0, -1000.0],
    }
    for name, want in expected.items():
        out = getattr(ag, name)(z)
        np.testing.assert_allclose(out.data, want, rtol=1e-6)
        assert out.dtype == dtype
        z.zero_grad()
        (out * np.array([1.0, 2.0, 3.0], dtype=dtype)).sum().backward()
        assert np.all(np.isfinite(z.grad)), name
    lse = ag.logsumexp(z)
    assert lse.item() == pytest.approx(1000.0, rel=1e-7)
    z.zero_grad()
    lse.backward()
    np.testing.assert_allclose(z.grad, [1.0, 0.0, 0.0], atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_ignores_over_and_underflow_only_inside_itself(dtype):
    z = np.array([-1000.0, 1000.0, 0.0], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(all="raise"):  # even where the caller raises
        warnings.simplefilter("error")
        before = np.geterr()
        np.testing.assert_array_equal(ag.sigmoid(Value(z)).data, [0.0, 1.0, 0.5])
        assert np.geterr() == before  # the caller's error state is untouched
        with pytest.raises(FloatingPointError):  # and still in force after the sigmoid
            np.exp(-z)


def test_sigmoid_runs_in_many_threads_at_once():
    z = np.linspace(-800.0, 800.0, 4001)
    expected = ag.sigmoid(z)
    results: list[Any] = []

    def worker() -> None:
        for _ in range(200):
            results.append(ag.sigmoid(z))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 800  # no thread failed (a shared context cannot be entered twice)
    for result in results:
        np.testing.assert_array_equal(result, expected)


def test_logsumexp_of_equal_large_numbers_is_exact(strict_floats):
    for big in (1000.0, -1000.0):
        x = np.array([big, big])
        assert ag.logsumexp(Value(x)).item() == pytest.approx(big + math.log(2.0), rel=1e-15)
        np.testing.assert_allclose(ag.softmax(Value(x)).data, [0.5, 0.5], rtol=1e-15)


def test_second_derivatives_stay_finite_at_a_thousand(strict_floats):
    z = np.array([1000.0, -1000.0, 3.0])
    for f in (ag.logsumexp, lambda z: ag.sigmoid(z).sum(), lambda z: ag.log_softmax(z)[1]):
        assert np.all(np.isfinite(ag.hessian(f)(z)))


def test_log_softmax_keeps_relative_accuracy_of_tiny_probabilities(strict_floats):
    out = ag.log_softmax(Value(np.array([0.0, -50.0])))
    assert out.data[1] == pytest.approx(-50.0, rel=1e-15)
    assert out.data[0] == pytest.approx(-math.exp(-50.0), rel=1e-6)


def test_repeated_indices_accumulate_their_gradients():
    x = Value(np.arange(4.0))
    x[np.array([0, 0, 3, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 0.0, 0.0, 1.0])
    y = Value(np.ones((2, 3)))
    (y[[1, 1], [2, 2]] * np.array([1.0, 10.0])).sum().backward()
    np.testing.assert_array_equal(y.grad, [[0, 0, 0], [0, 0, 11.0]])


def test_tied_extrema_share_the_gradient_equally():
    x = Value(np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]]))
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 0.5, 0.5], [0.5, 0, 0.5]])
