"""History sweeps on real repositories, through `ibc` in subprocesses (docs/revisions.md,
"History sweeps")."""

from __future__ import annotations

import csv
import io
import re

from ibc.driver import check_file
from ibc.resolve.revisions import Repo, forget_repositories

from .project import BASE, MAIN, commit, features, git, ibc, main, run, three_versions, write


def points(values: dict) -> dict:
    return {k: v["accuracy"] for k, v in values.items() if k.startswith("regress[")}


def test_one_point_per_version_and_none_for_unrelated_commits(tmp_path):
    v1, v2, v3 = three_versions(tmp_path)
    main(tmp_path)
    values, _ = run(tmp_path)
    assert points(values) == {
        f"regress[clean@{v3[:7]}]": 3.0,
        f"regress[clean@{v2[:7]}]": 2.0,
        f"regress[clean@{v1[:7]}]": 1.0,
    }
    assert list(points(values)) == [f"regress[clean@{c[:7]}]" for c in (v3, v2, v1)]
    # exactly what `ibc log` lists
    log = ibc(tmp_path, "log", "src/features.py:clean")
    assert [line.split()[0] for line in log.stdout.splitlines()] == [c[:8] for c in (v3, v2, v1)]


def test_a_helper_changed_in_one_commit_is_a_point(tmp_path):
    v1, v2, v3 = three_versions(tmp_path)
    helper = commit(
        tmp_path, {"src/util.py": "def offset() -> float:\n    return 10.0\n"}, "bigger offset"
    )
    main(tmp_path)
    values, _ = run(tmp_path)
    assert points(values) == {
        f"regress[clean@{helper[:7]}]": 13.0,
        f"regress[clean@{v3[:7]}]": 3.0,
        f"regress[clean@{v2[:7]}]": 2.0,
        f"regress[clean@{v1[:7]}]": 1.0,
    }
    log = ibc(tmp_path, "log", "src/features.py:clean")
    assert "bigger offset  (helpers changed)" in log.stdout.splitlines()[0]


def test_a_dirty_working_tree_is_a_point_of_its_own(tmp_path):
    v1, v2, v3 = three_versions(tmp_path)
    write(tmp_path, {"src/features.py": features("4.0", "x + 2")})
    main(tmp_path)
    values, _ = run(tmp_path)
    assert list(points(values).items())[:2] == [
        ("regress[clean@worktree]", 4.0),
        (f"regress[clean@{v3[:7]}]", 3.0),
    ]
    assert len(points(values)) == 4
    # a change elsewhere in the file, not in `clean` or its helpers: no worktree point
    write(tmp_path, {"src/features.py": features("3.0", "x + 5")})
    values, _ = run(tmp_path)
    assert "regress[clean@worktree]" not in values and len(points(values)) == 3


def test_since_and_last(tmp_path):
    v1, v2, v3 = three_versions(tmp_path)
    main(tmp_path, 'history(clean, since = "v3")')
    assert list(points(run(tmp_path)[0])) == [f"regress[clean@{v3[:7]}]"]
    # since a commit that changed only `other`: the version in effect there (v1) is the last
    other_only = git(tmp_path, "log", "--format=%H", "-n", "1", "--grep", "other only")
    main(tmp_path, f'history(clean, since = "{other_only}")')
    assert list(points(run(tmp_path)[0])) == [
        f"regress[clean@{v3[:7]}]",
        f"regress[clean@{v2[:7]}]",
        f"regress[clean@{v1[:7]}]",
    ]
    main(tmp_path, 'history(clean, since = "v1")')
    assert len(points(run(tmp_path)[0])) == 3
    main(tmp_path, "history(clean, last = 2)")
    assert list(points(run(tmp_path)[0])) == [
        f"regress[clean@{v3[:7]}]",
        f"regress[clean@{v2[:7]}]",
    ]
    write(tmp_path, {"src/features.py": features("4.0", "x + 2")})
    main(tmp_path, "history(clean, last = 2)")
    assert list(points(run(tmp_path)[0])) == [
        "regress[clean@worktree]",
        f"regress[clean@{v3[:7]}]",
    ]


