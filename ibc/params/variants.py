"""Type-checking a derived program: the program as a set of overrides makes it (docs/parameters.md
§2).

An override is valid when every use of the overridden value accepts the new type, not only
when the new type is a subtype of the old: a `RandomForestClassifier` may replace a
`LogisticRegression` where only an `Estimator` is required. So a variant is checked by
re-running the checker over the whole program with the overridden sites' types replaced;
an error it finds that the base program does not have is the override's fault, reported at
the override with the use that rejects it. Variants are checked once per distinct
combination of override types (a 1,000-point sweep over floats is one check), and not at
all when every new type is a subtype of the site's type (every use already accepts it).

A string constant is the exception: a use may take only some strings (a `Literal["mean",
"median"]` parameter, docs/types.md), so an override by a string constant is checked with its
value, once per distinct string, and `"meen"` is an error at the override (E0504 over E0429).
"""

from __future__ import annotations

from ibc.diagnostics.diagnostic import Diagnostic, Diagnostics
from ibc.params.paths import BINDING, DEFAULT, FUNCTION, Site
from ibc.resolve.symbols import BindingSym, PyRefSym, TargetSym
from ibc.syntax import nodes as n
from ibc.types.check import Checked, Checker
from ibc.types.calls import check_literal, literal_of
from ibc.types.relations import is_subtype
from ibc.base.typeterms import Type


class VariantChecker(Checker):
    """The checker, with the types of some sites replaced."""

    def __init__(
        self,
        checked: Checked,
        prefixes: dict[int, str],
        nodes: dict[int, Type],
        names: dict,
        constants: dict | None = None,
    ) -> None:
        super().__init__(checked.program, Diagnostics())
        self.prefixes = prefixes
        self.env = checked.env  # share what was learned of Python interfaces
        self.out.env = checked.env
        self.node_types = nodes
        self.name_types = names
        self.constants = constants or {}  # id(node) or path -> the constant it is set to

    def infer(self, e: n.Expr, expected: Type | None) -> Type:
        replaced = self.node_types.get(id(e))
        if replaced is not None:
            self.out.types[id(e)] = replaced
            return replaced
        return super().infer(e, expected)

    def symbol_type(self, sym, at):
        path = self._path(sym)
        replaced = self.name_types.get(path) if path is not None else None
        if replaced is not None:
            return replaced
        return super().symbol_type(sym, at)

    def constant(self, e: n.Expr, follow: bool = True) -> object:
        if id(e) in self.constants:
            return self.constants[id(e)]
        if follow and isinstance(e, n.Var):
            path = self._path(self.program.names.symbols.get(id(e)))
            if path is not None and path in self.constants:
                return self.constants[path]
        return super().constant(e, follow)

    def _path(self, sym) -> str | None:
        """The parameter path of a top-level name, if `sym` is one."""
        if isinstance(sym, (BindingSym, TargetSym, PyRefSym)) and sym.module is not None:
            return self.prefixes.get(id(sym.module), "") + sym.name
        return None


def _key(d: Diagnostic) -> tuple:
    return (d.code, d.span.file, d.span.start, d.span.end)


def check_variant(
    checked: Checked,
    prefixes: dict[int, str],
    overrides: list[tuple[Site, Type]],
    base: list[Diagnostic],
    constants: dict | None = None,
) -> list[Diagnostic]:
    """The diagnostics of the program with each site's type replaced, that the base program
    does not have. Signature defaults are checked directly against the parameter's type.
    `constants` maps a site's path to the string constant an override sets it to."""
    env = checked.env
    found: list[Diagnostic] = []
    nodes: dict[int, Type] = {}
    names: dict[str, Type] = {}
    values: dict = {}
    needed = False
    constants = constants or {}
    for site, new in overrides:
        if site.path in constants and site.kind != DEFAULT:
            needed = True
            key = site.path if site.kind in (BINDING, FUNCTION) else id(site.node)
            values[key] = constants[site.path]
            if site.kind in (BINDING, FUNCTION):
                names[site.path] = new
            elif site.node is not None:
                nodes[id(site.node)] = new
            continue
        if site.kind == DEFAULT and site.path in constants and literal_of(site.type):
            local = Diagnostics()
            why = {"role": "parameter", "path": site.path, "where": site.where}
            span = site.span or overrides[0][0].span
            check_literal(site.type, constants[site.path], span, local, why)
            found.extend(local.items)
            continue
        if is_subtype(new, site.type, env):
            continue
        if site.kind == DEFAULT:
            from ibc.diagnostics.diagnostic import error

            found.append(
                error(
                    "E0401",
                    site.span or overrides[0][0].span,
                    role="parameter",
                    path=site.path,
                    where=site.where,
                    expected=str(site.type),
                    found=str(new),
                )
            )
            continue
        needed = True
        if site.kind in (BINDING, FUNCTION):
            names[site.path] = new
        elif site.node is not None:
            nodes[id(site.node)] = new
    if not needed:
        return found
    checker = VariantChecker(checked, prefixes, nodes, names, values)
    checker.check()
    seen = {_key(d) for d in base}
    found.extend(d for d in checker.diags.items if d.is_error and _key(d) not in seen)
    return found
