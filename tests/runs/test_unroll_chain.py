"""`map` over a list of known length and `chain` over a list of steps are one stage per element
or step (docs/running.md, "Unrolled maps and chains"), through the real `ibc`: a prelude range
of constants is such a list, so widening it runs only the new folds; a replaced step re-runs
itself and the steps after it. Stage runs are counted in `calls.log`."""

from __future__ import annotations

import json
import textwrap

from build_kit import Project, values

STAGES = """\
import pandas as pd


def fold_score(k: int) -> float:
    log(f"fold {k}")
    return k * 0.5


def ks(n: int) -> list[int]:
    log("ks")
    return list(range(n))


def raw() -> pd.DataFrame:
    log("raw")
    return pd.DataFrame({"area": [50.0, None, 80.0], "kind": ["flat", "house", "flat"]})


def fill(df: pd.DataFrame) -> pd.DataFrame:
    log("fill")
    return df.fillna({"area": 0.0})


def encode(df: pd.DataFrame) -> pd.DataFrame:
    log("encode")
    return df.assign(kind=df["kind"].map({"flat": 0, "house": 1}))


def encode_v2(df: pd.DataFrame) -> pd.DataFrame:
    log("encode_v2")
    return df.assign(kind=df["kind"].map({"flat": 10, "house": 20}))


def add_log(df: pd.DataFrame) -> pd.DataFrame:
    log("add_log")
    return df.assign(area2=df["area"] * 2)


def rows(df: pd.DataFrame) -> list:
    return df.to_dict(orient="records")


def describe(df: pd.DataFrame) -> str:
    return str(df.shape)
"""


def project(tmp_path, body: str) -> Project:
    p = Project(tmp_path / "proj")
    p.stages(STAGES)
    head = (
        'from "src/stages.py" import fold_score, ks, raw, fill, encode, encode_v2, add_log, rows, '
        "describe\n"
    )
    p.write("main.ib", head + textwrap.dedent(body), dedent=False)
    return p


def run(p: Project, *args: str) -> tuple[dict[str, str], str]:
    """`ibc ARGS`, which must succeed: the printed values and the whole output (the lines
    saying what ran go to standard error)."""
    done = p.run(*args, IBC_PROGRESS="plain")
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return values(done.stdout), done.stdout + done.stderr


def folds(calls: list[str]) -> list[str]:
    return sorted(c for c in calls if c.startswith("fold"))


# ----------------------------------------------------------------- map over a range


def test_map_over_a_range_is_one_stage_per_fold_and_widening_runs_one_new_fold(tmp_path):
    p = project(
        tmp_path,
        """\
        n = 5
        experiment scores = map(fold_score, range(0, n))
        """,
    )
    got, out = run(p, "run", "main.ib")
    assert got["scores"] == "[0.0, 0.5, 1.0, 1.5, 2.0]"
    assert folds(p.calls()) == [f"fold {k}" for k in range(5)]
    assert "5 ran, 0 cached" in out

    # the range written with a literal bound is the same five stages
    p.edit("main.ib", "range(0, n)", "range(0, 5)")
    assert "0 ran, 5 cached" in run(p, "run", "main.ib")[1]
    assert p.calls() == []

    # widening: `ibc why` says exactly one stage would run, and the run agrees
    p.edit("main.ib", "range(0, 5)", "range(0, 6)")
    why = p.ok("why", "main.ib")
    assert "1 stage(s) would run, 5 cached" in why
    assert why.count("would run  fold_score") == 1
    got, out = run(p, "run", "main.ib")
    assert "1 ran, 5 cached" in out
    assert got["scores"] == "[0.0, 0.5, 1.0, 1.5, 2.0, 2.5]"
    assert p.calls() == ["fold 5"]


def test_a_constant_bound_set_by_s_or_with_and_the_piped_form_unroll(tmp_path):
    p = project(
        tmp_path,
        """\
        n = 3
        scores = range(0, n) |> map(fold_score)
        experiment base = scores
        experiment wider = scores with { n = 4 }
        experiment lam = map(fn k => fold_score(k + 0), range(1, n + 1))
        """,
    )
    out = values(p.ok("run", "main.ib"))
    assert out["base"] == "[0.0, 0.5, 1.0]"
    assert out["wider"] == "[0.0, 0.5, 1.0, 1.5]"
    assert out["lam"] == "[0.5, 1.0, 1.5]"
    assert folds(p.calls()) == [f"fold {k}" for k in range(4)]
    out = p.ok("run", "main.ib", "base", "-s", "n=5")
    assert values(out)["base"] == "[0.0, 0.5, 1.0, 1.5, 2.0]"
    assert p.calls() == ["fold 4"]


def test_a_range_longer_than_the_limit_is_one_stage(tmp_path):
    """Above 1,000 elements a range is not unrolled: `map` over it is one stage of `map`."""
    p = project(
        tmp_path,
        """\
        experiment small = map(fold_score, range(0, 1000))
        experiment large = map(fold_score, range(0, 1001))
        """,
    )
    assert "1000 ran, 0 cached" in run(p, "run", "main.ib", "small")[1]
    p.calls()
    got, out = run(p, "run", "main.ib", "large")
    assert "1 ran, 0 cached" in out  # one stage, of `map`
    assert "ran    map at main.ib" in out
    assert len(json.loads(got["large"])) == 1001
    assert len(p.calls()) == 1001  # the one stage called fold_score for every element


