"""What `ibc params` and `ibc diff` show: the parameters of a program or of one target.

Without a target, every parameter of the file (and of the `.ib` modules it imports) with the
value its source gives it. With a target (a declaration or a sweep point), the parameters the
target reaches in its own variant (`view.Variants`), with the values it runs with: its `with`
layers and those of what it derives from applied innermost first, a replaced value's
parameters those of the replacing expression, a sweep point's values, a sweep taken whole as
`in [v1, v2]` (an overridden value is marked). Signature defaults that the source does not
write are listed with `include_defaults` (`--all`). `diff_targets` compares two targets.
"""

from __future__ import annotations

from ibc.params.expand import Expanded
from ibc.params.paths import DEFAULT, FUNCTION
from ibc.params.view import on_chain
from ibc.base.records import record
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
        if isinstance(decl, (n.Experiment, n.Sweep, n.Search, n.Binding)):
            names = (
                [name.text for name, _ in n.pattern_names(decl.pattern)]
                if isinstance(decl, n.Binding)
                else [decl.name.text]
            )
            for name in names:
                out[name] = decl
    return out


def parameters(result, target: str | None = None, include_defaults: bool = False) -> list[ParamRow]:
    """The rows of `ibc params`: every parameter of the file, or those `target` (a
    declaration's name or a sweep point's) reaches in its own variant, with its values."""
    expanded = _expanded(result)
    variants = expanded.variants
    cli = (expanded.cli,) if expanded.cli else ()
    if target is None:
        view = variants.view(cli)
        keep = None
    else:
        decl, point = _target(expanded, target)
        if isinstance(decl, n.Search):
            return _search_rows(result, expanded, decl, include_defaults)
        starts = [(decl.value, cli)]
        top = variants.chain(decl.value) + cli
        entry = expanded.sweeps.get(id(decl))
        if isinstance(decl, n.Sweep) and entry is not None:
            base, layer, _ = entry
            last = point.overrides if point is not None else variants.multi(decl)
            starts = [(base, (layer, last) + cli)]
            starts += [(o.value, (last,) + cli) for o in decl.value.overrides]
            top = variants.sweep_chain(decl, point=point) + cli
        view = variants.view(top)
        key = tuple(id(layer) for layer in top)
        keep = set()
        for expr, layers in starts:
            reached = variants.reach(expr, layers)
            keep.update(owner for owner, contexts in reached.items() if on_chain(contexts, key))
        keep.add(id(decl))
    swept = _command_line_sweeps(expanded)  # `-s` is the outermost layer: it wins
    from_cli = set(swept) | {item.path for item in expanded.cli}
    rows = []
    for path in sorted(view):
        entry = view[path]
        site = entry.site
        overridden = entry.overridden or path in swept
        if site.alias or (site.kind == DEFAULT and not include_defaults and not overridden):
            continue
        if keep is not None and id(site.owner) not in keep and path not in from_cli:
            continue  # (what `-s` sets is shown: the run sets it wherever the target reaches)
        text, where = swept.get(path, (site.text, site.where))
        value = _with_commits(expanded, site, text)
        t = _named_type(expanded, view, site)
        rows.append(ParamRow(path, str(t), value, where, site.kind, overridden))
    if target is not None and "best" in (_source_text(expanded, decl) or ""):
        rows = _best_rows(expanded, decl, rows)
    return rows


def _best_rows(expanded: Expanded, decl, rows: list) -> list:
    """A target's `with best(S)` sets `S`'s axes to the best trial's values, known at run
    time: each axis path shows `best(S) in SPACE` (docs/parameters.md, "Searches")."""
    by_path = {row.path: row for row in rows}
    names = expanded.checked.program.names
    stack = [decl.value]
    while stack:
        node = stack.pop()
        stack.extend(n.children(node))
        if not isinstance(node, n.WithBest):
            continue
        search = getattr(names.symbols.get(id(node.search)), "decl", None)
        entry = expanded.searches.get(id(search))
        if entry is None:
            continue
        for axis in entry[2]:
            for path in axis.paths:
                old = by_path.get(path)
                t = old.type if old is not None and axis.type == "mixed" else axis.type
                kind = old.kind if old is not None else "binding"
                value = f"best({search.name.text}) in {axis.describe()}"
                by_path[path] = ParamRow(path, t, value, _where(node.span), kind, True)
    return [by_path[path] for path in sorted(by_path)]


