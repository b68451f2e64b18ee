"""NumPy's linalg: inverse, determinants, solve, cholesky, eigh, svd, pinv and norms.

Every function works on stacks of matrices (the last two axes), as NumPy's do. Where a
decomposition has several outputs (eigh, svd) one node computes them all and returns them
packed in one array; the results are views of it (getitem), so a gradient that reaches any
of them reaches the one rule.

Where the derivative exists: inv, det, slogdet, solve need an invertible matrix; cholesky
a positive definite one; eigh distinct eigenvalues; svd distinct, nonzero singular values
(svd(compute_uv=False), eigvalsh and the norms built on them need less: see each).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from ..core import data_of, shape_of
from ._registry import defprim, keep, kept_shape, tie_share
from .elementwise import abs, where
from .linalg import diagonal, tril, triu
from .reductions import max, min, sum
from .shapes import _ndim, _shape, concatenate, moveaxis, reshape, swapaxes

__all__ = [  # the public names of this module: ag.<name>
    "inv", "det", "slogdet", "solve", "cholesky", "eigh", "eigvalsh", "svd", "pinv", "norm",
]


def _T(a: Any) -> Any:
    """The transpose of each matrix of a stack (its last two axes swapped)."""
    return swapaxes(a, -1, -2)


def _eye(n: int, like: Any) -> np.ndarray:
    return np.eye(n, dtype=np.result_type(data_of(like)))


def _scalars_as_matrices(g: Any) -> Any:
    """A stack of numbers (one per matrix) shaped to broadcast against the matrices."""
    return reshape(g, shape_of(g) + (1, 1))


def _square(a: Any, what: str) -> None:
    shape = _shape(a)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise np.linalg.LinAlgError(f"{what}: needs square matrices (..., n, n); got shape {shape}")


# --- inverse, determinants, solve -----------------------------------------------------------

_inv = defprim(
    "inv",
    np.linalg.inv,
    (lambda g, ans, a: -(_T(ans) @ g @ _T(ans)),),  # d(A^-1) = -A^-1 dA A^-1
    (lambda t, ans, a: -(ans @ t @ ans),),
)


def _trace_of_product(x: Any, t: Any) -> Any:
    """tr(x t) for each matrix of a stack: the sum of x^T * t."""
    return sum(_T(x) * t, axis=(-2, -1))


_det = defprim(
    "det",
    np.linalg.det,
    (lambda g, ans, a: _scalars_as_matrices(g * ans) * _T(inv(a)),),  # d det A = det A tr(A^-1 dA)
    (lambda t, ans, a: ans * _trace_of_product(inv(a), t),),
)
_logabsdet = defprim(
    "slogdet",
    lambda a: np.linalg.slogdet(a)[1],
    (lambda g, ans, a: _scalars_as_matrices(g) * _T(inv(a)),),  # d log|det A| = tr(A^-1 dA)
    (lambda t, ans, a: _trace_of_product(inv(a), t),),
)


def inv(a: Any) -> Any:
    """A^-1, the inverse of each matrix (an error for a singular one)."""
    _square(a, "inv")
    return _inv(a)


def det(a: Any) -> Any:
    """det A of each matrix; its derivative det(A) A^-T needs A invertible."""
    _square(a, "det")
    return _det(a)


class SlogdetResult(NamedTuple):
    """slogdet's result, as NumPy's: the sign of det A (plain data) and log |det A|."""

    sign: Any
    logabsdet: Any


def slogdet(a: Any) -> SlogdetResult:
    """(sign, log |det A|) of each matrix. The sign is plain data (its derivative is zero
    wherever it is defined); log |det A| has derivative A^-T, for A invertible."""
    _square(a, "slogdet")
    return SlogdetResult(np.linalg.slogdet(data_of(a))[0], _logabsdet(a))


def _is_vector(b: Any) -> bool:
    """NumPy 2's rule: b is one right-hand side vector exactly when it has one axis."""
    return len(shape_of(b)) == 1


def _solve_each(a: Any, v: Any) -> Any:
    """solve for a stack of vectors v (..., n), however many axes it has."""
    return solve(a, v[..., None])[..., 0] if len(shape_of(v)) > 1 else solve(a, v)


