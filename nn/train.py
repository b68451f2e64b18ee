"""The command `python -m nn.train`: train a network, print the book's epoch lines, save the run.

    python -m nn.train --dataset mnist --sizes 784,30,10 --epochs 30 --batch-size 10 --eta 3.0

Each epoch prints "Epoch k: correct / total" for the validation set, with the test set beside
it; the result is the test accuracy at the epoch of best validation accuracy. The training
itself is `nn.training` (`Trainer`, `fit`, `PlateauSchedule`), re-exported here.

Every flag's value is checked before anything is trained, and a bad one is an error naming the
flag; so is a network too large for this machine's memory (refused with its size, before
anything is allocated). MNIST is found as `nn.data` says (--data, MNIST_PATH, the cache, a
download). Only when nothing specific was asked for (no --dataset, --data or --sizes, and no
MNIST_PATH) and MNIST cannot be had at all does the command train on the built-in moons set
instead, with a warning on stderr at the start and at the end; otherwise it stops and says how
to provide MNIST.

With `--out DIR` the run is saved after every epoch as one checkpoint, and only one process at
a time may train into DIR (see `nn.rundir`); a folder already holding a run is refused unless
`--resume` is given, which continues it up to `--epochs` epochs in total, exactly as an
uninterrupted run would have gone on, after checking the checkpoint's files.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .costs import get_cost
from .data import (
    DataError,
    Dataset,
    MnistUnavailableError,
    load_mnist,
    load_synthetic,
)
from .module import MLP, ModelFileError, load_arrays
from .optim import Optimizer
from .rundir import METRICS_FILE, MODEL_FILE, OPTIMIZER_FILE, RunFolder, RunFolderError
from .training import (
    BACKENDS,
    CURVE_FILE,
    DEFAULT_ETA,
    OPTIMIZERS,
    PER_EPOCH,
    PlateauSchedule,
    Trainer,
    TrainingDivergedError,
    fit,
    make_optimizer,
    new_metrics,
    summarise,
    write_json,
    write_learning_curve,
)

__all__ = [
    "DEFAULTS", "PlateauSchedule", "Trainer", "TrainingDivergedError", "build_parser", "fit", "main",
    "new_metrics", "summarise", "write_json", "write_learning_curve",
]

FALLBACK_DATASET = "moons"
SYNTHETIC_MIN_EXAMPLES = 5  # one example per split at least
DEFAULTS: dict[str, Any] = {
    "dataset": "mnist", "data": None, "limit": None, "sizes": None, "activation": "sigmoid",
    "init": "default", "cost": "quadratic", "optimizer": "sgd", "eta": None, "lmbda": 0.0, "momentum": 0.0,
    "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "rho": 0.99, "schedule": "constant", "patience": 10,
    "max_halvings": 7, "batch_size": 10, "seed": 0, "dtype": "float64", "backend": "engine",
    "early_stopping": None,
}
CHOICES: dict[str, Sequence[str]] = {
    "dataset": ("mnist", "moons", "spirals", "xor"), "activation": ("sigmoid", "tanh", "relu"),
    "init": ("default", "large"), "cost": ("quadratic", "cross-entropy", "log-likelihood"),
    "optimizer": tuple(OPTIMIZERS), "schedule": ("constant", "plateau"), "backend": BACKENDS,
    "dtype": ("float64", "float32"),
}
# Settings a resumed run may change; the others must match the saved run.
CHANGEABLE_ON_RESUME = ("backend", "early_stopping")
# Flags that belong to one optimiser or to the plateau schedule.
OPTIMIZER_FLAGS = {"momentum": ("sgd",), "beta1": ("adam",), "beta2": ("adam",), "eps": ("adam", "rmsprop"),
                   "rho": ("rmsprop",)}
SCHEDULE_FLAGS = ("patience", "max_halvings")


# --- checking each flag's value ------------------------------------------------------------------------


def _integer(low: int) -> Callable[[str], int]:
    """An argparse type: an integer >= low."""
    def integer(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low:
            raise argparse.ArgumentTypeError(f"must be an integer >= {low}; got {text!r}")
        return value

    return integer


def _real(low: float, high: float = math.inf, *, low_open: bool = False, high_open: bool = True
          ) -> Callable[[str], float]:
    """An argparse type: a finite number in the interval from low to high (open or closed ends)."""
    interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"

    def real(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        above = value > low if low_open else value >= low
        below = value < high if high_open else value <= high
        if not (math.isfinite(value) and above and below):
            raise argparse.ArgumentTypeError(f"must be a finite number in {interval}; got {text!r}")
        return value

    return real


def _sizes(text: str) -> list[int]:
    """An argparse type: layer sizes n_0,...,n_L, at least two positive integers."""
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        sizes = []
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            f"must be at least two positive integers separated by commas, e.g. 784,30,10; got {text!r}"
        )
    return sizes


CHECKS: dict[str, Callable[[str], Any]] = {
    "limit": _integer(1), "sizes": _sizes, "eta": _real(0.0, low_open=True), "lmbda": _real(0.0),
    "momentum": _real(0.0, 1.0), "beta1": _real(0.0, 1.0), "beta2": _real(0.0, 1.0),
    "eps": _real(0.0, low_open=True), "rho": _real(0.0, 1.0), "patience": _integer(1),
    "max_halvings": _integer(0), "batch_size": _integer(1), "seed": _integer(0),
    "early_stopping": _integer(1),
}


def _flag(key: str) -> str:
    return "--" + key.replace("_", "-")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `python -m nn.train`."""
    p = argparse.ArgumentParser(
        prog="python -m nn.train",
        description="Train a feedforward network by mini-batch gradient descent (Nielsen's book, "
                    "chapters 1-3).",
    )
    p.add_argument("--dataset", choices=CHOICES["dataset"],
                   help="data set (default mnist; only if nothing specific is asked for and MNIST cannot be "
                        f"had at all, the built-in {FALLBACK_DATASET} set, with a warning)")
    p.add_argument("--data", metavar="PATH",
                   help="MNIST .npz file or directory (else $MNIST_PATH, the cache, a download)")
    p.add_argument("--limit", type=CHECKS["limit"], metavar="N",
                   help="only the first N examples of each MNIST split (synthetic sets: N examples in all, "
                        f"at least {SYNTHETIC_MIN_EXAMPLES})")
    p.add_argument("--sizes", type=_sizes, help="layer sizes n_0,...,n_L (default: inputs,30,classes)")
    p.add_argument("--activation", choices=CHOICES["activation"], help="hidden activation (default sigmoid)")
    p.add_argument("--init", choices=CHOICES["init"], help="weights N(0, 1/n_in) (default) or N(0, 1)")
    p.add_argument("--cost", choices=CHOICES["cost"],
                   help="quadratic (default; output layer = --activation), cross-entropy (sigmoid output) or "
                        "log-likelihood (softmax output)")
    p.add_argument("--epochs", type=_integer(1), default=30,
                   help="epochs in all (with --resume: the total; default 30)")
    p.add_argument("--batch-size", type=CHECKS["batch_size"], help="mini-batch size m (default 10)")
    p.add_argument("--optimizer", choices=CHOICES["optimizer"], help="sgd (default), adam or rmsprop")
    p.add_argument("--eta", type=CHECKS["eta"],
                   help="learning rate (default: "
                        + ", ".join(f"{name} {eta:g}" for name, eta in DEFAULT_ETA.items()) + ")")
    p.add_argument("--lmbda", type=CHECKS["lmbda"],
                   help="L2 regularisation lambda: w -> (1 - eta lambda/n) w - eta dC/dw (default 0)")
    p.add_argument("--momentum", type=CHECKS["momentum"],
                   help="sgd: momentum coefficient mu in [0, 1) (default 0)")
    p.add_argument("--beta1", type=CHECKS["beta1"], help="adam: decay of the mean of g (default 0.9)")
    p.add_argument("--beta2", type=CHECKS["beta2"], help="adam: decay of the mean of g^2 (default 0.999)")
    p.add_argument("--rho", type=CHECKS["rho"], help="rmsprop: decay of the mean of g^2 (default 0.99)")
    p.add_argument("--eps", type=CHECKS["eps"],
                   help="adam, rmsprop: added to the root mean square (default 1e-8)")
    p.add_argument("--schedule", choices=CHOICES["schedule"],
                   help="constant eta (default), or plateau: halve eta when the validation accuracy has not "
                        "improved for --patience epochs, and stop after --max-halvings halvings")
    p.add_argument("--patience", type=CHECKS["patience"], metavar="N",
                   help="plateau: epochs without progress before eta is halved (default 10)")
    p.add_argument("--max-halvings", type=CHECKS["max_halvings"], metavar="K",
                   help="plateau: halvings of eta before the next stall ends training (default 7: eta0/128)")
    p.add_argument("--backend", choices=CHOICES["backend"],
                   help="engine (default) or closed-form (nn.backprop)")
    p.add_argument("--seed", type=CHECKS["seed"],
                   help="seed of the initial weights and of the shuffling (default 0)")
    p.add_argument("--dtype", choices=CHOICES["dtype"], help="floating point type (default float64)")
    p.add_argument("--early-stopping", type=CHECKS["early_stopping"], metavar="N",
                   help="stop when the validation accuracy has not improved for N epochs")
    p.add_argument("--out", metavar="DIR",
                   help="save the run here after every epoch (metrics.json, model.npz, learning_curve.svg)")
    p.add_argument("--resume", action="store_true", help="continue the run saved in --out")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="show a progress bar (default: when writing to a terminal)")
    return p


