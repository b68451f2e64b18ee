"""Modules: the parameter walk, layers, activations, initialisation, and saving/loading without pickles."""

from __future__ import annotations

import os
import pickle
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core import Value
from nn import MLP, Linear, ModelFileError, Module, ReLU, Sequential, Sigmoid, Softmax, Tanh, init_parameters

# --- the parameter walk ----------------------------------------------------------------------------


def test_mlp_parameters_are_w1_b1_w2_b2_in_order():
    mlp = MLP([4, 3, 2], seed=0)
    l1, l2 = mlp.layers
    assert [id(p) for p in mlp.parameters()] == [id(l1.W), id(l1.b), id(l2.W), id(l2.b)]
    names = [name for name, _ in mlp.named_parameters()]
    assert names == ["layers.0.W", "layers.0.b", "layers.1.W", "layers.1.b"]
    assert [p.label for p in mlp.parameters()] == ["W^1", "b^1", "W^2", "b^2"]
    assert (l1.W.shape, l1.b.shape, l2.W.shape, l2.b.shape) == ((3, 4), (3,), (2, 3), (2,))
    assert mlp.sizes == [4, 3, 2] and mlp.activation == "sigmoid"


class Block(Module):
    def __init__(self) -> None:
        self.scale = Value(2.0)
        self.pair = (Linear(2, 2), Linear(2, 1))
        self.named = {"extra": Value(np.ones(3))}
        self._cache = Value(0.0)  # private: not a parameter
        self.note = "not a parameter"


def test_the_walk_covers_attributes_tuples_dicts_and_submodules_once():
    block = Block()
    shared = block.pair[0]
    outer = Sequential(block, ReLU(), shared)  # `shared` is reached twice
    outer.itself = outer  # a cycle does not hang the walk
    names = [name for name, _ in outer.named_parameters()]
    assert names == ["steps.0.scale", "steps.0.pair.0.W", "steps.0.pair.0.b", "steps.0.pair.1.W",
                     "steps.0.pair.1.b", "steps.0.named.extra"]
    assert len({id(p) for p in outer.parameters()}) == len(names)


def test_zero_grad_clears_every_gradient():
    mlp = MLP([3, 2, 2], seed=0)
    mlp(np.ones((2, 3))).sum().backward()
    assert all(p.grad is not None for p in mlp.parameters())
    mlp.zero_grad()
    assert all(p.grad is None for p in mlp.parameters())


# --- layers and activations --------------------------------------------------------------------------


def test_linear_computes_x_w_transpose_plus_b():
    layer = Linear(3, 2, rng=0)
    X = np.arange(12.0).reshape(4, 3)
    np.testing.assert_allclose(layer(X).data, X @ layer.W.data.T + layer.b.data)
    np.testing.assert_allclose(layer(X[0]).data, layer.W.data @ X[0] + layer.b.data)  # z = W a + b
    with pytest.raises(ValueError, match=r"Linear\(3 -> 2\): input has shape \(4, 2\); expected \(m, 3\)"):
        layer(np.ones((4, 2)))
    with pytest.raises(ValueError, match="n_out must be a positive integer"):
        Linear(3, 0)


def test_the_engine_leaves_w_grad_row_major():
    layer = Linear(5, 4, rng=0)
    layer(np.ones((3, 5))).sum().backward()
    assert layer.W.grad.shape == (4, 5) and layer.W.grad.flags.c_contiguous


@given(st.integers(0, 2**32 - 1), st.sampled_from([Sigmoid(), Tanh(), ReLU(), Softmax()]))
def test_activation_numpy_forms_match_the_engine(seed, sigma):
    rng = np.random.default_rng(seed)
    z, g = rng.standard_normal((3, 4)) * 5, rng.standard_normal((3, 4))
    zv = Value(z)
    a = sigma(zv)
    a.backward(g)
    np.testing.assert_allclose(sigma.numpy(z), a.data, rtol=1e-15)
    np.testing.assert_allclose(sigma.backward(z, a.data, g), zv.grad, rtol=1e-12, atol=1e-15)