COMBINED = """from "src/features.py" import clean
from "src/model.py" import load, score

data = load(1)
c = 1.0
experiment baseline = score(clean(data), c = c)
sweep regress = baseline with { clean in history(clean), c in [0.5, 2.0] }
"""


def test_combined_with_another_axis_the_versions_share_upstream_stages(tmp_path):
    v1, v2, v3 = three_versions(tmp_path)
    main(tmp_path, text=COMBINED)
    values, done = run(tmp_path, "regress")
    assert points(values) == {
        f"regress[clean@{v3[:7]},c=0.5]": 1.5,
        f"regress[clean@{v3[:7]},c=2.0]": 6.0,
        f"regress[clean@{v2[:7]},c=0.5]": 1.0,
        f"regress[clean@{v2[:7]},c=2.0]": 4.0,
        f"regress[clean@{v1[:7]},c=0.5]": 0.5,
        f"regress[clean@{v1[:7]},c=2.0]": 2.0,
    }
    ran = re.findall(r"^\s+ran\s+(\S+)", done.stderr, re.M)
    assert ran.count("load") == 1  # upstream of `clean`: once for all six points
    assert sorted(r.split("@")[0] for r in ran if r.startswith("clean")) == ["clean"] * 3
    assert ran.count("score") == 6
    _, again = run(tmp_path, "regress")
    assert not re.findall(r"^\s+ran\s", again.stderr, re.M)  # everything from the store


def test_a_signature_change_is_an_error_naming_the_commit_or_left_out(tmp_path):
    v1, v2, v3 = three_versions(tmp_path)
    old = commit(
        tmp_path,
        {"src/features.py": features("3.0", "x + 2").replace("x: float", "x: str", 1)},
        "clean takes a string",
    )
    new = commit(tmp_path, {"src/features.py": features("5.0", "x + 2")}, "clean v5")
    main(tmp_path)
    done = ibc(tmp_path, "check", "main.ib")
    assert done.returncode == 1
    assert "error[E0612]" in done.stderr
    assert f"{old[:7]} (clean takes a string)" in done.stderr
    assert "main.ib:6:" in done.stderr and "hint:" in done.stderr
    main(tmp_path, "history(clean, compatible = True)")
    values, done = run(tmp_path)
    assert "warning[W0612]" in done.stderr and old[:7] in done.stderr
    assert list(points(values)) == [f"regress[clean@{c[:7]}]" for c in (new, v3, v2, v1)]


def test_a_moved_file_and_a_function_moved_between_files_are_followed(tmp_path):
    root = tmp_path
    first = commit(
        root,
        {**BASE, "src/features.py": None, "src/prep.py": features("1.0")},
        "clean v1 in prep.py",
    )
    git(root, "mv", "src/prep.py", "src/features.py")
    moved = commit(root, {}, "rename prep.py to features.py")
    second = commit(root, {"src/features.py": features("2.0")}, "clean v2")
    # `clean` moves to a new file under its name; features.py keeps `other`
    clean_only = (
        "from src.util import offset\n\n\n"
        "def clean(x: float) -> float:\n    return x * 2.0 + offset()\n"
    )
    rest = "def other(x: float) -> float:\n    return x\n"
    into = commit(
        root, {"src/cleaning.py": clean_only, "src/features.py": rest}, "clean to cleaning.py"
    )
    third = commit(root, {"src/cleaning.py": clean_only.replace("2.0", "3.0")}, "clean v3")
    main(root, text=MAIN.replace('"src/features.py"', '"src/cleaning.py"'))
    values, _ = run(root)
    # the rename (R100) and the move keep the source: no point of their own
    assert points(values) == {
        f"regress[clean@{third[:7]}]": 3.0,
        f"regress[clean@{second[:7]}]": 2.0,
        f"regress[clean@{first[:7]}]": 1.0,
    }
    assert moved and into
    log = ibc(root, "log", "src/cleaning.py:clean")
    assert [line.split()[0] for line in log.stdout.splitlines()] == [
        c[:8] for c in (third, second, first)
    ]