# --- the run's settings --------------------------------------------------------------------------------


def resolve_config(args: argparse.Namespace, saved: dict | None) -> dict:
    """The run's settings: the saved run's (when resuming) or the defaults, with the flags given on top."""
    given = {key: getattr(args, key) for key in DEFAULTS if getattr(args, key) is not None}
    if saved is None:
        _check_combinations(given)
        config = {**DEFAULTS, **given}
        config["eta"] = DEFAULT_ETA[config["optimizer"]] if config["eta"] is None else config["eta"]
        return config
    for key, value in given.items():
        if key not in CHANGEABLE_ON_RESUME and value != saved[key]:
            raise SystemExit(
                f"error: {_flag(key)} {_shown(value)} differs from the saved run's {_shown(saved[key])}; "
                "omit it to continue with the saved settings"
            )
    return {**saved, **{k: v for k, v in given.items() if k in CHANGEABLE_ON_RESUME}}


def _shown(value: Any) -> str:
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


def _check_combinations(given: dict) -> None:
    """Refuse a flag that does nothing with the others given (e.g. --momentum with --optimizer adam)."""
    optimizer = given.get("optimizer", DEFAULTS["optimizer"])
    for key, owners in OPTIMIZER_FLAGS.items():
        if key in given and optimizer not in owners:
            raise SystemExit(f"error: {_flag(key)} applies to --optimizer {' or '.join(owners)} only; "
                             f"this run uses {optimizer}")
    for key in SCHEDULE_FLAGS:
        if key in given and given.get("schedule") != "plateau":
            raise SystemExit(f"error: {_flag(key)} applies to --schedule plateau only")