def test_activation_derivatives_are_the_books():
    z = np.array([-2.0, 0.5, 3.0])
    s = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(Sigmoid().prime(z, Sigmoid().numpy(z)), s * (1 - s), rtol=1e-14)
    np.testing.assert_allclose(Tanh().prime(z, np.tanh(z)), 1 / np.cosh(z) ** 2, rtol=1e-14)
    np.testing.assert_array_equal(ReLU().prime(z, ReLU().numpy(z)), [0.0, 1.0, 1.0])
    with pytest.raises(NotImplementedError, match="softmax is not elementwise"):
        Softmax().prime(z, z)


def test_sigmoid_numpy_and_backward_are_the_engines_numbers_bit_for_bit():
    """The closed form's sigma(z) and g (.) sigma'(z) are the engine's forward and gradient, bit for bit."""
    z = np.array([[-800.0, -40.0, 0.0, 3.5, 800.0]])  # saturated both ways: no overflow warning either
    g = np.array([[0.5, -2.0, 1.0, 3.0, -1.0]])
    sigma = Sigmoid()
    a = sigma.numpy(z)
    zv = Value(z)
    av = sigma(zv)
    np.testing.assert_array_equal(a, av.data)
    av.backward(g)
    np.testing.assert_array_equal(sigma.backward(z, a, g), zv.grad)


def test_mlp_forward_is_the_books_feedforward():
    mlp = MLP([3, 4, 2], "tanh", output_activation="softmax", seed=3)
    X = np.random.default_rng(0).standard_normal((5, 3))
    a = X
    for layer, sigma in zip(mlp.layers, [np.tanh, lambda z: np.exp(z) / np.exp(z).sum(1, keepdims=True)],
                            strict=True):
        a = sigma(a @ layer.W.data.T + layer.b.data)
    np.testing.assert_allclose(mlp(X).data, a, rtol=1e-13)
    zs, activations = mlp.forward_layers(X)
    assert len(zs) == 2 and len(activations) == 3 and activations[0] is X
    np.testing.assert_array_equal(activations[-1].data, mlp(X).data)
    assert repr(mlp) == "MLP([3, 4, 2], activation='tanh', output_activation='softmax')"


def test_sequential_applies_its_steps_in_order():
    seq = Sequential(Linear(2, 3, rng=0), Tanh(), Linear(3, 1, rng=1), Sigmoid())
    X = np.ones((2, 2))
    want = ag.sigmoid(np.tanh(X @ seq[0].W.data.T + seq[0].b.data) @ seq[2].W.data.T + seq[2].b.data)
    np.testing.assert_allclose(seq(X).data, want)
    assert len(seq) == 4
    with pytest.raises(TypeError, match="step 1 is a int, not a Module"):
        Sequential(Linear(2, 2), 3)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"sizes": [784]}, "at least two positive integers"),
    ({"sizes": [3, 0, 2]}, "at least two positive integers"),
    ({"sizes": [3, 2], "activation": "softmax"}, "unknown activation 'softmax'"),
    ({"sizes": [3, 2], "output_activation": "swish"}, "unknown activation 'swish'"),
    ({"sizes": [3, 2], "init": "xavier"}, "unknown init 'xavier'"),
    ({"sizes": [3, 2], "dtype": np.int64}, "floating dtype"),
])
def test_bad_mlp_settings_are_named(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        MLP(**kwargs)


# --- initialisation --------------------------------------------------------------------------------


def test_default_init_is_normal_with_variance_one_over_n_in():
    W, b = init_parameters(400, 500, "default", rng=0)
    assert W.std() == pytest.approx(1 / np.sqrt(400), rel=0.03)
    assert abs(W.mean()) < 0.003
    assert b.std() == pytest.approx(1.0, rel=0.15)


def test_large_init_is_standard_normal():
    W, _ = init_parameters(400, 500, "large", rng=0)
    assert W.std() == pytest.approx(1.0, rel=0.03)


def test_initialisation_is_seeded():
    a, b, c = MLP([5, 4, 3], seed=7), MLP([5, 4, 3], seed=7), MLP([5, 4, 3], seed=8)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data)
    assert not np.array_equal(a.layers[0].W.data, c.layers[0].W.data)
    assert MLP([5, 4, 3], dtype=np.float32).layers[1].b.dtype == np.float32


# --- state dicts, saving and loading -----------------------------------------------------------------


