"""Code fingerprints of project-local Python references (DESIGN §8.1), computed from `ast`.

A reference's fingerprint identifies the code that computes its results: the normalized
source of its definition (the `ast` without positions, so comments and layout do not count)
together with, transitively, the fingerprints of the project-local functions, classes and
module constants it refers to, in its own module or imported from other project modules.
Editing a helper changes the fingerprints of all its callers and nothing else. (Installed
libraries are fingerprinted by their distribution's name and version, in lowering.) Nothing
is imported: sources are read and parsed.
"""

from __future__ import annotations

import ast
from pathlib import Path

from ibc.cachedir import digest


class Fingerprints:
    def __init__(self, index) -> None:
        self.index = index  # a PythonIndex, to locate project modules by name
        self._trees: dict[str, tuple[ast.Module, dict[str, ast.AST], dict[str, tuple]] | None] = {}
        self._done: dict[tuple[str, str], str] = {}
        self._busy: set[tuple[str, str]] = set()

    def of(self, module: str, name: str, file: Path | None = None) -> str:
        """The fingerprint of `module.name`, or "" when its source cannot be read."""
        key = (module, name.partition(".")[0])
        if key in self._done:
            return self._done[key]
        if key in self._busy:  # recursion between definitions: counted once
            return "cycle"
        parsed = self._module(module, file)
        if parsed is None:
            return ""
        tree, definitions, imports = parsed
        node = definitions.get(key[1])
        if node is None:
            return ""
        self._busy.add(key)
        try:
            parts = [ast.dump(node, annotate_fields=False)]  # docstrings are source too
            for used in sorted(_names_used(node) - {key[1]}):
                if used in definitions:
                    parts.append(f"{used}={self.of(module, used, file)}")
                elif used in imports:
                    source_module, source_name = imports[used]
                    if self._is_project(source_module):
                        parts.append(f"{used}={self.of(source_module, source_name)}")
            result = digest("\n".join(parts).encode("utf-8", "surrogatepass"))
        finally:
            self._busy.discard(key)
        self._done[key] = result
        return result

    # ----------------------------------------------------------------- modules

    def _is_project(self, module: str) -> bool:
        try:
            location = self.index.locate(module)
        except Exception:  # noqa: BLE001
            return False
        return location is not None and location.is_project

    def _module(self, module: str, file: Path | None):
        if module in self._trees:
            return self._trees[module]
        self._trees[module] = None
        path = file
        if path is None:
            try:
                location = self.index.locate(module)
            except Exception:  # noqa: BLE001
                location = None
            if location is None or not location.is_project or location.path is None:
                return None
            path = Path(location.path)
        try:
            tree = ast.parse(Path(path).read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
            return None
        definitions: dict[str, ast.AST] = {}
        imports: dict[str, tuple] = {}
        package = module if Path(path).name == "__init__.py" else module.rpartition(".")[0]
        for stmt in tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                definitions[stmt.name] = stmt
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        definitions[target.id] = stmt
            elif isinstance(stmt, ast.ImportFrom):
                base = stmt.module or ""
                if stmt.level:
                    parts = package.split(".") if package else []
                    parts = parts[: len(parts) - (stmt.level - 1)] if stmt.level > 1 else parts
                    base = ".".join([*parts, *([stmt.module] if stmt.module else [])])
                for alias in stmt.names:
                    imports[alias.asname or alias.name] = (base, alias.name)
        self._trees[module] = (tree, definitions, imports)
        return self._trees[module]


def _names_used(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
