"""Stages that misbehave, and file systems that fail: the pieces of the fault-injection tests."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from build_kit import Project

# Each function misbehaves in one way; `ok` prints and returns.
STAGES = """\
import os
import sys


def ok(x: int) -> int:
    log("ok")
    print(f"hello from ok {x}")
    return x + 1


def leave(code: int) -> int:
    log("leave")
    sys.exit(code)


def hard_exit(code: int) -> int:
    log("hard_exit")
    os._exit(code)


def segfault(x: int) -> int:
    log("segfault")
    import ctypes

    return ctypes.string_at(0)


def big_int(x: int) -> int:
    return 10 ** 5000


def lone_surrogate(x: int) -> str:
    return "a\\udc80b"


class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no str for you")


def raise_unprintable(x: int) -> int:
    raise Unprintable()


class NoRepr:
    def __repr__(self):
        raise RuntimeError("no repr for you")


def no_repr(x: int) -> object:
    return NoRepr()


def ones(n: int) -> object:
    import numpy as np

    return np.ones(n)
"""


def project(tmp_path: Path, main: str) -> Project:
    """A project whose `src/stages.py` holds the misbehaving stages and `main.ib` is `main`."""
    p = Project(tmp_path / "proj")
    p.stages(STAGES)
    p.write("main.ib", main)
    return p


def assert_no_traceback_of_ibc(stderr: str) -> None:
    """Nothing of ibc's own machinery shows: no traceback through the runtime or the CLI."""
    assert "ibc/runtime/" not in stderr and "ibc/commands/cli.py" not in stderr, stderr
    assert "During handling of the above exception" not in stderr, stderr


def records(p: Project, store: Path | None = None) -> list[dict]:
    """The run records of the project's store (or of `store`), oldest first."""
    folder = (store or p.store_root) / "runs"
    found = []
    for path in sorted(folder.glob("*.jsonl")):
        if not path.name.endswith(".stages.jsonl"):
            found += [json.loads(line) for line in path.read_text().splitlines() if line]
    return found


def sh(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(command), capture_output=True, text=True)


class Mounts:
    """File systems mounted for a test (a tiny tmpfs, a read-only bind mount) and unmounted
    after it; the test is skipped when this machine does not let us mount."""

    def __init__(self) -> None:
        self.points: list[Path] = []

    def _mount(self, point: Path, *args: str) -> None:
        point.mkdir(parents=True, exist_ok=True)
        done = sh("mount", *args, str(point))
        if done.returncode != 0:
            pytest.skip(
                f"cannot mount a file system here ({done.stderr.strip() or 'mount failed'})"
            )
        self.points.append(point)

    def tmpfs(self, point: Path, size: str = "2m") -> Path:
        self._mount(point, "-t", "tmpfs", "-o", f"size={size}", "tmpfs")
        return point

    def read_only(self, folder: Path, point: Path) -> Path:
        """`folder` seen read-only at `point` (a bind mount remounted `ro`: even root cannot
        write there, where `chmod -R a-w` would not stop it)."""
        self._mount(point, "--bind", str(folder))
        done = sh("mount", "-o", "remount,bind,ro", str(point))
        if done.returncode != 0:
            pytest.skip(f"cannot remount read-only here ({done.stderr.strip()})")
        return point

    def close(self) -> None:
        for point in reversed(self.points):
            sh("umount", "-l", str(point))


def fill(folder: Path) -> None:
    """Fill the file system of `folder` to the last byte."""
    with open(folder / "filler", "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    with open(folder / "filler-small", "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0")
                f.flush()
        except OSError:
            pass
