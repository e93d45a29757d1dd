"""Checking one call against a function type, by Python's rules (docs/guide.md §5).

Positional arguments fill positional parameters in order, then `*args`; keyword arguments
fill parameters by name, then `**kwargs`; a parameter filled twice, an unknown keyword,
too many positional arguments and a missing required argument are errors. Generic
parameters are solved by unification; lambdas are checked last, against the parameter
type the other arguments have solved. An argument whose value is known at compile time
(`constant`) must be one of the values of a `Literal[...]` parameter (E0429).

`choose_overload` picks, among a Python function's `@overload` signatures, the first that
the arguments fit (docs/types.md): `inplace` absent or `False` picks pandas' overload
returning a `DataFrame`, not `Optional[DataFrame]`.
"""

from __future__ import annotations

from typing import Callable

from ibc.diagnostics.diagnostic import Diagnostics
from ibc.base.spell import nearest
from ibc.base.records import record
from ibc.syntax import nodes as n
from ibc.base.spans import Span
from ibc.types.relations import Hierarchy, Metas, is_subtype
from ibc.base.typeterms import (
    ANY,
    KEYWORD_ONLY,
    LiteralType,
    OptionalType,
    POSITIONAL,
    POSITIONAL_ONLY,
    VAR_KEYWORD,
    VAR_POSITIONAL,
    FuncType,
    Nominal,
    Param,
    Type,
    TypeVar,
    literal_key,
    literal_text,
    substitute,
)

UNKNOWN = object()  # what `Constant` answers for a value not known at compile time


@record(mutable=True)
class CallMatch:
    """Which parameter each argument filled (by index of `args`): the parameter's name, or
    `name[i]` for the i-th value of `*name`. `None` when unmatched."""

    params: list[str | None]
    result: Type


Infer = Callable[[n.Expr, "Type | None"], Type]
Constant = Callable[[n.Expr], object]  # the value of an expression, else UNKNOWN


def check_call(
    ftype: FuncType,
    fname: str,
    args: tuple[n.Arg, ...],
    call_span: Span,
    infer: Infer,
    diags: Diagnostics,
    h: Hierarchy,
    constant: Constant | None = None,
) -> CallMatch:
    metas = Metas()
    match, returns = _match(ftype, fname, args, call_span, metas, diags)
    _check_types(match.assigned, infer, diags, h, metas, constant)
    by_arg = {id(a): name for a, _, name, _ in match.assigned}
    return CallMatch([by_arg.get(id(a)) for a in args], metas.unbound_to_any(returns))


def _match(ftype: FuncType, fname: str, args, call_span: Span, metas: Metas, diags: Diagnostics):
    """Arguments matched to the parameters of `ftype` (its type parameters made fresh in
    `metas`), problems reported to `diags`; and the return type, substituted likewise."""
    mapping = metas.fresh(ftype.type_params)
    params = [
        Param(p.name, substitute(p.type, mapping), p.kind, p.has_default, p.default)
        for p in ftype.params
    ]
    match = _Matching(params, fname, args, diags)
    # The parser guarantees positional arguments come first (E0127).
    for index, arg in enumerate(args):
        if arg.name is None:
            match.positional(index, arg)
        else:
            match.keyword(arg)
    match.report_missing(call_span)
    return match, substitute(ftype.returns, mapping)


