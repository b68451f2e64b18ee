"""The engine's gradients against the closed-form BP1-BP4 of nn.backprop, and each equation alone.

Every property draws a random network (layer sizes, hidden and output activations, the
cost, the initialisation, the seed) and a random mini-batch. "The engine" is
`cost(mlp(X), Y).backward()`; the batch cost is C = (1/m) sum_x C_x, so the engine's
dC/dz^l is delta^l / m, where delta^l is the book's error of one example's cost C_x.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn import (
    MLP,
    CrossEntropyCost,
    Linear,
    LogLikelihoodCost,
    QuadraticCost,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
    backprop,
    get_activation,
    get_cost,
)
from nn.backprop import backprop_layers, checked_layers

RTOL = 1e-10


def assert_relatively_close(got, want, rtol=RTOL, what=""):
    """||got - want|| <= rtol ||want|| (norm-wise relative error; exact zeros must match exactly)."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    error, scale = np.linalg.norm(got - want), np.linalg.norm(want)
    assert error <= rtol * scale, f"{what}: relative error {error / scale if scale else error:.3g}"


@dataclass
class Case:
    mlp: MLP
    cost: object
    X: np.ndarray
    Y: np.ndarray

    @property
    def m(self) -> int:
        return self.X.shape[0]


@st.composite
def cases(draw, costs=("quadratic", "cross-entropy", "log-likelihood")):
    """A random MLP, cost and batch (inputs and desired outputs)."""
    n_layers = draw(st.integers(1, 4))
    sizes = draw(st.lists(st.integers(1, 6), min_size=n_layers + 1, max_size=n_layers + 1))
    cost = get_cost(draw(st.sampled_from(costs)))
    activation = draw(st.sampled_from(["sigmoid", "tanh", "relu"]))
    output = cost.output_activation or draw(st.sampled_from(["sigmoid", "tanh", "relu", "softmax"]))
    init = draw(st.sampled_from(["default", "large"]))
    seed = draw(st.integers(0, 2**32 - 1))
    m = draw(st.integers(1, 8))
    rng = np.random.default_rng(seed)
    mlp = MLP(sizes, activation, output_activation=output, init=init, seed=rng)
    X = rng.standard_normal((m, sizes[0])) * draw(st.sampled_from([0.1, 1.0, 3.0]))
    if cost.name == "log-likelihood":
        Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], m)]
    else:
        Y = rng.random((m, sizes[-1]))  # the book's costs accept any desired outputs in [0, 1]
    return Case(mlp, cost, X, Y)


def engine_pass(case: Case):
    """Forward and backward by the engine; returns (zs, activations) with z^l.grad retained."""
    zs, activations = case.mlp.forward_layers(case.X)
    for z in zs:
        z.retain_grad()
    case.mlp.zero_grad()
    case.cost(activations[-1], case.Y).backward()
    return zs, activations


@given(cases())
def test_engine_gradient_of_every_parameter_equals_bp1_to_bp4(case):
    engine_pass(case)
    nabla_b, nabla_w = backprop(case.mlp, case.X, case.Y, case.cost)
    assert len(nabla_b) == len(nabla_w) == len(case.mlp.layers)
    for l, layer in enumerate(case.mlp.layers, start=1):
        assert_relatively_close(layer.W.grad, nabla_w[l - 1], what=f"dC/dW^{l}")
        assert_relatively_close(layer.b.grad, nabla_b[l - 1], what=f"dC/db^{l}")


