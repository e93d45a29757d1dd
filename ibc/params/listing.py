"""What `ibc params` and `ibc diff` show: the parameters of a program or of one target.

Without a target, every parameter of the file (and of the `.ib` modules it imports) with the
value its source gives it; with a target, the parameters the target reaches, with the values
the target sees: its `with` layers applied (an overridden value is marked) and, for a sweep,
the values each swept path takes. Signature defaults that the source does not write are
listed with `include_defaults` (`--all`).
"""

from __future__ import annotations

from ibc.params.expand import Expanded, reachable
from ibc.params.paths import DEFAULT
from ibc.records import record
from ibc.syntax import nodes as n


@record
class ParamRow:
    path: str
    type: str
    value: str
    where: str
    kind: str
    overridden: bool


class UnknownTarget(Exception):
    def __init__(self, name: str, suggestions: list[str]) -> None:
        super().__init__(name)
        self.name = name
        self.suggestions = suggestions


def _expanded(result) -> Expanded:
    expanded = getattr(result, "expanded", None)
    if expanded is None:
        raise ValueError("the program has errors: check it first")
    return expanded


def _targets(expanded: Expanded) -> dict:
    main = expanded.checked.program.main
    out = {}
    for decl in main.ast.decls if main.ast else ():
        if isinstance(decl, (n.Experiment, n.Sweep, n.Binding)):
            names = (
                [name.text for name, _ in n.pattern_names(decl.pattern)]
                if isinstance(decl, n.Binding)
                else [decl.name.text]
            )
            for name in names:
                out[name] = decl
    return out


def _text(expanded: Expanded, expr) -> str:
    if expr is None:
        return "…"
    source = expanded.checked.program.sources.get(expr.span.file)
    if source is None:
        return "…"
    return " ".join(source.text[expr.span.start : expr.span.end].split())


def parameters(result, target: str | None = None, include_defaults: bool = False) -> list[ParamRow]:
    expanded = _expanded(result)
    sites = expanded.sites.by_path
    overrides: dict[str, tuple[str, str]] = {}
    reach = None
    if target is not None:
        decls = _targets(expanded)
        decl = decls.get(target)
        if decl is None:
            from ibc.diagnostics.spell import nearest

            raise UnknownTarget(target, nearest(target, list(decls)))
        value = decl.value
        reach = reachable(expanded.checked.program, value) | {id(decl)}
        overrides = _overrides_of(expanded, decl)
    overrides.update(_command_line(expanded))  # `-s` is the outermost layer: it wins
    rows = []
    for path in sorted(sites):
        site = sites[path]
        if site.alias or (site.kind == DEFAULT and not include_defaults and path not in overrides):
            continue
        if reach is not None and id(site.owner) not in reach:
            continue
        value, where, overridden = site.text, site.where, False
        if path in overrides:
            value, where = overrides[path]
            overridden = True
        value = _with_commits(expanded, site, value)
        rows.append(ParamRow(path, str(site.type), value, where, site.kind, overridden))
    return rows


def _with_commits(expanded: Expanded, site, value: str) -> str:
    """A value that pins revisions, with the commit each resolves to: `clean @ "v1"
    (3f2a9c1d)`; an imported name pinned by its import shows its pin too."""
    pins = getattr(expanded.checked.program, "pins", None)
    commits = getattr(pins, "commits", None)
    if not commits:
        return value
    if isinstance(site.owner, n.ImportItem) and "@" not in value:
        for info in expanded.checked.program.modules:
            sym = info.values.get(site.owner.local.text)
            decl = getattr(sym, "decl", None)
            if getattr(sym, "item", None) is site.owner and getattr(decl, "revision", None):
                value = f'{value} @ "{decl.revision.value}"'
                break
    for revision, commit in commits.items():
        if commit:
            value = value.replace(f'@ "{revision}"', f'@ "{revision}" ({commit[:8]})')
    return value


def _overrides_of(expanded: Expanded, decl) -> dict[str, tuple[str, str]]:
    """The paths a target's own `with` layers (outermost first wins) and sweep set."""
    out: dict[str, tuple[str, str]] = {}
    if isinstance(decl, n.Sweep):
        entry = expanded.sweeps.get(id(decl))
        if entry is not None:
            base, layer, points = entry
            for item in layer:
                out.setdefault(item.path, (_text(expanded, item.value), str(item.span)))
            swept: dict[str, list[str]] = {}
            for point in points:
                for item in point.overrides:
                    text = repr(item.constant) if item.has_constant else _text(expanded, item.value)
                    values = swept.setdefault(item.path, [])
                    if text not in values:
                        values.append(text)
            for path, values in swept.items():
                out.setdefault(path, ("in [" + ", ".join(values) + "]", str(decl.span)))
            value = base
        else:
            return out
    else:
        value = decl.value
    while isinstance(value, n.With):
        for item in expanded.layers.get(id(value), ()):
            out.setdefault(item.path, (_text(expanded, item.value), str(item.span)))
        value = value.base
    if isinstance(value, n.Var):
        decls = _targets(expanded)
        inner = decls.get(value.name)
        if inner is not None and inner is not decl:
            for path, entry in _overrides_of(expanded, inner).items():
                out.setdefault(path, entry)
    return out


def _command_line(expanded: Expanded) -> dict[str, tuple[str, str]]:
    """The paths the `-s` overrides set (`ibc params FILE TARGET -s …`): a value's text, or
    `in [v1, v2]` for a sweep over it, and where it is set (`-s#1:1:3`)."""
    out: dict[str, tuple[str, str]] = {}
    for item in expanded.cli:
        out[item.path] = (item.label or _text(expanded, item.value), str(item.span))
    swept: dict[str, tuple[str, list[str]]] = {}
    for point in expanded.cli_points:
        for item in point.overrides:
            labels = swept.setdefault(item.path, (str(item.span), []))[1]
            if item.label not in labels:
                labels.append(item.label)
    for path, (where, labels) in swept.items():
        out[path] = ("in [" + ", ".join(labels) + "]", where)
    return out


def diff_targets(result, a: str, b: str) -> list[tuple[str, str, str]]:
    """The parameters whose values differ between targets `a` and `b`: (path, in a, in b);
    a parameter one of them does not reach shows `-`."""
    left = {row.path: row.value for row in parameters(result, a)}
    right = {row.path: row.value for row in parameters(result, b)}
    out = []
    for path in sorted(set(left) | set(right)):
        va, vb = left.get(path, "-"), right.get(path, "-")
        if va != vb:
            out.append((path, va, vb))
    return out
