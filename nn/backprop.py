"""The closed-form reference: the four fundamental equations of backpropagation, in NumPy.

No engine here: the forward pass and BP1-BP4 are written out, vectorised over a
mini-batch of m examples stored as rows (X of shape (m, n_0)):

    feedforward   z^l = a^{l-1} (W^l)^T + b^l,   a^l = sigma(z^l)              (rows)
    BP1           delta^L = grad_a C_x (.) sigma'(z^L)                          (cost.delta)
    BP2           delta^l = (delta^{l+1} W^{l+1}) (.) sigma'(z^l)               (row form of W^T delta)
    BP3           dC/db^l = (1/m) sum_x delta^l(x)
    BP4           dC/dW^l = (1/m) sum_x delta^l(x) a^{l-1}(x)^T = (delta^l)^T a^{l-1} / m

delta^l is the error of each example's own cost C_x (one row per example); the gradients
are those of the batch cost C = (1/m) sum_x C_x, the numbers `cost(model(X), Y).backward()`
leaves in `.grad`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np

from autograd_core import Value

from .costs import Cost, get_cost, targets
from .module import MLP, Activation, Linear, Module, Sequential


@dataclass
class BackpropResult:
    """Gradients of the batch cost and, layer by layer, what BP1-BP4 were computed from.

    Lists are in layer order: nabla_b[l-1] = dC/db^l, nabla_w[l-1] = dC/dW^l (parameter
    shapes), zs = [z^1..z^L], activations = [a^0 = X, a^1..a^L], deltas = [delta^1..delta^L]
    (each (m, n_l)), and `cost` the batch-averaged cost C.
    """

    nabla_b: list[np.ndarray]
    nabla_w: list[np.ndarray]
    zs: list[np.ndarray]
    activations: list[np.ndarray]
    deltas: list[np.ndarray]
    cost: float


def network_layers(model: Module) -> list[tuple[Linear, Activation]]:
    """(Linear, activation) for each layer l = 1..L of an MLP or of a Sequential of such pairs."""
    if isinstance(model, MLP):
        return list(zip(model.layers, model.sigmas, strict=True))
    if isinstance(model, Sequential):
        steps = model.steps
        pairs = [(lin, act) for lin, act in zip(steps[0::2], steps[1::2], strict=False)
                 if isinstance(lin, Linear) and isinstance(act, Activation)]
        if steps and len(steps) == 2 * len(pairs):
            return pairs
        raise TypeError(
            "backprop: a Sequential must alternate Linear and activation modules, "
            f"Linear first; got {[type(s).__name__ for s in steps]}"
        )
    raise TypeError(
        f"backprop needs an MLP or a Sequential of Linear/activation pairs, not {type(model).__name__}"
    )


def checked_layers(model: Module) -> list[tuple[Linear, Activation]]:
    """`network_layers(model)`, refusing a hidden softmax layer (BP2 needs elementwise hidden layers)."""
    layers = network_layers(model)
    for l, (_, act) in enumerate(layers[:-1], start=1):
        if act.name == "softmax":
            raise ValueError(
                f"backprop: layer {l} is a hidden softmax layer; hidden layers must be elementwise"
            )
    return layers


def feedforward(model: Module, X: Any) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """([z^1..z^L], [a^0 = X, a^1..a^L]) as NumPy arrays, each (m, n_l): the forward pass, no engine."""
    layers = network_layers(model)
    return _feedforward(layers, _inputs(X, layers[0][0]))


def _feedforward(layers: list[tuple[Linear, Activation]], a: np.ndarray) -> tuple[list, list]:
    """z^l = a^{l-1} (W^l)^T + b^l and a^l = sigma(z^l) for l = 1..L, from checked inputs a^0."""
    zs, activations = [], [a]
    for layer, act in layers:
        z = a @ layer.W.data.T + layer.b.data
        a = act.numpy(z)
        zs.append(z)
        activations.append(a)
    return zs, activations


def _inputs(X: Any, first: Linear) -> np.ndarray:
    x = np.asarray(X.data if isinstance(X, Value) else X)
    if x.ndim != 2 or x.shape[1] != first.n_in:
        raise ValueError(f"backprop: X has shape {x.shape}; expected (m, {first.n_in}), one row per example")
    if x.dtype.kind not in "biuf":
        raise TypeError(f"backprop: X must hold numbers, not dtype {x.dtype}")
    return x if x.dtype.kind == "f" else x.astype(first.W.dtype)


@overload
def backprop(model: Module, X: Any, Y: Any, cost: str | Cost | type[Cost],
             return_intermediates: Literal[False] = False) -> tuple[list[np.ndarray], list[np.ndarray]]: ...


@overload
def backprop(model: Module, X: Any, Y: Any, cost: str | Cost | type[Cost],
             return_intermediates: Literal[True]) -> BackpropResult: ...


def backprop(
    model: Module, X: Any, Y: Any, cost: str | Cost | type[Cost], return_intermediates: bool = False,
) -> tuple[list[np.ndarray], list[np.ndarray]] | BackpropResult:
    """The gradient of the batch cost C = cost(model(X), Y) by BP1-BP4, in closed form.

    X: inputs (m, n_0); Y: one-hot targets (m, n_L) or integer labels (m,). Hidden layers
    may be sigmoid, tanh or relu; the output layer any activation the cost allows
    (quadratic: any; cross-entropy: sigmoid; log-likelihood: softmax).
    Returns (nabla_b, nabla_w), lists in layer order, or with `return_intermediates` a
    `BackpropResult` that also holds every z^l, a^l, delta^l and the cost.
    """
    cost = get_cost(cost)
    result = backprop_layers(checked_layers(model), X, Y, cost, with_cost=return_intermediates)
    return result if return_intermediates else (result.nabla_b, result.nabla_w)


def backprop_layers(layers: list[tuple[Linear, Activation]], X: Any, Y: Any, cost: Cost, *,
                    with_cost: bool = True) -> BackpropResult:
    """`backprop` for a network already given as its layers, checked by `checked_layers`.

    For callers that check the network once and then take many steps (`nn.train.Trainer`);
    X and Y are still checked on every call. `cost` is a `Cost` instance; the result's `cost`
    is C, or NaN when `with_cost` is false.
    """
    zs, activations = _feedforward(layers, _inputs(X, layers[0][0]))
    a_out = activations[-1]
    y = targets(Y, a_out.shape, a_out.dtype)
    m = a_out.shape[0]
    L = len(layers)
    deltas: list[Any] = [None] * L  # filled from layer L down to layer 1
    nabla_b: list[Any] = [None] * L
    nabla_w: list[Any] = [None] * L
    delta = cost.delta(zs[-1], a_out, y, activation=layers[-1][1])  # BP1
    for l in range(L - 1, -1, -1):  # l indexes layer l + 1 of the book
        deltas[l] = delta
        scaled = delta / m
        nabla_b[l] = scaled.sum(axis=0)  # BP3
        nabla_w[l] = scaled.T @ activations[l]  # BP4
        if l > 0:
            W_next, act = layers[l][0].W.data, layers[l - 1][1]
            delta = act.backward(zs[l - 1], activations[l], delta @ W_next)  # BP2
    C = cost.fn(zs[-1], a_out, y) if with_cost else math.nan
    return BackpropResult(nabla_b, nabla_w, zs, activations, deltas, C)
