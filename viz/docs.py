"""Regenerate the figures the README shows: `python -m viz.docs` (or `make docs`).

* docs/seed_graph.svg: the computational graph of e = (a + b)(b + 1) at a = 2, b = 1 after
  `e.backward(retain_grads=True)`, every node showing its value and de/dnode
  (de/da = 2, de/db = 5: b feeds both paths and receives their sum).
* docs/network.svg: a small sigmoid network [4, 5, 3] after one backward pass of the
  quadratic cost on a batch, edges sized by |dC/dw| and neurons shaded by activation.
  Input 0 is nearly always off and hidden neuron 2 is pushed into saturation, so the
  weights out of the one and into the other visibly get almost no gradient.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from autograd_core import Value

from .graph import GraphvizNotFoundError, render_svg
from .network import draw_network

DOCS_DIR = Path("docs")  # relative: ./docs of the current directory (the repository's, under `make docs`)


def seed_graph(retain: bool = True) -> Value:
    """e = (a + b)(b + 1) with c = a + b, d = b + 1 at a = 2, b = 1, after a backward pass
    that keeps every node's gradient (with `retain`; else only the leaves get theirs):
    de/da = 2, de/db = 5, de/dc = 2, de/dd = 3."""
    a, b = Value(2.0, label="a"), Value(1.0, label="b")
    c = a + b
    d = b + 1
    e = c * d
    c.label, d.label, e.label = "c", "d", "e"
    e.backward(retain_grads=retain)
    return e


def slow_learning_network(seed: int = 0) -> tuple[Any, list[np.ndarray]]:
    """A [4, 5, 3] sigmoid MLP after one backward pass of the quadratic cost on 32 examples,
    and its activations a^0..a^2 on them.

    Input neuron 0 is almost always 0 (so dC/dw = a^0_0 delta^1_j is about 0 for the weights
    out of it, BP4) and hidden neuron 2 has a large bias (so sigma'(z^1_2) is about 0 and so is
    delta^1_2, BP2: the weights into it barely move).
    """
    from nn import MLP, QuadraticCost, backprop

    rng = np.random.default_rng(seed)
    mlp = MLP([4, 5, 3], activation="sigmoid", seed=seed)
    mlp.layers[0].b.data[2] = 8.0
    X = rng.random((32, 4))
    X[:, 0] = 0.01 * rng.random(32)
    Y = np.eye(3)[rng.integers(0, 3, size=32)]
    cost = QuadraticCost()
    cost(mlp(X), Y).backward()
    result = backprop(mlp, X, Y, cost, return_intermediates=True)
    return mlp, [np.asarray(a) for a in result.activations]  # type: ignore[union-attr]


def write_figures(out_dir: Path) -> list[Path]:
    """Write seed_graph.svg and network.svg into `out_dir`; returns their paths."""
    mlp, activations = slow_learning_network()
    return [
        render_svg(seed_graph(), out_dir / "seed_graph.svg"),
        render_svg(draw_network(mlp, weights="grad", activations=activations), out_dir / "network.svg"),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write the README's figures (default: ./docs of the current directory)."""
    parser = argparse.ArgumentParser(prog="python -m viz.docs", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DOCS_DIR,
                        help="folder to write into (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        paths = write_figures(args.out)
    except GraphvizNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for path in paths:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
