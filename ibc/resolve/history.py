"""The history of one Python function in git (docs/revisions.md, "History sweeps" and "Tools").

`function_history(repo, base, rel, name)` lists, newest first, the commits of HEAD's
first-parent chain in which the function (or class) `name` of the project file `rel` changed:
its own source, or a project helper that its fingerprint covers (docs/running.md, "What is
recomputed"). `ibc log` prints that list and `history(f)` makes a sweep axis of it, so both
always agree.

A commit is a version when the code that the fingerprint of `name` covers (its own
definition and the project helpers it uses, each as normalized source: `code_identity`)
differs after it from before it (its first parent). The walk goes from HEAD towards the root
and stops at the first commit before which `name` does not exist (the version that added it),
at `since`, or after `limit` versions. It follows:
- the file renamed or moved (git's rename detection, `-M`, as `git log --follow` does for
  one file), from the commit that renamed it on;
- the function moved to another file under the same name: when its file did not define it
  before a commit, but exactly one other file that this commit changed did, the walk goes on
  in that file.
A function whose *name* changed is not followed: the commit that gave it its name is where
its history starts (with a note, `ended`).

Git is run a fixed number of times, whatever the length of the history: one `git ls-tree`
of HEAD (the Python files with their blob ids), one `git log --first-parent -M --raw` of the
commits that changed the folders holding Python files today (with the blob ids of the files
each changed; one more with `since`), then `git cat-file --batch` for the contents the walk
needs (a few calls for HEAD's imports, one for all the older versions; a moved function
costs one more). The walk keeps the tree of the commit it is at (path → blob id), starting
from HEAD and undoing each commit's changes, so no commit's tree is ever listed again. A
commit that changed only the bodies of definitions the function does not use is passed over
on its text (`_outside_closure`), without parsing. A walk is kept on disk by HEAD's commit,
and a newer HEAD walks only the commits since.
"""

from __future__ import annotations

import ast
import copy
from pathlib import Path

from ibc.base.cachedir import digest, read_checked, write_checked
from ibc.base.records import field, record
from ibc.resolve.fingerprint import Fingerprints
from ibc.resolve.pinned import PinnedIndex
from ibc.resolve.pyinterface import PythonIndex
from ibc.resolve.revisions import GitProblem, Repo

_SEP = "\x01"  # starts each commit's header in the log


@record
class Version:
    """One commit that changed the function: `path`/`module` its file there (project
    relative) and module, `status` "added", "changed" or "moved" (its file renamed or the
    function moved into it), `helpers` True when only the code it depends on changed, `old`
    and `new` its own source before and after (None when it did not exist)."""

    commit: str
    date: str
    subject: str
    path: str
    module: str
    status: str
    helpers: bool
    old: str | None
    new: str | None


@record(mutable=True)
class History:
    """`versions` newest first; `head` the HEAD commit and `head_fingerprint` the function's
    fingerprint there ("" when HEAD does not define it); `ended` (commit, subject, path) of
    the commit before which the function did not exist in a file that did (its history
    starts after it), None when it starts with its file or the walk stopped earlier;
    `reached_since` whether the walk met `since`."""

    versions: list[Version] = field(default_factory=list)
    head: str = ""
    head_fingerprint: str = ""
    head_code: tuple = ()  # `code_identity` at HEAD
    ended: tuple | None = None
    reached_since: bool = False
    indexes: dict = field(default_factory=dict)  # commit -> the PinnedIndex of that version


