"""`explore`: one self-contained HTML page that steps through the forward and the backward pass.

The page holds everything inline: the drawing (SVG made by Graphviz's `dot`), the styles, the
script and the numbers, so it opens offline from a file and can be mailed or put on a course
page. Python computes every number (`explore_graph`, `explore_network`); the page only shows them.
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path
from typing import Any

from autograd_core import Value

from .explore_graph import GraphSteps
from .explore_network import NetworkSteps
from .explore_page import CSS, GRAPH_PANEL, HTML, NETWORK_PANEL, SCRIPT
from .graph import to_svg_bytes
from .network import _LARGEST_SLOPE, SATURATED_SLOPE

_GRAPH_LEGEND = (
    "Boxes are values (name, value, gradient ∂C/∂node); blue boxes are the inputs, the orange box is the "
    "output C; ovals are operations; dashed boxes are constants. The highlighted edge is the one being "
    "followed. A gradient shown before all paths have reached a node is its running sum."
)
_NETWORK_LEGEND = (
    "Neurons show z, then a (shaded from white 0 to orange 1), then δ (blue > 0, red < 0) as the steps "
    "reach them; neurons are numbered from 0 within each layer. Edges show w until BP4 reaches their "
    "layer, then ∂C/∂w: blue > 0, red < 0, width on one scale for the whole network. Red ring: saturated "
    "on this example (σ'(z) below {slope:.0%} of its maximum{limits}). Dashed grey ring: low activation "
    "(|a| < {low:g}): the weights out of it learn slowly."
)


def explore(target: Any, path: str | os.PathLike, *, X: Any = None, Y: Any = None, cost: Any = None) -> Path:
    """Write the explorer page for `target` to `path` (an .html file) and return the path.

    For a `Value`, the page steps through its graph: the forward pass fills in each node's value
    in topological order, then the backward pass follows one edge per step, showing the rule
    (d(c·d)/dc = d = 2), its product with the incoming gradient and the running sum where paths
    meet. For an `nn.MLP` with a batch `X`, targets `Y` and a `cost` (a name or a cost object),
    it steps through z^l and a^l layer by layer, then BP1, BP2, BP3 and BP4, with Nielsen's
    demon on every neuron. In the page, `window.backprop` gives `length`, `go(k)` (0: before
    the forward pass; length: the end) and `state()` -> {step, phase, values, grads}.
    Needs Graphviz's `dot` (GraphvizNotFoundError names the install command).
    """
    if isinstance(target, Value):
        if X is not None or Y is not None or cost is not None:
            raise ValueError("explore: X, Y and cost are for an nn.MLP; a Value's graph needs none of them")
        page = _graph_page(target)
    else:
        page = _network_page(target, X, Y, cost)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


def _graph_page(root: Value) -> str:
    graph = GraphSteps(root)
    steps = graph.build()
    initial = graph.initial()
    root_name = graph.by_value[root].name
    data = {
        "kind": "graph",
        "nodes": [{"svg": n.svg, "name": n.name, "leaf": n.value.op is None} for n in graph.nodes],
        "initial": initial,
        "steps": steps,
        "start_text": "Before the forward pass: only the inputs have values. Press → (or Next) to compute "
                      f"the graph's nodes one by one, then to send the gradient of {root_name} back along "
                      "every edge.",
    }
    svg = _inline_svg(graph.digraph())
    title = f"Backpropagation through {root_name} = {graph.expression(graph.by_value[root])}"
    intro = (f"The computational graph of {root_name}, {len(graph.nodes)} values. First the forward pass "
             "computes every node from its inputs; then the backward pass starts from the output with "
             "gradient 1 and follows each edge back, multiplying by the local derivative and adding up "
             "where paths meet (the chain rule).")
    return _page(title, intro, svg, GRAPH_PANEL, _GRAPH_LEGEND, data)


def _network_page(mlp: Any, X: Any, Y: Any, cost: Any) -> str:
    network = NetworkSteps(mlp, X, Y, cost)
    data = network.page_data()
    L = len(mlp.layers)
    data["saturated_below"] = [None] + [
        SATURATED_SLOPE * _LARGEST_SLOPE[s.name] if s.name in _LARGEST_SLOPE else None for s in mlp.sigmas
    ]
    data["start_text"] = (f"Before the forward pass: only the input a^0 = x of each example is known. "
                          f"Press → (or Next) for the forward pass through {L} layers, then the four "
                          "equations of backpropagation.")
    sizes = ", ".join(map(str, mlp.sizes))
    title = f"Backpropagation in the network [{sizes}]"
    intro = (f"{data['cost'].capitalize()} cost on a batch of {data['batch']} example"
             f"{'s' if data['batch'] != 1 else ''}. The forward pass computes z^l = W^l a^(l-1) + b^l "
             "and a^l = σ(z^l) layer by layer; the backward pass finds the error δ^L of the output (BP1), "
             "moves it back layer by layer (BP2), and reads off ∂C/∂b (BP3) and ∂C/∂w (BP4).")
    limits = sorted({f"; {s}: σ'(z) < {SATURATED_SLOPE * _LARGEST_SLOPE[s]:.3g}"
                     for s in data["activations"] if s in _LARGEST_SLOPE})
    legend = _NETWORK_LEGEND.format(slope=SATURATED_SLOPE, limits="".join(limits), low=data["low_activation"])
    return _page(title, intro, _inline_svg(network.digraph()), NETWORK_PANEL, legend, data)


def _inline_svg(digraph: Any) -> str:
    """The SVG of `digraph` without its XML prolog and doctype, ready to sit inside HTML."""
    svg = to_svg_bytes(digraph).decode("utf-8")
    return svg[svg.index("<svg"):]


def _script_data(data: dict) -> str:
    """`data` as a JavaScript literal: JSON, with NaN and Infinity (valid JavaScript) kept and every
    `<` escaped, so no text in it can end the script element."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=True, default=_plain)
    return re.sub("<", r"\\u003c", text)


def _plain(x: Any) -> Any:
    """NumPy scalars as Python numbers (for json)."""
    if hasattr(x, "item"):
        return x.item()
    raise TypeError(f"explore: cannot write {type(x).__name__} into the page")


def _page(title: str, intro: str, svg: str, panel: str, legend: str, data: dict) -> str:
    return HTML.format(
        title=html.escape(title), intro=html.escape(intro), css=CSS, svg=svg, panel=panel,
        legend=html.escape(legend), script=SCRIPT.replace("__DATA__", _script_data(data)),
    )
