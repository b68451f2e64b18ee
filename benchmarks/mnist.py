"""Nielsen's MNIST runs, timed: our engine against the book's per-example loop and our closed form.

    .venv/bin/python benchmarks/mnist.py                     # the full runs (several minutes)
    .venv/bin/python benchmarks/mnist.py --quick             # 2 epochs on 10,000 images each
    .venv/bin/python benchmarks/mnist.py --epochs 5 --limit 20000 --skip-ce --json out.json

1. The book's chapter 1 run: [784, 30, 10], sigmoid, quadratic cost, eta 3.0, mini-batches
   of 10, 30 epochs, default initialisation (N(0, 1/n_in) weights). Three implementations
   train from the same initial weights on the same shuffled mini-batches, taking turns
   epoch by epoch (the order rotates each epoch, so drift of the machine favours none):
     engine        nn.train.Trainer, backend "engine": model(X), cost, backward(), SGD
     closed-form   nn.train.Trainer, backend "closed-form": nn.backprop's BP1-BP4, the same SGD
     per-example   the book's network.py, written again here step for step: column vectors,
                   one example at a time, zero-filled gradient lists, sigma'(z) recomputed
                   from z, gradients summed over the mini-batch, np.dot for the products
   Reported: the test accuracy at the epoch of best validation accuracy (target >= 95%; the
   test set never chooses the epoch), and seconds per training epoch (evaluation
   excluded), the median over epochs; ratios are medians of the per-epoch ratios. Targets:
   the engine at least 8x faster than the per-example loop, at most 1.3x the closed form.
   The per-example loop runs only its first --loop-epochs epochs (it is slow).
   A fourth implementation shows how far the targets can be reached on this machine:
     numpy floor   benchmarks/engine.py's hand-written BP1-BP4 step, vectorised over the
                   mini-batch, with no library around it (the same update, the same mini-batches)
   The engine does the same arithmetic on NumPy with Python around it, so per-example / floor
   is, in practice, the most per-example / engine can reach on the machine. It takes its turn
   with the others.
   With --float32 one more implementation takes its turn: the engine on float32 images and
   weights (the same initial weights, rounded), reported beside the float64 figures and
   never in place of them (the targets are judged in float64, the book's precision).
2. The book's chapter 3 run: [784, 100, 10], cross-entropy, L2 regularisation lmbda 5.0,
   mini-batches of 10, 60 epochs, by the engine (target >= 98% test accuracy at the epoch of
   best validation accuracy). By default
   eta starts at 0.5 and is halved whenever the validation accuracy has not improved for 5
   epochs (the book's learning-rate schedule): with a constant eta the runs here peaked at
   97.72% (eta 0.5), 97.88% (eta 0.1) and 97.99% (eta 0.1, momentum 0.5). The settings are printed.
3. Peak memory of the whole process (ru_maxrss).

NumPy runs on one thread (the variables are set before NumPy is imported). MNIST is read
from --data, else $MNIST_PATH, else the cache or a download (see nn.data).
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field, replace  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine import numpy_forward, numpy_step  # noqa: E402  (the floor of benchmarks/engine.py)

from nn import MLP, SGD  # noqa: E402
from nn.data import Dataset, load_mnist, minibatches, one_hot  # noqa: E402
from nn.train import Trainer  # noqa: E402

TARGET_ACCURACY, TARGET_CE_ACCURACY = 0.95, 0.98
TARGET_LOOP_RATIO, TARGET_CLOSED_RATIO = 8.0, 1.3


# --- the book's per-example loop, written here in the style of network.py --------------------------------


def plain_sigmoid(z: np.ndarray) -> np.ndarray:
    """The book's sigmoid, 1 / (1 + e^-z)."""
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z: np.ndarray) -> np.ndarray:
    """The book's sigma'(z) = sigma(z) (1 - sigma(z)), computed from z (as network.py does)."""
    return plain_sigmoid(z) * (1 - plain_sigmoid(z))


