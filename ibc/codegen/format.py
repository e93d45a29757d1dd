"""Formatting emitted Python with black, cached by the source's hash and ibc's version so
that an unchanged program is never formatted twice (black's import and first call cost
hundreds of milliseconds; only `ibc compile` output, which people read, is formatted)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from ibc import __version__
from ibc.base.cachedir import cache_dir, write_atomically

LINE_LENGTH = 100


def _cache_dir() -> Path:
    return cache_dir() / "formatted"


_BLOCK = re.compile(r"^# fmt: off\n.*?^# fmt: on\n", re.MULTILINE | re.DOTALL)


def format_python(source: str) -> str:
    """`source` formatted by black (line length 100), from the cache when seen before."""
    digest = hashlib.sha256(f"{__version__}\0{LINE_LENGTH}\0{source}".encode()).hexdigest()
    cached = _cache_dir() / f"{digest}.py"
    try:
        return cached.read_text(encoding="utf-8")
    except OSError:
        pass
    import black  # imported only when something must be formatted

    # Top-level `# fmt: off` … `# fmt: on` blocks (a big sweep's table of points, already in
    # black's layout) are set aside: black would still parse them, a second per 1,000 lines.
    blocks: list[str] = []

    def set_aside(match: re.Match) -> str:
        blocks.append(match.group(0))
        return f"__ibc_block_{len(blocks) - 1}__ = None\n"

    source = _BLOCK.sub(set_aside, source)
    formatted = black.format_str(source, mode=black.Mode(line_length=LINE_LENGTH))
    for index, block in enumerate(blocks):
        formatted = formatted.replace(f"__ibc_block_{index}__ = None\n", block, 1)
    write_atomically(cached, formatted.encode("utf-8"))  # a read-only cache only costs time
    return formatted
