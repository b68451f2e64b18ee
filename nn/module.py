"""Modules: containers of parameters (`Value`s), layers, activations and the book's MLP.

Nielsen's notation: layer l computes the weighted input z^l = W^l a^{l-1} + b^l and the
activation a^l = sigma(z^l), with W^l of shape (n_l, n_{l-1}) and b^l of shape (n_l,).
A batch is rows (the NumPy convention): X has shape (m, n_0) and layer l computes the row
form Z^l = A^{l-1} (W^l)^T + b^l, of shape (m, n_l).

A `Module` finds its parameters by walking its attributes (in the order they were set),
lists, tuples, dicts and sub-modules, so `MLP.parameters()` is W^1, b^1, W^2, b^2, ...
Attributes whose names start with "_" are private and not walked. Saved models are plain
`.npz` archives, one array per parameter, read back with `allow_pickle=False`.

For the functional API, `parameter_tree()` gives the parameters as a nested dict of arrays and
`apply(tree, X)` computes the output with the parameters of such a tree, so the gradient of a
cost is a tree of the same structure::

    tree = mlp.parameter_tree()            # {"layers": {"0": {"W": W^1, "b": b^1}, "1": {...}}}
    nabla = ag.grad(lambda p: cost(mlp.apply(p, X), Y))(tree)
    nabla["layers"]["0"]["W"]              # dC/dW^1, what backward() leaves in W^1.grad
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

import autograd_core as ag
from autograd_core import Value
from autograd_core.core import data_of

from .files import NpzError, read_npz, write_npz

INITS = ("default", "large")
_ARRAYS = (Value, np.ndarray)  # what has a .shape; named once (`Value | np.ndarray` is rebuilt per use)


class ModelFileError(ValueError):
    """A saved model file that cannot be read or does not fit the model (the message says why)."""


# --- Module -------------------------------------------------------------------------------


class Module:
    """Base class: parameters are found by walking attributes; `model(X)` calls `forward(X)`."""

    def forward(self, x: Any) -> Any:
        """The module's output for input `x` (subclasses define it)."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, x: Any) -> Any:
        return self.forward(x)

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(name, Value) for every parameter, in definition order, e.g. ("layers.0.W", W^1).

        Walks attributes, lists, tuples, dicts and sub-modules depth first; a Value reached
        twice (a shared parameter) is listed once, under the first name that reached it. Two
        different parameters with one name (a dict key "b.c" beside a sub-dict {"b": {"c": ...}})
        raise a ValueError: a saved model could not tell them apart.
        """
        found = _unique_parameters(self)
        owners: dict[str, Value] = {}
        for name, value in found:
            if name in owners:
                raise ValueError(
                    f"{type(self).__name__}: two different parameters are both named {name!r} (shapes "
                    f"{owners[name].shape} and {value.shape}); rename a dict key or attribute so that "
                    "every parameter has its own name"
                )
            owners[name] = value
        return found

    def parameters(self) -> list[Value]:
        """The parameters, in definition order (for an MLP: W^1, b^1, W^2, b^2, ...)."""
        return [value for _, value in _unique_parameters(self)]

    def zero_grad(self) -> None:
        """Set every parameter's gradient back to None (gradients accumulate otherwise)."""
        for p in self.parameters():
            p.zero_grad()

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter's data, keyed by its name (see `named_parameters`)."""
        return {name: np.array(p.data, copy=True) for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any], *, source: str = "state_dict") -> None:
        """Copy `state` (name -> array) into the parameters, after checking all of it.

        Every parameter must be present with its exact shape and real, finite numbers, and
        nothing else may be there; otherwise a `ModelFileError` names the first mismatch
        (in parameter order) and the model is left unchanged. Arrays are cast to each
        parameter's dtype.
        """
        params = self.named_parameters()
        checked = [_checked_array(name, p, state, source) for name, p in params]
        extra = [key for key in state if key not in dict(params)]
        if extra:
            raise ModelFileError(
                f"{source}: unexpected array {extra[0]!r}; the model's parameters are "
                f"{[name for name, _ in params]}"
            )
        for (_, p), array in zip(params, checked, strict=True):
            p.data = array

    def parameter_tree(self) -> dict[str, Any]:
        """A copy of every parameter's data in a nested dict keyed by the parts of its name (see
        `named_parameters`): {"layers": {"0": {"W": W^1, "b": b^1}, "1": {...}}} for an MLP.

        A tree for the functional API: `ag.grad(lambda p: cost(model.apply(p, X), Y))(tree)` is a
        tree of the same structure holding dC/dW^l and dC/db^l.
        """
        tree: dict[str, Any] = {}
        for name, p in self.named_parameters():
            *parents, last = name.split(".")
            node = tree
            for depth, part in enumerate(parents):
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    raise ValueError(
                        f"{type(self).__name__}: parameter {name!r} lies below parameter "
                        f"{'.'.join(parents[:depth + 1])!r}; a nested dict cannot hold both"
                    )
            if last in node:
                raise ValueError(
                    f"{type(self).__name__}: parameter {name!r} has parameters below it; a nested dict "
                    "cannot hold both"
                )
            node[last] = p.data if isinstance(p.data, float) else np.array(p.data, copy=True)
        return tree

    def apply(self, tree: Mapping[str, Any], x: Any) -> Any:
        """The module's output for input `x`, computed with the parameters held in `tree` (a
        nested dict like `parameter_tree()`'s, of arrays, numbers or Values) in place of its own.

        The module is not changed. Differentiable in the tree: `ag.grad` of a function of
        `apply(tree, X)` with respect to the tree gives the gradient as a tree. Raises a
        ValueError naming the entry (`tree['layers']['0']['W']`) that is missing, extra, or of
        another shape than the parameter's.
        """
        found = _entries(tree, "apply")
        replacements: dict[int, Any] = {}
        for name, p in self.named_parameters():
            if name not in found:
                raise ValueError(
                    f"apply: the tree has no entry {_subscripts(name)} (parameter {name!r}, shape {p.shape})"
                )
            leaf = found.pop(name)
            shape = leaf.shape if isinstance(leaf, _ARRAYS) else np.shape(leaf)
            if shape != p.shape:
                raise ValueError(
                    f"apply: {_subscripts(name)} has shape {shape}; parameter {name!r} has shape {p.shape}"
                )
            replacements[id(p)] = leaf
        if found:
            raise ValueError(f"apply: the tree's entry {_subscripts(next(iter(found)))} is not a parameter "
                             f"of this {type(self).__name__}")
        return _with_parameters(self, replacements, {})(x)

    def load_parameter_tree(self, tree: Mapping[str, Any]) -> None:
        """Copy the arrays of `tree` (a nested dict like `parameter_tree()`'s) into the parameters,
        with the checks of `load_state_dict`."""
        state = {name: data_of(leaf) for name, leaf in _entries(tree, "load_parameter_tree").items()}
        self.load_state_dict(state, source="load_parameter_tree")

    def save(self, path: str | os.PathLike) -> Path:
        """Write the parameters to `path` as an uncompressed `.npz` archive (no pickles).

        The file is written to a temporary name and renamed, so an interruption never leaves
        half a file. The path is used exactly as given. Returns it.
        """
        return save_arrays(path, self.state_dict())

    def load(self, path: str | os.PathLike) -> None:
        """Read parameters saved by `save` (never unpickling anything) into this model.

        Raises `ModelFileError` naming the file when it is not a readable `.npz` archive of
        plain arrays, or when its arrays do not match the model's names and shapes.
        """
        self.load_state_dict(load_arrays(path), source=str(path))

    def __repr__(self) -> str:
        shapes = ", ".join(f"{name}: {p.shape}" for name, p in self.named_parameters())
        return f"{type(self).__name__}({shapes})"


