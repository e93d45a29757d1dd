"""Every cache ibc reads is verified (docs/running.md, "Caches"): one changed byte in a cache
file is a miss, rebuilt, never a wrong answer. Once, one changed byte of the compiled-code
cache made an experiment report "ZEBRO" for `echo("ZEBRA")` on every later run."""

from __future__ import annotations

from pathlib import Path

from build_kit import Project

STAGES = """
def echo(text: str) -> str:
    log("echo")
    return text
"""


def flip(path: Path, old: bytes, new: bytes) -> bool:
    """Change `old` to `new` (same length) once in the file at `path`; whether it occurred."""
    data = path.read_bytes()
    if old not in data:
        return False
    path.write_bytes(data.replace(old, new, 1))
    return True


def test_a_changed_byte_in_any_cache_file_is_a_miss(tmp_path):
    p = Project(tmp_path / "p")
    p.stages(STAGES)
    p.write("main.ib", 'from "src/stages.py" import echo\nexperiment e = echo("ZEBRA")\n')
    cache = tmp_path / "cache"
    assert p.ok("run", "main.ib", IBC_CACHE_DIR=str(cache)).strip() == 'e: "ZEBRA"'
    changed = [f for f in cache.rglob("*") if f.is_file() and flip(f, b"ZEBRA", b"ZEBRO")]
    assert any(f.suffix == ".code" for f in changed), sorted(map(str, cache.rglob("*")))
    # every other cache file: one byte changed in its middle
    for f in cache.rglob("*"):
        if f.is_file() and f not in changed and f.stat().st_size > 80:
            data = bytearray(f.read_bytes())
            data[len(data) // 2] ^= 0x01
            f.write_bytes(bytes(data))
    assert p.ok("run", "main.ib", IBC_CACHE_DIR=str(cache)).strip() == 'e: "ZEBRA"'
    assert p.ok("check", "main.ib", IBC_CACHE_DIR=str(cache)) == ""
    assert p.ok("run", "main.ib", IBC_CACHE_DIR=str(cache)).strip() == 'e: "ZEBRA"'
