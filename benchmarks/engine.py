"""How fast is the engine? Three measurements, each against a baseline in the same process.

    .venv/bin/python benchmarks/engine.py            # full run (about a minute)
    .venv/bin/python benchmarks/engine.py --quick    # a rougher run (about 15 s)
    .venv/bin/python benchmarks/engine.py --json results.json --profile

1. Training step of a sigmoid MLP (forward, backward, SGD update w -= eta * dC/dw in place)
   with the quadratic cost C = 1/(2m) sum_x ||a^L(x) - y(x)||^2: the engine against a
   hand-written NumPy implementation of BP1-BP4, the floor (the engine runs on NumPy).
   Floors, float64: at [784, 30, 10], batch 10, at most 1.5x the NumPy step fused (as nn
   builds it) and 1.8x written out; at [784, 256, 256, 10], batch 128, at most 1.05x fused.
   When PyTorch is installed (`pip install -e '.[peers]'`), the same step in PyTorch eager
   mode on one thread is timed beside them; floor: the fused step at most 0.6x PyTorch's at
   batch 10. Both sides hold their parameters 64-byte aligned (`_common.aligned`).
2. Scalar graphs, with Python's garbage collector on as users have it: microseconds per
   node to build (forward), backpropagate and free a ~65,000-node graph (an MLP 2-16-16-1
   of scalar Values over 100 points), beside the same sums on plain floats. Then micrograd
   (PyPI 0.1.0, a dev dependency), whose graphs are reference cycles, against the engine on
   the same MLP with ReLU hidden layers, in the same run; floor: the engine's step at most
   0.2x micrograd's.
3. Forward against reverse mode for f: R^n -> R: the full gradient by n JVPs against one
   reverse pass. The ratio should grow like n (slope about 1 on a log-log scale).

Method: NumPy on one thread; glibc's trim and mmap thresholds raised so that freed
temporaries are reused rather than page-faulted back; the two sides of a comparison take
turns round by round; every figure is the median over rounds (ratios are medians of the
per-round ratios). In sections 1 and 3 the collector runs before each timed sample and
inside it after the calls, so each side pays for its own garbage (the objects made during
setup are frozen out of the collector, so its fixed cost does not dilute the ratios).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import importlib.metadata
import io
import json
import math
import os
import platform
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [_HERE, os.path.dirname(_HERE)]

import _common  # noqa: E402  (must come before NumPy: it pins the thread count)

_common.pin_threads()

import numpy as np  # noqa: E402

import autograd_core as ag  # noqa: E402
from autograd_core import Value  # noqa: E402
from autograd_core.core import graph_parents  # noqa: E402

ETA = 0.01  # small, so that thousands of steps on one batch keep the sigmoids unsaturated
MS = 1e6  # nanoseconds per millisecond


@dataclass(frozen=True)
class Budget:
    """How much measuring a run does."""

    sample_ns: float  # length of one timed sample (sections 1 and 3)
    training_rounds: int
    scalar_rounds: int
    reference_rounds: int  # section 2's micrograd reference (a micrograd step takes about a second)
    modes_rounds: int
    jvp_sample: int  # at most this many JVPs are timed per n; the rest is extrapolated


FULL = Budget(sample_ns=25 * MS, training_rounds=41, scalar_rounds=15, reference_rounds=5, modes_rounds=11,
              jvp_sample=1000)
QUICK = Budget(sample_ns=12 * MS, training_rounds=15, scalar_rounds=5, reference_rounds=3, modes_rounds=5,
               jvp_sample=200)


def _quartiles(values: Sequence[float]) -> tuple[float, float]:
    if len(values) < 2:
        return values[0], values[0]
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], q[2]


def _ratios(numerator: Sequence[float], denominator: Sequence[float]) -> list[float]:
    return [n / d for n, d in zip(numerator, denominator, strict=True)]


# =====================================================================================
# 1. Training step: the engine against hand-written BP1-BP4
# =====================================================================================

Layers = list[tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class TrainingCase:
    """One row of section 1: layer sizes, batch size m, dtype and the floors the engine keeps
    (None: no floor): engine / NumPy fused and written out, and fused engine / PyTorch eager."""

    sizes: tuple[int, ...]
    batch: int
    dtype: str
    target: float | None = None
    written_target: float | None = None
    torch_target: float | None = None


TRAINING_CASES = (
    TrainingCase((784, 30, 10), 10, "float64", 1.5, 1.8, 0.6),
    TrainingCase((784, 30, 10), 10, "float32"),
    TrainingCase((784, 30, 10), 100, "float64"),
    TrainingCase((784, 30, 10), 100, "float32"),
    TrainingCase((784, 256, 256, 10), 128, "float64", 1.05),
    TrainingCase((784, 256, 256, 10), 128, "float32"),
)


def initial_layers(sizes: Sequence[int], dtype: str, rng: np.random.Generator) -> Layers:
    """(W^l, b^l) for each layer: W^l of shape (n_l, n_{l-1}) ~ N(0, 1/n_{l-1}), b^l ~ N(0, 1)."""
    return [
        (
            _common.aligned((rng.standard_normal((n_out, n_in)) / math.sqrt(n_in)).astype(dtype)),
            _common.aligned(rng.standard_normal(n_out).astype(dtype)),
        )
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)
    ]


def random_batch(m: int, n_in: int, n_out: int, dtype: str, rng: np.random.Generator) -> tuple:
    """A batch as rows: X of shape (m, n_in) in [0, 1) (like scaled pixels), Y one-hot (m, n_out)."""
    X = rng.random((m, n_in)).astype(dtype)
    Y = np.eye(n_out, dtype=dtype)[rng.integers(0, n_out, m)]
    return X, Y


def numpy_forward(layers: Layers, X: np.ndarray) -> list[np.ndarray]:
    """The activations a^0 = X, a^1, ..., a^L, with a^l = sigma(a^{l-1} W^T + b) (rows are examples)."""
    activations = [X]
    for W, b in layers:
        activations.append(1.0 / (1.0 + np.exp(-(activations[-1] @ W.T + b))))
    return activations


def numpy_backward(layers: Layers, activations: list[np.ndarray], Y: np.ndarray) -> tuple[list, list]:
    """(dC/dW^l, dC/db^l) for every layer by BP1-BP4, C = 1/(2m) sum ||a^L - y||^2.

    BP1 delta^L = (a^L - y) (.) sigma'(z^L) / m, BP2 delta^l = (delta^{l+1} W^{l+1}) (.) sigma'(z^l),
    BP3 dC/db^l = sum over the batch of delta^l, BP4 dC/dW^l = (delta^l)^T a^{l-1}, where
    sigma'(z^l) = a^l (1 - a^l) and the rows of delta^l are the examples.
    """
    a = activations[-1]
    delta = (a - Y) * (a * (1.0 - a)) * (1.0 / len(Y))
    nabla_w: list[Any] = [None] * len(layers)
    nabla_b: list[Any] = [None] * len(layers)
    for l in range(len(layers) - 1, -1, -1):
        nabla_b[l] = delta.sum(axis=0)
        nabla_w[l] = delta.T @ activations[l]
        if l:
            a_prev = activations[l]
            delta = (delta @ layers[l][0]) * (a_prev * (1.0 - a_prev))
    return nabla_w, nabla_b


def numpy_gradients(layers: Layers, X: np.ndarray, Y: np.ndarray) -> tuple[list, list]:
    """(dC/dW^l, dC/db^l) by a forward pass and BP1-BP4, hand-written in NumPy: the floor."""
    return numpy_backward(layers, numpy_forward(layers, X), Y)


def numpy_step(layers: Layers, X: np.ndarray, Y: np.ndarray, eta: float = ETA) -> Callable[[], None]:
    """One SGD step with the hand-written gradients: w -= eta dC/dw, in place."""

    def step() -> None:
        nabla_w, nabla_b = numpy_gradients(layers, X, Y)
        for (W, b), gw, gb in zip(layers, nabla_w, nabla_b, strict=True):
            W -= eta * gw
            b -= eta * gb

    return step


def engine_cost(
    params: list[tuple[Value, Value]], X: np.ndarray, Y: np.ndarray, fused: bool = False
) -> Value:
    """C = 1/(2m) sum ||a^L - y||^2 built from Values, with A = sigmoid(Z). Written out, each
    Z = A @ W.T + b is three nodes (transpose, matmul, add) and C four (subtract, square, sum,
    divide); `fused`, as nn builds them, Z = ag.linear(A, W, b) and C = ag.quadratic_cost(A, Y)
    are one node each."""
    A: Any = X  # the batch as a plain array, as nn passes it
    for W, b in params:
        A = (ag.linear(A, W, b) if fused else A @ W.T + b).sigmoid()
    return ag.quadratic_cost(A, Y) if fused else ((A - Y) ** 2).sum() / (2 * len(X))


def engine_step(
    params: list[tuple[Value, Value]], X: np.ndarray, Y: np.ndarray, fused: bool = False
) -> Callable[[], None]:
    """One SGD step with the engine: build C, backward(), w -= eta w.grad in place, zero_grad()."""
    flat = [p for pair in params for p in pair]

    def step() -> None:
        engine_cost(params, X, Y, fused).backward()
        for p in flat:
            p.data -= ETA * p.grad  # type: ignore[operator]
            p.zero_grad()

    return step


def as_values(layers: Layers) -> list[tuple[Value, Value]]:
    """Leaf Values holding copies of the layers' parameters."""
    return [(Value(_common.aligned(W)), Value(_common.aligned(b))) for W, b in layers]


