"""A training run's folder: one process at a time, and each epoch's checkpoint saved as one unit.

The folder of `python -m nn.train --out DIR` holds

- `metrics.json`: the settings and one list per metric (see `nn.train.new_metrics`);
- `model.npz`: the parameters (see `Module.save`);
- `optimizer.npz`: the optimiser's state (velocities, moments), when it has any;
- `checkpoint.json`: the manifest, written last: the epoch and the SHA-256 of each file above;
- `learning_curve.svg`: drawn from the metrics at the end (not part of the checkpoint);
- `.lock`: the lock file.

One run at a time. Opening the folder takes an exclusive `fcntl.flock` lock on `.lock` and writes
the process id into it; another process that opens the folder meanwhile is refused, with that
id in the message. The operating system releases the lock when its process ends, however it
ends, so the `.lock` file of a killed run holds no lock: the next run takes it over.

A checkpoint is one unit. `save` writes its files into a fresh staging folder `.checkpoint.new`,
each flushed to disk, and the manifest last; then it moves each file into the run's folder (an
atomic rename each), the manifest last, and removes the staging folder. Opening the folder
finishes what a crash interrupted: a staging folder without its manifest (a crash while
writing) is deleted, leaving the previous checkpoint as it was; a staging folder with its
manifest (a crash while moving) is moved into place. `load` checks every file of the
checkpoint against the manifest's SHA-256 before a run continues. Ctrl-C (SIGINT) and SIGTERM
are held back while a checkpoint is saved and take effect once it is in place, so a run
interrupted that way always leaves a whole checkpoint and no staging folder.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from .files import file_sha256, fsync_directory, write_atomically

__all__ = ["CHECKPOINT_FILES", "Checkpoint", "RunFolder", "RunFolderError"]

METRICS_FILE, MODEL_FILE, OPTIMIZER_FILE = "metrics.json", "model.npz", "optimizer.npz"
CHECKPOINT_FILES = (METRICS_FILE, MODEL_FILE, OPTIMIZER_FILE)
MANIFEST_FILE, LOCK_FILE, STAGING_DIR = "checkpoint.json", ".lock", ".checkpoint.new"


class RunFolderError(RuntimeError):
    """The run's folder cannot be used: not a writable folder, in use by another run, or damaged."""


@dataclass(frozen=True)
class Checkpoint:
    """A verified checkpoint: its epoch and the files it consists of (names inside the folder)."""

    epoch: int
    files: tuple[str, ...]


