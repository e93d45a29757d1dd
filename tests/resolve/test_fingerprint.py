"""Code fingerprints of project references: comments and layout do not count, editing a
helper changes its callers' fingerprints, editing unrelated code changes nothing."""

from __future__ import annotations

from pathlib import Path

from ibc.resolve.fingerprint import Fingerprints
from ibc.resolve.pyinterface import PythonIndex

BASE = '''\
from src.util import helper

RATE = 2.0


def unrelated(x):
    return x - 1


def scale(x):
    """Scale by the rate."""
    return helper(x) * RATE
'''

UTIL = '''\
def helper(x):
    return x + 1


def other(x):
    return x
'''


def project(tmp_path: Path, base: str = BASE, util: str = UTIL) -> Path:
    (tmp_path / "ibc.toml").write_text("")
    (tmp_path / "src").mkdir(exist_ok=True)
    (tmp_path / "src" / "__init__.py").write_text("")
    (tmp_path / "src" / "features.py").write_text(base)
    (tmp_path / "src" / "util.py").write_text(util)
    return tmp_path


def fingerprint(root: Path, name: str = "scale") -> str:
    index = PythonIndex(root, use_cache=False)
    return Fingerprints(index).of("src.features", name)


def test_fingerprints_follow_code_not_layout(tmp_path: Path):
    root = project(tmp_path)
    first = fingerprint(root)
    assert first and first == fingerprint(root)
    # comments and layout do not count
    project(tmp_path, BASE.replace("return helper(x) * RATE", "return helper( x )*RATE  # note"))
    assert fingerprint(root) == first
    # editing unrelated code changes nothing
    project(tmp_path, BASE.replace("x - 1", "x - 2"), UTIL.replace("return x\n", "return -x\n"))
    assert fingerprint(root) == first
    # editing the function itself, a constant it reads, or a helper it calls changes it
    project(tmp_path, BASE.replace("* RATE", "/ RATE"))
    assert fingerprint(root) != first
    project(tmp_path, BASE.replace("RATE = 2.0", "RATE = 3.0"))
    assert fingerprint(root) != first
    project(tmp_path, BASE, UTIL.replace("x + 1", "x + 2"))
    assert fingerprint(root) != first


def test_unknown_names_have_no_fingerprint(tmp_path: Path):
    root = project(tmp_path)
    assert fingerprint(root, "missing") == ""
