"""autograd_core.scipy.special: SciPy's values, SciPy's signatures, known derivatives.

(The gradients of every function are checked in the primitives' table, table_scipy.py.)
"""

import math

import numpy as np
import pytest
import scipy.special as sp
from hypothesis import given

import autograd_core as ag
from autograd_core import Value, grad
from autograd_core.scipy import special
from autograd_core.testing import arrays, positive_arrays

UNARY = {
    "gammaln": positive_arrays(low=0.3), "digamma": positive_arrays(low=0.3),
    "gamma": positive_arrays(low=0.3), "erf": arrays(), "erfc": arrays(),
    "erfinv": arrays(low=-0.9, high=0.9), "erfcinv": arrays(low=0.1, high=1.9), "ndtr": arrays(),
    "ndtri": arrays(low=0.05, high=0.95), "log_ndtr": arrays(), "expit": arrays(),
    "logit": arrays(low=0.05, high=0.95), "i0": arrays(), "i1": arrays(),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_values_are_scipys(name):
    @given(UNARY[name])
    def check(x):
        got = getattr(special, name)(Value(x))
        assert isinstance(got, Value)
        np.testing.assert_allclose(got.data, getattr(sp, name)(x), rtol=1e-13, atol=0)

    check()


def test_a_python_float_stays_a_python_float():
    assert type(special.gammaln(Value(2.5)).data) is float
    assert type(special.gammaln(2.5)) is float


def test_known_derivatives():
    assert grad(special.gammaln)(3.0) == pytest.approx(1.5 - np.euler_gamma, rel=1e-14)  # digamma(3)
    assert grad(special.erf)(0.0) == pytest.approx(2 / math.sqrt(math.pi), rel=1e-15)
    assert grad(special.ndtr)(0.0) == pytest.approx(1 / math.sqrt(2 * math.pi), rel=1e-15)
    assert grad(special.i1)(0.0) == pytest.approx(0.5, rel=1e-15)
    assert grad(grad(special.gammaln))(2.0) == pytest.approx(math.pi**2 / 6 - 1, rel=1e-13)  # trigamma(2)


def test_log_ndtr_and_its_gradient_stay_finite_far_in_the_left_tail():
    x = np.array([-40.0, -200.0])
    value, slope = special.log_ndtr(x), grad(lambda x: ag.sum(special.log_ndtr(x)))(x)
    np.testing.assert_allclose(value, sp.log_ndtr(x), rtol=1e-14)
    np.testing.assert_allclose(slope, -x, rtol=1e-3)  # d log Phi(x)/dx ~ -x as x -> -inf


def test_logsumexp_follows_scipys_signature():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 4)), rng.random((3, 4)) + 0.1
    for kwargs in ({}, {"axis": 0}, {"axis": 1, "keepdims": True}, {"axis": (0, 1)}):
        np.testing.assert_allclose(special.logsumexp(a, **kwargs), sp.logsumexp(a, **kwargs), rtol=1e-14)
        np.testing.assert_allclose(
            special.logsumexp(a, b=b, **kwargs), sp.logsumexp(a, b=b, **kwargs), rtol=1e-14
        )
    with pytest.raises(ValueError, match="return_sign"):
        special.logsumexp(a, return_sign=True)


def test_weighted_logsumexp_gradient_in_the_weights_is_the_normalised_exponential():
    a, b = np.array([0.5, -1.0, 2.0]), np.array([1.0, 2.0, 0.5])
    db = grad(lambda b: special.logsumexp(a, b=b), 0)(b)
    np.testing.assert_allclose(db, np.exp(a) / np.sum(b * np.exp(a)), rtol=1e-14)


def test_softmax_takes_scipys_default_axis_none():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(special.softmax(x), sp.softmax(x), rtol=1e-14)
    np.testing.assert_allclose(special.log_softmax(x, axis=0), sp.log_softmax(x, axis=0), rtol=1e-14)


def test_polygamma_refuses_a_fractional_order():
    with pytest.raises(ValueError, match="whole number"):
        special.polygamma(1.5, 2.0)
