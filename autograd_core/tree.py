"""Containers of arrays: nested tuples, lists, dicts and namedtuples, taken apart and put back.

A *tree* is a number, an array or a `Value` (a leaf), or a tuple, list, dict or namedtuple
of trees; `None` is an empty tree. This is how a model's parameters are usually held
(`[(W1, b1), (W2, b2)]`, `{"W": W, "b": b}`), and `grad` of a function of such a tree
returns a gradient of the same structure.

    >>> import numpy as np
    >>> vector, unflatten = flatten({"W": np.ones((2, 2)), "b": np.zeros(2)})
    >>> vector.shape, unflatten(vector)["W"].shape
    ((6,), (2, 2))

Dicts are taken in sorted key order (so two dicts with the same keys flatten alike); the
trees rebuilt from them keep that order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import primitives as P
from .core import Value

LEAF_TYPES = (Value, np.ndarray, np.generic, float, int)


@dataclass(frozen=True)
class TreeDef:
    """The structure of a tree without its leaves: the container type, its keys (for a
    dict) or fields (for a namedtuple), and the structure of each child; `None` for a leaf."""

    kind: type | None
    keys: tuple
    children: tuple[TreeDef, ...]

    @property
    def num_leaves(self) -> int:
        """How many leaves a tree of this structure has."""
        return 1 if self.kind is None else sum(c.num_leaves for c in self.children)


_LEAF = TreeDef(None, (), ())
_NONE = TreeDef(type(None), (), ())


def _children(tree: Any) -> tuple[tuple, list]:
    """(keys, children) of a container: indices, or a dict's sorted keys."""
    if isinstance(tree, dict):
        try:
            keys = tuple(sorted(tree))
        except TypeError:
            raise TypeError("a dict in a tree must have keys that can be sorted (all str, say)") from None
        return keys, [tree[k] for k in keys]
    return tuple(range(len(tree))), list(tree)


def is_container(x: Any) -> bool:
    """True for what a tree takes apart: a tuple (namedtuples included), list, dict or None."""
    return x is None or isinstance(x, tuple | list | dict)


def tree_flatten(tree: Any, name: str | Callable[[], str] = "") -> tuple[list[Any], TreeDef]:
    """The leaves of `tree` in order, and its structure.

    A leaf that is neither a number, an array nor a Value (or an array of strings, or a bool)
    is a `TypeError` naming its path in the tree, `name` followed by its keys, e.g.
    `params[1]['W']`; `name` may be a function giving the name, called only for the error.
    """
    leaves: list[Any] = []
    return leaves, _flatten(tree, (), leaves, name)


def _flatten(tree: Any, keys: tuple, leaves: list[Any], name: str | Callable[[], str]) -> TreeDef:
    """tree_flatten's walk: appends the leaves below `tree` (found at `keys`) to `leaves`."""
    if isinstance(tree, bool) or (isinstance(tree, np.ndarray) and tree.dtype.kind not in "biuf"):
        raise TypeError(
            f"{_path(name, keys)}: a tree's leaves must be real numbers or arrays, not {_what(tree)}"
        )
    if isinstance(tree, LEAF_TYPES):
        leaves.append(tree)
        return _LEAF
    if tree is None:
        return _NONE
    if isinstance(tree, tuple | list | dict):
        child_keys, children = _children(tree)
        fields = getattr(tree, "_fields", None) if isinstance(tree, tuple) else None
        path_keys = child_keys if fields is None else tuple(_Field(f) for f in fields)
        pairs = zip(path_keys, children, strict=True)
        defs = tuple(_flatten(child, (*keys, key), leaves, name) for key, child in pairs)
        return TreeDef(type(tree), child_keys if fields is None else tuple(fields), defs)
    raise TypeError(
        f"{_path(name, keys)} is {_what(tree)}: a tree holds numbers, arrays and Values in nested "
        "tuples, lists, dicts and namedtuples"
    )


class _Field(str):
    """A namedtuple's field on a path: written `.W` rather than `['W']`."""


def _path(name: str | Callable[[], str], keys: tuple) -> str:
    """`name` followed by `keys`: subscripts and fields (`params[1]['W']`, `layer.W`)."""
    root = name() if callable(name) else name
    path = root + "".join(f".{key}" if isinstance(key, _Field) else f"[{key!r}]" for key in keys)
    return path or "the argument itself"


