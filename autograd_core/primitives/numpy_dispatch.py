"""NumPy interoperability: NumPy's functions and ufuncs called on Values run the primitives.

Each module of the registry says, in its `NUMPY_UFUNCS` and `NUMPY_FUNCTIONS` tables, which
of NumPy's functions its primitives stand for; this module looks them up, checks the keyword
arguments NumPy allows (those the engine cannot honour are refused by name), and renders the
list of supported functions, docs/numpy-support.md (`make docs`).

SciPy's special functions that are ufuncs (`scipy.special.gammaln`, `erf`, ...) reach NumPy's
dispatch too. The engine imports nothing of SciPy: when a ufunc it does not know is one of
`scipy.special`'s (the caller has imported SciPy, so it is in `sys.modules`), it imports
`autograd_core.scipy.special` and runs the primitive that module's `NUMPY_UFUNCS` names.
"""

from __future__ import annotations

import functools
import inspect
import reprlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..core import Primitive, Value, data_of, shape_of
from . import decompositions, elementwise, indexing, linalg, reductions, shapes
from ._registry import REGISTRY

_KINDS = {  # each module of the registry, and the kind of function its table lists
    elementwise: "elementwise", reductions: "reduction", linalg: "linear algebra",
    decompositions: "linear algebra", shapes: "shape", indexing: "indexing",
}
UFUNCS: dict[Any, Callable[..., Any]] = {k: v for m in _KINDS for k, v in m.NUMPY_UFUNCS.items()}
FUNCTIONS: dict[Any, Callable[..., Any]] = {k: v for m in _KINDS for k, v in m.NUMPY_FUNCTIONS.items()}

PLAIN_UFUNCS = frozenset({
    np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal, np.isnan, np.isinf,
    np.isfinite, np.signbit, np.logical_and, np.logical_or, np.logical_xor, np.logical_not,
})
"""Ufuncs with boolean results: run on the data, giving plain arrays (no derivative)."""
PLAIN_FUNCTIONS = frozenset({
    np.argmax, np.argmin, np.argsort, np.argpartition, np.all, np.any, np.count_nonzero, np.nonzero,
    np.flatnonzero, np.argwhere, np.isclose, np.allclose, np.array_equal, np.shape, np.ndim, np.size,
    np.zeros_like, np.ones_like, np.empty_like,
})
"""Functions with integer, boolean or shape results, or results that do not depend on the values
(zeros_like, ones_like): run on the data, giving plain results."""

_REDUCE = {np.add: reductions.sum, np.multiply: reductions.prod, np.maximum: reductions.max,
           np.minimum: reductions.min}
_ACCUMULATE = {np.add: reductions.cumsum, np.multiply: reductions.cumprod}

# --- calls from NumPy ----------------------------------------------------------------------------


