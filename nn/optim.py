"""Optimisers: SGD (equations (16)-(17)) with momentum, Adam and RMSprop, each with optional L2 decay.

For a mini-batch of m examples and the batch-averaged cost C = (1/m) sum_x C_x, SGD is

    w -> w' = w - eta dC/dw = w - (eta/m) sum_x dC_x/dw        (16)
    b -> b' = b - eta dC/db = b - (eta/m) sum_x dC_x/db        (17)

Weight decay (L2 regularisation, the book's chapter 3) adds (lambda/n) w to dC/dw, so with
`weight_decay = lambda / n` (n the size of the whole training set, not of the mini-batch) SGD is

    w -> (1 - eta lambda / n) w - eta dC/dw,

exactly the book's rule. It applies to weight matrices only (parameters with two or more
dimensions); biases are never decayed. `SGD.l2(parameters, eta, lmbda, n)` takes the book's
lambda and n directly (as do `Adam.l2` and `RMSprop.l2`). Below, g is dC/dw plus that decay term.

Momentum (the book's "momentum-based gradient descent") keeps a velocity per parameter:
v -> v' = mu v - eta g, w -> w + v'.

Adam (Kingma and Ba) keeps running means of g and of g^2 and corrects their bias towards zero
at step t = 1, 2, ...:

    m -> beta1 m + (1 - beta1) g,    v -> beta2 v + (1 - beta2) g^2,
    w -> w - eta m_hat / (sqrt(v_hat) + eps),  m_hat = m / (1 - beta1^t),  v_hat = v / (1 - beta2^t).

RMSprop (Hinton) divides by a running root mean square of g (rho is PyTorch's alpha):

    s -> rho s + (1 - rho) g^2,    w -> w - eta g / (sqrt(s) + eps).

Every optimiser updates `p.data` in place, from each parameter's `.grad` or from a list of
gradients given to `step`, after checking all of them (a gradient must have its parameter's
shape; nothing is updated when one does not), and refuses a parameter listed twice. Its
state (velocities, moments, step counts) is `state_dict()`, plain arrays for an `.npz` file.

For the functional API, `sgd`, `rmsprop` and `adam` minimise over a tree of arrays (nested
tuples, lists and dicts, as `autograd_core.grad` takes), given a function that returns the
gradient at a point and an iteration number; they take HIPS autograd's arguments and follow its
conventions, and run the classes above on the flattened tree.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar, TypeVar

import numpy as np

from autograd_core import Value, flatten

__all__ = ["SGD", "Adam", "Optimizer", "RMSprop", "adam", "rmsprop", "sgd"]

_O = TypeVar("_O", bound="Optimizer")


class Optimizer:
    """The shared part: distinct parameters, checked gradients, L2 decay of weights, state as arrays.

    A subclass names its per-parameter state in `slots` (arrays shaped like the parameter) and
    `counters` (integers), and defines `_update(i, p, g)`.
    """

    slots: ClassVar[tuple[str, ...]] = ()
    counters: ClassVar[tuple[str, ...]] = ()

    def __init__(self, parameters: Iterable[Value], eta: float, weight_decay: float = 0.0) -> None:
        self.parameters = _distinct_parameters(type(self).__name__, parameters)
        self._check("eta", eta, low=0.0, low_open=True)
        self._check("weight_decay", weight_decay, low=0.0)
        self.eta = float(eta)
        self.weight_decay = float(weight_decay)
        self._decays = [self.weight_decay if p.ndim >= 2 else 0.0 for p in self.parameters]  # no bias decay
        self.state: dict[str, list[Any]] = {name: [None] * len(self.parameters)
                                            for name in self.slots + self.counters}

    @classmethod
    def l2(
        cls: type[_O], parameters: Iterable[Value], eta: float, lmbda: float, n: int, **options: Any,
    ) -> _O:
        """This optimiser with the book's L2 term: weight_decay = lmbda / n, n the training-set size."""
        if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 1:
            raise ValueError(
                f"{cls.__name__}.l2: n, the training-set size, must be a positive integer; got {n!r}"
            )
        _check_number(cls.__name__, "lmbda", lmbda, low=0.0)
        return cls(parameters, eta, weight_decay=float(lmbda) / int(n), **options)

    def zero_grad(self) -> None:
        """Set every parameter's gradient back to None."""
        for p in self.parameters:
            p.grad = None

    def step(self, grads: Sequence[Any] | None = None) -> None:
        """One update of every parameter from `p.grad`, or from `grads` (dC/dp for each parameter, in order).

        A parameter whose gradient is None is left alone. Every gradient is checked against its
        parameter's shape before any parameter changes.
        """
        grads = self._checked_gradients(grads)
        for i, (p, g) in enumerate(zip(self.parameters, grads, strict=True)):
            if g is not None:
                self._update(i, p, g)

    def _update(self, i: int, p: Value, g: Any) -> None:
        raise NotImplementedError

    def _checked_gradients(self, grads: Sequence[Any] | None) -> Sequence[Any]:
        params = self.parameters
        if grads is None:
            grads = [p.grad for p in params]
        elif len(grads) != len(params):
            raise ValueError(
                f"{type(self).__name__}.step: {len(grads)} gradients for {len(params)} parameters"
            )
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            if g is None:
                continue
            w = p.data
            if isinstance(g, np.ndarray) and isinstance(w, np.ndarray) and g.shape == w.shape:
                continue  # the common case, told apart without np.shape's function dispatch
            if np.shape(g) != p.shape:
                raise ValueError(
                    f"{type(self).__name__}.step: gradient {i} has shape {np.shape(g)}, parameter {i} has "
                    f"shape {p.shape}; no parameter was updated"
                )
        return grads

    def _direction(self, i: int, w: Any, g: Any) -> Any:
        """g plus the L2 term weight_decay * w (weights only), as a new array or float."""
        decay = self._decays[i]
        return g + decay * w if decay else g

    def _check(self, name: str, value: Any, low: float, high: float = math.inf,
               low_open: bool = False) -> None:
        _check_number(type(self).__name__, name, value, low, high, low_open)

    # --- state ------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """The optimiser's state, keyed "slot.i" (e.g. "velocity.0", "m.2", "t.2"), for saving with a run."""
        return {f"{name}.{i}": np.array(value) for name, values in self.state.items()
                for i, value in enumerate(values) if value is not None}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a state saved by `state_dict`, after checking every entry's name, shape and values."""
        owner = type(self).__name__
        restored: dict[str, list[Any]] = {name: [None] * len(self.parameters) for name in self.state}
        for key, value in state.items():
            name, _, index = key.rpartition(".")
            if name not in restored or not index.isdigit() or int(index) >= len(self.parameters):
                raise ValueError(f"{owner}.load_state_dict: unexpected entry {key!r}; expected "
                                 f"{', '.join(n + '.i' for n in restored) or 'none'}")
            restored[name][int(index)] = self._checked_entry(key, name, np.asarray(value), int(index))
        for i in range(len(self.parameters)):
            present = [name for name in restored if restored[name][i] is not None]
            if present and len(present) != len(restored):
                missing = [f"{name}.{i}" for name in restored if restored[name][i] is None]
                raise ValueError(f"{owner}.load_state_dict: {', '.join(missing)} missing beside "
                                 f"{', '.join(f'{n}.{i}' for n in present)}")
        self.state = restored

    def _checked_entry(self, key: str, name: str, value: np.ndarray, i: int) -> Any:
        owner, p = type(self).__name__, self.parameters[i]
        if name in self.counters:
            if value.shape != () or value.dtype.kind not in "iu" or int(value) < 0:
                raise ValueError(
                    f"{owner}.load_state_dict: {key} must be a count (an integer >= 0); got {value!r}"
                )
            return int(value)
        if value.shape != p.shape:
            raise ValueError(f"{owner}.load_state_dict: {key} has shape {value.shape}; its parameter has "
                             f"shape {p.shape}")
        if value.dtype.kind not in "biuf" or not np.all(np.isfinite(value)):
            raise ValueError(f"{owner}.load_state_dict: {key} must hold finite real numbers")
        return np.array(value, dtype=p.dtype) if isinstance(p.data, np.ndarray) else float(value)

    def _slot(self, name: str, i: int, w: Any) -> Any:
        """The state `name` of parameter i, created as zeros like w the first time."""
        value = self.state[name][i]
        if value is None:
            value = self.state[name][i] = np.zeros_like(w) if isinstance(w, np.ndarray) else 0.0
        return value


