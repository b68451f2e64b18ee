"""The costs: their values against the book's formulas, stability from z, and their output errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core import Value
from nn import CrossEntropyCost, LogLikelihoodCost, QuadraticCost, get_cost
from nn.costs import targets


@st.composite
def batches(draw, max_abs_z=8.0):
    """(z^L, y) for a batch: n rows of n_L logits and desired outputs in [0, 1]."""
    n, width = draw(st.integers(1, 6)), draw(st.integers(1, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    z = rng.uniform(-max_abs_z, max_abs_z, (n, width))
    return z, rng.random((n, width))


def logistic(z):
    return 1.0 / (1.0 + np.exp(-z))


@given(batches())
def test_quadratic_cost_is_half_the_mean_squared_distance(batch):
    z, y = batch
    a = logistic(z)
    want = sum(0.5 * np.sum((y[x] - a[x]) ** 2) for x in range(len(a))) / len(a)  # 1/(2n) sum_x ||y - a||^2
    assert QuadraticCost()(Value(a), y).item() == pytest.approx(want, rel=1e-13)
    assert QuadraticCost().fn(z, a, y) == pytest.approx(want, rel=1e-13)


@given(batches())
def test_cross_entropy_is_the_books_formula(batch):
    z, y = batch
    a = logistic(z)
    want = -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)) / len(a)
    zv = Value(z)
    assert CrossEntropyCost()(ag.sigmoid(zv), y).item() == pytest.approx(want, rel=1e-10)  # from z (graph)
    assert CrossEntropyCost()(a, y).item() == pytest.approx(want, rel=1e-10)  # an array: the literal formula
    assert CrossEntropyCost().from_logits(z, y).item() == pytest.approx(want, rel=1e-10)
    assert CrossEntropyCost().fn(z, a, y) == pytest.approx(want, rel=1e-10)


@given(batches())
def test_log_likelihood_is_minus_the_mean_log_of_the_right_output(batch):
    z, _ = batch
    labels = np.arange(len(z)) % z.shape[1]
    a = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    want = -np.mean(np.log(a[np.arange(len(z)), labels]))
    assert LogLikelihoodCost()(ag.softmax(Value(z)), labels).item() == pytest.approx(want, rel=1e-12)
    assert LogLikelihoodCost()(a, labels).item() == pytest.approx(want, rel=1e-12)
    assert LogLikelihoodCost().fn(z, a, np.eye(z.shape[1])[labels]) == pytest.approx(want, rel=1e-12)


@given(batches(max_abs_z=900.0), st.sampled_from(["cross-entropy", "log-likelihood"]))
def test_costs_are_computed_stably_from_z(batch, name):
    """|z| in the hundreds: a^L saturates to exactly 0 or 1, the cost and its gradient stay exact."""
    z, y = batch
    cost = get_cost(name)
    if name == "log-likelihood":
        y = np.eye(z.shape[1])[np.arange(len(z)) % z.shape[1]]
    zv = Value(z)
    activation = ag.sigmoid if name == "cross-entropy" else ag.softmax
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow or divide-by-zero warning
        C = cost(activation(zv), y)
        C.backward()
    a = activation(z)
    if name == "cross-entropy":
        want = np.sum(np.logaddexp(0.0, z) - y * z) / len(z)  # softplus(z) - y z, per neuron
    else:
        log_a = z - np.max(z, axis=1, keepdims=True)
        log_a = log_a - np.log(np.sum(np.exp(log_a), axis=1, keepdims=True))
        want = -np.sum(y * log_a) / len(z)
    assert np.isfinite(C.item())
    assert C.item() == pytest.approx(want, rel=1e-12)
    assert cost.fn(z, a, y) == pytest.approx(want, rel=1e-12)
    np.testing.assert_allclose(zv.grad * len(z), a - y, rtol=1e-12, atol=1e-12)  # delta^L = a^L - y


@given(batches(max_abs_z=30.0), st.sampled_from(["quadratic", "cross-entropy", "log-likelihood"]),
       st.sampled_from(["sigmoid", "tanh", "relu", "softmax"]))
def test_delta_is_the_per_example_gradient_at_z(batch, name, output):
    """cost.delta(z, a, y) = dC_x/dz^L = n dC/dz^L for the batch cost, from the engine."""
    z, y = batch
    cost = get_cost(name)
    output = cost.output_activation or output
    zv = Value(z)
    a = getattr(ag, output)(zv)
    cost(a, y).backward()
    delta = cost.delta(z, a.data, y, activation=output)
    np.testing.assert_allclose(delta, len(z) * zv.grad, rtol=1e-10, atol=1e-14)
    assert cost.fn(z, a.data, y) == pytest.approx(cost(a, y).item(), rel=1e-12)


def test_quadratic_delta_defaults_to_the_books_sigmoid():
    z, y = np.array([[0.3, -1.2]]), np.array([[1.0, 0.0]])
    a = logistic(z)
    np.testing.assert_allclose(QuadraticCost().delta(z, a, y), (a - y) * a * (1 - a), rtol=1e-15)


def test_cross_entropy_takes_z_from_the_graph():
    z = Value(np.array([[800.0, -800.0]]))
    a = ag.sigmoid(z).retain_grad()
    C = CrossEntropyCost()(a, np.array([[0.0, 1.0]]))  # both neurons saturated and badly wrong
    C.backward()
    assert C.item() == pytest.approx(1600.0)  # the literal formula would give inf
    np.testing.assert_allclose(z.grad, [[1.0, -1.0]])
    assert a.grad is None  # a^L is not on the cost's path: documented


def test_targets_accept_labels_or_rows_and_name_bad_shapes():
    np.testing.assert_array_equal(targets(np.array([2, 0]), (2, 3)), [[0, 0, 1], [1, 0, 0]])
    np.testing.assert_array_equal(targets(np.ones((2, 3), dtype=int), (2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"Y have shape \(3,\) but the network output has shape \(2, 3\)"):
        QuadraticCost()(Value(np.zeros((2, 3))), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"labels must lie in 0..2; got 0..3"):
        QuadraticCost()(Value(np.zeros((2, 3))), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"must have shape \(n, n_out\); got \(3,\)"):
        QuadraticCost()(Value(np.zeros(3)), np.zeros(3))
    with pytest.raises(TypeError, match="must be numbers"):
        QuadraticCost()(Value(np.zeros((1, 2))), np.array([["a", "b"]]))


def test_targets_hand_back_float_rows_of_the_right_shape_and_dtype_unchanged():
    y = np.eye(3)[[0, 2]]
    assert targets(y, (2, 3), y.dtype) is y  # nothing converted: the common case of every training step
    converted = targets(y.astype(np.float32), (2, 3), np.dtype(np.float64))
    assert converted.dtype == np.float64
    np.testing.assert_array_equal(converted, y)
    with pytest.raises(ValueError, match=r"Y have shape \(2, 3\) but the network output has shape \(3, 2\)"):
        targets(y, (3, 2), y.dtype)


def test_costs_by_name_and_their_pairing():
    assert isinstance(get_cost("quadratic"), QuadraticCost)
    assert get_cost(CrossEntropyCost).output_activation == "sigmoid"
    assert get_cost("log-likelihood").output_activation == "softmax"
    with pytest.raises(ValueError, match="unknown cost 'hinge'"):
        get_cost("hinge")
    with pytest.raises(ValueError, match="paired with a sigmoid output layer.*relu"):
        CrossEntropyCost().delta(np.zeros((1, 1)), np.zeros((1, 1)), np.zeros((1, 1)), activation="relu")


def test_the_cost_is_averaged_over_the_batch():
    a = Value(np.array([[0.5], [0.5]]))
    single = QuadraticCost()(Value(np.array([[0.5]])), np.array([[1.0]])).item()
    assert QuadraticCost()(a, np.array([[1.0], [1.0]])).item() == pytest.approx(single)


def test_a_softmax_over_another_axis_is_not_taken_for_the_output_layer():
    z = Value(np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]))
    a = ag.softmax(z, axis=0)  # columns sum to 1, not rows: the literal formula applies
    y = np.eye(3)[[0, 2]]
    assert LogLikelihoodCost()(a, y).item() == pytest.approx(-np.sum(y * np.log(a.data)) / 2)