def training_disagreement(layers: Layers, X: np.ndarray, Y: np.ndarray) -> str | None:
    """None when the engine's gradients match BP1-BP4 (values and dtype), else what differs."""
    for fused in (False, True):
        problem = _disagreement(layers, X, Y, fused)
        if problem:
            return f"{'fused' if fused else 'written out'}: {problem}"
    return None


def _disagreement(layers: Layers, X: np.ndarray, Y: np.ndarray, fused: bool) -> str | None:
    params = as_values(layers)
    engine_cost(params, X, Y, fused).backward()
    nabla_w, nabla_b = numpy_gradients(layers, X, Y)
    rtol = 1e-9 if X.dtype == np.float64 else 2e-3
    for l, ((W, b), gw, gb) in enumerate(zip(params, nabla_w, nabla_b, strict=True), start=1):
        for name, value, want in (("W", W, gw), ("b", b, gb)):
            got = value.grad
            if got is None or np.shape(got) != want.shape:
                return f"{name}^{l}.grad is {got!r:.40} (expected shape {want.shape})"
            if np.asarray(got).dtype != want.dtype:
                return f"{name}^{l}.grad has dtype {np.asarray(got).dtype}, data has {want.dtype}"
            scale = float(np.max(np.abs(want))) or 1.0
            if not np.allclose(got, want, rtol=rtol, atol=rtol * scale):
                return f"{name}^{l}.grad differs from BP1-BP4 by {np.max(np.abs(got - want)):.3g}"
    return None


