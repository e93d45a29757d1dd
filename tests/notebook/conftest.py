"""Fixtures of the notebook tests: a project folder to work in, and an IPython shell with
`%load_ext ibc` whose session starts in that folder."""

from __future__ import annotations

import sys

import pytest

WORK = '''\
"""Functions the notebook tests call; each call appends its name to calls.txt."""


def _count(name: str) -> None:
    with open(__file__.replace("work.py", "calls.txt"), "a") as out:
        out.write(name + "\\n")


def load(n: int) -> list[int]:
    _count("load")
    return list(range(n))


def total(xs: list[int], factor: float = 1.0) -> float:
    _count("total")
    return sum(xs) * factor


def boom(x: int) -> int:
    raise ValueError(f"bad input {x}")
'''


def _forget_work() -> None:
    sys.modules.pop("work", None)
    from ibc.runtime import values

    values._resolved.clear()


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder (an `ibc.toml`, `work.py`) as the current folder."""
    (tmp_path / "ibc.toml").write_text("")
    (tmp_path / "work.py").write_text(WORK)
    monkeypatch.chdir(tmp_path)
    _forget_work()
    yield tmp_path
    _forget_work()


@pytest.fixture
def calls(project):
    """The names of the `work` functions called so far, in order."""

    def read() -> list[str]:
        path = project / "calls.txt"
        return path.read_text().split() if path.exists() else []

    return read


@pytest.fixture
def ip(project):
    """IPython's shell with the extension loaded and a fresh session in `project`."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "ibc")
    shell.run_line_magic("ib_reset", "")
    yield shell
    shell.run_line_magic("ib_reset", "")
