"""Where the tests find the shared MNIST file (../shared/data/mnist.npz, read its README)."""

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_mnist_path() -> Path:
    """MNIST_PATH when set (made absolute), else ../shared/data/mnist.npz beside the repository;
    fails the test, saying how to provide it, when neither is a file."""
    from_environment = os.environ.get("MNIST_PATH")
    path = Path(from_environment) if from_environment else REPO_ROOT.parent / "shared" / "data" / "mnist.npz"
    if not path.is_file():
        pytest.fail(
            f"The shared MNIST file was not found at {path}. Set MNIST_PATH to mnist.npz "
            "(the Makefile exports MNIST_PATH=../shared/data/mnist.npz) or put it at "
            "../shared/data/mnist.npz beside the repository."
        )
    return path.resolve()
