# ruff: noqa: E501  (the page's CSS and JavaScript keep their natural line lengths)
"""The explorer page's HTML, CSS and JavaScript, written into every page (nothing is fetched).

The script only shows what Python computed: it folds the steps' changes into the state of the
step asked for, writes the numbers into the drawing and the panel, and restyles the drawing.
It defines `window.backprop` = {length, go(k), state()} (see `viz.explore`).
"""

from __future__ import annotations

CSS = """
:root { --ink: #1f2937; --muted: #6b7280; --line: #d1d5db; --accent: #f59e0b; --panel: #f9fafb; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
       color: var(--ink); background: white; }
header { padding: 0.8rem 1.2rem 0.4rem; border-bottom: 1px solid var(--line); }
header h1 { font-size: 1.25rem; margin: 0 0 0.2rem; }
header p { margin: 0; color: var(--muted); max-width: 70rem; }
main { display: flex; gap: 1rem; padding: 0.8rem 1.2rem; align-items: flex-start; }
#figure { flex: 1 1 auto; min-width: 0; overflow: auto; max-height: calc(100vh - 7rem); }
#figure svg { width: 100%; height: auto; }
aside { flex: 0 0 25rem; background: var(--panel); border: 1px solid var(--line); border-radius: 8px;
        padding: 0.8rem; max-height: calc(100vh - 7rem); overflow: auto; }
#controls { display: flex; flex-wrap: wrap; gap: 0.3rem; align-items: center; }
#controls button { font: inherit; padding: 0.25rem 0.6rem; border: 1px solid var(--line); border-radius: 6px;
                   background: white; cursor: pointer; }
#controls button:focus-visible, #slider:focus-visible, select:focus-visible { outline: 3px solid var(--accent); }
#slider { width: 100%; margin: 0.5rem 0 0.2rem; }
#step-count { color: var(--muted); font-size: 0.9rem; }
#phase { display: inline-block; margin-top: 0.5rem; padding: 0.05rem 0.5rem; border-radius: 999px;
         background: #e5e7eb; font-weight: 600; font-size: 0.85rem; }
#phase.forward { background: #dbeafe; } #phase.backward, #phase.BP1, #phase.BP2 { background: #fde68a; }
#phase.BP3, #phase.BP4 { background: #fed7aa; } #phase.end { background: #bbf7d0; }
#step-text { margin: 0.5rem 0; }
#step-detail { margin: 0 0 0.6rem; padding-left: 1.1rem; font-family: ui-monospace, Menlo, Consolas, monospace;
               font-size: 0.85rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.85rem; margin: 0.4rem 0; }
th, td { text-align: left; padding: 0.15rem 0.3rem; border-bottom: 1px solid var(--line); }
td.num { font-family: ui-monospace, Menlo, Consolas, monospace; }
tr.active td { background: #fef3c7; }
.keys, .note { color: var(--muted); font-size: 0.85rem; }
h2 { font-size: 1rem; margin: 0.9rem 0 0.2rem; }
#figure g.active > polygon, #figure g.active > ellipse, #figure g.active > path {
  stroke: var(--accent); stroke-width: 3px; }
#figure g.edge.active > path { stroke: var(--accent) !important; stroke-width: 3.5px; stroke-opacity: 1; }
#figure g.node.active { filter: drop-shadow(0 0 4px var(--accent)); }
#figure g.neuron { cursor: pointer; }
#figure g.neuron:focus { outline: none; }
#figure g.neuron:focus > ellipse, #figure g.neuron.picked > ellipse { stroke: #7c3aed; stroke-width: 3px; }
.legend { font-size: 0.85rem; color: var(--muted); padding: 0 1.2rem 1rem; }
.legend span.swatch { display: inline-block; width: 1.6rem; height: 0.35rem; vertical-align: middle; margin: 0 0.2rem; }
@media (max-width: 900px) { main { flex-direction: column; } aside { flex-basis: auto; width: 100%; } }
"""

HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<header><h1>{title}</h1><p>{intro}</p></header>
<main>
<section id="figure" aria-label="the drawing">{svg}</section>
<aside aria-label="the steps">
<div id="controls">
<button id="first" title="first step (Home)">&#xAB; Start</button>
<button id="prev" title="previous step (ArrowLeft)">&#x25C0; Previous</button>
<button id="play" title="play or pause">&#x25B6; Play</button>
<button id="next" title="next step (ArrowRight)">Next &#x25B6;</button>
<button id="last" title="last step (End)">End &#xBB;</button>
</div>
<input id="slider" type="range" min="0" max="0" value="0" aria-label="step">
<div id="step-count"></div>
<div id="phase"></div>
<p id="step-text" aria-live="polite"></p>
<ul id="step-detail"></ul>
{panel}
<p class="keys">Keys: &#x2192; next, &#x2190; previous, Home first, End last.</p>
</aside>
</main>
<div class="legend">{legend}</div>
<script>
{script}
</script>
</body>
</html>
"""

GRAPH_PANEL = """<h2>Every node at this step</h2>
<table id="values-table"><thead><tr><th>node</th><th>value</th><th>gradient</th></tr></thead><tbody></tbody></table>"""

NETWORK_PANEL = """<label class="note">Example shown: <select id="example"></select></label>
<h2>Neuron</h2>
<div id="neuron-info" class="note">Hover over or focus a neuron (Tab) to see its z, a, &#x3C3;'(z) and &#x3B4;.
Click it (or press Enter) to call Nielsen's demon.</div>
<h2>Nielsen's demon</h2>
<div id="demon" class="note">Pick a neuron: the demon adds &#x394;z to its weighted input z and the rest of the
forward pass runs again. The measured change of this example's cost is set beside the prediction &#x3B4;&#xB7;&#x394;z.</div>"""