class _Blobs:
    """File contents by blob id, read in batches with `git cat-file --batch`."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.data: dict[str, bytes | None] = {}

    def fetch(self, ids) -> None:
        todo = [b for b in dict.fromkeys(ids) if b not in self.data]
        if todo and self.repo.use_cache:  # blobs are immutable: kept on disk by their id
            for blob in todo:
                found = read_checked(self._path(blob))
                if found is not None:
                    self.data[blob] = found
            todo = [b for b in todo if b not in self.data]
        if not todo:
            return
        done = self.repo._git(["cat-file", "--batch"], "".join(f"{b}\n" for b in todo).encode())
        data, pos = done.stdout, 0
        for blob in todo:
            end = data.find(b"\n", pos)
            if end < 0:
                self.data[blob] = None
                continue
            header = data[pos:end].split()
            pos = end + 1
            if len(header) == 3 and header[1] == b"blob":
                size = int(header[2])
                self.data[blob] = data[pos : pos + size]
                pos += size + 1
            else:
                self.data[blob] = None
                if len(header) == 3:
                    pos += int(header[2]) + 1

    def _path(self, blob: str) -> Path:
        return self.repo._cache / "objects" / blob[:2] / blob

    def keep(self, ids) -> None:
        """Write the blobs `ids` (read already) to the disk cache."""
        if self.repo.use_cache:
            for blob in ids:
                data = self.data.get(blob)
                if data is not None and not self._path(blob).exists():
                    write_checked(self._path(blob), data)

    def get(self, blob: str) -> bytes | None:
        if blob not in self.data:
            self.fetch([blob])
        return self.data[blob]


class _Walk:
    """What the states of one walk share: the blobs read, their parses (by blob id), the
    normalized dumps of their statements, the files each state's imports need (by the blobs
    that decide them) and the layout of the project's Python files (by `epoch`, which moves
    when a commit adds, removes or renames one)."""

    def __init__(self, base: PythonIndex, repo: Repo) -> None:
        self.base = base
        self.repo = repo
        self.blobs = _Blobs(repo)
        self.parses: dict[str, object] = {}
        self.dumps: dict[int, str] = {}
        self.needed: dict[tuple, set[str]] = {}
        self.imports: dict[tuple, list[str]] = {}  # (blob, package) -> the modules it imports
        self.epoch = 0
        self.layouts: dict[int, tuple] = {}

    def parse(self, blob: str):
        if blob not in self.parses:
            data = self.blobs.get(blob)
            if data is None:
                raise OSError(f"blob {blob} cannot be read")
            try:
                self.parses[blob] = ast.parse(data)
            except (SyntaxError, ValueError, RecursionError) as exc:
                self.parses[blob] = exc
        found = self.parses[blob]
        if isinstance(found, Exception):
            raise found
        return found


class _StateFingerprints(Fingerprints):
    """Fingerprints at one state of the walk, sharing the walk's parses and dumps."""

    def __init__(self, index: _StateIndex) -> None:
        super().__init__(index)
        self._walk = index.walk

    def _parse(self, path: Path):
        blob = self.index.blob_ids.get(self.index.relative(path))
        if blob is None:
            raise OSError(f"{path} does not exist")
        return self._walk.parse(blob)

    def _dump(self, stmt) -> str:
        key = id(stmt)
        found = self._walk.dumps.get(key)
        if found is None:
            found = self._walk.dumps[key] = super()._dump(stmt)
        return found


class _StateIndex(PinnedIndex):
    """The project at one commit of the walk: its tree is the walk's (no `git ls-tree`), its
    files are read by blob id (no per-file git call)."""

    def __init__(self, walk: _Walk, commit: str, tree: dict) -> None:
        base = walk.base
        PythonIndex.__init__(self, base.project_root, base.search_path, use_cache=False)
        self.cache = base.cache
        self.base = base
        self.repo = walk.repo
        self.walk = walk
        self.commit = commit
        self.blob_ids = dict(tree)
        self.blobs = walk.blobs
        self._root_text = str(self.project_root) + "/"
        layout = walk.layouts.get(walk.epoch)
        if layout is None:
            files = frozenset(tree)
            dirs: set[str] = set()
            for f in files:
                parts = f.split("/")
                for i in range(1, len(parts)):
                    dirs.add("/".join(parts[:i]))
            tops = {f.split("/")[0].partition(".")[0] for f in files}
            layout = walk.layouts[walk.epoch] = (files, dirs, tops)
        self.files, self.dirs, self.tops = layout
        self.lazy = True  # read a file not fetched yet (False: as if missing, see `_needed`)
        self.kept: set[str] = set()  # the files whose blobs a cached walk keeps

    def relative(self, path: Path | str) -> str:
        text = str(path)
        if text.startswith(self._root_text):  # the walk's own paths: root / relative
            return text[len(self._root_text) :]
        return super().relative(path)

    def read_source(self, path: Path | str) -> bytes:
        rel = self.relative(path)
        blob = self.blob_ids.get(rel)
        if blob is not None and not self.lazy and blob not in self.blobs.data:
            raise OSError(f"{path} is not read yet")
        data = self.blobs.get(blob) if blob is not None else None
        if data is None:
            raise OSError(f"{path} does not exist at {self.commit[:12]}")
        return data

    def at(self, commit: str) -> _StateIndex:
        """This index under the name of another commit with the same files (the walk's log
        lists only the commits that changed them)."""
        if commit == self.commit:
            return self
        other = copy.copy(self)
        other.commit = commit
        return other

    def parse_source(self, rel: str):
        blob = self.blob_ids.get(rel)
        if blob is None or (not self.lazy and blob not in self.blobs.data):
            raise OSError(f"{rel} is not read")
        return self.walk.parse(blob)

    def imports_of(self, rel: str, package: str) -> list[str]:
        blob = self.blob_ids.get(rel)
        if blob is None or blob not in self.blobs.data:
            return super().imports_of(rel, package)  # not read yet: nothing cached
        key = (blob, package)
        found = self.walk.imports.get(key)
        if found is None:
            found = self.walk.imports[key] = super().imports_of(rel, package)
        return found

    def fingerprint(self, module: str, name: str) -> str:
        if getattr(self, "_fingerprints", None) is None:
            self._fingerprints = _StateFingerprints(self)
        return self._fingerprints.of(module, name)


