"""Tests of nn.data: MNIST from .npz and IDX files, its search order and download, synthetic sets,
one-hot encoding and mini-batches."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import re
import signal
import struct
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nn.data as nn_data
from nn.data import (
    DataError,
    Dataset,
    default_cache_dir,
    load_dataset,
    load_mnist,
    load_synthetic,
    minibatches,
    one_hot,
    read_idx,
)
from tests.shared_data import REPO_ROOT, shared_mnist_path

IDX_NAMES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
IDX_CODES = {np.dtype("uint8"): 0x08, np.dtype("int8"): 0x09, np.dtype("int16"): 0x0B,
             np.dtype("int32"): 0x0C, np.dtype("float32"): 0x0D, np.dtype("float64"): 0x0E}

# Label counts of digits 0-9 in the shared file, from ../shared/data/README.md.
README_LABEL_COUNTS = {
    "train": [4932, 5678, 4968, 5101, 4859, 4506, 4951, 5175, 4842, 4988],
    "val": [991, 1064, 990, 1030, 983, 915, 967, 1090, 1009, 961],
    "test": [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
}
SYNTHETIC = ["moons", "spirals", "xor"]
README_MEAN_PIXEL = {"train": 0.130961, "val": 0.129156, "test": 0.132515}


# ---------------------------------------------------------------------------------------------------
# Helpers and fixtures
# ---------------------------------------------------------------------------------------------------


def idx_bytes(array: np.ndarray) -> bytes:
    """An array encoded as an IDX file: magic number, big-endian dimensions, big-endian elements."""
    header = bytes([0, 0, IDX_CODES[array.dtype], array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx(path: Path, array: np.ndarray) -> Path:
    content = idx_bytes(array)
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(content, compresslevel=1))
    else:
        path.write_bytes(content)
    return path


def marked_images(count: int, offset: int) -> np.ndarray:
    """Blank 28x28 images whose pixel (0, 0) is (offset + i) % 251 and whose pixel (27, 27) is full ink."""
    images = np.zeros((count, 28, 28), dtype=np.uint8)
    images[:, 0, 0] = (offset + np.arange(count)) % 251
    images[:, 27, 27] = 255
    return images


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def original_arrays() -> dict[str, np.ndarray]:
    """The four arrays of MNIST's original layout (60,000 training images), with traceable content."""
    return {
        "x_train": marked_images(60_000, 0),
        "y_train": (np.arange(60_000) % 10).astype(np.uint8),
        "x_test": marked_images(10_000, 100),
        "y_test": ((np.arange(10_000) * 3) % 10).astype(np.uint8),
    }


@pytest.fixture(scope="session")
def four_array_npz(tmp_path_factory: pytest.TempPathFactory, original_arrays: dict[str, np.ndarray]) -> Path:
    path = tmp_path_factory.mktemp("four") / "mnist.npz"
    np.savez_compressed(path, **original_arrays)
    return path


@pytest.fixture(scope="session")
def idx_directory(tmp_path_factory: pytest.TempPathFactory, original_arrays: dict[str, np.ndarray]) -> Path:
    directory = tmp_path_factory.mktemp("idx")
    write_idx(directory / IDX_NAMES["train_images"], original_arrays["x_train"])
    write_idx(directory / IDX_NAMES["train_labels"], original_arrays["y_train"])
    write_idx(directory / IDX_NAMES["test_images"], original_arrays["x_test"])
    write_idx(directory / IDX_NAMES["test_labels"], original_arrays["y_test"])
    return directory


