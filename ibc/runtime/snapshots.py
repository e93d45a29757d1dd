"""Snapshots: pinned Python code importable beside today's (docs/revisions.md).

A reference pinned to a commit runs from the module `_ibc_rev_<commit>.<dotted path>`
(`_ibc_rev_<commit>.src.features`), which the compiler writes into `Ref.module`. A meta
path finder (`SnapshotFinder`, installed by `install()`) serves every module under a
`_ibc_rev_<commit>` package from the project's files *as they were at that commit*:

- **The package.** `_ibc_rev_<commit>` is a package whose subpackages mirror the project
  root. A pinned module is executed with its own `__builtins__`, whose `__import__` rewrites
  absolute imports of the project's top-level modules (those present at the commit, e.g.
  `src`) to the snapshot (`from src.util import f` → `_ibc_rev_<commit>.src.util`), so the
  project-local modules a pinned file imports are their versions at the same commit, while
  today's `src.util` stays what the rest of the experiment uses, in the same process.
  Relative imports work as they are (the module's `__package__` is inside the snapshot);
  third-party imports resolve normally. Chosen over rewriting the sources' `import`
  statements because it keeps the files byte-identical to git's (tracebacks show the real
  lines) and covers `import a.b`, `from a import b` and `import a.b as c` alike. Limitation:
  `importlib.import_module("src.x")` inside pinned code is not redirected.
- **Materialization (script target).** Files are written on first import under
  `<store root>/snapshots/<commit>/<path>` (store root: `$IBC_STORE`, else `.ibc` in the
  project root `$IBC_PROJECT_ROOT`) by calling `git cat-file --batch` in the project's
  repository — only the files that are imported, each written to a temporary file and
  renamed into place, so concurrent runs materializing the same snapshot never see a
  partial file (the same commit always gives the same bytes). The commit's list of
  project files is kept beside them (`.ibc-snapshot.json`, written the same way). A second
  run finds everything on disk and runs no git. The runtime never imports the compiler:
  the compiled program carries the commit in the module name, and this module talks to
  git itself. Paths never escape the snapshot folder: the commit must be 40 hex digits
  and every path component a Python identifier.
- **The plain target** embeds the pinned sources in the script as a dict and installs the
  same finder over it (`_ibc_install_pinned`, copied into the script), so it runs without
  ibc or git.
"""

from __future__ import annotations

import os
import sys

from ibc.base.cachedir import replace_atomically

PREFIX = "_ibc_rev_"


# ---------------------------------------------------------------------------------------
# The finder (stdlib only, self-contained: the plain target copies these definitions)


def _ibc_commit_of(fullname):
    """(commit, rest) of a snapshot module name, or None when it is not one."""
    head, _, rest = fullname.partition(".")
    if not head.startswith("_ibc_rev_"):
        return None
    commit = head[len("_ibc_rev_") :]
    if len(commit) != 40 or any(c not in "0123456789abcdef" for c in commit):
        return None
    if rest and not all(part.isidentifier() for part in rest.split(".")):
        return None
    return commit, rest


def _ibc_redirecting_import(head, tops, real_import):
    """An `__import__` that sends absolute imports of the project's top-level modules
    `tops` to the snapshot package `head`."""

    def _import(name, globals=None, locals=None, fromlist=(), level=0):
        top = name.partition(".")[0]
        if level == 0 and top in tops:
            import sys as _sys

            module = real_import(head + "." + name, globals, locals, fromlist, 0)
            if not fromlist:
                return _sys.modules[head + "." + top]
            return module
        return real_import(name, globals, locals, fromlist, level)

    return _import


class _IbcSnapshotLoader:
    """Executes a snapshot module's source with the redirecting `__import__`."""

    def __init__(self, source, origin, head, tops):
        self.source = source
        self.origin = origin
        self.head = head
        self.tops = tops

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        import builtins

        own = dict(builtins.__dict__)
        own["__import__"] = _ibc_redirecting_import(self.head, self.tops, builtins.__import__)
        module.__dict__["__builtins__"] = own
        if self.source is None:  # a package without `__init__.py`, or the root package
            return
        code = compile(self.source, self.origin, "exec", dont_inherit=True)
        exec(code, module.__dict__)  # noqa: S102 - running the pinned module is the point


class _IbcSnapshotFinder:
    """A meta path finder for `_ibc_rev_<commit>.…` modules over a `provider` with
    `tops(commit)` (the project's top-level module names at the commit), `read(commit,
    rel)` (bytes or None), `is_dir(commit, rel)` and `origin(commit, rel)` (a file name)."""

    def __init__(self, provider):
        self.provider = provider

    def find_spec(self, fullname, path=None, target=None):
        found = _ibc_commit_of(fullname)
        if found is None:
            return None
        import importlib.util

        commit, rest = found
        head = "_ibc_rev_" + commit
        provider = self.provider
        tops = provider.tops(commit)
        if tops is None:
            return None
        if not rest:
            loader = _IbcSnapshotLoader(None, head, head, tops)
            spec = importlib.util.spec_from_loader(fullname, loader, is_package=True)
            return spec
        rel = rest.replace(".", "/")
        for candidate, is_package in ((rel + "/__init__.py", True), (rel + ".py", False)):
            source = provider.read(commit, candidate)
            if source is not None:
                origin = provider.origin(commit, candidate)
                loader = _IbcSnapshotLoader(source, origin, head, tops)
                spec = importlib.util.spec_from_loader(
                    fullname, loader, origin=origin, is_package=is_package
                )
                spec.has_location = True
                return spec
        if provider.is_dir(commit, rel):  # a namespace package
            loader = _IbcSnapshotLoader(None, head, head, tops)
            return importlib.util.spec_from_loader(fullname, loader, is_package=True)
        return None


