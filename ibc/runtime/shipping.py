"""Shipping a project's Python code to workers that do not share its folder (docs/running.md,
"Running on a cluster").

A dask worker of a real cluster runs in a folder of its own, on another machine perhaps, so
what a stage imports must travel with the run. Two kinds of *bundles* do, each a zip named by
its content:

- **The project's sources** (`project_archive`): every `*.py` file under the project root
  (hidden folders, `__pycache__`, virtual environments and `site-packages` skipped), *with a
  directory entry for every folder*. zipimport finds a namespace package (a `src/` folder
  without `__init__.py`, the standard layout) only through its directory entry, so without
  them `import src.features` fails on the worker while it works locally. The zip itself goes
  first on the worker's `sys.path`; its name holds a hash of the files' names and bytes, so an
  edited project is a new zip, and the modules imported from the previous one are forgotten
  before the new one is used (`WorkerSources.use_project`): a worker never runs a stale module.
- **A pinned revision's snapshot** (`snapshot_archive`): the importable `*.py` files of the
  project at that commit plus the commit's file list, exactly what `.ibc/snapshots/<commit>/`
  holds on the client (docs/revisions.md). A commit never changes, so the commit id names it.
  The worker unpacks it under its own store root and serves `_ibc_rev_<commit>.…` modules from
  there (`ibc.runtime.snapshots`): no git and no project folder are needed on the worker.

Which snapshots a stage needs is read off its pickled call (`commits_in`): a pinned reference,
a pinned class's instance among the arguments, a `.ib` function value holding one — each
names its module `_ibc_rev_<commit>.…` in the pickle.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import zipfile

from ibc.base.cachedir import replace_atomically

PROJECT_PREFIX = "ibc_project_"
SNAPSHOT_PREFIX = "ibc_snapshot_"
_SKIP_DIRS = {"__pycache__", "site-packages", "node_modules", "dist-packages"}
_EPOCH = (1980, 1, 1, 0, 0, 0)
_MARK = b"_ibc_rev_"


def _zip(files: list[tuple[str, bytes]]) -> bytes:
    """A deterministic zip of `files` (sorted (name, bytes)), with a directory entry for each
    folder they are in."""
    folders = set()
    for name, _ in files:
        parts = name.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            folders.add("/".join(parts[:i]) + "/")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for folder in sorted(folders):
            info = zipfile.ZipInfo(folder, date_time=_EPOCH)
            info.external_attr = 0o40755 << 16 | 0x10  # a directory, for zipimport and unzip
            archive.writestr(info, b"")
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def project_files(project_root: str) -> list[tuple[str, bytes]]:
    """The project's `*.py` files as sorted (relative name, bytes)."""
    files: list[tuple[str, str]] = []
    for folder, dirs, names in os.walk(project_root):
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and d not in _SKIP_DIRS
            and not os.path.exists(os.path.join(folder, d, "pyvenv.cfg"))
            and not os.path.isdir(os.path.join(folder, d, "conda-meta"))
        )
        for name in sorted(names):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                files.append((os.path.relpath(path, project_root).replace(os.sep, "/"), path))
    out = []
    for arcname, path in sorted(files):
        with open(path, "rb") as handle:
            out.append((arcname, handle.read()))
    return out


def project_archive(project_root: str) -> tuple[str, bytes]:
    """(name, bytes) of the zip of the project's sources; the name holds a hash of the files'
    names and contents: same files, same name and bytes."""
    files = project_files(project_root)
    digest = hashlib.sha256()
    for arcname, data in files:
        digest.update(arcname.encode() + b"\0" + len(data).to_bytes(8, "little") + data)
    return f"{PROJECT_PREFIX}{digest.hexdigest()[:16]}.zip", _zip(files)


def project_zip(project_root: str, directory: str) -> str:
    """Write the project's sources zip (`project_archive`) into `directory`; returns its path."""
    name, data = project_archive(project_root)
    target = os.path.join(directory, name)
    replace_atomically(target, data)
    return target