def test_a_commit_where_the_function_does_not_exist_ends_the_history(tmp_path):
    root = tmp_path
    before = commit(
        root,
        {**BASE, "src/features.py": "def other(x: float) -> float:\n    return x\n"},
        "no clean",
    )
    added = commit(root, {"src/features.py": features("1.0")}, "add clean")
    later = commit(root, {"src/features.py": features("2.0")}, "clean v2")
    main(root)
    values, done = run(root)
    assert list(points(values)) == [f"regress[clean@{later[:7]}]", f"regress[clean@{added[:7]}]"]
    assert "warning[W0613]" in done.stderr
    assert f"starts at {added[:7]}" in done.stderr and f"at {before[:7]} (no clean)" in done.stderr
    log = ibc(root, "log", "src/features.py:clean").stdout.splitlines()
    assert [line.split()[0] for line in log[:2]] == [later[:8], added[:8]]
    assert log[2].startswith(f"note: the history of `clean` starts at {added[:7]}")


def test_results_show_date_and_subject_and_plot_in_commit_order(tmp_path, monkeypatch):
    v1, v2, v3 = three_versions(tmp_path)
    write(tmp_path, {"src/features.py": features("4.0", "x + 2")})
    main(tmp_path)
    run(tmp_path, "regress")
    done = ibc(tmp_path, "results", "main.ib", "--format", "csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    by_name = {r["experiment"]: r for r in rows}
    assert by_name[f"regress[clean@{v2[:7]}]"]["commit"] == v2[:10]
    assert by_name[f"regress[clean@{v2[:7]}]"]["subject"] == "clean v2"
    assert by_name[f"regress[clean@{v2[:7]}]"]["date"] == "2023-11-14"
    assert by_name["regress[clean@worktree]"]["commit"] == "worktree"
    assert by_name["regress[clean@worktree]"]["subject"] == "(working tree)"
    # the sweep's name alone: its points, with and without the file
    for named in (("regress",), ("main.ib", "regress")):
        done = ibc(tmp_path, "results", *named, "--format", "csv")
        assert done.returncode == 0, done.stderr
        alone = [r["experiment"] for r in csv.DictReader(io.StringIO(done.stdout))]
        assert sorted(alone) == sorted(n for n in by_name if n.startswith("regress["))
        assert len(alone) == 4
    out = tmp_path / "history.png"
    done = ibc(tmp_path, "results", "main.ib", "--plot", "commit,accuracy", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # what was drawn: one series, oldest commit left, the working tree right
    from ibc.commands.results import load_records, plot_results

    monkeypatch.chdir(tmp_path)
    records = [r for r in load_records(tmp_path / ".ibc") if r["experiment"].startswith("regress")]
    drawn = plot_results(records, "commit", "accuracy", tmp_path / "again.png")
    assert list(drawn.values()) == [
        [(v1[:10], 1.0), (v2[:10], 2.0), (v3[:10], 3.0), ("worktree", 4.0)]
    ]


def test_a_fixed_number_of_git_calls_whatever_the_length_of_the_history(
    tmp_path, tmp_path_factory, monkeypatch
):
    def calls(fresh: bool = True) -> int:
        if fresh:  # an empty cache: the whole walk
            monkeypatch.setenv("IBC_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        forget_repositories()
        result = check_file(tmp_path / "main.ib")
        assert result.ok, [d.args for d in result.diagnostics]
        return Repo.open(tmp_path).git_calls

    three_versions(tmp_path)
    main(tmp_path)
    few = calls()
    for k in range(4, 12):
        commit(tmp_path, {"src/features.py": features(f"{k}.0", "x + 2")}, f"clean v{k}")
    many = calls()
    assert few == many <= 6
    assert calls(fresh=False) == 1  # the walk kept on disk: only HEAD is resolved
    # new commits: only they are walked, the rest comes from the walk kept on disk
    commit(tmp_path, {"src/features.py": features("11.0", "x + 3")}, "other again")
    newest = commit(tmp_path, {"src/features.py": features("12.0", "x + 3")}, "clean v12")
    assert calls(fresh=False) <= 6
    forget_repositories()
    kept = check_file(tmp_path / "main.ib").resolved.histories
    monkeypatch.setenv("IBC_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    forget_repositories()
    walked = check_file(tmp_path / "main.ib").resolved.histories
    labels = [[label for label, _, _ in axis.values] for axis in kept.values()]
    assert labels == [[label for label, _, _ in axis.values] for axis in walked.values()]
    assert labels[0][0] == newest[:7] and len(labels[0]) == 12


def test_params_and_diff_show_each_version_as_a_pin(tmp_path):
    v1, v2, v3 = three_versions(tmp_path)
    write(tmp_path, {"src/features.py": features("4.0", "x + 2")})
    main(tmp_path)
    done = ibc(tmp_path, "diff", "main.ib", f"regress[clean@{v2[:7]}]", "regress[clean@worktree]")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1].split() == ["clean", "clean", "@", f'"{v2[:12]}"', "clean"]
    done = ibc(tmp_path, "params", "main.ib", f"regress[clean@{v1[:7]}]")
    assert f'clean @ "{v1[:12]}"' in done.stdout


def test_a_commit_between_two_runs_is_seen(tmp_path):
    v1, v2, v3 = three_versions(tmp_path)
    write(tmp_path, {"src/features.py": features("4.0", "x + 2")})
    main(tmp_path)
    values, _ = run(tmp_path, "regress")
    assert "regress[clean@worktree]" in values
    v4 = commit(tmp_path, {}, "clean v4")  # the same files, now committed
    values, done = run(tmp_path, "regress")
    assert list(points(values))[0] == f"regress[clean@{v4[:7]}]"
    assert "regress[clean@worktree]" not in values


def test_a_merged_branch_is_one_version_at_its_merge(tmp_path):
    v1, v2, v3 = three_versions(tmp_path)
    git(tmp_path, "checkout", "-q", "-b", "topic")
    commit(tmp_path, {"src/features.py": features("7.0", "x + 2")}, "topic: clean v7")
    commit(tmp_path, {"src/features.py": features("8.0", "x + 2")}, "topic: clean v8")
    git(tmp_path, "checkout", "-q", "main")
    commit(tmp_path, {"README.md": "more notes\n"}, "main moves on")
    git(tmp_path, "merge", "-q", "--no-ff", "topic", "-m", "merge topic")
    merge = git(tmp_path, "rev-parse", "HEAD")
    main(tmp_path)
    values, _ = run(tmp_path)
    assert points(values) == {
        f"regress[clean@{merge[:7]}]": 8.0,
        f"regress[clean@{v3[:7]}]": 3.0,
        f"regress[clean@{v2[:7]}]": 2.0,
        f"regress[clean@{v1[:7]}]": 1.0,
    }


def test_a_project_in_a_folder_of_its_repository(tmp_path):
    git(tmp_path, "init", "-q", "-b", "main")
    first = commit(tmp_path, {f"proj/{k}": v for k, v in BASE.items()}, "clean v1")
    second = commit(tmp_path, {"proj/src/features.py": features("2.0")}, "clean v2")
    commit(tmp_path, {"elsewhere.py": "X = 1\n"}, "outside the project")
    main(tmp_path / "proj")
    values, _ = run(tmp_path / "proj")
    assert points(values) == {
        f"regress[clean@{second[:7]}]": 2.0,
        f"regress[clean@{first[:7]}]": 1.0,
    }


def test_changes_near_the_function_are_versions_and_others_are_not(tmp_path):
    v1, v2, v3 = three_versions(tmp_path)
    # `clean` and `other` in one commit: a version
    both = commit(tmp_path, {"src/features.py": features("5.0", "x + 9")}, "clean and other")
    # a top-level `offset` that shadows the imported helper: a version
    shadow = "\n\ndef offset() -> float:\n    return 100.0\n"
    shadowed = commit(
        tmp_path, {"src/features.py": features("5.0", "x + 9", shadow)}, "shadow offset"
    )
    # a helper's unused neighbour, and a comment inside `other`: no version
    commit(
        tmp_path,
        {"src/util.py": BASE["src/util.py"] + "\n\ndef unused() -> int:\n    return 1\n"},
        "unused helper",
    )
    commit(
        tmp_path,
        {"src/features.py": features("5.0", "x + 9  # why", shadow)},
        "comment in other",
    )
    main(tmp_path)
    values, _ = run(tmp_path)
    assert points(values) == {
        f"regress[clean@{shadowed[:7]}]": 105.0,
        f"regress[clean@{both[:7]}]": 5.0,
        f"regress[clean@{v3[:7]}]": 3.0,
        f"regress[clean@{v2[:7]}]": 2.0,
        f"regress[clean@{v1[:7]}]": 1.0,
    }


def test_a_command_line_history_sweep_and_a_file_one_under_s(tmp_path):
    v1, v2, v3 = three_versions(tmp_path)
    main(tmp_path, text=COMBINED)
    values, _ = run(tmp_path, "baseline", "-s", "clean in history(clean, last = 2)")
    assert points(values) == {} and values == {
        f"baseline[clean@{v3[:7]}]": {"accuracy": 3.0},
        f"baseline[clean@{v2[:7]}]": {"accuracy": 2.0},
    }
    # `-s` on another path of a history sweep: the points keep their names' form
    values, _ = run(tmp_path, "regress", "-s", "c=10.0")
    assert values == {
        f"regress[clean@{v3[:7]},c=10.0]": {"accuracy": 30.0},
        f"regress[clean@{v2[:7]},c=10.0]": {"accuracy": 20.0},
        f"regress[clean@{v1[:7]},c=10.0]": {"accuracy": 10.0},
    }


def test_the_plain_target_embeds_every_version(tmp_path):
    import json
    import os
    import subprocess
    import sys

    v1, v2, v3 = three_versions(tmp_path)
    main(tmp_path)
    done = ibc(tmp_path, "compile", "main.ib", "--target", "plain", "-o", "plain.py")
    assert done.returncode == 0, done.stderr
    ran = subprocess.run(
        [sys.executable, "plain.py", "regress", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": str(tmp_path / "no-git-here")},
    )
    assert ran.returncode == 0, ran.stderr
    assert points(json.loads(ran.stdout)) == {
        f"regress[clean@{v3[:7]}]": 3.0,
        f"regress[clean@{v2[:7]}]": 2.0,
        f"regress[clean@{v1[:7]}]": 1.0,
    }


def test_with_layers_around_a_history_axis(tmp_path):
    v1, v2, v3 = three_versions(tmp_path)
    text = COMBINED.replace(
        "sweep regress = baseline with { clean in history(clean), c in [0.5, 2.0] }\n",
        "sweep regress = baseline with { clean in history(clean), c = 3.0 }\n"
        "sweep again = (baseline with { data = load(2) }) with { clean in history(clean) }\n",
    )
    main(tmp_path, text=text)
    values, _ = run(tmp_path)
    assert {k: v["accuracy"] for k, v in values.items() if "[" in k} == {
        f"regress[clean@{v3[:7]}]": 9.0,
        f"regress[clean@{v2[:7]}]": 6.0,
        f"regress[clean@{v1[:7]}]": 3.0,
        f"again[clean@{v3[:7]}]": 6.0,
        f"again[clean@{v2[:7]}]": 4.0,
        f"again[clean@{v1[:7]}]": 2.0,
    }
