"""make_executor: the three names, defaults, and clear errors."""

import os
import sys

import pytest

from ibc.runtime.executors import (
    EXECUTORS,
    Call,
    DaskExecutor,
    ExecutorError,
    LocalExecutor,
    ProcessExecutor,
    make_executor,
)


def test_local_is_inline():
    executor = make_executor("local")
    assert isinstance(executor, LocalExecutor) and executor.name == "local"
    assert executor.submit(Call(max, [1, 5], {})).result().value == 5


def test_process_defaults_to_one_job_per_cpu(tmp_path):
    executor = make_executor("process", project_root=str(tmp_path))
    try:
        assert isinstance(executor, ProcessExecutor)
        assert executor.jobs == (os.cpu_count() or 1) and executor.parallel
        assert executor.project_root == str(tmp_path)
        assert executor.start_method in ("forkserver", "spawn")
    finally:
        executor.close()
    with pytest.raises(ExecutorError, match="closed"):
        executor.submit(Call(max, [1, 2], {}))


def test_unknown_name_lists_the_three():
    with pytest.raises(ExecutorError) as info:
        make_executor("threads")
    assert "unknown executor 'threads'" in str(info.value)
    assert all(name in str(info.value) for name in EXECUTORS)


@pytest.mark.parametrize("jobs", [0, -2])
def test_jobs_below_one(jobs):
    with pytest.raises(ExecutorError, match="at least 1"):
        make_executor("process", jobs=jobs)


def test_jobs_must_be_a_whole_number():
    with pytest.raises(ExecutorError, match="whole number"):
        make_executor("process", jobs=1.5)


def test_address_is_only_for_dask():
    with pytest.raises(ExecutorError, match="--address is for the dask executor"):
        make_executor("process", address="tcp://host:8786")


def test_dask_missing_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # makes `import distributed` fail
    with pytest.raises(ExecutorError) as info:
        make_executor("dask", jobs=1)
    assert "pip install 'iterbuild[dask]'" in str(info.value)
    with pytest.raises(ExecutorError, match="dask.distributed"):
        DaskExecutor(None, 1, None)


def test_executor_as_context_manager_closes(tmp_path):
    with make_executor("process", jobs=1, project_root=str(tmp_path)) as executor:
        assert executor.submit(Call(pow, [2, 10], {})).result(60).value == 1024
    with pytest.raises(ExecutorError):
        executor.submit(Call(pow, [2, 3], {}))
