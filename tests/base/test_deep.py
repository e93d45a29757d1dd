"""`run_deep` (docs/running.md, "Deep programs"): room for deep recursion on a thread of its
own, results and exceptions handed back, the recursion limit restored."""

from __future__ import annotations

import sys
import threading

import pytest

from ibc.base.deep import RECURSION_LIMIT, run_deep


def depth(n: int) -> int:
    return 0 if n == 0 else 1 + depth(n - 1)


@pytest.fixture(autouse=True)
def normal_limit():
    """The interpreter's default limit (other tests in this process may have changed it)."""
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    yield
    sys.setrecursionlimit(before)


def test_recursion_far_past_the_normal_limit_runs():
    with pytest.raises(RecursionError):
        depth(20_000)
    assert run_deep(depth, 20_000) == 20_000
    assert run_deep(depth, RECURSION_LIMIT // 2) == RECURSION_LIMIT // 2
    assert sys.getrecursionlimit() == 1000


def test_the_limit_is_restored_and_exceptions_reach_the_caller():
    before = sys.getrecursionlimit()
    with pytest.raises(ValueError, match="bad"):
        run_deep(lambda: (_ for _ in ()).throw(ValueError("bad")))
    with pytest.raises(RecursionError):
        run_deep(depth, RECURSION_LIMIT * 2)
    assert sys.getrecursionlimit() == before
    assert run_deep(lambda a, b=0: a + b, 1, b=2) == 3


def test_calls_from_several_threads_at_once():
    before = sys.getrecursionlimit()
    results: list[int] = []
    workers = [
        threading.Thread(target=lambda: results.append(run_deep(depth, 30_000))) for _ in range(3)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert results == [30_000] * 3
    assert sys.getrecursionlimit() == before
