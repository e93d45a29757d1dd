"""Variants: the parameters as one target sees them (docs/parameters.md §2 and §4).

A target's value is the program under a stack of override layers: its own `with` layers and
those of the bindings and targets its value is derived from by name (`b = a with {…}` sees
`a`'s layers below its own), a sweep's layers, a sweep point's values, the command line's.
`Variants.view(layers)` applies such a stack, innermost first, to the program's own
parameters, as the run does: an override sets its path, and one that replaces a value drops
every parameter under the path and brings the replacing expression's own (its arguments and,
listed with `--all`, its signature's defaults), typed by it. A later (outer) layer may then
set those again.

`Variants.reach(expr, layers)` follows names from an expression as the run evaluates it: in
the variant of each `with` it passes through, a replaced binding or argument is not followed
(the replacement is, where its `with` is written). Each declaration reached is recorded with
the stack it was reached under (a "context"), so that `ibc params` lists the parameters a
target reaches in its own variant, and an override path can be checked against each variant
it overrides (`check_paths`).

A sweep taken whole (`ibc params FILE grid`, or a sweep used by name) is one layer of
`Multi` entries, `path in [v1, v2]`; the parameters under a path a sweep replaces by
expressions differ from point to point and are listed per point (`ibc params FILE
'grid[model=…]'`).
"""

from __future__ import annotations

import itertools

from ibc.diagnostics.diagnostic import Diagnostics, Related
from ibc.base.spell import nearest
from ibc.params.constants import _spell
from ibc.params.paths import BINDING, DEFAULT, Collector, Site, Sites
from ibc.base.records import record, replace
from ibc.resolve.symbols import BindingSym, DefSym, PyRefSym, TargetSym
from ibc.syntax import nodes as n
from ibc.types.relations import is_subtype
from ibc.base.typeterms import ANY, VAR_KEYWORD, FuncType, literal_type

MAX_CONTEXTS = 64  # sweep points tried when an override path is checked against a sweep


@record
class Entry:
    """One parameter in a variant: its site (value text, type, where set) and whether an
    override layer set it."""

    site: Site
    overridden: bool


@record
class Multi:
    """A swept path, for a sweep taken whole: its values' texts, in point order."""

    path: str
    site: Site
    texts: tuple
    type: object
    span: object


