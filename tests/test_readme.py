"""Every code block of README.md runs as a reader runs it.

Python blocks run in one namespace, in order. Shell blocks run as pasted into bash at the root of
the repository after `make demo`: in a copy of the repository (the commands write runs/ and
docs/), with the project's virtual environment first on PATH, without MNIST_PATH (only the
Makefile sets it) and with an empty user cache (XDG_CACHE_HOME) before `make demo`. The shared
MNIST file lies beside the copy as it lies beside a checkout, at ../shared/data/mnist.npz. The
copy's `.venv` is the environment running the tests, so `make` is told not to install it again
(`make -o .venv/.installed`). A text block after a shell block is that command's output: the
real output has the same lines, numbers aside.
"""

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.checkout import REPO_ROOT, copy_repository
from tests.shared_data import shared_mnist_path

BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
SHELL = ("sh", "bash", "shell")
KNOWN_LANGUAGES = ("python", "text", *SHELL)
VENV = Path(sys.prefix)  # the environment running the tests: the project's .venv under `make test`
MAKE_ONLY = ("MNIST_PATH", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")  # set by an enclosing make, not by a shell


def blocks() -> list[tuple[str, str]]:
    """(language, code) of every fenced block of the README, in order."""
    return BLOCK.findall((REPO_ROOT / "README.md").read_text())


def shell_blocks() -> list[tuple[str, str | None]]:
    """(commands, the text block that follows them or None) for every shell block."""
    found = blocks()
    return [(code, found[k + 1][1] if k + 1 < len(found) and found[k + 1][0] == "text" else None)
            for k, (language, code) in enumerate(found) if language in SHELL]


def test_every_code_block_names_a_language_the_tests_run_or_read():
    assert [language for language, _ in blocks() if language not in KNOWN_LANGUAGES] == []


def test_the_first_code_block_is_the_seed_example():
    language, code = blocks()[0]
    assert language == "python"
    assert "e = c * d" in code and "(a.grad, b.grad) == (2.0, 5.0)" in code


def test_the_python_blocks_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "readme"}
    python = [code for language, code in blocks() if language == "python"]
    assert len(python) >= 4
    for code in python:
        exec(compile(code, "README.md", "exec"), namespace)


@dataclass(frozen=True)
class Shell:
    """Where and how the README's shell blocks run: the copy's root and the environment."""

    root: Path
    env: dict[str, str]


@pytest.fixture(scope="module")
def after_make_demo(tmp_path_factory: pytest.TempPathFactory) -> Shell:
    """A copy of the repository beside a shared/data/mnist.npz, after `make demo` has run in it."""
    base = tmp_path_factory.mktemp("readme")
    root = copy_repository(base / "backprop-lab")
    (root / ".venv").symlink_to(VENV, target_is_directory=True)
    data = base / "shared" / "data"
    data.mkdir(parents=True)
    (data / "mnist.npz").symlink_to(shared_mnist_path())
    (base / "cache").mkdir()
    env = {name: value for name, value in os.environ.items() if name not in (*MAKE_ONLY, "PYTHONPATH")}
    env["PATH"] = f"{VENV / 'bin'}{os.pathsep}{env['PATH']}"
    env["XDG_CACHE_HOME"] = str(base / "cache")
    demo = subprocess.run(["make", "-o", ".venv/.installed", "demo"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "on mnist (50000 training examples)" in demo.stdout, demo.stdout  # it found ../shared/data
    return Shell(root, env)


def _mnist_in_user_cache(shell: Shell) -> subprocess.CompletedProcess:
    """Read MNIST as the training command does, without MNIST_PATH and without downloading."""
    read = "from nn.data import load_mnist; load_mnist(download=False, limit=10)"
    return subprocess.run([sys.executable, "-c", read], cwd=shell.root, env=shell.env,
                          capture_output=True, text=True, timeout=120)


def test_make_demo_leaves_mnist_in_the_user_cache(after_make_demo):
    found = _mnist_in_user_cache(after_make_demo)
    assert found.returncode == 0, found.stderr


def _shape(line: str) -> str:
    return re.sub(r"\d+(\.\d+)?", "N", line)


def test_every_shell_block_runs_after_make_demo_and_prints_what_the_readme_shows(after_make_demo):
    shell = shell_blocks()
    assert shell, "the README shows the training command"
    for commands, shown in shell:
        result = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", commands], cwd=after_make_demo.root,
                                env=after_make_demo.env, capture_output=True, text=True, timeout=600)
        failed = f"{commands.strip()} exited {result.returncode}:\n{result.stdout}{result.stderr}"
        assert result.returncode == 0, failed
        if shown is not None:
            want = [_shape(line) for line in shown.splitlines() if line.strip()]
            got = [_shape(line) for line in result.stdout.splitlines() if line.strip()]
            assert got == want, result.stdout


@pytest.mark.parametrize("target", ["demo", "test"])
def test_the_readme_names_the_two_commands_and_the_makefile_has_them(target):
    assert f"make {target}" in (REPO_ROOT / "README.md").read_text()
    assert re.search(rf"^{target}:", (REPO_ROOT / "Makefile").read_text(), re.MULTILINE)


LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_every_relative_link_and_anchor_points_at_something_that_exists():
    text = (REPO_ROOT / "README.md").read_text()
    anchors = {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-")
               for h in re.findall(r"^#+ (.+)$", text, re.MULTILINE)}
    broken = []
    for target in LINK.findall(text):
        if target.startswith(("http://", "https://")):
            continue
        path, _, anchor = target.partition("#")
        if path and not (REPO_ROOT / path).exists():
            broken.append(target)
        elif anchor and not path and anchor not in anchors:
            broken.append(target)
        elif anchor and path.endswith(".md"):
            heads = re.findall(r"^#+ (.+)$", (REPO_ROOT / path).read_text(), re.MULTILINE)
            if anchor not in {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in heads}:
                broken.append(target)
    assert broken == []


def test_the_seed_claims_table_links_every_claim_to_where_it_is_measured():
    text = (REPO_ROOT / "README.md").read_text()
    section = text[text.index("## What the seeds claim, measured here"):text.index("## Performance")]
    rows = [r for r in section.splitlines() if r.startswith("| ") and not r.startswith("| claim")]
    assert len(rows) >= 9
    for row in rows:
        claim, measured, where = (cell.strip() for cell in row.strip("|").split(" | "))
        assert re.search(r"\d", measured), f"no number measured for: {claim}"
        assert "](" in where or "`" in where, f"no place that measures: {claim}"
