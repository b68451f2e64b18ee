"""Elementwise functions: NumPy's results and dtypes, the three ways to call them, the
conventions where there is no derivative, stability, dtype conversion and refusals."""

import functools
import math
import warnings

import numpy as np
import pytest
from hypothesis import given

import autograd_core as ag
from autograd_core import Value, grad, hessian
from autograd_core.testing import arrays, broadcastable_arrays

# name -> inputs inside the domain (one array per argument)
UNARY = {
    "sin": (-3, 3), "cos": (-3, 3), "tan": (-1.2, 1.2), "arcsin": (-0.9, 0.9), "arccos": (-0.9, 0.9),
    "arctan": (-3, 3), "sinh": (-3, 3), "cosh": (-3, 3), "arcsinh": (-3, 3), "arccosh": (1.1, 3),
    "arctanh": (-0.9, 0.9), "exp2": (-3, 3), "expm1": (-3, 3), "log1p": (-0.9, 3), "log2": (0.1, 3),
    "log10": (0.1, 3), "square": (-3, 3), "reciprocal": (0.5, 3), "cbrt": (-3, 3), "deg2rad": (-3, 3),
    "rad2deg": (-3, 3), "radians": (-3, 3), "degrees": (-3, 3), "fabs": (-3, 3), "sinc": (-3, 3),
    "sign": (-3, 3), "floor": (-3, 3), "ceil": (-3, 3), "trunc": (-3, 3), "fix": (-3, 3), "rint": (-3, 3),
    "around": (-3, 3),
}
BINARY = ["arctan2", "hypot", "logaddexp", "logaddexp2", "remainder", "mod", "fmod", "fmax", "fmin"]


@pytest.fixture
def strict_floats():
    """Any overflow, invalid operation or division by zero, or any warning, is an error."""
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        yield


def _inputs(low, high, dtype=np.float64, shape=(3, 4), seed=0):
    return np.random.default_rng(seed).uniform(low, high, shape).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(UNARY))
def test_unary_functions_give_numpys_results_three_ways(name, dtype):
    x = _inputs(*UNARY[name], dtype)
    want = getattr(np, name)(x)
    for out in (getattr(ag, name)(Value(x)), getattr(np, name)(Value(x))):
        assert isinstance(out, Value) and out.dtype == want.dtype == dtype
        np.testing.assert_array_equal(out.data, want)
    np.testing.assert_array_equal(getattr(ag, name)(x), want)  # plain arrays in, plain out


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", BINARY)
def test_binary_functions_broadcast_and_give_numpys_results(name, dtype):
    x, y = _inputs(0.3, 2.0, dtype, (3, 1)), -_inputs(0.3, 2.0, dtype, (4,), seed=1)
    want = getattr(np, name)(x, y)
    for out in (getattr(ag, name)(Value(x), y), getattr(np, name)(x, Value(y))):
        assert out.shape == (3, 4) and out.dtype == want.dtype == dtype
        np.testing.assert_array_equal(out.data, want)


def test_aliases_are_the_same_function():
    assert ag.mod is ag.remainder and ag.fabs is ag.abs and ag.fix is ag.trunc
    assert ag.radians is ag.deg2rad and ag.degrees is ag.rad2deg
    assert ag.around is ag.round and ag.rint is ag.round


def test_python_floats_stay_python_floats_where_math_computes_them():
    for f in (ag.sin, ag.cos, ag.tan, ag.arctan, ag.sinh, ag.cosh, ag.expm1, ag.log1p, ag.log2, ag.cbrt):
        out = f(Value(0.5))
        assert type(out.data) is float and out.data == pytest.approx(getattr(np, f.name)(0.5), rel=1e-15)
    with pytest.warns(RuntimeWarning):
        assert math.isnan(ag.arcsin(Value(2.0)).data)  # outside the domain: nan, as NumPy