class _IbcEmbeddedSources:
    """A provider over sources held in memory: {commit: {relative path: text}}."""

    def __init__(self, sources):
        self.sources = sources

    def tops(self, commit):
        files = self.sources.get(commit)
        if files is None:
            return None
        return {rel.split("/")[0].partition(".")[0] for rel in files}

    def read(self, commit, rel):
        text = self.sources.get(commit, {}).get(rel)
        return None if text is None else text.encode("utf-8")

    def is_dir(self, commit, rel):
        return any(p.startswith(rel + "/") for p in self.sources.get(commit, {}))

    def origin(self, commit, rel):
        return "<" + commit[:12] + ">/" + rel


def _ibc_install_pinned(sources):
    """Make the embedded pinned sources importable (the plain target calls this)."""
    import sys as _sys

    _sys.meta_path.insert(0, _IbcSnapshotFinder(_IbcEmbeddedSources(sources)))


# ---------------------------------------------------------------------------------------
# The store's snapshots (script target): files materialized from git on first import


class SnapshotError(ImportError):
    """A snapshot cannot be made (no repository, no git, an unknown commit)."""


class DiskSnapshots:
    """Snapshots under `<store root>/snapshots/<commit>/`, filled from the git repository
    holding `project_root`. `git_calls` counts the git processes started (tests, bench)."""

    def __init__(self, project_root: str | None = None, store_root: str | None = None) -> None:
        self._project_root = project_root
        self._store_root = store_root
        self._meta: dict[str, dict] = {}
        self._repo: tuple[str, str] | None = None  # (toplevel, prefix)
        self.git_calls = 0

    # -- where --------------------------------------------------------------------------

    @property
    def project_root(self) -> str:
        root = self._project_root or os.environ.get("IBC_PROJECT_ROOT") or os.getcwd()
        return os.path.abspath(root)

    @property
    def store_root(self) -> str:
        if self._store_root:
            return os.path.abspath(self._store_root)
        if os.environ.get("IBC_STORE"):
            return os.path.abspath(os.environ["IBC_STORE"])
        return os.path.join(self.project_root, ".ibc")

    def folder(self, commit: str) -> str:
        if len(commit) != 40 or any(c not in "0123456789abcdef" for c in commit):
            raise SnapshotError(f"not a commit id: {commit!r}")
        return os.path.join(self.store_root, "snapshots", commit)

    def path(self, commit: str, rel: str) -> str:
        parts = rel.split("/")
        stems = [p.removesuffix(".py") for p in parts]
        if not all(s.isidentifier() for s in stems):
            raise SnapshotError(f"not a module path: {rel!r}")
        folder = self.folder(commit)
        out = os.path.join(folder, *parts)
        if os.path.commonpath([folder, os.path.abspath(out)]) != folder:
            raise SnapshotError(f"{rel!r} escapes the snapshot folder")
        self._no_links(out)
        return out

    def _no_links(self, path: str) -> None:
        """Refuse a symbolic link anywhere below the store root on the way to `path`: a link
        planted in `.ibc/snapshots/` would make a snapshot write outside the store (the store
        folder itself may be a link, to a shared disk)."""
        root = self.store_root
        here = root
        for part in os.path.relpath(path, root).split(os.sep):
            here = os.path.join(here, part)
            if os.path.islink(here):
                raise SnapshotError(
                    f"{here} is a symbolic link: snapshots never follow links inside the store "
                    "(remove it; the snapshot is written again)"
                )

    # -- provider interface ---------------------------------------------------------------

    def tops(self, commit: str):
        return self._commit_meta(commit)["tops"]

    def is_dir(self, commit: str, rel: str) -> bool:
        return rel in self._commit_meta(commit)["dirs"]

    def origin(self, commit: str, rel: str) -> str:
        return self.path(commit, rel)

    def read(self, commit: str, rel: str) -> bytes | None:
        meta = self._commit_meta(commit)
        if rel not in meta["files"]:
            return None
        target = self.path(commit, rel)
        try:
            with open(target, "rb") as fh:
                return fh.read()
        except OSError:
            pass
        data = self._git_read(commit, [rel]).get(rel)
        if data is None:
            raise SnapshotError(f"{rel} cannot be read at {commit[:12]}")
        replace_atomically(target, data)
        return data

    def materialize(self, commit: str, files: list[str]) -> list[str]:
        """Write `files` (project-relative) of `commit` into its snapshot now, in one git
        call for those missing; returns their paths."""
        missing = [rel for rel in files if not os.path.exists(self.path(commit, rel))]
        if missing:
            for rel, data in self._git_read(commit, missing).items():
                if data is None:
                    raise SnapshotError(f"{rel} does not exist at {commit[:12]}")
                replace_atomically(self.path(commit, rel), data)
        return [self.path(commit, rel) for rel in files]

    def python_sources(self, commit: str) -> tuple[list[str], dict[str, bytes]]:
        """The commit's file list, and the bytes of every `*.py` file of it that can be
        imported (each path component an identifier), materialized first: what a worker
        without the repository needs to serve the snapshot (docs/running.md, "Running on a
        cluster")."""
        meta = self._commit_meta(commit)
        importable = sorted(
            rel
            for rel in meta["files"]
            if rel.endswith(".py")
            and all(p.removesuffix(".py").isidentifier() for p in rel.split("/"))
        )
        sources = {}
        for rel, path in zip(importable, self.materialize(commit, importable)):
            with open(path, "rb") as fh:
                sources[rel] = fh.read()
        return sorted(meta["files"]), sources

    # -- the commit's file list -----------------------------------------------------------

    def _commit_meta(self, commit: str) -> dict:
        meta = self._meta.get(commit)
        if meta is not None:
            return meta
        import json

        path = os.path.join(self.folder(commit), ".ibc-snapshot.json")
        try:
            with open(path, encoding="utf-8") as fh:
                files = json.load(fh)["files"]
        except (OSError, ValueError, KeyError, TypeError):
            files = self._git_files(commit)
            replace_atomically(path, json.dumps({"commit": commit, "files": files}).encode())
        files = [f for f in files if isinstance(f, str)]
        dirs = set()
        for f in files:
            parts = f.split("/")
            for i in range(1, len(parts)):
                dirs.add("/".join(parts[:i]))
        meta = {
            "files": frozenset(files),
            "dirs": dirs,
            "tops": frozenset(f.split("/")[0].partition(".")[0] for f in files),
        }
        self._meta[commit] = meta
        return meta

    # -- git --------------------------------------------------------------------------------

    def _git(self, args: list[str], stdin: bytes | None = None, cwd: str | None = None):
        import subprocess

        self.git_calls += 1
        env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
        try:
            return subprocess.run(
                ["git", "-C", cwd or self._toplevel()[0], *args],
                input=stdin,
                capture_output=True,
                env=env,
                check=False,
            )
        except OSError as exc:
            raise SnapshotError(f"pinned code needs git, which cannot be run: {exc}") from None

    def _toplevel(self) -> tuple[str, str]:
        if self._repo is None:
            root = self.project_root
            done = self._git(["rev-parse", "--show-toplevel", "--show-prefix"], cwd=root)
            if done.returncode != 0:
                raise SnapshotError(f"pinned code needs a git repository; {root} is not in one")
            lines = done.stdout.decode("utf-8", "replace").splitlines()
            self._repo = (lines[0], lines[1] if len(lines) > 1 else "")
        return self._repo

    def _git_files(self, commit: str) -> list[str]:
        toplevel, prefix = self._toplevel()
        args = ["ls-tree", "-r", "-z", "--name-only", "--full-tree", commit]
        if prefix:
            args += ["--", prefix]
        done = self._git(args)
        if done.returncode != 0:
            raise SnapshotError(f"commit {commit[:12]} is not in the repository at {toplevel}")
        names = done.stdout.decode("utf-8", "surrogateescape").split("\0")
        return [p[len(prefix) :] for p in names if p and p.startswith(prefix)]

    def _git_read(self, commit: str, files: list[str]) -> dict[str, bytes | None]:
        _, prefix = self._toplevel()
        stdin = "".join(f"{commit}:{prefix}{rel}\n" for rel in files).encode()
        data = self._git(["cat-file", "--batch"], stdin).stdout
        out: dict[str, bytes | None] = {}
        pos = 0
        for rel in files:
            end = data.find(b"\n", pos)
            header = data[pos:end].split() if end >= 0 else []
            pos = end + 1
            if len(header) == 3 and header[1] == b"blob":
                size = int(header[2])
                out[rel] = data[pos : pos + size]
                pos += size + 1
            else:
                if len(header) == 3:
                    pos += int(header[2]) + 1
                out[rel] = None
        return out


_installed: _IbcSnapshotFinder | None = None


def install(snapshots: DiskSnapshots | None = None) -> _IbcSnapshotFinder:
    """Put the snapshot finder first on `sys.meta_path` (once per process; `snapshots`
    replaces the provider, for tests)."""
    global _installed
    if _installed is None:
        _installed = _IbcSnapshotFinder(snapshots or DiskSnapshots())
        sys.meta_path.insert(0, _installed)
    elif snapshots is not None:
        _installed.provider = snapshots
    return _installed


def snapshot_module(commit: str, module: str) -> str:
    return f"{PREFIX}{commit}.{module}"
