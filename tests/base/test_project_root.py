"""`ibc.base.project_root`: the one project-root search (docs/guide.md, "A project"), shared
by the compiler, the runtime and the command line, and importing only the standard library."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ibc.base import project_root
from ibc.base.project_root import MARKERS, find_root, marker_presence

REPO = Path(__file__).resolve().parents[2]


def test_the_nearest_folder_holding_any_marker(tmp_path):
    deep = tmp_path / "a" / "b" / "c"
    deep.mkdir(parents=True)
    (tmp_path / "ibc.toml").write_text("")
    assert find_root(deep / "m.ib") == tmp_path.resolve()
    for marker in MARKERS:
        marked = tmp_path / "a" / marker
        marked.mkdir() if marker == ".git" else marked.write_text("")
        assert find_root(deep / "m.ib") == (tmp_path / "a").resolve(), marker
        assert find_root(deep) == (tmp_path / "a").resolve()  # a folder starts at itself
        marked.rmdir() if marker == ".git" else marked.unlink()
    # a worktree's `.git` is a file, and marks a root too
    (tmp_path / "a" / "b" / ".git").write_text("gitdir: elsewhere\n")
    assert find_root(deep / "m.ib") == (tmp_path / "a" / "b").resolve()


def test_no_marker_anywhere_is_the_files_own_folder(tmp_path, monkeypatch):
    # (a temporary folder may sit under a marked one: search for a marker nobody has)
    monkeypatch.setattr(project_root, "MARKERS", ("no-such-marker.toml",))
    assert find_root(tmp_path / "missing.ib") == tmp_path.resolve()
    assert find_root(tmp_path) == tmp_path.resolve()
    presence = project_root.marker_presence(tmp_path / "m.ib")
    assert len(presence) == len(tmp_path.resolve().parents) + 1  # up to the file-system root


def test_marker_presence_is_what_the_search_looked_at(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    sub = tmp_path / "sub"
    sub.mkdir()
    presence = marker_presence(sub / "m.ib")
    expected = [(str(sub.resolve() / m), False) for m in MARKERS]
    expected += [(str(tmp_path.resolve() / m), m == "pyproject.toml") for m in MARKERS]
    assert list(presence) == expected  # it stops at the root: nothing above is looked at


def test_it_imports_only_the_standard_library():
    code = (
        "import sys, ibc.base.project_root\n"
        "print(sorted(m for m in sys.modules if m.startswith('ibc')))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['ibc', 'ibc.base', 'ibc.base.project_root']"
