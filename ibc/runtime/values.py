"""Run-time values that are data: references to Python objects, JSON renderings, near names.

A `Ref` names a Python object by module and attribute path; it is imported only when a stage
that needs it runs (`resolve`), so a program whose stages never run imports none of the
user's modules. `jsonable` (from `ibc.runtime.standalone`, shared with plain programs) turns
a result into what `--json` prints.
"""

from __future__ import annotations

import importlib

# One rendering for `--json` and one speller for both targets (the plain target's programs
# carry copies of these functions: docs/running.md).
from ibc.runtime.standalone import jsonable  # noqa: F401 - one jsonable for both targets


class Ref:
    """A Python reference as data: `module` to import, `name` the attribute path inside it
    (`scale`, `Outer.inner`), `kind` ("function", "class", "value", "unknown"),
    `fingerprint` the identity of its code (part of every key of a stage that calls it).
    `local` is the `.ib` name (for messages), `at` where it is imported in the `.ib` source,
    `impure` references always run, `revision` is the commit of a pinned reference, whose
    `module` is then a snapshot module (`_ibc_rev_<commit>.src.features`, served by
    `ibc.runtime.snapshots`, installed as soon as such a `Ref` exists, so that values of
    pinned classes unpickle too). `code` lists the project definitions its fingerprint covers,
    one `"name file:line hash"` each, for `ibc why` (docs/running.md).
    (A plain class, not a dataclass: `dataclasses` costs milliseconds at import.)"""

    __slots__ = (
        "module",
        "name",
        "kind",
        "fingerprint",
        "local",
        "impure",
        "revision",
        "at",
        "code",
    )

    def __init__(
        self,
        module: str,
        name: str,
        kind: str = "function",
        fingerprint: str = "",
        local: str = "",
        impure: bool = False,
        revision: str | None = None,
        at: str | None = None,
        code: tuple[str, ...] = (),
    ) -> None:
        self.module = module
        self.name = name
        self.kind = kind
        self.fingerprint = fingerprint
        self.local = local
        self.impure = impure
        self.revision = revision
        self.at = at
        self.code = tuple(code)
        if revision is not None:
            from ibc.runtime.snapshots import install

            install()

    def __reduce__(self):
        return (Ref, self._fields())

    def _fields(self) -> tuple:
        return tuple(getattr(self, f) for f in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ref) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return f"Ref({self.module!r}, {self.name!r}, kind={self.kind!r})"

    @property
    def label(self) -> str:
        """The name a user knows it by."""
        return self.local or self.name

    @property
    def qualified(self) -> str:
        return f"{self.module}.{self.name}"


class ImportFailure(Exception):
    """A reference's module could not be imported, or does not define the name."""


_resolved: dict[tuple[str, str], object] = {}


def resolve(ref: Ref) -> object:
    """The Python object `ref` names, importing its module on first use."""
    cache_key = (ref.module, ref.name)
    try:
        return _resolved[cache_key]
    except KeyError:
        pass
    if ref.revision is not None:
        from ibc.runtime.snapshots import PREFIX, install

        if not ref.module.startswith(PREFIX):
            raise ImportFailure(
                f"`{ref.label}` is pinned to revision {ref.revision!r}, which the compiler "
                "did not resolve to a snapshot module; compile the program again"
            )
        install()
    try:
        obj: object = importlib.import_module(ref.module)
    except ImportError as exc:
        raise ImportFailure(
            f"cannot import module `{ref.module}` (for `{ref.label}`): {exc}"
        ) from exc
    for part in ref.name.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as exc:
            raise ImportFailure(
                f"module `{ref.module}` has no attribute `{ref.name}` (for `{ref.label}`)"
            ) from exc
    _resolved[cache_key] = obj
    return obj
