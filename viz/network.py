"""A multilayer perceptron drawn as layers of neurons joined by weights (Graphviz).

Nielsen's notation: layer l has n_l neurons with activations a^l; the weight w^l_{jk} joins
neuron k of layer l-1 to neuron j of layer l, so W^l has shape (n_l, n_{l-1}). By BP4,
dC/dw^l_{jk} = a^{l-1}_k delta^l_j, and by BP1/BP2 delta^l_j carries a factor sigma'(z^l_j).
Drawing |dC/dw| next to the activations makes the book's two observations visible: weights
out of a low-activation neuron (a^{l-1}_k near 0) and weights into a saturated neuron
(sigma'(z^l_j) near 0) get small gradients, so they learn slowly.

The model is duck-typed: anything with `layers`, a list of objects holding `W` (n_l, n_{l-1})
and `b` (n_l,) as `Value`s (or arrays), e.g. `nn.MLP`. `sizes`, `activation` and `output_activation` are used
when present.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import graphviz
import numpy as np

WEIGHT_MODES = ("value", "grad")
POSITIVE, NEGATIVE = "#2563eb", "#dc2626"  # blue for > 0, red for < 0
SATURATED_BORDER = "#b91c1c"
LOW_ACTIVATION_BORDER = "#6b7280"
SATURATED_SLOPE = 0.05  # sigma'(z) below this fraction of its maximum: saturated on that example
SATURATED_SHARE = 0.9  # a neuron saturated on at least this share of the batch is ringed
LOW_ACTIVATION = 0.05  # a neuron whose mean |a| is below this passes almost no gradient to its weights out
MIN_WIDTH, MAX_WIDTH = 0.25, 4.0  # pen widths of the edges, in points

# sigma'(z) written with the activation a = sigma(z), divided by its largest value.
_RELATIVE_SLOPE: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sigmoid": lambda a: 4.0 * a * (1.0 - a),
    "tanh": lambda a: 1.0 - a**2,
    "relu": lambda a: (a > 0).astype(float),
}
_LARGEST_SLOPE = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0}  # the maximum of sigma'(z)


@dataclass
class _Layer:
    """One layer's numbers: W^l, b^l and their gradients (None when no backward pass reached them)."""

    W: np.ndarray
    b: np.ndarray
    W_grad: np.ndarray | None
    b_grad: np.ndarray | None


def _raw(x: Any) -> Any:
    return getattr(x, "data", x)


def _grad_of(x: Any) -> np.ndarray | None:
    g = getattr(x, "grad", None)
    return None if g is None else np.asarray(_raw(g), dtype=float)


def _read_layers(mlp: Any) -> list[_Layer]:
    """W^l, b^l (and gradients) of every layer, checked to chain: W^l is (n_l, n_{l-1})."""
    layers = getattr(mlp, "layers", None)
    if layers is None or len(layers) == 0:
        raise TypeError(
            "draw_network: expected a model with a non-empty `layers` list of layers holding W and b "
            f"(such as nn.MLP); got {type(mlp).__name__}"
        )
    read: list[_Layer] = []
    for l, layer in enumerate(layers, start=1):
        if not hasattr(layer, "W") or not hasattr(layer, "b"):
            raise TypeError(f"draw_network: layer {l} ({type(layer).__name__}) has no W and b")
        W, b = np.asarray(_raw(layer.W), dtype=float), np.asarray(_raw(layer.b), dtype=float)
        if W.ndim != 2 or b.shape != (W.shape[0],):
            raise ValueError(
                f"draw_network: layer {l} needs W of shape (n_l, n_(l-1)) and b of shape (n_l,); "
                f"got W {W.shape} and b {b.shape}"
            )
        if read and W.shape[1] != read[-1].W.shape[0]:
            raise ValueError(
                f"draw_network: layer {l}'s W has shape {W.shape} but layer {l - 1} has "
                f"{read[-1].W.shape[0]} neurons; W^{l} must be ({W.shape[0]}, {read[-1].W.shape[0]})"
            )
        read.append(_Layer(W, b, _grad_of(layer.W), _grad_of(layer.b)))
    return read