class Variants:
    def __init__(self, expanded) -> None:
        self.expanded = expanded
        self.checked = expanded.checked
        self.program = expanded.checked.program
        self.base = expanded.base_sites
        self._views: dict[tuple, dict] = {}
        self._sub: dict[tuple, dict] = {}
        self._multi: dict[int, tuple] = {}
        self._replaced: dict[tuple, frozenset] = {}
        self._node_paths: dict[int, str] | None = None
        self._layers: dict[int, tuple] = {}  # id(layer) -> layer, for the contexts of `reach`
        self._points: dict[int, list] = {}  # id(Multi layer) -> the points' layers
        # An empty layer standing for the layer being checked (`check_paths`); kept alive,
        # as every layer of a context is, so that no other object takes its id.
        self.mark = _Mark()

    # ----------------------------------------------------------------- stacks

    def chain(self, expr, seen: frozenset = frozenset()) -> tuple:
        """The layers (innermost first) under which `expr`'s own value is the target's: the
        `with` layers written on it and, through a name, those of what it is derived from."""
        if isinstance(expr, n.With):
            layer = self.expanded.layers.get(id(expr), ())
            return self.chain(expr.base, seen) + (layer,)
        if isinstance(expr, (n.Var, n.Attribute)):
            sym = self.program.names.symbols.get(id(expr))
            decl = getattr(sym, "decl", None)
            if id(decl) in seen or not isinstance(sym, (BindingSym, TargetSym)):
                return ()
            seen = seen | {id(decl)}
            if isinstance(decl, n.Sweep):
                return self.sweep_chain(decl, seen)
            if isinstance(decl, n.Binding) and isinstance(decl.pattern, n.NamePattern):
                return self.chain(decl.value, seen)
            if isinstance(decl, n.Experiment):
                return self.chain(decl.value, seen)
        return ()

    def sweep_chain(self, decl: n.Sweep, seen: frozenset = frozenset(), point=None) -> tuple:
        """The layers of a sweep taken whole, or of one of its points."""
        entry = self.expanded.sweeps.get(id(decl))
        if entry is None:
            return ()
        base, layer, points = entry
        below = self.chain(base, seen | {id(decl)}) + (layer,)
        if point is not None:
            return below + (point.overrides,)
        return below + (self.multi(decl),)

    def multi(self, decl: n.Sweep) -> tuple:
        """The layer of `Multi` entries of a sweep taken whole (one object per sweep)."""
        cached = self._multi.get(id(decl))
        if cached is not None:
            return cached
        _, _, points = self.expanded.sweeps[id(decl)]
        by_path: dict[str, list] = {}
        for point in points:
            for item in point.overrides:
                by_path.setdefault(item.path, []).append(item)
        out = []
        for path, items in by_path.items():
            texts: list[str] = []
            for item in items:
                text = self.value_text(item)
                if text not in texts:
                    texts.append(text)
            types = {str(self.value_type(item)) for item in items}
            site = items[0].site
            t = self.value_type(items[0]) if len(types) == 1 else site.type
            out.append(Multi(path, site, tuple(texts), self._shown_type(site, t), decl.span))
        layer = self._multi[id(decl)] = tuple(out)
        self._points[id(layer)] = [p.overrides for p in points]
        return layer

    def stacks(self, context: tuple, below: tuple = ()) -> list:
        """The stacks of layers that a context of `reach` (layer ids) stands for, with the
        layers `below` on top; a sweep taken whole stands for one stack per point (at most
        `MAX_CONTEXTS`)."""
        choices = []
        for key in context:
            layer = self._layers.get(key)
            if layer is None:
                return []
            choices.append(self._points.get(key, [layer]))
        combos = itertools.islice(itertools.product(*choices), MAX_CONTEXTS)
        return [tuple(combo) + below for combo in combos]

    # ----------------------------------------------------------------- views

    def view(self, layers: tuple) -> dict:
        """path -> Entry: the program's parameters under `layers` (innermost first)."""
        key = tuple(id(layer) for layer in layers)
        cached = self._views.get(key)
        if cached is not None:
            return cached
        if layers:
            out = dict(self.view(layers[:-1]))
            for item in layers[-1]:
                self._apply(out, item)
        else:
            out = {path: Entry(site, False) for path, site in self.base.items()}
        self._views[key] = out
        return out

    def _apply(self, view: dict, item) -> None:
        path = item.path
        below = view.get(path)
        site = below.site if below is not None else item.site
        for other in [p for p in view if p.startswith(path + ".") or p.startswith(path + "[")]:
            del view[other]
        if isinstance(item, Multi):
            text = "in [" + ", ".join(item.texts) + "]"
            view[path] = Entry(
                Site(path, site.kind, item.type, None, text, item.span, str(item.span), site.owner),
                True,
            )
            return
        t = self._shown_type(site, self.value_type(item))
        node = None if item.has_constant else item.value
        view[path] = Entry(
            Site(
                path,
                site.kind,
                t,
                node,
                self.value_text(item),
                item.span,
                str(item.span),
                site.owner,
            ),
            True,
        )
        if node is not None:
            for sub, sub_site in self._sub_sites(node, path).items():
                # the replacing value's arguments are the override's; its callee's
                # defaults are not set by anyone (listed with `--all`)
                overridden = sub_site.kind != DEFAULT
                view[sub] = Entry(replace(sub_site, owner=site.owner), overridden)

    def _sub_sites(self, value, path: str) -> dict:
        """The parameters of an override's value, under the override's path."""
        key = (id(value), path)
        cached = self._sub.get(key)
        if cached is None:
            collector = _SourceCollector(self.checked)
            collector.sites = Sites()
            collector.walk(value, path)
            cached = self._sub[key] = collector.sites.by_path
        return cached

    def _shown_type(self, site: Site, t):
        """A parameter keeps its type when the value fits it (`model.C = 0.01` is still a
        `Float`); a replacement of another type (a forest for a ridge) shows its own."""
        if t == ANY or site.type == ANY or is_subtype(t, site.type, self.checked.env):
            return site.type if t == ANY or site.type != ANY else t
        return t

    def value_type(self, item):
        if item.has_constant:
            return literal_type(item.constant)
        return self.checked.types.get(id(item.value), ANY)

    def value_text(self, item) -> str:
        version = _version_text(item.value, self.program.sources)
        if version is not None:
            return version
        if item.value is not None:
            span = item.value.span
            source = self.program.sources.get(span.file)
            if source is not None:
                return " ".join(source.text[span.start : span.end].split())
        if item.has_constant:
            return _spell(item.constant)
        return "…"

    # ----------------------------------------------------------------- reach

    def replaced(self, layers: tuple) -> frozenset:
        """The paths some layer of `layers` sets (a `Multi` too)."""
        key = tuple(id(layer) for layer in layers)
        cached = self._replaced.get(key)
        if cached is None:
            cached = frozenset(item.path for layer in layers for item in layer)
            self._replaced[key] = cached
        return cached

    def node_paths(self) -> dict[int, str]:
        """id(expression) -> path, for the expressions that set a parameter of the program."""
        if self._node_paths is None:
            self._node_paths = {
                id(site.node): path
                for path, site in self.base.items()
                if site.node is not None and site.kind != BINDING
            }
        return self._node_paths

    def reach(self, expr, layers: tuple = ()) -> dict[int, set]:
        """id(declaration or import item) -> the contexts (tuples of layer ids) it is reached
        under, evaluating `expr` under `layers`."""
        reached: dict[int, set] = {}
        done: set[tuple] = set()
        paths = self.node_paths()
        symbols = self.program.names.symbols
        prefixes = self.expanded.prefixes
        for layer in layers:
            self._layers[id(layer)] = layer
        todo = [(expr, layers)]
        while todo:
            node, ls = todo.pop()
            if isinstance(node, n.With):
                layer = self.expanded.layers.get(id(node), ())
                self._layers[id(layer)] = layer
                todo.append((node.base, (layer,) + ls))
                todo.extend((o.value, ls) for o in node.overrides)
                continue
            path = paths.get(id(node))
            if path is not None and path in self.replaced(ls):
                continue  # the override's value is followed where its `with` is written
            if isinstance(node, (n.Var, n.Attribute)):
                sym = symbols.get(id(node))
                decl = getattr(sym, "decl", None)
                if decl is not None:
                    key = tuple(id(layer) for layer in ls)
                    if isinstance(sym, PyRefSym):
                        reached.setdefault(id(sym.item), set()).add(key)
                    elif isinstance(sym, (BindingSym, TargetSym, DefSym)):
                        reached.setdefault(id(decl), set()).add(key)
                        name = prefixes.get(id(sym.module), "") + sym.name
                        mark = (id(decl), key)
                        if name not in self.replaced(ls) and mark not in done:
                            done.add(mark)
                            todo.extend(self._decl_parts(decl, ls))
            todo.extend((child, ls) for child in n.children(node))
        return reached

    def _decl_parts(self, decl, ls: tuple) -> list:
        if isinstance(decl, n.Sweep):
            entry = self.expanded.sweeps.get(id(decl))
            if entry is None:
                return [(decl.value, ls)]
            base, layer, _ = entry
            multi = self.multi(decl)
            self._layers[id(layer)] = layer
            self._layers[id(multi)] = multi
            values = [(o.value, (multi,) + ls) for o in decl.value.overrides]
            return [(base, (layer, multi) + ls), *values]
        if isinstance(decl, n.FuncDef):
            return [(child, ls) for child in n.children(decl)]
        return [(decl.value, ls)]