class PerExampleNetwork:
    """A network trained one example at a time with column vectors, step for step as the book's
    network.py does it: in `backprop`, zero-filled gradient lists and sigma'(z) recomputed from z."""

    def __init__(self, weights: list[np.ndarray], biases: list[np.ndarray]) -> None:
        self.weights = [w.copy() for w in weights]
        self.biases = [b.reshape(-1, 1).copy() for b in biases]

    def update_mini_batch(self, mini_batch: list[tuple[np.ndarray, np.ndarray]], eta: float) -> None:
        """w -> w - (eta/m) sum_x dC_x/dw, b likewise: equations (16)-(17), one example at a time."""
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        for x, y in mini_batch:
            delta_nabla_b, delta_nabla_w = self.backprop(x, y)
            nabla_b = [nb + dnb for nb, dnb in zip(nabla_b, delta_nabla_b, strict=True)]
            nabla_w = [nw + dnw for nw, dnw in zip(nabla_w, delta_nabla_w, strict=True)]
        m = len(mini_batch)
        self.weights = [w - (eta / m) * nw for w, nw in zip(self.weights, nabla_w, strict=True)]
        self.biases = [b - (eta / m) * nb for b, nb in zip(self.biases, nabla_b, strict=True)]

    def feedforward_all(self, x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """([z^1..z^L], [a^0 = x, a^1..a^L]) for one example, as columns."""
        activation, activations, zs = x, [x], []
        for b, w in zip(self.biases, self.weights, strict=True):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = plain_sigmoid(z)
            activations.append(activation)
        return zs, activations

    def backprop(self, x: np.ndarray, y: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """dC_x/db^l and dC_x/dW^l for one example (column vectors), quadratic cost, by BP1-BP4."""
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        zs, activations = self.feedforward_all(x)
        delta = (activations[-1] - y) * sigmoid_prime(zs[-1])  # BP1
        nabla_b[-1], nabla_w[-1] = delta, np.dot(delta, activations[-2].transpose())  # BP3, BP4
        for l in range(2, len(self.weights) + 1):
            delta = np.dot(self.weights[-l + 1].transpose(), delta) * sigmoid_prime(zs[-l])  # BP2
            nabla_b[-l], nabla_w[-l] = delta, np.dot(delta, activations[-l - 1].transpose())
        return nabla_b, nabla_w

    def train_epoch(self, pairs: list[tuple[np.ndarray, np.ndarray]], order: np.ndarray, batch_size: int,
                    eta: float) -> None:
        """One epoch over `pairs` in the given order, in mini-batches."""
        with np.errstate(over="ignore"):  # the book's plain sigmoid overflows harmlessly for very negative z
            for k in range(0, len(order), batch_size):
                self.update_mini_batch([pairs[i] for i in order[k:k + batch_size]], eta)

    def correct(self, x: np.ndarray, labels: np.ndarray) -> int:
        """How many rows of x are classified as their label (argmax of the output)."""
        a = x
        with np.errstate(over="ignore"):
            for b, w in zip(self.biases, self.weights, strict=True):
                a = plain_sigmoid(a @ w.T + b.T)
        return int(np.sum(np.argmax(a, axis=1) == labels))


# --- timing ----------------------------------------------------------------------------------------------


@dataclass
class Runner:
    """One implementation under test: how to train an epoch and how many it gets right."""

    name: str
    train_epoch: Callable[[int], None]
    correct: Callable[[np.ndarray, np.ndarray], int]
    max_epochs: int
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    val: list[int] = field(default_factory=list)
    test: list[int] = field(default_factory=list)


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall-clock seconds, process CPU seconds) of one call of fn."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def trainer_runner(name: str, backend: str, data: Dataset, sizes: list[int], seed: int, epochs: int,
                   eta: float, batch_size: int) -> Runner:
    """Our Trainer with the given backend, from the initial weights MLP(sizes, seed=seed), in the
    dtype of the images."""
    model = MLP(sizes, seed=seed, dtype=data.x_train.dtype)
    trainer = Trainer(model, "quadratic", SGD(model.parameters(), eta), backend=backend,
                      batch_size=batch_size, seed=seed, progress=False, log=None)
    y_train = one_hot(data.y_train, sizes[-1], dtype=data.x_train.dtype)
    dtype = data.x_train.dtype  # evaluated in its own dtype too (astype is a no-op for float64)
    return Runner(name, lambda e: trainer.train_epoch(data.x_train, y_train, e),
                  lambda x, y: trainer.evaluate(x.astype(dtype, copy=False), y)[0], epochs)


