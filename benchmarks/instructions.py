"""Instruction counts: the engine against its baselines, counted by valgrind, not timed.

    .venv/bin/python benchmarks/instructions.py            # every case (about three minutes)
    .venv/bin/python benchmarks/instructions.py --case scalar

Timings on a shared machine wander by 10-20% from run to run, which hides the effect of a
small change to the engine. Instructions executed do not wander: valgrind's callgrind
counts them, the same for the same program, whatever else the machine is doing. So this
benchmark counts, for each case, the instructions of one call of the engine's step and of
its baseline's (each in a process of its own, NumPy on one thread), and prints their ratio.
A ratio of instructions is not a ratio of times (Python's bytecode runs at fewer
instructions per cycle than BLAS kernels, so the engine's time ratio is higher), but it
moves when, and only when, the work moves: use it to compare two versions of the engine.

Each count is (count after n2 calls - count after n1 calls) / (n2 - n1), so the start-up of
Python, NumPy and the setup cancel out. Cases:
    b10, b100     benchmarks/engine.py's training step of [784, 30, 10] (fused: ag.linear, ag.quadratic_cost)
                  at batch 10 and 100, against its hand-written NumPy BP1-BP4 step
    nn            nn.train.Trainer's step with the engine against the closed form, batch 10
    scalar        benchmarks/engine.py's scalar graph (MLP 2-16-16-1, 20 points): forward,
                  backward and free, per node, against the same sums on plain floats
Needs valgrind (`apt-get install valgrind`).
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [_HERE, os.path.dirname(_HERE)]

import _common  # noqa: E402  (must come before NumPy: it pins the thread count)

_common.pin_threads()

import numpy as np  # noqa: E402

# (name, engine side, baseline side, calls n1 and n2): the sides are keys of SIDES.
CASES = {
    "b10": ("engine b10", "numpy b10", 10, 60),
    "b100": ("engine b100", "numpy b100", 5, 25),
    "nn": ("nn engine", "nn closed-form", 10, 60),
    "scalar": ("scalar graph", "scalar floats", 1, 3),
}
SCALAR_POINTS = 20


def training_sides(batch: int) -> tuple[Callable[[], None], Callable[[], None]]:
    """benchmarks/engine.py's fused engine step (ag.linear, ag.quadratic_cost) and its NumPy
    step, [784, 30, 10], float64."""
    import engine as bench

    rng = np.random.default_rng(0)
    layers = bench.initial_layers((784, 30, 10), "float64", rng)
    X, Y = bench.random_batch(batch, 784, 10, "float64", rng)
    return (bench.engine_step(bench.as_values(layers), X, Y, fused=True),
            bench.numpy_step([(W.copy(), b.copy()) for W, b in layers], X, Y))


def nn_sides() -> tuple[Callable[[], float], Callable[[], float]]:
    """nn's Trainer step by the engine and by the closed form on one batch of 10."""
    from nn import MLP, SGD
    from nn.data import one_hot
    from nn.train import Trainer

    rng = np.random.default_rng(0)
    x, y = rng.random((10, 784)), one_hot(rng.integers(0, 10, 10), 10)
    steps = []
    for backend in ("engine", "closed-form"):
        model = MLP([784, 30, 10], seed=0)
        trainer = Trainer(model, "quadratic", SGD(model.parameters(), 0.01), backend=backend,
                          progress=False, log=None)
        steps.append(trainer._engine_step if backend == "engine" else trainer._closed_form_step)
    return (lambda: steps[0](x, y)), (lambda: steps[1](x, y))


def scalar_sides() -> tuple[Callable[[], None], Callable[[], object], int]:
    """The scalar graph's round (build, backward, free) and the plain-float sums, and its node count."""
    import engine as bench

    import autograd_core as ag
    from autograd_core.core import graph_parents

    layers, points, targets = bench.scalar_problem()
    points, targets = points[:SCALAR_POINTS], targets[:SCALAR_POINTS]
    floats = bench.as_floats(layers)
    nodes = len(ag.toposort(bench.squared_error(layers, points, targets, bench._value_tanh), graph_parents))

    def engine_round() -> None:
        bench.squared_error(layers, points, targets, bench._value_tanh).backward()

    return engine_round, (lambda: bench.squared_error(floats, points, targets, math.tanh)), nodes


def side(name: str) -> Callable[[], object]:
    """The callable a side's name stands for."""
    if name.startswith(("engine b", "numpy b")):
        engine, numpy = training_sides(int(name.split(" b")[1]))
        return engine if name.startswith("engine") else numpy
    if name.startswith("nn "):
        return nn_sides()[0 if name == "nn engine" else 1]
    return scalar_sides()[0 if name == "scalar graph" else 1]


def run_side(name: str, calls: int) -> None:
    """Make `calls` calls of the side (after three to warm up), inside valgrind's count."""
    import gc

    fn = side(name)
    for _ in range(3):
        fn()
    gc.collect()
    for _ in range(calls):
        fn()


def instructions(name: str, calls: int) -> int:
    """All the instructions of a process that makes `calls` calls of the side, by callgrind."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
               sys.executable, os.path.abspath(__file__), "--run", name, str(calls)]
    environment = {**os.environ, "PYTHONHASHSEED": "0"}  # the same string hashes, the same count
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=environment)
    found = re.search(r"Collected\s*:\s*(\d+)", done.stderr)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"valgrind failed on {name!r}:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def per_call(name: str, n1: int, n2: int) -> float:
    """Instructions of one call of the side: the difference of two counts, divided."""
    return (instructions(name, n2) - instructions(name, n1)) / (n2 - n1)


def main(argv: list[str] | None = None) -> int:
    """Count the cases asked for and print a line for each."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", choices=tuple(CASES), action="append", help="only this case (repeatable)")
    parser.add_argument("--run", nargs=2, metavar=("SIDE", "CALLS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run:
        run_side(args.run[0], int(args.run[1]))
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: apt-get install valgrind", file=sys.stderr)
        return 1
    print(f"instructions per call, counted by callgrind (Python {sys.version.split()[0]}, NumPy "
          f"{np.__version__}, one BLAS thread)")
    print(f"   {'case':<8}{'engine':>14}{'baseline':>14}{'ratio':>8}   sides")
    for case in args.case or CASES:
        engine_side, baseline_side, n1, n2 = CASES[case]
        engine, baseline = per_call(engine_side, n1, n2), per_call(baseline_side, n1, n2)
        line = (f"   {case:<8}{engine:>14,.0f}{baseline:>14,.0f}{engine / baseline:>8.3f}   "
                f"{engine_side} / {baseline_side}")
        if case == "scalar":
            nodes = scalar_sides()[2]
            line += f"; {engine / nodes:,.0f} per node over {nodes:,} nodes"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
