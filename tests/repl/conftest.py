"""A small project for REPL tests: a Python file of helpers and a `.ib` file that uses it."""

import io

import pytest

from ibc.repl.session import Session

HELPERS = """\
def inc(x: int) -> int:
    print("inc ran")
    return x + 1


def dec(x: int) -> int:
    return x - 1


def pair(x: int) -> tuple:
    return (x, -x)


def boom(x: int) -> int:
    raise ValueError("nope")
"""

MAIN = """\
from "helpers.py" import inc, dec, boom
base = 10
bumped = inc(base)
experiment up = {v = bumped, w = dec(base)}
sweep grid = up with { base in [1, 2] }
"""


@pytest.fixture
def project(tmp_path):
    folder = tmp_path / "proj"
    folder.mkdir()
    (folder / "ibc.toml").write_text("")
    (folder / "helpers.py").write_text(HELPERS)
    (folder / "main.ib").write_text(MAIN)
    return folder


class Probe:
    """A session writing to strings; `say(text)` handles an entry and returns what it
    printed (output, errors) since the last call."""

    def __init__(self, folder=None, file=None):
        self.out, self.err = io.StringIO(), io.StringIO()
        self.session = Session(out=self.out, err=self.err, folder=folder)
        if file is not None:
            assert self.session.load(file), self.err.getvalue()
            self.take()

    def take(self):
        out, err = self.out.getvalue(), self.err.getvalue()
        for stream in (self.out, self.err):
            stream.seek(0)
            stream.truncate()
        return out, err

    def say(self, text):
        self.session.handle(text)
        return self.take()


@pytest.fixture
def repl(project):
    return Probe(file=project / "main.ib")


@pytest.fixture
def blank(tmp_path):
    return Probe(folder=tmp_path)
