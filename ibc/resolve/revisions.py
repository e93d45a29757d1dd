"""Git revisions for pinned references (docs/revisions.md): validate, resolve, read old files.

`name @ "rev"` names a Python reference as it was at a git revision. This module is the only
place the compiler talks to git, always as `git` with an argument list (never a shell), in
the repository that holds the project root:

- `check_revision(text)` rejects what is not a revision before git sees it: an empty string,
  a leading `-` (it would read as an option: `--output=/tmp/x`), whitespace or control
  characters, `..` (a range is not a revision), `:` (a path at a revision is not one
  either) and shell metacharacters (`;`, `|`, `&`, `$`, backquote, ...: harmless, since no
  shell is used, but rejected for clarity).
- `Repo.open(root)` finds the repository (`git rev-parse --show-toplevel --show-prefix`)
  and raises `GitProblem` with E0605 (not a repository) or E0606 (git is not installed).
- `Repo.resolve(revs)` resolves many revisions to full commit ids in ONE `git cat-file
  --batch-check` call; full ids already known to exist are answered from an on-disk cache
  (commits are immutable) without running git.
- `Repo.read(commit, paths)` reads many files at a commit in ONE `git cat-file --batch`
  call (no checkout, the working tree untouched); `Repo.tree(commit)` lists the project's
  files at a commit. Both are cached on disk under `ibc.base.cachedir.cache_dir()/revisions`,
  keyed by commit, so a warm check with commit ids runs no git at all.
- `Repo.near(rev)` gives tags and branches near a mistyped revision (for hints).

Paths handed to and returned by `read`/`tree` are relative to the project root, `/`-separated.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    import subprocess

from ibc.base.cachedir import cache_dir, digest, read_checked, write_checked

FULL_ID = re.compile(r"[0-9a-f]{40}")
_FORBIDDEN = set(";|&$`<>\\\"'*?[]!(){}#")


class GitProblem(Exception):
    """A revision cannot be used: `code` is the diagnostic (E06xx), `args` its arguments."""

    def __init__(self, code: str, **args: object) -> None:
        super().__init__(code)
        self.code = code
        self.args_ = args


def check_revision(text: str) -> str | None:
    """Why `text` is not acceptable as a revision, or None when it may be given to git."""
    if not text:
        return "it is empty"
    if text.startswith("-"):
        return "it starts with `-` and would be read as an option"
    if any(c.isspace() for c in text):
        return "it contains whitespace"
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        return "it contains a control character"
    if ".." in text:
        return "`..` makes it a range of commits, not one revision"
    if ":" in text:
        return "`:` names a path inside a revision, not a revision"
    bad = sorted({c for c in text if c in _FORBIDDEN})
    if bad:
        return "it contains " + ", ".join(f"`{c}`" for c in bad)
    if len(text) > 200:
        return "it is longer than 200 characters"
    return None


def _json():
    import json  # the disk cache of revisions only

    return json


def run_git(cwd: Path, args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess:
    """`git -C cwd args…` without a shell; raises GitProblem E0606 when git is missing."""
    import subprocess  # only a file with revisions runs git (`ibc check` of others never does)

    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
    try:
        return subprocess.run(
            ["git", "-C", str(cwd), *args],
            input=stdin,
            capture_output=True,
            env=env,
            check=False,
        )
    except FileNotFoundError:
        raise GitProblem("E0606") from None
    except OSError as exc:
        raise GitProblem("E0606", reason=str(exc)) from None


class Repo:
    """The git repository around a project root; `prefix` is the project root's path
    inside the repository (`""` or `"sub/dir/"`)."""

    _opened: ClassVar[dict[str, Repo]] = {}

    def __init__(self, root: Path, toplevel: Path, prefix: str, use_cache: bool = True) -> None:
        self.root = root
        self.toplevel = toplevel
        self.prefix = prefix
        self.use_cache = use_cache
        self.git_calls = 0  # for tests and benchmarks
        self._cache = cache_dir() / "revisions" / digest(str(toplevel).encode())
        self._known: set[str] | None = None  # full commit ids known to exist
        self._trees: dict[str, frozenset[str]] = {}
        self._blobs: dict[tuple[str, str], bytes | None] = {}

    @classmethod
    def open(cls, root: Path, use_cache: bool = True) -> Repo:
        """The repository holding `root`; raises GitProblem (E0605, E0606)."""
        root = Path(root).resolve()
        key = f"{root}\0{use_cache}"
        if key in cls._opened:
            return cls._opened[key]
        done = run_git(root, ["rev-parse", "--show-toplevel", "--show-prefix"])
        if done.returncode != 0:
            raise GitProblem("E0605", root=str(root))
        lines = done.stdout.decode("utf-8", "replace").splitlines()
        toplevel = Path(lines[0]).resolve() if lines else root
        prefix = lines[1] if len(lines) > 1 else ""
        repo = cls(root, toplevel, prefix, use_cache)
        cls._opened[key] = repo
        return repo

    def _git(self, args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess:
        self.git_calls += 1
        return run_git(self.toplevel, args, stdin)

    # ------------------------------------------------------------------ resolving

    def resolve(self, revisions: list[str]) -> dict[str, str | None]:
        """Each revision's full commit id (None: unknown), in one git call at most.
        Revisions must have passed `check_revision`."""
        out: dict[str, str | None] = {}
        known = self._known_ids()
        todo = []
        for rev in dict.fromkeys(revisions):
            if FULL_ID.fullmatch(rev) and rev in known:
                out[rev] = rev
            else:
                todo.append(rev)
        if not todo:
            return out
        stdin = "".join(f"{rev}^{{commit}}\n" for rev in todo).encode()
        done = self._git(["cat-file", "--batch-check"], stdin)
        lines = done.stdout.decode("utf-8", "replace").splitlines()
        fresh = False
        for rev, line in zip(todo, lines):
            parts = line.split()
            if len(parts) == 3 and parts[1] == "commit" and FULL_ID.fullmatch(parts[0]):
                out[rev] = parts[0]
                if parts[0] not in known:
                    known.add(parts[0])
                    fresh = True
            else:
                out[rev] = None
        for rev in todo[len(lines) :]:
            out[rev] = None
        if fresh:
            self._save_known()
        return out

    def is_symbolic(self, revision: str) -> bool:
        """A revision that may come to name another commit (a branch, a tag, `HEAD~2`)."""
        return not FULL_ID.fullmatch(revision)

    def near(self, revision: str, limit: int = 3) -> list[str]:
        """Tags and branches whose names are near `revision`, newest tags first."""
        from ibc.base.spell import nearest

        done = self._git(
            [
                "for-each-ref",
                "--sort=-creatordate",
                "--format=%(refname:short)",
                "refs/tags",
                "refs/heads",
            ]
        )
        names = [n for n in done.stdout.decode("utf-8", "replace").splitlines() if n]
        found = nearest(revision, names)
        return list(found[:limit]) if found else names[:limit]

    # ------------------------------------------------------------------ reading files

    def tree(self, commit: str) -> frozenset[str]:
        """The project's files at `commit`, relative to the project root."""
        if commit in self._trees:
            return self._trees[commit]
        path = self._cache / f"tree-{commit}.json"
        files: list[str] | None = None
        if self.use_cache:
            payload = read_checked(path)  # verified by its checksum
            try:
                files = None if payload is None else _json().loads(payload)
            except ValueError:
                files = None
            if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
                files = None
        if files is None:
            args = ["ls-tree", "-r", "-z", "--name-only", "--full-tree", commit]
            if self.prefix:
                args += ["--", self.prefix]
            done = self._git(args)
            if done.returncode != 0:
                raise GitProblem("E0602", revision=commit, near=[])
            cut = len(self.prefix)
            files = [
                p[cut:]
                for p in done.stdout.decode("utf-8", "surrogateescape").split("\0")
                if p and p.startswith(self.prefix)
            ]
            if self.use_cache:
                write_checked(path, _json().dumps(files).encode())
        result = frozenset(files)
        self._trees[commit] = result
        return result

    def read(self, commit: str, paths: list[str]) -> dict[str, bytes | None]:
        """The contents of `paths` (project-relative) at `commit`; None for a missing one."""
        out: dict[str, bytes | None] = {}
        todo = []
        for rel in dict.fromkeys(paths):
            key = (commit, rel)
            if key in self._blobs:
                out[rel] = self._blobs[key]
                continue
            cached = self._cached_blob(commit, rel)
            if cached is not None:
                self._blobs[key] = out[rel] = cached[0]
            else:
                todo.append(rel)
        if todo:
            stdin = "".join(f"{commit}:{self.prefix}{rel}\n" for rel in todo).encode()
            done = self._git(["cat-file", "--batch"], stdin)
            data = done.stdout
            pos = 0
            for rel in todo:
                end = data.find(b"\n", pos)
                if end < 0:
                    out[rel] = None
                    continue
                header = data[pos:end].split()
                pos = end + 1
                content: bytes | None = None
                if len(header) == 3 and header[1] == b"blob":
                    size = int(header[2])
                    content = data[pos : pos + size]
                    pos += size + 1
                elif len(header) == 3:  # a tree or another object: skip its body
                    pos += int(header[2]) + 1
                self._blobs[(commit, rel)] = out[rel] = content
                self._store_blob(commit, rel, content)
        return out

    def read_one(self, commit: str, path: str) -> bytes | None:
        return self.read(commit, [path])[path]

    # ------------------------------------------------------------------ disk cache

    def _known_ids(self) -> set[str]:
        if self._known is None:
            self._known = set()
            if self.use_cache:
                payload = read_checked(self._cache / "commits.json")
                try:
                    data = _json().loads(payload) if payload is not None else []
                    self._known = {c for c in data if isinstance(c, str) and FULL_ID.fullmatch(c)}
                except (ValueError, TypeError):
                    pass
        return self._known

    def _save_known(self) -> None:
        if self.use_cache and self._known is not None:
            write_checked(self._cache / "commits.json", _json().dumps(sorted(self._known)).encode())

    def _blob_path(self, commit: str, rel: str) -> Path:
        return self._cache / "blobs" / commit[:2] / f"{commit}-{digest(rel.encode())}"

    def _cached_blob(self, commit: str, rel: str) -> tuple[bytes | None] | None:
        if not self.use_cache:
            return None
        data = read_checked(self._blob_path(commit, rel))  # verified by its checksum
        if data is None:
            return None
        if data[:1] == b"-":
            return (None,)
        return (data[1:],)

    def _store_blob(self, commit: str, rel: str, content: bytes | None) -> None:
        if self.use_cache:
            write_checked(self._blob_path(commit, rel), b"-" if content is None else b"+" + content)


def forget_repositories() -> None:
    """Drop the repositories opened in this process (tests change them under our feet)."""
    Repo._opened.clear()
