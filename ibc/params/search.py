"""The axes of a search, resolved and checked (docs/guide.md, "Searches").

Each `path in SPACE` override of a search's `with` is an axis: its paths are resolved to
parameter sites like any override's, and its space is read: a numeric interval
(`uniform(lo, hi)`, `log_uniform(lo, hi)`: Float; `int_range(lo, hi)`, `int_log_range(lo,
hi)`: Int, inclusive) whose bounds are constant numbers with `lo < hi` (positive for a log
scale), or a categorical space (`choice([...])` or a list literal, of any expressions). The
space is type-checked against the path like an override: a numeric space as an override by a
value of its type (a Float space on a parameter some use needs an Int is E0504), a categorical
one value by value, as a sweep's points are. `ibc params` lists the axes (`Axis.describe`).
"""

from __future__ import annotations

import itertools

from ibc.base.records import record
from ibc.base.spans import Span
from ibc.params import constants
from ibc.syntax import nodes as n

LOG_SPACES = ("log_uniform", "int_log_range")
INT_SPACES = ("int_range", "int_log_range")


@record
class Axis:
    """One axis of a search: its paths (several for a categorical zip), the space's kind
    (`uniform`, `log_uniform`, `int_range`, `int_log_range` or `choice`), the bounds of a
    numeric space, the spellings of a categorical one's values, and its type's name."""

    paths: tuple[str, ...]
    kind: str
    low: object
    high: object
    labels: tuple[str, ...]
    type: str
    span: Span

    def describe(self) -> str:
        """The space as `ibc params` shows it: `log_uniform(0.001, 100.0)`, `choice([a, b])`."""
        if self.kind == "choice":
            return "choice([" + ", ".join(self.labels) + "])"
        return f"{self.kind}({self.low!r}, {self.high!r})"


def expand_search(expander, decl: n.Search) -> None:
    """Resolve and check a search's axes; records `(base, layer, axes)` in
    `expanded.searches` (E0512 to E0516 for malformed axes, E0504 for a space of a type a
    use rejects)."""
    w = decl.value
    diags = expander.diags
    if not isinstance(w, n.With) or not any(o.sweep for o in w.overrides):
        diags.error("E0512", decl.name.span, name=decl.name.text)
        return
    for inner in _withs_in(w.base):
        expander._with(inner)
    for override in w.overrides:
        if not override.sweep:
            for inner in _withs_in(override.value):
                expander._with(inner)
    plain = tuple(o for o in w.overrides if not o.sweep)
    layer = expander.resolve_layer(plain, w.base)
    axes: list[Axis] = []
    variants: list[list] = []  # per axis, the override sets that stand for its values
    for entry in (o for o in w.overrides if o.sweep):
        found = _axis(expander, entry, w.base, layer)
        if found is None:
            continue
        axis, values = found
        axes.append(axis)
        variants.append(values)
    if len(axes) != sum(1 for o in w.overrides if o.sweep):
        return
    expander.out.searches[id(decl)] = (w.base, layer, tuple(axes))
    # per axis, a categorical space's candidates as override sets (what code generation emits)
    expander.out.search_values[id(decl)] = tuple(tuple(tuple(v) for v in vs) for vs in variants)
    expander.pending.append((layer, w.base, ()))
    points = [tuple(r for group in combo for r in group) for combo in itertools.product(*variants)]
    if points:
        expander.pending.append((points[0], w.base, (layer,)))
    limit = constants.max_points(expander.checked)
    if len(points) > limit:  # categorical axes only: each numeric axis stands for one type
        diags.error("E0511", w.span, count=len(points), limit=limit, what="search's choices")
        return
    expander.check_layers([layer, *points], w.span, sweep=True)


def _axis(expander, entry: n.Override, base, layer):
    """The axis of one `in` override and the override sets that stand for its values, or
    None after reporting a problem."""
    from ibc.params.expand import Resolved

    diags = expander.diags
    value = entry.value
    kind = n.space_call(value)
    if kind is None and not isinstance(value, n.ListExpr):
        diags.error("E0513", value.span, space=_callee_text(value))
        return None
    sites = [expander.resolve_path(p, base, (layer,)) for p in entry.paths]
    if any(s is None for s in sites):
        return None
    paths = tuple(s.path for s in sites)
    if kind == "choice":
        args = value.args
        if len(args) != 1 or args[0].name is not None or not isinstance(args[0].value, n.ListExpr):
            diags.error("E0514", value.span, space="choice", reason="takes one list literal")
            return None
        value = args[0].value
    if kind is None or kind == "choice":
        listed = n.Override(entry.paths, value, True, entry.span)
        values = expander.axis(sites, listed)
        if values is None:
            return None
        labels = tuple(text for group in values for _, text in group[:1])
        types = {str(expander._value_type(r)) for group in values for r, _ in group}
        kind_type = types.pop() if len(types) == 1 else "mixed"
        axis = Axis(paths, "choice", None, None, labels, kind_type, entry.span)
        return axis, [[r for r, _ in group] for group in values]
    bounds = _bounds(value, kind, diags)
    if bounds is None:
        return None
    if len(sites) > 1:
        diags.error(
            "E0514",
            entry.span,
            space=kind,
            reason="sets one path; a tuple of paths takes its values together from a list",
        )
        return None
    low, high = bounds
    type_name = n.SPACES[kind]
    sample = float(low) if type_name == "Float" else low
    site = sites[0]
    resolved = Resolved(site.path, site, value, entry.span, sample, True, _spell(sample))
    return Axis(paths, kind, low, high, (), type_name, entry.span), [[resolved]]


