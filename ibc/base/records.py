"""Frozen record classes, made fast to define.

`@record` turns an annotated class into an immutable value class with `__slots__`, an
`__init__` taking the fields in order (with defaults), equality and hashing over the fields
that compare, a readable `repr`, `__match_args__`, and pickling by constructor. It does what
`@dataclass(frozen=True, slots=True)` does for the compiler's AST, types and IR, at a tenth
of the cost of defining a class: `dataclasses` generates and compiles several methods per
class, which made importing the compiler take tens of milliseconds for ~100 classes, on
every `ibc check`.
"""

from __future__ import annotations

from typing import Any, Callable

MISSING: Any = object()


class FrozenRecordError(AttributeError):
    """Raised when code tries to change a field of a record."""


class _Field:
    __slots__ = ("default", "default_factory", "compare", "repr")

    def __init__(self, default, default_factory, compare: bool, repr: bool):
        self.default = default
        self.default_factory = default_factory
        self.compare = compare
        self.repr = repr


def field(
    *,
    default: Any = MISSING,
    default_factory: Callable[[], Any] | None = None,
    compare: bool = True,
    repr: bool = True,
) -> Any:
    """A field with options, as `dataclasses.field`: a default, a default factory,
    `compare=False` to leave it out of equality and hashing, `repr=False` out of `repr`."""
    return _Field(default, default_factory, compare, repr)


def _frozen_setattr(self, name, value):
    raise FrozenRecordError(f"cannot assign to field `{name}` of a frozen {type(self).__name__}")


def _frozen_delattr(self, name):
    raise FrozenRecordError(f"cannot delete field `{name}` of a frozen {type(self).__name__}")


def _repr(self) -> str:
    inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_repr__)
    return f"{type(self).__name__}({inner})"


def _reduce(self):
    return (type(self), tuple(getattr(self, name) for name in self.__record_fields__))


def record(cls: type | None = None, *, mutable: bool = False):
    """Make `cls` a frozen record (see the module docstring). `@record(mutable=True)` makes
    a mutable one instead, compared and hashed by identity (for tables that phases fill in).
    Fields of a record base class come first, as with dataclasses; a `__post_init__`
    method runs at the end of `__init__`."""
    if cls is None:
        return lambda c: _make(c, mutable)
    return _make(cls, mutable)


