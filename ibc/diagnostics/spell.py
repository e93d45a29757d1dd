"""Near-name suggestions ("did you mean `n_estimators`?"), as starlark's `spell`: names are
compared ignoring case and underscores, and a candidate is near when at most half of the
letters need editing."""

from __future__ import annotations


def _normalize(name: str) -> str:
    return name.replace("_", "").lower()


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up (returning limit + 1) once it exceeds `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        best = i
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            current.append(value)
            best = min(best, value)
        if best > limit:
            return limit + 1
        previous = current
    return previous[-1]


def nearest(name: str, candidates, limit: int = 3) -> list[str]:
    """The candidates nearest to `name`, best first (at most `limit` of them)."""
    target = _normalize(name)
    scored: list[tuple[int, str]] = []
    seen: set[str] = set()
    for candidate in candidates:
        if candidate in seen or candidate == name:
            continue
        seen.add(candidate)
        other = _normalize(candidate)
        if other == target:
            scored.append((0, candidate))
            continue
        allowed = max(1, len(target) // 2)
        distance = _distance(target, other, allowed)
        if distance <= allowed:
            scored.append((distance, candidate))
    scored.sort()
    return [candidate for _, candidate in scored[:limit]]