@pytest.fixture
def no_mnist_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests of the search order must not see the MNIST_PATH that CI exports."""
    monkeypatch.delenv("MNIST_PATH", raising=False)


def assert_split_of_original(ds: Dataset, limit: int) -> None:
    """`ds` is the first `limit` of each split of `original_arrays`: train 0.., validation 50,000.., test."""
    train, val = np.arange(limit), 50_000 + np.arange(limit)
    np.testing.assert_array_equal(ds.x_train[:, 0] * 255, train % 251)
    np.testing.assert_array_equal(ds.y_train, train % 10)
    np.testing.assert_array_equal(ds.x_val[:, 0] * 255, val % 251)
    np.testing.assert_array_equal(ds.y_val, val % 10)
    np.testing.assert_array_equal(ds.x_test[:, 0] * 255, (100 + np.arange(limit)) % 251)
    np.testing.assert_array_equal(ds.y_test, (np.arange(limit) * 3) % 10)
    for x in (ds.x_train, ds.x_val, ds.x_test):
        assert x.shape == (limit, 784)
        assert np.all(x[:, 783] == 1.0) and np.all(x[:, 1:783] == 0.0)


def assert_names_how_to_provide(message: str) -> None:
    assert "MNIST_PATH" in message and "--data" in message


# ---------------------------------------------------------------------------------------------------
# The real MNIST file
# ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_mnist() -> Dataset:
    path = shared_mnist_path()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MNIST_PATH", str(path))
        return load_mnist(dtype=np.float32, download=False, cache_dir=Path(tempfile.gettempdir()) / "unused")


def test_real_mnist_through_mnist_path_has_the_books_split(real_mnist: Dataset) -> None:
    ds = real_mnist
    assert ds.name == "mnist" and ds.n_classes == 10 and ds.n_inputs == 784
    shapes = {split: getattr(ds, f"x_{split}").shape for split in ("train", "val", "test")}
    assert shapes == {"train": (50_000, 784), "val": (10_000, 784), "test": (10_000, 784)}
    for split, counts in README_LABEL_COUNTS.items():
        labels = getattr(ds, f"y_{split}")
        assert labels.dtype == np.int64
        assert np.bincount(labels, minlength=10).tolist() == counts


def test_real_mnist_pixels_are_bytes_over_255(real_mnist: Dataset) -> None:
    for split, mean in README_MEAN_PIXEL.items():
        x = getattr(real_mnist, f"x_{split}")
        assert x.dtype == np.float32
        assert x.min() == 0.0 and x.max() == 1.0
        assert abs(x.mean(dtype=np.float64) - mean) < 1e-6
        np.testing.assert_array_equal(np.round(x[:200] * 255) / 255, x[:200])


def test_real_mnist_default_dtype_and_limit(real_mnist: Dataset) -> None:
    ds = load_mnist(shared_mnist_path(), limit=300)
    assert ds.x_train.dtype == np.float64 and ds.x_train.shape == (300, 784) and ds.y_test.shape == (300,)
    np.testing.assert_allclose(ds.x_val, real_mnist.x_val[:300], rtol=0, atol=1e-7)
    np.testing.assert_array_equal(ds.y_train, real_mnist.y_train[:300])


# ---------------------------------------------------------------------------------------------------
# The IDX reader
# ---------------------------------------------------------------------------------------------------


def test_read_idx_decodes_a_hand_written_label_file(tmp_path: Path) -> None:
    # magic 0x00000801 (unsigned bytes, one dimension), 3 items, then the labels 7, 2, 1
    path = tmp_path / "labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x03\x07\x02\x01"))
    labels = read_idx(path)
    assert labels.dtype == np.uint8 and labels.tolist() == [7, 2, 1]


def test_read_idx_decodes_big_endian_images_row_major(tmp_path: Path) -> None:
    header = b"\x00\x00\x0b\x03" + struct.pack(">3I", 2, 2, 3)
    path = tmp_path / "images-idx3-short"
    path.write_bytes(header + struct.pack(">12h", *range(-6, 6)))
    images = read_idx(path)
    assert images.dtype == np.dtype("int16") and images.dtype.isnative
    np.testing.assert_array_equal(images, np.arange(-6, 6).reshape(2, 2, 3))


@given(
    array=hnp.arrays(
        dtype=st.sampled_from(sorted(IDX_CODES, key=str)),
        shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=5),
    ),
    compressed=st.booleans(),
)
def test_read_idx_round_trips_any_array(array: np.ndarray, compressed: bool) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = write_idx(Path(directory) / ("a.idx.gz" if compressed else "a.idx"), array)
        back = read_idx(path)
    assert back.dtype == array.dtype and back.shape == array.shape
    np.testing.assert_array_equal(back, array)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\x00\x00\x08\x01\x00\x00\x00\x05\x01\x02", "is truncated"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x02\x01\x02\x03", "has bytes left over"),
        (b"\x00\x00\x08\x03\x00\x00", "is truncated"),
        (b"PK\x03\x04 not idx at all", "is not an IDX file"),
        (b"\x00\x00\x07\x01\x00\x00\x00\x01\x00", "is not an IDX file"),
        (b"", "is not an IDX file"),
    ],
)
def test_read_idx_rejects_bad_files_naming_them(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "bad-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(content))
    with pytest.raises(DataError, match=expected) as caught:
        read_idx(path)
    assert str(path) in str(caught.value)


def test_read_idx_rejects_a_truncated_gzip_stream(tmp_path: Path) -> None:
    whole = gzip.compress(idx_bytes(np.arange(200, dtype=np.uint8)))
    path = tmp_path / "cut-idx1-ubyte.gz"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DataError, match="truncated or corrupt gzip") as caught:
        read_idx(path)
    assert str(path) in str(caught.value)


def test_mnist_from_an_idx_directory_splits_50k_10k_10k(idx_directory: Path) -> None:
    ds = load_mnist(idx_directory, dtype=np.float32, limit=64)
    assert ds.x_train.dtype == np.float32
    assert_split_of_original(ds, 64)


def test_mnist_idx_directory_with_wrong_image_count_names_the_file(
    tmp_path: Path, idx_directory: Path
) -> None:
    for role, name in IDX_NAMES.items():
        if role != "train_images":
            (tmp_path / name).write_bytes((idx_directory / name).read_bytes())
    write_idx(tmp_path / IDX_NAMES["train_images"], marked_images(100, 0))
    with pytest.raises(DataError) as caught:
        load_mnist(tmp_path, download=False)
    message = str(caught.value)
    assert IDX_NAMES["train_images"] in message
    assert "(100, 28, 28)" in message and "(60000, 28, 28)" in message
    assert_names_how_to_provide(message)


def test_mnist_directory_missing_idx_files_lists_them(tmp_path: Path, idx_directory: Path) -> None:
    (tmp_path / IDX_NAMES["test_labels"]).write_bytes((idx_directory / IDX_NAMES["test_labels"]).read_bytes())
    with pytest.raises(DataError) as caught:
        load_mnist(tmp_path, download=False)
    first_line = str(caught.value).splitlines()[0]
    assert str(tmp_path) in first_line
    missing = [name for role, name in IDX_NAMES.items() if role != "test_labels"]
    assert all(name in first_line for name in missing) and IDX_NAMES["test_labels"] not in first_line


# ---------------------------------------------------------------------------------------------------
# .npz layouts and their errors
# ---------------------------------------------------------------------------------------------------


def test_four_array_npz_is_split_like_the_book(four_array_npz: Path) -> None:
    ds = load_mnist(four_array_npz, limit=50)
    assert ds.x_train.dtype == np.float64 and ds.y_train.dtype == np.int64
    assert_split_of_original(ds, 50)


def test_four_array_npz_without_limit_has_the_full_split(four_array_npz: Path) -> None:
    ds = load_mnist(four_array_npz, dtype=np.float32)
    assert [len(ds.y_train), len(ds.y_val), len(ds.y_test)] == [50_000, 10_000, 10_000]
    np.testing.assert_array_equal(ds.y_val, np.arange(50_000, 60_000) % 10)


def test_a_directory_holding_mnist_npz_is_accepted(four_array_npz: Path) -> None:
    ds = load_mnist(four_array_npz.parent, limit=5)
    assert_split_of_original(ds, 5)


def test_six_array_npz_with_flat_or_square_images(
    tmp_path: Path, original_arrays: dict[str, np.ndarray]
) -> None:
    x, y = original_arrays["x_train"], original_arrays["y_train"]
    path = tmp_path / "six.npz"
    np.savez(
        path, x_train=x[:50_000].reshape(50_000, 784), y_train=y[:50_000], x_val=x[50_000:], y_val=y[50_000:],
        x_test=original_arrays["x_test"], y_test=original_arrays["y_test"],
    )
    assert_split_of_original(load_mnist(path, limit=20), 20)
    path.unlink()


@pytest.fixture
def six_valid(original_arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    x, y = original_arrays["x_train"], original_arrays["y_train"]
    return {
        "x_train": x[:50_000], "y_train": y[:50_000], "x_val": x[50_000:], "y_val": y[50_000:],
        "x_test": original_arrays["x_test"], "y_test": original_arrays["y_test"],
    }


@pytest.mark.parametrize(
    ("replace", "expected"),
    [
        ({"x_train": np.zeros((10, 784), np.uint8)}, r"x_train .*shape \(10, 784\), expected \(50000, 784\)"),
        ({"x_val": np.zeros((10_000, 27, 28), np.uint8)}, r"x_val .* has shape \(10000, 27, 28\)"),
        ({"x_test": np.zeros((10_000, 784), np.float32)}, r"x_test .* has dtype float32, expected uint8"),
        ({"y_val": np.zeros((10_000, 1), np.uint8)}, r"y_val .* has shape \(10000, 1\), expected \(10000,\)"),
        ({"y_test": np.zeros(10_000, np.float64)}, r"y_test .* has dtype float64, expected integer labels"),
        ({"y_train": np.full(50_000, 10, np.uint8)}, r"y_train .* label 10 at index 0, expected digits 0-9"),
    ],
)
def test_wrong_shapes_dtypes_and_labels_are_named(
    tmp_path: Path, six_valid: dict[str, np.ndarray], replace: dict[str, np.ndarray], expected: str
) -> None:
    path = tmp_path / "wrong.npz"
    np.savez(path, **{**six_valid, **replace})
    with pytest.raises(DataError, match=expected) as caught:
        load_mnist(path, download=False)
    path.unlink()  # 55 MB uncompressed: quicker to write than to compress, not worth keeping
    assert str(path) in str(caught.value)
    assert_names_how_to_provide(str(caught.value))


def test_four_array_layout_with_wrong_count_is_named(tmp_path: Path, original_arrays: dict) -> None:
    path = tmp_path / "short.npz"
    np.savez(path, **{**original_arrays, "x_train": original_arrays["x_train"][:59_999]})
    with pytest.raises(DataError, match=r"x_train .* has shape \(59999, 28, 28\), expected \(60000, 784\)"):
        load_mnist(path)
    path.unlink()


def test_unknown_arrays_are_listed(tmp_path: Path) -> None:
    path = tmp_path / "other.npz"
    np.savez(path, images=np.zeros((2, 784), np.uint8), labels=np.zeros(2, np.uint8))
    with pytest.raises(DataError, match=r"holds the arrays \['images', 'labels'\]; expected x_train"):
        load_mnist(path)


def test_truncated_npz_is_reported(tmp_path: Path, four_array_npz: Path) -> None:
    content = four_array_npz.read_bytes()
    path = tmp_path / "mnist.npz"
    path.write_bytes(content[: len(content) // 2])
    with pytest.raises(DataError, match="truncated or corrupt") as caught:
        load_mnist(path)
    assert str(path) in str(caught.value)
    assert_names_how_to_provide(str(caught.value))


def test_corrupted_npz_is_reported(tmp_path: Path, four_array_npz: Path) -> None:
    content = bytearray(four_array_npz.read_bytes())
    middle = len(content) // 2
    content[middle:middle + 64] = bytes(64)
    path = tmp_path / "mnist.npz"
    path.write_bytes(bytes(content))
    with pytest.raises(DataError, match="truncated or corrupt") as caught:
        load_mnist(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(("content", "what"), [
    (b"", "the file is empty"),
    (b"just some text, not an archive", "this is a text file, starting with b'just some text"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x03\x07\x02\x01", "this is another kind of file"),
])
def test_files_that_are_not_archives_say_what_they_are(tmp_path: Path, content: bytes, what: str) -> None:
    path = tmp_path / "mnist.npz"
    path.write_bytes(content)
    with pytest.raises(DataError) as caught:
        load_mnist(path)
    message = str(caught.value)
    assert f"{path} is not an .npz archive" in message and what in message
    assert "pickle" not in message.replace(str(tmp_path), "")  # never a hint to unpickle
    assert_names_how_to_provide(message)


def test_a_single_npy_array_is_not_an_archive(tmp_path: Path) -> None:
    path = tmp_path / "x.npy"
    np.save(path, np.zeros((3, 784), np.uint8))
    with pytest.raises(DataError, match="it holds a single .npy array, not an archive of named arrays"):
        load_mnist(path)


class _Trap:
    """Unpickling this creates a directory: proof that a loader unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (os.mkdir, (str(self.marker),))


