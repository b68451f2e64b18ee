"""Learning curves of a training run as SVG: the cost C and the accuracy, epoch by epoch.

matplotlib is optional (`pip install matplotlib`, or `pip install -e '.[plot]'` in a checkout);
it is imported only when a plot is made, and used through its object API with the SVG canvas,
so no GUI backend is needed and pyplot's global state is left alone.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

PLOT_EXTRA_HINT = ("matplotlib is needed to plot learning curves: pip install matplotlib "
                   "(or, in a checkout of backprop-lab, pip install -e '.[plot]')")
_SPLITS = ("train", "val", "test")
_SPLIT_NAMES = {"train": "training", "val": "validation", "test": "test"}
_SPLIT_COLOURS = {"train": "C0", "val": "C1", "test": "C2"}  # one colour per split in both panels


class MissingMatplotlibError(ImportError):
    """matplotlib, the optional plotting extra, is not installed."""


def _panel_of(key: str) -> str | None:
    """'cost' or 'accuracy' for a series name such as train_cost, val_loss, test_accuracy."""
    name = key.lower()
    if name.endswith(("cost", "loss")):
        return "cost"
    if name.endswith(("accuracy", "acc")):
        return "accuracy"
    return None


def _series_label(key: str) -> str:
    """The legend entry of a series. The training cost is the mean of the mini-batch costs met
    while the weights were still changing during the epoch, not the cost at the epoch's end."""
    split = key.split("_", 1)[0]
    if split == "train" and _panel_of(key) == "cost":
        return "training: mean mini-batch cost during the epoch"
    return _SPLIT_NAMES.get(split, key.replace("_", " "))


def _as_series(key: str, values: Any, n: int | None) -> np.ndarray:
    """The numbers of one metric (None becomes NaN, a gap), checked against the epoch count."""
    if isinstance(values, str | bytes) or not isinstance(values, Sequence | np.ndarray):
        raise TypeError(f"plot_learning_curves: metrics[{key!r}] must be a list of numbers")
    try:
        series = np.array([np.nan if v is None else v for v in values], dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"plot_learning_curves: metrics[{key!r}] must be a list of numbers") from None
    if series.ndim != 1:
        raise ValueError(
            f"plot_learning_curves: metrics[{key!r}] must be a flat list; got shape {series.shape}"
        )
    if n is not None and len(series) != n:
        raise ValueError(
            f"plot_learning_curves: metrics[{key!r}] has {len(series)} values but 'epochs' has {n}"
        )
    return series


def collect_series(metrics: Mapping[str, Any]) -> tuple[np.ndarray, dict[str, dict[str, np.ndarray]]]:
    """The epochs and the plottable series of a training run's metrics, by panel.

    Series are the keys ending in cost/loss (panel 'cost') or accuracy/acc (panel
    'accuracy'), e.g. train_cost, val_accuracy, test_accuracy; other keys are ignored.
    Without an 'epochs' list, epochs are numbered 1, 2, ...
    """
    if not isinstance(metrics, Mapping):
        raise TypeError(
            f"plot_learning_curves: metrics must be a dict of lists, not {type(metrics).__name__}"
        )
    epochs = None if metrics.get("epochs") is None else _as_series("epochs", metrics["epochs"], None)
    panels: dict[str, dict[str, np.ndarray]] = {"cost": {}, "accuracy": {}}
    for key, values in metrics.items():
        panel = _panel_of(str(key))
        if panel is not None and values is not None:
            panels[panel][str(key)] = _as_series(str(key), values, None if epochs is None else len(epochs))
    lengths = {len(s) for panel in panels.values() for s in panel.values()}
    if not lengths:
        raise ValueError(
            "plot_learning_curves: no series to plot; expected keys such as train_cost, val_cost, "
            f"val_accuracy, test_accuracy; got {sorted(map(str, metrics))}"
        )
    if epochs is None:
        if len(lengths) > 1:
            raise ValueError(f"plot_learning_curves: series have different lengths {sorted(lengths)}")
        epochs = np.arange(1, lengths.pop() + 1, dtype=float)
    return epochs, {name: series for name, series in panels.items() if series}


def _import_matplotlib() -> tuple[Any, Any]:
    try:
        from matplotlib.backends.backend_svg import FigureCanvasSVG
        from matplotlib.figure import Figure
    except ImportError as error:
        raise MissingMatplotlibError(PLOT_EXTRA_HINT) from error
    return Figure, FigureCanvasSVG


def plot_learning_curves(metrics: Mapping[str, Any], path: str | os.PathLike) -> Path:
    """Write the learning curves of `metrics` (the training command's dict) to `path` as SVG.

    One panel plots the cost C per epoch (train_cost, val_cost, ...), one the accuracy
    (train_accuracy, val_accuracy, test_accuracy, ...), with whichever series are present.
    Returns the path written. Raises MissingMatplotlibError (an ImportError) naming
    `pip install matplotlib` when matplotlib is missing.
    """
    epochs, panels = collect_series(metrics)
    Figure, FigureCanvasSVG = _import_matplotlib()
    from matplotlib import rc_context
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(5.0 * len(panels), 3.6), layout="constrained")
    FigureCanvasSVG(figure)
    for axes, (panel, series) in zip(figure.subplots(1, len(panels), squeeze=False)[0], panels.items(),
                                     strict=True):
        for key, values in series.items():
            axes.plot(epochs, values, marker="o" if len(epochs) <= 30 else None, markersize=3,
                      label=_series_label(key), color=_SPLIT_COLOURS.get(key.split("_", 1)[0]))
        axes.set_xlabel("epoch")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylabel("cost C" if panel == "cost" else "accuracy")
        axes.set_title("cost" if panel == "cost" else "classification accuracy")
        axes.grid(alpha=0.3)
        axes.legend()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Text stays text (searchable, small); fixed ids: the same run gives the same file.
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "backprop-lab"}):
        figure.savefig(path, format="svg", metadata={"Date": None})
    return path
