"""The explorer's steps for a `Value`: the forward pass node by node, then the reverse pass edge by edge.

Every number comes from the engine: the forward values are the nodes' `data`, and each backward
step runs the registry's own VJP rule for that edge (`rule(g, ans, *inputs, **params)`), so the
page shows the rule's product and the running sum exactly as the reverse pass forms them. A
scalar edge also shows its local derivative, the same rule applied to g = 1, next to the formula
it stands for ("d(c·d)/dc = d = 2").

Names on the page: a Value is called by its label (made unique with "#i" when two Values share
one) or `v<i>` (i its topological index) when it has none; an array Value of at most
`STATE_ELEMENTS` numbers contributes one entry per element to `state()`, as `name[i,j]`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import graphviz
import numpy as np

from autograd_core import Value, toposort
from autograd_core.primitives import REGISTRY

from .graph import escape_record_text, summarize

MAX_VALUES = 120  # more Values than this make a page nobody can step through
STATE_ELEMENTS = 16  # arrays with at most this many numbers are listed element by element in state()

# The operation each primitive stands for, written with its inputs x, y (shown in forward steps).
_EXPRESSIONS = {
    "add": "{x} + {y}", "sub": "{x} − {y}", "mul": "{x}·{y}", "div": "{x} / {y}", "power": "{x}^{y}",
    "neg": "−{x}", "identity": "{x}",
}
# The partial derivative of the output with respect to each input, written with x, y.
_PARTIALS = {
    "add": ("1", "1"), "sub": ("1", "−1"), "mul": ("{y}", "{x}"), "div": ("1 / {y}", "−{x} / {y}²"),
    "power": ("{y}·{x}^({y} − 1)", "{x}^{y}·ln {x}"), "neg": ("−1",), "identity": ("1",),
    "exp": ("exp({x})",), "log": ("1 / {x}",), "sqrt": ("1 / (2·sqrt({x}))",), "abs": ("sign({x})",),
    "tanh": ("1 − tanh²({x})",), "sigmoid": ("σ({x})·(1 − σ({x}))",), "relu": ("(1 if {x} > 0 else 0)",),
}


@dataclass
class _Node:
    """A Value of the graph as the page shows it."""

    value: Value
    svg: str  # its DOT node name, v<i>
    name: str  # what the page calls it
    inputs: tuple  # parents as Values, constants as raw data, in input order
    params: dict


def node_inputs(node: Value) -> tuple[tuple, dict]:
    """The inputs of `node` (parents as Values, constants as raw data, in input order) and the
    keyword parameters its primitive was called with."""
    return node.inputs, node.params


def _names(order: list[Value]) -> list[str]:
    """What the page calls each Value: its label, `label#i` when labels repeat, else `v<i>`."""
    counts = Counter(v.label for v in order if v.label)
    return [
        (v.label if counts[v.label] == 1 else f"{v.label}#{i}") if v.label else f"v{i}"
        for i, v in enumerate(order)
    ]


def _numbers(name: str, data: Any) -> dict[str, float]:
    """The state() entries of one Value's data or gradient: one number, or one per element."""
    array = np.asarray(data, dtype=float)
    if array.ndim == 0:
        return {name: float(array)}
    if array.size > STATE_ELEMENTS:
        return {}
    return {f"{name}[{','.join(map(str, index))}]": float(array[index]) for index in np.ndindex(array.shape)}


def _is_scalar(data: Any) -> bool:
    return np.ndim(data) == 0


def _text(data: Any) -> str:
    return summarize(data)