class RunFolder:
    """The folder of one training run, locked for this process while open (see the module docstring)."""

    def __init__(self, path: Path, lock_fd: int) -> None:
        self.path, self._lock_fd = path, lock_fd

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> RunFolder:
        """Create the folder if needed, lock it, and finish a checkpoint a crash interrupted.

        Raises `RunFolderError` when `path` is not a folder this process can write into, or
        when another process holds the lock.
        """
        folder = Path(path)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o666)
        except FileExistsError:
            raise RunFolderError(f"{folder} is a file, not a folder") from None
        except NotADirectoryError:
            raise RunFolderError(f"{folder} is below a file, not inside a folder") from None
        except OSError as error:
            raise RunFolderError(f"cannot write into {folder}: {error.strerror or error}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            if isinstance(error, BlockingIOError):
                raise RunFolderError(
                    f"{folder} is in use by another training run (process {holder}); wait for it to "
                    "finish, or choose another folder"
                ) from None
            raise RunFolderError(f"cannot lock {folder / LOCK_FILE}: {error.strerror or error}") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        opened = cls(folder, fd)
        try:
            opened._recover()
        except BaseException:
            opened.close()
            raise
        return opened

    def close(self) -> None:
        """Release the lock (the `.lock` file stays)."""
        if self._lock_fd >= 0:
            os.close(self._lock_fd)  # closing the descriptor releases its flock
            self._lock_fd = -1

    def __enter__(self) -> RunFolder:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def has_run(self) -> bool:
        """Whether the folder holds a run (a checkpoint, or files of one)."""
        return any((self.path / name).exists() for name in (MANIFEST_FILE, METRICS_FILE, MODEL_FILE))

    def saved_epoch(self) -> int | None:
        """The epoch of the folder's checkpoint as its manifest says (None without a manifest)."""
        manifest = self.path / MANIFEST_FILE
        return _read_manifest(manifest)["epoch"] if manifest.is_file() else None

    # --- saving ----------------------------------------------------------------------------------
    def save(self, epoch: int, write: Callable[[Path], Any]) -> None:
        """Save the checkpoint of `epoch`: `write(folder)` writes its files into the staging folder
        given; they replace the previous checkpoint all together (see the module docstring)."""
        staging = self.path / STAGING_DIR
        with _interruptions_held_back():
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir()
            write(staging)
            files = [name for name in CHECKPOINT_FILES if (staging / name).is_file()]
            manifest = {"epoch": epoch, "files": {name: file_sha256(staging / name) for name in files}}
            fsync_directory(staging)
            text = json.dumps(manifest, indent=1) + "\n"
            write_atomically(staging / MANIFEST_FILE, lambda file: file.write(text.encode()))
            self._move_into_place(staging, manifest)

    def _move_into_place(self, staging: Path, manifest: dict) -> None:
        """Move the staged files, then the manifest, into the folder; drop files the new checkpoint lacks."""
        for name, digest in manifest["files"].items():
            if (staging / name).exists():
                self._move(staging / name, self.path / name)
            elif not (self.path / name).is_file() or file_sha256(self.path / name) != digest:
                raise RunFolderError(
                    f"{self.path}: the interrupted checkpoint of epoch {manifest['epoch']} cannot be "
                    f"completed: {name} is neither staged nor in place; delete {staging} to go back to the "
                    "previous one"
                )
        self._move(staging / MANIFEST_FILE, self.path / MANIFEST_FILE)
        for name in CHECKPOINT_FILES:
            if name not in manifest["files"]:
                (self.path / name).unlink(missing_ok=True)
        fsync_directory(self.path)
        shutil.rmtree(staging, ignore_errors=True)

    def _move(self, source: Path, target: Path) -> None:
        """One file of a checkpoint into place (an atomic rename)."""
        os.replace(source, target)

    def _recover(self) -> None:
        """Finish a checkpoint a crash interrupted: complete a fully staged one, drop a partly staged one."""
        staging = self.path / STAGING_DIR
        if not staging.exists():
            return
        if not (staging / MANIFEST_FILE).is_file():
            shutil.rmtree(staging)
            return
        manifest = _read_manifest(staging / MANIFEST_FILE)
        for name, digest in manifest["files"].items():
            if (staging / name).exists() and file_sha256(staging / name) != digest:
                raise RunFolderError(
                    f"{staging / name} does not match its manifest {staging / MANIFEST_FILE}; delete "
                    f"{staging} to go back to the previous checkpoint"
                )
        self._move_into_place(staging, manifest)

    # --- loading ---------------------------------------------------------------------------------
    def load(self) -> Checkpoint:
        """The folder's checkpoint, after checking each of its files against the manifest's SHA-256."""
        manifest_path = self.path / MANIFEST_FILE
        if not manifest_path.is_file():
            raise RunFolderError(
                f"{self.path} holds no {MANIFEST_FILE}, the manifest nn.train writes last at each epoch, so "
                "its files cannot be trusted to belong together; start the run again in another folder"
            )
        manifest = _read_manifest(manifest_path)
        for name, digest in manifest["files"].items():
            file = self.path / name
            if not file.is_file():
                raise RunFolderError(f"{file} is missing; the checkpoint {manifest_path} lists it")
            if file_sha256(file) != digest:
                raise RunFolderError(
                    f"{file} has changed since the checkpoint of epoch {manifest['epoch']} was saved (its "
                    f"SHA-256 is not the one in {manifest_path}); the run cannot continue from it"
                )
        return Checkpoint(manifest["epoch"], tuple(manifest["files"]))


@contextmanager
def _interruptions_held_back() -> Iterator[None]:
    """Inside the block, SIGINT and SIGTERM are only noted; when it ends, the first one noted is
    raised again with the usual handlers back (KeyboardInterrupt for Ctrl-C), so it takes effect
    after the checkpoint is whole. Python's handlers run in the main thread, so elsewhere the
    block holds nothing back."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    noted: list[int] = []
    usual = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    for number, handler in usual.items():
        if handler is not None:  # None: a handler set outside Python, which cannot be put back
            signal.signal(number, lambda received, frame: noted.append(received))
    try:
        yield
    finally:
        for number, handler in usual.items():
            if handler is not None:
                signal.signal(number, handler)
        if noted:
            signal.raise_signal(noted[0])


def _read_manifest(path: Path) -> dict:
    """The manifest at `path`, checked: {"epoch": int >= 0, "files": {name: sha256}}."""
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise RunFolderError(f"cannot read the checkpoint manifest {path}: {error}") from None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    epoch = manifest.get("epoch") if isinstance(manifest, dict) else None
    valid = (isinstance(epoch, int) and not isinstance(epoch, bool) and epoch >= 0 and isinstance(files, dict)
             and set(files) <= set(CHECKPOINT_FILES) and MODEL_FILE in files and METRICS_FILE in files
             and all(isinstance(digest, str) and len(digest) == 64 for digest in files.values()))
    if not valid:
        raise RunFolderError(f"{path} is not a checkpoint manifest written by nn.train")
    return manifest
