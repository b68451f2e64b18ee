"""The explorer's steps for an MLP on a batch: the forward pass layer by layer, then BP1-BP4.

Numbers come from `nn.backprop(..., return_intermediates=True)`, the closed-form four equations
(z^l, a^l, delta^l per example; dC/db^l, dC/dW^l of the batch cost), and from the network's own
activations for sigma'(z) and for Nielsen's demon: for a neuron j of layer l and an example x,
the demon adds Delta z to z^l_j, the rest of the forward pass runs again, and the measured change
of that example's cost C_x stands beside the first-order prediction delta^l_j Delta z.

Labels in `state()`, for the example shown (neurons numbered from 0 as in NumPy):
values `a^0_k` (inputs), `z^l_j`, `a^l_j`, `C_x` (the example's cost) and `C` (the batch cost);
grads `delta^l_j`, `dC/db^l_j` and `dC/dw^l_j,k` (for the neurons and weights drawn).
"""

from __future__ import annotations

import re
from typing import Any

import graphviz
import numpy as np

from .network import LOW_ACTIVATION, SATURATED_SLOPE, draw_network, drawn_neurons, edge_style

MAX_EXAMPLES = 10  # the page lets the reader pick among the batch's first examples
NUDGES = (-0.5, -0.1, -0.01, 0.01, 0.1, 0.5)  # the demon's Delta z


def _check_batch(mlp: Any, X: Any, Y: Any, cost: Any) -> None:
    missing = [name for name, v in (("X", X), ("Y", Y), ("cost", cost)) if v is None]
    if missing:
        raise ValueError(
            f"explore: exploring an MLP needs a batch and a cost; {', '.join(missing)} missing. "
            "Call explore(mlp, path, X=inputs (m, n_0), Y=targets (m, n_L) or labels (m,), cost='quadratic')"
        )


