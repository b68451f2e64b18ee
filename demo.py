"""`make demo`: what the project does, end to end, in about half a minute.

1. e = (a + b)(b + 1) and its gradients, as in the book's figure.
2. A gradient check: reverse and forward mode against finite differences, to second order.
3. The four equations: the engine's gradients beside the closed-form BP1-BP4 of nn.backprop.
4. Drawings: the graph of e and a small network (shaded by its batch's activations), as SVG files,
   and two explorer pages that step through the forward and backward passes: explorer.html (e)
   and explorer_network.html (the small sigmoid network on its batch).
5. Training: Nielsen's [784, 30, 10] sigmoid network for a few epochs of SGD on MNIST (or on a
   built-in data set, with a note, when MNIST cannot be found or fetched).

Everything is written under runs/demo/.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np

import autograd_core as ag
import viz
from autograd_core import Value, check_grads
from nn import MLP, QuadraticCost, backprop
from nn.train import main as train
from viz.docs import seed_graph

OUT = Path("runs/demo")


def seed_example() -> Value:
    """e = (a + b)(b + 1) at a = 2, b = 1: de/da = 2, de/db = 5."""
    e = seed_graph()
    a, b = e.parents[0].parents  # e = c * d and c = a + b
    print(f"e = (a + b)(b + 1) = {e.data:g};  de/da = {a.grad:g},  de/db = {b.grad:g}")
    return e


def gradient_check() -> None:
    """check_grads on a small tensor expression, to second order."""
    rng = np.random.default_rng(0)
    x, W = rng.standard_normal((4, 3)), rng.standard_normal((2, 3))

    def f(x: Value, W: Value) -> Value:
        return ag.logsumexp(ag.tanh(ag.linear(x, W)), axis=1).sum() + (W**2).mean()

    worst = check_grads(f, x, W, order=2)
    print(f"check_grads(f, x, W, order=2): reverse and forward mode agree with finite differences "
          f"(worst error {worst:.1e} of the tolerance)")


def four_equations() -> tuple[MLP, np.ndarray, np.ndarray]:
    """The engine's dC/dW^l and dC/db^l against BP1-BP4 in closed form."""
    rng = np.random.default_rng(1)
    mlp = MLP([4, 5, 3], seed=1)
    X, Y = rng.random((8, 4)), np.eye(3)[rng.integers(0, 3, 8)]
    cost = QuadraticCost()
    cost(mlp(X), Y).backward()
    nabla_b, nabla_w = backprop(mlp, X, Y, cost)
    worst = max(
        float(np.max(np.abs(layer.W.grad - gw) / (np.abs(gw) + 1e-300)))
        for layer, gw in zip(mlp.layers, nabla_w, strict=True)
    )
    worst = max(worst, *(float(np.max(np.abs(layer.b.grad - gb) / (np.abs(gb) + 1e-300)))
                         for layer, gb in zip(mlp.layers, nabla_b, strict=True)))
    print(f"BP1-BP4 (nn.backprop) vs the engine on MLP [4, 5, 3]: largest relative difference {worst:.1e}")
    return mlp, X, Y


def drawings(e: Value, mlp: MLP, X: np.ndarray, Y: np.ndarray) -> None:
    """SVGs of the seed graph and of the small network (gradient-coloured edges, neurons shaded by
    the batch's activations), and the explorer pages of both."""
    activations = backprop(mlp, X, Y, QuadraticCost(), return_intermediates=True).activations
    try:
        graph = viz.render_svg(e, OUT / "seed_graph.svg")
        network = viz.render_svg(viz.draw_network(mlp, weights="grad", activations=activations),
                                 OUT / "network.svg")
        print(f"drawn: {graph} and {network}")
        pages = [viz.explore(e, OUT / "explorer.html"),
                 viz.explore(mlp, OUT / "explorer_network.html", X=X, Y=Y, cost="quadratic")]
        print(f"explorer pages (open them in a browser): {pages[0]} and {pages[1]}")
    except viz.GraphvizNotFoundError as error:
        print(f"drawings skipped: {error}")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    print("== 1. the seed example")
    e = seed_example()
    print("\n== 2. a gradient check")
    gradient_check()
    print("\n== 3. the four equations")
    mlp, X, Y = four_equations()
    print("\n== 4. drawings")
    drawings(e, mlp, X, Y)
    print("\n== 5. training: python -m nn.train --epochs 3 --batch-size 10 --eta 3.0")
    shutil.rmtree(OUT / "training", ignore_errors=True)  # the previous demo's run, made again below
    # No --sizes: the default [784, 30, 10] on MNIST, or, with a warning, a built-in set where
    # MNIST cannot be had at all (naming sizes or a data set would make MNIST a requirement).
    return train(["--epochs", "3", "--batch-size", "10", "--eta", "3.0",
                  "--out", str(OUT / "training")])


if __name__ == "__main__":
    sys.exit(main())
