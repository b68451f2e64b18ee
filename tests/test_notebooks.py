"""The notebooks, executed top to bottom in a kernel running this test's own interpreter.

Each notebook ends with a cell that asserts its key claims and prints them as "name = value"
lines; the tests below read those lines back and check them again, so a notebook whose
numbers drift (or whose last cell silently stops checking anything) fails here.
No test looks at how long a notebook takes.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPO / "notebooks"
NOTEBOOKS = (
    "01_computational_graph.ipynb",
    "02_four_equations.ipynb",
    "03_training_mnist.ipynb",
    "04_your_own_gradients.ipynb",
    "05_beyond_numpy.ipynb",
)
KERNEL_NAME = "backprop-lab-test"
CELL_TIMEOUT_SECONDS = 600  # a guard against a hung kernel, not a speed requirement
ANSI_CODES = re.compile(r"\x1b\[[0-9;]*m")  # the colours of IPython's tracebacks
# Appended to the in-memory copy only: which interpreter did the kernel run?
PROBE = "import json, sys\nprint(json.dumps({'prefix': sys.prefix, 'executable': sys.executable}))"


def write_kernelspec(directory: Path) -> KernelSpecManager:
    """A kernel spec that starts ipykernel with this very interpreter (the project's .venv)."""
    spec_dir = directory / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python ({sys.prefix})",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    return KernelSpecManager(kernel_dirs=[str(directory)])


def execute(path: Path, kernel_dir: Path, probe: bool = False) -> nbformat.NotebookNode:
    """Run the notebook at `path` top to bottom (cwd: its folder); return the executed notebook.

    A failing cell fails the test with the notebook's name, the cell's number and the
    traceback. With `probe`, one cell reporting the kernel's interpreter is appended.
    """
    nb = nbformat.read(path, as_version=4)
    if probe:
        nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    km = KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=write_kernelspec(kernel_dir))
    client = NotebookClient(
        nb, km=km, timeout=CELL_TIMEOUT_SECONDS, allow_errors=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        client.execute()
    except CellExecutionError as error:
        failed = next((i for i, c in enumerate(nb.cells) if _errors(c)), "?")
        pytest.fail(f"{path.name}: cell {failed} raised {error.ename}: {error.evalue}\n"
                    f"{ANSI_CODES.sub('', str(error))}", pytrace=False)
    return nb


def _errors(cell: Any) -> list:
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def _stdout(cell: Any) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")


def claims(nb: nbformat.NotebookNode) -> dict[str, str]:
    """The "name = value" lines printed by the notebook's last code cell (its checked claims)."""
    last = [c for c in nb.cells if c.cell_type == "code"][-1]
    lines = [line.split(" = ", 1) for line in _stdout(last).splitlines() if " = " in line]
    assert lines, "the notebook's last cell printed no 'name = value' lines of checked claims"
    return {name.strip(): value.strip() for name, value in lines}


def run(name: str, tmp_path: Path, probe: bool = False) -> nbformat.NotebookNode:
    nb = execute(NOTEBOOK_DIR / name, tmp_path / "kernels", probe=probe)
    errors = [(i, o) for i, c in enumerate(nb.cells) for o in _errors(c)]
    assert not errors, f"{name}: error outputs in cells {[i for i, _ in errors]}"
    assert all(c.get("execution_count") for c in nb.cells if c.cell_type == "code"), \
        f"{name}: some code cells did not run"
    return nb


@pytest.fixture(autouse=True)
def kernel_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The environment the kernel inherits.

    The kernel runs in notebooks/, so a relative MNIST_PATH is made absolute, and hypothesis
    keeps its files in a temporary directory rather than notebooks/.hypothesis. The notebooks'
    arrays are small: one BLAS thread (unless the caller chose otherwise) keeps a kernel from
    fighting the rest of the suite for the cores, which slows multi-threaded BLAS many times over.
    """
    monkeypatch.setenv("HYPOTHESIS_STORAGE_DIRECTORY", str(tmp_path / "hypothesis"))
    value = os.environ.get("MNIST_PATH")
    if value:
        monkeypatch.setenv("MNIST_PATH", str(Path(value).resolve()))
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if name not in os.environ:
            monkeypatch.setenv(name, "1")


def test_every_notebook_in_the_folder_is_one_of_ours() -> None:
    assert sorted(p.name for p in NOTEBOOK_DIR.glob("*.ipynb")) == sorted(NOTEBOOKS)


def test_01_computational_graph(tmp_path: Path) -> None:
    nb = run(NOTEBOOKS[0], tmp_path, probe=True)
    probe = json.loads(_stdout(nb.cells[-1]))
    assert Path(probe["prefix"]).resolve() == Path(sys.prefix).resolve(), \
        f"the kernel ran {probe['executable']}, not this interpreter ({sys.executable})"
    nb.cells.pop()
    got = claims(nb)
    assert float(got["de/da"]) == 2.0 and float(got["de/db"]) == 5.0
    assert float(got["jvp along a"]) == 2.0 and float(got["jvp along b"]) == 5.0
    assert float(got["max |n JVPs - reverse| over all n"]) < 1e-12
    assert float(got["parameters of [784, 30, 10]"]) == 23860
    assert float(got["finite differences vs backward, worst relative error"]) < 1e-4
    # the naive gradient / backprop ratio, timed from ~1e4 to ~3e7 parameters, grows with the size
    assert float(got["smallest network timed (parameters)"]) < 2e4
    assert float(got["largest network timed (parameters)"]) > 2.5e7
    smallest = float(got["naive / backprop at the smallest network"])
    largest = float(got["naive / backprop at the largest network"])
    assert largest > 100 * smallest and largest > 1e6
    reaches = float(got["parameters where naive / backprop reaches 1e7"])
    assert 1e6 < reaches < 1e9
    assert got["1e7 reached"].startswith("measured") == (largest >= 1e7)
    assert any("image/svg+xml" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", [])), \
        "the computational graph was not displayed as SVG"


def test_02_four_equations(tmp_path: Path) -> None:
    got = claims(run(NOTEBOOKS[1], tmp_path))
    assert float(got["demon: worst |dC/dz - central difference|"]) < 1e-8
    assert float(got["demon: relative error of the first-order prediction at dz=1e-4"]) < 1e-3
    for equation in ("BP1", "BP2", "BP3", "BP4"):
        assert float(got[f"{equation}: max |nn.backprop - engine|"]) < 1e-10
    assert float(got["saturated output neuron: |delta| / typical |delta|"]) < 0.05
    assert float(got["silent input neuron: max |dC/dw| out of it / max |dC/dw|"]) < 0.05


def test_03_training_mnist(tmp_path: Path) -> None:
    got = claims(run(NOTEBOOKS[2], tmp_path))
    mnist = os.environ.get("MNIST_PATH")
    if mnist and Path(mnist).is_file():
        assert got["data"] == "mnist", f"MNIST_PATH={mnist} exists but the notebook used {got['data']}"
    untrained = json.loads(got["mean cosine similarity by m (untrained)"])
    trained = json.loads(got["mean cosine similarity by m (trained)"])
    sizes = sorted(untrained, key=int)
    for means in (untrained, trained):  # a bigger mini-batch estimates the full gradient better
        assert means[sizes[-1]] > means[sizes[0]] + 0.1 and means[sizes[-1]] > 0.9
    if got["data"] == "mnist":  # at the start every MNIST example pulls the same way: a smooth rise
        steps = zip(sizes, sizes[1:], strict=False)
        assert all(untrained[b] >= untrained[a] - 0.02 for a, b in steps), untrained
    n_classes = int(got["classes"])
    assert float(got["final validation accuracy"]) > 1.0 / n_classes + 0.3
    assert int(got["misclassified examples shown"]) > 0


def test_04_your_own_gradients(tmp_path: Path) -> None:
    got = claims(run(NOTEBOOKS[3], tmp_path))
    assert float(got["check_grads on the softplus primitive, worst error / tolerance"]) < 1.0
    assert int(got["hypothesis examples that passed"]) > 0
    assert got["the wrong derivative rule was caught"] == "True"
    assert float(got["max |hessian - analytic|"]) < 1e-12
    assert float(got["max |grad - analytic| for the NumPy softplus sum"]) < 1e-12
    assert float(got["max |jvp, vjp - Jacobian products|"]) < 1e-12


def test_05_beyond_numpy(tmp_path: Path) -> None:
    nb = run(NOTEBOOKS[4], tmp_path)
    got = claims(nb)
    assert got["gradient of the dict is a dict"] == "True"
    assert float(got["|our log likelihood - SciPy's|"]) < 1e-9
    assert float(got["check_grads on the dict, worst error / tolerance"]) < 1.0
    before, after = (float(v) for v in got["negative log likelihood before and after fitting"].split(","))
    assert after < before - 1.0
    assert float(got["share of the test range where the truth is inside the 2-std band (+0.2)"]) > 0.9
    assert float(got["ELBO gain, last 50 steps over first 20"]) > 5.0
    assert float(got["max |BBVI posterior mean - importance sampling|"]) < 0.3
    figures = sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    assert figures >= 2, "the GP fit and the BBVI figures were not drawn"
