"""Running a notebook session's targets: values, not printed lines.

`ibc run` prints each target's JSON rendering (`ibc.runtime.running.Run`); a notebook wants
the values themselves (arrays, frames, fitted models). `run_jobs` evaluates the jobs of the
named targets (a sweep is one job per point) with an `Evaluator` over the project's
`DiskStore`, so cached stages are loaded, not run, and records the run as `ibc run` does
(`<store>/runs/*.jsonl`, for `ibc results` and `ibc graph`). `as_table` turns the values into
what a cell shows: a DataFrame with one row per job when every value is a record, else the
dict itself.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from ibc.runtime.errors import format_failure
from ibc.runtime.evaluate import VALUE, Evaluator
from ibc.runtime.values import jsonable


def run_jobs(program, names: list[str], force: bool = False, relocate: Callable[[str], str] = str):
    """Evaluate targets `names` of `program`; a `RunOutcome`. `relocate` rewrites the `.ib`
    locations of failure reports (session lines → cell lines)."""
    from ibc.notebook.session import RunOutcome
    from ibc.runtime import provenance
    from ibc.runtime.executors import LocalExecutor
    from ibc.runtime.hashing import FileHashes
    from ibc.runtime.runlog import RunLog, iso, metrics_of, new_run_id, store_root
    from ibc.runtime.store import DiskStore

    program.activate()
    root = store_root(program.project_root)
    run_id = new_run_id()
    files = FileHashes(root / "files.json")
    executor = LocalExecutor()
    evaluator = Evaluator(executor, DiskStore(root), force=force, run_id=run_id, files=files)
    records = RunLog(root, run_id)
    git = provenance.GitState(program.project_root or os.path.dirname(_file(program)) or ".")
    scope = program.scope()
    stack = program.stack(scope)
    if any(t.kind == "search" for t in program.targets.values()):
        from ibc.runtime.search import drive  # its trials first: they become its points

        drive(program, evaluator, scope, stack, names)
    jobs = program.jobs(names)
    outcome = RunOutcome()
    roots, shown_of = [], []
    for shown, kind, name, index in jobs:
        try:
            node = program.job_node(scope, stack, name, index)
        except Exception as exc:  # noqa: BLE001 - a builder failed: reported like a stage
            outcome.failures[shown] = relocate(format_failure(shown, kind, exc))
            continue
        roots.append((VALUE, node, shown))
        shown_of.append((shown, kind, name, index))
    values: dict[str, object] = {}
    started = time.time()
    last = [started]

    def on_root(i: int, value, failure) -> None:
        shown, kind, name, index = shown_of[i]
        now = time.time()
        if failure is not None:
            outcome.failures[shown] = relocate(format_failure(shown, kind, failure))
        else:
            values[shown] = value
        rendered = jsonable(value) if failure is None else None
        records.record(
            {
                "experiment": shown,
                "target": name,
                "kind": kind,
                "file": _file(program),
                "params": _point_params(program, name, index),
                "overrides": [],
                **provenance.record_fields(roots[i][1], evaluator, program.project_root, git),
                "status": "failed" if failure is not None else "ok",
                "started": iso(last[0]),
                "seconds": round(now - last[0], 3),
                "counts": dict(evaluator.counts.get(shown, {})),
                "value": rendered,
                "metrics": metrics_of(rendered),
                "error": None if failure is None else str(getattr(failure, "error", failure)),
                "key": _stage_key(evaluator, roots[i][1]) if failure is None else None,
            }
        )
        last[0] = now

    try:
        evaluator.results(roots, on_root)
    finally:
        executor.close()
        git.close()
        from ibc.runtime.explain import StageFacts  # what `ibc why` compares next time

        records.stages(evaluator.log, StageFacts(evaluator))
        records.close()
        try:
            files.save()
        except OSError:
            pass
    # job order, whatever order they finished in
    outcome.values = {job[0]: values[job[0]] for job in jobs if job[0] in values}
    outcome.ran = evaluator.stats.get("ran", 0)
    outcome.cached = evaluator.stats.get("cached", 0)
    return outcome


def as_table(values: dict[str, object]):
    """A pandas DataFrame (one row per job, a column per record field, the job names as
    index) when every value is a record (a dict with string keys) and pandas is installed,
    else `values`."""
    if not values or not all(
        isinstance(v, dict) and all(isinstance(k, str) for k in v) for v in values.values()
    ):
        return values
    try:
        import pandas as pd
    except ImportError:  # pandas is optional: the values as they are
        return values

    frame = pd.DataFrame.from_records(list(values.values()), index=list(values))
    frame.index.name = "experiment"
    return frame


def _file(program) -> str:
    source, root = program.source, program.project_root
    if root and os.path.isabs(source):
        return os.path.relpath(source, root).replace(os.sep, "/")
    return str(source).replace(os.sep, "/")


def _point_params(program, name: str, index) -> dict:
    """The literal overrides of a sweep point (what `ibc results` shows as parameters)."""
    target = program.targets.get(name)
    if index is None or target is None:
        return {}
    layer = target.points[index][1]
    from ibc.runtime.layers import is_literal

    return {path: value for path, value in layer.values.items() if is_literal(value)}


def _stage_key(evaluator, node) -> str | None:
    """The store key holding the value of a job whose top node is a stage."""
    try:
        return evaluator.store_key(node)
    except Exception:  # noqa: BLE001 - only a convenience for `ibc.runtime.load`
        return None