def loop_runner(data: Dataset, sizes: list[int], seed: int, epochs: int, eta: float,
                batch_size: int) -> Runner:
    """The book-style per-example loop, from the same initial weights and on the same mini-batches."""
    start = MLP(sizes, seed=seed)  # the same initial weights as the other two
    net = PerExampleNetwork([l.W.data for l in start.layers], [l.b.data for l in start.layers])
    targets = one_hot(data.y_train, sizes[-1], dtype=data.x_train.dtype)
    pairs = [(x.reshape(-1, 1), y.reshape(-1, 1)) for x, y in zip(data.x_train, targets, strict=True)]

    def train_epoch(epoch: int) -> None:
        order = np.random.default_rng([seed, epoch]).permutation(len(pairs))  # the Trainer's shuffle
        net.train_epoch(pairs, order, batch_size, eta)

    return Runner("per-example", train_epoch, net.correct, epochs)


def floor_runner(data: Dataset, sizes: list[int], seed: int, epochs: int, eta: float,
                 batch_size: int) -> Runner:
    """benchmarks/engine.py's hand-written BP1-BP4 (C averaged over the batch, so w -= eta dC/dw is
    equations (16)-(17)), from the same initial weights and on the Trainer's mini-batches."""
    start = MLP(sizes, seed=seed)
    layers = [(layer.W.data.copy(), layer.b.data.copy()) for layer in start.layers]
    targets = one_hot(data.y_train, sizes[-1], dtype=data.x_train.dtype)

    def train_epoch(epoch: int) -> None:
        rng = np.random.default_rng([seed, epoch])  # the Trainer's shuffle
        for xb, yb in minibatches(data.x_train, targets, batch_size, rng=rng):
            numpy_step(layers, xb, yb, eta)()

    def correct(x: np.ndarray, labels: np.ndarray) -> int:
        return int(np.sum(np.argmax(numpy_forward(layers, x)[-1], axis=1) == labels))

    return Runner("numpy floor", train_epoch, correct, epochs)


def nielsen_run(data: Dataset, args: argparse.Namespace) -> dict:
    """Section 1: the three implementations, interleaved epoch by epoch."""
    sizes, eta, batch = [784, 30, 10], 3.0, 10
    runners = [
        trainer_runner("engine", "engine", data, sizes, args.seed, args.epochs, eta, batch),
        trainer_runner("closed-form", "closed-form", data, sizes, args.seed, args.epochs, eta, batch),
        loop_runner(data, sizes, args.seed, min(args.loop_epochs, args.epochs), eta, batch),
        floor_runner(data, sizes, args.seed, args.epochs, eta, batch),
    ]
    if args.float32:
        runners.append(trainer_runner("engine float32", "engine", as_float32(data), sizes, args.seed,
                                      args.epochs, eta, batch))
    print(f"\n[1] Nielsen's run: {sizes}, sigmoid, quadratic cost, eta {eta}, batch {batch}, "
          f"{args.epochs} epochs ({len(data.y_train)} training images; the per-example loops: "
          f"{runners[2].max_epochs} epochs)")
    for epoch in range(1, args.epochs + 1):
        active = [r for r in runners if epoch <= r.max_epochs]
        shift = (epoch - 1) % len(active)
        for runner in active[shift:] + active[:shift]:
            wall, cpu = timed(lambda runner=runner, epoch=epoch: runner.train_epoch(epoch))
            runner.wall.append(wall)
            runner.cpu.append(cpu)
            runner.val.append(runner.correct(data.x_val, data.y_val))
            runner.test.append(runner.correct(data.x_test, data.y_test))
        print(f"Epoch {epoch}: {runners[0].val[-1]} / {len(data.y_val)}  (engine; test {runners[0].test[-1]}"
              f" / {len(data.y_test)})  " + "  ".join(f"{r.name} {r.wall[-1]:.2f} s" for r in active))
    return summarise_nielsen(runners, data)


def as_float32(data: Dataset) -> Dataset:
    """The same training images in float32 (the runner casts the validation and test images itself)."""
    return replace(data, x_train=data.x_train.astype(np.float32))


def median_ratio(a: list[float], b: list[float]) -> float:
    """The median of the per-epoch ratios a[e] / b[e] (over the epochs both ran)."""
    return statistics.median(x / y for x, y in zip(a, b, strict=False))