def test_pickles_are_never_loaded(tmp_path: Path) -> None:
    marker = tmp_path / "unpickled"
    disguised = tmp_path / "pickle.npz"
    disguised.write_bytes(pickle.dumps(_Trap(marker)))
    with pytest.raises(DataError, match=re.escape(str(disguised))):
        load_mnist(disguised)
    with_objects = tmp_path / "objects.npz"
    np.savez(with_objects, x_train=np.array([_Trap(marker)], dtype=object), y_train=np.zeros(1, np.uint8),
             x_test=np.zeros(1, np.uint8), y_test=np.zeros(1, np.uint8))
    with pytest.raises(DataError, match=re.escape(str(with_objects))):
        load_mnist(with_objects)
    assert not marker.exists()


def test_missing_file_names_it_and_how_to_provide_mnist(tmp_path: Path) -> None:
    missing, cache = tmp_path / "nowhere" / "mnist.npz", tmp_path / "cache"
    with pytest.raises(DataError, match="MNIST file not found") as caught:
        load_mnist(missing, cache_dir=cache)
    message = str(caught.value)
    assert str(missing) in message and str(cache) in message and "--data" in message
    assert_names_how_to_provide(message)


def test_bad_arguments_are_value_errors(four_array_npz: Path) -> None:
    with pytest.raises(ValueError, match="floating-point"):
        load_mnist(four_array_npz, dtype=np.int32)
    with pytest.raises(ValueError, match="limit"):
        load_mnist(four_array_npz, limit=0)
    with pytest.raises(ValueError, match="needs its sha256"):
        load_mnist(four_array_npz, url="https://example.org/mnist.npz")
    with pytest.raises(ValueError, match="64 hexadecimal digits"):
        load_mnist(four_array_npz, sha256="abc")


