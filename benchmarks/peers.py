"""One SGD step of a sigmoid MLP: the engine and its peers, each as a ratio to hand-written NumPy.

    .venv/bin/python benchmarks/peers.py                   # full run (about a minute)
    .venv/bin/python benchmarks/peers.py --quick           # a rougher run
    .venv/bin/python benchmarks/peers.py --clock process --json peers.json

The step is benchmarks/engine.py's (section 1): forward, the gradient of the quadratic cost
C = 1/(2m) sum_x ||a^L(x) - y(x)||^2 over a batch of m rows, then w -= eta dC/dw, for
[784, 30, 10] at m = 10 and m = 100 and [784, 256, 256, 10] at m = 128. The sides:

- NumPy: BP1-BP4 written by hand (benchmarks/engine.py's floor), the denominator of every ratio;
- the engine, fused (`ag.linear`, `ag.quadratic_cost`, as nn builds the step) and written out
  (`A @ W.T + b`, `((A - Y)**2).sum() / (2m)`), built by benchmarks/engine.py;
- PyTorch eager (benchmarks/engine.py's step: F.linear, sigmoid, F.mse_loss, backward);
- JAX: `jax.jit` of the whole step (jax.grad of the cost, then the update), compiled before timing;
- HIPS autograd: `autograd.grad` of the cost written with autograd.numpy, then the update.

micrograd is not timed here: its values are Python scalars, so one step of these networks
would be a graph of tens of thousands of scalar nodes per example; benchmarks/engine.py
(section 2) times it on scalar graphs. PyTorch, JAX and autograd are optional (`pip install -e
'.[peers]'`); one that is not installed is skipped with a note.

Before timing, every side takes one step from the same weights and must land where NumPy's
step lands: for every parameter, |w_side - w_numpy| <= rtol * max|step of NumPy| + 4 eps
max|w| (rtol 1e-9 in float64, 2e-3 in float32; eps of the dtype), with the same shape and
dtype. A side that differs is reported and not timed.

Method (benchmarks/README.md): one thread everywhere (BLAS variables, torch.set_num_threads(1),
XLA flags, and the process pinned to one CPU where the system allows); the sides take turns
round by round, in an order reversed every other round; each ratio is the median of the
per-round ratios to NumPy, with its quartiles. `--clock process` counts the CPU time of every
thread of the process: JAX computes on threads of its own, which the per-thread clock misses.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [_HERE, os.path.dirname(_HERE)]

import _common  # noqa: E402  (must come before NumPy: it pins the thread count)

_common.pin_threads()
# XLA's CPU backend: no multi-threaded Eigen, one intra-op thread; no accelerator backends.
os.environ["XLA_FLAGS"] = " ".join(
    [os.environ.get("XLA_FLAGS", ""), "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"]
).strip()
os.environ["JAX_PLATFORMS"] = "cpu"

import engine  # noqa: E402  (benchmarks/engine.py: the NumPy floor, the engine's step, PyTorch's step)
import numpy as np  # noqa: E402

INSTALL_HINT = "pip install -e '.[peers]'"
RTOL = {"float64": 1e-9, "float32": 2e-3}


@dataclass(frozen=True)
class Case:
    """Layer sizes and batch size m of one measured step."""

    sizes: tuple[int, ...]
    batch: int


CASES = (Case((784, 30, 10), 10), Case((784, 30, 10), 100), Case((784, 256, 256, 10), 128))

Layers = engine.Layers
# A side's builder: from the initial layers and a batch, (one step in place, the weights now).
Build = Callable[[Layers, np.ndarray, np.ndarray], tuple[Callable[[], None], Callable[[], list[np.ndarray]]]]


@dataclass(frozen=True)
class Side:
    """One way of taking the step: its name in the tables and how to build it."""

    name: str
    build: Build


# =====================================================================================
# The sides
# =====================================================================================


def numpy_side(layers: Layers, X: np.ndarray, Y: np.ndarray) -> tuple[Callable[[], None], Callable]:
    """benchmarks/engine.py's hand-written BP1-BP4 step on copies of the layers."""
    own = [(W.copy(), b.copy()) for W, b in layers]
    return engine.numpy_step(own, X, Y), lambda: [a for pair in own for a in pair]


