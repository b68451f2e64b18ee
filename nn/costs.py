"""Cost functions C, averaged over the n examples of a batch, and their output errors delta^L.

Each cost gives three things:

* `cost(output, Y)`: the batch-averaged cost as a scalar `Value`, recorded in the graph so
  `backward()` can differentiate it. `output` is the network's output a^L, shape (n, n_L);
  `Y` holds the desired outputs y(x), one-hot rows of that shape or integer labels (n,).
* `cost.fn(z, a, y)`: the same number from NumPy arrays (z^L and a^L), without the engine.
* `cost.delta(z, a, y, activation)`: the output error delta^L = dC_x/dz^L of each example's
  own cost C_x, shape (n, n_L), in closed form (equation BP1). The batch cost's gradient
  at z^L is delta^L / n.

How the output layer and the cost fit together
----------------------------------------------
The network's output is always a^L = sigma(z^L) (so `cost(model(X), Y)` is the batch
cost). The cross-entropy cost is paired with a sigmoid output layer and the log-likelihood
cost with a softmax output layer (`output_activation`). Their logarithms of a^L would
overflow once a neuron saturates, so when `output` was made by the paired activation in
the graph, the cost reads z^L from the graph and computes C from z^L directly and stably;
`from_logits(z, Y)` does the same when you hold z^L yourself. (Consequence: a^L is then
not on the cost's path in the graph, so `a^L.grad` stays None; z^L.grad is set.) Any other
`output` (a plain array, or an output made otherwise) is used with the literal formula.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

import autograd_core as ag
from autograd_core import Value

from .module import Activation, get_activation


class Cost:
    """Base class of the costs; see the module docstring for the three things a cost gives."""

    name: ClassVar[str] = ""
    output_activation: ClassVar[str | None] = None  # the output layer it is paired with (None: any)

    def __call__(self, output: Any, Y: Any) -> Value:
        """C = (1/n) sum_x C_x for the batch `output` (a^L, shape (n, n_L)) and targets `Y`."""
        raise NotImplementedError

    def fn(self, z: np.ndarray, a: np.ndarray, y: np.ndarray) -> float:
        """The batch-averaged cost from NumPy arrays z^L, a^L and y (one-hot rows)."""
        raise NotImplementedError

    def delta(self, z: np.ndarray, a: np.ndarray, y: np.ndarray,
              activation: str | Activation | None = None) -> np.ndarray:
        """BP1: delta^L = dC_x/dz^L for each example (rows), given the output activation."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def _paired(self, activation: str | Activation | None) -> None:
        """Refuse an output activation this cost's closed-form delta^L does not hold for."""
        name = self.output_activation if activation is None else get_activation(activation).name
        if name != self.output_activation:
            raise ValueError(
                f"{type(self).__name__} is paired with a {self.output_activation} output layer "
                f"(delta^L = a^L - y holds only there); this network's output layer is {name}"
            )


def _batch(output: Any, Y: Any) -> tuple[Value, Any, int]:
    """The output as a Value, the targets as an array of its shape and dtype, and n."""
    out = output if isinstance(output, Value) else Value(output, requires_grad=False)
    shape = out.shape
    if len(shape) != 2:
        raise ValueError(f"cost: the network output must have shape (n, n_out); got {shape}")
    return out, targets(Y, shape, out.dtype), shape[0]


def targets(Y: Any, shape: tuple[int, ...], dtype: Any = np.float64) -> np.ndarray:
    """The desired outputs y(x) as rows of `shape`: one-hot rows, or integer labels made one-hot."""
    if Y.__class__ is np.ndarray and Y.shape == shape and Y.dtype == dtype and Y.dtype.kind == "f":
        return Y  # the common case, float rows of the right shape and dtype: nothing to check or convert
    y = np.asarray(Y.data if isinstance(Y, Value) else Y)
    if y.ndim == 1 and len(shape) == 2 and y.shape[0] == shape[0] and y.dtype.kind in "iu":
        if y.size and (y.min() < 0 or y.max() >= shape[1]):
            raise ValueError(f"cost: labels must lie in 0..{shape[1] - 1}; got {y.min()}..{y.max()}")
        onehot = np.zeros(shape, dtype=dtype)
        onehot[np.arange(shape[0]), y] = 1.0
        return onehot
    if y.shape != tuple(shape):
        raise ValueError(
            f"cost: targets Y have shape {y.shape} but the network output has shape {tuple(shape)}; "
            f"give one-hot rows of shape {tuple(shape)} or integer labels of shape ({shape[0]},)"
        )
    if y.dtype.kind not in "biuf":
        raise TypeError(f"cost: targets Y must be numbers, not dtype {y.dtype}")
    return y if y.dtype == dtype else y.astype(dtype)


def logits_of(output: Value, activation: str) -> Value | None:
    """z^L when `output` is activation(z^L) recorded in the graph, else None.

    A softmax must be taken over the last axis (each row of `output` sums to 1).
    """
    if output.op != activation:
        return None
    if activation == "softmax" and not np.allclose(np.sum(output.data, axis=-1), 1.0):
        return None
    return output.parents[0]


def softplus(z: Any) -> Any:
    """ln(1 + e^z), computed without overflow as logsumexp([0, z]) (its derivative is sigma(z))."""
    data = np.asarray(z.data if isinstance(z, Value) else z)
    return ag.logsumexp(ag.stack([np.zeros_like(data), z], axis=-1), axis=-1)


