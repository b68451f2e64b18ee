"""draw_network: neurons and weights of an MLP (a duck-typed stand-in and the real nn.MLP)."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import viz
from autograd_core import Value

from .dotparse import parse_dot, parse_svg


def stand_in_mlp(sizes: list[int], seed: int = 0, activation: str = "sigmoid") -> SimpleNamespace:
    """The duck-typed interface draw_network needs: layers with W (n_l, n_{l-1}) and b, sizes."""
    rng = np.random.default_rng(seed)
    layers = [
        SimpleNamespace(W=Value(rng.normal(size=(n_out, n_in))), b=Value(rng.normal(size=n_out)))
        for n_in, n_out in zip(sizes, sizes[1:], strict=False)
    ]
    return SimpleNamespace(layers=layers, sizes=list(sizes), activation=activation)


def forward(mlp: SimpleNamespace, X: np.ndarray) -> tuple[Value, list[np.ndarray]]:
    """a^L as a Value and the activations a^0..a^L as arrays (sigmoid layers)."""
    a = Value(X, requires_grad=False)
    activations = [X]
    for layer in mlp.layers:
        a = (a @ layer.W.T + layer.b).sigmoid()
        activations.append(a.data)
    return a, activations


def weight_edges(dot) -> dict[tuple[str, str], dict[str, str]]:
    """The visible edges (weights), keyed by (tail, head)."""
    return {(t, h): a for t, h, a in dot.edges if a.get("style") != "invis"}


def neuron(l: int, j: int) -> str:
    return f"l{l}_n{j}"


sizes_strategy = st.lists(st.integers(1, 9), min_size=2, max_size=4)


def informative(mlp: SimpleNamespace, l: int, limit: int) -> list[int]:
    """The `limit` neurons of layer l with the largest sum of |w| through them (ties: lower index)."""
    Ws = [np.abs(layer.W.data) for layer in mlp.layers]
    n = Ws[0].shape[1] if l == 0 else Ws[l - 1].shape[0]
    score = np.zeros(n)
    if l >= 1:
        score += Ws[l - 1].sum(axis=1)
    if l < len(Ws):
        score += Ws[l].sum(axis=0)
    ranked = sorted(range(n), key=lambda j: (-score[j], j))
    return sorted(ranked[:limit])


@given(sizes_strategy, st.integers(2, 6), st.integers(0, 2**16))
def test_layers_of_neurons_with_one_edge_per_drawn_weight(sizes, limit, seed):
    mlp = stand_in_mlp(sizes, seed)
    dot = parse_dot(viz.draw_network(mlp, max_neurons_per_layer=limit).source)
    shown = []
    for l, n in enumerate(sizes):
        drawn = sorted(int(name.split("_n")[1]) for name in dot.nodes if name.startswith(f"l{l}_n"))
        assert len(drawn) == min(n, limit)
        if n > limit:
            assert drawn == informative(mlp, l, limit)  # the neurons with the largest |w| through them
            assert dot.nodes[f"l{l}_more"]["label"] == f"... {n - limit:,} more"
        else:
            assert drawn == list(range(n)) and f"l{l}_more" not in dot.nodes
        title = dot.nodes[f"l{l}_title"]["label"]
        assert title.startswith(f"layer {l} (") and f"): {n} neuron" in title
        shown.append(drawn)
    assert viz.drawn_neurons(mlp, max_neurons_per_layer=limit) == shown
    expected = {
        (neuron(l - 1, k), neuron(l, j)) for l in range(1, len(sizes)) for j in shown[l] for k in shown[l - 1]
    }
    assert set(weight_edges(dot)) == expected
    assert len(weight_edges(dot)) == len(expected)


def edge_style(attributes: dict[str, str]) -> tuple[str, float, int]:
    """(colour without alpha, pen width, alpha 0..255) of an edge."""
    colour = attributes["color"]
    return colour[:7], float(attributes["penwidth"]), int(colour[7:], 16)


def check_edges_follow(dot, numbers: list[np.ndarray]) -> None:
    """Colour by sign, width and opacity growing with |x|, on one scale for the whole network."""
    largest = max(np.abs(x).max() for x in numbers)
    for (tail, head), attributes in weight_edges(dot).items():
        l, j, k = int(head[1 : head.index("_")]), int(head.split("_n")[1]), int(tail.split("_n")[1])
        x = numbers[l - 1][j, k]
        colour, width, alpha = edge_style(attributes)
        assert colour == (viz.network.POSITIVE if x >= 0 else viz.network.NEGATIVE)
        strength = abs(x) / largest if largest > 0 else 0.0
        assert width == pytest.approx(0.25 + 3.75 * strength, abs=0.006)
        assert alpha == round(255 * (0.12 + 0.88 * strength))


@given(sizes_strategy, st.integers(0, 2**16))
def test_edges_are_coloured_by_sign_and_sized_by_magnitude_of_the_weight(sizes, seed):
    mlp = stand_in_mlp(sizes, seed)
    dot = parse_dot(viz.draw_network(mlp).source)
    check_edges_follow(dot, [layer.W.data for layer in mlp.layers])


@given(sizes_strategy, st.integers(0, 2**16))
def test_weights_grad_draws_the_gradients_of_the_last_backward_pass(sizes, seed):
    mlp = stand_in_mlp(sizes, seed)
    X = np.random.default_rng(seed).random((5, sizes[0]))
    output, _ = forward(mlp, X)
    (output * output).sum().backward()
    dot = parse_dot(viz.draw_network(mlp, weights="grad").source)
    check_edges_follow(dot, [layer.W.grad for layer in mlp.layers])


def test_grad_mode_is_not_the_value_mode():
    mlp = stand_in_mlp([2, 2])
    W = mlp.layers[0].W
    W.data = np.array([[1.0, -0.1], [0.5, 0.2]])
    W.grad = np.array([[0.0, 3.0], [-1.0, 0.1]])  # largest gradient on the smallest weight
    by_value = weight_edges(parse_dot(viz.draw_network(mlp).source))
    by_grad = weight_edges(parse_dot(viz.draw_network(mlp, weights="grad").source))
    assert edge_style(by_value[("l0_n0", "l1_n0")])[:2] == (viz.network.POSITIVE, 4.0)
    assert edge_style(by_grad[("l0_n0", "l1_n0")])[:2] == (viz.network.POSITIVE, 0.25)
    assert "full width 4 pt = |dC/dw| 3" in viz.draw_network(mlp, weights="grad").source
    assert edge_style(by_grad[("l0_n1", "l1_n0")])[:2] == (viz.network.POSITIVE, 4.0)
    assert edge_style(by_grad[("l0_n0", "l1_n1")])[:2] == (viz.network.NEGATIVE, 1.5)
    assert "dC/dw = 3" in by_grad[("l0_n1", "l1_n0")]["tooltip"]


def test_weights_grad_without_a_backward_pass_is_a_clear_error():
    mlp = stand_in_mlp([3, 2, 1])
    with pytest.raises(ValueError, match=r"W\^1 has no gradient; run a backward pass first"):
        viz.draw_network(mlp, weights="grad")
    with pytest.raises(ValueError, match="weights must be 'value' or 'grad'; got 'size'"):
        viz.draw_network(mlp, weights="size")


# --- activations --------------------------------------------------------------------------------


def fill_darkness(attributes: dict[str, str]) -> int:
    """How far a neuron's fill is from white (0 = white)."""
    fill = attributes.get("fillcolor", "#ffffff")
    return 3 * 255 - sum(int(fill[i : i + 2], 16) for i in (1, 3, 5))


