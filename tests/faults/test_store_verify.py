"""Store damage is repaired and said (docs/running.md, "The store"): a run that meets a
damaged entry removes it, computes it again and prints one notice; `ibc cache verify` checks
every entry whole (without unpickling anything) and removes the damaged ones."""

from __future__ import annotations

from build_kit import Project

STAGES = """
def double(x: int) -> int:
    log("double")
    return 2 * x


def triple(x: int) -> int:
    log("triple")
    return 3 * x
"""

MAIN = """\
from "src/stages.py" import double, triple
experiment e = {a = double(21), b = triple(5)}
"""


def damage_value(p: Project, stage: str) -> None:
    """Flip the last byte of the value of `stage`'s entry (its header stays valid)."""
    [entry] = p.entry_of(stage)
    path = p.store_root / "store" / entry.key[:2] / entry.key
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x5A
    path.write_bytes(bytes(data))


def test_cache_verify_removes_damaged_entries(tmp_path):
    p = Project(tmp_path / "p")
    p.stages(STAGES)
    p.write("main.ib", MAIN)
    p.ok("run", "main.ib")
    out = p.ok("cache", "verify")
    assert out.startswith("checked ") and "all sound" in out
    damage_value(p, "double")
    out = p.ok("cache", "verify")
    assert "1 damaged, removed" in out and "removed " in out
    assert p.entry_of("double") == []
    assert "all sound" in p.ok("cache", "verify")


def test_a_run_repairs_damage_with_a_one_line_notice(tmp_path):
    p = Project(tmp_path / "p")
    p.stages(STAGES)
    p.write("main.ib", MAIN + "experiment f = {c = double(21) + triple(5)}\n")
    p.ok("run", "main.ib", "e")
    p.calls()
    done = p.run("run", "main.ib", "e")  # sound entries: no notice
    assert done.returncode == 0 and "notice:" not in done.stderr
    damage_value(p, "triple")
    done = p.run("run", "main.ib", "f")  # `f` loads the values of both stages
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == 'f: {"c": 57}'
    assert "notice: 1 damaged store entry was removed and computed again" in done.stderr
    assert p.calls() == ["triple"]
