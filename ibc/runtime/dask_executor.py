"""The `dask` executor: stages run on a dask.distributed cluster (docs/running.md "Executors").

`DaskExecutor(address)` connects to an existing scheduler, or starts a `LocalCluster` of
`jobs` single-threaded worker processes on loopback when no address is given. Workers get the
project's Python sources from the client: a deterministic zip of the project's `*.py` files
(`project_zip`) uploaded with `client.upload_file(load=False)` and put first on `sys.path` by
each task (so a worker that joins later gets it too); `IBC_PROJECT_ROOT` is set on workers
where the folder exists. Futures of `run_call` are bridged to `concurrent.futures.Future`s, so
the scheduler waits on them like on any executor's. The client writes the store (results come
back to it). dask is imported only when this executor is made; `pip install
'iterbuild[dask]'` installs it.
"""

from __future__ import annotations

import os
import sys
import threading

from ibc.runtime.executors import (
    Call,
    Executor,
    ExecutorError,
    Outcome,
    _Bridge,
    _check_jobs,
    _machinery_failure,
    _stdout_to_stderr,
    run_call,
)

_SKIP_DIRS = {"__pycache__", "site-packages", "node_modules", "dist-packages"}
_ZIP_PREFIX = "ibc_project_"


def project_zip(project_root: str, directory: str) -> str:
    """Write the project's Python files (`*.py` under `project_root`, skipping hidden folders,
    `__pycache__`, virtual environments and `site-packages`) into a zip in `directory`, named
    by a hash of its content; returns its path. The zip is deterministic: same files, same
    name and bytes."""
    import hashlib
    import zipfile

    files: list[tuple[str, str]] = []
    for folder, dirs, names in os.walk(project_root):
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and d not in _SKIP_DIRS
            and not os.path.exists(os.path.join(folder, d, "pyvenv.cfg"))
            and not os.path.isdir(os.path.join(folder, d, "conda-meta"))
        )
        for name in sorted(names):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                files.append((os.path.relpath(path, project_root).replace(os.sep, "/"), path))
    contents = []
    digest = hashlib.sha256()
    for arcname, path in files:
        with open(path, "rb") as handle:
            data = handle.read()
        contents.append((arcname, data))
        digest.update(arcname.encode() + b"\0" + len(data).to_bytes(8, "little") + data)
    target = os.path.join(directory, f"{_ZIP_PREFIX}{digest.hexdigest()[:16]}.zip")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for arcname, data in contents:
            info = zipfile.ZipInfo(arcname, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return target


_worker_zip: list[str] = []  # the project zip this worker process has on sys.path


def _dask_prepare(zip_name: str | None, project_root: str | None, dask_worker=None) -> bool:
    """On a dask worker: put the uploaded project zip on `sys.path` (replacing an older one of
        an earlier run, and forgetting the modules imported from it), and set IBC_PROJECT_ROOT when
        that folder exists here. Returns whether the zip was found. (`client.run` passes the worker
    as `dask_worker`; inside a task it is found with `get_worker`.)"""
    found = True
    if zip_name:
        if dask_worker is None:
            from distributed import get_worker

            dask_worker = get_worker()
        path = os.path.join(dask_worker.local_directory, zip_name)
        found = os.path.exists(path)
        if found and (not _worker_zip or _worker_zip[0] != path):
            import importlib

            from ibc.runtime import values

            for old in _worker_zip:
                if old in sys.path:
                    sys.path.remove(old)
                stale = [
                    name
                    for name, module in list(sys.modules.items())
                    if (getattr(module, "__file__", None) or "").startswith(old + os.sep)
                ]
                for name in stale:
                    del sys.modules[name]
                for key in [k for k in values._resolved if k[0] in stale]:
                    del values._resolved[key]
            _worker_zip[:] = [path]
            sys.path.insert(0, path)
            importlib.invalidate_caches()
    if project_root and os.path.isdir(project_root):
        os.environ["IBC_PROJECT_ROOT"] = project_root
    return found


def _dask_run(call: Call, zip_name: str | None, project_root: str | None) -> Outcome:
    """The task dask workers run: prepare the worker (once per project zip), then the call.
    Preparing here too covers workers that joined after the client connected."""
    _dask_prepare(zip_name, project_root)
    return run_call(call)


def _dask_worker_count(client) -> int:
    try:
        return max(1, sum(client.nthreads().values()))
    except Exception:
        return 1


class DaskExecutor(Executor):
    """Runs calls on a dask.distributed cluster: the scheduler at `address`, or a local cluster
    of `jobs` single-threaded worker processes on loopback. The project's Python files are
    uploaded to the workers as a zip, so they need only the runtime installed."""

    name = "dask"
    parallel = True

    def __init__(
        self,
        address: str | None = None,
        jobs: int | None = None,
        project_root: str | None = None,
        *,
        connect_timeout: float = 10.0,
    ) -> None:
        try:
            import distributed
        except ImportError as exc:
            raise ExecutorError(
                "the dask executor needs dask.distributed: pip install 'iterbuild[dask]'"
            ) from exc
        self.address = address
        self.project_root = os.path.abspath(project_root) if project_root else None
        self._bridge = _Bridge()
        self._lock = threading.Lock()
        self._closed = False
        self._futures: set = set()
        self._cluster = None
        self._tmpdir: str | None = None
        self._zip_name: str | None = None
        if address is None:
            jobs = _check_jobs(jobs if jobs is not None else (os.cpu_count() or 1))
            import logging

            try:
                self._cluster = distributed.LocalCluster(
                    n_workers=jobs,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
                self._client = distributed.Client(self._cluster, timeout=connect_timeout)
            except Exception as exc:
                if self._cluster is not None:
                    self._cluster.close()
                raise ExecutorError(f"cannot start a local dask cluster: {exc}") from exc
        else:
            try:
                self._client = distributed.Client(address, timeout=connect_timeout)
            except Exception as exc:
                raise ExecutorError(
                    f"cannot connect to the dask scheduler at {address}: {exc}\n"
                    f"  hint: is a scheduler running there (`dask scheduler`) and reachable "
                    f"from here? addresses look like tcp://host:8786"
                ) from exc
        try:
            self._setup_workers()
        except BaseException:
            self.close(cancel=True)
            raise
        self.jobs = _dask_worker_count(self._client)

    def _setup_workers(self) -> None:
        if self.project_root and os.path.isdir(self.project_root):
            import tempfile

            self._tmpdir = tempfile.mkdtemp(prefix="ibc-dask-")
            path = project_zip(self.project_root, self._tmpdir)
            self._zip_name = os.path.basename(path)
            try:
                self._client.upload_file(path, load=False)
            except Exception as exc:
                raise ExecutorError(
                    f"cannot send the project's sources to the dask workers: {exc}"
                ) from exc
        if self._cluster is not None:  # our own workers: their output is not for stdout
            try:
                self._client.run(_stdout_to_stderr)
            except Exception:  # noqa: BLE001 - then prints show up on stdout, as before
                pass
        try:
            found = self._client.run(_dask_prepare, self._zip_name, self.project_root)
        except ImportError as exc:
            raise ExecutorError(
                f"the dask workers cannot import the ibc runtime ({exc}); install iterbuild "
                "on the workers too"
            ) from exc
        except Exception as exc:
            raise ExecutorError(f"cannot prepare the dask workers: {exc}") from exc
        missing = [worker for worker, ok in found.items() if not ok]
        if missing:
            raise ExecutorError(
                f"the project's sources did not reach dask worker(s) {', '.join(missing)}"
            )

    @property
    def client(self):
        """The `distributed.Client` (for the dashboard link, diagnostics)."""
        return self._client

    def submit(self, call: Call):
        import uuid

        with self._lock:
            if self._closed:
                raise ExecutorError("the dask executor is closed")
            future = self._bridge.new()
            label = "".join(c if c.isalnum() or c in "._-" else "_" for c in call.name)[:60]
            try:
                remote = self._client.submit(
                    _dask_run,
                    call,
                    self._zip_name,
                    self.project_root,
                    pure=False,
                    key=f"ibc-{label}-{uuid.uuid4().hex}",
                )
            except Exception as exc:
                self._bridge.settle(future, _machinery_failure(call, exc, "on dask"))
                return future
            self._futures.add(remote)

        def done(remote_future) -> None:
            self._futures.discard(remote_future)
            if remote_future.status == "cancelled":
                future.cancel()
                return
            try:
                outcome = remote_future.result()
            except BaseException as exc:  # task error, lost worker, undeserializable result
                outcome = _machinery_failure(call, exc, "on a dask worker")
            self._bridge.settle(future, outcome)

        def cancelled(outer) -> None:
            if outer.cancelled() and not self._closed:
                try:
                    remote.cancel()
                except Exception:
                    pass

        remote.add_done_callback(done)
        future.add_done_callback(cancelled)
        return future

    def close(self, cancel: bool = False) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            futures = list(self._futures)
        if cancel:
            self._bridge.cancel_all()
            if futures:
                try:
                    self._client.cancel(futures)
                except Exception:
                    pass
        else:
            from concurrent.futures import wait

            wait(list(self._bridge.pending))
        try:
            self._client.close()
        finally:
            if self._cluster is not None:
                self._cluster.close()
            if self._tmpdir:
                import shutil

                shutil.rmtree(self._tmpdir, ignore_errors=True)