def _layer_sizes(mlp: Any, layers: list[_Layer]) -> list[int]:
    sizes = [layers[0].W.shape[1]] + [layer.W.shape[0] for layer in layers]
    declared = getattr(mlp, "sizes", None)
    if declared is not None and list(declared) != sizes:
        raise ValueError(f"draw_network: mlp.sizes is {list(declared)} but the weights give {sizes}")
    return sizes


def _edge_numbers(layers: list[_Layer], weights: str) -> list[np.ndarray]:
    """The number drawn on each edge of each layer: w^l_{jk}, or dC/dw^l_{jk} for 'grad'."""
    if weights not in WEIGHT_MODES:
        raise ValueError(f"draw_network: weights must be 'value' or 'grad'; got {weights!r}")
    if weights == "value":
        return [layer.W for layer in layers]
    for l, layer in enumerate(layers, start=1):
        if layer.W_grad is None:
            raise ValueError(
                f"draw_network(weights='grad'): W^{l} has no gradient; run a backward pass first "
                "(e.g. cost(mlp(X), Y).backward())"
            )
        if layer.W_grad.shape != layer.W.shape:
            raise ValueError(
                f"draw_network: W^{l}.grad has shape {layer.W_grad.shape} but W^{l} has {layer.W.shape}"
            )
    return [layer.W_grad for layer in layers]  # type: ignore[misc]


def _batch_activations(activations: Sequence[Any], sizes: list[int]) -> list[np.ndarray]:
    """a^0 .. a^L as (m, n_l) arrays, checked against the layer sizes."""
    if len(activations) != len(sizes):
        raise ValueError(
            f"draw_network: activations must list a^0..a^L, {len(sizes)} arrays for sizes {sizes}; "
            f"got {len(activations)}"
        )
    batch: list[np.ndarray] = []
    for l, (a, n) in enumerate(zip(activations, sizes, strict=True)):
        a = np.asarray(_raw(a), dtype=float)
        a = a.reshape(1, -1) if a.ndim == 1 else a
        if a.ndim != 2 or a.shape[1] != n:
            raise ValueError(
                f"draw_network: a^{l} must have shape (m, {n}) (or ({n},) for one example); got {a.shape}"
            )
        if batch and a.shape[0] != batch[0].shape[0]:
            raise ValueError(f"draw_network: a^{l} has {a.shape[0]} examples but a^0 has {batch[0].shape[0]}")
        batch.append(a)
    return batch


def _scores(l: int, edge_numbers: list[np.ndarray], batch: list[np.ndarray] | None) -> np.ndarray:
    """How informative each neuron of layer l is: for the input layer with a batch, its mean
    activation; otherwise the sum of |w| (or |dC/dw|) over the edges into and out of it."""
    if l == 0 and batch is not None:
        return np.abs(batch[0]).mean(axis=0)
    score = np.zeros(edge_numbers[l - 1].shape[0] if l else edge_numbers[0].shape[1])
    if l >= 1:
        score += np.abs(edge_numbers[l - 1]).sum(axis=1)
    if l < len(edge_numbers):
        score += np.abs(edge_numbers[l]).sum(axis=0)
    return score


def _shown_neurons(n: int, limit: int, score: np.ndarray) -> tuple[list[int], int]:
    """Which neurons of a layer of n are drawn (the `limit` with the largest scores, in index
    order; ties go to the lower index) and how many are not."""
    if n <= limit:
        return list(range(n)), 0
    chosen = np.argsort(-score, kind="stable")[:limit]
    return sorted(int(j) for j in chosen), n - limit


