"""Locating Python modules without importing them (ibc.resolve.pyfinder)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ibc.resolve import pyfinder
from ibc.resolve.pyfinder import find_module, module_name_for_path

FIXTURES = Path(__file__).parent / "fixtures"
PROJ = FIXTURES / "proj"
SITE = FIXTURES / "site"


def test_module_name_for_path():
    assert module_name_for_path(PROJ / "src" / "features.py", PROJ) == "src.features"
    assert module_name_for_path(PROJ / "pkg" / "__init__.py", PROJ) == "pkg"
    assert module_name_for_path(PROJ / "typed" / "__init__.pyi", PROJ) == "typed"
    assert module_name_for_path(Path("/elsewhere/tool.py"), PROJ) == "tool"


def test_project_module_found_first():
    loc = find_module("src.features", PROJ, [str(SITE)])
    assert loc is not None
    assert loc.path == (PROJ / "src" / "features.py")
    assert loc.is_project and not loc.is_package and loc.distribution is None


def test_package_and_pyi_preferred():
    loc = find_module("typed", PROJ, [])
    assert loc.is_package and loc.is_stub
    assert loc.path.name == "__init__.pyi"


def test_namespace_package():
    loc = find_module("nspkg", PROJ, [])
    assert loc.path is None and loc.is_package
    inner = find_module("nspkg.inner.mod", PROJ, [])
    assert inner.path == PROJ / "nspkg" / "inner" / "mod.py"


def test_missing_and_invalid_names():
    assert find_module("no_such_module_xyz", PROJ, [str(SITE)]) is None
    assert find_module("src.nothing", PROJ, []) is None
    assert find_module("not a name", PROJ, []) is None
    assert find_module("", PROJ, []) is None


def test_stubs_package_comes_first_then_falls_back(tmp_path):
    loc = find_module("fakelib", tmp_path, [str(SITE)])
    assert loc.is_stub and loc.path == SITE / "fakelib-stubs" / "__init__.pyi"
    assert loc.distribution == ("FakeLib", "1.2")  # from RECORD + METADATA
    sub = find_module("fakelib.sub", tmp_path, [str(SITE)])
    assert sub.path == SITE / "fakelib-stubs" / "sub" / "__init__.pyi"


def test_distribution_from_top_level_txt(tmp_path):
    loc = find_module("othermod", tmp_path, [str(SITE)])
    assert not loc.is_project
    assert loc.distribution == ("other-dist", "0.3")


def test_extension_module(tmp_path):
    (tmp_path / "fastext.cpython-311-x86_64-linux-gnu.so").write_bytes(b"\0")
    loc = find_module("fastext", tmp_path / "elsewhere", [str(tmp_path)])
    assert loc.is_extension and loc.path.name.startswith("fastext.")


def test_default_search_path_drops_implicit_cwd(monkeypatch):
    monkeypatch.setattr(sys, "path", ["", "/opt/lib", ".", "/opt/site"])
    assert pyfinder.default_search_path() == ["/opt/lib", "/opt/site"]


def test_submodule_names():
    loc = find_module("pkg", PROJ, [])
    assert {"sub", "_impl", "cycle_a"} <= set(pyfinder.submodule_names(loc))


def test_sklearn_located_without_importing_it(tmp_path):
    pytest.importorskip("sklearn")  # only to know it is installed; the child checks imports
    code = (
        "import sys, json\n"
        "from pathlib import Path\n"
        "from ibc.resolve.pyfinder import find_module\n"
        f"loc = find_module('sklearn.linear_model', Path({str(tmp_path)!r}))\n"
        "print(json.dumps([str(loc.path), loc.is_package, loc.distribution,\n"
        "    [m for m in ('sklearn', 'numpy', 'scipy') if m in sys.modules]]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    path, is_package, dist, imported = json.loads(out.stdout.strip().splitlines()[-1])
    assert path.endswith(os.path.join("sklearn", "linear_model", "__init__.py"))
    assert is_package and dist[0] == "scikit-learn"
    assert imported == []
