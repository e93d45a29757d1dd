"""Safe Python names for `.ib` names.

An `.ib` name may be a Python keyword (`class`, `lambda`), a builtin (`len`, `print`), or
collide with an imported reference or another emitted name. A `Namer` hands out one valid,
unique Python identifier per `.ib` name within a scope, keeping the name itself whenever it
is safe, so that emitted code reads like the source.
"""

from __future__ import annotations

import ast
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


def snake(hint: str) -> str:
    """`StandardScaler` -> `standard_scaler`; any other text -> a valid identifier."""
    out = []
    for i, c in enumerate(hint):
        if c.isupper() and i and (hint[i - 1].islower() or hint[i - 1].isdigit()):
            out.append("_")
        out.append(c.lower() if c.isupper() else c)
    text = "".join(c if c.isalnum() or c == "_" else "_" for c in "".join(out)).strip("_")
    return text if text and text.isidentifier() else "value"


class Body:
    """The statements of one emitted function (or of one block of it) and the names its
    temporaries take.

    Emitted code is flat (docs/running.md, "Deep programs"): every node of an `.ib`
    expression is one statement `name = m.call(…)`, so that no depth of nesting can reach
    Python's limits. A temporary is named after what it holds (`standard_scaler`,
    `inc_1`, `items`): the hint as is when it is free, else numbered. A function that takes
    nothing but the builder context (`lambda m: …`, for a `with` base or an override value)
    shares the names of the function it is written in (`owner`), and the functions it needs
    are defined there (`home`), next to it, so that `with` chains do not nest functions."""

    def __init__(self, taken: set[str], owner: Body | None = None, own_scope: bool = False):
        self.statements: list = []
        if owner is None or own_scope:
            self.taken = set(taken) | (owner.taken if owner is not None else set())
            self.counts: dict[str, int] = dict(owner.counts) if owner is not None else {}
            self.home: Body = self
        else:
            self.taken, self.counts, self.home = owner.taken, owner.counts, owner.home

    def fresh(self, hint: str) -> str:
        """A new name for a temporary or a function holding `hint`."""
        base = snake(hint)
        if base not in self.counts and is_safe(base) and base not in self.taken:
            self.counts[base] = 1
            self.taken.add(base)
            return base
        n = self.counts.get(base, 0) + 1
        while f"{base}_{n}" in self.taken:
            n += 1
        self.counts[base] = n
        name = f"{base}_{n}"
        self.taken.add(name)
        return name


def load(name: str) -> ast.Name:
    """The syntax tree of a read of the Python name `name`, for the emitters."""
    return ast.Name(id=name, ctx=ast.Load())


def arguments(names: list[str], defaults: list[ast.expr] | None = None) -> ast.arguments:
    """The syntax tree of a parameter list of plain positional `names`, the last ones with
    `defaults` (as in `def f(a, b=1)`), for the emitters' functions and lambdas."""
    return ast.arguments(
        posonlyargs=[],
        args=[ast.arg(arg=name) for name in names],
        vararg=None,
        kwonlyargs=[],
        kw_defaults=[],
        kwarg=None,
        defaults=defaults or [],
    )
