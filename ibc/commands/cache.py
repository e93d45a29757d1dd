"""What `ibc cache ls|gc|clear|verify|push|pull` do and print: functions over a store (and,
for push and pull, its remote: docs/running.md, "Remote stores") that return the text to show
(the command-line parser in `ibc/commands/cli.py` calls them), and `parse_before` for
`ibc cache gc --before 7d`.
"""

from __future__ import annotations

import argparse
import os
import re
import time
from datetime import datetime
from pathlib import Path

from ibc.runtime.store import DiskStore

_AGE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def human_size(n: int) -> str:
    """Bytes in decimal units: `512 B`, `3.4 kB`, `12 MB`, `1.2 GB`."""
    if n < 1000:
        return f"{n} B"
    value = float(n)
    for unit in ("kB", "MB", "GB", "TB", "PB"):
        value /= 1000
        if value < 999.95 or unit == "PB":
            return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
    raise AssertionError("unreachable")


def human_age(seconds: float) -> str:
    """How long ago, roughly: `just now`, `45 s ago`, `12 min ago`, `3 h ago`, `4 days ago`."""
    seconds = max(0.0, seconds)
    if seconds < 1:
        return "just now"
    if seconds < 60:
        return f"{seconds:.0f} s ago"
    if seconds < 3600:
        return f"{seconds // 60:.0f} min ago"
    if seconds < 86400:
        return f"{seconds // 3600:.0f} h ago"
    days = seconds // 86400
    return f"{days:.0f} day ago" if days == 1 else f"{days:.0f} days ago"


