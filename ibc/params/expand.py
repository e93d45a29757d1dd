"""The parameters phase: overrides resolved to sites, sweeps expanded, variants checked.

For every `with` of the program (and the command line's `-s`), each override path is looked
up among the program's parameters (`paths.collect`): an unknown path is an error with the
nearest paths, a path that runs through another binding's name an error whose hint is the
path to use, a path given with its prefix in one `with` an error, and an override that the
overridden expression never reaches a warning. A sweep's `in` overrides are expanded into
points (cartesian across entries, zip-wise within a tuple of paths) over values known at
compile time. Each distinct combination of override types is type-checked as a derived
program (`variants.py`). Hands on an `Expanded` program for lowering and for `ibc params`.
"""

from __future__ import annotations

import itertools

from ibc.diagnostics.diagnostic import Diagnostic, Diagnostics, Related
from ibc.base.spell import nearest
from ibc.params import constants
from ibc.params.paths import Site, Sites, collect, module_prefixes
from ibc.params.variants import check_variant
from ibc.params.view import Variants, check_paths, report_unknown, root_owner
from ibc.base.records import field, record
from ibc.resolve.symbols import BindingSym, DefSym, PyRefSym, TargetSym
from ibc.syntax import nodes as n
from ibc.base.spans import Span
from ibc.types.calls import literal_of
from ibc.types.check import Checked
from ibc.base.typeterms import ANY, FuncType, Type, literal_type


@record
class Resolved:
    """One override of a layer, resolved: the site it sets and the expression it sets it to
    (`value` is an AST expression; `constant` set when a sweep computed the value; `label`
    the text that states the value in a point's name, when not the value's source text)."""

    path: str
    site: Site
    value: object
    span: Span
    constant: object = None
    has_constant: bool = False
    label: str = ""


@record
class Point:
    name: str
    overrides: tuple  # of Resolved


@record(mutable=True)
class Expanded:
    checked: Checked
    site_table: object  # Sites, or None until first asked for (see `sites`)
    prefixes: dict
    layers: dict = field(default_factory=dict)  # id(With) -> tuple of Resolved (no `in`)
    sweeps: dict = field(default_factory=dict)  # id(Sweep decl) -> (base expr, layer, points)
    searches: dict = field(default_factory=dict)  # id(Search decl) -> (base, layer, axes)
    search_values: dict = field(default_factory=dict)  # id(Search decl) -> per axis, its values
    cli: tuple = ()  # the `-s` overrides without `in`
    cli_points: tuple = ()  # the points of the `-s … in …` overrides (a sweep of every target)
    with_values: tuple = ()  # (module, declaration, With) of every `with`, for override sites
    base_table: dict = field(default_factory=dict)  # path -> Site, without override values'
    variant_table: object = None  # view.Variants, made when first asked for

    @property
    def sites(self) -> Sites:
        """The program's parameters, collected when first needed: a plain `ibc check` of a
        program without `with` or sweeps never needs them. Besides the program's own, the
        table holds the parameters of every override's value (`_add_override_sites`)."""
        if self.site_table is None:
            self.site_table = collect(self.checked, self.prefixes)
            self.base_table = dict(self.site_table.by_path)
            _add_override_sites(self)
        return self.site_table

    @property
    def base_sites(self) -> dict:
        """The program's own parameters (path -> Site), without those of override values."""
        self.sites
        return self.base_table

    @property
    def variants(self) -> Variants:
        """The parameters as each variant sees them (`view.py`)."""
        if self.variant_table is None:
            self.variant_table = Variants(self)
        return self.variant_table


