"""The dask executor on a local loopback cluster: same results as local, project modules
imported from the project's folder (as by the process executor's workers; the zip shipped to
the workers of a cluster at an address is tested in test_dask_cluster.py and
test_shipping.py), failures as outcomes, a clear error for a bad address."""

import os
import sys
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from ibc.runtime.executors import (
    Call,
    DaskExecutor,
    ExecutorError,
    LocalExecutor,
    project_zip,
)
from ibc.runtime.values import Ref

ZIP_ONLY = """
import os


def spin(n):
    total = 0
    for i in range(n):
        total += i % 7
    return total


def root():
    print("on a worker")
    return os.environ.get("IBC_PROJECT_ROOT")


def broken(x):
    return {"k": 1}[x]


def here():
    return __file__
"""


@pytest.fixture(scope="module")
def zip_project(tmp_path_factory):
    """A project NOT on this process's sys.path: the workers import it all the same."""
    root = tmp_path_factory.mktemp("dask_project")
    (root / "zip_only_mod.py").write_text(ZIP_ONLY)
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("VALUE = 41\n")
    (root / "pkg" / "inner.py").write_text(
        "from pkg import VALUE\n\ndef plus(x):\n    return VALUE + x\n"
    )
    for skipped in (".hidden", "__pycache__", "venv"):
        (root / skipped).mkdir()
        (root / skipped / "junk.py").write_text("raise SystemExit('must not be shipped')\n")
    (root / "venv" / "pyvenv.cfg").write_text("home = /usr\n")
    (root / "notes.txt").write_text("not python\n")
    return str(root)


@pytest.fixture(scope="module")
def dask_executor(zip_project):
    executor = DaskExecutor(None, 2, zip_project)
    yield executor
    executor.close(cancel=True)


def test_project_zip_holds_only_the_project_python_files(zip_project, tmp_path):
    path = project_zip(zip_project, str(tmp_path))
    names = sorted(zipfile.ZipFile(path).namelist())
    # directory entries too: zipimport finds a namespace package only through one
    assert names == ["pkg/", "pkg/__init__.py", "pkg/inner.py", "zip_only_mod.py"]
    assert project_zip(zip_project, str(tmp_path)) == path  # named by content: stable


def test_dask_runs_calls_with_the_same_results_as_local(dask_executor):
    calls = [Call(abs, [-i], {}) for i in range(4)] + [Call(Ref("math", "factorial"), [6], {})]
    remote = [f.result(timeout=60) for f in [dask_executor.submit(c) for c in calls]]
    local = [LocalExecutor().submit(c).result() for c in calls]
    assert [o.value for o in remote] == [o.value for o in local] == [0, 1, 2, 3, 720]
    assert dask_executor.parallel and dask_executor.jobs == 2


def test_local_cluster_workers_import_the_project_from_its_folder(dask_executor, zip_project):
    assert zip_project not in sys.path
    futures = [
        dask_executor.submit(Call(Ref("zip_only_mod", "spin"), [1000 + i], {})) for i in range(3)
    ]
    values = [f.result(timeout=60).value for f in futures]
    assert values == [sum(i % 7 for i in range(1000 + k)) for k in range(3)]
    package = dask_executor.submit(Call(Ref("pkg.inner", "plus"), [1], {})).result(timeout=60)
    assert package.ok and package.value == 42
    root = dask_executor.submit(Call(Ref("zip_only_mod", "root"), [], {})).result(timeout=60)
    assert root.value == zip_project and root.stdout == "on a worker\n"
    here = dask_executor.submit(Call(Ref("zip_only_mod", "here"), [], {})).result(timeout=60)
    assert here.value == os.path.join(zip_project, "zip_only_mod.py")  # as in-process
    assert "zip_only_mod" not in sys.modules


def test_a_failing_stage_on_a_worker_is_an_outcome(dask_executor):
    outcome = dask_executor.submit(Call(Ref("zip_only_mod", "broken"), ["x"], {})).result(60)
    assert not outcome.ok and outcome.error_type == "KeyError"
    assert "in broken" in outcome.traceback and "zip_only_mod.py" in outcome.traceback


def test_an_unknown_scheduler_address_is_a_clear_error():
    executor = DaskExecutor("tcp://127.0.0.1:9", 1, None, connect_timeout=1.0)  # not yet
    with pytest.raises(ExecutorError) as info:
        executor.submit(Call(abs, [-1], {}))  # the first call connects
    with pytest.raises(ExecutorError) as again:  # said again, without another wait
        executor.connect()
    assert str(again.value) == str(info.value)
    executor.close()
    message = str(info.value)
    assert "cannot connect to the dask scheduler at tcp://127.0.0.1:9" in message
    assert "hint:" in message


def test_a_large_argument_travels_as_scattered_data(dask_executor):
    big = b"x" * (3 << 20)  # over the 1 MiB a task's pickled call may have inline
    outcome = dask_executor.submit(Call(len, [big], {})).result(timeout=60)
    assert outcome.ok and outcome.value == 3 << 20
    assert outcome.where in dask_executor.client.scheduler_info()["workers"]


def test_a_fully_cached_dask_run_reaches_no_cluster(tmp_path):
    # the scheduler's address is unreachable: a run with nothing to compute never notices,
    # one with a stage to run stops with the connection error (before: both failed)
    runs = str(Path(__file__).resolve().parent.parent / "runs")
    if runs not in sys.path:
        sys.path.insert(0, runs)
    from build_kit import Project

    project = Project(tmp_path / "proj")
    project.stages("def add(a: int, b: int) -> int:\n    log('add')\n    return a + b\n")
    project.write("main.ib", 'from "src/stages.py" import add\nexperiment e = add(1, 2)\n')
    assert project.ok("run", "main.ib") == "e: 3\n"
    assert project.calls() == ["add"]
    dask = ["--executor", "dask", "--address", "tcp://127.0.0.1:9"]
    cached = project.run("run", "main.ib", *dask)
    assert cached.returncode == 0, cached.stderr
    assert cached.stdout == "e: 3\n"
    forced = project.run("run", "main.ib", "--force", *dask)
    assert forced.returncode == 2, forced.stderr
    assert "error: cannot connect to the dask scheduler at tcp://127.0.0.1:9" in forced.stderr
    assert "Traceback" not in forced.stderr
    assert project.calls() == []
