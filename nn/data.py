"""Data for the networks: MNIST with the book's 50,000 / 10,000 / 10,000 split, and small synthetic sets.

Every set is a `Dataset`: inputs `x` as rows (m, n_in), so an example is one input activation
`a^0 = x`, and integer labels `y` (m,). `one_hot` turns a label into the desired output `y(x)` of
the book (a unit vector), and `minibatches` deals an epoch out in shuffled mini-batches of m examples.

MNIST is found, in this order:

1. the `path` argument (the `--data` flag of `python -m nn.train`);
2. the `MNIST_PATH` environment variable;
3. the cache directory, the operating system's user cache folder for backprop-lab
   (`$XDG_CACHE_HOME/backprop-lab` or `~/.cache/backprop-lab` on Linux; `default_cache_dir()`);
4. a download into that cache by `pooch` (checked against a known SHA-256, written atomically,
   retried, with a progress bar on stderr).

`python -m nn.data cache FILE` copies an MNIST `.npz` file into the cache after checking that its
SHA-256 is that of a known MNIST file (`KNOWN_MNIST_FILES`); `make demo` does so with
`../shared/data/mnist.npz` when it is there.

A path may be an `.npz` file or a directory. An `.npz` holds either the split arrays
`x_train, y_train, x_val, y_val, x_test, y_test` (the layout of `../shared/data/mnist.npz`) or the
common four arrays `x_train, y_train, x_test, y_test` with all 60,000 training images, which are split
as the book does: the first 50,000 train, the last 10,000 validate. A directory holds `mnist.npz`
or the four original IDX files (`train-images-idx3-ubyte.gz`, ... ; uncompressed copies work too).
Pixels must be uint8 (0-255); they are scaled to [0, 1] by dividing by 255. Labels become int64.

Errors. Anything wrong with the data raises `DataError` (a `ValueError`) whose message says which
file (or URL) was at fault, what was expected there, and how to provide MNIST:

- a missing file or directory: "MNIST file not found: PATH (given by ...)";
- a file that is not an `.npz` archive says what it is instead (empty, a text file, ...); a
  truncated archive "could not be read as an .npz archive (it is truncated or corrupt ...)";
  IDX files: "... is not an IDX file", "... is truncated";
- wrong arrays, shapes, dtypes or label values: "x_train in PATH has shape (10, 784), expected ...";
- a failed download: "downloading URL failed: ...", "the file downloaded from URL fails its
  SHA-256 check ...".

When MNIST cannot be had at all (nothing found, and no download possible: turned off, or the
network failed), the error is the subclass `MnistUnavailableError`; a file that was found but is
wrong is never that.

Pickled objects are never loaded (`allow_pickle=False` everywhere).
"""

from __future__ import annotations

import argparse
import gzip
import ipaddress
import logging
import os
import shutil
import struct
import sys
import urllib.parse
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from numbers import Integral
from pathlib import Path

import numpy as np
from numpy.typing import DTypeLike

from .files import NpzError, current_umask, file_sha256, read_npz, write_atomically

__all__ = [
    "KNOWN_MNIST_FILES",
    "MNIST_SHA256",
    "MNIST_URL",
    "SYNTHETIC_SETS",
    "DataError",
    "Dataset",
    "MnistUnavailableError",
    "cache_mnist",
    "default_cache_dir",
    "load_dataset",
    "load_mnist",
    "load_synthetic",
    "minibatches",
    "one_hot",
    "read_idx",
]

# The public mirror of MNIST that `keras.datasets.mnist.load_data` downloads, and its SHA-256.
# Documented in keras-team/keras, keras/src/datasets/mnist.py (`origin_folder` + "mnist.npz", passed to
# `get_file` with this `file_hash`; a 64-digit hash is a SHA-256 there). The file holds the four arrays
# x_train (60000, 28, 28), y_train (60000,), x_test (10000, 28, 28), y_test (10000,), all uint8.
MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"

