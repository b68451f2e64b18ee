"""Training by mini-batch SGD, epoch by epoch, and the command `python -m nn.train`.

    python -m nn.train --dataset mnist --sizes 784,30,10 --epochs 30 --batch-size 10 --eta 3.0

Each epoch shuffles the training set (seeded: epoch e uses the generator seeded with
(seed, e), so a resumed run repeats an uninterrupted one exactly), takes one SGD step per
mini-batch, then evaluates on the validation and test sets and prints the book's line
"Epoch 3: 9412 / 10000" for the validation set (the test set is held out: it is reported
beside it, but early stopping and "best epoch" look at validation only). Epochs count from 1.

Two backends compute the same gradient: "engine" (the model's forward pass recorded by
autograd_core, the cost, backward()) and "closed-form" (nn.backprop's BP1-BP4); both use
the same `SGD` update. A NaN or infinite cost stops training with a `TrainingDivergedError`
error naming the epoch and batch; the parameters go back to the last good checkpoint
(the end of the previous epoch), which is also what `--out` holds.

With `--out DIR` the run is saved after every epoch: `metrics.json` (the settings and one
list per metric, for `viz.plot_learning_curves`), `model.npz` (see `Module.save`),
`optimizer.npz` (momentum velocities, when there are any) and, at the end,
`learning_curve.svg`. `--resume` continues such a run up to `--epochs` epochs in total.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from .backprop import backprop_layers, checked_layers, feedforward, network_layers
from .costs import Cost, get_cost
from .data import DataError, Dataset, load_mnist, load_synthetic, minibatches, one_hot
from .module import MLP, ModelFileError, Module, Sequential, load_arrays, save_arrays
from .optim import SGD

BACKENDS = ("engine", "closed-form")
FALLBACK_DATASET = "moons"
METRICS_FILE, MODEL_FILE, OPTIMIZER_FILE, CURVE_FILE = (
    "metrics.json", "model.npz", "optimizer.npz", "learning_curve.svg",
)


class _NonFiniteError(Exception):
    """Raised inside an epoch when the cost or a parameter is NaN or infinite (args: message, batch)."""


class TrainingDivergedError(RuntimeError):
    """The cost became NaN or infinite; the model was put back to the last good checkpoint."""

    def __init__(self, message: str, epoch: int, batch: int, metrics: dict) -> None:
        super().__init__(message)
        self.epoch, self.batch, self.metrics = epoch, batch, metrics


def new_metrics(config: dict | None = None) -> dict:
    """An empty metrics record: settings, one list per per-epoch metric, and a summary."""
    lists = ("epochs", "train_cost", "val_cost", "val_accuracy", "val_correct", "test_cost",
             "test_accuracy", "test_correct", "train_seconds", "eval_seconds")
    metrics: dict[str, Any] = {"config": dict(config or {})}
    metrics.update({key: [] for key in lists})
    metrics.update({"val_total": 0, "test_total": 0, "summary": {"best_epoch": None, "stopped": None}})
    return metrics


class Trainer:
    """Mini-batch SGD of `model` on `cost` with `optimizer`, by one of the two backends."""

    def __init__(
        self, model: Module, cost: str | Cost, optimizer: SGD, *, backend: str = "engine",
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
        """One step by the engine: C = cost(model(X), Y), backward(), SGD. Returns C."""
        self.optimizer.zero_grad()
        C = self.cost(self.model(xb), yb)
        c = float(C.data)
        if math.isfinite(c):
            C.backward()
            self.optimizer.step()
        return c

    def _closed_form_step(self, xb: np.ndarray, yb: np.ndarray) -> float:
        """One step by nn.backprop's BP1-BP4 and the same SGD update. Returns C."""
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
        out_dir: str | os.PathLike | None = None, metrics: dict | None = None,
    ) -> dict:
        """Train for `epochs` more epochs (after those already in `metrics`, when resuming).

        Evaluates on data's validation and test sets after each epoch and returns the
        metrics dict (see `new_metrics`). `early_stopping=N` stops once the validation
        accuracy has not improved for N epochs. With `out_dir`, saves the run after each
        epoch. Raises `TrainingDivergedError` on a NaN/inf cost, after restoring the last good
        checkpoint (and saving it, with the metrics, to `out_dir`).
        """
        if not isinstance(epochs, int) or epochs < 0:
            raise ValueError(f"epochs must be a non-negative integer; got {epochs!r}")
        if early_stopping is not None and (not isinstance(early_stopping, int) or early_stopping < 1):
            raise ValueError(f"early_stopping must be a positive number of epochs; got {early_stopping!r}")
        metrics = metrics if metrics is not None else new_metrics()
        metrics["val_total"], metrics["test_total"] = len(data.y_val), len(data.y_test)
        y_train = one_hot(data.y_train, self._n_outputs(), dtype=data.x_train.dtype)
        out = Path(out_dir) if out_dir is not None else None
        checkpoint = self._checkpoint()
        first = len(metrics["epochs"]) + 1
        try:
            for epoch in range(first, first + epochs):
                started = time.perf_counter()
                try:
                    train_cost = self.train_epoch(data.x_train, y_train, epoch)
                except _NonFiniteError as error:
                    self._restore(checkpoint)
                    self._diverged(metrics, out, epoch, error)
                trained = time.perf_counter()
                self._record(metrics, data, epoch, train_cost, trained - started, trained)
                checkpoint = self._checkpoint()
                if out is not None:
                    self.save_run(out, metrics)
                if self._should_stop(metrics, early_stopping):
                    break
        finally:
            if out is not None:
                write_learning_curve(metrics, out / CURVE_FILE, self.log)
        return metrics

    def _record(self, metrics: dict, data: Dataset, epoch: int, train_cost: float, seconds: float,
                started_eval: float) -> None:
        val_correct, val_cost = self.evaluate(data.x_val, data.y_val)
        test_correct, test_cost = self.evaluate(data.x_test, data.y_test)
        n_val, n_test = len(data.y_val), len(data.y_test)
        row = {
            "epochs": epoch, "train_cost": train_cost, "val_cost": val_cost, "test_cost": test_cost,
            "val_correct": val_correct, "test_correct": test_correct,
            "val_accuracy": val_correct / n_val if n_val else None,
            "test_accuracy": test_correct / n_test if n_test else None,
            "train_seconds": seconds, "eval_seconds": time.perf_counter() - started_eval,
        }
        for key, value in row.items():
            metrics[key].append(value)
        metrics["summary"].update(summarise(metrics))
        self.log(f"Epoch {epoch}: {val_correct} / {n_val}  (validation; test {test_correct} / {n_test}, "
                 f"training cost {train_cost:.4g}, {seconds:.2f} s)")

    def _should_stop(self, metrics: dict, patience: int | None) -> bool:
        best = metrics["summary"]["best_epoch"]
        if patience is None or best is None or metrics["epochs"][-1] - best < patience:
            return False
        reason = f"early stopping: no better validation accuracy in the {patience} epochs after epoch {best}"
        metrics["summary"]["stopped"] = reason
        self.log(reason)
        return True

    def _diverged(self, metrics: dict, out: Path | None, epoch: int, error: _NonFiniteError) -> None:
        kept = len(metrics["epochs"])
        where = f" ({out / MODEL_FILE})" if out is not None else ""
        initial = " (the initial model)" if kept == 0 else ""
        message = (f"Training stopped: {error.args[0]}. The parameters are those of the last good "
                   f"checkpoint, the end of epoch {kept}{initial}{where}. Try a smaller --eta.")
        metrics["summary"]["stopped"] = message
        if out is not None:
            self.save_run(out, metrics)
        raise TrainingDivergedError(message, epoch, error.args[1], metrics)

    def _checkpoint(self) -> tuple[list[np.ndarray], dict]:
        return [np.array(p.data, copy=True) for p in self.optimizer.parameters], self.optimizer.state_dict()

    def _restore(self, checkpoint: tuple[list[np.ndarray], dict]) -> None:
        datas, state = checkpoint
        for p, data in zip(self.optimizer.parameters, datas, strict=True):
            p.data = data.copy()
        self.optimizer.load_state_dict(state)

    def save_run(self, out: Path, metrics: dict) -> None:
        """Write model.npz, optimizer.npz (if it has state) and metrics.json into `out`."""
        out.mkdir(parents=True, exist_ok=True)
        self.model.save(out / MODEL_FILE)
        state = self.optimizer.state_dict()
        if state:
            save_arrays(out / OPTIMIZER_FILE, state)
        else:
            (out / OPTIMIZER_FILE).unlink(missing_ok=True)
        write_json(out / METRICS_FILE, metrics)


