"""Progress of a run: stages that run, hit the cache or fail, and experiments as they end
(docs/running.md, "Progress on a terminal").

The evaluator reports events to a `Progress`; what it shows depends on where output goes:

- `Progress` itself shows nothing (`--quiet`, `IBC_PROGRESS=none`);
- `PlainProgress` writes short lines to a stream (a log file, a pipe, CI, a terminal without
  `rich`): one per stage that ran or failed, none for cached stages, one per experiment when
  it ends. It never moves the cursor, so nothing can tear it;
- `RichProgress` (`ibc.runtime.live`) keeps a `rich` live display on a terminal: an overall
  bar with an ETA and the stages running, below the lines printed once.

`make_progress(stream, quiet, force_plain)` picks one. `stage()` may be called from executor
callback threads, so every implementation guards its state with a lock. This module imports
nothing heavy: `rich` is imported only when a `RichProgress` is made.
"""

from __future__ import annotations

import threading
from typing import TextIO

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


SHARED_NAMES = 3  # the most targets a summary names as the ones it shares stages with


def summary_line(name: str, state: str, seconds: float | None, counts: dict) -> str:
    """`baseline: ok in 2.1 s — 3 ran, 5 cached` (failed stages are named only when some did;
    `, 2 shared with a` when the stages of another target of the run, `counts["with_"]`, were
    some of this one's: they ran or were found cached for it, and count there)."""
    parts = [f"{int(counts.get('ran', 0))} ran", f"{int(counts.get('cached', 0))} cached"]
    failed = int(counts.get("failed", 0))
    if failed:
        parts.append(f"{failed} failed")
    shared = int(counts.get("shared", 0))
    if shared:
        names = list(counts.get("with_") or ())
        more = len(names) - SHARED_NAMES
        shown = ", ".join(names[:SHARED_NAMES]) + (f" and {more} more" if more > 0 else "")
        parts.append(f"{shared} shared" + (f" with {shown}" if shown else ""))
    took = f" in {seconds:.1f} s" if seconds is not None else ""
    return f"{name}: {state}{took} — {', '.join(parts)}"


def stage_text(label: str, at: str | None) -> str:
    """`train at cancer.ib:12:5`, or just the label when the location is unknown."""
    return f"{label} at {at}" if at else label


class Progress:
    """Receives the events of a run and shows nothing (used for `--quiet`).

    Subclasses override the methods; all of them must be safe to call from several threads.
    """

    wants_estimates = False  # whether `expect` is worth an `ibc.runtime.estimates.Estimates`

    def open(self) -> None:
        """The run is about to start its executor: a display that routes the output of the
        process (and of the worker processes started from now on) does so from here."""

    def start(self, experiments: list[str], groups: list[str] | None = None) -> None:
        """A run of these experiments (by name, sweep points bracketed) begins; `groups`
        names the sweep (or experiment) each belongs to."""

    def expect(self, estimates) -> None:
        """The run's plan and the expected durations of its stages (an `Estimates`)."""

    def stage(
        self,
        experiment: str | None,
        label: str,
        at: str | None,
        state: str,
        seconds: float | None = None,
        where: str | None = None,
        node: str | None = None,
    ) -> None:
        """A stage of `experiment` (None: shared or unknown) is `running`, or `ran`, was
        `cached` or `failed` (then `seconds` is how long it took, when known, and `where` the
        address of the dask worker that ran it, if one did); `node` is its node's key."""

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

    def start(self, experiments: list[str], groups: list[str] | None = None) -> None:
        self._several = len(experiments) > 1

    def stage(self, experiment, label, at, state, seconds=None, where=None, node=None) -> None:
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


def __getattr__(name: str):
    if name == "RichProgress":  # imported only when asked for: it imports rich
        from ibc.runtime.live import RichProgress

        return RichProgress
    raise AttributeError(name)


CHOICES = {
    "auto": "auto",
    "": "auto",
    "rich": "rich",
    "live": "rich",
    "plain": "plain",
    "0": "plain",
    "off": "plain",
    "no": "plain",
    "false": "plain",
    "none": "none",
}


def make_progress(stream: TextIO, quiet: bool = False, force_plain: bool = False) -> Progress:
    """`Progress()` when quiet; a `RichProgress` when `stream` is a terminal that can redraw
    (`$TERM` is not `dumb`) and `rich` is installed (unless `force_plain`); otherwise a
    `PlainProgress` on `stream`. `$IBC_PROGRESS` may choose: `auto` (the default), `rich`
    (the live display, where there is a terminal), `plain` (or `0`, `off`: plain lines even on
    a terminal), `none` (nothing); any other value is warned about and taken as `auto`."""
    import os

    given = os.environ.get("IBC_PROGRESS", "auto")
    chosen = CHOICES.get(given.strip().lower())
    if chosen is None:
        stream.write(
            f"warning: IBC_PROGRESS={given} is not one of auto, rich, plain (or 0), none; "
            "auto is used\n"
        )
        chosen = "auto"
    if quiet or chosen == "none":
        return Progress()
    if chosen == "plain" or os.environ.get("TERM") == "dumb":
        force_plain = True
    if not force_plain and _is_terminal(stream):
        try:
            from ibc.runtime.live import RichProgress
        except ImportError:  # rich is an extra: without it, plain lines (they cannot tear)
            if chosen == "rich":
                stream.write(
                    "warning: IBC_PROGRESS=rich needs the rich package "
                    "(pip install 'iterbuild[rich]'); plain progress lines instead\n"
                )
        else:
            return RichProgress(stream)
    return PlainProgress(stream)


def _is_terminal(stream) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(callable(isatty) and isatty() and stream.fileno() >= 0)
    except (OSError, ValueError, AttributeError):
        return False