def engine_side(fused: bool) -> Build:
    """benchmarks/engine.py's engine step, fused or written out, on leaf Values holding copies."""

    def build(layers: Layers, X: np.ndarray, Y: np.ndarray) -> tuple[Callable[[], None], Callable]:
        params = engine.as_values(layers)
        return engine.engine_step(params, X, Y, fused), lambda: [p.data for pair in params for p in pair]

    return build


def load_torch() -> Any:
    """PyTorch on one thread (intra- and inter-op), or None when it is not installed."""
    torch = engine.load_torch()
    if torch is not None:
        torch.set_num_interop_threads(1)
    return torch


def torch_side(torch: Any) -> Build:
    """benchmarks/engine.py's PyTorch eager step."""

    def build(layers: Layers, X: np.ndarray, Y: np.ndarray) -> tuple[Callable[[], None], Callable]:
        step, params = engine.torch_step(torch, layers, X, Y)
        return step, lambda: [p.detach().numpy() for p in params]

    return build


def load_jax() -> Any:
    """JAX on the CPU with 64-bit arrays allowed (float64 stays float64), or None when not installed."""
    try:
        import jax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    return jax


def jax_side(jax: Any) -> Build:
    """The step as one jitted function of the parameters: jax.grad of C, then w - eta dC/dw.

    The parameters are donated to the call, so XLA may write the new ones over the old."""
    jnp = jax.numpy

    def cost(params: list, X: Any, Y: Any) -> Any:
        A = X
        for W, b in params:
            A = jax.nn.sigmoid(A @ W.T + b)
        return jnp.sum((A - Y) ** 2) / (2 * X.shape[0])

    @partial(jax.jit, donate_argnums=0)
    def update(params: list, X: Any, Y: Any) -> list:
        grads = jax.grad(cost)(params, X, Y)
        eta = engine.ETA
        return [(W - eta * gW, b - eta * gb) for (W, b), (gW, gb) in zip(params, grads, strict=True)]

    def build(layers: Layers, X: np.ndarray, Y: np.ndarray) -> tuple[Callable[[], None], Callable]:
        state = [[(jnp.array(W), jnp.array(b)) for W, b in layers]]  # copies: donation frees them
        Xj, Yj = jnp.array(X), jnp.array(Y)

        def step() -> None:
            state[0] = jax.block_until_ready(update(state[0], Xj, Yj))

        return step, lambda: [np.asarray(a) for pair in state[0] for a in pair]

    return build


def load_autograd() -> Any:
    """HIPS autograd (its grad and its wrapped NumPy), or None when it is not installed."""
    try:
        import autograd
        import autograd.numpy
    except ImportError:
        return None
    return autograd


def autograd_side(autograd: Any) -> Build:
    """autograd.grad of C written with autograd.numpy, then w -= eta dC/dw in place."""
    anp = autograd.numpy

    def cost(params: list, X: np.ndarray, Y: np.ndarray) -> Any:
        A = X
        for W, b in params:
            A = 1.0 / (1.0 + anp.exp(-(anp.dot(A, W.T) + b)))
        return anp.sum((A - Y) ** 2) / (2 * len(X))

    gradient = autograd.grad(cost)

    def build(layers: Layers, X: np.ndarray, Y: np.ndarray) -> tuple[Callable[[], None], Callable]:
        params = [(W.copy(), b.copy()) for W, b in layers]

        def step() -> None:
            for (W, b), (gW, gb) in zip(params, gradient(params, X, Y), strict=True):
                W -= engine.ETA * gW
                b -= engine.ETA * gb

        return step, lambda: [a for pair in params for a in pair]

    return build


