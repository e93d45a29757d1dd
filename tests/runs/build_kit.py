"""Helpers for the end-to-end tests of the pure functional build (docs/running.md): a small
temporary project (`ibc.toml`, `src/stages.py`, `.ib` files) whose stage functions append a
line to `calls.log` in the project folder, so a test can count what ran, and `ibc` run as a
subprocess (a fresh interpreter per run: edited Python modules are re-imported, and the store
is the project's own `.ibc/`)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

# The top of every `src/stages.py`: `log(name)` appends one line to `calls.log`.
STAGES_HEADER = """\
from pathlib import Path

LOG = Path(__file__).resolve().parent.parent / "calls.log"


def log(name):
    with open(LOG, "a") as f:
        f.write(f"{name}\\n")
"""


def ibc_env(**extra: str) -> dict[str, str]:
    """The environment of an `ibc` subprocess: the project's `.ibc/` store (the session's
    `IBC_STORE`, and any remote or store key of the shell, removed), no progress lines, no colour, no `.pyc` files (an edit within the
    same second must not meet stale bytecode)."""
    dropped = ("IBC_STORE", "IBC_PROJECT_ROOT", "IBC_REMOTE", "IBC_STORE_KEY")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(IBC_PROGRESS="none", NO_COLOR="1", PYTHONDONTWRITEBYTECODE="1")
    env.update(extra)
    return env


class Project:
    """A project folder with an `ibc.toml` marker and a `src/` package folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "ibc.toml").write_text("")
        (self.root / "src").mkdir(exist_ok=True)

    # files

    def write(self, relative: str, text: str, dedent: bool = True) -> Path:
        """Write a file (dedented); its modification time always moves forward."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        before = path.stat().st_mtime_ns if path.exists() else None
        path.write_text(textwrap.dedent(text) if dedent else text)
        _bump(path, before)
        return path

    def stages(self, body: str) -> Path:
        """Write `src/stages.py`: the logging header, then `body`."""
        return self.write("src/stages.py", STAGES_HEADER + "\n\n" + textwrap.dedent(body), False)

    def edit(self, relative: str, old: str, new: str) -> None:
        """Replace the one occurrence of `old` in a file by `new`."""
        path = self.root / relative
        text = path.read_text()
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {relative}"
        self.write(relative, text.replace(old, new), dedent=False)

    # runs

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "ibc", *args]

    def run(self, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
        """`ibc ARGS` in the project folder."""
        return subprocess.run(
            self.command(*args),
            cwd=self.root,
            capture_output=True,
            text=True,
            env=ibc_env(**env),
            timeout=timeout,
        )

    def ok(self, *args: str, **env: str) -> str:
        """`ibc ARGS`, which must succeed; its standard output."""
        done = self.run(*args, **env)
        assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def popen(self, *args: str, **env: str) -> subprocess.Popen:
        return subprocess.Popen(
            self.command(*args),
            cwd=self.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=ibc_env(**env),
        )

    # what ran

    def calls(self, reset: bool = True) -> list[str]:
        """The lines of `calls.log` (emptied afterwards unless `reset` is false)."""
        log = self.root / "calls.log"
        lines = log.read_text().splitlines() if log.exists() else []
        if reset:
            log.write_text("")
        return lines

    # the store

    @property
    def store_root(self) -> Path:
        return self.root / ".ibc"

    def entries(self) -> list:
        from ibc.runtime.store import DiskStore

        return list(DiskStore(self.store_root).entries())

    def entry_files(self) -> list[Path]:
        folder = self.store_root / "store"
        return sorted(p for p in folder.glob("*/*") if p.is_file()) if folder.is_dir() else []

    def entry_of(self, stage: str) -> list:
        """The entries whose metadata names stage `stage`."""
        return [e for e in self.entries() if e.meta.get("stage") == stage]


def _bump(path: Path, before: int | None) -> None:
    """Make sure `path`'s mtime differs from `before` (coarse file-system clocks)."""
    if before is None:
        return
    now = path.stat().st_mtime_ns
    if now <= before:
        later = before + 10_000_000
        os.utime(path, ns=(later, later))


def values(stdout: str) -> dict[str, str]:
    """`name: json` lines of a run's standard output as a dict name -> JSON text."""
    out = {}
    for line in stdout.splitlines():
        name, sep, rest = line.partition(": ")
        if sep:
            out[name] = rest
    return out