@given(st.lists(st.floats(0, 1), min_size=2, max_size=6), st.integers(1, 4))
def test_neurons_are_shaded_by_their_mean_activation(means, m):
    n = len(means)
    mlp = stand_in_mlp([n, n])
    batch = np.tile(np.array(means), (m, 1))
    dot = parse_dot(viz.draw_network(mlp, activations=[batch, batch]).source)
    for l in (0, 1):
        nodes = [dot.nodes[neuron(l, j)] for j in range(n)]
        assert [a["label"] for a in nodes] == [f"{x:.2f}" for x in means]
        darkness = [fill_darkness(a) for a in nodes]
        for x, dx in zip(means, darkness, strict=True):
            for y, dy in zip(means, darkness, strict=True):
                if x < y:
                    assert dx <= dy


def test_saturated_neurons_are_ringed_and_the_book_observations_show_in_the_gradients():
    """Nielsen ch. 2: weights out of a low-activation neuron and into a saturated neuron learn slowly."""
    mlp = stand_in_mlp([3, 3, 2], seed=1)
    mlp.layers[0].b.data = np.array([0.0, 12.0, 0.0])  # hidden neuron 1: z large, sigma'(z) ~ 0
    X = np.random.default_rng(2).random((16, 3))
    X[:, 2] = 0.0  # input neuron 2 is always off
    output, activations = forward(mlp, X)
    ((output - 1.0) ** 2).sum().backward()
    digraph = viz.draw_network(mlp, weights="grad", activations=activations)
    dot = parse_dot(digraph.source)
    assert dot.nodes[neuron(1, 1)]["color"] == viz.network.SATURATED_BORDER
    assert "(saturated)" in dot.nodes[neuron(1, 1)]["tooltip"]
    assert "color" not in dot.nodes[neuron(1, 0)]
    assert dot.nodes[neuron(0, 2)]["color"] == viz.network.LOW_ACTIVATION_BORDER  # always off: marked too
    assert "(low activation)" in dot.nodes[neuron(0, 2)]["tooltip"]
    edges = weight_edges(dot)
    for k in range(3):  # into the saturated neuron: thin
        assert edge_style(edges[(neuron(0, k), neuron(1, 1))])[1] < 0.3
    for j in range(3):  # out of the silent input: no gradient at all
        assert edge_style(edges[(neuron(0, 2), neuron(1, j))])[1] == 0.25
        assert "dC/dw = 0" in edges[(neuron(0, 2), neuron(1, j))]["tooltip"]
    assert "red ring: saturated neuron" in digraph.source and "gradient dC/dw" in digraph.source


