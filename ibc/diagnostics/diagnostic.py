"""Diagnostic data: what went wrong, where, with the facts needed to word it.

Phases build `Diagnostic` values with a stable code and keyword facts (`args`), and may
attach the edits a hint describes (`fixes`, see `ibc.diagnostics.fixes`); they never write
English. `ibc.diagnostics.wording` turns a diagnostic into a message and a hint, and
`ibc.diagnostics.render` prints it for a terminal, as JSON, or for the language server.
"""

from __future__ import annotations

from typing import Any

from ibc.base.records import field, record
from ibc.base.spans import Span

ERROR = "error"
WARNING = "warning"


@record
class Related:
    """A secondary location that helps explain a diagnostic ("`x` is defined here")."""

    span: Span
    note: str  # a short fact, already in words (phases may word notes: they are data)


@record
class Diagnostic:
    """One error or warning: a code from `ibc.diagnostics.wording`, a span and the facts
    (`args`) its wording needs."""

    code: str
    span: Span
    args: dict[str, Any] = field(default_factory=dict, compare=False)
    severity: str = ERROR
    related: tuple[Related, ...] = ()
    # Edits that carry out the hint (`ibc.diagnostics.fixes.Fix`), for editors' quick fixes.
    fixes: tuple = field(default=(), compare=False)

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def sort_key(self) -> tuple:
        return (self.span.file, self.span.start, self.span.line, self.span.col, self.code)


def error(code: str, span: Span, related: tuple[Related, ...] = (), **args: Any) -> Diagnostic:
    return Diagnostic(code, span, args, ERROR, related)


def warning(code: str, span: Span, related: tuple[Related, ...] = (), **args: Any) -> Diagnostic:
    return Diagnostic(code, span, args, WARNING, related)


class Diagnostics:
    """A phase's collection of diagnostics (errors and warnings, in the order found)."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def add(self, diag: Diagnostic) -> None:
        self.items.append(diag)

    def error(
        self, code: str, span: Span, related: tuple[Related, ...] = (), *, fixes=(), **args: Any
    ) -> None:
        self.items.append(Diagnostic(code, span, args, ERROR, related, tuple(fixes)))

    def warning(
        self, code: str, span: Span, related: tuple[Related, ...] = (), **args: Any
    ) -> None:
        self.items.append(warning(code, span, related, **args))

    def extend(self, diags) -> None:
        self.items.extend(diags)

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=Diagnostic.sort_key)


class CompileError(Exception):
    """Raised between phases when a phase found errors; carries every diagnostic so far."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__(f"{len(diagnostics)} diagnostic(s)")
        self.diagnostics = diagnostics
