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


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file and a rename; never raises."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
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
