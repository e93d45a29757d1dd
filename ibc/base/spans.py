"""Source text and spans: where every node and diagnostic comes from.

A `Source` is one file's text (or a command-line snippet) with a line index; a `Span` is
a half-open range of it, carried by every AST node and every diagnostic. Lines and columns
are 1-based; `end_col` is exclusive, as in Python's `ast`.
"""

from __future__ import annotations

import bisect
from typing import NamedTuple

from ibc.base.records import field, record


class Span(NamedTuple):
    """A range of one source: `file:line:col` to `end_line:end_col` (end exclusive).

    A named tuple rather than a dataclass: a parse makes one per node, and a tuple is made
    several times faster; it is immutable all the same."""

    file: str
    line: int
    col: int
    end_line: int
    end_col: int
    start: int = 0  # character offset of the first character
    end: int = 0  # character offset just past the last character

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"

    def to(self, other: Span) -> Span:
        """The span from the start of `self` to the end of `other`."""
        return Span(
            self.file, self.line, self.col, other.end_line, other.end_col, self.start, other.end
        )


NO_SPAN = Span("<unknown>", 1, 1, 1, 1, 0, 0)


@record(mutable=True)
class Source:
    """The text of one `.ib` file (or snippet), with line starts for offset lookups."""

    path: str
    text: str
    _line_starts: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        starts = [0]
        find = self.text.find
        pos = find("\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        self._line_starts = starts

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        index = bisect.bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index] + 1

    def span(self, start: int, end: int) -> Span:
        starts = self._line_starts
        line = bisect.bisect_right(starts, start)
        if line == len(starts) or end < starts[line]:
            end_line = line  # the usual case: a span within one line
        else:
            end_line = bisect.bisect_right(starts, end)
        return Span(
            self.path,
            line,
            start - starts[line - 1] + 1,
            end_line,
            end - starts[end_line - 1] + 1,
            start,
            end,
        )

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its newline ('' past the end)."""
        if line < 1 or line > len(self._line_starts):
            return ""
        start = self._line_starts[line - 1]
        end = self.text.find("\n", start)
        return self.text[start : end if end != -1 else len(self.text)].rstrip("\r")

    @property
    def line_count(self) -> int:
        return len(self._line_starts)
