"""What the process executor's workers import before their first stage (docs/running.md,
"Worker processes").

A worker forked from a forkserver that has already imported scikit-learn starts its first
stage at once; a worker that imports it itself pays seconds, once per worker. So the pool has
its forkserver import, once, the libraries the run's stages will use:

- `modules(roots, project_root)` (in the run, when its first worker starts): the modules of
  every Python reference reachable from the jobs' nodes, and, for the project's own modules
  (found under the project root), the libraries they import at their top level (read with
  `ast`, never imported here), following the project's modules that they import in turn. The
  project's own modules are never preloaded: a forkserver outlives its pool in a process that
  runs several times (a notebook), and a project module imported once would be stale there
  after an edit; they are quick to import, the libraries are what takes seconds. Modules of
  pinned revisions (snapshot modules) and the standard library are left out too.
- `preload()` (in the forkserver, when it imports this module): imports each module named in
  `$IBC_PRELOAD_MODULES`, whatever happens. A module that fails to import (any exception, not
  only `ImportError`) is left out, so a stage that uses it fails as it would have without a
  preload, with its own error, when it imports it in its worker; what a module prints goes to
  standard error (standard output holds the results alone).
"""

from __future__ import annotations

import os
import sys

__all__ = ["ENV", "modules", "preload"]

ENV = "IBC_PRELOAD_MODULES"
_MAX_FILES = 500  # project files read for their imports, at most
_SNAPSHOTS = "_ibc_rev_"  # ibc.runtime.snapshots.PREFIX (not imported: it is not needed here)


def modules(roots, project_root: str | None) -> list[str]:
    """The library modules to preload for a run of the nodes `roots`, in a stable order."""
    from ibc.runtime.values import Ref

    referenced: set[str] = set()
    seen: set[int] = set()
    todo = list(roots)
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        data = getattr(node, "data", None)
        for item in data if isinstance(data, tuple) else (data,):
            if isinstance(item, Ref):
                referenced.add(item.module)
        todo.extend(getattr(node, "inputs", ()))
    root = os.path.abspath(project_root) if project_root else None
    found: set[str] = set()
    _follow(sorted(referenced), root, found)
    return sorted(found)


def _follow(names: list[str], root: str | None, found: set[str]) -> None:
    """Add the library modules among `names` to `found`, and those the project's modules
    among them import, transitively."""
    stdlib = getattr(sys, "stdlib_module_names", frozenset())
    read: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        top = name.partition(".")[0]
        if not top or top.startswith(_SNAPSHOTS) or top in stdlib or top == "__future__":
            continue
        path = _project_file(name, root)
        if path is None:
            if not _in_project(top, root):
                found.add(name)
            continue
        if path in read or len(read) >= _MAX_FILES:
            continue
        read.add(path)
        todo.extend(_imports(path, name))


def _in_project(top: str, root: str | None) -> bool:
    if root is None:
        return False
    return os.path.isdir(os.path.join(root, top)) or os.path.isfile(os.path.join(root, top + ".py"))


def _project_file(name: str, root: str | None) -> str | None:
    """The file of module `name` under the project root, or None (not a project module)."""
    if root is None:
        return None
    base = os.path.join(root, *name.split("."))
    for path in (base + ".py", os.path.join(base, "__init__.py")):
        if os.path.isfile(path):
            return path
    return None


def _imports(path: str, name: str) -> list[str]:
    """The modules file `path` (module `name`) imports at its top level (also inside `if`
    and `try` there, not inside functions or classes: those import when called)."""
    import ast

    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read(), path)
    except (OSError, SyntaxError, ValueError):
        return []
    package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
    found: list[str] = []
    todo = list(tree.body)
    while todo:
        statement = todo.pop()
        if isinstance(statement, ast.Import):
            found += [alias.name for alias in statement.names]
        elif isinstance(statement, ast.ImportFrom):
            if statement.level:
                parts = package.split(".") if package else []
                if statement.level - 1 > len(parts):
                    continue
                base = ".".join(parts[: len(parts) - (statement.level - 1)])
                module = ".".join(p for p in (base, statement.module or "") if p)
            else:
                module = statement.module or ""
            if module:
                found.append(module)
                # `from pkg import sub` may name a submodule: tried, harmless when it is not
                found += [
                    f"{module}.{alias.name}" for alias in statement.names if alias.name != "*"
                ]
        elif isinstance(statement, (ast.If, ast.Try)):
            todo += statement.body + statement.orelse
            todo += getattr(statement, "finalbody", [])
            for handler in getattr(statement, "handlers", []):
                todo += handler.body
    return found


def preload(names: list[str]) -> None:
    """In the forkserver: import each of `names`, a failure of one skipped (see above)."""
    import atexit

    # The server ends when its run has: at once, without the seconds of tearing down the
    # libraries it imported (its pipes, standard error included, stay open until it has
    # ended, and `ibc run … | jq` waits for them). Its workers are forked from it and end
    # with `os._exit`: this never runs in them.
    atexit.register(os._exit, 0)
    try:  # what a module prints at import goes to standard error, in this process for good
        sys.stdout.flush()
        os.dup2(2, 1)
    except (OSError, ValueError, AttributeError):
        pass
    import_all(names)


def import_all(names: list[str]) -> None:
    """Import each of `names`, skipping those that fail, whatever the exception."""
    import importlib

    for name in names:
        if not name:
            continue
        try:
            importlib.import_module(name)
        except KeyboardInterrupt:  # Ctrl-C of the run: it is ending, stop here
            return
        except BaseException:  # noqa: BLE001 - any failure: its stage will meet it itself
            pass


if ENV in os.environ:  # the forkserver of a process-executor run (ibc.runtime.pool)
    preload(os.environ.pop(ENV).split(","))
