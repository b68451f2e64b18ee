"""NumPy's linalg on Values: NumPy's results, identities the derivatives must satisfy, the
conventions where a derivative does not exist, and clear refusals. (Gradients against
finite differences are the table's work: table_decompositions.py.)"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core import Value
from autograd_core.testing import spd_matrices, symmetric_matrices, well_conditioned_matrices

rng = np.random.default_rng(1)
R = rng.standard_normal
A = R((4, 4)) + 4 * np.eye(4)
STACK = R((3, 4, 4)) + 4 * np.eye(4)
SPD = A @ A.T
TALL = R((5, 3))

CASES = [
    (np.linalg.inv, (STACK,), {}),
    (np.linalg.det, (STACK,), {}),
    (np.linalg.solve, (A, R(4)), {}),
    (np.linalg.solve, (STACK, R(4)), {}),
    (np.linalg.solve, (A, R((4, 2))), {}),
    (np.linalg.solve, (STACK, R((3, 4, 2))), {}),
    (np.linalg.solve, (A, R((2, 4, 3))), {}),
    (np.linalg.cholesky, (SPD,), {}),
    (np.linalg.cholesky, (SPD,), {"upper": True}),
    (np.linalg.eigvalsh, (R((2, 4, 4)),), {"UPLO": "u"}),
    (np.linalg.svd, (TALL,), {"compute_uv": False}),
    (np.linalg.pinv, (TALL,), {}),
    (np.linalg.pinv, (TALL @ TALL.T,), {"rcond": 1e-10}),
    (np.linalg.pinv, (TALL @ TALL.T,), {"rtol": 1e-10, "hermitian": True}),
]


@pytest.mark.parametrize("f, args, kw", CASES, ids=lambda c: getattr(c, "__name__", None))
def test_results_equal_numpys(f, args, kw):
    want = f(*args, **kw)
    got = f(*[Value(a) for a in args], **kw)
    assert isinstance(got, Value) and got.shape == want.shape
    np.testing.assert_allclose(got.data, want, rtol=1e-10, atol=1e-12)


def test_slogdet_gives_the_sign_as_plain_data_and_log_abs_det_as_a_value():
    a = STACK * np.array([1.0, -1.0, 1.0])[:, None, None]
    sign, logabsdet = np.linalg.slogdet(Value(a))
    want = np.linalg.slogdet(a)
    assert not isinstance(sign, Value)
    np.testing.assert_array_equal(sign, want.sign)
    np.testing.assert_allclose(logabsdet.data, want.logabsdet, rtol=1e-12)
    assert ag.slogdet(Value(a)).logabsdet is not None


def test_eigh_and_svd_give_numpys_results_by_name_and_by_position():
    w, V = np.linalg.eigh(SPD)
    result = ag.eigh(Value(SPD), UPLO="L")
    np.testing.assert_allclose(result.eigenvalues.data, w, rtol=1e-12)
    np.testing.assert_allclose(result[1].data, V, rtol=1e-10, atol=1e-12)
    for full in (True, False):
        want = np.linalg.svd(TALL, full_matrices=full)
        got = np.linalg.svd(Value(TALL), full_matrices=full)
        for name in ("U", "S", "Vh"):
            assert getattr(got, name).shape == getattr(want, name).shape
            np.testing.assert_allclose(getattr(got, name).data, getattr(want, name), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("ord, axis, keepdims", [
    (None, None, False), (None, None, True), (2, None, False), (1, 0, True), (np.inf, 1, False),
    (-np.inf, -1, False), (0, 1, False), (3, 0, False), (0.5, 1, True), (-1.5, 1, False),
    ("fro", None, False), ("fro", (1, 0), True), ("nuc", None, False), (2, (0, 1), True), (-2, None, False),
    (1, None, False), (-1, (1, 0), False), (np.inf, None, True), (-np.inf, None, False),
])
def test_norms_equal_numpys(ord, axis, keepdims):
    x = R((4, 3))
    if ord in (1, 2, np.inf, -np.inf, 0, 3, 0.5, -1.5) and axis is None and ord != 2:
        x = x[0] if ord in (0, 3, 0.5, -1.5) else x
    want = np.linalg.norm(x, ord, axis, keepdims)
    got = np.linalg.norm(Value(x), ord, axis, keepdims)
    assert got.shape == np.shape(want)
    np.testing.assert_allclose(got.data, want, rtol=1e-12)


def test_norms_over_two_axes_of_a_stack_keep_both_axes_when_asked():
    x = R((3, 4, 2))
    for ord in ("nuc", 2, -2, 1, -1, np.inf, -np.inf, "fro", None):
        want = np.linalg.norm(x, ord, (2, 0), keepdims=True)
        got = ag.norm(Value(x), ord, (2, 0), keepdims=True)
        assert got.shape == want.shape == (1, 4, 1)
        np.testing.assert_allclose(got.data, want, rtol=1e-12)


def test_float32_in_gives_float32_out_and_float32_gradients():
    a = Value(STACK.astype(np.float32))
    for f in (ag.inv, ag.det, lambda a: ag.slogdet(a).logabsdet, lambda a: ag.svd(a, compute_uv=False),
              lambda a: ag.eigh(a).eigenvalues, ag.pinv, ag.norm):
        a.zero_grad()
        out = f(a)
        assert out.dtype == np.float32
        ag.sum(out).backward()
        assert a.grad.dtype == np.float32


# --- identities -------------------------------------------------------------------------------


@settings(max_examples=25)
@given(well_conditioned_matrices())
def test_the_gradient_of_log_abs_det_is_the_inverse_transposed(a):
    g = ag.grad(lambda a: ag.sum(ag.slogdet(a).logabsdet))(a)
    np.testing.assert_allclose(g, np.swapaxes(np.linalg.inv(a), -1, -2), rtol=1e-8, atol=1e-10)
    d = ag.grad(lambda a: ag.sum(ag.det(a)))(a)
    np.testing.assert_allclose(d, np.linalg.det(a)[..., None, None] * g, rtol=1e-8, atol=1e-10)


@settings(max_examples=25)
@given(well_conditioned_matrices())
def test_inverse_times_matrix_is_the_identity_and_does_not_change(a):
    identity = ag.inv(Value(a)) @ a
    np.testing.assert_allclose(identity.data, np.broadcast_to(np.eye(a.shape[-1]), a.shape), atol=1e-10)
    u = rng.standard_normal(a.shape)
    np.testing.assert_allclose(ag.grad(lambda a: ag.sum((ag.inv(a) @ a) * u))(a), 0.0, atol=1e-9)


@settings(max_examples=25)
@given(well_conditioned_matrices(), st.integers(1, 3))
def test_the_gradient_of_a_solution_is_a_solution_with_the_transpose(a, k):
    b, c = rng.standard_normal(a.shape[:-1] + (k,)), rng.standard_normal(a.shape[:-1] + (k,))
    g = ag.grad(lambda b: ag.sum(ag.solve(a, b) * c))(b)
    np.testing.assert_allclose(g, np.linalg.solve(np.swapaxes(a, -1, -2), c), rtol=1e-8, atol=1e-10)


@settings(max_examples=25)
@given(symmetric_matrices(gap=0.2))
def test_eigh_reconstructs_the_matrix_from_the_triangle_it_reads(s):
    noisy = s + np.triu(rng.standard_normal(s.shape), 1)  # the upper triangle is not read
    w, V = ag.eigh(Value(noisy))
    np.testing.assert_allclose(((V * w[..., None, :]) @ V.swapaxes(-1, -2)).data, s, atol=1e-10)
    g = ag.grad(lambda a: ag.sum(ag.eigh(a).eigenvectors[..., :1, :] * ag.eigh(a).eigenvectors))(noisy)
    np.testing.assert_array_equal(np.triu(g, 1), 0.0)  # no gradient for what was not read


@settings(max_examples=25)
@given(spd_matrices())
def test_log_det_through_cholesky_has_the_inverse_as_gradient_on_the_lower_triangle(a):
    def log_det(a):
        return 2 * ag.sum(ag.log(ag.diagonal(ag.cholesky(a), 0, -2, -1)))

    a_inv = np.linalg.inv(a)
    want = 2 * np.tril(a_inv, -1) + a_inv * np.eye(a.shape[-1])  # an off-diagonal element stands for two
    np.testing.assert_allclose(ag.grad(log_det)(a), want, rtol=1e-8, atol=1e-10)
    L = ag.cholesky(Value(a))
    np.testing.assert_allclose((L @ L.swapaxes(-1, -2)).data, a, atol=1e-10)


@settings(max_examples=15)
@given(well_conditioned_matrices(st.just((3, 3))))
def test_the_hessian_of_log_det_is_minus_the_trace_of_two_inverse_products(a):
    H = ag.hessian(lambda a: ag.slogdet(a).logabsdet)(a)
    E, F = rng.standard_normal((2, 3, 3))
    a_inv = np.linalg.inv(a)
    assert np.einsum("ij,ijkl,kl", E, H, F) == pytest.approx(-np.trace(a_inv @ E @ a_inv @ F), rel=1e-6)


def test_first_derivatives_of_repeated_eigenvalues_and_singular_values_exist():
    """The sum of eigenvalues is the trace, the sum of singular values of an orthogonal matrix
    is its nuclear norm: their gradients exist though every value is repeated."""
    np.testing.assert_allclose(ag.grad(lambda a: ag.sum(ag.eigvalsh(a)))(np.eye(3)), np.eye(3))
    Q = np.linalg.qr(R((3, 3)))[0]
    np.testing.assert_allclose(ag.grad(lambda a: ag.norm(a, "nuc"))(Q), Q, atol=1e-12)


def test_svd_reconstructs_the_matrix():
    U, S, Vh = ag.svd(Value(TALL), full_matrices=False)
    np.testing.assert_allclose(((U * S) @ Vh).data, TALL, atol=1e-12)


# --- where the derivative does not exist ----------------------------------------------------


def test_norms_at_zero_have_zero_gradient():
    zero = np.zeros(3)
    for ord in (None, 2, 1, np.inf, 3, 0.5, 0):
        np.testing.assert_array_equal(ag.grad(ag.norm, 0)(zero, ord), 0.0)
    np.testing.assert_array_equal(ag.grad(lambda x: ag.norm(x, "fro"))(np.zeros((2, 2))), 0.0)


def test_tied_largest_magnitudes_share_the_gradient_of_the_inf_norm():
    inf_norm = ag.grad(lambda x: ag.norm(x, np.inf))
    np.testing.assert_allclose(inf_norm(np.array([-2.0, 1.0, 2.0])), [-0.5, 0, 0.5])
    np.testing.assert_array_equal(ag.grad(lambda x: ag.norm(x, 0))(np.array([-2.0, 1.0, 0.0])), 0.0)


def test_the_extra_columns_of_a_full_svd_refuse_a_gradient_but_the_rest_work():
    wide = R((2, 4))
    with pytest.raises(ValueError, match="full_matrices=False"):
        ag.grad(lambda a: ag.sum(ag.svd(a).Vh))(wide)
    g = ag.grad(lambda a: ag.sum(ag.svd(a).S) + ag.sum(ag.svd(a).Vh[:2] ** 2))(wide)
    reduced = ag.grad(lambda a: ag.sum(ag.svd(a, full_matrices=False).S))
    np.testing.assert_allclose(g, reduced(wide), atol=1e-12)
    _, tangent = ag.jvp(lambda a: ag.svd(a).Vh, (wide,), (R((2, 4)),))
    assert np.all(np.isnan(tangent[2:])) and np.all(np.isfinite(tangent[:2]))


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("call, error, words", [
    (lambda: ag.inv(R((2, 3))), np.linalg.LinAlgError, "square matrices"),
    (lambda: ag.det(R(3)), np.linalg.LinAlgError, "square matrices"),
    (lambda: ag.solve(R((2, 3)), R(2)), np.linalg.LinAlgError, "square matrices"),
    (lambda: ag.inv(Value(np.zeros((2, 2)))), ValueError, r"inv of an operand .* Singular"),
    (lambda: ag.eigh(R((2, 2)), UPLO="X"), ValueError, "UPLO"),
    (lambda: ag.svd(R(3)), np.linalg.LinAlgError, "matrices"),
    (lambda: ag.svd(R((2, 2)), hermitian=True), ValueError, "hermitian"),
    (lambda: ag.norm(R(3), "fro"), ValueError, "matrix norm"),
    (lambda: ag.norm(R((2, 2)), 3), ValueError, "not a matrix norm"),
    (lambda: ag.norm(R((2, 2, 2)), 1), ValueError, "vector or a matrix"),
    (lambda: ag.norm(R((2, 2, 2)), axis=(0, 1, 2)), ValueError, "one or two axes"),
    (lambda: ag.inv(np.eye(2, dtype=complex)), TypeError, "real numbers"),
])
def test_bad_input_is_refused_with_a_clear_error(call, error, words):
    with pytest.raises(error, match=words):
        call()


# --- the matrix strategies of autograd_core.testing keep their promises -----------------------


@settings(max_examples=30)
@given(well_conditioned_matrices(st.sampled_from([(3, 3), (2, 4, 2), (1, 2, 5)]), low=0.4, high=2.0, gap=0.2))
def test_well_conditioned_matrices_have_their_singular_values_in_range_and_apart(a):
    s = np.linalg.svd(a, compute_uv=False)
    assert np.all(s >= 0.4 - 1e-9) and np.all(s <= 2.0 + 1e-9)
    assert np.all(-np.diff(s, axis=-1) >= 0.2 - 1e-9)


@settings(max_examples=30)
@given(symmetric_matrices(gap=0.3), spd_matrices(low=0.5, high=2.0))
def test_symmetric_matrices_are_symmetric_with_separated_eigenvalues_and_spd_ones_positive(s, p):
    np.testing.assert_array_equal(s, np.swapaxes(s, -1, -2))
    assert np.all(np.diff(np.linalg.eigvalsh(s), axis=-1) >= 0.3 - 1e-9)
    w = np.linalg.eigvalsh(p)
    assert np.all(w >= 0.5 - 1e-9) and np.all(w <= 2.0 + 1e-9)


def test_matrix_strategies_refuse_impossible_requests():
    with pytest.raises(ValueError, match="low must be positive"):
        spd_matrices(low=0.0)
    with pytest.raises(ValueError, match="0 < low <= high"):
        well_conditioned_matrices(low=-1.0)
    with pytest.raises(ValueError, match="square"):
        symmetric_matrices((2, 3))

    @given(symmetric_matrices((3, 3), low=0.0, high=0.5, gap=0.3))
    def draw_one(s):
        pass

    with pytest.raises(ValueError, match="too narrow"):
        draw_one()
