"""The functional API on containers: arguments and outputs that are nested tuples, lists, dicts
and namedtuples of arrays and numbers, with gradients of the same structure."""

from collections import namedtuple
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core import check_grads, grad, hessian, hvp, jacobian, jvp, value_and_grad, vjp
from autograd_core.testing import arrays
from autograd_core.tree import tree_flatten, tree_map, tree_unflatten
from tests.autograd_core.test_tree import Pair, same_tree, trees

Layer = namedtuple("Layer", ["W", "b"])
RNG = np.random.default_rng(11)


def weights(tree: Any, seed: int = 0) -> list[np.ndarray]:
    """One fixed array of each leaf's shape: the coefficients of `mixed` below."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(np.shape(leaf)) for leaf in tree_flatten(tree)[0]]


def mixed(tree: Any, coefficients: list[np.ndarray]) -> Any:
    """sum_k <c_k, sin(leaf_k)> + (sum_k <c_k, leaf_k>)^2: every leaf matters, leaves interact."""
    leaves = tree_flatten(tree)[0]
    linear = sum((ag.sum(c * x) for c, x in zip(coefficients, leaves, strict=True)), start=0.0)
    waves = sum((ag.sum(c * ag.sin(x)) for c, x in zip(coefficients, leaves, strict=True)), start=0.0)
    return waves + linear * linear


def vector_of(tree: Any) -> np.ndarray:
    """The leaves of a tree of arrays, raveled and joined (as ag.flatten does)."""
    return ag.flatten(tree)[0]


nonempty_trees = trees().filter(lambda t: len(tree_flatten(t)[0]) > 0)


# --- grad and value_and_grad ---------------------------------------------------------------------


@given(nonempty_trees)
def test_the_gradient_of_a_tree_has_its_structure_and_the_analytic_values(tree):
    c = weights(tree)
    g = grad(mixed)(tree, c)
    leaves = tree_flatten(tree)[0]
    linear = sum(float(np.sum(ck * x)) for ck, x in zip(c, leaves, strict=True))
    expected = [ck * np.cos(x) + 2 * linear * ck for ck, x in zip(c, leaves, strict=True)]
    assert tree_flatten(g)[1] == tree_flatten(tree)[1]
    for got, want, x in zip(tree_flatten(g)[0], expected, leaves, strict=True):
        assert type(got) is (np.ndarray if isinstance(x, np.ndarray) else float)
        assert np.shape(got) == np.shape(x)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@given(nonempty_trees)
def test_the_gradient_of_a_tree_is_the_gradient_of_its_flattened_vector(tree):
    c = weights(tree, seed=1)
    vector, unflatten = ag.flatten(tree)
    by_tree = vector_of(grad(mixed)(tree, c))
    by_vector = grad(lambda v: mixed(unflatten(v), c))(vector)
    np.testing.assert_allclose(by_tree, by_vector, rtol=1e-12, atol=1e-12)


@given(nonempty_trees)
def test_flatten_is_differentiable_in_the_tree(tree):
    # A cost that reads the parameters through flatten, as an L2 penalty ||flatten(W)||^2 does:
    # its gradient is the gradient of the same cost written on the leaves.
    c = ag.flatten(weights(tree, seed=2))[0]

    def through_flatten(t: Any) -> Any:
        v = ag.flatten(t)[0]
        return ag.sum(c * ag.sin(v)) + ag.sum(v * v)

    def on_the_leaves(t: Any) -> Any:
        leaves, start, total = tree_flatten(t)[0], 0, 0.0
        for leaf in leaves:
            n = int(np.size(leaf))
            piece = c[start:start + n].reshape(np.shape(leaf))
            total = total + ag.sum(piece * ag.sin(leaf)) + ag.sum(leaf * leaf)
            start += n
        return total

    np.testing.assert_allclose(vector_of(grad(through_flatten)(tree)), vector_of(grad(on_the_leaves)(tree)),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(vector_of(grad(through_flatten)(tree)), c * np.cos(vector_of(tree))
                               + 2 * vector_of(tree), rtol=1e-12, atol=1e-12)


def test_a_list_of_layers_and_a_dict_get_gradients_of_their_structure():
    first = Layer(RNG.standard_normal((3, 2)), RNG.standard_normal(3))
    params = [first, {"W": RNG.standard_normal((1, 3)), "b": 0.5}]
    X = RNG.standard_normal((4, 2))

    def loss(params: Any, X: np.ndarray) -> Any:
        hidden = ag.tanh(X @ params[0].W.T + params[0].b)
        return ag.sum((hidden @ params[1]["W"].T + params[1]["b"]) ** 2)

    value, g = value_and_grad(loss)(params, X)
    assert isinstance(g, list) and isinstance(g[0], Layer) and isinstance(g[1], dict)
    assert g[0].W.shape == (3, 2) and g[0].b.shape == (3,) and g[1]["W"].shape == (1, 3)
    assert type(g[1]["b"]) is float  # a float for a float
    # the same numbers as backward() on Values holding the same parameters
    leaves = [ag.Value(x) for x in tree_flatten(params)[0]]
    out = loss(tree_unflatten(tree_flatten(params)[1], leaves), X)
    out.backward()
    assert value == pytest.approx(out.item())
    for got, leaf in zip(tree_flatten(g)[0], leaves, strict=True):
        np.testing.assert_allclose(got, leaf.grad, rtol=1e-13)


def test_argnum_tuples_trees_and_arrays_together():
    tree = {"a": np.array([1.0, 2.0]), "b": (3.0,)}
    y = np.array([0.5, -1.0])

    def f(tree: Any, y: np.ndarray) -> Any:
        return ag.sum(tree["a"] * y) * tree["b"][0] + ag.sum(y * y)

    g_tree, g_y = grad(f, argnum=(0, 1))(tree, y)
    np.testing.assert_allclose(g_tree["a"], y * 3.0)
    assert g_tree["b"] == (pytest.approx(float(np.sum(tree["a"] * y))),)
    np.testing.assert_allclose(g_y, tree["a"] * 3.0 + 2 * y)


def test_none_in_a_tree_is_an_empty_place_and_comes_back_as_none():
    g = grad(lambda t: ag.sum(t[0] ** 2))((np.array([1.0, 3.0]), None))
    assert g[1] is None
    np.testing.assert_allclose(g[0], [2.0, 6.0])


def test_a_leaf_the_output_does_not_depend_on_gets_zeros_and_no_leaf_at_all_is_an_error():
    g = grad(lambda t: ag.sum(t["used"] ** 2))({"used": np.ones(2), "unused": np.ones(3)})
    np.testing.assert_array_equal(g["unused"], np.zeros(3))
    with pytest.raises(ValueError, match="does not depend on argument 0"):
        grad(lambda t: 1.0)({"a": np.ones(2)})


def test_grad_of_grad_on_a_tree_of_scalars():
    def f(t: Any) -> Any:
        return t["x"] ** 3 * t["y"]

    def dfdx(t: Any) -> Any:
        return grad(f)(t)["x"]  # 3 x^2 y

    second = grad(dfdx)({"x": 2.0, "y": 5.0})
    assert second == {"x": pytest.approx(60.0), "y": pytest.approx(12.0)}  # 6 x y, 3 x^2


# --- vjp and jvp -------------------------------------------------------------------------------------


def two_outputs(tree: Any, c: list[np.ndarray]) -> Any:
    """A function from a tree to a tree: (a scalar, a dict holding an array per leaf)."""
    leaves = tree_flatten(tree)[0]
    return mixed(tree, c), {"each": [ag.tanh(x) * ck for x, ck in zip(leaves, c, strict=True)]}


def random_like(tree: Any, rng: np.random.Generator) -> Any:
    return tree_map(lambda x: rng.standard_normal(np.shape(x)), tree)


@given(nonempty_trees, st.integers(0, 2**32 - 1))
def test_vjp_and_jvp_of_trees_agree_on_u_j_t(tree, seed):
    rng = np.random.default_rng(seed)
    c = weights(tree, seed=2)
    out, back = vjp(two_outputs, tree, c)
    u = random_like(out, rng)
    t = random_like(tree, rng)
    (pulled, _) = back(u)
    assert tree_flatten(pulled)[1] == tree_flatten(tree)[1]
    out_again, pushed = jvp(two_outputs, (tree, c), (t, tree_map(np.zeros_like, c)))
    assert tree_flatten(pushed)[1] == tree_flatten(out)[1] == tree_flatten(out_again)[1]
    left = float(np.dot(vector_of(pulled), vector_of(t)))
    right = float(np.dot(vector_of(u), vector_of(pushed)))
    assert left == pytest.approx(right, rel=1e-10, abs=1e-10)


def test_vjp_of_a_function_returning_its_tree_argument_gives_the_cotangent_back():
    tree = {"W": np.ones((2, 2)), "b": [np.zeros(2), 1.0]}
    out, back = vjp(lambda t: t, tree)
    assert same_tree(out, tree)
    u = {"W": np.full((2, 2), 3.0), "b": [np.array([1.0, 2.0]), 4.0]}
    (pulled,) = back(u)
    assert same_tree(pulled, u)


def test_jvp_along_a_tree_matches_finite_differences():
    params = {"W": RNG.standard_normal((2, 3)), "b": RNG.standard_normal(2)}
    x = RNG.standard_normal(3)

    def layer(p: Any) -> Any:
        return {"z": p["W"] @ x + p["b"], "norm": ag.sum(p["W"] ** 2)}

    t = {"W": RNG.standard_normal((2, 3)), "b": RNG.standard_normal(2)}
    _, pushed = jvp(layer, (params,), (t,))
    eps = 1e-6
    up = layer(tree_map(lambda p, d: p + eps * d, params, t))
    down = layer(tree_map(lambda p, d: p - eps * d, params, t))
    np.testing.assert_allclose(pushed["z"], (up["z"] - down["z"]) / (2 * eps), rtol=1e-7)
    np.testing.assert_allclose(pushed["norm"], (up["norm"] - down["norm"]) / (2 * eps), rtol=1e-7)


def test_tangents_and_cotangents_of_another_structure_are_refused():
    tree = {"a": np.ones(2), "b": np.ones(3)}
    with pytest.raises(ValueError, match=r"tangents\[0\] must have the structure of primals\[0\]"):
        jvp(lambda t: ag.sum(t["a"]), (tree,), ([np.ones(2), np.ones(3)],))
    with pytest.raises(ValueError, match="tangent of shape"):
        jvp(lambda t: ag.sum(t["a"]), (tree,), ({"a": np.ones(3), "b": np.ones(3)},))
    _, back = vjp(lambda t: (t["a"], t["b"]), tree)
    with pytest.raises(ValueError, match="the cotangent must have the structure of the output"):
        back([np.ones(2), np.ones(3)])
    with pytest.raises(ValueError, match="cotangent has shape"):
        back((np.ones(2), np.ones(2)))


# --- jacobian, hessian and the Hessian-vector product ----------------------------------------------


def test_jacobian_of_trees_has_the_output_outside_and_the_argument_inside():
    params = {"W": RNG.standard_normal((2, 3)), "b": RNG.standard_normal(2)}
    x = RNG.standard_normal(3)

    def layer(p: Any) -> Any:
        return (ag.tanh(p["W"] @ x + p["b"]), ag.sum(p["b"] ** 2))

    J = jacobian(layer)(params)
    assert isinstance(J, tuple) and set(J[0]) == {"W", "b"}
    assert J[0]["W"].shape == (2, 2, 3) and J[0]["b"].shape == (2, 2)
    assert J[1]["W"].shape == (2, 3) and J[1]["b"].shape == (2,)
    sech2 = 1 - np.tanh(params["W"] @ x + params["b"]) ** 2
    np.testing.assert_allclose(J[0]["b"], np.diag(sech2), rtol=1e-12)
    np.testing.assert_allclose(J[0]["W"], np.einsum("i,ij,k->ijk", sech2, np.eye(2), x), rtol=1e-12)
    np.testing.assert_array_equal(J[1]["W"], np.zeros((2, 3)))
    np.testing.assert_allclose(J[1]["b"], 2 * params["b"])


@given(nonempty_trees.filter(lambda t: vector_of(t).size <= 12))
def test_the_hessian_of_a_tree_is_the_hessian_of_its_vector_cut_into_blocks(tree):
    c = weights(tree, seed=3)
    vector, unflatten = ag.flatten(tree)
    H_vector = hessian(lambda v: mixed(unflatten(v), c))(vector)
    H_tree = hessian(mixed)(tree, c)
    leaves = tree_flatten(tree)[0]
    sizes = np.cumsum([0] + [np.size(x) for x in leaves])
    # H_tree is a tree of the argument's structure holding, at each leaf i, a tree of the
    # argument's structure whose leaf j has shape leaf_i.shape + leaf_j.shape
    blocks = iter(tree_flatten(H_tree)[0])
    for i, xi in enumerate(leaves):
        for j, xj in enumerate(leaves):
            block = next(blocks)
            assert np.shape(block) == np.shape(xi) + np.shape(xj)
            want = H_vector[sizes[i]:sizes[i + 1], sizes[j]:sizes[j + 1]]
            np.testing.assert_allclose(np.reshape(block, want.shape), want, rtol=1e-10, atol=1e-10)


@given(nonempty_trees.filter(lambda t: vector_of(t).size <= 12), st.integers(0, 2**32 - 1))
def test_the_hessian_vector_product_is_the_hessian_times_the_vector(tree, seed):
    c = weights(tree, seed=4)
    v = random_like(tree, np.random.default_rng(seed))
    vector, unflatten = ag.flatten(tree)
    H = hessian(lambda w: mixed(unflatten(w), c))(vector)
    Hv = hvp(mixed)(tree, c, v)
    assert tree_flatten(Hv)[1] == tree_flatten(tree)[1]
    np.testing.assert_allclose(vector_of(Hv), H @ vector_of(v), rtol=1e-10, atol=1e-10)
    assert ag.hessian_vector_product is hvp


def test_hessian_vector_product_of_an_array_argument_and_of_a_linear_function():
    A = RNG.standard_normal((3, 3))
    x, v = RNG.standard_normal(3), RNG.standard_normal(3)
    np.testing.assert_allclose(hvp(lambda x: x @ A @ x)(x, v), (A + A.T) @ v, rtol=1e-12)
    np.testing.assert_array_equal(hvp(lambda x: ag.sum(2.0 * x))(x, v), np.zeros(3))
    np.testing.assert_allclose(hvp(lambda s, x: s * (x @ A @ x), argnum=1)(2.0, x, v), 2 * (A + A.T) @ v)
    with pytest.raises(ValueError, match="the vector must have the structure of the argument"):
        hvp(lambda t: ag.sum(t["a"] ** 3))({"a": x}, [v])


def test_tuple_argnums_put_a_tuple_of_arguments_inside():
    x, y = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    J = jacobian(lambda x, y: {"p": x * y, "s": ag.sum(x)}, argnum=(0, 1))(x, y)
    np.testing.assert_allclose(J["p"][0], np.diag(y))
    np.testing.assert_allclose(J["p"][1], np.diag(x))
    np.testing.assert_allclose(J["s"][0], [1.0, 1.0])
    np.testing.assert_array_equal(J["s"][1], [0.0, 0.0])
    H = hessian(lambda x, y: ag.sum(x * x * y), argnum=(0, 1))(x, y)
    np.testing.assert_allclose(H[0][0], np.diag(2 * y))
    np.testing.assert_allclose(H[0][1], np.diag(2 * x))
    np.testing.assert_allclose(H[1][0], np.diag(2 * x))
    np.testing.assert_array_equal(H[1][1], np.zeros((2, 2)))
    v = (np.array([1.0, 0.5]), np.array([-2.0, 1.0]))
    Hv = hvp(lambda x, y: ag.sum(x * x * y), argnum=(0, 1))(x, y, v)
    np.testing.assert_allclose(Hv[0], H[0][0] @ v[0] + H[0][1] @ v[1])
    np.testing.assert_allclose(Hv[1], H[1][0] @ v[0])


# --- check_grads --------------------------------------------------------------------------------------


@given(nonempty_trees.filter(lambda t: vector_of(t).size <= 12))
def test_check_grads_accepts_trees_in_and_out(tree):
    c = weights(tree, seed=5)
    assert check_grads(two_outputs, tree, c, order=2) < 1.0


def test_check_grads_catches_a_wrong_rule_behind_a_tree():
    wrong_exp = ag.Primitive(
        "wrong_exp_in_a_tree", np.exp, (lambda g, ans, x: 1.01 * g * ans,), (lambda t, ans, x: t * ans,)
    )
    tree = {"a": np.array([0.3, -0.2]), "b": [np.array([[0.5]])]}
    assert check_grads(lambda t: {"out": ag.exp(t["a"]), "more": ag.exp(t["b"][0])}, tree) < 1.0
    with pytest.raises(AssertionError, match="reverse mode"):
        check_grads(lambda t: {"out": wrong_exp(t["a"]), "more": ag.exp(t["b"][0])}, tree)


# --- what a tree may hold: unsupported leaves and containers are named by their path -----------------


@pytest.mark.parametrize(
    "call, named",
    [
        (lambda: grad(lambda params: 0.0)([1.0, {"W": {1, 2}}]), "grad: params[1]['W'] is a set"),
        (lambda: grad(lambda x, params: 0.0, argnum=1)(1.0, {"a": object()}), "params['a'] is an object"),
        (lambda: grad(lambda *args: 0.0, argnum=2)(1.0, 2.0, [Pair("W", 1.0)]), "args[2][0].W is a str"),
        (lambda: value_and_grad(lambda p: 0.0)({"a": "text"}), "grad: p['a'] is a str"),
        (lambda: vjp(lambda p: 0.0, ({1},)), "vjp: p[0] is a set"),
        (lambda: jvp(lambda p: 0.0, ([True],), ([1.0],)), "jvp: p[0]: a tree's leaves must be real numbers"),
        (lambda: jacobian(lambda p: p)({"a": None, "b": {1}}), "jacobian: p['b'] is a set"),
        (lambda: hessian(lambda params: 0.0)([{"W": {2}}]), "jacobian: params[0]['W'] is a set"),
        (lambda: check_grads(lambda params: 0.0, {"W": {3}}), "check_grads: params['W'] is a set"),
        (lambda: grad(lambda x: x)({1.0}), "grad: x is a set"),
        (lambda: jvp(lambda x: [x, {1}], (1.0,), (1.0,)), "jvp: output[1] is a set"),
    ],
)
def test_an_unsupported_leaf_or_container_is_named_by_its_path(call, named):
    with pytest.raises(TypeError) as error:
        call()
    assert named in str(error.value)


def test_the_plain_path_still_refuses_what_is_not_a_number():
    with pytest.raises(TypeError, match="must be real numbers"):
        grad(lambda x: ag.sum(x))(np.array(["a"]))
    with pytest.raises(TypeError, match=r"returned a tuple of 2 \(Value, Value\)"):
        grad(lambda t: (t["a"], t["a"]))({"a": 1.0})


def test_flatten_is_exported_and_differentiable():
    vector, unflatten = ag.flatten([Pair(np.ones((2, 2)), 1.0)])
    assert vector.shape == (5,)
    np.testing.assert_allclose(grad(lambda v: ag.sum(unflatten(v)[0].W * 2.0))(vector), [2.0] * 4 + [0.0])


@given(arrays())
def test_a_plain_array_still_gets_a_plain_array(x):
    g = grad(lambda x: ag.sum(x * x))(x)
    assert isinstance(g, np.ndarray) and g.shape == x.shape
    np.testing.assert_allclose(g, 2 * x)


@given(nonempty_trees)
def test_flatten_func_gives_f_of_one_vector_with_the_gradient_of_the_tree(tree):
    c = weights(tree, seed=3)
    f_of_vector, unflatten, vector = ag.flatten_func(mixed, tree)
    np.testing.assert_array_equal(vector, vector_of(tree))
    assert f_of_vector(vector, c) == mixed(tree, c)
    np.testing.assert_allclose(grad(f_of_vector)(vector, c), vector_of(grad(mixed)(tree, c)),
                               rtol=1e-12, atol=1e-12)
    assert tree_flatten(unflatten(vector))[1] == tree_flatten(tree)[1]
