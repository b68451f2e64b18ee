"""Read back what viz draws: the DOT text the graphviz package writes, and the SVG `dot` renders.

Only the subset of DOT that `graphviz.Digraph.source` produces is understood: one statement
per line, `name [attr=value ...]` for a node, `a -> b [attr=value ...]` for an edge.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^\s\]]+)')
_NODE = re.compile(r"^\t*(\w+) \[(.*)\]$")
_EDGE = re.compile(r"^\t*(\w+) -> (\w+)(?: \[(.*)\])?$")
_DOT_QUOTE = re.compile(r"\\(.)", re.DOTALL)  # in a quoted DOT string only \" means something else
_SVG = "{http://www.w3.org/2000/svg}"


@dataclass
class Dot:
    """Nodes (name -> attributes) and edges ((tail, head, attributes), in order) of a DOT text."""

    nodes: dict[str, dict[str, str]] = field(default_factory=dict)
    edges: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)


def _attributes(text: str | None) -> dict[str, str]:
    attributes = {}
    for key, value in _ATTR.findall(text or ""):
        if value.startswith('"'):
            value = _DOT_QUOTE.sub(lambda m: '"' if m[1] == '"' else m[0], value[1:-1])
        attributes[key] = value
    return attributes


def parse_dot(source: str) -> Dot:
    """The nodes and edges of `source` (graph-wide `node [...]`/`edge [...]` lines are skipped)."""
    dot = Dot()
    for line in source.splitlines():
        edge = _EDGE.match(line)
        if edge:
            dot.edges.append((edge[1], edge[2], _attributes(edge[3])))
            continue
        node = _NODE.match(line)
        if node and node[1] not in ("node", "edge", "graph"):
            dot.nodes[node[1]] = _attributes(node[2])
    return dot


def record_fields(label: str) -> list[str]:
    """The texts of a record label's fields: outer braces dropped, split at unescaped `|`,
    backslash escapes undone (the inverse of viz's escaping)."""
    if label.startswith("{") and label.endswith("}") and not label.endswith("\\}"):
        label = label[1:-1]
    fields, current, chars = [], [], iter(label)
    for c in chars:
        if c == "\\":
            current.append(next(chars))
        elif c == "|":
            fields.append("".join(current))
            current = []
        else:
            current.append(c)
    fields.append("".join(current))
    return fields


@dataclass
class Svg:
    """Node name -> its texts, and the (tail, head) edges, of an SVG rendered by `dot`."""

    nodes: dict[str, list[str]]
    edges: list[tuple[str, str]]
    texts: list[str]


def parse_svg(path: Path | str) -> Svg:
    """Parse an SVG file written by `dot` with xml.etree (raises if it isn't well-formed XML)."""
    root = ET.parse(path).getroot()
    nodes, edges = {}, []
    for group in root.iter(f"{_SVG}g"):
        title = group.find(f"{_SVG}title")
        kind = group.get("class")
        if title is None or kind not in ("node", "edge"):
            continue
        if kind == "node":
            nodes[title.text] = [t.text or "" for t in group.iter(f"{_SVG}text")]
        else:
            tail, head = title.text.split("->")
            edges.append((tail, head))
    texts = [t.text or "" for t in root.iter(f"{_SVG}text")]
    return Svg(nodes, edges, texts)
