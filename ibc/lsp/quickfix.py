"""Quick fixes: the edits of the diagnostics' hints (`ibc.diagnostics.fixes`) for the code
actions of a range.

`quick_fixes(analysis, start, end)` gives, for each diagnostic of the document whose span
meets the range (character offsets), each fix that still applies to the checked text: a
misspelt keyword argument, name, field or parameter path replaced by a suggestion ("did you
mean `n_estimators`?"), `model.fit(X, y)` rewritten as `fit(model, X, y)` (E0407), …
Like the other features, a pure function of an analysis; the server makes the
`CodeAction`s.
"""

from __future__ import annotations

from ibc.base.records import record
from ibc.diagnostics.fixes import apply, fixes_of, title
from ibc.lsp.analysis import Analysis


@record
class QuickFix:
    """A titled fix of one diagnostic (`diagnostic`, as `to_lsp` gives it): `edits` are
    (start, end, new text) in character offsets of the document's text."""

    title: str
    diagnostic: dict
    edits: tuple[tuple[int, int, str], ...]
    preferred: bool = False


def quick_fixes(analysis: Analysis | None, start: int, end: int) -> list[QuickFix]:
    """The fixes of the diagnostics that meet the range from `start` to `end`."""
    if analysis is None:
        return []
    from ibc.diagnostics.render import to_lsp

    text, display = analysis.text, analysis.display
    source = analysis.result.sources.get(display)
    out: list[QuickFix] = []
    for diag in analysis.result.diagnostics:
        span = diag.span
        if span.file != display or span.end < start or span.start > end:
            continue
        for fix in fixes_of(diag):
            replacements = apply(fix, text, display)
            if not replacements:
                continue
            edits = tuple((s.start, s.end, new) for s, new in replacements)
            if all(text[a:b] == new for a, b, new in edits):
                continue  # the text already reads so
            out.append(
                QuickFix(title(fix, text, replacements), to_lsp(diag, source), edits, fix.preferred)
            )
    return out
