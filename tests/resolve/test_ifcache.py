"""The on-disk cache of installed modules' interfaces (ibc.resolve.ifcache)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ibc.resolve import pyinterface
from ibc.resolve.ifcache import InterfaceCache, default_cache_dir
from ibc.resolve.pyinterface import PyFunction, PythonIndex, read_interface
from ibc.base.typeterms import INT, TypeVar


def _module(tmp_path: Path, text: str = "def f(x: int) -> int:\n    return x\n") -> Path:
    path = tmp_path / "lib" / "mod.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_round_trip(tmp_path):
    path = _module(
        tmp_path, "from typing import TypeVar\nT = TypeVar('T')\ndef f(x: T) -> T: ...\n"
    )
    iface = read_interface(path.read_bytes(), "mod", str(path))
    cache = InterfaceCache(tmp_path / "cache")
    assert cache.get(path) is None
    cache.put(path, iface)
    again = cache.get(path)
    assert again == iface
    assert isinstance(again.names["f"].signature.params[0].type, TypeVar)
    assert list((tmp_path / "cache" / "interfaces").iterdir())  # written under interfaces/


def test_invalidated_when_size_or_mtime_change(tmp_path):
    path = _module(tmp_path)
    cache = InterfaceCache(tmp_path / "cache")
    cache.put(path, read_interface(path.read_bytes(), "mod", str(path)))
    assert cache.get(path) is not None
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert cache.get(path) is None  # mtime changed
    cache.put(path, read_interface(path.read_bytes(), "mod", str(path)))
    path.write_text(path.read_text() + "\n# longer\n")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert cache.get(path) is None  # same mtime, other size


def test_corrupt_entry_is_a_miss_and_rewritten(tmp_path):
    path = _module(tmp_path)
    cache = InterfaceCache(tmp_path / "cache")
    iface = read_interface(path.read_bytes(), "mod", str(path))
    cache.put(path, iface)
    (entry,) = (tmp_path / "cache" / "interfaces").iterdir()
    entry.write_bytes(b"not a pickle")
    assert cache.get(path) is None
    cache.put(path, iface)
    assert cache.get(path) == iface
    assert not [p for p in entry.parent.iterdir() if p.name.endswith(".tmp")]


def test_default_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("IBC_CACHE_DIR", str(tmp_path / "a"))
    assert default_cache_dir() == tmp_path / "a"
    monkeypatch.delenv("IBC_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert default_cache_dir() == tmp_path / "x" / "iterbuild"


def test_index_caches_installed_modules_not_project_files(tmp_path):
    site = tmp_path / "site"
    _module(site, "def f(x: int) -> int:\n    return x\n")  # site/lib/mod.py
    (site / "lib" / "__init__.py").write_text("from .mod import f\n")
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "local.py").write_text("def g() -> None: ...\n")
    cold = PythonIndex(proj, [str(site)], cache_dir=tmp_path / "cache")
    assert cold.lookup("lib", "f").signature.returns == INT
    assert cold.lookup("local", "g") is not None
    assert cold.files_read == 3
    warm = PythonIndex(proj, [str(site)], cache_dir=tmp_path / "cache")
    assert isinstance(warm.lookup("lib", "f"), PyFunction)
    assert warm.lookup("local", "g") is not None
    assert warm.files_read == 1  # only the project file


def test_warm_sklearn_lookup_parses_no_source(tmp_path, monkeypatch):
    pytest.importorskip("sklearn")
    cache_dir = tmp_path / "cache"
    cold = PythonIndex(tmp_path, cache_dir=cache_dir)
    cold_lr = cold.lookup("sklearn.linear_model", "LogisticRegression")
    assert cold.is_subclass(cold_lr.target, "sklearn.base:BaseEstimator")
    assert cold.files_read > 0

    def no_parsing(*args, **kwargs):
        raise AssertionError("a library source was read on the warm path")

    monkeypatch.setattr(pyinterface, "read_interface", no_parsing)
    warm = PythonIndex(tmp_path, cache_dir=cache_dir)
    lr = warm.lookup("sklearn.linear_model", "LogisticRegression")
    assert lr == cold_lr and warm.files_read == 0
    assert warm.is_subclass(lr.target, "sklearn.base:BaseEstimator")