# ---------------------------------------------------------------------------------------------------
# Where MNIST is looked for
# ---------------------------------------------------------------------------------------------------


def test_path_argument_comes_before_mnist_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, four_array_npz: Path
) -> None:
    monkeypatch.setenv("MNIST_PATH", str(tmp_path / "absent.npz"))
    assert_split_of_original(load_mnist(four_array_npz, limit=3, download=False), 3)


def test_mnist_path_comes_before_the_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, four_array_npz: Path
) -> None:
    (tmp_path / "mnist.npz").write_bytes(b"broken cache file")
    monkeypatch.setenv("MNIST_PATH", str(four_array_npz))
    assert_split_of_original(load_mnist(cache_dir=tmp_path, limit=3, download=False), 3)


def test_mnist_path_that_does_not_exist_is_an_error_not_a_download(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MNIST_PATH", str(tmp_path / "absent.npz"))
    with pytest.raises(DataError, match="MNIST_PATH environment variable") as caught:
        load_mnist(cache_dir=tmp_path, url="http://127.0.0.1:9/never-contacted.npz", sha256="0" * 64)
    assert str(tmp_path / "absent.npz") in str(caught.value)


@pytest.mark.usefixtures("no_mnist_env")
def test_the_cache_is_used_when_nothing_else_is_given(tmp_path: Path, four_array_npz: Path) -> None:
    (tmp_path / "mnist.npz").write_bytes(four_array_npz.read_bytes())
    assert_split_of_original(load_mnist(cache_dir=tmp_path, limit=4, download=False), 4)


@pytest.mark.usefixtures("no_mnist_env")
def test_the_default_cache_directory_follows_xdg_cache_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, four_array_npz: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "backprop-lab"
    default_cache_dir().mkdir(parents=True)
    (default_cache_dir() / "mnist.npz").write_bytes(four_array_npz.read_bytes())
    assert_split_of_original(load_mnist(limit=2, download=False), 2)
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "backprop-lab"


@pytest.mark.usefixtures("no_mnist_env")
def test_a_corrupt_cache_file_says_to_delete_it(tmp_path: Path) -> None:
    (tmp_path / "mnist.npz").write_bytes(b"half a file")
    with pytest.raises(DataError, match="Delete .*mnist.npz to download a fresh copy"):
        load_mnist(cache_dir=tmp_path)


@pytest.mark.usefixtures("no_mnist_env")
def test_nothing_found_and_no_download_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="MNIST was not found") as caught:
        load_mnist(cache_dir=tmp_path / "cache", download=False)
    message = str(caught.value)
    assert "MNIST_PATH is not set" in message and str(tmp_path / "cache") in message
    assert_names_how_to_provide(message)


# ---------------------------------------------------------------------------------------------------
# Download, against a local HTTP server
# ---------------------------------------------------------------------------------------------------


