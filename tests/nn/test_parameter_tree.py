"""A module's parameters as a tree for the functional API: parameter_tree, apply, load_parameter_tree."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given

import autograd_core as ag
from autograd_core.tree import tree_flatten, tree_map
from nn import MLP, SGD, Linear, QuadraticCost, ReLU, Sequential, backprop
from tests.nn.test_backprop import assert_relatively_close, cases
from tests.nn.test_module import Block


def test_an_mlps_tree_is_a_nested_dict_of_copies_keyed_by_its_parameter_names():
    mlp = MLP([4, 3, 2], seed=0)
    tree = mlp.parameter_tree()
    assert list(tree) == ["layers"] and list(tree["layers"]) == ["0", "1"]
    assert list(tree["layers"]["0"]) == ["W", "b"]
    for name, p in mlp.named_parameters():
        layer, index, leaf = name.split(".")
        entry = tree[layer][index][leaf]
        assert isinstance(entry, np.ndarray) and entry is not p.data
        np.testing.assert_array_equal(entry, p.data)
    tree["layers"]["0"]["W"][:] = 0.0  # a copy: the model keeps its weights
    assert np.any(mlp.layers[0].W.data != 0.0)


@given(cases())
def test_grad_of_the_cost_through_apply_equals_backward_and_bp1_to_bp4(case):
    tree = case.mlp.parameter_tree()
    nabla = ag.grad(lambda p: case.cost(case.mlp.apply(p, case.X), case.Y))(tree)
    assert tree_flatten(nabla)[1] == tree_flatten(tree)[1]
    case.mlp.zero_grad()
    case.cost(case.mlp(case.X), case.Y).backward()
    nabla_b, nabla_w = backprop(case.mlp, case.X, case.Y, case.cost)
    for l, layer in enumerate(case.mlp.layers):
        by_tree = nabla["layers"][str(l)]
        np.testing.assert_allclose(by_tree["W"], layer.W.grad, rtol=1e-13, atol=1e-300)
        np.testing.assert_allclose(by_tree["b"], layer.b.grad, rtol=1e-13, atol=1e-300)
        assert_relatively_close(by_tree["W"], nabla_w[l], what=f"dC/dW^{l + 1}")
        assert_relatively_close(by_tree["b"], nabla_b[l], what=f"dC/db^{l + 1}")


@given(cases(costs=("quadratic",)))
def test_apply_with_the_models_own_tree_is_the_model_and_changes_nothing(case):
    before = case.mlp.state_dict()
    out = case.mlp.apply(case.mlp.parameter_tree(), case.X)
    assert isinstance(out, np.ndarray)  # plain arrays in, plain arrays out
    np.testing.assert_array_equal(out, case.mlp(case.X).data)
    for name, array in case.mlp.state_dict().items():
        np.testing.assert_array_equal(array, before[name])
    assert all(p.grad is None for p in case.mlp.parameters())


def test_functional_sgd_steps_on_the_tree_are_the_optimisers_steps():
    mlp = MLP([3, 4, 2], seed=1)
    rng = np.random.default_rng(2)
    X, Y = rng.standard_normal((5, 3)), rng.random((5, 2))
    cost, eta = QuadraticCost(), 0.5
    tree = mlp.parameter_tree()
    optimizer = SGD(mlp.parameters(), eta=eta)
    for _ in range(3):
        nabla = ag.grad(lambda p: cost(mlp.apply(p, X), Y))(tree)
        tree = tree_map(lambda p, g: p - eta * g, tree, nabla)
        mlp.zero_grad()
        cost(mlp(X), Y).backward()
        optimizer.step()
    for name, array in mlp.state_dict().items():
        layer, index, leaf = name.split(".")
        np.testing.assert_allclose(tree[layer][index][leaf], array, rtol=1e-12)


def test_load_parameter_tree_writes_a_tree_back_with_the_checks_of_load_state_dict():
    mlp, other = MLP([2, 3, 1], seed=0), MLP([2, 3, 1], seed=5)
    other.load_parameter_tree(mlp.parameter_tree())
    for (_, p), (_, q) in zip(mlp.named_parameters(), other.named_parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data)
    tree = mlp.parameter_tree()
    tree["layers"]["1"]["b"] = np.ones(2)
    with pytest.raises(ValueError, match="'layers.1.b' has shape"):
        other.load_parameter_tree(tree)


def test_shared_parameters_nested_modules_and_scalars_are_substituted_everywhere():
    block = Block()
    shared = block.pair[0]
    model = Sequential(block.pair[0], ReLU(), shared, ReLU(), block.pair[1])  # one Linear used twice

    tree = model.parameter_tree()
    assert set(tree["steps"]) == {"0", "4"}  # the shared layer once, under its first name
    x = np.array([[0.5, -1.0], [2.0, 0.3]])
    doubled = tree_map(lambda p: 2.0 * p, tree)
    for layer in (block.pair[0], block.pair[1]):
        layer.W.data, layer.b.data = 2.0 * layer.W.data, 2.0 * layer.b.data
    np.testing.assert_allclose(model.apply(doubled, x), model(x).data, rtol=1e-14)
    g = ag.grad(lambda p: ag.sum(model.apply(p, x)))(tree)
    assert set(g["steps"]) == {"0", "4"} and g["steps"]["0"]["W"].shape == (2, 2)
    scale_tree = block.parameter_tree()
    assert isinstance(scale_tree["scale"], float) and scale_tree["named"]["extra"].shape == (3,)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda t: t["layers"].pop("1"), "has no entry tree['layers']['1']['W'] (parameter 'layers.1.W'"),
        (lambda t: t["layers"]["0"].update(W=np.ones((3, 4))), "tree['layers']['0']['W'] has shape (3, 4)"),
        (lambda t: t.update(extra=np.ones(2)), "entry tree['extra'] is not a parameter of this MLP"),
    ],
)
def test_apply_names_a_missing_extra_or_misshapen_entry(edit, message):
    mlp = MLP([3, 4, 2], seed=0)
    tree = mlp.parameter_tree()
    edit(tree)
    with pytest.raises(ValueError, match=re.escape(message)):
        mlp.apply(tree, np.ones((1, 3)))
    with pytest.raises(TypeError, match="must be a nested dict of parameters"):
        mlp.apply([np.ones(3)], np.ones((1, 3)))


def test_a_linear_layer_applies_its_tree_like_its_own_parameters():
    layer = Linear(3, 2, rng=0)
    tree = {"W": np.arange(6.0).reshape(2, 3), "b": np.array([1.0, -1.0])}
    x = np.array([[1.0, 2.0, 3.0]])
    np.testing.assert_allclose(layer.apply(tree, x), x @ tree["W"].T + tree["b"])
