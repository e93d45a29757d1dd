"""What a stage is handed: its own view of every input, and, after the call, which inputs it
changed (docs/running.md, "Purity").

No stage may change what another stage sees. `hand(values)` returns the values to pass to one
call and a `Watch` whose `changed()` lists, by position, the inputs the call modified:

- immutable values (None, numbers, strings, bytes, paths, functions, classes, enums, NumPy
  scalars, frozensets, tuples of these, `Ref`s) are passed as they are and not checked;
- NumPy arrays are passed as read-only views: a write fails at once with NumPy's
  "assignment destination is read-only", the same way on every run;
- pandas DataFrames and Series are passed as shallow copies under copy-on-write (always on in
  pandas 3; on pandas 2 the runtime turns `mode.copy_on_write` on when it first hands one
  over): a write copies what it touches into the stage's own copy, and costs nothing before;
- lists, dicts and sets are rebuilt around their handed elements, nested ones too; each
  rebuilt container is compared after the call with a copy of itself taken before (elements
  compare by identity first, so a long list of numbers compares at C speed);
- anything else (an estimator, an object of the user's class, a random generator …) is copied
  through pickle (protocol 5) with its NumPy buffers shared read-only, so array data is never
  copied; the copy's pickle is hashed before and after the call (a buffer whose read-only
  memory is still the same is not hashed twice). A value that cannot be pickled is passed as
  it is, unchecked.

So a stage that writes into a frame works on its own copy (its result is right and is
stored), and a stage that changes a list, a dict or an object is reported: the evaluator names
it and does not store its result. With `exhaustive` (`--check-purity`), arrays (also those
inside objects) are writable copies instead, and every input's whole pickle (array data
included) is hashed before and after the call, so even writes into arrays and frames are
reported rather than failing.

Like the rest of the runtime this module imports nothing heavy: NumPy and pandas are touched
only through `sys.modules` when a value of theirs is among the inputs (so they are imported
already), pickle and the hashing only when an input needs them.
"""

from __future__ import annotations

import sys
import types

# Exact types whose values cannot change.
_IMMUTABLE = frozenset(
    {
        type(None),
        bool,
        int,
        float,
        complex,
        str,
        bytes,
        range,
        frozenset,
        type(Ellipsis),
        type(NotImplemented),
        types.FunctionType,
        types.BuiltinFunctionType,
        types.ModuleType,
        type,
    }
)
# Modules whose values are immutable (dates, decimals, paths, NumPy scalars and dtypes).
_IMMUTABLE_MODULES = frozenset(
    {"datetime", "decimal", "fractions", "uuid", "pathlib", "numpy", "numpy.dtypes"}
)


class Watch:
    """The checks of one call's inputs: `changed()` after the call gives the positions of the
    inputs it modified. `exhaustive` adds a hash of every input's whole pickle."""

    __slots__ = ("checks", "digests", "handed")

    def __init__(self) -> None:
        self.checks: list[tuple[int, object, object]] = []  # (input, handed, before)
        self.digests: list[str | None] = []  # exhaustive mode: each input's hash before
        self.handed: list = []

    def changed(self) -> list[int]:
        """The positions of the inputs the call changed, in order."""
        found = {i for i, handed, before in self.checks if _differs(handed, before)}
        for i, (handed, before) in enumerate(zip(self.handed, self.digests)):
            if before is not None and digest(handed) != before:
                found.add(i)
        return sorted(found)


def hand(values: list, exhaustive: bool = False) -> tuple[list, Watch]:
    """The values to pass to one call for its inputs `values`, and the `Watch` of them.
    An object that appears several times among the inputs is handed as one object."""
    watch = Watch()
    memo: dict[int, object] = {}
    handed = []
    for index, value in enumerate(values):
        handed.append(_hand(value, index, watch, memo, exhaustive))
    if exhaustive:
        watch.handed = handed
        watch.digests = [digest(v) for v in handed]
    return handed, watch


