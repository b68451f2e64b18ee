"""Rows of the primitives' table for `decompositions` (NumPy's linalg), on matrices where
the derivative exists: invertible and well conditioned, symmetric positive definite, with
separated eigenvalues or singular values (the strategies of autograd_core.testing).

Eigenvectors and singular vectors are defined up to their signs, so the rows that return
them return sign-free products of them (each vector times its first component): their
derivatives are still the vectors' derivatives.
"""

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from autograd_core.testing import (
    arrays,
    shapes,
    spd_matrices,
    symmetric_matrices,
    well_conditioned_matrices,
)

from .calls import Call

MATRIX_SHAPES = st.tuples(shapes(max_dims=1, max_side=2), st.integers(1, 4), st.integers(1, 4)).map(
    lambda bmn: bmn[0] + bmn[1:]
)


def _flat(*parts: object) -> object:
    return ag.concatenate([ag.ravel(p) for p in parts])


@st.composite
def solves(draw: st.DrawFn) -> Call:
    """np.linalg.solve: a vector b (one axis) or a stack of matrices b, broadcast against a's stack."""
    a = draw(well_conditioned_matrices())
    n = a.shape[-1]
    if draw(st.booleans()):
        b_shape: tuple[int, ...] = (n,)
    else:
        batch = draw(st.sampled_from([(), a.shape[:-2], (2,) + a.shape[:-2]]))
        b_shape = batch + (n, draw(st.integers(1, 3)))
    return Call(np.linalg.solve, (a, draw(arrays(b_shape))))


@st.composite
def eighs(draw: st.DrawFn) -> Call:
    """np.linalg.eigh (lower or upper triangle read) of matrices whose symmetric part has
    separated eigenvalues; the upper (lower) triangle is noise that must get no gradient."""
    a = draw(symmetric_matrices(gap=0.2))
    UPLO = draw(st.sampled_from("LU"))
    noise = draw(arrays(a.shape))
    a = a + (np.triu(noise, 1) if UPLO == "L" else np.tril(noise, -1))

    def f(a):
        w, V = np.linalg.eigh(a, UPLO)
        return _flat(w, V * V[..., :1, :])

    return Call(f, (a,), {"UPLO": UPLO})


@st.composite
def eigvalshs(draw: st.DrawFn) -> Call:
    a = draw(symmetric_matrices(gap=0.2))
    UPLO = draw(st.sampled_from("LU"))
    return Call(lambda a: np.linalg.eigvalsh(a, UPLO), (a,), {"UPLO": UPLO})


@st.composite
def cholesky_factors(draw: st.DrawFn) -> Call:
    """np.linalg.cholesky, lower or upper, of SPD matrices plus noise in the triangle not read."""
    a = draw(spd_matrices())
    upper = draw(st.booleans())
    noise = draw(arrays(a.shape))
    a = a + (np.tril(noise, -1) if upper else np.triu(noise, 1))
    return Call(lambda a: np.linalg.cholesky(a, upper=upper), (a,), {"upper": upper})


@st.composite
def svds(draw: st.DrawFn) -> Call:
    """np.linalg.svd (full_matrices=False, or True on square matrices) of matrices with
    separated nonzero singular values."""
    a = draw(well_conditioned_matrices(MATRIX_SHAPES, low=0.3, gap=0.2))
    full = a.shape[-1] == a.shape[-2] and draw(st.booleans())

    def f(a):
        U, S, Vh = np.linalg.svd(a, full_matrices=full)
        return _flat(U * U[..., :1, :], S, Vh * Vh[..., :, :1])

    return Call(f, (a,), {"full_matrices": full})


@st.composite
def full_svds(draw: st.DrawFn) -> Call:
    """np.linalg.svd with full_matrices=True of non-square matrices, using only the singular
    vectors that are unique (the first min(m, n) columns of U and rows of Vh)."""
    m, n = draw(st.permutations([draw(st.integers(1, 2)), draw(st.integers(3, 4))]))
    a = draw(well_conditioned_matrices((m, n), low=0.3, gap=0.2))
    k = min(m, n)

    def f(a):
        U, S, Vh = np.linalg.svd(a)
        return _flat(U[:, :k] * U[:1, :k], S, Vh[:k] * Vh[:k, :1])

    return Call(f, (a,), {"full_matrices": True})


