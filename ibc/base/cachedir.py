"""Where ibc keeps what it computes once and reuses: `$IBC_CACHE_DIR`, else
`$XDG_CACHE_HOME/iterbuild`, else `~/.cache/iterbuild`. Every cache under it is safe to
delete; a damaged or unwritable entry only costs time. Every cache file carries a checksum
(`checked`, `read_checked`): one changed byte is a miss, never a wrong answer."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    if os.environ.get("IBC_CACHE_DIR"):
        return Path(os.environ["IBC_CACHE_DIR"])
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "iterbuild"
    return Path.home() / ".cache" / "iterbuild"


def replace_atomically(path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename: a
    reader sees the old file or the new one, whole, and concurrent writers of the same bytes
    are harmless. Raises `OSError`; leaves no temporary file behind."""
    from threading import get_ident

    folder = os.path.dirname(path) or "."
    os.makedirs(folder, exist_ok=True)
    name = os.path.basename(path)
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.{get_ident()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_atomically(path: Path, data: bytes) -> None:
    """`replace_atomically` for a cache file: a failure only costs time, so it never raises."""
    try:
        replace_atomically(path, data)
    except OSError:
        pass


def digest(data: bytes) -> str:
    """A hex digest naming a cache entry (BLAKE2b, 32 hex digits). `_blake2` is imported
    directly: `hashlib` pulls in OpenSSL's bindings, a few milliseconds at every start."""
    try:
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover - Pythons built without it
        from hashlib import blake2b
    return blake2b(data, digest_size=16).hexdigest()


_CHECKED = b"ibc-cache 1\n"


def checked(payload: bytes) -> bytes:
    """`payload` with a checksum in front, for a cache file (docs/running.md, "Caches")."""
    return _CHECKED + digest(payload).encode("ascii") + b"\n" + payload


def unchecked(data: bytes) -> bytes | None:
    """The payload of a file written as `checked(payload)`, or None when it is damaged,
    truncated or of another format: the caller rebuilds the entry."""
    head = len(_CHECKED)
    if not data.startswith(_CHECKED) or data[head + 32 : head + 33] != b"\n":
        return None
    payload = data[head + 33 :]
    return payload if digest(payload).encode("ascii") == data[head : head + 32] else None


def read_checked(path) -> bytes | None:
    """The verified payload of the cache file at `path`, or None (missing, unreadable or
    damaged: a miss)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    return unchecked(data)


def write_checked(path: Path, payload: bytes) -> None:
    """Write `checked(payload)` atomically; never raises."""
    write_atomically(path, checked(payload))
