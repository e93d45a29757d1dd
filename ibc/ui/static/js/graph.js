// The stage graph (docs/ui.md, "Stage graph"): a run's stages (one experiment's and what they
// read), laid out left to right by dagre and drawn as SVG, each box filled by its state (ran,
// cached, failed) and dashed when its entry is no longer in the store. Clicking a stage shows
// its location, fingerprint, key, size, captured output and value summary (/api/stage).
"use strict";

IBC.Graph = class {
  constructor(svg, side) {
    this.svg = svg;
    this.side = side;
    this.run = null;
    this.data = null;
  }

  async load(run, experiment) {
    this.run = run;
    const query = experiment ? `?experiment=${encodeURIComponent(experiment)}` : "";
    const [data] = await Promise.all([IBC.get(`/api/graph/${encodeURIComponent(run)}${query}`), IBC.need("dagre")]);
    this.data = data;
    this.draw();
    const note = document.getElementById("graph-note");
    note.textContent = `${this.data.nodes.length} stages` +
      (this.data.edges_known ? "" : "; this run's log predates the edges: stages shown without them");
  }

  draw() {
    const NS = "http://www.w3.org/2000/svg";
    const make = (tag, attributes, text) => {
      const node = document.createElementNS(NS, tag);
      for (const [k, v] of Object.entries(attributes || {})) node.setAttribute(k, v);
      if (text !== undefined) node.textContent = text;
      return node;
    };
    const g = new dagre.graphlib.Graph();
    g.setGraph({ rankdir: "LR", nodesep: 18, ranksep: 48, marginx: 12, marginy: 12 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const n of this.data.nodes) {
      n.detail = (n.state === "cached" || n.state === "failed" ? n.state : IBC.formatSeconds(n.seconds) || n.state || "") +
        (n.stored || n.state === "failed" ? "" : " · not stored");
      const width = Math.max(90, 7 * n.label.length + 16, 6 * n.detail.length + 16);
      g.setNode(n.id, { width, height: 40, data: n });
    }
    for (const [from, to] of this.data.edges) g.setEdge(from, to);
    dagre.layout(g);
    const size = g.graph();
    this.svg.replaceChildren();
    this.svg.setAttribute("width", Math.max(size.width || 0, 200));
    this.svg.setAttribute("height", Math.max(size.height || 0, 100));
    const defs = make("defs");
    const marker = make("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "10", refY: "5",
      markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" });
    marker.append(make("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#8c959f" }));
    defs.append(marker);
    this.svg.append(defs);
    for (const e of g.edges()) {
      const points = g.edge(e).points;
      const d = points.map((p, i) => `${i ? "L" : "M"} ${p.x.toFixed(1)} ${p.y.toFixed(1)}`).join(" ");
      this.svg.append(make("path", { class: "edge", d, "data-from": e.v, "data-to": e.w }));
    }
    for (const id of g.nodes()) {
      const box = g.node(id);
      const n = box.data;
      const classes = ["stage", n.state || "unknown", n.stored || n.state === "failed" ? "" : "gone"].join(" ").trim();
      const group = make("g", { class: classes, "data-id": id, "data-state": n.state || "",
        transform: `translate(${(box.x - box.width / 2).toFixed(1)},${(box.y - box.height / 2).toFixed(1)})` });
      group.append(make("title", {}, `${n.label} at ${n.at || "?"}`));
      group.append(make("rect", { width: box.width, height: box.height, rx: 6, ry: 6 }));
      group.append(make("text", { x: 8, y: 16 }, n.label));
      group.append(make("text", { x: 8, y: 31, class: "sub" }, n.detail));
      group.addEventListener("click", () => this.choose(id));
      this.svg.append(group);
    }
  }

  async choose(id) {
    const el = IBC.el;
    for (const node of this.svg.querySelectorAll("g.stage")) node.classList.toggle("chosen", node.dataset.id === id);
    let found;
    try {
      found = await IBC.get(`/api/stage/${encodeURIComponent(this.run)}/${encodeURIComponent(id)}`);
    } catch (e) {
      this.side.replaceChildren(el("p", { class: "error" }, String(e.message || e)));
      return;
    }
    const s = found.stage, entry = found.entry;
    const pairs = [["stage", s.stage], ["function", s.ref], ["location", s.at], ["state", s.state],
      ["duration", IBC.formatSeconds(s.seconds)], ["fingerprint", s.fingerprint], ["key", s.key],
      ["experiment", s.experiment]];
    if (s.worker) pairs.push(["worker", s.worker]);
    if (!entry) pairs.push(["size", "not in the store (removed since, or never stored)"]);
    else if (entry.damaged) pairs.push(["size", "the entry is damaged (`ibc cache verify` removes it)"]);
    else if (entry.untrusted) pairs.push(["size", "the entry's signature does not match $IBC_STORE_KEY"]);
    else pairs.push(["size", `${entry.size} bytes (${entry.codec})`]);
    const output = (found.stdout || "") + (found.stderr || "");
    this.side.replaceChildren(el("div", { id: "stage" },
      el("h2", {}, s.stage || id), IBC.kvTable(pairs),
      el("h2", {}, "Captured output"),
      output ? el("pre", { id: "stage-output" }, output) : el("p", { class: "hint", id: "stage-output" }, "none"),
      el("h2", {}, "Value"),
      found.has_summary ? el("pre", { id: "stage-value" }, IBC.json(found.summary))
        : el("p", { class: "hint", id: "stage-value" }, "no summary")));
  }
};
