// Below the table (docs/ui.md, "Runs"): one selected run's provenance and value, or the diff
// of two. Records come whole from /api/record; a value is shown from the JSON summary its
// record keeps ("no summary" when it has none); nothing is unpickled.
"use strict";

IBC.PROVENANCE = ["experiment", "target", "kind", "file", "status", "error", "where", "at",
  "params", "overrides", "trial", "commit", "dirty", "code", "fingerprints", "revisions",
  "libraries", "inputs", "python", "started", "seconds", "counts", "metrics", "key", "run"];

IBC.recordPath = function (rowId) {
  const [run, index] = rowId.split("/");
  return `/api/record/${encodeURIComponent(run)}/${encodeURIComponent(index)}`;
};

// The value from its record's JSON rendering, else from its entry's header; where it is stored.
IBC.valueView = function (record, entry) {
  const el = IBC.el;
  if (record.status !== "ok") return el("p", { class: "error" }, "no value: the run failed");
  const meta = entry && entry.meta ? entry.meta : {};
  const value = record.value !== null && record.value !== undefined ? record.value : meta.json;
  const stored = !record.key ? "not stored (the value could not be pickled)"
    : !entry ? "no longer in the store (ibc run the experiment again to load it)"
    : entry.damaged ? "its store entry is damaged" : entry.untrusted ? "its store entry is not signed by $IBC_STORE_KEY"
    : `stored: ${entry.size} bytes (${entry.codec})`;
  return el("div", {},
    value === null || value === undefined
      ? el("p", { class: "hint", id: "value" }, "no summary: neither the record nor the entry keeps a JSON rendering of this value")
      : el("pre", { id: "value" }, IBC.json(value)),
    el("p", { class: "hint", id: "stored" }, stored));
};

IBC.kvTable = function (pairs, cls) {
  const el = IBC.el;
  return el("table", { class: "kv " + (cls || "") }, pairs.map(([k, ...vs]) =>
    el("tr", { "data-key": k }, el("th", {}, k), vs.map((v, i) => el("td", { class: ["a", "b"][i] || null },
      typeof v === "string" ? v : v === undefined ? "—" : IBC.json(v))))));
};

IBC.showDetails = async function (ids, container) {
  const el = IBC.el;
  if (ids.length === 0) { container.replaceChildren(); return; }
  let records;
  try {
    records = await Promise.all(ids.map((id) => IBC.get(IBC.recordPath(id))));
  } catch (e) {
    container.replaceChildren(el("p", { class: "error" }, String(e.message || e)));
    return;
  }
  const entries = records.map((found) => found.entry);
  records = records.map((found) => found.record);
  if (records.length === 1) {
    const r = records[0];
    const keys = IBC.PROVENANCE.filter((k) => k in r).concat(Object.keys(r).filter((k) => !IBC.PROVENANCE.includes(k) && k !== "value"));
    const graphLink = el("button", { type: "button", id: "show-graph",
      onclick: () => IBC.app.showGraph(r.run, r.experiment) }, "Stage graph of this run");
    container.replaceChildren(el("div", { id: "provenance" },
      el("h2", {}, `${r.experiment} — run ${r.run}`), graphLink,
      r.status === "failed" ? el("p", { class: "error", id: "failure" },
        `failed${r.where ? " " + r.where : r.at ? " at " + r.at : ""}: ${r.error}`) : null,
      el("h2", {}, "Value"), IBC.valueView(r, entries[0]),
      el("h2", {}, "Provenance"), IBC.kvTable(keys.map((k) => [k, r[k]]))));
    return;
  }
  const [a, b] = records;
  const flat = (value, prefix, out) => {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      const keys = Object.keys(value);
      if (keys.length === 0 && prefix) out[prefix] = "{}";
      for (const k of keys) flat(value[k], prefix ? `${prefix}.${k}` : k, out);
    } else if (prefix) out[prefix] = JSON.stringify(value);
    return out;
  };
  const fa = flat(a, "", {}), fb = flat(b, "", {});
  const keys = [...new Set(Object.keys(fa).concat(Object.keys(fb)))]
    .filter((k) => k !== "run" && !k.startsWith("counts.") && fa[k] !== fb[k]);
  const order = (k) => { const i = IBC.PROVENANCE.indexOf(k.split(".")[0]); return i < 0 ? 99 : i; };
  keys.sort((x, y) => order(x) - order(y));
  container.replaceChildren(el("div", { id: "diff" },
    el("h2", {}, `Diff: ${a.experiment} (run ${a.run}) and ${b.experiment} (run ${b.run})`),
    keys.length ? IBC.kvTable([["", "A: " + a.experiment, "B: " + b.experiment]]
      .concat(keys.map((k) => [k, fa[k], fb[k]])), "diff")
      : el("p", {}, "the two records are the same but for their run")));
};
