"""autograd_core.scipy.stats: SciPy's values (in the support, outside it, at invalid parameters),
SciPy's signatures and argument handling, and derivatives written out by hand.

(The derivatives in every float argument are checked against finite differences, forward
against reverse mode and to second order by the primitives' table, table_scipy.py.)
"""

import functools
import math

import numpy as np
import pytest
import scipy.special as sp
import scipy.stats as ss
from hypothesis import given
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core import Value, grad
from autograd_core.scipy import stats
from autograd_core.testing import arrays, broadcastable_arrays, spd_matrices

LOCATIONS = arrays
SCALES = functools.partial(arrays, low=-0.5, high=2.5)  # some <= 0: SciPy's nan
SHAPES = functools.partial(arrays, low=-0.5, high=4.0)  # some <= 0: SciPy's nan

# distribution, method, strategies of its arguments in SciPy's order (x first)
UNIVARIATE = [
    *[("norm", m, (arrays, LOCATIONS, SCALES)) for m in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")],
    *[("t", m, (arrays, SHAPES, LOCATIONS, SCALES)) for m in ("logpdf", "pdf", "cdf")],
    *[("gamma", m, (arrays, SHAPES, LOCATIONS, SCALES)) for m in ("logpdf", "pdf")],
    *[("beta", m, (functools.partial(arrays, low=-0.5, high=1.5), SHAPES, SHAPES, LOCATIONS, SCALES))
      for m in ("logpdf", "pdf")],
]


def _same(ours, theirs, rtol=1e-12):
    """Equal values (nan where SciPy has nan, the same infinities), shapes and scalar-ness."""
    data = ours.data if isinstance(ours, Value) else ours
    assert np.shape(data) == np.shape(theirs)
    np.testing.assert_allclose(data, theirs, rtol=rtol, atol=1e-300)


@pytest.mark.parametrize("name, method, makers", UNIVARIATE, ids=[f"{d}.{m}" for d, m, _ in UNIVARIATE])
def test_values_are_scipys_inside_and_outside_the_support(name, method, makers):
    ours, theirs = getattr(getattr(stats, name), method), getattr(getattr(ss, name), method)

    @given(broadcastable_arrays(*makers))
    def check(args):
        with np.errstate(all="ignore"):  # overflow for the tiniest scales, on both sides
            expected = theirs(*args)
            _same(ours(*(Value(a) for a in args)), expected)
            _same(ours(*args), expected)

    check()


@given(broadcastable_arrays(
    lambda shape: arrays(shape, low=-1.0, high=8.0).map(lambda k: np.where(k > 6, k, np.round(k))),
    functools.partial(arrays, low=-0.5, high=5.0),
))
def test_poisson_values_are_scipys_at_counts_fractions_and_invalid_means(km):
    k, mu = km
    for method in ("logpmf", "pmf"):
        expected = getattr(ss.poisson, method)(k, mu)
        _same(getattr(stats.poisson, method)(k, Value(mu)), expected)
        shifted = getattr(ss.poisson, method)(k + 2, mu, loc=2)
        _same(getattr(stats.poisson, method)(k + 2, mu, loc=2), shifted)


@pytest.mark.parametrize("name, method, makers", UNIVARIATE, ids=[f"{d}.{m}" for d, m, _ in UNIVARIATE])
def test_arguments_by_position_or_keyword_as_in_scipy(name, method, makers):
    ours, theirs = getattr(getattr(stats, name), method), getattr(getattr(ss, name), method)
    args = [0.3, 1.5, 2.5, -0.2, 1.7][: len(makers)]
    args[0] = 0.4  # inside every support (beta's with loc -0.2, scale 1.7)
    names = ["x", *{"t": ["df"], "gamma": ["a"], "beta": ["a", "b"]}.get(name, []), "loc", "scale"]
    by_keyword = dict(zip(names, args, strict=True))
    _same(ours(*args), theirs(*args), rtol=1e-14)
    _same(ours(**by_keyword), theirs(**by_keyword), rtol=1e-14)
    leading, scale = args[:-2], args[-1]
    _same(ours(*leading, scale=scale), theirs(*leading, scale=scale), rtol=1e-14)
    points = [args[0], args[0] + 0.1]
    _same(ours(points, *args[1:]), theirs(points, *args[1:]), rtol=1e-14)


def test_results_are_numpy_scalars_for_scalars_and_values_for_values():
    assert type(stats.norm.logpdf(0.3)) in (float, np.float64)
    assert isinstance(stats.norm.logpdf(Value(0.3)), Value)
    assert isinstance(stats.multivariate_normal.logpdf([0.1, 0.2], [0.0, 0.0]), np.float64)


# --- derivatives written out ------------------------------------------------------------------------


def test_normal_logpdf_derivatives_in_x_mean_and_scale():
    x, mu, sigma = 1.3, -0.4, 0.7
    d_mu = grad(lambda mu: stats.norm.logpdf(x, mu, sigma))(mu)
    d_sigma = grad(lambda s: stats.norm.logpdf(x, mu, s))(sigma)
    d_x = grad(lambda x: stats.norm.logpdf(x, loc=mu, scale=sigma))(x)
    assert d_mu == pytest.approx((x - mu) / sigma**2, rel=1e-14)
    assert d_x == pytest.approx(-(x - mu) / sigma**2, rel=1e-14)
    assert d_sigma == pytest.approx(((x - mu) ** 2 - sigma**2) / sigma**3, rel=1e-14)
    density = ss.norm.pdf(x, mu, sigma)
    assert grad(lambda x: stats.norm.cdf(x, mu, sigma))(x) == pytest.approx(density, rel=1e-14)
    assert grad(lambda x: stats.norm.sf(x, mu, sigma))(x) == pytest.approx(-density, rel=1e-14)


def test_logcdf_and_its_derivative_stay_finite_far_in_the_tails():
    x = np.array([-40.0, -200.0])
    np.testing.assert_allclose(stats.norm.logcdf(x), ss.norm.logcdf(x), rtol=1e-14)
    np.testing.assert_allclose(grad(lambda x: ag.sum(stats.norm.logsf(x)))(-x), x, rtol=1e-3)  # ~ -x


def test_t_derivatives_in_x_and_df_and_its_cdf():
    x, df = 0.8, 3.5
    d_x = grad(lambda x: stats.t.logpdf(x, df))(x)
    assert d_x == pytest.approx(-(df + 1) * x / (df + x * x), rel=1e-14)
    d_df = grad(lambda df: stats.t.logpdf(x, df))(df)
    by_hand = 0.5 * (sp.digamma((df + 1) / 2) - sp.digamma(df / 2) - 1 / df - math.log1p(x * x / df)
                     + (df + 1) * x * x / (df * (df + x * x)))
    assert d_df == pytest.approx(by_hand, rel=1e-12)
    density = ss.t.pdf(x, df, 0.2, 1.5)
    assert grad(lambda x: stats.t.cdf(x, df, 0.2, 1.5))(x) == pytest.approx(density, rel=1e-13)


def test_t_with_infinite_df_is_the_normal_distribution():
    x = np.array([-1.0, 0.5])
    np.testing.assert_allclose(stats.t.logpdf(x, np.inf), ss.norm.logpdf(x), rtol=1e-15)
    np.testing.assert_allclose(grad(lambda x: ag.sum(stats.t.logpdf(x, np.inf)))(x), -x, rtol=1e-15)


def test_t_cdf_refuses_a_derivative_in_df():
    with pytest.raises(NotImplementedError, match="not differentiable in df"):
        grad(lambda df: stats.t.cdf(0.3, df))(2.0)


def test_gamma_beta_and_poisson_derivatives_by_hand():
    x, a, b = 0.3, 2.5, 1.5
    assert grad(lambda x: stats.gamma.logpdf(x, a))(x) == pytest.approx((a - 1) / x - 1, rel=1e-14)
    d_a = grad(lambda a: stats.gamma.logpdf(x, a))(a)
    assert d_a == pytest.approx(math.log(x) - sp.digamma(a), rel=1e-13)
    by_hand = (a - 1) / x - (b - 1) / (1 - x)
    assert grad(lambda x: stats.beta.logpdf(x, a, b))(x) == pytest.approx(by_hand, rel=1e-14)
    assert grad(lambda b: stats.beta.logpdf(x, a, b))(b) == pytest.approx(
        math.log1p(-x) - sp.digamma(b) + sp.digamma(a + b), rel=1e-13
    )
    k, mu = np.array([0.0, 1.0, 4.0]), np.array([0.5, 2.0, 3.0])
    d_mu = grad(lambda mu: ag.sum(stats.poisson.logpmf(k, mu)))(mu)
    np.testing.assert_allclose(d_mu, k / mu - 1, rtol=1e-14)


def test_poisson_at_mean_zero():
    assert stats.poisson.logpmf(0, 0.0) == 0.0 and stats.poisson.logpmf(2, 0.0) == -np.inf
    assert grad(lambda mu: stats.poisson.logpmf(0, mu))(0.0) == -1.0  # d/dmu (-mu)


def test_outside_the_support_the_value_is_minus_inf_and_the_derivative_zero():
    cases = [
        (lambda x, a: stats.gamma.logpdf(x, a), np.array([-0.5, 1.0]), np.array([2.0, 2.0])),
        (lambda x, a: stats.beta.logpdf(x, a, 2.0), np.array([1.5, 0.5]), np.array([2.0, 2.0])),
        (lambda x, a: stats.gamma.pdf(x, a, loc=1.0), np.array([0.5, 1.5]), np.array([2.0, 2.0])),
    ]
    for f, x, a in cases:
        value = f(x, a)
        assert value[0] in (-np.inf, 0.0) and np.isfinite(value[1])
        dx, da = ag.grad(lambda x, a, f=f: ag.sum(f(x, a)), (0, 1))(x, a)
        assert dx[0] == 0.0 and da[0] == 0.0 and np.isfinite(dx[1]) and np.isfinite(da[1])
    assert stats.poisson.logpmf(1.5, 2.0) == -np.inf
    assert grad(lambda mu: stats.poisson.logpmf(1.5, mu))(2.0) == 0.0


def test_at_an_invalid_parameter_the_value_and_the_derivative_are_nan():
    x, scale = np.array([0.5, 0.5]), np.array([-1.0, 1.0])
    assert np.isnan(stats.norm.logpdf(x, 0.0, scale)[0])
    d_scale, d_x = ag.grad(lambda s, x: ag.sum(stats.norm.logpdf(x, 0.0, s)), (0, 1))(scale, x)
    assert np.isnan(d_scale[0]) and np.isnan(d_x[0]) and np.isfinite(d_scale[1]) and np.isfinite(d_x[1])
    d_a = grad(lambda a: ag.sum(stats.gamma.logpdf(1.0, a)))(np.array([-1.0, 2.0]))
    assert np.isnan(d_a[0]) and np.isfinite(d_a[1])
    assert np.isnan(grad(lambda mu: stats.poisson.logpmf(1, mu))(-1.0))


def test_poisson_refuses_a_count_that_requires_grad():
    with pytest.raises(TypeError, match="poisson: k is not differentiable"):
        stats.poisson.logpmf(Value(2.0), 1.5)
    constant = Value(2.0, requires_grad=False)
    assert stats.poisson.logpmf(constant, 1.5) == pytest.approx(ss.poisson.logpmf(2, 1.5), rel=1e-14)


# --- the multivariate normal distribution ------------------------------------------------------------

MVN_CASES = [  # x, mean, cov: SciPy's handling of each shape
    (np.array([0.3, -0.2, 1.0]), np.array([0.1, 0.0, 0.2]),
     np.array([[2.0, 0.3, 0.1], [0.3, 1.0, 0.2], [0.1, 0.2, 1.5]])),
    (np.array([[0.3, -0.2], [1.0, 0.5], [0.0, 0.0]]), np.array([0.1, 0.0]),
     np.array([[2.0, 0.3], [0.3, 1.0]])),
    (np.ones((2, 1, 3)), np.zeros(3), 1.0),  # a scalar cov: cov * I; squeezed to (2,)
    (np.ones((4, 1)), np.zeros(3), np.array([1.0, 2.0, 3.0])),  # a 1-D cov: its diagonal; x broadcast
    (np.array([0.5, 1.0, -2.0]), None, 2.0),  # no mean, a scalar cov: one dimension, x one point each
    (np.array([0.5, 1.0]), 0.3, np.array([[2.0]])),  # one dimension from a scalar mean
    (0.7, None, 1),  # the defaults
    (np.array([[1.0, 2.0]]), np.array([0.0, 0.0]), np.array([[2.0, 100.0], [1.0, 2.0]])),  # upper ignored
]


@pytest.mark.parametrize("x, mean, cov", MVN_CASES)
def test_multivariate_normal_handles_shapes_as_scipy(x, mean, cov):
    for method in ("logpdf", "pdf"):
        expected = getattr(ss.multivariate_normal, method)(x, mean, cov)
        _same(getattr(stats.multivariate_normal, method)(x, mean, cov), expected, rtol=1e-13)
        _same(getattr(stats.multivariate_normal, method)(Value(x), mean=mean, cov=cov), expected, rtol=1e-13)


@given(st.integers(1, 4).flatmap(lambda n: st.tuples(
    arrays(st.sampled_from([(n,), (3, n), (2, 2, n)])), arrays((n,)), spd_matrices((n, n), low=0.3))))
def test_multivariate_normal_values_are_scipys(xmc):
    x, mean, cov = xmc
    _same(stats.multivariate_normal.logpdf(Value(x), Value(mean), Value(cov)),
          ss.multivariate_normal.logpdf(x, mean, cov), rtol=1e-12)


def test_multivariate_normal_gradients_in_mean_and_cov_by_hand():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((3, 3))
    cov, mean, X = A @ A.T + np.eye(3), rng.standard_normal(3), rng.standard_normal((5, 3))
    P, D = np.linalg.inv(cov), X - mean
    d_mean = grad(lambda m: ag.sum(stats.multivariate_normal.logpdf(X, m, cov)))(mean)
    np.testing.assert_allclose(d_mean, P @ D.sum(axis=0), rtol=1e-12)
    # d/dS sum_i log N(x_i; m, S) = 1/2 (S^-1 (sum_i d_i d_i^T) S^-1 - n S^-1), for symmetric S ...
    G = 0.5 * (P @ D.T @ D @ P - len(X) * P)
    d_cov = grad(lambda c: ag.sum(stats.multivariate_normal.logpdf(X, mean, c)))(cov)
    # ... which the matrix read through its lower triangle receives there, off-diagonal twice
    np.testing.assert_allclose(d_cov, np.tril(G + G.T) - np.diag(np.diag(G)), rtol=1e-11, atol=1e-13)
    # and a cov built symmetric from parameters gets the chain rule of the symmetric formula
    d_A = grad(lambda A: ag.sum(stats.multivariate_normal.logpdf(X, mean, A @ A.T + np.eye(3))))(A)
    np.testing.assert_allclose(d_A, 2 * G @ A, rtol=1e-11, atol=1e-13)


def test_multivariate_normal_singular_cov_as_scipy():
    B = np.array([[1.0, 0.0], [0.5, 1.0], [0.0, 2.0]])
    cov = B @ np.diag([2.0, 0.5]) @ B.T  # rank 2 in 3 dimensions
    X = np.array([B @ [0.3, -0.1], B @ [1.0, 0.2] + [0.0, 0.0, 1.0]])  # on the support, off it
    for method in ("logpdf", "pdf"):
        expected = getattr(ss.multivariate_normal, method)(X, np.zeros(3), cov, allow_singular=True)
        _same(getattr(stats.multivariate_normal, method)(X, np.zeros(3), cov, allow_singular=True), expected)
    assert stats.multivariate_normal.logpdf(X, np.zeros(3), cov, allow_singular=True)[1] == -np.inf
    d_X = grad(lambda X: ag.sum(stats.multivariate_normal.logpdf(X, None, cov, allow_singular=True)))(X)
    np.testing.assert_allclose(d_X[0], -np.linalg.pinv(cov) @ X[0], rtol=1e-10, atol=1e-12)
    assert np.all(d_X[1] == 0.0)
    with pytest.raises(np.linalg.LinAlgError, match="must be symmetric positive definite"):
        stats.multivariate_normal.logpdf(X, np.zeros(3), cov)


@pytest.mark.parametrize("mean, cov, error, match", [
    (np.zeros(2), np.array([[1.0, -2.0], [-2.0, 1.0]]), ValueError, "positive semidefinite"),
    (np.zeros(2), np.ones((2, 3)), ValueError, "must be square"),
    (np.zeros(2), np.eye(3), ValueError, "Dimension mismatch"),
    (np.zeros(2), np.ones((2, 2, 2)), ValueError, "at most two-dimensional"),
    (np.zeros((1, 2)), np.eye(2), ValueError, "must be a vector of length 2"),
    (np.zeros(2), np.array([[np.nan, 0.0], [0.0, 1.0]]), ValueError, "infs or NaNs"),
])
def test_multivariate_normal_refuses_what_scipy_refuses(mean, cov, error, match):
    with pytest.raises(error, match=match):
        ss.multivariate_normal.logpdf(np.zeros(2), mean, cov)
    with pytest.raises(error, match=match):
        stats.multivariate_normal.logpdf(np.zeros(2), mean, cov)


# --- the Dirichlet distribution ----------------------------------------------------------------------


@given(st.integers(2, 4).flatmap(lambda K: st.tuples(
    arrays(st.sampled_from([(K,), (K, 1), (K, 3)]), low=0.1, high=3.0), arrays((K,), low=0.2, high=4.0))))
def test_dirichlet_values_are_scipys_in_its_layout(wa):
    weights, alpha = wa
    x = weights / weights.sum(axis=0)
    for method in ("logpdf", "pdf"):
        expected = getattr(ss.dirichlet, method)(x, alpha)
        _same(getattr(stats.dirichlet, method)(Value(x), Value(alpha)), expected, rtol=1e-12)
        _same(getattr(stats.dirichlet, method)(x[:-1], alpha), getattr(ss.dirichlet, method)(x[:-1], alpha),
              rtol=1e-12)


def test_dirichlet_gradients_by_hand():
    x, alpha = np.array([0.2, 0.3, 0.5]), np.array([1.5, 2.0, 3.0])
    d_alpha = grad(lambda a: stats.dirichlet.logpdf(x, a))(alpha)
    np.testing.assert_allclose(d_alpha, np.log(x) - sp.digamma(alpha) + sp.digamma(alpha.sum()), rtol=1e-13)
    d_x = grad(lambda x: stats.dirichlet.logpdf(x, alpha))(x)
    np.testing.assert_allclose(d_x, (alpha - 1) / x, rtol=1e-14)
    free = grad(lambda x: stats.dirichlet.logpdf(x, alpha))(x[:2])  # the last component moves with them
    np.testing.assert_allclose(free, (alpha[:2] - 1) / x[:2] - (alpha[2] - 1) / x[2], rtol=1e-13)
    # alpha_i = 1 with x_i = 0: the term is 0 for every x_i, and so is its derivative
    edge = np.array([0.0, 0.4, 0.6])
    assert grad(lambda x: stats.dirichlet.logpdf(x, np.array([1.0, 2.0, 2.0])))(edge)[0] == 0.0


@pytest.mark.parametrize("x, alpha, match", [
    (np.array([0.2, 0.8]), np.array([1.0, -1.0]), "greater than 0"),
    (np.array([0.2, 0.8]), np.ones((2, 1)), "one dimensional"),
    (np.array([0.2, 0.3, 0.5]), np.ones(5), "one entry fewer"),
    (np.array([-0.2, 1.2]), np.ones(2), "greater than or equal to zero"),
    (np.array([0.2, 0.3]), np.ones(2), "simplex"),
    (np.array([0.0, 1.0]), np.array([0.5, 2.0]), "greater than zero if its alpha is less than one"),
])
def test_dirichlet_refuses_what_scipy_refuses(x, alpha, match):
    with pytest.raises(ValueError, match=match):
        ss.dirichlet.logpdf(x, alpha)
    with pytest.raises(ValueError, match=match):
        stats.dirichlet.logpdf(x, alpha)


def test_scipys_own_python_functions_refuse_a_value_rather_than_drop_its_graph():
    x = Value(np.array([0.5, 1.0]))
    for scipy_function in (ss.norm.logpdf, ss.t(3.0).logpdf, sp.logsumexp, sp.softmax):
        with pytest.raises(TypeError, match="drop its graph.*differentiable twin in autograd_core.scipy"):
            scipy_function(x)


def test_each_distribution_is_a_module_as_in_hips_autograd():
    import autograd_core.scipy.stats.multivariate_normal as mvn
    from autograd_core.scipy.stats import norm

    assert mvn is stats.multivariate_normal and norm is stats.norm
    assert sorted(stats.DISTRIBUTIONS) == sorted(stats.__all__)