# The 50,000 / 10,000 / 10,000 split of the same images as one .npz of six uint8 arrays
# (`../shared/data/mnist.npz`, described by the README beside it).
SPLIT_MNIST_SHA256 = "b5a17fef2e82180a4880303ef86d4f015c74d597b03cc02ebae87bcde426f94f"
KNOWN_MNIST_FILES = {
    MNIST_SHA256: "MNIST as four arrays, 60,000 training and 10,000 test images (" + MNIST_URL + ")",
    SPLIT_MNIST_SHA256: "MNIST in the book's 50,000 / 10,000 / 10,000 split, as six arrays",
}

CACHE_FILENAME = "mnist.npz"
CACHE_APP_NAME = "backprop-lab"
DOWNLOAD_TIMEOUT_SECONDS = 15.0  # per connect or read, not for the whole transfer
DOWNLOAD_RETRIES = 2  # further attempts after a failed one (pooch waits 1 s, then 2 s)
_CHUNK_BYTES = 1 << 14

N_TRAIN, N_VAL, N_TEST = 50_000, 10_000, 10_000
N_ORIGINAL_TRAIN = N_TRAIN + N_VAL
IMAGE_SIDE = 28
N_PIXELS = IMAGE_SIDE * IMAGE_SIDE
N_DIGITS = 10

SPLIT_KEYS = ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test")
FOUR_ARRAY_KEYS = ("x_train", "y_train", "x_test", "y_test")
IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
# IDX type codes (the third byte of the magic number) and the big-endian element types they stand for.
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


class DataError(ValueError):
    """Data could not be loaded: the message names the file, what was expected, and how to provide it."""


class MnistUnavailableError(DataError):
    """MNIST was found nowhere and could not be downloaded (turned off, or the network failed)."""


