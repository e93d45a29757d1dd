"""While the live progress display is up, every byte for the terminal goes through it
(docs/running.md, "Progress on a terminal").

A live display redraws its region in place: it moves the cursor up over its last frame and
writes the new one. Anything else written to the terminal meanwhile (a stage's `print`, a
warning, a worker process's log line, the result lines) lands inside that region, so the next
redraw overwrites it (lost) or starts below it (a stale frame stays in the scrollback). So
`Terminal.open(console_fd)`:

- duplicates the terminal's descriptor for the display's own console (`tty`);
- points file descriptors 1 and 2 of this process, where they are that same terminal, at a
  pipe: Python's `sys.stdout`/`sys.stderr`, native code, the process executor's forkserver
  and workers and a local dask cluster (started later, they inherit the pipe) all write there;
- a daemon thread reads the pipe and hands each complete line to `emit` (the display prints
  it above its region). A line is shown when it ends; the text after its last carriage
  return is what a terminal would have shown of it.

`printing()` is held around the display's own prints: it first flushes Python's streams and
takes in what the pipe holds, so a line this process wrote before is printed before. `close()` puts
1 and 2 back; the reader then forwards whatever worker processes still write (their shutdown
messages) straight to the terminal, until they close the pipe.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import select
import sys
import threading
from typing import Callable

CHUNK = 65536
PARTIAL_LIMIT = 64 * 1024  # an unended line longer than this keeps only its last segment


def same_terminal(fd: int, other: int) -> bool:
    """Whether file descriptors `fd` and `other` are both the same terminal device."""
    try:
        if not (os.isatty(fd) and os.isatty(other)):
            return False
        a, b = os.fstat(fd), os.fstat(other)
    except OSError:
        return False
    return (a.st_rdev, a.st_ino, a.st_dev) == (b.st_rdev, b.st_ino, b.st_dev)


class Terminal:
    """The redirection described in the module docstring. `tty` is a descriptor of the
    terminal for the display's console; `emit(lines)` prints complete lines (without their
    newline) above the display, called with `lock` held."""

    def __init__(self, terminal_fd: int) -> None:
        self.tty = os.dup(terminal_fd)
        self.lock = threading.RLock()
        self.emit: Callable[[list[str]], None] | None = None
        self._saved: dict[int, int] = {}
        self._reader_fd: int | None = None
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._partial = ""
        self._live = False
        self._thread: threading.Thread | None = None

    @property
    def redirected(self) -> set[int]:
        """The descriptors (1, 2) that point at the pipe now."""
        return set(self._saved)

    def open(self, emit: Callable[[list[str]], None]) -> None:
        """Point 1 and 2 (where they are this terminal) at the pipe and start reading it."""
        if self._reader_fd is not None:  # open already
            return
        self.emit = emit
        targets = [fd for fd in (1, 2) if same_terminal(fd, self.tty)]
        if not targets:
            return
        _flush_python()
        try:
            read, write = os.pipe()
            for fd in targets:
                self._saved[fd] = os.dup(fd)
                os.dup2(write, fd)
            os.close(write)
        except OSError:  # no descriptor left: everything stays as it was
            for fd, saved in self._saved.items():
                os.dup2(saved, fd)
                os.close(saved)
            self._saved.clear()
            return
        self._reader_fd = read
        self._live = True
        self._thread = threading.Thread(target=self._read, name="ibc-terminal", daemon=True)
        self._thread.start()

    @contextlib.contextmanager
    def printing(self):
        """Held while the display prints a line of its own: Python's streams are flushed and
        what the pipe holds is emitted first, so what this process wrote before comes
        before."""
        _flush_python()  # not under the lock: a full pipe waits for the reader, which takes it
        with self.lock:
            if self._live:
                self._take()
            yield

    def close(self) -> None:
        """Put 1 and 2 back on the terminal; emit the last unended line. The reader goes on
        forwarding what child processes still write, to the terminal directly."""
        if not self._saved:
            return
        _flush_python()
        with self.lock:
            self._take()
            for fd, saved in self._saved.items():
                os.dup2(saved, fd)
                os.close(saved)
            self._saved.clear()
            if self._partial:
                self._emit_lines([self._partial])
                self._partial = ""
            self._live = False  # from now on the reader writes to the terminal itself

    # ------------------------------------------------------------------ the reader

    def _read(self) -> None:
        fd = self._reader_fd
        while True:
            try:
                select.select([fd], [], [])
            except (OSError, ValueError):
                return
            with self.lock:
                if not self._live:
                    break
                if not self._take():
                    return
        # the display is gone: what workers write now goes to the terminal as it comes
        while True:
            try:
                data = os.read(fd, CHUNK)
            except OSError:
                return
            if not data:
                os.close(fd)
                return
            try:
                os.write(self.tty, data)
            except OSError:
                return

    def _take(self) -> bool:
        """Read what the pipe holds now, without waiting, and emit its complete lines; False
        at the end of the pipe."""
        fd = self._reader_fd
        chunks = []
        while True:
            ready, _, _ = select.select([fd], [], [], 0)
            if not ready:
                break
            try:
                data = os.read(fd, CHUNK)
            except OSError:
                return False
            if not data:
                self._push(chunks)
                return False
            chunks.append(self._decoder.decode(data))
        self._push(chunks)
        return True

    def _push(self, chunks: list[str]) -> None:
        text = self._partial + "".join(chunks)
        lines = text.split("\n")
        self._partial = lines.pop()
        if len(self._partial) > PARTIAL_LIMIT and "\r" in self._partial:
            self._partial = "\r" + self._partial.rstrip("\r").rsplit("\r", 1)[-1]
        if lines:
            self._emit_lines(lines)

    def _emit_lines(self, lines: list[str]) -> None:
        shown = [shown_line(line) for line in lines]
        if self.emit is not None:
            self.emit(shown)


def shown_line(line: str) -> str:
    """What a terminal shows of `line`: the text after its last carriage return (one at its
    end, as in `\\r\\n`, rewrites nothing)."""
    line = line.rstrip("\r")
    return line.rsplit("\r", 1)[-1]


def _flush_python() -> None:
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