def summarise_nielsen(runners: list[Runner], data: Dataset) -> dict:
    """Print and return the accuracies, seconds per epoch and ratios of section 1."""
    engine, closed, loop, floor = runners[:4]
    result: dict = {"implementations": {}}
    n_test = len(data.y_test)
    for r in runners:
        best = int(np.argmax(r.val))
        result["implementations"][r.name] = {
            "epochs": len(r.wall), "seconds_per_epoch_wall": statistics.median(r.wall),
            "seconds_per_epoch_cpu": statistics.median(r.cpu),
            "best_val_epoch": best + 1, "test_accuracy_at_best_val": r.test[best] / n_test,
            "val_correct": r.val, "test_correct": r.test, "wall": r.wall, "cpu": r.cpu,
        }
    result["loop_over_engine_wall"] = median_ratio(loop.wall, engine.wall)
    result["loop_over_engine_cpu"] = median_ratio(loop.cpu, engine.cpu)
    result["engine_over_closed_wall"] = median_ratio(engine.wall, closed.wall)
    result["engine_over_closed_cpu"] = median_ratio(engine.cpu, closed.cpu)
    result["loop_over_floor_wall"] = median_ratio(loop.wall, floor.wall)
    result["engine_over_floor_wall"] = median_ratio(engine.wall, floor.wall)
    result["closed_over_floor_wall"] = median_ratio(closed.wall, floor.wall)
    print("\n  implementation   s/epoch (wall)  s/epoch (cpu)  best val. epoch  test acc. at best val")
    for name, r in result["implementations"].items():
        print(f"  {name:15s}  {r['seconds_per_epoch_wall']:14.3f}  {r['seconds_per_epoch_cpu']:13.3f}  "
              f"{r['best_val_epoch']:14d}  {r['test_accuracy_at_best_val']:21.2%}")
    best = result["implementations"]["engine"]["test_accuracy_at_best_val"]
    print(f"  engine test accuracy at its best validation epoch {best:.2%}  "
          f"(target >= {TARGET_ACCURACY:.0%}: {verdict(best >= TARGET_ACCURACY)})")
    print(f"  per-example / engine: {result['loop_over_engine_wall']:.1f}x wall, "
          f"{result['loop_over_engine_cpu']:.1f}x cpu  (target >= {TARGET_LOOP_RATIO:g}x: "
          f"{verdict(result['loop_over_engine_wall'] >= TARGET_LOOP_RATIO)})")
    print(f"  engine / closed-form: {result['engine_over_closed_wall']:.2f}x wall, "
          f"{result['engine_over_closed_cpu']:.2f}x cpu  (target <= {TARGET_CLOSED_RATIO:g}x: "
          f"{verdict(result['engine_over_closed_wall'] <= TARGET_CLOSED_RATIO)})")
    print(f"  what hand-written NumPy reaches here: per-example / numpy floor "
          f"{result['loop_over_floor_wall']:.1f}x wall; "
          f"engine / floor {result['engine_over_floor_wall']:.2f}x, "
          f"closed-form / floor {result['closed_over_floor_wall']:.2f}x")
    if len(runners) > 4:
        single = runners[4]
        result["loop_over_engine_float32_wall"] = median_ratio(loop.wall, single.wall)
        result["engine_float32_over_closed_wall"] = median_ratio(single.wall, closed.wall)
        print(f"  beside them, in float32: per-example (float64) / engine float32: "
              f"{result['loop_over_engine_float32_wall']:.1f}x wall; engine float32 / closed-form (float64): "
              f"{result['engine_float32_over_closed_wall']:.2f}x wall")
    return result


def verdict(ok: bool) -> str:
    """'met' or 'NOT met'."""
    return "met" if ok else "NOT met"


def cross_entropy_run(data: Dataset, args: argparse.Namespace) -> dict:
    """Section 2: [784, hidden, 10], cross-entropy, L2, by the engine."""
    sizes = [784, args.ce_hidden, 10]
    seed = args.seed if args.ce_seed is None else args.ce_seed
    settings = {"sizes": sizes, "activation": "sigmoid", "cost": "cross-entropy", "eta": args.ce_eta,
                "lmbda": args.ce_lmbda, "momentum": args.ce_momentum, "batch_size": 10,
                "epochs": args.ce_epochs, "init": "default", "seed": seed, "backend": "engine",
                "schedule": f"halve eta after {args.ce_schedule} epochs without progress" if args.ce_schedule
                else "constant eta"}
    print(f"\n[2] Cross-entropy run: {json.dumps(settings)}")
    model = MLP(sizes, seed=seed)
    optimizer = SGD.l2(model.parameters(), args.ce_eta, args.ce_lmbda, len(data.y_train),
                       momentum=args.ce_momentum)
    trainer = Trainer(model, "cross-entropy", optimizer, backend="engine", batch_size=10, seed=seed,
                      progress=False)
    metrics = train_with_schedule(trainer, data, args.ce_epochs, args.ce_schedule)
    best = metrics["summary"]["test_accuracy_at_best_val"]
    print(f"  test accuracy at the best validation epoch ({metrics['summary']['best_epoch']}): {best:.2%} "
          f"(target >= {TARGET_CE_ACCURACY:.0%}: {verdict(best >= TARGET_CE_ACCURACY)}); "
          f"{statistics.median(metrics['train_seconds']):.2f} s per epoch")
    return {"settings": settings, "test_accuracy_at_best_val": best, "summary": metrics["summary"],
            "test_accuracy": metrics["test_accuracy"], "val_accuracy": metrics["val_accuracy"],
            "seconds_per_epoch": statistics.median(metrics["train_seconds"])}


