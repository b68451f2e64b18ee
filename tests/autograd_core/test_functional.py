"""The functional API: grad, value_and_grad, jacobian, hessian, vjp, jvp, nesting, check_grads."""

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core import (
    Primitive,
    Value,
    check_grads,
    grad,
    hessian,
    jacobian,
    jvp,
    no_grad,
    value_and_grad,
    vjp,
)
from autograd_core.testing import arrays

RNG = np.random.default_rng(7)
A = RNG.standard_normal((3, 4))
S = RNG.standard_normal((4, 4))


# --- grad and value_and_grad --------------------------------------------------------------------


def test_grad_of_a_sum_of_cubes_is_three_x_squared():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    g = grad(lambda x: (x ** 3).sum())(x)
    assert isinstance(g, np.ndarray) and g.shape == x.shape
    np.testing.assert_allclose(g, 3 * x ** 2)


def test_grad_returns_a_float_for_a_float():
    g = grad(lambda x: x * x + ag.sigmoid(x))(0.0)
    assert type(g) is float and g == 0.25


def test_grad_of_a_reduction_of_a_zero_dimensional_array():
    np.testing.assert_allclose(grad(lambda x: (2.0 * x).sum())(np.array(1.5)), 2.0)
    np.testing.assert_allclose(grad(lambda x: x.mean())(1.5), 1.0)


def test_grad_of_an_output_that_does_not_depend_on_the_argument_is_an_error():
    for f in (lambda x: 3.0, lambda x: ag.exp(x.data).sum(), lambda x: x.detach().sum()):
        with pytest.raises(ValueError, match="does not depend on argument 0"):
            grad(f)(np.ones(2))
    with no_grad(), pytest.raises(ValueError, match="does not depend"):
        grad(lambda x: 3.0)(1.0)


def test_an_argument_the_output_does_not_depend_on_gets_zeros_beside_one_it_does():
    gx, gy = grad(lambda x, y: (x * x).sum(), argnum=(0, 1))(np.ones(2), np.ones(3))
    np.testing.assert_array_equal(gx, [2.0, 2.0])
    np.testing.assert_array_equal(gy, np.zeros(3))
    np.testing.assert_array_equal(hessian(lambda x: 2.0 * x.sum())(np.ones(2)), np.zeros((2, 2)))


@pytest.mark.parametrize("argnum", [1, 3, -2, (0, 1)])
def test_an_argnum_beyond_the_arguments_is_an_error_naming_it(argnum):
    with pytest.raises(ValueError, match=r"argnum=(1|3|-2).*1 argument"):
        grad(lambda x: x * x, argnum=argnum)(2.0)
    with pytest.raises(TypeError, match="argnum"):
        grad(lambda x: x * x, argnum=0.5)(2.0)


@pytest.mark.parametrize(
    "f, words",
    [
        (lambda x: (x.sum(), x.mean()), r"returned a tuple of 2 \(Value, Value\)"),
        (lambda x: [x.sum()], r"returned a list of 1 \(Value\)"),
        (lambda x: "loss", "not str"),
        (lambda x: None, "not NoneType"),
    ],
)
def test_grad_of_a_function_returning_something_else_than_one_number_says_what_it_returned(f, words):
    with pytest.raises(TypeError, match=words):
        grad(f)(np.ones(2))


@pytest.mark.parametrize("f", [lambda x: x > 0, lambda x: (x > 0).all(), lambda x: bool(x.sum() > 0)])
def test_grad_of_a_boolean_output_is_refused(f):
    with pytest.raises(TypeError, match="boolean"):
        grad(f)(np.ones(2))
    with pytest.raises(TypeError, match="boolean"):
        jacobian(f)(np.ones(2))


def test_value_and_grad_give_the_value_with_the_gradient():
    x = np.array([0.3, -1.2, 2.0])
    value, g = value_and_grad(lambda x: ag.logsumexp(x))(x)
    assert value == pytest.approx(math.log(np.exp(x).sum()))
    np.testing.assert_allclose(g, np.exp(x) / np.exp(x).sum())


