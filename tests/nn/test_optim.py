"""SGD performs equations (16)-(17) exactly, and momentum and L2 weight decay as the book states them;
Adam and RMSprop perform their update equations; every optimiser refuses what would update wrongly."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_core import Value
from nn import MLP, SGD, Adam, QuadraticCost, RMSprop, backprop, get_cost


def sigma(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def tiny_net() -> MLP:
    """One sigmoid neuron with two inputs: w = (0.5, -0.25), b = 0.1."""
    mlp = MLP([2, 1], seed=0)
    mlp.layers[0].W.data[:] = [[0.5, -0.25]]
    mlp.layers[0].b.data[:] = [0.1]
    return mlp


EXAMPLES = [((1.0, 2.0), 1.0), ((-1.0, 0.5), 0.0)]  # (x, y) for a mini-batch of m = 2


def hand_gradients(w, b):
    """Sum over x of dC_x/dw and dC_x/db for C_x = (y - a)^2 / 2, written out by hand (chain rule)."""
    sum_dw, sum_db = [0.0, 0.0], 0.0
    for (x1, x2), y in EXAMPLES:
        z = w[0] * x1 + w[1] * x2 + b
        a = sigma(z)
        dz = (a - y) * a * (1 - a)  # dC_x/dz = (a - y) sigma'(z)
        sum_dw[0] += dz * x1
        sum_dw[1] += dz * x2
        sum_db += dz
    return sum_dw, sum_db


def engine_step(mlp: MLP, optimizer: SGD) -> None:
    X = np.array([x for x, _ in EXAMPLES])
    Y = np.array([[y] for _, y in EXAMPLES])
    optimizer.zero_grad()
    QuadraticCost()(mlp(X), Y).backward()
    optimizer.step()


def test_one_step_is_equations_16_and_17_by_hand():
    mlp = tiny_net()
    eta, m = 3.0, len(EXAMPLES)
    sum_dw, sum_db = hand_gradients([0.5, -0.25], 0.1)
    engine_step(mlp, SGD(mlp.parameters(), eta))
    want_w = [0.5 - eta / m * sum_dw[0], -0.25 - eta / m * sum_dw[1]]  # (16)
    want_b = 0.1 - eta / m * sum_db  # (17)
    np.testing.assert_allclose(mlp.layers[0].W.data, [want_w], rtol=1e-14)
    np.testing.assert_allclose(mlp.layers[0].b.data, [want_b], rtol=1e-14)


def test_momentum_two_steps_by_hand():
    mlp = tiny_net()
    eta, mu, m = 0.5, 0.9, len(EXAMPLES)
    optimizer = SGD(mlp.parameters(), eta, momentum=mu)
    w, b = [0.5, -0.25], 0.1
    v_w, v_b = [0.0, 0.0], 0.0
    for _ in range(2):
        sum_dw, sum_db = hand_gradients(w, b)
        v_w = [mu * v - eta / m * g for v, g in zip(v_w, sum_dw, strict=True)]  # v -> mu v - eta dC/dw
        v_b = mu * v_b - eta / m * sum_db
        w, b = [wi + vi for wi, vi in zip(w, v_w, strict=True)], b + v_b  # w -> w + v
        engine_step(mlp, optimizer)
        np.testing.assert_allclose(mlp.layers[0].W.data, [w], rtol=1e-14)
        np.testing.assert_allclose(mlp.layers[0].b.data, [b], rtol=1e-14)


def test_weight_decay_is_the_books_l2_rule_and_spares_biases():
    mlp = tiny_net()
    eta, lmbda, n, m = 0.5, 5.0, 1000, len(EXAMPLES)
    optimizer = SGD.l2(mlp.parameters(), eta, lmbda, n)
    assert optimizer.weight_decay == lmbda / n
    sum_dw, sum_db = hand_gradients([0.5, -0.25], 0.1)
    engine_step(mlp, optimizer)
    decay = 1 - eta * lmbda / n  # w -> (1 - eta lambda / n) w - (eta / m) sum_x dC_x/dw
    want_w = [decay * 0.5 - eta / m * sum_dw[0], decay * -0.25 - eta / m * sum_dw[1]]
    np.testing.assert_allclose(mlp.layers[0].W.data, [want_w], rtol=1e-14)
    np.testing.assert_allclose(mlp.layers[0].b.data, [0.1 - eta / m * sum_db], rtol=1e-14)  # no decay


@given(st.lists(st.integers(1, 5), min_size=2, max_size=4), st.integers(1, 6), st.integers(0, 2**32 - 1),
       st.sampled_from(["quadratic", "cross-entropy"]), st.floats(0.01, 5.0))
def test_a_step_is_minus_eta_over_m_times_the_sum_of_per_example_gradients(sizes, m, seed, cost, eta):
    """(16)-(17) for random networks: the engine's batch step equals the sum of m one-example gradients."""
    rng = np.random.default_rng(seed)
    mlp = MLP(sizes, seed=rng)
    X, Y = rng.standard_normal((m, sizes[0])), rng.random((m, sizes[-1]))
    before = [p.data.copy() for p in mlp.parameters()]
    sums = [np.zeros_like(p) for p in before]
    for x in range(m):  # each example's own gradient dC_x/dp, by the closed form on a batch of one
        nabla_b, nabla_w = backprop(mlp, X[x:x + 1], Y[x:x + 1], cost)
        per_example = [g for pair in zip(nabla_w, nabla_b, strict=True) for g in pair]
        for total, g in zip(sums, per_example, strict=True):
            total += g
    optimizer = SGD(mlp.parameters(), eta)
    get_cost(cost)(mlp(X), Y).backward()
    optimizer.step()
    for p, p0, total in zip(mlp.parameters(), before, sums, strict=True):
        np.testing.assert_allclose(p.data, p0 - eta / m * total, rtol=1e-10, atol=1e-13)