def snapshot_archive(project_root: str, commit: str) -> bytes:
    """The zip of commit `commit`'s snapshot: `.ibc-snapshot.json` (the commit's file list) and
    its importable `*.py` files, taken from the client's snapshot folder (written from git the
    first time)."""
    from ibc.runtime.snapshots import DiskSnapshots

    listing, sources = DiskSnapshots(project_root).python_sources(commit)
    files = [(rel, sources[rel]) for rel in sorted(sources)]
    meta = json.dumps({"commit": commit, "files": listing}).encode()
    return _zip([(".ibc-snapshot.json", meta), *files])


def commits_in(payload: bytes) -> set[str]:
    """The commits of the snapshot modules (`_ibc_rev_<commit>.…`) a pickle names."""
    found = set()
    start = payload.find(_MARK)
    while start >= 0:
        commit = payload[start + len(_MARK) : start + len(_MARK) + 40]
        if len(commit) == 40 and all(c in b"0123456789abcdef" for c in commit):
            found.add(commit.decode())
        start = payload.find(_MARK, start + 1)
    return found


class WorkerSources:
    """What one worker process has made importable: the project zip on `sys.path` (one at a
    time) and the snapshots unpacked under `folder/store/snapshots/`."""

    def __init__(self) -> None:
        self.folder: str | None = None
        self.project: str | None = None  # the zip now on sys.path
        self.commits: set[str] = set()
        self.root: str | None = None  # the IBC_PROJECT_ROOT this process was given

    def use(self, folder: str, project, snapshots) -> None:
        """Make `project` ((name, bytes) or None) and `snapshots` ((commit, bytes) pairs)
        importable here, bundles being written under `folder` (once per content)."""
        if self.folder != folder:
            self.folder, self.commits = folder, set()
        if project is not None:
            self.use_project(*project)
        for commit, data in snapshots:
            if commit not in self.commits:
                self.use_snapshot(commit, data)

    def use_project(self, name: str, data: bytes) -> None:
        path = os.path.join(self.folder, name)
        if self.project == path and path in sys.path:
            return
        if not os.path.exists(path):
            replace_atomically(path, data)
        if self.project is not None:
            forget(self.project)
        self.project = path
        if path in sys.path:
            sys.path.remove(path)
        sys.path.insert(0, path)
        import importlib

        importlib.invalidate_caches()

    def use_snapshot(self, commit: str, data: bytes) -> None:
        from ibc.runtime import snapshots

        store = os.path.join(self.folder, "store")
        target = os.path.join(store, "snapshots", commit)
        if not os.path.exists(os.path.join(target, ".ibc-snapshot.json")):
            import shutil
            import tempfile

            os.makedirs(os.path.dirname(target), exist_ok=True)
            unpacked = tempfile.mkdtemp(prefix=f".{commit[:12]}-", dir=os.path.dirname(target))
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for info in archive.infolist():
                    if not info.is_dir() and _safe(info.filename):
                        out = os.path.join(unpacked, *info.filename.split("/"))
                        os.makedirs(os.path.dirname(out), exist_ok=True)
                        with open(out, "wb") as fh:
                            fh.write(archive.read(info))
            try:
                os.rename(unpacked, target)
            except OSError:  # unpacked by another process meanwhile: the same files
                shutil.rmtree(unpacked, ignore_errors=True)
        finder = snapshots.install()
        provider = finder.provider
        if not (isinstance(provider, snapshots.DiskSnapshots) and provider.store_root == store):
            snapshots.install(snapshots.DiskSnapshots(store_root=store))
        self.commits.add(commit)


def _safe(name: str) -> bool:
    parts = name.split("/")
    return all(p and p not in (".", "..") and "\\" not in p for p in parts)


def forget(path: str) -> None:
    """Take `path` off `sys.path` and forget every module imported from it (a namespace
    package too: its `__path__` is inside), with the references resolved from them."""
    from ibc.runtime import values

    while path in sys.path:
        sys.path.remove(path)
    sys.path_importer_cache.pop(path, None)
    inside = path + os.sep

    def from_here(module) -> bool:
        where = [getattr(module, "__file__", None) or ""]
        try:
            where += list(getattr(module, "__path__", None) or ())
        except Exception:  # an odd __path__: not ours
            pass
        return any(isinstance(w, str) and w.startswith(inside) for w in where)

    stale = {name for name, module in list(sys.modules.items()) if from_here(module)}
    for name in stale:
        del sys.modules[name]
    for key in [k for k in values._resolved if k[0] in stale]:
        del values._resolved[key]