def _solve_db(g: Any, ans: Any, a: Any, b: Any) -> Any:
    """dC/db = A^-T g."""
    return _solve_each(_T(a), g) if _is_vector(b) else solve(_T(a), g)


def _solve_da(g: Any, ans: Any, a: Any, b: Any) -> Any:
    """dC/dA = -(A^-T g) x^T, with x = A^-1 b."""
    db = _solve_db(g, ans, a, b)
    return -(db[..., :, None] * ans[..., None, :]) if _is_vector(b) else -(db @ _T(ans))


def _solve_ta(t: Any, ans: Any, a: Any, b: Any) -> Any:
    """dx = -A^-1 dA x."""
    return -_solve_each(a, (t @ ans[..., None])[..., 0]) if _is_vector(b) else -solve(a, t @ ans)


_solve = defprim(
    "solve",
    np.linalg.solve,
    (_solve_da, _solve_db),
    (_solve_ta, lambda t, ans, a, b: _solve_each(a, t) if _is_vector(b) else solve(a, t)),
    broadcasts=True,  # stacks of a and of b broadcast against each other
)


def solve(a: Any, b: Any) -> Any:
    """x = A^-1 b, the solution of A x = b, for each matrix A: b is a vector (n,) when it has
    one axis, else a stack of matrices (..., n, k) (NumPy 2's rule)."""
    _square(a, "solve")
    return _solve(a, b)


# --- matrices read through one triangle: cholesky and eigh -------------------------------------


def _symmetric_from(a: Any, lower: bool) -> Any:
    """The symmetric matrix that a's lower (or upper) triangle stands for."""
    return tril(a) + _T(tril(a, -1)) if lower else triu(a) + _T(triu(a, 1))


def _onto_triangle(g: Any, lower: bool) -> Any:
    """A gradient with respect to a symmetric matrix S, taken back to the matrix whose lower
    (or upper) triangle S was read from: off the diagonal each element stands for two."""
    n = shape_of(g)[-1]
    both = g + _T(g)
    return (tril(both, -1) if lower else triu(both, 1)) + g * _eye(n, g)


def _lower_half(x: Any) -> Any:
    """Phi(X): the lower triangle of X with its diagonal halved."""
    return tril(x) - 0.5 * (x * _eye(shape_of(x)[-1], x))


def _cholesky_vjp(g: Any, ans: Any, a: Any) -> Any:
    """With S = L L^T: dC/dS = L^-T Phi(L^T g) L^-1, taken onto the lower triangle of a."""
    L_inv = inv(ans)
    return _onto_triangle(_T(L_inv) @ _lower_half(_T(ans) @ g) @ L_inv, True)


def _cholesky_jvp(t: Any, ans: Any, a: Any) -> Any:
    """dL = L Phi(L^-1 dS L^-T)."""
    L_inv = inv(ans)
    return ans @ _lower_half(L_inv @ _symmetric_from(t, True) @ _T(L_inv))


_cholesky = defprim("cholesky", np.linalg.cholesky, (_cholesky_vjp,), (_cholesky_jvp,))


def cholesky(a: Any, /, *, upper: bool = False) -> Any:
    """L with L L^T = A (lower triangular), or U = L^T with upper=True, for each symmetric
    positive definite A; only A's lower (upper) triangle is read, and only it gets a gradient."""
    _square(a, "cholesky")
    return _T(_cholesky(_T(a))) if upper else _cholesky(a)


def _eigh(a: Any, UPLO: str) -> np.ndarray:
    """eigh's eigenvalues w and eigenvectors V packed in one array: w is row 0, V the rest."""
    w, V = np.linalg.eigh(a, UPLO)  # type: ignore[call-overload]
    return np.concatenate([w[..., None, :], V], axis=-2)


def _gaps(w: Any) -> Any:
    """F with F_ij = 1 / (w_j - w_i) off the diagonal and 0 on it (w distinct)."""
    n = shape_of(w)[-1]
    differences = w[..., None, :] - w[..., :, None]
    eye = _eye(n, w)
    return (1.0 - eye) / (differences + eye)