class SGD(Optimizer):
    """Mini-batch SGD by (16)-(17), with momentum mu in [0, 1) and L2 weight decay as options."""

    slots = ("velocity",)

    def __init__(
        self, parameters: Iterable[Value], eta: float, momentum: float = 0.0, weight_decay: float = 0.0,
    ) -> None:
        super().__init__(parameters, eta, weight_decay)
        self._check("momentum", momentum, low=0.0, high=1.0)
        self.momentum = float(momentum)
        self._scratch: list[Any] = [None] * len(self.parameters)

    @property
    def velocities(self) -> list[Any]:
        """The momentum velocities v, one per parameter (None before its first step, or without momentum)."""
        return self.state["velocity"]

    def _update(self, i: int, p: Value, g: Any) -> None:
        """w -> w - eta (g + weight_decay w), or the momentum form, in place with a scratch buffer."""
        eta, mu, decay = self.eta, self.momentum, self._decays[i]
        w = p.data
        if not isinstance(w, np.ndarray):  # a scalar parameter held as a Python float
            v = (mu * self.velocities[i] if self.velocities[i] is not None else 0.0) - eta * (g + decay * w)
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
            v = self._slot("velocity", i, w)
            v *= mu
            v -= buffer  # v -> mu v - eta (dC/dw + weight_decay w)
            w += v
        else:
            w -= buffer

    def __repr__(self) -> str:
        return f"SGD(eta={self.eta}, momentum={self.momentum}, weight_decay={self.weight_decay})"