class NetworkSteps:
    """The numbers of one forward and backward pass of `mlp` on (X, Y) and the page's steps."""

    def __init__(self, mlp: Any, X: Any, Y: Any, cost: Any, max_neurons_per_layer: int = 10) -> None:
        from nn import MLP, backprop, get_cost
        from nn.costs import targets

        if not isinstance(mlp, MLP):
            raise TypeError(
                f"explore: expected an autograd_core.Value or an nn.MLP, not {type(mlp).__name__}"
            )
        _check_batch(mlp, X, Y, cost)
        self.mlp, self.cost = mlp, get_cost(cost)
        self.result = backprop(mlp, X, Y, self.cost, return_intermediates=True)
        a_out = self.result.activations[-1]
        self.y = targets(Y, a_out.shape, a_out.dtype)
        self.m = a_out.shape[0]
        self.shown_examples = min(self.m, MAX_EXAMPLES)
        self.L = len(mlp.layers)
        layers = zip(mlp.sigmas, self.result.zs, self.result.activations[1:], strict=True)
        self.primes = [sigma.prime(z, a) if sigma.name != "softmax" else None for sigma, z, a in layers]
        drawing: dict[str, Any] = {"weights": "value", "activations": self.result.activations,
                                   "max_neurons_per_layer": max_neurons_per_layer}
        self.dot = draw_network(mlp, **drawing)
        self.dot.attr(label="")  # the page has its own legend, which changes with the step
        # and the titles lose the scale of w, since the edges show dC/dw once BP4 reaches them
        self.dot.body = [re.sub(r"\\nmax \|w\| into it: [^\"]*", "", line) for line in self.dot.body]
        self.shown = drawn_neurons(mlp, **drawing)

    # --- the numbers --------------------------------------------------------------------------
    def _per_example(self, label: str, arrays: np.ndarray, l: int) -> dict:
        """A group of per-example numbers for the drawn neurons of layer l: label^l_j."""
        rows = arrays[: self.shown_examples]
        return {"labels": [f"{label}^{l}_{j}" for j in self.shown[l]],
                "numbers": [[float(row[j]) for j in self.shown[l]] for row in rows]}

    def groups(self) -> dict[str, dict]:
        """Every quantity the steps reveal: `kind` values / grads (in state()) or info (shown only)."""
        r = self.result
        groups: dict[str, dict] = {"a^0": {"kind": "values", **self._per_example("a", r.activations[0], 0)}}
        for l in range(1, self.L + 1):
            groups[f"z^{l}"] = {"kind": "values", **self._per_example("z", r.zs[l - 1], l)}
            groups[f"a^{l}"] = {"kind": "values", **self._per_example("a", r.activations[l], l)}
            prime = self.primes[l - 1]
            if prime is not None:
                groups[f"sigma'^{l}"] = {"kind": "info", **self._per_example("sigma'(z)", prime, l)}
            groups[f"delta^{l}"] = {"kind": "grads", **self._per_example("delta", r.deltas[l - 1], l)}
            groups[f"dC/db^{l}"] = {"kind": "grads", "batch": True,
                                    "labels": [f"dC/db^{l}_{j}" for j in self.shown[l]],
                                    "numbers": [float(r.nabla_b[l - 1][j]) for j in self.shown[l]]}
            groups[f"dC/dw^{l}"] = {"kind": "grads", "batch": True,
                                    "labels": [f"dC/dw^{l}_{j},{k}" for j, k in self._weights(l)],
                                    "numbers": [float(r.nabla_w[l - 1][j, k]) for j, k in self._weights(l)]}
        groups["C"] = {"kind": "values", "labels": ["C_x"],
                       "numbers": [[self.example_cost(x)] for x in range(self.shown_examples)]}
        groups["C batch"] = {"kind": "values", "batch": True, "labels": ["C"], "numbers": [float(r.cost)]}
        return groups

    def _weights(self, l: int) -> list[tuple[int, int]]:
        """(j, k) of the drawn weights w^l_jk."""
        return [(j, k) for j in self.shown[l] for k in self.shown[l - 1]]

    def example_cost(self, x: int, z_out: np.ndarray | None = None, a_out: np.ndarray | None = None) -> float:
        """C_x, the cost of example x alone (at the given z^L and a^L rows, else the network's)."""
        z = self.result.zs[-1][x: x + 1] if z_out is None else z_out
        a = self.result.activations[-1][x: x + 1] if a_out is None else a_out
        return float(self.cost.fn(z, a, self.y[x: x + 1]))

    def demon(self) -> dict[str, list[list[list[float]]]]:
        """For each drawn neuron l_j (l >= 1) and shown example x: [Delta z, measured Delta C_x,
        delta^l_j Delta z] for every nudge."""
        table: dict[str, list[list[list[float]]]] = {}
        for l in range(1, self.L + 1):
            for j in self.shown[l]:
                table[f"l{l}_n{j}"] = [[self._nudge(l, j, x, dz) for dz in NUDGES]
                                       for x in range(self.shown_examples)]
        return table

    def _nudge(self, l: int, j: int, x: int, dz: float) -> list[float]:
        r = self.result
        z = r.zs[l - 1][x: x + 1].copy()
        z[0, j] += dz
        a = self.mlp.sigmas[l - 1].numpy(z)
        for layer, sigma in zip(self.mlp.layers[l:], self.mlp.sigmas[l:], strict=True):
            z = a @ layer.W.data.T + layer.b.data
            a = sigma.numpy(z)
        measured = self.example_cost(x, z, a) - self.example_cost(x)
        return [dz, measured, float(r.deltas[l - 1][x, j]) * dz]

    # --- the drawing's styles -----------------------------------------------------------------
    def edges(self) -> list[dict]:
        """Each drawn edge k -> j of layer l with its style by w and by dC/dw (one scale per mode
        for the whole network)."""
        W = [layer.W.data for layer in self.mlp.layers]
        largest_w = max(float(np.abs(w).max(initial=0.0)) for w in W)
        largest_g = max(float(np.abs(g).max(initial=0.0)) for g in self.result.nabla_w)
        edges = []
        for l in range(1, self.L + 1):
            for j in self.shown[l]:
                for k in self.shown[l - 1]:
                    w, g = float(W[l - 1][j, k]), float(self.result.nabla_w[l - 1][j, k])
                    edges.append({"id": f"l{l - 1}_n{k}->l{l}_n{j}", "layer": l, "w": w, "grad": g,
                                  "by_w": edge_style(w, largest_w), "by_grad": edge_style(g, largest_g)})
        return edges

    # --- the steps ------------------------------------------------------------------------------
    def steps(self) -> list[dict]:
        """Forward (z^l, a^l per layer, then C), BP1, BP2 for l = L-1..1, BP3 and BP4 for l = L..1, end."""
        steps = []
        sigma = [s.name for s in self.mlp.sigmas]
        for l in range(1, self.L + 1):
            steps.append(self._step(
                "forward", [f"z^{l}"], [f"l{l}"], [l],
                f"Forward pass, layer {l}: each neuron j forms its weighted input from the activations of "
                f"layer {l - 1}: z^{l}_j = Σ_k w^{l}_jk a^{l - 1}_k + b^{l}_j.",
                [f"z^{l} = W^{l} a^{l - 1} + b^{l}  (W^{l} is {self.mlp.sizes[l]}×{self.mlp.sizes[l - 1]})"]))
            steps.append(self._step(
                "forward", [f"a^{l}", f"sigma'^{l}"], [f"l{l}"], [],
                f"Forward pass, layer {l}: each neuron applies its activation function: a^{l}_j = σ(z^{l}_j) "
                f"({sigma[l - 1]}). Neurons where σ'(z) is tiny are saturated.",
                [f"a^{l} = σ(z^{l})"]))
        steps.append(self._step(
            "forward", ["C", "C batch"], [f"l{self.L}"], [],
            f"The cost compares the output a^{self.L} with the desired output y: "
            f"{self._cost_words()} For this example it is C_x; for the batch, C is their mean.",
            [f"C = {float(self.result.cost):.6g} over {self.m} example{'s' if self.m != 1 else ''}"]))
        L = self.L
        steps.append(self._step(
            "BP1", [f"delta^{L}"], [f"l{L}"], [],
            f"BP1, the error of the output layer: δ^{L}_j = ∂C_x/∂a^{L}_j · σ'(z^{L}_j). It is large when "
            "the output is far from y, and small when the neuron is saturated (σ'(z) near 0), however wrong "
            "it is.",
            [f"δ^{L} = ∇_a C ⊙ σ'(z^{L})"]))
        for l in range(L - 1, 0, -1):
            steps.append(self._step(
                "BP2", [f"delta^{l}"], [f"l{l}"], [l + 1],
                f"BP2, the error moves back one layer: δ^{l} = ((W^{l + 1})ᵀ δ^{l + 1}) ⊙ σ'(z^{l}). Each "
                f"neuron of layer {l} collects the errors of layer {l + 1} through the weights out of it, "
                "times its own σ'(z).",
                [f"δ^{l} = ((W^{l + 1})ᵀ δ^{l + 1}) ⊙ σ'(z^{l})"]))
        for l in range(L, 0, -1):
            steps.append(self._step(
                "BP3", [f"dC/db^{l}"], [f"l{l}"], [],
                f"BP3, layer {l}: the gradient of the cost for each bias is the neuron's error: "
                f"∂C/∂b^{l}_j = δ^{l}_j (averaged over the {self.m} examples of the batch).",
                [f"∂C/∂b^{l} = δ^{l}  (batch mean)"]))
            steps.append(self._step(
                "BP4", [f"dC/dw^{l}"], [f"l{l - 1}", f"l{l}"], [l],
                f"BP4, layer {l}: the gradient for a weight is the activation going in times the error "
                f"coming out: ∂C/∂w^{l}_jk = a^{l - 1}_k δ^{l}_j (batch mean). Edges now show ∂C/∂w: colour "
                "its sign, width its size. Weights out of a low-activation neuron learn slowly.",
                [f"∂C/∂W^{l} = δ^{l} (a^{l - 1})ᵀ  (batch mean)"]))
        steps.append(self._step(
            "end", [], [], [],
            "Done: one forward pass and one backward pass gave ∂C/∂b and ∂C/∂w for every weight and bias. "
            "Pick a neuron to ask Nielsen's demon how the cost answers a nudge of its z.", []))
        return steps

    def _step(self, phase: str, reveal: list[str], layers: list[str], edge_layers: list[int],
              text: str, detail: list[str]) -> dict:
        return {"phase": phase, "reveal": reveal, "focus": {"layers": layers, "edge_layers": edge_layers},
                "text": text, "detail": detail}

    def _cost_words(self) -> str:
        name = self.cost.name
        if name == "quadratic":
            return "C_x = ½‖y − a^L‖²."
        if name == "cross-entropy":
            return "C_x = −Σ_j [y_j ln a^L_j + (1 − y_j) ln(1 − a^L_j)]."
        return f"the {name} cost C_x."

    def page_data(self) -> dict:
        """Everything the page shows, as plain numbers and texts."""
        return {
            "kind": "network",
            "sizes": list(self.mlp.sizes),
            "activations": [s.name for s in self.mlp.sigmas],
            "cost": self.cost.name,
            "batch": self.m,
            "examples": self.shown_examples,
            "shown": self.shown,
            "groups": self.groups(),
            "edges": self.edges(),
            "demon": self.demon(),
            "nudges": list(NUDGES),
            "saturated_slope": SATURATED_SLOPE,
            "low_activation": LOW_ACTIVATION,
            "steps": self.steps(),
        }

    def digraph(self) -> graphviz.Digraph:
        """The network drawn by `draw_network` (on the batch's activations), without its legend."""
        return self.dot