class Expander:
    def __init__(self, checked: Checked, diags: Diagnostics) -> None:
        self.checked = checked
        self.program = checked.program
        self.diags = diags
        self.prefixes = module_prefixes(self.program)
        self.out = Expanded(checked, None, self.prefixes)
        self.base = [d for d in diags.items]
        self._variants: dict[tuple, list[Diagnostic]] = {}
        self._literals: bool | None = None  # does some call take a `Literal`? (`_strings`)
        self.current_prefix = ""
        self.pending: list[tuple] = []  # (overrides, base, layers below): see `check_pending`
        self.unknown: list[tuple] = []  # (path, span, base, layers below) of unknown paths

    # ----------------------------------------------------------------- program

    @property
    def sites(self) -> Sites:
        return self.out.sites

    def expand(self) -> Expanded:
        withs = []
        for info in self.program.modules:
            if info.ast is None or info.kind == "prelude":
                continue
            for decl in info.ast.decls:
                for w in _withs(decl, info):
                    withs.append((info, decl, w))
        self.out.with_values = tuple(withs)
        for info in self.program.modules:
            if info.ast is None or info.kind == "prelude":
                continue
            self.current_prefix = self.prefixes.get(id(info), "")
            for decl in info.ast.decls:
                if isinstance(decl, n.Sweep):
                    self._sweep(decl)
                elif isinstance(decl, n.Search):
                    from ibc.params.search import expand_search

                    expand_search(self, decl)
                elif isinstance(decl, (n.Binding, n.Experiment, n.FuncDef)):
                    for node in _withs(decl, info):
                        self._with(node)
        if self.out.searches:
            from ibc.params.search import check_best_layers

            check_best_layers(self)
        self.check_pending()
        return self.out

    def check_pending(self) -> None:
        """Check each override path against the variants it overrides (`view.check_paths`):
        once every layer is known, and only for a path under one that some override of the
        program sets (elsewhere every variant has the program's own parameters)."""
        pending, self.pending = self.pending, []
        unknown, self.unknown = self.unknown, []
        for text, span, base, below in unknown:
            report_unknown(self.out.variants, text, span, base, below, self.diags)
        for items, base, _ in pending:
            self._dropped(items, base)
        set_paths = {item.path for items, _, _ in pending for item in items}
        for items, base, below in pending:
            under = [item for item in items if _under_any(item.path, set_paths)]
            if under:
                check_paths(self.out.variants, under, base, below, self.diags)

    def _dropped(self, outer, base) -> None:
        """W0501 for an override of `(e with {inner}) with {outer}` under a path that the
        outer layer replaces as a whole: the run builds the outer value without it."""
        if not isinstance(base, n.With):
            return
        for item in self.out.layers.get(id(base), ()):
            for over in outer:
                p = over.path
                if item.path.startswith(p + ".") or item.path.startswith(p + "["):
                    self.diags.warning("W0501", item.span, path=item.path, replaced_by=p)
                    break

    def _with(self, w: n.With) -> None:
        for override in w.overrides:
            if override.sweep:
                self.diags.error("E0509", override.span)
        plain = tuple(o for o in w.overrides if not o.sweep)
        layer = self.resolve_layer(plain, w.base)
        self.out.layers[id(w)] = layer
        self.pending.append((layer, w.base, ()))
        self.check_layers([layer], w.span)

    def _sweep(self, decl: n.Sweep) -> None:
        w = decl.value
        if not isinstance(w, n.With) or not any(o.sweep for o in w.overrides):
            self.diags.error("E0505", decl.name.span, name=decl.name.text)
            return
        for inner in _withs_in(w.base):
            self._with(inner)
        for override in w.overrides:
            for inner in _withs_in(override.value):
                self._with(inner)
        plain = tuple(o for o in w.overrides if not o.sweep)
        layer = self.resolve_layer(plain, w.base)
        entries = [o for o in w.overrides if o.sweep]
        points = self.points(decl.name.text, entries, w.base, (layer,))
        if points is None:
            return
        self.out.sweeps[id(decl)] = (w.base, layer, points)
        self.pending.append((layer, w.base, ()))
        for point in points[:1]:  # every point sets the same paths
            self.pending.append((point.overrides, w.base, (layer,)))
        self.check_layers([layer, *(p.overrides for p in points)], w.span, sweep=True)

    # ----------------------------------------------------------------- resolution

    def resolve_layer(self, overrides, base: n.Expr) -> tuple:
        out: list[Resolved] = []
        paths: list[tuple[str, n.Path]] = []
        for override in overrides:
            for path in override.paths:
                site = self.resolve_path(path, base)
                if site is not None:
                    paths.append((str(path), path))
                    out.append(Resolved(site.path, site, override.value, override.span))
        self._prefix_conflicts(paths)
        reach = self._reach(base)
        for item in out:
            owner = root_owner(self.out.base_sites, item.path) or item.site.owner
            if reach is not None and id(owner) not in reach:
                self.diags.warning("W0501", item.span, path=item.path)
        return tuple(out)

    def resolve_path(self, path: n.Path, base=None, below: tuple = ()) -> Site | None:
        """The site of an override path. An unknown one is an error: E0502 when it runs
        through another binding's name, else, given the overridden expression `base`, E0402
        or E0501 with the names of the variants `base` has (`check_pending`), else E0501."""
        text = self.current_prefix + str(path)  # an imported module's paths are qualified
        site = self.sites.by_path.get(text)
        if site is not None:
            return site
        by_path = self.sites.by_path
        hint = None
        parts = text.replace("[", ".[").split(".")
        for cut in range(len(parts) - 1, 0, -1):
            head = ".".join(parts[:cut]).replace(".[", "[")
            rest = ".".join(parts[cut:]).replace(".[", "[")
            if head in by_path:
                if rest in by_path:
                    hint = rest
                else:
                    node = by_path[head].node
                    if isinstance(node, n.With):
                        node = node.base
                    if isinstance(node, n.Var) and f"{node.name}.{rest}" in by_path:
                        hint = f"{node.name}.{rest}"
                break
        if hint is not None:
            self.diags.error("E0502", path.span, path=text, hint=hint)
        elif base is not None:
            self.unknown.append((text, path.span, base, below))
        else:
            self.diags.error(
                "E0501", path.span, path=text, suggestions=nearest(text, list(by_path), limit=3)
            )
        return None

    def _prefix_conflicts(self, paths: list[tuple[str, n.Path]]) -> None:
        texts = [t for t, _ in paths]
        for text, node in paths:
            for other in texts:
                if other != text and (text.startswith(other + ".") or text.startswith(other + "[")):
                    self.diags.error("E0503", node.span, path=text, prefix=other)
            if texts.count(text) > 1 and node is [p for t, p in paths if t == text][1]:
                self.diags.error("E0503", node.span, path=text, prefix=text)

    # ----------------------------------------------------------------- sweeps

    def points(self, name: str, entries, base, below: tuple = ()) -> list[Point] | None:
        axes = []
        for entry in entries:
            sites = [self.resolve_path(p, base, below) for p in entry.paths]
            if any(s is None for s in sites):
                return None
            axis = self.axis(sites, entry)
            if axis is None:
                return None
            history = self.checked.program.histories.get(id(entry.value))
            if history is not None:
                axis = self.fit_versions(history, axis, below)
                if axis is None:
                    return None
            axes.append(axis)
        total = 1
        for axis in axes:
            total *= len(axis)
        limit = constants.max_points(self.checked)
        if total > limit:  # the product, before making it
            self.diags.error("E0511", entries[0].span, count=total, limit=limit, what="sweep")
            return None
        reach = self._reach(base)
        for entry, axis in zip(entries, axes):
            for resolved, _ in axis[0]:
                owner = root_owner(self.out.base_sites, resolved.path) or resolved.site.owner
                if reach is not None and id(owner) not in reach:
                    self.diags.warning("W0501", entry.span, path=resolved.path)
        return combine(axes, lambda label: f"{name}[{label}]")

    def axis(self, sites: list[Site], entry: n.Override):
        """The values one `in` entry gives its paths (zip-wise for a tuple of paths), each a
        list of (override, spelling) pairs; None after reporting a problem."""
        values = constants.sweep_values(entry.value, self.checked, self.diags)
        if values is None:
            return None
        if not values:
            self.diags.error("E0506", entry.value.span)
            return None
        axis = []
        for value in values:
            parts = value.items if len(sites) > 1 else (value,)
            if len(parts) != len(sites):
                self.diags.error("E0508", value.span, count=len(sites), found=len(parts))
                return None
            axis.append(
                [
                    (Resolved(s.path, s, p.expr, entry.span, p.value, p.known, p.text), p.text)
                    for s, p in zip(sites, parts)
                ]
            )
        return axis

    def fit_versions(self, history, axis, below: tuple):
        """The versions of a history axis whose signatures every use accepts, each checked
        with the layers below it: a version that does not fit is E0612 naming its commit, or
        with `compatible = True` left out with W0612 (docs/revisions.md, "History sweeps")."""
        from ibc.diagnostics.wording import words

        kept, failed = [], False
        for group, (_label, _expr, version) in zip(axis, history.values):
            if version is None:  # today's: checked with the sweep's other points
                kept.append(group)
                continue
            items = [*(r for layer in below for r in layer), *(r for r, _ in group)]
            typed = [(r, self._value_type(r)) for r in items]
            key = tuple((r.path, str(t), None) for r, t in typed)
            found = self._variants.get(key)
            if found is None:
                found = check_variant(
                    self.checked, self.prefixes, [(r.site, t) for r, t in typed], self.base, {}
                )
                self._variants[key] = found
            problems = [d for d in found if d.is_error]
            if not problems:
                kept.append(group)
                continue
            use = words(problems[0].code, problems[0].args)[0]
            args = {
                "name": history.sym.py_name,
                "commit": version.commit[:7],
                "subject": version.subject,
                "type": str(typed[-1][1]),
                "use": use,
            }
            related = (Related(problems[0].span, use),)
            if history.compatible:
                self.diags.warning("W0612", history.call.span, related, **args)
            else:
                self.diags.error("E0612", history.call.span, related, **args)
                failed = True
        return None if failed else kept

    # ----------------------------------------------------------------- typing

    def check_layers(self, layers, span: Span, sweep: bool = False) -> None:
        """Type-check the variants: for a sweep, one per point, each deduplicated by the
        types its overrides give."""
        if sweep:
            base_layer, *points = layers
            variants = [(*base_layer, *p) for p in points] or [base_layer]
        else:
            variants = [tuple(r for layer in layers for r in layer)]
        for overrides in variants:
            typed = []
            for item in overrides:
                t = self._value_type(item)
                typed.append((item, t))
            constants = {}
            if self._uses_literals():
                constants = {item.path: value for item, value in _strings(overrides)}
            key = tuple((item.path, str(t), constants.get(item.path)) for item, t in typed)
            if key in self._variants:
                continue
            found = check_variant(
                self.checked,
                self.prefixes,
                [(item.site, t) for item, t in typed],
                self.base,
                constants,
            )
            self._variants[key] = found
            for diag in found:
                self._blame(diag, typed)

    def _uses_literals(self) -> bool:
        """Whether a parameter of some function the program calls is a `Literal` type: only
        then is an override by a string checked with its value (one more check per string)."""
        if self._literals is None:
            self._literals = any(
                isinstance(t, FuncType) and any(literal_of(p.type) for p in t.params)
                for t in self.checked.types.values()
            )
        return self._literals

    def _value_type(self, item: Resolved) -> Type:
        if item.has_constant:
            return literal_type(item.constant)
        return self.checked.types.get(id(item.value), ANY)

    def _blame(self, diag: Diagnostic, typed) -> None:
        from ibc.diagnostics.wording import words

        message, _ = words(diag.code, diag.args)
        item, t = typed[0]
        for candidate, ct in typed:  # the override whose path the use is under, if any
            if diag.span.file == candidate.span.file:
                item, t = candidate, ct
        self.diags.error(
            "E0504",
            item.span,
            (Related(diag.span, message),),
            path=item.path,
            type=str(t),
            was=str(item.site.type),
            use=message,
            **({"nearest": diag.args["suggestions"][0]} if diag.args.get("suggestions") else {}),
            **({"space": n.space_call(item.value)} if n.space_call(item.value) else {}),
        )

    # ----------------------------------------------------------------- reachability

    def _reach(self, base: n.Expr) -> set[int] | None:
        return reachable(self.program, base)


