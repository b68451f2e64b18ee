"""Computational graphs as Graphviz drawings: `draw_graph` builds the DOT, `render_svg` runs `dot`.

The drawing follows the e = (a + b)(b + 1) figure of the computational-graph chapter: one
record node per `Value` (its label, its data, its gradient dC/dv when a backward pass left
one) and one small node per operation, with edges in the direction data flows, from each
input through the operation to its result. The graph is walked with the engine's own
topological sort, so the drawing and the reverse pass see the same nodes.
"""

from __future__ import annotations

import os
from collections import deque
from pathlib import Path
from typing import Any

import graphviz
import numpy as np

from autograd_core import Value, toposort
from autograd_core.core import graph_parents

RANKDIRS = ("LR", "RL", "TB", "BT")
_RECORD_SPECIALS = str.maketrans({c: "\\" + c for c in '\\"{}|<>'})
_SMALL_ARRAY = 4  # arrays with at most this many elements show every number

INSTALL_HINT = (
    "Graphviz's `dot` program is needed to render SVG but was not found on PATH: install it with "
    "'sudo apt-get install graphviz' (Debian/Ubuntu) or 'brew install graphviz' (macOS). "
    "draw_graph(...).source gives the DOT text without it."
)


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's `dot` program is missing, so no SVG can be rendered."""


def escape_record_text(text: Any) -> str:
    """`text` as a literal field of a Graphviz record label.

    Whitespace runs become one space (Graphviz would collapse them anyway) and other
    unprintable characters become U+FFFD; backslashes, quotes, braces, `|`, `<` and `>` are
    escaped so they are shown, not parsed.
    """
    words = " ".join(str(text).split())
    printable = "".join(c if c.isprintable() else "\ufffd" for c in words)
    return printable.translate(_RECORD_SPECIALS)


def format_number(x: Any) -> str:
    """A short text for one number: 4 significant digits (`2`, `0.25`, `1.235e-05`, `nan`)."""
    return f"{float(x):.4g}"


def summarize(data: Any) -> str:
    """A one-line text for a Value's data or gradient.

    A scalar is its number; an array gives its shape and dtype, then its numbers when it
    has at most four, else its min / mean / max.
    """
    if isinstance(data, Value):
        data = data.data
    array = np.asarray(data)
    if array.ndim == 0:
        return format_number(array)
    shape = "x".join(str(n) for n in array.shape)
    if array.size == 0:
        return f"{shape} {array.dtype} (empty)"
    if array.size <= _SMALL_ARRAY:
        return f"{shape} {array.dtype} [{', '.join(format_number(x) for x in array.ravel())}]"
    with np.errstate(all="ignore"):
        low, mean, high = array.min(), array.mean(), array.max()
    return (
        f"{shape} {array.dtype} min {format_number(low)} mean {format_number(mean)} "
        f"max {format_number(high)}"
    )


def _value_record(node: Value, show_grad: bool, rankdir: str) -> str:
    """The record label of a Value node: label | data | grad (stacked in every direction)."""
    fields = []
    label = "" if node.label is None else escape_record_text(node.label)
    if label:
        fields.append(label)
    fields.append("data " + escape_record_text(summarize(node.data)))
    if show_grad and node.grad is not None:
        fields.append("grad " + escape_record_text(summarize(node.grad)))
    record = "|".join(fields)
    # Fields of a record run across the rank direction; braces flip them, so that they
    # are stacked one above the other whichever way the graph flows.
    return graphviz.nohtml(record if rankdir in ("LR", "RL") else "{" + record + "}")


def _nearest_to_root(root: Value, budget: int) -> tuple[set[Value], int]:
    """The `budget` Values closest to `root` (breadth first along parents) and how many
    Values the whole graph has."""
    seen = {root}
    kept = {root}
    queue = deque([root])
    while queue:
        for parent in graph_parents(queue.popleft()):
            if parent not in seen:
                seen.add(parent)
                if len(kept) < budget:
                    kept.add(parent)
                queue.append(parent)
    return kept, len(seen)