def test_argnum_picks_one_argument_or_a_tuple_of_them():
    x, y = RNG.standard_normal((2, 3)), RNG.standard_normal(3)

    def f(x: Any, y: Any) -> Any:
        return (x * y ** 2).sum()

    np.testing.assert_allclose(grad(f, argnum=1)(x, y), 2 * y * x.sum(axis=0))
    gx, gy = grad(f, argnum=(0, 1))(x, y)
    np.testing.assert_allclose(gx, np.broadcast_to(y ** 2, (2, 3)))
    np.testing.assert_allclose(gy, 2 * y * x.sum(axis=0))
    value, grads = value_and_grad(f, argnum=(1,))(x, y)
    assert value == pytest.approx((x * y ** 2).sum()) and isinstance(grads, tuple) and len(grads) == 1


def test_grad_is_pure_and_leaves_gradients_alone():
    x = Value(np.array([1.0, 2.0]))
    g = grad(lambda v: (v * v).sum())(x)
    np.testing.assert_allclose(ag.core.data_of(g), [2.0, 4.0])
    assert x.grad is None


# --- jacobian and hessian against analytic results -----------------------------------------------


def test_jacobian_of_a_layer_is_a_times_the_derivative_of_tanh():
    x = RNG.standard_normal(4)
    J = jacobian(lambda x: A @ ag.tanh(x))(x)
    np.testing.assert_allclose(J, A * (1 - np.tanh(x) ** 2)[None, :], rtol=1e-12)


def test_jacobian_has_the_output_shape_followed_by_the_input_shape():
    X = RNG.standard_normal((2, 3))
    J = jacobian(lambda X: X.sum(axis=1))(X)
    assert J.shape == (2, 2, 3)
    np.testing.assert_array_equal(J, [[[1, 1, 1], [0, 0, 0]], [[0, 0, 0], [1, 1, 1]]])
    np.testing.assert_allclose(jacobian(lambda X: (X * X).sum())(X), 2 * X)


def test_hessian_of_a_quadratic_form_is_its_symmetric_part():
    x, b = RNG.standard_normal(4), RNG.standard_normal(4)
    H = hessian(lambda x: 0.5 * x @ (S @ x) + b @ x)(x)
    np.testing.assert_allclose(H, (S + S.T) / 2, rtol=1e-12, atol=1e-12)


def test_hessian_of_logsumexp_is_diag_softmax_minus_outer_product():
    x = RNG.standard_normal(5)
    s = np.exp(x) / np.exp(x).sum()
    np.testing.assert_allclose(hessian(ag.logsumexp)(x), np.diag(s) - np.outer(s, s), atol=1e-12)


def test_hessian_of_a_matrix_argument_has_twice_its_shape():
    X = RNG.standard_normal((2, 2))
    H = hessian(lambda X: ag.exp(X).sum())(X)
    assert H.shape == (2, 2, 2, 2)
    np.testing.assert_allclose(H.reshape(4, 4), np.diag(np.exp(X).ravel()), rtol=1e-12)


# --- vjp and jvp ---------------------------------------------------------------------------------


def test_vjp_returns_one_cotangent_per_primal_as_a_tuple():
    x, W = RNG.standard_normal(4), RNG.standard_normal((3, 4))
    out, back = vjp(lambda x, W: W @ x, x, W)
    np.testing.assert_allclose(out, W @ x)
    g = RNG.standard_normal(3)
    cotangents = back(g)
    assert isinstance(cotangents, tuple) and len(cotangents) == 2
    np.testing.assert_allclose(cotangents[0], W.T @ g)
    np.testing.assert_allclose(cotangents[1], np.outer(g, x))
    single = vjp(ag.tanh, x)[1](np.ones(4))
    assert isinstance(single, tuple) and len(single) == 1
    np.testing.assert_allclose(single[0], 1 - np.tanh(x) ** 2)


def test_a_pullback_applied_inside_an_outer_grad_is_differentiated_through():
    A, x = np.random.default_rng(0).standard_normal((5, 4)), np.ones(4)
    _, back = vjp(lambda x: A @ x, x)
    np.testing.assert_allclose(grad(lambda v: back(v)[0].sum())(np.ones(5)), A @ np.ones(4))
    _, back = vjp(lambda x: ag.tanh(x) * x, x)  # nonlinear in x, linear in the cotangent
    u = np.arange(4.0)
    np.testing.assert_allclose(jacobian(lambda v: back(v)[0])(u), np.diag(back(np.ones(4))[0]))
    assert isinstance(back(u)[0], np.ndarray)  # applied outside a trace: plain arrays


