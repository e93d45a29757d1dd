"""Reuse of compiled programs (docs/running.md "Running, failing, resuming"): `ibc run` on an
unchanged project skips the compiler.

`store` records, next to the emitted code, a manifest of everything the code was built from,
each item a path with its (size, mtime_ns) — or "absent" — as one `os.stat` gives it:
- every `.ib` file loaded (the main file, its `.ib` imports, the prelude, the stubs used), and
  each place a stub was looked for in the stub folders (`--stubs`, `ibc.toml`, bundled
  `stdlib/`), so a new stub file is noticed;
- `ibc.toml` and `pyproject.toml` at the project root, and the presence of the root markers
  (`.git`, `pyproject.toml`, `ibc.toml`) in the folders from the `.ib` file up to the root;
- every Python source or stub the compiler located (the resolver and the fingerprints locate
  modules through `PythonIndex.locate`; path imports `from "src/m.py"` are added), and, for
  each module name looked up, the project-root candidates that could shadow it
  (`name.py`, `name.pyi`, `name/`, `name-stubs`, extension modules) and the project folders
  on its dotted path, so a new module or stub in the project is noticed — the same for the
  `sys.path` folders outside the Python installation (the working folder, `PYTHONPATH`);
- the installation's `sys.path` folders themselves (installing, upgrading or removing a
  distribution changes the mtime of its `site-packages`);
- the compiler's own files (`ibc/**/*.py`, the grammar) and folders.
The entry's name covers the main file, the options key, the working folder (messages and
spans show paths relative to it), the Python version and executable, `sys.path` and the ibc
version. `lookup` reads one file and stats each manifest item (about 1 ms for a small
project). Only compiles without any diagnostic are stored, since a hit shows none. A file
changed while it was being compiled is caught: `store` refuses an entry when a manifest
item's mtime is not older than the preceding `lookup` of the same entry in this process.
A program that pins a symbolic revision (`clean @ "v1"`) is never stored, since a moved tag or
branch must be noticed; pins by commit id (what `ibc freeze` writes) are immutable and reused.
Nor is a program with a history sweep (`history(clean)`), whose versions change with each
commit.

Entries live in `cache_dir()/"compiled"`, one file each, written atomically: a header with a
checksum, then a `marshal`ed payload; a damaged, foreign or unreadable entry is a miss. This
module imports only the standard library, `ibc.base.cachedir` and `ibc.base.project_root`, so a hit
never loads the compiler.
"""

from __future__ import annotations

import marshal
import os
import sys
import time
from pathlib import Path

from ibc import __version__
from ibc.base.project_root import marker_presence
from ibc.base.cachedir import cache_dir, digest, read_checked, write_atomically, write_checked

_MAGIC = b"ibc-compiled 1\n"
_DIGEST_LEN = 32  # hex digits of `cachedir.digest`
_RACE_SLACK_NS = 50_000_000  # file-system clocks are coarser than time.time_ns()
_ABSENT = (-1, -1)
_SKIP_DIRS = ("__pycache__", "node_modules")

_lookups: dict[str, int] = {}  # entry file -> time.time_ns() of its last lookup here


def code_object(text: str, filename: str):
    """`compile(text, filename, "exec")`, cached by content: compiling the Python of a large
    program (4,000 lines for 1,000 stages) costs more than running it from the store."""
    key = digest(f"{sys.version}\0{filename}\0{text}".encode("utf-8", "surrogatepass"))
    path = cache_dir() / "compiled" / f"{key}.code"
    payload = read_checked(path)  # verified: a changed byte is a miss, not a wrong program
    if payload is not None:
        try:
            return marshal.loads(payload)
        except (ValueError, EOFError, TypeError):
            pass
    code = compile(text, filename, "exec")
    write_checked(path, marshal.dumps(code))
    return code


def options_key(*parts: str) -> str:
    """A key for the options that change the emitted code (target, stub folders, `-s`
    texts, strict, format): equal parts give equal keys."""
    return digest("\0".join(str(p) for p in parts).encode("utf-8", "surrogatepass"))


