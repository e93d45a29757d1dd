"""Overrides from the command line: `ibc run FILE -s model.C=0.1 -s 'seed in [0, 1, 2]'`.

Each `-s` text is an override as written inside `with { … }`, parsed, resolved in the main
file's scope and type-checked exactly like source; its diagnostics point into the text
itself (shown as `-s#1`). They form the outermost layer of every target run; `in` turns the
run into a sweep of every target over the given values. They get the checks an override in
a file gets (docs/parameters.md, "The command line"): an unknown path is E0501, a path and
its prefix (or one path twice) E0503, a value of a type some use rejects E0504, and a path
that none of the run's targets uses the warning W0501. A `-s` on a path that a sweep's axis
sets is no error: the command line is the outer layer, so its value replaces the axis (see
`ibc.codegen.lower._merge_point` and the runtime's `points_under`). On an axis of a search the
run runs it is E0522 (`ibc.params.search.check_cli_axes`): it would replace every trial's
value while the optimizer believes it varies.
"""

from __future__ import annotations

from ibc.diagnostics.diagnostic import Diagnostic, Diagnostics
from ibc.params import constants
from ibc.params.expand import Expander, Resolved, combine, reachable
from ibc.params.search import check_cli_axes
from ibc.params.view import check_paths
from ibc.resolve.names import NameResolver
from ibc.syntax import nodes as n
from ibc.syntax.parser import parse_override
from ibc.base.spans import Source
from ibc.types.check import Checker
from ibc.base.typeterms import STR, LiteralType, OptionalType, literal_base
from ibc.types.relations import is_subtype


def command_line(
    expander: Expander, texts: list[str], sources: dict, targets: list[str] | None = None
) -> None:
    """Resolve and check the `-s` overrides into `expander.out.cli` / `.cli_points`.
    `targets` are the names the run was given (none: every experiment and sweep), for the
    warning about a path none of them uses."""
    program = expander.program
    diags = expander.diags
    checker = Checker(program, Diagnostics())
    checker.env = expander.checked.env
    checker.out = expander.checked
    checker.module = program.main
    plain: list[Resolved] = []
    axes: list[list[list[tuple[Resolved, str]]]] = []
    paths: list[tuple[str, n.Path]] = []
    used: list[tuple[object, n.Path]] = []  # (site, path) of every override resolved
    for index, text in enumerate(texts, 1):
        source = Source(f"-s#{index}", text)
        sources[source.path] = source
        override, problems = parse_override(source)
        diags.extend(problems)
        if override is None:
            continue
        local = Diagnostics()
        resolver = NameResolver(local, program.prelude, program.names)
        history = override.sweep and n.history_call(override.value)
        history = history and "history" not in program.main.values
        for part in [a.value for a in override.value.args] if history else [override.value]:
            resolver.resolve_expression(part, program.main)
        if history and not local.has_errors:  # `-s 'clean in history(clean)'`
            _history(expander, override.value, local)
        sites = [expander.resolve_path(path) for path in override.paths]
        for problem in local.items:
            diags.add(_quote_hint(problem, sites, source))
        if local.has_errors or any(site is None for site in sites):
            continue
        paths += [(site.path, path) for site, path in zip(sites, override.paths)]
        used += list(zip(sites, override.paths))
        checker.diags = diags
        found = checker.infer(override.value, sites[0].type if len(sites) == 1 else None)
        if not override.sweep and _bare_word(override, sites, found, checker):
            diags.error(
                "E0504",
                override.value.span,
                path=sites[0].path,
                type=str(found),
                was=str(sites[0].type),
                use="",
                quote=f'{sites[0].path}="{override.value.name}"',
                name=override.value.name,
            )
            continue
        if not override.sweep:
            label = _source_text(source, override.value)
            plain.append(
                Resolved(sites[0].path, sites[0], override.value, override.span, label=label)
            )
            continue
        axis = expander.axis(sites, override)
        found = program.histories.get(id(override.value)) if axis is not None else None
        if found is not None:  # only the versions that fit (E0612, or W0612 when compatible)
            axis = expander.fit_versions(found, axis, ())
        if axis is None:
            continue
        axes.append(axis)
    before = len(diags.items)
    expander._prefix_conflicts(paths)
    for i in range(before, len(diags.items)):  # worded for the command line
        d = diags.items[i]
        args = dict(d.args, layer="-s", twice=d.args.get("path") == d.args.get("prefix"))
        diags.items[i] = Diagnostic(d.code, d.span, args, d.severity, d.related)
    if diags.has_errors:
        return
    _unused(expander, used, targets)
    _check_variants(
        expander, plain + [item for axis in axes for point in axis for item, _ in point], targets
    )
    check_cli_axes(expander, plain, targets)
    if diags.has_errors:
        return
    expander.out.cli = tuple(plain)
    if axes:
        total = 1
        for axis in axes:
            total *= len(axis)
        limit = constants.max_points(expander.checked)
        if total > limit:  # the product, before making it
            expander.diags.error("E0511", override.span, count=total, limit=limit, what="sweep")
            return
        expander.out.cli_points = tuple(combine(axes, lambda label: label))
    layers = [tuple(plain)]
    if expander.out.cli_points:
        layers += [p.overrides for p in expander.out.cli_points]
        expander.check_layers(layers, override.span, sweep=True)
    elif plain:
        expander.check_layers(layers, plain[0].span)


