"""Pinned references: Python references read at a git revision (docs/revisions.md).

`clean @ "v1.0"` and `from "src/features.py" @ "v1.0" import clean` name `clean` as its file
defined it at `v1.0`. `Pins` does the resolve phase's part:

1. `prepare(modules, symbols)` walks the loaded `.ib` modules for revisions (the `@` of
   expressions and of path imports), validates each string (`revisions.check_revision`,
   E0607), opens the repository once (E0605, E0606) and resolves every revision in one git
   call (E0602 with near tags and branches as the hint), then reads the pinned files of
   each commit in one call per commit.
2. `target(sym, revision, at)` gives the `PinnedTarget` of one reference at one revision:
   the definition read from the old source by a `PinnedIndex` (E0603 for a file missing at
   that commit, E0604 for a name it does not define, E0608 for a reference that is not a
   file of the project), with the commit, the module name it runs under
   (`_ibc_rev_<commit>.<module>`) and the project files the pinned module needs at run time
   (its file, its packages' `__init__.py` and the project modules it imports, transitively).

`PinnedIndex` is a `PythonIndex` whose project modules are the files of the commit (read
with `git cat-file`, never checked out); installed modules are today's. Classes of project
modules read through it are `Nominal` types carrying the commit, so a pinned class is a type
distinct from today's.
"""

from __future__ import annotations

import ast
from pathlib import Path

from ibc.diagnostics.diagnostic import Diagnostics
from ibc.base.spell import nearest
from ibc.base.records import field, record
from ibc.resolve import pyfinder
from ibc.resolve.pyinterface import (
    ModuleInterface,
    PyClass,
    PyFunction,
    PyModuleRef,
    PythonIndex,
    PyValue,
    read_interface,
)
from ibc.resolve.pyrefs import definition_kind
from ibc.resolve.revisions import GitProblem, Repo, check_revision
from ibc.resolve.symbols import ModuleInfo, PyRefSym
from ibc.syntax import nodes as n
from ibc.base.typeterms import Nominal, Type

SNAPSHOT_PREFIX = "_ibc_rev_"


def snapshot_module(commit: str, module: str) -> str:
    """The module a pinned module runs as: `_ibc_rev_<commit>.src.features`."""
    return f"{SNAPSHOT_PREFIX}{commit}.{module}"


