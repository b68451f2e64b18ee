"""Hypothesis strategies and an assertion for property-based tests of gradients.

A gradient test needs inputs on which finite differences are trustworthy: numbers of
moderate size (nothing overflows, no subnormal numbers), away from the kinks of functions
such as |x|, relu or max when the test asks for it, inside the domain of log or sqrt,
and shapes that broadcast against each other. The strategies below draw such inputs;
`assert_grads_correct` then compares reverse mode and forward mode with central finite
differences, up to second derivatives by default.

Example (a complete test; run it with pytest)::

    import autograd_core as ag
    from hypothesis import given

    from autograd_core.testing import arrays, assert_grads_correct, broadcastable_arrays, positive_arrays


    @given(broadcastable_arrays(arrays, positive_arrays))
    def test_x_log_y_has_correct_derivatives(xy):
        x, y = xy  # shapes that broadcast together; y > 0, the domain of log
        assert_grads_correct(lambda x, y: x * ag.log(y), x, y, order=2)

The strategies:

* `shapes` - array shapes (0-d included);
* `arrays` - bounded float arrays of a given or generated shape, optionally bounded away
  from zero (`min_magnitude`) and with `unique` elements that are at least `min_gap` apart
  (no ties where max, min or sort have kinks);
* `positive_arrays` - arrays in a positive interval (the domain of log, sqrt, x ** y);
* `broadcastable_shapes` / `broadcastable_arrays` - mutually broadcastable shapes and
  arrays drawn on them, one array strategy per operand;
* `separated_arrays` - mutually broadcastable arrays that, element by element, never
  come closer than `gap` to each other (for maximum and minimum);
* `orthogonal_matrices` - Q with Q^T Q = I;
* `well_conditioned_matrices` - matrices U diag(s) V^T (square or not, stacked or not)
  whose singular values s lie in a positive interval and can be kept apart: invertible
  with a bounded condition number (inv, det, solve, pinv), and with distinct singular
  values where svd is differentiable;
* `symmetric_matrices` / `spd_matrices` - Q diag(lambda) Q^T with eigenvalues lambda in
  an interval, kept apart for eigh, positive for cholesky and solve.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

try:
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError as missing:  # hypothesis is a test dependency, not a run-time one
    raise ImportError(
        "autograd_core.testing needs hypothesis: pip install hypothesis (or, in a checkout of "
        "backprop-lab, pip install -e '.[testing]')"
    ) from missing

from .functional import check_grads

Shape = tuple[int, ...]
ShapeLike = int | Shape | st.SearchStrategy[Shape] | None
ArrayMaker = Callable[[Shape], st.SearchStrategy[np.ndarray]]

BOUND = 3.0
"""Default bound on |element|: e ** 3 is about 20, so no derivative dwarfs the others."""


def shapes(
    *, min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4
) -> st.SearchStrategy[Shape]:
    """Array shapes with `min_dims` to `max_dims` axes of `min_side` to `max_side` elements
    (the 0-d shape () included by default): small, so finite differences stay cheap."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def _shape_strategy(shape: st.SearchStrategy[Shape] | None) -> st.SearchStrategy[Shape]:
    return _SMALL_SHAPES if shape is None else shape


_SMALL_SHAPES = shapes()


@functools.lru_cache(maxsize=256)
def _float_elements(low: float, high: float, min_magnitude: float) -> st.SearchStrategy[float]:
    """Finite float64 numbers in [low, high] with |x| >= min_magnitude (no subnormals)."""

    def interval(a: float, b: float) -> st.SearchStrategy[float]:
        return st.floats(a, b, allow_nan=False, allow_infinity=False, allow_subnormal=False)

    if min_magnitude <= 0:
        return interval(low, high)
    parts = []
    if high >= min_magnitude:
        parts.append(interval(max(low, min_magnitude), high))
    if low <= -min_magnitude:
        parts.append(interval(low, min(high, -min_magnitude)))
    if not parts:
        raise ValueError(f"no number in [{low}, {high}] has magnitude >= {min_magnitude}")
    return st.one_of(parts)


@functools.lru_cache(maxsize=256)
def _unique_cells(low: float, high: float, min_magnitude: float, min_gap: float) -> st.SearchStrategy[int]:
    """Grid cells (of spacing 2 * min_gap) whose jittered values stay in range and away from 0."""
    spacing = 2.0 * min_gap
    jitter = (spacing - min_gap) / 2.0
    cells = st.integers(math.ceil((low + jitter) / spacing), math.floor((high - jitter) / spacing))
    if min_magnitude > 0:
        cells = cells.filter(lambda c: abs(c) * spacing - jitter >= min_magnitude)
    return cells