def _eigh_vjp(g: Any, ans: Any, a: Any, UPLO: str) -> Any:
    """dC/dS = V (diag(g_w) + F * (V^T g_V)) V^T, onto the triangle of a that was read."""
    w, V, gw, gV = ans[..., 0, :], ans[..., 1:, :], g[..., 0, :], g[..., 1:, :]
    inner = gw[..., None, :] * _eye(shape_of(w)[-1], w) + _gaps(w) * (_T(V) @ gV)
    return _onto_triangle(V @ inner @ _T(V), UPLO == "L")


def _eigh_jvp(t: Any, ans: Any, a: Any, UPLO: str) -> Any:
    """dw = diag(V^T dS V), dV = V (F * (V^T dS V))."""
    w, V = ans[..., 0, :], ans[..., 1:, :]
    X = _T(V) @ _symmetric_from(t, UPLO == "L") @ V
    return concatenate([diagonal(X, 0, -2, -1)[..., None, :], V @ (_gaps(w) * X)], axis=-2)


_eigh_prim = defprim("eigh", _eigh, (_eigh_vjp,), (_eigh_jvp,))


class EighResult(NamedTuple):
    """eigh's result, as NumPy's: the eigenvalues (ascending) and the eigenvectors (columns)."""

    eigenvalues: Any
    eigenvectors: Any


def _uplo(UPLO: str) -> str:
    """'L' or 'U' (either case accepted, as NumPy does)."""
    if not isinstance(UPLO, str) or UPLO.upper() not in ("L", "U"):
        raise ValueError(f"UPLO must be 'L' or 'U'; got {UPLO!r}")
    return UPLO.upper()


def eigh(a: Any, UPLO: str = "L") -> EighResult:
    """The eigenvalues w (ascending) and eigenvectors V (columns) of each symmetric matrix,
    read from its lower (UPLO='L') or upper ('U') triangle: A = V diag(w) V^T.

    The derivative assumes distinct eigenvalues (F = 1 / (w_j - w_i) appears in it) and
    follows the eigenvectors NumPy returns (each defined up to its sign); the gradient goes
    to the triangle that was read.
    """
    _square(a, "eigh")
    packed = _eigh_prim(a, UPLO=_uplo(UPLO))
    return EighResult(packed[..., 0, :], packed[..., 1:, :])


def _eigvalsh_vjp(g: Any, ans: Any, a: Any, UPLO: str) -> Any:
    """dC/dS = V diag(g) V^T, onto the triangle read."""
    V = eigh(a, UPLO).eigenvectors
    return _onto_triangle((V * g[..., None, :]) @ _T(V), UPLO == "L")


def _eigvalsh_jvp(t: Any, ans: Any, a: Any, UPLO: str) -> Any:
    V = eigh(a, UPLO).eigenvectors
    return diagonal(_T(V) @ _symmetric_from(t, UPLO == "L") @ V, 0, -2, -1)


_eigvalsh = defprim("eigvalsh", np.linalg.eigvalsh, (_eigvalsh_vjp,), (_eigvalsh_jvp,))


def eigvalsh(a: Any, UPLO: str = "L") -> Any:
    """The eigenvalues (ascending) of each symmetric matrix, read from one triangle. Their
    first derivative V diag(g) V^T needs no gap between them (the second does)."""
    _square(a, "eigvalsh")
    return _eigvalsh(a, UPLO=_uplo(UPLO))


# --- the singular value decomposition ---------------------------------------------------------


def _svd(a: Any, full_matrices: bool) -> np.ndarray:
    """U (m, k), s and V = Vh^T (n, k), k = min(m, n), packed in one array of shape
    (..., m + 1 + n, k): U's rows, then s, then V's rows. (With full_matrices=True, the first
    k columns of NumPy's full U and V.)"""
    U, s, Vh = np.linalg.svd(a, full_matrices=full_matrices)
    k = s.shape[-1]
    return np.concatenate([U[..., :k], s[..., None, :], np.swapaxes(Vh[..., :k, :], -1, -2)], axis=-2)


def _unpack_svd(packed: Any, m: int) -> tuple[Any, Any, Any]:
    return packed[..., :m, :], packed[..., m, :], packed[..., m + 1:, :]