def available_sides() -> tuple[list[Side], dict[str, str]]:
    """The sides that can run here, NumPy first, and a note for each peer: its version or why it is absent."""
    sides = [Side("NumPy BP1-BP4", numpy_side), Side("engine, fused", engine_side(True)),
             Side("engine, written out", engine_side(False))]
    notes = {}
    for name, distribution, load, side in (("PyTorch eager", "torch", load_torch, torch_side),
                                           ("JAX jit", "jax", load_jax, jax_side),
                                           ("HIPS autograd", "autograd", load_autograd, autograd_side)):
        module = load()
        if module is None:
            notes[name] = f"not installed, skipped ({INSTALL_HINT} installs it)"
            continue
        sides.append(Side(name, side(module)))
        notes[name] = f"{distribution} {importlib.metadata.version(distribution)}"
    notes["micrograd"] = "not timed here: scalar values only (benchmarks/engine.py times it on scalar graphs)"
    return sides, notes


# =====================================================================================
# Checking and timing
# =====================================================================================


def parameter_names(n_layers: int) -> list[str]:
    """W^1, b^1, W^2, b^2, ...: the order in which every side lists its weights."""
    return [f"{name}^{l}" for l in range(1, n_layers + 1) for name in ("W", "b")]


def disagreement(side: Side, layers: Layers, X: np.ndarray, Y: np.ndarray,
                 want: list[np.ndarray]) -> str | None:
    """None when one step of `side` from `layers` lands on `want` (NumPy's weights after one
    step) to the stated tolerance, else what differs."""
    step, weights = side.build(layers, X, Y)
    step()
    before = [a for pair in layers for a in pair]
    got = weights()
    rtol = RTOL[X.dtype.name]
    eps = float(np.finfo(X.dtype).eps)
    for name, w, target, start in zip(parameter_names(len(layers)), got, want, before, strict=True):
        w = np.asarray(w)
        if w.shape != target.shape or w.dtype != target.dtype:
            return f"{name} is {w.dtype}{list(w.shape)}, NumPy's is {target.dtype}{list(target.shape)}"
        tolerance = rtol * float(np.max(np.abs(target - start))) + 4 * eps * float(np.max(np.abs(start)))
        error = float(np.max(np.abs(w - target)))
        if not error <= tolerance:
            return f"{name} differs from NumPy's by {error:.3g} after one step (tolerance {tolerance:.3g})"
    return None


def run_case(case: Case, dtype: str, sides: list[Side], budget: engine.Budget) -> dict[str, Any]:
    """Check every side against NumPy's step, then time those that agree, interleaved."""
    rng = np.random.default_rng(0)
    layers = engine.initial_layers(case.sizes, dtype, rng)
    X, Y = engine.random_batch(case.batch, case.sizes[0], case.sizes[-1], dtype, rng)
    reference_step, reference_weights = numpy_side(layers, X, Y)
    reference_step()
    want = [np.array(a) for a in reference_weights()]
    problems = {side.name: disagreement(side, layers, X, Y, want) for side in sides[1:]}
    timed = [side for side in sides if not problems.get(side.name)]
    steps: dict[str, Callable[[], object]] = {side.name: side.build(layers, X, Y)[0] for side in timed}
    times = engine._interleaved_frozen(steps, budget.training_rounds, budget.sample_ns)
    numpy_times = times[sides[0].name]
    rows = {}
    for name, samples in times.items():
        ratios = engine._ratios(samples, numpy_times)
        rows[name] = {"us": statistics.median(samples) / 1e3, "ratio": statistics.median(ratios),
                      "ratio_quartiles": engine._quartiles(ratios)}
    return {"sizes": list(case.sizes), "batch": case.batch, "dtype": dtype, "rounds": len(numpy_times),
            "sides": rows, "disagree": {name: problem for name, problem in problems.items() if problem}}


