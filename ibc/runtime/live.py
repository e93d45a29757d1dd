"""The live progress display on a terminal (docs/running.md, "Progress on a terminal"), with
`rich`'s `Live`.

While a run lasts, the bottom of the terminal holds a small region redrawn in place:

    ⠹ ━━━━━━━━━━━━━━━━━━━━━━╸━━━━━━━━━━━━━━━━━  14/27 targets · 0:03 · ETA 0:04
      stages: 30 done · 0 cached · 1 running · 0 failed
      ⠹ step at main.ib:6:18  grid[a=1,b=4]  0.1 s

one overall bar (stages finished of those planned) with the targets finished and the time
left by the stored durations (`ibc.runtime.estimates`), the stage counts, and the stages
running, at most `MAX_RUNNING` of them and "… and N more". Its height never exceeds the
terminal's (a region taller than the screen cannot be redrawn in place). Above it, lines are
printed once and stay: result lines, what stages print, warnings and failures, and a line per
finished target — or, when the targets would not fit on the screen, one line per sweep
when its last point ends (*collapsed*). When the run ends the region is removed and one
summary line of the whole run is printed.

Nothing may write to the terminal underneath the region, or the next redraw tears it: every
other output of the process and of its worker processes is routed through the display
(`ibc.runtime.terminal`). `RichProgress(console=…)` (tests, with a `StringIO` console) does
no such routing.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import TextIO

from rich.console import Console, ConsoleDimensions
from rich.live import Live
from rich.text import Text

from ibc.runtime.estimates import format_eta
from ibc.runtime.progress import Progress, format_seconds, stage_text, summary_line

MAX_RUNNING = 5  # running stages listed under the bar
REFRESH_PER_SECOND = 8
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"  # rich's "dots", 12.5 frames a second (rich.spinner costs an import)
BAR_WIDTH = 36


class _TerminalConsole(Console):
    """A console on a descriptor of the terminal, sized by that descriptor: standard output
    and error point at a pipe while the display is up, so rich's own look at descriptors 0,
    1 and 2 would not find the terminal."""

    def __init__(self, fd: int, encoding: str) -> None:
        self._fd = fd
        stream = os.fdopen(fd, "w", encoding=encoding, errors="replace", closefd=False)
        super().__init__(file=stream)

    @property
    def size(self) -> ConsoleDimensions:
        try:
            width, height = os.get_terminal_size(self._fd)
        except OSError:
            width, height = 80, 25
        return ConsoleDimensions(width or 80, height or 25)

    @size.setter
    def size(self, new_size) -> None:  # rich's API; the terminal decides here
        pass


class _Target:
    __slots__ = ("counts", "group", "seconds", "state")

    def __init__(self, group: str) -> None:
        self.group = group
        self.state: str | None = None  # "ok" / "failed" once it ended
        self.seconds: float | None = None
        self.counts = {"ran": 0, "cached": 0, "failed": 0}


class RichProgress(Progress):
    """The live display (see the module docstring). `stream` is the terminal (standard
    error); `console` may be given instead (tests)."""

    wants_estimates = True

    def __init__(self, stream: TextIO | None = None, console: Console | None = None):
        from ibc.runtime.terminal import Terminal

        self._terminal = None
        if console is None:
            stream = sys.stderr if stream is None else stream
            self._terminal = Terminal(stream.fileno())
            encoding = getattr(stream, "encoding", None) or "utf-8"
            console = _TerminalConsole(self._terminal.tty, encoding)
        self.console = console
        self._lock = threading.RLock()
        self._targets: dict[str, _Target] = {}
        self._groups: dict[str, list[str]] = {}
        self._stages = {"ran": 0, "cached": 0, "failed": 0}
        self._running: dict[object, tuple[str, str | None, float]] = {}
        self._serial = 0
        self._estimates = None
        self._eta: tuple[float, float | None] = (0.0, None)  # (when computed, seconds)
        self._began = time.monotonic()
        # One lock around every write to the console, the redraws included: rich's Live moves
        # the cursor by the height of the frame it drew last, computed while it renders, so a
        # redraw rendered between another print's rendering and its write would leave the
        # cursor off by the difference (a line lost, a stale frame). So rich does not redraw
        # by itself; `_refresher` does, under this lock.
        self._output = self._terminal.lock if self._terminal is not None else threading.RLock()
        self._stop = threading.Event()
        self._live = Live(
            get_renderable=self._render,
            console=self.console,
            auto_refresh=False,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
            vertical_overflow="crop",
        )
        self._started = False
        self._closed = False

    # ------------------------------------------------------------------ events

    def start(self, experiments: list[str], groups: list[str] | None = None) -> None:
        with self._lock:
            for i, name in enumerate(experiments):
                if name not in self._targets:
                    group = groups[i] if groups is not None else name
                    self._targets[name] = _Target(group)
                    self._groups.setdefault(group, []).append(name)
            begin = not self._started and not self._closed
            self._started = True
        if begin:
            self.open()
            with self._output:
                self._live.start(refresh=True)
            threading.Thread(target=self._refresher, name="ibc-progress", daemon=True).start()

    def open(self) -> None:
        if self._terminal is not None and not self._closed:
            self._terminal.open(self._forward)

    def _refresher(self) -> None:
        while not self._stop.wait(1 / REFRESH_PER_SECOND):
            with self._output:
                if self._stop.is_set():
                    return
                self._live.refresh()

    def expect(self, estimates) -> None:
        with self._lock:
            self._estimates = estimates

    def stage(self, experiment, label, at, state, seconds=None, where=None, node=None) -> None:
        text = stage_text(label, at)
        with self._lock:
            estimates = self._estimates
            if state == "running":
                self._serial += 1
                self._running[(node, experiment, text, self._serial)] = (
                    text,
                    experiment,
                    time.monotonic(),
                )
            else:
                for key in self._running:  # the oldest of this stage's runs
                    if key[:3] == (node, experiment, text):
                        del self._running[key]
                        break
                if state in self._stages:
                    self._stages[state] += 1
                    target = self._targets.get(experiment)
                    if target is not None and target.state is None:
                        target.counts[state] += 1
        if estimates is not None:
            estimates.event(node, label, at, state, seconds)
        if state == "failed":
            took = f" after {format_seconds(seconds)}" if seconds is not None else ""
            on = f" on {where}" if where else ""
            owner = f"  ({experiment})" if experiment and len(self._targets) > 1 else ""
            line = Text("  ")
            line.append("failed", style="red")
            line.append(f" {text}{took}{on}{owner}")
            self._print([line])

    def experiment(self, name, state, seconds, counts) -> None:
        with self._lock:
            target = self._targets.get(name)
            if target is None:
                target = self._targets[name] = _Target(name)
                self._groups.setdefault(name, []).append(name)
            target.state, target.seconds, target.counts = state, seconds, dict(counts)
            for key in [k for k in self._running if k[1] == name]:  # none runs for it now
                del self._running[key]
            collapsed = self._collapsed()
            group = self._groups.get(target.group, [name])
            group_line = None
            if collapsed and len(group) > 1:
                ended = [self._targets[n] for n in group]
                if all(t.state is not None for t in ended):
                    group_line = _group_line(target.group, ended)
        lines = []
        colour = "green" if state == "ok" else "red"
        if not collapsed or state != "ok":
            lines.append(Text(summary_line(name, state, seconds, counts), style=colour))
        if group_line is not None:
            lines.append(group_line)
        if lines:
            self._print(lines)

    def write(self, stream: TextIO, text: str) -> None:
        if self._closed or not self._started or not self._on_terminal(stream):
            super().write(stream, text)
            return
        self._print([Text(line) for line in text.rstrip("\n").split("\n")])

    def close(self) -> None:
        # rich's own lock is taken around `_render` (which takes ours): never call rich while
        # holding ours, or a refresh and a print could wait for each other forever.
        with self._lock:
            if self._closed:
                return
            self._closed = True
            started = self._started
            unfinished = [
                Text(summary_line(name, "unfinished", None, target.counts))
                for name, target in self._targets.items()
                if target.state is None and any(target.counts.values())
            ]
            if self._collapsed():
                unfinished = []  # the summary counts them
            total = self._summary()
        if started:
            self._stop.set()
            if self._terminal is not None:
                with self._terminal.printing():  # what is in the pipe, above the region
                    self._live.stop()
            else:
                with self._output:
                    self._live.stop()
        if self._terminal is not None:
            self._terminal.close()
        for line in unfinished + ([total] if started and self._targets else []):
            self.console.print(line, soft_wrap=True)

    # ------------------------------------------------------------------ output

    def _print(self, lines: list[Text]) -> None:
        """Print `lines` above the live region (they stay)."""
        text = Text("\n").join(lines)  # one print: the region is redrawn once
        if self._terminal is None:
            with self._output:
                self.console.print(text, soft_wrap=True)
            return
        with self._terminal.printing():
            self.console.print(text, soft_wrap=True)

    def _forward(self, lines: list[str]) -> None:
        """Lines written to standard output or error while the display is up."""
        texts = [Text.from_ansi(line) if "\x1b" in line else Text(line) for line in lines]
        self.console.print(Text("\n").join(texts), soft_wrap=True)

    def _on_terminal(self, stream) -> bool:
        """Whether `stream` writes to the display's terminal (its descriptor points at the
        pipe by now); with a console given instead (tests), whether it is a terminal."""
        if self._terminal is not None:
            try:
                return stream.fileno() in self._terminal.redirected
            except (AttributeError, OSError, ValueError):
                return False
        isatty = getattr(stream, "isatty", None)
        return bool(callable(isatty) and isatty())

    # ------------------------------------------------------------------ what is shown

    def _collapsed(self) -> bool:
        """Whether one line per target would not fit on the screen (then one per sweep)."""
        return len(self._targets) > self.console.size.height - 3

    def _summary(self) -> Text:
        """The line the run leaves: its targets and stages, all told."""
        states = [t.state for t in self._targets.values()]
        ok, failed = states.count("ok"), states.count("failed")
        unfinished = len(states) - ok - failed
        parts = [f"{ok} ok"]
        if failed:
            parts.append(f"{failed} failed")
        if unfinished:
            parts.append(f"{unfinished} unfinished")
        took = f"{time.monotonic() - self._began:.1f} s"  # as `summary_line` says it
        stages = f"{self._stages['ran']} stages ran, {self._stages['cached']} cached"
        if self._stages["failed"]:
            stages += f", {self._stages['failed']} failed"
        n = len(states)
        text = f"{n} target{'s' if n != 1 else ''}: {', '.join(parts)} in {took} — {stages}"
        return Text(text, style="bold red" if failed or unfinished else "bold green")

    def _render(self):
        from rich.console import Group

        width, height = self.console.size
        now = time.monotonic()
        with self._lock:
            done = sum(1 for t in self._targets.values() if t.state is not None)
            targets = len(self._targets)
            counts = dict(self._stages)
            running = list(self._running.values())
            estimates = self._estimates
        finished = counts["ran"] + counts["cached"] + counts["failed"]
        total = max(estimates.total() if estimates is not None else 0, finished + len(running))
        spinner = Text(SPINNER[int((now - self._began) * 12.5) % len(SPINNER)], style="cyan")
        bar = Text()
        bar.append_text(spinner)
        bar.append(" ")
        bar.append_text(_bar(finished, total, min(BAR_WIDTH, max(10, width // 3))))
        eta = self._eta_now(estimates, now)
        bar.append(f"  {done}/{targets} targets · {format_eta(now - self._began, up=False)}")
        bar.append(f" · ETA {format_eta(eta)}" if estimates is not None else "")
        lines = [bar]
        room = max(1, height - 3)  # rows left to scroll the lines printed above
        if room >= 2:
            lines.append(
                Text(
                    f"  stages: {counts['ran']} done · {counts['cached']} cached · "
                    f"{len(running)} running · {counts['failed']} failed",
                    style="dim",
                )
            )
        slots = min(MAX_RUNNING, room - len(lines) - 1)
        if slots > 0 and running:
            running.sort(key=lambda r: r[2])
            shown = running if len(running) <= slots + 1 else running[:slots]
            for text, experiment, started in shown:
                line = Text("  ")
                line.append_text(spinner)
                line.append(f" {text}")
                if experiment and targets > 1:
                    line.append(f"  {experiment}", style="dim")
                line.append(f"  {format_seconds(now - started)}", style="dim")
                lines.append(line)
            if len(running) > len(shown):
                lines.append(Text(f"  … and {len(running) - len(shown)} more running", "dim"))
        for line in lines:
            line.no_wrap = True
            line.overflow = "ellipsis"
            line.truncate(width, overflow="ellipsis")
        return Group(*lines)

    def _eta_now(self, estimates, now: float) -> float | None:
        """The time left, computed at most twice a second (it sums over the plan)."""
        if estimates is None:
            return None
        when, eta = self._eta
        if now - when >= 0.5:
            eta = estimates.eta()
            self._eta = (now, eta)
            return eta
        return None if eta is None else max(eta - (now - when), 0.0)


def _bar(finished: int, total: int, width: int) -> Text:
    """`━━━━━━╸━━━━` of `width` cells, the finished part coloured."""
    fraction = finished / total if total else 0.0
    halves = int(fraction * width * 2)
    full, half = divmod(min(halves, width * 2), 2)
    text = Text("━" * full, style="magenta")
    if half:
        text.append("╸", style="magenta")
    text.append("━" * (width - full - half), style="grey23")
    return text


def _group_line(group: str, targets: list[_Target]) -> Text:
    """`grid: 27 points ok in 3.1 s — 28 ran, 0 cached` (a sweep whose points all ended;
    `4 ok, 1 failed` when some failed), its points' durations added up."""
    ok = sum(1 for t in targets if t.state == "ok")
    failed = len(targets) - ok
    counts = {k: sum(int(t.counts.get(k, 0)) for t in targets) for k in ("ran", "cached", "failed")}
    seconds = sum(t.seconds or 0.0 for t in targets)
    state = f"{len(targets)} points ok" if not failed else f"{ok} points ok, {failed} failed"
    return Text(summary_line(group, state, seconds, counts), style="red" if failed else "green")
