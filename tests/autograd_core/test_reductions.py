"""Reductions: NumPy's results for every keyword argument, products and cumulative products
with zeros, variances, differences, weighted averages, plain-array results and NumPy's ufunc
methods."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core import Value, grad, hessian, jacobian
from autograd_core.testing import arrays

from .calls import NONSCALAR_SHAPES, axis_params


@pytest.mark.filterwarnings("ignore:Degrees of freedom <= 0")  # ddof = 1 of one element, as NumPy
@given(data=st.data())
@pytest.mark.parametrize("name", ["prod", "var", "std", "sum", "mean", "max", "min"])
def test_reductions_give_numpys_results_three_ways(name, data):
    x = data.draw(arrays(unique=True), label="x")
    params = data.draw(axis_params(x.ndim), label="params")
    if name in ("var", "std"):
        params["ddof"] = data.draw(st.integers(0, 1), label="ddof")
    with np.errstate(divide="ignore", invalid="ignore"):
        want = getattr(np, name)(x, **params)
        for out in (getattr(ag, name)(Value(x), **params), getattr(np, name)(Value(x), **params),
                    getattr(Value(x), name)(**params)):
            assert isinstance(out, Value) and out.shape == np.shape(want)
            np.testing.assert_allclose(out.data, want, rtol=1e-14, atol=1e-300)


@given(x=arrays(NONSCALAR_SHAPES), data=st.data())
@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_cumulative_sums_and_products_give_numpys_results(name, x, data):
    axis = data.draw(st.none() | st.integers(-x.ndim, x.ndim - 1), label="axis")
    want = getattr(np, name)(x, axis=axis)
    for out in (getattr(ag, name)(Value(x), axis), getattr(np, name)(Value(x), axis=axis),
                getattr(Value(x), name)(axis)):
        np.testing.assert_array_equal(out.data, want)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_reductions_stay_float32(dtype):
    x = Value(np.linspace(0.5, 2.0, 12, dtype=dtype).reshape(3, 4))
    outs = [ag.prod(x, 0), ag.var(x, 1), ag.std(x), ag.cumsum(x, 1), ag.cumprod(x, 0), ag.diff(x),
            ag.average(x, 1, np.ones(4, dtype))]
    for out in outs:
        assert out.dtype == dtype
        x.zero_grad()
        out.backward(np.ones(out.shape, dtype))
        assert x.grad.dtype == dtype


# --- products with zeros -----------------------------------------------------------------------


def test_the_gradient_of_a_product_with_zeros_is_the_product_of_the_others():
    assert list(grad(ag.prod)(np.array([2.0, 0.0, 3.0]))) == [0.0, 6.0, 0.0]  # one zero
    assert list(grad(ag.prod)(np.array([0.0, 5.0, 0.0]))) == [0.0, 0.0, 0.0]  # several zeros
    x = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 4.0]])
    np.testing.assert_array_equal(grad(lambda x: ag.prod(x, axis=1).sum())(x), [[0, 6, 0], [0, 0, 0]])
    np.testing.assert_array_equal(grad(lambda x: ag.prod(x, axis=0, keepdims=True).sum())(x),
                                  [[0, 0, 4], [2, 0, 3]])


def test_second_derivatives_of_a_product_at_zeros_are_exact():
    np.testing.assert_array_equal(hessian(ag.prod)(np.array([2.0, 0.0, 3.0])),
                                  [[0, 3, 0], [3, 0, 2], [0, 2, 0]])
    np.testing.assert_array_equal(hessian(ag.prod)(np.array([0.0, 5.0, 0.0])),
                                  [[0, 0, 5], [0, 0, 0], [5, 0, 0]])


def _cumprod_jacobian(x):
    """d cumprod(x)_j / dx_i = prod_{k <= j, k != i} x_k for i <= j, by the definition."""
    n = len(x)
    return np.array([[math.prod(x[k] for k in range(j + 1) if k != i) if i <= j else 0.0
                      for i in range(n)] for j in range(n)])


@pytest.mark.parametrize("x", [[2.0, 0.0, 3.0, 4.0], [0.0, 2.0, 0.0, 5.0], [1.5, -2.0, 3.0, 0.0],
                               [0.5, 2.0, -1.0, 3.0]])
def test_the_jacobian_of_cumprod_is_exact_with_and_without_zeros(x):
    x = np.array(x)
    np.testing.assert_allclose(jacobian(ag.cumprod)(x), _cumprod_jacobian(x), rtol=1e-15)
    np.testing.assert_allclose(jacobian(lambda x: ag.cumprod(x[None, :], axis=1)[0])(x),
                               _cumprod_jacobian(x), rtol=1e-15)
    u = np.array([1.0, -2.0, 0.5, 3.0])
    _, tangent = ag.jvp(ag.cumprod, (x,), (u,))
    np.testing.assert_allclose(tangent, _cumprod_jacobian(x) @ u, rtol=1e-15)


# --- variances, differences, averages ----------------------------------------------------------


def test_the_gradient_of_std_is_zero_where_all_elements_are_equal():
    np.testing.assert_array_equal(grad(ag.std)(np.full(4, 2.5)), np.zeros(4))
    g = grad(lambda x: ag.std(x, axis=1).sum())(np.array([[1.0, 1.0], [1.0, 3.0]]))
    np.testing.assert_allclose(g, [[0.0, 0.0], [-0.5, 0.5]])


def test_var_and_std_with_ddof_at_least_the_count_follow_numpy():
    x = np.array([1.0, 2.0])
    with np.errstate(divide="ignore", invalid="ignore"), pytest.warns(RuntimeWarning):
        for f in (np.var, np.std):
            np.testing.assert_array_equal(f(Value(x), ddof=2).data, f(x, ddof=2))


@pytest.mark.parametrize("n", [0, 1, 2, 4, 5])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_diff_follows_numpy_for_every_order_axis_and_end(n, axis):
    x = np.arange(20.0).reshape(4, 5) ** 2
    for kwargs in ({}, {"prepend": 1.5}, {"append": np.ones((1, 5)) if axis == 0 else 7.0},
                   {"prepend": -1.0, "append": 2.0}):
        want = np.diff(x, n, axis, **kwargs)
        np.testing.assert_array_equal(ag.diff(Value(x), n, axis, **kwargs).data, want)
        np.testing.assert_array_equal(np.diff(Value(x), n, axis, **kwargs).data, want)


def test_diff_refuses_what_numpy_refuses():
    with pytest.raises(ValueError, match=r"diff of an operand with shape \(3,\): order must be non-negative"):
        ag.diff(Value(np.ones(3)), -1)
    with pytest.raises(ValueError, match="at least one dimensional"):
        ag.diff(Value(2.0))


def test_diff_prepend_given_as_a_value_gets_its_gradient():
    x, head = Value(np.array([1.0, 4.0, 9.0])), Value(np.array([0.5]))
    ag.diff(x, prepend=head).sum().backward()  # the sum telescopes: x[-1] - head
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(head.grad, [-1.0])


@given(x=arrays(NONSCALAR_SHAPES), data=st.data())
def test_average_follows_numpy_with_weights_returned_and_keepdims(x, data):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    w = data.draw(st.sampled_from([None, "1-D", "full"]), label="weights")
    weights = {None: None, "1-D": np.arange(1.0, x.shape[axis] + 1), "full": np.abs(x) + 0.5}[w]
    avg, total = ag.average(Value(x), axis, weights, True, keepdims=keepdims)
    want_avg, want_total = np.average(x, axis, weights, True, keepdims=keepdims)
    np.testing.assert_allclose(avg.data, want_avg, rtol=1e-14)
    np.testing.assert_allclose(total, want_total, rtol=1e-14)
    assert np.shape(total) == np.shape(want_total)
    np.testing.assert_allclose(np.average(Value(x), axis=axis, weights=weights).data,
                               np.average(x, axis=axis, weights=weights), rtol=1e-14)


def test_average_weights_as_values_get_their_gradient():
    x, w = np.array([1.0, 2.0, 4.0]), Value(np.array([1.0, 1.0, 2.0]))
    ag.average(x, weights=w).backward()  # d/dw_i sum(x w)/sum(w) = (x_i - avg) / sum(w)
    np.testing.assert_allclose(w.grad, (x - 11.0 / 4.0) / 4.0, rtol=1e-15)


@pytest.mark.parametrize(
    "weights, axis, error, message",
    [
        (np.ones(3), None, TypeError, "give the axis they lie along"),
        (np.ones(4), 0, ValueError, r"weights of shape \(4,\) do not fit a of shape \(2, 3\) along axis 0"),
        (np.ones((3, 1)), 1, ValueError, "do not fit"),
        (np.array([1.0, -1.0, 0.0]), 1, ZeroDivisionError, "the weights sum to zero"),
    ],
)
def test_average_refuses_weights_that_do_not_fit(weights, axis, error, message):
    with pytest.raises(error, match=message):
        ag.average(Value(np.ones((2, 3))), axis=axis, weights=weights)


# --- no derivative: plain arrays ----------------------------------------------------------------


@given(x=arrays(NONSCALAR_SHAPES), data=st.data())
@pytest.mark.parametrize("name", ["argmax", "argmin", "all", "any"])
def test_indices_and_truth_values_are_plain_arrays_equal_to_numpys(name, x, data):
    x = np.where(x > 1.0, 0.0, x)  # some zeros for all and any
    axis = data.draw(st.none() | st.integers(-x.ndim, x.ndim - 1), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    want = getattr(np, name)(x, axis=axis, keepdims=keepdims)
    for out in (getattr(ag, name)(Value(x), axis, keepdims=keepdims),
                getattr(np, name)(Value(x), axis=axis, keepdims=keepdims),
                getattr(Value(x), name)(axis, keepdims=keepdims)):
        assert not isinstance(out, Value) and np.shape(out) == np.shape(want)
        np.testing.assert_array_equal(out, want)


def test_an_argmax_can_index_the_value_it_came_from():
    x = Value(np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]]))
    rows = np.arange(2)
    x[rows, x.argmax(axis=1)].sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 1, 0], [1, 0, 0]])


# --- NumPy's ufunc methods and positional arguments --------------------------------------------


def test_reduce_and_accumulate_of_ufuncs_run_the_reductions():
    x = np.arange(1.0, 7.0).reshape(2, 3)
    cases = [
        (lambda v: np.add.reduce(v), "sum"), (lambda v: np.add.reduce(v, axis=None), "sum"),
        (lambda v: np.multiply.reduce(v, 1, keepdims=True), "prod"), (lambda v: np.maximum.reduce(v), "max"),
        (lambda v: np.minimum.reduce(v, axis=1), "min"), (lambda v: np.add.accumulate(v), "cumsum"),
        (lambda v: np.multiply.accumulate(v, axis=1), "cumprod"),
    ]
    for call, op in cases:
        out = call(Value(x))
        assert out.op == op
        np.testing.assert_array_equal(out.data, call(x))


def test_numpy_arguments_given_by_position_keep_numpys_meaning():
    x = np.arange(1.0, 7.0).reshape(2, 3)
    np.testing.assert_array_equal(np.sum(Value(x), 1, None, None, True).data, np.sum(x, 1, None, None, True))
    np.testing.assert_array_equal(np.var(Value(x), 0, None, None, 1).data, np.var(x, 0, None, None, 1))
    np.testing.assert_array_equal(np.cumsum(Value(x), 0, np.float64).data, np.cumsum(x, 0))
    with pytest.raises(TypeError, match=r"numpy.prod: the argument dtype=<class 'numpy.float32'>"):
        np.prod(Value(x), 0, np.float32)
    with pytest.raises(TypeError, match=r"numpy.sum: the argument initial=1.0 is not supported"):
        np.sum(Value(x), initial=1.0)
    with pytest.raises(TypeError, match=r"numpy.var: the argument correction=1"):
        np.var(Value(x), correction=1)