def train_with_schedule(trainer: Trainer, data: Dataset, epochs: int, patience: int) -> dict:
    """Train epoch by epoch; with `patience`, halve eta whenever the validation accuracy has not
    improved for that many epochs (counting from the last change)."""
    if not patience:
        return trainer.fit(data, epochs)
    metrics, since = None, 0
    for _ in range(epochs):
        metrics = trainer.fit(data, 1, metrics=metrics)
        since = since + 1 if metrics["summary"]["best_epoch"] != metrics["epochs"][-1] else 0
        if since >= patience:
            trainer.optimizer.eta /= 2
            since = 0
            print(f"  eta halved to {trainer.optimizer.eta:g}")
    assert metrics is not None
    return metrics


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The benchmark's options (--quick fills in the quick settings not given explicitly)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=30, help="epochs of Nielsen's run (default 30)")
    p.add_argument("--loop-epochs", type=int, default=3, help="epochs of the per-example loop (default 3)")
    p.add_argument("--limit", type=int, help="use only the first N images of each split")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data", help="MNIST .npz or directory (default: $MNIST_PATH, the cache, a download)")
    p.add_argument("--ce-epochs", type=int, default=60, help="epochs of the cross-entropy run (default 60)")
    p.add_argument("--ce-eta", type=float, default=0.5, help="its learning rate (default 0.5)")
    p.add_argument("--ce-lmbda", type=float, default=5.0, help="its L2 parameter (default 5.0)")
    p.add_argument("--ce-hidden", type=int, default=100, help="its hidden layer size (default 100)")
    p.add_argument("--ce-momentum", type=float, default=0.0, help="its momentum coefficient (default 0)")
    p.add_argument("--ce-seed", type=int, help="its seed (default: --seed)")
    p.add_argument("--ce-schedule", type=int, metavar="N", default=5,
                   help="halve its eta whenever the validation accuracy has not improved for N epochs "
                        "(the book's learning-rate schedule, chapter 3; default 5; 0: constant eta)")
    p.add_argument("--skip-ce", action="store_true", help="skip the cross-entropy run")
    p.add_argument("--float32", action="store_true",
                   help="also time the engine in float32 in Nielsen's run (reported beside, not instead)")
    p.add_argument("--skip-nielsen", action="store_true", help="skip Nielsen's run")
    p.add_argument("--quick", action="store_true",
                   help="a rough run: --epochs 2 --loop-epochs 1 --ce-epochs 2 --limit 10000 (unless given)")
    p.add_argument("--json", help="also write the results to this JSON file")
    args = p.parse_args(argv)
    if args.quick:
        given = set(argv if argv is not None else sys.argv[1:])
        for flag, value in (("--epochs", 2), ("--loop-epochs", 1), ("--ce-epochs", 2), ("--limit", 10000)):
            if flag not in given:
                setattr(args, flag[2:].replace("-", "_"), value)
    return args


def main(argv: list[str] | None = None) -> None:
    """Run the sections asked for and print (and optionally save) the figures."""
    args = parse_args(argv)
    print(f"Python {platform.python_version()}, NumPy {np.__version__}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; "
          f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, float64")
    data = load_mnist(args.data, limit=args.limit)
    print(f"MNIST: {len(data.y_train)} training, {len(data.y_val)} validation, "
          f"{len(data.y_test)} test images")
    results: dict = {"settings": vars(args)}
    if not args.skip_nielsen:
        results["nielsen"] = nielsen_run(data, args)
    if not args.skip_ce:
        results["cross_entropy"] = cross_entropy_run(data, args)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    results["peak_memory_mib"] = peak
    images = sum(x.nbytes for x in (data.x_train, data.x_val, data.x_test)) / 2**20
    print(f"\n[3] Peak memory of the whole run (ru_maxrss): {peak:.0f} MiB "
          f"(the float64 images alone take {images:.0f} MiB)")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