class PinnedIndex(PythonIndex):
    """The Python index of the project as it was at `commit`."""

    def __init__(self, base: PythonIndex, repo: Repo, commit: str) -> None:
        super().__init__(base.project_root, base.search_path, use_cache=False)
        self.cache = base.cache
        self.base = base
        self.repo = repo
        self.commit = commit
        self.files = repo.tree(commit)
        self.dirs: set[str] = set()
        for f in self.files:
            parts = f.split("/")
            for i in range(1, len(parts)):
                self.dirs.add("/".join(parts[:i]))
        self.tops = {f.split("/")[0].partition(".")[0] for f in self.files}

    def locate(self, dotted: str) -> pyfinder.ModuleLocation | None:
        if dotted in self._locations:
            return self._locations[dotted]
        found = self._locate(dotted)
        self._locations[dotted] = found
        return found

    def _locate(self, dotted: str) -> pyfinder.ModuleLocation | None:
        parts = dotted.split(".")
        if not all(p.isidentifier() for p in parts):
            return None
        if parts[0] not in self.tops:
            today = self.base.locate(dotted)
            return None if today is None or today.is_project else today
        rel = "/".join(parts)
        root = self.project_root
        for cand, is_package, is_stub in (
            (f"{rel}/__init__.pyi", True, True),
            (f"{rel}/__init__.py", True, False),
            (f"{rel}.pyi", False, True),
            (f"{rel}.py", False, False),
        ):
            if cand in self.files:
                return pyfinder.ModuleLocation(
                    dotted, root / cand, is_package, True, is_stub=is_stub, root=root
                )
        if rel in self.dirs:
            return pyfinder.ModuleLocation(dotted, None, True, True, root=root)
        return None

    def fingerprint(self, module: str, name: str) -> str:
        """The code fingerprint of `module.name` from the sources at the commit."""
        if getattr(self, "_fingerprints", None) is None:
            from ibc.resolve.fingerprint import Fingerprints

            self._fingerprints = Fingerprints(self)
        return self._fingerprints.of(module, name)

    def relative(self, path: Path | str) -> str:
        return Path(path).resolve().relative_to(self.project_root).as_posix()

    def read_source(self, path: Path | str) -> bytes:
        """The bytes of a project file at the commit (OSError when it did not exist)."""
        data = self.repo.read_one(self.commit, self.relative(path))
        if data is None:
            raise OSError(f"{path} does not exist at {self.commit[:12]}")
        return data

    def parse_source(self, rel: str) -> ast.Module:
        """The `ast` of a project file at the commit (OSError, SyntaxError, ValueError)."""
        return ast.parse(self.read_source(self.project_root / rel))

    def module(self, dotted: str) -> ModuleInterface | None:
        location = self.locate(dotted)
        if location is None:
            return None
        if not location.is_project:
            return self.base.module(dotted)
        if dotted not in self._modules:
            if location.path is None:
                iface = ModuleInterface(dotted, None, {}, is_package=True)
            else:
                try:
                    data = self.read_source(location.path)
                except OSError as exc:
                    iface = ModuleInterface(
                        dotted, str(location.path), {}, syntax_error=(1, 0, str(exc))
                    )
                else:
                    self.files_read += 1
                    iface = read_interface(
                        data,
                        dotted,
                        str(location.path),
                        location.is_package,
                        location.is_stub,
                        None,
                    )
            self._modules[dotted] = (None, iface)
        return self._modules[dotted][1]

    def module_for_path(self, path: Path) -> ModuleInterface | None:
        return self.module(pyfinder.module_name_for_path(Path(path).resolve(), self.project_root))

    def _final_type(self, t: Type, fresh: dict, depth: int) -> Type:
        done = super()._final_type(t, fresh, depth)
        if isinstance(done, Nominal) and done.revision is None and self.is_project(done.target):
            return Nominal(done.target, done.name, self.commit)
        return done

    def is_project(self, target: str) -> bool:
        module = target.partition(":")[0]
        location = self.locate(module)
        return location is not None and location.is_project

    def needed_files(self, module: str) -> tuple[str, ...]:
        """Project files (relative paths) that importing `module` at the commit runs: its
        own file, its packages' `__init__.py` and the project modules it imports,
        transitively (imports inside functions included, conservatively)."""
        out: dict[str, None] = {}
        todo = [module]
        seen: set[str] = set()
        while todo:
            dotted = todo.pop()
            if dotted in seen:
                continue
            seen.add(dotted)
            parts = dotted.split(".")
            for i in range(1, len(parts)):
                todo.append(".".join(parts[:i]))
            location = self.locate(dotted)
            if location is None or not location.is_project or location.path is None:
                continue
            rel = self.relative(location.path)
            if rel.endswith(".pyi"):
                py = rel[:-1]
                if py not in self.files:
                    continue
                rel = py
            out[rel] = None
            package = dotted if location.is_package else dotted.rpartition(".")[0]
            todo.extend(self.imports_of(rel, package))
        return tuple(sorted(out))

    def imports_of(self, rel: str, package: str) -> list[str]:
        """The modules the file `rel` (of `package`) imports, anywhere in it."""
        try:
            tree = self.parse_source(rel)
        except (OSError, SyntaxError, ValueError):
            return []
        out: list[str] = []
        todo: list = list(tree.body)  # imports are statements: no expression is visited
        while todo:
            node = todo.pop()
            if isinstance(node, ast.Import):
                out.extend(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(node, package)
                if base:
                    out.append(base)
                    out.extend(f"{base}.{a.name}" for a in node.names if a.name != "*")
            else:
                for name in _BODIES:
                    todo.extend(getattr(node, name, ()))
        return out


# the fields of a statement that hold statements (`handlers` and `cases` hold nodes that do)
_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".") if package else []
    if node.level - 1 > len(parts):
        return ""
    base = parts[: len(parts) - (node.level - 1)]
    if node.module:
        base.append(node.module)
    return ".".join(base)