def _checked_saved_config(config: Any, path: Path) -> dict:
    """The saved settings, each present and valid as its flag would have to be."""
    if not isinstance(config, dict):
        raise SystemExit(f"error: {path} holds no settings ('config'); it is not a run of nn.train")
    for key, default in DEFAULTS.items():
        if key not in config:
            raise SystemExit(f"error: {path}: the saved settings lack {key!r}; the run cannot continue")
        value = config[key]
        if value is None and default is None and key != "eta":
            continue
        try:
            _check_saved_value(key, value)
        except (argparse.ArgumentTypeError, TypeError) as error:
            raise SystemExit(f"error: {path}: the saved setting {key!r} {error}") from None
    return config


def _check_saved_value(key: str, value: Any) -> None:
    if key in CHOICES:
        if value not in CHOICES[key]:
            raise TypeError(f"must be one of {list(CHOICES[key])}; got {value!r}")
    elif key == "data":
        if not isinstance(value, str):
            raise TypeError(f"must be a path; got {value!r}")
    elif key == "sizes":
        if not isinstance(value, list) or not all(isinstance(n, int) for n in value):
            raise TypeError(f"must be a list of layer sizes; got {value!r}")
        _sizes(_shown(value))
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"must be a number; got {value!r}")
    else:
        CHECKS[key](str(value))


