"""Random expression DAGs: gradients through shared nodes, broadcasting and reductions.

Hypothesis writes a small straight-line program over a few inputs of mutually
broadcastable shapes. Each step applies a unary or binary operation to any earlier node
(an input or a step), so nodes are reused and gradients must add up over every path
(fan-out). The program is checked against finite differences, and the Value API
(`backward`) against the functional API (`grad`).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core import Value, grad
from autograd_core.core import graph_parents
from autograd_core.testing import arrays, assert_grads_correct, broadcastable_shapes


def _has_axes(a: Any) -> bool:
    return len(a.shape) > 0


def _data(a: Any) -> np.ndarray:
    return np.asarray(a.data if isinstance(a, Value) else a)


# Every operation makes a new node (on a 0-d input too), so a step is never an alias of an
# earlier node.
UNARY: dict[str, Callable[[Any], Any]] = {
    "tanh": ag.tanh,
    "sigmoid": ag.sigmoid,
    "neg": lambda a: -a,
    "half": lambda a: 0.5 * a,
    "square": lambda a: a * a,
    "softplus": lambda a: ag.log(1.0 + ag.exp(a)),
    "hypot1": lambda a: ag.sqrt(1.0 + a ** 2),
    "sum_last": lambda a: a.sum(axis=-1, keepdims=True) if _has_axes(a) else a.sum(),
    "mean_all": lambda a: a.mean(),
    "flip_last": lambda a: a[..., ::-1] if _has_axes(a) else a[()],
    "softmax": lambda a: ag.softmax(a) if _has_axes(a) else ag.sigmoid(a),
}
BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (1.0 + b * b),
    "pow": lambda a, b: (1.0 + a * a) ** ag.tanh(b),
    "where": lambda a, b: ag.where(_data(a) > 0, a, b),  # a kink where a = 0: kept away from it
}


@dataclass(frozen=True)
class Step:
    op: str
    operands: tuple[int, ...]


@dataclass(frozen=True)
class Program:
    """Nodes 0..n_inputs-1 are the inputs; step k defines node n_inputs + k."""

    n_inputs: int
    steps: tuple[Step, ...]

    def __repr__(self) -> str:
        names = [f"x{i}" for i in range(self.n_inputs)] + [f"n{k}" for k in range(len(self.steps))]
        lines = [
            f"{names[self.n_inputs + k]} = {s.op}({', '.join(names[i] for i in s.operands)})"
            for k, s in enumerate(self.steps)
        ]
        return "Program(" + "; ".join(lines) + ")"

    def run(self, *inputs: Any, overrides: dict[int, Any] | None = None) -> list[Any]:
        """Every node's value, inputs first; `overrides` replaces some nodes by given values."""
        overrides = overrides or {}
        nodes = [overrides.get(i, x) for i, x in enumerate(inputs)]
        for step in self.steps:
            k = len(nodes)
            if k in overrides:
                nodes.append(overrides[k])
                continue
            f = UNARY.get(step.op) or BINARY[step.op]
            nodes.append(f(*(nodes[i] for i in step.operands)))
        return nodes

    def __call__(self, *inputs: Any) -> Any:
        return self.run(*inputs)[-1]


@st.composite
def programs(draw: st.DrawFn, n_inputs: int) -> Program:
    """2 to 8 steps; every operand is any earlier node, so nodes fan out."""
    steps = []
    for k in range(draw(st.integers(2, 8))):
        available = n_inputs + k
        op = draw(st.sampled_from(sorted(UNARY) + sorted(BINARY)))
        arity = 1 if op in UNARY else 2
        operands = tuple(draw(st.integers(0, available - 1)) for _ in range(arity))
        steps.append(Step(op, operands))
    return Program(n_inputs, tuple(steps))


