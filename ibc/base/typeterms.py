"""Type representations (docs/guide.md §5): the values the checker reasons about.

These are plain frozen data, shared by the phases that make types (resolve reads Python
annotations and `.ib` stubs into them) and the ones that use them (the checker, parameter
expansion, code generation). Subtyping and unification live in `ibc.types.relations`.
"""

from __future__ import annotations

import itertools

from ibc.base import records


class Type:
    """Base of every type."""

    __slots__ = ()

    def __str__(self) -> str:  # pragma: no cover - overridden
        return show(self)


@records.record
class Prim(Type):
    """`Int`, `Float`, `Str`, `Bool`, `None` and `File` (a path to a file or folder)."""

    name: str

    def __str__(self) -> str:
        return self.name


@records.record
class AnyType(Type):
    """`Any`: what the checker cannot know. Accepted everywhere, accepts everything."""

    def __str__(self) -> str:
        return "Any"


@records.record
class ListType(Type):
    elem: Type

    def __str__(self) -> str:
        return f"List[{self.elem}]"


@records.record
class DictType(Type):
    key: Type
    value: Type

    def __str__(self) -> str:
        return f"Dict[{self.key}, {self.value}]"


@records.record
class TupleType(Type):
    """`Tuple[A, B]` (fixed length)."""

    items: tuple[Type, ...]

    def __str__(self) -> str:
        if not self.items:
            return "Tuple[()]"
        return "Tuple[" + ", ".join(map(str, self.items)) + "]"


@records.record
class TupleOfType(Type):
    """`Tuple[T, ...]` (any length)."""

    elem: Type

    def __str__(self) -> str:
        return f"Tuple[{self.elem}, ...]"


@records.record
class OptionalType(Type):
    inner: Type

    def __str__(self) -> str:
        return f"Optional[{self.inner}]"


@records.record
class LiteralType(Type):
    """`Literal["mean", "median"]`: one of the listed constants (strings, ints or bools, as
    Python's `typing.Literal`; docs/guide.md §5). A literal type is a subtype of its values'
    type (`Str` here)."""

    values: tuple

    def __str__(self) -> str:
        return "Literal[" + ", ".join(literal_text(v) for v in self.values) + "]"