def apply_ufunc(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
    """A NumPy ufunc (or one of its methods) called on Values: the matching primitive, plain
    data for boolean ufuncs, or a TypeError naming what is not supported."""
    if method == "__call__":
        target = UFUNCS.get(ufunc) or _scipy_special_target(ufunc)
        if target is not None:
            if kwargs:
                _check_options(_name(ufunc), kwargs, inputs)
            return _run(ufunc, target, inputs, {})
        if ufunc in PLAIN_UFUNCS:
            return ufunc(*(data_of(x) for x in inputs), **kwargs)
        _refuse_complex(_name(ufunc), inputs)
        raise TypeError(f"{_name(ufunc)} is not differentiable here; use the functions of autograd_core"
                        + (" (docs/numpy-support.md lists SciPy's)" if _is_scipy_special(ufunc) else ""))
    name = f"{_name(ufunc)}.{method}"
    if method == "reduce" and ufunc in _REDUCE:
        axis, keepdims = kwargs.pop("axis", 0), kwargs.pop("keepdims", False)
        _check_options(name, kwargs, inputs)
        return _run(ufunc, _REDUCE[ufunc], inputs, {"axis": axis, "keepdims": keepdims})
    if method == "accumulate" and ufunc in _ACCUMULATE:
        axis = kwargs.pop("axis", 0)
        _check_options(name, kwargs, inputs)
        return _run(ufunc, _ACCUMULATE[ufunc], inputs, {"axis": axis})
    if method == "outer" and ufunc in UFUNCS and ufunc.nin == 2:
        _check_options(name, kwargs, inputs)
        a, b = inputs
        return _run(ufunc, UFUNCS[ufunc], (shapes.reshape(a, shape_of(a) + (1,) * len(shape_of(b))), b), {})
    raise TypeError(
        f"{name} is not supported on Values (supported: reduce and accumulate of add and multiply, "
        "reduce of maximum and minimum, outer of the binary ufuncs of docs/numpy-support.md)"
    )


def _is_scipy_special(ufunc: np.ufunc) -> bool:
    """True when `ufunc` is one of scipy.special's (looked up only if SciPy is already imported)."""
    module = sys.modules.get("scipy.special")
    return module is not None and getattr(module, ufunc.__name__, None) is ufunc


def _scipy_special_target(ufunc: np.ufunc) -> Callable[..., Any] | None:
    """The primitive that autograd_core.scipy.special runs for one of scipy.special's ufuncs,
    importing that module the first time; None for any other ufunc."""
    if not _is_scipy_special(ufunc):
        return None
    from ..scipy import special

    return special.NUMPY_UFUNCS.get(ufunc)


def apply_function(func: Any, args: tuple, kwargs: dict) -> Any:
    """A NumPy function called on Values: the matching primitive with NumPy's arguments, plain
    results for functions with integer or boolean results, or a clear TypeError."""
    target = FUNCTIONS.get(func)
    if target is not None:
        if not _passes_through(func, target, len(args), kwargs):
            positional, kwargs = _arguments_for(_name(func), func, target, args, kwargs)
            args = tuple(positional)
        return _run(func, target, args, kwargs)
    if func in PLAIN_FUNCTIONS:
        return func(*(data_of(a) for a in args), **{k: data_of(v) for k, v in kwargs.items()})
    _refuse_complex(_name(func), args + tuple(kwargs.values()))
    raise TypeError(f"{_name(func)} is not differentiable here; use the functions of autograd_core")


def _run(f: Any, target: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    """target(*args, **kwargs); a TypeError caused by complex input says so, naming f."""
    try:
        return target(*args, **kwargs)
    except TypeError:
        _refuse_complex(_name(f), args + tuple(kwargs.values()))
        raise


def _name(f: Any) -> str:
    """NumPy's name for f, such as numpy.sin or numpy.linalg.norm (scipy.special.erf for SciPy's)."""
    if isinstance(f, np.ufunc) and _is_scipy_special(f):
        return f"scipy.special.{f.__name__}"
    return f"{_module_of(f)}.{f.__name__}"


_DEFAULTS = {"where": True, "casting": "same_kind", "order": "K", "subok": True, "signature": None}
_WHY = {
    "out": "results are new Values; writing into an existing array is not differentiable",
    "dtype": "a result's dtype follows its inputs; convert it with astype",
    "where": "masked operations are not supported; use where() on the result",
    "initial": "give the starting value as an element instead",
}


def _check_options(name: str, kwargs: dict, inputs: tuple) -> None:
    """Refuse, naming it, any ufunc keyword argument that asks for more than the plain call."""
    for key, value in kwargs.items():
        if not _harmless(key, value, _DEFAULTS.get(key, inspect.Parameter.empty), inputs):
            _refuse(name, key, value)


def _harmless(key: str, value: Any, default: Any, inputs: tuple) -> bool:
    """True for an argument that changes nothing: NumPy's default, out=None, where=True, or a
    dtype equal to the inputs' own."""
    if value is None and key in ("out", "dtype"):
        return True
    if key == "dtype":
        datas = [data_of(x) for x in _flat(inputs) if isinstance(x, Value)]
        return bool(datas) and np.dtype(value) == np.result_type(*datas)
    if key == "where" and value is True:
        return True
    plain = isinstance(value, str | bool | int | type(None))
    return plain and type(value) is type(default) and value == default


def _refuse(name: str, key: str, value: Any) -> None:
    why = _WHY.get(key, "autograd_core computes the plain call only")
    raise TypeError(f"{name}: the argument {key}={reprlib.repr(value)} is not supported ({why})")


def _arguments_for(name: str, func: Any, target: Any, args: tuple, kwargs: dict) -> tuple[list, dict]:
    """NumPy's arguments, as the user gave them, for the engine's function `target`: those the
    target does not take are dropped when harmless (their defaults, out=None...) and refused
    otherwise. Arguments stay positional unless one before them was dropped; the target names
    its parameters as NumPy does, but for the first."""
    numpy_signature, target_signature = _signature(func), _signature(target)
    if numpy_signature is None or target_signature is None:
        return list(args), dict(kwargs)
    try:
        given = numpy_signature.bind(*args, **kwargs).arguments
    except TypeError as error:
        raise TypeError(f"{name}: {error}") from None
    takes = target_signature.parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in takes.values())
    positional: list = []
    keywords: dict = {}
    in_order, from_args = True, 0
    for key, value in given.items():
        param = numpy_signature.parameters[key]
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            positional.extend(value)
            continue
        if param.kind is inspect.Parameter.VAR_KEYWORD:
            keywords.update(value)
            continue
        was_positional = param.kind in _POSITIONAL and from_args < len(args)
        from_args += was_positional
        if key in takes or takes_any or not positional and was_positional:  # (the array: any name)
            if was_positional and in_order:
                positional.append(value)
            else:
                keywords[key] = value
        elif _harmless(key, value, param.default, args):
            in_order = False
        else:
            _refuse(name, key, value)
    return positional, keywords


_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _passes_through(func: Any, target: Any, n_args: int, kwargs: dict) -> bool:
    """True when the call's arguments mean the same to `target` as to NumPy's `func`: the
    positional ones after the first have the same names in the same places, and the keyword
    ones are all taken by the target (then nothing needs checking or dropping)."""
    if n_args == 1 and not kwargs:  # the array alone
        return True
    plan = _plan(func, target)
    if plan is None:
        return True
    same_places, takes, takes_any = plan
    return n_args - 1 <= same_places and (takes_any or all(k in takes for k in kwargs))


@functools.cache
def _plan(func: Any, target: Any) -> tuple[int, frozenset, bool] | None:
    """How many positional parameters after the first `func` and `target` share by name and
    place; the names target takes; whether it takes any keyword (None: no signature)."""
    numpy_signature, target_signature = _signature(func), _signature(target)
    if numpy_signature is None or target_signature is None:
        return None
    ours = target_signature.parameters
    numpy_places = [p.name for p in numpy_signature.parameters.values() if p.kind in _POSITIONAL][1:]
    our_places = [p.name for p in ours.values() if p.kind in _POSITIONAL][1:]
    pairs = zip(numpy_places, our_places, strict=False)
    shorter = min(len(numpy_places), len(our_places))
    same_places = next((k for k, (a, b) in enumerate(pairs) if a != b), shorter)
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in ours.values())
    return same_places, frozenset(ours), takes_any