class Adam(Optimizer):
    """Adam: steps of eta m_hat / (sqrt(v_hat) + eps) from bias-corrected running moments of g."""

    slots = ("m", "v")
    counters = ("t",)

    def __init__(
        self, parameters: Iterable[Value], eta: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8, weight_decay: float = 0.0,
    ) -> None:
        super().__init__(parameters, eta, weight_decay)
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair (beta1, beta2); got {betas!r}")
        self._check("beta1", betas[0], low=0.0, high=1.0)
        self._check("beta2", betas[1], low=0.0, high=1.0)
        self._check("eps", eps, low=0.0, low_open=True)
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = float(eps)

    def _update(self, i: int, p: Value, g: Any) -> None:
        """m, v and t of parameter i one step on, then w -> w - eta m_hat / (sqrt(v_hat) + eps)."""
        (beta1, beta2), w = self.betas, p.data
        d = self._direction(i, w, g)
        t = self.state["t"][i] = (self.state["t"][i] or 0) + 1
        m = self.state["m"][i] = beta1 * self._slot("m", i, w) + (1.0 - beta1) * d
        v = self.state["v"][i] = beta2 * self._slot("v", i, w) + (1.0 - beta2) * d * d
        m_hat, v_hat = m / (1.0 - beta1**t), v / (1.0 - beta2**t)
        _move(p, self.eta * m_hat / (np.sqrt(v_hat) + self.eps))

    def __repr__(self) -> str:
        return f"Adam(eta={self.eta}, betas={self.betas}, eps={self.eps}, weight_decay={self.weight_decay})"


