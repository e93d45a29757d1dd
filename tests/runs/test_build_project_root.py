"""The project root (docs/guide.md, "A project"): one search, the nearest folder holding
`.git`, `pyproject.toml` or `ibc.toml`, used alike by the compiler (module resolution), the
run (where the store and the run records live) and `ibc results` / `ibc cache` (where they
are looked for), from the project folder, a subfolder or any other working folder."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from build_kit import STAGES_HEADER, ibc_env

STAGES = STAGES_HEADER + """

def double(x: int) -> int:
    log(f"double {x}")
    return 2 * x
"""

MAIN = """\
from "../src/stages.py" import double

experiment e = {v = double(21)}
"""


def make(tmp_path, marker: str):
    """A project marked by `marker` (a file written empty, or `.git`: a real repository),
    its `.ib` file in `sub/`, its Python code in `src/`."""
    root = tmp_path / "proj"
    (root / "src").mkdir(parents=True)
    (root / "sub").mkdir()
    (root / "src" / "stages.py").write_text(STAGES)
    (root / "sub" / "m.ib").write_text(MAIN)
    if marker == ".git":
        if shutil.which("git") is None:
            pytest.skip("git is not installed")
        subprocess.run(["git", "init", "-q", str(root)], check=True)
    elif marker == "pyproject.toml":
        (root / marker).write_text('[project]\nname = "wine"\n')
    else:
        (root / marker).write_text("")
    return root


def ibc(cwd, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ibc", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=ibc_env(),
        timeout=120,
    )


def ok(cwd, *args: str) -> str:
    done = ibc(cwd, *args)
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def calls(root) -> list[str]:
    log = root / "calls.log"
    lines = log.read_text().splitlines() if log.exists() else []
    log.write_text("")
    return lines


def rows(cwd, *args: str) -> list[dict]:
    return json.loads(ok(cwd, "results", "--format", "json", *args))


@pytest.mark.parametrize("marker", ["pyproject.toml", ".git", "ibc.toml"])
def test_results_right_after_a_run_of_a_file_in_a_subfolder(tmp_path, marker):
    root = make(tmp_path, marker)
    assert ok(root, "run", "sub/m.ib") == 'e: {"v": 42}\n'
    assert calls(root) == ["double 21"]
    # the records are where `ibc results` looks: one store, at the root
    assert (root / ".ibc" / "runs").is_dir()
    assert not (root / "sub" / ".ibc").exists()
    found = rows(root, "sub/m.ib")
    assert [(r["file"], r["experiment"], r["metrics"]["v"]) for r in found] == [
        ("sub/m.ib", "e", 42)
    ]
    table = ok(root, "results", "sub/m.ib")
    assert "no recorded runs" not in table and "42" in table


def test_the_same_store_from_a_subfolder_and_from_another_working_folder(tmp_path):
    root = make(tmp_path, "pyproject.toml")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert ok(root / "sub", "run", "m.ib") == 'e: {"v": 42}\n'
    assert calls(root) == ["double 21"]
    # run again from another working folder: the same store, nothing runs
    assert ok(elsewhere, "run", str(root / "sub" / "m.ib")) == 'e: {"v": 42}\n'
    assert calls(root) == []
    assert sorted(p.name for p in root.rglob(".ibc")) == [".ibc"]
    assert not (elsewhere / ".ibc").exists()
    # every way of naming the file finds both runs, under the name relative to the root
    for cwd, name in ((root, "sub/m.ib"), (root / "sub", "m.ib"), (elsewhere, root / "sub/m.ib")):
        found = rows(cwd, "--all", str(name))
        assert [(r["file"], r["metrics"]["v"]) for r in found] == [("sub/m.ib", 42)] * 2, (
            cwd,
            found,
        )
    # without a file, the working folder's project: the subfolder belongs to the root's
    assert [r["file"] for r in rows(root / "sub")] == ["sub/m.ib"]
    # the notebook's API reads the value the run stored, from any working folder
    code = f"from ibc.runtime import load; print(load({str(root / 'sub' / 'm.ib')!r}, 'e'))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=elsewhere, capture_output=True, text=True, env=ibc_env()
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "{'v': 42}\n"


def test_the_nearest_marker_wins_for_the_compiler_and_the_run_alike(tmp_path):
    # `sub/ibc.toml` makes `sub` a project of its own: its path import leaves it (E0208 names
    # the root), and once the code is inside, its store is `sub/.ibc`
    root = make(tmp_path, "pyproject.toml")
    (root / "sub" / "ibc.toml").write_text("")
    done = ibc(root, "run", "sub/m.ib")
    assert done.returncode == 1
    assert "outside the project root" in done.stderr
    (root / "sub" / "src").mkdir()
    (root / "sub" / "src" / "stages.py").write_text(STAGES)
    (root / "sub" / "m.ib").write_text(MAIN.replace("../src/", "src/"))
    assert ok(root, "run", "sub/m.ib") == 'e: {"v": 42}\n'
    assert (root / "sub" / ".ibc" / "runs").is_dir()
    assert not (root / ".ibc").exists()
    assert [r["file"] for r in rows(root, "sub/m.ib")] == ["m.ib"]
