"""`ibc.resolve.pyinterface` split into pymodel / pyannotations / pyreader: same public API."""

from __future__ import annotations

import ast
from pathlib import Path

from ibc.resolve import pyannotations, pyinterface, pymodel, pyreader
from ibc.resolve.ifcache import InterfaceCache
from ibc.base.typeterms import INT, ListType, optional

PUBLIC = ["PyFunction", "PyClass", "PyValue", "PyModuleRef", "PyReexport", "ModuleInterface"]


def test_public_names_still_come_from_pyinterface():
    for name in [*PUBLIC, "Entry", "Definition"]:
        assert getattr(pyinterface, name) is getattr(pymodel, name)
    assert pyinterface.read_interface is pyreader.read_interface
    assert set(pyinterface.__all__) >= {*PUBLIC, "PythonIndex", "read_interface"}


def test_pickle_of_the_old_layout_still_loads(tmp_path, monkeypatch):
    """Cache entries written before the split name the classes `ibc.resolve.pyinterface.X`."""
    path = tmp_path / "mod.py"
    path.write_text("class C:\n    def __init__(self, n: int) -> None: ...\nX = 1\n")
    iface = pyinterface.read_interface(path.read_bytes(), "mod", str(path))
    cache = InterfaceCache(tmp_path / "cache")
    for name in PUBLIC:
        monkeypatch.setattr(getattr(pymodel, name), "__module__", "ibc.resolve.pyinterface")
    cache.put(path, iface)
    monkeypatch.undo()
    (entry,) = (tmp_path / "cache" / "interfaces").iterdir()
    data = entry.read_bytes()
    assert b"ibc.resolve.pyinterface" in data and b"ibc.resolve.pymodel" not in data
    again = cache.get(path)
    assert again == iface and isinstance(again.names["C"], pyinterface.PyClass)


def test_annotations_map_without_the_definition_pass():
    tree = ast.parse("from typing import Optional\nimport numpy as np\n")
    reader = pyannotations.AnnotationReader(tree, "m", False)
    ctx = pyannotations.TypeContext(None)
    ann = ast.parse("Optional[list[int]]", mode="eval").body
    assert reader.to_type(ann, ctx) == optional(ListType(INT))
    assert reader.to_type(ast.parse("np.ndarray", mode="eval").body, ctx).target == "numpy:ndarray"


def test_each_module_is_documented_and_within_the_size_rule():
    for module in (pyinterface, pymodel, pyreader, pyannotations):
        assert module.__doc__ and module.__doc__.strip()
        lines = len(Path(module.__file__).read_text().splitlines())
        assert 50 <= lines <= 800, (module.__name__, lines)
