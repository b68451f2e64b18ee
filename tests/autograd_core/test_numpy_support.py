"""The list of NumPy functions that work on Values (docs/numpy-support.md): generated, complete,
and true: every function in it dispatches from NumPy to a registered primitive that the
hypothesis table exercises."""

from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import Value
from autograd_core import primitives as registry
from autograd_core.primitives import numpy_dispatch

from .test_primitives import draws_of_each_row

DOCS = Path(__file__).resolve().parents[2] / "docs" / "numpy-support.md"
LISTED = {**numpy_dispatch.UFUNCS, **numpy_dispatch.FUNCTIONS}

# NumPy functions that run the primitive of another listed function (an alias, or a function
# that coincides with another on real numbers), each with a call on a Value: the table rows
# call the other one.
SAME_PRIMITIVE_AS_ANOTHER = {
    np.amax: lambda v: np.amax(v, axis=0), np.amin: lambda v: np.amin(v, axis=0, keepdims=True),
    np.around: lambda v: np.around(v, 1), np.rint: np.rint, np.fix: np.fix, np.fabs: np.fabs,
    np.radians: np.radians, np.degrees: np.degrees, np.real: np.real, np.real_if_close: np.real_if_close,
    np.conjugate: np.conjugate, np.positive: np.positive,
}


def _values_in(out):
    return [o for o in (out if isinstance(out, tuple | list) else (out,)) if isinstance(o, Value)]


def test_the_committed_list_is_what_the_generator_writes_now():
    assert DOCS.read_text(encoding="utf-8") == numpy_dispatch.support_table(), (
        "docs/numpy-support.md is out of date: run make docs"
    )


def test_the_list_names_every_supported_function_and_what_is_not_supported():
    text = numpy_dispatch.support_table()
    for f in [*LISTED, *numpy_dispatch.PLAIN_UFUNCS, *numpy_dispatch.PLAIN_FUNCTIONS]:
        assert f"`{numpy_dispatch._numpy_name(f)}`" in text, f
    for unsupported in ("complex numbers", "`out=`", "`dtype=`", "plain NumPy arrays"):
        assert unsupported in text
    assert "| `np.absolute` | `abs` | `x.abs()`, `abs(x)` | elementwise | abs'(0) = 0. |" in text
    assert "| `np.clip` | `clip` | `x.clip()` | elementwise | at a bound, x and the bound share" in text
    assert "| `relu` | `x.relu()` | relu'(0) = 0. |" in text


def test_every_listed_function_dispatches_from_numpy_to_a_registered_primitive_of_the_table(monkeypatch):
    dispatched: dict = defaultdict(set)  # NumPy function -> the primitives of its results

    def spy(apply):
        def spied(f, method_or_args, *rest):
            out = apply(f, method_or_args, *rest)
            # (a result that is a leaf is an input handed back, as np.atleast_2d of a matrix does)
            dispatched[f].update(v.op for v in _values_in(out) if not v.is_leaf)
            return out
        return spied

    monkeypatch.setattr(registry, "apply_ufunc", spy(numpy_dispatch.apply_ufunc))
    monkeypatch.setattr(registry, "apply_function", spy(numpy_dispatch.apply_function))

    for call in draws_of_each_row():
        call.f(*(Value(a) for a in call.args))
    for f, call in SAME_PRIMITIVE_AS_ANOTHER.items():
        out = call(Value(np.linspace(0.25, 0.75, 6).reshape(2, 3)))
        partners = [g for g, target in LISTED.items() if target is LISTED[f] and g in dispatched]
        assert partners, f"{f.__name__}: no function of the same primitive is in the table"
        assert {out.op} == dispatched[partners[0]], f.__name__
        dispatched[f].add(out.op)
    for f in LISTED:
        assert f in dispatched, f"{f.__name__} is listed but no row of the table calls it from NumPy"
        assert dispatched[f] and dispatched[f] <= set(registry.REGISTRY), (f.__name__, dispatched[f])


@pytest.mark.parametrize("f", sorted(numpy_dispatch.PLAIN_UFUNCS, key=lambda f: f.__name__), ids=str)
def test_ufuncs_with_boolean_results_give_numpys_plain_arrays(f):
    x, y = np.array([[np.nan, -1.0, 0.0], [2.0, np.inf, 0.5]]), np.array([0.0, -1.0, 1.0])
    args = (x,) if f.nin == 1 else (x, y)
    out = f(*(Value(a) for a in args))
    assert type(out) is np.ndarray
    np.testing.assert_array_equal(out, f(*args))


def test_functions_with_integer_or_boolean_results_give_numpys_plain_results():
    x = np.array([[0.0, -1.0, 3.0], [2.0, 0.0, 0.5]])
    for call in (lambda a: np.argmax(a, axis=1), lambda a: np.count_nonzero(a, axis=0), np.nonzero,
                 np.flatnonzero, np.argwhere, lambda a: np.isclose(a, 0.5), lambda a: np.allclose(a, a),
                 lambda a: np.array_equal(a, x), np.shape, np.ndim, np.size, lambda a: np.all(a, 0)):
        got, want = call(Value(x)), call(x)
        assert not _values_in(got)
        np.testing.assert_equal(got, want)


def test_zeros_like_and_ones_like_of_a_value_are_plain_arrays_of_its_shape_and_dtype():
    x = Value(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    for f, fill in ((np.zeros_like, 0.0), (np.ones_like, 1.0)):
        out = f(x)
        assert type(out) is np.ndarray and out.shape == (2, 3) and out.dtype == np.float32
        assert np.all(out == fill)
    assert np.empty_like(x).shape == (2, 3)
    g = ag.grad(lambda v: ag.sum(v * np.ones_like(v)) + ag.sum(np.zeros_like(v)))(np.arange(3.0))
    np.testing.assert_array_equal(g, np.ones(3))
    with pytest.raises(TypeError, match="numpy.full_like is not differentiable here"):
        np.full_like(x, 2.0)  # its fill value may be a Value: refused rather than detached


def test_every_public_function_of_the_engine_has_a_docstring_or_is_a_primitive():
    for name in ag.__all__:
        obj = getattr(ag, name)
        assert isinstance(obj, ag.Primitive) or (obj.__doc__ or "").strip(), name