def _hand(value: object, index: int, watch: Watch, memo: dict, exhaustive: bool) -> object:
    cls = type(value)
    if cls in _IMMUTABLE:
        return value
    key = id(value)
    if key in memo:
        return memo[key]
    module = cls.__module__
    if cls is list or cls is dict or cls is set:
        return _container(value, cls, index, watch, memo, exhaustive)
    if isinstance(value, tuple):
        return _tuple(value, cls, index, watch, memo, exhaustive)
    if module.startswith("numpy") and isinstance(value, sys.modules["numpy"].ndarray):
        made = value.copy() if exhaustive else _read_only_view(value)
    elif module in _IMMUTABLE_MODULES:  # NumPy's scalars and dtypes, not its arrays
        return value
    elif module.startswith("pandas"):
        made = _pandas(value, index, watch, exhaustive)
    elif module == "ibc.runtime.values" or _is_enum(value):
        return value  # a `Ref`, an enum member
    elif module == "ibc.runtime.closures" and cls.__name__ == "Closure":
        made = _closure(value, index, watch, memo, exhaustive)
    else:
        numpy = sys.modules.get("numpy")
        if numpy is not None and isinstance(value, numpy.ndarray):  # a subclass
            made = value.copy() if exhaustive else _read_only_view(value)
        elif isinstance(value, type):  # a class with a metaclass
            return value
        else:
            made = _opaque(value, index, watch, exhaustive)
    memo[key] = made
    return made


def _is_enum(value: object) -> bool:
    enum = sys.modules.get("enum")
    return enum is not None and isinstance(value, enum.Enum)


def _read_only_view(array):
    view = array.view()
    view.flags.writeable = False
    return view


def _container(value, cls, index: int, watch: Watch, memo: dict, exhaustive: bool):
    """A new list, dict or set around the handed elements, compared after the call with the
    caller's container (when its elements are handed as they are) or with a copy of itself
    taken now."""
    if cls is set:  # elements of a set are hashable, hence (nearly always) immutable
        made: object = set(value)
        memo[id(value)] = made
        watch.checks.append((index, made, value))
        return made
    if cls is list:
        if set(map(type, value)) <= _IMMUTABLE:  # the common case, at C speed
            made = value.copy()
            memo[id(value)] = made
            watch.checks.append((index, made, value))  # the caller's list stays as it is
            return made
        made = []
        memo[id(value)] = made  # a list holding itself gets its copy
        made.extend(_hand(v, index, watch, memo, exhaustive) for v in value)
        watch.checks.append((index, made, made.copy()))
        return made
    made = {}
    memo[id(value)] = made
    if set(map(type, value.values())) <= _IMMUTABLE:
        made.update(value)
        watch.checks.append((index, made, value))
        return made
    for k, v in value.items():
        made[k] = _hand(v, index, watch, memo, exhaustive)
    watch.checks.append((index, made, made.copy()))
    return made


def _tuple(value, cls, index: int, watch: Watch, memo: dict, exhaustive: bool):
    """A tuple is itself immutable; it is rebuilt only when an element needed handing."""
    if set(map(type, value)) <= _IMMUTABLE:
        return value
    elements = [_hand(v, index, watch, memo, exhaustive) for v in value]
    if all(a is b for a, b in zip(elements, value)):
        made = value
    elif cls is tuple:
        made = tuple(elements)
    elif hasattr(cls, "_make"):  # a namedtuple
        made = cls._make(elements)
    else:  # a tuple subclass we cannot rebuild: its own copy through pickle
        made = _opaque(value, index, watch, exhaustive)
    memo[id(value)] = made
    return made


def _closure(value, index: int, watch: Watch, memo: dict, exhaustive: bool):
    """A `.ib` lambda: the same code over handed copies of what it captured."""
    bound = _hand(value.bound, index, watch, memo, exhaustive)
    env = _hand(value.env, index, watch, memo, exhaustive)
    return type(value)(value.node, bound, env)


# --------------------------------------------------------------------------- pandas


_cow_ready: list[bool] = []


def _pandas(value, index: int, watch: Watch, exhaustive: bool):
    """A DataFrame or Series: a shallow copy under copy-on-write. An Index or a scalar
    (Timestamp, Timedelta …) is immutable. Other pandas objects go through pickle."""
    pandas = sys.modules.get("pandas")
    if pandas is None:  # pragma: no cover - a pandas object means pandas is imported
        return _opaque(value, index, watch, exhaustive)
    if isinstance(value, (pandas.DataFrame, pandas.Series)):
        if not _cow_ready:
            _cow_ready.append(_copy_on_write(pandas))
        if _cow_ready[0]:
            return value.copy(deep=False)
        return value.copy(deep=True)  # a pandas without copy-on-write: a real copy
    immutable = (pandas.Index, pandas.Timestamp, pandas.Timedelta, pandas.Period, pandas.Interval)
    if isinstance(value, immutable) or value is pandas.NaT:
        return value
    return _opaque(value, index, watch, exhaustive)