@record(mutable=True)
class PinnedTarget:
    """A reference at a revision: `definition` read from the old source, `commit` the full
    id, `run_module` the module it is imported from at run time, `files` the project files
    (relative to the project root) a snapshot of the commit needs for it."""

    revision: str
    commit: str
    module: str
    definition: PyFunction | PyClass | PyValue | None
    index: PinnedIndex
    files: tuple[str, ...] = ()
    dynamic: bool = False

    @property
    def run_module(self) -> str:
        return snapshot_module(self.commit, self.module)

    @property
    def kind(self) -> str:
        return definition_kind(self.definition)


@record(mutable=True)
class Pins:
    """Every revision of a program, resolved; the pinned targets, computed on demand."""

    index: PythonIndex
    root: Path
    diags: Diagnostics
    repo: Repo | None = None
    commits: dict[str, str | None] = field(default_factory=dict)  # revision -> commit
    bad: set[str] = field(default_factory=set)  # revisions already reported
    indexes: dict[str, PinnedIndex] = field(default_factory=dict)
    targets: dict[tuple[int, str], PinnedTarget | None] = field(default_factory=dict)
    problem: GitProblem | None = None
    # (id(sym), commit) -> the module a reference lived in at that commit, when it has moved
    # since (a version of a history sweep: ibc.resolve.history_axis)
    origins: dict[tuple[int, str], str] = field(default_factory=dict)

    # ------------------------------------------------------------------ phase 1

    def prepare(self, modules: list[ModuleInfo], symbols: dict[int, object]) -> None:
        """Validate and resolve every revision written in `modules` (one git call)."""
        found: list[tuple[str, n.Literal]] = []
        for info in modules:
            if info.ast is None or info.kind == "prelude":
                continue
            if "@" not in info.source.text:  # no revision written in it: no walk
                continue
            for node in _walk(info.ast):
                if (
                    isinstance(node, n.PyImport)
                    and node.revision is not None
                    or isinstance(node, n.Revision)
                ):
                    found.append((str(node.revision.value), node.revision))
        if not found:
            return
        wanted = []
        for text, lit in found:
            reason = check_revision(text)
            if reason is not None:
                self.diags.error("E0607", lit.span, revision=text, reason=reason)
                self.bad.add(text)
            else:
                wanted.append(text)
        if not wanted:
            return
        try:
            self.repo = Repo.open(self.root)
            self.commits.update(self.repo.resolve(wanted))
        except GitProblem as exc:
            self.problem = exc
            self.repo = None

    def commit(self, revision: str, at: n.Literal) -> str | None:
        """The commit `revision` names, reporting (once per place) why there is none."""
        if revision in self.bad and revision not in self.commits:
            return None
        if self.problem is not None:
            self.diags.error(self.problem.code, at.span, revision=revision, **self.problem.args_)
            return None
        if self.repo is None:
            return None
        if revision not in self.commits:
            reason = check_revision(revision)
            if reason is not None:
                self.diags.error("E0607", at.span, revision=revision, reason=reason)
                self.bad.add(revision)
                return None
            self.commits.update(self.repo.resolve([revision]))
        commit = self.commits.get(revision)
        if commit is None:
            self.diags.error("E0602", at.span, revision=revision, near=self.repo.near(revision))
        return commit

    def pinned_index(self, commit: str) -> PinnedIndex:
        if commit not in self.indexes:
            assert self.repo is not None
            self.indexes[commit] = PinnedIndex(self.index, self.repo, commit)
        return self.indexes[commit]

    # ------------------------------------------------------------------ phase 2

    def target(
        self, sym: PyRefSym, revision: str, at: n.Literal, today_module: str | None
    ) -> PinnedTarget | None:
        """`sym` at `revision` (None after reporting why it cannot be). `today_module` is the
        module name the reference has today (None for a pinned path import, whose module is
        named by its path)."""
        key = (id(sym), revision)
        if key in self.targets:
            return self.targets[key]
        self.targets[key] = None
        assert sym.decl is not None and sym.item is not None and sym.module is not None
        decl = sym.decl
        module = today_module
        rel: str | None = None
        if decl.is_path:
            file = (sym.module.path.parent / decl.module).resolve()
            try:
                rel = file.relative_to(self.root).as_posix()
            except ValueError:
                self.diags.error("E0307", decl.module_span, path=decl.module, root=str(self.root))
                return None
            module = pyfinder.module_name_for_path(file, self.root)
            sym.module_name = sym.module_name or module
            sym.file = sym.file or file
        elif module is None:
            module = decl.module
        origin = self.origins.get(key)
        if origin is not None and origin != module:  # moved since: today's file is no guide
            module, rel = origin, None
        location = self.index.locate(module)
        if origin is None and not decl.is_path and (location is None or not location.is_project):
            self.diags.error("E0608", at.span, name=sym.name, module=module)
            return None
        commit = self.commit(revision, at)
        if commit is None:
            return None
        try:
            index = self.pinned_index(commit)
        except GitProblem as exc:
            self.diags.error(exc.code, at.span, revision=revision, **exc.args_)
            return None
        interface = index.module(module)
        if rel is None:
            old = index.locate(module) if origin is not None else location
            rel = (
                Path(old.path).resolve().relative_to(self.root).as_posix()
                if old is not None and old.path is not None
                else module.replace(".", "/") + ".py"
            )
        if interface is None or interface.path is None:
            self.diags.error("E0603", at.span, path=rel, revision=revision, commit=commit)
            return None
        if interface.syntax_error is not None:
            line, _col, message = interface.syntax_error
            self.diags.error(
                "E0609", at.span, path=rel, revision=revision, line=line, message=message
            )
            return None
        definition = index.lookup(module, sym.py_name)
        dynamic = False
        if isinstance(definition, PyModuleRef) or (
            definition is None and not interface.has_getattr
        ):
            self.diags.error(
                "E0604",
                sym.item.name.span if at is decl.revision else at.span,
                name=sym.py_name,
                path=rel,
                revision=revision,
                suggestions=nearest(sym.py_name, index.names(module)),
            )
            return None
        if definition is None:
            dynamic = True
        target = PinnedTarget(
            revision, commit, module, definition, index, index.needed_files(module), dynamic
        )
        self.targets[key] = target
        return target

    def all_targets(self) -> list[PinnedTarget]:
        return [t for t in self.targets.values() if t is not None]


def _walk(node: object):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(n.children(current))


def snapshot_sources(project_root: Path | str, modules: list[str]) -> dict[str, dict[str, str]]:
    """{commit: {relative path: source text}} of what the snapshot modules `modules`
    (`_ibc_rev_<commit>.src.features`) need at run time: the sources the `plain` target
    embeds. Raises `ValueError` when git cannot provide them."""
    root = Path(project_root).resolve()
    try:
        repo = Repo.open(root)
    except GitProblem as exc:
        raise ValueError(f"plain target: pinned sources need git ({exc.code})") from None
    base = PythonIndex(root)
    out: dict[str, dict[str, str]] = {}
    for name in modules:
        head, _, module = name.partition(".")
        commit = head[len(SNAPSHOT_PREFIX) :]
        index = PinnedIndex(base, repo, commit)
        files = out.setdefault(commit, {})
        for rel, data in repo.read(commit, list(index.needed_files(module))).items():
            if data is None:
                raise ValueError(f"plain target: {rel} cannot be read at {commit[:12]}")
            try:
                files[rel] = data.decode("utf-8")
            except UnicodeDecodeError:
                raise ValueError(f"plain target: {rel} at {commit[:12]} is not UTF-8") from None
    return out