def _unique_parameters(module: Module) -> list[tuple[str, Value]]:
    """(name, Value) for every Value below `module`, each Value once, under the first name reaching it."""
    found: list[tuple[str, Value]] = []
    seen: set[int] = set()
    for name, value in _walk(module, "", set()):
        if id(value) not in seen:
            seen.add(id(value))
            found.append((name, value))
    return found


def _walk(obj: Any, name: str, visiting: set[int]) -> Iterator[tuple[str, Value]]:
    """Yield (name, Value) for every Value below `obj`, depth first, skipping cycles."""
    if isinstance(obj, Value):
        yield name, obj
        return
    if isinstance(obj, Module):
        children: Any = ((k, v) for k, v in vars(obj).items() if not k.startswith("_"))
    elif isinstance(obj, list | tuple):
        children = ((str(i), v) for i, v in enumerate(obj))
    elif isinstance(obj, dict):
        children = ((str(k), v) for k, v in obj.items())
    else:
        return
    if id(obj) in visiting:
        return
    visiting.add(id(obj))
    for key, child in children:
        yield from _walk(child, f"{name}.{key}" if name else key, visiting)
    visiting.discard(id(obj))


def _entries(tree: Mapping[str, Any], who: str, prefix: str = "") -> dict[str, Any]:
    """The leaves of a nested dict of parameters, keyed by their dotted names ("layers.0.W")."""
    if not isinstance(tree, Mapping):
        where = f"{_subscripts(prefix)} is" if prefix else "the tree must be a nested dict of parameters; got"
        raise TypeError(f"{who}: {where} a {type(tree).__name__}")
    found = {}
    for key, child in tree.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(child, Mapping):
            found.update(_entries(child, who, name))
        else:
            found[name] = child
    return found