def _what(x: Any) -> str:
    if isinstance(x, np.ndarray):
        return f"an array of dtype {x.dtype}"
    name = type(x).__name__
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def tree_unflatten(treedef: TreeDef, leaves: Any) -> Any:
    """The tree of structure `treedef` holding `leaves` (in the order tree_flatten gives)."""
    leaves = list(leaves)
    if len(leaves) != treedef.num_leaves:
        raise ValueError(f"a tree of this structure has {treedef.num_leaves} leaves; got {len(leaves)}")
    return _build(treedef, iter(leaves))


def _build(treedef: TreeDef, leaves: Any) -> Any:
    kind: Any = treedef.kind
    if kind is None:
        return next(leaves)
    if kind is type(None):
        return None
    children = [_build(c, leaves) for c in treedef.children]
    if kind is dict or issubclass(kind, dict):
        return kind(zip(treedef.keys, children, strict=True))
    if kind is tuple or kind is list:
        return kind(children)
    if hasattr(kind, "_fields"):
        return kind(*children)
    return kind(children)


def tree_map(f: Callable[..., Any], tree: Any, *rest: Any) -> Any:
    """The tree of f(leaf, *matching leaves of `rest`), `rest` having tree's structure."""
    leaves, treedef = tree_flatten(tree)
    others = []
    for other in rest:
        other_leaves, other_def = tree_flatten(other)
        if other_def != treedef:
            raise ValueError("tree_map: the trees have different structures")
        others.append(other_leaves)
    return tree_unflatten(treedef, [f(*xs) for xs in zip(leaves, *others, strict=True)])


def flatten(tree: Any) -> tuple[Any, Callable[[Any], Any]]:
    """(vector, unflatten): every leaf of `tree` raveled and joined into one float vector
    (float64 unless all leaves share another float dtype), and the function that maps such a
    vector back to a tree of arrays of the original shapes, dtypes and structure (Python
    numbers come back as floats). For optimisers that want one vector, e.g.
    `scipy.optimize.minimize`. Both directions are differentiable: a tree holding Values
    gives a Value vector (so `||flatten(W)[0]||^2` inside a cost has its gradient in W), and
    a Value vector gives a tree of Values."""
    leaves, treedef = tree_flatten(tree, "tree")
    datas = [np.asarray(leaf.data if isinstance(leaf, Value) else leaf) for leaf in leaves]
    shapes = [d.shape for d in datas]
    dtypes = [d.dtype if d.dtype.kind == "f" else np.dtype(np.float64) for d in datas]
    scalars = [isinstance(leaf, float | int) for leaf in leaves]
    dtype = np.result_type(*dtypes) if dtypes else np.dtype(np.float64)
    pieces = [P.reshape(leaf, (-1,)) if isinstance(leaf, Value) else d.ravel().astype(dtype)
              for leaf, d in zip(leaves, datas, strict=True)]
    join = P.concatenate if any(isinstance(leaf, Value) for leaf in leaves) else np.concatenate
    vector = join(pieces) if pieces else np.zeros(0)
    sizes = [int(np.prod(s)) for s in shapes]
    size = sum(sizes)

    def unflatten(v: Any) -> Any:
        if not isinstance(v, Value):
            v = np.asarray(v)
        if v.shape != (size,):
            raise ValueError(f"unflatten: expected a vector of shape ({size},); got {v.shape}")
        parts, start = [], 0
        for n, shape, dt, scalar in zip(sizes, shapes, dtypes, scalars, strict=True):
            part = v[start:start + n]
            if isinstance(part, Value):  # differentiable: f(unflatten(v)) has a gradient in v
                parts.append(P.reshape(part, shape))
            else:
                part = part.reshape(shape).astype(dt)
                parts.append(float(part) if scalar else part)
            start += n
        return tree_unflatten(treedef, parts)

    return vector, unflatten


def flatten_func(f: Callable[..., Any], example: Any) -> tuple[Callable[..., Any], Callable[[Any], Any], Any]:
    """(f_of_vector, unflatten, vector) for a function f(tree, *rest) of a tree like `example`:
    f_of_vector(v, *rest) = f(unflatten(v), *rest), and vector = flatten(example)[0], so an
    optimiser that wants one vector can minimise f from `example` (differentiable in v)."""
    vector, unflatten = flatten(example)

    def f_of_vector(v: Any, *rest: Any) -> Any:
        return f(unflatten(v), *rest)

    return f_of_vector, unflatten, vector