@dataclass(frozen=True)
class Dataset:
    """A data set split into training, validation and test examples.

    Each `x_*` is a float array (m, n_in) whose row x is the input activation a^0 = x of one
    example; each `y_*` is the (m,) int64 array of its class labels, 0 <= y < `n_classes`.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int

    def __post_init__(self) -> None:
        for split in ("train", "val", "test"):
            x, y = getattr(self, f"x_{split}"), getattr(self, f"y_{split}")
            if x.ndim != 2 or y.ndim != 1 or len(x) != len(y):
                raise ValueError(
                    f"Dataset {self.name!r}: x_{split} must be (m, n_in) and y_{split} (m,) with the same m; "
                    f"got {x.shape} and {y.shape}"
                )
            if x.shape[1] != self.x_train.shape[1]:
                raise ValueError(
                    f"Dataset {self.name!r}: x_{split} has {x.shape[1]} inputs, "
                    f"x_train has {self.x_train.shape[1]}"
                )

    @property
    def n_inputs(self) -> int:
        """The number of inputs n_0 of a network for this data (the width of a row of x)."""
        return int(self.x_train.shape[1])


# ---------------------------------------------------------------------------------------------------
# MNIST
# ---------------------------------------------------------------------------------------------------


def default_cache_dir() -> Path:
    """Where a downloaded MNIST is kept: the user cache folder of the operating system, for backprop-lab
    (on Linux `$XDG_CACHE_HOME/backprop-lab`, else `~/.cache/backprop-lab`), as `pooch.os_cache` gives it."""
    import pooch  # imported when needed: it takes a while to import

    return Path(pooch.os_cache(CACHE_APP_NAME)).expanduser()


def load_mnist(
    path: str | os.PathLike[str] | None = None,
    *,
    dtype: DTypeLike = np.float64,
    download: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
    url: str | None = None,
    sha256: str | None = None,
    limit: int | None = None,
) -> Dataset:
    """MNIST in the book's split: 50,000 training, 10,000 validation and 10,000 test images.

    Each x is a row of 784 pixels scaled to [0, 1] (byte / 255, in `dtype`), the input activation
    a^0 of a [784, ..., 10] network; each y is the digit, an int64 in 0..9. The file is looked for
    at `path`, then `$MNIST_PATH`, then in `cache_dir` (default: `default_cache_dir()`), and, if
    `download`, fetched from `url` (default `MNIST_URL`) into the cache after checking its SHA-256
    (`sha256`, required for a URL other than the default). `limit` keeps only the first `limit`
    examples of each split, for quick runs. Raises `DataError` when MNIST cannot be loaded, the
    subclass `MnistUnavailableError` when it was found nowhere and could not be downloaded.
    """
    float_dtype = _float_dtype(dtype)
    _check_limit(limit)
    source_url, expected_sha256 = _download_source(url, sha256)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    try:
        raw = _locate_and_read(path, cache, download, source_url, expected_sha256)
    except DataError as exc:
        raise type(exc)(f"{exc}\n{_how_to_provide(cache)}") from exc
    return _mnist_dataset(raw, float_dtype, limit)


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """The array stored in one IDX file (gzip-compressed when its name ends in `.gz`), in native byte order.

    IDX is the format of the original MNIST files: two zero bytes, a type code, the number of
    dimensions, each dimension as a big-endian uint32, then the elements in row-major order.
    Raises `DataError` for a file that is not IDX, is truncated, or has bytes left over.
    """
    file = Path(path)
    try:
        if file.suffix == ".gz":
            with gzip.open(file, "rb") as stream:
                content = stream.read()
        else:
            content = file.read_bytes()
    except FileNotFoundError as exc:
        raise DataError(f"IDX file not found: {file}") from exc
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{file} could not be read (is it a truncated or corrupt gzip file?): {exc}") from exc
    return _parse_idx(content, file)


def _parse_idx(content: bytes, file: Path) -> np.ndarray:
    """Decode the bytes of an IDX file (see `read_idx`)."""
    if len(content) < 4 or content[:2] != b"\x00\x00" or content[2] not in _IDX_TYPES:
        raise DataError(
            f"{file} is not an IDX file: expected a header of two zero bytes, a type code "
            f"({', '.join(hex(code) for code in _IDX_TYPES)}) and a dimension count; "
            f"it starts with {content[:4]!r}"
        )
    element = np.dtype(_IDX_TYPES[content[2]])
    header_bytes = 4 + 4 * content[3]
    if len(content) < header_bytes:
        raise DataError(
            f"{file} is truncated: its IDX header announces {content[3]} dimensions but the file ends"
        )
    shape = struct.unpack(f">{content[3]}I", content[4:header_bytes])
    expected = int(np.prod(shape, dtype=np.int64)) * element.itemsize
    found = len(content) - header_bytes
    if found != expected:
        problem = "is truncated" if found < expected else "has bytes left over"
        raise DataError(
            f"{file} {problem}: its header announces an array of shape {shape} ({expected} bytes of data), "
            f"but {found} bytes follow the header"
        )
    flat = np.frombuffer(content, dtype=element, offset=header_bytes)
    return flat.reshape(shape).astype(element.newbyteorder("="))


def _float_dtype(dtype: DTypeLike) -> np.dtype:
    resolved = np.dtype(dtype)
    if resolved.kind != "f":
        raise ValueError(f"dtype must be a floating-point type (pixels are scaled to [0, 1]); got {resolved}")
    return resolved


def _check_limit(limit: int | None) -> None:
    if limit is not None and (not isinstance(limit, Integral) or isinstance(limit, bool) or limit < 1):
        raise ValueError(f"limit must be None or a positive integer; got {limit!r}")


def _download_source(url: str | None, sha256: str | None) -> tuple[str, str]:
    """The URL to download from and the SHA-256 its file must have."""
    if sha256 is None:
        if url is not None and url != MNIST_URL:
            raise ValueError(
                f"a download url other than the default needs its sha256 (the file's hex digest): {url}"
            )
        return MNIST_URL, MNIST_SHA256
    digest = sha256.strip().lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(f"sha256 must be 64 hexadecimal digits; got {sha256!r}")
    return (url or MNIST_URL), digest


def _how_to_provide(cache: Path) -> str:
    idx_names = ", ".join(f"{name}.gz" for name in IDX_FILES.values())
    return (
        "To provide MNIST: pass its path with --data PATH (python -m nn.train) or load_mnist(path=...), "
        "or set the MNIST_PATH environment variable, to an .npz file (arrays x_train, y_train, x_val, "
        "y_val, x_test, y_test of uint8, or the four arrays x_train, y_train, x_test, y_test with 60,000 "
        f"training images) or to a directory of the IDX files ({idx_names}); or copy a known MNIST file "
        f"into the cache directory {cache} with `python -m nn.data cache FILE`; or go online: it is "
        f"downloaded there from {MNIST_URL}."
    )


RawMnist = dict[str, np.ndarray]  # the six split arrays: uint8 images (m, 784) and integer labels (m,)


def _locate_and_read(path: str | os.PathLike[str] | None, cache: Path, download: bool, url: str,
                     expected_sha256: str) -> RawMnist:
    """The raw split arrays, from the first place of the search order that applies."""
    if path is not None:
        return _read_location(Path(path), "the path argument or the --data flag")
    from_environment = os.environ.get("MNIST_PATH")
    if from_environment:
        return _read_location(Path(from_environment), "the MNIST_PATH environment variable")
    cached = _mnist_in_directory(cache)
    if cached is not None:
        try:
            return _read_location(cached, f"the cache directory {cache}")
        except DataError as exc:
            raise DataError(f"{exc}\nDelete {cached} to download a fresh copy.") from exc
    if not download:
        raise MnistUnavailableError(
            f"MNIST was not found: no path was given, MNIST_PATH is not set, the cache directory {cache} "
            f"holds no {CACHE_FILENAME} (nor the IDX files), and downloading is turned off."
        )
    return _download(url, expected_sha256, cache)


def _mnist_in_directory(directory: Path) -> Path | None:
    """`directory/mnist.npz` if present, else `directory` itself if it holds all four IDX files, else None."""
    npz = directory / CACHE_FILENAME
    if npz.is_file():
        return npz
    if directory.is_dir() and all(_idx_file(directory, name) is not None for name in IDX_FILES.values()):
        return directory
    return None


def _idx_file(directory: Path, name: str) -> Path | None:
    for candidate in (directory / f"{name}.gz", directory / name):
        if candidate.is_file():
            return candidate
    return None


def _read_location(location: Path, origin: str) -> RawMnist:
    """Read MNIST from an .npz file or from a directory (mnist.npz inside, or the IDX files)."""
    location = location.expanduser()
    if not location.exists():
        raise DataError(
            f"MNIST file not found: {location} (given by {origin}); expected an .npz file or a directory "
            "of the IDX files."
        )
    if location.is_dir():
        found = _mnist_in_directory(location)
        if found is None:
            missing = [f"{name}.gz" for name in IDX_FILES.values() if _idx_file(location, name) is None]
            raise DataError(
                f"The directory {location} (given by {origin}) holds no {CACHE_FILENAME} and lacks the IDX "
                f"file(s) {', '.join(missing)}."
            )
        if found.is_dir():
            return _read_idx_directory(found)
        location = found
    return _read_npz(location, str(location))


def _read_npz(file: Path, described_as: str) -> RawMnist:
    """The split arrays of an .npz archive in either layout (six split arrays, or the four 60k/10k ones)."""
    def wanted_arrays(names: list[str]) -> tuple[str, ...]:
        if set(SPLIT_KEYS) <= set(names):
            return SPLIT_KEYS
        if set(FOUR_ARRAY_KEYS) <= set(names):
            return FOUR_ARRAY_KEYS
        raise DataError(
            f"{described_as} holds the arrays {sorted(names)}; expected {', '.join(SPLIT_KEYS)} "
            f"(the 50,000/10,000/10,000 split) or {', '.join(FOUR_ARRAY_KEYS)} (60,000 training images)"
        )

    try:
        arrays = read_npz(file, wanted_arrays)
    except NpzError as exc:
        raise DataError(str(exc).replace(str(file), described_as, 1)) from None
    except OSError as exc:
        raise DataError(f"{described_as} cannot be read: {exc.strerror or exc}") from None
    wanted = SPLIT_KEYS if set(SPLIT_KEYS) <= set(arrays) else FOUR_ARRAY_KEYS
    if wanted == SPLIT_KEYS:
        return _checked_split(arrays, described_as)
    return _split_original(
        arrays["x_train"], arrays["y_train"], arrays["x_test"], arrays["y_test"], described_as
    )


def _read_idx_directory(directory: Path) -> RawMnist:
    """The split arrays from the four original IDX files of a directory."""
    files = {role: _idx_file(directory, name) for role, name in IDX_FILES.items()}
    arrays = {role: read_idx(file) for role, file in files.items() if file is not None}
    where = {role: str(file) for role, file in files.items()}
    train_images = _checked_images(arrays["train_images"], "images", N_ORIGINAL_TRAIN, where["train_images"])
    test_images = _checked_images(arrays["test_images"], "images", N_TEST, where["test_images"])
    train_labels = _checked_labels(arrays["train_labels"], "labels", N_ORIGINAL_TRAIN, where["train_labels"])
    test_labels = _checked_labels(arrays["test_labels"], "labels", N_TEST, where["test_labels"])
    return {
        "x_train": train_images[:N_TRAIN], "y_train": train_labels[:N_TRAIN],
        "x_val": train_images[N_TRAIN:], "y_val": train_labels[N_TRAIN:],
        "x_test": test_images, "y_test": test_labels,
    }


def _split_original(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray,
                    described_as: str) -> RawMnist:
    """The book's split of the original 60,000 training images and 10,000 test images.

    The first 50,000 training images train, the last 10,000 validate; the test images stay as they are.
    """
    images = _checked_images(x_train, "x_train", N_ORIGINAL_TRAIN, described_as)
    labels = _checked_labels(y_train, "y_train", N_ORIGINAL_TRAIN, described_as)
    return {
        "x_train": images[:N_TRAIN], "y_train": labels[:N_TRAIN],
        "x_val": images[N_TRAIN:], "y_val": labels[N_TRAIN:],
        "x_test": _checked_images(x_test, "x_test", N_TEST, described_as),
        "y_test": _checked_labels(y_test, "y_test", N_TEST, described_as),
    }


def _checked_split(arrays: RawMnist, described_as: str) -> RawMnist:
    sizes = {"train": N_TRAIN, "val": N_VAL, "test": N_TEST}
    checked: RawMnist = {}
    for split, size in sizes.items():
        checked[f"x_{split}"] = _checked_images(arrays[f"x_{split}"], f"x_{split}", size, described_as)
        checked[f"y_{split}"] = _checked_labels(arrays[f"y_{split}"], f"y_{split}", size, described_as)
    return checked


def _checked_images(images: np.ndarray, name: str, count: int, described_as: str) -> np.ndarray:
    """`images` as (count, 784) uint8 rows, or a DataError naming what differs."""
    if images.dtype != np.uint8:
        raise DataError(f"{name} in {described_as} has dtype {images.dtype}, expected uint8 pixels (0-255)")
    if images.shape not in ((count, N_PIXELS), (count, IMAGE_SIDE, IMAGE_SIDE)):
        raise DataError(
            f"{name} in {described_as} has shape {images.shape}, expected ({count}, {N_PIXELS}) or "
            f"({count}, {IMAGE_SIDE}, {IMAGE_SIDE})"
        )
    return images.reshape(count, N_PIXELS)


def _checked_labels(labels: np.ndarray, name: str, count: int, described_as: str) -> np.ndarray:
    """`labels` if they are `count` integer digits 0..9, or a DataError naming what differs."""
    if labels.dtype.kind not in "iu":
        raise DataError(f"{name} in {described_as} has dtype {labels.dtype}, expected integer labels (uint8)")
    if labels.shape != (count,):
        raise DataError(f"{name} in {described_as} has shape {labels.shape}, expected ({count},)")
    outside = np.flatnonzero((labels < 0) | (labels >= N_DIGITS))
    if outside.size:
        raise DataError(
            f"{name} in {described_as} has label {labels[outside[0]]} at index {outside[0]}, "
            "expected digits 0-9"
        )
    return labels


def _mnist_dataset(raw: RawMnist, dtype: np.dtype, limit: int | None) -> Dataset:
    """Pixels scaled to [0, 1] (byte / 255) in `dtype`, labels int64, the first `limit` of each split."""
    def pixels(images: np.ndarray) -> np.ndarray:
        scaled = images[:limit].astype(dtype)
        scaled /= dtype.type(255)
        return scaled

    def digits(labels: np.ndarray) -> np.ndarray:
        return labels[:limit].astype(np.int64)

    return Dataset(
        name="mnist",
        x_train=pixels(raw["x_train"]), y_train=digits(raw["y_train"]),
        x_val=pixels(raw["x_val"]), y_val=digits(raw["y_val"]),
        x_test=pixels(raw["x_test"]), y_test=digits(raw["y_test"]),
        n_classes=N_DIGITS,
    )


# ---------------------------------------------------------------------------------------------------
# Download
# ---------------------------------------------------------------------------------------------------


def _download(url: str, expected_sha256: str, cache: Path) -> RawMnist:
    """Fetch `url` into `cache/mnist.npz` with pooch, after checking its SHA-256, then check its arrays.

    pooch writes to a temporary file in the cache and renames it into place only once its
    SHA-256 matches, retrying `DOWNLOAD_RETRIES` times; a file whose arrays are not MNIST is
    removed again. Each connect or read may take `DOWNLOAD_TIMEOUT_SECONDS`; a progress bar shows
    the bytes as they arrive, and Ctrl-C stops the download leaving nothing behind.
    """
    _check_download_url(url)
    destination = Path(_fetch(url, expected_sha256, cache))
    try:
        raw = _read_npz(destination, f"the file downloaded from {url}")
    except DataError:
        destination.unlink(missing_ok=True)
        raise
    destination.chmod(0o666 & ~current_umask())  # pooch's temporary file was private to the user
    return raw


def _fetch(url: str, expected_sha256: str, cache: Path) -> str:
    """pooch's fetch of `url` into the cache, its errors told as `DataError`s naming the URL."""
    import pooch  # imported when needed: it takes a while to import
    import requests

    local = _is_loopback(urllib.parse.urlsplit(url).hostname)
    options = {"proxies": {"http": None, "https": None}} if local else {}  # this machine: never via a proxy
    fetcher = pooch.create(path=cache, base_url="", registry={CACHE_FILENAME: f"sha256:{expected_sha256}"},
                           urls={CACHE_FILENAME: url}, retry_if_failed=DOWNLOAD_RETRIES)
    downloader = pooch.HTTPDownloader(progressbar=True, chunk_size=_CHUNK_BYTES,
                                      timeout=DOWNLOAD_TIMEOUT_SECONDS, **options)
    try:
        with _pooch_messages_to_stderr(pooch.get_logger()):
            return fetcher.fetch(CACHE_FILENAME, downloader=downloader)
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "error"
        reason = exc.response.reason if exc.response is not None else exc
        raise MnistUnavailableError(f"downloading {url} failed: HTTP {status} {reason}") from exc
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise MnistUnavailableError(
            f"downloading {url} failed: no answer within {DOWNLOAD_TIMEOUT_SECONDS:g} s, or the connection "
            f"failed ({type(exc).__name__}: {exc}); nothing was kept."
        ) from exc
    except requests.RequestException as exc:
        raise MnistUnavailableError(
            f"downloading {url} failed: the transfer broke off ({type(exc).__name__}: {exc}); "
            "nothing was kept."
        ) from exc
    except ValueError as exc:  # pooch: the SHA-256 of the downloaded bytes is not the known one
        raise DataError(
            f"the file downloaded from {url} fails its SHA-256 check ({exc}); it was not kept."
        ) from exc
    except OSError as exc:
        raise DataError(f"cannot write the download into the cache directory {cache}: {exc}") from exc


