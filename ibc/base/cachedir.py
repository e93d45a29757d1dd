"""Where ibc keeps what it computes once and reuses: `$IBC_CACHE_DIR`, else
`$XDG_CACHE_HOME/iterbuild`, else `~/.cache/iterbuild`. Every cache under it is safe to
delete; a damaged or unwritable entry only costs time."""

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
