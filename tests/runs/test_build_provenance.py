"""Provenance (docs/running.md, "Run records"): every run record names what produced its
value (the git commit and dirty flag, the code, the libraries, the inputs' content), records
are kept per run, and `ibc results` shows one row per experiment, parameters and code.

Each test works in a real git repository made in a temporary folder."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from build_kit import Project

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

STAGES = """\
def evaluate(data, weights, scale: float) -> float:
    log("evaluate")
    rows = len(Path(data).read_text().splitlines())
    return round(0.1 * rows * scale + float(weights.sum()), 6)
"""

MAIN = """\
from numpy import zeros
from "src/stages.py" import evaluate

scale = 1.0
experiment acc = {accuracy = evaluate(file("data/x.csv"), zeros(3), scale)}
"""


def git(p: Project, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
        cwd=p.root,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def commit_all(p: Project, message: str) -> str:
    git(p, "add", "-A")
    git(p, "commit", "-q", "-m", message)
    return git(p, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path):
    p = Project(tmp_path / "proj")
    p.stages(STAGES)
    p.write("main.ib", MAIN)
    p.write("data/x.csv", "a,b\n1,2\n3,4\n")
    p.write(".gitignore", ".ibc/\ncalls.log\n")
    git(p, "init", "-q")
    return p


def results(p: Project, *args: str) -> list[dict]:
    return json.loads(p.ok("results", "main.ib", "--format", "json", *args))


def records(p: Project) -> list[dict]:
    """Every run record of the project, oldest first, as written."""
    out = []
    for path in sorted((p.store_root / "runs").glob("*.jsonl")):
        if not path.name.endswith(".stages.jsonl"):
            out += [json.loads(line) for line in path.read_text().splitlines()]
    return out


def test_two_code_versions_are_two_rows_with_their_commits(repo):
    p = repo
    first = commit_all(p, "first")
    assert p.ok("run", "main.ib") == 'acc: {"accuracy": 0.3}\n'
    p.edit("src/stages.py", "0.1 * rows", "0.2 * rows")
    second = commit_all(p, "second")
    assert p.ok("run", "main.ib") == 'acc: {"accuracy": 0.6}\n'
    rows = results(p)
    assert [(r["experiment"], r["commit"], r["dirty"]) for r in rows] == [
        ("acc", second, False),
        ("acc", first, False),
    ]
    assert [r["metrics"] for r in rows] == [{"accuracy": 0.6}, {"accuracy": 0.3}]
    # the table shows the commits, shortened
    table = p.ok("results", "main.ib").splitlines()
    assert table[0].split()[-5:] == ["commit", "dirty", "status", "started", "seconds"]
    assert second[:10] in table[2] and first[:10] in table[3] and second not in table[2]

    old, new = records(p)
    assert old["code"] != new["code"]
    name = "src.stages.evaluate"
    assert old["fingerprints"][name] != new["fingerprints"][name]
    assert old["fingerprints"][name].startswith("src:")
    import numpy

    assert new["libraries"] == {"numpy": numpy.__version__}
    assert new["fingerprints"]["numpy.zeros"] == f"numpy=={numpy.__version__}"
    assert list(new["inputs"]) == ["data/x.csv"] and new["inputs"] == old["inputs"]
    assert new["key"] and new["key"] != old["key"]

    pytest.importorskip("matplotlib")
    p.ok("results", "main.ib", "--plot", "commit,accuracy", "-o", "versions.png")
    assert (p.root / "versions.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_dirty_tree_is_flagged_and_every_run_is_kept(repo):
    p = repo
    head = commit_all(p, "first")
    p.ok("run", "main.ib")
    p.edit("src/stages.py", "0.1 * rows", "0.3 * rows")  # not committed
    assert p.ok("run", "main.ib") == 'acc: {"accuracy": 0.9}\n'
    assert p.ok("run", "main.ib") == 'acc: {"accuracy": 0.9}\n'  # cached, same code
    rows = results(p)
    assert [(r["commit"], r["dirty"], r["metrics"]) for r in rows] == [
        (head, True, {"accuracy": 0.9}),
        (head, False, {"accuracy": 0.3}),
    ]
    every = results(p, "--all")
    assert [(r["dirty"], r["metrics"]["accuracy"]) for r in every] == [
        (True, 0.9),
        (True, 0.9),
        (False, 0.3),
    ]
    assert len({r["run"] for r in records(p)}) == 3
    # an untracked file does not make the tree dirty; a staged change does
    p.edit("src/stages.py", "0.3 * rows", "0.1 * rows")
    p.write("notes.txt", "scratch")
    p.ok("run", "main.ib")
    assert records(p)[-1]["dirty"] is False
    p.write("data/x.csv", "a,b\n1,2\n")
    git(p, "add", "data/x.csv")
    p.ok("run", "main.ib")
    last = records(p)[-1]
    assert last["dirty"] is True and last["commit"] == head
    # the input's content hash follows the file
    assert last["inputs"]["data/x.csv"] != records(p)[0]["inputs"]["data/x.csv"]


def test_a_set_run_does_not_replace_the_files_own_row(repo):
    p = repo
    commit_all(p, "first")
    p.ok("run", "main.ib")
    assert p.ok("run", "main.ib", "-s", "scale=2.0") == 'acc: {"accuracy": 0.6}\n'
    rows = results(p)
    assert [(r["params"], r["metrics"]["accuracy"]) for r in rows] == [
        ({"scale": 2.0}, 0.6),
        ({}, 0.3),
    ]
    assert records(p)[-1]["overrides"] == ["scale=2.0"]
    # the file's own experiment is what `load` returns, though the -s run is newer
    from ibc.runtime import load

    assert load(p.root / "main.ib", "acc", store=str(p.store_root)) == {"accuracy": 0.3}
    # the plain run again replaces its own row only
    p.ok("run", "main.ib")
    rows = results(p)
    assert [r["params"] for r in rows] == [{}, {"scale": 2.0}]
    assert len(results(p, "--all")) == 3


def test_without_a_repository_or_without_git(repo):
    p = repo  # `git init` ran, but nothing is committed yet
    p.ok("run", "main.ib")
    assert (records(p)[-1]["commit"], records(p)[-1]["dirty"]) == (None, False)
    shutil.rmtree(p.root / ".git")  # tmp_path is outside any repository
    p.ok("run", "main.ib")
    assert (records(p)[-1]["commit"], records(p)[-1]["dirty"]) == (None, None)
    git(p, "init", "-q")
    commit_all(p, "first")
    done = p.run("run", "main.ib", PATH="")  # no git on PATH: the run goes on
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert (records(p)[-1]["commit"], records(p)[-1]["dirty"]) == (None, None)
    assert results(p)[0]["commit"] is None


def test_long_parameter_text_is_whole_in_json(repo):
    p = repo
    text = (
        'evaluate(file("data/x.csv"), zeros(1), 1.0) + evaluate(file("data/x.csv"), zeros(2), 2.0)'
    )
    p.write("main.ib", MAIN + f"experiment tuned = acc with {{ scale = {text} }}\n")
    p.ok("run", "main.ib")
    rows = {r["experiment"]: r["params"] for r in results(p)}
    assert rows == {"acc": {}, "tuned": {"scale": text}}
    assert "..." not in p.ok("results", "main.ib", "--format", "json")
    table = p.ok("results", "main.ib")
    assert text[:30] in table and text not in table  # a table clips it for width


def test_a_pinned_reference_names_its_revision(repo):
    p = repo
    first = commit_all(p, "first")
    p.edit("src/stages.py", "0.1 * rows", "0.2 * rows")
    commit_all(p, "second")
    p.write("main.ib", MAIN + f'experiment old = acc with {{ evaluate = evaluate @ "{first}" }}\n')
    assert p.ok("run", "main.ib") == 'acc: {"accuracy": 0.6}\nold: {"accuracy": 0.3}\n'
    acc, old = records(p)
    assert acc["revisions"] == {} and old["revisions"] == {"src.stages.evaluate": first}
    assert old["dirty"] is True  # main.ib changed since the commit
    assert old["fingerprints"]["src.stages.evaluate"] != acc["fingerprints"]["src.stages.evaluate"]


def test_inputs_are_those_of_the_branch_taken(repo):
    p = repo
    p.write("data/imgs/1.png", "one")
    p.write(
        "src/count.py",
        "from pathlib import Path\n\n\ndef count(p) -> int:\n    return len(list(Path(p).iterdir()))\n",
    )
    p.write(
        "main.ib",
        'from "src/count.py" import count\n'
        'experiment n = count(dir("data/imgs"))\n'
        'experiment m = count(dir("data/imgs")) if n > 0 else count(dir("src"))\n',
    )
    for _ in range(2):  # ran, then cached: the same inputs
        assert p.ok("run", "main.ib") == "n: 1\nm: 1\n"
        n, m = records(p)[-2:]
        assert list(n["inputs"]) == ["data/imgs"] and m["inputs"] == n["inputs"]
        assert list(m["fingerprints"]) == ["src.count.count"]
    p.write("data/imgs/2.png", "two")
    p.ok("run", "main.ib")
    assert records(p)[-1]["inputs"]["data/imgs"] != m["inputs"]["data/imgs"]