def _subscripts(name: str) -> str:
    """A dotted parameter name as subscripts of a nested dict: tree['layers']['0']['W']."""
    return "tree" + "".join(f"[{part!r}]" for part in name.split("."))


def _with_parameters(obj: Any, replacements: dict[int, Any], copies: dict[int, Any]) -> Any:
    """`obj` with every parameter p found below it (as `_walk` finds them) replaced by
    replacements[id(p)]: modules copied (shallow), lists, tuples and dicts rebuilt; `obj`
    itself is not changed. `copies` maps the modules already copied to their copies."""
    if isinstance(obj, Value):
        return replacements.get(id(obj), obj)
    if isinstance(obj, Module):
        if id(obj) not in copies:
            copied = copies[id(obj)] = copy.copy(obj)
            for key, value in vars(obj).items():
                if not key.startswith("_"):
                    setattr(copied, key, _with_parameters(value, replacements, copies))
        return copies[id(obj)]
    if isinstance(obj, list):
        return [_with_parameters(v, replacements, copies) for v in obj]
    if isinstance(obj, tuple):
        items = [_with_parameters(v, replacements, copies) for v in obj]
        return type(obj)(*items) if hasattr(obj, "_fields") else tuple(items)
    if isinstance(obj, dict):
        return {k: _with_parameters(v, replacements, copies) for k, v in obj.items()}
    return obj


def _checked_array(name: str, p: Value, state: Mapping[str, Any], source: str) -> Any:
    """state[name] checked against parameter p (shape, real and finite) and cast to p's dtype."""
    if name not in state:
        raise ModelFileError(f"{source}: missing array {name!r} (expected shape {p.shape})")
    array = np.asarray(state[name])
    if array.shape != p.shape:
        raise ModelFileError(
            f"{source}: array {name!r} has shape {array.shape} but the model's parameter has shape {p.shape}"
        )
    if array.dtype.kind not in "biuf":
        raise ModelFileError(f"{source}: array {name!r} has dtype {array.dtype}; expected real numbers")
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below, by name
        cast = array.astype(p.dtype, copy=True) if isinstance(p.data, np.ndarray) else float(array)
    if not np.all(np.isfinite(cast)):
        overflow = bool(np.all(np.isfinite(array)))
        raise ModelFileError(
            f"{source}: array {name!r} contains NaN or infinite values"
            + (f" once cast to the model's {p.dtype} (its values are too large for it)" if overflow else "")
        )
    return cast


