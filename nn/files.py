"""Files written whole or not at all, with the user's umask, and `.npz` archives read without pickle.

`write_atomically` writes a file under a temporary name beside it, flushes it to disk and renames
it into place, so a reader sees the old file or the new one, never half of one. The file is
created with mode 0o666 less the umask, as `open()` creates files.

`read_npz` reads the arrays of an `.npz` archive with `allow_pickle=False`, and says in plain words
what is wrong with a file that is not one: empty, a single `.npy` array, a text or other file (an
`.npz` is a zip archive of `.npy` arrays, so it starts with the bytes "PK"), truncated or corrupt,
or holding an array of Python objects (which is never loaded).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import BinaryIO

import numpy as np

__all__ = [
    "NpzError", "current_umask", "file_sha256", "fsync_directory", "read_npz", "write_atomically",
    "write_npz",
]

_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")  # a zip archive's first entry, or an empty archive
_NPY_SIGNATURE = b"\x93NUMPY"
_READ_ERRORS = (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error)


class NpzError(ValueError):
    """A file that is not a readable `.npz` archive of plain arrays (the message names it and says why)."""


def write_atomically(path: str | os.PathLike[str], write: Callable[[BinaryIO], object]) -> Path:
    """Create or replace `path` with what `write(file)` writes, all at once (temporary file, fsync, rename).

    The file gets mode 0o666 less the umask. On any error the temporary file is removed and
    `path` is left as it was. Returns `path` as a Path.
    """
    target = Path(path)
    fd, temporary = _create_temporary(target)
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target


def _create_temporary(target: Path) -> tuple[int, Path]:
    """A new file beside `target` opened for writing, created with mode 0o666 (the umask applies)."""
    while True:
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), temporary
        except FileExistsError:
            continue


def current_umask() -> int:
    """The process's umask (read from /proc where it is shown, else set and put back at once)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_npz(path: str | os.PathLike[str], arrays: Mapping[str, np.ndarray]) -> Path:
    """Write `arrays` (name -> array) to `path` as an uncompressed `.npz` archive, atomically."""
    named = {key: np.asarray(value) for key, value in arrays.items()}
    return write_atomically(path, lambda file: np.savez(file, **named))  # type: ignore[arg-type]


def fsync_directory(directory: str | os.PathLike[str]) -> None:
    """Flush a directory's entries (the renames into it) to disk, where the system allows it."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a directory; the renames are still atomic
    finally:
        os.close(fd)


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file's bytes, as 64 hexadecimal digits."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def read_npz(
    path: str | os.PathLike[str], select: Callable[[list[str]], Iterable[str]] | None = None,
) -> dict[str, np.ndarray]:
    """The arrays of the `.npz` archive at `path` (those `select(names)` picks, else all), without pickle.

    Raises `FileNotFoundError` for a missing file and `NpzError` for a file that is not a
    readable archive of plain arrays, saying what the file is instead. `select` may raise
    its own error after looking at the names.
    """
    file = Path(path)
    problem = _signature_problem(file)
    if problem:
        raise NpzError(f"{file} is not an .npz archive: {problem}")
    try:
        archive = np.load(file, allow_pickle=False)
    except FileNotFoundError:
        raise
    except _READ_ERRORS as error:
        raise NpzError(f"{file} could not be read as an .npz archive (it is truncated or corrupt: "
                       f"{_plain(error)})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):  # pragma: no cover - the signature check rules it out
        raise NpzError(f"{file} is not an .npz archive of named arrays")
    with archive:
        names = list(archive.files)
        return {name: _array(archive, name, file) for name in (names if select is None else select(names))}


def _array(archive: np.lib.npyio.NpzFile, name: str, file: Path) -> np.ndarray:
    try:
        return archive[name]
    except _READ_ERRORS as error:
        if "pickle" in str(error) or "Object arrays" in str(error):
            raise NpzError(f"{file}: the array {name!r} holds Python objects, not numbers; such arrays "
                           "are never loaded") from None
        raise NpzError(f"{file}: the array {name!r} could not be read (the file is truncated or corrupt: "
                       f"{_plain(error)})") from None


def _signature_problem(file: Path) -> str | None:
    """Why the file's first bytes are not those of an `.npz` archive, or None when they are."""
    with open(file, "rb") as stream:  # FileNotFoundError, IsADirectoryError and the like pass through
        head = stream.read(64)
    if head.startswith(_ZIP_SIGNATURES):
        return None
    if not head:
        return "the file is empty"
    if head.startswith(_NPY_SIGNATURE):
        return "it holds a single .npy array, not an archive of named arrays"
    kind = "a text file" if _looks_like_text(head) else "another kind of file"
    return f"an .npz file is a zip archive of .npy arrays, starting with b'PK'; this is {kind}, starting " \
           f"with {head[:24]!r}"


def _looks_like_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:  # not just a character cut at the end of the bytes read
            return False
        text = head[:error.start].decode("utf-8")
    return all(ch.isprintable() or ch in "\t\r\n" for ch in text)


def _plain(error: BaseException) -> str:
    """An error's text, unless it speaks of unpickling (which this package never offers)."""
    text = str(error) or type(error).__name__
    return "its contents are not plain arrays" if "pickle" in text else text