def _needed(index: _StateIndex, module: str, before: set[str]) -> set[str]:
    """The project files importing `module` at the index's commit runs (its own file
    included), their contents fetched a level of imports at a time; `before` the files of
    the state after this one: when none of them changed, nor the layout, neither did this."""
    walk = index.walk
    key = (walk.epoch, module, frozenset((f, index.blob_ids.get(f)) for f in before))
    if before and key in walk.needed:
        return walk.needed[key]
    index.lazy = False
    try:
        while True:
            wanted = set(index.needed_files(module))
            missing = [index.blob_ids[f] for f in wanted if f in index.blob_ids]
            missing = [b for b in missing if b not in index.blobs.data]
            if not missing:
                break
            index.blobs.fetch(missing)
    finally:
        index.lazy = True
    walk.needed[(walk.epoch, module, frozenset((f, index.blob_ids.get(f)) for f in wanted))] = (
        wanted
    )
    return wanted


_PYTHON = (".py", ".pyi")


def _log(repo: Repo, roots: list[str], since: str | None = None) -> list:
    """The commits of HEAD's first-parent chain that changed something under `roots` (the
    project's top-level folders and files that hold Python files today), newest first (down
    to the commit after `since`, when given): (commit, date, subject, changes, first
    parent), each change (status, old blob, new blob, path, new path or None) of a Python
    file (paths project relative; only Python files are ever imported)."""
    done = repo._git(
        [
            "log",
            "--first-parent",
            "-M",
            "--raw",
            "--no-abbrev",
            "-z",
            f"--format={_SEP}%H%x09%P%x09%ad%x09%s",
            "--date=short",
            f"{since}..HEAD" if since else "HEAD",
            "--",
            *(repo.prefix + root for root in roots),
        ]
    )
    if done.returncode != 0:
        return []
    text = done.stdout.decode("utf-8", "surrogateescape")
    prefix = repo.prefix
    cut = len(prefix)
    out = []
    for chunk in text.split(_SEP)[1:]:
        header, _, rest = chunk.partition("\0")
        commit, _, tail = header.partition("\t")
        parents, _, tail = tail.partition("\t")
        date, _, subject = tail.partition("\t")
        parent = parents.split(" ")[0]
        changes = []
        if ".py" in rest:
            fields = rest.lstrip("\n").split("\0")
            i = 0
            while i < len(fields) and fields[i][:1] == ":":
                meta = fields[i].split()
                status = meta[4][:1] if len(meta) > 4 else "M"
                paths = 2 if status in ("R", "C") else 1
                names = fields[i + 1 : i + 1 + paths]
                i += 1 + paths
                if len(meta) < 5 or len(names) < paths:
                    break
                if not any(p.endswith(_PYTHON) and p.startswith(prefix) for p in names):
                    continue
                rels = [p[cut:] if p.startswith(prefix) else None for p in names]
                changes.append((status, meta[2], meta[3], rels[0], rels[1] if paths == 2 else None))
        out.append((commit, date, subject, changes, parent))
    return out


def _head_tree(repo: Repo, head: str) -> dict[str, str]:
    """The project's Python files at HEAD, with their blob ids."""
    args = ["ls-tree", "-r", "-z", "--full-tree", head]
    if repo.prefix:
        args += ["--", repo.prefix]
    done = repo._git(args)
    if done.returncode != 0:
        raise GitProblem("E0602", revision=head, near=[])
    tree: dict[str, str] = {}
    cut = len(repo.prefix)
    for entry in done.stdout.decode("utf-8", "surrogateescape").split("\0"):
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == "blob" and path.startswith(repo.prefix):
            if path.endswith(_PYTHON):
                tree[path[cut:]] = parts[2]
    return tree