def test_a_computed_list_is_one_stage(tmp_path):
    p = project(
        tmp_path,
        """\
        experiment e = map(fold_score, ks(2))
        """,
    )
    got, out = run(p, "run", "main.ib")
    assert got["e"] == "[0.0, 0.5]"
    assert "ran    map at main.ib" in out
    assert "2 ran, 0 cached" in out  # `ks` and `map`
    assert p.calls() == ["ks", "fold 0", "fold 1"]


# ----------------------------------------------------------------- chain


CHAIN = """\
data = raw()
prepared = data |> chain([fill, encode, add_log])
experiment base = rows(prepared)
experiment v2 = base with { prepared.steps[1] = encode_v2 }
"""


def test_chain_runs_the_steps_in_order_one_stage_each(tmp_path):
    p = project(tmp_path, CHAIN)
    got, out = run(p, "run", "main.ib", "base")
    assert p.calls() == ["raw", "fill", "encode", "add_log"]
    assert json.loads(got["base"]) == [
        {"area": 50.0, "kind": 0, "area2": 100.0},
        {"area": 0.0, "kind": 1, "area2": 0.0},
        {"area": 80.0, "kind": 0, "area2": 160.0},
    ]
    assert "ran    fill at main.ib:3:12" in out  # each step is a stage of its own
    assert "ran    add_log at main.ib:3:12" in out


def test_a_replaced_step_reruns_itself_and_the_steps_after_it(tmp_path):
    p = project(tmp_path, CHAIN)
    p.ok("run", "main.ib", "base")
    p.calls()
    why = p.ok("why", "main.ib", "v2")
    assert "would run  encode_v2" in why
    assert "would run  add_log" in why
    assert "would run  fill" not in why
    got, out = run(p, "run", "main.ib", "v2")
    assert p.calls() == ["encode_v2", "add_log"]  # raw and fill are cached
    assert "3 ran, 2 cached" in out  # encode_v2, add_log and rows; raw and fill cached
    assert [r["kind"] for r in json.loads(got["v2"])] == [10, 20, 10]

    # the same replacement from the command line: all cached now
    got, out = run(p, "run", "main.ib", "base", "-s", "prepared.steps[1]=encode_v2")
    assert p.calls() == []
    assert [r["kind"] for r in json.loads(got["base"])] == [10, 20, 10]

    # replacing the last step runs that step alone
    p.ok("run", "main.ib", "base", "-s", "prepared.steps[2]=fill")
    assert p.calls() == ["fill"]


def test_steps_from_a_binding_are_parameters_by_index(tmp_path):
    """A preprocessing pipeline chosen by a parameter: `steps` is a binding."""
    p = project(
        tmp_path,
        """\
        steps = [fill, encode]
        experiment features = raw() |> chain(steps) |> describe
        experiment longer = features with { steps = [fill, encode, add_log] }
        experiment other = features with { steps[1] = encode_v2 }
        """,
    )
    out = values(p.ok("run", "main.ib"))
    assert out == {"features": '"(3, 2)"', "longer": '"(3, 3)"', "other": '"(3, 2)"'}
    assert sorted(p.calls()) == sorted(["raw", "fill", "encode", "add_log", "encode_v2"])


def test_params_lists_the_steps_and_diff_shows_a_replaced_one(tmp_path):
    p = project(tmp_path, CHAIN)
    listing = p.ok("params", "main.ib", "base")
    rows_ = {line.split()[0]: line for line in listing.splitlines() if line.strip()}
    assert "List[(df: DataFrame) -> DataFrame]" in rows_["prepared.steps"]
    for index, name in enumerate(["fill", "encode", "add_log"]):
        row = rows_[f"prepared.steps[{index}]"]
        assert "(df: DataFrame) -> DataFrame" in row and row.split()[-2] == name
    diff = p.ok("diff", "main.ib", "base", "v2").splitlines()
    assert diff[0].split() == ["PATH", "base", "v2"]
    assert diff[1].split() == ["prepared.steps[1]", "encode", "encode_v2"]
    assert len(diff) == 2


def test_a_step_of_the_wrong_type_is_an_error_at_its_location(tmp_path):
    p = project(
        tmp_path,
        """\
        experiment e = raw() |> chain([fill, describe, add_log])
        """,
    )
    done = p.run("check", "main.ib")
    assert done.returncode != 0
    err = done.stdout + done.stderr
    assert "error[E0401]: element [1] of this list must be `(DataFrame) -> DataFrame`" in err
    assert "found `(df: DataFrame) -> Str`" in err
    assert "main.ib:2:38" in err  # `describe`, the second step

    # an override giving a step of the wrong type names the override
    p.write("main.ib", p.root.joinpath("main.ib").read_text().replace("describe, ", ""))
    done = p.run("run", "main.ib", "-s", "e.steps[0]=describe")
    assert done.returncode != 0
    err = done.stdout + done.stderr
    assert "error[E0504]: the override `e.steps[0]`" in err
    assert p.calls() == []
