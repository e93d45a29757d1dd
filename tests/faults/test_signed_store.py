"""A signed store (docs/running.md, "Trust"): with `$IBC_STORE_KEY` set, every entry a run
writes carries an HMAC of its header, and an entry without a valid one (forged by someone who
can write to a shared store, or written with another key) is never unpickled: its stage is
computed again and the entry replaced."""

from __future__ import annotations

import os

from build_kit import Project

STAGES = """
def double(x: int) -> int:
    log("double")
    return 2 * x
"""


class _Payload:
    """Unpickling this runs `os.system`: what a forged entry of a shared store could hold."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def forge(project: Project, command: str) -> int:
    """Replace every entry of the project's store by one whose value runs `command` when
    loaded; the headers' checksums are right, only the signature is missing."""
    from ibc.runtime.store import DiskStore

    store = DiskStore(project.store_root)
    keys = list(store.keys())
    saved = os.environ.pop("IBC_STORE_KEY", None)
    try:
        for key in keys:
            meta = store.meta(key).meta if store.meta(key) is not None else {}
            store.put(key, _Payload(command), meta)
    finally:
        if saved is not None:
            os.environ["IBC_STORE_KEY"] = saved
    return len(keys)


def test_a_forged_entry_is_never_loaded_from_a_signed_store(tmp_path):
    p = Project(tmp_path / "p")
    p.stages(STAGES)
    p.write("main.ib", 'from "src/stages.py" import double\nexperiment e = {v = double(21)}\n')
    assert "e: " in p.ok("run", "main.ib", IBC_STORE_KEY="team-secret")
    assert p.calls() == ["double"]
    files = p.entry_files()
    assert files and all(b'"sig":"' in f.read_bytes()[:4096] for f in files)
    pwned = tmp_path / "pwned"
    assert forge(p, f"touch {pwned}") >= 1
    out = p.ok("run", "main.ib", IBC_STORE_KEY="team-secret")
    assert '"v": 42' in out and not pwned.exists()
    assert p.calls() == ["double"]  # computed again, not loaded
    # the entries were replaced by signed ones: the next run is cached
    p.ok("run", "main.ib", IBC_STORE_KEY="team-secret")
    assert p.calls() == []


def test_another_key_recomputes_and_no_key_trusts_the_store(tmp_path):
    p = Project(tmp_path / "p")
    p.stages(STAGES)
    p.write("main.ib", 'from "src/stages.py" import double\nexperiment e = {v = double(21)}\n')
    p.ok("run", "main.ib", IBC_STORE_KEY="one")
    p.calls()
    p.ok("run", "main.ib", IBC_STORE_KEY="two")
    assert p.calls() == ["double"]
    p.ok("run", "main.ib")  # without a key, entries are trusted as they are (documented)
    assert p.calls() == []
