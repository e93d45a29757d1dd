"""External inputs and impure references (docs/running.md "What is recomputed"): `file(...)` and
`dir(...)` are identified by content (not modification time); an `(impure)` call runs every time and
its dependents re-run only when its value's content changed."""

from __future__ import annotations

import os

from build_kit import Project

STAGES = """\
def read_csv(path) -> int:
    log("read_csv")
    return len(Path(path).read_text().splitlines())


def count_files(path) -> int:
    log("count_files")
    return len(list(Path(path).iterdir()))


def now() -> int:
    log("now")
    return int((Path(__file__).resolve().parent.parent / "clock.txt").read_text())


def parity(t: int) -> int:
    log("parity")
    return t % 2
"""

MAIN = """\
from "src/stages.py" import read_csv, count_files

experiment rows = read_csv(file("data/x.csv"))
experiment images = count_files(dir("data/imgs"))
"""

CLOCK = """\
from "src/stages.py" import now (impure), parity

experiment clock = {parity = parity(now())}
"""


def test_file_and_dir_are_keyed_by_content(tmp_path):
    p = Project(tmp_path / "proj")
    p.stages(STAGES)
    p.write("main.ib", MAIN)
    csv = p.write("data/x.csv", "a,b\n1,2\n")
    p.write("data/imgs/1.png", "one")
    assert p.ok("run", "main.ib") == "rows: 2\nimages: 1\n"
    assert sorted(p.calls()) == ["count_files", "read_csv"]
    # mtime only (later, same content): nothing re-runs
    stat = csv.stat()
    os.utime(csv, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    os.utime(p.root / "data/imgs/1.png", ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert p.ok("run", "main.ib") == "rows: 2\nimages: 1\n"
    assert p.calls() == []
    # new content of the same size: the stage reading it re-runs
    p.write("data/x.csv", "a,b\n1,3\n")
    assert p.ok("run", "main.ib") == "rows: 2\nimages: 1\n"
    assert p.calls() == ["read_csv"]
    p.write("data/x.csv", "a,b\n1,3\n4,5\n")
    assert p.ok("run", "main.ib") == "rows: 3\nimages: 1\n"
    assert p.calls() == ["read_csv"]
    # a file added to the folder: the stage reading the folder re-runs
    p.write("data/imgs/2.png", "two")
    assert p.ok("run", "main.ib") == "rows: 3\nimages: 2\n"
    assert p.calls() == ["count_files"]
    # a file's content changed inside the folder
    p.write("data/imgs/2.png", "TWO")
    assert p.ok("run", "main.ib") == "rows: 3\nimages: 2\n"
    assert p.calls() == ["count_files"]
    assert p.ok("run", "main.ib") == "rows: 3\nimages: 2\n"
    assert p.calls() == []


def test_impure_runs_every_time_and_dependents_follow_its_content(tmp_path):
    p = Project(tmp_path / "proj")
    p.stages(STAGES)
    p.write("clock.ib", CLOCK)
    p.write("clock.txt", "1")
    assert p.ok("run", "clock.ib") == 'clock: {"parity": 1}\n'
    assert p.calls() == ["now", "parity"]
    # same value: the impure call runs, its dependent stays cached
    assert p.ok("run", "clock.ib") == 'clock: {"parity": 1}\n'
    assert p.calls() == ["now"]
    # new value: the dependent re-runs (its result happens to be equal)
    p.write("clock.txt", "3")
    assert p.ok("run", "clock.ib") == 'clock: {"parity": 1}\n'
    assert p.calls() == ["now", "parity"]
    p.write("clock.txt", "4")
    assert p.ok("run", "clock.ib") == 'clock: {"parity": 0}\n'
    assert p.calls() == ["now", "parity"]
    assert p.ok("run", "clock.ib") == 'clock: {"parity": 0}\n'
    assert p.calls() == ["now"]
