"""The explorer pages in headless Chromium: stepped with keys, buttons and window.backprop, every
step's numbers checked against the engine's own, offline, without console errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import viz
from autograd_core import Value
from nn import MLP, QuadraticCost

from .browser import browser_fixture, console_errors, open_page, requested_urls, resource_entries

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO / "docs" / "explorer.png"


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from browser_fixture(tmp_path_factory)


def seed() -> tuple[Value, dict[str, Value]]:
    a, b = Value(2.0, label="a"), Value(1.0, label="b")
    c = a + b
    d = b + 1
    e = c * d
    c.label, d.label, e.label = "c", "d", "e"
    return e, {"a": a, "b": b, "c": c, "d": d, "e": e}


def state(driver: Any) -> dict:
    return driver.execute_script("return window.backprop.state()")


def press(driver: Any, key: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    ActionChains(driver).send_keys(getattr(Keys, key)).perform()


def shown_grad(driver: Any, name: str) -> str:
    """The gradient text of the table row of node `name`."""
    for row in driver.find_elements("css selector", "#values-table tbody tr"):
        cells = [cell.text for cell in row.find_elements("css selector", "td")]
        if cells[0].split(" ")[0] == name:
            return cells[2]
    raise AssertionError(f"no row for {name}")


def test_the_seed_page_steps_through_the_engine_numbers_with_keys(browser, tmp_path):
    e, nodes = seed()
    page = viz.explore(e, tmp_path / "seed.html")
    e.backward(retain_grads=True)  # the engine's numbers, after the page was written
    engine_values = {name: v.data for name, v in nodes.items()}
    engine_grads = {name: v.grad for name, v in nodes.items()}
    open_page(browser, page)
    length = browser.execute_script("return window.backprop.length")
    assert length == 3 + 1 + 5 + 1  # three operations, the seed, five edges, the end

    seen_b, forward_order = [], []
    for k in range(length + 1):
        got = state(browser)
        assert got["step"] == k
        for name, value in got["values"].items():
            assert value == engine_values[name]
        for name, grad in got["grads"].items():
            if name == "b" and grad != engine_grads["b"]:
                assert grad in (engine_grads["c"] * 1.0, engine_grads["d"] * 1.0)  # one path's share
            else:
                assert grad == engine_grads[name]
        if k == 0:
            assert got["phase"] == "start" and set(got["values"]) == {"a", "b"} and got["grads"] == {}
        elif got["phase"] == "forward":
            assert got["grads"] == {}
            forward_order.append(next(n for n in got["values"] if n not in forward_order + ["a", "b"]))
        if "b" in got["grads"] and (not seen_b or seen_b[-1] != got["grads"]["b"]):
            seen_b.append(got["grads"]["b"])
            assert shown_grad(browser, "b") == f"{got['grads']['b']:g}"
        if k < length:
            press(browser, "ARROW_RIGHT")
    assert forward_order in (["c", "d", "e"], ["d", "c", "e"])
    assert len(seen_b) == 2 and seen_b[0] in (2.0, 3.0) and seen_b[1] == 5.0  # one path's share, then the sum
    assert state(browser) == {"step": length, "phase": "end", "values": engine_values, "grads": engine_grads}
    press(browser, "ARROW_LEFT")
    assert state(browser)["step"] == length - 1
    press(browser, "HOME")
    assert state(browser)["step"] == 0
    press(browser, "END")
    assert state(browser)["step"] == length
    assert console_errors(browser) == []
    assert requested_urls(browser, page) == [page.resolve().as_uri()]  # the page itself, nothing else
    assert resource_entries(browser) == []


def test_the_step_that_adds_the_second_path_shows_the_rule_product_and_sum_and_is_the_screenshot(
        browser, tmp_path):
    e, _ = seed()
    page = viz.explore(e, tmp_path / "seed.html")
    open_page(browser, page)
    length = browser.execute_script("return window.backprop.length")
    sums = [k for k in range(1, length + 1)
            if browser.execute_script(f"return window.backprop.go({k}).grads.b") == 5.0]
    browser.execute_script(f"window.backprop.go({sums[0]})")
    detail = browser.find_element("id", "step-detail").text
    assert "running sum at b:" in detail and "= 5" in detail and "+" in detail
    assert "rule: ∂" in detail and "product: ∂e/∂" in detail
    texts = [t.text for t in browser.find_elements("css selector", "#figure g.node text")]
    assert "grad 5" in texts and "value 6" in texts
    assert browser.find_element("id", "step-text").text.startswith("Backward pass: follow the edge")
    browser.find_element("id", "prev").click()
    assert state(browser)["grads"]["b"] in (2.0, 3.0)
    browser.find_element("id", "next").click()
    assert state(browser)["grads"]["b"] == 5.0
    browser.save_screenshot(str(SCREENSHOT))
    check_not_blank(SCREENSHOT)
    assert console_errors(browser) == []


def check_not_blank(path: Path) -> None:
    from matplotlib.image import imread

    pixels = imread(path)[..., :3]
    assert pixels.shape[0] > 500 and pixels.shape[1] > 1000
    colours = np.unique((pixels * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colours) > 50, "the screenshot is (nearly) one colour"
    assert (pixels.mean(axis=2) < 0.5).mean() > 0.005, "the screenshot has almost no dark text or lines"


def test_the_slider_and_play_move_the_page(browser, tmp_path):
    e, _ = seed()
    open_page(browser, viz.explore(e, tmp_path / "seed.html"))
    browser.execute_script(
        "const s = document.getElementById('slider'); s.value = '4'; s.dispatchEvent(new Event('input'));"
    )
    assert state(browser)["step"] == 4 and state(browser)["grads"] == {"e": 1.0}
    browser.find_element("id", "play").click()
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 5).until(lambda d: state(d)["step"] == 5)
    browser.find_element("id", "play").click()  # pause
    with pytest.raises(Exception, match="must be an integer from 0 to 10"):
        browser.execute_script("window.backprop.go(11)")


# --- a sigmoid network ----------------------------------------------------------------------------


def network() -> tuple[MLP, np.ndarray, np.ndarray]:
    """A [3, 4, 2] sigmoid network with one saturated hidden neuron and one silent input."""
    mlp = MLP([3, 4, 2], seed=3)
    mlp.layers[0].b.data[1] = 9.0
    rng = np.random.default_rng(3)
    X = rng.random((4, 3))
    X[:, 2] = 0.0
    return mlp, X, np.eye(2)[rng.integers(0, 2, size=4)]


def engine_numbers(mlp: MLP, X: np.ndarray, Y: np.ndarray, x: int) -> dict[str, dict[str, float]]:
    """What the page should show for example x, from the engine: forward values, then
    backward(retain_grads=True); delta^l = m dC/dz^l (the batch cost averages over m examples)."""
    mlp.zero_grad()
    zs, activations = mlp.forward_layers(Value(X, requires_grad=False))
    cost = QuadraticCost()
    C = cost(activations[-1], Y)
    C.backward(retain_grads=True)
    m = len(X)
    values = {f"a^0_{k}": X[x, k] for k in range(X.shape[1])}
    grads = {}
    for l, (z, a, layer) in enumerate(zip(zs, activations[1:], mlp.layers, strict=True), start=1):
        for j in range(z.shape[1]):
            values[f"z^{l}_{j}"], values[f"a^{l}_{j}"] = z.data[x, j], a.data[x, j]
            grads[f"delta^{l}_{j}"] = z.grad[x, j] * m
            grads[f"dC/db^{l}_{j}"] = layer.b.grad[j]
            for k in range(layer.W.shape[1]):
                grads[f"dC/dw^{l}_{j},{k}"] = layer.W.grad[j, k]
    values["C"] = float(C.data)
    values["C_x"] = float(cost(mlp(X[x: x + 1]), Y[x: x + 1]).data)
    return {"values": values, "grads": grads}


def test_the_network_page_reveals_bp1_to_bp4_in_order_with_the_engine_numbers(browser, tmp_path):
    mlp, X, Y = network()
    page = viz.explore(mlp, tmp_path / "network.html", X=X, Y=Y, cost="quadratic")
    open_page(browser, page)
    length = browser.execute_script("return window.backprop.length")
    for x in (0, 2):
        browser.execute_script(f"window.backprop.example({x})")
        expected = engine_numbers(mlp, X, Y, x)
        revealed: list[str] = []
        for k in range(length + 1):
            got = browser.execute_script(f"return window.backprop.go({k})")
            assert got["example"] == x
            for kind in ("values", "grads"):
                for label, number in got[kind].items():
                    assert number == pytest.approx(expected[kind][label], rel=1e-9, abs=1e-12), (k, label)
            new = sorted({label.split("_")[0] for kind in ("values", "grads") for label in got[kind]}
                         - set(revealed))
            revealed += new
        assert got["phase"] == "end" and set(got["values"]) == set(expected["values"])
        assert set(got["grads"]) == set(expected["grads"])
        assert revealed == ["a^0", "z^1", "a^1", "z^2", "a^2", "C", "delta^2", "delta^1",  # forward, BP1, BP2
                            "dC/db^2", "dC/dw^2", "dC/db^1", "dC/dw^1"]  # then BP3 and BP4, layer by layer
    assert console_errors(browser) == []
    assert requested_urls(browser, page) == [page.resolve().as_uri()]
    assert resource_entries(browser) == []


def test_hovering_a_neuron_shows_its_numbers_and_the_demon_measures_delta_times_dz(browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains

    mlp, X, Y = network()
    page = viz.explore(mlp, tmp_path / "network.html", X=X, Y=Y, cost=QuadraticCost())
    open_page(browser, page)
    expected = engine_numbers(mlp, X, Y, 0)
    browser.execute_script("window.backprop.go(window.backprop.length)")
    neuron = next(g for g in browser.find_elements("css selector", "#figure g.node")
                  if g.find_element("css selector", "title").get_attribute("textContent") == "l1_n1")
    ActionChains(browser).move_to_element(neuron).perform()
    info = browser.find_element("id", "neuron-info")
    shown = {row.find_elements("css selector", "td")[0].text: row.find_elements("css selector", "td")[1].text
             for row in info.find_elements("css selector", "tr")}
    z = expected["values"]["z^1_1"]
    a = expected["values"]["a^1_1"]
    assert float(shown["z (weighted input)"]) == pytest.approx(z, rel=1e-3)
    assert float(shown["a (activation)"]) == pytest.approx(a, rel=1e-3)
    assert float(shown["σ'(z)"]) == pytest.approx(a * (1 - a), rel=1e-3)
    assert float(shown["δ = ∂C_x/∂z"]) == pytest.approx(expected["grads"]["delta^1_1"], rel=1e-3)
    assert "saturated: σ'(z) < 0.0125" in info.text  # z^1_1 = 9 + ...: sigma'(z) is tiny
    assert neuron.find_element("css selector", "ellipse").get_attribute("stroke") == "#b91c1c"
    silent = next(g for g in browser.find_elements("css selector", "#figure g.node")
                  if g.find_element("css selector", "title").get_attribute("textContent") == "l0_n2")
    assert silent.find_element("css selector", "ellipse").get_attribute("stroke-dasharray") == "4,2"

    neuron.click()
    rows = [[float(cell.text) for cell in row.find_elements("css selector", "td")]
            for row in browser.find_elements("css selector", "#demon tbody tr")]
    assert [row[0] for row in rows] == [-0.5, -0.1, -0.01, 0.01, 0.1, 0.5]
    delta = expected["grads"]["delta^2_0"]
    W2, b2 = mlp.layers[1].W.data, mlp.layers[1].b.data
    for dz, measured, predicted in rows:  # the test's own forward pass from the nudged z^2_0
        z2 = np.array([expected["values"][f"z^1_{j}"] for j in range(4)])
        z2[1] += dz
        a_out = 1 / (1 + np.exp(-(W2 @ (1 / (1 + np.exp(-z2))) + b2)))
        assert measured == pytest.approx(0.5 * np.sum((a_out - Y[0]) ** 2) - expected["values"]["C_x"],
                                         rel=1e-3, abs=1e-12)
        assert predicted == pytest.approx(expected["grads"]["delta^1_1"] * dz, rel=1e-3, abs=1e-12)
    assert delta != 0.0

    output = next(g for g in browser.find_elements("css selector", "#figure g.node")
                  if g.find_element("css selector", "title").get_attribute("textContent") == "l2_n0")
    output.click()
    rows = [[float(cell.text) for cell in row.find_elements("css selector", "td")]
            for row in browser.find_elements("css selector", "#demon tbody tr")]
    small = rows[3]  # dz = 0.01: first order holds
    assert small[1] == pytest.approx(small[2], rel=0.05)
    assert console_errors(browser) == []


def test_edges_show_w_until_bp4_reaches_their_layer_then_dc_dw(browser, tmp_path):
    mlp, X, Y = network()
    page = viz.explore(mlp, tmp_path / "network.html", X=X, Y=Y, cost="quadratic")
    open_page(browser, page)
    length = browser.execute_script("return window.backprop.length")
    phases = [browser.execute_script(f"return window.backprop.go({k}).phase") for k in range(length + 1)]
    assert phases == ["start"] + ["forward"] * 5 + ["BP1", "BP2", "BP3", "BP4", "BP3", "BP4", "end"]

    def width(edge: str, k: int) -> float:
        browser.execute_script(f"window.backprop.go({k})")
        for g in browser.find_elements("css selector", "#figure g.edge"):
            if g.find_element("css selector", "title").get_attribute("textContent") == edge:
                return float(g.find_element("css selector", "path").get_attribute("stroke-width"))
        raise AssertionError(edge)

    scale_w = max(np.abs(layer.W.data).max() for layer in mlp.layers)
    mlp.zero_grad()
    QuadraticCost()(mlp(X), Y).backward()
    scale_g = max(np.abs(layer.W.grad).max() for layer in mlp.layers)
    edge, w, g = "l0_n0->l1_n2", mlp.layers[0].W.data[2, 0], mlp.layers[0].W.grad[2, 0]
    layer_1_bp4 = len(phases) - 1 - phases[::-1].index("BP4")  # the last BP4 step is layer 1's
    before, after = layer_1_bp4 - 1, layer_1_bp4
    assert width(edge, before) == pytest.approx(0.25 + 3.75 * abs(w) / scale_w, abs=0.006)
    assert width(edge, after) == pytest.approx(0.25 + 3.75 * abs(g) / scale_g, abs=0.006)
    assert width("l0_n2->l1_n0", after) == 0.25  # out of the silent input: no gradient
