"""Files changed on disk (`workspace/didChangeWatchedFiles`), through pygls's client: the
server registers its watcher when the client can, and an edit of a Python file (or an
imported `.ib` file) re-checks the open documents that read it, and only those, without
their being saved."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.lsp.lspclient import CAPABILITIES, Client

FEATURES = """\
def scale(x: float, factor: float = 2.0) -> float:
    return x * factor
"""
OTHER_PY = """\
def shift(x: float, by: float = 1.0) -> float:
    return x + by
"""
MAIN = """\
from "src/features.py" import scale
import "common.ib" as common

experiment e = scale(common.base, factor = 3.0)
"""
COMMON = "base = 1.0\n"
OTHER = """\
from "src/other.py" import shift

experiment o = shift(1.0, by = 2.0)
"""
CHANGED = 2  # FileChangeType.Changed


@pytest.fixture
def project(tmp_path) -> Path:
    (tmp_path / "ibc.toml").write_text("")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "features.py").write_text(FEATURES)
    (tmp_path / "src" / "other.py").write_text(OTHER_PY)
    (tmp_path / "main.ib").write_text(MAIN)
    (tmp_path / "common.ib").write_text(COMMON)
    (tmp_path / "other.ib").write_text(OTHER)
    return tmp_path


@pytest.fixture
def client(project):
    c = Client(project)
    c.initialize(project)
    yield c
    c.kill()


def _open(client: Client, *paths: Path) -> None:
    for path in paths:
        since = len(client.notifications)
        client.open(path, path.read_text())
        assert client.diagnostics(path.as_uri(), since=since)["diagnostics"] == []


def _rewrite_keeping_stamp(path: Path, text: str) -> None:
    """Write `text` (as long as the old text) and put back the old modification time, so
    that only the watcher's notification can tell the server the file changed."""
    stat = path.stat()
    assert len(text.encode()) == stat.st_size
    path.write_text(text)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_the_watcher_is_registered_for_python_and_ib_files(client):
    registration = client.wait_for(
        lambda: client.registrations[0] if client.registrations else None
    )
    (entry,) = registration["registrations"]
    assert entry["method"] == "workspace/didChangeWatchedFiles"
    globs = {w["globPattern"] for w in entry["registerOptions"]["watchers"]}
    assert {"**/*.py", "**/*.ib"} <= globs


def test_no_registration_without_dynamic_registration(project):
    c = Client(project)
    try:
        capabilities = {**CAPABILITIES, "workspace": {"didChangeWatchedFiles": {}}}
        c.initialize(project, capabilities)
        main = project / "main.ib"
        _open(c, main)  # a round trip after `initialized`: a registration would be here
        assert c.registrations == []
    finally:
        c.kill()


def test_a_renamed_python_parameter_reaches_the_open_document_unsaved(client, project):
    main, other = project / "main.ib", project / "other.ib"
    _open(client, main, other)
    since = len(client.notifications)
    features = project / "src" / "features.py"
    _rewrite_keeping_stamp(features, FEATURES.replace("factor", "weight"))
    client.watched((features, CHANGED))
    diagnostics = client.diagnostics(main.as_uri(), since=since)["diagnostics"]
    assert [d["code"] for d in diagnostics] == ["E0402"]
    assert "has no parameter `factor`" in diagnostics[0]["message"]
    # other.ib reads only src/other.py: it is not checked again
    time.sleep(0.5)
    assert client.published(other.as_uri(), since) == []
    # renamed back: the error goes
    since = len(client.notifications)
    _rewrite_keeping_stamp(features, FEATURES)
    client.watched((features, CHANGED))
    assert client.diagnostics(main.as_uri(), since=since)["diagnostics"] == []


def test_an_imported_ib_file_changed_on_disk_rechecks_its_importers(client, project):
    main, other = project / "main.ib", project / "other.ib"
    _open(client, main, other)
    since = len(client.notifications)
    common = project / "common.ib"
    common.write_text('base = "one"\n')
    client.watched((common, CHANGED))
    diagnostics = client.diagnostics(main.as_uri(), since=since)["diagnostics"]
    assert [d["code"] for d in diagnostics] == ["E0401"]
    time.sleep(0.5)
    assert client.published(other.as_uri(), since) == []


def test_a_created_python_file_resolves_a_missing_module(client, project):
    text = 'from "src/later.py" import make\n\nexperiment m = make(2)\n'
    later_ib = project / "later.ib"
    later_ib.write_text(text)
    since = len(client.notifications)
    client.open(later_ib, text)
    assert client.diagnostics(later_ib.as_uri(), since=since)["diagnostics"]  # no such file
    later = project / "src" / "later.py"
    later.write_text("def make(n: int) -> int:\n    return n\n")
    since = len(client.notifications)
    client.watched((later, 1))  # FileChangeType.Created
    assert client.diagnostics(later_ib.as_uri(), since=since)["diagnostics"] == []


def test_a_change_reported_twice_is_checked_once(client, project):
    """VS Code reports a write through its own watcher and the registered one."""
    main = project / "main.ib"
    _open(client, main)
    features = project / "src" / "features.py"
    features.write_text(FEATURES.replace("factor", "weight"))
    since = len(client.notifications)
    client.watched((features, CHANGED))
    client.watched((features, CHANGED))
    assert client.diagnostics(main.as_uri(), since=since)["diagnostics"]
    time.sleep(0.5)
    assert len(client.published(main.as_uri(), since)) == 1
