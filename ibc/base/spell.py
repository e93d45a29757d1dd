"""Near-name suggestions ("did you mean `n_estimators`?"), as starlark's `spell`: names are
compared ignoring case and underscores, and a candidate is near when at most half of the
letters need editing.

The one edit distance of ibc: the compiler's hints and the runtime's (an unknown target or
`-s` path of an emitted program) both use it. Standard library only."""

from __future__ import annotations


def _normalize(name: str) -> str:
    """A name as compared: lower case, without underscores."""
    return name.replace("_", "").lower()


def _distance(a: str, b: str, limit: int) -> int:
    """Edit distance counting a swap of two neighbouring letters as one edit (`medain` is one
    from `median`), giving up (returning limit + 1) once it exceeds `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        best = i
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, before[j - 2] + 1)
            current.append(value)
            best = min(best, value)
        if best > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


def nearest(name: str, candidates, limit: int = 3, *, dotted: bool = False) -> list[str]:
    """The candidates nearest to `name`, best first (at most `limit` of them; ties in
    alphabetical order). With `dotted`, a dotted candidate whose last part is `name`'s last
    part is near too, after the near spellings (`C` finds `model.C`)."""
    target = _normalize(name)
    last = name.rsplit(".", 1)[-1]
    allowed = max(1, len(target) // 2)
    scored: list[tuple[int, str, int]] = []
    seen: set[str] = set()
    for index, candidate in enumerate(candidates):  # (the index keeps sorting total)
        if candidate in seen or candidate == name:
            continue
        seen.add(candidate)
        other = _normalize(candidate)
        distance = 0 if other == target else _distance(target, other, allowed)
        if distance <= allowed:
            scored.append((distance, candidate, index))
        elif dotted and "." in candidate and candidate.rsplit(".", 1)[-1] == last:
            scored.append((allowed + 1, candidate, index))
    scored.sort()
    return [candidate for _, candidate, _ in scored[:limit]]


def closest(name: str, candidates) -> str | None:
    """The one candidate nearest to `name`, or None."""
    found = nearest(name, candidates, 1)
    return found[0] if found else None
