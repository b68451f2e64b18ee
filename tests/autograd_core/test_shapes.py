"""Reshaping, flipping, joining and splitting: NumPy's results, joins of very many inputs,
and clear refusals. (Gradients against finite differences: table_shapes.py.)"""

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value
from autograd_core.primitives import decompositions, indexing, linalg, shapes

rng = np.random.default_rng(2)
X = rng.standard_normal((2, 3, 4))
V = rng.standard_normal(4)

CASES = [
    ("ravel", lambda x: np.ravel(x), X),
    ("ravel", lambda x: np.ravel(x, "F"), X),
    ("ravel", lambda x: np.ravel(x.transpose(2, 0, 1), "K"), X),
    ("ravel", lambda x: np.ravel(x.T, "A"), X),
    ("moveaxis", lambda x: np.moveaxis(x, [0, -1], [1, 0]), X),
    ("rollaxis", lambda x: np.rollaxis(x, 2, 1), X),
    ("rollaxis", lambda x: np.rollaxis(x, 0, -1), X),
    ("atleast_1d", np.atleast_1d, 1.5),
    ("atleast_2d", np.atleast_2d, V),
    ("atleast_3d", np.atleast_3d, X[0]),
    ("atleast_3d", np.atleast_3d, V),
    ("tile", lambda x: np.tile(x, 2), V),
    ("tile", lambda x: np.tile(x, (2, 1, 1, 2)), X),
    ("tile", lambda x: np.tile(x, (0, 2)), X),
    ("flip", np.flip, X),
    ("flip", lambda x: np.flip(x, (0, -1)), X),
    ("fliplr", np.fliplr, X),
    ("flipud", np.flipud, V),
    ("rot90", np.rot90, X),
    ("rot90", lambda x: np.rot90(x, -1, (2, 1)), X),
    ("rot90", lambda x: np.rot90(x, 6), X),
    ("hstack", lambda x: np.hstack([x, x[:, :1]]), X),
    ("hstack", lambda x: np.hstack([x, x]), V),
    ("vstack", lambda x: np.vstack([x, x]), V),
    ("vstack", lambda x: np.vstack(x), V),  # an array is a sequence of its rows
    ("dstack", lambda x: np.dstack([x, x]), V),
    ("column_stack", lambda x: np.column_stack([x, x, np.ones(4)]), V),
    ("concatenate", lambda x: np.concatenate([x, x[:, :2]], axis=1), X),
    ("concatenate", lambda x: np.concatenate([x, V], axis=None), X),
    ("stack", lambda x: np.stack([x, x], axis=-1), X),
    ("append", lambda x: np.append(x, V), X),
    ("append", lambda x: np.append(x, x[:1], axis=0), X),
]


@pytest.mark.parametrize("name, f, x", CASES, ids=[c[0] for c in CASES])
def test_results_equal_numpys(name, f, x):
    want = f(x)
    got = f(Value(x))
    assert isinstance(got, Value) and got.shape == np.shape(want)
    np.testing.assert_array_equal(got.data, want)
    assert callable(getattr(ag, name))


@pytest.mark.parametrize("f", [
    lambda x: np.split(x, 2, axis=-1), lambda x: np.split(x, [1, -1, 9], axis=1),
    lambda x: np.array_split(x, 3, axis=2), lambda x: np.array_split(x, 5, axis=1),
    lambda x: np.hsplit(x, [2]), lambda x: np.vsplit(x, 2), lambda x: np.dsplit(x, [1, 3]),
    lambda x: np.hsplit(x[0, 0], 2), lambda x: np.atleast_2d(x, x[0], 1.0),
])
def test_functions_of_several_results_give_numpys_list_or_tuple(f):
    want = f(X)
    got = f(Value(X))
    assert type(got) is type(want) and len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g.shape == w.shape
        np.testing.assert_array_equal(g.data, w)


def test_value_methods_ravel_flatten_squeeze():
    x = Value(X[:, :1])
    np.testing.assert_array_equal(x.ravel().data, X[:, :1].ravel())
    np.testing.assert_array_equal(x.flatten("F").data, X[:, :1].flatten("F"))
    assert x.squeeze().shape == (2, 4) and x.squeeze(1).shape == (2, 4)


def test_float32_stays_float32():
    x = Value(X.astype(np.float32))
    for f in (ag.ravel, ag.flip, ag.rot90, lambda x: ag.tile(x, 2), lambda x: ag.hstack([x, x]),
              lambda x: ag.split(x, 2)[0], lambda x: ag.concatenate([x] * 70)):
        x.zero_grad()
        out = f(x)
        assert out.dtype == np.float32
        ag.sum(out).backward()
        assert x.grad.dtype == np.float32


