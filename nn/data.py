"""Data for the networks: MNIST with the book's 50,000 / 10,000 / 10,000 split, and small synthetic sets.

Every set is a `Dataset`: inputs `x` as rows (m, n_in), so an example is one input activation
`a^0 = x`, and integer labels `y` (m,). `one_hot` turns a label into the desired output `y(x)` of
the book (a unit vector), and `minibatches` deals an epoch out in shuffled mini-batches of m examples.

MNIST is found, in this order:

1. the `path` argument (the `--data` flag of `python -m nn.train`);
2. the `MNIST_PATH` environment variable;
3. the cache directory, `$XDG_CACHE_HOME/backprop-lab` or `~/.cache/backprop-lab`;
4. a download into that cache (over HTTPS, checked against a SHA-256, written atomically).

A path may be an `.npz` file or a directory. An `.npz` holds either the split arrays
`x_train, y_train, x_val, y_val, x_test, y_test` (the layout of `../shared/data/mnist.npz`) or the
common four arrays `x_train, y_train, x_test, y_test` with all 60,000 training images, which are split
as the book does: the first 50,000 train, the last 10,000 validate. A directory holds `mnist.npz`
or the four original IDX files (`train-images-idx3-ubyte.gz`, ... ; uncompressed copies work too).
Pixels must be uint8 (0-255); they are scaled to [0, 1] by dividing by 255. Labels become int64.

Errors. Anything wrong with the data raises `DataError` (a `ValueError`) whose message says which
file (or URL) was at fault, what was expected there, and how to provide MNIST:

- a missing file or directory: "MNIST file not found: PATH (given by ...)";
- a file that is not a readable archive, or is truncated: "... could not be read as an .npz archive";
  IDX files: "... is not an IDX file", "... is truncated";
- wrong arrays, shapes, dtypes or label values: "x_train in PATH has shape (10, 784), expected ...";
- a failed download: "downloading URL failed: ...", "the download of URL stopped after N of M bytes",
  "the file downloaded from URL fails its SHA-256 check: expected ..., got ...";
- nothing found and downloading turned off: "MNIST was not found: ...".

Pickled objects are never loaded (`allow_pickle=False` everywhere).
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import ipaddress
import os
import struct
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from numbers import Integral
from pathlib import Path

import numpy as np
from numpy.typing import DTypeLike

__all__ = [
    "MNIST_SHA256",
    "MNIST_URL",
    "SYNTHETIC_SETS",
    "DataError",
    "Dataset",
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

CACHE_FILENAME = "mnist.npz"
DOWNLOAD_TIMEOUT_SECONDS = 20.0  # per connect or read, not for the whole transfer
_CHUNK_BYTES = 1 << 16

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
    """Where a downloaded MNIST is kept: `$XDG_CACHE_HOME/backprop-lab`, else `~/.cache/backprop-lab`."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "backprop-lab"


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
    examples of each split, for quick runs. Raises `DataError` when MNIST cannot be loaded.
    """
    float_dtype = _float_dtype(dtype)
    _check_limit(limit)
    source_url, expected_sha256 = _download_source(url, sha256)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    try:
        raw = _locate_and_read(path, cache, download, source_url, expected_sha256)
    except DataError as exc:
        raise DataError(f"{exc}\n{_how_to_provide(cache)}") from exc
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
        f"training images) or to a directory of the IDX files ({idx_names}); or put {CACHE_FILENAME} in "
        f"the cache directory {cache}, where it is downloaded from {MNIST_URL} when online."
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
        raise DataError(
            f"MNIST was not found: no path was given, MNIST_PATH is not set, the cache directory {cache} "
            f"holds no {CACHE_FILENAME} (nor the IDX files), and downloading is turned off."
        )
    return _download(url, expected_sha256, cache / CACHE_FILENAME)


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
    try:
        loaded = np.load(file, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise DataError(
            f"{described_as} could not be read as an .npz archive (is it truncated or corrupt?): {exc}"
        ) from exc
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise DataError(f"{described_as} holds a single .npy array; expected an .npz archive of named arrays")
    with loaded:
        keys = set(loaded.files)
        wanted: tuple[str, ...]
        if set(SPLIT_KEYS) <= keys:
            wanted = SPLIT_KEYS
        elif set(FOUR_ARRAY_KEYS) <= keys:
            wanted = FOUR_ARRAY_KEYS
        else:
            raise DataError(
                f"{described_as} holds the arrays {sorted(keys)}; expected {', '.join(SPLIT_KEYS)} "
                f"(the 50,000/10,000/10,000 split) or {', '.join(FOUR_ARRAY_KEYS)} (60,000 training images)"
            )
        try:
            arrays = {key: loaded[key] for key in wanted}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
            raise DataError(
                f"{described_as}: an array could not be read (is the file truncated or corrupt?): {exc}"
            ) from exc
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


def _download(url: str, expected_sha256: str, destination: Path) -> RawMnist:
    """Fetch `url` into `destination` atomically, after checking its SHA-256 and its arrays.

    The bytes go to a temporary file beside `destination`; only a complete, verified, readable
    file is renamed into place (`os.replace`), so an interrupted download leaves nothing behind.
    """
    _check_download_url(url)
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary_name = tempfile.mkstemp(
            dir=destination.parent, prefix=f".{destination.name}.", suffix=".part"
        )
    except OSError as exc:
        raise DataError(
            f"cannot write the download into the cache directory {destination.parent}: {exc}"
        ) from exc
    temporary = Path(temporary_name)
    try:
        print(f"Downloading MNIST from {url} to {destination}", file=sys.stderr)
        with os.fdopen(handle, "wb") as out:
            digest = _fetch(url, out.write)
            out.flush()
            os.fsync(out.fileno())
        if digest != expected_sha256:
            raise DataError(
                f"the file downloaded from {url} fails its SHA-256 check: expected {expected_sha256}, "
                f"got {digest}; it was not kept."
            )
        raw = _read_npz(temporary, f"the file downloaded from {url}")
        os.replace(temporary, destination)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return raw


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


def _fetch(url: str, write: Callable[[bytes], object]) -> str:
    """Stream the body of `url` into `write`; its SHA-256 hex digest, after checking it arrived whole."""
    # A request to this machine bypasses any proxy configured in the environment.
    local = _is_loopback(urllib.parse.urlsplit(url).hostname)
    handlers = [urllib.request.ProxyHandler({})] if local else []
    opener = urllib.request.build_opener(*handlers)
    digest = hashlib.sha256()
    received = 0
    try:
        with opener.open(url, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
            announced = _content_length(response.headers.get("Content-Length"))
            while chunk := response.read(_CHUNK_BYTES):
                write(chunk)
                digest.update(chunk)
                received += len(chunk)
    except urllib.error.HTTPError as exc:
        raise DataError(f"downloading {url} failed: HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        raise DataError(f"downloading {url} failed: {exc.reason}") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise DataError(
            f"downloading {url} failed after {received} bytes: {type(exc).__name__}: {exc}"
        ) from exc
    if announced is not None and received != announced:
        raise DataError(
            f"the download of {url} stopped after {received} of {announced} bytes (the connection was "
            "interrupted); nothing was kept."
        )
    return digest.hexdigest()


def _content_length(header: str | None) -> int | None:
    return int(header) if header is not None and header.strip().isdigit() else None


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
