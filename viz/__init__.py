"""viz: computational graphs and networks drawn with Graphviz, and learning curves.

    >>> from autograd_core import Value
    >>> import viz
    >>> a, b = Value(2.0, label="a"), Value(1.0, label="b")
    >>> e = (a + b) * (b + 1)
    >>> e.backward()
    >>> "grad 5" in viz.draw_graph(e).source   # de/db = 5 is shown on b
    True

`render_svg(value_or_digraph, path)` writes SVG (it needs Graphviz's `dot` program);
`draw_network(mlp)` draws an MLP's neurons and weights; `plot_learning_curves(metrics, path)`
plots a training run (it needs matplotlib: pip install matplotlib, or pip install -e '.[plot]');
`explore(value_or_mlp, path, ...)` writes a page that steps through the forward and backward pass.
"""

from .curves import MissingMatplotlibError, plot_learning_curves
from .explore import explore
from .graph import GraphvizNotFoundError, draw_graph, render_svg
from .network import draw_network, drawn_neurons

__all__ = [
    "GraphvizNotFoundError", "MissingMatplotlibError", "draw_graph", "draw_network", "drawn_neurons",
    "explore", "plot_learning_curves", "render_svg",
]