def _unique_elements(
    shape: Shape, low: float, high: float, min_magnitude: float, min_gap: float
) -> st.SearchStrategy[np.ndarray]:
    """Arrays whose elements are pairwise at least `min_gap` apart.

    Each element sits in its own cell of a grid of spacing 2 * min_gap (the cells are drawn
    without repetition), jittered inside its cell by less than min_gap / 2 either way.
    """
    spacing = 2.0 * min_gap
    jitter = (spacing - min_gap) / 2.0
    return st.tuples(
        hnp.arrays(np.int64, shape, elements=_unique_cells(low, high, min_magnitude, min_gap), unique=True),
        hnp.arrays(np.float64, shape, elements=st.floats(-jitter, jitter, allow_subnormal=False)),
    ).map(lambda cj: cj[0] * spacing + cj[1])


def arrays(
    shape: ShapeLike = None,
    *,
    low: float = -BOUND,
    high: float = BOUND,
    min_magnitude: float = 0.0,
    unique: bool = False,
    min_gap: float = 0.01,
    dtype: Any = np.float64,
) -> st.SearchStrategy[np.ndarray]:
    """Well-conditioned float arrays: finite, in [low, high], of `shape`.

    `shape` is a tuple, an int (a vector's length), a strategy of shapes, or None (any
    small shape from `shapes()`). `min_magnitude > 0` keeps every element at least that
    far from zero (for |x|, relu, 1/x). `unique=True` makes the elements pairwise at least
    `min_gap` apart, so a finite-difference step never crosses a tie of max or min.
    Elements are drawn in float64 and then cast to `dtype`.
    """
    if not low <= high:
        raise ValueError(f"arrays: low={low} must not exceed high={high}")
    options = (float(low), float(high), float(min_magnitude), bool(unique), float(min_gap), np.dtype(dtype))
    if isinstance(shape, int | tuple):
        return _arrays_of_shape(_shape_tuple(shape), *options)
    return _arrays_of_shapes(_shape_strategy(shape), options)


@functools.lru_cache(maxsize=256)
def _arrays_of_shapes(shape: st.SearchStrategy[Shape], options: tuple) -> st.SearchStrategy[np.ndarray]:
    return shape.flatmap(lambda s: _arrays_of_shape(s, *options))


def _shape_tuple(shape: int | Shape) -> Shape:
    return (shape,) if isinstance(shape, int) else tuple(shape)


@functools.lru_cache(maxsize=4096)
def _arrays_of_shape(
    shape: Shape, low: float, high: float, min_magnitude: float, unique: bool, min_gap: float, dtype: np.dtype
) -> st.SearchStrategy[np.ndarray]:
    """The strategy of `arrays` for one shape (cached: building strategies is what costs)."""
    if unique:
        drawn = _unique_elements(shape, low, high, min_magnitude, min_gap)
    else:
        drawn = hnp.arrays(np.float64, shape, elements=_float_elements(low, high, min_magnitude))
    return drawn if dtype == np.float64 else drawn.map(lambda a: a.astype(dtype))


def positive_arrays(
    shape: ShapeLike = None,
    *,
    low: float = 0.1,
    high: float = BOUND,
    unique: bool = False,
    dtype: Any = np.float64,
) -> st.SearchStrategy[np.ndarray]:
    """Arrays with every element in [low, high], low > 0: the domain of log, sqrt and x ** y.

    The default lower bound 0.1 keeps 1/x and its derivatives moderate.
    """
    if low <= 0:
        raise ValueError(f"positive_arrays: low must be positive, got {low}")
    return arrays(shape, low=low, high=high, unique=unique, dtype=dtype)