def pin_to_one_cpu() -> str:
    """Run every thread of the process, present and future, on one CPU, where the system allows."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned to a CPU (no sched_setaffinity here)"
    cpu = min(os.sched_getaffinity(0))
    for thread in os.listdir("/proc/self/task") if os.path.isdir("/proc/self/task") else ["0"]:
        os.sched_setaffinity(int(thread), {cpu})
    return f"pinned to CPU {cpu}"


# =====================================================================================
# Output and command line
# =====================================================================================


def print_case(result: dict[str, Any]) -> None:
    """One case: every side's median time and its ratio to NumPy, with the quartiles."""
    print(f"\n{result['sizes']}, batch {result['batch']}, {result['dtype']} ({result['rounds']} rounds)")
    print(f"   {'side':<22}{'us':>9}{'/ NumPy':>9}  [q1 - q3]")
    for name, row in result["sides"].items():
        q1, q3 = row["ratio_quartiles"]
        print(f"   {name:<22}{row['us']:>9.1f}{row['ratio']:>9.2f}  [{q1:.2f} - {q3:.2f}]")
    for name, problem in result["disagree"].items():
        print(f"   WARNING: {name} not timed: {problem}")


def print_summary(results: list[dict[str, Any]], names: Sequence[str]) -> None:
    """The ratios to NumPy, one column per case."""
    heads = [f"{'x'.join(map(str, r['sizes'][1:-1]))} b{r['batch']}" for r in results]
    print("\nOne SGD step, time / NumPy's (median of per-round ratios); hidden layers x batch")
    print(f"   {'side':<22}" + "".join(f"{head:>14}" for head in heads))
    for name in names:
        cells = [f"{r['sides'][name]['ratio']:.2f}" if name in r["sides"] else "-" for r in results]
        print(f"   {name:<22}" + "".join(f"{cell:>14}" for cell in cells))


def main(argv: Sequence[str] | None = None) -> int:
    """Check and time every available side on each case; print the tables, optionally JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, shorter samples")
    parser.add_argument("--dtype", choices=tuple(RTOL), default="float64")
    parser.add_argument("--clock", choices=("wall", "process"), default="wall",
                        help="wall: time.perf_counter_ns (default); process: CPU time of all threads, "
                        "steadier on a machine shared with other jobs")
    parser.add_argument("--no-pin", action="store_true", help="leave the process free to run on every CPU")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    args = parser.parse_args(argv)
    _common.use_clock(args.clock)
    pinned = "not pinned to a CPU (--no-pin)" if args.no_pin else pin_to_one_cpu()
    budget = engine.QUICK if args.quick else engine.FULL
    started = time.perf_counter()
    sides, notes = available_sides()
    env = {"python": platform.python_version(), "numpy": np.__version__, "cpus": os.cpu_count(),
           "threadpools": _common.limit_threadpools(), "allocator": _common.steady_malloc(),
           "cpu": pinned, "clock": args.clock, "quick": args.quick,
           "engine_revision": engine.engine_revision(), "peers": notes}
    print(f"peers benchmark ({'quick' if args.quick else 'full'}): Python {env['python']}, "
          f"NumPy {env['numpy']}, {env['cpus']} CPUs, {pinned}; one thread each; {args.clock} clock; "
          f"{args.dtype}")
    print(f"   engine at {env['engine_revision']}; {env['threadpools']}; {env['allocator']}")
    for name, note in notes.items():
        print(f"   {name}: {note}")
    print(f"   checked first: one step of each side lands on NumPy's weights to {RTOL[args.dtype]:g} of the "
          "step's size (+ 4 eps |w|)")
    results = []
    for case in CASES:
        results.append(run_case(case, args.dtype, sides, budget))
        print_case(results[-1])
        gc.collect()
    print_summary(results, [side.name for side in sides[1:]])
    seconds = time.perf_counter() - started
    print(f"\n({seconds:.0f} s)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"environment": env, "cases": results, "seconds": seconds}, f, indent=2, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