# --- memory ------------------------------------------------------------------------------------------


def _check_memory(config: dict, examples: int = 1) -> None:
    """Refuse a network whose training would need more than this machine's memory, before allocating it.

    Counted: the parameters with their gradients, update buffer and checkpoint copy, the
    optimiser's state and its copy, and z, a and delta of every layer for `examples` rows.
    """
    sizes = config["sizes"]
    available = _physical_memory()
    if not sizes or available is None:
        return
    n_params = sum(n_out * (n_in + 1) for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=False))
    state = {"sgd": 1 if config["momentum"] else 0, "adam": 2, "rmsprop": 1}[config["optimizer"]]
    itemsize = np.dtype(config["dtype"]).itemsize
    needed = ((4 + 2 * state) * n_params + 3 * examples * sum(sizes)) * itemsize
    if needed > available:
        raise SystemExit(
            f"error: --sizes {_shown(sizes)}: a network of {n_params:,} parameters needs about "
            f"{_in_gib(needed)} to train ({config['dtype']}, {config['optimizer']}, {examples:,} input rows "
            f"at once), more than this machine's memory ({_in_gib(available)}); choose smaller layers"
        )


def _physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def _in_gib(n_bytes: int) -> str:
    return f"{n_bytes / 2**30:,.3g} GiB"


# --- data, model, optimiser ---------------------------------------------------------------------------


def load_data(config: dict, *, fallback_allowed: bool, warn: Callable[[str], Any]) -> Dataset:
    """The data set of `config`. Only when `fallback_allowed` and MNIST cannot be had at all, the
    built-in moons set (config's dataset, sizes and "fallback" change to say so; `warn` is told)."""
    dtype = np.dtype(config["dtype"])
    if config["dataset"] != "mnist":
        return _synthetic(config, dtype)
    try:
        return load_mnist(config["data"], dtype=dtype, limit=config["limit"])
    except MnistUnavailableError as error:
        if not fallback_allowed:
            raise
        reason = str(error).splitlines()[0]
        config["dataset"], config["sizes"], config["fallback"] = FALLBACK_DATASET, None, reason
        warn(f"MNIST is not available: {reason}\n"
             f"Training on the built-in {FALLBACK_DATASET} set INSTEAD, not on MNIST.\n"
             f"{str(error).splitlines()[-1]}\n"
             f"To choose the {FALLBACK_DATASET} set yourself, pass --dataset {FALLBACK_DATASET}; with "
             "--dataset mnist (or --sizes, --data) MNIST is required.")
        return _synthetic(config, dtype)


def _synthetic(config: dict, dtype: np.dtype) -> Dataset:
    n = config["limit"] or 1000
    if n < SYNTHETIC_MIN_EXAMPLES:
        raise SystemExit(f"error: --limit {n}: the {config['dataset']} set needs at least "
                         f"{SYNTHETIC_MIN_EXAMPLES} examples (one per split at least)")
    return load_synthetic(config["dataset"], n=n, seed=config["seed"], dtype=dtype)


def build_model(config: dict, data: Dataset) -> MLP:
    """The MLP of `config` for `data`; the cost decides the output layer (sigmoid for cross-entropy,
    softmax for log-likelihood, else --activation)."""
    sizes = config["sizes"] or [data.n_inputs, 30, data.n_classes]
    if sizes[0] != data.n_inputs or sizes[-1] != data.n_classes:
        raise SystemExit(
            f"error: --sizes {_shown(sizes)} does not fit the {data.name} data "
            f"({data.n_inputs} inputs, {data.n_classes} classes); "
            f"e.g. --sizes {data.n_inputs},30,{data.n_classes}"
        )
    config["sizes"] = sizes
    held_out = max(len(data.y_val), len(data.y_test))
    _check_memory(config, examples=max(min(config["batch_size"], len(data.y_train)), held_out))
    cost = get_cost(config["cost"])
    return MLP(sizes, config["activation"], output_activation=cost.output_activation, init=config["init"],
               seed=config["seed"], dtype=np.dtype(config["dtype"]))