def _check_output_layer(model: Module, cost: Cost) -> None:
    """Refuse a cost paired with another output layer (cross-entropy: sigmoid; log-likelihood: softmax)."""
    last = network_layers(model)[-1][1].name if isinstance(model, MLP | Sequential) else None
    if cost.output_activation is not None and last is not None and last != cost.output_activation:
        raise ValueError(
            f"the {cost.name} cost needs a {cost.output_activation} output layer; this network's is {last} "
            f"(build it with MLP(..., output_activation={cost.output_activation!r}))"
        )


def summarise(metrics: dict) -> dict:
    """The best epoch by validation accuracy (the earliest of ties), its accuracies, and the best
    test accuracy."""
    val = [-1.0 if v is None else v for v in metrics["val_accuracy"]]
    if not val:
        return {"best_epoch": None}
    best = int(np.argmax(val))
    tests = [t for t in metrics["test_accuracy"] if t is not None]
    return {
        "best_epoch": metrics["epochs"][best],
        "best_val_accuracy": metrics["val_accuracy"][best],
        "test_accuracy_at_best_val": metrics["test_accuracy"][best],
        "best_test_accuracy": max(tests) if tests else None,
    }


def write_json(path: Path, content: dict) -> None:
    """Write `content` as JSON, atomically (a temporary file, then a rename)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(_finite(content), indent=1, allow_nan=False, default=_json_default) + "\n")
    os.replace(tmp, path)


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
    model: Module, data: Dataset, *, epochs: int = 30, batch_size: int = 10, eta: float = 3.0,
    cost: str | Cost = "quadratic", lmbda: float = 0.0, momentum: float = 0.0, backend: str = "engine",
    seed: int = 0, early_stopping: int | None = None, out_dir: str | os.PathLike | None = None,
    progress: bool | None = None, log: Callable[[str], Any] | None = print,
) -> dict:
    """Train `model` on `data` by mini-batch SGD (equations (16)-(17)) and return the metrics.

    `lmbda` is the book's L2 parameter: w -> (1 - eta lmbda / n) w - eta dC/dw with n the
    training-set size (biases are not decayed). See `Trainer.fit` for the rest.
    """
    params = model.parameters()
    optimizer = SGD.l2(params, eta, lmbda, len(data.y_train), momentum=momentum)
    trainer = Trainer(model, cost, optimizer, backend=backend, batch_size=batch_size, seed=seed,
                      progress=progress, log=log)
    return trainer.fit(data, epochs, early_stopping=early_stopping, out_dir=out_dir)


# --- the command line ------------------------------------------------------------------------------

DEFAULTS: dict[str, Any] = {
    "dataset": "mnist", "data": None, "limit": None, "sizes": None, "activation": "sigmoid",
    "init": "default", "cost": "quadratic", "eta": 3.0, "lmbda": 0.0, "momentum": 0.0, "batch_size": 10,
    "seed": 0, "dtype": "float64", "backend": "engine", "early_stopping": None,
}
# Settings a resumed run may change; the others must match the saved run.
CHANGEABLE_ON_RESUME = ("backend", "early_stopping")


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--sizes must be integers separated by commas, e.g. 784,30,10; got {text!r}"
        ) from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"--sizes needs at least two positive layer sizes; got {text!r}")
    return sizes


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `python -m nn.train`."""
    p = argparse.ArgumentParser(
        prog="python -m nn.train",
        description="Train a feedforward network by mini-batch SGD (Nielsen's book, chapters 1-3).",
    )
    p.add_argument("--dataset", choices=["mnist", "moons", "spirals", "xor"],
                   help=f"data set (default mnist; if MNIST cannot be found or fetched, the built-in "
                        f"{FALLBACK_DATASET} set, with a note)")
    p.add_argument("--data", metavar="PATH",
                   help="MNIST .npz file or directory (else $MNIST_PATH, the cache, a download)")
    p.add_argument("--limit", type=_positive_int, metavar="N",
                   help="only the first N examples of each MNIST split (synthetic sets: N examples in all)")
    p.add_argument("--sizes", type=_sizes, help="layer sizes n_0,...,n_L (default: inputs,30,classes)")
    p.add_argument("--activation", choices=["sigmoid", "tanh", "relu"],
                   help="hidden activation (default sigmoid)")
    p.add_argument("--init", choices=["default", "large"], help="weights N(0, 1/n_in) (default) or N(0, 1)")
    p.add_argument("--cost", choices=["quadratic", "cross-entropy", "log-likelihood"],
                   help="quadratic (default; output layer = --activation), cross-entropy (sigmoid output) or "
                        "log-likelihood (softmax output)")
    p.add_argument("--epochs", type=int, default=30,
                   help="epochs in all (with --resume: the total; default 30)")
    p.add_argument("--batch-size", type=_positive_int, help="mini-batch size m (default 10)")
    p.add_argument("--eta", type=float, help="learning rate (default 3.0)")
    p.add_argument("--lmbda", type=float,
                   help="L2 regularisation lambda: w -> (1 - eta lambda/n) w - eta dC/dw (default 0)")
    p.add_argument("--momentum", type=float, help="momentum coefficient mu in [0, 1) (default 0)")
    p.add_argument("--backend", choices=list(BACKENDS), help="engine (default) or closed-form (nn.backprop)")
    p.add_argument("--seed", type=int, help="seed of the initial weights and of the shuffling (default 0)")
    p.add_argument("--dtype", choices=["float64", "float32"], help="floating point type (default float64)")
    p.add_argument("--early-stopping", type=_positive_int, metavar="N",
                   help="stop when the validation accuracy has not improved for N epochs")
    p.add_argument("--out", metavar="DIR", help="save metrics.json, model.npz and learning_curve.svg here")
    p.add_argument("--resume", action="store_true", help="continue the run saved in --out")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="show a progress bar (default: when writing to a terminal)")
    return p