@given(xy=broadcastable_arrays(arrays, functools.partial(arrays, min_magnitude=0.3)))
def test_the_percent_operator_is_numpys_remainder_in_both_directions(xy):
    x, y = xy
    for got, want in [(Value(x) % y, np.remainder(x, y)), (x % Value(y), np.remainder(x, y)),
                      (Value(x) % Value(y), np.remainder(x, y)), (Value(x) % 0.7, np.remainder(x, 0.7))]:
        np.testing.assert_array_equal(got.data, want)


def test_remainder_derivatives_and_their_convention_at_the_jumps():
    x, y = Value(np.array([2.5, -2.5, 3.0])), Value(np.array([2.0, 2.0, 1.5]))
    ((x % y) * np.array([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 10.0, 100.0])
    # d/dy = -floor(x / y): -1, -(-2), and at the jump x / y = 2, the piece starting there: -2
    np.testing.assert_array_equal(y.grad, [-1.0, 20.0, -200.0])


# --- clip -------------------------------------------------------------------------------------


def test_clip_follows_numpy_for_none_bounds_keywords_and_swapped_bounds():
    x = np.linspace(-2.0, 2.0, 9)
    for args, kwargs in [((-1, 1), {}), ((None, 1), {}), ((-1, None), {}), ((None, None), {}),
                         ((), {"min": -0.5, "max": 0.5}), ((1.0, -1.0), {})]:
        want = np.clip(x, *args, **kwargs)
        np.testing.assert_array_equal(ag.clip(Value(x), *args, **kwargs).data, want)
        np.testing.assert_array_equal(np.clip(Value(x), *args, **kwargs).data, want)
    np.testing.assert_array_equal(Value(x).clip(-1, 1).data, np.clip(x, -1, 1))
    np.testing.assert_array_equal(Value(x).clip(max=0.5).data, np.clip(x, None, 0.5))
    with pytest.raises(ValueError, match="a_min or as min, not both"):
        ag.clip(Value(x), -1, 1, min=-1)


def test_clip_gradients_pass_inside_are_shared_at_the_bounds_and_reach_value_bounds():
    x = Value(np.array([-2.0, -1.0, 0.0, 1.0, 2.0]))
    x.clip(-1.0, 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.5, 1.0, 0.5, 0.0])
    x, low, high = Value(np.array([-2.0, 0.0, 2.0])), Value(-1.0), Value(1.0)
    ag.clip(x, low, high).sum().backward()
    assert (low.grad, high.grad) == (1.0, 1.0)
    swapped_low, swapped_high = Value(1.0), Value(-1.0)  # a_min > a_max: a_max everywhere
    ag.clip(Value(np.zeros(3)), swapped_low, swapped_high).sum().backward()
    assert (swapped_low.grad, swapped_high.grad) == (0.0, 3.0)


# --- softplus and log_sigmoid -----------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softplus_and_log_sigmoid_are_finite_and_accurate_at_a_thousand(strict_floats, dtype):
    z = Value(np.array([1000.0, -1000.0, 0.0, -40.0, 40.0], dtype=dtype))
    tiny = math.exp(-40.0)
    softplus_want = [1000.0, 0.0, math.log(2.0), tiny, 40.0 + tiny]
    log_sigmoid_want = [0.0, -1000.0, -math.log(2.0), -40.0 - tiny, -tiny]
    for f, want, slope in [(ag.softplus, softplus_want, [1.0, 0.0, 0.5, tiny, 1.0]),
                           (ag.log_sigmoid, log_sigmoid_want, [0.0, 1.0, 0.5, 1.0, tiny])]:
        out = f(z)
        assert out.dtype == dtype
        np.testing.assert_allclose(out.data, want, rtol=1e-6 if dtype == np.float32 else 1e-15)
        z.zero_grad()
        out.sum().backward()
        np.testing.assert_allclose(z.grad, slope, rtol=1e-6 if dtype == np.float32 else 1e-15)
        assert np.all(np.isfinite(hessian(lambda z, f=f: f(z).sum())(z.data.astype(np.float64))))