def _undo(tree: dict[str, str], changes: list) -> bool:
    """Turn the tree after a commit into the tree before it; True when Python files were
    added, removed or renamed (the layout of modules changed)."""
    moved = False
    for status, old, _new, path, new_path in changes:
        if status in ("R", "C"):
            moved = True
            if new_path is not None:
                tree.pop(new_path, None)
            if path is not None and path.endswith(_PYTHON):
                tree[path] = old
        elif status == "A":
            moved = True
            if path is not None:
                tree.pop(path, None)
        elif path is not None:
            moved = moved or status == "D"
            tree[path] = old
    return moved


def _own_source(index: _StateIndex, path: str, name: str) -> str | None:
    """The source text of the top-level definition `name` of the file `path` (decorators
    first)."""
    blob = index.blob_ids.get(path)
    if blob is None:
        return None
    try:
        tree = index.walk.parse(blob)
        text = index.blobs.get(blob).decode("utf-8")  # type: ignore[union-attr]
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    head = name.split(".")[0]
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    for node in tree.body:
        if isinstance(node, kinds) and node.name == head:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            lines = text.splitlines()
            return "\n".join(lines[first - 1 : node.end_lineno])
    return None


def module_of(rel: str) -> str:
    """The module a project file is imported as: `src/features.py` → `src.features`."""
    stem = rel.rpartition(".")[0]
    parts = stem.split("/")
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def code_identity(fingerprints, module: str, name: str, file: Path | None = None) -> tuple:
    """What a version is: the normalized source of each definition the fingerprint of
    `module.name` covers, by name, without the modules they live in (a file renamed or a
    function moved, its code the same, is the same version)."""
    return tuple((entry[0], entry[3]) for entry in fingerprints.closure(module, name, file))


class _State:
    """What the walk knows of the function at one commit (`before`: the files the state
    after it needed)."""

    def __init__(self, index: _StateIndex, path: str, name: str, before: set[str]) -> None:
        self.index = index
        self.path = path
        self.module = module_of(path)
        self.needed: set[str] = set()
        self.fingerprint = ""
        self.source: str | None = None
        self.code: tuple = ()
        if path in index.files:
            self.needed = _needed(index, self.module, before) | {path}
            index.kept |= self.needed
            self.fingerprint = index.fingerprint(self.module, name)
        if self.fingerprint:
            self.source = _own_source(index, path, name)
            self.code = code_identity(index._fingerprints, self.module, name)

    def at(self, index: _StateIndex) -> _State:
        """This state's function at another commit where its code is the same."""
        other = _State.__new__(_State)
        other.__dict__.update(self.__dict__)
        other.index = index
        index.kept |= self.needed
        return other


def _outside_closure(walk: _Walk, state: _State, changes: list, tree: dict) -> bool:
    """Whether the commit `changes` (undone from `tree`, the tree of `state`) changed only
    lines inside the bodies of top-level definitions that the function's code does not
    include: then the code before it is `state.code`, without parsing anything. Decided on
    the text, conservatively: every changed line, before and after, is indented (so no
    top-level statement appears, goes or changes its header), and the lines that changed lie
    within one `def` or `class` whose name is none of those the code covers."""
    names = {entry[0] for entry in state.code}
    for status, old, _new, path, new_path in changes:
        if path not in state.needed and new_path not in state.needed:
            continue
        if status != "M" or path not in tree:
            return False  # a needed file renamed, added or removed
        try:
            after = _lines(walk.blobs.get(tree[path]))
            before = _lines(walk.blobs.get(old))
            module = walk.parse(tree[path])
        except (
            AttributeError,
            OSError,
            SyntaxError,
            UnicodeDecodeError,
            ValueError,
            RecursionError,
        ):
            return False
        top = 0
        limit = min(len(after), len(before))
        while top < limit and after[top] == before[top]:
            top += 1
        bottom = 0
        while bottom < limit - top and after[-1 - bottom] == before[-1 - bottom]:
            bottom += 1
        changed = after[top : len(after) - bottom] + before[top : len(before) - bottom]
        if any(line[:1] not in (" ", "\t") for line in changed if line.strip()):
            return False
        first, last = top + 1, len(after) - bottom  # 1-based lines changed (after)
        for stmt in module.body:
            start = min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", ()))])
            if start <= top and last <= (stmt.end_lineno or 0) and first > stmt.lineno:
                kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
                if isinstance(stmt, kinds) and stmt.name not in names:
                    break
                return False
        else:
            return False
    return True