def _svd_vjp(g: Any, ans: Any, a: Any, full_matrices: bool) -> Any:
    """dC/dA = U [diag(g_s) + (J + J^T) S + S (K + K^T)] V^T + (I - U U^T) g_U S^-1 V^T
    + U S^-1 g_V^T (I - V V^T), where J = F * (U^T g_U), K = F * (V^T g_V) and
    F_ij = 1 / (s_j^2 - s_i^2) off the diagonal; the last two terms only for a non-square A."""
    m, n = shape_of(a)[-2:]
    U, s, V = _unpack_svd(ans, m)
    gU, gs, gV = _unpack_svd(g, m)
    F = _gaps(s * s)
    J, K = F * (_T(U) @ gU), F * (_T(V) @ gV)
    inner = gs[..., None, :] * _eye(shape_of(s)[-1], s) + (J + _T(J)) * s[..., None, :]
    inner = inner + s[..., :, None] * (K + _T(K))
    grad = U @ inner @ _T(V)
    if m > n:
        grad = grad + (gU - U @ (_T(U) @ gU)) @ _T(V / s[..., None, :])
    if n > m:
        grad = grad + (U / s[..., None, :]) @ _T(gV - V @ (_T(V) @ gV))
    return grad


def _svd_jvp(t: Any, ans: Any, a: Any, full_matrices: bool) -> Any:
    """With dP = U^T dA V: ds = diag(dP), dU = U (F * (dP S + S dP^T)) + (I - U U^T) dA V S^-1,
    dV = V (F * (S dP + dP^T S)) + (I - V V^T) dA^T U S^-1."""
    m, n = shape_of(a)[-2:]
    U, s, V = _unpack_svd(ans, m)
    dP = _T(U) @ t @ V
    F = _gaps(s * s)
    dU = U @ (F * (dP * s[..., None, :] + s[..., :, None] * _T(dP)))
    dV = V @ (F * (s[..., :, None] * dP + _T(dP) * s[..., None, :]))
    if m > n:
        dU = dU + (t @ V - U @ (_T(U) @ t @ V)) / s[..., None, :]
    if n > m:
        dV = dV + (_T(t) @ U - V @ (_T(V) @ _T(t) @ U)) / s[..., None, :]
    return concatenate([dU, diagonal(dP, 0, -2, -1)[..., None, :], dV], axis=-2)


_svd_prim = defprim("svd", _svd, (_svd_vjp,), (_svd_jvp,))


def _completion_vjp(g: Any, ans: Any, a: Any, side: int) -> Any:
    """Zero where the completion is not used downstream; where it is, it has no derivative."""
    if np.any(data_of(g)):
        raise ValueError(
            "svd: with full_matrices=True the extra columns of U (or rows of Vh) of a non-square "
            "matrix are not unique, so they have no derivative; use full_matrices=False"
        )
    return 0.0 * a


def _completion_jvp(t: Any, ans: Any, a: Any, side: int) -> Any:
    """No tangent exists: NaN, which stays where the completion is used and nowhere else."""
    return np.full(shape_of(ans), np.nan, dtype=np.result_type(data_of(ans)))


def _completion(a: Any, side: int) -> np.ndarray:
    """The columns of NumPy's full U (side 0), or rows of its full Vh (side 2), beyond the
    first min(m, n)."""
    U, s, Vh = np.linalg.svd(a, full_matrices=True)
    k = s.shape[-1]
    return U[..., :, k:] if side == 0 else Vh[..., k:, :]


_svd_completion = defprim("svd_completion", _completion, (_completion_vjp,), (_completion_jvp,))


def _svdvals_vjp(g: Any, ans: Any, a: Any) -> Any:
    """dC/dA = U diag(g) V^T."""
    U, _, Vh = svd(a, full_matrices=False)
    return (U * g[..., None, :]) @ Vh


def _svdvals_jvp(t: Any, ans: Any, a: Any) -> Any:
    U, _, Vh = svd(a, full_matrices=False)
    return diagonal(_T(U) @ t @ _T(Vh), 0, -2, -1)


