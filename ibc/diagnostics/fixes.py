"""Fixes: the mechanical edits a diagnostic's hint describes, as data.

A hint such as "did you mean `n_estimators`?" or "use the prelude's pure `fit`: fit(model,
X, y)" is a change of the source that a tool can make for the user (the language server's
quick fixes, docs/editors.md). A `Fix` holds it as edits of spans, never as text to parse
out of the message:

- `Edit(span, parts)`: the text of `span` becomes `parts` joined, where a part is literal
  text or a `Span` of the same file whose text is copied (so `model.fit(X, y)` can become
  `fit(model, X, y)` without the phase knowing the source text).
- `expect`: the text the span must hold for the fix to apply (a fix is dropped when the
  document no longer reads so).

Phases attach fixes to a diagnostic (`Diagnostic.fixes`); the near-name suggestions of the
codes in `SPELLING` need no such work: their span is the misspelt text itself (the name, the
keyword, the field, the path, the `Literal` value), so each suggestion replaces it. `fixes_of`
gives both; `apply` turns a fix into plain (span, text) replacements against the source, and
`title` words it for a menu.
"""

from __future__ import annotations

from ibc.base.records import record
from ibc.base.spans import Span

# Codes whose span is exactly the misspelt text, and the argument naming that text; their
# `suggestions` are replacements for it (in the form the source writes it).
SPELLING: dict[str, str] = {
    "E0201": "name",  # unknown name
    "E0207": "name",  # `from "m.ib" import x`: no `x` in the module
    "E0210": "name",  # `module.x`: no `x` in the module
    "E0302": "name",  # `from m import x`: no `x` in the Python module
    "E0402": "name",  # unknown keyword argument
    "E0408": "name",  # unknown record field
    "E0409": "name",  # unknown method or attribute
    "E0416": "name",  # unknown type
    "E0429": "value",  # a value a `Literal` type does not allow
    "E0501": "path",  # unknown parameter path in `with`
    "E0518": "field",  # a search's objective names no field
}

SPELLING_FIX, REWRITE_FIX = "spelling", "rewrite"


@record
class Edit:
    """The text of `span` becomes `parts` joined (a `Span` part: that span's text)."""

    span: Span
    parts: tuple


@record
class Fix:
    """One way to fix a diagnostic: `edits` made together. `kind` is "spelling" (a near
    name replaces a misspelt one) or "rewrite" (the hint's form of the expression);
    `expect` the text the first edit's span must hold for the fix to apply."""

    edits: tuple[Edit, ...]
    kind: str = REWRITE_FIX
    expect: str | None = None
    preferred: bool = False


def replace(span: Span, *parts) -> Fix:
    """A rewrite of `span` as `parts` (literal text and spans to copy)."""
    return Fix((Edit(span, tuple(parts)),), preferred=True)


def fixes_of(diag) -> tuple[Fix, ...]:
    """The fixes a diagnostic offers: those its phase attached, and for a code of `SPELLING`
    one per suggestion (the nearest preferred)."""
    found = list(getattr(diag, "fixes", ()) or ())
    key = SPELLING.get(diag.code)
    if key is not None:
        wrong = diag.args.get(key)
        suggestions = [s for s in diag.args.get("suggestions") or () if isinstance(s, str)]
        for rank, suggestion in enumerate(suggestions):
            if isinstance(wrong, str) and suggestion != wrong:
                edit = Edit(diag.span, (suggestion,))
                found.append(Fix((edit,), SPELLING_FIX, wrong, preferred=rank == 0))
    return tuple(found)


def apply(fix: Fix, text: str, file: str) -> list[tuple[Span, str]] | None:
    """The replacements of `fix` in `text` (the source of `file`): each edit's span with its
    new text; None when an edit is in another file, a span is outside the text, or the text
    no longer holds what the fix expects."""
    out = []
    for edit in fix.edits:
        if not _inside(edit.span, text, file):
            return None
        pieces = []
        for part in edit.parts:
            if isinstance(part, Span):
                if not _inside(part, text, file):
                    return None
                pieces.append(text[part.start : part.end])
            else:
                pieces.append(str(part))
        out.append((edit.span, "".join(pieces)))
    if fix.expect is not None and out:
        first = fix.edits[0].span
        if text[first.start : first.end] != fix.expect:
            return None
    return out


def _inside(span: Span, text: str, file: str) -> bool:
    return span.file == file and 0 <= span.start <= span.end <= len(text)


def title(fix: Fix, text: str, replacements: list[tuple[Span, str]]) -> str:
    """How a menu names the fix: "Change `n_estimator` to `n_estimators`", "Rewrite as
    `fit(model, X, y)`"."""
    span, new = replacements[0]
    if fix.kind == SPELLING_FIX:
        return f"Change `{text[span.start : span.end]}` to `{new}`"
    return f"Rewrite as `{' '.join(new.split())}`"
