"""Projects for the remote-store tests (docs/running.md, "Remote stores"): a project and its
clones (the same sources in another folder, each with its own `.ibc/`), and ways to damage or
forge an entry of a remote the way a broken disk or an attacker could."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from build_kit import Project

STAGES = """
def make(n: int) -> str:
    log("make")
    return "x" * n


def count(s: str, k: int) -> int:
    log("count")
    return len(s) * k
"""

MAIN = 'from "src/stages.py" import make, count\nexperiment e = {{c = count(make(600), {k})}}\n'

NEEDS_MAKE_K2 = (
    'from "src/stages.py" import make, count\nexperiment e = {c = count(make(600), 2)}\n'
)

SWEEP = """
from "src/stages.py" import make, count
n = 100
k = 1
experiment base = {c = count(make(n), k)}
sweep grid = base with { n in [100, 200, 300], k in [1, 2, 3] }
"""


def project(root: Path, k: int = 1) -> Project:
    p = Project(root)
    p.stages(STAGES)
    p.write("main.ib", MAIN.format(k=k))
    return p


def clone(p: Project, root: Path) -> Project:
    """The project's sources in `root`: no store, no log of calls."""
    shutil.copytree(p.root, root, ignore=shutil.ignore_patterns(".ibc", "calls.log"))
    return Project(root)


def remote_entries(remote: Path) -> dict[str, Path]:
    """{key: file} of the entries of a `file://` remote folder."""
    folder = remote / "store"
    return {f.name: f for f in folder.glob("*/*") if f.is_file()} if folder.is_dir() else {}


def entry_of(remote: Path, stage: str) -> Path:
    """The remote entry file whose metadata names `stage` (there must be one)."""
    from ibc.runtime.store import parse_header

    found = []
    for key, path in remote_entries(remote).items():
        with open(path, "rb") as f:
            entry = parse_header(key, f.read(4096), f.read)
        if entry is not None and entry.meta.get("stage") == stage:
            found.append(path)
    assert len(found) == 1, (stage, found)
    return found[0]


class Payload:
    """Unpickling this runs `os.system`: what a forged or tampered entry could hold."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def tamper_value(path: Path, command: str) -> None:
    """Keep the entry's header, replace its value by a pickle that runs `command` (padded to
    the same length): only the content checksum tells."""
    import pickle

    from ibc.runtime.store import parse_header

    data = path.read_bytes()
    entry = parse_header(path.name, data[:4096], lambda n: data[4096 : 4096 + n])
    assert entry is not None
    evil = pickle.dumps(Payload(command), protocol=5)
    assert len(evil) <= entry.size, "the stage's value is too small to hide the payload"
    value = evil + b"\0" * (entry.size - len(evil))
    path.write_bytes(data[: entry.offset] + value)


def forge(path: Path, command: str, tmp: Path, key: str | None = None) -> None:
    """Replace the entry file by a well-formed one (checksums right) whose value runs
    `command` when loaded, unsigned, or signed with `key` (not the team's)."""
    from ibc.runtime.store import DiskStore, parse_header

    with open(path, "rb") as f:
        entry = parse_header(path.name, f.read(4096), f.read)
    meta = entry.meta if entry is not None else {}
    saved = os.environ.pop("IBC_STORE_KEY", None)
    if key is not None:
        os.environ["IBC_STORE_KEY"] = key
    try:
        store = DiskStore(tmp)
        store.put(path.name, Payload(command), meta)
        shutil.copyfile(store.path(path.name), path)
    finally:
        os.environ.pop("IBC_STORE_KEY", None)
        if saved is not None:
            os.environ["IBC_STORE_KEY"] = saved
