"""How long a run has left, for the live progress display (docs/running.md, "Progress on a
terminal").

`Estimates(nodes, root, workers)` walks the graph below the run's job nodes once, in a
background thread, and keeps every stage it finds (`stage` and `impure` nodes, by node key): the run's *plan*. As the
stages report (`event`), each planned stage is running, finished or still to come, and the
time left is the sum of the expected durations of those to come, plus what the running ones
still need, shared among the executor's workers (`eta`).

The expected duration of a stage comes from durations stored, never from guesses about the
code:
- a stage of the same call site (label and `.ib` location: the sweep's points share them)
  that already ran in this run: the mean of those durations;
- else the mean duration of that call site in the recent run records (the stage logs
  `<store>/runs/<run>.stages.jsonl` keep each stage's `seconds`: docs/running.md, "Run
  records and results"), read in a background thread, so a run never waits for them;
- a stage whose *site* (`ibc.runtime.explain.site`: the same call with the same literals
  and upstream sites) was recorded with the same code fingerprint is expected to be found
  in the store: 0 s (unless `--force`);
- any other stage: the mean of all the durations known; with none known there is no ETA.

A stage applied inside a lambda is not in the plan (it is only made when the lambda is
applied); it counts once it reports.
"""

from __future__ import annotations

import threading
import time
from itertools import islice
from pathlib import Path

from ibc.runtime.evaluate import _label, node_kind
from ibc.runtime.explain import fingerprint_of, site
from ibc.runtime.runlog import read_jsonl

HISTORY_RUNS = 10  # the newest stage logs read for durations
HISTORY_LINES = 50_000  # at most this many of their lines in all


class Estimates:
    """The plan of a run and the expected durations of its stages (see the module
    docstring). `workers` is a function returning how many stages run at once (the
    executor's `jobs`, known to a dask client only once it is connected)."""

    def __init__(
        self, nodes, root=None, workers=lambda: 1, exclude: str = "", force: bool = False
    ) -> None:
        self.workers = workers
        self.force = force
        self._lock = threading.Lock()
        # planned stage: node key -> (call site, site, fingerprint)
        self.planned: dict[str, tuple[tuple[str, str | None], str, str]] = {}
        self.finished: set[str] = set()
        self.running: dict[str, tuple[tuple[str, str | None], float]] = {}
        self.ran: dict[tuple[str, str | None], list[float]] = {}  # call site -> [sum, count]
        self.past: dict[tuple[str, str | None], list[float]] = {}  # the same, from records
        self.past_sites: dict[str, str] = {}  # site -> fingerprint of its last record
        self.ready = threading.Event()  # set once the plan (and the records) are read
        roots = [n for n in nodes if n is not None]
        # in the background: a large graph takes a while to walk, and the run starts now
        work = threading.Thread(
            target=self._prepare, args=(roots, root, exclude), name="ibc-estimates", daemon=True
        )
        work.start()

    def _prepare(self, roots, root, exclude: str) -> None:
        try:
            planned = _plan(roots)
            with self._lock:
                self.planned = planned
            if root is not None:
                self._read_history(Path(root), exclude)
        finally:
            self.ready.set()

    # ------------------------------------------------------------------ events

    def event(self, key: str | None, label: str, at: str | None, state: str, seconds) -> None:
        """Stage `key` (a node key, None when unknown) of call site (`label`, `at`) is
        `running`, or `ran`, was `cached` or `failed` after `seconds`."""
        call = (label, at)
        with self._lock:
            if state == "running":
                if key is not None:
                    self.running[key] = (call, time.monotonic())
                return
            if key is not None:
                self.running.pop(key, None)
                self.finished.add(key)
            if state == "ran" and seconds is not None:
                total = self.ran.setdefault(call, [0.0, 0])
                total[0] += float(seconds)
                total[1] += 1

    def total(self) -> int:
        """How many stages the run has: planned, or met running or finished."""
        with self._lock:
            extra = len((self.finished | set(self.running)) - self.planned.keys())
            return len(self.planned) + extra

    # ------------------------------------------------------------------ the time left

    def eta(self) -> float | None:
        """Seconds the run still needs by the durations known, or None when unknown (also
        while the plan is being made)."""
        if not self.ready.is_set():
            return None
        now = time.monotonic()
        with self._lock:
            default = _mean_of(self.ran) or _mean_of(self.past)
            left = 0.0
            longest = 0.0
            for key, (call, started) in self.running.items():
                expected = self._expected(key, call, default)
                if expected is None:
                    return None
                rest = max(expected - (now - started), 0.0)
                left += rest
                longest = max(longest, rest)
            for key, (call, _, _) in self.planned.items():
                if key in self.finished or key in self.running:
                    continue
                expected = self._expected(key, call, default)
                if expected is None:
                    return None
                left += expected
        workers = max(1, int(self.workers() or 1))
        return max(left / workers, longest)

    def _expected(self, key, call, default) -> float | None:
        total = self.ran.get(call)
        if total and total[1]:
            return total[0] / total[1]
        planned = self.planned.get(key)
        if planned is not None and not self.force:
            _, where, fingerprint = planned
            if self.past_sites.get(where, None) == fingerprint:
                return 0.0  # computed before as it is now: expected in the store
        total = self.past.get(call)
        if total and total[1]:
            return total[0] / total[1]
        return default

    # ------------------------------------------------------------------ records

    def _read_history(self, root: Path, exclude: str) -> None:
        """Durations of the call sites, and the sites recorded, from the newest stage logs."""
        past: dict[tuple[str, str | None], list[float]] = {}
        sites: dict[str, str] = {}
        try:
            logs = sorted(
                (
                    p
                    for p in (root / "runs").iterdir()
                    if p.name.endswith(".stages.jsonl") and not p.name.startswith(exclude or "\0")
                ),
                key=lambda p: p.name,
                reverse=True,
            )[:HISTORY_RUNS]
        except OSError:
            return
        budget = HISTORY_LINES
        for path in logs:
            read = 0
            for record in islice(read_jsonl(path), budget):
                read += 1
                state, seconds = record.get("state"), record.get("seconds")
                where = record.get("site")
                if isinstance(where, str) and state in ("ran", "cached"):
                    sites.setdefault(where, str(record.get("fingerprint") or ""))
                if state == "ran" and isinstance(seconds, (int, float)):
                    call = (str(record.get("stage")), record.get("at"))
                    total = past.setdefault(call, [0.0, 0])
                    total[0] += float(seconds)
                    total[1] += 1
            budget -= read
            if budget <= 0:
                break
        with self._lock:
            self.past, self.past_sites = past, sites


def _plan(roots) -> dict[str, tuple[tuple[str, str | None], str, str]]:
    """The stages below `roots`: node key -> (call site, site, code fingerprint)."""
    planned = {}
    memo: dict[str, str] = {}
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        node = todo.pop()
        if node.key in seen:
            continue
        seen.add(node.key)
        todo.extend(node.inputs)
        if node.free or node_kind(node) not in ("stage", "impure"):
            continue
        planned[node.key] = ((_label(node), node.at), site(node, memo), fingerprint_of(node))
    return planned


def _mean_of(totals: dict) -> float | None:
    count = sum(n for _, n in totals.values())
    return sum(s for s, _ in totals.values()) / count if count else None


def format_eta(seconds: float | None, up: bool = True) -> str:
    """`0:07`, `2:05`, `1:02:03`; `?` when unknown. Rounded `up` (a time left: "0:00" only
    at the end), else down (a time spent)."""
    if seconds is None:
        return "?"
    seconds = int(seconds + 0.999) if up else int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