def load_torch() -> Any:
    """PyTorch on one thread when it is installed (optional: `pip install -e '.[peers]'`), else None."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch


def torch_step(torch: Any, layers: Layers, X: np.ndarray, Y: np.ndarray) -> tuple[Callable[[], None], list]:
    """The same SGD step in PyTorch eager mode (F.linear, sigmoid, the quadratic cost by
    F.mse_loss, backward, w -= eta w.grad in place), and its parameters [W^1, b^1, W^2, ...]."""
    params = [torch.tensor(a, requires_grad=True) for pair in layers for a in pair]
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)

    def step() -> None:
        A = Xt
        for W, b in zip(params[::2], params[1::2], strict=True):
            A = torch.sigmoid(torch.nn.functional.linear(A, W, b))
        (torch.nn.functional.mse_loss(A, Yt, reduction="sum") * (0.5 / len(X))).backward()
        with torch.no_grad():
            for p in params:
                p -= ETA * p.grad
                p.grad = None

    return step, params


def torch_disagreement(torch: Any, layers: Layers, X: np.ndarray, Y: np.ndarray) -> str | None:
    """None when PyTorch's first step moves every parameter as BP1-BP4 says, else what differs."""
    step, params = torch_step(torch, layers, X, Y)
    step()
    nabla_w, nabla_b = numpy_gradients(layers, X, Y)
    rtol = 1e-9 if X.dtype == np.float64 else 2e-3
    wanted = [a - ETA * g for (W, b), gw, gb in zip(layers, nabla_w, nabla_b, strict=True)
              for a, g in ((W, gw), (b, gb))]
    for k, (p, want) in enumerate(zip(params, wanted, strict=True)):
        got = p.detach().numpy()
        if not np.allclose(got, want, rtol=rtol, atol=rtol * float(np.max(np.abs(want)))):
            return f"PyTorch's parameter {k} differs from BP1-BP4's step by {np.max(np.abs(got - want)):.3g}"
    return None


def _interleaved_frozen(sides: dict[str, Callable[[], object]], rounds: int, sample_ns: float) -> dict:
    """`_common.interleaved` with the setup's objects frozen (`gc.freeze()`), so that the
    collector's fixed cost over them does not dilute the ratios."""
    gc.collect()
    gc.freeze()
    try:
        return _common.interleaved(sides, rounds, sample_ns)
    finally:
        gc.unfreeze()


def run_training_case(case: TrainingCase, budget: Budget, torch: Any = None) -> dict[str, Any]:
    """Time the engine step against the NumPy step (and PyTorch's, when given), interleaved;
    summarise by medians."""
    rng = np.random.default_rng(0)
    layers = initial_layers(case.sizes, case.dtype, rng)
    X, Y = random_batch(case.batch, case.sizes[0], case.sizes[-1], case.dtype, rng)
    problem = training_disagreement(layers, X, Y)
    sides = {
        "engine": engine_step(as_values(layers), X, Y),
        "fused": engine_step(as_values(layers), X, Y, fused=True),
        "numpy": numpy_step([(W.copy(), b.copy()) for W, b in layers], X, Y),
    }
    if torch is not None:
        problem = problem or torch_disagreement(torch, layers, X, Y)
        sides["torch"] = torch_step(torch, layers, X, Y)[0]
    times = _interleaved_frozen(sides, budget.training_rounds, budget.sample_ns)
    compared = {}
    if torch is not None:
        compared = {
            "torch_us": statistics.median(times["torch"]) / 1e3,
            "torch_ratio": statistics.median(_ratios(times["torch"], times["numpy"])),
            "fused_over_torch": statistics.median(_ratios(times["fused"], times["torch"])),
        }
    ratios = _ratios(times["engine"], times["numpy"])
    ratio = statistics.median(ratios)
    fused_ratios = _ratios(times["fused"], times["numpy"])
    fused_ratio = statistics.median(fused_ratios)
    checks = [fused_ratio <= case.target if case.target is not None else None,
              ratio <= case.written_target if case.written_target is not None else None]
    if torch is not None and case.torch_target is not None:
        checks.append(compared["fused_over_torch"] <= case.torch_target)
    passed = None if all(c is None for c in checks) else all(c for c in checks if c is not None)
    return {
        **asdict(case),
        "engine_us": statistics.median(times["engine"]) / 1e3,
        "numpy_us": statistics.median(times["numpy"]) / 1e3,
        "ratio": ratio,
        "ratio_quartiles": _quartiles(ratios),
        "fused_us": statistics.median(times["fused"]) / 1e3,
        "fused_ratio": fused_ratio,
        "fused_ratio_quartiles": _quartiles(fused_ratios),
        "rounds": len(ratios),
        "passed": passed,
        "gradients_disagree": problem,
        **compared,
    }