def test_step_with_given_gradients_updates_in_place():
    mlp = MLP([3, 2], seed=1)
    params = mlp.parameters()
    arrays = [p.data for p in params]
    before = [a.copy() for a in arrays]
    grads = [np.ones_like(a) for a in arrays]
    SGD(params, 0.5).step(grads)
    for p, a, b in zip(params, arrays, before, strict=True):
        assert p.data is a  # updated in place, not replaced
        np.testing.assert_allclose(a, b - 0.5)


def test_a_parameter_without_gradient_is_left_alone():
    w, b = Value(np.ones((2, 2))), Value(np.ones(2))
    b.grad = np.ones(2)
    SGD([w, b], 1.0).step()
    np.testing.assert_array_equal(w.data, np.ones((2, 2)))
    np.testing.assert_array_equal(b.data, np.zeros(2))


def test_scalar_parameters_work():
    p = Value(2.0)
    (p * p).backward()
    SGD([p], 0.25).step()
    assert p.data == pytest.approx(1.0)


def test_velocities_round_trip():
    mlp = tiny_net()
    optimizer = SGD(mlp.parameters(), 0.5, momentum=0.5)
    engine_step(mlp, optimizer)
    state = optimizer.state_dict()
    assert sorted(state) == ["velocity.0", "velocity.1"]
    other = SGD(mlp.parameters(), 0.5, momentum=0.5)
    other.load_state_dict(state)
    for a, b in zip(other.velocities, optimizer.velocities, strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="velocity.0 has shape"):
        other.load_state_dict({"velocity.0": np.zeros(3)})
    with pytest.raises(ValueError, match="unexpected entry 'velocity.7'"):
        other.load_state_dict({"velocity.7": np.zeros(1)})


def test_gradients_given_as_lists_or_floats_are_checked_like_arrays():
    w, b = Value(np.ones((1, 2))), Value(0.5)
    SGD([w, b], 1.0).step([[[1.0, 1.0]], 0.5])
    np.testing.assert_array_equal(w.data, [[0.0, 0.0]])
    assert b.data == 0.0
    with pytest.raises(ValueError, match=r"gradient 0 has shape \(2,\), parameter 0 has shape \(1, 2\)"):
        SGD([w, b], 1.0).step([[1.0, 1.0], 0.5])