_svdvals = defprim(
    "svdvals", lambda a: np.linalg.svd(a, compute_uv=False), (_svdvals_vjp,), (_svdvals_jvp,)
)


class SVDResult(NamedTuple):
    """svd's result, as NumPy's: A = U diag(S) Vh."""

    U: Any
    S: Any
    Vh: Any


def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False) -> Any:
    """The singular value decomposition A = U diag(S) Vh of each matrix (real input), S in
    descending order; with compute_uv=False, S alone.

    The derivative of U and Vh assumes distinct, nonzero singular values (F = 1 / (s_j^2 -
    s_i^2) and S^-1 appear in it) and follows the singular vectors NumPy returns. S alone
    needs neither: its derivative is U diag(g) Vh. With full_matrices=True a non-square
    matrix's extra columns of U (rows of Vh) have no derivative: a reverse pass that
    reaches them with a nonzero gradient is an error, and forward mode gives them NaN
    tangents (the first min(m, n) columns and S are differentiable as usual).
    """
    shape = _shape(a)
    if len(shape) < 2:
        raise np.linalg.LinAlgError(f"svd: needs matrices (..., m, n); got shape {shape}")
    if not compute_uv:
        return _svdvals(a)
    if hermitian:
        raise ValueError("svd: hermitian=True is not supported with compute_uv=True; the general svd "
                         "gives the same singular values")
    m, n = shape[-2:]
    U, S, V = _unpack_svd(_svd_prim(a, full_matrices=bool(full_matrices)), m)
    Vh = _T(V)
    if full_matrices and m > n:
        U = concatenate([U, _svd_completion(a, side=0)], axis=-1)
    if full_matrices and n > m:
        Vh = concatenate([Vh, _svd_completion(a, side=2)], axis=-2)
    return SVDResult(U, S, Vh)


# --- the pseudo-inverse -----------------------------------------------------------------------


def _pinv_vjp(g: Any, ans: Any, a: Any, **options: Any) -> Any:
    """dC/dA = -P^T g P^T + (I - A P) g^T P P^T + P^T P g^T (I - P A), with P = A^+ (at
    constant rank)."""
    P, gT = ans, _T(g)
    outside_range = gT @ P - a @ (P @ (gT @ P))  # (I - A P) g^T P
    outside_rows = P @ gT - (P @ gT @ P) @ a  # P g^T (I - P A)
    return -(_T(P) @ g @ _T(P)) + outside_range @ _T(P) + _T(P) @ outside_rows


def _pinv_jvp(t: Any, ans: Any, a: Any, **options: Any) -> Any:
    """dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P."""
    P, tT = ans, _T(t)
    return -(P @ t @ P) + P @ _T(P) @ (tT - tT @ a @ P) + (tT - P @ a @ tT) @ _T(P) @ P


_pinv = defprim("pinv", lambda a, **options: np.linalg.pinv(a, **options), (_pinv_vjp,), (_pinv_jvp,))


def pinv(a: Any, rcond: Any = None, hermitian: bool = False, *, rtol: Any = None) -> Any:
    """A^+, the Moore-Penrose pseudo-inverse of each matrix (singular values below rcond or
    rtol times the largest count as zero). Its derivative holds where the rank is constant:
    the formula of Golub and Pereyra, written with A and A^+."""
    options: dict[str, Any] = {"hermitian": hermitian}
    if rcond is not None:
        options["rcond"] = rcond
    if rtol is not None:
        options["rtol"] = rtol
    if len(_shape(a)) < 2:
        raise np.linalg.LinAlgError(f"pinv: needs matrices (..., m, n); got shape {_shape(a)}")
    return _pinv(a, **options)


# --- norms ------------------------------------------------------------------------------------


def _vector_partials(ans: Any, x: Any, ord: Any, axis: Any, keepdims: bool) -> Any:
    """d||x||/dx, elementwise, for the norms of elements: 0 where ||x|| = 0 (the smallest
    subgradient there, as PyTorch's; a 2-norm is not differentiable at 0)."""
    p = 2 if ord in (None, "fro") else ord
    kept = keep(ans, x, axis, keepdims)
    sign = np.sign(data_of(x))
    if p == 0:
        return 0.0 * x
    if p == 1:
        return sign
    if p in (np.inf, -np.inf):
        return sign * tie_share(np.abs(data_of(x)), kept, axis)
    nonzero = where(data_of(kept) == 0, 1.0, kept)
    if p == 2:
        return x / nonzero
    size = where(data_of(x) == 0, 1.0, abs(x))
    return sign * (size / nonzero) ** (p - 1)


