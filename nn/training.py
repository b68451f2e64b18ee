"""Training epoch by epoch: the `Trainer`, the plateau schedule of eta, the metrics, and `fit`.

Each epoch shuffles the training set (seeded: epoch e uses the generator seeded with
(seed, e), so a resumed run repeats an uninterrupted one exactly), takes one optimiser step
per mini-batch, then evaluates on the validation and test sets and logs the book's line
"Epoch 3: 9412 / 10000" for the validation set. The test set is held out: its accuracy is
reported beside, but the best epoch, early stopping and the schedule look at validation only,
and the run's result is the test accuracy at the epoch of best validation accuracy.

Two backends compute the same gradient: "engine" (the model's forward pass recorded by
autograd_core, the cost, backward()) and "closed-form" (nn.backprop's BP1-BP4); both use the
same optimiser. A NaN or infinite cost stops training with a `TrainingDivergedError` naming
the epoch and batch; the parameters go back to the last good checkpoint (the end of the
previous epoch), which is also what the run's folder holds.

With a folder (`out_dir`), the run is saved after every epoch as one checkpoint (see
`nn.rundir`), and `learning_curve.svg` is drawn at the end.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from autograd_core import Value

from .backprop import backprop_layers, checked_layers, feedforward, network_layers
from .costs import Cost, get_cost
from .data import Dataset, minibatches, one_hot
from .files import write_atomically
from .module import MLP, Module, Sequential, save_arrays
from .optim import SGD, Adam, Optimizer, RMSprop
from .rundir import METRICS_FILE, MODEL_FILE, OPTIMIZER_FILE, RunFolder, RunFolderError

__all__ = [
    "BACKENDS", "DEFAULT_ETA", "OPTIMIZERS", "PlateauSchedule", "Trainer", "TrainingDivergedError", "fit",
    "make_optimizer", "new_metrics", "summarise",
]

BACKENDS = ("engine", "closed-form")
OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop}
DEFAULT_ETA = {"sgd": 3.0, "adam": 1e-3, "rmsprop": 1e-2}  # the book's eta for SGD; the usual ones otherwise
CURVE_FILE = "learning_curve.svg"
PER_EPOCH = ("epochs", "eta", "train_cost", "val_cost", "val_accuracy", "val_correct", "test_cost",
             "test_accuracy", "test_correct", "train_seconds", "eval_seconds")


class _NonFiniteError(Exception):
    """Raised inside an epoch when the cost or a parameter is NaN or infinite (args: message, batch)."""


class TrainingDivergedError(RuntimeError):
    """The cost became NaN or infinite; the model was put back to the last good checkpoint."""

    def __init__(self, message: str, epoch: int, batch: int, metrics: dict) -> None:
        super().__init__(message)
        self.epoch, self.batch, self.metrics = epoch, batch, metrics


@dataclass(frozen=True)
class PlateauSchedule:
    """The book's learning-rate schedule (chapter 3): halve eta whenever the validation accuracy has
    not improved on its best for `patience` epochs; once eta has been halved `max_halvings` times,
    the next such stall ends training.

    The schedule is a function of the validation accuracies so far (`replay`), so a resumed run
    takes up the same eta.
    """

    patience: int = 10
    max_halvings: int = 7

    def __post_init__(self) -> None:
        for name, low in (("patience", 1), ("max_halvings", 0)):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ValueError(f"PlateauSchedule: {name} must be an integer >= {low}; got {value!r}")

    def replay(self, val_accuracy: Iterable[float | None]) -> tuple[int, bool]:
        """(how many times eta has been halved, whether training has ended) after these epochs."""
        best, since, halvings = -math.inf, 0, 0
        for accuracy in val_accuracy:
            value = -math.inf if accuracy is None else accuracy
            best, since = (value, 0) if value > best else (best, since + 1)
            if since >= self.patience:
                if halvings == self.max_halvings:
                    return halvings, True
                halvings, since = halvings + 1, 0
        return halvings, False


def new_metrics(config: dict | None = None) -> dict:
    """An empty metrics record: settings, one list per per-epoch metric, and a summary."""
    metrics: dict[str, Any] = {"config": dict(config or {})}
    metrics.update({key: [] for key in PER_EPOCH})
    metrics.update({"val_total": 0, "test_total": 0, "summary": {"best_epoch": None, "stopped": None}})
    return metrics


def summarise(metrics: dict) -> dict:
    """The epoch of best validation accuracy (the earliest of ties), that accuracy, and the test
    accuracy at that epoch: the run's result (the test set never chooses the epoch)."""
    val = [-1.0 if v is None else v for v in metrics["val_accuracy"]]
    if not val:
        return {"best_epoch": None}
    best = int(np.argmax(val))
    return {
        "best_epoch": metrics["epochs"][best],
        "best_val_accuracy": metrics["val_accuracy"][best],
        "test_accuracy_at_best_val": metrics["test_accuracy"][best],
    }