@given(st.lists(st.integers(1, 6), min_size=2, max_size=4), st.sampled_from([np.float64, np.float32]),
       st.integers(0, 2**32 - 1))
def test_save_and_load_round_trip(sizes, dtype, seed):
    saved, fresh = MLP(sizes, seed=seed, dtype=dtype), MLP(sizes, seed=seed + 1, dtype=dtype)
    with tempfile.TemporaryDirectory() as tmp:
        path = saved.save(Path(tmp) / "model.npz")
        fresh.load(path)
        assert os.listdir(tmp) == ["model.npz"]  # no temporary file left behind
    for p, q in zip(saved.parameters(), fresh.parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data)
        assert q.dtype == dtype


def test_state_dict_is_a_copy_and_loads_back():
    mlp = MLP([2, 2], seed=0)
    state = mlp.state_dict()
    state["layers.0.W"] += 1.0
    assert not np.array_equal(mlp.layers[0].W.data, state["layers.0.W"])
    mlp.load_state_dict(state)
    np.testing.assert_array_equal(mlp.layers[0].W.data, state["layers.0.W"])


def saved_file(tmp_path: Path, **arrays) -> Path:
    path = tmp_path / "tampered.npz"
    np.savez(path, **arrays)
    return path


def test_a_changed_shape_is_named(tmp_path):
    mlp = MLP([3, 2, 2], seed=0)
    state = mlp.state_dict()
    state["layers.1.W"] = np.zeros((2, 3))
    state["layers.1.b"] = np.zeros(5)
    with pytest.raises(ModelFileError, match=r"array 'layers.1.W' has shape \(2, 3\) but the model's "
                                             r"parameter has shape \(2, 2\)"):
        mlp.load(saved_file(tmp_path, **state))


def test_missing_and_unexpected_arrays_are_named(tmp_path):
    mlp = MLP([3, 2], seed=0)
    state = mlp.state_dict()
    b = state.pop("layers.0.b")
    with pytest.raises(ModelFileError, match=r"missing array 'layers.0.b' \(expected shape \(2,\)\)"):
        mlp.load(saved_file(tmp_path, **state))
    with pytest.raises(ModelFileError, match="unexpected array 'bias'"):
        mlp.load(saved_file(tmp_path, **state, **{"layers.0.b": b, "bias": b}))


def test_non_numbers_and_non_finite_values_are_refused(tmp_path):
    mlp = MLP([3, 2], seed=0)
    state = mlp.state_dict()
    with pytest.raises(ModelFileError, match="'layers.0.b' contains NaN"):
        mlp.load(saved_file(tmp_path, **{**state, "layers.0.b": np.array([1.0, np.nan])}))
    with pytest.raises(ModelFileError, match="'layers.0.b' has dtype <U1"):
        mlp.load(saved_file(tmp_path, **{**state, "layers.0.b": np.array(["a", "b"])}))


def test_a_failed_load_leaves_the_model_unchanged(tmp_path):
    mlp = MLP([3, 2], seed=0)
    before = mlp.state_dict()
    state = MLP([3, 2], seed=1).state_dict()
    state["layers.0.b"] = np.zeros(7)
    with pytest.raises(ModelFileError):
        mlp.load(saved_file(tmp_path, **state))
    np.testing.assert_array_equal(mlp.layers[0].W.data, before["layers.0.W"])