@st.composite
def dags(draw: st.DrawFn) -> tuple[Program, tuple[np.ndarray, ...]]:
    """A program and its inputs (1 to 3 arrays of broadcastable shapes), on which every
    node stays moderate in size (so finite differences are meaningful)."""
    n_inputs = draw(st.integers(1, 3))
    input_shapes = draw(broadcastable_shapes(n_inputs, max_dims=2, max_side=3))
    inputs = tuple(draw(arrays(s, low=-2.0, high=2.0)) for s in input_shapes)
    program = draw(programs(n_inputs))
    with np.errstate(all="ignore"):
        values = program.run(*inputs)
    assume(all(np.all(np.isfinite(v)) and np.all(np.abs(v) < 1e3) for v in values))
    conditions = [values[s.operands[0]] for s in program.steps if s.op == "where"]
    assume(all(np.all(np.abs(c) > 1e-3) for c in conditions))
    return program, inputs


def _weights(shape: tuple[int, ...], seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def _nodes_below(root: Value) -> list[Value]:
    return ag.toposort(root, graph_parents)


@given(dags())
def test_random_dags_match_finite_differences_to_second_order(dag):
    program, inputs = dag
    assert_grads_correct(program, *inputs, order=2)


@given(dags(), st.integers(0, 2**32 - 1))
def test_backward_leaves_the_same_gradients_as_grad(dag, seed):
    program, inputs = dag
    w = _weights(np.shape(program(*inputs)), seed)

    def cost(*xs: Any) -> Any:
        return (program(*xs) * w).sum()

    expected = grad(cost, argnum=tuple(range(len(inputs))))(*inputs)
    leaves = [Value(x) for x in inputs]
    loss = cost(*leaves)
    loss.backward()
    in_graph = set(_nodes_below(loss))
    for leaf, want in zip(leaves, expected, strict=True):
        if leaf.grad is None:
            assert leaf not in in_graph and np.all(want == 0)
        else:
            assert leaf.grad.shape == leaf.shape
            np.testing.assert_allclose(leaf.grad, want, rtol=1e-12, atol=1e-12)


@given(dags(), st.integers(0, 2**32 - 1))
def test_retained_gradient_of_every_step_is_the_derivative_with_respect_to_it(dag, seed):
    program, inputs = dag
    leaves = [Value(x) for x in inputs]
    nodes = program.run(*leaves)
    out = nodes[-1]
    assume(isinstance(out, Value) and out.requires_grad)
    w = _weights(out.shape, seed)
    out.backward(w, retain_grads=True)
    for k in range(len(inputs), len(nodes)):
        if not isinstance(nodes[k], Value) or nodes[k].grad is None:
            continue  # a constant, or a step the output does not depend on

        def through_node_k(v: Any, k: int = k) -> Any:
            return (program.run(*inputs, overrides={k: v})[-1] * w).sum()

        want = grad(through_node_k)(np.array(nodes[k].data))
        np.testing.assert_allclose(nodes[k].grad, want, rtol=1e-10, atol=1e-12, err_msg=f"node {k}")


@given(dags(), st.integers(0, 2**32 - 1))
def test_retained_gradients_are_never_shared_between_nodes(dag, seed):
    program, inputs = dag
    leaves = [Value(x) for x in inputs]
    out = program(*leaves)
    assume(isinstance(out, Value) and out.requires_grad)
    user_gradient = _weights(out.shape, seed)
    snapshot = user_gradient.copy()
    out.backward(user_gradient, retain_grads=True)
    nodes = [n for n in _nodes_below(out) if isinstance(n.grad, np.ndarray)]
    _assert_mutating_each_changes_no_other(nodes)
    np.testing.assert_array_equal(user_gradient, snapshot)


def _assert_mutating_each_changes_no_other(nodes: Sequence[Value]) -> None:
    before = [n.grad.copy() for n in nodes]
    for i, node in enumerate(nodes):
        node.grad += 1.0
        for j, other in enumerate(nodes):
            if j != i:
                np.testing.assert_array_equal(other.grad, before[j], err_msg=f"{node.op} -> {other.op}")
        node.grad[...] = before[i]