class _Matching:
    """Arguments matched to the parameters of one call, one argument at a time; reports
    the arguments that fill nothing or fill a parameter twice."""

    def __init__(
        self, params: list[Param], fname: str, args: tuple[n.Arg, ...], diags: Diagnostics
    ) -> None:
        self.params, self.fname, self.args, self.diags = params, fname, args, diags
        self.by_position = [p for p in params if p.kind in (POSITIONAL_ONLY, POSITIONAL)]
        self.var_pos = next((p for p in params if p.kind == VAR_POSITIONAL), None)
        self.var_kw = next((p for p in params if p.kind == VAR_KEYWORD), None)
        self.by_name = {
            p.name: p for p in params if p.kind in (POSITIONAL, KEYWORD_ONLY) and p.name
        }
        self.keyword_only = [p.name for p in params if p.kind == KEYWORD_ONLY]
        self.filled: dict[str, n.Arg] = {}
        # (argument, parameter, parameter path, why its type is expected: facts for E0401's
        # wording)
        self.assigned: list[tuple[n.Arg, Param | None, str | None, dict]] = []
        self.extra = 0  # values given to `*args` so far
        self.unknown_keyword = False
        self.too_many = False

    def positional(self, index: int, arg: n.Arg) -> None:
        """The `index`-th argument, unnamed: the next positional parameter, else `*args`."""
        if index < len(self.by_position):
            p = self.by_position[index]
            self.filled[p.name or f"#{index}"] = arg
            why = {"role": "positional", "position": index + 1, "callee": self.fname}
            if p.name:
                why["param"] = p.name
            self.assigned.append((arg, p, p.name, why))
        elif self.var_pos is not None:
            why = {"role": "positional", "position": index + 1, "callee": self.fname}
            why.update(param=self.var_pos.name, star=True)
            self.assigned.append((arg, self.var_pos, f"{self.var_pos.name}[{self.extra}]", why))
            self.extra += 1
        elif self.too_many:  # said once, at the first extra argument (it gives the counts)
            self.assigned.append((arg, None, None, {}))
        else:
            self.too_many = True
            self.diags.error(
                "E0403",
                arg.span,
                callee=self.fname,
                expected=len(self.by_position),
                found=sum(1 for a in self.args if a.name is None),
                keyword_only=self.keyword_only,
            )
            self.assigned.append((arg, None, None, {}))

    def keyword(self, arg: n.Arg) -> None:
        """`name = value`: the parameter of that name, else `**kwargs`."""
        key = arg.name.text
        if key in self.filled:
            self.diags.error("E0405", arg.name.span, callee=self.fname, name=key)
            self.assigned.append((arg, None, None, {}))
            return
        p = self.by_name.get(key)
        if p is None:
            p = self.var_kw
        if p is not None:
            self.filled[key] = arg
            why = {"role": "keyword", "param": key, "callee": self.fname}
            self.assigned.append((arg, p, key, why))
            return
        positional_only = any(q.name == key and q.kind == POSITIONAL_ONLY for q in self.params)
        self.unknown_keyword = True
        self.diags.error(
            "E0402",
            arg.name.span,
            callee=self.fname,
            name=key,
            positional_only=positional_only,
            suggestions=nearest(key, list(self.by_name)),
        )
        self.assigned.append((arg, None, None, {}))

    def report_missing(self, call_span: Span) -> None:
        """E0404 for the required parameters no argument filled."""
        missing = [
            p.name
            for p in self.params
            if p.kind in (POSITIONAL_ONLY, POSITIONAL, KEYWORD_ONLY)
            and not p.has_default
            and (p.name or "") not in self.filled
            and not (
                p.kind == POSITIONAL_ONLY and _filled_positionally(p, self.by_position, self.args)
            )
        ]
        if self.too_many:  # the keyword-only ones were named in the hint of E0403
            missing = [m for m in missing if m not in self.keyword_only]
        if missing and not self.unknown_keyword:  # a misspelt keyword is reported once
            names = [m or "?" for m in missing]
            self.diags.error("E0404", call_span, callee=self.fname, names=names)


def _check_types(
    assigned, infer: Infer, diags: Diagnostics, h: Hierarchy, metas: Metas, constant
) -> None:
    """Each argument's type against its parameter's (E0401), and a known value against a
    `Literal` parameter's values (E0429); arguments that fill nothing are still inferred.
    Arguments other than lambdas first, so that lambdas see solved parameter types."""
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
                expected=_expected_text(param.type, metas),
                found=str(found),
            )
            continue
        if constant is not None and literal_of(expected) is not None:
            check_literal(expected, constant(arg.value), arg.value.span, diags, why)


def _expected_text(t: Type, metas: Metas) -> str:
    """The expected type as the message shows it: a generic parameter left unsolved reads
    as its bound (`M <: Estimator` is `Estimator`), else `Any`."""
    resolved = metas.resolve(t)
    if isinstance(resolved, TypeVar) and resolved in metas.metas and resolved.bound is not None:
        return str(metas.unbound_to_any(resolved.bound))
    return str(metas.unbound_to_any(t))