def test_a_gradient_of_the_wrong_shape_leaves_every_parameter_unchanged():
    mlp = MLP([2, 1], seed=0)
    before = [p.data.copy() for p in mlp.parameters()]
    with pytest.raises(ValueError, match=r"gradient 1 has shape \(3,\)"):
        SGD(mlp.parameters(), 1.0).step([np.ones((1, 2)), np.ones(3)])  # the first one is fine
    for p, kept in zip(mlp.parameters(), before, strict=True):
        np.testing.assert_array_equal(p.data, kept)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"eta": 0.0}, "eta must be a finite number > 0"),
    ({"eta": float("nan")}, "eta must be a finite number"),
    ({"eta": 1.0, "momentum": 1.0}, "momentum must be a finite number >= 0.0 and < 1.0"),
    ({"eta": 1.0, "weight_decay": -1.0}, "weight_decay must be a finite number >= 0"),
])
def test_bad_settings_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SGD(MLP([2, 1]).parameters(), **kwargs)


def test_bad_parameters_and_gradients_are_named():
    with pytest.raises(TypeError, match="parameter 0 is a ndarray, not a Value"):
        SGD([np.zeros(2)], 1.0)
    optimizer = SGD(MLP([2, 1]).parameters(), 1.0)
    with pytest.raises(ValueError, match="1 gradients for 2 parameters"):
        optimizer.step([np.zeros((1, 2))])
    with pytest.raises(ValueError, match=r"gradient 1 has shape \(3,\), parameter 1 has shape \(1,\)"):
        optimizer.step([np.zeros((1, 2)), np.zeros(3)])
    with pytest.raises(ValueError, match="n, the training-set size"):
        SGD.l2(MLP([2, 1]).parameters(), 1.0, 5.0, 0)


# --- refusals shared by every optimiser ------------------------------------------------------------

OPTIMIZERS = [SGD, Adam, RMSprop]


def make(cls, params, **options):
    return cls(params, 0.5, **options) if cls is SGD else cls(params, **options)


@pytest.mark.parametrize("cls", OPTIMIZERS)
def test_a_parameter_listed_twice_is_refused(cls):
    p, q = Value(np.ones(3)), Value(np.ones(2))
    with pytest.raises(ValueError, match=f"{cls.__name__}: parameter 2 is parameter 0 again"):
        make(cls, [p, q, p])


@pytest.mark.parametrize("cls", OPTIMIZERS)
def test_a_grad_of_the_wrong_shape_is_refused_and_nothing_moves(cls):
    w, b = Value(np.ones((3, 4))), Value(np.ones(4))
    w.grad, b.grad = np.ones(4), np.ones(4)  # w's would broadcast silently
    optimizer = make(cls, [b, w])
    with pytest.raises(ValueError, match=r"gradient 1 has shape \(4,\), parameter 1 has shape \(3, 4\); "
                                         "no parameter was updated"):
        optimizer.step()
    np.testing.assert_array_equal(w.data, np.ones((3, 4)))
    np.testing.assert_array_equal(b.data, np.ones(4))  # checked before the first update


@pytest.mark.parametrize(("cls", "kwargs", "message"), [
    (Adam, {"eta": -1.0}, "Adam: eta must be a finite number > 0"),
    (Adam, {"betas": (1.0, 0.999)}, "Adam: beta1 must be a finite number >= 0.0 and < 1.0"),
    (Adam, {"betas": (0.9, float("nan"))}, "Adam: beta2 must be a finite number"),
    (Adam, {"betas": 0.9}, "Adam: betas must be a pair"),
    (Adam, {"eps": 0.0}, "Adam: eps must be a finite number > 0"),
    (Adam, {"weight_decay": -0.1}, "Adam: weight_decay must be a finite number >= 0"),
    (RMSprop, {"rho": 1.5}, "RMSprop: rho must be a finite number >= 0.0 and < 1.0"),
    (RMSprop, {"eps": -1e-8}, "RMSprop: eps must be a finite number > 0"),
    (RMSprop, {"eta": float("inf")}, "RMSprop: eta must be a finite number"),
])
def test_bad_adam_and_rmsprop_settings_are_named(cls, kwargs, message):
    with pytest.raises(ValueError, match=message):
        cls(MLP([2, 1]).parameters(), **kwargs)


