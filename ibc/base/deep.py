"""Room for deep programs: running a recursive computation on a thread with a large stack.

The compiler's phases walk the syntax tree recursively (the parser builds it bottom-up, the
resolver, the type checker, parameter expansion, lowering and the emitter descend it), so a
program with thousands of nested calls, lists or pipe steps needs thousands of Python frames,
more than the interpreter's default limit of 1,000. `run_deep` runs a function on a fresh
thread whose stack is large enough for `RECURSION_LIMIT` frames and raises the interpreter's
recursion limit while it runs: a well-known technique that keeps the code simple
(docs/running.md, "Deep programs"). The limit is restored when the last such call ends.
"""

from __future__ import annotations

import sys
import threading

# Frames the compiler may use: a few thousand levels of nesting of any construct, at a few
# dozen frames per level. Each frame that goes through C code takes well under 1 KB of the
# thread's stack; the stack is reserved, not allocated, until it is used.
RECURSION_LIMIT = 200_000
STACK_SIZE = 1 << 30  # 1 GiB of address space

_lock = threading.Lock()
_active = 0
_saved_limit = 0


def run_deep(function, *args, **kwargs):
    """`function(*args, **kwargs)`, run on a thread with a large stack and a high recursion
    limit; returns its result or raises its exception in the calling thread."""
    global _active, _saved_limit
    outcome: list = []

    def body() -> None:
        try:
            outcome.append((True, function(*args, **kwargs)))
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
            outcome.append((False, exc))

    with _lock:
        if _active == 0:
            _saved_limit = sys.getrecursionlimit()
            sys.setrecursionlimit(max(_saved_limit, RECURSION_LIMIT))
        _active += 1
    try:
        with _lock:
            try:
                previous = threading.stack_size(STACK_SIZE)
            except (ValueError, RuntimeError):  # a platform without settable stacks
                previous = None
            worker: threading.Thread | None = threading.Thread(
                target=body, name="ibc-deep", daemon=True
            )
            try:
                worker.start()
            except RuntimeError:  # no room for such a stack (strict overcommit): run here
                worker = None
            finally:
                if previous is not None:
                    threading.stack_size(previous)
        if worker is None:
            body()
        else:
            worker.join()
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                sys.setrecursionlimit(_saved_limit)
    ok, value = outcome[0]
    if ok:
        return value
    raise value
