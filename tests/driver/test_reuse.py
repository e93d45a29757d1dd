"""Reuse of compiled programs (`ibc.base.reuse`): a hit gives the stored code; editing the `.ib`
file, a project Python file the program uses, a stub or the options is a miss, while
editing a Python file it does not use is not; entries survive the process, a damaged entry
is a miss, and a hit does not import the compiler."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import ibc
from ibc.base import reuse
from ibc.driver import Options, compile_file

REPO = Path(ibc.__file__).resolve().parent.parent

MAIN = """\
from src.m import f
from "src/n.py" import g
from ext import scale
experiment e = {a = f(1), b = g(2), c = scale(1.5)}
"""

FILES = {
    "ibc.toml": "",
    "src/__init__.py": "",
    "src/m.py": "def f(x: int) -> int:\n    return helper(x)\n\n\ndef helper(x):\n    return x + 1\n",
    "src/n.py": "def g(x: int) -> int:\n    return x * 2\n",
    "src/unused.py": "def u(x: int) -> int:\n    return x\n",
    "ext.py": "def scale(x):\n    return x * 2\n",
    "stubs/ext.ib": "from ext import scale : (x: Float) -> Float\n",
    "main.ib": MAIN,
}


@pytest.fixture
def proj(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("IBC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    reuse._lookups.clear()
    root = tmp_path / "proj"
    for name, text in FILES.items():
        edit(root / name, text)
    # as if written a while ago: `store` distrusts files changed just before a lookup
    past = time.time_ns() - 10_000_000_000
    for item in [root, *root.rglob("*")]:
        os.utime(item, ns=(past, past))
    return root


def edit(path: Path, text: str) -> None:
    """Write `text`, making sure the file's (size, mtime) differs from before."""
    path.parent.mkdir(parents=True, exist_ok=True)
    old = path.stat().st_mtime_ns if path.exists() else None
    path.write_text(text)
    if old is not None and path.stat().st_mtime_ns == old:
        os.utime(path, ns=(old + 1_000_000, old + 1_000_000))


def options(root: Path, **extra) -> Options:
    return Options(stub_dirs=[root / "stubs"], format=False, **extra)


KEY = reuse.options_key("script", "stubs", "", "strict=0")


def build(root: Path, key: str = KEY, **extra) -> str:
    """Compile and store, as `ibc run` does on a miss; the emitted code."""
    result = compile_file(root / "main.ib", options(root, **extra))
    assert result.ok and result.code, [d.code for d in result.diagnostics]
    reuse.store(root / "main.ib", key, result.code, result)
    return result.code


def test_a_hit_returns_the_stored_code(proj: Path):
    assert reuse.lookup(proj / "main.ib", KEY) is None
    code = build(proj)
    assert reuse.lookup(proj / "main.ib", KEY) == code
    assert reuse.lookup(proj / "other.ib", KEY) is None


def test_options_are_part_of_the_key(proj: Path):
    build(proj)
    other = reuse.options_key("script", "stubs", "e.a=2", "strict=0")
    assert other != KEY and reuse.options_key("a", "b") == reuse.options_key("a", "b")
    assert reuse.options_key("ab", "") != reuse.options_key("a", "b")
    assert reuse.lookup(proj / "main.ib", other) is None
    assert reuse.lookup(proj / "main.ib", KEY) is not None


@pytest.mark.parametrize(
    "name, text",
    [
        ("main.ib", MAIN.replace("f(1)", "f(2)")),
        ("src/m.py", FILES["src/m.py"].replace("x + 1", "x + 2")),  # a helper of f
        ("src/n.py", FILES["src/n.py"].replace("x * 2", "x * 3")),  # a path import
        ("stubs/ext.ib", "# typed\n" + FILES["stubs/ext.ib"]),
        ("ibc.toml", 'stubs = ["stubs"]\n'),
        ("src/m.pyi", "def f(x: int) -> int: ...\n"),  # a new stub would shadow the source
        ("stubs/src/m.ib", "from src.m import f : (x: Int) -> Int\n"),  # a new .ib stub
        ("src.py", ""),  # a new module shadowing the package
    ],
)
def test_editing_what_the_code_was_built_from_is_a_miss(proj: Path, name: str, text: str):
    code = build(proj)
    assert reuse.lookup(proj / "main.ib", KEY) == code
    edit(proj / name, text)
    assert reuse.lookup(proj / "main.ib", KEY) is None


