"""Tabular work through the real `ibc` command (issue 13, items 7–9 and 10c; docs/running.md
"The store", "Writing results to files", "Run records and results"): pandas frames with
missing values and categoricals stored and loaded exactly, `--out DIR/` writing every target
and restoring deleted or changed files on cached runs, writers and relative paths resolved
against the project root, `ibc.runtime.load` of a binding that is not a target, and the
digits `ibc results` shows."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from build_kit import Project, ibc_env

STAGES = """\
import os

import numpy as np
import pandas as pd


def raw(n: int) -> pd.DataFrame:
    log("raw")
    rng = np.random.default_rng(7)
    area = rng.normal(1500.0, 300.0, n)
    area[::9] = np.nan
    frame = pd.DataFrame(
        {
            "area": area,
            "rooms": pd.array([None if i % 11 == 0 else i % 6 for i in range(n)], dtype="Int64"),
            "year": rng.integers(1900, 2010, n),
            "zone": pd.Categorical(
                rng.choice(["RL", "RM", None], n), categories=["RM", "RL", "FV"]
            ),
            "street": pd.Series(rng.choice(["Pave", None, "Grvl"], n), dtype="str"),
            "note": pd.Series([None if i % 3 else f"n{i}" for i in range(n)], dtype=object),
        },
        index=pd.Index(np.arange(n) + 1000, name="Id"),
    )
    frame.attrs["source"] = "generated"
    return frame


def features(df: pd.DataFrame) -> pd.DataFrame:
    log("features")
    out = df.copy()
    out["area_log"] = np.log1p(out["area"])
    return out


def submission_frame(df: pd.DataFrame) -> pd.DataFrame:
    log("submission")
    return pd.DataFrame(
        {"Id": df.index.to_numpy(), "SalePrice": df["area"].fillna(0.0).to_numpy() * 2.0}
    )


def score(df: pd.DataFrame, shift: float) -> dict:
    log("score")
    return {"rmse": 0.12181 + shift, "rows": len(df)}


def values(df: pd.DataFrame) -> np.ndarray:
    log("values")
    return df["year"].to_numpy()


def write_csv(df: pd.DataFrame, path: str) -> str:
    log("write_csv")
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    df.to_csv(path, index=False)
    return path
"""

MAIN = """\
from "src/stages.py" import raw, features, submission_frame, score, values, write_csv
from "src/stages.py" import write_csv as write_now (impure)