def save_arrays(path: str | os.PathLike, arrays: Mapping[str, np.ndarray]) -> Path:
    """Write `arrays` to `path` as an `.npz` archive, atomically (temporary file, then rename), with the
    file mode the umask gives."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_npz(path, arrays)


def load_arrays(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The arrays of an `.npz` archive, read with `allow_pickle=False`.

    Raises `ModelFileError` naming the file if it is missing, is not an `.npz` archive (saying
    what it is instead), is truncated or corrupt, or holds anything but plain arrays.
    """
    try:
        return read_npz(path)
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ModelFileError(f"{path}: a directory, not an .npz model file") from None
    except NpzError as error:
        raise ModelFileError(f"not a model file: {error}") from None
    except OSError as error:
        raise ModelFileError(f"{path}: cannot be read ({error.strerror or error})") from None


# --- initialisation -----------------------------------------------------------------------


def as_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A NumPy Generator from a seed (or the Generator itself)."""
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def init_parameters(
    n_in: int, n_out: int, init: str = "default", rng: int | np.random.Generator | None = None,
    dtype: Any = np.float64,
) -> tuple[np.ndarray, np.ndarray]:
    """Initial (W, b) of a layer with n_in inputs and n_out neurons, W of shape (n_out, n_in).

    "default": the book's improved initialisation, w ~ N(0, 1/n_in) and b ~ N(0, 1);
    "large": the book's first one, w ~ N(0, 1) and b ~ N(0, 1). W is drawn before b.
    """
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; choose one of {list(INITS)}")
    rng = as_rng(rng)
    scale = 1.0 / np.sqrt(n_in) if init == "default" else 1.0
    W = rng.standard_normal((n_out, n_in)) * scale
    b = rng.standard_normal(n_out)
    return W.astype(dtype), b.astype(dtype)


def _check_dtype(dtype: Any) -> np.dtype:
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"parameters must have a floating dtype such as float64 or float32, not {dt}")
    return dt


# --- layers ---------------------------------------------------------------------------------


class Linear(Module):
    """A fully connected layer: z = W a + b for one example, Z = X W^T + b for a batch of rows.

    `W` has the book's shape (n_out, n_in): W[j, k] is w_{jk}, the weight from neuron k of
    the previous layer to neuron j of this one. `b` has shape (n_out,).
    """

    def __init__(
        self, n_in: int, n_out: int, *, init: str = "default",
        rng: int | np.random.Generator | None = None, dtype: Any = np.float64,
    ) -> None:
        for what, n in (("n_in", n_in), ("n_out", n_out)):
            if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 1:
                raise ValueError(f"Linear: {what} must be a positive integer, not {n!r}")
        self.n_in, self.n_out = int(n_in), int(n_out)
        W, b = init_parameters(self.n_in, self.n_out, init, rng, _check_dtype(dtype))
        self.W = Value(W, label="W")
        self.b = Value(b, label="b")

    def forward(self, x: Any) -> Any:
        """Z = X W^T + b for X of shape (m, n_in) (or z for a single example of shape (n_in,))."""
        shape = x.shape if isinstance(x, _ARRAYS) else np.shape(x)
        if not shape or shape[-1] != self.n_in:
            raise ValueError(
                f"Linear({self.n_in} -> {self.n_out}): input has shape {shape}; "
                f"expected (m, {self.n_in}), one row per example"
            )
        # One node, whose rules are BP2-BP4 (its forward checks the shapes too; the check
        # above names the layer).
        return ag.linear(x, self.W, self.b)

    def __repr__(self) -> str:
        return f"Linear({self.n_in} -> {self.n_out})"


# --- activations ----------------------------------------------------------------------------


class Activation(Module):
    """An activation function a = sigma(z), with its NumPy forms for the closed-form backprop."""

    name: ClassVar[str] = ""

    def forward(self, z: Any) -> Any:
        """a = sigma(z) on Values (recorded in the graph)."""
        raise NotImplementedError

    def numpy(self, z: np.ndarray) -> np.ndarray:
        """a = sigma(z) on a NumPy array."""
        raise NotImplementedError

    def backward(self, z: np.ndarray, a: np.ndarray, g: np.ndarray) -> np.ndarray:
        """dC/dz given g = dC/da, at z with a = sigma(z): g (.) sigma'(z) for an elementwise sigma."""
        return g * self.prime(z, a)

    def prime(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """sigma'(z), given z and a = sigma(z) (elementwise activations only)."""
        raise NotImplementedError(f"{self.name} is not elementwise; use backward()")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Sigmoid(Activation):
    """The logistic function sigma(z) = 1 / (1 + e^-z); sigma'(z) = sigma(z)(1 - sigma(z))."""

    name = "sigmoid"

    def forward(self, z: Any) -> Any:
        """sigma(z), computed stably."""
        return ag.sigmoid(z)

    def numpy(self, z: np.ndarray) -> np.ndarray:
        """sigma(z) on an array (the engine's own stable formula, called without its dispatch on Values)."""
        return ag.sigmoid.forward(z)

    def prime(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """sigma'(z) = a (1 - a)."""
        return a * (1.0 - a)


class Tanh(Activation):
    """tanh(z); tanh'(z) = 1 - tanh(z)^2."""

    name = "tanh"

    def forward(self, z: Any) -> Any:
        """tanh(z)."""
        return ag.tanh(z)

    def numpy(self, z: np.ndarray) -> np.ndarray:
        """tanh(z) on an array."""
        return np.tanh(z)

    def prime(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """tanh'(z) = 1 - a^2."""
        return 1.0 - a * a


class ReLU(Activation):
    """max(z, 0); its derivative is taken as 1 for z > 0 and 0 otherwise (0 at z = 0)."""

    name = "relu"

    def forward(self, z: Any) -> Any:
        """max(z, 0)."""
        return ag.relu(z)

    def numpy(self, z: np.ndarray) -> np.ndarray:
        """max(z, 0) on an array."""
        return np.maximum(z, 0.0)

    def prime(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """1 where z > 0, else 0."""
        return (z > 0).astype(z.dtype)


class Softmax(Activation):
    """a_j = e^{z_j} / sum_k e^{z_k} over each row (an output layer for the log-likelihood cost)."""

    name = "softmax"

    def forward(self, z: Any) -> Any:
        """softmax(z) along the last axis, computed without overflow."""
        return ag.softmax(z, axis=-1)

    def numpy(self, z: np.ndarray) -> np.ndarray:
        """softmax(z) along the last axis, on an array."""
        return ag.softmax(z, axis=-1)

    def backward(self, z: np.ndarray, a: np.ndarray, g: np.ndarray) -> np.ndarray:
        """dC/dz = J^T g with the Jacobian J = diag(a) - a a^T: a (.) (g - sum_k g_k a_k)."""
        return a * (g - np.sum(g * a, axis=-1, keepdims=True))


ACTIVATIONS: dict[str, type[Activation]] = {
    cls.name: cls for cls in (Sigmoid, Tanh, ReLU, Softmax)
}
HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu")


def get_activation(activation: str | Activation) -> Activation:
    """The activation module for a name ("sigmoid", "tanh", "relu", "softmax") or the module itself."""
    if isinstance(activation, Activation):
        return activation
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {list(ACTIVATIONS)}")
    return ACTIVATIONS[activation]()


# --- containers -----------------------------------------------------------------------------


class Sequential(Module):
    """Modules applied one after the other: Sequential(Linear(2, 3), Sigmoid(), Linear(3, 1), Sigmoid())."""

    def __init__(self, *steps: Module) -> None:
        for i, step in enumerate(steps):
            if not isinstance(step, Module):
                raise TypeError(f"Sequential: step {i} is a {type(step).__name__}, not a Module")
        self.steps = list(steps)

    def forward(self, x: Any) -> Any:
        """Each step applied to the previous step's output."""
        for step in self.steps:
            x = step(x)
        return x

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, i: int) -> Module:
        return self.steps[i]


class MLP(Module):
    """The book's feedforward network: sizes [n_0, n_1, ..., n_L], a^l = sigma(W^l a^{l-1} + b^l).

    `activation` is sigma for the hidden layers and, unless `output_activation` says
    otherwise, for the output layer too (the book's sigmoid network). Pair the output layer
    with the cost: sigmoid for cross-entropy, softmax for log-likelihood (see `nn.costs`).
    `mlp(X)` returns a^L; `forward_layers(X)` returns every z^l and a^l.
    """

    def __init__(
        self, sizes: Sequence[int], activation: str = "sigmoid", *,
        output_activation: str | None = None, init: str = "default",
        seed: int | np.random.Generator | None = None, dtype: Any = np.float64,
    ) -> None:
        sizes = list(sizes)
        if len(sizes) < 2 or not all(isinstance(n, int | np.integer) and not isinstance(n, bool) and n > 0
                                     for n in sizes):
            raise ValueError(
                f"MLP: sizes must list at least two positive integers, e.g. [784, 30, 10]; got {sizes}"
            )
        if activation not in HIDDEN_ACTIVATIONS:
            raise ValueError(
                f"MLP: unknown activation {activation!r}; choose one of {list(HIDDEN_ACTIVATIONS)}"
            )
        output_activation = activation if output_activation is None else output_activation
        get_activation(output_activation)  # a clear error for an unknown name
        rng = as_rng(seed)
        self.sizes = [int(n) for n in sizes]
        self.activation = activation
        self.output_activation = output_activation
        self.init = init
        self.layers = [
            Linear(n_in, n_out, init=init, rng=rng, dtype=dtype)
            for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:], strict=True)
        ]
        for l, layer in enumerate(self.layers, start=1):
            layer.W.label, layer.b.label = f"W^{l}", f"b^{l}"
        names = [activation] * (len(self.layers) - 1) + [output_activation]
        self.sigmas = [get_activation(name) for name in names]

    @property
    def dtype(self) -> np.dtype:
        """The dtype of the parameters."""
        return self.layers[0].W.dtype

    def forward(self, x: Any) -> Any:
        """a^L for inputs X of shape (m, n_0); shape (m, n_L)."""
        for layer, sigma in zip(self.layers, self.sigmas, strict=True):
            x = sigma.forward(layer.forward(x))  # as sigma(layer(x)), without Module.__call__'s extra call
        return x

    def forward_layers(self, x: Any) -> tuple[list[Any], list[Any]]:
        """([z^1, ..., z^L], [a^0 = X, a^1, ..., a^L]) as Values recorded in the graph.

        Call `.retain_grad()` on the z's (or `backward(retain_grads=True)`) to read each
        layer's dC/dz^l after a backward pass.
        """
        zs, activations = [], [x]
        for layer, sigma in zip(self.layers, self.sigmas, strict=True):
            zs.append(layer(activations[-1]))
            activations.append(sigma(zs[-1]))
        return zs, activations

    def __repr__(self) -> str:
        out = self.output_activation
        extra = "" if out == self.activation else f", output_activation={out!r}"
        return f"MLP({self.sizes}, activation={self.activation!r}{extra})"
