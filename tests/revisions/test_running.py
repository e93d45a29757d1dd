"""Pinned references at run time: old and new code side by side, caching, snapshots, plain."""

from __future__ import annotations

import json
import subprocess
import sys

from .gitrepo import ibc, story, write

MAIN = """\
from "src/features.py" import clean
from "src/features.py" @ "v1" import clean as clean_v1
experiment today = clean(1.0)
experiment old = clean_v1(1.0)
experiment inline = (clean @ "v1")(1.0)
sweep s = today with { clean in [clean, clean @ "v1"] }
"""


def run_json(root, *args):
    done = ibc(root, "run", "main.ib", "--json", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), done.stderr


def test_old_and_new_versions_with_their_helpers_in_one_run_and_sweep(tmp_path):
    v1, _ = story(tmp_path)
    write(tmp_path, {"main.ib": MAIN})
    values, _ = run_json(tmp_path)
    # today: (1 * 3.0) + 1; v1: 1 * 2.0 (its helper `factor` at v1 too)
    assert values == {
        "today": 4.0,
        "old": 2.0,
        "inline": 2.0,
        "s[clean=clean]": 4.0,
        's[clean=clean @ "v1"]': 2.0,
    }
    snapshot = tmp_path / ".ibc" / "snapshots" / v1
    assert (snapshot / "src" / "util.py").read_text() == "def factor() -> float:\n    return 2.0\n"
    assert "3.0" in (tmp_path / "src" / "util.py").read_text()  # the working tree untouched


def test_a_stage_pinned_to_v1_stays_cached_after_editing_todays_file(tmp_path):
    story(tmp_path)
    write(tmp_path, {"main.ib": MAIN})
    run_json(tmp_path, "old", "today")
    text = (tmp_path / "src" / "features.py").read_text()
    write(tmp_path, {"src/features.py": text.replace("+ 1.0", "+ 10.0")})
    write(tmp_path, {"src/util.py": "def factor() -> float:\n    return 5.0\n"})
    values, err = run_json(tmp_path, "old", "today")
    assert values == {"old": 2.0, "today": 15.0}
    assert "old: ok in" in err and "0 ran, 1 cached" in err.split("old: ok in")[1].splitlines()[0]


def test_concurrent_runs_materialize_the_same_snapshot(tmp_path):
    v1, _ = story(tmp_path)
    write(tmp_path, {"main.ib": MAIN})
    compiled = ibc(tmp_path, "compile", "main.ib", "-o", "out.py")
    assert compiled.returncode == 0, compiled.stderr
    procs = [
        subprocess.Popen(
            [sys.executable, "out.py", "old", "--json"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={"IBC_STORE": str(tmp_path / f".ibc-{i}"), **_env()},
        )
        for i in range(2)
    ] + [
        subprocess.Popen(
            [sys.executable, "out.py", "inline", "--json"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={"IBC_STORE": str(tmp_path / ".ibc-shared"), **_env()},
        )
        for _ in range(4)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [e for _, e in outs]
    assert [list(json.loads(o).values()) for o, _ in outs] == [[2.0]] * 6
    shared = tmp_path / ".ibc-shared" / "snapshots" / v1
    assert sorted(p.name for p in (shared / "src").iterdir()) == [
        "__init__.py",
        "features.py",
        "util.py",
    ]
    assert not [p for p in shared.rglob("*.tmp")]


def test_the_plain_target_runs_a_pinned_function_without_ibc_or_git(tmp_path):
    story(tmp_path)
    write(tmp_path, {"main.ib": MAIN})
    done = ibc(tmp_path, "compile", "main.ib", "--target", "plain", "-o", "plain.py")
    assert done.returncode == 0, done.stderr
    # -S: no site-packages, so no ibc; PATH without git.
    check = subprocess.run(
        [sys.executable, "-S", "-c", "import ibc"], cwd=tmp_path, capture_output=True, check=False
    )
    assert check.returncode != 0
    ran = subprocess.run(
        [sys.executable, "-S", "plain.py", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": str(tmp_path / "nothing")},
    )
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == {
        "today": 4.0, "old": 2.0, "inline": 2.0, "s[clean=clean]": 4.0, 's[clean=clean @ "v1"]': 2.0,
    }  # fmt: skip


def test_a_pinned_class_and_todays_in_one_run(tmp_path):
    story(tmp_path)
    write(
        tmp_path,
        {
            "main.ib": (
                'from "src/features.py" import Model\n'
                'from "src/features.py" @ "v1" import Model as OldModel\n'
                "experiment a = Model(1.0).score()\nexperiment b = OldModel(2.0).score()\n"
            )
        },
    )
    values, _ = run_json(tmp_path)
    assert values == {"a": 1.0, "b": 2.0}


def _env():
    import os

    return {k: v for k, v in os.environ.items() if k not in ("IBC_STORE", "IBC_CACHE_DIR")}


def test_a_symbolic_link_inside_the_store_is_never_followed(tmp_path):
    """A link planted at `.ibc/snapshots/<commit>/src` (pointing outside the store) does not
    make materializing a snapshot write there: the run fails that stage with a clear message,
    and nothing is written outside."""
    import os

    v1, _ = story(tmp_path)
    write(tmp_path, {"main.ib": MAIN})
    outside = tmp_path.parent / (tmp_path.name + "-outside")
    outside.mkdir()
    snapshot = tmp_path / ".ibc" / "snapshots" / v1
    snapshot.mkdir(parents=True)
    os.symlink(outside, snapshot / "src")
    done = ibc(tmp_path, "run", "main.ib", "old")
    assert done.returncode == 3, done.stderr
    assert "is a symbolic link" in done.stderr and "Traceback" not in done.stderr
    assert list(outside.iterdir()) == []
    (snapshot / "src").unlink()  # removed, the snapshot is written again
    values, _ = run_json(tmp_path, "old")
    assert values == {"old": 2.0}
