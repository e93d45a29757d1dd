"""Progress of a run: stages that run, hit the cache or fail, and experiments as they end.

The evaluator reports events to a `Progress`; what it shows depends on where output goes:

- `Progress` itself shows nothing (`--quiet`);
- `PlainProgress` writes short lines to a stream (a log file, a pipe, CI): one per stage that
  ran or failed, none for cached stages, one per experiment when it ends;
- `RichProgress` keeps a `rich` live display on a terminal: a line per experiment with its
  counts (done, cached, running, failed) and a spinner per running stage; at the end the live
  lines go away and one summary line per experiment stays.

`make_progress(stream, quiet, force_plain)` picks one. `stage()` may be called from executor
callback threads, so every implementation guards its state with a lock. This module imports
nothing heavy: `rich` is imported only when a `RichProgress` is made.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any, TextIO

STAGE_STATES = ("running", "ran", "cached", "failed")
EXPERIMENT_STATES = ("ok", "failed")


def format_seconds(seconds: float | None) -> str:
    """A duration for people: `0.05 s`, `1.20 s`, `12.3 s`, `95 s`; empty when unknown."""
    if seconds is None:
        return ""
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    return f"{seconds:.0f} s"


def summary_line(name: str, state: str, seconds: float | None, counts: dict) -> str:
    """`baseline: ok in 2.1 s — 3 ran, 5 cached` (failed stages are named only when some did)."""
    parts = [f"{int(counts.get('ran', 0))} ran", f"{int(counts.get('cached', 0))} cached"]
    failed = int(counts.get("failed", 0))
    if failed:
        parts.append(f"{failed} failed")
    took = f" in {seconds:.1f} s" if seconds is not None else ""
    return f"{name}: {state}{took} — {', '.join(parts)}"


def stage_text(label: str, at: str | None) -> str:
    """`train at cancer.ib:12:5`, or just the label when the location is unknown."""
    return f"{label} at {at}" if at else label


class Progress:
    """Receives the events of a run and shows nothing (used for `--quiet`).

    Subclasses override the methods; all of them must be safe to call from several threads.
    """

    def start(self, experiments: list[str]) -> None:
        """A run of these experiments (by name, sweep points bracketed) begins."""

    def stage(
        self,
        experiment: str | None,
        label: str,
        at: str | None,
        state: str,
        seconds: float | None = None,
        where: str | None = None,
    ) -> None:
        """A stage of `experiment` (None: shared or unknown) is `running`, or `ran`, was
        `cached` or `failed` (then `seconds` is how long it took, when known, and `where` the
        address of the dask worker that ran it, if one did)."""

    def experiment(self, name: str, state: str, seconds: float, counts: dict) -> None:
        """Experiment `name` ended `ok` or `failed` after `seconds`; `counts` has the number
        of its stages that `ran`, were `cached` and `failed`."""

    def close(self) -> None:
        """The run is over: release the display."""

    def write(self, stream: TextIO, text: str) -> None:
        """Print a result line on `stream` (the live display keeps it above itself)."""
        stream.write(text)
        stream.flush()


class PlainProgress(Progress):
    """Plain lines on a stream, flushed one by one (see the module docstring).

    When a run has several experiments, stage lines name theirs at the end, so that the lines
    of experiments that run at the same time can be told apart.
    """

    def __init__(self, stream: TextIO):
        self.stream = stream
        self._lock = threading.Lock()
        self._several = False

    def _write(self, line: str) -> None:
        with self._lock:
            self.stream.write(line + "\n")
            self.stream.flush()

    def start(self, experiments: list[str]) -> None:
        self._several = len(experiments) > 1

    def stage(self, experiment, label, at, state, seconds=None, where=None) -> None:
        if state not in ("ran", "failed"):
            return
        line = f"  {state:<6} {stage_text(label, at)}"
        if seconds is not None:
            line += f"  {format_seconds(seconds)}"
        if where:
            line += f"  on {where}"
        if self._several and experiment:
            line += f"  ({experiment})"
        self._write(line)

    def experiment(self, name, state, seconds, counts) -> None:
        self._write(summary_line(name, state, seconds, counts))


class _Tally:
    """What the live display knows of one experiment."""

    __slots__ = ("cached", "done", "failed", "running", "summary")

    def __init__(self) -> None:
        self.done = 0
        self.cached = 0
        self.failed = 0
        self.running: Counter[str] = Counter()  # stage text → how many run now
        self.summary: str | None = None


class RichProgress(Progress):
    """A `rich` live display on a terminal (see the module docstring).

    `console` may be given (tests pass one writing to a `StringIO`); by default a console on
    `stream` is made. Summary lines are printed above the live region as experiments end, and
    at `close()` for experiments that never reported their end, so that each experiment leaves
    exactly one line once the transient live region is removed.
    """

    SHARED = "(shared stages)"

    def __init__(self, stream: TextIO | None = None, console: Any = None):
        from rich.console import Console
        from rich.live import Live

        self.console = (
            console if console is not None else Console(file=stream, stderr=stream is None)
        )
        self._lock = threading.RLock()
        self._tallies: dict[str, _Tally] = {}
        self._live = Live(
            get_renderable=self._render,
            console=self.console,
            transient=True,
            refresh_per_second=8,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._started = False
        self._closed = False

    def _tally(self, name: str | None) -> _Tally:
        key = name or self.SHARED
        tally = self._tallies.get(key)
        if tally is None:
            tally = self._tallies[key] = _Tally()
        return tally

    def start(self, experiments: list[str]) -> None:
        with self._lock:
            for name in experiments:
                self._tally(name)
            begin = not self._started and not self._closed
            self._started = True
        if begin:
            self._live.start()

    def stage(self, experiment, label, at, state, seconds=None, where=None) -> None:
        text = stage_text(label, at)
        with self._lock:
            tally = self._tally(experiment)
            if state == "running":
                tally.running[text] += 1
                return
            if tally.running[text] > 0:
                tally.running[text] -= 1
            if tally.running[text] <= 0:
                del tally.running[text]
            if state == "ran":
                tally.done += 1
            elif state == "cached":
                tally.cached += 1
            elif state == "failed":
                tally.failed += 1
        if state == "failed":
            took = f" after {format_seconds(seconds)}" if seconds is not None else ""
            on = f" on {_escape(where)}" if where else ""
            self.console.print(f"  [red]failed[/red] {_escape(text)}{took}{on}")

    def experiment(self, name, state, seconds, counts) -> None:
        line = summary_line(name, state, seconds, counts)
        with self._lock:
            tally = self._tally(name)
            tally.running.clear()
            tally.summary = line
        colour = "green" if state == "ok" else "red"
        self.console.print(f"[{colour}]{_escape(line)}[/{colour}]")

    def write(self, stream: TextIO, text: str) -> None:
        isatty = getattr(stream, "isatty", None)
        if not (callable(isatty) and isatty()) or self._closed:
            super().write(stream, text)
            return
        # the same terminal: print through the live display, or the two would tear each other
        from rich.markup import escape

        self.console.print(escape(text), end="", highlight=False, soft_wrap=True)

    def close(self) -> None:
        # rich's own lock is taken around `_render` (which takes ours): never call rich while
        # holding ours, or a refresh and a print could wait for each other forever.
        with self._lock:
            if self._closed:
                return
            self._closed = True
            started = self._started
            unfinished = [
                summary_line(
                    name,
                    "unfinished",
                    None,
                    {"ran": tally.done, "cached": tally.cached, "failed": tally.failed},
                )
                for name, tally in self._tallies.items()
                if tally.summary is None and name != self.SHARED and _seen(tally)
            ]
        if started:
            self._live.stop()
        for line in unfinished:
            self.console.print(_escape(line))

    def _render(self):
        from rich.spinner import Spinner
        from rich.table import Table
        from rich.text import Text

        grid = Table.grid(padding=(0, 1))
        with self._lock:
            for name, tally in self._tallies.items():
                if tally.summary is not None or (name == self.SHARED and not _seen(tally)):
                    continue
                counts = (
                    f"{tally.done} done · {tally.cached} cached · "
                    f"{sum(tally.running.values())} running · {tally.failed} failed"
                )
                grid.add_row(f"[bold]{_escape(name)}[/bold]  {counts}")
                for text in sorted(tally.running):
                    grid.add_row(Spinner("dots", text=Text(text), style="cyan"))
        return grid


def _seen(tally: _Tally) -> bool:
    return bool(tally.done or tally.cached or tally.failed or tally.running)


def _escape(text: str) -> str:
    """`text` with rich markup brackets escaped (names of sweep points contain `[…]`)."""
    from rich.markup import escape

    return escape(text)


def make_progress(stream: TextIO, quiet: bool = False, force_plain: bool = False) -> Progress:
    """`Progress()` when quiet; a `RichProgress` on a terminal where `rich` is installed
    (unless `force_plain`); otherwise a `PlainProgress` on `stream`. `$IBC_PROGRESS` may
    choose: `none`, `plain`, `rich` (on a terminal), or `auto` (the default)."""
    import os

    chosen = os.environ.get("IBC_PROGRESS", "auto").strip().lower()
    if quiet or chosen == "none":
        return Progress()
    if chosen == "plain":
        force_plain = True
    isatty = getattr(stream, "isatty", None)
    if not force_plain and callable(isatty) and isatty():
        try:
            return RichProgress(stream)
        except ImportError:
            pass
    return PlainProgress(stream)
