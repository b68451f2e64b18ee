"""Your own primitives: @primitive, defvjp and defjvp with HIPS autograd's conventions, static
arguments, containers, rules that differentiate again, and a fixed point differentiated by the
implicit function theorem."""

import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core import Value, check_grads, defjvp, defvjp, grad, hessian, jacobian, jvp, primitive, vjp
from autograd_core.primitives import REGISTRY
from autograd_core.testing import arrays

# --- a fixed point, differentiated by the implicit function theorem -----------------------------------


@primitive
def fixed_point(f: Any, a: Any, x0: Any, distance: Any, tol: float) -> Any:
    """The x with x = f(a)(x), by iterating from x0 until distance(x, x_prev) <= tol."""
    step = f(a)
    x, x_prev = step(x0), x0
    while distance(x, x_prev) > tol:
        x, x_prev = step(x), x
    return x


def fixed_point_vjp(ans: Any, f: Any, a: Any, x0: Any, distance: Any, tol: float) -> Any:
    """g -> u^T dT/da with u = g + (dT/dx)^T u (itself a fixed point), T(a, x) = f(a)(x)."""

    def adjoint(params: Any) -> Any:
        a, x_star, g = params
        _, back_x = vjp(f(a), x_star)
        return lambda u: g + back_x(u)[0]

    _, back_a = vjp(lambda a, x: f(a)(x), a, ans)
    return lambda g: back_a(fixed_point(adjoint, (a, ans, g), np.zeros(np.shape(g)), distance, tol))[0]


defvjp(fixed_point, None, fixed_point_vjp, None)


def newton_sqrt(a: Any) -> Any:
    return lambda x: 0.5 * (x + a / x)


def distance(x: Any, y: Any) -> Any:
    return ag.max(ag.abs(x - y))


def sqrt_by_fixed_point(a: Any) -> Any:
    return fixed_point(newton_sqrt, a, 1.0, distance, 1e-13)


def unrolled(f: Any, a: Any, x0: Any, steps: int) -> Any:
    """The same iteration, a fixed number of steps, recorded by the engine like any code."""
    x = x0
    for _ in range(steps):
        x = f(a)(x)
    return x


def test_a_fixed_point_and_its_derivatives_by_the_implicit_function_theorem():
    a = 2.0
    assert sqrt_by_fixed_point(a) == pytest.approx(np.sqrt(a), rel=1e-15)
    assert grad(sqrt_by_fixed_point)(a) == pytest.approx(0.5 * a ** -0.5, rel=1e-12)
    assert grad(grad(sqrt_by_fixed_point))(a) == pytest.approx(-0.25 * a ** -1.5, rel=1e-10)
    assert grad(grad(grad(sqrt_by_fixed_point)))(a) == pytest.approx(0.375 * a ** -2.5, rel=1e-8)
    assert check_grads(sqrt_by_fixed_point, a, modes=("rev",), order=2) < 1.0


def test_the_fixed_point_derivatives_equal_those_of_the_unrolled_iteration():
    a = 3.0

    def by_unrolling(a: Any) -> Any:
        return unrolled(newton_sqrt, a, 1.0, 12)  # Newton's method has converged to rounding

    assert grad(sqrt_by_fixed_point)(a) == pytest.approx(grad(by_unrolling)(a), rel=1e-12)
    assert grad(grad(sqrt_by_fixed_point))(a) == pytest.approx(grad(grad(by_unrolling))(a), rel=1e-9)


def contraction(W: np.ndarray) -> Any:
    """a -> (x -> tanh(W x + a)): a contraction for ||W|| < 1, whose fixed point depends on a."""
    return lambda a: lambda x: ag.tanh(W @ x + a)