def test_the_cross_entropy_of_a_sigmoid_from_z_is_softplus_minus_y_z():
    z, y = np.array([-3.0, 0.5, 2.0]), np.array([0.0, 1.0, 1.0])
    a = 1.0 / (1.0 + np.exp(-z))
    direct = -(y * np.log(a) + (1 - y) * np.log(1 - a))
    np.testing.assert_allclose(ag.softplus(z) - y * z, direct, rtol=1e-14)
    np.testing.assert_allclose(-y * ag.log_sigmoid(z) - (1 - y) * ag.log_sigmoid(-z), direct, rtol=1e-14)
    np.testing.assert_allclose(grad(lambda z: (ag.softplus(z) - y * z).sum())(z), a - y, rtol=1e-14)


# --- conventions where there is no derivative -------------------------------------------------


def test_conventions_at_points_without_a_derivative():
    zero, one = np.zeros(1), np.ones(1)

    def slope(f, at):
        return grad(lambda x: f(x).sum())(at)[0]

    assert slope(ag.abs, zero) == 0.0 and slope(np.fabs, zero) == 0.0 and slope(ag.relu, zero) == 0.0
    with np.errstate(divide="ignore"):
        assert slope(ag.sqrt, zero) == math.inf and slope(ag.cbrt, zero) == math.inf
    assert slope(lambda x: ag.maximum(x, 1.0), one) == 0.5 and slope(lambda x: ag.fmin(x, 1.0), one) == 0.5
    assert slope(lambda x: ag.hypot(x, 0.0), zero) == 0.0
    with np.errstate(invalid="ignore"):
        assert math.isnan(slope(lambda y: ag.arctan2(y, 0.0), zero))
    for f in (ag.sign, ag.floor, ag.ceil, ag.trunc, ag.round):
        assert slope(f, one) == 0.0 and slope(f, zero) == 0.0


def test_fmax_and_fmin_ignore_nan_and_so_does_their_gradient():
    x, y = Value(np.array([np.nan, 1.0, 2.0])), Value(np.array([3.0, np.nan, 1.0]))
    np.testing.assert_array_equal(np.fmax(x, y).data, [3.0, 1.0, 2.0])
    np.fmax(x, y).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 1.0])
    np.testing.assert_array_equal(y.grad, [1.0, 0.0, 0.0])


def test_sinc_is_smooth_at_zero_to_the_second_derivative():
    assert grad(ag.sinc)(0.0) == 0.0
    assert hessian(ag.sinc)(0.0) == pytest.approx(-math.pi**2 / 3, rel=1e-14)
    for x in (1e-4, 2e-3, 3e-2):  # the series (below 1e-3) and the formula, against 4 terms of the series
        p = math.pi * x
        want = math.pi * (-p / 3 + p**3 / 30 - p**5 / 840 + p**7 / 45360)
        assert grad(ag.sinc)(x) == pytest.approx(want, rel=1e-9)


@given(x=arrays(low=-1.0, high=1.0))
def test_second_derivatives_of_trigonometric_functions_are_the_textbook_ones(x):
    np.testing.assert_allclose(hessian(lambda x: ag.sin(x).sum())(x), np.diag(-np.sin(x).ravel()).reshape(
        x.shape * 2), atol=1e-12)
    np.testing.assert_allclose(grad(grad(ag.tan))(0.5), 2 * np.tan(0.5) / np.cos(0.5) ** 2, rtol=1e-12)
    np.testing.assert_allclose(grad(grad(ag.arctan))(0.5), -2 * 0.5 / (1 + 0.25) ** 2, rtol=1e-12)


@pytest.mark.parametrize("decimals", [0, 1, 2, -1])
def test_round_with_decimals_is_numpys_and_has_derivative_zero(decimals):
    x = _inputs(-30, 30)
    for out in (ag.round(Value(x), decimals), np.round(Value(x), decimals), np.around(Value(x), decimals),
                Value(x).round(decimals)):
        np.testing.assert_array_equal(out.data, np.round(x, decimals))
    np.testing.assert_array_equal(grad(lambda x: ag.round(x, decimals).sum())(x), np.zeros_like(x))
    np.testing.assert_array_equal(hessian(lambda x: ag.floor(x).sum())(x[0]), np.zeros((4, 4)))


# --- dtype conversion ---------------------------------------------------------------------------


