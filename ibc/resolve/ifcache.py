"""On-disk cache of the interfaces of installed Python modules (docs/guide.md §3).

Reading scikit-learn's or pandas' sources with `ast` takes tenths of a second per module;
a warm `ibc check` must read no library source. Each `ModuleInterface` is pickled to
`<cache_dir>/interfaces/<hash of the path>.pickle` together with its key — the file's path,
size and modification time, ibc's version and the reader's format — and is used only when
the key still matches. Entries are written atomically (a temporary file, then
`os.replace`); an unreadable or corrupt entry counts as a miss and is rewritten.
Project files are never cached here (they change while one edits them).

The cache dir is `cache_dir`, else `$IBC_CACHE_DIR`, else `$XDG_CACHE_HOME/iterbuild`, else
`~/.cache/iterbuild`. The same folder keeps, per `sys.path` entry, the map from top-level
module names to distributions (keyed by the entry folder's modification time).
"""

from __future__ import annotations

import copyreg
import io
import os
import pickle
from pathlib import Path
from typing import Any

import ibc
from ibc.base import records
from ibc.base.cachedir import cache_dir, checked, digest, read_checked
from ibc.base import typeterms as types

FORMAT = 6  # bump when the shape of ModuleInterface or the reader's output changes


def _reduce_type(obj: Any) -> Any:
    """Pickle a type value as a constructor call (or, for `INT`, `ANY`…, as the constant):
    much faster to load than the default state of a slotted frozen dataclass."""
    for name, constant in _CONSTANTS:
        if obj is constant:
            return name
    return type(obj), tuple(getattr(obj, name) for name in records.fields(obj))


_CONSTANTS = [
    (n, getattr(types, n)) for n in ("INT", "FLOAT", "STR", "BOOL", "NONE", "FILE", "ANY")
]
_DISPATCH = copyreg.dispatch_table.copy()
for _cls in vars(types).values():
    if isinstance(_cls, type) and issubclass(_cls, types.Type) and records.is_record(_cls):
        _DISPATCH[_cls] = _reduce_type


def default_cache_dir() -> Path:
    return cache_dir()


def _name(kind: str, path: str) -> str:
    return kind + "-" + digest(path.encode("utf-8", "surrogateescape")) + ".pickle"


class InterfaceCache:
    """`get(path)` / `put(path, interface)` keyed by the file's path, size and mtime."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.folder = self.root / "interfaces"
        self.hits = 0
        self.misses = 0

    def _key(self, path: Path | str) -> tuple | None:
        path = os.path.abspath(str(path))
        try:
            st = os.stat(path)
        except OSError:
            return None
        return (FORMAT, ibc.__version__, path, st.st_size, st.st_mtime_ns)

    def get(self, path: Path | str) -> Any | None:
        """The cached interface of the file at `path`, or None (absent, stale or corrupt)."""
        key = self._key(path)
        if key is None:
            return None
        value = self._load(_name("if", key[2]), key)
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def put(self, path: Path | str, interface: Any) -> None:
        key = self._key(path)
        if key is not None:
            self._store(_name("if", key[2]), key, interface)

    # -- distribution maps (see pyfinder.distribution_map) ----------------------------------

    def _entry_key(self, entry: str) -> tuple | None:
        try:
            st = os.stat(entry)
        except OSError:
            return None
        return (FORMAT, ibc.__version__, os.path.abspath(entry), st.st_mtime_ns)

    def load_map(self, entry: str) -> dict[str, str] | None:
        key = self._entry_key(entry)
        return self._load(_name("dist", key[2]), key) if key else None

    def store_map(self, entry: str, mapping: dict[str, str]) -> None:
        key = self._entry_key(entry)
        if key is not None:
            self._store(_name("dist", key[2]), key, mapping)

    # -- files ------------------------------------------------------------------------------

    def _load(self, name: str, key: tuple) -> Any | None:
        payload = read_checked(self.folder / name)  # verified by its checksum
        if payload is None:
            return None
        try:
            stored_key, value = pickle.loads(payload)
        except Exception:  # from an incompatible version: a miss
            return None
        return value if stored_key == key else None

    def _store(self, name: str, key: tuple, value: Any) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            final = self.folder / name
            tmp = self.folder / f".{name}.{os.getpid()}.{id(value)}.tmp"
            buffer = io.BytesIO()
            pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
            pickler.dispatch_table = _DISPATCH
            pickler.dump((key, value))
            with open(tmp, "wb") as handle:
                handle.write(checked(buffer.getvalue()))
            os.replace(tmp, final)
        except (OSError, pickle.PicklingError, RecursionError, TypeError):
            try:
                os.unlink(tmp)  # type: ignore[possibly-undefined]
            except (OSError, NameError):
                pass
