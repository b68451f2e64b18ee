"""Threads and asyncio tasks: grad mode and the nesting of grad are theirs alone, and passes
that share parameters add up their gradients correctly.

Each test makes its threads meet at a `threading.Barrier` every round, so their passes
overlap, and repeats that many times; the interpreter switches threads every few
microseconds instead of every 5 ms, so they interleave inside the passes.
"""

import asyncio
import sys
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value, grad, hessian, no_grad


@pytest.fixture(autouse=True)
def frequent_thread_switches():
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


def _in_threads(work: Callable[[int, threading.Barrier], Any], n: int = 2) -> list[Any]:
    """Run work(k, barrier) in n threads at once; their results, or the first error raised."""
    barrier = threading.Barrier(n, timeout=60)
    results: list[Any] = [None] * n
    errors: list[BaseException] = []

    def run(k: int) -> None:
        try:
            results[k] = work(k, barrier)
        except BaseException as error:  # noqa: BLE001  (re-raised in the main thread)
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def _loss(W: Value, b: Value, X: np.ndarray) -> Value:
    return (ag.sigmoid(X @ W.T + b) ** 2).sum()


def test_backward_passes_in_two_threads_through_shared_parameters_add_up():
    rng = np.random.default_rng(0)
    W, b = Value(rng.standard_normal((3, 4))), Value(rng.standard_normal(3))
    batches = [rng.standard_normal((5, 4)), rng.standard_normal((5, 4))]
    rounds = 1000

    def work(k: int, barrier: threading.Barrier) -> None:
        for _ in range(rounds):
            loss = _loss(W, b, batches[k])
            barrier.wait()
            loss.backward()

    _in_threads(work)
    want_W = sum(grad(_loss, argnum=0)(W.data, b.data, X) for X in batches) * rounds
    want_b = sum(grad(_loss, argnum=1)(W.data, b.data, X) for X in batches) * rounds
    np.testing.assert_allclose(W.grad, want_W, rtol=1e-10)
    np.testing.assert_allclose(b.grad, want_b, rtol=1e-10)


def test_a_forward_pass_records_while_another_thread_runs_backward_or_sits_in_no_grad():
    W = Value(np.random.default_rng(1).standard_normal((20, 20)))
    rounds = 300

    def work(k: int, barrier: threading.Barrier) -> list[bool]:
        recorded = []
        for _ in range(rounds):
            if k == 0:  # backward passes, and no_grad, in this thread
                loss = ag.tanh(W @ W).sum()
                with no_grad():
                    barrier.wait()
                    loss.backward()
            else:  # graphs built in this thread meanwhile
                barrier.wait()
                z = ag.tanh(W @ W)
                recorded.append(z.requires_grad and z.op == "tanh" and ag.is_grad_enabled())
        return recorded

    recorded = _in_threads(work)[1]
    assert len(recorded) == rounds and all(recorded)


def test_grad_and_hessian_called_in_threads_at_once_give_arrays_of_the_right_values():
    x = np.array([0.3, -0.7, 1.1])

    def f(v: Any) -> Any:
        return (ag.tanh(v) ** 3).sum()

    t = np.tanh(x)
    want_grad = 3 * t**2 * (1 - t**2)
    want_hessian = np.diag((6 * t - 12 * t**3) * (1 - t**2))
    rounds = 100

    def work(k: int, barrier: threading.Barrier) -> None:
        for _ in range(rounds):
            barrier.wait()
            if k == 0:
                g = grad(f)(x)
                assert isinstance(g, np.ndarray)
                np.testing.assert_allclose(g, want_grad, rtol=1e-12)
            else:
                h = hessian(f)(x)
                assert isinstance(h, np.ndarray)
                np.testing.assert_allclose(h, want_hessian, rtol=1e-12, atol=1e-14)

    _in_threads(work)
    assert ag.is_grad_enabled()


def test_no_grad_in_one_asyncio_task_leaves_the_others_recording():
    x = Value(2.0)

    async def quiet() -> bool:
        with no_grad():
            await asyncio.sleep(0.01)
            return (x * x).requires_grad

    async def recording() -> bool:
        await asyncio.sleep(0.005)  # while the other task is inside no_grad
        return (x * x).requires_grad

    async def both() -> list[bool]:
        return list(await asyncio.gather(quiet(), recording()))

    assert asyncio.run(both()) == [False, True]
