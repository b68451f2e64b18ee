"""Stochastic gradient descent: the update rule of equations (16)-(17), with momentum and L2 decay.

For a mini-batch of m examples and the batch-averaged cost C = (1/m) sum_x C_x,

    w -> w' = w - eta dC/dw = w - (eta/m) sum_x dC_x/dw        (16)
    b -> b' = b - eta dC/db = b - (eta/m) sum_x dC_x/db        (17)

Weight decay (L2 regularisation, the book's chapter 3) adds (lambda/n) w to dC/dw, so with
`weight_decay = lambda / n` (n the size of the whole training set, not of the mini-batch)

    w -> (1 - eta lambda / n) w - eta dC/dw,

exactly the book's rule. It applies to weight matrices only (parameters with two or more
dimensions); biases are never decayed. `SGD.l2(parameters, eta, lmbda, n)` takes the book's
lambda and n directly. Momentum (the book's "momentum-based gradient descent") keeps a
velocity per parameter: v -> v' = mu v - eta (dC/dw + weight_decay w), w -> w + v'.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from autograd_core import Value


class SGD:
    """Plain mini-batch SGD on a list of parameters, updating `p.data` in place."""

    def __init__(
        self, parameters: Iterable[Value], eta: float, momentum: float = 0.0, weight_decay: float = 0.0,
    ) -> None:
        self.parameters = list(parameters)
        for i, p in enumerate(self.parameters):
            if not isinstance(p, Value):
                raise TypeError(f"SGD: parameter {i} is a {type(p).__name__}, not a Value")
        _check_number("eta", eta, low=0.0, low_open=True)
        _check_number("momentum", momentum, low=0.0, high=1.0)
        _check_number("weight_decay", weight_decay, low=0.0)
        self.eta = float(eta)
        self.momentum = float(momentum)
        self.weight_decay = float(weight_decay)
        self.velocities: list[Any] = [None] * len(self.parameters)
        self._scratch: list[Any] = [None] * len(self.parameters)
        self._decays = [self.weight_decay if p.ndim >= 2 else 0.0 for p in self.parameters]  # no bias decay

    @classmethod
    def l2(cls, parameters: Iterable[Value], eta: float, lmbda: float, n: int, momentum: float = 0.0) -> SGD:
        """SGD with the book's L2 regularisation: w -> (1 - eta lmbda / n) w - eta dC/dw."""
        if not isinstance(n, int | np.integer) or n < 1:
            raise ValueError(f"SGD.l2: n, the training-set size, must be a positive integer; got {n!r}")
        _check_number("lmbda", lmbda, low=0.0)
        return cls(parameters, eta, momentum=momentum, weight_decay=float(lmbda) / int(n))

    def zero_grad(self) -> None:
        """Set every parameter's gradient back to None."""
        for p in self.parameters:
            p.grad = None

    def step(self, grads: Sequence[Any] | None = None) -> None:
        """One update of every parameter by (16)-(17), from `p.grad` or from `grads`.

        `grads`, when given, lists dC/dp for the parameters in order (e.g. from
        `nn.backprop`); otherwise each parameter's `.grad` is used, and a parameter whose
        grad is None is left alone.
        """
        params = self.parameters
        if grads is None:
            grads = [p.grad for p in params]
        elif len(grads) != len(params):
            raise ValueError(f"SGD.step: {len(grads)} gradients for {len(params)} parameters")
        else:
            for i, (p, g) in enumerate(zip(params, grads, strict=True)):
                if g is None:
                    continue
                w = p.data
                if isinstance(g, np.ndarray) and isinstance(w, np.ndarray) and g.shape == w.shape:
                    continue  # the common case, told apart without np.shape's function dispatch
                if np.shape(g) != p.shape:
                    raise ValueError(
                        f"SGD.step: gradient {i} has shape {np.shape(g)}, parameter {i} has shape {p.shape}"
                    )
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            if g is not None:
                self._update(i, p, g)

    def _update(self, i: int, p: Value, g: Any) -> None:
        """w -> w - eta (g + weight_decay w), or the momentum form, in place with a scratch buffer."""
        eta, mu, decay = self.eta, self.momentum, self._decays[i]
        w = p.data
        if not isinstance(w, np.ndarray):  # a scalar parameter held as a Python float
            direction = g + decay * w
            v = (mu * self.velocities[i] if self.velocities[i] is not None else 0.0) - eta * direction
            if mu:
                self.velocities[i] = v
            p.data = w + float(v)
            return
        buffer = self._scratch[i]
        if buffer is None or buffer.shape != w.shape or buffer.dtype is not w.dtype:
            buffer = self._scratch[i] = np.empty_like(w)
        direction = g
        if decay:
            np.multiply(w, decay, out=buffer)
            buffer += g  # dC/dw + (lambda / n) w
            direction = buffer
        np.multiply(direction, eta, out=buffer)  # eta times the direction (no new array each step)
        if mu:
            v = self.velocities[i]
            if v is None:
                v = self.velocities[i] = np.zeros_like(w)
            v *= mu
            v -= buffer  # v -> mu v - eta (dC/dw + weight_decay w)
            w += v
        else:
            w -= buffer

    def state_dict(self) -> dict[str, np.ndarray]:
        """The velocities (momentum only), keyed "velocity.i", for saving with a run."""
        return {f"velocity.{i}": np.array(v) for i, v in enumerate(self.velocities) if v is not None}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore velocities saved by `state_dict`, checking their names and shapes."""
        velocities: list[Any] = [None] * len(self.parameters)
        for key, v in state.items():
            index = key.removeprefix("velocity.")
            if not index.isdigit() or int(index) >= len(self.parameters):
                raise ValueError(f"SGD.load_state_dict: unexpected entry {key!r}")
            p = self.parameters[int(index)]
            if np.shape(v) != p.shape:
                raise ValueError(
                    f"SGD.load_state_dict: {key} has shape {np.shape(v)}; its parameter has shape {p.shape}"
                )
            velocities[int(index)] = np.array(v, dtype=p.dtype)
        self.velocities = velocities

    def __repr__(self) -> str:
        return f"SGD(eta={self.eta}, momentum={self.momentum}, weight_decay={self.weight_decay})"


def _check_number(name: str, value: Any, low: float, high: float = math.inf, low_open: bool = False) -> None:
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
    ok = ok and math.isfinite(value) and (value > low if low_open else value >= low) and value < high
    if not ok:
        bounds = f"{'>' if low_open else '>='} {low}" + ("" if high == math.inf else f" and < {high}")
        raise ValueError(f"SGD: {name} must be a finite number {bounds}; got {value!r}")
