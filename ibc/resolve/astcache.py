"""A disk cache of parsed library `.ib` files (the prelude and the stubs).

The prelude and the stubs of the libraries a program uses are parsed on every `ibc check`;
they rarely change, so their syntax trees are kept, pickled, under the cache folder (the
one of `ifcache`), keyed by a hash of their text, their shown path, ibc's version and the
grammar. A user's own files are always parsed afresh. A damaged entry is ignored and
rewritten; a read-only cache only costs time.
"""

from __future__ import annotations

import pickle
from pathlib import Path  # noqa: F401

from ibc import __version__
from ibc.base.cachedir import digest, read_checked, write_checked
from ibc.resolve.ifcache import default_cache_dir
from ibc.syntax import nodes as n

_grammar_key: str | None = None


def _grammar() -> str:
    """The grammar hash recorded in the generated parser's header."""
    global _grammar_key
    if _grammar_key is None:
        from ibc.syntax.parser import grammar_hash

        _grammar_key = grammar_hash()
    return _grammar_key


def _entry(display: str, text: str, cache_dir: Path | None) -> Path:
    key = digest(f"{__version__}\0{_grammar()}\0{display}\0{text}".encode("utf-8", "surrogatepass"))
    return (cache_dir or default_cache_dir()) / "ast" / f"{key}.pickle"


def load(display: str, text: str, cache_dir: Path | None = None) -> n.Module | None:
    payload = read_checked(_entry(display, text, cache_dir))  # verified by its checksum
    if payload is None:
        return None
    try:
        module = pickle.loads(payload)
    except Exception:  # noqa: BLE001 - damaged: parse again
        return None
    return module if isinstance(module, n.Module) else None


def store(display: str, text: str, module: n.Module, cache_dir: Path | None = None) -> None:
    data = pickle.dumps(module, protocol=pickle.HIGHEST_PROTOCOL)
    write_checked(_entry(display, text, cache_dir), data)