def test_vjp_with_a_wrong_shaped_cotangent_is_an_error():
    _, back = vjp(lambda x: x * 2, np.ones(3))
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        back(np.ones(2))


def test_jvp_of_a_layer_matches_its_analytic_tangent():
    x, W = RNG.standard_normal(4), RNG.standard_normal((3, 4))
    dx, dW = RNG.standard_normal(4), RNG.standard_normal((3, 4))
    out, tangent = jvp(lambda x, W: ag.tanh(W @ x), (x, W), (dx, dW))
    t = np.tanh(W @ x)
    np.testing.assert_allclose(out, t)
    np.testing.assert_allclose(tangent, (1 - t ** 2) * (W @ dx + dW @ x), rtol=1e-12)


CHAIN_LINKS = {
    "tanh": ag.tanh, "sigmoid": ag.sigmoid, "softmax": ag.softmax, "log_softmax": ag.log_softmax,
    "square": lambda z: z * z, "exp_tanh": lambda z: ag.exp(ag.tanh(z)),
    "cumulative": lambda z: ag.concatenate([z[:1], z[1:] + z[:-1]]),
    "reverse": lambda z: z[::-1], "shift": lambda z: z - z.mean(),
}


@given(
    x=arrays(st.integers(1, 5), low=-2.0, high=2.0),
    links=st.lists(st.sampled_from(sorted(CHAIN_LINKS)), min_size=1, max_size=5),
    seed=st.integers(0, 2**32 - 1),
)
def test_forward_mode_equals_reverse_mode_on_random_functions(x, links, seed):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((x.size, x.size))

    def f(x: Any) -> Any:
        z = W @ x
        for name in links:
            z = CHAIN_LINKS[name](z)
        return z

    J = jacobian(f)(x)  # by reverse mode, one row per pass
    tangent = rng.standard_normal(x.shape)
    _, forward = jvp(f, (x,), (tangent,))
    np.testing.assert_allclose(forward, J @ tangent, rtol=1e-9, atol=1e-12)
    columns = np.stack([jvp(f, (x,), (e,))[1] for e in np.eye(x.size)], axis=1)
    np.testing.assert_allclose(columns, J, rtol=1e-9, atol=1e-12)


def _exp_with(vjp_rule: Any, jvp_rule: Any, name: str = "my_exp") -> Primitive:
    return Primitive(name, np.exp, (vjp_rule,), (jvp_rule,))


def _fails(*args: Any) -> Any:
    raise AssertionError("this rule must not run")


def test_jvp_is_true_forward_mode_and_never_runs_a_vjp_rule():
    forward_only = _exp_with(_fails, lambda t, ans, x: t * ans)
    x = np.array([0.5, 1.0])
    _, tangent = jvp(lambda x: forward_only(x * 2.0).sum(), (x,), (np.ones(2),))
    assert tangent == pytest.approx(2 * np.exp(2 * x).sum())
    with pytest.raises(AssertionError, match="must not run"):
        grad(lambda x: forward_only(x).sum())(x)


def test_grad_is_reverse_mode_and_never_runs_a_jvp_rule():
    reverse_only = _exp_with(lambda g, ans, x: g * ans, _fails)
    x = np.array([0.5, 1.0])
    np.testing.assert_allclose(grad(lambda x: reverse_only(x).sum())(x), np.exp(x))
    with pytest.raises(AssertionError, match="must not run"):
        jvp(reverse_only, (x,), (np.ones(2),))


# --- nesting ----------------------------------------------------------------------------------


