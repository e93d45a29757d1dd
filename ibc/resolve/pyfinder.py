"""Locating Python modules without importing them (docs/guide.md §3).

`importlib.util.find_spec("sklearn.linear_model")` imports `sklearn` to find its submodule,
so the compiler walks the folders itself: the project root first, then each `sys.path`
entry (minus the current directory). For a dotted name it finds the top-level package in
one entry (a regular package or plain module stops the search; namespace-package portions
are collected from every entry, and a `<name>-stubs` folder is tried before the package),
then walks the remaining components as folders. In each folder a module is, in order:
`__init__.pyi`/`__init__.py` (a package), `<name>.pyi`, `<name>.py`, an extension module
(`<name>.cpython-311-….so`, `.pyd`), or a bare folder (a namespace package).

The owning distribution (name and version) is read from `*.dist-info`/`*.egg-info`
folders (`top_level.txt`, else `RECORD`) of the same `sys.path` entry — without
`importlib.metadata`, which is slow to import. The map from top-level names to
distributions of one entry is built once per process and may be cached on disk by the
caller (`distribution_map` takes optional load/store hooks).
"""

from __future__ import annotations

import os
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from typing import Callable

from ibc.base.records import record

_EXTENSION_SUFFIXES = tuple(EXTENSION_SUFFIXES) + (".pyd",)


@record
class ModuleLocation:
    """Where a dotted module lives. `path` is the file to read (the `.pyi` if any, else the
    `.py`, else the extension module) or None for a namespace package; `distribution` is
    `(name, version)` of the installed distribution owning it (None for project modules
    and unknown owners)."""

    dotted: str
    path: Path | None
    is_package: bool
    is_project: bool
    distribution: tuple[str, str] | None = None
    is_stub: bool = False
    is_extension: bool = False
    root: Path | None = None  # the sys.path entry (or project root) it was found under


def default_search_path() -> list[str]:
    """`sys.path` minus the implicit entry for the current directory (`""`, which `python -m`
    and the REPL add): the compiler's own working folder is not where user code lives. An
    explicit entry that happens to be the current folder (an editable install) stays."""
    out = []
    for entry in sys.path:
        if entry in ("", "."):
            continue
        out.append(entry)
    return out


def module_name_for_path(path: Path, project_root: Path) -> str:
    """The module name a project file is imported as: `src/features.py` → `src.features`,
    `pkg/__init__.py` → `pkg`. A file outside the project root is named by its stem."""
    path = Path(path).resolve()
    try:
        rel = path.relative_to(Path(project_root).resolve())
    except ValueError:
        return _strip_suffix(path.name)
    parts = list(rel.parts)
    if not parts:
        return ""
    parts[-1] = _strip_suffix(parts[-1])
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _strip_suffix(name: str) -> str:
    for suffix in (".pyi", ".py") + _EXTENSION_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _is_identifier_path(dotted: str) -> bool:
    return bool(dotted) and all(part.isidentifier() for part in dotted.split("."))


def _module_in_dir(folder: str, name: str) -> tuple[str | None, str] | None:
    """Find module `name` directly inside `folder`. Returns (file, kind) with kind one of
    `package`, `stub`, `source`, `extension`, `namespace` (file None), or None."""
    pkg = os.path.join(folder, name)
    if os.path.isdir(pkg):
        for init, kind in (("__init__.pyi", "package_stub"), ("__init__.py", "package")):
            candidate = os.path.join(pkg, init)
            if os.path.isfile(candidate):
                return candidate, kind
    for suffix, kind in ((".pyi", "stub"), (".py", "source")):
        candidate = os.path.join(folder, name + suffix)
        if os.path.isfile(candidate):
            return candidate, kind
    for suffix in _EXTENSION_SUFFIXES:
        candidate = os.path.join(folder, name + suffix)
        if os.path.isfile(candidate):
            return candidate, "extension"
    if os.path.isdir(pkg):
        return None, "namespace"
    return None