class Tripwire:
    """Unpickling this calls os.mkdir(marker): it shows whether anything was unpickled."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def test_nothing_is_ever_unpickled(tmp_path):
    mlp = MLP([3, 2], seed=0)
    marker = tmp_path / "unpickled"
    pickled = tmp_path / "model.npz"
    pickled.write_bytes(pickle.dumps(Tripwire(str(marker))))
    with pytest.raises(ModelFileError, match="model.npz is not an .npz archive") as caught:
        mlp.load(pickled)
    assert "pickle" not in str(caught.value).replace(str(tmp_path), "")
    objects = np.empty(2, dtype=object)
    objects[:] = [Tripwire(str(marker)), 1.0]
    with pytest.raises(ModelFileError, match="'layers.0.b' holds Python objects, not numbers") as caught:
        mlp.load(saved_file(tmp_path, **{**mlp.state_dict(), "layers.0.b": objects}))
    assert "pickle" not in str(caught.value).replace(str(tmp_path), "")
    assert not marker.exists()


@pytest.mark.parametrize(("content", "what"), [
    (b"layers.0.W,layers.0.b\n0.5,0.25\n", "this is a text file, starting with b'layers.0.W,layers.0.b"),
    (b"", "the file is empty"),
    ("caf\u00e9 " * 20, "this is a text file"),  # a character cut by the first bytes read is still text
    (bytes(range(256)), "this is another kind of file"),
])
def test_a_file_that_is_not_an_archive_says_what_it_is(tmp_path, content, what):
    path = tmp_path / "model.npz"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    with pytest.raises(ModelFileError) as caught:
        MLP([3, 2]).load(path)
    message = str(caught.value)
    assert f"{path} is not an .npz archive" in message and what in message
    assert "pickle" not in message.replace(str(tmp_path), "")  # never a hint to unpickle


def test_corrupt_files_get_a_clear_error(tmp_path):
    mlp = MLP([30, 20], seed=0)
    good = mlp.save(tmp_path / "good.npz")
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ModelFileError, match="truncated.npz"):
        mlp.load(truncated)
    noise = tmp_path / "noise.npz"
    noise.write_bytes(np.random.default_rng(0).bytes(1000))
    with pytest.raises(ModelFileError, match="noise.npz is not an .npz archive: .* another kind of file"):
        mlp.load(noise)
    single = tmp_path / "single.npy"
    np.save(single, np.zeros(3))
    with pytest.raises(ModelFileError, match="it holds a single .npy array, not an archive of named arrays"):
        mlp.load(single)
    with pytest.raises(ModelFileError, match="a directory, not an .npz model file"):
        mlp.load(tmp_path)
    with pytest.raises(ModelFileError, match="absent.npz: no such file"):
        mlp.load(tmp_path / "absent.npz")
    damaged = tmp_path / "damaged.npz"
    data = bytearray(good.read_bytes())
    data[200:260] = b"\xff" * 60  # inside the first array's bytes: the zip CRC check fails
    damaged.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="damaged.npz"):
        mlp.load(damaged)
    assert zipfile.is_zipfile(good)


# --- names, casts and file modes ---------------------------------------------------------------------


class Colliding(Module):
    """A dict key "b.c" beside a sub-dict {"b": {"c": ...}}: both would be saved as "named.b.c"."""

    def __init__(self) -> None:
        self.named = {"b.c": Value(np.zeros(2)), "b": {"c": Value(np.ones(3))}}


def test_two_parameters_with_one_name_are_refused():
    model = Colliding()
    assert len(model.parameters()) == 2  # training them is fine
    with pytest.raises(ValueError, match=r"two different parameters are both named 'named.b.c' "
                                         r"\(shapes \(2,\) and \(3,\)\)"):
        model.state_dict()
    with pytest.raises(ValueError, match="both named 'named.b.c'"):
        model.save(Path(tempfile.gettempdir()) / "never-written.npz")


def test_a_shared_parameter_keeps_one_name():
    shared = Value(np.ones(2))
    model = Module()
    model.pair = [shared, shared]
    assert [name for name, _ in model.named_parameters()] == ["pair.0"]


def test_values_too_large_for_the_models_dtype_are_refused_after_the_cast(tmp_path):
    mlp = MLP([3, 2], seed=0, dtype=np.float32)
    before = mlp.state_dict()
    state = {k: v.astype(np.float64) for k, v in before.items()}
    state["layers.0.W"][1, 2] = 1e300  # finite in float64, inf in float32
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no NumPy overflow warning either
        with pytest.raises(ModelFileError, match=r"array 'layers.0.W' contains NaN or infinite values once "
                                                 r"cast to the model's float32"):
            mlp.load(saved_file(tmp_path, **state))
    np.testing.assert_array_equal(mlp.layers[0].W.data, before["layers.0.W"])


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_saved_models_get_the_mode_the_umask_gives(tmp_path, umask):
    old = os.umask(umask)
    try:
        path = MLP([3, 2]).save(tmp_path / "model.npz")
        plain = tmp_path / "plain.txt"
        plain.write_text("like any other file")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask == plain.stat().st_mode & 0o777
