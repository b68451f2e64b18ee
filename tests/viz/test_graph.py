"""draw_graph and render_svg: the DOT structure, the rendered SVG, the node budget, escaping,
and the error when Graphviz's `dot` is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import deque
from pathlib import Path

import graphviz
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import viz
from autograd_core import Value, toposort
from autograd_core.core import graph_parents
from viz.docs import seed_graph
from viz.graph import GraphvizNotFoundError, escape_record_text, format_number, summarize

from .dotparse import parse_dot, parse_svg, record_fields

REPO = Path(__file__).resolve().parents[2]


def seed_example(retain: bool) -> Value:
    """e = (a + b)(b + 1) at a = 2, b = 1, labelled a..e, after backward (the docs' drawing)."""
    return seed_graph(retain)


def value_nodes(dot) -> dict[str, list[str]]:
    """Record nodes: name -> fields."""
    return {n: record_fields(a["label"]) for n, a in dot.nodes.items() if a.get("shape") == "record"}


def op_nodes(dot) -> dict[str, str]:
    return {n: a["label"] for n, a in dot.nodes.items() if a.get("shape") == "oval"}


def operations_by_label(dot) -> set[tuple[str, tuple[str, ...], str]]:
    """Each operation as (op name, its input labels sorted, its output label)."""
    values = {name: fields[0] for name, fields in value_nodes(dot).items()}
    ops = op_nodes(dot)
    result = set()
    for op, name in ops.items():
        inputs = tuple(sorted(values[t] for t, h, _ in dot.edges if h == op))
        (output,) = [values[h] for t, h, _ in dot.edges if t == op]
        result.add((name, inputs, output))
    return result


# --- the seed example -------------------------------------------------------------------------


def test_seed_graph_has_exactly_the_expected_nodes_edges_and_labels():
    dot = parse_dot(viz.draw_graph(seed_example(retain=True)).source)
    assert sorted(value_nodes(dot).values()) == [
        ["a", "data 2", "grad 2"],
        ["b", "data 1", "grad 5"],  # de/db = 5: the sum over both paths
        ["c", "data 3", "grad 2"],
        ["d", "data 2", "grad 3"],
        ["e", "data 6", "grad 1"],
    ]
    assert sorted(op_nodes(dot).values()) == ["add", "add", "mul"]
    assert len(dot.nodes) == 8 and len(dot.edges) == 8
    assert operations_by_label(dot) == {
        ("add", ("a", "b"), "c"),
        ("add", ("b",), "d"),
        ("mul", ("c", "d"), "e"),
    }


def test_without_retained_grads_only_the_leaves_show_a_gradient():
    dot = parse_dot(viz.draw_graph(seed_example(retain=False)).source)
    fields = {f[0]: f[1:] for f in value_nodes(dot).values()}
    assert fields == {
        "a": ["data 2", "grad 2"], "b": ["data 1", "grad 5"],
        "c": ["data 3"], "d": ["data 2"], "e": ["data 6"],
    }


def test_show_grad_false_hides_gradients():
    dot = parse_dot(viz.draw_graph(seed_example(retain=True), show_grad=False).source)
    assert all(len(fields) == 2 and fields[1].startswith("data ") for fields in value_nodes(dot).values())


def test_edges_run_in_the_direction_data_flows():
    dot = parse_dot(viz.draw_graph(seed_example(retain=True)).source)
    labels = {name: fields[0] for name, fields in value_nodes(dot).items()}
    ops = op_nodes(dot)
    for tail, head, _ in dot.edges:
        assert (tail in labels and head in ops) or (tail in ops and head in labels)
    assert not [h for t, h, _ in dot.edges if labels.get(h) in ("a", "b")]  # leaves have no inputs
    assert not [t for t, h, _ in dot.edges if labels.get(t) == "e"]  # the root feeds nothing


@pytest.mark.parametrize("rankdir", ["LR", "TB", "RL", "BT"])
def test_seed_graph_renders_to_svg_with_the_same_nodes_edges_and_labels(tmp_path, rankdir):
    digraph = viz.draw_graph(seed_example(retain=True), rankdir=rankdir)
    dot = parse_dot(digraph.source)
    path = viz.render_svg(digraph, tmp_path / "seed.svg")
    assert path == tmp_path / "seed.svg"
    svg = parse_svg(path)
    assert {n: svg.nodes[n] for n in value_nodes(dot)} == value_nodes(dot)
    assert {n: svg.nodes[n] for n in op_nodes(dot)} == {n: [op] for n, op in op_nodes(dot).items()}
    assert sorted(svg.edges) == sorted((t, h) for t, h, _ in dot.edges)


def test_render_svg_draws_a_value_itself_and_passes_options(tmp_path):
    path = viz.render_svg(seed_example(retain=True), tmp_path / "sub" / "dir" / "e.svg", show_grad=False)
    texts = parse_svg(path).texts
    assert "data 6" in texts and "grad 5" not in texts


# --- random graphs: one node per Value and per operation, edges follow the engine -----------

UNARY = ["sigmoid", "tanh", "neg", "exp_small"]
BINARY = ["add", "mul", "sub"]


@st.composite
def random_graphs(draw) -> Value:
    """A random expression DAG over a few scalar leaves; nodes may be reused (shared subexpressions)."""
    leaves = [Value(draw(st.floats(-2, 2)), label=f"x{i}") for i in range(draw(st.integers(1, 4)))]
    nodes = list(leaves)
    for _ in range(draw(st.integers(0, 25))):
        pick = st.sampled_from(nodes)
        op = draw(st.sampled_from(UNARY + BINARY))
        if op in BINARY:
            x, y = draw(pick), draw(pick | st.floats(-2, 2))
            nodes.append({"add": x + y, "mul": x * y, "sub": x - y}[op])
        else:
            x = draw(pick)
            unary = {"sigmoid": x.sigmoid, "tanh": x.tanh, "neg": x.__neg__, "exp_small": (x * 0.1).exp}
            nodes.append(unary[op]())
    return nodes[-1]


@given(random_graphs())
def test_random_graph_has_one_node_per_value_and_per_operation(root):
    values = toposort(root, graph_parents)
    dot = parse_dot(viz.draw_graph(root, max_nodes=10_000).source)
    records, ops = value_nodes(dot), op_nodes(dot)
    assert len(records) == len(values)
    assert sorted(ops.values()) == sorted(v.op for v in values if v.op is not None)
    assert sorted(f[-1] if f[0].startswith("data") else f[1] for f in records.values()) == sorted(
        "data " + summarize(v.data) for v in values
    )
    inputs = {op: [t for t, h, _ in dot.edges if h == op] for op in ops}
    outputs = {op: [h for t, h, _ in dot.edges if t == op] for op in ops}
    assert sorted(len(x) for x in inputs.values()) == sorted(len(graph_parents(v)) for v in values if v.op)
    assert all(len(x) == 1 and x[0] in records for x in outputs.values())
    assert len(dot.edges) == sum(len(graph_parents(v)) + 1 for v in values if v.op is not None)


def bfs_depths(root: Value) -> dict[Value, int]:
    depth, queue = {root: 0}, deque([root])
    while queue:
        node = queue.popleft()
        for parent in graph_parents(node):
            if parent not in depth:
                depth[parent] = depth[node] + 1
                queue.append(parent)
    return depth


def label_every_node(root: Value) -> dict[str, Value]:
    by_label = {}
    for i, node in enumerate(toposort(root, graph_parents)):
        node.label = f"n{i}"
        by_label[node.label] = node
    return by_label


@given(random_graphs(), st.integers(1, 12))
def test_over_budget_the_nodes_nearest_the_root_are_drawn_and_the_rest_counted(root, max_nodes):
    by_label = label_every_node(root)
    depth = bfs_depths(root)
    dot = parse_dot(viz.draw_graph(root, max_nodes=max_nodes).source)
    drawn = {by_label[f[0]] for f in value_nodes(dot).values()}
    left_out = len(by_label) - len(drawn)
    assert len(drawn) == min(max_nodes, len(by_label)) and root in drawn
    if left_out:
        assert f"{left_out:,} more Values not drawn" in dot.nodes["left_out"]["label"]
        assert max(depth[v] for v in drawn) <= min(depth[v] for v in by_label.values() if v not in drawn)
        assert any(t == "left_out" for t, _, _ in dot.edges)
    else:
        assert "left_out" not in dot.nodes


def test_a_chain_of_100_000_values_respects_the_budget_and_renders(tmp_path):
    x = Value(0.5, label="x")
    y = x
    for i in range(99_999):
        y = y * 1.0 if i % 2 else y + 1.0
    digraph = viz.draw_graph(y)  # the default budget: 500 Values
    dot = parse_dot(digraph.source)
    assert len(value_nodes(dot)) == 500
    assert len(op_nodes(dot)) == 500  # every drawn Value in the chain came from an operation
    assert "99,500 more Values not drawn" in dot.nodes["left_out"]["label"]
    assert [t for t, _, _ in dot.edges].count("left_out") == 1
    svg = parse_svg(viz.render_svg(digraph, tmp_path / "chain.svg"))
    assert len(svg.nodes) == 1001
    assert "99,500 more Values not drawn" in svg.texts


def test_default_budget_is_500_values():
    y = Value(1.0)
    for _ in range(600):
        y = y + 1.0
    dot = parse_dot(viz.draw_graph(y).source)
    assert len(value_nodes(dot)) == 500
    assert "101 more Values not drawn" in dot.nodes["left_out"]["label"]


# --- arrays, summaries ------------------------------------------------------------------------


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=6),
                  elements=st.floats(-1e6, 1e6)))