def _top_level_roots(top: str, entries: list[str]) -> list[tuple[str, str]]:
    """The folders that may hold `top`: (entry, folder holding `top`) pairs in search order.
    `top-stubs` folders come first; a regular package/module ends the search."""
    roots: list[tuple[str, str]] = []
    for entry in entries:
        stubs = os.path.join(entry, top + "-stubs")
        if os.path.isdir(stubs):
            roots.append((entry, stubs))
    for entry in entries:
        found = _module_in_dir(entry, top)
        if found is None:
            continue
        roots.append((entry, entry))
        if found[1] != "namespace":
            break
    return roots


def find_module(
    dotted: str,
    project_root: Path,
    search_path: list[str] | None = None,
    dist_lookup: Callable[[str, str], tuple[str, str] | None] | None = None,
    roots_memo: dict[str, list[tuple[str, str]]] | None = None,
) -> ModuleLocation | None:
    """Locate `dotted` (project root first, then `search_path`, default `sys.path` minus the
    current directory) without importing anything; None when it is nowhere.
    `dist_lookup(entry, top_level)` finds the owning distribution (default: `distribution_for`);
    `roots_memo` remembers where each top-level name was found (the caller owns its lifetime)."""
    if not _is_identifier_path(dotted):
        return None
    if search_path is None:
        search_path = default_search_path()
    project = os.path.abspath(str(project_root))
    entries = [project] + [os.path.abspath(e) for e in search_path if e]
    parts = dotted.split(".")
    if roots_memo is None:
        roots = _top_level_roots(parts[0], entries)
    else:
        if parts[0] not in roots_memo:
            roots_memo[parts[0]] = _top_level_roots(parts[0], entries)
        roots = roots_memo[parts[0]]
    for entry, holder in roots:
        is_stub_pkg = holder.endswith("-stubs")
        if is_stub_pkg:
            folder, rest = holder, parts[1:]
            if not rest:
                found: tuple[str | None, str] | None = _package_itself(holder)
            else:
                found = _walk(folder, rest)
        else:
            found = _walk(holder, parts)
        if found is None:
            continue
        file, kind = found
        is_project = entry == project
        dist = None
        if not is_project:
            dist = (dist_lookup or distribution_for)(entry, parts[0])
        return ModuleLocation(
            dotted=dotted,
            path=Path(file) if file else None,
            is_package=kind in ("package", "package_stub", "namespace"),
            is_project=is_project,
            distribution=dist,
            is_stub=kind in ("stub", "package_stub") or is_stub_pkg,
            is_extension=kind == "extension",
            root=Path(entry),
        )
    return None


def _package_itself(folder: str) -> tuple[str | None, str]:
    for init, kind in (("__init__.pyi", "package_stub"), ("__init__.py", "package")):
        candidate = os.path.join(folder, init)
        if os.path.isfile(candidate):
            return candidate, kind
    return None, "namespace"


def _walk(folder: str, parts: list[str]) -> tuple[str | None, str] | None:
    for part in parts[:-1]:
        folder = os.path.join(folder, part)
        if not os.path.isdir(folder):
            return None
    return _module_in_dir(folder, parts[-1])


def submodule_names(location: ModuleLocation) -> list[str]:
    """Names of the modules directly inside a package (for `names()` and "did you mean")."""
    if not location.is_package:
        return []
    folder = location.path.parent if location.path else None
    if folder is None and location.root is not None:
        folder = location.root.joinpath(*location.dotted.split("."))
    if folder is None or not folder.is_dir():
        return []
    out = set()
    for child in os.listdir(folder):
        full = os.path.join(folder, child)
        if os.path.isdir(full):
            if child.isidentifier() and child != "__pycache__":
                out.add(child)
            continue
        stem = _strip_suffix(child)
        if stem != child and stem.isidentifier() and stem != "__init__":
            out.add(stem)
    return sorted(out)


# ----------------------------------------------------------------------------------------
# Distributions


_DIST_MAPS: dict[str, dict[str, str]] = {}


def _normalize(name: str) -> str:
    return name.replace("-", "_").replace(".", "_").lower()


