"""`python -m viz.docs`: the README's figures, regenerated."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from viz import docs

from .dotparse import parse_svg

REPO = Path(__file__).resolve().parents[2]


def test_writes_the_seed_graph_and_the_network(tmp_path, capsys):
    assert docs.main(["--out", str(tmp_path)]) == 0
    assert capsys.readouterr().out.split() == [
        "wrote", str(tmp_path / "seed_graph.svg"), "wrote", str(tmp_path / "network.svg")
    ]
    seed = parse_svg(tmp_path / "seed_graph.svg")
    records = sorted(texts for texts in seed.nodes.values() if len(texts) == 3)
    assert records == [
        ["a", "data 2", "grad 2"], ["b", "data 1", "grad 5"], ["c", "data 3", "grad 2"],
        ["d", "data 2", "grad 3"], ["e", "data 6", "grad 1"],
    ]
    assert sorted(t[0] for t in seed.nodes.values() if len(t) == 1) == ["add", "add", "mul"]
    network = parse_svg(tmp_path / "network.svg")
    assert "layer 1 (hidden): 5 neurons" in network.texts
    assert any("red ring: saturated neuron" in text for text in network.texts)


def test_the_example_network_shows_both_slow_learning_cases():
    mlp, activations = docs.slow_learning_network()
    W1 = mlp.layers[0].W.grad
    assert np.abs(W1[:, 0]).max() < 0.05 * np.abs(W1).max()  # out of the nearly silent input 0
    assert np.abs(W1[2, :]).max() < 0.05 * np.abs(W1).max()  # into the saturated hidden neuron 2
    assert activations[1][:, 2].min() > 0.99


def test_without_dot_the_command_fails_with_the_install_command_and_no_traceback(tmp_path):
    env = {**os.environ, "PATH": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "viz.docs", "--out", str(tmp_path)], cwd=REPO, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert "apt-get install graphviz" in done.stderr and "brew install graphviz" in done.stderr
    assert "Traceback" not in done.stderr
    assert not list(tmp_path.glob("*.svg"))