def make_optimizer(name: str, parameters: Sequence[Value], *, eta: float | None, lmbda: float, n: int,
                   momentum: float = 0.0, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                   rho: float = 0.99) -> Optimizer:
    """The optimiser `name` ("sgd", "adam" or "rmsprop") over `parameters`, with the book's L2 term
    lmbda / n (n training examples) and the options that apply to it; eta None: its default."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {list(OPTIMIZERS)}")
    every: dict[str, dict[str, Any]] = {"sgd": {"momentum": momentum}, "adam": {"betas": betas, "eps": eps},
                                        "rmsprop": {"rho": rho, "eps": eps}}
    options = every[name]
    rate = DEFAULT_ETA[name] if eta is None else eta
    return OPTIMIZERS[name].l2(parameters, rate, lmbda, n, **options)


class Trainer:
    """Mini-batch training of `model` on `cost` with `optimizer`, by one of the two backends."""

    def __init__(
        self, model: Module, cost: str | Cost, optimizer: Optimizer, *, backend: str = "engine",
        batch_size: int = 10, seed: int = 0, progress: bool | None = None,
        log: Callable[[str], Any] | None = print,
    ) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; choose one of {list(BACKENDS)}")
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")
        self.model, self.cost, self.optimizer = model, get_cost(cost), optimizer
        self.backend, self.batch_size, self.seed = backend, batch_size, seed
        self.progress, self.log = progress, log or (lambda line: None)
        self.base_eta = optimizer.eta  # a schedule sets eta to base_eta / 2^halvings
        _check_output_layer(model, self.cost)
        self._layers: list = []  # the closed-form backend's (Linear, activation) layers, checked once
        if backend == "closed-form":
            self._layers = checked_layers(model)
            ordered = [p for layer, _ in self._layers for p in (layer.W, layer.b)]
            if len(ordered) != len(optimizer.parameters) or any(
                p is not q for p, q in zip(ordered, optimizer.parameters, strict=False)
            ):
                raise ValueError(
                    "the closed-form backend needs an optimizer over W^1, b^1, W^2, b^2, ... in that order"
                )

    # --- one mini-batch, one epoch ---------------------------------------------------------------
    def _engine_step(self, xb: np.ndarray, yb: np.ndarray) -> float:
        """One step by the engine: C = cost(model(X), Y), backward(), the optimiser's update. Returns C."""
        self.optimizer.zero_grad()
        C = self.cost(self.model(xb), yb)
        c = float(C.data)
        if math.isfinite(c):
            C.backward()
            self.optimizer.step()
        return c

    def _closed_form_step(self, xb: np.ndarray, yb: np.ndarray) -> float:
        """One step by nn.backprop's BP1-BP4 and the same optimiser update. Returns C."""
        result = backprop_layers(self._layers, xb, yb, self.cost)
        if math.isfinite(result.cost):
            grads: list[np.ndarray] = []  # dC/dW^1, dC/db^1, dC/dW^2, ...: the optimizer's order
            for nabla_w, nabla_b in zip(result.nabla_w, result.nabla_b, strict=True):
                grads += (nabla_w, nabla_b)
            self.optimizer.step(grads)
        return result.cost

    def train_epoch(self, x: np.ndarray, y: np.ndarray, epoch: int) -> float:
        """One pass over (x, one-hot y) in shuffled mini-batches; returns the mean batch cost.

        Stops with an internal error naming the batch when the cost is NaN or infinite (the
        parameters are then those of the step before); `fit` turns it into `TrainingDivergedError`.
        """
        step = self._engine_step if self.backend == "engine" else self._closed_form_step
        n_batches = -(-len(x) // self.batch_size)
        batches = minibatches(x, y, self.batch_size, rng=np.random.default_rng([self.seed, epoch]))
        total = 0.0
        bar = tqdm(batches, total=n_batches, desc=f"Epoch {epoch}", unit="batch", leave=False,
                   disable=None if self.progress is None else not self.progress,
                   mininterval=0.5)
        with bar:
            for k, (xb, yb) in enumerate(bar, start=1):
                c = step(xb, yb)
                if not math.isfinite(c):
                    raise _NonFiniteError(f"the cost is {c} at epoch {epoch}, batch {k} of {n_batches}", k)
                total += c
        if not all(np.all(np.isfinite(p.data)) for p in self.optimizer.parameters):
            raise _NonFiniteError(
                f"a parameter became NaN or infinite at epoch {epoch}, batch {n_batches} of {n_batches}",
                n_batches,
            )
        return total / max(n_batches, 1)

    def evaluate(self, x: np.ndarray, labels: np.ndarray) -> tuple[int, float]:
        """(number of examples whose argmax output is the label, batch-averaged cost C) on (x, labels)."""
        if len(x) == 0:
            return 0, float("nan")
        y = one_hot(labels, self._n_outputs(), dtype=x.dtype)
        zs, activations = feedforward(self.model, x)
        correct = int(np.sum(np.argmax(activations[-1], axis=1) == labels))
        return correct, self.cost.fn(zs[-1], activations[-1], y)

    def _n_outputs(self) -> int:
        return network_layers(self.model)[-1][0].n_out

    # --- the loop ------------------------------------------------------------------------------
    def fit(
        self, data: Dataset, epochs: int, *, early_stopping: int | None = None,
        schedule: PlateauSchedule | None = None, out_dir: str | os.PathLike | RunFolder | None = None,
        metrics: dict | None = None,
    ) -> dict:
        """Train for `epochs` more epochs (after those already in `metrics`, when continuing a run).

        Evaluates on data's validation and test sets after each epoch and returns the metrics
        dict (see `new_metrics`). `early_stopping=N` stops once the validation accuracy has not
        improved for N epochs; `schedule` halves eta on plateaus and may end training (see
        `PlateauSchedule`). With `out_dir` (a folder, or an open `RunFolder`), saves a
        checkpoint after each epoch; a folder that holds another run is refused (`RunFolderError`),
        as is one another process is training into. Raises `TrainingDivergedError` on a NaN/inf
        cost, after restoring the last good checkpoint (and saving it, with the metrics).
        """
        if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 0:
            raise ValueError(f"epochs must be a non-negative integer; got {epochs!r}")
        if early_stopping is not None and (not isinstance(early_stopping, int) or early_stopping < 1):
            raise ValueError(f"early_stopping must be a positive number of epochs; got {early_stopping!r}")
        metrics = metrics if metrics is not None else new_metrics()
        if out_dir is None or isinstance(out_dir, RunFolder):
            return self._fit(data, epochs, early_stopping, schedule, out_dir, metrics)
        with RunFolder.open(out_dir) as folder:
            return self._fit(data, epochs, early_stopping, schedule, folder, metrics)

    def _fit(self, data: Dataset, epochs: int, early_stopping: int | None, schedule: PlateauSchedule | None,
             folder: RunFolder | None, metrics: dict) -> dict:
        if folder is not None:
            _check_continues(folder, metrics)
        if schedule is not None and schedule.replay(metrics["val_accuracy"])[1]:
            self.log(f"the learning-rate schedule ended this run at epoch {len(metrics['epochs'])}")
            return metrics
        metrics["val_total"], metrics["test_total"] = len(data.y_val), len(data.y_test)
        y_train = one_hot(data.y_train, self._n_outputs(), dtype=data.x_train.dtype)
        checkpoint = self._checkpoint()
        first = len(metrics["epochs"]) + 1
        try:
            for epoch in range(first, first + epochs):
                if schedule is not None:
                    self.optimizer.eta = self.base_eta * 0.5 ** schedule.replay(metrics["val_accuracy"])[0]
                started = time.perf_counter()
                try:
                    train_cost = self.train_epoch(data.x_train, y_train, epoch)
                except _NonFiniteError as error:
                    self._restore(checkpoint)
                    self._diverged(metrics, folder, epoch, error)
                trained = time.perf_counter()
                self._record(metrics, data, epoch, train_cost, trained - started, trained)
                checkpoint = self._checkpoint()
                stop = self._scheduled_stop(metrics, schedule) or self._early_stop(metrics, early_stopping)
                if folder is not None:
                    self.save_run(folder, metrics)
                if stop:
                    break
        finally:
            if folder is not None:
                write_learning_curve(metrics, folder.path / CURVE_FILE, self.log)
        return metrics

    def _record(self, metrics: dict, data: Dataset, epoch: int, train_cost: float, seconds: float,
                started_eval: float) -> None:
        val_correct, val_cost = self.evaluate(data.x_val, data.y_val)
        test_correct, test_cost = self.evaluate(data.x_test, data.y_test)
        n_val, n_test = len(data.y_val), len(data.y_test)
        row = {
            "epochs": epoch, "eta": self.optimizer.eta, "train_cost": train_cost, "val_cost": val_cost,
            "test_cost": test_cost, "val_correct": val_correct, "test_correct": test_correct,
            "val_accuracy": val_correct / n_val if n_val else None,
            "test_accuracy": test_correct / n_test if n_test else None,
            "train_seconds": seconds, "eval_seconds": time.perf_counter() - started_eval,
        }
        for key, value in row.items():
            metrics[key].append(value)
        metrics["summary"].update(summarise(metrics))
        self.log(f"Epoch {epoch}: {val_correct} / {n_val}  (validation; test {test_correct} / {n_test}, "
                 f"training cost {train_cost:.4g}, {seconds:.2f} s)")

    def _early_stop(self, metrics: dict, patience: int | None) -> bool:
        best = metrics["summary"]["best_epoch"]
        if patience is None or best is None or metrics["epochs"][-1] - best < patience:
            return False
        return self._stop(metrics, f"early stopping: no better validation accuracy in the {patience} epochs "
                                   f"after epoch {best}")

    def _scheduled_stop(self, metrics: dict, schedule: PlateauSchedule | None) -> bool:
        """Log a halving of eta the last epoch called for; end training when the schedule says so."""
        if schedule is None:
            return False
        before = schedule.replay(metrics["val_accuracy"][:-1])[0]
        halvings, stop = schedule.replay(metrics["val_accuracy"])
        if stop:
            return self._stop(metrics, f"learning-rate schedule: no better validation accuracy in the "
                                       f"{schedule.patience} epochs after eta was halved the last of "
                                       f"{schedule.max_halvings} times")
        if halvings > before:
            self.log(f"eta halved to {self.base_eta * 0.5 ** halvings:g}: no better validation accuracy "
                     f"in {schedule.patience} epochs")
        return False

    def _stop(self, metrics: dict, reason: str) -> bool:
        metrics["summary"]["stopped"] = reason
        self.log(reason)
        return True

    def _diverged(self, metrics: dict, folder: RunFolder | None, epoch: int, error: _NonFiniteError) -> None:
        kept = len(metrics["epochs"])
        where = f" ({folder.path / MODEL_FILE})" if folder is not None else ""
        initial = " (the initial model)" if kept == 0 else ""
        message = (f"Training stopped: {error.args[0]}. The parameters are those of the last good "
                   f"checkpoint, the end of epoch {kept}{initial}{where}. Try a smaller --eta.")
        metrics["summary"]["stopped"] = message
        if folder is not None:
            self.save_run(folder, metrics)
        raise TrainingDivergedError(message, epoch, error.args[1], metrics)

    def _checkpoint(self) -> tuple[list[np.ndarray], dict]:
        return [np.array(p.data, copy=True) for p in self.optimizer.parameters], self.optimizer.state_dict()

    def _restore(self, checkpoint: tuple[list[np.ndarray], dict]) -> None:
        datas, state = checkpoint
        for p, data in zip(self.optimizer.parameters, datas, strict=True):
            p.data = data.copy()
        self.optimizer.load_state_dict(state)

    def save_run(self, folder: RunFolder, metrics: dict) -> None:
        """Save the checkpoint: model.npz, optimizer.npz (if it has state) and metrics.json, as one unit."""
        state = self.optimizer.state_dict()

        def write(staging: Path) -> None:
            self.model.save(staging / MODEL_FILE)
            if state:
                save_arrays(staging / OPTIMIZER_FILE, state)
            write_json(staging / METRICS_FILE, metrics)

        folder.save(len(metrics["epochs"]), write)


def _check_continues(folder: RunFolder, metrics: dict) -> None:
    """Refuse to train into a folder holding a run that `metrics` does not continue."""
    if not folder.has_run():
        return
    saved = folder.saved_epoch()
    if saved is None or saved != len(metrics["epochs"]):
        held = "a run" if saved is None else f"a run of {saved} epochs"
        raise RunFolderError(
            f"{folder.path} already holds {held}; continue it with the metrics, model and optimizer state "
            "saved there (python -m nn.train --resume), or choose another folder"
        )


def _check_output_layer(model: Module, cost: Cost) -> None:
    """Refuse a cost paired with another output layer (cross-entropy: sigmoid; log-likelihood: softmax)."""
    last = network_layers(model)[-1][1].name if isinstance(model, MLP | Sequential) else None
    if cost.output_activation is not None and last is not None and last != cost.output_activation:
        raise ValueError(
            f"the {cost.name} cost needs a {cost.output_activation} output layer; this network's is {last} "
            f"(build it with MLP(..., output_activation={cost.output_activation!r}))"
        )


def write_json(path: Path, content: dict) -> None:
    """Write `content` as JSON, atomically (a temporary file, then a rename), NaN written as null."""
    text = json.dumps(_finite(content), indent=1, allow_nan=False, default=_json_default) + "\n"
    write_atomically(path, lambda file: file.write(text.encode()))


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"metrics: {type(value).__name__} is not JSON")