def _search_rows(result, expanded: Expanded, decl: n.Search, include_defaults: bool) -> list:
    """The rows of a search (docs/parameters.md, "Searches"): those of the experiment it
    derives (the target its `with` applies to, else the file's), with the search's own `=`
    overrides, and its axes, each with its space as the value (`log_uniform(0.001, 100.0)`)
    and the space's type."""
    entry = expanded.searches.get(id(decl))
    if entry is None:
        raise ValueError(f"the search `{decl.name.text}` has errors: check it first")
    base, layer, axes = entry
    name = base.name if isinstance(base, n.Var) and base.name in _targets(expanded) else None
    rows = {row.path: row for row in parameters(result, name, include_defaults)}
    for item in layer:
        old = rows.get(item.path)
        t = old.type if old is not None else str(item.site.type)
        text = _source_text(expanded, item.value) or "…"
        rows[item.path] = ParamRow(item.path, t, text, _where(item.span), item.site.kind, True)
    for axis in axes:
        for path in axis.paths:
            old = rows.get(path)
            kind = old.kind if old is not None else "binding"
            t = axis.type if axis.type != "mixed" else (old.type if old else "Any")
            where = _where(axis.span)
            rows[path] = ParamRow(path, t, "in " + axis.describe(), where, kind, True)
    return [rows[path] for path in sorted(rows)]


def _where(span) -> str:
    return f"{span.file}:{span.line}:{span.col}"


def _source_text(expanded: Expanded, node) -> str | None:
    span = getattr(node, "span", None)
    for info in expanded.checked.program.modules:
        if span is not None and info.source is not None and info.display == span.file:
            return info.source.text[span.start : span.end]
    return None


def _named_type(expanded: Expanded, view: dict, site):
    """A parameter set to a name (`a.model` is `model`) takes the type that the name has in
    the variant when an override replaced it (and the parameter's type was the name's)."""
    node = site.node
    if not isinstance(node, (n.Var, n.Attribute)):
        return site.type
    sym = expanded.checked.program.names.symbols.get(id(node))
    module = getattr(sym, "module", None)
    if module is None:
        return site.type
    name = expanded.prefixes.get(id(module), "") + getattr(sym, "name", "")
    entry = view.get(name)
    own = expanded.base_sites.get(name)
    if entry is None or not entry.overridden or own is None or own.type != site.type:
        return site.type
    return entry.site.type


def _target(expanded: Expanded, name: str):
    """(declaration, sweep point or None) of a target name; `UnknownTarget` if none."""
    decls = _targets(expanded)
    decl = decls.get(name)
    if decl is not None:
        return decl, None
    points = {}
    for sweep in decls.values():
        if isinstance(sweep, n.Sweep):
            for point in expanded.sweeps.get(id(sweep), (None, None, ()))[2]:
                points[point.name] = (sweep, point)
    if name in points:
        return points[name]
    from ibc.base.spell import nearest

    raise UnknownTarget(name, nearest(name, list(decls) + list(points)))


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


def _command_line_sweeps(expanded: Expanded) -> dict[str, tuple[str, str]]:
    """The paths `-s 'PATH in [...]'` sweeps (`ibc params FILE TARGET -s …`): `in [v1, v2]`,
    and where it is set (`-s#1:1:3`)."""
    swept: dict[str, tuple[str, list[str]]] = {}
    for point in expanded.cli_points:
        for item in point.overrides:
            labels = swept.setdefault(item.path, (str(item.span), []))[1]
            if item.label not in labels:
                labels.append(item.label)
    return {
        path: ("in [" + ", ".join(labels) + "]", where) for path, (where, labels) in swept.items()
    }


def diff_targets(result, a: str, b: str) -> list[tuple[str, str, str]]:
    """The parameters whose values differ between targets `a` and `b`: (path, in a, in b).
    A path one of them sets where the other leaves a signature default shows the default;
    one the other does not reach at all shows `-`. The targets' own definitions, and
    imported names that only one of them uses, are not differences of parameters."""
    expanded = _expanded(result)
    left = {row.path: row for row in parameters(result, a, include_defaults=True)}
    right = {row.path: row for row in parameters(result, b, include_defaults=True)}
    own = {_target(expanded, name)[0] for name in (a, b)}
    names = set()
    for decl in own:
        if isinstance(decl, n.Binding):
            names.update(name.text for name, _ in n.pattern_names(decl.pattern))
        else:
            names.add(decl.name.text)
    out = []
    for path in sorted(set(left) | set(right)):
        ra, rb = left.get(path), right.get(path)
        if path in names or all(r is None or _default(r) for r in (ra, rb)):
            continue
        if (ra is None or rb is None) and (ra or rb).kind == FUNCTION:
            continue
        va = ra.value if ra is not None else "-"
        vb = rb.value if rb is not None else "-"
        if va != vb:
            out.append((path, va, vb))
    return out


def _default(row: ParamRow) -> bool:
    return row.kind == DEFAULT and not row.overridden