def test_gradients_go_back_to_the_elements_moved():
    x = Value(np.arange(6.0).reshape(2, 3))
    weights = np.arange(6.0).reshape(3, 2) + 1
    ag.sum(ag.rot90(x) * weights).backward()
    np.testing.assert_array_equal(x.grad, np.rot90(weights, -1))
    y = Value(np.arange(3.0))
    ag.sum(ag.tile(y, (2, 2))).backward()
    np.testing.assert_array_equal(y.grad, [4.0, 4.0, 4.0])


# --- joining very many inputs ---------------------------------------------------------------


def test_concatenating_a_hundred_thousand_inputs_backpropagates_and_pushes_tangents():
    n = 100_000
    xs = [Value(np.array([float(i)])) for i in range(n)]
    joined = ag.concatenate(xs)
    ag.sum(joined * joined).backward()
    assert all(x.grad[0] == 2 * x.data[0] for x in xs[:: n // 1000]) and xs[-1].grad[0] == 2 * (n - 1)
    parts = [np.array([float(i)]) for i in range(n)]
    _, tangent = ag.jvp(lambda *p: ag.concatenate(p) * 3.0, parts, [np.ones(1)] * n)
    np.testing.assert_array_equal(tangent, np.full(n, 3.0))


def test_stacking_a_hundred_thousand_inputs_backpropagates():
    n = 100_000
    xs = [Value(float(i)) for i in range(n)]
    stacked = ag.stack(xs)
    np.testing.assert_array_equal(stacked.data, np.arange(n, dtype=float))
    stacked.backward(np.arange(n, dtype=float))
    assert all(xs[i].grad == i for i in range(0, n, n // 1000)) and xs[-1].grad == n - 1


def test_many_inputs_join_in_groups_of_at_most_sixty_four():
    xs = [Value(np.ones(1)) for _ in range(200)]
    joined = ag.concatenate(xs)
    fan_ins = [len(node.parents) for node in ag.toposort(joined, lambda n: n.parents) if node.op]
    assert max(fan_ins) <= 64 and sum(1 for node in xs if node.grad is None) == 200


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize("call, error, words", [
    (lambda: ag.concatenate([X, X], out=np.empty((4, 3, 4))), TypeError, "out="),
    (lambda: ag.stack([X, X], dtype=np.float32), TypeError, "dtype="),
    (lambda: ag.concatenate([Value(1.0), Value(2.0)]), ValueError, "concatenate"),
    (lambda: ag.ravel(X, "X"), ValueError, "order"),
    (lambda: ag.fliplr(V), ValueError, "2 or more dimensions"),
    (lambda: ag.flipud(Value(1.0)), ValueError, "1 or more dimensions"),
    (lambda: ag.rot90(X, 1, (0, 0)), ValueError, "repeated axis"),
    (lambda: ag.rot90(X, 1, (0, 1, 2)), ValueError, "two axes"),
    (lambda: ag.moveaxis(X, [0, 1], [0]), ValueError, "as many axes"),
    (lambda: ag.moveaxis(X, 3, 0), np.exceptions.AxisError, "source"),
    (lambda: ag.split(X, 3, axis=2), ValueError, "do not divide"),
    (lambda: ag.array_split(X, 0), ValueError, "positive"),
    (lambda: ag.vsplit(V, 2), ValueError, "2 or more dimensions"),
    (lambda: ag.dsplit(X[0], 2), ValueError, "3 or more dimensions"),
    (lambda: ag.hsplit(Value(1.0), 2), ValueError, "1 or more dimensions"),
])
def test_bad_input_is_refused_with_a_clear_error(call, error, words):
    with pytest.raises(error, match=words):
        call()


# --- every function three ways --------------------------------------------------------------

IN_PLACE = {"sort", "partition"}  # ndarray's methods of these names sort in place and return None


@pytest.mark.parametrize("module", [linalg, decompositions, shapes, indexing], ids=lambda m: m.__name__)
def test_every_numpy_function_is_an_ag_function_and_a_value_method_where_ndarray_has_one(module):
    for numpy_function, function in module.NUMPY_FUNCTIONS.items():
        assert getattr(ag, function.__name__) is function, function.__name__
        name = numpy_function.__name__
        if hasattr(np.ndarray, name) and name not in IN_PLACE:
            assert callable(getattr(Value, name, None)), f"Value has no method {name}"
