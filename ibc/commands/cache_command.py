"""`ibc cache ls|gc|clear|verify|push|pull`: the command line's side of the store's upkeep.

The actions themselves are in `ibc/commands/cache.py`; this module reads the arguments, finds
the store (and the remote, docs/running.md "Remote stores") and works out which keys the named
files' experiments reach.
"""

from __future__ import annotations

import sys
from pathlib import Path

# cli.py imports this module only when `ibc cache` runs, so importing it back is no cycle.
from ibc.commands.cli import EXIT_OK, EXIT_USAGE, _compiled_program, _store_root


def cache_main(args) -> int:
    """`ibc cache ACTION …` (docs/running.md, "The store"): an exit code."""
    from ibc.commands.cache import CacheError

    try:
        return _cache_command(args)
    except CacheError as exc:  # a read-only store, say
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _cache_command(args) -> int:
    from ibc.commands.cache import cache_clear, cache_gc, cache_ls, cache_verify, parse_before
    from ibc.runtime.store import DiskStore

    if args.cache_command is None:
        print(
            "usage: ibc cache ls|gc|clear|verify|push|pull (see ibc cache --help)", file=sys.stderr
        )
        return EXIT_USAGE
    files = getattr(args, "files", None) or []
    root = _store_root(files[0] if files else None, args.store)
    store = DiskStore(root)
    if args.cache_command in ("push", "pull"):
        return _cache_sync(args, files, store)
    if args.cache_command == "ls":
        print(cache_ls(store, long=args.long))
        return EXIT_OK
    if args.cache_command == "clear":
        print(cache_clear(store))
        return EXIT_OK
    if args.cache_command == "verify":
        report, _ = cache_verify(store)
        print(report)
        return EXIT_OK
    before = None
    if args.before:
        try:
            before = parse_before(args.before)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE
    if not files and before is None:
        print(
            "error: ibc cache gc needs FILE… (keep what they reach) or --before WHEN",
            file=sys.stderr,
        )
        return EXIT_USAGE
    keep = _reachable_keys(args, files, store) if files else None
    if isinstance(keep, int):
        return keep
    print(cache_gc(store, keep, before))
    return EXIT_OK


def _cache_sync(args, files: list[str], store) -> int:
    """`ibc cache push|pull [FILE…] [--runs]` (docs/running.md, "Remote stores")."""
    from ibc.commands.cache import cache_pull, cache_push
    from ibc.runtime.remote import Remote, SharedStore, remote_url
    from ibc.runtime.runlog import find_root

    url = remote_url(find_root(Path(files[0] if files else ".").resolve()), args.remote)
    if url is None:
        print(
            f"error: ibc cache {args.cache_command} needs a remote: --remote URL, $IBC_REMOTE, "
            'or `[store] remote = "s3://bucket/prefix"` in ibc.toml',
            file=sys.stderr,
        )
        return EXIT_USAGE
    remote = Remote(url)
    keys = None
    if files:
        # pull: what the targets use counts as there when the remote has it
        planned = SharedStore(store, remote, push=False) if args.cache_command == "pull" else store
        keys = _reachable_keys(args, files, planned)
        if isinstance(keys, int):
            return keys
    sync = cache_push if args.cache_command == "push" else cache_pull
    print(sync(store, remote, keys, runs=args.runs))
    return EXIT_OK


def _reachable_keys(args, files: list[str], store) -> set[str] | int:
    """The store keys the experiments of `files` reach, or the exit code of a file that does
    not compile."""
    keys: set[str] = set()
    for file in files:
        found = _file_keys(args, file, store)
        if isinstance(found, int):
            return found
        keys |= found
    return keys


def _file_keys(args, file: str, store) -> set[str] | int:
    """The store keys the experiments of `file` reach now (a dry run of all its targets), with
    the entries its newest recorded runs used (those downstream of an `(impure)` stage, whose
    keys a dry run cannot know) and their result entries."""
    args.strict, args.stubs = False, []
    program = _compiled_program(args, file)
    if isinstance(program, int):
        return program
    from ibc.runtime.running import plan

    program.activate()
    planner, tops = plan(program, list(program.targets), store)
    keep = {key for _, key, state, _, _ in planner.log if key and state == "cached"}
    from ibc.runtime.graph import digest

    for _, node in tops:
        identity = planner.ident.get(node.key)
        if identity:
            keep.add(digest("result", identity))
    from ibc.commands.results import latest_records, read_jsonl
    from ibc.runtime.runlog import record_file

    records = latest_records(store.root, record_file(file))
    keep |= {r["key"] for r in records if r.get("key")}
    for run in {r.get("run") for r in records if r.get("run")}:
        stages = store.root / "runs" / f"{run}.stages.jsonl"
        if stages.is_file():
            keep |= {s["key"] for s in read_jsonl(stages) if s.get("key")}
    return keep