class RMSprop(Optimizer):
    """RMSprop: steps of eta g / (sqrt(s) + eps), s the running mean of g^2 with decay rho."""

    slots = ("s",)

    def __init__(
        self, parameters: Iterable[Value], eta: float = 1e-2, rho: float = 0.99, eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(parameters, eta, weight_decay)
        self._check("rho", rho, low=0.0, high=1.0)
        self._check("eps", eps, low=0.0, low_open=True)
        self.rho = float(rho)
        self.eps = float(eps)

    def _update(self, i: int, p: Value, g: Any) -> None:
        """s of parameter i one step on, then w -> w - eta g / (sqrt(s) + eps)."""
        w = p.data
        d = self._direction(i, w, g)
        s = self.state["s"][i] = self.rho * self._slot("s", i, w) + (1.0 - self.rho) * d * d
        _move(p, self.eta * d / (np.sqrt(s) + self.eps))

    def __repr__(self) -> str:
        return f"RMSprop(eta={self.eta}, rho={self.rho}, eps={self.eps}, weight_decay={self.weight_decay})"


# --- the functional API: minimise over a tree of arrays ---------------------------------------------

Gradient = Callable[[Any, int], Any]
Callback = Callable[[Any, int, Any], Any]


def sgd(gradient: Gradient, params: Any, callback: Callback | None = None, num_iters: int = 200,
        step_size: float = 0.1, mass: float = 0.9) -> Any:
    """SGD with momentum over a tree: v -> mass v - (1 - mass) g, w -> w + step_size v, where
    g = gradient(w, i) at iteration i; returns the final w as a tree like `params`.

    This is `SGD` with eta = step_size (1 - mass) and momentum mass. `callback(w, i, g)`, when
    given, sees each point and its gradient before the update.
    """
    _check_number("sgd", "mass", mass, low=0.0, high=1.0)
    return _minimise("sgd", gradient, params, callback, num_iters,
                     lambda w: SGD([w], eta=step_size * (1.0 - mass), momentum=mass))


def rmsprop(gradient: Gradient, params: Any, callback: Callback | None = None, num_iters: int = 100,
            step_size: float = 0.1, gamma: float = 0.9, eps: float = 1e-8) -> Any:
    """RMSprop over a tree: s -> gamma s + (1 - gamma) g^2, w -> w - step_size g / (sqrt(s) + eps),
    with s starting at 1 (HIPS autograd's convention; `RMSprop` starts it at 0); returns the final w.

    `callback(w, i, g)`, when given, sees each point and its gradient before the update.
    """
    def make(w: Value) -> RMSprop:
        optimizer = RMSprop([w], eta=step_size, rho=gamma, eps=eps)
        optimizer.load_state_dict({"s.0": np.ones_like(w.data)})
        return optimizer

    return _minimise("rmsprop", gradient, params, callback, num_iters, make)


def adam(gradient: Gradient, params: Any, callback: Callback | None = None, num_iters: int = 100,
         step_size: float = 0.001, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> Any:
    """Adam over a tree (the update of `Adam`, with eta = step_size and betas (b1, b2)), where
    g = gradient(w, i) at iteration i = 0, 1, ...; returns the final w as a tree like `params`.

    `callback(w, i, g)`, when given, sees each point and its gradient before the update.
    """
    return _minimise("adam", gradient, params, callback, num_iters,
                     lambda w: Adam([w], eta=step_size, betas=(b1, b2), eps=eps))


def _minimise(name: str, gradient: Gradient, params: Any, callback: Callback | None, num_iters: int,
              make: Callable[[Value], Optimizer]) -> Any:
    """Run the optimiser `make(w)` on w, the flattened `params`, for num_iters iterations."""
    if not isinstance(num_iters, int | np.integer) or isinstance(num_iters, bool) or num_iters < 0:
        raise ValueError(f"{name}: num_iters must be an integer >= 0; got {num_iters!r}")
    start, unflatten = flatten(params)
    w = Value(np.array(start, dtype=np.float64), requires_grad=True)
    optimizer = make(w)
    for i in range(num_iters):
        point = unflatten(w.data)  # a copy: the caller may keep it
        g, _ = flatten(gradient(point, i))
        if g.shape != w.shape:
            raise ValueError(f"{name}: gradient(params, {i}) holds {g.size} numbers; params holds {w.size}, "
                             "so it is not a gradient of the same tree")
        if callback is not None:
            callback(point, i, unflatten(g))
        optimizer.step([g])
    return unflatten(w.data)


def _move(p: Value, step: Any) -> None:
    """w -> w - step, in place for an array parameter."""
    if isinstance(p.data, np.ndarray):
        p.data -= step
    else:
        p.data = float(p.data - step)


def _distinct_parameters(owner: str, parameters: Iterable[Value]) -> list[Value]:
    """The parameters as a list, refusing a non-Value and a Value listed twice (it would be updated twice)."""
    listed = list(parameters)
    first: dict[int, int] = {}
    for i, p in enumerate(listed):
        if not isinstance(p, Value):
            raise TypeError(f"{owner}: parameter {i} is a {type(p).__name__}, not a Value")
        if id(p) in first:
            raise ValueError(
                f"{owner}: parameter {i} is parameter {first[id(p)]} again; each parameter may be listed "
                "once (it would be updated twice per step)"
            )
        first[id(p)] = i
    return listed


def _check_number(owner: str, name: str, value: Any, low: float, high: float = math.inf,
                  low_open: bool = False) -> None:
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
    ok = ok and math.isfinite(value) and (value > low if low_open else value >= low) and value < high
    if not ok:
        bounds = f"{'>' if low_open else '>='} {low}" + ("" if high == math.inf else f" and < {high}")
        raise ValueError(f"{owner}: {name} must be a finite number {bounds}; got {value!r}")