def cache_ls(store: DiskStore, long: bool = False, now: float | None = None) -> str:
    """A summary of the store (entries, total size, oldest and newest); with `long`, also one
    line per entry, newest first: key prefix, size, age, stage and `.ib` location."""
    now = time.time() if now is None else now
    entries = sorted(store.entries(), key=lambda e: e.time, reverse=True)
    where = store.root if store.root is not None else "memory"
    if not entries:
        return f"the store at {where} is empty"
    total = sum(e.file_size for e in entries)
    summary = (
        f"{_entries(len(entries))}, {human_size(total)} in {where}; "
        f"oldest {human_age(now - entries[-1].time)}, newest {human_age(now - entries[0].time)}"
    )
    lines = [summary]
    if long:
        rows = []
        for e in entries:
            stage = e.meta.get("stage")
            at = e.meta.get("at")
            rows.append(
                (
                    e.key[:12],
                    human_size(e.file_size),
                    human_age(now - e.time),
                    str(stage) if stage is not None else "-",
                    str(at) if at is not None else "",
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        for r in rows:
            cells = [r[0].ljust(widths[0]), r[1].rjust(widths[1]), r[2].ljust(widths[2])]
            lines.append("  ".join(cells + [r[3].ljust(widths[3]), r[4]]).rstrip())
    return "\n".join(lines)


def parse_before(text: str, now: float | None = None) -> float:
    """An epoch time from `2026-11-01` (local midnight), an ISO date and time
    (`2026-11-01T12:30`, with or without a UTC offset), or an age before now: `7d`, `12h`,
    `30m`, `45s`, `2w`. `ValueError` with the accepted forms otherwise."""
    now = time.time() if now is None else now
    stripped = text.strip()
    m = _AGE.fullmatch(stripped)
    if m:
        return now - float(m.group(1)) * _UNITS[m.group(2).lower()]
    try:
        moment = datetime.fromisoformat(stripped)
    except ValueError:
        raise ValueError(
            f"cannot read {text!r} as a time: write a date (2026-11-01), a date and time "
            f"(2026-11-01T12:30) or an age (7d, 12h, 30m)"
        ) from None
    return moment.timestamp()


class CacheError(Exception):
    """The store cannot be changed (read-only, not ours, a failing disk): the message says
    which store and why; `ibc cache` prints it and exits with 2."""


def _cannot_change(store: DiskStore, exc: OSError) -> CacheError:
    why = exc.strerror or str(exc)
    return CacheError(
        f"cannot remove entries from the store at {store.root}: {why}\n"
        f"  hint: the store (or its file system) must be writable by you; a read-only store "
        f"can still be listed (ibc cache ls) and read by runs"
    )


def cache_gc(store: DiskStore, keep: set[str] | None, before: float | None) -> str:
    """Remove the entries not in `keep` and/or older than `before` (see `DiskStore.gc`) and
    say what was removed and what was kept; `CacheError` when the store cannot be changed."""
    try:
        removed, freed = store.gc(keep=keep, before=before)
    except OSError as exc:
        raise _cannot_change(store, exc) from None
    left = store.stats()["entries"]
    return f"removed {_entries(removed)} ({human_size(freed)}); kept {left}"


def cache_clear(store: DiskStore) -> str:
    """Remove every entry and say how many and how much; `CacheError` when the store cannot
    be changed."""
    try:
        removed, freed = store.clear()
    except OSError as exc:
        raise _cannot_change(store, exc) from None
    return f"removed {_entries(removed)} ({human_size(freed)})"


def cache_verify(store: DiskStore) -> tuple[str, int]:
    """Check every entry whole (header and value, nothing unpickled), remove the damaged
    ones, and say so: (the report, the number removed)."""
    checked = damaged = 0
    lines = []
    for key in list(store.keys()):
        state = store.verify(key)
        if state is None:
            continue
        checked += 1
        if state is False:
            damaged += 1
            lines.append(f"  removed {key} (damaged; it is computed again when next needed)")
    head = f"checked {_entries(checked)}: " + (
        f"{damaged} damaged, removed" if damaged else "all sound"
    )
    return "\n".join([head, *lines]), damaged


def _entries(n: int) -> str:
    return "1 entry" if n == 1 else f"{n} entries"


def _remote_failed(remote, exc: BaseException) -> CacheError:
    return CacheError(
        f"cannot use the remote {remote.url}: {exc}\n"
        f"  hint: check the URL (--remote, $IBC_REMOTE or [store] remote in ibc.toml) and, "
        f'for s3://, the AWS_* variables (docs/running.md, "Remote stores")'
    )


def cache_push(store: DiskStore, remote, keys: set[str] | None, runs: bool = False) -> str:
    """Upload to `remote` the local entries (those of `keys` when given) it lacks, each
    checked whole first (a damaged one is removed, not sent); with `runs`, the run records
    too. The report; `CacheError` when the remote cannot be reached or written."""
    from ibc.runtime.remote import Unreachable

    try:
        there = remote.keys()
        here = set(store.keys())
        mine = here if keys is None else here & set(keys)
        sent = size = damaged = unsigned = 0
        for key in sorted(mine - there):
            state = store.verify(key)
            if state is not True:  # False: damaged (now removed); None: not signed by the key
                damaged += state is False
                unsigned += state is None
                continue
            size += remote.push(key, store, force=True)
            sent += 1
        records = _push_runs(store, remote) if runs else None
    except Unreachable as exc:
        raise _remote_failed(remote, exc) from None
    except OSError as exc:
        raise _remote_failed(remote, exc.strerror or exc) from None
    text = f"pushed {_entries(sent)} ({human_size(size)}) to {remote.url}; "
    text += f"{len(mine & there)} already there"
    if damaged:
        text += f"; {damaged} damaged here, removed and not sent"
    if unsigned:
        text += f"; {unsigned} not signed by $IBC_STORE_KEY, not sent"
    if records is not None:
        text += f"; {_records(records)} pushed"
    return text


def cache_pull(store: DiskStore, remote, keys: set[str] | None, runs: bool = False) -> str:
    """Download from `remote` the entries (those of `keys` when given) the local store lacks,
    each checked whole (checksum; signature with `$IBC_STORE_KEY`) before it is kept, never
    unpickled; with `runs`, the run records the local store lacks. The report."""
    from ibc.runtime.remote import Rejected, Unreachable

    try:
        there = remote.keys()
        wanted = there if keys is None else there & set(keys)
        todo = sorted(k for k in wanted if store.meta(k) is None)
        got = size = 0
        rejected: dict[str, str] = {}
        for key in todo:
            try:
                if remote.fetch(key, store):
                    got += 1
                    size += os.path.getsize(store.path(key))
            except Rejected as exc:
                rejected[key] = str(exc)
        records = _pull_runs(store, remote) if runs else None
    except Unreachable as exc:
        raise _remote_failed(remote, exc) from None
    except OSError as exc:
        raise _remote_failed(remote, exc.strerror or exc) from None
    text = f"pulled {_entries(got)} ({human_size(size)}) from {remote.url}; "
    text += f"{len(wanted) - len(todo)} already here"
    if rejected:
        shown = ", ".join(k[:12] for k in sorted(rejected)[:3])
        text += (
            f"; {len(rejected)} failed verification and {'was' if len(rejected) == 1 else 'were'}"
            f" not kept (damaged, or not signed by $IBC_STORE_KEY: {shown})"
        )
    if records is not None:
        text += f"; {_records(records)} pulled"
    return text


def _push_runs(store: DiskStore, remote) -> int:
    """Upload the run records the remote lacks (or holds shorter: a run that went on)."""
    folder = Path(store.root) / "runs"
    there = remote.run_files()
    count = 0
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else ():
        if there.get(path.name) != path.stat().st_size:
            remote.push_run(path)
            count += 1
    return count


def _pull_runs(store: DiskStore, remote) -> int:
    """Download the run records the local store lacks (or holds shorter)."""
    folder = Path(store.root) / "runs"
    count = 0
    for name, size in sorted(remote.run_files().items()):
        here = folder / name
        if not here.is_file() or here.stat().st_size < size:
            remote.pull_run(name, folder)
            count += 1
    return count


def _records(n: int) -> str:
    return "1 run record" if n == 1 else f"{n} run records"


def add_arguments(cache: argparse.ArgumentParser) -> None:
    """The actions of `ibc cache` and their options."""
    cache_commands = cache.add_subparsers(dest="cache_command", metavar="ACTION")
    ls = cache_commands.add_parser("ls", help="entries, size, age")
    ls.add_argument("-l", "--long", action="store_true", help="one line per entry")
    gc_ = cache_commands.add_parser(
        "gc", help="remove entries the given files' experiments no longer reach"
    )
    gc_.add_argument(
        "files", nargs="*", metavar="FILE", help="keep what these files' experiments reach"
    )
    gc_.add_argument(
        "--before", metavar="WHEN", help="remove entries older than WHEN (2026-11-01, 7d, 12h)"
    )
    cache_commands.add_parser("clear", help="remove every entry")
    cache_commands.add_parser(
        "verify", help="check every entry (header and value) and remove the damaged ones"
    )
    syncs = []
    for name, what in (("push", "upload to"), ("pull", "download from")):
        sync = cache_commands.add_parser(
            name, help=f"{what} the remote the entries that FILE's targets use (default: all)"
        )
        sync.add_argument(
            "files", nargs="*", metavar="FILE", help="only the entries these files' targets use"
        )
        sync.add_argument(
            "--runs", action="store_true", help=f"{what.split()[0]} the run records too"
        )
        sync.add_argument(
            "--remote", metavar="URL", help="the remote (default: $IBC_REMOTE, else [store] remote)"
        )
        syncs.append(sync)
    for sub in (ls, gc_, cache_commands.choices["clear"], cache_commands.choices["verify"], *syncs):
        sub.add_argument("--store", metavar="PATH", help="the store folder")
