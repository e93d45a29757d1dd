"""Code fingerprints of project references: comments and layout do not count, editing a
helper changes its callers' fingerprints (same module, `from` import, `import … as`,
attribute use of a project module), editing unrelated code changes nothing, recursion
terminates, and a broken module gives ""."""

from __future__ import annotations

import sys
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

UTIL = """\
def helper(x):
    return x + 1


def other(x):
    return x
"""


def project(tmp_path: Path, base: str = BASE, util: str = UTIL) -> Path:
    (tmp_path / "ibc.toml").write_text("")
    (tmp_path / "src").mkdir(exist_ok=True)
    (tmp_path / "src" / "__init__.py").write_text("")
    (tmp_path / "src" / "features.py").write_text(base)
    (tmp_path / "src" / "util.py").write_text(util)
    return tmp_path


def fingerprint(root: Path, name: str = "scale", module: str = "src.features") -> str:
    index = PythonIndex(root, use_cache=False)
    return Fingerprints(index).of(module, name)


def files(root: Path, tree: dict[str, str]) -> Path:
    (root / "ibc.toml").write_text("")
    for name, text in tree.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


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


def closure(root: Path, name: str = "scale", module: str = "src.features") -> list[tuple]:
    index = PythonIndex(root, use_cache=False)
    return [
        (part, Path(path).relative_to(root).as_posix(), line, hashed)
        for part, path, line, hashed in Fingerprints(index).closure(module, name)
    ]


def test_the_closure_lists_each_definition_with_its_own_hash(tmp_path: Path):
    root = project(tmp_path)
    first = closure(root)
    # the reference first, then what it uses in name order, depth first; each with its line
    assert [(p, f, line) for p, f, line, _ in first] == [
        ("scale", "src/features.py", 10),
        ("RATE", "src/features.py", 3),
        ("helper", "src/util.py", 1),
    ]
    # editing one definition changes that definition's hash alone
    project(tmp_path, BASE, UTIL.replace("x + 1", "x + 2"))
    after = closure(root)
    assert [h for *_, h in after][:2] == [h for *_, h in first][:2]
    assert after[2][3] != first[2][3]
    project(tmp_path, BASE.replace("RATE = 2.0", "RATE = 3.0"))
    after = closure(root)
    assert [after[i][3] == first[i][3] for i in range(3)] == [True, False, True]
    # comments and layout do not count; no fingerprint, no closure
    project(tmp_path, BASE.replace("return helper(x) * RATE", "return helper( x )*RATE  # n"))
    assert closure(root) == first
    assert closure(root, "missing") == []


def test_unknown_names_have_no_fingerprint(tmp_path: Path):
    root = project(tmp_path)
    assert fingerprint(root, "missing") == ""


ALIASED = {
    "pkg/__init__.py": "",
    "pkg/helpers.py": "CONST = 3\n\n\ndef scale(x):\n    return x * 2\n\n\ndef spare(x):\n    return x\n",
    "plain.py": "LIMIT = 10\n\n\ndef clip(x):\n    return min(x, 5)\n",
    "user.py": (
        "import pkg.helpers as h\n"
        "import plain\n"
        "import pkg.helpers\n"
        "from pkg import helpers\n"
        "import math\n\n\n"
        "def via_alias(x):\n    return h.scale(x)\n\n\n"
        "def via_module(x):\n    return plain.LIMIT + math.floor(x)\n\n\n"
        "def via_dotted(x):\n    return pkg.helpers.CONST\n\n\n"
        "def via_from_module(x):\n    return helpers.scale(x)\n\n\n"
        "def alone(x):\n    return math.sqrt(x)\n"
    ),
}


def all_prints(root: Path) -> dict[str, str]:
    fps = Fingerprints(PythonIndex(root, use_cache=False))
    names = ("via_alias", "via_module", "via_dotted", "via_from_module", "alone")
    return {name: fps.of("user", name) for name in names}


def test_import_module_attributes_are_followed(tmp_path: Path):
    root = files(tmp_path, ALIASED)
    before = all_prints(root)
    assert all(before.values()) and len(set(before.values())) == 5
    helpers = ALIASED["pkg/helpers.py"]
    files(root, {"pkg/helpers.py": helpers.replace("x * 2", "x * 3")})
    after = all_prints(root)
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"via_alias", "via_from_module"}
    files(root, {"pkg/helpers.py": helpers.replace("CONST = 3", "CONST = 4")})
    changed = {name for name, fp in all_prints(root).items() if fp != before[name]}
    assert changed == {"via_dotted"}
    files(root, {"pkg/helpers.py": helpers, "plain.py": ALIASED["plain.py"].replace("10", "11")})
    changed = {name for name, fp in all_prints(root).items() if fp != before[name]}
    assert changed == {"via_module"}
    # editing an unused definition of a used module changes nothing
    files(root, {"plain.py": ALIASED["plain.py"], "pkg/helpers.py": helpers + "\nEXTRA = 1\n"})
    assert all_prints(root) == before


