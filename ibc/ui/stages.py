"""The stage graph `ibc ui` draws, and what it says of one stage (docs/ui.md, "Stage graph"),
from a run's stage log and the headers of the store's entries: nothing is compiled, run or
unpickled.

A run's stage log (`<run>.stages.jsonl`, `ibc.runtime.runlog.RunLog.stages`) has a line per
stage the run consulted: its node id, store key, state (`ran`, `cached`, `failed`), duration,
the experiment it was first needed for, its `.ib` location, code fingerprint, and the node
ids of the stages it reads (`upstream`, through cheap nodes). The graph of one experiment is
the stages first needed for it and everything upstream of them; each node says whether its
entry is in the store now (`stored`), since a later `ibc cache gc` may have removed it.

An entry's header (`ibc.runtime.store.parse_header`) gives its size, codec, time, captured
output and the short JSON rendering of its value, when the value had one small enough
(`json`; else the page says "no summary"). Headers are read with a plain file read: unlike
`DiskStore.meta`, a damaged entry is reported, not removed (the UI writes nothing).
"""

from __future__ import annotations

import os
from pathlib import Path

from ibc.runtime.store import FIRST_READ, Untrusted, check_key, parse_header

STATES = ("ran", "cached", "failed")


def entry_header(store: Path, key: str) -> dict | None:
    """What the header of entry `key` of the store at `store` (a `.ibc` folder) says, or None
    when the key is not a store key or there is no such entry. `{"key", "codec", "size",
    "file_size", "meta"}`, or `{"key", "damaged": True}` / `{"key", "untrusted": True}`."""
    try:
        check_key(key)  # letters, digits, `_`, `-`: it cannot leave the store's folder
    except ValueError:
        return None
    path = Path(store) / "store" / key[:2] / key
    try:
        handle = open(path, "rb", buffering=0)
    except OSError:
        return None
    with handle:

        def read_more(n: int) -> bytes:
            return handle.read(n) or b""

        try:
            entry = parse_header(key, handle.read(FIRST_READ), read_more)
        except Untrusted:  # a signed store whose signature this key does not match
            return {"key": key, "untrusted": True}
        if entry is None or os.fstat(handle.fileno()).st_size != entry.file_size:
            return {"key": key, "damaged": True}
    return {
        "key": key,
        "codec": entry.codec,
        "size": entry.size,
        "file_size": entry.file_size,
        "meta": entry.meta,
    }


def _closure(stages: dict[str, dict], experiment: str | None) -> list[str]:
    """The node ids of `experiment`'s stages and everything upstream of them (every stage
    of the run when `experiment` is None), in log order."""
    if experiment is None:
        return list(stages)
    keep: set[str] = set()
    todo = [n for n, s in stages.items() if s.get("experiment") == experiment]
    while todo:
        node = todo.pop()
        if node in keep or node not in stages:
            continue
        keep.add(node)
        upstream = stages[node].get("upstream")
        if isinstance(upstream, list):
            todo.extend(u for u in upstream if isinstance(u, str))
    return [n for n in stages if n in keep]


def graph(lines: list[dict], store: Path, experiment: str | None = None) -> dict:
    """`{"nodes": [...], "edges": [[from, to], …], "edges_known": bool}` for the stage
    lines of one run (`Records.stages`). A node: `id`, `label`, `ref`, `at`, `state`,
    `seconds`, `key`, `fingerprint`, `experiment` and `stored` (its entry is in the store
    now). `edges_known` is False for the logs of runs older than the `upstream` field, which
    are drawn without edges."""
    stages: dict[str, dict] = {}
    for line in lines:
        if line.get("state") in STATES:
            stages[line["node"]] = line  # a node logged twice: its last state
    nodes, edges = [], []
    kept = _closure(stages, experiment)
    shown = set(kept)
    known = any("upstream" in s for s in stages.values())
    for node in kept:
        line = stages[node]
        key = line.get("key") if isinstance(line.get("key"), str) else None
        nodes.append(
            {
                "id": node,
                "label": str(line.get("stage") or line.get("ref") or node[:8]),
                "ref": line.get("ref"),
                "at": line.get("at"),
                "state": line.get("state"),
                "seconds": line.get("seconds"),
                "key": key,
                "fingerprint": line.get("fingerprint"),
                "experiment": line.get("experiment"),
                "stored": bool(key) and _stored(store, key),
            }
        )
        upstream = line.get("upstream") if isinstance(line.get("upstream"), list) else []
        edges += [[u, node] for u in dict.fromkeys(upstream) if u in shown]
    return {"nodes": nodes, "edges": edges, "edges_known": known}


def _stored(store: Path, key: str) -> bool:
    try:
        check_key(key)
    except ValueError:
        return False
    return (Path(store) / "store" / key[:2] / key).is_file()


def stage(lines: list[dict], store: Path, node: str) -> dict | None:
    """What the page shows when a stage is clicked: its stage-log line (location,
    fingerprint, key, state, duration, inputs) and its entry's header (size, captured
    output, the JSON summary of its value), or None when the run has no such stage."""
    found = None
    for line in lines:
        if line.get("node") == node:
            found = line
    if found is None:
        return None
    key = found.get("key") if isinstance(found.get("key"), str) else None
    header = entry_header(store, key) if key else None
    out = {"stage": found, "entry": header}
    if header is not None and isinstance(header.get("meta"), dict):
        meta = header["meta"]
        out["summary"] = meta.get("json")
        out["has_summary"] = "json" in meta
        out["stdout"] = meta.get("stdout") or ""
        out["stderr"] = meta.get("stderr") or ""
    return out
