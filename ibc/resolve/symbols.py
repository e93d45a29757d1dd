"""Symbols: what a name refers to once resolved, and the per-module tables of them.

Values and types live in two namespaces (as in Elm and Haskell): `type Metrics = {…}` and a
binding `metrics` never clash, and a stub may declare both `type LogisticRegression = "…"`
and the constructor `from sklearn.linear_model import LogisticRegression : (…) -> …`.
"""

from __future__ import annotations

from pathlib import Path

from ibc.base.records import field, record
from ibc.syntax import nodes as n
from ibc.base.spans import Source, Span


@record(mutable=True)
class Symbol:
    name: str
    span: Span  # where it is defined
    module: "ModuleInfo | None" = field(default=None, repr=False)

    @property
    def kind(self) -> str:
        return type(self).__name__.removesuffix("Sym").lower()


@record(mutable=True)
class BindingSym(Symbol):
    """A name bound by a top-level binding; `position` is its place in a tuple pattern
    (`()` for a plain `x = e`, `(1, 0)` for `b` in `(a, (b, c)) = e`)."""

    decl: n.Binding | None = None
    position: tuple[int, ...] = ()


@record(mutable=True)
class DefSym(Symbol):
    decl: n.FuncDef | None = None


@record(mutable=True)
class TargetSym(Symbol):
    """An `experiment`, a `sweep` or a `search`."""

    decl: n.Experiment | n.Sweep | n.Search | None = None

    @property
    def is_sweep(self) -> bool:
        return isinstance(self.decl, (n.Sweep, n.Search))

    @property
    def is_search(self) -> bool:
        return isinstance(self.decl, n.Search)


@record(mutable=True)
class PyRefSym(Symbol):
    """A Python reference imported by `from M import name [as alias]`. `module_name` is the
    dotted module it is imported from at run time (a path import's module name relative to
    the project root); `file` the Python file when the import names one by path."""

    decl: n.PyImport | None = None
    item: n.ImportItem | None = None
    module_name: str = ""
    file: Path | None = None

    @property
    def py_name(self) -> str:
        return self.item.name.text if self.item else self.name


@record(mutable=True)
class IbModuleSym(Symbol):
    """Another `.ib` module imported as a namespace: `import "common.ib" as common`."""

    target: "ModuleInfo | None" = None


@record(mutable=True)
class TypeSym(Symbol):
    decl: n.TypeDecl | None = None


@record(mutable=True)
class LocalSym(Symbol):
    """A parameter or local binding of a `def`, or a lambda parameter."""

    decl: n.Param | n.Binding | None = None
    position: tuple[int, ...] = ()
    owner: n.FuncDef | n.Lambda | None = None


@record(mutable=True)
class ModuleInfo:
    """One loaded `.ib` file: its AST and its tables. `kind` is "main", "module" (imported
    `.ib`), "prelude" or "stub"; `stub_for` the Python module a stub declares."""

    path: Path
    display: str
    source: Source
    ast: n.Module | None
    kind: str = "module"
    stub_for: str = ""
    values: dict[str, Symbol] = field(default_factory=dict)
    types: dict[str, Symbol] = field(default_factory=dict)
    # Names defined in this file (not imported from other `.ib` files), in source order.
    own_values: list[Symbol] = field(default_factory=list)
    prefix: str = ""  # how lowering qualifies this module's names ("" for the main file)