def _copy_on_write(pandas) -> bool:
    """Whether shallow copies are copy-on-write in this pandas, turning the option on in a
    pandas 2 where it is off (pandas 3 has it always on)."""
    try:
        major = int(pandas.__version__.split(".")[0])
    except ValueError:  # pragma: no cover - an odd version string
        major = 0
    if major >= 3:
        return True
    try:
        if pandas.options.mode.copy_on_write is not True:
            pandas.options.mode.copy_on_write = True
        return True
    except (AttributeError, ValueError, KeyError):  # pandas older than 1.5
        return False


# --------------------------------------------------------------------------- through pickle


class _Pickled:
    """What an object handed through pickle is checked against: the hash of its pickle, the
    pickle itself (to tell a real change from a pickle that merely differs) and its buffers,
    with the content hash of each by address (a read-only buffer that is still there holds
    the same bytes, so it is not hashed again)."""

    __slots__ = ("data", "shared", "known", "hash")

    def __init__(self, data: bytes, shared: list) -> None:
        self.data = data
        self.shared = shared  # kept alive: no new buffer can take one of their addresses
        self.known: dict[tuple[int, int], str] = {}
        self.hash = self.signature(data, shared)

    def signature(self, data: bytes, buffers: list) -> str:
        """The hash of a pickle and of its buffers' contents."""
        from ibc.runtime.hashing import hash_bytes, hash_chunks

        parts = [hash_bytes(data)]
        for buffer in buffers:
            where = _address(buffer)
            content = self.known.get(where) if where is not None else None
            if content is None:
                content = hash_bytes(buffer)
                if where is not None:
                    self.known[where] = content
            parts.append(content)
        return hash_chunks(p.encode() for p in parts)


def _opaque(value: object, index: int, watch: Watch, exhaustive: bool = False) -> object:
    """A copy of `value` through pickle, its NumPy buffers shared read-only (copied, writable,
    when `exhaustive`); `value` itself when it cannot be pickled or unpickled (unchecked)."""
    import pickle

    buffers: list = []
    try:
        data = pickle.dumps(value, protocol=5, buffer_callback=buffers.append)
        if exhaustive:
            shared = [memoryview(bytearray(_read_only(b))) for b in buffers]
        else:
            shared = [_read_only(b) for b in buffers]
        made = pickle.loads(data, buffers=shared)
    except Exception:  # noqa: BLE001 - an object pickle cannot copy is passed unchecked
        return value
    watch.checks.append((index, made, _Pickled(data, shared)))
    return made


def _read_only(buffer) -> memoryview:
    try:
        return buffer.raw().toreadonly()
    except BufferError:  # not contiguous: a copy of its bytes
        return memoryview(memoryview(buffer).tobytes())


def _address(view: memoryview) -> tuple[int, int] | None:
    """Where a read-only buffer's memory starts, and its length (None for a writable one, or
    without NumPy: its content is hashed each time)."""
    numpy = sys.modules.get("numpy")
    if numpy is None or not view.nbytes or not view.readonly:
        return None
    start = numpy.frombuffer(view, dtype=numpy.uint8).__array_interface__["data"][0]
    return (start, view.nbytes)


def _differs(handed: object, before: object) -> bool:
    if isinstance(before, _Pickled):
        return _pickle_differs(handed, before)
    try:
        return not bool(handed == before)
    except Exception:  # noqa: BLE001 - an element replaced by an array or a frame
        return True


def _pickle_differs(handed: object, before: _Pickled) -> bool:
    import pickle

    buffers: list = []
    try:
        data = pickle.dumps(handed, protocol=5, buffer_callback=buffers.append)
    except Exception:  # noqa: BLE001 - it pickled before the call: something was added
        return True
    after = before.signature(data, [_read_only(b) for b in buffers])
    if after == before.hash:
        return False
    # Pickles can differ for equal objects (a set rebuilt in another order, strings shared
    # differently): compare with the pickle of a fresh copy made the same way.
    fresh: list = []
    copy = pickle.loads(before.data, buffers=before.shared)
    again = pickle.dumps(copy, protocol=5, buffer_callback=fresh.append)
    return before.signature(again, [_read_only(b) for b in fresh]) != after


def digest(value: object) -> str | None:
    """The hash of `value`'s whole pickle (protocol 5, array data included), or None when it
    cannot be pickled: what `--check-purity` compares."""
    import pickle

    from ibc.runtime.hashing import hash_chunks

    buffers: list = []
    try:
        data = pickle.dumps(value, protocol=5, buffer_callback=buffers.append)
    except Exception:  # noqa: BLE001
        return None
    chunks: list = [data]
    for buffer in buffers:
        try:
            chunks.append(buffer.raw())
        except BufferError:  # not contiguous
            chunks.append(memoryview(buffer).tobytes())
    return hash_chunks(chunks)