def print_training(rows: list[dict[str, Any]]) -> None:
    """The table of section 1."""
    print("\n1. Training step (forward + backward + SGD update), sigmoid MLP, quadratic cost")
    print("   engine vs hand-written NumPy BP1-BP4; median of per-round ratios [quartiles]")
    print("   'fused': ag.linear(A, W, b) per layer and ag.quadratic_cost(A, Y), one node each, as nn")
    print("   builds them; 'written out': A @ W.T + b and ((A - Y)**2).sum() / (2m), seven nodes more")
    print(f"   {'sizes':<20}{'batch':>6} {'dtype':<8}{'numpy us':>9}{'fused us':>10}"
          f"{'ratio':>7}  {'[q1 - q3]':<14}{'written us':>11}{'ratio':>7}  result floors")
    for r in rows:
        target = "-" if r["target"] is None else f"<={r['target']:.2f}"
        if r["written_target"] is not None:
            target += f", <={r['written_target']:.2f} written out"
        if r["torch_target"] is not None:
            target += f", <={r['torch_target']:.2f} of PyTorch"
        result = "-" if r["passed"] is None else ("PASS" if r["passed"] else "MISS")
        q1, q3 = r["fused_ratio_quartiles"]
        print(f"   {str(list(r['sizes'])):<20}{r['batch']:>6} {r['dtype']:<8}{r['numpy_us']:>9.1f}"
              f"{r['fused_us']:>10.1f}{r['fused_ratio']:>7.2f}  [{q1:.2f} - {q3:.2f}]{'':<2}"
              f"{r['engine_us']:>11.1f}{r['ratio']:>7.2f}  {result:<6}{target}")
        if "torch_us" in r:
            print(f"   {'':<35}PyTorch eager: {r['torch_us']:.1f} us, {r['torch_ratio']:.2f}x NumPy; "
                  f"engine ('fused') / PyTorch: {r['fused_over_torch']:.2f}")
        if r["gradients_disagree"]:
            print(f"   WARNING: engine gradients disagree with BP1-BP4: {r['gradients_disagree']}")


# =====================================================================================
# 2. Scalar graphs: microseconds per node, collector on
# =====================================================================================

SCALAR_SIZES = (2, 16, 16, 1)
SCALAR_POINTS = 100


def scalar_layers(sizes: Sequence[int], rng: np.random.Generator) -> list[list[tuple[list, Any]]]:
    """An MLP as layers of neurons, each (weights w_i, bias b) as scalar leaf Values."""
    return [
        [
            ([Value(float(w)) for w in rng.uniform(-1.0, 1.0, n_in)], Value(float(rng.uniform(-1.0, 1.0))))
            for _ in range(n_out)
        ]
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)
    ]


def scalar_parameters(layers: list[list[tuple[list, Any]]]) -> list[Any]:
    """Every weight and bias of a scalar MLP, layer by layer, neuron by neuron."""
    return [p for layer in layers for ws, b in layer for p in (*ws, b)]


def as_floats(layers: list[list[tuple[list, Any]]]) -> list[list[tuple[list, Any]]]:
    """The same MLP with plain Python floats in place of Values."""
    return [[([w.data for w in ws], b.data) for ws, b in layer] for layer in layers]


def predict(layers: list[list[tuple[list, Any]]], x: Sequence[Any], tanh: Callable[[Any], Any]) -> Any:
    """a^L for one input: each neuron computes sum_i w_i a_i + b, then tanh (hidden layers only).

    Written once for Values and for floats (micrograd style), so the baseline does the same sums.
    """
    last = len(layers) - 1
    for k, layer in enumerate(layers):
        x = [sum((w * a for w, a in zip(ws, x, strict=True)), b) for ws, b in layer]
        if k < last:
            x = [tanh(z) for z in x]
    return x[0]


def squared_error(layers: list, points: list, targets: list, tanh: Callable[[Any], Any]) -> Any:
    """C = sum over the points of (a^L(x) - y)^2."""
    return sum((predict(layers, x, tanh) - y) ** 2 for x, y in zip(points, targets, strict=True))


def _value_tanh(v: Value) -> Value:
    return v.tanh()


def scalar_problem() -> tuple[list, list, list]:
    """The MLP 2-16-16-1 of scalar Values, 100 points in the plane and targets +-1."""
    rng = np.random.default_rng(1)
    layers = scalar_layers(SCALAR_SIZES, rng)
    points = [[float(c) for c in p] for p in rng.standard_normal((SCALAR_POINTS, 2))]
    targets = [float(t) for t in np.where(rng.random(SCALAR_POINTS) < 0.5, -1.0, 1.0)]
    return layers, points, targets