def _lines(data: bytes | None) -> list[str]:
    if data is None:
        raise OSError("a blob cannot be read")
    return data.decode("utf-8").split("\n")


_FORMAT = 1  # of the cached walks: raised when what a walk finds changes


def function_history(
    repo: Repo,
    base: PythonIndex,
    rel: str,
    name: str,
    *,
    since: str | None = None,
    limit: int | None = None,
) -> History:
    """The versions of `name` (a top-level name of the project file `rel`), newest first;
    `since` a full commit id of the first-parent chain (the walk stops at the version in
    effect there), `limit` the most versions wanted. Raises `GitProblem`.

    A walk is kept on disk, keyed by HEAD's commit (commits never change), with the trees of
    its versions and the blobs their imports need, so a check that runs it again runs one
    git call (to resolve HEAD); after new commits, only those are walked (`git log
    OLD..HEAD`), and the rest comes from the walk of the older HEAD."""
    head = repo.resolve(["HEAD"]).get("HEAD")
    if head is None:
        return History()  # no commit yet
    walk = _Walk(base, repo)
    key = digest(f"{_FORMAT}\0{head}\0{rel}\0{name}\0{since}\0{limit}".encode())
    path = repo._cache / "history" / f"{key}.json"
    latest = (
        repo._cache
        / "history"
        / (digest(f"{_FORMAT}\0{rel}\0{name}\0{since}\0{limit}".encode()) + ".latest")
    )
    previous = None
    if repo.use_cache:
        found = _load(path, walk)
        if found is not None:
            return found
        older = read_checked(latest)  # the walk of the HEAD this one last ran at
        if older is not None:
            older_key = digest(
                f"{_FORMAT}\0{older.decode()}\0{rel}\0{name}\0{since}\0{limit}".encode()
            )
            previous = _load(repo._cache / "history" / f"{older_key}.json", walk)
    history = _walk_history(walk, head, rel, name, since, limit, previous)
    if repo.use_cache:
        _save(path, history, walk)
        write_checked(latest, head.encode())
    return history


def _save(path: Path, history: History, walk: _Walk) -> None:
    import json

    trees = {}
    for commit, index in history.indexes.items():
        trees[commit] = index.blob_ids
        walk.blobs.keep(blob for rel, blob in index.blob_ids.items() if rel in index.kept)
    data = {
        "versions": [[getattr(v, f) for f in Version.__record_fields__] for v in history.versions],
        "head": history.head,
        "head_fingerprint": history.head_fingerprint,
        "head_code": [list(c) for c in history.head_code],
        "ended": list(history.ended) if history.ended else None,
        "reached_since": history.reached_since,
        "trees": trees,
    }
    write_checked(path, json.dumps(data).encode())


def _load(path: Path, walk: _Walk) -> History | None:
    import json

    payload = read_checked(path)
    if payload is None:
        return None
    try:
        data = json.loads(payload)
        history = History(
            [Version(*v) for v in data["versions"]],
            data["head"],
            data["head_fingerprint"],
            tuple(tuple(c) for c in data["head_code"]),
            tuple(data["ended"]) if data["ended"] else None,
            bool(data["reached_since"]),
        )
        for commit, tree in data["trees"].items():
            history.indexes[commit] = _StateIndex(walk, commit, tree)
            walk.epoch += 1  # each its own layout
    except (ValueError, TypeError, KeyError):
        return None
    return history