def test_unused_python_files_do_not_count(proj: Path):
    # Only the Python files the compiler located count (not the whole tree), so editing a
    # module the program does not use keeps the entry.
    code = build(proj)
    edit(proj / "src" / "unused.py", "def u(x: int) -> int:\n    return -x\n")
    assert reuse.lookup(proj / "main.ib", KEY) == code
    edit(proj / "src" / "m.py", FILES["src/m.py"] + "\n# a comment\n")
    assert reuse.lookup(proj / "main.ib", KEY) is None  # a used file is compared by stat


def test_deleting_a_used_file_is_a_miss(proj: Path):
    build(proj)
    (proj / "ext.py").unlink()
    assert reuse.lookup(proj / "main.ib", KEY) is None


def test_the_manifest_covers_compiler_stubs_and_sys_path(proj: Path):
    result = compile_file(proj / "main.ib", options(proj))
    stamps, presence = reuse.manifest(proj / "main.ib", result.checked.program)
    paths = {p for p, _, _ in stamps}
    assert str(REPO / "ibc" / "driver.py") in paths  # an edited compiler is noticed
    assert str(REPO / "ibc" / "resolve" / "fingerprint.py") in paths
    assert str((proj / "stubs" / "ext.ib").resolve()) in paths
    assert str(proj.resolve() / "src" / "m.py") in paths
    assert str(proj.resolve() / "src" / "unused.py") not in paths
    site = [p for p in sys.path if p.endswith("site-packages")]
    assert all(os.path.abspath(p) in paths for p in site)
    assert (str(proj.resolve() / "ibc.toml"), True) in presence


def test_diagnostics_or_a_race_prevent_storing(proj: Path):
    edit(proj / "main.ib", MAIN + "from src.unused import u as raw\nexperiment w = raw(1)\n")
    edit(proj / "src" / "unused.py", "def u(x):\n    return x\n")  # untyped: a warning
    result = compile_file(proj / "main.ib", options(proj, strict=True))
    assert result.ok and result.diagnostics, [d.code for d in result.diagnostics]
    reuse.store(proj / "main.ib", KEY, result.code, result)
    assert reuse.lookup(proj / "main.ib", KEY) is None  # a hit would hide the warning
    edit(proj / "main.ib", MAIN)
    # a file written after the lookup that preceded the compile: not trusted
    assert reuse.lookup(proj / "main.ib", KEY) is None
    result = compile_file(proj / "main.ib", options(proj))
    edit(proj / "src" / "n.py", FILES["src/n.py"] + "\n")
    reuse.store(proj / "main.ib", KEY, result.code, result)
    assert reuse.lookup(proj / "main.ib", KEY) is None


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],
        lambda data: data[:-1] + bytes([data[-1] ^ 1]),
        lambda data: b"",
        lambda data: b"garbage\n" * 10,
        lambda data: data.replace(b"ibc-compiled 1", b"ibc-compiled 9"),
    ],
)
def test_a_damaged_entry_is_a_miss(proj: Path, damage):
    build(proj)
    (entry,) = (proj.parent / "cache" / "compiled").iterdir()
    entry.write_bytes(damage(entry.read_bytes()))
    assert reuse.lookup(proj / "main.ib", KEY) is None
    entry.unlink()
    entry.mkdir()  # unreadable
    assert reuse.lookup(proj / "main.ib", KEY) is None


COMPILE = """
from pathlib import Path
from ibc.base import reuse
from ibc.driver import Options, compile_file
path = Path("proj/main.ib")
result = compile_file(path, Options(stub_dirs=[Path("proj/stubs")], format=False))
assert reuse.lookup(path, KEY) is None and result.ok
reuse.store(path, KEY, result.code, result)
Path("expected.py").write_text(result.code)
"""

PROBE = """
import sys, time
from pathlib import Path
from ibc.base import reuse
start = time.perf_counter()
code = reuse.lookup(Path("proj/main.ib"), KEY)
took = time.perf_counter() - start
loaded = [m for m in sys.modules if m.split(".")[:2] in
          (["ibc", "syntax"], ["ibc", "types"], ["ibc", "resolve"], ["ibc", "codegen"])]
print("HIT" if code == Path("expected.py").read_text() else "MISS", len(loaded), sorted(loaded))
"""


def test_an_entry_survives_the_process_and_a_hit_does_not_import_the_compiler(proj: Path):
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }

    def python(text: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", f"KEY = {KEY!r}\n" + textwrap.dedent(text)],
            check=False,
            capture_output=True,
            text=True,
            cwd=proj.parent,
            env=env,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    python(COMPILE)
    assert python(PROBE) == "HIT 0 []"
    edit(proj / "src" / "m.py", FILES["src/m.py"].replace("x + 1", "x + 2"))
    assert python(PROBE).startswith("MISS 0")
