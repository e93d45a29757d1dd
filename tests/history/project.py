"""Real git repositories for the history tests: a project whose `clean` changes over commits
that are one minute apart (so that commit order is also time order)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.revisions.gitrepo import GIT_ENV, git, ibc, write

START = 1_700_000_000


def commit(root: Path, files: dict[str, str], message: str, tag: str | None = None) -> str:
    """Write `files` (None deletes one), commit everything; returns the commit id."""
    if not (root / ".git").exists():
        git(root, "init", "-q", "-b", "main")
    for rel, text in files.items():
        if text is None:
            (root / rel).unlink(missing_ok=True)
    write(root, {k: v for k, v in files.items() if v is not None})
    count = int(git(root, "rev-list", "--count", "--all")) if _has_commits(root) else 0
    stamp = f"@{START + 60 * count} +0000"
    env = {**os.environ, **GIT_ENV, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    for args in (["add", "-A"], ["commit", "-q", "-m", message]):
        done = subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    if tag:
        git(root, "tag", tag)
    return git(root, "rev-parse", "HEAD")


def _has_commits(root: Path) -> bool:
    done = subprocess.run(
        ["git", "rev-parse", "--verify", "-q", "HEAD"], cwd=root, capture_output=True, text=True
    )
    return done.returncode == 0


def features(factor: str, other: str = "x", extra: str = "") -> str:
    return (
        "from src.util import offset\n\n\n"
        f"def clean(x: float) -> float:\n    return x * {factor} + offset()\n\n\n"
        f"def other(x: float) -> float:\n    return {other}\n{extra}"
    )


BASE = {
    ".gitignore": ".ibc/\n",
    "ibc.toml": "",
    "src/__init__.py": "",
    "src/util.py": "def offset() -> float:\n    return 0.0\n",
    "src/model.py": (
        "def load(n: int) -> float:\n    return float(n)\n\n\n"
        "def score(x: float, c: float = 1.0) -> dict:\n    return {'accuracy': x * c}\n"
    ),
    "src/features.py": features("1.0"),
}

MAIN = """from "src/features.py" import clean
from "src/model.py" import load, score

data = load(1)
experiment baseline = score(clean(data))
sweep regress = baseline with { clean in HISTORY }
"""


def main(root: Path, history: str = "history(clean)", text: str = MAIN) -> None:
    write(root, {"main.ib": text.replace("HISTORY", history)})


def three_versions(root: Path) -> list[str]:
    """clean v1 (factor 1), v2 (2), v3 (3), with commits that change only `other`, another
    file and the tests in between; returns the ids of v1, v2, v3."""
    v1 = commit(root, BASE, "clean v1", tag="v1")
    commit(root, {"src/features.py": features("1.0", "x + 1")}, "other only")
    v2 = commit(root, {"src/features.py": features("2.0", "x + 1")}, "clean v2")
    commit(root, {"README.md": "notes\n"}, "docs only")
    commit(root, {"src/model.py": BASE["src/model.py"] + "\n# more\n"}, "model comment")
    v3 = commit(root, {"src/features.py": features("3.0", "x + 1")}, "clean v3", tag="v3")
    commit(root, {"src/features.py": features("3.0", "x + 2")}, "other again")
    return [v1, v2, v3]


def run(root: Path, *args: str) -> tuple[dict, subprocess.CompletedProcess]:
    """`ibc run main.ib ARGS --json`: the values by target, and the process."""
    done = ibc(root, "run", "main.ib", *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), done


__all__ = ["commit", "features", "ibc", "main", "run", "three_versions", "write", "git"]
