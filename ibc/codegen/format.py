"""Formatting emitted Python with black, cached by the source's hash and ibc's version so
that an unchanged program is never formatted twice (black's import and first call cost
hundreds of milliseconds; only `ibc compile` output, which people read, is formatted)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ibc import __version__
from ibc.cachedir import cache_dir

LINE_LENGTH = 100


def _cache_dir() -> Path:
    return cache_dir() / "formatted"


def format_python(source: str) -> str:
    """`source` formatted by black (line length 100), from the cache when seen before."""
    digest = hashlib.sha256(f"{__version__}\0{LINE_LENGTH}\0{source}".encode()).hexdigest()
    cached = _cache_dir() / f"{digest}.py"
    try:
        return cached.read_text(encoding="utf-8")
    except OSError:
        pass
    import black  # imported only when something must be formatted

    formatted = black.format_str(source, mode=black.Mode(line_length=LINE_LENGTH))
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(formatted, encoding="utf-8")
        os.replace(tmp, cached)
    except OSError:
        pass  # a read-only cache only costs time
    return formatted
