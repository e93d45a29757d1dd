"""A pseudo-terminal for the end-to-end tests of the live progress display (docs/running.md,
"Progress on a terminal"): a command runs with its standard input, output and error on the
slave side of a pty of a fixed size (TIOCSWINSZ), and everything it writes is fed to `pyte`'s
`HistoryScreen`, a terminal emulator that keeps the lines scrolled off the top. So a test
sees what a person would: the final screen and the scrollback above it."""

from __future__ import annotations

import errno
import fcntl
import os
import select
import struct
import subprocess
import termios
import time
from dataclasses import dataclass


@dataclass
class Capture:
    """What a command left on the terminal: `scrollback` (oldest first) then `screen` (top to
    bottom, trailing blank rows dropped), each line with its trailing spaces stripped;
    `raw` is every byte written, `code` the exit code."""

    scrollback: list[str]
    screen: list[str]
    raw: bytes
    code: int

    @property
    def lines(self) -> list[str]:
        """The scrollback and then the screen: the whole terminal, as scrolling up shows it."""
        return self.scrollback + self.screen


def run_in_terminal(
    argv: list[str],
    cwd,
    env: dict,
    rows: int,
    columns: int,
    timeout: float = 300,
    emulate: bool = True,
) -> Capture:
    """Run `argv` in a `rows` × `columns` pseudo-terminal until it exits and its output is
    read (`timeout` seconds at most: generous, the machine may be loaded). Without
    `emulate`, the output is only kept (`raw`), not fed to the emulator as it comes (pyte is
    slower than a terminal: a benchmark would time it)."""
    import pyte

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = {k: v for k, v in env.items() if k not in ("COLUMNS", "LINES")}
    env.setdefault("TERM", "xterm-256color")
    try:
        process = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave, close_fds=True
        )
    finally:
        os.close(slave)
    screen = pyte.HistoryScreen(columns, rows, history=100_000, ratio=0.5)
    stream = pyte.ByteStream(screen)
    raw = bytearray()
    deadline = time.monotonic() + timeout
    exited_at = None
    try:
        while True:
            now = time.monotonic()
            if now > deadline:
                raise TimeoutError(f"{argv} did not end within {timeout} s:\n{raw.decode()}")
            if exited_at is None and process.poll() is not None:
                exited_at = now
            # once the command exited, what is left in the pty is read; a worker process that
            # still holds the terminal open is not waited for long
            if exited_at is not None and now - exited_at > 10:
                break
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                continue
            try:
                data = os.read(master, 65536)
            except OSError as exc:  # EIO: every slave side is closed
                if exc.errno != errno.EIO:
                    raise
                break
            if not data:
                break
            raw += data
            if emulate:
                stream.feed(data)
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
        code = process.wait()

    def text(line) -> str:
        return "".join(line[x].data for x in range(columns)).rstrip()

    scrollback = [text(line) for line in screen.history.top]
    shown = [text(screen.buffer[y]) for y in range(rows)]
    while shown and not shown[-1]:
        shown.pop()
    return Capture(scrollback, shown, bytes(raw), code)