SCRIPT = r"""
(function () {
  "use strict";
  const DATA = __DATA__;
  const steps = DATA.steps;
  const length = steps.length;
  const svg = document.querySelector("#figure svg");
  const byTitle = {};
  svg.querySelectorAll("g.node, g.edge").forEach(function (g) {
    const title = g.querySelector("title");
    if (title) { byTitle[title.textContent] = g; }
  });
  let current = 0;
  let example = 0;
  let timer = null;
  const el = function (id) { return document.getElementById(id); };

  function phaseAt(k) { return k === 0 ? "start" : steps[k - 1].phase; }

  function fmt(x) {
    if (typeof x !== "number") { return ""; }
    if (!isFinite(x)) { return String(x); }
    if (x === 0) { return "0"; }
    const a = Math.abs(x);
    return (a >= 1e-3 && a < 1e5) ? String(Number(x.toPrecision(4))) : x.toExponential(3);
  }

  function short(x) {
    if (typeof x !== "number") { return ""; }
    const a = Math.abs(x);
    if (a === 0) { return "0"; }
    return (a >= 0.01 && a < 100) ? x.toFixed(2) : x.toExponential(0);
  }

  // --- the state of a step: the steps' changes folded, or the quantities they reveal ------------
  function graphState(k) {
    const values = Object.assign({}, DATA.initial.values);
    const grads = {};
    const texts = JSON.parse(JSON.stringify(DATA.initial.texts));
    for (let i = 0; i < k; i++) {
      Object.assign(values, steps[i].values);
      Object.assign(grads, steps[i].grads);
      for (const name in steps[i].texts) { Object.assign(texts[name], steps[i].texts[name]); }
    }
    return {values: values, grads: grads, texts: texts};
  }

  function revealed(k) {
    const groups = new Set(["a^0"]);
    for (let i = 0; i < k; i++) { steps[i].reveal.forEach(function (g) { groups.add(g); }); }
    return groups;
  }

  function numbersOf(name) {
    const group = DATA.groups[name];
    const row = group.batch ? group.numbers : group.numbers[example];
    const out = {};
    group.labels.forEach(function (label, i) { out[label] = row[i]; });
    return out;
  }

  function networkState(k) {
    const values = {};
    const grads = {};
    revealed(k).forEach(function (name) {
      const kind = DATA.groups[name].kind;
      if (kind === "values") { Object.assign(values, numbersOf(name)); }
      if (kind === "grads") { Object.assign(grads, numbersOf(name)); }
    });
    return {values: values, grads: grads};
  }

  function state() {
    const s = DATA.kind === "graph" ? graphState(current) : networkState(current);
    const out = {step: current, phase: phaseAt(current), values: s.values, grads: s.grads};
    if (DATA.kind === "network") { out.example = example; }
    return out;
  }

  // --- drawing the step ---------------------------------------------------------------------------
  function setFocus(names) {
    svg.querySelectorAll("g.active").forEach(function (g) { g.classList.remove("active"); });
    names.forEach(function (name) { if (byTitle[name]) { byTitle[name].classList.add("active"); } });
  }

  function renderGraph() {
    const s = graphState(current);
    for (const name in s.texts) {
      const texts = byTitle[name].querySelectorAll("text");
      texts[1].textContent = s.texts[name].value;
      texts[2].textContent = s.texts[name].grad;
    }
    const focus = current === 0 ? {nodes: [], edges: []} : steps[current - 1].focus;
    setFocus(focus.nodes.concat(focus.edges));
    const body = document.querySelector("#values-table tbody");
    body.textContent = "";
    DATA.nodes.forEach(function (node) {
      const row = body.insertRow();
      if (focus.nodes.indexOf(node.svg) >= 0) { row.className = "active"; }
      row.insertCell().textContent = node.name + (node.leaf ? " (input)" : "");
      const value = row.insertCell();
      value.className = "num";
      value.textContent = s.texts[node.svg].value.replace(/^value /, "");
      const grad = row.insertCell();
      grad.className = "num";
      grad.textContent = s.texts[node.svg].grad.replace(/^grad /, "");
    });
  }

  function neuronName(l, j) { return "l" + l + "_n" + j; }

  function shade(level) {
    const t = Math.max(0, Math.min(1, level));
    const mix = function (lo, hi) { return Math.round(lo + (hi - lo) * t); };
    return "rgb(" + mix(255, 194) + "," + mix(255, 65) + "," + mix(255, 12) + ")";
  }

  function deltaColour(x, largest) {
    const t = largest > 0 ? Math.min(1, Math.abs(x) / largest) : 0;
    const mix = function (lo, hi) { return Math.round(lo + (hi - lo) * t); };
    return x >= 0 ? "rgb(" + mix(255, 37) + "," + mix(255, 99) + "," + mix(255, 235) + ")"
                  : "rgb(" + mix(255, 220) + "," + mix(255, 38) + "," + mix(255, 38) + ")";
  }

  function neuronNumbers(groups, l, j) {
    const get = function (name, label) {
      if (!groups.has(name)) { return undefined; }
      return numbersOf(name)[label];
    };
    return {
      z: l > 0 ? get("z^" + l, "z^" + l + "_" + j) : undefined,
      a: get("a^" + l, "a^" + l + "_" + j),
      prime: l > 0 && DATA.groups["sigma'^" + l] ? get("sigma'^" + l, "sigma'(z)^" + l + "_" + j) : undefined,
      delta: l > 0 ? get("delta^" + l, "delta^" + l + "_" + j) : undefined,
      dCdb: l > 0 ? get("dC/db^" + l, "dC/db^" + l + "_" + j) : undefined,
    };
  }

  function renderNetwork() {
    const groups = revealed(current);
    const L = DATA.sizes.length - 1;
    for (let l = 0; l <= L; l++) {
      const deltas = DATA.shown[l].map(function (j) { return neuronNumbers(groups, l, j).delta; });
      const largest = Math.max.apply(null, deltas.map(function (d) { return Math.abs(d || 0); }));
      DATA.shown[l].forEach(function (j) {
        const g = byTitle[neuronName(l, j)];
        const n = neuronNumbers(groups, l, j);
        const ellipse = g.querySelector("ellipse");
        const text = g.querySelector("text");
        let fill = "white";
        let label = "";
        if (n.delta !== undefined) { label = short(n.delta); fill = deltaColour(n.delta, largest); }
        else if (n.a !== undefined) { label = short(n.a); fill = shade(Math.abs(n.a)); }
        else if (n.z !== undefined) { label = short(n.z); }
        text.textContent = label;
        text.setAttribute("fill", (n.delta === undefined && n.a !== undefined && Math.abs(n.a) > 0.55) ? "white" : "black");
        ellipse.setAttribute("fill", fill);
        const saturated = n.prime !== undefined && n.prime < DATA.saturated_below[l];
        const low = n.a !== undefined && l < L && Math.abs(n.a) < DATA.low_activation;
        ellipse.setAttribute("stroke", saturated ? "#b91c1c" : (low ? "#6b7280" : "black"));
        ellipse.setAttribute("stroke-width", saturated ? "3" : (low ? "2" : "1"));
        ellipse.setAttribute("stroke-dasharray", low && !saturated ? "4,2" : "none");
        g.setAttribute("aria-label", describe(l, j, n, saturated, low));
      });
    }
    DATA.edges.forEach(function (edge) {
      const g = byTitle[edge.id];
      const style = groups.has("dC/dw^" + edge.layer) ? edge.by_grad : edge.by_w;
      const path = g.querySelector("path");
      path.setAttribute("stroke", style.color.slice(0, 7));
      path.setAttribute("stroke-opacity", String(parseInt(style.color.slice(7), 16) / 255));
      path.setAttribute("stroke-width", style.width);
    });
    const focus = current === 0 ? {layers: [], edge_layers: []} : steps[current - 1].focus;
    const names = [];
    focus.layers.forEach(function (layer) {
      const l = Number(layer.slice(1));
      DATA.shown[l].forEach(function (j) { names.push(neuronName(l, j)); });
    });
    DATA.edges.forEach(function (edge) { if (focus.edge_layers.indexOf(edge.layer) >= 0) { names.push(edge.id); } });
    setFocus(names);
    if (picked) { showDemon(picked); }
    if (shownNeuron) { showNeuron(shownNeuron); }
  }

  function describe(l, j, n, saturated, low) {
    const parts = ["neuron " + j + " of layer " + l];
    if (n.z !== undefined) { parts.push("z = " + fmt(n.z)); }
    if (n.a !== undefined) { parts.push("a = " + fmt(n.a)); }
    if (n.prime !== undefined) { parts.push("σ'(z) = " + fmt(n.prime)); }
    if (n.delta !== undefined) { parts.push("δ = " + fmt(n.delta)); }
    if (saturated) { parts.push("saturated: σ'(z) < " + fmt(DATA.saturated_below[l]) + ", so δ is small and the weights into it learn slowly"); }
    if (low) { parts.push("low activation: |a| < " + fmt(DATA.low_activation) + ", so the weights out of it learn slowly"); }
    return parts.join("; ");
  }

  let shownNeuron = null;
  let picked = null;

  function showNeuron(name) {
    shownNeuron = name;
    const l = Number(name.slice(1, name.indexOf("_")));
    const j = Number(name.slice(name.indexOf("_n") + 2));
    const n = neuronNumbers(revealed(current), l, j);
    const info = el("neuron-info");
    info.textContent = "";
    const rows = [["neuron", "j = " + j + " of layer " + l + " (example " + example + ")"]];
    if (l > 0) {
      rows.push(["z (weighted input)", n.z === undefined ? "not yet computed" : fmt(n.z)]);
    }
    rows.push(["a (activation)", n.a === undefined ? "not yet computed" : fmt(n.a)]);
    if (l > 0) {
      rows.push(["σ'(z)", n.prime === undefined ? (DATA.groups["sigma'^" + l] ? "not yet computed" : "— (not elementwise)") : fmt(n.prime)]);
      rows.push(["δ = ∂C_x/∂z", n.delta === undefined ? "not yet computed" : fmt(n.delta)]);
      rows.push(["∂C/∂b (batch)", n.dCdb === undefined ? "not yet computed" : fmt(n.dCdb)]);
    }
    const table = document.createElement("table");
    rows.forEach(function (r) {
      const row = table.insertRow();
      row.insertCell().textContent = r[0];
      const cell = row.insertCell();
      cell.className = "num";
      cell.textContent = r[1];
    });
    info.appendChild(table);
    const g = byTitle[name];
    const note = g.getAttribute("aria-label") || "";
    if (note.indexOf("saturated") >= 0 || note.indexOf("low activation") >= 0) {
      const p = document.createElement("p");
      p.textContent = note.split("; ").filter(function (s) { return s.indexOf("saturated") === 0 || s.indexOf("low activation") === 0; }).join(". ");
      info.appendChild(p);
    }
  }

  function showDemon(name) {
    picked = name;
    svg.querySelectorAll("g.picked").forEach(function (g) { g.classList.remove("picked"); });
    byTitle[name].classList.add("picked");
    const box = el("demon");
    box.textContent = "";
    const rows = DATA.demon[name];
    if (!rows) {
      box.textContent = "The demon nudges the weighted input z of a neuron in layers 1 to " + (DATA.sizes.length - 1) + "; inputs have none.";
      return;
    }
    const l = Number(name.slice(1, name.indexOf("_")));
    const j = Number(name.slice(name.indexOf("_n") + 2));
    const known = revealed(current).has("delta^" + l);
    const p = document.createElement("p");
    p.textContent = "The demon adds Δz to z^" + l + "_" + j + " for example " + example + ". " +
      (known ? "To first order the cost changes by δ·Δz: the two columns agree for small Δz."
             : "δ^" + l + " is not computed yet: step on to BP1/BP2 to see the prediction δ·Δz.");
    box.appendChild(p);
    const table = document.createElement("table");
    const head = table.createTHead().insertRow();
    ["Δz", "measured ΔC_x", "δ·Δz"].forEach(function (h) { const th = document.createElement("th"); th.textContent = h; head.appendChild(th); });
    const body = table.createTBody();
    rows[example].forEach(function (r) {
      const row = body.insertRow();
      [fmt(r[0]), fmt(r[1]), known ? fmt(r[2]) : "?"].forEach(function (t) {
        const cell = row.insertCell();
        cell.className = "num";
        cell.textContent = t;
      });
    });
    box.appendChild(table);
  }

  function render() {
    if (DATA.kind === "graph") { renderGraph(); } else { renderNetwork(); }
    el("slider").value = String(current);
    el("step-count").textContent = "Step " + current + " of " + length;
    const phase = phaseAt(current);
    el("phase").textContent = {start: "Before the forward pass", forward: "Forward pass", backward: "Backward pass",
      BP1: "Backward pass: BP1", BP2: "Backward pass: BP2", BP3: "Gradients: BP3", BP4: "Gradients: BP4",
      end: "Done"}[phase];
    el("phase").className = phase;
    el("step-text").textContent = current === 0 ? DATA.start_text : steps[current - 1].text;
    const detail = el("step-detail");
    detail.textContent = "";
    (current === 0 ? [] : steps[current - 1].detail).forEach(function (line) {
      const li = document.createElement("li");
      li.textContent = line;
      detail.appendChild(li);
    });
  }

  function go(k) {
    if (typeof k !== "number" || !Number.isInteger(k) || k < 0 || k > length) {
      throw new RangeError("backprop.go(k): k must be an integer from 0 to " + length + "; got " + k);
    }
    current = k;
    render();
    return state();
  }

  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    el("play").textContent = "▶ Play";
  }

  function play() {
    if (timer !== null) { stop(); return; }
    if (current === length) { go(0); }
    el("play").textContent = "⏸ Pause";
    timer = setInterval(function () { if (current < length) { go(current + 1); } else { stop(); } }, 1200);
  }

  el("slider").max = String(length);
  el("slider").addEventListener("input", function () { stop(); go(Number(el("slider").value)); });
  el("first").addEventListener("click", function () { stop(); go(0); });
  el("prev").addEventListener("click", function () { stop(); go(Math.max(0, current - 1)); });
  el("next").addEventListener("click", function () { stop(); go(Math.min(length, current + 1)); });
  el("last").addEventListener("click", function () { stop(); go(length); });
  el("play").addEventListener("click", play);
  document.addEventListener("keydown", function (event) {
    const tag = event.target && event.target.tagName;
    if (tag === "INPUT" || tag === "SELECT") { return; }
    const to = {ArrowRight: Math.min(length, current + 1), ArrowLeft: Math.max(0, current - 1), Home: 0, End: length}[event.key];
    if (to === undefined) { return; }
    event.preventDefault();
    stop();
    go(to);
  });

  if (DATA.kind === "network") {
    const select = el("example");
    for (let x = 0; x < DATA.examples; x++) {
      const option = document.createElement("option");
      option.value = String(x);
      option.textContent = "x = " + x;
      select.appendChild(option);
    }
    select.addEventListener("change", function () { example = Number(select.value); render(); });
    for (let l = 0; l < DATA.shown.length; l++) {
      DATA.shown[l].forEach(function (j) {
        const name = neuronName(l, j);
        const g = byTitle[name];
        g.classList.add("neuron");
        g.setAttribute("tabindex", "0");
        g.setAttribute("role", "button");
        g.addEventListener("mouseenter", function () { showNeuron(name); });
        g.addEventListener("focus", function () { showNeuron(name); });
        g.addEventListener("click", function () { showNeuron(name); showDemon(name); });
        g.addEventListener("keydown", function (event) {
          if (event.key === "Enter" || event.key === " ") { event.preventDefault(); showNeuron(name); showDemon(name); }
        });
      });
    }
  }

  window.backprop = {
    length: length,
    go: go,
    state: state,
    example: function (x) {
      if (DATA.kind !== "network" || !Number.isInteger(x) || x < 0 || x >= DATA.examples) {
        throw new RangeError("backprop.example(x): x must be an integer from 0 to " + (DATA.examples - 1));
      }
      example = x;
      el("example").value = String(x);
      render();
      return state();
    },
    pick: function (name) {
      if (!byTitle[name] || DATA.kind !== "network") { throw new RangeError("backprop.pick: no neuron " + name); }
      showNeuron(name);
      showDemon(name);
    },
  };
  go(0);
})();
"""