@given(cases())
def test_backprop_forward_pass_is_the_engines(case):
    zs, activations = engine_pass(case)
    result = backprop(case.mlp, case.X, case.Y, case.cost, return_intermediates=True)
    np.testing.assert_array_equal(result.activations[0], case.X)
    for l in range(1, len(zs) + 1):
        np.testing.assert_allclose(result.zs[l - 1], zs[l - 1].data, rtol=1e-13, atol=1e-300)
        np.testing.assert_allclose(result.activations[l], activations[l].data, rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(result.cost, case.cost(activations[-1], case.Y).item(), rtol=1e-12)


@given(cases())
def test_each_delta_is_m_times_the_engines_gradient_at_z(case):
    zs, _ = engine_pass(case)
    result = backprop(case.mlp, case.X, case.Y, case.cost, return_intermediates=True)
    for l, z in enumerate(zs, start=1):
        assert result.deltas[l - 1].shape == (case.m, case.mlp.sizes[l])
        assert_relatively_close(result.deltas[l - 1], case.m * z.grad, what=f"delta^{l}")


@given(cases())
def test_bp1_the_costs_output_error_is_the_engines(case):
    """BP1: delta^L = cost.delta(z^L, a^L, y) equals m dC/dz^L from the engine."""
    zs, activations = case.mlp.forward_layers(case.X)
    zL, aL = zs[-1].retain_grad(), activations[-1].retain_grad()
    case.cost(aL, case.Y).backward()
    sigma = get_activation(case.mlp.output_activation)
    delta = case.cost.delta(zL.data, aL.data, case.Y, activation=sigma)
    assert_relatively_close(delta, case.m * zL.grad, what="delta^L")


@given(cases(costs=("quadratic",)))
def test_bp1_is_grad_a_c_times_sigma_prime(case):
    """BP1 in the book's form: delta^L = grad_a C_x (.) sigma'(z^L), grad_a C taken from the engine."""
    zs, activations = case.mlp.forward_layers(case.X)
    zL, aL = zs[-1], activations[-1].retain_grad()
    case.cost(aL, case.Y).backward()
    sigma = get_activation(case.mlp.output_activation)
    np.testing.assert_allclose(case.m * aL.grad, aL.data - case.Y, rtol=1e-12, atol=1e-15)  # grad_a C_x
    via_engine = sigma.backward(zL.data, aL.data, case.m * aL.grad)
    assert_relatively_close(case.cost.delta(zL.data, aL.data, case.Y, activation=sigma), via_engine)


@given(cases())
def test_bp2_each_error_from_the_next_layers(case):
    """BP2 with the engine's errors: delta^l = (W^{l+1})^T delta^{l+1} (.) sigma'(z^l), in rows."""
    zs, activations = engine_pass(case)
    deltas = [case.m * z.grad for z in zs]
    for l in range(len(zs) - 1):  # l indexes the book's layer l + 1
        W_next = case.mlp.layers[l + 1].W.data
        sigma = case.mlp.sigmas[l]
        sigma_prime = sigma.prime(zs[l].data, activations[l + 1].data)
        bp2 = (deltas[l + 1] @ W_next) * sigma_prime
        assert_relatively_close(bp2, deltas[l], what=f"BP2 at layer {l + 1}")


@given(cases())
def test_bp3_and_bp4_from_the_engines_errors(case):
    """BP3: dC/db^l = mean_x delta^l;  BP4: dC/dW^l = mean_x delta^l (a^{l-1})^T."""
    zs, activations = engine_pass(case)
    for l, layer in enumerate(case.mlp.layers, start=1):
        delta = case.m * zs[l - 1].grad
        a_prev = np.asarray(activations[l - 1].data if l > 1 else activations[0])
        assert_relatively_close(layer.b.grad, delta.mean(axis=0), what=f"BP3 at layer {l}")
        per_example = np.einsum("xj,xk->xjk", delta, a_prev)  # delta^l(x) a^{l-1}(x)^T, one per example
        assert_relatively_close(layer.W.grad, per_example.mean(axis=0), what=f"BP4 at layer {l}")


@given(cases())
def test_closed_form_bp3_bp4_from_its_own_deltas(case):
    result = backprop(case.mlp, case.X, case.Y, case.cost, return_intermediates=True)
    for l in range(len(case.mlp.layers)):
        delta, a_prev = result.deltas[l], result.activations[l]
        np.testing.assert_allclose(result.nabla_b[l], delta.sum(axis=0) / case.m, rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(result.nabla_w[l], delta.T @ a_prev / case.m, rtol=1e-12, atol=1e-300)
        assert result.nabla_w[l].shape == case.mlp.layers[l].W.shape
        assert result.nabla_b[l].shape == case.mlp.layers[l].b.shape


def test_integer_labels_give_the_same_gradient_as_one_hot_rows():
    mlp = MLP([4, 5, 3], seed=1)
    X = np.random.default_rng(2).standard_normal((6, 4))
    labels = np.array([0, 2, 1, 1, 0, 2])
    by_label = backprop(mlp, X, labels, CrossEntropyCost())
    by_row = backprop(mlp, X, np.eye(3)[labels], CrossEntropyCost())
    for a, b in zip(by_label[1] + by_label[0], by_row[1] + by_row[0], strict=True):
        np.testing.assert_array_equal(a, b)


def test_backprop_layers_is_backprop_for_a_network_checked_once():
    mlp = MLP([4, 5, 3], seed=1)
    X = np.random.default_rng(2).standard_normal((6, 4))
    labels = np.array([0, 2, 1, 1, 0, 2])
    want = backprop(mlp, X, labels, QuadraticCost(), return_intermediates=True)
    got = backprop_layers(checked_layers(mlp), X, labels, QuadraticCost())
    for name in ("nabla_b", "nabla_w", "zs", "activations", "deltas"):
        for a, b in zip(getattr(got, name), getattr(want, name), strict=True):
            np.testing.assert_array_equal(a, b)
    assert got.cost == want.cost
    assert math.isnan(backprop_layers(checked_layers(mlp), X, labels, QuadraticCost(), with_cost=False).cost)


def test_a_sequential_of_layers_gives_the_mlps_gradient():
    mlp = MLP([3, 4, 2], "tanh", output_activation="softmax", seed=0)
    seq = Sequential(mlp.layers[0], Tanh(), mlp.layers[1], Softmax())
    X = np.random.default_rng(1).standard_normal((5, 3))
    Y = np.array([0, 1, 1, 0, 1])
    for a, b in zip(backprop(seq, X, Y, LogLikelihoodCost())[1], backprop(mlp, X, Y, LogLikelihoodCost())[1],
                    strict=True):
        np.testing.assert_array_equal(a, b)
    seq.zero_grad()
    LogLikelihoodCost()(seq(X), Y).backward()
    assert_relatively_close(seq.steps[0].W.grad, backprop(seq, X, Y, LogLikelihoodCost())[1][0])


def test_the_cost_class_may_be_given_instead_of_an_instance():
    mlp = MLP([2, 2], seed=0)
    X, Y = np.ones((1, 2)), np.array([[1.0, 0.0]])
    for a, b in zip(backprop(mlp, X, Y, QuadraticCost)[1], backprop(mlp, X, Y, "quadratic")[1], strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_cross_entropy_needs_a_sigmoid_output_layer():
    mlp = MLP([2, 3, 2], "tanh")  # tanh output layer
    with pytest.raises(ValueError, match="CrossEntropyCost is paired with a sigmoid output layer.*tanh"):
        backprop(mlp, np.ones((1, 2)), np.array([1]), CrossEntropyCost())
    with pytest.raises(ValueError, match="LogLikelihoodCost is paired with a softmax output layer"):
        backprop(MLP([2, 2]), np.ones((1, 2)), np.array([1]), LogLikelihoodCost())


def test_bad_inputs_are_named():
    mlp = MLP([3, 2])
    with pytest.raises(ValueError, match=r"X has shape \(4, 2\); expected \(m, 3\)"):
        backprop(mlp, np.ones((4, 2)), np.zeros((4, 2)), QuadraticCost())
    with pytest.raises(ValueError, match=r"Y have shape \(4, 3\) but the network output has shape \(4, 2\)"):
        backprop(mlp, np.ones((4, 3)), np.zeros((4, 3)), QuadraticCost())
    with pytest.raises(ValueError, match="hidden softmax"):
        backprop(Sequential(Linear(3, 2), Softmax(), Linear(2, 2), Sigmoid()), np.ones((1, 3)), np.array([0]),
                 QuadraticCost())
    with pytest.raises(TypeError, match="alternate Linear and activation"):
        backprop(Sequential(Linear(3, 2), Linear(2, 2)), np.ones((1, 3)), np.array([0]), QuadraticCost())
    with pytest.raises(TypeError, match="needs an MLP"):
        backprop(ReLU(), np.ones((1, 3)), np.array([0]), QuadraticCost())
