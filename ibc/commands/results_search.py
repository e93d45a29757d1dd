"""`ibc results [FILE] SEARCH`: the trials of one search (docs/guide.md, "Searches").

The run records of a search's trials carry `"trial": {"search", "number", "best", "axes",
"objective", "direction"}` (`ibc.runtime.running`). This shows the trials of one search, by
number: the axes' values, the objective, the status (a failed trial is a row too) and the best
completed trial marked, worked out from the rows themselves (the lowest or highest objective
by the search's direction, the first on a tie), so that a run of one trial (`ibc run FILE
'tuned[3]'`), which does not know the best, changes nothing. Of the records of one trial
number the newest is shown (`--all`: every one). The `(best)` mark of the whole table
(`ibc results FILE`, and its JSON's `"best"`) is worked out the same way (`best_records`).
`--plot trial,Y` draws the optimization history: `Y` per trial and the best so far as a step
line; `--plot X,Y` with another `X` is the general plot (`ibc.commands.results.plot_results`) of the search's trials.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ibc.commands.results import (
    PLOT_NEEDS,
    _csv,
    _is_number,
    _markdown,
    _table,
    json_record,
    plot_results,
)


def split_search(file: str | None, search: str | None) -> tuple[str | None, str | None]:
    """`(FILE, NAME)` of `ibc results [FILE] [NAME]`: a single word that names no existing
    file and does not end in `.ib` is a search's or a sweep's name (`ibc results tuned`)."""
    if search is None and file is not None:
        if not file.endswith(".ib") and not Path(file).exists():
            return None, file
    return file, search


def sweep_points(records: list[dict], name: str) -> list[dict] | None:
    """The records of the points of a sweep `name` (`regress[clean@3f2a1bc]`, `grid[C=0.1]`),
    for the general table; None when `name` is a search's (its trials have their own table)
    or names nothing recorded."""
    if any((r.get("trial") or {}).get("search") == name for r in records):
        return None
    points = [r for r in records if str(r.get("experiment", "")).startswith(f"{name}[")]
    return points or None


def trial_records(records: list[dict], search: str, all_runs: bool = False) -> list[dict]:
    """The records of `search`'s trials, by trial number (the newest of each number unless
    `all_runs`)."""
    trials = [r for r in records if (r.get("trial") or {}).get("search") == search]
    trials.sort(key=lambda r: (r["trial"].get("number", 0), str(r.get("started") or "")))
    if all_runs:
        return trials
    newest: dict[int, dict] = {}
    for record in trials:
        newest[record["trial"].get("number", 0)] = record  # sorted: the newest last
    return [newest[number] for number in sorted(newest)]


def objective_of(record: dict) -> float | None:
    """The trial's objective: its field path in the recorded value (None when failed)."""
    if record.get("status") != "ok":
        return None
    value = record.get("value")
    path = (record["trial"].get("objective") or "").split(".")
    for part in path:
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return float(value) if _is_number(value) else None


def best_index(trials: list[dict]) -> int | None:
    """The position in `trials` of the best completed trial, or None."""
    scored = [(i, objective_of(r)) for i, r in enumerate(trials)]
    scored = [(i, v) for i, v in scored if v is not None]
    if not scored:
        return None
    direction = trials[scored[0][0]]["trial"].get("direction")
    if direction not in ("minimize", "maximize"):  # a record of an older ibc: its own mark
        return next((i for i, r in enumerate(trials) if r["trial"].get("best")), None)
    sign = 1.0 if direction == "minimize" else -1.0
    return min(scored, key=lambda item: (sign * item[1], item[0]))[0]


def best_records(records: list[dict]) -> set[int]:
    """The ids of the records that are their search's best trial (of the newest record of
    each trial number), for the `(best)` mark of `ibc results`."""
    by_search: dict[str, list[dict]] = {}
    for record in records:
        search = (record.get("trial") or {}).get("search")
        if search is not None:
            by_search.setdefault(search, []).append(record)
    out = set()
    for search, found in by_search.items():
        trials = trial_records(found, search)
        index = best_index(trials)
        if index is not None:
            out.add(id(trials[index]))
    return out


