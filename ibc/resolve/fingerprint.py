"""Code fingerprints of project-local Python references (docs/running.md "What is recomputed"),
computed from `ast`.

A reference's fingerprint identifies the code that computes its results: the normalized
source of its definition (the `ast` without positions, so comments and layout do not count;
decorators, default values and docstrings are part of it) together with, transitively, the
code of the project-local functions, classes and module constants it refers to:
- names of its own module's top-level definitions (a constant assigned by an expression
  counts with the names that expression uses; a class counts with what its methods use);
- names imported with `from m import n` from a project module (re-exports followed);
- attributes of project modules imported with `import pkg.helpers as h` / `import helpers`
  / `from pkg import helpers`: `h.scale(...)`, `helpers.CONST`, `pkg.helpers.scale`.
Editing a helper changes the fingerprints of all its callers and nothing else. Definitions
that refer to each other (recursion, possibly across modules) form one group whose members'
fingerprints all cover the whole group, so the result does not depend on which was asked
first. Names are collected conservatively (a local variable named like a module constant
counts as a use of it). Installed libraries are fingerprinted by their distribution's name
and version, in lowering. Nothing is imported: sources are read and parsed; an unreadable
module or one with a syntax error gives "".

`closure(module, name)` lists the same definitions one by one, in a fixed order (the
reference first, then what each uses, depth first in name order): each with its file, line
and a hash of its own normalized source only. Emitted with the reference, it lets `ibc why`
name the first definition whose code changed since a stage's last run (docs/running.md,
"Why did this stage run?").
"""

from __future__ import annotations

import ast
from pathlib import Path

from ibc.base.cachedir import digest

Node = tuple[str, str]  # (module, top-level name)

_MAX_HOPS = 16  # re-exports followed from one name before giving up


class _Module:
    """One parsed project module: its top-level definitions and what its imports bind."""

    __slots__ = ("definitions", "imports")

    def __init__(self) -> None:
        self.definitions: dict[str, list[ast.AST]] = {}  # name -> statements binding it
        # name -> ("from", module, name) for `from m import n`, ("module", dotted) for a module
        self.imports: dict[str, tuple] = {}


