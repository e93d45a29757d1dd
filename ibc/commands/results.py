"""`ibc results`: the recorded experiments of a project, as a table, CSV, Markdown, JSON or a plot.

Every run appends records to `<root>/runs/<run id>.jsonl` (`root` is the project's `.ibc`
folder), one JSON object per experiment (docs/running.md "Run records and results"), and its stages
to `<run id>.stages.jsonl`. Run ids start with a UTC timestamp, so they sort in time order. A
killed run may leave a truncated last line or none at all: bad lines are skipped.

- `load_records` keeps the newest record of each distinct (file, experiment, parameters,
  code), or all of them, newest run first (a run's records in their order); `latest_records`
  the newest of each experiment (and its newest without `-s`), for `ibc cache gc`;
- `results_rows` makes one row per record, with a column per parameter whose value differs
  among the records, one per metric, and the run's git `commit` and `dirty` flag;
- `render_results` prints the rows (`table`, `csv`, `markdown`) or the records (`json`, the
  fields docs/running.md "Run records and results" lists), sorted by a column if asked;
- `plot_results` draws one column against another with matplotlib (optional dependency);
- `load_stage_states` gives the last known state and duration of each graph node, for
  `ibc graph` after a run.

Plain text on purpose, as `ibc params`: no `rich`, no colour, padded columns. On a terminal
(or with `$COLUMNS` set) the table fits its width: text columns are cut with `…` first, then
the last columns are hidden, which a note under the table names (`--wide` shows them all).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from ibc.runtime.runlog import read_jsonl

FORMATS = ("table", "csv", "markdown", "json")
JSON_FIELDS = (
    "experiment",
    "file",
    "params",
    "metrics",
    "commit",
    "dirty",
    "status",
    "started",
    "seconds",
)
FIXED_LAST = ("commit", "dirty", "status", "started", "seconds")
SHORT_COMMIT = 10  # hex digits of a commit shown in a table
GAP = "  "
MISSING = "-"
MAX_CELL = 40
MIN_DIGITS, MAX_DIGITS = 4, 17  # significant digits of floats in a table (column_digits)


# ---------------------------------------------------------------------------------------------
# Reading run files


def run_files(root: Path, suffix: str = ".jsonl") -> list[Path]:
    """The run files under `root/runs` in time order: experiment records (`.jsonl`) by
    default, stage records with `suffix=".stages.jsonl"`."""
    runs = Path(root) / "runs"
    if not runs.is_dir():
        return []
    found = []
    for path in runs.iterdir():
        name = path.name
        if not path.is_file() or not name.endswith(suffix):
            continue
        if suffix == ".jsonl" and name.endswith(".stages.jsonl"):
            continue
        found.append(path)
    return sorted(found, key=lambda p: p.name)


def _valid(record: dict) -> bool:
    return isinstance(record.get("experiment"), str)


def _same_file(record_file: Any, wanted: str, project: Path) -> bool:
    if not isinstance(record_file, str):
        return False
    if PurePosixPath(record_file) == PurePosixPath(Path(wanted).as_posix()):
        return True
    try:
        return (project / record_file).resolve() == Path(wanted).resolve()
    except (OSError, RuntimeError):
        return False


def load_records(root: Path, file: str | None = None, all_runs: bool = False) -> list[dict]:
    """The records of experiment runs under `root` (the project's `.ibc` folder), newest run
    first, a run's own records in the order they were written. Unless `all_runs`, only the
    newest record of each distinct (file, experiment, parameters, code): a run with other
    parameters (`-s`) or other code (an edited function, another commit's) is a row of its
    own. `file` keeps the records of one `.ib` file: the path relative to the project root
    (the folder holding `root`) as recorded, or any path that resolves to the same file."""
    root = Path(root)
    project = root.parent
    runs: list[list[dict]] = []
    for path in run_files(root):
        records = []
        for record in read_jsonl(path):
            if not _valid(record):
                continue
            if file is not None and not _same_file(record.get("file"), file, project):
                continue
            records.append(record)
        if records:
            runs.append(records)
    if not all_runs:
        newest: dict[tuple, tuple[int, int]] = {}
        for r, records in enumerate(runs):
            for i, record in enumerate(records):
                newest[identity(record)] = (r, i)
        kept = set(newest.values())
        runs = [[x for i, x in enumerate(rs) if (r, i) in kept] for r, rs in enumerate(runs)]
    return [record for records in reversed(runs) for record in records]


def latest_records(root: Path, file: str | None = None) -> list[dict]:
    """For each (file, experiment), its newest record and, when that one had `-s`
    overrides, the newest without any (what `ibc.runtime.load` returns): the records whose
    results `ibc cache gc FILE` keeps."""
    newest: dict[tuple, dict] = {}
    own: dict[tuple, dict] = {}
    for record in load_records(root, file, all_runs=True):  # newest first
        name = (str(record.get("file")), record["experiment"])
        newest.setdefault(name, record)
        if not record.get("overrides"):
            own.setdefault(name, record)
    kept = list(newest.values())
    kept += [r for name, r in own.items() if r is not newest[name]]
    return kept


def identity(record: dict) -> tuple:
    """What makes two records the same row: file, experiment, parameters and code (the
    structural hash of what computed the value; None in records older than it)."""
    return (
        str(record.get("file")),
        record["experiment"],
        _canonical(_params(record)),
        str(record.get("code")),
    )


def load_stage_states(root: Path) -> dict[str, dict]:
    """For each graph node id seen in a run, its newest stage record: `{"state", "seconds",
    "key", "experiment"}` (for `ibc graph` after a run)."""
    states: dict[str, dict] = {}
    for path in run_files(root, ".stages.jsonl"):
        for record in read_jsonl(path):
            node = record.get("node")
            if isinstance(node, str) and record.get("state") in ("ran", "cached", "failed"):
                states[node] = record
    return states


# ---------------------------------------------------------------------------------------------
# Rows and columns


def _params(record: dict) -> dict:
    params = record.get("params")
    return params if isinstance(params, dict) else {}


def _metrics(record: dict) -> dict:
    metrics = record.get("metrics")
    if not isinstance(metrics, dict):
        return {}
    return {k: v for k, v in metrics.items() if _is_number(v)}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _canonical(value: Any) -> str:
    try:
        return json.dumps(value, sort_keys=True, default=repr)
    except (TypeError, ValueError):
        return repr(value)


def _differing(records: list[dict]) -> list[str]:
    """Parameter paths in order of first appearance whose value is not the same in all records
    (a record without the path differs from one with it)."""
    order: dict[str, None] = {}
    for record in records:
        for path in _params(record):
            order.setdefault(path, None)
    differing = []
    for path in order:
        seen = {_canonical(_params(r)[path]) if path in _params(r) else "\0absent" for r in records}
        if len(seen) > 1:
            differing.append(path)
    return differing


def _column_names(records: list[dict]) -> tuple[list[str], list[tuple[str, str, str]]]:
    """Column names and, for each, where its value comes from: (`field`|`param`|`metric`, key)."""
    columns: list[str] = ["experiment"]
    sources: list[tuple[str, str, str]] = [("experiment", "field", "experiment")]
    taken = {"experiment", *FIXED_LAST}

    def add(name: str, kind: str, key: str, prefix: str) -> None:
        if name in taken:
            name = f"{prefix}.{name}"
        taken.add(name)
        columns.append(name)
        sources.append((name, kind, key))

    for path in _differing(records):
        add(path, "param", path, "params")
    metric_order: dict[str, None] = {}
    for record in records:
        for name in _metrics(record):
            metric_order.setdefault(name, None)
    for name in metric_order:
        add(name, "metric", name, "metrics")
    for name in FIXED_LAST:
        columns.append(name)
        sources.append((name, "field", name))
    return columns, sources


def _cell(record: dict, kind: str, key: str) -> Any:
    if kind == "param":
        return _params(record).get(key)
    if kind == "metric":
        return _metrics(record).get(key)
    return record.get(key)


def results_rows(records: Iterable[dict]) -> tuple[list[str], list[dict]]:
    """The columns (experiment, differing parameters, metrics, status, started, seconds) and
    one row per record mapping each column to its value (None when the record has none)."""
    records = list(records)
    columns, sources = _column_names(records)
    rows = [{name: _cell(r, kind, key) for name, kind, key in sources} for r in records]
    from ibc.commands.results_search import best_records

    best = best_records(records)  # each search's best trial (docs/guide.md, "Searches")
    for record, row in zip(records, rows):
        if id(record) in best:
            row["experiment"] = f"{row['experiment']} (best)"
    from ibc.commands.results_history import add_history_columns  # docs/revisions.md

    return add_history_columns(records, columns, rows), rows


# ---------------------------------------------------------------------------------------------
# Sorting and rendering


def _sort_key(value: Any) -> tuple:
    if _is_number(value):
        return (0, float(value) if not math.isnan(value) else math.inf, "")
    if isinstance(value, str):
        return (1, 0.0, value)
    return (2, 0.0, _canonical(value))


def _sorted_indices(columns: list[str], rows: list[dict], sort: str | None) -> list[int]:
    indices = list(range(len(rows)))
    if not sort:
        return indices
    descending = sort.startswith("-")
    name = sort[1:] if descending else sort
    if name not in columns:
        raise ValueError(f"cannot sort by `{name}`: the columns are {', '.join(columns)}")
    present = [i for i in indices if rows[i].get(name) is not None]
    absent = [i for i in indices if rows[i].get(name) is None]
    present.sort(key=lambda i: _sort_key(rows[i][name]), reverse=descending)
    return present + absent  # records without the value come last either way


def format_number(value: Any, digits: int = MIN_DIGITS) -> str:
    """`digits` significant digits for floats (4: `0.9561`, `1.235e+05`); integers in full."""
    if isinstance(value, int):
        return str(value)
    if math.isnan(value) or math.isinf(value):
        return str(value)
    return f"{value:.{digits}g}"


def column_digits(values: Iterable[Any]) -> int:
    """The significant digits a column's floats are shown with: the fewest, from 4 up to 17
    (enough for any float), that print distinct values distinctly, so six grid points whose
    scores differ in the fifth digit do not all read `0.1218` (docs/running.md, "Run records
    and results")."""
    floats = {
        float(v)
        for v in values
        if _is_number(v) and not isinstance(v, int) and math.isfinite(float(v))
    }
    for digits in range(MIN_DIGITS, MAX_DIGITS):
        if len({f"{v:.{digits}g}" for v in floats}) == len(floats):
            return digits
    return MAX_DIGITS


def _short_time(value: str) -> str:
    """`2026-11-27T03:30:00.123456+00:00` → `2026-11-27 03:30:00` (unparsable: as is)."""
    from datetime import datetime

    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return stamp.strftime("%Y-%m-%d %H:%M:%S")


def _text(value: Any, column: str, limit: int | None = MAX_CELL, digits: int = MIN_DIGITS) -> str:
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_number(value):
        return format_number(value, digits)
    if column == "started" and isinstance(value, str):
        return _short_time(value)
    if column == "commit" and isinstance(value, str):
        return value[:SHORT_COMMIT]
    text = value if isinstance(value, str) else _canonical(value)
    text = " ".join(text.split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def _raw(value: Any) -> str:
    """A CSV cell: full precision, empty when missing, JSON for lists and objects."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value) if not isinstance(value, float) else repr(value)
    return _canonical(value)


def _digits(columns: list[str], rows: list[dict]) -> dict[str, int]:
    return {c: column_digits(row[c] for row in rows) for c in columns}


def _table(columns: list[str], rows: list[dict], width: int | None = None) -> str:
    """The aligned table; `width` as `ibc.commands.params.table_width` gives it (None: cells
    cut at MAX_CELL; WIDE: nothing cut; a number: the table fits that many columns)."""
    from ibc.commands.params import WIDE, clip, fit_widths

    digits = _digits(columns, rows)
    limit = None if width == WIDE else MAX_CELL
    cells = [[_text(row[c], c, limit, digits[c]) for c in columns] for row in rows]
    numeric = [
        any(_is_number(row[c]) for row in rows)
        and all(row[c] is None or _is_number(row[c]) for row in rows)
        for c in columns
    ]
    widths = [max([len(c)] + [len(line[i]) for line in cells]) for i, c in enumerate(columns)]
    hidden: list[str] = []
    if width:
        # text columns are cut first (headers stay whole), the experiment's name last; then
        # columns are hidden from the right (commit, status, time before the metrics)
        minimums = [max(len(c), 6) for c in columns]
        text_columns = [i for i in range(1, len(columns)) if not numeric[i]]
        widths = fit_widths(widths, width, text_columns, minimums)
        while len(widths) > 2 and sum(widths) + len(GAP) * (len(widths) - 1) > width:
            hidden.insert(0, columns[len(widths) - 1])
            widths.pop()
        widths = fit_widths(widths, width, [0], minimums)
        columns = columns[: len(widths)]
        cells = [[v if len(v) <= w else clip(v, w) for v, w in zip(line, widths)] for line in cells]

    def line(values: list[str]) -> str:
        padded = [
            v.rjust(widths[i]) if numeric[i] else v.ljust(widths[i]) for i, v in enumerate(values)
        ]
        return GAP.join(padded).rstrip()

    out = [line(columns), line(["-" * w for w in widths])]
    out.extend(line(values) for values in cells)
    if hidden:
        note = f"({len(hidden)} more columns: {', '.join(hidden)}; --wide shows them)"
        out.append(note if len(note) <= width else f"({len(hidden)} more columns: --wide)")
    return "\n".join(out) + "\n"


def _markdown(columns: list[str], rows: list[dict]) -> str:
    def cell(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|")

    digits = _digits(columns, rows)
    out = ["| " + " | ".join(cell(c) for c in columns) + " |"]
    out.append("| " + " | ".join("---" for _ in columns) + " |")
    for row in rows:
        texts = [cell(_text(row[c], c, None, digits[c])) for c in columns]
        out.append("| " + " | ".join(texts) + " |")
    return "\n".join(out) + "\n"


def _csv(columns: list[str], rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_raw(row[c]) for c in columns])
    return buffer.getvalue()


def json_record(record: dict, best: bool | None = None) -> dict:
    """A record in the shape of `ibc results --format json` (docs/running.md, "Run records
    and results"); values in full. A search trial's `best` is `best` when given (worked out
    from the rows, `results_search.best_records`), else the flag as recorded."""
    trial = record.get("trial")
    if trial and best is not None:
        trial = dict(trial, best=best)
    return {
        "experiment": record.get("experiment"),
        "file": record.get("file"),
        "params": _params(record),
        "metrics": _metrics(record),
        "commit": record.get("commit"),
        "dirty": record.get("dirty"),
        "status": record.get("status"),
        "started": record.get("started"),
        "seconds": record.get("seconds"),
        **({"trial": trial} if trial else {}),
    }


def render_results(
    records: Iterable[dict], fmt: str = "table", sort: str | None = None, width=None
) -> str:
    """The records as text in `fmt` (`table`, `csv`, `markdown`, `json`), sorted by column
    `sort` (`-name`: descending; missing values last); a table fits `width` (`_table`).
    Raises ValueError for an unknown format or column (the message lists the columns)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format `{fmt}`: use one of {', '.join(FORMATS)}")
    records = list(records)
    columns, rows = results_rows(records)
    order = _sorted_indices(columns, rows, sort)
    if fmt == "json":
        from ibc.commands.results_search import best_records

        best = best_records(records)  # the table's `(best)`, not the flag as run (one trial)
        shown = [json_record(records[i], id(records[i]) in best) for i in order]
        return json.dumps(shown, indent=2, default=repr) + "\n"
    rows = [rows[i] for i in order]
    if fmt == "csv":
        return _csv(columns, rows)
    if fmt == "markdown":
        return _markdown(columns, rows)
    return _table(columns, rows, width)


# ---------------------------------------------------------------------------------------------
# Plotting

PLOT_NEEDS = "--plot needs matplotlib: pip install 'iterbuild[plot]'"


def plot_results(records: Iterable[dict], x: str, y: str, out: Path) -> dict[str, list]:
    """Draw column `y` (numeric) against column `x` (numeric or categorical) into `out` (the
    format from its suffix: `.png`, `.svg`, `.pdf`). When other parameters differ among the
    records, or the records are of several targets, each combination is its own labelled
    series. Categories are placed in time order, oldest left: `commit,accuracy` compares code
    versions (a dirty tree's commit is its own category, `abc1234567+dirty`). A positive
    numeric `x` spanning two orders of magnitude or more gets a log scale. Uses matplotlib's
    Agg canvas directly, leaving the global backend alone; raises RuntimeError without
    matplotlib. Returns what was drawn: each series' label and its `(x, y)` points, `x` as
    shown on the axis."""
    records = list(records)
    columns, rows = results_rows(records)
    for name in (x, y):
        if name not in columns:
            raise ValueError(f"cannot plot `{name}`: the columns are {', '.join(columns)}")
    # oldest first, so that categories (commits above all) read left to right in time
    chosen = [
        i
        for i in reversed(range(len(rows)))
        if rows[i].get(x) is not None and _is_number(rows[i].get(y))
    ]
    if not chosen:
        raise ValueError(f"no recorded experiment has a number for `{y}` and a value for `{x}`")
    if x == "commit":  # the versions of a history sweep in history order (docs/revisions.md)
        from ibc.commands.results_history import commit_order

        chosen = commit_order(rows, chosen)
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise RuntimeError(PLOT_NEEDS) from exc

    params = {name for name, kind, _ in _column_names(records)[1] if kind == "param"}
    if x == "commit":  # a history axis is what the x axis shows
        from ibc.commands.results_history import axis_paths

        params -= axis_paths(records)
    others = [  # the parameters that differ among the points drawn
        c
        for c in columns
        if c in params and c not in (x, y) and len({_canonical(rows[i][c]) for i in chosen}) > 1
    ]
    targets = {i: _target(records[i]) for i in chosen}
    by_target = len(set(targets.values())) > 1 and x != "experiment"
    numeric_x = all(_is_number(rows[i][x]) for i in chosen)

    def shown_x(i: int) -> str:
        text = _text(rows[i][x], x)
        return text + "+dirty" if x == "commit" and rows[i].get("dirty") else text

    categories: dict[str, int] = {}
    if not numeric_x:
        for i in chosen:
            categories.setdefault(shown_x(i), len(categories))

    series: dict[str, list[tuple[float, float]]] = {}
    drawn: dict[str, list] = {}
    for i in chosen:
        r = rows[i]
        parts = [targets[i]] if by_target else []
        parts += [f"{c}={_text(r[c], c)}" for c in others]
        label = ", ".join(parts)
        xv = float(r[x]) if numeric_x else float(categories[shown_x(i)])
        series.setdefault(label, []).append((xv, float(r[y])))
        drawn.setdefault(label, []).append((r[x] if numeric_x else shown_x(i), r[y]))

    figure = Figure(figsize=(6.4, 4.2), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for label, values in series.items():
        values.sort()
        xs, ys = [v[0] for v in values], [v[1] for v in values]
        joined = (numeric_x or x == "commit") and len(values) > 1
        axes.plot(xs, ys, "o-" if joined else "o", label=label or None)
    if not numeric_x:
        axes.set_xticks(list(categories.values()), list(categories))
        axes.margins(x=0.2)
        if x == "commit":
            axes.tick_params(axis="x", labelrotation=30)
    else:
        xs = [float(rows[i][x]) for i in chosen]
        if min(xs) > 0 and max(xs) / min(xs) >= 100:  # a sweep over orders of magnitude
            axes.set_xscale("log")
    axes.set_xlabel(x)
    axes.set_ylabel(y)
    axes.grid(True, alpha=0.3)
    if any(series) and len(series) > 1:
        axes.legend(fontsize="small")
    figure.savefig(Path(out))
    return drawn


def _target(record: dict) -> str:
    target = record.get("target")
    if isinstance(target, str):
        return target
    return str(record.get("experiment", "")).split("[", 1)[0]
