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
SATURATION_THRESHOLD = 0.2  # sigma'(z) below this fraction of its maximum counts as saturated

# sigma'(z) written with the activation a = sigma(z), divided by its largest value.
_RELATIVE_SLOPE: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sigmoid": lambda a: 4.0 * a * (1.0 - a),
    "tanh": lambda a: 1.0 - a**2,
    "relu": lambda a: (a > 0).astype(float),
}


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


def _shown_neurons(n: int, limit: int) -> tuple[list[int], int]:
    """Which neurons of a layer of n are drawn (the first and last few) and how many are hidden."""
    if n <= limit:
        return list(range(n)), 0
    head = (limit + 1) // 2
    tail = limit - head
    return list(range(head)) + list(range(n - tail, n)), n - limit


def _hex_alpha(colour: str, strength: float) -> str:
    return f"{colour}{int(round(255 * (0.12 + 0.88 * strength))):02x}"


def _shade(level: float) -> tuple[str, str]:
    """Fill and font colours for an activation level in [0, 1]: white to deep orange."""
    low, high = np.array([255, 255, 255]), np.array([194, 65, 12])
    r, g, b = (low + (high - low) * min(max(level, 0.0), 1.0)).round().astype(int)
    return f"#{r:02x}{g:02x}{b:02x}", ("white" if level > 0.55 else "black")


def _layer_title(l: int, L: int, n: int) -> str:
    kind = "input" if l == 0 else "output" if l == L else "hidden"
    return f"layer {l} ({kind}): {n} neuron{'s' if n != 1 else ''}"


def _neuron_style(l: int, j: int, layer_before: _Layer | None, stats: dict | None) -> dict[str, str]:
    """Label, fill and tooltip of neuron j of layer l."""
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
    slope = stats.get("slope")
    if slope is not None:
        style["tooltip"] += f"; sigma'(z) at {slope[j]:.0%} of its maximum"
        if slope[j] < SATURATION_THRESHOLD:
            style.update(color=SATURATED_BORDER, penwidth="3", tooltip=style["tooltip"] + " (saturated)")
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
    mean over the batch of sigma'(z) relative to its maximum."""
    mean = a.mean(axis=0)
    in_unit_range = a.size > 0 and a.min() >= 0.0 and a.max() <= 1.0
    scale = 1.0 if in_unit_range else max(float(np.abs(a).max(initial=0.0)), 1e-300)
    stats = {"mean": mean, "level": np.abs(mean) / scale, "m": a.shape[0]}
    if activation in _RELATIVE_SLOPE:
        stats["slope"] = _RELATIVE_SLOPE[activation](a).mean(axis=0)
    return stats