def edge_style(x: float, largest: float) -> dict[str, str]:
    """Colour and pen width of an edge standing for the number x, on the scale where |x| = `largest`
    is the widest: blue for x >= 0, red for x < 0; width and opacity grow with |x|."""
    strength = min(abs(x) / largest, 1.0) if largest > 0 else 0.0
    alpha = int(round(255 * (0.12 + 0.88 * strength)))
    return {"color": f"{POSITIVE if x >= 0 else NEGATIVE}{alpha:02x}",
            "width": f"{MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * strength:.2f}"}


def _shade(level: float) -> tuple[str, str]:
    """Fill and font colours for an activation level in [0, 1]: white to deep orange."""
    low, high = np.array([255, 255, 255]), np.array([194, 65, 12])
    r, g, b = (low + (high - low) * min(max(level, 0.0), 1.0)).round().astype(int)
    return f"#{r:02x}{g:02x}{b:02x}", ("white" if level > 0.55 else "black")


def _layer_title(l: int, L: int, n: int, hidden: int, by_activation: bool) -> str:
    kind = "input" if l == 0 else "output" if l == L else "hidden"
    title = f"layer {l} ({kind}): {n} neuron{'s' if n != 1 else ''}"
    if hidden:
        which = "mean activation" if by_activation else "sum of |edges|"
        title += f"\\ndrawn: the {n - hidden} with the largest {which}"
    return title


def _neuron_style(
    l: int, j: int, layer_before: _Layer | None, stats: dict | None, last: bool
) -> dict[str, str]:
    """Label, fill, tooltip and marks of neuron j of layer l."""
    style = {"label": str(j), "tooltip": f"neuron {j} of layer {l}"}
    if layer_before is not None:
        style["tooltip"] += f"; b = {layer_before.b[j]:.4g}"
        if layer_before.b_grad is not None:
            style["tooltip"] += f", dC/db = {layer_before.b_grad[j]:.4g}"
    if stats is None:
        return style
    mean = stats["mean"][j]
    fill, font = _shade(stats["level"][j])
    style.update(label=f"{mean:.2f}", style="filled", fillcolor=fill, fontcolor=font)
    style["tooltip"] += f"; mean activation {mean:.4g} over {stats['m']} example(s)"
    share = stats.get("saturated")
    if share is not None:
        style["tooltip"] += f"; saturated on {share[j]:.0%} of them"
        if share[j] >= SATURATED_SHARE:
            style.update(color=SATURATED_BORDER, penwidth="3", tooltip=style["tooltip"] + " (saturated)")
            return style
    if not last and abs(mean) < LOW_ACTIVATION:
        style.update(color=LOW_ACTIVATION_BORDER, penwidth="2", style="filled,dashed",
                     tooltip=style["tooltip"] + " (low activation)")
    return style


def _activation_names(mlp: Any, L: int) -> list[str | None]:
    """The name of sigma in layers 1..L: `mlp.activation`, and `mlp.output_activation` for
    layer L when the model has one (None when unknown)."""
    hidden = getattr(mlp, "activation", None)
    hidden = hidden if isinstance(hidden, str) else None
    output = getattr(mlp, "output_activation", hidden)
    return [hidden] * (L - 1) + [output if isinstance(output, str) else None]


def _activation_stats(a: np.ndarray, activation: str | None) -> dict:
    """Per-neuron mean activation and its shade level; when sigma is known (layers l >= 1), the
    share of the batch on which sigma'(z) is below SATURATED_SLOPE of its maximum."""
    mean = a.mean(axis=0)
    in_unit_range = a.size > 0 and a.min() >= 0.0 and a.max() <= 1.0
    scale = 1.0 if in_unit_range else max(float(np.abs(a).max(initial=0.0)), 1e-300)
    stats = {"mean": mean, "level": np.abs(mean) / scale, "m": a.shape[0]}
    if activation in _RELATIVE_SLOPE:
        stats["saturated"] = (_RELATIVE_SLOPE[activation](a) < SATURATED_SLOPE).mean(axis=0)
    return stats