def test_grad_of_grad_of_grad_gives_third_derivatives():
    def quartic(x: Any) -> Any:
        return x ** 4

    x = 1.5
    assert grad(quartic)(x) == pytest.approx(4 * x ** 3)
    assert grad(grad(quartic))(x) == pytest.approx(12 * x ** 2)
    assert grad(grad(grad(quartic)))(x) == pytest.approx(24 * x)
    t = math.tanh(0.7)
    assert grad(grad(grad(ag.tanh)))(0.7) == pytest.approx((6 * t ** 2 - 2) * (1 - t ** 2))
    third_of_softplus = grad(grad(grad(lambda z: ag.log(1.0 + ag.exp(z)))))(0.3)
    s = 1 / (1 + math.exp(-0.3))
    assert third_of_softplus == pytest.approx(s * (1 - s) * (1 - 2 * s))


def test_nested_grad_of_an_array_function():
    x = np.array([0.2, -0.4, 1.1])
    second = grad(lambda v: grad(lambda u: (u ** 3).sum())(v).sum())(x)
    np.testing.assert_allclose(second, 6 * x)


def test_mixed_partial_derivative_through_argnum():
    # d/dy d/dx (x^2 y^3) = 6 x y^2
    assert grad(grad(lambda x, y: x ** 2 * y ** 3, 0), 1)(2.0, 3.0) == pytest.approx(6 * 2.0 * 3.0 ** 2)


def test_no_perturbation_confusion_when_the_inner_function_closes_over_the_outer_variable():
    # d/dx [x * (d/dy x y)] = d/dx x^2 = 2 x
    x0, c = 1.7, 0.4
    assert grad(lambda x: x * grad(lambda y: x * y)(c))(x0) == pytest.approx(2 * x0)
    # Siskind and Pearlmutter's example: d/dx [x * (d/dy (x + y))|_{y=1}] at x=1 is 1, not 2
    assert grad(lambda x: x * grad(lambda y: x + y)(1.0))(1.0) == pytest.approx(1.0)
    # the inner derivative taken where y = x: d/dx [2 x y]_{y=x} = d/dx 2 x^2 = 4 x
    assert grad(lambda x: grad(lambda y: x * y * y)(x))(x0) == pytest.approx(4 * x0)


def test_the_functional_api_works_inside_no_grad():
    x = np.array([0.5, -0.25])
    with no_grad():
        np.testing.assert_allclose(grad(lambda v: (v ** 3).sum())(x), 3 * x ** 2)
        np.testing.assert_allclose(hessian(lambda v: (v ** 3).sum())(x), np.diag(6 * x))
        np.testing.assert_allclose(jvp(ag.exp, (x,), (np.ones(2),))[1], np.exp(x))
        np.testing.assert_allclose(vjp(ag.exp, x)[1](np.ones(2))[0], np.exp(x))
        assert not ag.is_grad_enabled()


# --- check_grads ---------------------------------------------------------------------------------


def test_check_grads_passes_for_correct_rules():
    correct = _exp_with(lambda g, ans, x: g * ans, lambda t, ans, x: t * ans, "exp_again")
    worst = check_grads(lambda x: correct(x * x), np.array([0.3, -0.8, 1.2]), order=3)
    assert 0.0 <= worst < 1.0


def test_check_grads_names_the_worst_error_of_a_wrong_vjp_rule():
    wrong = _exp_with(lambda g, ans, x: 2.0 * g * ans, lambda t, ans, x: t * ans, "wrong_vjp")
    with pytest.raises(AssertionError) as error:
        check_grads(wrong, np.array([0.3, -0.8]))
    message = str(error.value)
    assert "order 1, reverse mode" in message and "times the tolerance" in message
    worst = float(message.split(" by ")[1].split(" times")[0])
    assert worst > 1e3


def test_check_grads_names_the_worst_error_of_a_wrong_jvp_rule():
    wrong = _exp_with(lambda g, ans, x: g * ans, lambda t, ans, x: t * ans + 1e-3, "wrong_jvp")
    with pytest.raises(AssertionError, match="order 1, forward mode"):
        check_grads(wrong, np.array([0.3, -0.8]), order=1)


