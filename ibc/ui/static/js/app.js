// The page (docs/ui.md): three views over the project's run records, kept up to date by
// polling /api/version once a second; when it changes the rows are fetched again, so a run
// started by another `ibc run` appears (status "running") and its records join as they end.
"use strict";

IBC.POLL_MS = 1000;

IBC.App = class {
  constructor() {
    this.version = null;
    this.rows = [];
    this.view = "runs";
    this.table = new IBC.Table(document.getElementById("runs"), (ids) =>
      IBC.showDetails(ids, document.getElementById("details")));
    this.plots = new IBC.Plots(document.getElementById("chart"));
    this.graph = new IBC.Graph(document.getElementById("graph"), document.getElementById("stage-details"));
    this.graphRuns = [];
  }

  async start() {
    for (const tab of document.querySelectorAll(".tab")) {
      tab.addEventListener("click", () => this.switchTo(tab.dataset.view));
    }
    document.getElementById("search").addEventListener("input", (e) => {
      this.table.search = e.target.value;
      this.table.renderBody();
    });
    document.getElementById("more").addEventListener("click", () => {
      this.table.limit += IBC.Table.PAGE;
      this.table.renderBody();
    });
    document.getElementById("clear-selection").addEventListener("click", () => {
      this.table.selected = [];
      this.table.render();
      IBC.showDetails([], document.getElementById("details"));
    });
    for (const id of ["plot-kind", "plot-x", "plot-y", "plot-target"]) {
      document.getElementById(id).addEventListener("change", () => this.plots.update(this.rows));
    }
    document.getElementById("graph-run").addEventListener("change", () => this.fillExperiments());
    document.getElementById("graph-experiment").addEventListener("change", () => this.loadGraph());
    IBC.get("/api/project").then((p) => {
      document.getElementById("project").textContent = p.name + (p.files ? " · " + p.files.join(", ") : "");
      document.title = `ibc ui · ${p.name}`;
    });
    await this.refresh();
    // after the next paint: the time to first render bench/ui.py reads (docs/ui.md)
    await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
    IBC.firstRender = performance.now();
    document.body.dataset.ready = "1";
    setInterval(() => this.poll(), IBC.POLL_MS);
  }

  switchTo(view) {
    this.view = view;
    for (const tab of document.querySelectorAll(".tab")) tab.classList.toggle("active", tab.dataset.view === view);
    for (const section of document.querySelectorAll(".view")) section.hidden = section.id !== `view-${view}`;
    if (view === "plots") this.plots.update(this.rows).then(() => this.plots.chart && this.plots.chart.resize());
    if (view === "graph") this.refreshGraphRuns();
  }

  async poll() {
    const live = document.getElementById("live");
    try {
      const { version } = await IBC.get("/api/version");
      live.classList.add("on");
      if (version !== this.version) await this.refresh();
    } catch (e) {
      live.classList.remove("on");
      live.textContent = "server unreachable";
    }
  }

  async refresh() {
    const { version, rows } = await IBC.get("/api/runs");
    performance.mark("ibc-rows");
    this.version = version;
    this.rows = rows;
    this.table.setRows(rows);
    performance.mark("ibc-table");
    const live = document.getElementById("live");
    const running = rows.filter((r) => r.status === "running").length;
    live.textContent = `live · ${rows.length - running} records` + (running ? ` · ${running} running` : "") +
      ` · updated ${new Date().toLocaleTimeString()}`;
    live.classList.add("on");
    if (this.view === "plots") this.plots.update(rows);
    if (this.view === "graph") await this.refreshGraphRuns();
  }

  async refreshGraphRuns() {
    const { runs } = await IBC.get("/api/graphs");
    this.graphRuns = runs;
    const select = document.getElementById("graph-run");
    const before = this.pendingRun || select.value;
    select.replaceChildren(...runs.map((r) => IBC.el("option", { value: r.run }, r.run)));
    if (runs.some((r) => r.run === before)) select.value = before;
    if (!runs.length) {
      document.getElementById("graph-note").textContent = "no run has left a stage log yet";
      return;
    }
    this.fillExperiments();
  }

  fillExperiments() {
    const run = this.graphRuns.find((r) => r.run === document.getElementById("graph-run").value);
    const select = document.getElementById("graph-experiment");
    const before = this.pendingExperiment !== undefined ? this.pendingExperiment : select.value;
    const names = run ? run.experiments : [];
    select.replaceChildren(IBC.el("option", { value: "" }, "every experiment"),
      ...names.map((n) => IBC.el("option", { value: n }, n)));
    if (before === "" || names.includes(before)) select.value = before;
    this.pendingRun = this.pendingExperiment = undefined;
    this.loadGraph();
  }

  loadGraph() {
    const run = document.getElementById("graph-run").value;
    if (!run) return Promise.resolve();
    const experiment = document.getElementById("graph-experiment").value;
    const key = run + "\0" + experiment;
    if (key === this.graphKey && this.graph.data) return Promise.resolve();
    this.graphKey = key;
    return this.graph.load(run, experiment).catch((e) => {
      document.getElementById("graph-note").textContent = String(e.message || e);
    });
  }

  showGraph(run, experiment) {
    this.pendingRun = run;
    this.pendingExperiment = experiment;
    this.graphKey = null;
    this.switchTo("graph");
  }
};

document.addEventListener("DOMContentLoaded", () => {
  IBC.app = new IBC.App();
  IBC.app.start().catch((e) => {
    document.getElementById("details").replaceChildren(IBC.el("p", { class: "error" }, String(e.message || e)));
  });
});