def _check_draw_arguments(root: Any, rankdir: str, max_nodes: Any) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph: root must be an autograd_core.Value, not {type(root).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw_graph: rankdir must be one of {', '.join(RANKDIRS)}; got {rankdir!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int | np.integer) or max_nodes < 1:
        raise ValueError(f"draw_graph: max_nodes must be a positive integer; got {max_nodes!r}")


def draw_graph(
    root: Value, *, rankdir: str = "LR", show_grad: bool = True, max_nodes: int = 500
) -> graphviz.Digraph:
    """The computational graph that computes `root`, as a `graphviz.Digraph`.

    Each Value v is a record node showing its label, its data and, with `show_grad`, its
    gradient dC/dv once a backward pass has set it (leaves always keep theirs;
    `backward(retain_grads=True)` keeps every node's). Each operation is a small oval
    naming the primitive; edges run parent -> operation -> result. Nodes are the Values
    that need a gradient (constants are folded into their operation).

    At most `max_nodes` Values are drawn: those nearest to `root`. The rest are replaced
    by one node saying how many were left out, so `dot` never has to lay out a huge graph.
    Node names are `v<i>` for Values and `op<i>` for operations, with i a topological index.
    """
    _check_draw_arguments(root, rankdir, max_nodes)
    kept, total = _nearest_to_root(root, int(max_nodes))
    order = toposort(root, lambda n: [p for p in graph_parents(n) if p in kept])
    names = {node: f"v{i}" for i, node in enumerate(order)}
    dot = graphviz.Digraph("computational_graph")
    dot.attr(rankdir=rankdir)
    dot.attr("node", fontname="Helvetica", fontsize="11")
    dot.attr("edge", arrowsize="0.7")
    left_out = total - len(kept)
    if left_out:
        dot.node(
            "left_out",
            f"{left_out:,} more Values not drawn\\n(the graph has {total:,}; max_nodes={int(max_nodes):,})",
            shape="note", style="filled", fillcolor="#fff3cd",
        )
    for i, node in enumerate(order):
        style = {"style": "filled", "fillcolor": "#dbeafe"} if node.is_leaf else {}
        if node is root:
            style = {"style": "filled,bold", "fillcolor": "#fde68a"}
        dot.node(names[node], _value_record(node, show_grad, rankdir), shape="record", **style)
        if node.op is not None:
            _draw_operation(dot, node, f"op{i}", names, kept)
    return dot


def _draw_operation(
    dot: graphviz.Digraph, node: Value, op_name: str, names: dict, kept: set
) -> None:
    """The operation that made `node`: its oval, the edges into it and the edge to `node`."""
    dot.node(op_name, str(node.op), shape="oval", fontsize="10", height="0.3", margin="0.02")
    cut = False
    for parent in graph_parents(node):
        if parent in kept:
            dot.edge(names[parent], op_name)
        elif not cut:
            dot.edge("left_out", op_name, style="dashed")
            cut = True
    dot.edge(op_name, names[node])


def render_svg(
    root_or_digraph: Value | graphviz.Digraph, path: str | os.PathLike, **draw_options: Any
) -> Path:
    """Write the drawing of a Value's graph (or any `graphviz.Digraph`) to `path` as SVG.

    A Value is drawn with `draw_graph(value, **draw_options)` first. Returns the path
    written. Raises `GraphvizNotFoundError` (a RuntimeError) naming the install command
    when Graphviz's `dot` program is missing.
    """
    if isinstance(root_or_digraph, Value):
        digraph = draw_graph(root_or_digraph, **draw_options)
    elif isinstance(root_or_digraph, graphviz.Digraph | graphviz.Graph):
        if draw_options:
            raise TypeError(
                f"render_svg: options {sorted(draw_options)} apply only when drawing a Value, "
                "not to an already drawn Digraph"
            )
        digraph = root_or_digraph
    else:
        raise TypeError(
            "render_svg: expected an autograd_core.Value or a graphviz.Digraph, "
            f"not {type(root_or_digraph).__name__}"
        )
    svg = to_svg_bytes(digraph)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(svg)
    return path


def to_svg_bytes(digraph: graphviz.Digraph | graphviz.Graph) -> bytes:
    """The SVG that Graphviz's `dot` makes of `digraph` (GraphvizNotFoundError without `dot`)."""
    try:
        return digraph.pipe(format="svg")
    except graphviz.ExecutableNotFound as error:
        raise GraphvizNotFoundError(INSTALL_HINT) from error