@st.composite
def singular_values(draw: st.DrawFn) -> Call:
    a = draw(well_conditioned_matrices(MATRIX_SHAPES, low=0.3, gap=0.2))
    return Call(lambda a: np.linalg.svd(a, compute_uv=False), (a,))


@st.composite
def pinvs(draw: st.DrawFn) -> Call:
    """np.linalg.pinv of full-rank matrices, or of a product X^T X of constant lower rank."""
    if draw(st.booleans()):
        return Call(np.linalg.pinv, (draw(well_conditioned_matrices(MATRIX_SHAPES, low=0.5)),))
    x = draw(well_conditioned_matrices(st.tuples(st.integers(1, 2), st.integers(3, 4)), low=0.5))
    return Call(lambda x: np.linalg.pinv(np.swapaxes(x, -1, -2) @ x), (x,), {"of": "X^T X"})


@st.composite
def vector_norms(draw: st.DrawFn) -> Call:
    """np.linalg.norm of vectors along one axis (or of all elements), for every kind of ord."""
    ord = draw(st.sampled_from([None, 2, 1, np.inf, -np.inf, 0, 3, 0.5, -1.5]))
    if ord in (np.inf, -np.inf):  # untied magnitudes: unique positive numbers, with signs
        sizes = draw(arrays(shapes(min_dims=1), low=0.2, unique=True, min_gap=0.02))
        x = sizes * draw(hnp.arrays(bool, sizes.shape)).choose([1.0, -1.0])
    else:
        x = draw(arrays(shapes(min_dims=1), min_magnitude=0.2))
    axis = None if ord is None and draw(st.booleans()) else draw(st.integers(-x.ndim, x.ndim - 1))
    keepdims = draw(st.booleans())
    kw = {"ord": ord, "axis": axis, "keepdims": keepdims}
    return Call(lambda x: np.linalg.norm(x, **kw), (x,), kw)


@st.composite
def matrix_norms(draw: st.DrawFn) -> Call:
    """np.linalg.norm of matrices over two axes: 'fro', 'nuc', 2, -2 (separated singular
    values), 1, -1, inf, -inf (untied column or row sums)."""
    ord = draw(st.sampled_from(["fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf]))
    if ord in ("fro", "nuc", 2, -2):
        x = draw(well_conditioned_matrices(MATRIX_SHAPES, low=0.3, gap=0.2))
    else:
        x = draw(arrays(MATRIX_SHAPES, min_magnitude=0.2))
    if x.ndim == 3:  # the matrices drawn lie along the two axes named
        axis = tuple(draw(st.permutations(range(3)))[:2])
        x = np.moveaxis(x, (-2, -1), axis)
    else:
        axis = draw(st.sampled_from([None, (0, 1), (1, 0)]))
        x = x.T if axis == (1, 0) else x
    if ord in (1, -1, np.inf, -np.inf):  # the largest (smallest) column or row sum is not tied
        y = np.abs(np.moveaxis(x, (-2, -1) if axis is None else axis, (-2, -1)))
        sums = np.sort(y.sum(axis=-2 if ord in (1, -1) else -1), axis=-1)
        assume(np.all(np.diff(sums, axis=-1) > 0.05))
    kw = {"ord": ord, "axis": None if axis is None else tuple(axis), "keepdims": draw(st.booleans())}
    return Call(lambda x: np.linalg.norm(x, **kw), (x,), kw)


ROWS: dict[str, st.SearchStrategy] = {
    "inv": well_conditioned_matrices().map(lambda a: Call(np.linalg.inv, (a,))),
    "det": well_conditioned_matrices().map(lambda a: Call(np.linalg.det, (a,))),
    "slogdet": well_conditioned_matrices().map(lambda a: Call(lambda a: np.linalg.slogdet(a)[1], (a,))),
    "solve": solves(),
    "cholesky": cholesky_factors(),
    "eigh": eighs(),
    "eigvalsh": eigvalshs(),
    "svd": svds(),
    "svd (full_matrices=True, not square)": full_svds(),
    "svd (compute_uv=False)": singular_values(),
    "pinv": pinvs(),
    "norm (vectors)": vector_norms(),
    "norm (matrices)": matrix_norms(),
}
