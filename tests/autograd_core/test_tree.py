"""Trees of arrays: flatten and rebuild nested tuples, lists, dicts and namedtuples."""

from collections import namedtuple

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.testing import arrays
from autograd_core.tree import flatten, tree_flatten, tree_map, tree_unflatten

Pair = namedtuple("Pair", ["W", "b"])

LEAVES = arrays() | st.floats(-3, 3)


def trees(leaves: st.SearchStrategy = LEAVES) -> st.SearchStrategy:
    """Nested tuples, lists, dicts (str keys), namedtuples and None around array leaves."""
    return st.recursive(
        leaves | st.none(),
        lambda children: (
            st.lists(children, max_size=3)
            | st.lists(children, max_size=3).map(tuple)
            | st.dictionaries(st.text("abcdef", min_size=1, max_size=3), children, max_size=3)
            | st.tuples(children, children).map(lambda wb: Pair(*wb))
        ),
        max_leaves=6,
    )


def same_tree(a, b) -> bool:
    a_leaves, a_def = tree_flatten(a)
    b_leaves, b_def = tree_flatten(b)
    return a_def == b_def and all(
        type(x) is type(y) and np.array_equal(x, y) for x, y in zip(a_leaves, b_leaves, strict=True)
    )


@given(trees())
def test_unflatten_of_flatten_gives_the_tree_back(tree):
    leaves, treedef = tree_flatten(tree)
    assert same_tree(tree_unflatten(treedef, leaves), tree)
    vector, unflatten = flatten(tree)
    assert vector.ndim == 1 and vector.size == sum(np.size(x) for x in leaves)
    assert same_tree(unflatten(vector), tree)


@given(trees())
def test_tree_map_keeps_the_structure(tree):
    doubled = tree_map(lambda x: 2 * x, tree)
    assert tree_flatten(doubled)[1] == tree_flatten(tree)[1]
    for x, y in zip(tree_flatten(tree)[0], tree_flatten(doubled)[0], strict=True):
        assert np.array_equal(2 * x, y)


def test_dicts_flatten_in_sorted_key_order_and_namedtuples_come_back_as_themselves():
    vector, unflatten = flatten({"b": np.array([3.0]), "a": [1.0, Pair(np.array([[2.0]]), 4.0)]})
    assert vector.tolist() == [1.0, 2.0, 4.0, 3.0]
    back = unflatten(vector * 10)
    assert isinstance(back["a"][1], Pair) and back["a"][1].W.shape == (1, 1) and back["a"][1].b == 40.0


def test_float32_leaves_give_a_float32_vector_and_come_back_float32():
    vector, unflatten = flatten([np.ones(2, np.float32), np.zeros((1, 2), np.float32)])
    assert vector.dtype == np.float32 and unflatten(vector)[1].dtype == np.float32


def test_unflatten_is_differentiable():
    _, unflatten = flatten({"W": np.ones((2, 2)), "b": np.zeros(2)})

    def loss(v):
        p = unflatten(v)
        return ag.sum(p["W"] * p["W"]) + ag.sum(p["b"])

    v = np.arange(6.0)
    np.testing.assert_allclose(ag.grad(loss)(v), [0.0, 2.0, 4.0, 6.0, 1.0, 1.0])  # W first: "W" < "b"


@pytest.mark.parametrize(
    ("tree", "named"),
    [
        ([(np.ones(2), {"W": {1, 2}})], "tree[0][1]['W'] is a set"),
        ({"a": object()}, "tree['a'] is an object"),
        (
            [np.array(["x"])],
            "tree[0]: a tree's leaves must be real numbers or arrays, not an array of dtype <U1",
        ),
        ((True,), "tree[0]: a tree's leaves must be real numbers"),
    ],
)
def test_an_unsupported_leaf_or_container_is_named_by_its_path(tree, named):
    with pytest.raises(TypeError) as error:
        flatten(tree)
    assert named in str(error.value)


def test_unflatten_refuses_a_vector_of_the_wrong_size():
    _, unflatten = flatten([np.ones(3)])
    with pytest.raises(ValueError, match=r"shape \(3,\); got \(4,\)"):
        unflatten(np.ones(4))