def _walk_history(
    walk: _Walk,
    head: str,
    rel: str,
    name: str,
    since: str | None,
    limit: int | None,
    previous: History | None = None,
) -> History:
    """`function_history` without its disk cache. Given the `previous` walk of an older
    HEAD, only the commits since it are walked, when it is HEAD's first-parent ancestor."""
    history = History()
    history.head = head
    repo = walk.repo
    tree = _head_tree(repo, head)
    roots = sorted({path.split("/")[0] for path in tree})
    if previous is not None and not is_ancestor(repo, previous.head, head):
        previous = None  # a rebase, another branch: the whole walk
    commits = _log(repo, roots, previous.head if previous is not None else None)
    newer = None  # the commits after `since`
    if since is not None:
        newer = {c[0] for c in _log(repo, roots, since)}
    state = _State(_StateIndex(walk, head, tree), rel, name, set())
    history.head_fingerprint = state.fingerprint
    history.head_code = state.code
    if not state.fingerprint:
        if rel in tree:  # its file is committed, without it
            history.ended = (head, _subject(commits, head), rel)
        return history
    history.indexes[head] = state.index
    _prefetch(commits, tree, state.needed, walk.blobs)
    at_since: int | None = None  # the versions found when the walk met `since`
    for position, (commit, date, subject, changes, parent) in enumerate(commits):
        if newer is not None and at_since is None and commit not in newer:
            history.reached_since = True  # `since` or older: the version in effect there
            at_since = len(history.versions)
        touched = {p for c in changes for p in (c[3], c[4]) if p is not None}
        if not touched & state.needed:
            if changes and _undo(tree, changes):
                walk.epoch += 1
            continue
        path = state.path
        moved = False
        for status, _old, _new, old_path, new_path in changes:
            if status == "R" and new_path == path and old_path is not None:
                path, moved = old_path, True
        unchanged = not moved and _outside_closure(walk, state, changes, tree)
        if _undo(tree, changes):
            walk.epoch += 1
        if unchanged:  # only the bodies of definitions it does not use changed: same code
            state = state.at(_StateIndex(walk, parent, tree))
            continue
        before = _State(_StateIndex(walk, parent, tree), path, name, state.needed)
        if not before.fingerprint:
            found = _moved_from(walk, parent, tree, changes, path, name)
            if found is not None:
                before, moved = found, True
        if moved:
            _prefetch(commits[position + 1 :], tree, before.needed, walk.blobs)
        if before.code != state.code:
            status = "changed"
            if not before.fingerprint:
                status = "added"
            elif moved:
                status = "moved"
            history.versions.append(
                Version(
                    commit,
                    date,
                    subject,
                    state.path,
                    state.module,
                    status,
                    before.source == state.source,
                    before.source,
                    state.source,
                )
            )
            history.indexes[commit] = state.index.at(commit)
        if not before.fingerprint:
            if parent and before.path in before.index.files:
                history.ended = (parent, _subject(commits, parent), before.path)
            return history
        state = before
        if at_since is not None and len(history.versions) > at_since:
            return history  # the version in effect at `since` is the last one
        if limit is not None and len(history.versions) >= limit:
            return history
    if previous is not None:  # at the previous walk's HEAD: the rest is that walk's
        if state.code != previous.head_code or state.path != _head_path(previous, rel):
            return _walk_history(walk, head, rel, name, since, limit)
        kept = previous.versions[: None if limit is None else limit - len(history.versions)]
        history.versions += kept
        history.indexes.update({v.commit: previous.indexes[v.commit] for v in kept})
        history.ended = previous.ended if len(kept) == len(previous.versions) else None
        history.reached_since = history.reached_since or previous.reached_since
    return history


def _head_path(history: History, rel: str) -> str:
    """The function's file at the HEAD of a walk: its newest version's, today's without one."""
    return history.versions[0].path if history.versions else rel


def _subject(commits: list, commit: str) -> str:
    """The subject of `commit` when the log lists it ("" when it changed nothing there)."""
    return next((c[2] for c in commits if c[0] == commit), "")


def is_ancestor(repo: Repo, older: str, head: str) -> bool:
    """Whether `older` is `head` or one of its ancestors."""
    return repo._git(["merge-base", "--is-ancestor", older, head]).returncode == 0


def _moved_from(walk: _Walk, parent: str, tree: dict, changes, path: str, name: str):
    """The state of `name` in the one other file that defined it before this commit (a
    function moved between files under its name), or None."""
    candidates = []
    for status, _old, _new, old_path, _new_path in changes:
        if status in ("M", "D", "R") and old_path and old_path != path and old_path in tree:
            if old_path.endswith(".py"):
                candidates.append(old_path)
    walk.blobs.fetch([tree[p] for p in candidates])
    found = []
    index = _StateIndex(walk, parent, tree)
    for candidate in candidates:
        state = _State(index, candidate, name, set())
        if state.fingerprint:
            found.append(state)
    return found[0] if len(found) == 1 else None


def _prefetch(commits: list, tree: dict, needed: set[str], blobs: _Blobs) -> None:
    """Read in one `git cat-file --batch` every version of the `needed` files (and those
    renamed into them) that the walk may meet along `commits`."""
    wanted = {tree[p] for p in needed if p in tree}
    names = set(needed)
    for _commit, _date, _subject, changes, _parent in commits:
        for status, old, _new, path, new_path in changes:
            if status in ("R", "C") and new_path in names and path is not None:
                names.add(path)
            if path in names and set(old) != {"0"}:
                wanted.add(old)
    blobs.fetch(wanted)
