"""Typing a `search` declaration (docs/guide.md, "Searches").

A search is a sweep whose points an optimizer proposes: its value, used as an expression, is
the `Dict[Str, T]` of its trials, like a sweep's, where `T` is the type of the experiment it
derives. The checker infers the experiment (`base with {…}`) and the values of its overrides;
an axis's space (`log_uniform(0.001, 100.0)`) is a form of the search syntax, so only its
bounds are inferred here, and the spaces themselves are checked against the paths they set in
the parameters phase (`ibc.params.search`). This module checks the objective: a field path of
the experiment's value, a record (or a `Dict[Str, number]`) whose field is numeric (E0517,
E0518, E0519), the trial count and seed (E0520), and that `e with best(S)` names a search
(E0521).
"""

from __future__ import annotations

from ibc.base.spell import nearest
from ibc.base.typeterms import (
    ANY,
    BOOL,
    FLOAT,
    INT,
    STR,
    AnyType,
    DictType,
    LiteralType,
    OptionalType,
    RecordType,
    Type,
)
from ibc.resolve.symbols import TargetSym
from ibc.syntax import nodes as n
from ibc.types.relations import is_subtype


def search_type(checker, decl: n.Search) -> Type:
    """The type of a search used as a value, `Dict[Str, T]`; reports the objective's and the
    trial count's problems."""
    w = decl.value
    if not isinstance(w, n.With):
        base = checker.infer(w, None)
    else:
        base = checker.infer(w.base, None)
        for override in w.overrides:
            value = override.value
            if override.sweep and n.space_call(value) is not None:
                for arg in value.args:
                    checker.infer(arg.value, None)
            else:
                checker.infer(value, None)
    check_objective(decl, base, checker.env, checker.diags)
    _check_count(decl.trials, "trials", 1, checker.diags)
    if decl.seed is not None:
        _check_count(decl.seed, "seed", 0, checker.diags)
    return DictType(STR, base)


def best_type(checker, e: n.WithBest, expected: Type | None) -> Type:
    """`base with best(S)`: the type of `base`; `S` must name a search (E0521). The best
    trial's values are checked against `base`'s uses in the parameters phase."""
    base = checker.infer(e.base, expected)
    checker.infer(e.search, None)
    sym = checker.program.names.symbols.get(id(e.search))
    if isinstance(sym, TargetSym) and sym.is_search:
        return base
    if sym is not None or not isinstance(e.search, (n.Var, n.Attribute)):
        text = e.search.name if isinstance(e.search, n.Var) else "this expression"
        checker.diags.error("E0521", e.search.span, what=text)
    return base


def objective_type(t: Type, decl: n.Search, env, diags) -> Type | None:
    """The type of the objective field of a value of type `t`, or None after reporting why
    there is none."""
    path = decl.objective
    for depth, part in enumerate(path):
        if isinstance(t, AnyType):
            return ANY
        if isinstance(t, DictType) and is_subtype(STR, t.key, env):
            t = t.value  # a mapping's key is known at run time only
            continue
        if not isinstance(t, RecordType):
            where = ".".join(p.text for p in path[:depth])
            where = f"`{where}`" if where else "the experiment's value"
            diags.error("E0517", part.span, field=part.text, type=str(t), where=where)
            return None
        fields = dict(t.fields)
        if part.text not in fields:
            diags.error(
                "E0518",
                part.span,
                field=part.text,
                type=str(t),
                suggestions=nearest(part.text, list(fields), limit=3) or sorted(fields)[:3],
            )
            return None
        t = fields[part.text]
    return t


def check_objective(decl: n.Search, base: Type, env, diags) -> None:
    t = objective_type(base, decl, env, diags)
    if t is None or _numeric(t, env):
        return
    last = decl.objective[-1]
    diags.error(
        "E0519",
        decl.objective[0].span.to(last.span),
        path=decl.objective_path,
        type=str(t),
        direction=decl.direction.text,
    )


def _numeric(t: Type, env) -> bool:
    if isinstance(t, AnyType):
        return True
    if isinstance(t, OptionalType):
        return False
    if isinstance(t, LiteralType):
        return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in t.values)
    return t != BOOL and (is_subtype(t, FLOAT, env) or is_subtype(t, INT, env))


def _check_count(literal: n.Literal, what: str, least: int, diags) -> None:
    value = literal.value
    if not isinstance(value, int) or isinstance(value, bool) or value < least:
        diags.error("E0520", literal.span, what=what, found=literal.text, least=least)