def _saturation_words(sigmas: list[str | None]) -> str:
    """The saturation threshold as numbers, for the activations the network uses."""
    known = sorted({s for s in sigmas if s in _LARGEST_SLOPE})
    limits = ", ".join(f"{s}: sigma'(z) < {SATURATED_SLOPE * _LARGEST_SLOPE[s]:.3g}" for s in known)
    return f"sigma'(z) below {SATURATED_SLOPE:.0%} of its maximum ({limits})"


def _legend(weights: str, largest: list[float], activations: bool, sigmas: list[str | None]) -> str:
    """The graph's caption: what colours, widths, shades and rings mean, with the edges' scale."""
    symbol = "w" if weights == "value" else "dC/dw"
    what = "weight w" if weights == "value" else "gradient dC/dw of the last backward pass"
    per_layer = ", ".join(f"layer {l} {x:.3g}" for l, x in enumerate(largest, start=1))
    lines = [
        f"edges: {what}; blue > 0, red < 0; width and opacity grow with |{symbol}|, on one scale for the "
        f"whole network: full width {MAX_WIDTH:g} pt = |{symbol}| {max(largest, default=0.0):.3g}",
        f"largest |{symbol}| into each layer: {per_layer}",
    ]
    if not activations:
        lines.append("neurons: index j within the layer (0-based)")
    else:
        lines.append("neurons: mean activation over the batch, from white (0) to dark orange (1)")
        if any(s in _RELATIVE_SLOPE for s in sigmas):
            lines.append(
                f"red ring: saturated neuron, {_saturation_words(sigmas)} on at least "
                f"{SATURATED_SHARE:.0%} of the batch (weights into it learn slowly)"
            )
        lines.append(
            f"dashed grey ring: low activation, mean |a| < {LOW_ACTIVATION:g} "
            "(weights out of it learn slowly)"
        )
    return "\\l".join(lines) + "\\l"


def drawn_neurons(
    mlp: Any, *, weights: str = "value", activations: Sequence[Any] | None = None,
    max_neurons_per_layer: int = 10,
) -> list[list[int]]:
    """The indices of the neurons `draw_network` draws in each layer, called the same way."""
    _check_limit(max_neurons_per_layer)
    layers = _read_layers(mlp)
    sizes = _layer_sizes(mlp, layers)
    edge_numbers = _edge_numbers(layers, weights)
    batch = None if activations is None else _batch_activations(activations, sizes)
    return [_shown_neurons(n, max_neurons_per_layer, _scores(l, edge_numbers, batch))[0]
            for l, n in enumerate(sizes)]


