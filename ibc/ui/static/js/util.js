// Helpers shared by the page's scripts (docs/ui.md): requests, elements, formatting.
"use strict";
window.IBC = window.IBC || {};

IBC.get = async function (path) {
  const response = await fetch(path, { cache: "no-store" });
  if (!response.ok) {
    let message = response.statusText;
    try { message = (await response.json()).error || message; } catch (e) { /* not JSON */ }
    throw new Error(message);
  }
  return response.json();
};

// el("td", {class: "num", title: "…"}, "text", child…): an element; text is never parsed as HTML.
IBC.el = function (tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
};

// The vendored libraries are loaded when a view first needs them (ECharts is 1 MB of
// JavaScript: the runs table draws without it).
IBC.loading = {};
IBC.need = function (name) {
  if (!IBC.loading[name]) {
    IBC.loading[name] = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = `/static/vendor/${name}.min.js`;
      script.onload = resolve;
      script.onerror = () => reject(new Error(`cannot load ${name}`));
      document.head.append(script);
    });
  }
  return IBC.loading[name];
};

IBC.isNumber = (v) => typeof v === "number" && Number.isFinite(v);

IBC.formatNumber = function (v) {
  if (Number.isInteger(v) || !Number.isFinite(v)) return String(v);
  return String(parseFloat(v.toPrecision(5)));  // the full value is in the cell's title
};

IBC.formatSeconds = function (s) {
  if (!IBC.isNumber(s)) return "";
  if (s < 1) return s.toFixed(2) + " s";
  if (s < 60) return s.toFixed(1) + " s";
  return Math.round(s) + " s";
};

IBC.formatTime = function (iso) {
  if (typeof iso !== "string") return "";
  return iso.replace("T", " ").replace(/\.\d+Z$/, "").replace(/Z$/, "");
};

IBC.json = (v) => JSON.stringify(v, null, 2);

// The columns every row has, then one per parameter and one per metric (IBC.columns).
IBC.FIXED = [
  { id: "experiment", label: "experiment", get: (r) => r.experiment, show: true },
  { id: "status", label: "status", get: (r) => r.status, show: true },
  { id: "commit", label: "commit", get: (r) => r.commit ? r.commit.slice(0, 10) + (r.dirty ? "+dirty" : "") : null, show: true },
  { id: "seconds", label: "duration", get: (r) => r.seconds, show: true, format: IBC.formatSeconds },
  { id: "started", label: "time", get: (r) => r.started, show: true, format: IBC.formatTime },
  { id: "error", label: "error", get: (r) => r.error ? (r.at ? r.at + ": " : "") + r.error : null, show: true },
  { id: "target", label: "target", get: (r) => r.target, show: false },
  { id: "file", label: "file", get: (r) => r.file, show: false },
  { id: "kind", label: "kind", get: (r) => r.kind, show: false },
  { id: "run", label: "run", get: (r) => r.run, show: false },
  { id: "trial", label: "trial", get: (r) => r.trial ? r.trial.number + (r.trial.best ? " (best)" : "") : null, show: false },
];

IBC.columns = function (rows) {
  const params = new Set(), metrics = new Set();
  for (const r of rows) {
    for (const k of Object.keys(r.params || {})) params.add(k);
    for (const k of Object.keys(r.metrics || {})) metrics.add(k);
  }
  const columns = IBC.FIXED.slice(0, 1);
  for (const p of params) {
    columns.push({ id: "param:" + p, label: p, kind: "param", key: p, show: true,
      get: (r) => (r.params && p in r.params ? r.params[p] : null) });
  }
  for (const m of metrics) {
    columns.push({ id: "metric:" + m, label: m, kind: "metric", key: m, show: true,
      get: (r) => (r.metrics && m in r.metrics ? r.metrics[m] : null) });
  }
  return columns.concat(IBC.FIXED.slice(1));
};

IBC.cellText = function (column, value) {
  if (value === null || value === undefined) return "";
  if (column.format) return column.format(value);
  if (IBC.isNumber(value)) return IBC.formatNumber(value);
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
};
