"""Checking one call against a function type, by Python's rules (DESIGN §5.2).

Positional arguments fill positional parameters in order, then `*args`; keyword arguments
fill parameters by name, then `**kwargs`; a parameter filled twice, an unknown keyword,
too many positional arguments and a missing required argument are errors. Generic
parameters are solved by unification; lambdas are checked last, against the parameter
type the other arguments have solved.
"""

from __future__ import annotations

from typing import Callable

from ibc.diagnostics.diagnostic import Diagnostics
from ibc.base.spell import nearest
from ibc.records import record
from ibc.syntax import nodes as n
from ibc.syntax.spans import Span
from ibc.types.relations import Hierarchy, Metas, is_subtype
from ibc.types.types import (
    ANY,
    KEYWORD_ONLY,
    POSITIONAL,
    POSITIONAL_ONLY,
    VAR_KEYWORD,
    VAR_POSITIONAL,
    FuncType,
    Param,
    Type,
    substitute,
)


@record(mutable=True)
class CallMatch:
    """Which parameter each argument filled (by index of `args`): the parameter's name, or
    `name[i]` for the i-th value of `*name`. `None` when unmatched."""

    params: list[str | None]
    result: Type


Infer = Callable[[n.Expr, "Type | None"], Type]


def check_call(
    ftype: FuncType,
    fname: str,
    args: tuple[n.Arg, ...],
    call_span: Span,
    infer: Infer,
    diags: Diagnostics,
    h: Hierarchy,
) -> CallMatch:
    metas = Metas()
    mapping = metas.fresh(ftype.type_params)
    params = [
        Param(p.name, substitute(p.type, mapping), p.kind, p.has_default, p.default)
        for p in ftype.params
    ]
    returns = substitute(ftype.returns, mapping)

    positional = [p for p in params if p.kind in (POSITIONAL_ONLY, POSITIONAL)]
    var_pos = next((p for p in params if p.kind == VAR_POSITIONAL), None)
    var_kw = next((p for p in params if p.kind == VAR_KEYWORD), None)
    by_name = {p.name: p for p in params if p.kind in (POSITIONAL, KEYWORD_ONLY) and p.name}
    filled: dict[str, n.Arg] = {}
    # (argument, parameter, parameter path, why its type is expected: facts for E0401's wording)
    assigned: list[tuple[n.Arg, Param | None, str | None, dict]] = []
    extra = 0
    unknown_keyword = False
    too_many = False
    keyword_only = [p.name for p in params if p.kind == KEYWORD_ONLY]
    # The parser guarantees positional arguments come first (E0127).
    for index, arg in enumerate(args):
        if arg.name is None:
            if index < len(positional):
                p = positional[index]
                key = p.name or f"#{index}"
                filled[key] = arg
                why = {"role": "positional", "position": index + 1, "callee": fname}
                if p.name:
                    why["param"] = p.name
                assigned.append((arg, p, p.name, why))
            elif var_pos is not None:
                why = {"role": "positional", "position": index + 1, "callee": fname}
                why.update(param=var_pos.name, star=True)
                assigned.append((arg, var_pos, f"{var_pos.name}[{extra}]", why))
                extra += 1
            else:
                too_many = True
                diags.error(
                    "E0403",
                    arg.span,
                    callee=fname,
                    expected=len(positional),
                    found=sum(1 for a in args if a.name is None),
                    keyword_only=keyword_only,
                )
                assigned.append((arg, None, None, {}))
            continue
        key = arg.name.text
        if key in filled:
            diags.error("E0405", arg.name.span, callee=fname, name=key)
            assigned.append((arg, None, None, {}))
            continue
        p = by_name.get(key)
        if p is not None:
            filled[key] = arg
            assigned.append((arg, p, key, {"role": "keyword", "param": key, "callee": fname}))
        elif var_kw is not None:
            filled[key] = arg
            assigned.append((arg, var_kw, key, {"role": "keyword", "param": key, "callee": fname}))
        else:
            positional_only = any(q.name == key and q.kind == POSITIONAL_ONLY for q in params)
            unknown_keyword = True
            diags.error(
                "E0402",
                arg.name.span,
                callee=fname,
                name=key,
                positional_only=positional_only,
                suggestions=nearest(key, list(by_name)),
            )
            assigned.append((arg, None, None, {}))

    missing = [
        p.name
        for p in params
        if p.kind in (POSITIONAL_ONLY, POSITIONAL, KEYWORD_ONLY)
        and not p.has_default
        and (p.name or "") not in filled
        and not (p.kind == POSITIONAL_ONLY and _filled_positionally(p, positional, args))
    ]
    if too_many:  # the keyword-only ones were named in the hint of E0403
        missing = [m for m in missing if m not in keyword_only]
    if missing and not unknown_keyword:  # a misspelt keyword is reported once
        diags.error("E0404", call_span, callee=fname, names=[m or "?" for m in missing])

    # Arguments other than lambdas first, so that lambdas see solved parameter types.
    ordered = sorted(assigned, key=lambda item: isinstance(item[0].value, n.Lambda))
    for arg, param, _, why in ordered:
        if param is None:
            infer(arg.value, None)
            continue
        expected = metas.resolve(param.type)
        found = infer(arg.value, expected)
        if not is_subtype(found, param.type, h, metas):
            diags.error(
                "E0401",
                arg.value.span,
                **why,
                expected=str(metas.unbound_to_any(param.type)),
                found=str(found),
            )
    by_arg = {id(a): name for a, _, name, _ in assigned}
    return CallMatch([by_arg.get(id(a)) for a in args], metas.unbound_to_any(returns))


def _filled_positionally(p: Param, positional: list[Param], args: tuple[n.Arg, ...]) -> bool:
    index = positional.index(p)
    return sum(1 for a in args if a.name is None) > index


def unchecked_call(args: tuple[n.Arg, ...], infer: Infer) -> CallMatch:
    """A call of something whose signature is unknown (`Any`): arguments are still checked
    on their own, and the result is `Any`."""
    for arg in args:
        infer(arg.value, None)
    return CallMatch([arg.name.text if arg.name else None for arg in args], ANY)
