"""Products, einsum, diagonals and triangles: NumPy's values and shapes for every form of
call, the derivatives they must have, and clear refusals. (Gradients against finite
differences are the table's work: table_linalg.py.)"""

import numpy as np
import pytest
from hypothesis import given, settings

import autograd_core as ag
from autograd_core import Value

from .table_linalg import einsums

rng = np.random.default_rng(0)
R = rng.standard_normal


def _data(x):
    return x.data if isinstance(x, Value) else x


# (name, NumPy function, arguments): each is called as np.<f>(Values) and ag.<name>(Values)
CASES = [
    ("dot", np.dot, (1.5, R(3))),
    ("dot", np.dot, (R(3), R(3))),
    ("dot", np.dot, (R((2, 3)), R(3))),
    ("dot", np.dot, (R(3), R((3, 4)))),
    ("dot", np.dot, (R((2, 3)), R((3, 4)))),
    ("dot", np.dot, (R((2, 2, 3)), R((4, 3, 2)))),
    ("dot", np.dot, (R((2, 2, 3)), R(3))),
    ("vdot", np.vdot, (R((2, 3)), R(6))),
    ("inner", np.inner, (R((2, 3)), R((4, 3)))),
    ("inner", np.inner, (R(()), R((4, 3)))),
    ("outer", np.outer, (R((2, 2)), R(3))),
    ("tensordot", lambda a, b: np.tensordot(a, b, 2), (R((4, 2, 2)), R((2, 2, 4)))),
    ("tensordot", lambda a, b: np.tensordot(a, b, ([1, 0], [2, 1])), (R((2, 3, 4)), R((2, 2, 3, 4)))),
    ("tensordot", lambda a, b: np.tensordot(a, b, 0), (R(4), R(()))),
    ("kron", np.kron, (R((2, 3)), R((2, 2)))),
    ("kron", np.kron, (R(2), R((2, 3)))),
    ("cross", np.cross, (R((4, 3)), R(3))),
    ("cross", lambda a, b: np.cross(a, b, axisa=0, axisb=1, axisc=0), (R((3, 2)), R((2, 3)))),
    ("cross", lambda a, b: np.cross(a, b, axis=0), (R((3, 2)), R((3, 2)))),
    ("einsum", lambda a, b: np.einsum("ij,jk", a, b), (R((2, 3)), R((3, 4)))),
    ("einsum", lambda a: np.einsum("ii", a), (R((3, 3)),)),
    ("einsum", lambda a: np.einsum("ii->i", a), (R((3, 3)),)),
    ("einsum", lambda a, b: np.einsum("...ij,...jk->...ik", a, b), (R((2, 3)), R((5, 3, 4)))),
    ("einsum", lambda a, b: np.einsum("jk...,lj...->lk...", a, b), (R((3, 2, 4)), R((2, 3, 4)))),
    ("einsum", lambda a, b: np.einsum(a, [0, 1], b, [1, 2], [0, 2]), (R((2, 3)), R((3, 4)))),
    ("einsum", lambda a, b: np.einsum(a, [Ellipsis, 0, 1], b, [Ellipsis, 1, 2]), (R((2, 3)), R((2, 3, 4)))),
    ("einsum", lambda a, b, c: np.einsum("ijk,lji,lli->lki", a, b, c),
     (R((3, 4, 4)), R((4, 4, 3)), R((4, 4, 3)))),
    ("einsum", lambda a: np.einsum("Ba", a), (R((2, 3)),)),
    ("diagonal", lambda a: np.diagonal(a, 1, 2, 0), (R((3, 4, 5)),)),
    ("diag", lambda a: np.diag(a, -1), (R((4, 5)),)),
    ("diag", lambda a: np.diag(a, 2), (R(3),)),
    ("diagflat", lambda a: np.diagflat(a, -1), (R((2, 2)),)),
    ("trace", lambda a: np.trace(a, 1, 2, 0), (R((3, 4, 5)),)),
    ("tril", lambda a: np.tril(a, -1), (R((2, 3, 4)),)),
    ("tril", np.tril, (R(3),)),
    ("triu", lambda a: np.triu(a, 1), (R((4, 3)),)),
]


@pytest.mark.parametrize("name, f, args", CASES)
def test_results_equal_numpys_through_numpy_and_through_ag(name, f, args):
    want = f(*args)
    got = f(*[Value(a) for a in args])  # NumPy's function, dispatched to the engine
    assert isinstance(got, Value) and got.shape == np.shape(want)
    np.testing.assert_allclose(got.data, want, rtol=1e-12, atol=1e-12)
    assert getattr(ag, name) is not None


@pytest.mark.parametrize(
    "name", ["dot", "vdot", "inner", "outer", "kron", "cross", "tril", "triu", "diag", "trace"]
)
def test_each_function_is_reachable_as_ag_name(name):
    args = {"dot": (R(3), R(3)), "vdot": (R(3), R(3)), "inner": (R(3), R(3)), "outer": (R(3), R(2)),
            "kron": (R(2), R(2)), "cross": (R(3), R(3))}.get(name, (R((3, 3)),))
    got = getattr(ag, name)(*[Value(a) for a in args])
    np.testing.assert_allclose(got.data, getattr(np, name)(*args), rtol=1e-12)


@settings(max_examples=60)
@given(einsums())
def test_einsum_equals_numpys_for_drawn_subscripts(call):
    spec = call.params["subscripts"]
    got = ag.einsum(spec, *[Value(x) for x in call.args])
    want = np.einsum(spec, *call.args)
    assert got.shape == np.shape(want)
    np.testing.assert_allclose(got.data, want, rtol=1e-12, atol=1e-12)


