"""The project root (docs/guide.md, "A project"): the one search every part of ibc uses.

The root of a `.ib` file is the nearest folder at or above the file's folder that holds one
of the markers `.git`, `pyproject.toml` or `ibc.toml` (any of them, whichever is nearest);
when no folder up to the file-system root holds one, it is the file's own folder. A folder
given instead of a file starts the search at that folder.

Everything that depends on the root asks here: the compiler (where Python modules are
resolved, which `ibc.toml` applies), the runtime (where the store and the run records live,
how records name a `.ib` file), the command line (`ibc results`, `ibc cache`, `ibc graph`
find the store of a file or of the working folder) and the reuse of compiled programs (which
markers' presence a compiled program depends on). Two rules in two places once made `ibc
results sub/m.ib` look for records in a store `ibc run sub/m.ib` never wrote to.

This module imports only the standard library: the compiler and the runtime both import it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

MARKERS = (".git", "pyproject.toml", "ibc.toml")


def start_folder(path: str | os.PathLike) -> Path:
    """The folder the search starts in: `path` itself when it is a folder, else the folder
    holding it (resolved; `path` need not exist)."""
    path = Path(path).resolve()
    return path if path.is_dir() else path.parent


def _looked_at(start: Path) -> Iterator[tuple[Path, list[tuple[Path, bool]]]]:
    """Each folder the search looks at, from `start` upward, with `(marker path, exists)`
    for every marker in it."""
    for folder in (start, *start.parents):
        yield folder, [(folder / marker, (folder / marker).exists()) for marker in MARKERS]


def find_root(path: str | os.PathLike) -> Path:
    """The project root of `path` (a `.ib` file, any file, or a folder)."""
    start = start_folder(path)
    for folder, markers in _looked_at(start):
        if any(exists for _, exists in markers):
            return folder
    return start


def marker_presence(path: str | os.PathLike) -> tuple[tuple[str, bool], ...]:
    """`(marker path, exists)` for every marker the search for `path`'s root looks at, in
    order: a compiled program stays valid only while these are unchanged (a marker added
    below the root, or the root's marker removed, moves the root)."""
    presence: list[tuple[str, bool]] = []
    for _, markers in _looked_at(start_folder(path)):
        presence.extend((str(marker), exists) for marker, exists in markers)
        if any(exists for _, exists in markers):
            break
    return tuple(presence)