class LocalServer:
    """An HTTP server on 127.0.0.1 that serves registered bodies whole or broken off, and counts requests.

    Modes: "full"; "short" (announces the full Content-Length, sends half, closes); "no-length"
    (no Content-Length, sends half, closes); "stall" (sends half, then waits until released);
    "trickle" (2 KiB every 50 ms, until done or released); "fail-once" (HTTP 503 to the first
    request, the whole body to the next).
    """

    def __init__(self) -> None:
        self.routes: dict[str, tuple[bytes, str]] = {}
        self.requests: Counter[str] = Counter()
        self.release = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def url_for(self, name: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{name}"

    def serve(self, name: str, body: bytes, mode: str = "full") -> str:
        self.routes[f"/{name}"] = (body, mode)
        return self.url_for(name)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests[self.path] += 1
                if self.path not in server.routes:
                    self.send_error(404, "no such file")
                    return
                body, mode = server.routes[self.path]
                if mode == "fail-once" and server.requests[self.path] == 1:
                    self.send_error(503, "try again")
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                if mode != "no-length":
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if mode in ("full", "fail-once"):
                    self.wfile.write(body)
                    return
                if mode == "trickle":
                    self._trickle(body)
                    return
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                if mode == "stall":
                    server.release.wait(timeout=30)
                self.close_connection = True

            def _trickle(self, body: bytes) -> None:
                try:
                    for start in range(0, len(body), 2048):
                        if server.release.wait(0.05):
                            return
                        self.wfile.write(body[start:start + 2048])
                        self.wfile.flush()
                except OSError:
                    pass  # the client went away

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    server = LocalServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.httpd.shutdown()
        server.httpd.server_close()
        server.thread.join(timeout=10)


@pytest.fixture(scope="session")
def served_file(four_array_npz: Path) -> tuple[bytes, str]:
    body = four_array_npz.read_bytes()
    return body, hashlib.sha256(body).hexdigest()


@pytest.fixture(autouse=True)
def no_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """One download attempt per test (pooch waits a second before retrying); the retry test sets its own."""
    monkeypatch.setattr(nn_data, "DOWNLOAD_RETRIES", 0)


without_mnist_path = pytest.mark.usefixtures("no_mnist_env")


@without_mnist_path
def test_download_verifies_and_caches_then_reuses_the_cache(
    http_server: LocalServer, served_file: tuple[bytes, str], tmp_path: Path
) -> None:
    body, digest = served_file
    url = http_server.serve("mnist.npz", body)
    cache = tmp_path / "cache"
    first = load_mnist(cache_dir=cache, url=url, sha256=digest, limit=6)
    assert_split_of_original(first, 6)
    assert http_server.requests["/mnist.npz"] == 1
    assert sorted(os.listdir(cache)) == ["mnist.npz"] and sha256_of(cache / "mnist.npz") == digest
    second = load_mnist(cache_dir=cache, url=url, sha256=digest, limit=6)
    assert http_server.requests["/mnist.npz"] == 1
    np.testing.assert_array_equal(second.x_val, first.x_val)


@without_mnist_path
def test_download_with_a_wrong_checksum_keeps_nothing(
    http_server: LocalServer, served_file: tuple[bytes, str], tmp_path: Path
) -> None:
    body, digest = served_file
    url = http_server.serve("mnist.npz", body)
    expected = "ab" * 32
    with pytest.raises(DataError, match="fails its SHA-256 check") as caught:
        load_mnist(cache_dir=tmp_path, url=url, sha256=expected)
    message = str(caught.value)
    assert url in message and expected in message and digest in message
    assert_names_how_to_provide(message)
    assert os.listdir(tmp_path) == []


@without_mnist_path
def test_transfer_cut_short_of_its_content_length_keeps_nothing(
    http_server: LocalServer, served_file: tuple[bytes, str], tmp_path: Path
) -> None:
    body, digest = served_file
    url = http_server.serve("mnist.npz", body, mode="short")
    with pytest.raises(DataError, match=f"downloading {re.escape(url)} failed: the transfer broke off "
                                        f".*{len(body) // 2} bytes read, {len(body) - len(body) // 2} more"):
        load_mnist(cache_dir=tmp_path, url=url, sha256=digest)
    assert os.listdir(tmp_path) == []


@without_mnist_path
def test_transfer_cut_short_without_content_length_fails_its_checksum(
    http_server: LocalServer, served_file: tuple[bytes, str], tmp_path: Path
) -> None:
    body, digest = served_file
    url = http_server.serve("mnist.npz", body, mode="no-length")
    with pytest.raises(DataError, match="fails its SHA-256 check"):
        load_mnist(cache_dir=tmp_path, url=url, sha256=digest)
    assert os.listdir(tmp_path) == []


@without_mnist_path
def test_stalled_transfer_times_out_and_keeps_nothing(
    monkeypatch: pytest.MonkeyPatch, http_server: LocalServer, served_file: tuple[bytes, str], tmp_path: Path
) -> None:
    monkeypatch.setattr(nn_data, "DOWNLOAD_TIMEOUT_SECONDS", 1.0)
    body, digest = served_file
    url = http_server.serve("mnist.npz", body, mode="stall")
    with pytest.raises(DataError, match=f"downloading {re.escape(url)} failed"):
        load_mnist(cache_dir=tmp_path, url=url, sha256=digest)
    assert os.listdir(tmp_path) == []


@without_mnist_path
def test_http_error_is_reported(http_server: LocalServer, tmp_path: Path) -> None:
    url = http_server.url_for("absent.npz")
    with pytest.raises(DataError, match=f"downloading {re.escape(url)} failed: HTTP 404"):
        load_mnist(cache_dir=tmp_path, url=url, sha256="0" * 64)
    assert os.listdir(tmp_path) == []


@without_mnist_path
def test_a_verified_download_that_is_not_mnist_is_not_cached(
    http_server: LocalServer, tmp_path: Path
) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, x_train=np.zeros((5, 28, 28), np.uint8), y_train=np.zeros(5, np.uint8),
             x_test=np.zeros((5, 28, 28), np.uint8), y_test=np.zeros(5, np.uint8))
    body = buffer.getvalue()
    url = http_server.serve("tiny.npz", body)
    with pytest.raises(DataError, match=r"x_train in the file downloaded from .* has shape \(5, 28, 28\)"):
        load_mnist(cache_dir=tmp_path, url=url, sha256=hashlib.sha256(body).hexdigest())
    assert os.listdir(tmp_path) == []


@without_mnist_path
def test_no_request_when_downloading_is_off(
    http_server: LocalServer, served_file: tuple[bytes, str], tmp_path: Path
) -> None:
    body, digest = served_file
    url = http_server.serve("mnist.npz", body)
    with pytest.raises(DataError, match="downloading is turned off"):
        load_mnist(cache_dir=tmp_path, url=url, sha256=digest, download=False)
    assert http_server.requests["/mnist.npz"] == 0


@without_mnist_path
@pytest.mark.parametrize("url", ["http://example.org/mnist.npz", "ftp://127.0.0.1/mnist.npz"])
def test_only_https_or_this_machine_is_downloaded_from(tmp_path: Path, url: str) -> None:
    with pytest.raises(DataError, match="expected an https:// URL"):
        load_mnist(cache_dir=tmp_path, url=url, sha256="0" * 64)
    assert os.listdir(tmp_path) == []


