"""The process executor: parallel speed-up, project modules from project_root, failures."""

import os
import sys
import time

import pytest

from ibc.runtime.executors import Call, LocalExecutor, ProcessExecutor
from ibc.runtime.values import Ref

BUSY = """
import os


def spin(n):
    total = 0
    for i in range(n):
        total += i % 7
    return total


def where():
    return os.environ.get("IBC_PROJECT_ROOT"), os.getpid()


def shout(x):
    print("working on", x)
    return x


def broken(x):
    return {"k": 1}[x]


def die():
    os._exit(3)
"""


@pytest.fixture(scope="module")
def busy_project(tmp_path_factory):
    """A project folder with `busy_mod`, also on this process's sys.path (for the local run)."""
    root = tmp_path_factory.mktemp("busy_project")
    (root / "busy_mod.py").write_text(BUSY)
    sys.path.insert(0, str(root))
    yield str(root)
    sys.path.remove(str(root))


@pytest.fixture(scope="module")
def remote_project(tmp_path_factory):
    """A project folder NOT on this process's sys.path: only workers can import it."""
    root = tmp_path_factory.mktemp("remote_project")
    (root / "remote_only_mod.py").write_text(BUSY)
    return str(root)


@pytest.fixture
def pool(busy_project):
    executor = ProcessExecutor(2, busy_project)
    yield executor
    executor.close(cancel=True)


def _calibrate(seconds: float) -> int:
    from busy_mod import spin

    n = 200_000
    start = time.perf_counter()
    spin(n)
    elapsed = time.perf_counter() - start
    return max(1, int(n * seconds / max(elapsed, 1e-6)))


def _run_all(executor, calls):
    start = time.perf_counter()
    futures = [executor.submit(c) for c in calls]
    outcomes = [f.result(timeout=60) for f in futures]
    return outcomes, time.perf_counter() - start


def test_four_busy_stages_run_in_parallel_with_the_same_values(pool):
    n = _calibrate(0.5)
    calls = [Call(Ref("busy_mod", "spin"), [n + i], {}) for i in range(4)]
    for f in [pool.submit(Call(Ref("busy_mod", "where"), [], {})) for _ in range(2)]:
        assert f.result(timeout=60).ok  # workers started and the module imported
    local, _ = _run_all(LocalExecutor(), calls)
    outcomes, wall = _run_all(pool, calls)
    expected = [sum(i % 7 for i in range(n + k)) for k in range(4)]
    assert [o.value for o in outcomes] == [o.value for o in local] == expected
    # the stages overlapped: the wall time is well under the sum of their own durations
    # (measured in the workers, so a loaded machine slows both sides alike)
    total = sum(o.seconds for o in outcomes)
    assert wall < 0.85 * total, f"wall {wall:.2f}s vs stages {total:.2f}s"
    assert pool.parallel and pool.jobs == 2


def test_worker_imports_the_project_module_from_project_root(remote_project):
    assert "remote_only_mod" not in sys.modules
    with ProcessExecutor(1, remote_project) as executor:
        outcome = executor.submit(Call(Ref("remote_only_mod", "where"), [], {})).result(60)
        assert outcome.ok, outcome.error_text
        root, pid = outcome.value
        assert root == remote_project and pid != os.getpid()
        shout = executor.submit(Call(Ref("remote_only_mod", "shout"), [5], {})).result(60)
        assert shout.value == 5 and shout.stdout == "working on 5\n"
    assert "remote_only_mod" not in sys.modules  # the client never imported it


def test_an_exception_in_a_worker_comes_back_as_an_outcome(remote_project):
    with ProcessExecutor(1, remote_project) as executor:
        outcome = executor.submit(Call(Ref("remote_only_mod", "broken"), ["x"], {})).result(60)
    assert not outcome.ok and outcome.error_type == "KeyError"
    assert isinstance(outcome.error, KeyError)
    assert "remote_only_mod.py" in outcome.traceback and "in broken" in outcome.traceback


def test_an_unpicklable_call_is_a_failed_outcome(pool):
    local = 3
    outcome = pool.submit(Call(lambda: local, [], {}, label="call of f")).result(60)
    assert not outcome.ok
    assert "`call of f` cannot run in a worker process" in outcome.error_text
    assert "pickled" in outcome.error_text


def test_a_dying_worker_is_reported_and_the_pool_replaced(pool):
    outcome = pool.submit(Call(Ref("busy_mod", "die"), [], {}, label="call of die")).result(60)
    assert not outcome.ok and outcome.error_type == "ibc.runtime.pool.WorkerDied"
    assert "the worker process running `call of die` ended with exit code 3" in outcome.error_text
    assert "also when run again in a fresh worker" in outcome.error_text
    time.sleep(0.2)
    again = pool.submit(Call(Ref("busy_mod", "spin"), [10], {})).result(60)
    assert again.ok and again.value == sum(i % 7 for i in range(10))


def test_close_with_cancel_stops_running_work_promptly(busy_project):
    executor = ProcessExecutor(2, busy_project)
    futures = [executor.submit(Call(Ref("time", "sleep"), [30], {})) for _ in range(3)]
    time.sleep(0.5)
    start = time.perf_counter()
    executor.close(cancel=True)
    assert time.perf_counter() - start < 5
    assert all(f.cancelled() for f in futures)