@given(arrays(3, low=-1.0, high=1.0), st.integers(0, 2**32 - 1))
def test_a_vector_fixed_point_against_the_unrolled_iteration(a, seed):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((3, 3))
    W *= 0.5 / np.linalg.norm(W, 2)  # contraction factor 1/2: 80 steps reach rounding error
    c = rng.standard_normal(3)
    T = contraction(W)

    def loss_implicit(a: Any) -> Any:
        return ag.sum(c * fixed_point(T, a, np.zeros(3), distance, 1e-14))

    def loss_unrolled(a: Any) -> Any:
        return ag.sum(c * unrolled(T, a, np.zeros(3), 80))

    np.testing.assert_allclose(grad(loss_implicit)(a), grad(loss_unrolled)(a), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(hessian(loss_implicit)(a), hessian(loss_unrolled)(a), rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(
        jacobian(lambda a: fixed_point(T, a, np.zeros(3), distance, 1e-14))(a),
        jacobian(lambda a: unrolled(T, a, np.zeros(3), 80))(a),
        rtol=1e-9, atol=1e-12,
    )


def test_the_fixed_point_of_a_function_of_a_container_is_differentiated_through_the_container():
    # the adjoint iteration above takes (a, x*, g) as one argument; here a user does the same
    def f(params: Any) -> Any:
        scale, shift = params
        return lambda x: 0.5 * ag.tanh(scale * x) + shift

    def solution(scale: Any, shift: Any) -> Any:
        return fixed_point(f, (scale, shift), 0.0, distance, 1e-14)

    g_scale, g_shift = grad(solution, argnum=(0, 1))(0.8, 0.3)
    unrolled_scale, unrolled_shift = grad(lambda s, b: unrolled(f, (s, b), 0.0, 60), argnum=(0, 1))(0.8, 0.3)
    assert g_scale == pytest.approx(unrolled_scale, rel=1e-10)
    assert g_shift == pytest.approx(unrolled_shift, rel=1e-10)


# --- a user-defined rule, checked by check_grads ----------------------------------------------------


@primitive
def logsumexp(x: Any) -> Any:
    """log sum exp x, computed stably on the data (the engine never looks inside)."""
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


defvjp(logsumexp, lambda ans, x: lambda g: g * ag.exp(x - ans))
defjvp(logsumexp, lambda t, ans, x: ag.sum(t * ag.exp(x - ans)))


@given(arrays(st.sampled_from([(1,), (4,), (2, 3)])))
def test_a_user_rule_written_with_the_engine_passes_check_grads_to_third_order(x):
    assert check_grads(logsumexp, x, order=3) < 1.0
    np.testing.assert_allclose(grad(logsumexp)(x), np.exp(x) / np.exp(x).sum(), rtol=1e-12)


@primitive
def sine(x: Any) -> Any:
    return np.sin(x)


@pytest.mark.parametrize(
    "vjp_rule, jvp_rule, error",
    [
        (lambda ans, x: lambda g: 1.01 * g * ag.cos(x), lambda t, ans, x: t * ag.cos(x), "order 1, reverse"),
        (lambda ans, x: lambda g: g * ag.cos(x), lambda t, ans, x: t * ag.cos(x) + 1e-3, "order 1, forward"),
        # right values, computed on raw data: the second derivative is lost, and order 2 sees it
        (lambda ans, x: lambda g: g * np.cos(ag.core.data_of(x)), lambda t, ans, x: t * ag.cos(x), "order 2"),
    ],
)
def test_check_grads_catches_a_wrong_user_rule(vjp_rule, jvp_rule, error):
    defvjp(sine, vjp_rule)
    defjvp(sine, jvp_rule)
    with pytest.raises(AssertionError, match=error):
        check_grads(sine, np.array([0.3, -1.2, 2.0]), order=2)
    defvjp(sine, lambda ans, x: lambda g: g * ag.cos(x))
    defjvp(sine, lambda t, ans, x: t * ag.cos(x))
    assert check_grads(sine, np.array([0.3, -1.2, 2.0]), order=2) < 1.0


# --- HIPS autograd's conventions ---------------------------------------------------------------------


def test_static_arguments_reach_the_forward_and_the_rules_untouched():
    seen: list[tuple] = []
    callback = lambda v: v  # noqa: E731
    table = np.array([1.0, 2.0, 3.0])

    @primitive
    def scaled(x: Any, callback: Any, k: int, name: str, nothing: Any, pair: tuple, table: Any) -> Any:
        seen.append(("forward", callback, k, name, nothing, pair, table))
        return k * x * table

    def maker(ans: Any, x: Any, callback: Any, k: int, name: str, nothing: Any, pair: tuple, table: Any):
        seen.append(("vjp", callback, k, name, nothing, pair, table))
        return lambda g: ag.sum(g * k * table)

    def jvp_rule(t: Any, ans: Any, x: Any, *statics: Any) -> Any:
        seen.append(("jvp", *statics))
        callback, k, name, nothing, pair, table = statics
        return t * k * table

    defvjp(scaled, maker)
    defjvp(scaled, jvp_rule)
    pair = ("p", 3)
    statics = (callback, 2, "name", None, pair, table)
    assert grad(lambda x: ag.sum(scaled(x, *statics)))(1.5) == pytest.approx(12.0)
    np.testing.assert_allclose(jvp(lambda x: scaled(x, *statics), (1.5,), (1.0,))[1], 2 * table)
    assert [s[0] for s in seen] == ["forward", "vjp", "forward", "jvp"]
    for record in seen:
        assert all(got is want for got, want in zip(record[1:], statics, strict=True))


def test_plain_numbers_and_arrays_are_constants_and_values_are_differentiated():
    @primitive
    def product(x: Any, y: Any) -> Any:
        return x * y

    defvjp(product, lambda ans, x, y: lambda g: g * y, lambda ans, x, y: lambda g: g * x)
    y = np.array([1.0, 2.0])
    # y is a plain array: a constant, never differentiated, even with a rule for it
    np.testing.assert_allclose(grad(lambda x: ag.sum(product(x, y)))(np.array([3.0, 4.0])), y)
    np.testing.assert_allclose(grad(lambda y: ag.sum(product(np.array([3.0, 4.0]), y)))(y), [3.0, 4.0])
    gx, gy = grad(lambda x, y: ag.sum(product(x, y)), argnum=(0, 1))(np.array([3.0, 4.0]), y)
    np.testing.assert_allclose(gx, y)
    np.testing.assert_allclose(gy, [3.0, 4.0])


def test_none_means_no_derivative_and_a_missing_rule_is_an_error_naming_the_argument():
    @primitive
    def mix(x: Any, y: Any) -> Any:
        return x * x + y

    defvjp(mix, lambda ans, x, y: lambda g: 2 * g * x, None)
    defjvp(mix, lambda t, ans, x, y: 2 * t * x, None)
    assert grad(lambda y: mix(3.0, y))(1.0) == 0.0
    assert jvp(lambda y: mix(3.0, y), (1.0,), (1.0,))[1] == 0.0
    assert grad(lambda x: mix(x, 1.0))(3.0) == 6.0
    defvjp(mix, lambda ans, x, y: lambda g: 2 * g * x)  # replaces both rules: argument 1 has none now
    with pytest.raises(NotImplementedError, match=r"VJP of mix with respect to argument 1 is not defined"):
        grad(lambda y: mix(3.0, y))(1.0)
    defjvp(mix, lambda t, ans, x, y: t, argnums=(1,))
    with pytest.raises(NotImplementedError, match="JVP of mix with respect to argument 0"):
        jvp(lambda x: mix(x, 1.0), (3.0,), (1.0,))


def test_argnums_and_same():
    @primitive
    def affine(a: Any, x: Any, b: Any) -> Any:
        return a * x + b

    defvjp(affine, lambda ans, a, x, b: lambda g: g * a, lambda ans, a, x, b: lambda g: g, argnums=[1, 2])
    assert grad(lambda x: affine(2.0, x, 7.0))(5.0) == 2.0
    assert grad(lambda b: affine(2.0, 5.0, b))(1.0) == 1.0
    with pytest.raises(NotImplementedError, match="argument 0 is not defined"):
        grad(lambda a: affine(a, 5.0, 1.0))(2.0)
    with pytest.raises(ValueError, match=r"2 rules for 1 argnums"):
        defvjp(affine, None, None, argnums=[0])

    @primitive
    def product(a: Any, x: Any) -> Any:
        return a * x

    defjvp(product, "same", "same")  # linear in each argument: the tangent is product(t, x) + product(a, t)
    a, x = np.array([2.0, 3.0]), np.array([5.0, 7.0])
    _, tangent = jvp(product, (a, x), (np.array([1.0, 0.5]), np.array([-1.0, 2.0])))
    np.testing.assert_allclose(tangent, [1.0 * 5.0 - 2.0, 0.5 * 7.0 + 6.0])


def test_keyword_arguments_reach_forward_and_rules_and_are_never_differentiated():
    @primitive
    def power(x: Any, p: float = 2.0) -> Any:
        return x ** p

    defvjp(power, lambda ans, x, p=2.0: lambda g: g * p * x ** (p - 1))
    defjvp(power, lambda t, ans, x, p=2.0: t * p * x ** (p - 1))
    assert grad(lambda x: power(x, p=3.0))(2.0) == pytest.approx(12.0)
    assert check_grads(lambda x: power(x, p=3.0), np.array([1.5, 2.0]), order=2) < 1.0
    with pytest.raises(TypeError, match="keyword argument 'p' holds a Value"):
        grad(lambda p: power(2.0, p=p))(3.0)


def test_a_container_argument_gets_a_contribution_of_its_structure():
    @primitive
    def weighted(pair: Any) -> Any:
        w, x = pair
        return np.sum(w * x)

    defvjp(weighted, lambda ans, pair: lambda g: type(pair)([g * pair[1], g * pair[0]]))
    defjvp(weighted, lambda t, ans, pair: ag.sum(t[0] * pair[1] + pair[0] * t[1]))
    w, x = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    gw, gx = grad(lambda w, x: weighted((w, x)), argnum=(0, 1))(w, x)
    np.testing.assert_allclose(gw, x)
    np.testing.assert_allclose(gx, w)
    # a container holding a Value and a plain array: only the Value is differentiated
    np.testing.assert_allclose(grad(lambda w: weighted([w, x]))(w), x)
    assert check_grads(lambda w, x: weighted((w, x)), w, x, order=2) < 1.0
    defvjp(weighted, lambda ans, pair: lambda g: [g * pair[1]])
    with pytest.raises(ValueError, match="another structure than the argument's"):
        grad(lambda w: weighted((w, x)))(w)


def test_a_rule_of_the_wrong_shape_or_kind_is_refused_not_broadcast():
    @primitive
    def scale(x: Any, y: Any) -> Any:
        return x * y

    defvjp(scale, lambda ans, x, y: lambda g: g * y)  # should sum over y's shape for a scalar x
    with pytest.raises(ValueError, match=r"VJP rule of argument 0 returned shape \(3,\); the argument has"):
        grad(lambda x: ag.sum(scale(x, np.ones(3))))(2.0)
    defvjp(scale, lambda ans, x, y: lambda g: None)
    with pytest.raises(TypeError, match="VJP rule of argument 0 returned NoneType"):
        grad(lambda x: ag.sum(scale(x, np.ones(3))))(2.0)
    defjvp(scale, lambda t, ans, x, y: t)
    with pytest.raises(ValueError, match=r"JVP rule of argument 0 returned shape \(\); the output has shape"):
        jvp(lambda x: scale(x, np.ones(3)), (2.0,), (1.0,))


def test_outputs_calls_without_values_and_no_grad():
    @primitive
    def pair_of(x: Any) -> Any:
        return (x, x)

    with pytest.raises(TypeError, match="pair_of: the output of a primitive must be a number or an array"):
        pair_of(Value(1.0))
    assert pair_of(1.0) == (1.0, 1.0)  # without Values: the function's own result, as it is

    @primitive
    def double(x: Any) -> Any:
        return 2 * x

    assert double(3) == 6 and isinstance(double(np.ones(2)), np.ndarray)
    out = double(Value(3))
    assert isinstance(out, Value) and out.data == 6.0 and out.op == "double"
    with ag.no_grad():
        constant = double(Value(1.0))
    assert constant.op is None and not constant.requires_grad


def test_the_forward_records_nothing_even_if_it_calls_the_engine():
    @primitive
    def engine_inside(x: Any) -> Any:
        return grad(lambda x: ag.sum(ag.exp(x)))(x)  # on the data: plain arrays, no graph

    defvjp(engine_inside, lambda ans, x: lambda g: g * ag.exp(x))
    x = np.array([0.1, 0.2])
    np.testing.assert_allclose(grad(lambda x: ag.sum(engine_inside(x)))(x), np.exp(x))


def test_a_method_can_be_a_primitive():
    class Scaler:
        def __init__(self, k: float) -> None:
            self.k = k

        @primitive
        def apply(self, x: Any) -> Any:
            return self.k * x

    defvjp(Scaler.apply, None, lambda ans, self, x: lambda g: g * self.k)
    assert grad(Scaler(3.0).apply)(2.0) == 3.0


def test_user_primitives_stay_out_of_the_library_table():
    before = set(REGISTRY)

    @primitive
    def exp(x: Any) -> Any:  # the name of a library primitive: no clash, no entry
        return np.exp(x)

    assert set(REGISTRY) == before and REGISTRY["exp"] is not exp
    assert "user-defined" in repr(exp) and exp.__name__ == "exp" and exp.__wrapped__ is not None


def test_defvjp_and_defjvp_refuse_what_they_cannot_use():
    with pytest.raises(TypeError, match="not a primitive made by @primitive"):
        defvjp(np.sin, lambda ans, x: lambda g: g)
    with pytest.raises(TypeError, match="not a primitive made by @primitive"):
        defjvp(ag.exp, lambda t, ans, x: t)
    with pytest.raises(TypeError, match="is 'same', not a function"):
        defvjp(sine, "same")
    with pytest.raises(TypeError, match="expected a function"):
        primitive(3)


def test_the_module_docstring_example_runs():
    example = re.search(r"::\n\n(.*?)\n\nThe adjoint", ag.extend.__doc__ or "", re.DOTALL)
    assert example is not None
    code = "\n".join(line[4:] for line in example.group(1).splitlines())
    namespace: dict = {}
    exec(compile(code, "autograd_core/extend.py", "exec"), namespace)
    assert namespace["sqrt"](9.0) == pytest.approx(3.0)
