// Plots (docs/ui.md, "Plots"), drawn by ECharts as SVG: a metric against a parameter (log
// axes where the values span two decades or more, one series per target), parallel
// coordinates of the parameters and one metric, a search's optimization history (each
// trial's objective and the best so far) and a metric along commits (a history sweep's
// points `target[f@commit]` in the sweep's order, else a target's runs by their recorded
// commit, oldest first).
"use strict";

IBC.Plots = class {
  constructor(container) {
    this.container = container;
    this.chart = null;
    this.rows = [];
    this.data = null;   // what the last plot drew: {kind, series: [{name, points}]}
  }

  ensureChart() {
    if (!this.chart) {
      this.chart = echarts.init(this.container, null, { renderer: "svg" });
      window.addEventListener("resize", () => this.chart && this.chart.resize());
    }
    return this.chart;
  }

  static spansDecades(values) {
    const xs = values.filter(IBC.isNumber);
    if (xs.length < 2 || Math.min(...xs) <= 0) return false;
    return Math.max(...xs) / Math.min(...xs) >= 100;
  }

  ok() { return this.rows.filter((r) => r.status === "ok"); }

  // the choices of the selects, kept when still valid
  fill(select, values, labels) {
    const before = select.value;
    select.replaceChildren(...values.map((v, i) => IBC.el("option", { value: v }, labels ? labels[i] : v)));
    if (values.includes(before)) select.value = before;
  }

  async update(rows) {
    await IBC.need("echarts");
    this.rows = rows;
    const kind = document.getElementById("plot-kind").value;
    const params = new Set(), metrics = new Set(), targets = new Set(), searches = new Set();
    for (const r of this.ok()) {
      Object.keys(r.params).forEach((p) => params.add(p));
      Object.keys(r.metrics).forEach((m) => metrics.add(m));
      if (r.target || r.experiment) targets.add(IBC.Plots.target(r));
      if (r.trial && r.trial.search) searches.add(r.trial.search);
    }
    const show = (id, on) => { document.getElementById(id).hidden = !on; };
    show("plot-x-label", kind === "scatter");
    show("plot-target-label", kind === "history" || kind === "commits");
    show("plot-y-label", true);
    this.fill(document.getElementById("plot-x"), [...params]);
    this.fill(document.getElementById("plot-y"), [...metrics]);
    this.fill(document.getElementById("plot-target"), kind === "history" ? [...searches] : [...targets]);
    const note = document.getElementById("plot-note");
    note.textContent = "";
    try {
      const drawn = this[kind]();
      if (!drawn) { this.clear(); note.textContent = this.empty; }
    } catch (e) {
      this.clear();
      note.textContent = String(e.message || e);
    }
  }

  clear() {
    if (this.chart) this.chart.clear();
    this.data = { kind: "none", series: [] };
  }

  static target(r) { return r.target || String(r.experiment).split("[")[0]; }

  draw(option, kind, series) {
    const chart = this.ensureChart();
    chart.clear();
    chart.setOption(Object.assign({ animation: false, tooltip: { trigger: "item" } }, option));
    this.data = { kind, series };
    return true;
  }

  axis(values, name) {
    const numeric = values.every(IBC.isNumber);
    if (!numeric) return { type: "category", name, data: [...new Set(values.map(String))] };
    return { type: IBC.Plots.spansDecades(values) ? "log" : "value", name, scale: true };
  }

  scatter() {
    const x = document.getElementById("plot-x").value, y = document.getElementById("plot-y").value;
    this.empty = "no run has both a parameter and a metric to plot";
    if (!x || !y) return false;
    const rows = this.ok().filter((r) => x in r.params && IBC.isNumber(r.metrics[y]));
    if (!rows.length) return false;
    const xs = rows.map((r) => r.params[x]);
    const xAxis = Object.assign(this.axis(xs, x), { nameLocation: "middle", nameGap: 28 });
    const groups = new Map();
    for (const r of rows) {
      const t = IBC.Plots.target(r);
      if (!groups.has(t)) groups.set(t, []);
      groups.get(t).push([xAxis.type === "category" ? String(r.params[x]) : r.params[x], r.metrics[y], r.experiment]);
    }
    const series = [...groups].map(([name, points]) => ({ name, type: "scatter", symbolSize: 9, data: points }));
    return this.draw({
      legend: {}, xAxis,
      yAxis: Object.assign(this.axis(rows.map((r) => r.metrics[y]), y), { nameLocation: "middle", nameGap: 50 }),
      tooltip: { formatter: (p) => `${p.data[2]}<br>${x} = ${p.data[0]}<br>${y} = ${p.data[1]}` },
      series,
    }, "scatter", series.map((s) => ({ name: s.name, points: s.data.map((d) => [d[0], d[1]]) })));
  }

  parallel() {
    const y = document.getElementById("plot-y").value;
    this.empty = "no run has a metric to plot";
    if (!y) return false;
    const rows = this.ok().filter((r) => IBC.isNumber(r.metrics[y]) && Object.keys(r.params).length);
    if (!rows.length) return false;
    const params = [...new Set(rows.flatMap((r) => Object.keys(r.params)))].filter((p) =>
      new Set(rows.map((r) => JSON.stringify(r.params[p]))).size > 1 || rows.length === 1);
    const dims = params.map((p, i) => {
      const values = rows.map((r) => r.params[p]);
      const axis = this.axis(values.map((v) => (v === undefined ? "—" : v)), p);
      return Object.assign({ dim: i, name: p }, axis.type === "category" ? { type: "category", data: axis.data } : { type: axis.type, scale: true });
    });
    const metricValues = rows.map((r) => r.metrics[y]);
    dims.push({ dim: params.length, name: y, type: "value", scale: true });
    const data = rows.map((r) => params.map((p) => {
      const v = r.params[p];
      return IBC.isNumber(v) ? v : v === undefined ? "—" : String(v);
    }).concat([r.metrics[y]]));
    return this.draw({
      parallelAxis: dims,
      parallel: { left: 60, right: 90, top: 60, bottom: 40 },
      visualMap: { type: "continuous", dimension: params.length, min: Math.min(...metricValues),
        max: Math.max(...metricValues), right: 0, top: "middle", calculable: true,
        inRange: { color: ["#d94e5d", "#eac736", "#50a3ba"].reverse() } },
      series: [{ type: "parallel", lineStyle: { width: 2, opacity: 0.7 }, data }],
    }, "parallel", [{ name: y, points: data }]);
  }

  history() {
    const search = document.getElementById("plot-target").value;
    this.empty = "no search trials recorded (a search runs its trials as points `name[i]`)";
    if (!search) return false;
    const trials = new Map();  // number -> newest row (rows are newest first)
    for (const r of this.rows) {
      if (r.trial && r.trial.search === search && !trials.has(r.trial.number)) trials.set(r.trial.number, r);
    }
    const rows = [...trials.values()].sort((a, b) => a.trial.number - b.trial.number);
    const any = rows.find((r) => r.trial.objective) || {};
    const chosen = document.getElementById("plot-y").value;
    const objective = (any.trial && any.trial.objective) || chosen;
    const minimize = !any.trial || any.trial.direction !== "maximize";
    // the records name the objective (older ones do not: then the metric chosen is used)
    document.getElementById("plot-y-label").hidden = Boolean(any.trial && any.trial.objective);
    const value = (r) => {
      const v = r.metrics[objective] !== undefined ? r.metrics[objective] : r.metrics[objective.split(".").pop()];
      return IBC.isNumber(v) ? v : null;
    };
    const points = rows.filter((r) => value(r) !== null).map((r) => [r.trial.number, value(r)]);
    if (!points.length) return false;
    const best = [];
    let so = null;
    for (const [n, v] of points) {
      so = so === null ? v : minimize ? Math.min(so, v) : Math.max(so, v);
      best.push([n, so]);
    }
    const failed = rows.filter((r) => r.status === "failed").map((r) => r.trial.number);
    document.getElementById("plot-note").textContent =
      `${minimize ? "minimize" : "maximize"} ${objective}` + (failed.length ? `; failed trials: ${failed.join(", ")}` : "");
    return this.draw({
      legend: {}, xAxis: { type: "value", name: "trial", nameLocation: "middle", nameGap: 28, minInterval: 1 },
      yAxis: { type: IBC.Plots.spansDecades(points.map((p) => p[1])) ? "log" : "value", name: objective, scale: true },
      series: [
        { name: "trial", type: "scatter", symbolSize: 8, data: points },
        { name: "best so far", type: "line", step: "end", symbol: "none", data: best },
      ],
    }, "history", [{ name: "trial", points }, { name: "best so far", points: best }]);
  }

  commits() {
    const target = document.getElementById("plot-target").value, y = document.getElementById("plot-y").value;
    this.empty = "no runs of this target with this metric";
    if (!target || !y) return false;
    const rows = this.ok().filter((r) => IBC.Plots.target(r) === target && IBC.isNumber(r.metrics[y]));
    if (!rows.length) return false;
    // a history sweep's points name their version: `target[clean@3f2a1bc]`
    const version = (r) => { const m = /\[(?:[^\]]*?)@([0-9a-fA-F]{4,40}|[^\]=,]+)\]$/.exec(r.experiment); return m ? m[1] : null; };
    const sweep = rows.filter((r) => version(r) !== null);
    let points;
    if (sweep.length) {
      const newest = new Map();  // version -> newest row
      for (const r of sweep) if (!newest.has(version(r))) newest.set(version(r), r);
      // in the sweep's own order (its newest run's records, in the order they were written)
      points = [...newest].map(([v, r]) => [v.slice(0, 10), r.metrics[y], r.experiment]);
      document.getElementById("plot-note").textContent = "the points of a history sweep, by the version they ran, in the sweep's order";
    } else {
      const byCommit = new Map();  // commit -> newest row; rows are newest first
      for (const r of rows) {
        const c = r.commit ? r.commit.slice(0, 10) + (r.dirty ? "+dirty" : "") : "no commit";
        if (!byCommit.has(c)) byCommit.set(c, r);
      }
      points = [...byCommit].reverse().map(([c, r]) => [c, r.metrics[y], r.experiment]);
      document.getElementById("plot-note").textContent = "the newest run of the target at each recorded commit, oldest first";
    }
    return this.draw({
      xAxis: { type: "category", name: "commit", data: points.map((p) => p[0]), nameLocation: "middle", nameGap: 28 },
      yAxis: { type: "value", name: y, scale: true },
      tooltip: { formatter: (p) => `${p.data[2]}<br>${y} = ${p.data[1]}` },
      series: [{ name: y, type: "line", symbolSize: 9, data: points }],
    }, "commits", [{ name: y, points: points.map((p) => [p[0], p[1]]) }]);
  }
};