def draw_network(
    mlp: Any,
    *,
    weights: str = "value",
    activations: Sequence[Any] | None = None,
    max_neurons_per_layer: int = 10,
    rankdir: str = "LR",
) -> graphviz.Digraph:
    """The network as a `graphviz.Digraph`: one column of neurons per layer, one edge per weight.

    Edge k -> j into layer l stands for w^l_{jk}. With `weights="value"` it is coloured by the
    sign of w^l_{jk} and sized by |w^l_{jk}|; with `weights="grad"` by dC/dw^l_{jk} from the
    last backward pass (a clear error if none ran). Widths are on one scale for the whole
    network (the legend gives it and each layer's largest value), so a layer whose gradients
    are ten times smaller is drawn ten times thinner. `activations`, the list a^0 .. a^L for a
    batch (each (m, n_l), as `nn.backprop` returns), shades each neuron by its mean activation
    (relative to the layer's largest |a| when the layer's activations leave [0, 1]), rings in
    red the saturated neurons (sigma'(z) below 5% of its maximum on at least 90% of the batch,
    for sigmoid, tanh and relu layers) and in dashed grey the low-activation ones (mean |a|
    below 0.05, outside the output layer).
    A layer with more than `max_neurons_per_layer` neurons shows the most informative ones (the
    input layer with a batch: the largest mean activations; otherwise the largest sum of |edge|
    numbers through the neuron) and one node saying how many are not drawn.
    Node names: `l<l>_n<j>` for neuron j of layer l, `l<l>_more` for the ones not drawn.
    """
    _check_limit(max_neurons_per_layer)
    layers = _read_layers(mlp)
    sizes = _layer_sizes(mlp, layers)
    edge_numbers = _edge_numbers(layers, weights)
    sigmas = _activation_names(mlp, len(layers))
    batch = None if activations is None else _batch_activations(activations, sizes)
    shown = [_shown_neurons(n, max_neurons_per_layer, _scores(l, edge_numbers, batch))
             for l, n in enumerate(sizes)]
    largest = [float(np.abs(numbers).max(initial=0.0)) for numbers in edge_numbers]
    legend = _legend(weights, largest, batch is not None, sigmas)

    dot = graphviz.Digraph("network")
    dot.attr(rankdir=rankdir, ranksep="1.6", nodesep="0.08", splines="line", fontname="Helvetica",
             fontsize="11", labeljust="l", label=legend)
    dot.attr("node", shape="circle", width="0.42", fixedsize="true", fontname="Helvetica", fontsize="9")
    L = len(layers)
    for l, n in enumerate(sizes):
        stats = None if batch is None else _activation_stats(batch[l], sigmas[l - 1] if l else None)
        title = _layer_title(l, L, n, shown[l][1], l == 0 and batch is not None)
        if l >= 1:
            title += f"\\nmax |{'w' if weights == 'value' else 'dC/dw'}| into it: {largest[l - 1]:.3g}"
        _draw_layer(dot, l, title, shown[l], layers[l - 1] if l else None, stats, l == L)
    scale = max(largest, default=0.0)
    for l in range(1, L + 1):
        _draw_weights(dot, l, shown[l - 1][0], shown[l][0], edge_numbers[l - 1], layers[l - 1].W, weights,
                      scale)
    return dot


def _check_limit(max_neurons_per_layer: Any) -> None:
    if isinstance(max_neurons_per_layer, bool) or not isinstance(max_neurons_per_layer, int) \
            or max_neurons_per_layer < 2:
        raise ValueError(
            f"draw_network: max_neurons_per_layer must be an integer >= 2; got {max_neurons_per_layer!r}"
        )


def _draw_layer(dot: graphviz.Digraph, l: int, title: str, shown: tuple[list[int], int],
                layer_before: _Layer | None, stats: dict | None, last: bool) -> None:
    """Layer l as a column: its title, its drawn neurons in index order, then how many are not drawn."""
    indices, hidden = shown
    with dot.subgraph(name=f"layer_{l}") as column:
        column.attr(rank="same")
        column.node(f"l{l}_title", title, shape="plaintext", fixedsize="false", fontsize="10")
        names = [f"l{l}_title"]
        for j in indices:
            column.node(f"l{l}_n{j}", **_neuron_style(l, j, layer_before, stats, last))
            names.append(f"l{l}_n{j}")
        if hidden:
            column.node(f"l{l}_more", f"... {hidden:,} more", shape="plaintext", fixedsize="false",
                        tooltip=f"{hidden:,} neurons of layer {l} not drawn")
            names.append(f"l{l}_more")
        for upper, lower in zip(names, names[1:], strict=False):
            column.edge(upper, lower, style="invis")  # flat edges keep the column in index order


def _draw_weights(dot: graphviz.Digraph, l: int, sources: list[int], targets: list[int],
                  numbers: np.ndarray, W: np.ndarray, weights: str, scale: float) -> None:
    """The edges k -> j of layer l between drawn neurons, styled by `numbers` (w or dC/dw) on `scale`."""
    for j in targets:
        for k in sources:
            x = float(numbers[j, k])
            tooltip = f"w^{l}_({j},{k}) = {W[j, k]:.4g}"
            if weights == "grad":
                tooltip += f"; dC/dw = {x:.4g}"
            style = edge_style(x, scale)
            dot.edge(f"l{l - 1}_n{k}", f"l{l}_n{j}", color=style["color"], penwidth=style["width"],
                     arrowhead="none", tooltip=tooltip)