def _strings(overrides):
    """The overrides that set a string constant, with it: a use may take only some strings
    (`Literal[...]`, docs/types.md), so each is checked with its value."""
    for item in overrides:
        if item.has_constant:
            value = item.constant
        elif isinstance(item.value, n.Literal):
            value = item.value.value
        else:
            continue
        if isinstance(value, str):
            yield item, value


def combine(axes, name) -> list[Point]:
    """The cartesian product of sweep axes, as points named `name(label)` where the label is
    `path=value,…` in entry order."""
    out = []
    for combo in itertools.product(*axes):
        pairs = [pair for group in combo for pair in group]
        # a version of a history sweep is spelt `@3f2a1bc`: `clean@3f2a1bc`, not `clean=…`
        label = ",".join(f"{r.path}{'' if text[:1] == '@' else '='}{text}" for r, text in pairs)
        out.append(Point(name(label), tuple(r for r, _ in pairs)))
    return out


def reachable(program, base) -> set[int]:
    """The declarations an expression reaches (ids), through names, transitively."""
    res = program.names
    todo: list[object] = []
    for node in _walk(base):
        if isinstance(node, (n.Var, n.Attribute)):
            sym = res.symbols.get(id(node))
            if sym is not None:
                todo.append(sym)
    seen: set[int] = set()
    while todo:
        sym = todo.pop()
        decl = getattr(sym, "decl", None)
        if decl is None or id(decl) in seen:
            continue
        seen.add(id(decl))
        if isinstance(sym, PyRefSym):
            seen.add(id(sym.item))
            seen.discard(id(decl))  # an import line is reached name by name
            continue
        if isinstance(sym, (BindingSym, DefSym, TargetSym)):
            for node in _walk(decl):
                if isinstance(node, (n.Var, n.Attribute)):
                    used = res.symbols.get(id(node))
                    if used is not None:
                        todo.append(used)
    return seen