class Fingerprints:
    def __init__(self, index) -> None:
        self.index = index  # a PythonIndex, to locate project modules by name
        self._modules: dict[str, _Module | None] = {}
        self._files: dict[str, Path] = {}  # module -> the file given for it by a caller
        self._paths: dict[str, Path] = {}  # module -> the file it was read from
        self._edges: dict[Node, list[tuple[str, Node | None]]] = {}
        self._done: dict[Node, str] = {}
        self._project: dict[str, bool] = {}
        # How a project file is read: an index may provide `read_source(path)` (a pinned
        # revision's index reads files at its commit).
        self._read = getattr(index, "read_source", None) or (lambda path: Path(path).read_bytes())

    def of(self, module: str, name: str, file: Path | None = None) -> str:
        """The fingerprint of `module.name` (`Class.method` counts as `Class`), or "" when
        its source cannot be read or does not define it."""
        if file is not None and module not in self._modules:
            self._files[module] = Path(file)
        start = self._target(module, name.partition(".")[0], 0)
        if start is None:
            return ""
        if start not in self._done:
            try:
                self._compute(start)
            except RecursionError:  # pathological nesting in a user's source
                return ""
        return self._done.get(start, "")

    def closure(self, module: str, name: str, file: Path | None = None) -> list[tuple]:
        """The definitions the fingerprint of `module.name` covers, one by one: `(name,
        file, line, hash)`, the reference's own definition first, then depth first through
        what each uses (edges in name order), each once; `hash` covers that definition's
        normalized source alone. Empty when the fingerprint is ""."""
        if not self.of(module, name, file):
            return []
        start = self._target(module, name.partition(".")[0], 0)
        out: list[tuple] = []
        seen: set[Node] = set()
        todo: list[Node] = [start] if start is not None else []
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            statements = self._module(node[0]).definitions[node[1]]  # type: ignore[union-attr]
            text = "\n".join(self._dump(stmt) for stmt in statements)
            line = min(getattr(stmt, "lineno", 0) for stmt in statements)
            out.append((node[1], self._paths.get(node[0]), line, _digest(text)[:12]))
            targets = [t for _, t in self._edges_of(node) if t is not None and t not in seen]
            todo.extend(reversed(targets))
        return out

    # ------------------------------------------------------------------ the graph

    def _target(self, module: str, name: str, hops: int) -> Node | None:
        """The definition `name` of project module `module` denotes, re-exports followed."""
        parsed = self._module(module)
        if parsed is None or hops > _MAX_HOPS:
            return None
        if name in parsed.definitions:
            return (module, name)
        bound = parsed.imports.get(name)
        if bound is not None and bound[0] == "from" and self._is_project(bound[1]):
            return self._target(bound[1], bound[2], hops + 1)
        return None

    def _edges_of(self, node: Node) -> list[tuple[str, Node | None]]:
        """(label, definition) for each project definition `node` uses; the definition is
        None when a project module names it but it cannot be found (a broken module)."""
        if node in self._edges:
            return self._edges[node]
        module, name = node
        parsed = self._module(module)
        assert parsed is not None
        found: dict[str, Node | None] = {}
        for stmt in parsed.definitions[name]:
            for chain in _chains(stmt):
                label, target = self._follow(module, parsed, chain)
                if label and label not in found:
                    found[label] = target
        self._edges[node] = edges = sorted(found.items(), key=lambda e: e[0])
        return edges

    def _follow(self, module: str, parsed: _Module, chain: list[str]):
        """What a use `a.b.c` in `module` refers to: ("a", node) for a definition of the
        module or a from-import; ("a.b", node) for an attribute of an imported project
        module; ("", None) for anything else (locals, builtins, installed libraries)."""
        head = chain[0]
        if head in parsed.definitions:
            return head, (module, head)
        bound = parsed.imports.get(head)
        if bound is None:
            return "", None
        if bound[0] == "from":
            source, name = bound[1], bound[2]
            submodule = f"{source}.{name}" if source else name
            if source and not self._is_project(source):
                return "", None
            if not self._is_project(submodule):
                return head, self._target(source, name, 0)
            current = submodule  # `from pkg import helpers`: a module
        else:
            current = bound[1]
            if not self._is_project(current):
                return "", None
        for i, part in enumerate(chain[1:], start=1):
            deeper = f"{current}.{part}"
            if self._is_project(deeper):
                current = deeper
                continue
            label = ".".join(chain[: i + 1])
            return label, self._target(current, part, 0)
        return "", None  # the module object itself: not a definition

    # ------------------------------------------------------------- fingerprinting

    def _compute(self, start: Node) -> None:
        """Fingerprint every definition reachable from `start` (Tarjan's strongly connected
        components, iteratively; each component is hashed after those it uses)."""
        index: dict[Node, int] = {}
        low: dict[Node, int] = {}
        stack: list[Node] = []
        on_stack: set[Node] = set()
        work: list[tuple[Node, int]] = [(start, 0)]
        counter = 0
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            edges = self._edges_of(node)
            recursed = False
            while i < len(edges):
                target = edges[i][1]
                i += 1
                if target is None or target in self._done:
                    continue
                if target not in index:
                    work.append((node, i))
                    work.append((target, 0))
                    recursed = True
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            if recursed:
                continue
            if low[node] == index[node]:
                group: list[Node] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                self._hash_group(group)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])

    def _hash_group(self, group: list[Node]) -> None:
        members = set(group)
        texts = []
        for member in sorted(group):
            module, name = member
            parsed = self._module(module)
            assert parsed is not None
            parts = [f"{module}:{name}"]
            parts += [self._dump(stmt) for stmt in parsed.definitions[name]]
            for label, target in self._edges_of(member):
                if target is None:
                    parts.append(f"{label}->?")
                elif target in members:
                    parts.append(f"{label}->{target[0]}:{target[1]}")
                else:
                    parts.append(f"{label}->{target[0]}:{target[1]}={self._done[target]}")
            texts.append("\n".join(parts))
        if len(group) == 1:
            self._done[group[0]] = _digest(texts[0])
            return
        whole = _digest("\n\n".join(texts))
        for module, name in group:
            self._done[(module, name)] = _digest(f"{module}:{name}\n{whole}")

    # ---------------------------------------------------------------- modules

    def _parse(self, path: Path) -> ast.Module:
        """The `ast` of a project file (a subclass may share parses: ibc.resolve.history)."""
        return ast.parse(self._read(path))

    def _dump(self, stmt: ast.AST) -> str:
        return ast.dump(stmt, annotate_fields=False)

    def _is_project(self, module: str) -> bool:
        if not module:
            return False
        if module not in self._project:
            try:
                location = self.index.locate(module)
            except Exception:  # noqa: BLE001 - a broken index only loses precision
                location = None
            self._project[module] = location is not None and bool(location.is_project)
        return self._project[module]

    def _module(self, module: str) -> _Module | None:
        if module in self._modules:
            return self._modules[module]
        self._modules[module] = None
        path = self._files.get(module)
        is_package = False
        if path is None:
            try:
                location = self.index.locate(module)
            except Exception:  # noqa: BLE001
                location = None
            if location is None or not location.is_project or location.path is None:
                return None
            path = Path(location.path)
        is_package = path.name in ("__init__.py", "__init__.pyi")
        try:
            tree = self._parse(path)
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError, RecursionError):
            return None
        package = module if is_package else module.rpartition(".")[0]
        parsed = _Module()
        _table(tree.body, parsed, package)
        self._modules[module] = parsed
        self._paths[module] = path
        return parsed