def _bounds(call: n.Call, kind: str, diags):
    """The (lo, hi) of a numeric space, checked (E0514, E0515, E0516), or None."""
    args = call.args
    named = {"lo": None, "hi": None}
    positional = [a for a in args if a.name is None]
    keywords = [a for a in args if a.name is not None]
    if len(args) != 2 or any(a.name.text not in named for a in keywords):
        diags.error("E0514", call.span, space=kind, reason="takes two bounds, `lo` and `hi`")
        return None
    order = [*positional, *sorted(keywords, key=lambda a: a.name.text != "lo")]
    values = []
    for arg in order:
        v = constants.fold(arg.value)
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            reason = "takes bounds that are numbers known at compile time"
            diags.error("E0514", arg.value.span, space=kind, reason=reason)
            return None
        if kind in INT_SPACES and not isinstance(v, int):
            diags.error("E0514", arg.value.span, space=kind, reason="takes integer bounds")
            return None
        values.append(v)
    low, high = values
    if kind in LOG_SPACES and min(low, high) <= 0:
        bad = order[0] if low <= 0 else order[1]
        diags.error("E0516", bad.value.span, space=kind, bound=_spell(low if low <= 0 else high))
        return None
    if not low < high:
        diags.error("E0515", call.span, space=kind, lo=_spell(low), hi=_spell(high))
        return None
    return low, high


def _spell(v) -> str:
    return repr(v)


def _callee_text(e: n.Expr) -> str:
    if isinstance(e, n.Call) and isinstance(e.func, n.Var):
        return e.func.name + "(…)"
    if isinstance(e, n.Var):
        return e.name
    return "this value"


def _withs_in(expr):
    out = []
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, n.With):
            out.append(node)
        stack.extend(n.children(node))
    return out


def check_best_layers(expander) -> None:
    """Type-check each `base with best(S)`: the best trial sets `S`'s axes, so each value an
    axis may take must suit every use of its path in `base` (E0504, with the use)."""
    program = expander.program
    for info in program.modules:
        if info.ast is None or info.kind == "prelude":
            continue
        expander.current_prefix = expander.prefixes.get(id(info), "")
        for decl in info.ast.decls:
            if "best" not in info.source.text[decl.span.start : decl.span.end]:
                continue
            for node in _nodes_of(decl, n.WithBest):
                sym = program.names.symbols.get(id(node.search))
                search = getattr(sym, "decl", None)
                if id(search) not in expander.out.searches:
                    continue  # not a search, or one with errors (reported there)
                variants = []
                for entry in (o for o in search.value.overrides if o.sweep):
                    found = _axis(expander, entry, node.base, ())
                    if found is None:
                        return
                    variants.append(found[1])
                points = [
                    tuple(r for group in combo for r in group)
                    for combo in itertools.product(*variants)
                ]
                expander.check_layers([(), *points], node.span, sweep=True)


def _nodes_of(root, kind) -> list:
    out = []
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, kind):
            out.append(node)
        stack.extend(n.children(node))
    return out


def check_cli_axes(expander, plain, targets) -> None:
    """E0522 at each `-s PATH=V` whose path is an axis of a search the run runs, or a prefix
    of one: the trials set the axis, so the value would silently replace every trial's
    (docs/guide.md, "Searches"). The searches run are the named targets' (a search itself,
    or one a target reaches: `len(tuned)`, `with best(tuned)`), or every search of the file
    when none is named."""
    from ibc.params.expand import reachable

    program = expander.program
    searches = [
        d for d in (program.main.ast.decls if program.main.ast else ()) if isinstance(d, n.Search)
    ]
    searches = [d for d in searches if id(d) in expander.out.searches]
    if not plain or not searches:
        return
    wanted = {t.split("[", 1)[0] for t in targets or ()}
    reach: set[int] = set()
    if wanted:
        for decl in program.main.ast.decls:
            names = (
                {nm.text for nm, _ in n.pattern_names(decl.pattern)}
                if isinstance(decl, n.Binding)
                else {getattr(getattr(decl, "name", None), "text", None)}
            )
            if names & wanted:
                reach |= reachable(program, decl.value) | {id(decl)}
    for item in plain:
        for search in searches:
            if wanted and id(search) not in reach:
                continue
            axes = [p for axis in expander.out.searches[id(search)][2] for p in axis.paths]
            hit = next(
                (
                    a
                    for a in axes
                    if a == item.path or a.startswith((item.path + ".", item.path + "["))
                ),
                None,
            )
            if hit is not None:
                expander.diags.error(
                    "E0522", item.span, path=item.path, axis=hit, search=search.name.text
                )
                break