def write_learning_curve(metrics: dict, path: Path, log: Callable[[str], Any]) -> None:
    """Plot the run's learning curves to `path` with viz.plot_learning_curves (skipped with a note when
    matplotlib, the optional plotting extra, is missing)."""
    if not metrics["epochs"]:
        return
    try:
        from viz import plot_learning_curves

        plot_learning_curves(_finite(metrics), path)
    except ImportError as error:
        log(f"note: {path} not written: {error}")


def _finite(metrics: dict) -> dict:
    """The metrics with NaN costs as None (gaps in a plot)."""
    return {k: [None if isinstance(v, float) and not math.isfinite(v) else v for v in vs]
            if isinstance(vs, list) else vs for k, vs in metrics.items()}


def fit(
    model: Module, data: Dataset, *, epochs: int = 30, batch_size: int = 10, optimizer: str = "sgd",
    eta: float | None = None, cost: str | Cost = "quadratic", lmbda: float = 0.0, momentum: float = 0.0,
    schedule: PlateauSchedule | None = None, backend: str = "engine", seed: int = 0,
    early_stopping: int | None = None, out_dir: str | os.PathLike | None = None,
    progress: bool | None = None, log: Callable[[str], Any] | None = print,
) -> dict:
    """Train `model` on `data` and return the metrics; by default mini-batch SGD, equations (16)-(17).

    `optimizer` is "sgd" (with `momentum`), "adam" or "rmsprop", with their usual defaults;
    `eta` None takes its default (3.0 for SGD, as the book). `lmbda` is the book's L2
    parameter: w -> (1 - eta lmbda / n) w - eta dC/dw for SGD, with n the training-set size
    (biases are not decayed). See `Trainer.fit` for the rest.
    """
    params = model.parameters()
    chosen = make_optimizer(optimizer, params, eta=eta, lmbda=lmbda, n=len(data.y_train), momentum=momentum)
    trainer = Trainer(model, cost, chosen, backend=backend, batch_size=batch_size, seed=seed,
                      progress=progress, log=log)
    return trainer.fit(data, epochs, early_stopping=early_stopping, schedule=schedule, out_dir=out_dir)