class _SourceCollector(Collector):
    """The collector, reading source text from whichever file the value is written in (an
    override's value may come from the command line)."""

    def _text(self, e) -> str:
        version = _version_text(e, self.program.sources)
        if version is not None:
            return version
        source = self.program.sources.get(e.span.file)
        if source is None:
            return "…"
        return " ".join(source.text[e.span.start : e.span.end].split())


def _version_text(e, sources) -> str | None:
    """A version of a history sweep, `clean @ "3f2a1bc9e0d4"`: the pin made for it (by
    ibc.resolve.history_axis) has no source text of its own, only the `history(…)` call's."""
    if not isinstance(e, n.Revision) or e.span is not e.revision.span:
        return None
    source = sources.get(e.value.span.file)
    name = source.text[e.value.span.start : e.value.span.end] if source is not None else "…"
    return f'{name} @ "{str(e.revision.value)[:12]}"'


def on_chain(contexts: set, top: tuple) -> bool:
    """Whether one of `contexts` is the target's own stack `top` or a part of it below which
    the target's value is built (a suffix: the outer layers)."""
    return any(len(c) <= len(top) and top[len(top) - len(c) :] == c for c in contexts)


# --------------------------------------------------------------------- checking paths


class _Mark(tuple):
    """An empty layer standing for the layer being checked: its place in a context."""