def resolve_config(args: argparse.Namespace, saved: dict | None) -> dict:
    """The run's settings: the saved run's (when resuming) or the defaults, with the flags given on top."""
    given = {key: getattr(args, key) for key in DEFAULTS if getattr(args, key) is not None}
    if saved is None:
        config = {**DEFAULTS, **given}
        config["dataset_requested"] = args.dataset is not None or args.data is not None
        return config
    for key, value in given.items():
        if key not in CHANGEABLE_ON_RESUME and key in saved and value != saved[key]:
            raise SystemExit(
                f"error: --{key.replace('_', '-')} {value} differs from the saved run's {saved[key]}; "
                "omit it to continue with the saved settings"
            )
    return {**saved, **{k: v for k, v in given.items() if k in CHANGEABLE_ON_RESUME}}


def load_data(config: dict, log: Callable[[str], Any]) -> Dataset:
    """The data set of `config`; when MNIST was only the default and cannot be had, a built-in set
    (with a one-line note)."""
    dtype = np.dtype(config["dtype"])
    if config["dataset"] != "mnist":
        return load_synthetic(config["dataset"], n=config["limit"] or 1000, seed=config["seed"], dtype=dtype)
    try:
        return load_mnist(config["data"], dtype=dtype, limit=config["limit"])
    except DataError as error:
        if config.get("dataset_requested"):
            raise
        reason = str(error).splitlines()[0]
        config["dataset"], config["sizes"] = FALLBACK_DATASET, None
        log(f"note: MNIST is not available ({reason}); "
            f"training on the built-in {FALLBACK_DATASET} set instead")
        return load_synthetic(FALLBACK_DATASET, n=config["limit"] or 1000, seed=config["seed"], dtype=dtype)