def scalar_round(layers: list, points: list, targets: list) -> tuple[int, int, int, int, int]:
    """Nanoseconds to build the graph of C, to backpropagate it and to free it (collector on),
    then the nanoseconds the collector ran during the build and how many full collections it made."""
    clock = _common.clock
    gc.collect()
    with _common.CollectorTimer() as collector:
        start = clock()
        loss = squared_error(layers, points, targets, _value_tanh)
        built = clock()
    backpropagated_start = clock()
    loss.backward()
    backpropagated = clock()
    del loss
    freed = clock()
    return (built - start, backpropagated - backpropagated_start, freed - backpropagated,
            sum(collector.ns), collector.count[2])


def run_scalar(budget: Budget) -> dict[str, Any]:
    """Section 2: us per node forward, backward and to free, with the plain-float forward as baseline."""
    layers, points, targets = scalar_problem()
    parameters = scalar_parameters(layers)
    loss = squared_error(layers, points, targets, _value_tanh)
    nodes = len(ag.toposort(loss, graph_parents))
    data_types = sorted({type(n.data).__name__ for n in ag.toposort(loss, graph_parents)})
    del loss
    float_layers = as_floats(layers)

    def plain() -> float:
        return squared_error(float_layers, points, targets, math.tanh)

    plain_reps = _common.calibrate(plain, budget.sample_ns)
    rounds: dict[str, list[float]] = {
        "forward": [], "backward": [], "free": [], "plain": [], "forward_in_gc": [], "full_collections": []
    }
    for r in range(budget.scalar_rounds):
        for p in parameters:
            p.zero_grad()
        plain_ns = _common.sample_ns(plain, plain_reps, collect_inside=False) if r % 2 else None
        forward, backward, free, in_gc, full = scalar_round(layers, points, targets)
        if plain_ns is None:
            plain_ns = _common.sample_ns(plain, plain_reps, collect_inside=False)
        measured = {"forward": forward, "backward": backward, "free": free, "plain": plain_ns,
                    "forward_in_gc": in_gc, "full_collections": full}
        for key, value in measured.items():
            rounds[key].append(value)
    full_collections = statistics.median(rounds.pop("full_collections"))
    parts = zip(rounds["forward"], rounds["backward"], rounds["free"], strict=True)
    totals = [f + b + d for f, b, d in parts]
    per_node = {key: statistics.median(v) / nodes / 1e3 for key, v in rounds.items()}
    per_node["forward_backward"] = statistics.median(
        [f + b for f, b in zip(rounds["forward"], rounds["backward"], strict=True)]
    ) / nodes / 1e3
    per_node["total"] = statistics.median(totals) / nodes / 1e3
    return {
        "sizes": SCALAR_SIZES,
        "points": SCALAR_POINTS,
        "nodes": nodes,
        "parameters": len(parameters),
        "node_data_types": data_types,
        "full_collections_during_forward": full_collections,
        "us_per_node": per_node,
        "forward_vs_plain": _common.median_ratio(rounds["forward"], rounds["plain"]),
        "total_vs_plain": _common.median_ratio(totals, rounds["plain"]),
        "rounds": budget.scalar_rounds,
        "gc_thresholds": gc.get_threshold(),
    }


def print_scalar(r: dict[str, Any]) -> None:
    """The table of section 2."""
    u = r["us_per_node"]
    print(f"\n2. Scalar graph: MLP {'-'.join(map(str, r['sizes']))} (tanh hidden) of scalar Values over "
          f"{r['points']} points, squared error; collector ON {r['gc_thresholds']}")
    print(f"   {r['nodes']:,} nodes that require grad (incl. {r['parameters']} parameters); "
          f"node data types: {', '.join(r['node_data_types'])}")
    print(f"   {'':<28}{'us/node':>9}")
    print(f"   {'forward (build the graph)':<28}{u['forward']:>9.3f}")
    print(f"   {'  of which in the collector':<28}{u['forward_in_gc']:>9.3f}   "
          f"({r['full_collections_during_forward']:.0f} full collections per build)")
    print(f"   {'backward()':<28}{u['backward']:>9.3f}")
    print(f"   {'free the graph (del loss)':<28}{u['free']:>9.3f}")
    print(f"   {'forward + backward':<28}{u['forward_backward']:>9.3f}")
    print(f"   {'total (incl. free)':<28}{u['total']:>9.3f}")
    print(f"   plain-float forward, same sums: {u['plain']:.3f} us/node; engine forward = "
          f"{r['forward_vs_plain']:.1f}x it, engine total = {r['total_vs_plain']:.1f}x it")


def _relu(v: Any) -> Any:
    return v.relu()


def load_micrograd() -> Any:
    """micrograd's Value class when micrograd (PyPI 0.1.0, a dev dependency) is installed, else None."""
    try:
        from micrograd.engine import Value as MicrogradValue
    except ImportError:
        return None
    return MicrogradValue


SCALAR_TARGET = 0.2  # the engine's step at most a fifth of micrograd's, measured in the same run