@contextmanager
def _pooch_messages_to_stderr(logger: logging.Logger) -> Iterator[None]:
    """pooch's messages (what it downloads, its retries) to the current sys.stderr while fetching.

    pooch's own handler writes to the stderr of the moment pooch was imported, which may since
    have been replaced (by a caller's redirection, or a test's capture).
    """
    handlers = logger.handlers
    logger.handlers = [logging.StreamHandler(sys.stderr)]
    try:
        yield
    finally:
        logger.handlers = handlers


def _check_download_url(url: str) -> None:
    """Allow https, and plain http only to this machine (the tests' local server)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(parts.hostname)):
        return
    raise DataError(
        f"refusing to download MNIST from {url}: expected an https:// URL (plain http is allowed only to "
        "this machine, 127.0.0.1 or localhost)"
    )


def _is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# ---------------------------------------------------------------------------------------------------
# Putting a local copy into the cache
# ---------------------------------------------------------------------------------------------------


def cache_mnist(source: str | os.PathLike[str], *, cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Copy the MNIST `.npz` file `source` into the cache directory, where `load_mnist` finds it.

    The file's SHA-256 must be one of `KNOWN_MNIST_FILES`, and it must read as MNIST. The copy is
    written atomically and checked again; a cache already holding the same bytes is left as it
    is. Returns the path of the cached file. Raises `DataError` naming the file otherwise.
    """
    file = Path(source).expanduser()
    if not file.is_file():
        raise DataError(f"{file} is not a file; expected an MNIST .npz file")
    digest = file_sha256(file)
    if digest not in KNOWN_MNIST_FILES:
        known = "; ".join(f"{sha} ({what})" for sha, what in KNOWN_MNIST_FILES.items())
        raise DataError(f"{file} has SHA-256 {digest}, which is not that of a known MNIST file: {known}")
    _read_npz(file, str(file))
    target = (Path(cache_dir) if cache_dir is not None else default_cache_dir()) / CACHE_FILENAME
    if target.is_file() and file_sha256(target) == digest:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(file, "rb") as original:
        write_atomically(target, lambda copy: shutil.copyfileobj(original, copy))
    if file_sha256(target) != digest:
        target.unlink(missing_ok=True)
        raise DataError(
            f"the copy of {file} in {target.parent} does not have the original's SHA-256; removed it"
        )
    return target


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m nn.data cache FILE [--cache-dir DIR]`: put a known MNIST file into the cache."""
    parser = argparse.ArgumentParser(prog="python -m nn.data", description="MNIST in the user cache.")
    commands = parser.add_subparsers(dest="command", required=True)
    cache = commands.add_parser("cache", help="copy an MNIST .npz file of a known SHA-256 into the cache")
    cache.add_argument("file", help="the MNIST .npz file")
    cache.add_argument("--cache-dir", help="the cache directory (default: the user cache folder)")
    args = parser.parse_args(argv)
    try:
        cached = cache_mnist(args.file, cache_dir=args.cache_dir)
    except (DataError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"MNIST is in the cache: {cached} ({KNOWN_MNIST_FILES[file_sha256(cached)]})")
    return 0


# ---------------------------------------------------------------------------------------------------
# Synthetic sets
# ---------------------------------------------------------------------------------------------------


def _moons(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Two interleaved half circles (class 0 on top, class 1 below), centred on the origin."""
    angle = rng.uniform(0.0, np.pi, size=labels.shape)
    upper = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    lower = np.stack([1.0 - np.cos(angle), 0.5 - np.sin(angle)], axis=1)
    points = np.where(labels[:, None] == 0, upper, lower)
    return points - np.array([0.5, 0.25])


def _spirals(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Three arms of a spiral, one per class, each turned a third of a circle from the last."""
    t = rng.uniform(0.0, 1.0, size=labels.shape)
    angle = 2.0 * np.pi * labels / 3.0 + 4.0 * t
    return np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1)


def _xor(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Points in the square [-1, 1]^2 whose class is 1 exactly when the two coordinates differ in sign."""
    magnitude = rng.uniform(0.0, 1.0, size=(labels.size, 2))
    first_sign = rng.choice(np.array([-1.0, 1.0]), size=labels.shape)
    second_sign = np.where(labels == 0, first_sign, -first_sign)
    return magnitude * np.stack([first_sign, second_sign], axis=1)


_GENERATORS: dict[str, tuple[Callable[[np.ndarray, np.random.Generator], np.ndarray], int]] = {
    "moons": (_moons, 2),
    "spirals": (_spirals, 3),
    "xor": (_xor, 2),
}
SYNTHETIC_SETS = tuple(_GENERATORS)


def load_synthetic(name: str, n: int = 1000, *, seed: int = 0, noise: float = 0.1,
                   dtype: DTypeLike = np.float64) -> Dataset:
    """A small two-input data set that needs no file: "moons", "spirals" (3 classes) or "xor".

    n examples, the classes as equal in size as n allows, Gaussian noise of standard deviation
    `noise` added to each coordinate, shuffled and split 60 / 20 / 20 into train / val / test
    (validation and test get n // 5 each). The same `seed` gives the same set.
    """
    key = name.lower()
    if key not in _GENERATORS:
        raise ValueError(f"unknown synthetic data set {name!r}; expected one of {', '.join(SYNTHETIC_SETS)}")
    if not isinstance(n, Integral) or isinstance(n, bool) or n < 5:
        raise ValueError(f"n must be an integer of at least 5 (one example per split); got {n!r}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite standard deviation >= 0; got {noise!r}")
    float_dtype = _float_dtype(dtype)
    generate, n_classes = _GENERATORS[key]
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(int(n)) % n_classes).astype(np.int64)
    points = generate(labels, rng) + noise * rng.standard_normal((int(n), 2))
    x = points.astype(float_dtype)
    n_held_out = int(n) // 5
    n_train = int(n) - 2 * n_held_out
    return Dataset(
        name=key,
        x_train=x[:n_train], y_train=labels[:n_train],
        x_val=x[n_train:n_train + n_held_out], y_val=labels[n_train:n_train + n_held_out],
        x_test=x[n_train + n_held_out:], y_test=labels[n_train + n_held_out:],
        n_classes=n_classes,
    )


def load_dataset(name: str, **kwargs: object) -> Dataset:
    """The data set called `name`: "mnist" (`load_mnist(**kwargs)`) or a synthetic one (`load_synthetic`)."""
    key = name.lower()
    if key == "mnist":
        return load_mnist(**kwargs)  # type: ignore[arg-type]
    if key in _GENERATORS:
        return load_synthetic(key, **kwargs)  # type: ignore[arg-type]
    raise ValueError(f"unknown data set {name!r}; expected mnist or one of {', '.join(SYNTHETIC_SETS)}")


# ---------------------------------------------------------------------------------------------------
# Encoding and mini-batches
# ---------------------------------------------------------------------------------------------------


def one_hot(y: np.ndarray, n_classes: int, dtype: DTypeLike = np.float64) -> np.ndarray:
    """The desired outputs y(x) as unit vectors, (m, n_classes): row i is 1 in column `y[i]`, 0 elsewhere."""
    labels = np.asarray(y)
    if labels.ndim != 1:
        raise ValueError(f"one_hot expects a 1-D array of labels (m,); got shape {labels.shape}")
    if labels.size and labels.dtype.kind not in "iu":
        raise ValueError(f"one_hot expects integer labels; got dtype {labels.dtype}")
    if not isinstance(n_classes, Integral) or isinstance(n_classes, bool) or n_classes < 1:
        raise ValueError(f"n_classes must be a positive integer; got {n_classes!r}")
    outside = np.flatnonzero((labels < 0) | (labels >= n_classes))
    if outside.size:
        raise ValueError(
            f"label {labels[outside[0]]} at index {outside[0]} is outside 0..{n_classes - 1} "
            f"(n_classes={n_classes})"
        )
    encoded = np.zeros((labels.size, int(n_classes)), dtype=dtype)
    encoded[np.arange(labels.size), labels.astype(np.intp)] = 1
    return encoded


def minibatches(x: np.ndarray, y: np.ndarray, batch_size: int, *,
                rng: np.random.Generator | int | None = None,
                shuffle: bool = True) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """One epoch of mini-batches (X_k, Y_k) of `batch_size` examples (the last may be smaller).

    Every example appears in exactly one batch. With `shuffle`, the order is a random permutation
    drawn from `rng` (a Generator, or a seed: the same seed gives the same batches); without it,
    the batches are consecutive slices in order.
    """
    if np.ndim(x) < 1 or np.ndim(y) < 1 or len(x) != len(y):
        raise ValueError(
            "x and y must hold the same number of examples along axis 0; "
            f"got shapes {np.shape(x)} and {np.shape(y)}"
        )
    if not isinstance(batch_size, Integral) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")
    order = np.random.default_rng(rng).permutation(len(x)) if shuffle else None
    return _batches(x, y, int(batch_size), order)


def _batches(x: np.ndarray, y: np.ndarray, batch_size: int,
             order: np.ndarray | None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    for start in range(0, len(x), batch_size):
        if order is None:
            yield x[start:start + batch_size], y[start:start + batch_size]
        else:
            chosen = order[start:start + batch_size]
            yield x[chosen], y[chosen]


if __name__ == "__main__":
    sys.exit(main())