class GraphSteps:
    """The nodes of `root`'s graph and the page's steps over them (see the module docstring)."""

    def __init__(self, root: Value) -> None:
        order = toposort(root, lambda v: v.parents)
        if len(order) > MAX_VALUES:
            raise ValueError(
                f"explore: the graph of this Value has {len(order):,} Values; the explorer steps through "
                f"at most {MAX_VALUES}. Explore a smaller expression, or pass an nn.MLP with X, Y and cost."
            )
        self.root = root
        self.nodes: list[_Node] = []
        for i, (value, name) in enumerate(zip(order, _names(order), strict=True)):
            inputs, params = node_inputs(value) if value.op is not None else ((), {})
            self.nodes.append(_Node(value, f"v{i}", name, inputs, params))
        self.by_value = {node.value: node for node in self.nodes}
        self.steps: list[dict] = []

    # --- what inputs are called -------------------------------------------------------------
    def _input_name(self, x: Any) -> str:
        return self.by_value[x].name if isinstance(x, Value) else _text(x)

    def _formula(self, template: str, node: _Node) -> str:
        names = [self._input_name(x) for x in node.inputs]
        return template.format(x=names[0], y=names[1] if len(names) > 1 else "")

    def expression(self, node: _Node) -> str:
        """The operation that made `node`, written with its inputs' names ("a + b")."""
        op = str(node.value.op)
        if op in _EXPRESSIONS and len(node.inputs) <= 2:
            return self._formula(_EXPRESSIONS[op], node)
        return f"{op}({', '.join(self._input_name(x) for x in node.inputs)})"

    # --- the page's data ---------------------------------------------------------------------
    def initial(self) -> dict:
        """Step 0: the leaves' values are given; nothing else is known."""
        values: dict[str, float] = {}
        texts: dict[str, dict[str, str]] = {}
        for node in self.nodes:
            texts[node.svg] = {"value": "value ?", "grad": "grad ·"}
            if node.value.op is None:
                values.update(_numbers(node.name, node.value.data))
                texts[node.svg]["value"] = "value " + _text(node.value.data)
        return {"values": values, "grads": {}, "texts": texts}

    def build(self) -> list[dict]:
        """Every step: one per operation forward, the seed, one per edge backward, the end."""
        self.steps = [self._forward_step(node) for node in self.nodes if node.value.op is not None]
        self.steps.append(self._seed_step())
        running: dict[Value, Any] = {self.root: _one_like(self.root.data)}
        for node in reversed(self.nodes):
            if node.value.op is None:
                continue
            for i, parent in enumerate(node.inputs):
                if isinstance(parent, Value):
                    self.steps.append(self._edge_step(node, i, parent, running))
        self.steps.append(self._end_step(running))
        return self.steps

    def _forward_step(self, node: _Node) -> dict:
        data = node.value.data
        shown = " = ".join([f"{node.name} = {self.expression(node)}"]
                           + ([self._forward_numbers(node)] if _is_scalar(data) else [])
                           + [_text(data)])
        return {
            "phase": "forward",
            "text": f"Forward pass: compute {node.name} from its inputs, "
                    f"using the operation {node.value.op}.",
            "detail": [shown],
            "values": _numbers(node.name, data),
            "grads": {},
            "texts": {node.svg: {"value": "value " + _text(data)}},
            "focus": {"nodes": [node.svg, f"op{node.svg[1:]}"] + self._input_svgs(node),
                      "edges": self._operation_edges(node)},
        }

    def _forward_numbers(self, node: _Node) -> str:
        """The operation with each input's value in place of its name ("2 + 1")."""
        op = str(node.value.op)
        numbers = [_text(x.data if isinstance(x, Value) else x) for x in node.inputs]
        if op in _EXPRESSIONS and len(numbers) <= 2:
            return _EXPRESSIONS[op].format(x=numbers[0], y=numbers[1] if len(numbers) > 1 else "")
        return f"{op}({', '.join(numbers)})"

    def _seed_step(self) -> dict:
        root = self.by_value[self.root]
        seed = _one_like(self.root.data)
        return {
            "phase": "backward",
            "text": f"Backward pass: start at the output {root.name}. Its gradient with respect to itself "
                    f"is 1: ∂{root.name}/∂{root.name} = 1.",
            "detail": [f"∂{root.name}/∂{root.name} = {_text(seed)}"],
            "values": {},
            "grads": _numbers(root.name, seed),
            "texts": {root.svg: {"grad": "grad " + _text(seed)}},
            "focus": {"nodes": [root.svg], "edges": []},
        }

    def _edge_step(self, node: _Node, i: int, parent: Value, running: dict) -> dict:
        """Follow the edge from `node` back to its input i: rule, product, running sum at the parent."""
        C, n, p = self.by_value[self.root].name, node.name, self.by_value[parent].name
        prim = REGISTRY[str(node.value.op)]
        raw = tuple(x.data if isinstance(x, Value) else x for x in node.inputs)
        g = running[node.value]
        rule = prim.vjps[i](g, node.value.data, *raw, **node.params)
        contribution = _sum_to_shape(rule, np.shape(parent.data))
        before = running.get(parent)
        total = contribution if before is None else before + contribution
        running[parent] = total
        detail = self._edge_rule(node, i, parent, g, contribution, C)
        paths = "" if before is None else (
            f" {p} already holds {_text(before)} from another path, so the two add up."
        )
        detail.append(f"running sum at {p}: "
                      + (f"{_text(before)} + {_text(contribution)} = {_text(total)}" if before is not None
                         else f"{_text(total)} (the first path to reach {p})"))
        pname = self.by_value[parent].svg
        return {
            "phase": "backward",
            "text": f"Backward pass: follow the edge from {n} back to its input {p}. Multiply ∂{C}/∂{n} "
                    f"by the local derivative ∂{n}/∂{p} and add the product to ∂{C}/∂{p}.{paths}",
            "detail": detail,
            "values": {},
            "grads": _numbers(p, total),
            "texts": {pname: {"grad": "grad " + _text(total)}},
            "focus": {"nodes": [node.svg, pname, f"op{node.svg[1:]}"],
                      "edges": [f"{pname}->op{node.svg[1:]}", f"op{node.svg[1:]}->{node.svg}"]},
        }

    def _edge_rule(self, node: _Node, i: int, parent: Value, g: Any, contribution: Any, C: str) -> list[str]:
        n, p = node.name, self.by_value[parent].name
        op = str(node.value.op)
        if _is_scalar(node.value.data) and _is_scalar(parent.data):
            prim = REGISTRY[op]
            raw = tuple(x.data if isinstance(x, Value) else x for x in node.inputs)
            local = prim.vjps[i](_one_like(node.value.data), node.value.data, *raw, **node.params)
            partials = _PARTIALS.get(op, ())
            formula = f"∂({self.expression(node)})/∂{p}"
            if i < len(partials) and self._formula(partials[i], node) != _text(local):
                formula += " = " + self._formula(partials[i], node)
            return [
                f"rule: ∂{n}/∂{p} = {formula} = {_text(local)}",
                f"product: ∂{C}/∂{n} · ∂{n}/∂{p} = {_text(g)} · {_text(local)} = {_text(contribution)}",
            ]
        return [
            f"rule: the vector-Jacobian product of {op} for input {i}: "
            f"(∂{n}/∂{p})ᵀ applied to ∂{C}/∂{n}",
            f"product: ∂{C}/∂{n} = {_text(g)} gives {_text(contribution)} to ∂{C}/∂{p}",
        ]

    def _end_step(self, running: dict) -> dict:
        C = self.by_value[self.root].name
        leaves = [node for node in self.nodes if node.value.op is None]
        return {
            "phase": "end",
            "text": f"The backward pass is complete: every node holds the gradient of {C} with respect "
                    "to it, the sum over all paths from it to the output.",
            "detail": [f"∂{C}/∂{node.name} = {_text(running[node.value])}" for node in leaves],
            "values": {}, "grads": {}, "texts": {},
            "focus": {"nodes": [node.svg for node in leaves], "edges": []},
        }

    # --- the drawing ------------------------------------------------------------------------
    def _input_svgs(self, node: _Node) -> list[str]:
        return [self.by_value[x].svg for x in node.inputs if isinstance(x, Value)]

    def _operation_edges(self, node: _Node) -> list[str]:
        op = f"op{node.svg[1:]}"
        ins = [f"{self.by_value[x].svg}->{op}" if isinstance(x, Value) else f"k{node.svg[1:]}_{i}->{op}"
               for i, x in enumerate(node.inputs)]
        return [*ins, f"{op}->{node.svg}"]

    def digraph(self) -> graphviz.Digraph:
        """The graph as DOT: a record per Value (name | value | grad), an oval per operation, and a
        small box per constant input; each record is sized for the longest text it will show."""
        widest = self._widest_texts()
        dot = graphviz.Digraph("explorer_graph")
        dot.attr(rankdir="LR", nodesep="0.3", ranksep="0.45", bgcolor="transparent")
        dot.attr("node", fontname="Helvetica", fontsize="12")
        dot.attr("edge", arrowsize="0.7", penwidth="1.4")
        for node in self.nodes:
            fields = [escape_record_text(node.name), escape_record_text(widest[node.svg]["value"]),
                      escape_record_text(widest[node.svg]["grad"])]
            fill = "#fde68a" if node.value is self.root else "#dbeafe" if node.value.op is None else "white"
            dot.node(node.svg, graphviz.nohtml("{" + "|".join(fields) + "}"), shape="record", style="filled",
                     fillcolor=fill, id=node.svg)
            if node.value.op is None:
                continue
            op = f"op{node.svg[1:]}"
            dot.node(op, str(node.value.op), shape="oval", fontsize="10", height="0.3", id=op)
            for i, x in enumerate(node.inputs):
                if isinstance(x, Value):
                    dot.edge(self.by_value[x].svg, op, id=f"{self.by_value[x].svg}->{op}")
                else:
                    constant = f"k{node.svg[1:]}_{i}"
                    dot.node(constant, escape_record_text(_text(x)), shape="box", style="rounded,dashed",
                             fontsize="10", height="0.3", id=constant, tooltip="a constant")
                    dot.edge(constant, op, id=f"{constant}->{op}", style="dashed")
            dot.edge(op, node.svg, id=f"{op}->{node.svg}")
        return dot

    def _widest_texts(self) -> dict[str, dict[str, str]]:
        """For each Value, the longest value and grad texts any step shows (so its box fits them)."""
        widest = self.initial()["texts"]
        for step in self.steps:
            for svg, texts in step["texts"].items():
                for field, text in texts.items():
                    if len(text) > len(widest[svg][field]):
                        widest[svg][field] = text
        return widest


def _one_like(data: Any) -> Any:
    """dC/dC = 1 in the type of C's data (the seed the engine's reverse pass starts from)."""
    return 1.0 if type(data) is float else np.ones_like(data)


def _sum_to_shape(c: Any, shape: tuple[int, ...]) -> Any:
    """A rule's contribution summed back to the shape of the input it flows into (a rule may return
    the output's broadcast shape)."""
    c_shape = np.shape(c)
    if c_shape == shape:
        return c
    lead = len(c_shape) - len(shape)
    stretched = tuple(lead + k for k, n in enumerate(shape) if n == 1 and c_shape[lead + k] != 1)
    axes = tuple(range(lead)) + stretched
    return np.sum(c, axis=axes).reshape(shape)
