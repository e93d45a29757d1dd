"""Safe Python names for `.ib` names.

An `.ib` name may be a Python keyword (`class`, `lambda`), a builtin (`len`, `print`), or
collide with an imported reference or another emitted name. A `Namer` hands out one valid,
unique Python identifier per `.ib` name within a scope, keeping the name itself whenever it
is safe, so that emitted code reads like the source.
"""

from __future__ import annotations

import builtins
import keyword

PYTHON_KEYWORDS = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)
BUILTINS = frozenset(dir(builtins))


def is_safe(name: str) -> bool:
    """Whether `name` can be used as is for an emitted global without shadowing anything."""
    return (
        name.isidentifier()
        and name not in PYTHON_KEYWORDS
        and name not in BUILTINS
        and not name.startswith("_ibc")
        and not (name.startswith("__") and name.endswith("__"))
    )


class Namer:
    """Allocates unique identifiers. `reserved` are names the emitter itself uses."""

    def __init__(self, reserved: frozenset[str] | set[str] = frozenset()) -> None:
        self._taken: set[str] = set(reserved)
        self._given: dict[tuple[str, str], str] = {}

    def reserve(self, name: str) -> None:
        self._taken.add(name)

    def name(self, ib_name: str, kind: str = "") -> str:
        """The Python name for `ib_name` (stable: the same arguments give the same name).
        `kind` separates namespaces that must not share a name (a binding and an import)."""
        key = (kind, ib_name)
        if key in self._given:
            return self._given[key]
        base = ib_name.replace(".", "_")
        if not base.isidentifier():
            base = "_" + "".join(c if c.isalnum() or c == "_" else "_" for c in base)
        candidate = base if is_safe(base) else base + "_"
        counter = 2
        while candidate in self._taken:
            candidate = f"{base}_{counter}"
            counter += 1
        self._taken.add(candidate)
        self._given[key] = candidate
        return candidate
