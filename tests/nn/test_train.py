"""Training: a short real MNIST run, the two backends, early stopping, divergence, and the command line."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import nn.train as train
from nn import MLP, SGD, Linear, Sequential, Sigmoid, Softmax, backprop
from nn.data import load_mnist, load_synthetic, minibatches, one_hot
from nn.rundir import RunFolder, RunFolderError
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
    assert sorted(os.listdir(tmp_path / "run")) == [".lock", "checkpoint.json", "learning_curve.svg",
                                                    "metrics.json", "model.npz"]


# --- the result: the test accuracy at the epoch of best validation accuracy --------------------------------


def test_the_result_is_the_test_accuracy_at_the_best_validation_epoch(capsys):
    metrics = {"epochs": [1, 2, 3], "val_accuracy": [0.5, 0.9, 0.9], "test_accuracy": [0.95, 0.7, 0.99]}
    summary = {"best_epoch": 2, "best_val_accuracy": 0.9, "test_accuracy_at_best_val": 0.7}
    assert train.summarise(metrics) == summary
    status, out, _ = run_cli(capsys, "--dataset", "xor", "--limit", "100", "--epochs", "2")
    assert status == 0
    last = out.splitlines()[-1]
    assert re.fullmatch(r"Best validation accuracy \d+\.\d\d% at epoch \d; test accuracy at that epoch "
                        r"\d+\.\d\d%", last), last
    assert "best test" not in out


# --- the plateau schedule ----------------------------------------------------------------------------------


def test_the_plateau_schedule_halves_after_patience_stalls_and_ends_after_max_halvings():
    schedule = train.PlateauSchedule(patience=2, max_halvings=2)
    history = [0.5, 0.6, 0.6, 0.55, 0.7, 0.7, 0.7, 0.69, 0.7]
    replayed = [schedule.replay(history[:k]) for k in range(len(history) + 1)]
    assert [h for h, _ in replayed] == [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert [stop for _, stop in replayed] == [False] * 9 + [True]
    assert train.PlateauSchedule().replay([0.9] * 10) == (0, False)  # the book's: patience 10
    assert train.PlateauSchedule().replay([0.9] * 11) == (1, False)
    with pytest.raises(ValueError, match="patience must be an integer >= 1"):
        train.PlateauSchedule(patience=0)
    with pytest.raises(ValueError, match="max_halvings must be an integer >= 0"):
        train.PlateauSchedule(max_halvings=-1)


def test_fit_with_the_schedule_halves_eta_and_stops():
    lines = []
    schedule = train.PlateauSchedule(patience=1, max_halvings=2)
    metrics = fit(MLP([2, 4, 2], seed=0), moons(), epochs=10, eta=1e-9, schedule=schedule, log=lines.append)
    assert metrics["epochs"] == [1, 2, 3, 4]  # nothing improves after epoch 1
    assert metrics["eta"] == [1e-9, 1e-9, 5e-10, 2.5e-10]
    assert [line for line in lines if line.startswith("eta halved")] == [
        "eta halved to 5e-10: no better validation accuracy in 1 epochs",
        "eta halved to 2.5e-10: no better validation accuracy in 1 epochs"]
    assert metrics["summary"]["stopped"].startswith("learning-rate schedule: no better validation accuracy")


def test_a_resumed_schedule_takes_up_the_same_eta(tmp_path, capsys):
    common = ["--dataset", "moons", "--limit", "200", "--eta", "1e-9", "--schedule", "plateau",
              "--patience", "1", "--max-halvings", "2", "--momentum", "0.5"]
    whole, split = tmp_path / "whole", tmp_path / "split"
    assert run_cli(capsys, *common, "--epochs", "10", "--out", str(whole))[0] == 0
    assert run_cli(capsys, *common, "--epochs", "3", "--out", str(split))[0] == 0
    status, out, _ = run_cli(capsys, "--resume", "--epochs", "10", "--out", str(split))
    assert status == 0 and "Epoch 4: " in out and "Epoch 5: " not in out
    a, b = (json.loads((d / "metrics.json").read_text()) for d in (whole, split))
    assert a["eta"] == b["eta"] == [1e-9, 1e-9, 5e-10, 2.5e-10]
    assert a["summary"]["stopped"] == b["summary"]["stopped"] is not None
    status, out, _ = run_cli(capsys, "--resume", "--epochs", "12", "--out", str(split))
    assert status == 0 and "Epoch" not in out
    assert "the learning-rate schedule ended this run at epoch 4" in out


# --- Adam and RMSprop from the command line ----------------------------------------------------------


@pytest.mark.parametrize(("flags", "state"), [
    (["--momentum", "0.5"], ["velocity.0", "velocity.1", "velocity.2", "velocity.3"]),
    (["--optimizer", "adam", "--eta", "0.01", "--beta1", "0.8"], ["m.0", "m.1", "m.2", "m.3", "t.0", "t.1",
                                                                  "t.2", "t.3", "v.0", "v.1", "v.2", "v.3"]),
    (["--optimizer", "rmsprop", "--rho", "0.9", "--eps", "1e-6", "--lmbda", "1.0"],
     ["s.0", "s.1", "s.2", "s.3"]),
])
def test_each_optimizer_trains_saves_its_state_and_resumes_exactly(tmp_path, capsys, flags, state):
    common = ["--dataset", "moons", "--limit", "200", "--seed", "2", *flags]
    whole, split = tmp_path / "whole", tmp_path / "split"
    status, out, _ = run_cli(capsys, *common, "--epochs", "3", "--out", str(whole))
    assert status == 0 and (flags[1] if flags[0] == "--optimizer" else "sgd") in out.splitlines()[0]
    assert sorted(np.load(whole / "optimizer.npz").files) == state
    assert run_cli(capsys, *common, "--epochs", "1", "--out", str(split))[0] == 0
    assert run_cli(capsys, "--resume", "--epochs", "3", "--out", str(split))[0] == 0
    assert_same_run(whole, split)


def assert_same_run(a: Path, b: Path) -> None:
    """The two run folders hold the same epochs, numbers and weights (timings aside), bit for bit."""
    ma, mb = (json.loads((d / "metrics.json").read_text()) for d in (a, b))
    for key in ("epochs", "eta", "train_cost", "val_cost", "val_correct", "test_correct", "summary"):
        assert ma[key] == mb[key], key
    for name in ("model.npz", "optimizer.npz"):
        if (a / name).exists() or (b / name).exists():
            with np.load(a / name) as za, np.load(b / name) as zb:
                assert za.files == zb.files
                for key in za.files:
                    np.testing.assert_array_equal(za[key], zb[key])


# --- every flag's bad values are named before anything is trained -------------------------------------


@pytest.mark.parametrize("argv", [
    ["--epochs", "0"], ["--epochs", "-3"], ["--seed", "-1"], ["--seed", "1.5"], ["--limit", "0"],
    ["--batch-size", "0"], ["--batch-size", "2.5"], ["--eta", "0"], ["--eta", "-1"], ["--eta", "nan"],
    ["--eta", "inf"], ["--eta", "1e400"], ["--lmbda", "-1"], ["--lmbda", "x"], ["--momentum", "1"],
    ["--beta1", "1"], ["--beta2", "-0.1"], ["--eps", "0"], ["--rho", "1.5"], ["--patience", "0"],
    ["--max-halvings", "-1"], ["--early-stopping", "0"], ["--sizes", "784"], ["--sizes", "784,0,10"],
    ["--sizes", "a,b"], ["--sizes", "784,-30,10"], ["--dataset", "cifar"], ["--cost", "hinge"],
    ["--optimizer", "lbfgs"], ["--schedule", "cosine"], ["--backend", "gpu"], ["--dtype", "float16"],
    ["--activation", "swish"], ["--init", "xavier"],
])
def test_a_bad_flag_value_is_an_error_naming_the_flag(capsys, argv):
    with pytest.raises(SystemExit) as caught:
        main(argv)
    _, err = capsys.readouterr()
    assert caught.value.code == 2 and f"argument {argv[0]}: " in err
    assert repr(argv[1]) in err.replace('"', "'")  # the value refused


@pytest.mark.parametrize(("argv", "message"), [
    (["--dataset", "moons", "--limit", "3"], "--limit 3: the moons set needs at least 5 examples"),
    (["--optimizer", "adam", "--momentum", "0.5"], "--momentum applies to --optimizer sgd only"),
    (["--rho", "0.9"], "--rho applies to --optimizer rmsprop only; this run uses sgd"),
    (["--optimizer", "sgd", "--beta2", "0.9"], "--beta2 applies to --optimizer adam only"),
    (["--patience", "3"], "--patience applies to --schedule plateau only"),
    (["--max-halvings", "3", "--schedule", "constant"], "--max-halvings applies to --schedule plateau only"),
    (["--dataset", "moons", "--sizes", "784,30,10"], "--sizes 784,30,10 does not fit the moons data"),
    (["--resume"], "--resume needs --out"),
])
def test_flags_that_do_not_go_together_are_named(argv, message):
    with pytest.raises(SystemExit, match=re.escape(message)):
        main(["--no-progress", *argv])


def test_a_network_too_large_for_memory_is_refused_with_its_size_before_allocation():
    sizes = [2, 99999999999999999999, 2]
    n_params = sizes[1] * 3 + 2 * (sizes[1] + 1)
    with pytest.raises(SystemExit, match=rf"--sizes 2,99999999999999999999,2: a network of {n_params:,} "
                                         r"parameters needs about [0-9.,e+]+ GiB to train \(float64, sgd, "
                                         r".*more than this machine's memory \([0-9.,]+ GiB\)"):
        main(["--dataset", "moons", "--sizes", "2,99999999999999999999,2"])
    width = 2**31  # 1.7e12 parameters: each layer's size fits in an int64, the network not in memory
    with pytest.raises(SystemExit, match=f"a network of {785 * width + 10 * (width + 1):,} parameters"):
        main(["--data", str(shared_mnist_path()), "--sizes", f"784,{width},10", "--dtype", "float32"])


# --- the output folder: checked first, one run at a time --------------------------------------------------


def test_an_output_that_is_a_file_is_refused_before_training(tmp_path, capsys):
    afile = tmp_path / "results.txt"
    afile.write_text("keep me")
    with pytest.raises(SystemExit, match=f"--out {re.escape(str(afile))}: {re.escape(str(afile))} is a file, "
                                         "not a folder"):
        main(["--dataset", "xor", "--out", str(afile)])
    with pytest.raises(SystemExit, match="is below a file, not inside a folder"):
        main(["--dataset", "xor", "--out", str(afile / "run")])
    assert afile.read_text() == "keep me" and "Epoch" not in capsys.readouterr().out


def test_an_unwritable_output_folder_is_refused_before_training(tmp_path):
    parent = Path(tempfile.mkdtemp(prefix="unwritable-"))
    try:
        locked = parent / "locked"
        locked.mkdir(mode=0o555)
        command = [sys.executable, "-m", "nn.train", "--dataset", "xor", "--out", str(locked / "run")]
        if os.geteuid() == 0:  # root writes anywhere: run the command without that privilege (util-linux)
            command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--", *command]
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert result.returncode == 1, result.stdout
        refused = f"--out {locked / 'run'}: cannot write into {locked / 'run'}: Permission denied"
        assert refused in result.stderr
        assert "Epoch" not in result.stdout and os.listdir(locked) == []
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def test_a_folder_in_use_by_another_run_is_refused(tmp_path):
    with RunFolder.open(tmp_path / "run"):
        in_use = rf"{re.escape(str(tmp_path / 'run'))} is in use by another training run \(process "
        with pytest.raises(SystemExit, match=in_use + str(os.getpid())):
            main(["--dataset", "xor", "--out", str(tmp_path / "run")])
    assert main(["--dataset", "xor", "--limit", "50", "--epochs", "1", "--no-progress",
                 "--out", str(tmp_path / "run")]) == 0  # the lock is free again


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "nn.train", "--no-progress", *args]


def start(*args: str, wait_for: str, within: float = 120.0) -> subprocess.Popen:
    """`python -m nn.train ARGS` in the background, once its output shows `wait_for`; the run is
    killed, and the test fails, if that takes longer than `within` seconds."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(cli(*args), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env)
    deadline = threading.Timer(within, process.kill)
    deadline.start()
    try:
        for line in process.stdout:  # type: ignore[union-attr]
            if wait_for in line:
                return process
    finally:
        deadline.cancel()
    process.wait()
    raise AssertionError(f"the run ended without printing {wait_for!r}: {process.stderr.read()}")  # type: ignore