def _make(cls: type, mutable: bool) -> type:
    annotations = cls.__dict__.get("__annotations__", {})
    names: list[str] = []
    defaults: dict[str, Any] = {}
    factories: dict[str, Callable[[], Any]] = {}
    compare: list[str] = []
    inherited: tuple[str, ...] = ()
    hidden: set[str] = set()
    for base in cls.__mro__[1:]:
        if "__record_fields__" in base.__dict__:
            inherited = base.__record_fields__
            hidden.update(n for n in inherited if n not in base.__record_repr__)
            names.extend(inherited)
            compare.extend(base.__record_compare__)
            defaults.update(base.__record_defaults__)
            factories.update(base.__record_factories__)
            break
    for name in annotations:
        if name.startswith("__") or str(annotations[name]).startswith(
            ("ClassVar", "typing.ClassVar")
        ):
            continue
        if name in names:  # a base's field given a new default
            names.remove(name)
            if name in compare:
                compare.remove(name)
        defaults.pop(name, None)
        factories.pop(name, None)
        names.append(name)
        value = cls.__dict__.get(name, MISSING)
        keep = True
        if isinstance(value, _Field):
            keep = value.compare
            if not value.repr:
                hidden.add(name)
            if value.default_factory is not None:
                factories[name] = value.default_factory
            elif value.default is not MISSING:
                defaults[name] = value.default
        elif value is not MISSING:
            defaults[name] = value
        if keep:
            compare.append(name)

    body = {
        key: value
        for key, value in cls.__dict__.items()
        if key not in names and key not in ("__dict__", "__weakref__")
    }
    body["__slots__"] = tuple(name for name in names if name not in inherited)
    body["__record_fields__"] = tuple(names)
    body["__record_compare__"] = tuple(compare)
    body["__record_repr__"] = tuple(name for name in names if name not in hidden)
    body["__record_defaults__"] = defaults
    body["__record_factories__"] = factories
    body["__match_args__"] = tuple(names)
    new = type(cls)(cls.__name__, cls.__bases__, body)
    new.__qualname__ = cls.__qualname__

    params = []
    for name in names:
        if name in factories:
            params.append(f"{name}=_MISSING")
        elif name in defaults:
            params.append(f"{name}=_d_{name}")
        else:
            params.append(name)
    lines = [f"def __init__(self, {', '.join(params)}):" if params else "def __init__(self):"]
    for name in names:
        if name in factories:
            lines.append(f"    if {name} is _MISSING: {name} = _f_{name}()")
        # The slot's own setter: a third faster than object.__setattr__, and it bypasses
        # the frozen __setattr__ below just the same.
        lines.append(f"    _s_{name}(self, {name})")
    if "__post_init__" in body or any(
        "__post_init__" in base.__dict__ for base in cls.__mro__[1:-1]
    ):
        lines.append("    self.__post_init__()")
    if len(lines) == 1:
        lines.append("    pass")
    key = "(" + "".join(f"self.{n}, " for n in compare) + ")"
    other = "(" + "".join(f"other.{n}, " for n in compare) + ")"
    if not mutable:
        lines += [
            "def __eq__(self, other):",
            "    if other.__class__ is not self.__class__: return NotImplemented",
            f"    return {key} == {other}",
            "def __hash__(self):",
            f"    return hash(({cls.__name__!r}, {key}))",
        ]
    namespace: dict[str, Any] = {"_MISSING": MISSING}
    namespace.update({f"_s_{k}": getattr(new, k).__set__ for k in names})
    namespace.update({f"_d_{k}": v for k, v in defaults.items()})
    namespace.update({f"_f_{k}": v for k, v in factories.items()})
    exec(_compiled("\n".join(lines)), namespace)  # noqa: S102 - made from field names only
    new.__init__ = namespace["__init__"]
    new.__init__.__qualname__ = f"{cls.__qualname__}.__init__"
    if not mutable:
        new.__eq__ = namespace["__eq__"]
        new.__hash__ = namespace["__hash__"]
        new.__setattr__ = _frozen_setattr
        new.__delattr__ = _frozen_delattr
    new.__reduce__ = _reduce
    if "__repr__" not in body:
        new.__repr__ = _repr
    return new


# The generated methods' code objects are kept in the cache folder (marshal), keyed by their
# source text: compiling them costs about 0.2 ms a class at every start of the compiler.
_code: dict[str, Any] | None = None
_code_added = False


def _compiled(source: str):
    global _code, _code_added
    if _code is None:
        _code = _load_code()
    code = _code.get(source)
    if code is None:
        code = compile(source, "<ibc.base.records>", "exec")
        _code[source] = code
        if not _code_added:
            _code_added = True
            import atexit

            atexit.register(_save_code)
    return code


def _code_path():
    import sys

    from ibc import __version__
    from ibc.base.cachedir import cache_dir

    tag = sys.implementation.cache_tag or "python"
    return cache_dir() / "records" / f"{tag}-ibc{__version__}.marshal"


def _load_code() -> dict[str, Any]:
    import marshal

    from ibc.base.cachedir import read_checked

    # One read, then `loads`: `marshal.load` of a file reads it piece by piece through
    # Python calls, ten times slower (8 ms of every `ibc check`). Verified by its checksum.
    payload = read_checked(_code_path())
    if payload is None:
        return {}
    try:
        loaded = marshal.loads(payload)
    except Exception:  # noqa: BLE001 - damaged: compile again
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _save_code() -> None:
    import marshal

    from ibc.base.cachedir import write_checked

    if _code:
        write_checked(_code_path(), marshal.dumps(_code))


def fields(obj: Any) -> tuple[str, ...]:
    """The field names of a record (or record class), in order."""
    return obj.__record_fields__


def replace(obj: Any, **changes: Any) -> Any:
    """A copy of a record (or of a dataclass instance) with some fields changed."""
    if not hasattr(obj, "__record_fields__"):
        import dataclasses

        return dataclasses.replace(obj, **changes)
    values = {name: getattr(obj, name) for name in obj.__record_fields__}
    values.update(changes)
    return type(obj)(**values)


def is_record(obj: Any) -> bool:
    return hasattr(type(obj) if not isinstance(obj, type) else obj, "__record_fields__")