def build_optimizer(config: dict, model: MLP, n_train: int) -> Optimizer:
    """The optimiser of `config` over the model's parameters (lmbda / n with n training examples)."""
    return make_optimizer(config["optimizer"], model.parameters(), eta=config["eta"], lmbda=config["lmbda"],
                          n=n_train, momentum=config["momentum"], betas=(config["beta1"], config["beta2"]),
                          eps=config["eps"], rho=config["rho"])


def build_schedule(config: dict) -> PlateauSchedule | None:
    """The plateau schedule of `config`, or None for a constant eta."""
    if config["schedule"] != "plateau":
        return None
    return PlateauSchedule(patience=config["patience"], max_halvings=config["max_halvings"])


# --- the command -----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the training command; returns the exit status (0 done, 1 stopped by an error, 130
    interrupted). Errors in the flags and in the output folder raise SystemExit with the message."""
    args = build_parser().parse_args(argv)
    if args.out is None:
        if args.resume:
            raise SystemExit("error: --resume needs --out, the folder of the run to continue")
        return _run(args, None)
    try:
        folder = RunFolder.open(args.out)
    except RunFolderError as error:
        raise SystemExit(f"error: --out {args.out}: {error}") from None
    with folder:
        return _run(args, folder)


def _run(args: argparse.Namespace, folder: RunFolder | None) -> int:
    saved = _saved_run(folder, args.resume)
    config = resolve_config(args, None if saved is None else saved["config"])
    _check_memory(config)
    fallback_allowed = saved is None and not any(
        getattr(args, key) is not None for key in ("dataset", "data", "sizes")
    ) and not os.environ.get("MNIST_PATH")
    try:
        data = load_data(config, fallback_allowed=fallback_allowed, warn=_warn)
        model = build_model(config, data)
        optimizer = build_optimizer(config, model, len(data.y_train))
        metrics = new_metrics(config) if saved is None else {**saved, "config": config}
        if saved is not None and folder is not None:
            _restore_run(folder, model, optimizer, metrics)
            if args.epochs <= len(metrics["epochs"]):
                print(f"nothing to do: the run already has {len(metrics['epochs'])} epochs "
                      "(ask for more with --epochs)")
                return 0
        trainer = Trainer(model, config["cost"], optimizer, backend=config["backend"],
                          batch_size=config["batch_size"], seed=config["seed"], progress=args.progress)
        print(_headline(model, trainer, data, config))
        metrics = trainer.fit(data, args.epochs - len(metrics["epochs"]), schedule=build_schedule(config),
                              early_stopping=config["early_stopping"], out_dir=folder, metrics=metrics)
    except (DataError, ModelFileError, RunFolderError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except MemoryError as error:
        print(f"error: not enough memory to train this network: {error}", file=sys.stderr)
        return 1
    except TrainingDivergedError as error:
        print(str(error), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        where = f"; {folder.path} holds the last finished epoch: continue with --resume" if folder else ""
        print(f"\ninterrupted{where}", file=sys.stderr)
        return 130
    _print_summary(metrics, folder)
    return 0


def _warn(message: str) -> None:
    print("\n".join(f"warning: {line}" for line in message.splitlines()), file=sys.stderr)


def _saved_run(folder: RunFolder | None, resume: bool) -> dict | None:
    """The metrics of the run in `folder` when resuming it, checked (None for a new run); refuses to
    overwrite a run, and to resume one whose checkpoint is damaged or incomplete."""
    if folder is None:
        return None
    exists = folder.has_run()
    if exists and not resume:
        raise SystemExit(
            f"error: --out {folder.path} already holds a run; pass --resume to continue it or choose "
            "another --out"
        )
    if not resume:
        return None
    if not exists:
        raise SystemExit(f"error: --resume: {folder.path} holds no run (nothing to resume)")
    try:
        checkpoint = folder.load()
    except RunFolderError as error:
        raise SystemExit(f"error: --resume: {error}") from None
    metrics = _checked_metrics(folder.path / METRICS_FILE)
    if len(metrics["epochs"]) != checkpoint.epoch:
        raise SystemExit(f"error: --resume: {folder.path / METRICS_FILE} records {len(metrics['epochs'])} "
                         f"epochs, the checkpoint {checkpoint.epoch}")
    return metrics


def _checked_metrics(path: Path) -> dict:
    """The metrics file of a run, with every setting and per-epoch list nn.train writes."""
    try:
        metrics = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise SystemExit(f"error: cannot read {path}: {error}") from None
    if not isinstance(metrics, dict):
        raise SystemExit(f"error: {path} is not a metrics file written by nn.train")
    metrics["config"] = _checked_saved_config(metrics.get("config"), path)
    epochs = metrics.get("epochs")
    if not isinstance(epochs, list) or epochs != list(range(1, len(epochs) + 1)):
        raise SystemExit(f"error: {path}: 'epochs' must list 1, 2, ..., the epochs trained; got {epochs!r}")
    for key in PER_EPOCH:
        if not isinstance(metrics.get(key), list) or len(metrics[key]) != len(epochs):
            raise SystemExit(f"error: {path}: {key!r} must be a list of one entry per epoch ({len(epochs)}); "
                             "the run cannot continue")
    if not isinstance(metrics.get("summary"), dict):
        raise SystemExit(f"error: {path} lacks its 'summary'; the run cannot continue")
    return metrics


def _restore_run(folder: RunFolder, model: MLP, optimizer: Optimizer, metrics: dict) -> None:
    """Load the saved model and optimizer state of the run in `folder`."""
    model.load(folder.path / MODEL_FILE)
    if (folder.path / OPTIMIZER_FILE).exists():
        optimizer.load_state_dict(load_arrays(folder.path / OPTIMIZER_FILE))
    metrics["summary"]["stopped"] = None
    print(f"Resuming {folder.path} after epoch {len(metrics['epochs'])}")


def _headline(model: MLP, trainer: Trainer, data: Dataset, config: dict) -> str:
    name = config["optimizer"]
    options = [key for key, owners in OPTIMIZER_FLAGS.items() if name in owners and config[key]]
    settings = [f"eta {config['eta']:g}"] + [f"{key} {config[key]:g}" for key in ("lmbda", *options)
                                              if config[key]]
    schedule = (f", eta halved after {config['patience']} epochs without progress (at most "
                f"{config['max_halvings']} times)" if config["schedule"] == "plateau" else "")
    return (f"Training {model} with {trainer.cost.name} cost on {data.name} ({len(data.y_train)} training "
            f"examples), {name} ({', '.join(settings)}), batch size {config['batch_size']}{schedule}, "
            f"{config['backend']} backend")


def _print_summary(metrics: dict, folder: RunFolder | None) -> None:
    summary = metrics["summary"]
    if summary.get("best_epoch") is not None:
        at_best = summary["test_accuracy_at_best_val"]
        shown = "n/a" if at_best is None else f"{at_best:.2%}"
        print(f"Best validation accuracy {summary['best_val_accuracy']:.2%} at epoch "
              f"{summary['best_epoch']}; test accuracy at that epoch {shown}")
    if folder is not None:
        names = (METRICS_FILE, MODEL_FILE, OPTIMIZER_FILE, CURVE_FILE)
        written = [folder.path / name for name in names if (folder.path / name).exists()]
        print(f"Saved {', '.join(map(str, written))}")
    if metrics["config"].get("fallback"):
        _warn(f"this run trained on the built-in {metrics['config']['dataset']} set, NOT on MNIST "
              f"({metrics['config']['fallback']})")


if __name__ == "__main__":
    sys.exit(main())
