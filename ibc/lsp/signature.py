"""Signature help: the parameters of the function whose call the cursor is in, and which of
them the argument being typed fills.

As for completion (`ibc.lsp.completion`), the text being typed rarely parses: the call comes
from a scan of the current text (the innermost `(` still open before the cursor, outside
strings and comments, and the callee written before it: `evaluate`, `common.double`,
`LogisticRegression`), and the function's type from the last analysis that type-checked.
Python functions and classes (a class's constructor), `def`s, lambdas bound to a name (`f =
fn(x: Int) => …`) and the prelude's functions have signatures; a callee with no function
type has none. A method call (`model.predict(`, `X.fillna(`) has its method's signature when
the receiver is a name (of the file, of an imported module, or a parameter or local of the
`def` around the cursor) whose checked type is a Python class: the method as the checker
reads it (from the class, its bases or their stubs), `self` left out and a `Self` return
replaced by the receiver's class.

The active parameter is the one a keyword argument names (`C = |`); after keyword
arguments, the first parameter not given yet; else the one the positional argument at the
cursor fills (the positional arguments before it counted; a `*args` parameter takes every
later one).
"""

from __future__ import annotations

import re

from ibc.base.records import record
from ibc.lsp.analysis import Analysis
from ibc.lsp.completion import _CALLEE, _flatten, _lookup_dotted, _string_end
from ibc.lsp.features import symbol_type
from ibc.syntax.lexical import KEYWORDS

_KEYWORD_ARG = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?![=>])")


@record
class Signature:
    """`label` as shown (`evaluate(m: Model, k: Int = 5) -> Float`), each parameter's
    (start, end) in it, the active parameter's index (None: none of them) and the doc."""

    label: str
    params: tuple[tuple[int, int], ...]
    active: int | None


@record
class CallSite:
    """The call the cursor is in: the callee as written (spaces removed), the arguments
    before the cursor's (their texts), and the text of the argument at the cursor."""

    callee: str
    before: tuple[str, ...]
    current: str


def call_at(text: str, offset: int) -> CallSite | None:
    """The innermost call whose parentheses hold `offset`, or None."""
    offset = max(0, min(offset, len(text)))
    stack: list[list] = []  # [bracket, offset, [offsets of its commas]]
    i = 0
    while i < offset:
        ch = text[i]
        if ch == "#":
            newline = text.find("\n", i)
            if newline == -1 or newline >= offset:
                return None
            i = newline + 1
            continue
        if ch in "\"'":
            close = _string_end(text, i, offset)
            if close is None:
                return None
            i = close
            continue
        if ch in "([{":
            stack.append([ch, i, []])
        elif ch in ")]}":
            if stack and "([{"[")]}".index(ch)] == stack[-1][0]:
                stack.pop()
        elif ch == "," and stack:
            stack[-1][2].append(i)
        i += 1
    for bracket, opened, commas in reversed(stack):
        if bracket != "(":
            continue
        match = _CALLEE.search(text[:opened])
        if match is None or match.group(1) in KEYWORDS:
            return None  # a tuple or a parenthesized expression: no call
        bounds = [opened, *commas, offset]
        pieces = [_flatten(text[a + 1 : b]) for a, b in zip(bounds, bounds[1:])]
        callee = re.sub(r"\s+", "", match.group(1))
        return CallSite(callee, tuple(pieces[:-1]), pieces[-1])
    return None


def signature_help(analysis: Analysis | None, text: str, offset: int) -> Signature | None:
    """The signature of the call at `offset` in `text`, or None."""
    from ibc.base.typeterms import FuncType

    site = call_at(text, offset)
    if site is None or analysis is None or analysis.program is None:
        return None
    if analysis.checked is None:
        return None
    sym = _lookup_dotted(analysis, site.callee)
    if sym is not None:
        ftype = symbol_type(analysis, sym)
    elif "." in site.callee:
        ftype = _method_type(analysis, site.callee, offset)
    else:
        return None
    if not isinstance(ftype, FuncType):
        return None
    label, spans = _label(site.callee.rsplit(".", 1)[-1], ftype)
    return Signature(label, spans, _active(ftype, site))


def _method_type(analysis: Analysis, callee: str, offset: int):
    """The signature of the method `callee` names (`model.predict`), or None."""
    from ibc.base.typeterms import Nominal
    from ibc.types.calls import receiver

    base_text, name = callee.rsplit(".", 1)
    base = _local_type_at(analysis, base_text, offset)
    if base is None:
        sym = _lookup_dotted(analysis, base_text)
        base = symbol_type(analysis, sym) if sym is not None else None
    if not isinstance(base, Nominal):
        return None
    try:
        method = analysis.checked.env.index_for(base.revision).method(base.target, name)
    except Exception:  # noqa: BLE001 - an unreadable class has no methods to show
        return None
    if method is None or "property" in method.decorators:
        return None
    return receiver(method.signature, method.self_var, base)


def _local_type_at(analysis: Analysis, name: str, offset: int):
    """The type of parameter or local `name` of the `def` around `offset`, or None."""
    from ibc.syntax import nodes as n
    from ibc.types.check import _element

    module, checked = analysis.module_ast, analysis.checked
    if module is None or "." in name:
        return None
    for decl in module.decls:
        if isinstance(decl, n.FuncDef) and decl.span.start <= offset <= decl.span.end:
            for stmt in decl.body:
                for bound, position in n.pattern_names(stmt.pattern):
                    if bound.text == name and id(stmt.value) in checked.types:
                        t = checked.types[id(stmt.value)]
                        for index in position:
                            t = _element(t, index)
                        return t
            ftype = checked.def_types.get(id(decl))
            for param in getattr(ftype, "params", ()):
                if param.name == name:
                    return param.type
    return None


def _label(name: str, ftype) -> tuple[str, tuple[tuple[int, int], ...]]:
    from ibc.base.typeterms import KEYWORD_ONLY

    label = name + "("
    spans = []
    star = False
    for index, param in enumerate(ftype.params):
        if index:
            label += ", "
        if param.kind == KEYWORD_ONLY and not star:
            label += "*, "
            star = True
        start = len(label)
        label += str(param)
        spans.append((start, len(label)))
    label += f") -> {ftype.returns}"
    return label, tuple(spans)


def _active(ftype, site: CallSite) -> int | None:
    from ibc.base.typeterms import KEYWORD_ONLY, POSITIONAL, POSITIONAL_ONLY, VAR_KEYWORD
    from ibc.base.typeterms import VAR_POSITIONAL

    params = ftype.params
    keyword = _KEYWORD_ARG.match(site.current)
    if keyword is not None:
        name = keyword.group(1)
        for index, param in enumerate(params):
            if param.name == name and param.kind in (POSITIONAL, KEYWORD_ONLY):
                return index
        for index, param in enumerate(params):
            if param.kind == VAR_KEYWORD:
                return index
        return None
    given = [m.group(1) for m in map(_KEYWORD_ARG.match, site.before) if m is not None]
    position = len(site.before) - len(given)
    if given:  # after a keyword argument, the next parameter not given yet
        for index, param in enumerate(params):
            if param.kind in (POSITIONAL, KEYWORD_ONLY) and param.name not in given:
                if param.kind == KEYWORD_ONLY or index >= position:
                    return index
        return None
    seen = 0
    for index, param in enumerate(params):
        if param.kind == VAR_POSITIONAL:
            return index
        if param.kind in (POSITIONAL_ONLY, POSITIONAL):
            if seen == position:
                return index
            seen += 1
    return None