def test_two_processes_training_into_one_folder(tmp_path):
    out = str(tmp_path / "run")
    endless = ["--dataset", "moons", "--limit", "500", "--eta", "0.1", "--epochs", "100000", "--out", out]
    first = start(*endless, wait_for="Epoch 1: ")
    try:
        second = subprocess.run(cli(*endless), cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert second.returncode == 1 and second.stdout == ""
        assert f"{out} is in use by another training run (process {first.pid})" in second.stderr
        assert first.poll() is None  # the first run goes on
        first.send_signal(signal.SIGINT)
        assert first.wait(timeout=60) == 130
        assert "holds the last finished epoch: continue with --resume" in first.stderr.read()  # type: ignore
    finally:
        first.kill()
        first.wait()
    saved = json.loads((tmp_path / "run" / "checkpoint.json").read_text())["epoch"]
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["epochs"] == list(range(1, saved + 1))
    assert not (tmp_path / "run" / ".checkpoint.new").exists()  # Ctrl-C waits for a save to finish
    killed = start("--resume", "--epochs", "100000", "--out", out, wait_for=f"Epoch {saved + 1}: ")
    killed.kill()  # SIGKILL: no clean-up at all; the lock file stays, but the kernel released the lock
    killed.wait()
    assert (tmp_path / "run" / ".lock").exists()
    done = json.loads((tmp_path / "run" / "metrics.json").read_text())["epochs"]
    resumed = subprocess.run(cli("--resume", "--epochs", str(len(done) + 1), "--out", out), cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert f"Epoch {len(done) + 1}: " in resumed.stdout


# --- a checkpoint is one unit ----------------------------------------------------------------------------


class Crash(BaseException):
    """Stands for the process dying at this point (nothing catches it)."""


RUN = ["--dataset", "moons", "--limit", "200", "--momentum", "0.5", "--eta", "1.0", "--seed", "2"]


def crash_at(monkeypatch, where: str) -> None:
    """Make the save of epoch 2's checkpoint crash at `where`."""
    from nn import rundir, training

    calls = {"write_json": 0, "move": 0}
    write_json, move = training.write_json, rundir.RunFolder._move

    def writing(path, content):
        calls["write_json"] += 1
        if where == "after staging model.npz" and len(content["epochs"]) == 2:
            raise Crash
        write_json(path, content)

    def moving(self, source, target):
        epoch = json.loads((source.parent / "checkpoint.json").read_text())["epoch"]
        if epoch == 2 and where == f"before moving {target.name}":
            raise Crash
        move(self, source, target)

    monkeypatch.setattr(training, "write_json", writing)
    monkeypatch.setattr(rundir.RunFolder, "_move", moving)


@pytest.mark.parametrize("where", ["after staging model.npz", "before moving metrics.json",
                                   "before moving model.npz", "before moving optimizer.npz",
                                   "before moving checkpoint.json"])
def test_a_crash_while_saving_a_checkpoint_loses_nothing(tmp_path, capsys, monkeypatch, where):
    whole, split = tmp_path / "whole", tmp_path / "split"
    assert run_cli(capsys, *RUN, "--epochs", "3", "--out", str(whole))[0] == 0
    with monkeypatch.context() as patch:
        crash_at(patch, where)
        with pytest.raises(Crash):
            main(["--no-progress", *RUN, "--epochs", "3", "--out", str(split)])
    status, out, _ = run_cli(capsys, "--resume", "--epochs", "3", "--out", str(split))
    assert status == 0
    redone = 2 if where == "after staging model.npz" else 3  # the staged checkpoint is dropped, or completed
    assert f"Resuming {split} after epoch {redone - 1}" in out and f"Epoch {redone}: " in out
    assert_same_run(whole, split)
    assert sorted(os.listdir(split)) == [".lock", "checkpoint.json", "learning_curve.svg", "metrics.json",
                                         "model.npz", "optimizer.npz"]


def test_ctrl_c_while_saving_a_checkpoint_takes_effect_once_it_is_whole(tmp_path, capsys, monkeypatch):
    whole, split = tmp_path / "whole", tmp_path / "split"
    assert run_cli(capsys, *RUN, "--epochs", "3", "--out", str(whole))[0] == 0
    from nn import rundir
    move = rundir.RunFolder._move

    def interrupted(self, source, target):
        if target.name == "metrics.json" and '"epoch": 2,' in (source.parent / "checkpoint.json").read_text():
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C between the files of epoch 2's checkpoint
        move(self, source, target)

    monkeypatch.setattr(rundir.RunFolder, "_move", interrupted)
    status, out, err = run_cli(capsys, *RUN, "--epochs", "3", "--out", str(split))
    assert status == 130 and "holds the last finished epoch: continue with --resume" in err
    assert "Epoch 2: " in out and "Epoch 3: " not in out
    assert json.loads((split / "checkpoint.json").read_text())["epoch"] == 2
    assert not (split / ".checkpoint.new").exists()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the usual handler is back
    monkeypatch.undo()
    status, out, _ = run_cli(capsys, "--resume", "--epochs", "3", "--out", str(split))
    assert status == 0 and f"Resuming {split} after epoch 2" in out
    assert_same_run(whole, split)


KILLED_WHILE_SAVING = """
import os, sys
import nn.rundir
move = nn.rundir.RunFolder._move
def dies(self, source, target):
    if target.name == "metrics.json" and '"epoch": 2,' in (source.parent / "checkpoint.json").read_text():
        os._exit(3)  # no clean-up of any kind, as with a power cut or kill -9
    move(self, source, target)
nn.rundir.RunFolder._move = dies
from nn.train import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_process_killed_between_the_files_of_a_checkpoint_resumes_exactly(tmp_path, capsys):
    whole, split = tmp_path / "whole", tmp_path / "split"
    assert run_cli(capsys, *RUN, "--epochs", "3", "--out", str(whole))[0] == 0
    command = [sys.executable, "-c", KILLED_WHILE_SAVING, "--no-progress", *RUN, "--epochs", "3",
               "--out", str(split)]
    killed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert killed.returncode == 3 and "Epoch 2: " in killed.stdout
    assert json.loads((split / "checkpoint.json").read_text())["epoch"] == 1  # the old manifest, a new model
    assert run_cli(capsys, "--resume", "--epochs", "3", "--out", str(split))[0] == 0
    assert_same_run(whole, split)


def test_resume_refuses_a_checkpoint_whose_files_changed(tmp_path, capsys):
    out = tmp_path / "run"
    assert run_cli(capsys, *RUN, "--epochs", "1", "--out", str(out))[0] == 0
    model = MLP([2, 30, 2])
    model.load(out / "model.npz")
    model.layers[0].W.data[0, 0] += 1.0
    model.save(out / "model.npz")  # a valid model, but not the checkpoint's
    changed = rf"--resume: {re.escape(str(out / 'model.npz'))} has changed since the checkpoint of epoch 1 "
    with pytest.raises(SystemExit, match=changed):
        main(["--resume", "--epochs", "2", "--out", str(out)])
    (out / "checkpoint.json").unlink()
    with pytest.raises(SystemExit, match="holds no checkpoint.json, the manifest nn.train writes last"):
        main(["--resume", "--epochs", "2", "--out", str(out)])


def rewrite_metrics(out: Path, change) -> None:
    """Change metrics.json and record its new SHA-256 in the manifest, as if nn.train had written it."""
    metrics = json.loads((out / "metrics.json").read_text())
    change(metrics)
    (out / "metrics.json").write_text(json.dumps(metrics))
    manifest = json.loads((out / "checkpoint.json").read_text())
    manifest["files"]["metrics.json"] = hashlib.sha256((out / "metrics.json").read_bytes()).hexdigest()
    (out / "checkpoint.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(("change", "message"), [
    (lambda m: m["config"].pop("cost"), "the saved settings lack 'cost'; the run cannot continue"),
    (lambda m: m["config"].update(eta=-1.0), r"the saved setting 'eta' must be a finite number in \(0, inf"),
    (lambda m: m["config"].update(optimizer="lbfgs"), "the saved setting 'optimizer' must be one of"),
    (lambda m: m.pop("val_accuracy"), "'val_accuracy' must be a list of one entry per epoch"),
    (lambda m: m.update(epochs=[1, 3]), "'epochs' must list 1, 2, ..., the epochs trained"),
    (lambda m: m.pop("config"), "holds no settings"),
])
def test_resume_names_what_a_metrics_file_lacks(tmp_path, capsys, change, message):
    out = tmp_path / "run"
    assert run_cli(capsys, *RUN, "--epochs", "1", "--out", str(out))[0] == 0
    rewrite_metrics(out, change)
    with pytest.raises(SystemExit, match=message):
        main(["--resume", "--epochs", "2", "--out", str(out)])


def test_the_library_refuses_a_folder_holding_another_run(tmp_path):
    fit(MLP([2, 4, 2], seed=0), moons(), epochs=1, out_dir=tmp_path, log=quiet)
    with pytest.raises(RunFolderError, match="already holds a run of 1 epochs"):
        fit(MLP([2, 4, 2], seed=1), moons(), epochs=1, out_dir=tmp_path, log=quiet)


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_every_file_of_a_run_gets_the_mode_the_umask_gives(tmp_path, capsys, umask):
    old = os.umask(umask)
    try:
        assert run_cli(capsys, *RUN, "--epochs", "1", "--out", str(tmp_path / "run"))[0] == 0
    finally:
        os.umask(old)
    modes = {name: (tmp_path / "run" / name).stat().st_mode & 0o777 for name in os.listdir(tmp_path / "run")}
    assert len(modes) == 6 and set(modes.values()) == {0o666 & ~umask}, modes


# --- MNIST or a loud fallback -------------------------------------------------------------------------


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No MNIST anywhere: no MNIST_PATH, an empty cache, and a download URL nobody answers on."""
    import nn.data

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    monkeypatch.delenv("MNIST_PATH", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))
    monkeypatch.setattr(nn.data, "MNIST_URL", f"http://127.0.0.1:{port}/mnist.npz")
    monkeypatch.setattr(nn.data, "DOWNLOAD_RETRIES", 0)


@pytest.mark.usefixtures("offline")
def test_without_mnist_the_fallback_is_impossible_to_miss(tmp_path, capsys):
    status, out, err = run_cli(capsys, "--epochs", "1", "--limit", "100", "--out", str(tmp_path / "run"))
    assert status == 0 and "on moons" in out.splitlines()[0]
    warnings = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert warnings[0].startswith("warning: MNIST is not available: downloading http://127.0.0.1:")
    assert "warning: Training on the built-in moons set INSTEAD, not on MNIST." in warnings
    assert any("To provide MNIST" in line for line in warnings)
    assert warnings[-1].startswith("warning: this run trained on the built-in moons set, NOT on MNIST")
    config = json.loads((tmp_path / "run" / "metrics.json").read_text())["config"]
    assert config["dataset"] == "moons" and config["fallback"].startswith("downloading http://127.0.0.1:")


@pytest.mark.usefixtures("offline")
@pytest.mark.parametrize("argv", [["--sizes", "784,30,10"], ["--dataset", "mnist"]])
def test_without_mnist_a_run_that_asked_for_it_stops_saying_how_to_get_it(capsys, argv):
    status, out, err = run_cli(capsys, *argv, "--epochs", "1")
    assert status == 1 and "Epoch" not in out and "warning" not in err
    assert err.startswith("Downloading file 'mnist.npz' from 'http://127.0.0.1:")  # pooch says what it tries
    assert "\nerror: downloading http://127.0.0.1:" in err and "To provide MNIST" in err


@pytest.mark.parametrize("how", ["MNIST_PATH", "--data"])
def test_a_text_file_given_as_mnist_is_an_error_that_says_so(tmp_path, capsys, monkeypatch, how):
    text = tmp_path / "mnist.npz"
    text.write_text("x_train,y_train\n0,0\n")
    monkeypatch.setenv("MNIST_PATH", str(text))
    status, out, err = run_cli(capsys, "--epochs", "1", *(["--data", str(text)] if how == "--data" else []))
    assert status == 1 and "Epoch" not in out and "warning" not in err
    assert f"error: {text} is not an .npz archive" in err and "this is a text file" in err
    assert "pickle" not in err.replace(str(tmp_path), "")


def test_a_text_file_given_as_a_model_to_resume_is_an_error_that_says_so(tmp_path, capsys):
    out = tmp_path / "run"
    assert run_cli(capsys, *RUN, "--epochs", "1", "--out", str(out))[0] == 0
    (out / "model.npz").write_text("weights, as text\n")
    manifest = json.loads((out / "checkpoint.json").read_text())
    manifest["files"]["model.npz"] = hashlib.sha256((out / "model.npz").read_bytes()).hexdigest()
    (out / "checkpoint.json").write_text(json.dumps(manifest))
    status, _, err = run_cli(capsys, "--resume", "--epochs", "2", "--out", str(out))
    assert status == 1 and "this is a text file" in err
    assert f"{out / 'model.npz'} is not an .npz archive" in err
    assert "pickle" not in err.replace(str(tmp_path), "")