def lookup(path: Path, options_key: str) -> str | None:
    """The code emitted for `path` with `options_key` if nothing it was built from changed
    since it was stored; None otherwise (also for a damaged or unreadable entry)."""
    try:
        entry, key = _entry(path, options_key)
    except (OSError, ValueError):
        return None
    _lookups[str(entry)] = time.time_ns()
    try:
        with open(entry, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    payload = _unpack(data)
    if payload is None or payload[0] != key:
        return None
    _, stamps, presence, code = payload
    stat = os.stat
    try:
        for item, size, mtime in stamps:
            try:
                st = stat(item)
            except OSError:
                if size != -1:
                    return None
                continue
            if st.st_size != size or st.st_mtime_ns != mtime:
                return None
        for item, present in presence:
            if os.path.exists(item) != present:
                return None
    except (TypeError, ValueError):  # a well-formed payload of the wrong shape
        return None
    return code if isinstance(code, str) else None


def store(path: Path, options_key: str, code: str, result) -> None:
    """Record `code` (emitted for `path` with `options_key`) with the manifest of what the
    driver's `result` was built from. Does nothing for a compile with diagnostics, one whose
    program is unknown, or one whose inputs changed while it ran; never raises."""
    try:
        if not isinstance(code, str) or getattr(result, "diagnostics", None):
            return
        program = getattr(getattr(result, "checked", None), "program", None)
        if program is None or _symbolic_pins(program):
            return
        entry, key = _entry(path, options_key)
        stamps, presence = manifest(path, program)
        started = _lookups.get(str(entry))
        if started is not None:
            newest = max((mtime for _, size, mtime in stamps if size != -1), default=0)
            if newest >= started - _RACE_SLACK_NS:
                return  # a file changed while it was compiled (or just before): not trusted
        payload = marshal.dumps((key, stamps, presence, code))
        write_atomically(entry, _MAGIC + digest(payload).encode("ascii") + b"\n" + payload)
    except (OSError, ValueError, TypeError, AttributeError, RecursionError):
        return


def manifest(path: Path, program) -> tuple[tuple, tuple]:
    """(stamps, presence) for a resolved program: stamps are `(path, size, mtime_ns)` with
    size -1 for an absent path; presence is `(path, exists)` for the root markers."""
    stamps: dict[str, tuple[int, int]] = {}

    def stamp(item) -> tuple[int, int]:
        item = str(item)
        if item not in stamps:
            try:
                st = os.stat(item)
                stamps[item] = (st.st_size, st.st_mtime_ns)
            except OSError:
                stamps[item] = _ABSENT
        return stamps[item]

    root = Path(program.root)
    loader = program.loader
    for file in loader.modules:  # .ib files: main, imports, prelude, stubs
        stamp(file)
    for name in loader.stubs:  # every place a stub was (or could have been) found
        parts = name.split(".")
        for folder in loader.stub_dirs:
            stamp(Path(folder).joinpath(*parts[:-1], parts[-1] + ".ib"))
            stamp(Path(folder).joinpath(*parts, "__init__.ib"))
    for name in ("ibc.toml", "pyproject.toml"):
        stamp(root / name)
    _python_files(program, root, stamp)
    _compiler_files(stamp)
    presence = marker_presence(path)
    return tuple((p, s, m) for p, (s, m) in sorted(stamps.items())), presence


# ----------------------------------------------------------------------------- internals


def _entry(path: Path, options_key: str) -> tuple[Path, str]:
    key = "\0".join(
        (
            os.path.realpath(path),
            options_key,
            os.getcwd(),
            sys.version,
            sys.executable,
            os.pathsep.join(sys.path),
            __version__,
        )
    )
    return cache_dir() / "compiled" / f"{digest(key.encode('utf-8', 'surrogatepass'))}.bin", key


def _unpack(data: bytes):
    head = len(_MAGIC)
    if not data.startswith(_MAGIC) or data[head + _DIGEST_LEN : head + _DIGEST_LEN + 1] != b"\n":
        return None
    payload = data[head + _DIGEST_LEN + 1 :]
    if digest(payload).encode("ascii") != data[head : head + _DIGEST_LEN]:
        return None
    try:
        value = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    if not isinstance(value, tuple) or len(value) != 4:
        return None
    return value


def _symbolic_pins(program) -> bool:
    """Does the program pin a revision that may move (a branch, a tag, `HEAD~2`)? Such a
    program is not stored: its resolution would have to be re-checked with git on every
    lookup. Pins by full commit id are immutable (`ibc freeze` writes them), so programs
    that use only those are reused like any other. A history sweep's versions change with
    each commit: such a program is not stored either (its walk is kept, by HEAD)."""
    if getattr(program, "histories", None):  # `history(f)` moves with HEAD (docs/revisions.md)
        return True
    pins = getattr(program, "pins", None)
    revisions = getattr(pins, "commits", None) or {}
    return any(
        not (len(rev) == 40 and all(c in "0123456789abcdef" for c in rev)) for rev in revisions
    )


def _python_files(program, root: Path, stamp) -> None:
    """Stamp the Python files the compiler located, and what could shadow them."""
    from importlib.machinery import EXTENSION_SUFFIXES

    searched = _search_folders(root, stamp)
    locations = getattr(program.index, "_locations", None)
    if not isinstance(locations, dict):
        _project_tree(root, stamp)  # the index no longer says what it read: take everything
        return
    suffixes = (".py", ".pyi", *EXTENSION_SUFFIXES, ".pyd")
    tops: set[str] = set()
    for dotted, location in list(locations.items()):
        if location is not None and getattr(location, "path", None) is not None:
            stamp(location.path)
        parts = dotted.split(".")
        if not all(parts):
            continue
        for folder in searched:
            if parts[0] not in tops:
                stamp(folder / f"{parts[0]}-stubs")
                for suffix in suffixes:
                    stamp(folder / f"{parts[0]}{suffix}")
            for part in parts:  # the folders on its path: a new file in one is noticed
                folder = folder / part
                if stamp(folder) == _ABSENT:
                    break
        tops.add(parts[0])
    for info in getattr(program.loader, "modules", {}).values():
        for sym in getattr(info, "values", {}).values():
            file = getattr(sym, "file", None)
            if file is not None:  # `from "src/m.py" import f`
                stamp(file)


def _search_folders(root: Path, stamp) -> list[Path]:
    """The folders where a new module file could change what a name means: the project root
    and the `sys.path` folders outside the installation (the working folder under
    `python -m`, `PYTHONPATH`). The installation's folders are stamped whole instead:
    installing or removing a distribution changes the mtime of its `site-packages`."""
    prefixes = {os.path.abspath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    folders = [root]
    for entry in sys.path:
        if not entry:
            continue
        entry = os.path.abspath(entry)
        if entry == str(root):
            continue
        name = os.path.basename(entry)
        installed = any(entry == p or entry.startswith(p + os.sep) for p in prefixes)
        if installed or name in ("site-packages", "dist-packages") or not os.path.isdir(entry):
            stamp(entry)
        elif Path(entry) not in folders:
            folders.append(Path(entry))
    return folders


def _project_tree(root: Path, stamp) -> None:
    """Every `*.py`/`*.pyi` under the project root and every folder holding them, skipping
    hidden folders, caches, virtual environments and `site-packages`."""
    for folder, dirs, files in os.walk(root):
        stamp(folder)
        dirs[:] = [
            d
            for d in dirs
            if not d.startswith(".")
            and d not in _SKIP_DIRS
            and d not in ("site-packages", "dist-packages")
            and not os.path.exists(os.path.join(folder, d, "pyvenv.cfg"))
        ]
        for name in files:
            if name.endswith((".py", ".pyi")):
                stamp(os.path.join(folder, name))


def _compiler_files(stamp) -> None:
    """The compiler's own sources and grammar: an edited compiler must not reuse old code."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # all of ibc/
    for folder, dirs, files in os.walk(package):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS]
        stamp(folder)
        for name in files:
            if name.endswith((".py", ".lark", ".ib")):
                stamp(os.path.join(folder, name))
    try:
        from ibc.base.resources import grammar_path

        grammar = grammar_path()
        stamp(grammar)
        stamp(grammar.parent)
    except (OSError, ImportError):
        pass
