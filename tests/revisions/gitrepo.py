"""Building real git repositories in temporary folders for the revision tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=root,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def commit(root: Path, files: dict[str, str], message: str, tag: str | None = None) -> str:
    """Write `files`, commit them all, optionally tag; returns the commit id."""
    if not (root / ".git").exists():
        git(root, "init", "-q", "-b", "main")
    write(root, files)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    if tag:
        git(root, "tag", tag)
    return git(root, "rev-parse", "HEAD")


def ibc(root: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m ibc ARGS` in `root`."""
    return subprocess.run(
        [sys.executable, "-m", "ibc", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "IBC_STORE": str(root / ".ibc"), "IBC_PROGRESS": "plain", **(env or {})},
    )


# The story of docs/revisions.md: `clean` v1 (with its helper) and v2.
V1 = {
    ".gitignore": ".ibc/\n",
    "ibc.toml": "",
    "src/__init__.py": "",
    "src/util.py": "def factor() -> float:\n    return 2.0\n",
    "src/features.py": (
        "from src.util import factor\n\n\n"
        "def clean(x: float) -> float:\n    return x * factor()\n\n\n"
        "class Model:\n    def __init__(self, k: float) -> None:\n        self.k = k\n\n"
        "    def score(self) -> float:\n        return self.k\n"
    ),
}
V2_UTIL = {"src/util.py": "def factor() -> float:\n    return 3.0\n"}
V2_FEATURES = {
    "src/features.py": V1["src/features.py"].replace("x * factor()", "x * factor() + 1.0")
}


def story(root: Path) -> tuple[str, str]:
    """A project with tags v1 (clean(1) == 2) and v2 (clean(1) == 4); returns both ids."""
    v1 = commit(root, V1, "v1: clean scales by the factor", tag="v1")
    commit(root, V2_UTIL, "bigger factor")
    v2 = commit(root, V2_FEATURES, "v2: clean shifts too", tag="v2")
    return v1, v2