@functools.cache
def _signature(f: Any) -> inspect.Signature | None:
    """f's signature, or None where Python cannot read one."""
    try:
        return inspect.signature(f)
    except (TypeError, ValueError):
        return None


def _flat(items: tuple) -> list:
    """The items, with the elements of lists and tuples among them (one level)."""
    return [y for x in items for y in (x if isinstance(x, list | tuple) else (x,))]


def _refuse_complex(name: str, items: tuple) -> None:
    """Raise if a number or array among `items` (or in a list among them) is complex."""
    for x in _flat(items):
        if isinstance(x, complex | np.complexfloating) or (isinstance(x, np.ndarray) and x.dtype.kind == "c"):
            raise TypeError(f"{name}: complex numbers are not supported (autograd_core differentiates "
                            "functions of real numbers)")


def _module_of(func: Any) -> str:
    module = getattr(func, "__module__", None) or "numpy"
    return module if module.startswith("numpy") else "numpy"


# --- the list of supported functions ---------------------------------------------------------------

_HEADER = """\
# NumPy functions on Values

Generated from the registry (`autograd_core/primitives/`) by `make docs`; do not edit.

NumPy's functions and ufuncs below, called on `Value`s (`np.sin(x)`, `np.sum(x, axis=0)`),
record the primitive of the engine named in the second column, which is also
`autograd_core.<name>`; where a `Value` method of that name exists it does the same. They take
NumPy's arguments and give NumPy's results (shapes, dtypes, float32 kept); every one has a
derivative rule for reverse mode and one for forward mode, written with the primitives, so
derivatives of any order work. The last column says what the rule gives where the function
has no derivative.

Not supported:

- complex numbers: refused with a `TypeError`;
- writing into arrays: `out=`, in-place ufunc methods (`np.add.at`); a Value's result is a new Value;
- `dtype=` that changes the dtype, `where=`, `casting=`, `order=`, `subok=`, `initial=`:
  refused naming the argument (the defaults, `out=None` and a dtype equal to the inputs' are accepted);
- ufunc methods other than `reduce` and `accumulate` of `np.add` and `np.multiply`, `reduce` of
  `np.maximum` and `np.minimum`, and `outer` of the binary ufuncs below;
- integer and boolean results are plain NumPy arrays, never Values (second table), as is
  `astype` to an integer or boolean dtype;
- functions that convert their arguments to arrays before NumPy can hand them to the engine,
  such as `np.array([v, w])` and `np.full(shape, v)` for a Value v that requires grad: refused
  by `np.asarray`'s `TypeError`; write `ag.stack([v, w])` and `v * np.ones(shape)`;
- any other NumPy function: refused with a `TypeError` naming it.
"""