def test_an_array_is_summarised_by_shape_dtype_and_numbers(array):
    text = summarize(array)
    assert text.startswith("x".join(map(str, array.shape)) + " float64")
    if array.size <= 4:
        assert all(format_number(v) in text for v in array.ravel())
    else:
        for stat in (array.min(), array.mean(), array.max()):
            assert format_number(stat) in text


def test_array_values_show_summaries_in_the_drawing():
    W = Value(np.arange(12.0).reshape(3, 4), label="W")
    y = (W * 2.0).sum()
    y.backward()
    dot = parse_dot(viz.draw_graph(y).source)
    fields = {f[0]: f for f in value_nodes(dot).values()}
    assert fields["W"] == [
        "W", "data 3x4 float64 min 0 mean 5.5 max 11", "grad 3x4 float64 min 2 mean 2 max 2"
    ]
    assert summarize(np.zeros((0, 3))) == "0x3 float64 (empty)"
    assert summarize(np.array([1.0, np.nan])) == "2 float64 [1, nan]"


# --- escaping -----------------------------------------------------------------------------------

NASTY = 'say "hi" {to} <you> | back\\slash \\ end\\'


def test_labels_with_quotes_braces_angles_bars_and_backslashes_survive_dot_and_svg(tmp_path):
    x = Value(3.0, label=NASTY)
    y = x * x
    y.label = "{|<>}"
    y.backward()
    digraph = viz.draw_graph(y)
    labels = sorted(f[0] for f in value_nodes(parse_dot(digraph.source)).values())
    assert labels == sorted([NASTY, "{|<>}"])
    texts = parse_svg(viz.render_svg(digraph, tmp_path / "nasty.svg")).texts
    assert NASTY in texts and "{|<>}" in texts and "grad 6" in texts


