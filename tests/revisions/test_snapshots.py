"""`ibc.runtime.snapshots` safety, and reuse of compiled output with pins."""

from __future__ import annotations

import pytest

from ibc.base.reuse import _symbolic_pins
from ibc.runtime.snapshots import DiskSnapshots, SnapshotError, _ibc_commit_of


def test_snapshot_paths_never_escape_the_store(tmp_path):
    snaps = DiskSnapshots(str(tmp_path), str(tmp_path / ".ibc"))
    commit = "a" * 40
    assert snaps.path(commit, "src/m.py").startswith(str(tmp_path / ".ibc" / "snapshots" / commit))
    for bad in ("../x.py", "src/../../x.py", "/etc/passwd", "src/a b.py"):
        with pytest.raises(SnapshotError):
            snaps.path(commit, bad)
    for bad_commit in ("../../x", "A" * 40, "a" * 39):
        with pytest.raises(SnapshotError):
            snaps.folder(bad_commit)


def test_only_well_formed_snapshot_module_names_are_served():
    c = "0123456789abcdef0123456789abcdef01234567"
    assert _ibc_commit_of(f"_ibc_rev_{c}.src.m") == (c, "src.m")
    assert _ibc_commit_of(f"_ibc_rev_{c}") == (c, "")
    assert _ibc_commit_of("_ibc_rev_abc.src") is None
    assert _ibc_commit_of("src.m") is None


def test_programs_with_symbolic_pins_are_not_reused():
    from types import SimpleNamespace as NS

    assert _symbolic_pins(NS(pins=NS(commits={"v1": "a" * 40})))
    assert not _symbolic_pins(NS(pins=NS(commits={"a" * 40: "a" * 40})))
    assert not _symbolic_pins(NS(pins=None))
