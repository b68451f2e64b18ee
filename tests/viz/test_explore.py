"""viz.explore without a browser: the steps' numbers against the engine, the page's contents, errors."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_core as ag
import viz
from autograd_core import Value
from viz.explore_graph import GraphSteps

OPS = {
    "add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
    "tanh": lambda x, y: x.tanh(), "sigmoid": lambda x, y: x.sigmoid(), "plus 1": lambda x, y: x + 1.0,
    "times 2": lambda x, y: 2.0 * x, "exp": lambda x, y: (0.1 * x).exp(),
}


@st.composite
def expressions(draw: st.DrawFn) -> tuple[Value, list[Value]]:
    """A scalar expression over two or three labelled inputs, with nodes used more than once."""
    leaves = [Value(draw(st.floats(-2, 2)), label=name) for name in "xyz"[: draw(st.integers(2, 3))]]
    nodes = list(leaves)
    for i in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(sorted(OPS)))
        node = OPS[op](draw(st.sampled_from(nodes)), draw(st.sampled_from(nodes)))
        node.label = f"n{i}"
        nodes.append(node)
    root = nodes[-1]
    for extra in nodes[-3:-1]:  # join a few nodes into the root, so paths meet
        root = root * extra
    root.label = "C"
    return root, nodes


@given(expressions())
def test_every_step_adds_the_rules_product_and_the_running_sums_end_at_the_engines_gradients(case):
    root, _ = case
    graph = GraphSteps(root)
    steps = graph.build()
    root.backward(retain_grads=True)
    in_graph = {node.name: node.value for node in graph.nodes}
    forward = [s for s in steps if s["phase"] == "forward"]
    assert len(forward) == sum(v.op is not None for v in in_graph.values())
    values = dict(graph.initial()["values"])
    grads: dict[str, float] = {}
    for step in steps:
        values.update(step["values"])
        if step["phase"] == "backward":
            assert len(step["grads"]) == 1  # one edge, one running sum
        grads.update(step["grads"])
    assert values == {name: float(v.data) for name, v in in_graph.items()}
    assert grads.keys() == in_graph.keys()
    for name, v in in_graph.items():
        assert grads[name] == pytest.approx(float(v.grad), rel=1e-12, abs=1e-300)
    edges = sum(len(v.parents) for v in in_graph.values())
    assert len(steps) == len(forward) + 1 + edges + 1 and steps[-1]["phase"] == "end"


def test_the_seed_steps_say_rule_product_and_sum():
    a, b = Value(2.0, label="a"), Value(1.0, label="b")
    c = a + b
    d = b + 1
    e = c * d
    c.label, d.label, e.label = "c", "d", "e"
    steps = GraphSteps(e).build()
    details = [line for step in steps for line in step["detail"]]
    assert "c = a + b = 2 + 1 = 3" in details
    assert "rule: ∂e/∂c = ∂(c·d)/∂c = d = 2" in details
    assert "product: ∂e/∂e · ∂e/∂c = 1 · 2 = 2" in details
    assert "running sum at b: 2 + 3 = 5" in details or "running sum at b: 3 + 2 = 5" in details
    constants = [step for step in steps if step["phase"] == "forward" and "b + 1" in step["detail"][0]]
    assert constants and constants[0]["detail"][0] == "d = b + 1 = 1 + 1 = 2"


def test_an_array_graph_sums_broadcast_gradients_back_like_the_engine():
    rng = np.random.default_rng(0)
    W = Value(rng.normal(size=(2, 3)), label="W")
    bias = Value(rng.normal(size=3), label="bias")
    x = Value(rng.normal(size=(6, 2)), label="x", requires_grad=False)
    h = ag.tanh(x @ W + bias)
    h.label = "h"
    C = (h * h).sum()
    C.label = "C"
    graph = GraphSteps(C)
    steps = graph.build()
    C.backward(retain_grads=True)
    grads: dict[str, float] = {}
    for step in steps:
        grads.update(step["grads"])
    for index in np.ndindex(3):
        assert grads[f"bias[{index[0]}]"] == pytest.approx(bias.grad[index])
    for j, k in np.ndindex(2, 3):
        assert grads[f"W[{j},{k}]"] == pytest.approx(W.grad[j, k])
    assert "h[0,0]" not in grads and "h" not in grads  # 18 numbers: only summarised (state lists up to 16)


def test_the_page_is_self_contained_and_its_script_cannot_be_ended_by_a_label(tmp_path):
    a = Value(3.0, label="</script><b>a")
    e = a * a
    e.label = "e"
    page = viz.explore(e, tmp_path / "page.html").read_text()
    assert page.count("</script>") == 1 and page.count("<script>") == 1
    assert not re.search(r"""(src|href)\s*=\s*["'](?!#)""", page), "the page refers to another file"
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert "window.backprop" in page and "<svg" in page


def test_bad_calls_are_named(tmp_path):
    from nn import MLP

    with pytest.raises(TypeError, match="expected an autograd_core.Value or an nn.MLP, not list"):
        viz.explore([1.0], tmp_path / "x.html")
    with pytest.raises(ValueError, match="X, Y, cost missing"):
        viz.explore(MLP([2, 2]), tmp_path / "x.html")
    with pytest.raises(ValueError, match="cost missing"):
        viz.explore(MLP([2, 2]), tmp_path / "x.html", X=np.zeros((1, 2)), Y=np.zeros((1, 2)))
    with pytest.raises(ValueError, match="X, Y and cost are for an nn.MLP"):
        viz.explore(Value(1.0) * 2.0, tmp_path / "x.html", X=np.zeros((1, 2)))
    x = Value(1.0)
    for _ in range(200):
        x = x * 1.0001
    with pytest.raises(ValueError, match="has 201 Values; the explorer steps through at most 120"):
        viz.explore(x, tmp_path / "x.html")
    assert not list(tmp_path.iterdir())


def test_without_dot_explore_names_the_install_command(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(viz.GraphvizNotFoundError, match="apt-get install graphviz"):
        viz.explore(Value(1.0) * 2.0, tmp_path / "x.html")
    assert not (tmp_path / "x.html").exists()


def test_the_network_page_holds_the_closed_form_numbers(tmp_path):
    from nn import MLP, backprop

    mlp = MLP([3, 4, 2], seed=0)
    rng = np.random.default_rng(0)
    X, labels = rng.random((12, 3)), rng.integers(0, 2, 12)
    path = viz.explore(mlp, Path(tmp_path) / "net.html", X=X, Y=labels, cost="cross-entropy")
    text = path.read_text()
    result = backprop(mlp, X, labels, "cross-entropy", return_intermediates=True)
    assert repr(float(result.nabla_w[0][2, 1])) in text and repr(float(result.cost)) in text
    assert "batch of 12 examples" in text and os.path.getsize(path) < 200_000
