"""Overrides from the command line: `ibc run FILE -s model.C=0.1 -s 'seed in [0, 1, 2]'`.

Each `-s` text is an override as written inside `with { … }`, parsed, resolved in the main
file's scope and type-checked exactly like source; its diagnostics point into the text
itself (shown as `-s#1`). They form the outermost layer of every target run; `in` turns the
run into a sweep of every target over the given values.
"""

from __future__ import annotations

from ibc.diagnostics.diagnostic import Diagnostic, Diagnostics
from ibc.params.expand import Expander, Resolved, combine
from ibc.resolve.names import NameResolver
from ibc.syntax.parser import parse_override
from ibc.syntax.spans import Source
from ibc.types.check import Checker
from ibc.types.types import STR


def command_line(expander: Expander, texts: list[str], sources: dict) -> None:
    """Resolve and check the `-s` overrides into `expander.out.cli` / `.cli_points`."""
    program = expander.program
    diags = expander.diags
    checker = Checker(program, Diagnostics())
    checker.env = expander.checked.env
    checker.out = expander.checked
    checker.module = program.main
    plain: list[Resolved] = []
    axes: list[list[list[tuple[Resolved, str]]]] = []
    for index, text in enumerate(texts, 1):
        source = Source(f"-s#{index}", text)
        sources[source.path] = source
        override, problems = parse_override(source)
        diags.extend(problems)
        if override is None:
            continue
        local = Diagnostics()
        NameResolver(local, program.prelude, program.names).resolve_expression(
            override.value, program.main
        )
        sites = [expander.resolve_path(path) for path in override.paths]
        for problem in local.items:
            diags.add(_quote_hint(problem, sites, source))
        if local.has_errors or any(site is None for site in sites):
            continue
        checker.diags = diags
        checker.infer(override.value, sites[0].type if len(sites) == 1 else None)
        if not override.sweep:
            plain.append(Resolved(sites[0].path, sites[0], override.value, override.span))
            continue
        axis = expander.axis(sites, override)
        if axis is None:
            continue
        axes.append(axis)
    if diags.has_errors:
        return
    expander.out.cli = tuple(plain)
    if axes:
        expander.out.cli_points = tuple(combine(axes, lambda label: label))
    layers = [tuple(plain)]
    if expander.out.cli_points:
        layers += [p.overrides for p in expander.out.cli_points]
        expander.check_layers(layers, override.span, sweep=True)
    elif plain:
        expander.check_layers(layers, plain[0].span)


def _quote_hint(problem: Diagnostic, sites, source: Source) -> Diagnostic:
    """A bare word where a string is expected: `-s solver=lbfgs` means `"lbfgs"`."""
    if problem.code == "E0201" and len(sites) == 1 and sites[0] is not None:
        if sites[0].type == STR:
            word = problem.args.get("name", "")
            args = dict(problem.args, quote=f'{sites[0].path}="{word}"')
            return Diagnostic(problem.code, problem.span, args, problem.severity, problem.related)
    return problem
