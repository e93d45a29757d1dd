// The runs table (docs/ui.md, "Runs"): every recorded experiment run, sortable by any column
// (click its header; again to reverse), filterable by any column (text: a substring; `>0.9`,
// `<=10`, `=0.1`: a comparison with a number) and by one box over all columns, columns chosen
// by the user, rows selected with their check box.
"use strict";

IBC.Table = class {
  static PAGE = 200;  // rows drawn at first (a table of 1,000 rows takes half a second to lay out)

  constructor(table, onSelect) {
    this.table = table;
    this.onSelect = onSelect;
    this.rows = [];
    this.columns = [];
    this.hidden = new Set();    // column ids the user hid
    this.shown = new Set();     // column ids the user showed (hidden by default)
    this.filters = {};          // column id -> filter text
    this.search = "";
    this.sort = null;           // {id, descending}
    this.selected = [];         // row ids, in the order selected
    this.limit = IBC.Table.PAGE; // rows drawn; "show more" draws the next page
  }

  setRows(rows) {
    this.rows = rows;
    this.columns = IBC.columns(rows);
    const ids = new Set(rows.map((r) => r.id));
    this.selected = this.selected.filter((id) => ids.has(id));
    this.render();
  }

  visible() {
    return this.columns.filter((c) => (c.show ? !this.hidden.has(c.id) : this.shown.has(c.id)));
  }

  setVisible(id, on) {
    const column = this.columns.find((c) => c.id === id);
    if (!column) return;
    if (column.show) on ? this.hidden.delete(id) : this.hidden.add(id);
    else on ? this.shown.add(id) : this.shown.delete(id);
    this.render();
  }

  static matches(filter, value, text) {
    filter = filter.trim();
    if (!filter) return true;
    const comparison = /^(<=|>=|<|>|=|!=)\s*(-?[\d.]+(?:e[-+]?\d+)?)$/i.exec(filter);
    if (comparison && IBC.isNumber(value)) {
      const n = parseFloat(comparison[2]);
      switch (comparison[1]) {
        case "<": return value < n;
        case "<=": return value <= n;
        case ">": return value > n;
        case ">=": return value >= n;
        case "=": return value === n;
        case "!=": return value !== n;
      }
    }
    if (comparison) return false;
    return text.toLowerCase().includes(filter.toLowerCase());
  }

  filtered() {
    const columns = this.columns;
    const active = Object.entries(this.filters).filter(([, f]) => f.trim());
    const search = this.search.trim().toLowerCase();
    let rows = this.rows.filter((row) => {
      for (const [id, filter] of active) {
        const column = columns.find((c) => c.id === id);
        if (!column) continue;
        const value = column.get(row);
        if (!IBC.Table.matches(filter, value, IBC.cellText(column, value))) return false;
      }
      if (search) {
        return columns.some((c) => IBC.cellText(c, c.get(row)).toLowerCase().includes(search));
      }
      return true;
    });
    if (this.sort) {
      const column = columns.find((c) => c.id === this.sort.id);
      if (column) {
        const sign = this.sort.descending ? -1 : 1;
        const present = rows.filter((r) => column.get(r) !== null && column.get(r) !== undefined);
        const absent = rows.filter((r) => column.get(r) === null || column.get(r) === undefined);
        present.sort((a, b) => sign * IBC.Table.compare(column.get(a), column.get(b)));
        rows = present.concat(absent);  // rows without the value last, either way
      }
    }
    // runs in flight first, whatever the order: they have no values to sort by yet
    return rows.filter((r) => r.status === "running").concat(rows.filter((r) => r.status !== "running"));
  }

  static compare(a, b) {
    if (IBC.isNumber(a) && IBC.isNumber(b)) return a - b;
    if (IBC.isNumber(a)) return -1;
    if (IBC.isNumber(b)) return 1;
    const x = typeof a === "object" ? JSON.stringify(a) : String(a);
    const y = typeof b === "object" ? JSON.stringify(b) : String(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }

  toggleSort(id) {
    if (this.sort && this.sort.id === id) this.sort = { id, descending: !this.sort.descending };
    else this.sort = { id, descending: false };
    this.render();
  }

  toggleRow(id) {
    const at = this.selected.indexOf(id);
    if (at >= 0) this.selected.splice(at, 1);
    else {
      this.selected.push(id);
      if (this.selected.length > 2) this.selected.shift();  // the two most recent
    }
    this.render();
    this.onSelect(this.selected.slice());
  }

  render() {
    const el = IBC.el;
    const columns = this.visible();
    const head = this.table.tHead;
    const focused = document.activeElement && document.activeElement.dataset.filter;
    head.replaceChildren(
      el("tr", {}, el("th", {}, ""), columns.map((c) => {
        const sorted = this.sort && this.sort.id === c.id;
        const cls = sorted ? (this.sort.descending ? "sorted-desc" : "sorted-asc") : null;
        return el("th", { class: cls, "data-column": c.id, title: c.kind ? `${c.kind} ${c.label}` : c.label,
          onclick: () => this.toggleSort(c.id) }, c.label);
      })),
      el("tr", {}, el("th", {}, ""), columns.map((c) => el("th", {},
        el("input", { type: "search", "data-filter": c.id, value: this.filters[c.id] || "",
          placeholder: "filter", "aria-label": `filter ${c.label}`,
          oninput: (e) => { this.filters[c.id] = e.target.value; this.renderBody(); } })))),
    );
    if (focused) {
      const input = head.querySelector(`input[data-filter="${CSS.escape(focused)}"]`);
      if (input) { input.focus(); input.setSelectionRange(input.value.length, input.value.length); }
    }
    this.renderBody();
  }

  renderBody() {
    const el = IBC.el;
    const columns = this.visible();
    const rows = this.filtered();
    const body = this.table.tBodies[0];
    const fragment = document.createDocumentFragment();
    for (const row of rows.slice(0, this.limit)) {
      const selected = this.selected.includes(row.id);
      const classes = [row.status === "failed" ? "failed" : "", row.status === "running" ? "running" : "",
        selected ? "selected" : ""].join(" ").trim();
      const live = row.status === "running";
      fragment.append(el("tr", { class: classes || null, "data-id": row.id },
        el("td", {}, el("input", { type: "checkbox", checked: selected, disabled: live,
          "aria-label": `select ${row.experiment}`, onchange: () => this.toggleRow(row.id) })),
        columns.map((c) => {
          const value = c.get(row);
          const text = IBC.cellText(c, value);
          const title = row.status === "failed" && c.id === "error" && row.where ? `${row.where}: ${row.error}` : text;
          return el("td", { class: [IBC.isNumber(value) ? "num" : "", c.id === "status" ? "status" : ""].join(" ").trim() || null,
            title: IBC.isNumber(value) ? String(value) : title }, text);
        })));
    }
    body.replaceChildren(fragment);
    document.getElementById("count").textContent = `${rows.length} of ${this.rows.length} runs`;
    const more = document.getElementById("more");
    more.hidden = rows.length <= this.limit;
    more.textContent = `${Math.min(this.limit, rows.length)} of ${rows.length} shown: show ${Math.min(IBC.Table.PAGE, rows.length - this.limit)} more`;
    this.renderChooser();
  }

  renderChooser() {
    const list = document.getElementById("columns-list");
    const visible = new Set(this.visible().map((c) => c.id));
    list.replaceChildren(...this.columns.map((c) => IBC.el("label", {},
      IBC.el("input", { type: "checkbox", "data-column": c.id, checked: visible.has(c.id),
        onchange: (e) => this.setVisible(c.id, e.target.checked) }),
      " " + (c.kind ? `${c.kind}: ` : "") + c.label)));
  }
};