def support_table() -> str:
    """The Markdown list of the NumPy functions that work on Values (docs/numpy-support.md)."""
    listed = {**UFUNCS, **FUNCTIONS}
    rows = sorted(
        _row(kind, f, target)
        for module, kind in _KINDS.items()
        for f, target in {**module.NUMPY_UFUNCS, **module.NUMPY_FUNCTIONS}.items()
    )
    lines = [_HEADER, "## Differentiable\n"]
    lines += ["| NumPy | autograd_core | on a Value | kind | where there is no derivative |"]
    lines += ["|---|---|---|---|---|"]
    lines += [f"| `{n}` | `{e}` | {m} | {k} | {c} |" for k, n, e, m, c in rows]
    lines += ["", "## Differentiable, with no NumPy function of that name\n"]
    lines += ["| autograd_core | on a Value | where there is no derivative |", "|---|---|---|"]
    targets = list(listed.values())
    lines += [
        f"| `{name}` | {_on_a_value([name], obj)} | {_conventions(obj)} |"
        for name, obj in sorted(_public().items())
        if _primitive_of(obj) is not None and not any(obj is t for t in targets)
    ]
    lines += ["", "## No derivative: plain results\n"]
    lines += ["| NumPy | autograd_core | on a Value |", "|---|---|---|"]
    plain = sorted((_numpy_name(f), f) for f in PLAIN_UFUNCS | PLAIN_FUNCTIONS)
    lines += [f"| `{n}` | {_plain_engine_name(f)} | {_on_a_value([f.__name__], None)} |" for n, f in plain]
    return "\n".join(lines + _scipy_section()) + "\n"


def _row(kind: str, f: Any, target: Any) -> tuple[str, ...]:
    """kind, NumPy's name, the engine's, the method or operator, the conventions."""
    name = _engine_name(f, target)
    return kind, _numpy_name(f), name, _on_a_value([f.__name__, name], target), _conventions(target)


def write_support_table(path: str | Path) -> None:
    """Write `support_table()` to `path`."""
    Path(path).write_text(support_table(), encoding="utf-8")


def _numpy_name(f: Any) -> str:
    return "np" + _module_of(f)[len("numpy"):] + "." + f.__name__


def _public() -> dict[str, Any]:
    import autograd_core

    return {name: getattr(autograd_core, name) for name in autograd_core.__all__}


def _engine_name(f: Any, target: Any) -> str:
    """The name of `target` in autograd_core: NumPy's own name when it has that one."""
    names = [name for name, obj in _public().items() if obj is target]
    return f.__name__ if f.__name__ in names else (min(names) if names else repr(target))


def _plain_engine_name(f: Any) -> str:
    return f"`{f.__name__}`" if f.__name__ in _public() else ""


_OPERATORS = {  # the primitives that Value's operators run, and how they are written
    "add": "x + y", "sub": "x - y", "mul": "x * y", "div": "x / y", "power": "x ** y",
    "remainder": "x % y", "matmul": "x @ y", "neg": "-x", "abs": "abs(x)", "getitem": "x[index]",
}


def _on_a_value(names: list[str], target: Any) -> str:
    """`x.<name>()` for the first of `names` that is a method of Value, and the operator that
    runs target's primitive."""
    spelled = [f"`x.{n}()`" for n in names if callable(getattr(Value, n, None))][:1]
    prim = _primitive_of(target)
    if prim is not None and prim.name in _OPERATORS:
        spelled.append(f"`{_OPERATORS[prim.name]}`")
    return ", ".join(spelled)