n = 3000
shift = 0.0
data = raw(n)
train = features(data)
small = features(raw(7))
sub = submission_frame(train)
experiment submission = sub
experiment metrics = score(train, shift)
experiment years = values(train)
experiment written = write_csv(sub, "exports/written.csv")
experiment now = write_now(sub, "exports/impure.csv")
sweep grid = metrics with { shift in [0.00001, 0.00002, 0.00003] }
"""


@pytest.fixture
def project(tmp_path) -> Project:
    p = Project(tmp_path / "house")
    p.stages(STAGES)
    p.write("main.ib", MAIN)
    return p


def expected_train() -> pd.DataFrame:
    """`features(raw(3000))` computed here, without ibc."""
    namespace: dict = {"log": lambda name: None}
    exec(STAGES, namespace)  # noqa: S102 - the test's own stage code
    return namespace["features"](namespace["raw"](3000))


def load(p: Project, name: str, cwd=None) -> subprocess.CompletedProcess:
    """`ibc.runtime.load("main.ib", name)` in a fresh interpreter, its value pickled to
    `value.pkl` in the project (`LookupError: …` printed instead when it raises)."""
    code = textwrap.dedent(f"""
        import pickle, sys
        import ibc.runtime
        try:
            value = ibc.runtime.load({str(p.root / "main.ib")!r}, {name!r})
        except LookupError as exc:
            print("LookupError:", exc)
            sys.exit(1)
        with open({str(p.root / "value.pkl")!r}, "wb") as f:
            pickle.dump(value, f)
        """)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd or p.root,
        capture_output=True,
        text=True,
        env=ibc_env(),
        timeout=120,
    )


def loaded(p: Project, name: str, cwd=None):
    done = load(p, name, cwd)
    assert done.returncode == 0, done.stdout + done.stderr
    return pickle.loads((p.root / "value.pkl").read_bytes())


def assert_same_frame(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert list(got.dtypes) == list(want.dtypes)
    assert list(got["zone"].cat.categories) == ["RM", "RL", "FV"]
    assert got["area"].isna().sum() == want["area"].isna().sum() > 0
    assert got["rooms"].isna().sum() == want["rooms"].isna().sum() > 0
    assert got.index.name == "Id" and got.index[0] == 1000
    assert got.attrs == {"source": "generated"}


# ------------------------------------------------------------------------ frames in the store


def test_frames_round_trip_exactly_through_the_store(project):
    project.ok("run", "main.ib", "submission")
    assert sorted(project.calls()) == ["features", "raw", "submission"]
    (entry,) = project.entry_of("features")
    assert entry.codec == "pickle5"  # pickled, its columns out of band
    assert_same_frame(loaded(project, "train"), expected_train())
    out = project.ok("run", "main.ib", "submission", "--json")  # cached: nothing runs
    assert project.calls() == [] and "SalePrice" in json.loads(out)["submission"]


def test_a_changed_byte_in_a_stored_frame_is_repaired(project):
    project.ok("run", "main.ib", "submission")
    project.calls()
    (entry,) = project.entry_of("features")
    path = project.store_root / "store" / entry.key[:2] / entry.key
    data = bytearray(path.read_bytes())
    data[-200] ^= 1  # inside the last column's buffer
    path.write_bytes(bytes(data))
    (sub,) = project.entry_of("submission_frame")
    (project.store_root / "store" / sub.key[:2] / sub.key).unlink()  # so `train` is loaded
    done = project.run("run", "main.ib", "submission")
    assert done.returncode == 0, done.stderr
    assert "notice: 1 damaged store entry was removed and computed again" in done.stderr
    assert sorted(project.calls()) == ["features", "submission"]
    assert_same_frame(loaded(project, "train"), expected_train())


# ------------------------------------------------------------------------ --out DIR/


def test_out_folder_writes_every_target(project):
    done = project.run("run", "main.ib", "submission", "metrics", "years", "grid", "--out", "out/")
    assert done.returncode == 0, done.stderr
    out = project.root / "out"
    assert sorted(p.name for p in out.iterdir()) == [
        "grid[shift=0.00001].json",
        "grid[shift=0.00002].json",
        "grid[shift=0.00003].json",
        "metrics.json",
        "submission.csv",
        "years.npy",
    ]
    frame = pd.read_csv(out / "submission.csv")
    assert list(frame.columns) == ["Id", "SalePrice"] and len(frame) == 3000  # no index column
    assert json.loads((out / "metrics.json").read_text()) == {"rmse": 0.12181, "rows": 3000}
    assert np.load(out / "years.npy").shape == (3000,)
    assert "wrote out/submission.csv" in done.stderr


def test_out_folder_rewrites_deleted_and_changed_files_on_a_cached_run(project):
    project.ok("run", "main.ib", "submission", "metrics", "--out", "out/")
    project.calls()
    csv = project.root / "out" / "submission.csv"
    metrics = project.root / "out" / "metrics.json"
    good_csv, good_metrics = csv.read_bytes(), metrics.read_bytes()
    csv.unlink()
    metrics.write_text("{}")
    done = project.run("run", "main.ib", "submission", "metrics", "--out", "out/")
    assert done.returncode == 0, done.stderr
    assert project.calls() == []  # every stage cached
    assert csv.read_bytes() == good_csv and metrics.read_bytes() == good_metrics
    assert "wrote out/submission.csv" in done.stderr and "wrote out/metrics.json" in done.stderr
    stamp = csv.stat().st_mtime_ns
    done = project.run("run", "main.ib", "submission", "metrics", "--out", "out/")
    assert "up to date: out/submission.csv" in done.stderr
    assert csv.stat().st_mtime_ns == stamp  # an identical file is left alone


def test_out_file_with_several_targets_is_a_usage_error(project):
    done = project.run("run", "main.ib", "submission", "metrics", "--out", "both.csv")
    assert done.returncode == 2
    assert "--out both.csv writes the value of one target, and 2 would run" in done.stderr
    assert "--out both.csv/" in done.stderr
    project.ok("run", "main.ib", "submission", "--out", "one.csv")
    assert pd.read_csv(project.root / "one.csv").shape == (3000, 2)


def test_out_is_relative_to_the_folder_ibc_runs_in(project):
    sub = project.root / "notebooks"
    sub.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "ibc", "run", "../main.ib", "metrics", "--out", "res/"],
        cwd=sub,
        capture_output=True,
        text=True,
        env=ibc_env(),
    )
    assert done.returncode == 0, done.stderr
    assert (sub / "res" / "metrics.json").exists()
    assert not (project.root / "res").exists()


# ------------------------------------------------------------------------ writers


def test_a_cached_writer_writes_its_deleted_file_again(project):
    project.ok("run", "main.ib", "written")
    written = project.root / "exports" / "written.csv"
    good = written.read_bytes()
    assert "write_csv" in project.calls()
    project.ok("run", "main.ib", "written")
    assert project.calls() == []  # cached, its file in place
    written.unlink()
    done = project.run("run", "main.ib", "written", "--explain")
    assert done.returncode == 0, done.stderr
    assert project.calls() == ["write_csv"]  # only the writer: its input is cached
    assert written.read_bytes() == good
    assert "is missing or changed" in done.stderr
    written.write_text("edited by hand\n")
    project.ok("run", "main.ib", "written")
    assert project.calls() == ["write_csv"] and written.read_bytes() == good


def test_relative_paths_of_writers_resolve_against_the_project_root(project):
    sub = project.root / "deep" / "er"
    sub.mkdir(parents=True)
    done = subprocess.run(
        [sys.executable, "-m", "ibc", "run", "../../main.ib", "written", "now"],
        cwd=sub,
        capture_output=True,
        text=True,
        env=ibc_env(),
    )
    assert done.returncode == 0, done.stderr
    assert (project.root / "exports" / "written.csv").exists()
    assert (project.root / "exports" / "impure.csv").exists()
    assert not (sub / "exports").exists()
    (project.root / "exports" / "impure.csv").unlink()
    project.calls()
    project.ok("run", "main.ib", "now")  # (impure): runs every time, writes every time
    assert project.calls() == ["write_csv"]
    assert (project.root / "exports" / "impure.csv").exists()


# ------------------------------------------------------------------------ load


def test_load_of_a_binding_that_is_not_a_target(project):
    project.ok("run", "main.ib", "submission")
    project.calls()
    assert_same_frame(loaded(project, "train"), expected_train())
    raw = loaded(project, "data", cwd=project.root / "src")  # from another folder too
    assert raw.shape == (3000, 6) and raw.index.name == "Id"
    assert loaded(project, "n") == 3000  # a literal binding
    assert project.calls() == []  # nothing ran


def test_load_of_a_binding_no_run_computed_says_which_run_would(project):
    project.ok("run", "main.ib", "submission")
    project.calls()
    done = load(project, "small")
    assert done.returncode == 1
    assert "`small` of main.ib is not in the store" in done.stdout
    assert "2 stage(s) it needs would run" in done.stdout
    assert "`ibc run main.ib small` computes it" in done.stdout
    assert project.calls() == []
    done = load(project, "trian")
    assert "main.ib has no binding `trian`; did you mean `train`?" in done.stdout
    project.edit("src/stages.py", 'out["area_log"]', 'out["area_log2"]')
    done = load(project, "train")  # the code changed since: not the stored value
    assert done.returncode == 1 and "would run" in done.stdout
    project.ok("run", "main.ib", "small")
    assert loaded(project, "small").shape == (7, 7)


# ------------------------------------------------------------------------ results


def test_results_show_the_digits_that_tell_values_apart(project):
    project.ok("run", "main.ib", "grid")
    table = project.ok("results", "main.ib")
    for text in ("0.12182", "0.12183", "0.12184"):
        assert text in table
    assert "0.1218 " not in table


def test_out_folder_rules_for_indexes_models_and_point_names(tmp_path):
    p = Project(tmp_path / "rules")
    p.stages("""\
        import pandas as pd
        from sklearn.linear_model import Ridge


        def indexed(tag: str) -> pd.DataFrame:
            log("indexed")
            return pd.DataFrame({"v": [1.5, None]}, index=pd.Index(["a", tag], name="key"))


        def model(alpha: float) -> Ridge:
            log("model")
            return Ridge(alpha=alpha).fit([[0.0], [1.0]], [0.0, 1.0])
        """)
    p.write(
        "main.ib",
        """\
        from "src/stages.py" import indexed, model
        tag = "x"
        experiment table = indexed(tag)
        experiment fitted = model(0.5)
        sweep tags = table with { tag in ["a/b", "c"] }
        """,
    )
    done = p.run("run", "main.ib", "--out", "res/")
    assert done.returncode == 0, done.stderr
    res = p.root / "res"
    assert sorted(f.name for f in res.iterdir()) == [
        "fitted.pkl",
        "table.csv",
        "tags[tag=_a_b_].csv",  # `/` and `"` are not kept in file names
        "tags[tag=_c_].csv",
    ]
    assert (res / "table.csv").read_text() == "key,v\na,1.5\nx,\n"  # a named index is kept
    fitted = pickle.loads((res / "fitted.pkl").read_bytes())
    assert type(fitted).__name__ == "Ridge" and fitted.alpha == 0.5