def _add_override_sites(expanded: Expanded) -> None:
    """An override's value is addressable under the override's path: after
    `forest = baseline with { model = RandomForestClassifier(n_estimators = 300) }`,
    `forest with { model.n_estimators = 10 }` sets the forest's argument. The sites of each
    override value are added (the base program's sites keep their place)."""
    from ibc.params.paths import Collector

    collector = Collector(expanded.checked)
    collector.sites = expanded.site_table
    for info, decl, w in expanded.with_values:
        collector.module = info
        collector.prefix = expanded.prefixes.get(id(info), "")
        collector.owner = decl
        for override in w.overrides:
            if len(override.paths) == 1 and not override.sweep:
                collector.walk(override.value, collector.prefix + str(override.paths[0]))


def _under_any(path: str, prefixes: set[str]) -> bool:
    """Whether one of `prefixes` is a strict prefix of `path` (`model` of `model.C`)."""
    for i, char in enumerate(path):
        if char in ".[" and path[:i] in prefixes:
            return True
    return False


def _walk(node):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(n.children(current))


def _withs(decl, info=None):
    """The `with` nodes of a declaration. `with` is a reserved word, so a declaration whose
    text does not contain it has none: most declarations are skipped without a walk."""
    if info is not None:
        span = decl.span
        if "with" not in info.source.text[span.start : span.end]:
            return []
    return [node for node in _walk(decl) if isinstance(node, n.With)]


def _withs_in(expr):
    return [node for node in _walk(expr) if isinstance(node, n.With)]


def expand(checked: Checked, diags: Diagnostics) -> Expanded:
    return Expander(checked, diags).expand()