def test_the_default_source_is_the_https_keras_mirror() -> None:
    assert nn_data.MNIST_URL.startswith("https://") and nn_data.MNIST_URL.endswith("/mnist.npz")
    assert len(nn_data.MNIST_SHA256) == 64 and set(nn_data.MNIST_SHA256) <= set("0123456789abcdef")


@without_mnist_path
def test_a_failed_attempt_is_retried(
    monkeypatch: pytest.MonkeyPatch, http_server: LocalServer, served_file: tuple[bytes, str], tmp_path: Path
) -> None:
    monkeypatch.setattr(nn_data, "DOWNLOAD_RETRIES", 1)
    body, digest = served_file
    url = http_server.serve("mnist.npz", body, mode="fail-once")
    assert_split_of_original(load_mnist(cache_dir=tmp_path, url=url, sha256=digest, limit=3), 3)
    assert http_server.requests["/mnist.npz"] == 2


@without_mnist_path
def test_the_downloaded_file_gets_the_mode_the_umask_gives(
    http_server: LocalServer, served_file: tuple[bytes, str], tmp_path: Path
) -> None:
    body, digest = served_file
    url = http_server.serve("mnist.npz", body)
    old = os.umask(0o027)
    try:
        load_mnist(cache_dir=tmp_path, url=url, sha256=digest, limit=1)
    finally:
        os.umask(old)
    assert (tmp_path / "mnist.npz").stat().st_mode & 0o777 == 0o640


@without_mnist_path
def test_only_failing_to_find_or_fetch_mnist_is_unavailable(
    http_server: LocalServer, served_file: tuple[bytes, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body, digest = served_file
    closed = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)  # a port nobody answers on
    port = closed.server_address[1]
    closed.server_close()
    unavailable = [
        {"download": False},
        {"url": f"http://127.0.0.1:{port}/mnist.npz", "sha256": digest},
        {"url": http_server.url_for("absent.npz"), "sha256": digest},
    ]
    for kwargs in unavailable:
        with pytest.raises(nn_data.MnistUnavailableError):
            load_mnist(cache_dir=tmp_path / "cache", **kwargs)
    wrong = http_server.serve("wrong.npz", body)
    with pytest.raises(DataError) as caught:
        load_mnist(cache_dir=tmp_path / "cache", url=wrong, sha256="ab" * 32)
    assert not isinstance(caught.value, nn_data.MnistUnavailableError)
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"PK\x03\x04 broken")
    monkeypatch.setenv("MNIST_PATH", str(broken))
    with pytest.raises(DataError) as caught:
        load_mnist(cache_dir=tmp_path / "cache")
    assert not isinstance(caught.value, nn_data.MnistUnavailableError)


INTERRUPTED_DOWNLOAD = """
import sys
import nn.data
nn.data.MNIST_URL, nn.data.MNIST_SHA256 = sys.argv[1], sys.argv[2]
from nn.train import main
sys.exit(main(["--dataset", "mnist", "--epochs", "1", "--no-progress"]))
"""


def read_until(stream, pattern: re.Pattern[bytes], seconds: float) -> bytes:
    """What a subprocess writes to `stream` until `pattern` appears in it or `seconds` pass."""
    seen = bytearray()
    found = threading.Event()

    def reader() -> None:
        while chunk := os.read(stream.fileno(), 4096):
            seen.extend(chunk)
            if pattern.search(bytes(seen)):
                found.set()
        found.set()

    threading.Thread(target=reader, daemon=True).start()
    found.wait(seconds)
    return bytes(seen)