def _rows(trials: list[dict]) -> tuple[list[str], list[dict]]:
    axes: list[str] = []
    for record in trials:
        for path in record["trial"].get("axes") or sorted(record.get("params") or {}):
            if path not in axes:
                axes.append(path)
    objective = trials[0]["trial"].get("objective") or "objective"
    best = best_index(trials)
    columns = ["trial", *axes, objective, "best", "status", "started", "seconds"]
    rows = []
    for i, record in enumerate(trials):
        params = record.get("params") or {}
        row = {
            "trial": record["trial"].get("number"),
            **{path: params.get(path) for path in axes},
            objective: objective_of(record),
            "best": "*" if i == best else "",
            "status": record.get("status"),
            "started": record.get("started"),
            "seconds": record.get("seconds"),
        }
        rows.append(row)
    return columns, rows


def render_trials(records: list[dict], search: str, fmt: str, all_runs: bool = False) -> str:
    """The trials of `search` as text in `fmt`; ValueError when none is recorded."""
    trials = trial_records(records, search, all_runs)
    if not trials:
        raise ValueError(_none_recorded(records, search))
    if fmt == "json":
        best = best_index(trials)
        out = []
        for i, record in enumerate(trials):
            shown = json_record(record)
            shown["trial"] = dict(record["trial"], best=i == best)
            shown["objective"] = objective_of(record)
            out.append(shown)
        return json.dumps(out, indent=2, ensure_ascii=False) + "\n"
    columns, rows = _rows(trials)
    render = {"table": _table, "csv": _csv, "markdown": _markdown}[fmt]
    return render(columns, rows)


def _none_recorded(records: list[dict], search: str) -> str:
    searches = sorted({(r.get("trial") or {}).get("search") for r in records} - {None})
    known = f" (recorded searches: {', '.join(searches)})" if searches else ""
    return (
        f"no recorded trial of a search or point of a sweep `{search}`{known}\n"
        f"  hint: run the search first: `ibc run FILE {search}`"
    )


def plot_history(records: list[dict], search: str, x: str, y: str, out: Path) -> str:
    """Draw `search`'s trials into `out`: with `x` == "trial", `y` per trial (failed trials
    left out) and the best so far as a step line (the optimization history); with another
    `x`, the general plot of the trials' records. Returns a line saying what was drawn."""
    trials = trial_records(records, search)
    if not trials:
        raise ValueError(_none_recorded(records, search))
    if x != "trial":
        drawn = plot_results(trials, x, y, out)
        return f"wrote {out} ({sum(len(v) for v in drawn.values())} trials of {search})"
    objective = trials[0]["trial"].get("objective")
    points = []
    for record in trials:
        if y == objective:
            value = objective_of(record)
        else:
            value = (record.get("metrics") or {}).get(y) if record.get("status") == "ok" else None
        if _is_number(value):
            points.append((record["trial"]["number"], float(value)))
    if not points:
        raise ValueError(f"no trial of `{search}` has a number for `{y}`")
    direction = trials[0]["trial"].get("direction")
    if y != objective or direction not in ("minimize", "maximize"):
        direction = "minimize" if y != objective else direction or "minimize"
    pick = min if direction == "minimize" else max
    best_so_far, best = [], None
    for _, value in points:
        best = value if best is None else pick(best, value)
        best_so_far.append(best)
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise RuntimeError(PLOT_NEEDS) from exc
    figure = Figure(figsize=(6.4, 4.2), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    xs = [p[0] for p in points]
    axes.plot(xs, [p[1] for p in points], "o", label=f"{y} per trial")
    axes.step(xs, best_so_far, where="post", label=f"best so far ({direction})")
    axes.set_xlabel("trial")
    axes.set_ylabel(y)
    axes.set_title(f"{search}: optimization history")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize="small")
    figure.savefig(Path(out))
    where = xs[[p[1] for p in points].index(best_so_far[-1])]
    return (
        f"wrote {out} ({len(points)} of {len(trials)} trials of {search}; "
        f"best {y} {best_so_far[-1]:.6g} at {search}[{where}])"
    )


def search_results(args, records: list[dict], search: str) -> int:
    """`ibc results [FILE] SEARCH` for the command line: the trials, or with `--plot X,Y -o
    OUT` their plot; returns the exit code (2 for a bad request, said on stderr)."""
    try:
        if args.plot:
            x, comma, y = args.plot.partition(",")
            if not comma or not x or not y or not args.output:
                print("error: --plot X,Y needs two column names and -o OUT.png", file=sys.stderr)
                return 2
            said = plot_history(records, search, x.strip(), y.strip(), Path(args.output))
            print(said, file=sys.stderr)
            return 0
        sys.stdout.write(render_trials(records, search, args.format, args.all))
    except (ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
