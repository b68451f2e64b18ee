"""autograd_core.scipy.special: SciPy's values, SciPy's signatures, known derivatives.

(The gradients of every function are checked in the primitives' table, table_scipy.py.)
"""

import math
import subprocess
import sys
import textwrap

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


def test_poch_and_stdtr_values_and_derivatives():
    z, m = np.array([0.5, 3.0, 5e8]), np.array([0.5, 1.5, 0.5])
    np.testing.assert_allclose(special.poch(Value(z), m).data, sp.poch(z, m), rtol=1e-15)
    dz = grad(lambda z: ag.sum(special.poch(z, m[:2])))(z[:2])
    by_hand = sp.poch(z[:2], m[:2]) * (sp.digamma(z[:2] + m[:2]) - sp.digamma(z[:2]))
    np.testing.assert_allclose(dz, by_hand, rtol=1e-13)
    assert special.stdtr(3.0, Value(0.4)).data == sp.stdtr(3.0, 0.4)


def test_xlogy_derivative_in_y_is_zero_where_x_is_zero():
    assert grad(lambda y: special.xlogy(0.0, y))(0.0) == 0.0
    assert grad(lambda y: special.xlog1py(0.0, y))(-1.0) == 0.0
    assert grad(lambda y: special.xlogy(2.0, y))(4.0) == 0.5


def test_orders_that_require_grad_are_refused():
    with pytest.raises(TypeError, match="iv: the order v is not differentiable"):
        special.iv(Value(1.5), 2.0)
    with pytest.raises(TypeError, match="polygamma: the order n is not differentiable"):
        special.polygamma(Value(1.0), 2.0)
    assert special.iv(Value(1.5, requires_grad=False), 2.0) == pytest.approx(sp.iv(1.5, 2.0), rel=1e-15)


def _run(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_engine_imports_nothing_of_scipy():
    assert _run("""
        import sys
        import numpy as np
        import autograd_core as ag
        x = ag.Value(np.array([0.5, 1.0]))
        ag.sum(np.sin(x) * x).backward()
        print(sorted(m for m in sys.modules if m.split(".")[0] == "scipy"))
    """).strip() == "[]"


def test_scipys_ufuncs_on_values_run_the_primitives_without_importing_them_first():
    out = _run("""
        import sys
        import numpy as np
        import scipy.special as sp
        import autograd_core as ag
        assert "autograd_core.scipy.special" not in sys.modules
        x = ag.Value(np.array([2.0, 3.0]))
        y = sp.gammaln(x) + sp.digamma(x) + sp.xlogy(x, 2.0) + sp.psi(x) + sp.iv(1.5, x)
        ag.sum(y).backward()
        print(type(y).__name__, "autograd_core.scipy.special" in sys.modules)
        print(np.allclose(x.grad, 2 * sp.polygamma(1, x.data) + sp.digamma(x.data) + np.log(2.0)
                          + 0.5 * (sp.iv(0.5, x.data) + sp.iv(2.5, x.data))))
    """)
    assert out.split() == ["Value", "True", "True"]


def test_scipys_other_ufuncs_and_options_are_refused_naming_them():
    x = Value(np.array([2.0, 3.0]))
    with pytest.raises(TypeError, match=r"scipy.special.gammaln: the argument out=.* is not supported"):
        sp.gammaln(x, out=np.empty(2))
    with pytest.raises(TypeError, match=r"scipy.special.ellipk is not differentiable here"):
        sp.ellipk(x)