def test_check_grads_given_f_alone_is_the_check_as_a_function_of_the_arguments():
    wrong = _exp_with(lambda g, ans, x: 2.0 * g * ans, lambda t, ans, x: t * ans, "wrong_vjp_curried")
    x = np.array([0.3, -0.8])
    assert check_grads(lambda x, y: (ag.exp(x) * y).sum(), modes=["rev"])(x, x[::-1]) < 1.0
    assert check_grads(ag.exp, order=1)(x) == check_grads(ag.exp, x, order=1)
    with pytest.raises(AssertionError, match="order 1, reverse mode"):
        check_grads(wrong, modes=["rev"])(x)
    check_grads(wrong, modes=["fwd"], order=1)(x)  # the modes given are the ones checked


def test_check_grads_of_order_two_catches_a_rule_that_cannot_be_differentiated():
    # The rule is right at first order but uses raw data, so its own derivative is lost.
    frozen = _exp_with(lambda g, ans, x: g * ag.core.data_of(ans), lambda t, ans, x: t * ag.core.data_of(ans))
    x = np.array([0.3, -0.8])
    assert check_grads(frozen, x, order=1) < 1.0
    with pytest.raises(AssertionError, match="order 2"):  # the error is in second derivatives
        check_grads(frozen, x, order=2)


def test_check_grads_catches_a_vjp_rule_wrong_only_in_how_it_scales_g():
    # Right value for every g, but its derivative with respect to g is 1.001 ans: only the
    # second-order check of (x, u) -> u^T J(x), differentiated in u, can see it.
    def vjp_rule(g, ans, x):
        return 1.001 * g * ans - 0.001 * ag.core.data_of(g) * ans

    scaled = _exp_with(vjp_rule, lambda t, ans, x: t * ans, "scaled_g")
    x = np.array([0.3, -0.8, 1.2])
    np.testing.assert_allclose(grad(lambda x: scaled(x).sum())(x), np.exp(x))
    assert check_grads(scaled, x, order=1) < 1.0
    with pytest.raises(AssertionError, match="order 2"):
        check_grads(scaled, x, order=2)


def test_check_grads_catches_a_jvp_rule_that_cannot_be_differentiated_in_the_tangent():
    frozen_t = _exp_with(lambda g, ans, x: g * ans, lambda t, ans, x: ag.core.data_of(t) * ans, "frozen_t")
    x = np.array([0.3, -0.8])
    assert check_grads(frozen_t, x, order=1) < 1.0
    with pytest.raises(AssertionError, match="order 2, forward mode"):
        check_grads(frozen_t, x, order=2, modes=("fwd",))


def test_check_grads_fails_where_nothing_can_be_compared():
    wrong_log = Primitive("wrong_log", np.log, (lambda g, ans, x: 2.0 * g / x,), (lambda t, ans, x: t / x,))
    with np.errstate(invalid="ignore"), pytest.raises(AssertionError, match="nothing could be compared"):
        check_grads(wrong_log, np.array([-2.0, 3.0]))
    with np.errstate(invalid="ignore"), pytest.raises(AssertionError, match="nothing could be compared"):
        check_grads(ag.log, np.array([-2.0, 3.0]), order=1)
    with pytest.raises(AssertionError, match="times the tolerance"):  # where log is defined
        check_grads(wrong_log, np.array([2.0, 3.0]))


# --- elementwise_grad ----------------------------------------------------------------------------


@given(arrays(low=-3, high=3))
def test_elementwise_grad_gives_the_derivatives_of_an_elementwise_function_to_third_order(x):
    t = np.tanh(x)
    first = ag.elementwise_grad(np.tanh)
    second = ag.elementwise_grad(first)
    third = ag.elementwise_grad(second)
    np.testing.assert_allclose(first(x), 1 - t**2, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(second(x), -2 * t * (1 - t**2), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(third(x), -2 * (1 - t**2) * (1 - 3 * t**2), rtol=1e-10, atol=1e-10)
    assert np.shape(first(x)) == np.shape(x)


def test_elementwise_grad_takes_argnum_and_gives_column_sums_for_a_full_jacobian():
    x, y = np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.25, -0.5])
    np.testing.assert_allclose(ag.elementwise_grad(lambda x, y: x * np.sin(y), 1)(x, y), x * np.cos(y))
    A = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(ag.elementwise_grad(lambda x: A @ x)(x), A.sum(axis=0))  # 1^T J
    with pytest.raises(ValueError, match="argnum"):
        ag.elementwise_grad(np.sin, 2)(x)