_norm = defprim(
    "norm",
    lambda x, ord, axis, keepdims: np.linalg.norm(x, ord, axis, keepdims),
    (lambda g, ans, x, ord, axis, keepdims:
     keep(g, x, axis, keepdims) * _vector_partials(ans, x, ord, axis, keepdims),),
    (lambda t, ans, x, ord, axis, keepdims:
     sum(t * _vector_partials(ans, x, ord, axis, keepdims), axis, keepdims),),
)

_MATRIX_NORMS: dict[Any, Callable[[Any], Any]] = {
    "nuc": lambda s: sum(s, axis=-1),  # of the singular values s
    2: lambda s: max(s, axis=-1),
    -2: lambda s: min(s, axis=-1),
}


def _matrix_norm(x: Any, ord: Any, axes: tuple[int, int], keepdims: bool) -> Any:
    """The matrix norms other than Frobenius, over the two axes `axes` (rows, columns)."""
    rows, cols = axes
    if ord in _MATRIX_NORMS:
        out = _MATRIX_NORMS[ord](svd(moveaxis(x, axes, (-2, -1)), compute_uv=False))
    elif ord in (1, -1, np.inf, -np.inf):  # the largest (smallest) column (row) sum of |x|
        summed, over = (rows, cols) if ord in (1, -1) else (cols, rows)
        sums = sum(abs(x), axis=summed)
        extremum = max if ord in (1, np.inf) else min
        out = extremum(sums, axis=over - 1 if over > summed else over)
    else:
        raise ValueError(f"norm: ord={ord!r} is not a matrix norm")
    return reshape(out, kept_shape(_shape(x), axes)) if keepdims else out


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """NumPy's norm: of vectors (ord None or 2, 1, inf, -inf, 0, any p) along one axis, of
    matrices ('fro', 'nuc', 1, -1, 2, -2, inf, -inf) over two, of all elements for ord None.

    Derivatives: where the norm is 0, every norm of elements takes 0 (the smallest
    subgradient); inf and -inf share among tied largest (smallest) elements as max does;
    ord 0 (a count) has derivative 0; 2 and -2 (largest and smallest singular value) need it
    distinct, 'nuc' needs no gap (its derivative is U Vh) at full rank.
    """
    ndim = _ndim(x)
    if axis is None:
        if ord is None:
            return _norm(x, ord=None, axis=None, keepdims=keepdims)
        if ndim not in (1, 2):
            raise ValueError(f"norm: ord={ord!r} needs a vector or a matrix, or an axis; got {ndim} axes")
        axis = tuple(range(ndim))
    axes = normalize_axis_tuple(axis, ndim)
    if len(axes) == 1:
        if isinstance(ord, str):
            raise ValueError(f"norm: ord={ord!r} is a matrix norm, not a vector norm")
        return _norm(x, ord=ord, axis=axes[0], keepdims=keepdims)
    if len(axes) != 2:
        raise ValueError(f"norm: axis must name one or two axes; got {axis}")
    if ord in (None, "fro"):
        return _norm(x, ord=ord, axis=axes, keepdims=keepdims)
    return _matrix_norm(x, ord, axes, keepdims)


# --- what NumPy's own functions called on a Value run (see numpy_dispatch) ------------------

NUMPY_UFUNCS: dict[Any, Callable[..., Any]] = {}
NUMPY_FUNCTIONS: dict[Any, Callable[..., Any]] = {
    np.linalg.inv: inv, np.linalg.det: det, np.linalg.slogdet: slogdet, np.linalg.solve: solve,
    np.linalg.cholesky: cholesky, np.linalg.eigh: eigh, np.linalg.eigvalsh: eigvalsh,
    np.linalg.svd: svd, np.linalg.pinv: pinv, np.linalg.norm: norm,
}