def test_bad_activations_are_named():
    mlp = stand_in_mlp([3, 2, 1])
    X = np.zeros((4, 3))
    _, activations = forward(mlp, X)
    with pytest.raises(ValueError, match=r"must list a\^0..a\^L, 3 arrays for sizes \[3, 2, 1\]; got 2"):
        viz.draw_network(mlp, activations=activations[:2])
    with pytest.raises(ValueError, match=r"a\^1 must have shape \(m, 2\)"):
        viz.draw_network(mlp, activations=[activations[0], np.zeros((4, 5)), activations[2]])
    with pytest.raises(ValueError, match=r"a\^2 has 3 examples but a\^0 has 4"):
        viz.draw_network(mlp, activations=[activations[0], activations[1], np.zeros((3, 1))])
    single = [a[0] for a in activations]  # one example: (n_l,) arrays
    assert parse_dot(viz.draw_network(mlp, activations=single).source).nodes[neuron(0, 0)]["label"] == "0.00"


def test_bad_models_are_named():
    with pytest.raises(TypeError, match="non-empty `layers`"):
        viz.draw_network(object())
    mlp = stand_in_mlp([3, 2, 1])
    mlp.layers[1].W = Value(np.zeros((1, 4)))
    with pytest.raises(ValueError, match=r"layer 2's W has shape \(1, 4\) but layer 1 has 2 neurons"):
        viz.draw_network(mlp)
    mlp = stand_in_mlp([3, 2])
    mlp.layers[0].b = Value(np.zeros(3))
    with pytest.raises(ValueError, match=r"b of shape \(n_l,\); got W \(2, 3\) and b \(3,\)"):
        viz.draw_network(mlp)
    mlp = stand_in_mlp([3, 2])
    mlp.sizes = [3, 4]
    with pytest.raises(ValueError, match=r"mlp.sizes is \[3, 4\] but the weights give \[3, 2\]"):
        viz.draw_network(mlp)
    with pytest.raises(ValueError, match="max_neurons_per_layer must be an integer >= 2"):
        viz.draw_network(stand_in_mlp([3, 2]), max_neurons_per_layer=1)


def test_a_784_input_layer_is_summarised_and_renders(tmp_path):
    mlp = stand_in_mlp([784, 30, 10])
    X = np.random.default_rng(0).random((8, 784))
    output, activations = forward(mlp, X)
    output.sum().backward()
    digraph = viz.draw_network(mlp, weights="grad", activations=activations)
    dot = parse_dot(digraph.source)
    assert dot.nodes["l0_more"]["label"] == "... 774 more"
    means = X.mean(axis=0)
    drawn = [int(name.split("_n")[1]) for name in dot.nodes if name.startswith("l0_n")]
    assert sorted(means[drawn]) == sorted(np.sort(means)[-10:])  # the inputs with the largest mean activation
    assert "drawn: the 10 with the largest mean activation" in dot.nodes["l0_title"]["label"]
    assert dot.nodes["l1_more"]["label"] == "... 20 more"
    assert "l2_more" not in dot.nodes
    assert len(weight_edges(dot)) == 10 * 10 + 10 * 10
    svg = parse_svg(viz.render_svg(digraph, tmp_path / "network.svg"))
    assert "... 774 more" in svg.texts and "layer 0 (input): 784 neurons" in svg.texts
    assert set(svg.edges) >= set(weight_edges(dot))


