"""No stage changes what another stage sees (docs/running.md, "Purity"): a feature function
that writes into its input DataFrame works on its own copy, so a sibling stage reading the same
frame gets the right number on the first run, with every executor; a stage that changes a
dict, a list, a nested structure or an object it was given is named with its `.ib` location
and argument, its result is not stored (the next run tries it again), and the other
experiments go on."""

from __future__ import annotations

import pytest
from build_kit import Project, values

STAGES = """\
import pandas as pd


def make() -> pd.DataFrame:
    log("make")
    return pd.DataFrame({"a": [1, 2, 3], "b": [4.0, 5.0, 6.0]})


def add_flag(df: pd.DataFrame) -> pd.DataFrame:
    log("add_flag")
    df["flag"] = 1
    df.loc[0, "a"] = 100
    return df


def ncols(df: pd.DataFrame) -> int:
    log("ncols")
    return df.shape[1]


def total(df: pd.DataFrame) -> int:
    log("total")
    return int(df["a"].sum())


def make_cfg() -> dict[str, list[int]]:
    log("make_cfg")
    return {"layers": [64, 32], "seeds": [0]}


def tag(cfg: dict[str, list[int]]) -> int:
    log("tag")
    cfg["tagged"] = [1]
    return len(cfg)


def deepen(cfg: dict[str, list[int]]) -> int:
    log("deepen")
    cfg["layers"].append(16)
    return len(cfg["layers"])


def keys(cfg: dict[str, list[int]]) -> int:
    log("keys")
    return len(cfg)


def depth(cfg: dict[str, list[int]]) -> int:
    log("depth")
    return len(cfg["layers"])


def make_list() -> list[int]:
    log("make_list")
    return [1, 2, 3]


def push(xs: list[int]) -> int:
    log("push")
    xs.append(4)
    return sum(xs)


def length(xs: list[int]) -> int:
    log("length")
    return len(xs)


class Counter:
    def __init__(self) -> None:
        self.seen = 0


def make_counter() -> Counter:
    log("make_counter")
    return Counter()


def bump(counter: Counter) -> int:
    log("bump")
    counter.seen += 1
    return counter.seen


def peek(counter: Counter) -> int:
    log("peek")
    return counter.seen
"""

FRAMES = """\
from "src/stages.py" import make, add_flag, ncols, total
raw = make()
experiment a = ncols(add_flag(raw))
experiment b = ncols(raw)
experiment c = total(raw)
"""

MUTATE = """\
from "src/stages.py" import make_cfg, tag, deepen, keys, depth, make_list, push, length
from "src/stages.py" import make_counter, bump, peek
cfg = make_cfg()
xs = make_list()
counter = make_counter()
experiment tagged = tag(cfg)
experiment n_keys = keys(cfg)
experiment deeper = deepen(cfg)
experiment n_layers = depth(cfg)
experiment pushed = push(xs)
experiment n_xs = length(xs)
experiment bumped = bump(counter)
experiment seen = peek(counter)
"""

GOOD = {"n_keys": "2", "n_layers": "2", "n_xs": "3", "seen": "0"}
CULPRITS = {
    "tagged": ("tag", "mutate.ib:6:21"),
    "deeper": ("deepen", "mutate.ib:8:21"),
    "pushed": ("push", "mutate.ib:10:21"),
    "bumped": ("bump", "mutate.ib:12:21"),
}
ARGUMENTS = {"tag": "cfg", "deepen": "cfg", "push": "xs", "bump": "counter"}


@pytest.fixture
def project(tmp_path) -> Project:
    p = Project(tmp_path / "proj")
    p.stages(STAGES)
    p.write("frames.ib", FRAMES)
    p.write("mutate.ib", MUTATE)
    return p


def check_frames(p: Project, *options: str) -> None:
    out = p.ok("run", "frames.ib", *options)
    # `add_flag` wrote a column and a cell into its own copy: its result has them, the
    # frame `b` and `c` read does not, on the first run
    assert values(out) == {"a": "3", "b": "2", "c": "6"}
    assert sorted(p.calls()) == ["add_flag", "make", "ncols", "ncols", "total"]
    # and that is what was stored: a later run prints the same from the store
    assert values(p.ok("run", "frames.ib")) == {"a": "3", "b": "2", "c": "6"}
    assert p.calls() == []


def test_a_stage_writing_into_its_dataframe_does_not_change_what_siblings_see(project):
    check_frames(project)


def test_the_same_with_the_process_executor(project):
    check_frames(project, "--executor", "process", "--jobs", "2")


def check_mutations(p: Project, *options: str) -> None:
    done = p.run("run", "mutate.ib", *options)
    assert done.returncode == 3, done.stderr
    # the siblings see what the producers made: nothing leaked from the culprits
    assert values(done.stdout) == GOOD
    for experiment, (stage, at) in CULPRITS.items():
        assert f"experiment {experiment} failed" in done.stderr
        assert (
            f"`{stage}` at {at} changed its argument 1 (`{ARGUMENTS[stage]}`), so its result "
            "is not stored" in done.stderr
        )
        assert p.entry_of(stage) == []  # not stored
    assert {"keys", "depth", "length", "peek"} <= set(p.calls())
    # the next run tries the culprits again (and only them), and fails the same way
    again = p.run("run", "mutate.ib")
    assert again.returncode == 3 and values(again.stdout) == GOOD
    assert sorted(p.calls()) == ["bump", "deepen", "push", "tag"]
    for stage, _ in CULPRITS.values():
        assert f"`{stage}` at" in again.stderr


def test_a_stage_changing_a_dict_a_list_a_nested_list_or_an_object_is_named(project):
    check_mutations(project)


def test_the_same_with_the_process_executor_whose_workers_get_copies_anyway(project):
    check_mutations(project, "--executor", "process", "--jobs", "2")


def test_the_same_with_the_dask_executor(project):
    pytest.importorskip("distributed")
    check_frames(project, "--executor", "dask", "--jobs", "2")
    check_mutations(project, "--executor", "dask", "--jobs", "2")


def test_check_purity_also_names_a_stage_that_wrote_into_its_frame(project):
    done = project.run("run", "frames.ib", "--check-purity")
    assert done.returncode == 3
    assert "`add_flag` at frames.ib:3:22 changed its argument 1 (`df`)" in done.stderr
    assert values(done.stdout) == {"b": "2", "c": "6"}