def test_a_trickling_download_shows_its_progress_and_stops_on_ctrl_c(
    http_server: LocalServer, served_file: tuple[bytes, str], tmp_path: Path
) -> None:
    body, digest = served_file
    url = http_server.serve("mnist.npz", body, mode="trickle")  # about 40 KiB/s: 9 s for the whole file
    env = {key: value for key, value in os.environ.items() if key != "MNIST_PATH"}
    env.update(XDG_CACHE_HOME=str(tmp_path / "cache"), PYTHONPATH=str(REPO_ROOT))
    process = subprocess.Popen([sys.executable, "-c", INTERRUPTED_DOWNLOAD, url, digest], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        progress = re.compile(rb"\| *[1-9][0-9.]*k/3[0-9.]+k \[")  # tqdm: "| 16.4k/361k [00:00<...]"
        shown = read_until(process.stderr, progress, seconds=60)
        assert progress.search(shown), shown.decode(errors="replace")
        assert b"Downloading file 'mnist.npz' from '" + url.encode() in shown
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 130
    finally:
        process.kill()
        process.wait()
    cache = tmp_path / "cache" / "backprop-lab"
    assert not cache.exists() or os.listdir(cache) == []  # no partial file left behind


# ---------------------------------------------------------------------------------------------------
# Putting a local copy into the cache (`python -m nn.data cache FILE`, which `make demo` runs)
# ---------------------------------------------------------------------------------------------------


def test_cache_mnist_copies_a_known_file_into_the_cache(tmp_path: Path) -> None:
    shared = shared_mnist_path()
    cache = tmp_path / "cache"
    old = os.umask(0o022)
    try:
        cached = nn_data.cache_mnist(shared, cache_dir=cache)
    finally:
        os.umask(old)
    assert cached == cache / "mnist.npz" and sha256_of(cached) == nn_data.SPLIT_MNIST_SHA256
    assert cached.stat().st_mode & 0o777 == 0o644 and sorted(os.listdir(cache)) == ["mnist.npz"]
    before = cached.stat().st_mtime_ns
    assert nn_data.cache_mnist(shared, cache_dir=cache) == cached  # the same bytes: left as they are
    assert cached.stat().st_mtime_ns == before


def test_cache_mnist_refuses_an_unknown_file(tmp_path: Path, four_array_npz: Path) -> None:
    with pytest.raises(DataError, match=f"{re.escape(str(four_array_npz))} has SHA-256 [0-9a-f]{{64}}, which "
                                        "is not that of a known MNIST file"):
        nn_data.cache_mnist(four_array_npz, cache_dir=tmp_path)
    with pytest.raises(DataError, match="is not a file"):
        nn_data.cache_mnist(tmp_path / "absent.npz", cache_dir=tmp_path)
    assert os.listdir(tmp_path) == []


def test_after_the_cache_command_training_finds_mnist_without_mnist_path(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "MNIST_PATH"}
    env.update(XDG_CACHE_HOME=str(tmp_path / "xdg"), PYTHONPATH=str(REPO_ROOT))
    cached = subprocess.run([sys.executable, "-m", "nn.data", "cache", str(shared_mnist_path())], env=env,
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert cached.returncode == 0, cached.stderr
    assert f"MNIST is in the cache: {tmp_path / 'xdg' / 'backprop-lab' / 'mnist.npz'}" in cached.stdout
    trained = subprocess.run([sys.executable, "-m", "nn.train", "--dataset", "mnist", "--limit", "300",
                              "--epochs", "1", "--no-progress"], env=env, cwd=tmp_path, capture_output=True,
                             text=True, timeout=300)
    assert trained.returncode == 0, trained.stderr
    assert "on mnist" in trained.stdout and "Epoch 1: " in trained.stdout


def test_the_cache_command_reports_a_bad_file(tmp_path: Path) -> None:
    text = tmp_path / "mnist.npz"
    text.write_text("not mnist")
    assert nn_data.main(["cache", str(text), "--cache-dir", str(tmp_path / "cache")]) == 1
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize("shared_file_there", [True, False])
def test_make_demo_puts_the_shared_file_into_the_cache_first(tmp_path: Path, shared_file_there: bool) -> None:
    checkout = tmp_path / "checkout"  # the Makefile in a checkout with ../shared/data beside it, or without
    checkout.mkdir()
    for name in ("Makefile", "pyproject.toml"):
        (checkout / name).write_bytes((REPO_ROOT / name).read_bytes())
    if shared_file_there:
        (tmp_path / "shared" / "data").mkdir(parents=True)
        (tmp_path / "shared" / "data" / "mnist.npz").symlink_to(shared_mnist_path())
    dry_run = subprocess.run(["make", "--dry-run", "--always-make", "demo"], cwd=checkout,
                             capture_output=True, text=True, timeout=60)
    assert dry_run.returncode == 0, dry_run.stderr
    commands = dry_run.stdout.splitlines()
    demo = commands.index(".venv/bin/python demo.py")
    cache = ".venv/bin/python -m nn.data cache ../shared/data/mnist.npz"
    assert (commands[demo - 1] == cache) is shared_file_there and commands.count(cache) == shared_file_there


# ---------------------------------------------------------------------------------------------------
# Synthetic sets
# ---------------------------------------------------------------------------------------------------


@given(name=st.sampled_from(SYNTHETIC), n=st.integers(5, 400), seed=st.integers(0, 2**32 - 1))
def test_synthetic_sets_have_the_promised_shapes_and_classes(name: str, n: int, seed: int) -> None:
    ds = load_synthetic(name, n, seed=seed)
    n_classes = 3 if name == "spirals" else 2
    assert ds.name == name and ds.n_classes == n_classes and ds.n_inputs == 2
    assert [len(ds.y_val), len(ds.y_test)] == [n // 5, n // 5] and len(ds.y_train) == n - 2 * (n // 5)
    labels = np.concatenate([ds.y_train, ds.y_val, ds.y_test])
    counts = np.bincount(labels, minlength=n_classes)
    assert labels.dtype == np.int64 and len(counts) == n_classes and counts.max() - counts.min() <= 1
    assert all(x.dtype == np.float64 and np.all(np.isfinite(x)) for x in (ds.x_train, ds.x_val, ds.x_test))


@given(name=st.sampled_from(SYNTHETIC), seed=st.integers(0, 2**32 - 2))
def test_synthetic_sets_are_deterministic_per_seed(name: str, seed: int) -> None:
    a, b, c = load_synthetic(name, 60, seed=seed), load_synthetic(name, 60, seed=seed), load_synthetic(
        name, 60, seed=seed + 1
    )
    for split in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(a, split), getattr(b, split))
    assert not np.array_equal(a.x_train, c.x_train)


def all_examples(ds: Dataset) -> tuple[np.ndarray, np.ndarray]:
    x = np.concatenate([ds.x_train, ds.x_val, ds.x_test])
    return x, np.concatenate([ds.y_train, ds.y_val, ds.y_test])


@given(seed=st.integers(0, 1000))
def test_noiseless_moons_lie_on_their_half_circles(seed: int) -> None:
    x, y = all_examples(load_synthetic("moons", 100, seed=seed, noise=0.0))
    shifted = x + np.array([0.5, 0.25])
    upper, lower = shifted[y == 0], shifted[y == 1] - np.array([1.0, 0.5])
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.hypot(*lower.T), 1.0, rtol=1e-12)
    assert np.all(upper[:, 1] >= 0) and np.all(lower[:, 1] <= 0)


@given(seed=st.integers(0, 1000))
def test_noiseless_spirals_follow_their_arms(seed: int) -> None:
    x, y = all_examples(load_synthetic("spirals", 90, seed=seed, noise=0.0))
    radius = np.hypot(*x.T)
    turn = np.arctan2(x[:, 1], x[:, 0]) - 2 * np.pi * y / 3 - 4 * radius
    np.testing.assert_allclose(np.cos(turn[radius > 1e-9]), 1.0, atol=1e-9)
    assert np.all(radius <= 1.0)


@given(seed=st.integers(0, 1000))
def test_noiseless_xor_class_is_the_sign_disagreement(seed: int) -> None:
    x, y = all_examples(load_synthetic("xor", 100, seed=seed, noise=0.0))
    assert np.all(np.abs(x) <= 1.0)
    np.testing.assert_array_equal(y, (np.sign(x[:, 0]) != np.sign(x[:, 1])).astype(np.int64))


def test_synthetic_dtype_and_bad_arguments() -> None:
    assert load_synthetic("XOR", 20, dtype=np.float32).x_test.dtype == np.float32
    with pytest.raises(ValueError, match="unknown synthetic data set 'rings'"):
        load_synthetic("rings")
    with pytest.raises(ValueError, match="at least 5"):
        load_synthetic("moons", 4)
    with pytest.raises(ValueError, match="noise"):
        load_synthetic("moons", noise=-1.0)


def test_load_dataset_dispatches_by_name(four_array_npz: Path) -> None:
    np.testing.assert_array_equal(load_dataset("spirals", n=50, seed=3).x_val,
                                  load_synthetic("spirals", 50, seed=3).x_val)
    assert_split_of_original(load_dataset("MNIST", path=four_array_npz, limit=2), 2)
    with pytest.raises(ValueError, match="unknown data set 'cifar'"):
        load_dataset("cifar")


def test_dataset_checks_its_splits() -> None:
    with pytest.raises(ValueError, match="x_val must be"):
        Dataset("bad", np.zeros((4, 2)), np.zeros(4), np.zeros((3, 2)), np.zeros(2), np.zeros((1, 2)),
                np.zeros(1), 2)
    with pytest.raises(ValueError, match="x_test has 3 inputs"):
        Dataset("bad", np.zeros((4, 2)), np.zeros(4), np.zeros((3, 2)), np.zeros(3), np.zeros((1, 3)),
                np.zeros(1), 2)


# ---------------------------------------------------------------------------------------------------
# One-hot encoding and mini-batches
# ---------------------------------------------------------------------------------------------------


@given(data=st.data(), n_classes=st.integers(1, 12))
def test_one_hot_round_trips(data: st.DataObject, n_classes: int) -> None:
    labels = np.array(data.draw(st.lists(st.integers(0, n_classes - 1), max_size=50)), dtype=np.int64)
    encoded = one_hot(labels, n_classes)
    assert encoded.shape == (len(labels), n_classes) and encoded.dtype == np.float64
    assert set(np.unique(encoded)) <= {0.0, 1.0}
    np.testing.assert_array_equal(encoded.sum(axis=1), np.ones(len(labels)))
    np.testing.assert_array_equal(encoded.argmax(axis=1) if len(labels) else labels, labels)


def test_one_hot_dtype_and_errors() -> None:
    np.testing.assert_array_equal(one_hot(np.array([2, 0], np.uint8), 3, dtype=np.float32),
                                  np.array([[0, 0, 1], [1, 0, 0]], np.float32))
    with pytest.raises(ValueError, match="label 3 at index 1 is outside 0..2"):
        one_hot(np.array([0, 3]), 3)
    with pytest.raises(ValueError, match="label -1 at index 0"):
        one_hot(np.array([-1]), 3)
    with pytest.raises(ValueError, match="1-D"):
        one_hot(np.zeros((2, 2), np.int64), 3)
    with pytest.raises(ValueError, match="integer labels"):
        one_hot(np.array([0.0, 1.0]), 3)


@given(m=st.integers(0, 120), batch_size=st.integers(1, 40), seed=st.integers(0, 2**32 - 1),
       shuffle=st.booleans())
def test_minibatches_partition_each_epoch(m: int, batch_size: int, seed: int, shuffle: bool) -> None:
    x = np.arange(3 * m, dtype=np.float64).reshape(m, 3)
    y = np.arange(m)
    batches = list(minibatches(x, y, batch_size, rng=seed, shuffle=shuffle))
    assert len(batches) == -(-m // batch_size)
    assert all(len(yb) == batch_size for _, yb in batches[:-1])
    assert all(0 < len(yb) <= batch_size for _, yb in batches)
    order = np.concatenate([yb for _, yb in batches]) if batches else np.array([], dtype=np.int64)
    np.testing.assert_array_equal(np.sort(order), y)
    for xb, yb in batches:
        np.testing.assert_array_equal(xb, x[yb])
    if not shuffle:
        np.testing.assert_array_equal(order, y)
    again = [yb for _, yb in minibatches(x, y, batch_size, rng=seed, shuffle=shuffle)]
    assert len(again) == len(batches)
    assert all(np.array_equal(a, b) for a, (_, b) in zip(again, batches, strict=True))


def test_minibatches_shuffle_by_seed_and_generator() -> None:
    x, y = np.zeros((100, 2)), np.arange(100)

    def order(rng: np.random.Generator | int) -> np.ndarray:
        return np.concatenate([yb for _, yb in minibatches(x, y, 7, rng=rng)])

    assert not np.array_equal(order(0), order(1))
    assert not np.array_equal(order(0), y)
    generator, replay = np.random.default_rng(5), np.random.default_rng(5)
    first, second = order(generator), order(generator)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(first, order(replay))
    np.testing.assert_array_equal(second, order(replay))


def test_minibatches_check_their_arguments_when_called() -> None:
    with pytest.raises(ValueError, match=r"same number of examples .* \(3, 2\) and \(4,\)"):
        minibatches(np.zeros((3, 2)), np.zeros(4), 2)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        minibatches(np.zeros((3, 2)), np.zeros(3), 0)