def run_micrograd_reference(budget: Budget) -> dict[str, Any] | None:
    """Section 2's reference, measured in the same run: micrograd, unmodified, against this
    engine on the same MLP with ReLU hidden layers (micrograd has no tanh).

    A sample is a few steps back to back as a training loop makes them (build C, backward,
    drop C), collector on, then one collection inside the timed region: micrograd's graphs
    are reference cycles, which only the collector frees, and each side pays for its own
    garbage. The two engines take turns; medians over rounds. None without micrograd.
    """
    micrograd_value = load_micrograd()
    if micrograd_value is None:
        return None
    layers, points, targets = scalar_problem()
    theirs = [[([micrograd_value(w.data) for w in ws], micrograd_value(b.data)) for ws, b in layer]
              for layer in layers]

    def step(model: list) -> Callable[[], None]:
        return lambda: squared_error(model, points, targets, _relu).backward()

    ours_loss = squared_error(layers, points, targets, _relu)
    their_loss = squared_error(theirs, points, targets, _relu)
    nodes = {"engine": len(ag.toposort(ours_loss, graph_parents)),  # micrograd: constants included
             "micrograd": len(ag.toposort(their_loss, lambda v: v._prev))}
    ours_loss.backward()
    their_loss.backward()
    pairs = zip(scalar_parameters(layers), scalar_parameters(theirs), strict=True)
    if not math.isclose(ours_loss.data, their_loss.data, rel_tol=1e-12) or not all(
        math.isclose(p.grad, q.grad, rel_tol=1e-9, abs_tol=1e-12) for p, q in pairs
    ):
        raise RuntimeError("micrograd and the engine disagree on the ReLU MLP's loss or gradients")
    del ours_loss, their_loss
    times = _common.interleaved({"engine": step(layers), "micrograd": step(theirs)},
                                budget.reference_rounds, target_ns=0, min_reps=3)
    us_per_node = {side: statistics.median(t) / nodes[side] / 1e3 for side, t in times.items()}
    return {
        "micrograd": importlib.metadata.version("micrograd"),
        "hidden_activation": "relu",
        "nodes": nodes,
        "us_per_node": us_per_node,
        "per_node_ratio": us_per_node["engine"] / us_per_node["micrograd"],
        "per_step_ratio": _common.median_ratio(times["engine"], times["micrograd"]),
        "target_per_step_ratio": SCALAR_TARGET,
        "passed": _common.median_ratio(times["engine"], times["micrograd"]) <= SCALAR_TARGET,
        "rounds": budget.reference_rounds,
    }


def print_micrograd_reference(r: dict[str, Any] | None) -> None:
    """The reference lines of section 2."""
    if r is None:
        print("   micrograd: not installed (pip install micrograd==0.1.0 to time it beside the engine)")
        return
    u, n = r["us_per_node"], r["nodes"]
    print("   Reference: micrograd on the same MLP with ReLU hidden layers (it has no tanh), steps back")
    print("   to back as in training, each side's garbage collected in its own time:")
    print(f"   {'micrograd ' + r['micrograd']:<28}{u['micrograd']:>9.3f}   "
          f"({n['micrograd']:,} nodes, constants included)")
    print(f"   {'this engine':<28}{u['engine']:>9.3f}   ({n['engine']:,} nodes)")
    result = "PASS" if r["passed"] else "MISS"
    print(f"   engine / micrograd: {r['per_node_ratio']:.3f} per node, {r['per_step_ratio']:.3f} per step"
          f"   floor <= {r['target_per_step_ratio']:.2f} per step  {result}")


# =====================================================================================
# 3. Forward mode (n JVPs) against reverse mode (one pass) for f: R^n -> R
# =====================================================================================

MODES_SIZES = (10, 100, 1000, 10000)


def modes_function(x: Any) -> Any:
    """f(x) = sum_i sigmoid(x_i) x_i^2, elementwise ops on a vector: R^n -> R."""
    return (ag.sigmoid(x) * x**2).sum()


def gradient_by_jvps(x: np.ndarray, indices: Sequence[int]) -> np.ndarray:
    """df/dx_i for i in `indices`, one forward-mode JVP along the basis vector e_i each."""
    basis = np.zeros_like(x)
    out = np.empty(len(indices), dtype=x.dtype)
    for k, i in enumerate(indices):
        basis[i] = 1.0
        out[k] = ag.jvp(modes_function, (x,), (basis,))[1]
        basis[i] = 0.0
    return out


def _gradient_by_vjp(x: np.ndarray) -> Any:
    out, back = ag.vjp(modes_function, x)
    return back(np.ones_like(out))[0]


def reverse_gradient() -> tuple[Callable[[np.ndarray], Any], str | None]:
    """ag.grad(f), or the same reverse pass through ag.vjp if grad fails, with a note saying why."""
    grad_f = ag.grad(modes_function)
    try:
        grad_f(np.ones(3))
    except Exception as error:  # noqa: BLE001  (an engine bug must not stop the benchmark)
        return _gradient_by_vjp, f"ag.grad(f)(x) raised {type(error).__name__}: {error}; timed ag.vjp instead"
    return grad_f, None