def _history(expander: Expander, call: n.Call, local: Diagnostics) -> None:
    """The versions of a `-s` history axis, added to the program's (docs/revisions.md)."""
    from ibc.resolve.history_axis import resolve_histories

    program = expander.program
    found = resolve_histories(
        [(program.main, call, False)],
        program.names,
        program.pyrefs,
        program.pins,
        program.index,
        program.root,
        local,
    )
    program.histories.update(found)


def _source_text(source: Source, expr) -> str:
    """The text of `expr` in a `-s` text, on one line: what point names and run records
    state for the value."""
    span = expr.span
    return " ".join(source.text[span.start : span.end].split())


def _check_variants(expander: Expander, items: list[Resolved], targets) -> None:
    """Each `-s` path against the variants of the targets run (as a `with` path against the
    variants it overrides, `ibc.params.view.check_paths`): `-s model.solver=…` on a target
    that replaced a `Ridge` by a `GradientBoostingRegressor` is E0402 there."""
    if not items:
        return
    found = Diagnostics()
    for decl in _chosen(expander.program, targets) or ():
        check_paths(expander.out.variants, items, decl.value, (), found)
    seen = set()
    for diag in found.items:
        key = (diag.code, diag.span)
        if key not in seen:
            seen.add(key)
            expander.diags.add(diag)


def _chosen(program, targets: list[str] | None):
    """The declarations of the targets run (every experiment and sweep when none is named);
    None when a name is not the file's (the run reports it as bad usage)."""
    decls: dict[str, object] = {}
    for decl in program.main.ast.decls if program.main.ast else ():
        if isinstance(decl, (n.Experiment, n.Sweep)):
            decls[decl.name.text] = decl
        elif isinstance(decl, n.Binding):
            for name, _ in n.pattern_names(decl.pattern):
                decls[name.text] = decl
    if not targets:
        return [d for d in decls.values() if isinstance(d, (n.Experiment, n.Sweep))]
    chosen = []
    for name in targets:
        decl = decls.get(name.split("[", 1)[0])
        if decl is None:
            return None
        chosen.append(decl)
    return chosen


def _unused(expander: Expander, used, targets: list[str] | None) -> None:
    """W0501 at each `-s` path that none of the run's targets reaches (as for an override
    in a `with` that its experiment never uses). Names the file does not define are left to
    the run, which reports them as bad usage."""
    program = expander.program
    chosen = _chosen(program, targets)
    if chosen is None:
        return
    reach: set[int] = set()
    for decl in chosen:
        reach |= reachable(program, decl.value) | {id(decl)}
    for site, path in used:
        if id(site.owner) not in reach:
            expander.diags.warning("W0501", path.span, path=site.path, layer="-s")


def _bare_word(override, sites, found, checker: Checker) -> bool:
    """`-s strategy=mean` where a string is expected and `mean` names something else (the
    prelude's `mean`): the user meant the string, as for an unknown word (`_quote_hint`)."""
    if len(sites) != 1 or not isinstance(override.value, n.Var):
        return False
    expected = sites[0].type
    inner = expected.inner if isinstance(expected, OptionalType) else expected
    if isinstance(inner, LiteralType):
        inner = literal_base(inner)
    return inner == STR and not is_subtype(found, expected, checker.env)


def _quote_hint(problem: Diagnostic, sites, source: Source) -> Diagnostic:
    """A bare word where a string is expected: `-s solver=lbfgs` means `"lbfgs"`."""
    if problem.code == "E0201" and len(sites) == 1 and sites[0] is not None:
        if sites[0].type == STR:
            word = problem.args.get("name", "")
            args = dict(problem.args, quote=f'{sites[0].path}="{word}"')
            return Diagnostic(problem.code, problem.span, args, problem.severity, problem.related)
    return problem
