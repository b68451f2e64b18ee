"""Timing helpers shared by the benchmarks: NumPy on one thread, a steady allocator, and
interleaved rounds whose per-round ratios are summarised by their median.

Import this module before NumPy: `pin_threads()` only works if it runs first.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import math
import os
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

# glibc <malloc.h>
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD_MAX = 32 * 2**20  # glibc refuses larger values on 64-bit (HEAP_MAX_SIZE / 2)

CLOCKS: dict[str, Callable[[], int]] = {
    "wall": time.perf_counter_ns,  # the default: what a user waits for
    "cpu": time.thread_time_ns,  # this thread's CPU time: ignores time spent preempted
    "process": time.process_time_ns,  # CPU time of all the process's threads (JAX computes on its own)
}
clock = CLOCKS["wall"]


def use_clock(name: str) -> None:
    """Time every sample with the clock called `name` ("wall", "cpu" or "process")."""
    global clock
    clock = CLOCKS[name]


def pin_threads() -> None:
    """Ask every BLAS/OpenMP runtime for one thread (must run before NumPy is imported)."""
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"


def limit_threadpools() -> str:
    """Also pin already-loaded thread pools with threadpoolctl, when it happens to be installed."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return "threadpoolctl not installed (environment variables only)"
    limit_threadpools.handle = threadpool_limits(limits=1)  # type: ignore[attr-defined]
    return "threadpoolctl: limited to 1"


def steady_malloc(trim_threshold: int = 256 * 2**20) -> str:
    """Raise glibc's trim and mmap thresholds so that freed temporaries (~200 KB arrays) are
    reused from the heap instead of being returned to the OS and page-faulted back each time.

    A no-op (reported as such) where glibc's `mallopt` is unavailable.
    """
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return "mallopt unavailable (allocator left as is)"
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    trim_ok = mallopt(_M_TRIM_THRESHOLD, trim_threshold) == 1
    mmap_ok = mallopt(_M_MMAP_THRESHOLD, min(trim_threshold, _MMAP_THRESHOLD_MAX)) == 1
    return (
        f"mallopt: trim threshold {trim_threshold >> 20} MiB ({'ok' if trim_ok else 'refused'}), "
        f"mmap threshold {min(trim_threshold, _MMAP_THRESHOLD_MAX) >> 20} MiB "
        f"({'ok' if mmap_ok else 'refused'})"
    )


class CollectorTimer:
    """Time spent in the garbage collector, per generation, while installed (`with` block).

    Uses `gc.callbacks`, so it costs nothing between collections.
    """

    def __init__(self) -> None:
        self.ns = [0, 0, 0]
        self.count = [0, 0, 0]
        self._started = 0

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = clock()
        else:
            generation = info["generation"]
            self.ns[generation] += clock() - self._started
            self.count[generation] += 1

    def __enter__(self) -> CollectorTimer:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)


CACHE_LINE = 64


def aligned(array: Any) -> Any:
    """A copy of `array` whose data starts on a 64-byte boundary (a cache line).

    BLAS kernels run measurably faster on aligned operands (here, x @ W.T at [784, 30, 10],
    batch 10: about 16% faster with W aligned than 16 bytes off), and malloc aligns large
    blocks only to 16 bytes, so two sides of a comparison that hold their parameters in
    arrays allocated separately would differ by the luck of their addresses. Both sides get
    their parameters from this function instead.
    """
    import numpy as np  # (here: this module is imported before NumPy, to pin its threads)

    buffer = np.empty(array.nbytes + CACHE_LINE, dtype=np.uint8)
    start = (-buffer.ctypes.data) % CACHE_LINE
    out = buffer[start:start + array.nbytes].view(array.dtype).reshape(array.shape)
    out[...] = array
    return out


def sample_ns(fn: Callable[[], object], reps: int, collect_inside: bool = True) -> float:
    """Nanoseconds per call of `fn`, over `reps` back-to-back calls.

    The collector runs just before the sample (so no earlier garbage is charged to it) and,
    with `collect_inside`, once more inside the timed region after the calls, so each side
    pays for the cyclic garbage it made.
    """
    gc.collect()
    start = clock()
    for _ in range(reps):
        fn()
    if collect_inside:
        gc.collect()
    return (clock() - start) / reps


def calibrate(fn: Callable[[], object], target_ns: float, warmup: int = 3) -> int:
    """How many calls of `fn` take about `target_ns` (after a few warm-up calls)."""
    for _ in range(warmup):
        fn()
    reps = 1
    while True:
        start = clock()
        for _ in range(reps):
            fn()
        elapsed = clock() - start
        if elapsed >= target_ns / 4 or reps >= 1 << 20:
            return max(1, round(reps * target_ns / max(elapsed, 1)))
        reps *= 4


def interleaved(
    sides: Mapping[str, Callable[[], object]],
    rounds: int,
    target_ns: float,
    collect_inside: bool = True,
    min_reps: int = 3,
) -> dict[str, list[float]]:
    """Per-round nanoseconds per call of each side, the sides taking turns within each round.

    The order of the sides is reversed every other round, so a slow drift of the machine
    (another process, thermal state) does not favour whichever side runs first. A sample
    makes at least `min_reps` calls, so that a slow step is still averaged over a few.
    """
    reps = {name: max(min_reps, calibrate(fn, target_ns)) for name, fn in sides.items()}
    names = list(sides)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        for name in names if r % 2 == 0 else reversed(names):
            times[name].append(sample_ns(sides[name], reps[name], collect_inside))
    return times


def median_ratio(numerator: Sequence[float], denominator: Sequence[float]) -> float:
    """The median of the per-round ratios numerator[r] / denominator[r]."""
    return statistics.median(n / d for n, d in zip(numerator, denominator, strict=True))


def loglog_slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """The least-squares slope of log(y) against log(x): the exponent k in y ~ x^k."""
    lx = [math.log(x) for x in xs]
    ly = [math.log(y) for y in ys]
    mx, my = statistics.fmean(lx), statistics.fmean(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True)) / sum(
        (a - mx) ** 2 for a in lx
    )