def run_modes_case(n: int, budget: Budget, grad_f: Callable[[np.ndarray], Any]) -> dict[str, Any]:
    """The full gradient of f at n inputs: n JVPs (timed on a sample when n is large) vs one grad."""
    x = np.random.default_rng(2).standard_normal(n)
    indices = list(range(n)) if n <= budget.jvp_sample else [
        int(i) for i in np.linspace(0, n - 1, budget.jvp_sample)
    ]
    check = indices[:: max(1, len(indices) // 20)]
    agree = bool(np.allclose(gradient_by_jvps(x, check), grad_f(x)[check], rtol=1e-10, atol=1e-12))
    sides = {"jvps": lambda: gradient_by_jvps(x, indices), "reverse": lambda: grad_f(x)}
    times = _interleaved_frozen(sides, budget.modes_rounds, budget.sample_ns)
    scale = n / len(indices)
    forward = [t * scale for t in times["jvps"]]
    return {
        "n": n,
        "jvps_timed": len(indices),
        "extrapolated": scale != 1,
        "forward_ms": statistics.median(forward) / MS,
        "reverse_ms": statistics.median(times["reverse"]) / MS,
        "ratio": _common.median_ratio(forward, times["reverse"]),
        "jvp_us_each": statistics.median(times["jvps"]) / len(indices) / 1e3,
        "modes_agree": agree,
    }


def run_modes(budget: Budget) -> dict[str, Any]:
    """Section 3: every n, and the slope of log(ratio) against log(n)."""
    grad_f, note = reverse_gradient()
    rows = [run_modes_case(n, budget, grad_f) for n in MODES_SIZES]
    slope = _common.loglog_slope([r["n"] for r in rows], [r["ratio"] for r in rows])
    return {"rows": rows, "slope": slope, "passed": 0.8 <= slope <= 1.2, "warning": note}


def print_modes(result: dict[str, Any]) -> None:
    """The table of section 3."""
    print("\n3. Full gradient of f(x) = sum(sigmoid(x) * x**2), f: R^n -> R: n JVPs (forward mode) vs "
          "one reverse pass")
    print(f"   {'n':>6}{'JVPs timed':>12}{'us/JVP':>9}{'n JVPs ms':>12}{'reverse ms':>12}{'ratio':>10}")
    for r in result["rows"]:
        timed = f"{r['jvps_timed']}{'*' if r['extrapolated'] else ''}"
        print(f"   {r['n']:>6}{timed:>12}{r['jvp_us_each']:>9.1f}{r['forward_ms']:>12.2f}"
              f"{r['reverse_ms']:>12.3f}{r['ratio']:>10.1f}")
        if not r["modes_agree"]:
            print(f"   WARNING: at n={r['n']} the JVPs and the reverse pass give different gradients")
    if result["warning"]:
        print(f"   WARNING: {result['warning']}")
    if any(r["extrapolated"] for r in result["rows"]):
        print("   * a sample of evenly spaced JVPs was timed and the time scaled to all n")
    verdict = "PASS" if result["passed"] else "MISS"
    print(f"   slope of log(ratio) vs log(n): {result['slope']:.2f} (about 1 = linear)  {verdict}")


# =====================================================================================
# Profiles (--profile)
# =====================================================================================


def _print_profile(title: str, run: Callable[[], object], lines: int = 22) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    run()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(lines)
    body = out.getvalue()
    print(f"\n--- profile: {title} (sorted by own time) ---")
    print(body[body.find("   ncalls"):].rstrip())


def run_profiles() -> None:
    """cProfile of the engine on case 1 at batch 10 float64 and on the scalar graph of case 2."""
    rng = np.random.default_rng(0)
    layers = initial_layers((784, 30, 10), "float64", rng)
    X, Y = random_batch(10, 784, 10, "float64", rng)
    step = engine_step(as_values(layers), X, Y)

    def steps() -> None:
        for _ in range(2000):
            step()

    _print_profile("2000 engine training steps, [784, 30, 10], batch 10, float64", steps)
    layers_s, points, targets = scalar_problem()

    def scalar() -> None:
        squared_error(layers_s, points, targets, _value_tanh).backward()

    _print_profile("scalar MLP 2-16-16-1 over 100 points: build + backward + free", scalar)


def _breakdown_ops() -> dict[str, tuple[Callable[[], object], Callable[[], object] | None]]:
    """Engine operations at the shapes of case 1 (batch 10), each beside its plain counterpart."""
    rng = np.random.default_rng(0)
    layers = initial_layers((784, 30, 10), "float64", rng)
    X, Y = random_batch(10, 784, 10, "float64", rng)
    params = as_values(layers)
    flat = [p for pair in params for p in pair]
    graph = engine_cost(params, X, Y)
    W, b = params[0]
    x = Value(X, requires_grad=False)
    z = x @ W.T + b
    a = z.sigmoid()
    s, t = Value(0.3), Value(-1.7)
    small = Value(rng.random((10, 10)))
    layers_np = [(Wn.copy(), bn.copy()) for Wn, bn in layers]
    activations = numpy_forward(layers_np, X)

    def engine_backward() -> None:
        graph.backward()
        for p in flat:
            p.zero_grad()

    def tiny_backward() -> None:
        small.sum().backward()
        small.zero_grad()

    return {
        "step: forward (build C)": (lambda: engine_cost(params, X, Y), lambda: numpy_forward(layers_np, X)),
        "step: backward() on a built graph": (
            engine_backward, lambda: numpy_backward(layers_np, activations, Y)
        ),
        "Value(X, requires_grad=False)": (lambda: Value(X, requires_grad=False), None),
        "W.T": (lambda: W.T, lambda: W.data.T),
        "A @ W.T (784 -> 30)": (lambda: x @ W.T, lambda: X @ W.data.T),
        "Z + b": (lambda: z + b, lambda: z.data + b.data),
        "Z.sigmoid()": (lambda: z.sigmoid(), lambda: 1.0 / (1.0 + np.exp(-z.data))),
        "(A - Y) ** 2": (lambda: (a - a.data) ** 2, lambda: (a.data - a.data) ** 2),
        "A.sum()": (lambda: a.sum(), lambda: a.data.sum()),
        "x.sum().backward(), x (10, 10)": (tiny_backward, None),
        "toposort of the step graph": (lambda: ag.toposort(graph, graph_parents), None),
        "scalar s * t": (lambda: s * t, lambda: s.data * t.data),
        "scalar s + t": (lambda: s + t, lambda: s.data + t.data),
        "scalar s.tanh()": (lambda: s.tanh(), lambda: math.tanh(s.data)),
    }


def run_breakdown(budget: Budget) -> None:
    """Per-operation costs (median us per call, this thread's CPU time), engine beside plain NumPy."""
    ops = _breakdown_ops()
    sides: dict[str, Callable[[], object]] = {}
    for name, (engine_fn, plain_fn) in ops.items():
        sides[name] = engine_fn
        if plain_fn is not None:
            sides[name + " (plain)"] = plain_fn
    previous = _common.clock
    _common.use_clock("cpu")
    gc.collect()
    gc.freeze()
    try:
        times = _common.interleaved(sides, max(5, budget.training_rounds // 3), budget.sample_ns / 4)
    finally:
        gc.unfreeze()
        _common.clock = previous
    print("\n--- breakdown: us per call (median, CPU time), [784, 30, 10] batch 10 float64 ---")
    print(f"   {'operation':<36}{'engine':>10}{'plain':>10}{'extra':>10}")
    for name, (_, plain_fn) in ops.items():
        engine_us = statistics.median(times[name]) / 1e3
        if plain_fn is None:
            print(f"   {name:<36}{engine_us:>10.2f}")
            continue
        plain_us = statistics.median(times[name + " (plain)"]) / 1e3
        print(f"   {name:<36}{engine_us:>10.2f}{plain_us:>10.2f}{engine_us - plain_us:>10.2f}")


# =====================================================================================
# Command line
# =====================================================================================


def engine_revision() -> str:
    """The commit of the checkout, and whether autograd_core differs from it ("unknown" without git)."""
    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", *args], cwd=os.path.dirname(_HERE), capture_output=True, text=True)

    try:
        head = git("rev-parse", "--short", "HEAD")
        changed = git("diff", "--quiet", "HEAD", "--", "autograd_core").returncode != 0
    except OSError:
        return "unknown"
    if head.returncode != 0:
        return "unknown"
    return head.stdout.strip() + (" + uncommitted changes to autograd_core" if changed else "")


def environment(quick: bool, clock: str) -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "threads": {name: os.environ.get(name) for name in _common.THREAD_VARIABLES},
        "threadpools": _common.limit_threadpools(),
        "allocator": _common.steady_malloc(),
        "quick": quick,
        "clock": clock,
        "engine_revision": engine_revision(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sections asked for, print their tables, optionally write JSON and profiles."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, shorter samples")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    parser.add_argument("--only", type=int, choices=(1, 2, 3), action="append",
                        help="run only this section (repeatable)")
    parser.add_argument("--profile", action="store_true",
                        help="also print cProfile reports and a per-operation cost breakdown")
    parser.add_argument("--clock", choices=tuple(_common.CLOCKS), default="wall",
                        help="wall: time.perf_counter_ns (default); cpu: this thread's CPU time, "
                        "steadier on a machine shared with other jobs")
    args = parser.parse_args(argv)
    _common.use_clock(args.clock)
    budget = QUICK if args.quick else FULL
    sections = set(args.only or (1, 2, 3))
    started = time.perf_counter()
    env = environment(args.quick, args.clock)
    print(f"engine benchmark ({'quick' if args.quick else 'full'}): Python {env['python']}, "
          f"NumPy {env['numpy']}, {env['cpus']} CPUs; BLAS threads pinned to 1; {args.clock} clock")
    print(f"   engine at {env['engine_revision']}; {env['threadpools']}; {env['allocator']}")
    results: dict[str, Any] = {"environment": env}
    if 2 in sections:  # measured first: importing PyTorch (section 1) fills the heap that the
        # collector, on in section 2 as users have it, walks in every full collection
        results["scalar"] = run_scalar(budget)
        results["scalar_reference"] = run_micrograd_reference(budget)
    if 1 in sections:
        torch = load_torch()
        print("   PyTorch: " + (f"{torch.__version__}, 1 thread, timed beside the others" if torch
                               else "not installed (pip install -e '.[peers]' to time it beside the others)"))
        results["training"] = [run_training_case(case, budget, torch) for case in TRAINING_CASES]
        print_training(results["training"])
    if 2 in sections:
        print_scalar(results["scalar"])
        print_micrograd_reference(results["scalar_reference"])
    if 3 in sections:
        results["modes"] = run_modes(budget)
        print_modes(results["modes"])
    results["seconds"] = time.perf_counter() - started
    print(f"\n({results['seconds']:.0f} s)")
    if args.profile:
        run_profiles()
        run_breakdown(budget)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