def _legend(weights: str, activations: bool, saturation: bool) -> str:
    """The graph's caption: what colours, widths and shades mean."""
    symbol = "w" if weights == "value" else "dC/dw"
    what = "weight w" if weights == "value" else "gradient dC/dw of the last backward pass"
    lines = [
        f"edges: {what}; blue > 0, red < 0; width and opacity grow with |{symbol}| "
        "(relative to the largest in the layer, given in its title)",
    ]
    if not activations:
        lines.append("neurons: index j within the layer (0-based)")
    else:
        lines.append("neurons: mean activation over the batch, from white (0) to dark orange (1)")
        if saturation:
            lines.append(
                f"red ring: saturated neuron, sigma'(z) below {SATURATION_THRESHOLD:.0%} "
                "of its maximum (weights into it learn slowly)"
            )
    return "\\l".join(lines) + "\\l"


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
    last backward pass (a clear error if none ran). Sizes are relative to the largest in the
    layer. `activations`, the list a^0 .. a^L for a batch (each (m, n_l), as `nn.backprop`
    returns), shades each neuron by its mean activation (relative to the layer's largest |a|
    when the layer's activations leave [0, 1]) and rings saturated neurons in red: those
    whose sigma'(z), averaged over the batch, is under 20% of its maximum (for sigmoid, tanh
    and relu layers). A layer with more than `max_neurons_per_layer` neurons shows its first
    and last few and one node saying how many are hidden.
    Node names: `l<l>_n<j>` for neuron j of layer l, `l<l>_more` for the hidden ones.
    """
    _check_limit(max_neurons_per_layer)
    layers = _read_layers(mlp)
    sizes = _layer_sizes(mlp, layers)
    edge_numbers = _edge_numbers(layers, weights)
    sigmas = _activation_names(mlp, len(layers))
    batch = None if activations is None else _batch_activations(activations, sizes)
    shown = [_shown_neurons(n, max_neurons_per_layer) for n in sizes]
    legend = _legend(weights, batch is not None, any(s in _RELATIVE_SLOPE for s in sigmas))

    dot = graphviz.Digraph("network")
    dot.attr(rankdir=rankdir, ranksep="1.6", nodesep="0.08", splines="line", fontname="Helvetica",
             fontsize="11", labeljust="l", label=legend)
    dot.attr("node", shape="circle", width="0.42", fixedsize="true", fontname="Helvetica", fontsize="9")
    L = len(layers)
    for l, n in enumerate(sizes):
        stats = None if batch is None else _activation_stats(batch[l], sigmas[l - 1] if l else None)
        title = _layer_title(l, L, n)
        if l >= 1:
            largest = float(np.abs(edge_numbers[l - 1]).max(initial=0.0))
            title += f"\\nmax |{'w' if weights == 'value' else 'dC/dw'}| into it: {largest:.3g}"
        _draw_layer(dot, l, title, shown[l], layers[l - 1] if l else None, stats)
    for l in range(1, L + 1):
        _draw_weights(dot, l, shown[l - 1][0], shown[l][0], edge_numbers[l - 1], layers[l - 1].W, weights)
    return dot


def _check_limit(max_neurons_per_layer: Any) -> None:
    if isinstance(max_neurons_per_layer, bool) or not isinstance(max_neurons_per_layer, int) \
            or max_neurons_per_layer < 2:
        raise ValueError(
            f"draw_network: max_neurons_per_layer must be an integer >= 2; got {max_neurons_per_layer!r}"
        )


def _draw_layer(dot: graphviz.Digraph, l: int, title: str, shown: tuple[list[int], int],
                layer_before: _Layer | None, stats: dict | None) -> None:
    """Layer l as a column: its title, then its neurons in index order, the hidden ones summarised."""
    indices, hidden = shown
    with dot.subgraph(name=f"layer_{l}") as column:
        column.attr(rank="same")
        column.node(f"l{l}_title", title, shape="plaintext", fixedsize="false", fontsize="10")
        names = [f"l{l}_title"]
        for position, j in enumerate(indices):
            if hidden and position == (len(indices) + 1) // 2:
                column.node(f"l{l}_more", f"... {hidden:,} more", shape="plaintext", fixedsize="false",
                            tooltip=f"{hidden:,} neurons of layer {l} not drawn")
                names.append(f"l{l}_more")
            column.node(f"l{l}_n{j}", **_neuron_style(l, j, layer_before, stats))
            names.append(f"l{l}_n{j}")
        for upper, lower in zip(names, names[1:], strict=False):
            column.edge(upper, lower, style="invis")  # flat edges keep the column in index order


def _draw_weights(dot: graphviz.Digraph, l: int, sources: list[int], targets: list[int],
                  numbers: np.ndarray, W: np.ndarray, weights: str) -> None:
    """The edges k -> j of layer l between drawn neurons, styled by `numbers` (w or dC/dw)."""
    largest = float(np.abs(numbers).max(initial=0.0))
    for j in targets:
        for k in sources:
            x = float(numbers[j, k])
            strength = abs(x) / largest if largest > 0 else 0.0
            tooltip = f"w^{l}_({j},{k}) = {W[j, k]:.4g}"
            if weights == "grad":
                tooltip += f"; dC/dw = {x:.4g}"
            colour = _hex_alpha(POSITIVE if x >= 0 else NEGATIVE, strength)
            dot.edge(f"l{l - 1}_n{k}", f"l{l}_n{j}", color=colour, penwidth=f"{0.25 + 3.75 * strength:.2f}",
                     arrowhead="none", tooltip=tooltip)
