"""Training: a short real MNIST run, the two backends, early stopping, divergence, and the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import nn.train as train
from nn import MLP, SGD, Linear, Sequential, Sigmoid, Softmax, backprop
from nn.data import DataError, load_mnist, load_synthetic, minibatches, one_hot
from nn.train import Trainer, TrainingDivergedError, fit, main
from tests.shared_data import shared_mnist_path

ROOT = Path(__file__).resolve().parents[2]


def quiet(line: str) -> None:
    """A log that prints nothing."""


def moons(n: int = 300):
    return load_synthetic("moons", n=n, seed=0)


def params_of(model):
    return [p.data.copy() for p in model.parameters()]


# --- the library ---------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["engine", "closed-form"])
def test_one_epoch_on_a_few_thousand_mnist_images_beats_chance_clearly(backend):
    data = load_mnist(shared_mnist_path(), limit=3000)
    mlp = MLP([784, 30, 10], seed=0)
    metrics = fit(mlp, data, epochs=1, batch_size=10, eta=3.0, backend=backend, log=quiet)
    assert metrics["val_total"] == 3000 and metrics["test_total"] == 3000
    assert metrics["val_accuracy"][0] > 0.7 and metrics["test_accuracy"][0] > 0.7  # chance is 0.1
    assert metrics["val_correct"][0] == round(metrics["val_accuracy"][0] * 3000)


def test_both_backends_train_the_same_network():
    data = moons()
    runs = []
    for backend in ("engine", "closed-form"):
        mlp = MLP([2, 8, 2], "tanh", output_activation="sigmoid", seed=3)
        metrics = fit(mlp, data, epochs=2, eta=0.5, cost="cross-entropy", lmbda=1.0, momentum=0.5,
                      backend=backend, seed=4, log=quiet)
        runs.append((params_of(mlp), metrics))
    (engine_params, engine_metrics), (closed_params, closed_metrics) = runs
    for a, b in zip(engine_params, closed_params, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    assert engine_metrics["val_correct"] == closed_metrics["val_correct"]
    np.testing.assert_allclose(engine_metrics["train_cost"], closed_metrics["train_cost"], rtol=1e-9)


@pytest.mark.parametrize("backend", ["engine", "closed-form"])
def test_an_epoch_is_backprop_and_an_sgd_step_per_mini_batch_bit_for_bit(backend):
    data = moons()
    x, y = data.x_train, one_hot(data.y_train, 2)
    mlp, twin = MLP([2, 4, 2], seed=0), MLP([2, 4, 2], seed=0)
    trainer = Trainer(mlp, "quadratic", SGD(mlp.parameters(), 1.0), backend=backend, batch_size=7, seed=5,
                      log=quiet)
    cost = trainer.train_epoch(x, y, 1)
    optimizer, costs = SGD(twin.parameters(), 1.0), []
    for xb, yb in minibatches(x, y, 7, rng=np.random.default_rng([5, 1])):  # the epoch's documented order
        result = backprop(twin, xb, yb, "quadratic", return_intermediates=True)
        optimizer.step([g for pair in zip(result.nabla_w, result.nabla_b, strict=True) for g in pair])
        costs.append(result.cost)
    exact = backend == "closed-form"  # the engine adds up in its own order: equal up to rounding
    for p, q in zip(mlp.parameters(), twin.parameters(), strict=True):
        np.testing.assert_allclose(p.data, q.data, rtol=0 if exact else 1e-12, atol=0 if exact else 1e-14)
    assert cost == (sum(costs) / len(costs) if exact else pytest.approx(sum(costs) / len(costs), rel=1e-12))


def test_the_closed_form_trainer_refuses_a_hidden_softmax_when_built():
    seq = Sequential(Linear(2, 3), Softmax(), Linear(3, 2), Sigmoid())
    with pytest.raises(ValueError, match="backprop: layer 1 is a hidden softmax layer"):
        Trainer(seq, "quadratic", SGD(seq.parameters(), 1.0), backend="closed-form")
    Trainer(seq, "quadratic", SGD(seq.parameters(), 1.0))  # the engine differentiates it as it is


def test_evaluate_counts_argmax_hits_and_the_cost():
    data = moons()
    mlp = MLP([2, 5, 2], seed=0)
    trainer = Trainer(mlp, "quadratic", SGD(mlp.parameters(), 1.0), log=quiet)
    correct, cost = trainer.evaluate(data.x_val, data.y_val)
    a = mlp(data.x_val).data
    assert correct == int(np.sum(np.argmax(a, axis=1) == data.y_val))
    assert cost == pytest.approx(0.5 * np.sum((a - np.eye(2)[data.y_val]) ** 2) / len(a))


def test_float32_training_keeps_float32_parameters():
    data = load_synthetic("xor", n=200, seed=0, dtype=np.float32)
    for backend in ("engine", "closed-form"):
        mlp = MLP([2, 4, 2], seed=0, dtype=np.float32)
        fit(mlp, data, epochs=1, backend=backend, log=quiet)
        assert all(p.dtype == np.float32 for p in mlp.parameters())


def test_early_stopping_stops_when_validation_accuracy_stalls():
    mlp = MLP([2, 4, 2], seed=0)
    lines = []
    metrics = fit(mlp, moons(), epochs=10, eta=1e-12, early_stopping=2, log=lines.append)
    assert metrics["epochs"] == [1, 2, 3]  # nothing improves after epoch 1
    assert metrics["summary"]["best_epoch"] == 1
    assert metrics["summary"]["stopped"].startswith("early stopping")
    assert lines[-1] == metrics["summary"]["stopped"]


def test_a_nan_cost_stops_training_and_keeps_the_last_good_epoch(tmp_path):
    data = moons()
    mlp = MLP([2, 4, 2], seed=0)
    trainer = Trainer(mlp, "quadratic", SGD(mlp.parameters(), 1.0), log=quiet)
    metrics = trainer.fit(data, 1, out_dir=tmp_path)
    after_epoch_1 = params_of(mlp)
    poisoned = replace(data, x_train=np.full_like(data.x_train, np.nan))
    with pytest.raises(TrainingDivergedError, match=r"the cost is nan at epoch 2, batch 1 of 18") as caught:
        trainer.fit(poisoned, 3, out_dir=tmp_path, metrics=metrics)
    assert "last good checkpoint, the end of epoch 1" in str(caught.value)
    assert (caught.value.epoch, caught.value.batch) == (2, 1)
    for p, kept in zip(mlp.parameters(), after_epoch_1, strict=True):
        np.testing.assert_array_equal(p.data, kept)
    saved = MLP([2, 4, 2], seed=9)
    saved.load(tmp_path / "model.npz")
    for p, kept in zip(saved.parameters(), after_epoch_1, strict=True):
        np.testing.assert_array_equal(p.data, kept)
    on_disk = json.loads((tmp_path / "metrics.json").read_text())
    assert on_disk["epochs"] == [1] and "epoch 2, batch 1" in on_disk["summary"]["stopped"]


def test_parameters_that_overflow_on_the_last_batch_are_caught():
    data = moons()
    data = replace(data, x_train=data.x_train * 1e3)  # large inputs, large gradients: eta g overflows
    mlp = MLP([2, 4, 2], "relu", seed=0)
    start = params_of(mlp)
    with np.errstate(over="ignore", invalid="ignore"), pytest.raises(
        TrainingDivergedError, match="a parameter became NaN or infinite at epoch 1, batch 1 of 1"
    ):
        fit(mlp, data, epochs=1, batch_size=len(data.y_train), eta=1e308, backend="closed-form", log=quiet)
    for p, kept in zip(mlp.parameters(), start, strict=True):
        np.testing.assert_array_equal(p.data, kept)  # back to the initial model


def test_trainer_rejects_bad_settings():
    mlp = MLP([2, 2])
    with pytest.raises(ValueError, match="unknown backend 'gpu'"):
        Trainer(mlp, "quadratic", SGD(mlp.parameters(), 1.0), backend="gpu")
    with pytest.raises(ValueError, match="closed-form backend needs an optimizer over W"):
        Trainer(mlp, "quadratic", SGD(mlp.parameters()[::-1], 1.0), backend="closed-form")
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        Trainer(mlp, "quadratic", SGD(mlp.parameters(), 1.0), batch_size=0)
    pairing = "the log-likelihood cost needs a softmax output layer; this network's is sigmoid"
    with pytest.raises(ValueError, match=pairing):
        Trainer(mlp, "log-likelihood", SGD(mlp.parameters(), 1.0))


# --- the command line ------------------------------------------------------------------------------


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    status = main(["--no-progress", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_writes_metrics_model_and_learning_curve(tmp_path, capsys):
    out_dir = tmp_path / "run"
    status, out, _ = run_cli(capsys, "--dataset", "xor", "--limit", "200", "--epochs", "2", "--eta", "2.0",
                             "--out", str(out_dir))
    assert status == 0
    assert "Epoch 1: " in out and "Epoch 2: " in out
    assert any(line.startswith("Epoch 2: ") and " / 40" in line for line in out.splitlines())
    metrics = json.loads((out_dir / "metrics.json").read_text())
    assert metrics["epochs"] == [1, 2] and len(metrics["val_accuracy"]) == 2
    assert metrics["config"]["sizes"] == [2, 30, 2] and metrics["config"]["eta"] == 2.0
    assert metrics["val_total"] == 40
    MLP([2, 30, 2]).load(out_dir / "model.npz")
    svg = ET.parse(out_dir / "learning_curve.svg").getroot()
    assert svg.tag.endswith("svg")


def test_resume_continues_exactly_where_the_run_stopped(tmp_path, capsys):
    common = ["--dataset", "moons", "--limit", "200", "--momentum", "0.5", "--eta", "1.0", "--seed", "2"]
    whole, split = tmp_path / "whole", tmp_path / "split"
    assert run_cli(capsys, *common, "--epochs", "3", "--out", str(whole))[0] == 0
    assert run_cli(capsys, *common, "--epochs", "1", "--out", str(split))[0] == 0
    assert (split / "optimizer.npz").exists()  # the momentum velocities are part of the run
    status, out, _ = run_cli(capsys, "--resume", "--epochs", "3", "--out", str(split))
    assert status == 0 and "Resuming" in out and "Epoch 2: " in out and "Epoch 1: " not in out
    a, b = (json.loads((d / "metrics.json").read_text()) for d in (whole, split))
    for key in ("epochs", "train_cost", "val_correct", "test_correct"):
        assert a[key] == b[key], key
    ma, mb = MLP([2, 30, 2]), MLP([2, 30, 2])
    ma.load(whole / "model.npz")
    mb.load(split / "model.npz")
    for p, q in zip(ma.parameters(), mb.parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data)


def test_resume_refuses_to_change_the_run(tmp_path, capsys):
    out_dir = str(tmp_path / "run")
    assert run_cli(capsys, "--dataset", "xor", "--limit", "100", "--epochs", "1", "--out", out_dir)[0] == 0
    with pytest.raises(SystemExit, match="--eta 0.5 differs from the saved run's 3.0"):
        main(["--resume", "--eta", "0.5", "--out", out_dir])
    with pytest.raises(SystemExit, match="already holds a run; pass --resume"):
        main(["--dataset", "xor", "--out", out_dir])
    with pytest.raises(SystemExit, match="nothing to resume"):
        main(["--resume", "--out", str(tmp_path / "elsewhere")])
    status, out, _ = run_cli(capsys, "--resume", "--epochs", "1", "--out", out_dir)
    assert status == 0 and "nothing to do" in out


def test_the_default_dataset_falls_back_to_a_built_in_set_offline(monkeypatch, tmp_path, capsys):
    def unavailable(*args, **kwargs):
        raise DataError("MNIST was not found: no file and no network\nhow to provide it ...")

    monkeypatch.setattr(train, "load_mnist", unavailable)
    status, out, _ = run_cli(capsys, "--epochs", "1", "--limit", "100", "--out", str(tmp_path / "run"))
    assert status == 0
    notes = [line for line in out.splitlines() if line.startswith("note:")]
    assert notes == ["note: MNIST is not available (MNIST was not found: no file and no network); "
                     "training on the built-in moons set instead"]
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["config"]["dataset"] == "moons"
    status, _, err = run_cli(capsys, "--dataset", "mnist", "--epochs", "1")  # asked for explicitly: an error
    assert status == 1 and "error: MNIST was not found" in err


def test_cli_on_mnist_reports_the_books_epoch_line(tmp_path, capsys):
    status, out, _ = run_cli(capsys, "--data", str(shared_mnist_path()), "--limit", "500", "--epochs", "1",
                             "--backend", "closed-form", "--dtype", "float32")
    assert status == 0
    line = next(line for line in out.splitlines() if line.startswith("Epoch 1: "))
    correct = int(line.split()[2])
    assert line.startswith(f"Epoch 1: {correct} / 500 ") and correct > 100


def test_cli_reports_divergence_and_exits_with_status_1(monkeypatch, tmp_path, capsys):
    poisoned = replace(moons(), name="moons")
    poisoned = replace(poisoned, x_train=np.full_like(poisoned.x_train, np.nan))
    monkeypatch.setattr(train, "load_synthetic", lambda *a, **k: poisoned)
    status, _, err = run_cli(capsys, "--dataset", "moons", "--epochs", "2", "--out", str(tmp_path / "run"))
    assert status == 1 and "Training stopped: the cost is nan at epoch 1, batch 1 of 18" in err
    assert (tmp_path / "run" / "model.npz").exists()


def test_python_dash_m_nn_train_runs(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "nn.train", "--dataset", "spirals", "--limit", "150", "--epochs", "1",
         "--cost", "log-likelihood", "--eta", "0.5", "--out", str(tmp_path / "run")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Epoch 1: " in result.stdout and " / 30 " in result.stdout
    assert sorted(os.listdir(tmp_path / "run")) == ["learning_curve.svg", "metrics.json", "model.npz"]