def check_paths(variants: Variants, items, base, below: tuple, diags: Diagnostics) -> None:
    """Check the override paths of one layer against each variant of `base` it overrides
    (docs/parameters.md §2, "Mistakes caught"), with the layers `below` it in the same
    `with` (a sweep's plain overrides, below its points) applied: where a path names a
    keyword argument of a call whose callee in that variant does not have it, E0402 with the
    callee's nearest names; where the path exists in none of them, E0501 with the nearest
    paths of the variant."""
    mark = variants.mark
    reached = variants.reach(base, (mark,))
    for item in items:
        owner = _root_owner(variants, item.path)
        if owner is None:
            continue
        contexts = [c for c in reached.get(id(owner), ()) if c and c[-1] == id(mark)]
        problem, absent, fits = None, None, False
        for context in contexts:
            for layers in variants.stacks(context[:-1], below):
                view = variants.view(layers)
                status = _probe(variants, view, item.path)
                if status is None:
                    fits = True
                elif status[0] == "E0402":
                    problem = problem or (status, view)
                elif absent is None:
                    absent = view
        if problem is not None:
            _report_keyword(problem[0], item.path, item.span, problem[1], diags)
        elif absent is not None and not fits:
            diags.error(
                "E0501",
                item.span,
                path=item.path,
                suggestions=nearest(item.path, list(absent), limit=3),
            )


def report_unknown(variants: Variants, path: str, span, base, below: tuple, diags) -> None:
    """An override path that no variant of the program has: E0402 when, in a variant that
    `base` has, it names a keyword that the call there does not take (with the callee's
    nearest names), else E0501 with the nearest paths of that variant (of the program when
    the path starts nowhere)."""
    mark = variants.mark
    owner = _root_owner(variants, path)
    views = []
    if owner is not None:
        reached = variants.reach(base, (mark,))
        for context in reached.get(id(owner), ()):
            if context and context[-1] == id(mark):
                views.extend(
                    variants.view(layers) for layers in variants.stacks(context[:-1], below)
                )
    for view in views:
        status = _probe(variants, view, path)
        if status is not None and status[0] == "E0402":
            _report_keyword(status, path, span, view, diags)
            return
    names = list(views[0]) if views else list(variants.expanded.sites.by_path)
    diags.error("E0501", span, path=path, suggestions=nearest(path, names, limit=3))


def _report_keyword(status, path: str, span, view: dict, diags) -> None:
    """E0402 for a keyword that a replacing value's callee does not take; E0501 (with the
    nearest paths) for one that the program's own call does not take."""
    _, callee, name, head, names = status
    if not head.overridden:
        diags.error("E0501", span, path=path, suggestions=nearest(path, list(view), limit=3))
        return
    related = ()
    if head.overridden and head.site.span is not None:
        text = head.site.text if len(head.site.text) <= 50 else head.site.text[:49] + "…"
        note = f"in this variant `{head.site.path}` is `{text}`, set here"
        related = (Related(head.site.span, note),)
    diags.error(
        "E0402",
        span,
        related,
        callee=callee,
        name=name,
        positional_only=False,
        suggestions=nearest(name, names),
    )


def _probe(variants: Variants, view: dict, path: str):
    """None when `path` is a parameter of the variant `view`; ("E0402", callee, name, head
    entry, callee's names) when it names a keyword its call does not take; else ("E0501",)."""
    if path in view:
        return None
    head, dot, name = path.rpartition(".")
    if dot and name.isidentifier() and head in view:
        found = _callee(variants, view[head])
        if found is not None:
            callee, names, open_ = found
            if name not in names and not open_:
                return ("E0402", callee, name, view[head], sorted(names))
            return None  # a `**kwargs` callee takes it
    return ("E0501",)


def _callee(variants: Variants, entry: Entry):
    """(callee name, parameter names, takes **kwargs) of the call that sets `entry`."""
    node = entry.site.node
    checked = variants.checked
    if isinstance(node, n.Pipe):
        node = checked.pipes.get(id(node))
    if not isinstance(node, n.Call):
        return None
    func = node.func.value if isinstance(node.func, n.Revision) else node.func
    ftype = checked.types.get(id(func))
    if not isinstance(ftype, FuncType) or id(node) not in checked.calls:
        return None
    names = {p.name for p in ftype.params if p.name}
    open_ = any(p.kind == VAR_KEYWORD for p in ftype.params)
    name = ftype.name or (func.name if isinstance(func, n.Var) else "the callee")
    return name, names, open_


def _root_owner(variants: Variants, path: str):
    return root_owner(variants.base, path)


def root_owner(base: dict, path: str):
    """The declaration of the shortest prefix of `path` that is a parameter of the program
    itself (the binding an override path starts at), or None."""
    parts = path.replace("[", ".[").split(".")
    for cut in range(1, len(parts) + 1):
        head = ".".join(parts[:cut]).replace(".[", "[")
        site = base.get(head)
        if site is not None:
            return site.owner
    return None
