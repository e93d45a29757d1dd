"""Loading `.ib` files: the main file, the `.ib` modules it imports, the prelude, and stubs.

Each file is read, parsed and given its symbol tables (`ModuleInfo.values`, `.types`).
`.ib` imports are followed relative to the importing file; an import cycle between files is
an error. Stubs (docs/stubs.md) are found by Python module name in the project's stub folders,
then in `stdlib/`: `a/b.ib` or `a/b/__init__.ib` for module `a.b`.
"""

from __future__ import annotations

from pathlib import Path

from ibc.diagnostics.diagnostic import Diagnostics, Related
from ibc.resolve import astcache
from ibc.resolve.project import display_path
from ibc.resolve.symbols import (
    BindingSym,
    DefSym,
    IbModuleSym,
    ModuleInfo,
    PyRefSym,
    Symbol,
    TargetSym,
    TypeSym,
)
from ibc.base.resources import stdlib_dir
from ibc.syntax import nodes as n
from ibc.syntax.parser import parse_module, read_source
from ibc.base.spans import Source, Span


class Loader:
    """Loads and tables every `.ib` file a program needs, once each."""

    def __init__(self, diags: Diagnostics, stub_dirs: list[Path], cwd: Path | None = None) -> None:
        self.diags = diags
        self.stub_dirs = [*stub_dirs, stdlib_dir()]
        self.cwd = cwd or Path.cwd()
        self.modules: dict[Path, ModuleInfo] = {}
        self.stubs: dict[str, ModuleInfo | None] = {}
        self._loading: list[Path] = []
        self._via: list[Span] = []  # the import that led from _loading[i] to _loading[i + 1]
        self.prelude: ModuleInfo | None = None

    # ----------------------------------------------------------------- files

    def load_main(
        self, path: Path, source: Source | None = None, *, parsed: tuple | None = None
    ) -> ModuleInfo | None:
        """Load the prelude, then the main file (its text is `source` when given). `parsed`,
        with `source`, is what `parse_module(source)` returned for it (a language server's
        incremental parse): `(Module | None, diagnostics)`, used instead of parsing again."""
        self.prelude = self._load(stdlib_dir() / "prelude.ib", "prelude", None)
        return self._load(path, "main", None, source, parsed if source is not None else None)

    def _load(
        self,
        path: Path,
        kind: str,
        at: Span | None,
        source: Source | None = None,
        parsed: tuple | None = None,
    ) -> ModuleInfo | None:
        path = path.resolve()
        if path in self.modules:
            return self.modules[path]
        display = display_path(path, self.cwd) if kind in ("main", "module") else _short(path)
        if source is None:
            # A user's file is read by its shown path (relative to the working folder, or
            # absolute) so that problems name it as the user does; a library file by its path.
            readable = display if kind in ("main", "module") else str(path)
            source, problems = read_source(readable)
            self.diags.extend(problems)
            if source is None:
                return None
            source = Source(display, source.text)
        module_ast = None
        library = kind in ("prelude", "stub")
        if library:
            module_ast = astcache.load(source.path, source.text)
        if module_ast is None:
            module_ast, parse_diags = parsed if parsed is not None else parse_module(source)
            self.diags.extend(parse_diags)
            if library and module_ast is not None and not parse_diags:
                astcache.store(source.path, source.text, module_ast)
        info = ModuleInfo(path, source.path, source, module_ast, kind)
        self.modules[path] = info
        if module_ast is None:
            return info
        self._loading.append(path)
        self._table(info)
        self._loading.pop()
        return info

    def _import_ib(self, importer: ModuleInfo, rel: str, at: Span) -> ModuleInfo | None:
        target = (importer.path.parent / rel).resolve()
        if target in self._loading:
            start = self._loading.index(target)
            chain = [*self._loading[start:], target]
            names = " -> ".join(self.modules[p].display for p in chain)
            vias = [*self._via, at]
            self.diags.error("E0206", vias[start], path=rel, chain=names)
            return None
        if not target.is_file():
            self.diags.error("E0205", at, path=rel)
            return None
        kind = "stub" if importer.kind == "stub" else "module"
        self._via.append(at)
        try:
            return self._load(target, kind, at)
        finally:
            self._via.pop()

    def stub(self, module_name: str) -> ModuleInfo | None:
        """The stub module declaring `module_name`, if any stub folder has one."""
        if module_name in self.stubs:
            return self.stubs[module_name]
        self.stubs[module_name] = None
        parts = module_name.split(".")
        for folder in self.stub_dirs:
            for candidate in (
                folder.joinpath(*parts[:-1], parts[-1] + ".ib"),
                folder.joinpath(*parts, "__init__.ib"),
            ):
                if candidate.is_file():
                    info = self._load(candidate, "stub", None)
                    if info is not None:
                        info.stub_for = module_name
                    self.stubs[module_name] = info
                    return info
        return None

    # ----------------------------------------------------------------- tables

    def _table(self, info: ModuleInfo) -> None:
        assert info.ast is not None
        for decl in info.ast.decls:
            if isinstance(decl, n.Binding):
                for name, position in n.pattern_names(decl.pattern):
                    self._define(info, BindingSym(name.text, name.span, info, decl, position))
            elif isinstance(decl, n.FuncDef):
                self._define(info, DefSym(decl.name.text, decl.name.span, info, decl))
            elif isinstance(decl, (n.Experiment, n.Sweep, n.Search)):
                self._define(info, TargetSym(decl.name.text, decl.name.span, info, decl))
            elif isinstance(decl, n.TypeDecl):
                self._define(info, TypeSym(decl.name.text, decl.name.span, info, decl), types=True)
            elif isinstance(decl, n.PyImport):
                for item in decl.items:
                    local = item.local
                    sym = PyRefSym(local.text, local.span, info, decl, item)
                    self._define(info, sym)
            elif isinstance(decl, n.IbImport):
                target = self._import_ib(info, decl.path, decl.path_span)
                name = decl.alias or _stem_name(decl)
                if name is None:
                    self.diags.error("E0212", decl.path_span, path=decl.path)
                    continue
                sym = IbModuleSym(name.text, name.span, info, target)
                self._define(info, sym, own=False)
            elif isinstance(decl, n.IbFromImport):
                target = self._import_ib(info, decl.path, decl.path_span)
                for item in decl.items:
                    if target is None:
                        continue
                    found = False
                    for table, is_type in ((target.values, False), (target.types, True)):
                        sym = table.get(item.name.text)
                        if sym is not None:
                            found = True
                            self._define(info, sym, types=is_type, own=False, name=item.local)
                    if not found:
                        from ibc.base.spell import nearest

                        self.diags.error(
                            "E0207",
                            item.name.span,
                            name=item.name.text,
                            path=decl.path,
                            suggestions=nearest(item.name.text, [*target.values, *target.types]),
                        )

    def _define(
        self,
        info: ModuleInfo,
        sym: Symbol,
        types: bool = False,
        own: bool = True,
        name: n.Name | None = None,
    ) -> None:
        table = info.types if types else info.values
        local = name.text if name else sym.name
        span = name.span if name else sym.span
        previous = table.get(local)
        if previous is not None:
            self.diags.error(
                "E0202",
                span,
                (Related(previous.span, f"`{local}` is first bound here"),),
                name=local,
                namespace="type" if types else "value",
            )
            return
        table[local] = sym
        if own and not types:
            info.own_values.append(sym)


def _stem_name(decl: n.IbImport) -> n.Name | None:
    stem = Path(decl.path).stem
    if not stem.isidentifier():
        return None
    return n.Name(stem, decl.path_span)


def _short(path: Path) -> str:
    """A stdlib or stub path shown compactly (`stdlib/sklearn/metrics.ib`)."""
    try:
        return "stdlib/" + str(path.relative_to(stdlib_dir().resolve()))
    except ValueError:
        return str(path)
