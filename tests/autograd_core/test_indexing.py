"""Picking, sorting, padding and choosing: NumPy's results, where the gradient goes (ties
included), plain integer results, and clear refusals. (Gradients against finite
differences: table_indexing.py.)"""

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value

rng = np.random.default_rng(3)
X = rng.standard_normal((3, 4))

CASES = [
    ("take", lambda x: np.take(x, [[0, 2], [-1, 0]])),
    ("take", lambda x: np.take(x, [3, 1, 3], axis=1)),
    ("take", lambda x: np.take(x, 2, axis=0)),
    ("take", lambda x: np.take(x, [5, -9, 14], axis=1, mode="wrap")),
    ("take", lambda x: np.take(x, [5, -9, 2], axis=0, mode="clip")),
    ("take", lambda x: np.take(x, np.array([True, False]), axis=1)),
    ("take_along_axis", lambda x: np.take_along_axis(x, np.argsort(x, axis=0), 0)),
    ("take_along_axis", lambda x: np.take_along_axis(x, np.array([[3, 0]]), 1)),
    ("take_along_axis", lambda x: np.take_along_axis(x, np.array([3, 0, 11]), None)),
    ("repeat", lambda x: np.repeat(x, 2)),
    ("repeat", lambda x: np.repeat(x, 0, axis=1)),
    ("repeat", lambda x: np.repeat(x, [1, 0, 3], axis=0)),
    ("roll", lambda x: np.roll(x, 5)),
    ("roll", lambda x: np.roll(x, -1, axis=1)),
    ("roll", lambda x: np.roll(x, (1, 2, -1), axis=(0, 1, 1))),
    ("pad", lambda x: np.pad(x, 1)),
    ("pad", lambda x: np.pad(x, ((1, 0), (2, 3)), constant_values=((1.0, 2.0), (3.0, 4.0)))),
    ("pad", lambda x: np.pad(x, (0, 2), "constant", constant_values=-1.5)),
    ("sort", lambda x: np.sort(x)),
    ("sort", lambda x: np.sort(x, axis=0, kind="heapsort")),
    ("sort", lambda x: np.sort(x, axis=None)),
    ("partition", lambda x: np.partition(x, 1)),
    ("partition", lambda x: np.partition(x, [0, 2], axis=0)),
    ("partition", lambda x: np.partition(x, -3, axis=None)),
    ("select", lambda x: np.select([x > 0.5, x < 0], [x, 2 * x], -1.0)),
    ("select", lambda x: np.select([x > 0], [x], x[0])),
]


@pytest.mark.parametrize("name, f", CASES, ids=[c[0] for c in CASES])
def test_results_equal_numpys(name, f):
    want = f(X)
    got = f(Value(X))
    assert isinstance(got, Value) and got.shape == np.shape(want)
    np.testing.assert_array_equal(got.data, want)
    assert callable(getattr(ag, name))


def test_value_methods_take_repeat_argsort():
    x = Value(X)
    np.testing.assert_array_equal(x.take([1, 1], axis=1).data, X.take([1, 1], axis=1))
    np.testing.assert_array_equal(x.repeat(2, axis=0).data, X.repeat(2, axis=0))
    order = x.argsort(axis=0)
    assert isinstance(order, np.ndarray) and order.dtype.kind == "i"
    np.testing.assert_array_equal(order, X.argsort(axis=0))
    assert isinstance(np.argsort(x), np.ndarray)
    np.testing.assert_array_equal(np.argpartition(x, 2), np.argpartition(X, 2))


def test_sorting_sends_each_gradient_to_the_element_sorted_there_and_ties_keep_their_order():
    x = Value(np.array([1.0, 1.0, 0.0]))
    ag.sort(x).backward(np.array([10.0, 20.0, 30.0]))
    np.testing.assert_array_equal(x.grad, [20.0, 30.0, 10.0])  # the first 1 took the first of the 1s' places


def test_elements_picked_twice_add_up_their_gradients():
    x = Value(np.arange(3.0))
    ag.take(x, [0, 2, 0, 0]).backward(np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(x.grad, [8.0, 0.0, 2.0])
    y = Value(np.arange(2.0))
    ag.repeat(y, [3, 1]).backward(np.ones(4))
    np.testing.assert_array_equal(y.grad, [3.0, 1.0])


def test_select_takes_the_first_condition_that_holds_and_the_default_gets_the_rest():
    x, default = Value(np.array([1.0, 2.0, 3.0])), Value(np.zeros(3))
    out = ag.select([np.array([True, True, False]), np.array([True, False, False])], [x, 10 * x], default)
    np.testing.assert_array_equal(out.data, [1.0, 2.0, 0.0])
    out.backward(np.ones(3))
    np.testing.assert_array_equal(x.grad, [1.0, 1.0, 0.0])
    np.testing.assert_array_equal(default.grad, [0.0, 0.0, 1.0])


def test_padding_gives_the_padded_elements_no_gradient():
    x = Value(np.ones((2, 2)))
    ag.sum(ag.pad(x, 1, constant_values=5.0) * np.arange(16.0).reshape(4, 4)).backward()
    np.testing.assert_array_equal(x.grad, [[5.0, 6.0], [9.0, 10.0]])


def test_float32_stays_float32():
    x = Value(X.astype(np.float32))
    for f in (lambda x: ag.take(x, [0, 1]), lambda x: ag.repeat(x, 2), lambda x: ag.roll(x, 1),
              lambda x: ag.pad(x, 1, constant_values=2.0), ag.sort, lambda x: ag.select([X > 0], [x])):
        x.zero_grad()
        out = f(x)
        assert out.dtype == np.float32
        ag.sum(out).backward()
        assert x.grad.dtype == np.float32


@pytest.mark.parametrize("call, error, words", [
    (lambda: ag.take(X, [0], out=np.empty(1)), TypeError, "out="),
    (lambda: ag.take(X, [0.5]), TypeError, "integers"),
    (lambda: ag.take(X, [0], mode="nearest"), ValueError, "mode"),
    (lambda: ag.take(Value(X), [12]), IndexError, "out of bounds"),
    (lambda: ag.take_along_axis(X, np.array([0]), 1), ValueError, "as many dimensions"),
    (lambda: ag.repeat(X, -1), ValueError, "negative"),
    (lambda: ag.pad(X, 1, mode="reflect"), ValueError, "'reflect' is not supported"),
    (lambda: ag.pad(X, 1, stat_length=2), TypeError, "stat_length"),
    (lambda: ag.pad(X, 1, constant_values=Value(1.0)), TypeError, "constant_values"),
    (lambda: ag.sort(X, order="f"), TypeError, "order="),
    (lambda: ag.partition(X, 1, order="f"), TypeError, "order="),
    (lambda: ag.select([X > 0], [X, X]), ValueError, "1 conditions but 2 choices"),
    (lambda: ag.select([], []), ValueError, "at least one"),
    (lambda: ag.select([X], [X]), TypeError, "boolean"),
])
def test_bad_input_is_refused_with_a_clear_error(call, error, words):
    with pytest.raises(error, match=words):
        call()