def literal_text(value) -> str:
    """A constant as `.ib` writes it: `"mean"`, `3`, `True`."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def literal_key(value) -> tuple[str, object]:
    """`(type name, value)`: tells `True` from `1`, which Python holds equal."""
    return type(value).__name__, value


@records.record
class RecordType(Type):
    """`{a: Int, b: Str}`; fields are kept sorted by name (records are structural)."""

    fields: tuple[tuple[str, Type], ...]

    def field(self, name: str) -> Type | None:
        for key, value in self.fields:
            if key == name:
                return value
        return None

    def __str__(self) -> str:
        return "{" + ", ".join(f"{k}: {v}" for k, v in self.fields) + "}"


def record(fields: dict[str, Type]) -> RecordType:
    return RecordType(tuple(sorted(fields.items())))


@records.record
class Nominal(Type):
    """A type bound to a Python class: `target` is `"module:QualName"` (`"pandas:DataFrame"`),
    `revision` the commit of a pinned class (a distinct type), `name` how to show it.
    Type arguments of generic Python classes are not tracked."""

    target: str
    name: str = records.field(default="", compare=False)
    revision: str | None = None

    def __str__(self) -> str:
        base = self.name or self.target.rpartition(":")[2] or self.target
        return f"{base} @ {self.revision[:8]}" if self.revision else base


_ids = itertools.count(1)


@records.record
class TypeVar(Type):
    """A generic parameter `T` (or `M <: Estimator`). `uid` tells apart two `T`s of two
    signatures; instantiation makes fresh ones."""

    name: str
    uid: int = records.field(default_factory=lambda: next(_ids))
    bound: Type | None = None

    def __str__(self) -> str:
        return self.name


# Parameter kinds, as in `inspect.Parameter`.
POSITIONAL_ONLY = "positional_only"
POSITIONAL = "positional"  # positional or keyword
KEYWORD_ONLY = "keyword_only"
VAR_POSITIONAL = "var_positional"
VAR_KEYWORD = "var_keyword"


@records.record
class Param(Type):
    """One parameter of a function type. `default` is the default's source text when the
    signature shows one (`"10"`, `"'auto'"`), else None while `has_default` says whether
    a default exists."""

    name: str | None
    type: Type
    kind: str = POSITIONAL
    has_default: bool = False
    default: str | None = None

    def __str__(self) -> str:
        prefix = {VAR_POSITIONAL: "*", VAR_KEYWORD: "**"}.get(self.kind, "")
        text = f"{prefix}{self.name}: {self.type}" if self.name else str(self.type)
        if self.has_default:
            text += f" = {self.default if self.default is not None else '…'}"
        return text


@records.record
class FuncType(Type):
    """A function: `(X: Array, k: Int = 10, *, seed: Int = 0) -> Array`, generic when
    `type_params` is not empty. `name` is for messages (`LogisticRegression`)."""

    params: tuple[Param, ...]
    returns: Type
    type_params: tuple[TypeVar, ...] = ()
    name: str = records.field(default="", compare=False)

    def __str__(self) -> str:
        parts: list[str] = []
        star_done = False
        for param in self.params:
            if param.kind == KEYWORD_ONLY and not star_done:
                parts.append("*")
                star_done = True
            if param.kind == VAR_POSITIONAL:
                star_done = True
            parts.append(str(param))
        generics = ""
        if self.type_params:
            generics = (
                "["
                + ", ".join(
                    f"{tv.name} <: {tv.bound}" if tv.bound else tv.name for tv in self.type_params
                )
                + "]"
            )
        return f"{generics}({', '.join(parts)}) -> {self.returns}"


@records.record
class ModuleType(Type):
    """An imported `.ib` module used as a namespace (`common` in `common.split`)."""

    path: str

    def __str__(self) -> str:
        return f"module {self.path}"


INT = Prim("Int")
FLOAT = Prim("Float")
STR = Prim("Str")
BOOL = Prim("Bool")
NONE = Prim("None")
FILE = Prim("File")
ANY = AnyType()

PRIMS = {"Int": INT, "Float": FLOAT, "Str": STR, "Bool": BOOL, "None": NONE, "File": FILE}


def show(t: Type) -> str:
    return str(t)


def free_vars(t: Type) -> set[TypeVar]:
    """The type variables occurring in `t`."""
    out: set[TypeVar] = set()
    _free(t, out)
    return out


def _free(t: Type, out: set[TypeVar]) -> None:
    if isinstance(t, TypeVar):
        out.add(t)
    elif isinstance(t, (ListType, TupleOfType)):
        _free(t.elem, out)
    elif isinstance(t, DictType):
        _free(t.key, out)
        _free(t.value, out)
    elif isinstance(t, TupleType):
        for item in t.items:
            _free(item, out)
    elif isinstance(t, OptionalType):
        _free(t.inner, out)
    elif isinstance(t, RecordType):
        for _, v in t.fields:
            _free(v, out)
    elif isinstance(t, FuncType):
        bound = set(t.type_params)
        inner: set[TypeVar] = set()
        for p in t.params:
            _free(p.type, inner)
        _free(t.returns, inner)
        out.update(inner - bound)


def substitute(t: Type, subst: dict[TypeVar, Type]) -> Type:
    """`t` with type variables replaced by `subst` (unmapped ones kept)."""
    if not subst:
        return t
    if isinstance(t, TypeVar):
        return subst.get(t, t)
    if isinstance(t, ListType):
        return ListType(substitute(t.elem, subst))
    if isinstance(t, TupleOfType):
        return TupleOfType(substitute(t.elem, subst))
    if isinstance(t, DictType):
        return DictType(substitute(t.key, subst), substitute(t.value, subst))
    if isinstance(t, TupleType):
        return TupleType(tuple(substitute(i, subst) for i in t.items))
    if isinstance(t, OptionalType):
        return optional(substitute(t.inner, subst))
    if isinstance(t, RecordType):
        return RecordType(tuple((k, substitute(v, subst)) for k, v in t.fields))
    if isinstance(t, FuncType):
        return FuncType(
            tuple(
                Param(p.name, substitute(p.type, subst), p.kind, p.has_default, p.default)
                for p in t.params
            ),
            substitute(t.returns, subst),
            t.type_params,
            t.name,
        )
    return t


def optional(t: Type) -> Type:
    """`Optional[t]`, flattened (`Optional[None]` is `None`, `Optional[Any]` is `Any`)."""
    if isinstance(t, (OptionalType, AnyType)) or t == NONE:
        return t
    return OptionalType(t)


def literal_base(t: LiteralType) -> Type:
    """The type of a literal type's values (`Str` for `Literal["a", "b"]`), `Any` if mixed."""
    kinds = {literal_type(v) for v in t.values}
    if kinds <= {INT, BOOL} and len(kinds) == 2:
        return INT
    return kinds.pop() if len(kinds) == 1 else ANY


def literal_type(value) -> Type:
    """The type of a literal constant (`True` is `Bool`, `1` `Int`, `None` `None`), else
    `Any`."""
    if value is None:
        return NONE
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT
    if isinstance(value, float):
        return FLOAT
    if isinstance(value, str):
        return STR
    return ANY