def build_model(config: dict, data: Dataset) -> MLP:
    """The MLP of `config` for `data`; the cost decides the output layer (sigmoid for cross-entropy,
    softmax for log-likelihood, else --activation)."""
    sizes = config["sizes"] or [data.n_inputs, 30, data.n_classes]
    if sizes[0] != data.n_inputs or sizes[-1] != data.n_classes:
        raise SystemExit(
            f"error: --sizes {','.join(map(str, sizes))} does not fit the {data.name} data "
            f"({data.n_inputs} inputs, {data.n_classes} classes); "
            f"e.g. --sizes {data.n_inputs},30,{data.n_classes}"
        )
    config["sizes"] = sizes
    cost = get_cost(config["cost"])
    return MLP(sizes, config["activation"], output_activation=cost.output_activation, init=config["init"],
               seed=config["seed"], dtype=np.dtype(config["dtype"]))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the training command; returns the exit status (0 done, 1 stopped by an error)."""
    args = build_parser().parse_args(argv)
    out = Path(args.out) if args.out else None
    saved = _saved_run(out, args.resume)
    config = resolve_config(args, None if saved is None else saved["config"])
    try:
        data = load_data(config, print)
        model = build_model(config, data)
        optimizer = SGD.l2(model.parameters(), config["eta"], config["lmbda"], len(data.y_train),
                           momentum=config["momentum"])
        metrics = new_metrics(config) if saved is None else {**saved, "config": config}
        if saved is not None and out is not None:
            _restore_run(out, model, optimizer, metrics)
            if args.epochs <= len(metrics["epochs"]):
                print(f"nothing to do: the run already has {len(metrics['epochs'])} epochs "
                      "(ask for more with --epochs)")
                return 0
        trainer = Trainer(model, config["cost"], optimizer, backend=config["backend"],
                          batch_size=config["batch_size"], seed=config["seed"], progress=args.progress)
        print(_headline(model, trainer, data, config))
        metrics = trainer.fit(data, max(args.epochs - len(metrics["epochs"]), 0),
                              early_stopping=config["early_stopping"], out_dir=out, metrics=metrics)
    except (DataError, ModelFileError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except TrainingDivergedError as error:
        print(str(error), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        where = f"; {out} holds the last finished epoch: continue with --resume" if out is not None else ""
        print(f"\ninterrupted{where}", file=sys.stderr)
        return 130
    _print_summary(metrics, out)
    return 0


def _saved_run(out: Path | None, resume: bool) -> dict | None:
    """The metrics of the run in `out` when resuming it (None for a new run); refuses to overwrite one."""
    if out is None:
        if resume:
            raise SystemExit("error: --resume needs --out, the directory of the run to continue")
        return None
    exists = (out / METRICS_FILE).exists()
    if exists and not resume:
        raise SystemExit(
            f"error: {out} already holds a run; pass --resume to continue it or choose another --out"
        )
    if resume and not exists:
        raise SystemExit(f"error: --resume: {out / METRICS_FILE} does not exist (nothing to resume)")
    return _read_metrics(out / METRICS_FILE) if resume else None


def _restore_run(out: Path, model: Module, optimizer: SGD, metrics: dict) -> None:
    """Load the saved model and optimizer state of the run in `out`."""
    model.load(out / MODEL_FILE)
    if (out / OPTIMIZER_FILE).exists():
        optimizer.load_state_dict(load_arrays(out / OPTIMIZER_FILE))
    metrics["summary"]["stopped"] = None
    print(f"Resuming {out} after epoch {len(metrics['epochs'])}")


def _headline(model: Module, trainer: Trainer, data: Dataset, config: dict) -> str:
    extras = "".join(f", {name} {config[name]}" for name in ("lmbda", "momentum") if config[name])
    return (f"Training {model} with {trainer.cost.name} cost on {data.name} ({len(data.y_train)} training "
            f"examples), eta {config['eta']}, batch size {config['batch_size']}{extras}, "
            f"{config['backend']} backend")


def _print_summary(metrics: dict, out: Path | None) -> None:
    summary = metrics["summary"]
    if summary.get("best_epoch") is not None:
        print(f"Best validation accuracy {summary['best_val_accuracy']:.2%} at epoch {summary['best_epoch']} "
              f"(test {summary['test_accuracy_at_best_val']:.2%}); "
              f"best test accuracy {summary['best_test_accuracy']:.2%}")
    if out is not None:
        written = [out / name for name in (METRICS_FILE, MODEL_FILE, CURVE_FILE) if (out / name).exists()]
        print(f"Saved {', '.join(map(str, written))}")


def _read_metrics(path: Path) -> dict:
    try:
        metrics = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise SystemExit(f"error: cannot read {path}: {error}") from None
    if not isinstance(metrics, dict) or not isinstance(metrics.get("config"), dict) or not isinstance(
        metrics.get("epochs"), list
    ):
        raise SystemExit(f"error: {path} is not a metrics file written by nn.train")
    return metrics


if __name__ == "__main__":
    sys.exit(main())