def test_methods_decorators_and_defaults_count(tmp_path: Path):
    text = (
        "from util import deco, make\n\n"
        "SIZE = make(3)\n"
        "WIDTH = SIZE * 2\n\n\n"
        "class Model:\n"
        "    def fit(self, x):\n        return helper(x)\n\n\n"
        "def helper(x):\n    return x\n\n\n"
        "@deco\n"
        "def decorated(x):\n    return x\n\n\n"
        "def defaulted(x, n=WIDTH):\n    return x\n"
    )
    util = "def deco(f):\n    return f\n\n\ndef make(n):\n    return n\n"
    root = files(tmp_path, {"m.py": text, "util.py": util})

    def prints():
        fps = Fingerprints(PythonIndex(root, use_cache=False))
        return {n: fps.of("m", n) for n in ("Model", "decorated", "defaulted", "helper")}

    before = prints()
    assert all(before.values())
    # a helper used only by a method changes the class
    files(
        root,
        {"m.py": text.replace("def helper(x):\n    return x", "def helper(x):\n    return -x")},
    )
    assert {n for n, fp in prints().items() if fp != before[n]} == {"Model", "helper"}
    # the decorator's code counts
    files(root, {"m.py": text, "util.py": util.replace("return f", "return f  # same")})
    assert prints() == before
    files(root, {"util.py": util.replace("return f", "return None or f")})
    assert {n for n, fp in prints().items() if fp != before[n]} == {"decorated"}
    # a default value counts, through a constant computed from another constant and a call
    files(root, {"util.py": util.replace("return n", "return n + 1")})
    assert {n for n, fp in prints().items() if fp != before[n]} == {"defaulted"}
    files(root, {"util.py": util, "m.py": text.replace("SIZE * 2", "SIZE * 3")})
    assert {n for n, fp in prints().items() if fp != before[n]} == {"defaulted"}
    files(root, {"m.py": text.replace("n=WIDTH", "n=SIZE")})
    assert {n for n, fp in prints().items() if fp != before[n]} == {"defaulted"}


def test_reexports_and_relative_imports(tmp_path: Path):
    tree = {
        "lib/__init__.py": "from .impl import helper\n",
        "lib/impl.py": "def helper(x):\n    return x + 1\n",
        "lib/use.py": "from . import impl\nfrom lib import helper\n\n\n"
        "def a(x):\n    return impl.helper(x)\n\n\ndef b(x):\n    return helper(x)\n",
    }
    root = files(tmp_path, tree)
    index = PythonIndex(root, use_cache=False)
    first = Fingerprints(index)
    direct, reexported = first.of("lib.impl", "helper"), first.of("lib", "helper")
    assert direct and direct == reexported  # a re-export is the definition it names
    before = (first.of("lib.use", "a"), first.of("lib.use", "b"))
    files(root, {"lib/impl.py": "def helper(x):\n    return x + 2\n"})
    fps = Fingerprints(PythonIndex(root, use_cache=False))
    after = (fps.of("lib.use", "a"), fps.of("lib.use", "b"))
    assert after[0] != before[0] and after[1] != before[1]


MUTUAL = {
    "a.py": "from b import odd\n\n\ndef even(n):\n    return n == 0 or odd(n - 1)\n\n\n"
    "def loop(n):\n    return loop(n - 1) if n else 0\n",
    "b.py": "from a import even\n\n\ndef odd(n):\n    return n != 0 and even(n - 1)\n\n\n"
    "def free(n):\n    return n\n",
}


def test_mutual_recursion_terminates_and_is_stable(tmp_path: Path):
    root = files(tmp_path, MUTUAL)

    def prints(order):
        fps = Fingerprints(PythonIndex(root, use_cache=False))
        return {key: fps.of(*key) for key in order}

    keys = [("a", "even"), ("b", "odd"), ("a", "loop"), ("b", "free")]
    forward, backward = prints(keys), prints(keys[::-1])
    assert forward == backward  # independent of which was asked first
    assert all(forward.values()) and forward[("a", "even")] != forward[("b", "odd")]
    files(root, {"b.py": MUTUAL["b.py"].replace("n != 0", "n > 0")})
    edited = prints(keys)
    assert edited[("a", "even")] != forward[("a", "even")]  # a callee in the cycle changed
    assert edited[("b", "odd")] != forward[("b", "odd")]
    assert edited[("a", "loop")] == forward[("a", "loop")]
    assert edited[("b", "free")] == forward[("b", "free")]


def test_broken_modules_give_empty_fingerprints(tmp_path: Path):
    root = files(
        tmp_path,
        {
            "bad.py": "def f(:\n    pass\n",
            "binary.py": "",
            "uses_bad.py": "from bad import f\n\n\ndef g(x):\n    return f(x)\n",
        },
    )
    (root / "binary.py").write_bytes(b"\xff\xfe\x00def")
    fps = Fingerprints(PythonIndex(root, use_cache=False))
    assert fps.of("bad", "f") == ""
    assert fps.of("binary", "f") == ""
    assert fps.of("nowhere", "f") == ""
    assert fps.of("uses_bad", "g") != ""  # its own code still counts
    (root / "sub").mkdir()
    (root / "sub" / "gone.py").write_text("def h():\n    return 1\n")
    fps = Fingerprints(PythonIndex(root, use_cache=False))
    assert fps.of("sub.gone", "h", root / "sub" / "missing.py") == ""


def test_deeply_nested_source_does_not_raise(tmp_path: Path):
    parens = "def f(x):\n    return " + "(" * 5000 + "x" + ")" * 5000 + "\n"  # a syntax error
    long = "def f(x):\n    return " + "+".join(["x"] * 2000) + "\n"  # parses; too deep to dump
    root = files(tmp_path, {"parens.py": parens, "long.py": long})
    fps = Fingerprints(PythonIndex(root, use_cache=False))
    assert fps.of("parens", "f") == ""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # the default; other tests may have raised it
    try:
        assert fps.of("long", "f") == ""
    finally:
        sys.setrecursionlimit(limit)