def check_literal(expected: Type, value: object, span: Span, diags: Diagnostics, why) -> None:
    """E0429 when `value` (known at compile time) is not among the values of the `Literal`
    type `expected`; `why` says what expects it (as for E0401)."""
    allowed = literal_of(expected)
    if allowed is None or value is UNKNOWN or literal_accepts(expected, value):
        return
    diags.error(
        "E0429",
        span,
        **why,
        value=literal_text(value),
        allowed=[literal_text(v) for v in allowed.values],
        suggestions=_nearest_values(value, allowed),
    )


def _nearest_values(value: object, allowed: LiteralType) -> list[str]:
    """The allowed string nearest to a misspelt string (as `.ib` writes it), if any."""
    if not isinstance(value, str):
        return []
    strings = [v for v in allowed.values if isinstance(v, str)]
    return [literal_text(v) for v in nearest(value, strings, limit=1)]


def literal_of(t: Type) -> LiteralType | None:
    """The literal type `t` is (or the one inside an `Optional`), else None."""
    if isinstance(t, OptionalType):
        t = t.inner
    return t if isinstance(t, LiteralType) else None


def literal_accepts(t: Type, value: object) -> bool:
    """Is the constant `value` one of the values of the `Literal` type `t` (or None where
    it is optional)?"""
    if value is None:
        return isinstance(t, OptionalType)
    allowed = literal_of(t)
    return allowed is not None and literal_key(value) in {literal_key(v) for v in allowed.values}


def choose_overload(
    overloads: tuple[FuncType, ...],
    args: tuple[n.Arg, ...],
    arg_types: dict[int, Type],
    constant: Constant,
    h: Hierarchy,
    call_span: Span,
) -> FuncType | None:
    """The first overload the arguments fit: each argument fills a parameter, every
    required parameter is filled, each argument's type is accepted and, for a `Literal`
    parameter, the argument is a constant among its values (a value known only at run time
    fits no `Literal` overload). Lambdas fit any parameter. None when no overload fits."""
    for overload in overloads:
        metas = Metas()
        scratch = Diagnostics()
        match, _ = _match(overload, overload.name, args, call_span, metas, scratch)
        if scratch.has_errors:
            continue
        assigned = match.assigned
        if all(_fits(arg, param, arg_types, constant, h, metas) for arg, param, _, _ in assigned):
            return overload
    return None


def _fits(arg: n.Arg, param: Param | None, arg_types, constant, h, metas: Metas) -> bool:
    if param is None:
        return False
    if isinstance(arg.value, n.Lambda):
        return True
    found = arg_types.get(id(arg.value), ANY)
    if literal_of(param.type) is not None:
        value = constant(arg.value)
        if value is UNKNOWN:  # fits only as a literal type itself (a `Literal` result)
            return isinstance(literal_of(found), LiteralType) and is_subtype(found, param.type)
        return literal_accepts(param.type, value)
    return is_subtype(found, param.type, h, metas)


def _filled_positionally(p: Param, positional: list[Param], args: tuple[n.Arg, ...]) -> bool:
    index = positional.index(p)
    return sum(1 for a in args if a.name is None) > index


def unchecked_call(args: tuple[n.Arg, ...], infer: Infer) -> CallMatch:
    """A call of something whose signature is unknown (`Any`): arguments are still checked
    on their own, and the result is `Any`."""
    for arg in args:
        infer(arg.value, None)
    return CallMatch([arg.name.text if arg.name else None for arg in args], ANY)


def receiver(sig: FuncType | None, self_var: str, base: Nominal) -> FuncType | None:
    """A method's signature with its `Self` type parameter (`self_var`) replaced by the
    receiver's type: `DataFrame.copy` returns a `DataFrame`, though `NDFrame` defines it."""
    if sig is None or not self_var:
        return sig
    found = [tv for tv in sig.type_params if tv.name == self_var]
    if not found:
        return sig
    done = substitute(sig, {found[0]: base})
    assert isinstance(done, FuncType)
    rest = tuple(tv for tv in sig.type_params if tv is not found[0])
    return FuncType(done.params, done.returns, rest, sig.name)
