"""plot_learning_curves: SVG learning curves from the training command's metrics."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import viz
from viz.curves import MissingMatplotlibError, collect_series

SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(path) -> list[str]:
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    return [("".join(t.itertext())).strip() for t in root.iter(f"{SVG}text")]


METRICS = {
    "epochs": [1, 2, 3],
    "train_cost": [0.9, 0.5, 0.3],
    "val_accuracy": [0.80, 0.90, 0.93],
    "test_accuracy": [0.79, 0.89, 0.92],
    "eta": 3.0,
    "sizes": [784, 30, 10],
}


def test_writes_a_parseable_svg_with_both_panels_and_a_legend(tmp_path):
    path = viz.plot_learning_curves(METRICS, tmp_path / "curves.svg")
    assert path == tmp_path / "curves.svg"
    texts = svg_texts(path)
    for expected in ("cost", "classification accuracy", "epoch", "cost C", "validation", "test"):
        assert expected in texts
    # the training cost is averaged over the epoch's mini-batches, while the weights still moved
    assert "training: mean mini-batch cost during the epoch" in texts


def test_the_same_metrics_give_the_same_file(tmp_path):
    first = viz.plot_learning_curves(METRICS, tmp_path / "a.svg").read_bytes()
    assert viz.plot_learning_curves(METRICS, tmp_path / "b.svg").read_bytes() == first


def test_only_the_series_present_are_plotted(tmp_path):
    texts = svg_texts(viz.plot_learning_curves({"test_accuracy": [0.5, None, 0.7]}, tmp_path / "acc.svg"))
    assert "classification accuracy" in texts and "test" in texts
    assert "cost C" not in texts and "validation" not in texts


@given(
    st.dictionaries(
        st.sampled_from(["train_cost", "val_cost", "test_cost", "train_accuracy", "val_accuracy",
                         "test_accuracy", "val_loss", "lr", "seconds"]),
        st.just(None), min_size=1,
    ),
    st.integers(1, 8),
    st.booleans(),
)
def test_series_are_sorted_into_panels_and_epochs_default_to_1_to_n(keys, n, with_epochs):
    rng = np.random.default_rng(n)
    metrics = {key: list(rng.random(n)) for key in keys}
    if with_epochs:
        metrics["epochs"] = list(range(0, 2 * n, 2))
    plottable = [k for k in keys if k.endswith(("cost", "loss", "accuracy"))]
    if not plottable:
        with pytest.raises(ValueError, match="no series to plot"):
            collect_series(metrics)
        return
    epochs, panels = collect_series(metrics)
    assert list(epochs) == (list(range(0, 2 * n, 2)) if with_epochs else list(range(1, n + 1)))
    assert panels.get("cost", {}).keys() == {k for k in plottable if not k.endswith("accuracy")}
    assert panels.get("accuracy", {}).keys() == {k for k in plottable if k.endswith("accuracy")}
    for series in panels.values():
        for key, values in series.items():
            assert list(values) == metrics[key]


def test_bad_metrics_are_named(tmp_path):
    with pytest.raises(ValueError, match=r"metrics\['val_accuracy'\] has 2 values but 'epochs' has 3"):
        viz.plot_learning_curves({"epochs": [1, 2, 3], "val_accuracy": [0.5, 0.6]}, tmp_path / "x.svg")
    with pytest.raises(ValueError, match="no series to plot; expected keys such as train_cost"):
        viz.plot_learning_curves({"epochs": [1, 2]}, tmp_path / "x.svg")
    with pytest.raises(TypeError, match=r"metrics\['train_cost'\] must be a list of numbers"):
        viz.plot_learning_curves({"train_cost": ["high", "low"]}, tmp_path / "x.svg")
    with pytest.raises(TypeError, match="metrics must be a dict of lists, not list"):
        viz.plot_learning_curves([0.1, 0.2], tmp_path / "x.svg")
    with pytest.raises(ValueError, match=r"series have different lengths \[2, 3\]"):
        viz.plot_learning_curves({"train_cost": [1, 2], "val_cost": [1, 2, 3]}, tmp_path / "x.svg")
    assert not (tmp_path / "x.svg").exists()


def test_missing_matplotlib_names_the_extra_to_install(tmp_path, monkeypatch):
    for module in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_svg"):
        monkeypatch.setitem(sys.modules, module, None)  # `import` of these now raises ImportError
    hint = r"pip install matplotlib .*pip install -e '\.\[plot\]'"
    with pytest.raises(MissingMatplotlibError, match=hint) as caught:
        viz.plot_learning_curves(METRICS, tmp_path / "curves.svg")
    assert isinstance(caught.value, ImportError)
    assert not (tmp_path / "curves.svg").exists()


def test_importing_viz_does_not_import_matplotlib():
    import subprocess

    code = "import sys, viz; sys.exit('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0
