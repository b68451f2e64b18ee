"""A copy of the repository's files, for tests that run commands which write where they run
(`make demo` writes runs/, `python -m viz.docs` docs/) or build the project (setuptools writes
build/ and *.egg-info): they run in the copy, so the checkout is left as it was."""

import shutil
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

# What a checkout holds beside the project's files: version control, the virtual environment,
# caches and the outputs of runs and builds.
NOT_COPIED = (".git", ".venv", "runs", "build", "tmp", "__pycache__", "*.egg-info", ".pytest_cache",
              ".hypothesis", ".ruff_cache", ".mypy_cache", ".ipynb_checkpoints")


def copy_repository(destination: Path) -> Path:
    """Copy the repository's files (not those of NOT_COPIED) to `destination`; returns it.

    Modification times are kept, so make sees the copy as up to date where the checkout is."""
    shutil.copytree(REPO_ROOT, destination, ignore=shutil.ignore_patterns(*NOT_COPIED), symlinks=True)
    return destination