def test_astype_to_a_float_dtype_is_a_value_and_the_gradient_comes_back_in_the_leafs_dtype():
    x = Value(np.array([1.5, -2.0]))
    y = x.astype(np.float32)
    assert isinstance(y, Value) and y.dtype == np.float32 and np.astype(x, np.float32).dtype == np.float32
    (y * np.float32(3.0)).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])
    assert ag.astype(Value(2.5), "float16").dtype == np.float16


def test_astype_to_an_integer_or_boolean_dtype_gives_plain_data():
    x = Value(np.array([1.7, -2.2, 0.0]))
    for dtype in (int, np.int32, np.uint8, bool):
        out = x.astype(dtype)
        assert type(out) is np.ndarray and out.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(out, x.data.astype(dtype))
    with pytest.raises(TypeError, match="real numbers only; cannot convert to complex128"):
        x.astype(complex)


# --- plain results and refusals -------------------------------------------------------------------


@pytest.mark.parametrize("ufunc", [np.less, np.greater_equal, np.equal, np.not_equal, np.logical_and])
def test_comparisons_of_values_are_plain_boolean_arrays(ufunc):
    x, y = Value(np.array([1.0, 2.0, 3.0])), np.array([3.0, 2.0, 1.0])
    out = ufunc(x, y)
    assert type(out) is np.ndarray and out.dtype == bool
    np.testing.assert_array_equal(out, ufunc(x.data, y))


@pytest.mark.parametrize("ufunc", [np.isnan, np.isinf, np.isfinite, np.signbit, np.logical_not])
def test_tests_of_values_are_plain_boolean_arrays(ufunc):
    x = Value(np.array([np.nan, np.inf, -1.0, 0.0]))
    out = ufunc(x)
    assert type(out) is np.ndarray and out.dtype == bool
    np.testing.assert_array_equal(out, ufunc(x.data))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda v: np.sin(v, out=np.zeros(3)), r"numpy.sin: the argument out=.* is not supported \(results"),
        (lambda v: np.exp(v, where=np.array([True, False, True])), r"the argument where=.*masked"),
        (lambda v: np.add(v, 1.0, dtype=np.float32), r"numpy.add: the argument dtype=.*float32.*astype"),
        (lambda v: np.add(v, 1.0, casting="unsafe"), r"numpy.add: the argument casting='unsafe'"),
        (lambda v: np.multiply(v, 2.0, order="F"), r"the argument order='F'"),
        (lambda v: np.add(v, 1j), r"numpy.add: complex numbers are not supported"),
        (lambda v: np.maximum(v, np.array([1j, 0, 0])), r"complex numbers are not supported"),
        (lambda v: np.add.at(v, [0], 1.0), r"numpy.add.at is not supported on Values"),
        (lambda v: np.logaddexp.reduce(v), r"numpy.logaddexp.reduce is not supported"),
        (lambda v: np.clip(v, 0, 1, out=np.zeros(3)), r"numpy.clip: the argument out="),
        (lambda v: np.spacing(v), r"numpy.spacing is not differentiable here"),
    ],
)
def test_what_the_engine_cannot_do_is_refused_naming_it(call, message):
    with pytest.raises(TypeError, match=message):
        call(Value(np.array([0.1, 0.2, 0.3])))


def test_harmless_ufunc_arguments_are_accepted():
    v = Value(np.array([0.1, 0.2, 0.3]))
    for out in (np.sin(v, out=None), np.sin(v, dtype=np.float64), np.sin(v, where=True),
                np.sin(v, casting="same_kind", order="K", subok=True)):
        np.testing.assert_array_equal(out.data, np.sin(v.data))


def test_outer_of_a_binary_ufunc_broadcasts_every_pair():
    x, y = Value(np.array([1.0, 2.0])), Value(np.array([[1.0, 2.0, 3.0]]))
    out = np.multiply.outer(x, y)
    assert out.shape == (2, 1, 3)
    np.testing.assert_array_equal(out.data, np.multiply.outer(x.data, y.data))
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [6.0, 6.0])
    np.testing.assert_array_equal(y.grad, [[3.0, 3.0, 3.0]])