def test_value_methods_dot_diagonal_trace():
    a, b = R((3, 4)), R((4, 2))
    np.testing.assert_allclose(Value(a).dot(b).data, a.dot(b))
    np.testing.assert_allclose(Value(a).diagonal(1).data, a.diagonal(1))
    assert Value(a).trace(-1).item() == pytest.approx(a.trace(-1))


def test_plain_arrays_in_give_plain_arrays_out():
    a, b = R((2, 3)), R((3, 2))
    for out in (ag.einsum("ij,jk", a, b), ag.dot(a, b), ag.tensordot(a, b, 1), ag.tril(a), ag.trace(a)):
        assert not isinstance(out, Value)


def test_float32_in_gives_float32_values_and_gradients():
    a = Value(R((3, 3)).astype(np.float32))
    for f in (lambda a: ag.einsum("ij,jk->ik", a, a), lambda a: ag.einsum("ii->i", a), ag.tril,
              lambda a: ag.diagonal(a, 1), lambda a: ag.dot(a, a[0]), lambda a: ag.kron(a, a),
              lambda a: ag.trace(a)):
        a.zero_grad()
        out = f(a)
        assert out.dtype == np.float32
        ag.sum(out).backward()
        assert a.grad.dtype == np.float32


# --- derivatives with known closed forms ----------------------------------------------------


def test_einsum_gradients_of_traces_and_diagonals():
    A = R((3, 3))
    np.testing.assert_allclose(ag.grad(lambda a: ag.einsum("ii", a))(A), np.eye(3))
    g = R(3)
    np.testing.assert_allclose(ag.grad(lambda a: ag.sum(ag.einsum("ii->i", a) * g))(A), np.diag(g))
    # d tr(A^3) / dA = 3 (A^2)^T
    cube_trace = ag.grad(lambda a: ag.einsum("ij,jk,ki", a, a, a))
    np.testing.assert_allclose(cube_trace(A), 3 * (A @ A).T, rtol=1e-12)


def test_the_vjp_of_einsum_is_an_einsum():
    A, B = Value(R((2, 3))), Value(R((3, 4)))
    out = ag.einsum("ij,jk->ik", A, B)
    ag.sum(out * out).backward(create_graph=True)
    ops = {node.op for node in ag.toposort(A.grad, lambda n: n.parents)}
    assert "einsum" in ops and "matmul" not in ops


def test_einsum_sums_a_label_only_one_operand_has_and_broadcasts_back():
    x = Value(R((1, 3)))
    y = R((2, 3))
    ag.einsum("ij,ij->", x, y).backward()  # x's length-1 axis broadcast against y's 2
    np.testing.assert_allclose(x.grad, y.sum(axis=0, keepdims=True))


def test_make_diagonal_is_the_adjoint_of_diagonal():
    x, v = R((3, 4, 5)), R((3, 3))
    embedded = ag.make_diagonal(v, offset=1, axis1=2, axis2=1, shape=x.shape)
    assert np.vdot(np.diagonal(x, 1, 2, 1), v) == pytest.approx(np.vdot(x, embedded))
    np.testing.assert_array_equal(np.diagonal(embedded, 1, 2, 1), v)


def test_make_diagonal_of_the_smallest_shape_inverts_diagonal():
    v = R((3, 4))
    square = ag.make_diagonal(v, axis1=-1, axis2=-2)
    assert square.shape == (3, 4, 4)
    np.testing.assert_array_equal(square, np.stack([np.diag(row) for row in v]))
    wide = ag.make_diagonal(v, offset=2, axis1=0, axis2=2)
    assert wide.shape == (4, 3, 6)
    np.testing.assert_array_equal(np.diagonal(wide, 2, 0, 2), v)


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize("call, error, words", [
    (lambda: ag.einsum("ij,jk", R((2, 3))), ValueError, "name 2 operands; 1 given"),
    (lambda: ag.einsum("ij", R(3)), ValueError, "operand 0 has 1 axes"),
    (lambda: ag.einsum("i1", R((2, 2))), ValueError, "must be letters"),
    (lambda: ag.einsum("...i->i", R((2, 3))), ValueError, "'...'"),
    (lambda: ag.einsum("ij", R((2, 2)), out=np.empty((2, 2))), TypeError, "out="),
    (lambda: ag.einsum("ij", R((2, 2)), dtype=np.float32), TypeError, "dtype="),
    (lambda: ag.tensordot(R((2, 3)), R((4, 3)), ([1], [0])), ValueError, "differ in length"),
    (lambda: ag.tensordot(R((2, 3)), R(3), 3), ValueError, "axes=3"),
    (lambda: ag.tensordot(R((2, 3)), R((3, 3)), ([0, 1], [0])), ValueError, "pair up"),
    (lambda: ag.cross(R(4), R(3)), ValueError, "2 or 3 components"),
    (lambda: ag.diag(R((2, 2, 2))), ValueError, "vector or a matrix"),
    (lambda: ag.diagonal(R(3)), ValueError, "2 or more dimensions"),
    (lambda: ag.diagonal(R((2, 2)), axis1=1, axis2=-1), ValueError, "must differ"),
    (lambda: ag.tril(Value(1.0)), ValueError, "tril: needs an array"),
    (lambda: ag.dot(R(3), R(3), out=np.empty(())), TypeError, "out="),
    (lambda: ag.trace(R((2, 2)), dtype=np.float32), TypeError, "dtype="),
    (lambda: ag.dot(Value(R(3)), np.ones(3, complex)), TypeError, "real numbers"),
])
def test_bad_input_is_refused_with_a_clear_error(call, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        call()