# --- the real nn.MLP ---------------------------------------------------------------------------


def test_draws_the_real_nn_mlp_with_backprop_activations_and_engine_gradients(tmp_path):
    from nn import MLP, QuadraticCost, backprop

    mlp = MLP([6, 4, 3], activation="sigmoid", seed=0)
    rng = np.random.default_rng(0)
    X, Y = rng.random((10, 6)), np.eye(3)[rng.integers(0, 3, size=10)]
    X[:, 0] = 0.0
    cost = QuadraticCost()
    cost(mlp(X), Y).backward()
    result = backprop(mlp, X, Y, cost, return_intermediates=True)
    digraph = viz.draw_network(mlp, weights="grad", activations=result.activations)
    dot = parse_dot(digraph.source)
    check_edges_follow(dot, [layer.W.grad for layer in mlp.layers])
    check_edges_follow(dot, result.nabla_w)  # the closed-form BP4 gradients draw the same picture
    assert all(float(a["penwidth"]) == 0.25 for (t, _), a in weight_edges(dot).items() if t == "l0_n0")
    means = [a.mean(axis=0) for a in result.activations]
    assert [dot.nodes[neuron(1, j)]["label"] for j in range(4)] == [f"{x:.2f}" for x in means[1]]
    svg = parse_svg(viz.render_svg(digraph, tmp_path / "mlp.svg"))
    assert svg.texts.count("layer 2 (output): 3 neurons") == 1


def test_the_real_nn_mlp_output_activation_decides_the_output_saturation_rings():
    from nn import MLP

    mlp = MLP([2, 3, 2], activation="sigmoid", output_activation="softmax", seed=0)
    _, activations = mlp.forward_layers(np.ones((4, 2)))
    arrays = [np.asarray(getattr(a, "data", a)) for a in activations]
    dot = parse_dot(viz.draw_network(mlp, activations=arrays).source)
    # softmax is not elementwise: no saturation ring on the output layer
    assert all("sigma'(z)" not in dot.nodes[neuron(2, j)]["tooltip"] for j in range(2))
    assert all(re.search(r"saturated on \d+% of them", dot.nodes[neuron(1, j)]["tooltip"]) for j in range(3))


def test_widths_share_one_scale_so_a_layer_with_ten_times_smaller_gradients_is_thinner():
    mlp = stand_in_mlp([2, 2, 2])
    mlp.layers[0].W.grad = np.full((2, 2), 0.01)
    mlp.layers[1].W.grad = np.full((2, 2), 0.1)
    digraph = viz.draw_network(mlp, weights="grad")
    edges = weight_edges(parse_dot(digraph.source))
    assert edge_style(edges[(neuron(1, 0), neuron(2, 0))])[1] == 4.0
    assert edge_style(edges[(neuron(0, 0), neuron(1, 0))])[1] == pytest.approx(0.25 + 3.75 * 0.1, abs=0.006)
    assert "largest |dC/dw| into each layer: layer 1 0.01, layer 2 0.1" in digraph.source


@given(st.floats(0.0, 1.0), st.integers(0, 2**16))
def test_a_neuron_is_ringed_as_saturated_only_when_most_of_the_batch_saturates_it(share, seed):
    """sigma'(z) below 5% of its maximum (|z| > 4.4 for sigmoid) on at least 90% of the examples."""
    m = 20
    saturated = int(round(share * m))
    a_hidden = np.full((m, 1), 0.5)
    a_hidden[:saturated, 0] = 0.999  # sigma'(z) / max = 4 a (1 - a) = 0.004
    mlp = stand_in_mlp([1, 1, 1], seed)
    activations = [np.full((m, 1), 0.5), a_hidden, np.full((m, 1), 0.5)]
    digraph = viz.draw_network(mlp, activations=activations)
    node = parse_dot(digraph.source).nodes[neuron(1, 0)]
    assert (node.get("color") == viz.network.SATURATED_BORDER) == (saturated / m >= 0.9)
    assert f"saturated on {saturated / m:.0%} of them" in node["tooltip"]
    assert "sigmoid: sigma'(z) < 0.0125" in digraph.source and "at least 90% of the batch" in digraph.source
