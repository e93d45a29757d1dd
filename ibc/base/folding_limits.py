"""The limits of constant folding (docs/running.md, "Constant expressions"): what the
compiler (`ibc.params.constants`) and the run (`ibc.runtime.folding`) compute ahead of time
must stay cheap, so an operation that would build a large value (`"x" * 10**9`, `10 **
10**8`) is left for the run's stages. One set of limits for both. Standard library only."""

from __future__ import annotations

ITEMS = 10_000  # the most scalars a folded list or tuple may hold
CHARS = 1 << 20  # the longest folded string
BITS = 1 << 13  # the largest folded integer, in bits (its decimal text stays printable)
_SCALARS = (type(None), bool, int, float, str)


def size(value, budget: int) -> int | None:
    """How many scalars literal data `value` holds, or None when it is not literal data or
    holds more than `budget`."""
    if isinstance(value, int) and not isinstance(value, bool):
        return 1 if value.bit_length() <= BITS else None
    if isinstance(value, _SCALARS):
        return 1
    if not isinstance(value, (list, tuple)):
        return None
    total = 0
    for item in value:
        count = size(item, budget - total)
        if count is None:
            return None
        total += count
        if total > budget:
            return None
    return total


def affordable(op: str, a, b) -> bool:
    """Whether computing `a op b` at build time is cheap: it builds no large value."""
    if op == "%" and isinstance(a, str):
        return False  # `"%0999999999d" % 1`: printf-style formatting is left to the run
    if op == "*":
        for seq, times in ((a, b), (b, a)):
            if isinstance(seq, (str, list, tuple)) and isinstance(times, int):
                return _fits(seq, max(times, 0))
    if op == "+" and isinstance(a, (str, list, tuple)) and isinstance(b, (str, list, tuple)):
        return _fits(a, 1, b)
    ints = isinstance(a, int) and isinstance(b, int)
    if op == "**" and ints and b > 0:
        return a in (-1, 0, 1) or a.bit_length() * b <= BITS
    if op == "*" and ints:
        return a.bit_length() + b.bit_length() <= BITS
    return True


def _fits(seq, times: int, other=None) -> bool:
    """Whether `seq * times (+ other)` stays within the limits of folded values."""
    if isinstance(seq, str):
        return len(seq) * times + (len(other) if isinstance(other, str) else 0) <= CHARS
    count = size(seq, ITEMS)
    if count is None:
        return False
    extra = size(other, ITEMS) if other is not None else 0
    return extra is not None and count * times + extra <= ITEMS
