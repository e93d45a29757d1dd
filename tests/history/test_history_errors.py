"""Errors of history sweeps that need a real repository: `since` unknown or off the
branch's history, a function that no commit has yet, git missing."""

from __future__ import annotations

import os
import subprocess
import sys

from .project import commit, features, git, ibc, main, three_versions, write


def test_an_unknown_since_is_e0602_with_near_tags(tmp_path):
    three_versions(tmp_path)
    main(tmp_path, 'history(clean, since = "v4")')
    done = ibc(tmp_path, "check", "main.ib")
    assert done.returncode == 1
    assert "error[E0602]" in done.stderr and "main.ib:6:65" in done.stderr
    assert "`v3`" in done.stderr  # a near tag in the hint


def test_a_since_on_another_branch_is_e0613(tmp_path):
    three_versions(tmp_path)
    git(tmp_path, "checkout", "-q", "-b", "side", "v1")
    commit(tmp_path, {"notes.txt": "side\n"}, "side work", tag="elsewhere")
    git(tmp_path, "checkout", "-q", "main")
    main(tmp_path, 'history(clean, since = "elsewhere")')
    done = ibc(tmp_path, "check", "main.ib")
    assert done.returncode == 1
    assert "error[E0613]" in done.stderr and '"elsewhere"' in done.stderr
    assert "hint:" in done.stderr


def test_a_function_in_no_commit_yet_has_only_the_working_tree(tmp_path):
    three_versions(tmp_path)
    fresh = "\n\ndef fresh(x: float) -> float:\n    return x\n"
    write(tmp_path, {"src/features.py": features("3.0", "x + 2", fresh)})
    main(
        tmp_path,
        text=(
            'from "src/features.py" import fresh\n'
            "experiment baseline = fresh(1.0)\n"
            "sweep regress = baseline with { fresh in history(fresh) }\n"
        ),
    )
    done = ibc(tmp_path, "run", "main.ib", "regress", "--json")
    assert done.returncode == 0, done.stderr
    assert "regress[fresh@worktree]" in done.stdout
    assert "warning[W0613]" in done.stderr  # its file existed at HEAD without it


def test_git_missing_is_e0606(tmp_path):
    three_versions(tmp_path)
    main(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "ibc", "check", "main.ib"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": str(tmp_path / "no-git-here")},
    )
    assert done.returncode == 1
    assert "error[E0606]" in done.stderr and "main.ib:6:" in done.stderr
