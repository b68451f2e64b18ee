"""The project as a user installs it: a wheel built from the working tree, installed into a fresh
virtual environment, used from a directory outside the checkout. Offline: the wheel is built
without build isolation (setuptools is a dev dependency), installed with --no-deps, and the new
environment reads the run-time dependencies (NumPy, graphviz, tqdm) from the environment
running the tests, after its own site-packages. And the install hints in the code name extras
that exist."""

import os
import re
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

from tests.checkout import REPO_ROOT, copy_repository

PACKAGES = ("autograd_core", "nn", "viz")
HINT_SOURCES = ("autograd_core", "nn", "viz", "benchmarks", "notebooks", "demo.py", "README.md", "Makefile")


def run(args: list, **kwargs: object) -> subprocess.CompletedProcess:
    """Run a command; fail the test with its output when it exits non-zero."""
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600, **kwargs)
    assert done.returncode == 0, f"{' '.join(map(str, args))}\n{done.stdout}{done.stderr}"
    return done


def files_under(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file below `folder`, as (size, modification time in ns), by relative path."""
    return {str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
            for path in folder.rglob("*") if path.is_file()}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the new environment's python, its site-packages) with the project's wheel installed."""
    base = tmp_path_factory.mktemp("install")
    source = copy_repository(base / "source")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "--wheel-dir", base / "wheels", source])
    [wheel] = (base / "wheels").glob("backprop_lab-*.whl")
    run([sys.executable, "-m", "venv", "--without-pip", base / "venv"])
    python = base / "venv" / "bin" / "python"
    site_packages = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
                         .stdout.strip())
    run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", wheel])
    here = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site_packages / "dependencies_from_the_test_environment.pth").write_text("\n".join(sorted(here)) + "\n")
    return python, site_packages


def clean_env() -> dict[str, str]:
    """This environment without PYTHONPATH and with no bytecode written (so any new file under
    site-packages is one a command wrote)."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def test_the_installed_packages_run_outside_the_checkout_and_write_nothing_into_site_packages(
        installed, tmp_path):
    python, site_packages = installed
    before = files_under(site_packages)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = clean_env()
    where = run([python, "-c", f"import {', '.join(PACKAGES)}; "
                 f"print('\\n'.join(m.__file__ for m in ({', '.join(PACKAGES)})))"], cwd=elsewhere, env=env)
    assert [Path(f).parent for f in where.stdout.split()] == [site_packages / name for name in PACKAGES]
    usage = run([python, "-m", "nn.train", "--help"], cwd=elsewhere, env=env)
    assert usage.stdout.startswith("usage:") and "--sizes" in usage.stdout
    run([python, "-m", "viz.docs", "--out", tmp_path / "figures"], cwd=elsewhere, env=env)
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == ["network.svg", "seed_graph.svg"]
    run([python, "-m", "viz.docs"], cwd=elsewhere, env=env)  # default: ./docs of the current directory
    assert sorted(p.name for p in (elsewhere / "docs").iterdir()) == ["network.svg", "seed_graph.svg"]
    assert files_under(site_packages) == before


def test_the_distribution_says_which_import_names_it_installs_and_that_nn_and_viz_are_not_the_pypi_ones(
        installed):
    python, _ = installed
    summary = run([python, "-c", "from importlib.metadata import metadata; print(metadata('backprop-lab')"
                   "['Summary'])"], env=clean_env()).stdout
    assert "autograd_core, nn and viz" in summary and "not the PyPI projects named nn or viz" in summary


def install_hints() -> list[tuple[str, str]]:
    """(file, what follows `pip install` up to the end of its quote or line) for every install
    hint in the project's code and documents."""
    hints = []
    for name in HINT_SOURCES:
        top = REPO_ROOT / name
        for path in [top] if top.is_file() else sorted(top.rglob("*")):
            if path.suffix in (".py", ".md", ".ipynb", "") and path.is_file():
                for hint in re.findall(r"pip install ([^\n`\"]*)", path.read_text()):
                    hints.append((str(path.relative_to(REPO_ROOT)), hint))
    return hints


def test_every_install_hint_names_an_extra_that_exists_and_no_package_the_index_lacks():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    extras = set(project["optional-dependencies"])
    hints = install_hints()
    named = {(file, extra.strip()) for file, hint in hints
             for group in re.findall(r"\.\[([\w,\s-]+)\]", hint) for extra in group.split(",")}
    assert {"testing", "plot", "peers"} <= {extra for _, extra in named}
    assert [(file, extra) for file, extra in named if extra not in extras] == []
    assert [(file, hint) for file, hint in hints if "backprop-lab" in hint] == []  # not a name on PyPI