def _table(body: list[ast.stmt], parsed: _Module, package: str) -> None:
    """Record the top-level definitions and imports of `body`, looking inside module-level
    `if`/`try`/`with` blocks (every branch counts)."""
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            parsed.definitions.setdefault(stmt.name, []).append(stmt)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                for name in _bound_names(target):
                    parsed.definitions.setdefault(name, []).append(stmt)
        elif isinstance(stmt, ast.ImportFrom):
            base = _absolute(stmt, package)
            for alias in stmt.names:
                if alias.name != "*":
                    parsed.imports[alias.asname or alias.name] = ("from", base, alias.name)
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    parsed.imports[alias.asname] = ("module", alias.name)
                else:
                    top = alias.name.partition(".")[0]
                    parsed.imports[top] = ("module", top)
        elif isinstance(stmt, ast.If):
            _table(stmt.body, parsed, package)
            _table(stmt.orelse, parsed, package)
        elif isinstance(stmt, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            _table(stmt.body, parsed, package)
            for handler in stmt.handlers:
                _table(handler.body, parsed, package)
            _table(stmt.orelse, parsed, package)
            _table(stmt.finalbody, parsed, package)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            _table(stmt.body, parsed, package)


def _absolute(stmt: ast.ImportFrom, package: str) -> str:
    if not stmt.level:
        return stmt.module or ""
    parts = package.split(".") if package else []
    if stmt.level > 1:
        parts = parts[: max(0, len(parts) - (stmt.level - 1))]
    return ".".join([*parts, *([stmt.module] if stmt.module else [])])


def _bound_names(target: ast.AST) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for item in target.elts for name in _bound_names(item)]
    if isinstance(target, ast.Starred):
        return _bound_names(target.value)
    return []  # `obj.attr = …`, `d[k] = …`: not a new top-level name


def _chains(node: ast.AST) -> list[list[str]]:
    """Every name read in `node`, with the attribute path read from it: `h.scale(x)` gives
    `["h", "scale"]` (and `["h"]`), `x` gives `["x"]`."""
    out: list[list[str]] = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
            out.append([sub.id])
        elif isinstance(sub, ast.Attribute):
            parts = [sub.attr]
            value = sub.value
            while isinstance(value, ast.Attribute):
                parts.append(value.attr)
                value = value.value
            if isinstance(value, ast.Name) and isinstance(value.ctx, ast.Load):
                parts.append(value.id)
                out.append(parts[::-1])
    return out


def _digest(text: str) -> str:
    return digest(text.encode("utf-8", "surrogatepass"))