@given(st.text(alphabet=st.sampled_from('ab "{}|<>\\\t\n&;é∂'), max_size=20))
def test_any_label_round_trips_through_the_record_escaping(label):
    fields = value_nodes(parse_dot(viz.draw_graph(Value(1.0, label=label)).source))
    shown = " ".join(label.split())
    assert list(fields.values()) == [[shown, "data 1"] if shown else ["data 1"]]


@settings(max_examples=12)  # each example runs `dot` once
@given(st.lists(st.text(alphabet=st.sampled_from('xy "{}|<>\\&é'), min_size=1, max_size=12), min_size=3,
                max_size=3))
def test_escaped_labels_render_to_the_same_svg_text(tmp_path_factory, labels):
    a, b, c = (Value(1.0, label=text) for text in labels)
    digraph = viz.draw_graph(a + b * c)
    texts = parse_svg(viz.render_svg(digraph, tmp_path_factory.mktemp("svg") / "g.svg")).texts
    for text in labels:
        if text.strip():
            assert " ".join(text.split()) in texts


def test_unprintable_characters_do_not_break_the_svg(tmp_path):
    x = Value(1.0, label="bell\x07 nul\x00 esc\x1b")
    svg = parse_svg(viz.render_svg(x, tmp_path / "ctl.svg"))
    assert "bell\ufffd nul\ufffd esc\ufffd" in svg.texts
    assert escape_record_text("a  b\n c") == "a b c"


# --- bad input -------------------------------------------------------------------------------


def test_bad_arguments_are_named():
    e = seed_example(retain=False)
    with pytest.raises(TypeError, match="root must be an autograd_core.Value, not float"):
        viz.draw_graph(3.0)
    with pytest.raises(ValueError, match="rankdir must be one of LR, RL, TB, BT; got 'XY'"):
        viz.draw_graph(e, rankdir="XY")
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="max_nodes must be a positive integer"):
            viz.draw_graph(e, max_nodes=bad)
    with pytest.raises(TypeError, match="expected an autograd_core.Value or a graphviz.Digraph, not str"):
        viz.render_svg("e", "e.svg")
    with pytest.raises(TypeError, match="apply only when drawing a Value"):
        viz.render_svg(viz.draw_graph(e), "e.svg", show_grad=False)


def test_a_constant_root_is_one_node():
    dot = parse_dot(viz.draw_graph(Value(np.ones(3), requires_grad=False, label="k")).source)
    assert list(value_nodes(dot).values()) == [["k", "data 3 float64 [1, 1, 1]"]]
    assert not dot.edges


# --- Graphviz's dot missing -----------------------------------------------------------------------


def test_missing_dot_raises_one_clear_error_and_source_still_works(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no `dot` on PATH
    e = seed_example(retain=True)
    assert "grad 5" in viz.draw_graph(e).source
    with pytest.raises(GraphvizNotFoundError) as caught:
        viz.render_svg(e, tmp_path / "e.svg")
    assert isinstance(caught.value, RuntimeError)
    message = str(caught.value)
    assert "apt-get install graphviz" in message and "brew install graphviz" in message
    assert not (tmp_path / "e.svg").exists()


def test_missing_dot_in_a_fresh_process_names_the_install_command(tmp_path):
    script = (
        "import viz\n"
        "from autograd_core import Value\n"
        "e = Value(2.0) * Value(3.0)\n"
        "assert 'mul' in viz.draw_graph(e).source\n"
        f"viz.render_svg(e, {str(tmp_path / 'e.svg')!r})\n"
    )
    env = {**os.environ, "PATH": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True)
    assert done.returncode == 1
    assert "GraphvizNotFoundError" in done.stderr and "apt-get install graphviz" in done.stderr
    assert isinstance(GraphvizNotFoundError("x"), RuntimeError)
    assert issubclass(graphviz.ExecutableNotFound, RuntimeError)  # what the error is raised from