def _primitive_of(target: Any) -> Primitive | None:
    """The registered primitive that `target` records: itself, or the one of its name."""
    name = target.name if isinstance(target, Primitive) else getattr(target, "__name__", "")
    return REGISTRY.get(name) if target is not None else None


def _conventions(target: Any) -> str:
    """What the rules of target's primitive say, after "Convention:", they give where there is
    no derivative."""
    prim = _primitive_of(target)
    if prim is None or not isinstance(prim.vjps, tuple | list):
        return ""
    notes = []
    for rule in prim.vjps:
        doc = " ".join((getattr(rule, "__doc__", None) or "").split())
        note = doc.partition("Convention: ")[2].replace("|", "\\|")
        if note and note not in notes:
            notes.append(note)
    return " ".join(notes)


# --- SciPy's functions, from autograd_core.scipy's tables -------------------------------------------

_SCIPY_HEADER = """
## SciPy

With SciPy installed (`pip install -e '.[scipy]'`; the engine itself imports nothing of SciPy),
`autograd_core.scipy.special` and `autograd_core.scipy.stats` give SciPy's functions with
SciPy's signatures and values, differentiable in every float argument but those the last
column names; their derivative rules are written with the primitives, so derivatives of any
order work.

SciPy's special functions that are ufuncs, called on Values (`scipy.special.gammaln(x)`), run
the primitive of the second column. SciPy's plain Python functions (`scipy.special.logsumexp`,
`softmax`, `log_softmax`, `polygamma` and everything in `scipy.stats`) cannot be intercepted:
they convert their arguments with `np.asarray`, which a Value that requires grad refuses with a
`TypeError`. Call the functions of `autograd_core.scipy` instead.

### scipy.special

| SciPy | autograd_core.scipy.special | called on a Value | not differentiable in |
|---|---|---|---|
"""

_STATS_HEADER = """
### scipy.stats

`autograd_core.scipy.stats.<distribution>.<method>` takes the arguments of
`scipy.stats.<distribution>.<method>`, positional or by keyword, and broadcasts them as SciPy
does. Outside the support a log-density or log-mass is -inf and a density or mass 0, as in
SciPy, with derivative 0 there; for a parameter outside its domain (a scale, df or shape
parameter <= 0, a Poisson mu < 0) the result is nan, as in SciPy, and so is its derivative.
`multivariate_normal` and `dirichlet` check their arguments as SciPy does and raise its errors.

| SciPy | autograd_core.scipy.stats | not differentiable in |
|---|---|---|
"""


def _scipy_section() -> list[str]:
    """The "SciPy" part of the list: scipy.special's functions and scipy.stats' distributions."""
    import scipy.special as sp

    from ..scipy import special, stats

    lines = [_SCIPY_HEADER.rstrip("\n")]
    aliases = [f.__name__ for f in special.NUMPY_UFUNCS if f.__name__ not in special.__all__]
    for name in sorted([*special.__all__, *aliases]):
        ufunc = getattr(sp, name)
        ours = name if name not in aliases else _name_in(special, special.NUMPY_UFUNCS[ufunc])
        how = "dispatches" if ufunc in special.NUMPY_UFUNCS else f"call `autograd_core.scipy.special.{ours}`"
        constant = special.CONSTANT_ARGUMENTS.get(ours, "")
        lines.append(f"| `scipy.special.{name}` | `{ours}` | {how} | {constant} |")
    lines.append(_STATS_HEADER.rstrip("\n"))
    for dist_name, module in sorted(stats.DISTRIBUTIONS.items()):
        for method in module.__all__:
            signature = _plain_signature(getattr(module, method))
            constant = getattr(module, "CONSTANT_ARGUMENTS", {}).get(method, "")
            scipy_name = f"scipy.stats.{dist_name}.{method}{signature}"
            lines.append(f"| `{scipy_name}` | `{dist_name}.{method}` | {constant} |")
    return lines


def _name_in(module: Any, target: Any) -> str:
    """The public name of `target` in `module`."""
    return next(name for name in module.__all__ if getattr(module, name) is target)


def _plain_signature(f: Any) -> str:
    """f's parameters and defaults as SciPy's documentation writes them: (x, loc=0, scale=1)."""
    parameters = inspect.signature(f).parameters.values()
    empty = inspect.Parameter.empty
    return "(" + ", ".join(p.name if p.default is empty else f"{p.name}={p.default}" for p in parameters) \
        + ")"