def test_adam_and_rmsprop_have_the_usual_defaults():
    params = MLP([2, 1]).parameters()
    adam, rmsprop = Adam(params), RMSprop(params)
    assert (adam.eta, adam.betas, adam.eps, adam.weight_decay) == (1e-3, (0.9, 0.999), 1e-8, 0.0)
    assert (rmsprop.eta, rmsprop.rho, rmsprop.eps, rmsprop.weight_decay) == (1e-2, 0.99, 1e-8, 0.0)
    assert Adam.l2(params, 1e-3, 5.0, 1000).weight_decay == 5.0 / 1000


# --- Adam and RMSprop against their equations, written out by hand ---------------------------------


def hand_adam(w, b, steps, eta, beta1, beta2, eps, decay):
    """Adam's update written out with Python floats: m, v, bias correction, one element at a time."""
    params = [*w, b]
    m, v = [0.0] * 3, [0.0] * 3
    for t in range(1, steps + 1):
        sum_dw, sum_db = hand_gradients(params[:2], params[2])
        grads = [g / 2 + decay * p for g, p in zip(sum_dw, params[:2], strict=True)] + [sum_db / 2]  # m = 2
        for k, g in enumerate(grads):
            m[k] = beta1 * m[k] + (1 - beta1) * g
            v[k] = beta2 * v[k] + (1 - beta2) * g * g
            m_hat, v_hat = m[k] / (1 - beta1**t), v[k] / (1 - beta2**t)
            params[k] -= eta * m_hat / (math.sqrt(v_hat) + eps)
        yield params[:2], params[2]


def hand_rmsprop(w, b, steps, eta, rho, eps, decay):
    """RMSprop's update written out with Python floats."""
    params = [*w, b]
    s = [0.0] * 3
    for _ in range(steps):
        sum_dw, sum_db = hand_gradients(params[:2], params[2])
        grads = [g / 2 + decay * p for g, p in zip(sum_dw, params[:2], strict=True)] + [sum_db / 2]
        for k, g in enumerate(grads):
            s[k] = rho * s[k] + (1 - rho) * g * g
            params[k] -= eta * g / (math.sqrt(s[k]) + eps)
        yield params[:2], params[2]


