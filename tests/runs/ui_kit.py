"""Helpers for the tests of `ibc ui` (docs/ui.md): a small git project with a sweep over
decades of `C`, a failing experiment, one that prints, one that waits for a gate file (to
watch a run in flight) and a search; the `ibc ui` server as a subprocess on a free port; and
Debian's chromium driven by Playwright's API (never `playwright install`: the browser is the
system's, `.ci/run` installs it)."""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.runs.build_kit import Project, ibc_env

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

STAGES = """\
import math
import os
import time


def load(n: int) -> list:
    log("load")
    return list(range(n))


def train(data: list, C: float) -> float:
    log("train")
    return C * len(data) / 100.0


def score(model: float, data: list) -> float:
    return 1.0 / (1.0 + abs(math.log10(model)))


def penalty(C: float) -> float:
    return C / (1.0 + C)


def shout(data: list) -> int:
    print("hello from shout")
    return len(data)


def broken(data: list) -> int:
    raise ValueError("broken on purpose")


def slow(data: list) -> int:
    gate = os.environ["UI_GATE"]
    for _ in range(600):
        if os.path.exists(gate):
            return len(data)
        time.sleep(0.1)
    raise TimeoutError("the gate never opened")


def bowl(x: float) -> float:
    return (x - 0.3) ** 2
"""

MAIN = """\
from "src/stages.py" import load, train, score, penalty, shout, broken, slow

data = load(100)
C = 1.0
model = train(data, C)
experiment base = {accuracy = score(model, data), penalty = penalty(C)}
sweep grid = base with { C in [0.001, 0.01, 0.1, 1.0, 10.0, 100.0] }
experiment noisy = shout(data)
experiment bad = broken(data)
experiment waiting = slow(data)
"""

SEARCH = """\
from "src/stages.py" import bowl

x = 0.0
experiment probe = {loss = bowl(x)}
search tuned = probe with { x in uniform(-1.0, 1.0) } minimize loss trials 6
"""


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def make_project(root: Path) -> Project:
    p = Project(root)
    p.stages(STAGES)
    p.write("main.ib", MAIN)
    p.write("search.ib", SEARCH)
    p.write(".gitignore", ".ibc/\ncalls.log\n")
    git(p.root, "init", "-q")
    git(p.root, "add", "-A")
    git(p.root, "commit", "-q", "-m", "first")
    return p


class Server:
    """`ibc ui ARGS` in `root` on a free port; `url` once it has printed it."""

    def __init__(self, root: Path, *args: str, **env: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ibc", "ui", "--port", "0", *args],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=ibc_env(**env),
        )
        lines: queue.Queue = queue.Queue()
        threading.Thread(
            target=lambda: lines.put(self.process.stdout.readline()), daemon=True
        ).start()
        try:
            first = lines.get(timeout=60)
        except queue.Empty:
            self.stop()
            raise AssertionError("ibc ui printed no URL within 60 s") from None
        if "http://" not in first:
            self.stop()
            raise AssertionError(f"ibc ui did not start: {first!r} {self.process.stderr.read()}")
        self.url = first[first.index("http://") :].split()[0]
        self.first_line = first

    def stop(self) -> str:
        """Stop the server (SIGTERM, then SIGKILL); its standard error."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.stderr.read() if self.process.stderr else ""


def chromium_path() -> str:
    """Debian's chromium, or a skip that says how to get it."""
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if found is None:
        pytest.skip("needs Debian's chromium (apt-get install -y chromium; .ci/run installs it)")
    return found


def screenshot_dir(fallback: Path) -> Path:
    """Where the tests save a screenshot of each view: `$IBC_UI_SCREENSHOTS`, else `fallback`."""
    folder = Path(os.environ.get("IBC_UI_SCREENSHOTS") or fallback)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