def broadcastable_shapes(
    num_shapes: int = 2, *, min_dims: int = 0, max_dims: int = 3, max_side: int = 4
) -> st.SearchStrategy[tuple[Shape, ...]]:
    """`num_shapes` shapes that NumPy broadcasts together (some axes of size 1, some
    shapes shorter than others), each with at most `max_dims` axes."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, max_side=max_side
    ).map(lambda result: result.input_shapes)


def broadcastable_arrays(
    *makers: ArrayMaker,
    num_arrays: int | None = None,
    min_dims: int = 0,
    max_dims: int = 3,
    max_side: int = 4,
) -> st.SearchStrategy[tuple[np.ndarray, ...]]:
    """Tuples of arrays of mutually broadcastable shapes, one per operand.

    Each maker turns a shape into an array strategy, e.g. `arrays`, `positive_arrays`
    or `functools.partial(arrays, min_magnitude=0.5)` for a divisor. Without makers,
    `num_arrays` (default 2) arrays are drawn with `arrays`.
    """
    if not makers:
        makers = (arrays,) * (2 if num_arrays is None else num_arrays)
    elif num_arrays is not None and num_arrays != len(makers):
        raise ValueError(f"broadcastable_arrays: {len(makers)} makers but num_arrays={num_arrays}")

    def on_shapes(shape_tuple: tuple[Shape, ...]) -> st.SearchStrategy[tuple[np.ndarray, ...]]:
        return st.tuples(*(make(s) for make, s in zip(makers, shape_tuple, strict=True)))

    shape_tuples = broadcastable_shapes(len(makers), min_dims=min_dims, max_dims=max_dims, max_side=max_side)
    return shape_tuples.flatmap(on_shapes)


def separated_arrays(
    num_arrays: int = 2,
    *,
    gap: float = 0.1,
    low: float = -BOUND,
    high: float = BOUND,
    min_dims: int = 0,
    max_dims: int = 3,
    max_side: int = 4,
) -> st.SearchStrategy[tuple[np.ndarray, ...]]:
    """Mutually broadcastable arrays in [low, high] that, broadcast together, differ by at
    least `gap` in every position: maximum(x, y) and minimum(x, y) never tie.

    Array i draws its elements near the grid points congruent to i modulo `num_arrays` on
    a grid of spacing 2 * gap, jittered by less than gap / 2, so the arrays interleave.
    """
    spacing = 2.0 * gap
    period = num_arrays * spacing
    jitter = (spacing - gap) / 2.0

    def elements(i: int) -> st.SearchStrategy[float]:
        first = math.ceil((low + jitter - i * spacing) / period)
        last = math.floor((high - jitter - i * spacing) / period)
        if first > last:
            raise ValueError(f"separated_arrays: [{low}, {high}] is too narrow for gap={gap}")
        return st.builds(
            lambda cell, u: cell * period + i * spacing + u,
            st.integers(first, last),
            st.floats(-jitter, jitter, allow_subnormal=False),
        )

    makers = [
        functools.partial(hnp.arrays, np.float64, elements=elements(i)) for i in range(num_arrays)
    ]
    return broadcastable_arrays(*makers, min_dims=min_dims, max_dims=max_dims, max_side=max_side)


# --- matrices ---------------------------------------------------------------------------------

MatrixShape = Shape | st.SearchStrategy[Shape] | None

_SQUARE_SHAPES = st.tuples(hnp.array_shapes(min_dims=0, max_dims=1, max_side=3), st.integers(1, 4)).map(
    lambda bn: bn[0] + (bn[1], bn[1])
)


def _matrix_shape_strategy(shape: MatrixShape, what: str, square: bool) -> st.SearchStrategy[Shape]:
    """The strategy of matrix shapes (..., m, n) for `shape` (None: small square shapes)."""
    if shape is None:
        return _SQUARE_SHAPES
    if not isinstance(shape, tuple):
        return shape
    if len(shape) < 2 or (square and shape[-1] != shape[-2]):
        kind = "square matrices (..., n, n)" if square else "matrices (..., m, n)"
        raise ValueError(f"{what}: shape must be that of {kind}; got {shape}")
    return st.just(shape)


def orthogonal_matrices(n: int, batch_shape: Shape = ()) -> st.SearchStrategy[np.ndarray]:
    """Orthogonal n x n matrices Q (Q^T Q = I), stacked in `batch_shape`: the Q of the QR
    decomposition of a drawn matrix."""
    return arrays(tuple(batch_shape) + (n, n), low=-1.0, high=1.0).map(lambda a: np.linalg.qr(a)[0])


def _spectra(batch_shape: Shape, k: int, low: float, high: float, gap: float, what: str) -> st.SearchStrategy:
    """Arrays of shape batch_shape + (k,) in [low, high]; along the last axis, at least `gap` apart."""
    if gap <= 0:
        return arrays(tuple(batch_shape) + (k,), low=low, high=high)
    if (high - low) < 2 * gap * k:
        raise ValueError(f"{what}: [{low}, {high}] is too narrow for {k} values {gap} apart")
    one = arrays((k,), low=low, high=high, unique=True, min_gap=gap)
    count = math.prod(batch_shape)
    return st.lists(one, min_size=count, max_size=count).map(
        lambda rows: np.array(rows).reshape(tuple(batch_shape) + (k,))
    )


def well_conditioned_matrices(
    shape: MatrixShape = None, *, low: float = 0.5, high: float = BOUND, gap: float = 0.0
) -> st.SearchStrategy[np.ndarray]:
    """Matrices A = U diag(s) V^T of `shape` (..., m, n), U and V orthogonal, whose singular
    values s lie in [low, high], low > 0, and (if `gap` > 0) are pairwise at least `gap`
    apart. So A has full rank and a condition number at most high / low: inv, det, solve and
    pinv are smooth there, and with a gap so is svd. `shape` is a tuple, a strategy of
    shapes, or None (small square matrices, some stacked)."""
    if not 0 < low <= high:
        raise ValueError(f"well_conditioned_matrices: need 0 < low <= high; got low={low}, high={high}")
    shapes_ = _matrix_shape_strategy(shape, "well_conditioned_matrices", square=False)

    def on_shape(s: Shape) -> st.SearchStrategy[np.ndarray]:
        batch, (m, n) = s[:-2], s[-2:]
        k = min(m, n)
        return st.builds(
            lambda U, sv, V: (U[..., :k] * sv[..., None, :]) @ np.swapaxes(V[..., :k], -1, -2),
            orthogonal_matrices(m, batch),
            _spectra(batch, k, low, high, gap, "well_conditioned_matrices"),
            orthogonal_matrices(n, batch),
        )

    return shapes_.flatmap(on_shape)


def symmetric_matrices(
    shape: MatrixShape = None, *, low: float = -BOUND, high: float = BOUND, gap: float = 0.0
) -> st.SearchStrategy[np.ndarray]:
    """Symmetric matrices Q diag(lambda) Q^T of `shape` (..., n, n), Q orthogonal, whose
    eigenvalues lambda lie in [low, high] and (if `gap` > 0) are pairwise at least `gap`
    apart, where eigh is differentiable."""
    shapes_ = _matrix_shape_strategy(shape, "symmetric_matrices", square=True)

    def on_shape(s: Shape) -> st.SearchStrategy[np.ndarray]:
        batch, n = s[:-2], s[-1]
        return st.builds(
            lambda Q, w: _symmetric((Q * w[..., None, :]) @ np.swapaxes(Q, -1, -2)),
            orthogonal_matrices(n, batch),
            _spectra(batch, n, low, high, gap, "symmetric_matrices"),
        )

    return shapes_.flatmap(on_shape)


def _symmetric(a: np.ndarray) -> np.ndarray:
    """a made exactly symmetric (its rounding errors averaged away)."""
    return (a + np.swapaxes(a, -1, -2)) / 2


def spd_matrices(
    shape: MatrixShape = None, *, low: float = 0.5, high: float = BOUND, gap: float = 0.0
) -> st.SearchStrategy[np.ndarray]:
    """Symmetric positive definite matrices of `shape` (..., n, n) with eigenvalues in
    [low, high], low > 0 (condition number at most high / low): for cholesky and solve."""
    if low <= 0:
        raise ValueError(f"spd_matrices: low must be positive, got {low}")
    return symmetric_matrices(shape, low=low, high=high, gap=gap)


def assert_grads_correct(f: Callable[..., Any], *args: Any, order: int = 2, **tolerances: Any) -> float:
    """Assert that f's derivatives up to `order` agree with central finite differences.

    A thin wrapper over `autograd_core.check_grads`: reverse mode (u^T J) and forward mode
    (J v) along random directions, then the same for the derivative functions themselves
    up to `order`. `tolerances` are passed on (rtol, atol, eps, modes, seed). Raises
    AssertionError naming the worst error and the argument shapes; returns the worst error
    as a fraction of the tolerance.
    """
    try:
        return check_grads(f, *args, order=order, **tolerances)
    except AssertionError as error:
        arg_shapes = ", ".join(str(np.shape(a)) for a in args)
        raise AssertionError(f"{error} [arguments of shapes {arg_shapes}]") from None


__all__ = [
    "BOUND", "arrays", "assert_grads_correct", "broadcastable_arrays", "broadcastable_shapes",
    "orthogonal_matrices", "positive_arrays", "separated_arrays", "shapes", "spd_matrices",
    "symmetric_matrices", "well_conditioned_matrices",
]
