"""Every code block of README.md runs: Python blocks in one namespace, in order; shell blocks
as commands (with the project's interpreter); a text block after a shell block is that
command's output, and the real output must have the same shape."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.shared_data import shared_mnist_path

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks() -> list[tuple[str, str]]:
    return BLOCK.findall((ROOT / "README.md").read_text())


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


def _epoch_shape(line: str) -> str:
    return re.sub(r"\d+(\.\d+)?", "N", line)


def test_the_shell_blocks_run_and_print_what_the_readme_shows(tmp_path):
    found = blocks()
    shell = [(code, found[k + 1][1] if k + 1 < len(found) and found[k + 1][0] == "text" else None)
             for k, (language, code) in enumerate(found) if language == "sh"]
    assert shell, "the README shows the training command"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": str(ROOT)}
    env["MNIST_PATH"] = str(shared_mnist_path())  # absolute: the commands run in tmp_path
    for command, shown in shell:
        # The README's command, run as written except on the first 2,000 images (a quick run).
        result = subprocess.run(command.strip() + " --limit 2000 --no-progress", shell=True, cwd=tmp_path,
                                env=env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr
        if shown is None:
            continue
        want = [_epoch_shape(line) for line in shown.splitlines() if line.startswith("Epoch")]
        got = [_epoch_shape(line) for line in result.stdout.splitlines() if line.startswith("Epoch")]
        assert want and got == want, result.stdout


@pytest.mark.parametrize("target", ["demo", "test"])
def test_the_readme_names_the_two_commands_and_the_makefile_has_them(target):
    assert f"make {target}" in (ROOT / "README.md").read_text()
    assert re.search(rf"^{target}:", (ROOT / "Makefile").read_text(), re.MULTILINE)