@pytest.mark.parametrize("decay", [0.0, 0.01])
@pytest.mark.parametrize("settings", [
    {"eta": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
    {"eta": 0.3, "beta1": 0.5, "beta2": 0.75, "eps": 1e-3},
])
def test_adam_is_its_update_equations_over_five_steps(settings, decay):
    mlp = tiny_net()
    optimizer = Adam(mlp.parameters(), settings["eta"], betas=(settings["beta1"], settings["beta2"]),
                     eps=settings["eps"], weight_decay=decay)
    for w, b in hand_adam([0.5, -0.25], 0.1, 5, **settings, decay=decay):
        engine_step(mlp, optimizer)
        np.testing.assert_allclose(mlp.layers[0].W.data, [w], rtol=1e-13)
        np.testing.assert_allclose(mlp.layers[0].b.data, [b], rtol=1e-13)
    assert optimizer.state["t"] == [5, 5]


@pytest.mark.parametrize("decay", [0.0, 0.01])
@pytest.mark.parametrize("settings", [
    {"eta": 1e-2, "rho": 0.99, "eps": 1e-8},
    {"eta": 0.2, "rho": 0.6, "eps": 1e-2},
])
def test_rmsprop_is_its_update_equations_over_five_steps(settings, decay):
    mlp = tiny_net()
    optimizer = RMSprop(mlp.parameters(), settings["eta"], rho=settings["rho"], eps=settings["eps"],
                        weight_decay=decay)
    for w, b in hand_rmsprop([0.5, -0.25], 0.1, 5, **settings, decay=decay):
        engine_step(mlp, optimizer)
        np.testing.assert_allclose(mlp.layers[0].W.data, [w], rtol=1e-13)
        np.testing.assert_allclose(mlp.layers[0].b.data, [b], rtol=1e-13)


def test_adams_first_step_is_eta_times_the_sign_of_the_gradient():
    """With bias correction, m_hat / sqrt(v_hat) = g / |g| at t = 1: every weight moves by eta."""
    p = Value(np.array([1.0, -2.0, 3.0]))
    p.grad = np.array([1e-3, -5.0, 300.0])
    Adam([p], eta=0.1, eps=1e-12).step()
    np.testing.assert_allclose(p.data, [0.9, -1.9, 2.9], rtol=1e-9)


@pytest.mark.parametrize("cls", [Adam, RMSprop])
def test_scalar_parameters_work_with_adam_and_rmsprop(cls):
    p = Value(2.0)
    (p * p).backward()
    cls([p], eta=0.5).step()
    assert isinstance(p.data, float) and p.data < 2.0


@pytest.mark.parametrize("cls", [Adam, RMSprop, SGD])
def test_a_restored_state_continues_exactly_like_an_uninterrupted_run(cls):
    options = {"momentum": 0.9} if cls is SGD else {}
    whole, split = tiny_net(), tiny_net()
    uninterrupted = make(cls, whole.parameters(), **options)
    for _ in range(4):
        engine_step(whole, uninterrupted)
    first = make(cls, split.parameters(), **options)
    for _ in range(2):
        engine_step(split, first)
    second = make(cls, split.parameters(), **options)  # a new process: fresh optimiser, state from the file
    second.load_state_dict(first.state_dict())
    for _ in range(2):
        engine_step(split, second)
    for p, q in zip(whole.parameters(), split.parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data)


def test_adam_state_is_checked_when_loaded():
    mlp = tiny_net()
    optimizer = Adam(mlp.parameters())
    engine_step(mlp, optimizer)
    state = optimizer.state_dict()
    assert sorted(state) == ["m.0", "m.1", "t.0", "t.1", "v.0", "v.1"]
    fresh = Adam(mlp.parameters())
    with pytest.raises(ValueError, match="v.1 missing beside m.1, t.1"):
        fresh.load_state_dict({k: v for k, v in state.items() if k != "v.1"})
    with pytest.raises(ValueError, match="t.0 must be a count"):
        fresh.load_state_dict({**state, "t.0": np.array(-1)})
    with pytest.raises(ValueError, match="m.0 must hold finite real numbers"):
        fresh.load_state_dict({**state, "m.0": np.full((1, 2), np.inf)})
    with pytest.raises(ValueError, match=r"unexpected entry 'velocity.0'; expected m.i, v.i, t.i"):
        fresh.load_state_dict({"velocity.0": np.zeros((1, 2))})
    assert fresh.state["t"] == [None, None]  # a refused state changes nothing


# --- the functional optimisers: sgd, rmsprop and adam over a tree -----------------------------------


def tree_start(values: list[float]) -> dict:
    """A tree with an array, a list holding a matrix, and a float, filled from `values` (7 numbers)."""
    return {"W": np.array(values[:2]), "rest": [np.array(values[2:6]).reshape(2, 2), values[6]]}


def leaves(tree: dict) -> np.ndarray:
    return np.concatenate([tree["W"], tree["rest"][0].ravel(), [tree["rest"][1]]])


def quartic_gradient(tree: dict, i: int) -> dict:
    """The gradient of sum(w^4) / 4 + i w_0 / 10 (it depends on the iteration), as a tree."""
    cube = {"W": tree["W"] ** 3, "rest": [tree["rest"][0] ** 3, tree["rest"][1] ** 3]}
    cube["W"] = cube["W"] + np.array([i / 10, 0.0])
    return cube


def by_hand(name: str, w: np.ndarray, settings: dict, num_iters: int) -> np.ndarray:
    """The optimiser's update equations written out on the flat vector."""
    w, a, b = w.copy(), np.zeros_like(w), np.zeros_like(w)
    if name == "rmsprop":
        a = np.ones_like(w)
    for i in range(num_iters):
        g = w**3 + np.eye(len(w))[0] * i / 10
        if name == "sgd":
            a = settings["mass"] * a - (1 - settings["mass"]) * g
            w = w + settings["step_size"] * a
        elif name == "rmsprop":
            a = settings["gamma"] * a + (1 - settings["gamma"]) * g**2
            w = w - settings["step_size"] * g / (np.sqrt(a) + 1e-8)
        else:
            a = settings["b1"] * a + (1 - settings["b1"]) * g
            b = settings["b2"] * b + (1 - settings["b2"]) * g**2
            m_hat, v_hat = a / (1 - settings["b1"] ** (i + 1)), b / (1 - settings["b2"] ** (i + 1))
            w = w - settings["step_size"] * m_hat / (np.sqrt(v_hat) + 1e-8)
    return w


@given(values=st.lists(st.floats(-1.5, 1.5), min_size=7, max_size=7), num_iters=st.integers(0, 30),
       step_size=st.floats(0.001, 0.2), decay=st.floats(0.0, 0.99))
def test_sgd_rmsprop_and_adam_over_a_tree_follow_their_update_equations(values, num_iters, step_size, decay):
    from nn.optim import adam, rmsprop, sgd

    start = tree_start(values)
    runs = [(sgd, {"step_size": step_size, "mass": decay}),
            (rmsprop, {"step_size": step_size, "gamma": decay}),
            (adam, {"step_size": step_size, "b1": decay, "b2": 0.999})]
    for optimiser, settings in runs:
        got = optimiser(quartic_gradient, start, num_iters=num_iters, **settings)
        assert set(got) == {"W", "rest"} and got["rest"][0].shape == (2, 2)
        assert isinstance(got["rest"][1], float)
        want = by_hand(optimiser.__name__, leaves(start), settings, num_iters)
        np.testing.assert_allclose(leaves(got), want, rtol=1e-12, atol=1e-12, err_msg=optimiser.__name__)
    assert leaves(start).tolist() == values  # the start is not changed


def test_the_callback_sees_each_point_and_its_gradient_before_the_update_and_may_keep_them():
    from nn.optim import adam

    seen = []
    final = adam(quartic_gradient, tree_start([1.0] * 7), num_iters=3, step_size=0.1,
                 callback=lambda w, i, g: seen.append((w, i, g)))
    assert [i for _, i, _ in seen] == [0, 1, 2]
    for w, i, g in seen:
        np.testing.assert_array_equal(leaves(g), leaves(quartic_gradient(w, i)))
    assert leaves(seen[0][0]).tolist() == [1.0] * 7  # kept points are copies, not the moving vector
    assert not np.array_equal(leaves(seen[2][0]), leaves(final))


def test_the_functional_optimisers_refuse_a_gradient_of_another_tree_and_bad_settings():
    from nn.optim import adam, sgd

    start = {"W": np.ones(3)}
    with pytest.raises(ValueError, match=r"adam: gradient\(params, 0\) holds 2 numbers; params holds 3"):
        adam(lambda w, i: {"W": np.ones(2)}, start)
    with pytest.raises(ValueError, match="num_iters must be an integer >= 0"):
        adam(lambda w, i: w, start, num_iters=-1)
    with pytest.raises(ValueError, match=r"sgd: mass must be a finite number >= 0.0 and < 1.0"):
        sgd(lambda w, i: w, start, mass=1.0)
    with pytest.raises(ValueError, match="Adam: eps must be a finite number > 0.0"):
        adam(lambda w, i: w, start, eps=0.0)