def _tops_of_dist(info_dir: str) -> set[str]:
    tops: set[str] = set()
    top_level = os.path.join(info_dir, "top_level.txt")
    if os.path.isfile(top_level):
        with open(top_level, encoding="utf-8", errors="replace") as handle:
            tops.update(line.strip() for line in handle if line.strip())
        return tops
    record = os.path.join(info_dir, "RECORD")
    if os.path.isfile(record):
        with open(record, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                first = line.split(",", 1)[0].split("/", 1)
                head = first[0]
                if not head or head.startswith("..") or head.endswith((".dist-info", ".egg-info")):
                    continue
                if head == "__pycache__" or head.endswith(".pth"):
                    continue
                if len(first) == 1:
                    head = _strip_suffix(head)
                    if head == first[0]:
                        continue
                elif head.endswith("-stubs"):
                    head = head[: -len("-stubs")]
                if head.isidentifier():
                    tops.add(head)
    return tops


def build_distribution_map(entry: str) -> dict[str, str]:
    """{top-level name: dist-info folder name} for one `sys.path` entry."""
    out: dict[str, str] = {}
    try:
        children = os.listdir(entry)
    except OSError:
        return out
    for child in sorted(children):
        if not child.endswith((".dist-info", ".egg-info")):
            continue
        for top in _tops_of_dist(os.path.join(entry, child)):
            out.setdefault(top, child)
    return out


def distribution_map(
    entry: str,
    load: Callable[[str], dict[str, str] | None] | None = None,
    store: Callable[[str, dict[str, str]], None] | None = None,
) -> dict[str, str]:
    """The (memoized) top-level → dist-info map of `entry`; `load`/`store` hooks let a disk
    cache skip the scan."""
    cached = _DIST_MAPS.get(entry)
    if cached is not None:
        return cached
    mapping = load(entry) if load else None
    if mapping is None:
        mapping = build_distribution_map(entry)
        if store:
            store(entry, mapping)
    _DIST_MAPS[entry] = mapping
    return mapping


def _guess_info_dir(entry: str, top: str) -> str | None:
    """Fast path: a dist-info folder whose project name is the top-level name."""
    try:
        children = os.listdir(entry)
    except OSError:
        return None
    want = _normalize(top)
    for child in children:
        if child.endswith(".dist-info") and _normalize(child.split("-", 1)[0]) == want:
            if top in _tops_of_dist(os.path.join(entry, child)):
                return child
    return None


def read_name_version(info_dir: str) -> tuple[str, str] | None:
    """`(Name, Version)` from a dist-info's METADATA headers (or its folder name)."""
    name = version = None
    for meta in ("METADATA", "PKG-INFO"):
        path = os.path.join(info_dir, meta)
        if not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if not line.strip():
                    break
                if line.startswith("Name:") and name is None:
                    name = line[5:].strip()
                elif line.startswith("Version:") and version is None:
                    version = line[8:].strip()
        break
    if name is None or version is None:
        stem = os.path.basename(info_dir).rsplit(".", 1)[0]
        base, _, ver = stem.partition("-")
        name, version = name or base, version or ver
    return (name, version) if name else None


def distribution_for(
    entry: str,
    top: str,
    load: Callable[[str], dict[str, str] | None] | None = None,
    store: Callable[[str, dict[str, str]], None] | None = None,
) -> tuple[str, str] | None:
    """(name, version) of the distribution in `entry` that owns top-level module `top`."""
    key = (entry, top)
    if key not in _OWNERS:
        _OWNERS[key] = _distribution_for(entry, top, load, store)
    return _OWNERS[key]


_OWNERS: dict[tuple[str, str], tuple[str, str] | None] = {}


def _distribution_for(
    entry: str,
    top: str,
    load: Callable[[str], dict[str, str] | None] | None,
    store: Callable[[str, dict[str, str]], None] | None,
) -> tuple[str, str] | None:
    info = _guess_info_dir(entry, top) if entry not in _DIST_MAPS else None
    if info is None:
        info = distribution_map(entry, load, store).get(top)
    if info is None:
        return None
    return read_name_version(os.path.join(entry, info))