class QuadraticCost(Cost):
    """C = 1/(2n) sum_x ||y(x) - a^L(x)||^2, the book's mean squared error (any output layer)."""

    name = "quadratic"

    def __call__(self, output: Any, Y: Any) -> Value:
        """1/(2n) sum_x ||y - a^L||^2 as a scalar Value (one node of the graph)."""
        a, y, _ = _batch(output, Y)
        return ag.quadratic_cost(a, y)

    def fn(self, z: np.ndarray, a: np.ndarray, y: np.ndarray) -> float:
        """1/(2n) sum_x ||y - a^L||^2."""
        diff = (a - y).ravel()
        return 0.5 * float(np.dot(diff, diff)) / a.shape[0]

    def delta(self, z: np.ndarray, a: np.ndarray, y: np.ndarray,
              activation: str | Activation | None = None) -> np.ndarray:
        """delta^L = (a^L - y) (.) sigma'(z^L) (sigmoid unless `activation` says otherwise)."""
        return get_activation(activation or "sigmoid").backward(z, a, a - y)


class _FromLogits(Cost):
    """A cost computed stably from z^L when the output a^L = sigma(z^L) is recorded in the graph
    with this cost's output activation, and from a^L itself otherwise."""

    def __call__(self, output: Any, Y: Any) -> Value:
        """The batch-averaged cost C, from z^L when the graph has it."""
        a, y, n = _batch(output, Y)
        z = logits_of(a, self.output_activation or "")
        return self.from_logits(z, y) if z is not None else self.from_outputs(a, y, n)

    def from_logits(self, z: Any, Y: Any) -> Value:
        """C from z^L."""
        raise NotImplementedError

    def from_outputs(self, a: Value, y: np.ndarray, n: int) -> Value:
        """C from a^L."""
        raise NotImplementedError


class CrossEntropyCost(_FromLogits):
    """C = -(1/n) sum_x sum_j [y_j ln a^L_j + (1 - y_j) ln(1 - a^L_j)] for a sigmoid output layer.

    With a^L = sigma(z^L) each term is softplus(z) - y z, computed from z^L without
    overflow; delta^L = a^L - y (no sigma'(z^L) factor: no learning slowdown).
    """

    name = "cross-entropy"
    output_activation = "sigmoid"

    def from_outputs(self, a: Value, y: np.ndarray, n: int) -> Value:
        """-(1/n) sum [y ln a + (1 - y) ln(1 - a)] from a^L itself (when z^L is not in the graph)."""
        return -(y * ag.log(a) + (1.0 - y) * ag.log(1.0 - a)).sum() / n

    def from_logits(self, z: Any, Y: Any) -> Value:
        """The batch cross-entropy of a^L = sigma(z^L) from z^L: (1/n) sum [softplus(z) - y z]."""
        z, y, n = _batch(z, Y)
        return (softplus(z) - y * z).sum() / n

    def fn(self, z: np.ndarray, a: np.ndarray, y: np.ndarray) -> float:
        """(1/n) sum_x sum_j [ln(1 + e^{z_j}) - y_j z_j], computed stably from z^L."""
        return float(np.sum(np.logaddexp(0.0, z) - y * z) / z.shape[0])

    def delta(self, z: np.ndarray, a: np.ndarray, y: np.ndarray,
              activation: str | Activation | None = None) -> np.ndarray:
        """delta^L = a^L - y."""
        self._paired(activation)
        return a - y


class LogLikelihoodCost(_FromLogits):
    """C = -(1/n) sum_x sum_j y_j ln a^L_j for a softmax output layer (-ln a^L_y for one-hot y).

    Computed from z^L with log_softmax; delta^L = a^L - y (for one-hot y, or any y whose rows sum to 1).
    """

    name = "log-likelihood"
    output_activation = "softmax"

    def from_outputs(self, a: Value, y: np.ndarray, n: int) -> Value:
        """-(1/n) sum y ln a from a^L itself (when z^L is not in the graph)."""
        return -(y * ag.log(a)).sum() / n

    def from_logits(self, z: Any, Y: Any) -> Value:
        """-(1/n) sum_x sum_j y_j log_softmax(z^L)_j."""
        z, y, n = _batch(z, Y)
        return -(y * ag.log_softmax(z, axis=-1)).sum() / n

    def fn(self, z: np.ndarray, a: np.ndarray, y: np.ndarray) -> float:
        """-(1/n) sum_x sum_j y_j (z_j - logsumexp(z)), computed stably from z^L."""
        return float(-np.sum(y * ag.log_softmax(z, axis=-1)) / z.shape[0])

    def delta(self, z: np.ndarray, a: np.ndarray, y: np.ndarray,
              activation: str | Activation | None = None) -> np.ndarray:
        """delta^L = a^L - y for one-hot y (in general a^L sum_j y_j - y, exact for any targets)."""
        self._paired(activation)
        return a * np.sum(y, axis=-1, keepdims=True) - y


COSTS: dict[str, type[Cost]] = {cls.name: cls for cls in (QuadraticCost, CrossEntropyCost, LogLikelihoodCost)}


def get_cost(cost: str | Cost | type[Cost]) -> Cost:
    """A cost instance from a name ("quadratic", "cross-entropy", "log-likelihood"), class or instance."""
    if isinstance(cost, Cost):
        return cost
    if isinstance(cost, type) and issubclass(cost, Cost):
        return cost()
    if cost not in COSTS:
        raise ValueError(f"unknown cost {cost!r}; choose one of {list(COSTS)}")
    return COSTS[cost]()
