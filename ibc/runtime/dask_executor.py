"""The `dask` executor: stages run on a dask.distributed cluster (docs/running.md "Executors",
"Running on a cluster").

`DaskExecutor(address)` connects to an existing scheduler, or starts a `LocalCluster` of
`jobs` single-threaded worker processes on loopback when no address is given. The workers of
a cluster at an address need not share the project's folder: the client sends them the
project's Python sources and the snapshots of pinned revisions as content-named zips
(`ibc.runtime.shipping`), put on the cluster once (as a task's result) and passed to every task,
which makes them importable before it unpickles its call (a worker that joins later gets them
the same way; an edited project is a new zip, and the worker forgets the modules of the old
one). `IBC_PROJECT_ROOT` is set on workers where that folder exists. The workers of the local
cluster, started for the run on this machine, import from the project's folder instead, like
the process executor's (a module's `__file__` is then the project's file, as in-process).
Futures of the tasks are bridged to `concurrent.futures.Future`s, so the scheduler waits on
them like on any executor's. The client writes the store (results come back to it), except
with a remote store: then a worker keeps a large result there itself and returns its entry's
header, and reads such inputs from it (`PlacedCall`, `ibc.runtime.remote.WorkerStore`;
docs/running.md, "What travels where"). Nothing of this happens before the first call is
submitted (`connect`): a run whose stages are all cached imports no dask, starts no cluster
and reaches no scheduler. `pip install 'iterbuild[dask]'` installs dask.
"""

from __future__ import annotations

import os
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
from ibc.runtime.shipping import project_zip  # noqa: F401 - `executors.project_zip`

_SCATTER_BYTES = 1 << 20  # a pickled call larger than this travels as scattered data
_WORKER_SOURCES = None  # this worker process's `shipping.WorkerSources`
_WORKER_STORE = None  # this worker process's `remote.WorkerStore`


def _worker_folder(dask_worker=None) -> str:
    """Where this worker keeps the bundles: a folder of its local directory."""
    if dask_worker is None:
        try:
            from distributed import get_worker

            dask_worker = get_worker()
        except (ImportError, ValueError):
            dask_worker = None
    if dask_worker is not None:
        base = dask_worker.local_directory
    else:  # pragma: no cover - outside a worker (a direct call in a test)
        import tempfile

        base = tempfile.gettempdir()
    return os.path.join(base, "ibc-sources")


def _dask_prepare(project, snapshots, project_root: str | None, dask_worker=None) -> None:
    """On a dask worker: make the project's sources (`project`: (zip name, bytes) or None)
    and pinned snapshots ((commit, bytes) pairs) importable (ibc.runtime.shipping), and set
    IBC_PROJECT_ROOT when that folder exists here."""
    global _WORKER_SOURCES
    from ibc.runtime.shipping import WorkerSources

    if _WORKER_SOURCES is None:
        _WORKER_SOURCES = WorkerSources()
    _WORKER_SOURCES.use(_worker_folder(dask_worker), project, snapshots)
    if project_root and os.path.isdir(project_root):
        os.environ["IBC_PROJECT_ROOT"] = _WORKER_SOURCES.root = project_root
    elif _WORKER_SOURCES.root and os.environ.get("IBC_PROJECT_ROOT") == _WORKER_SOURCES.root:
        del os.environ["IBC_PROJECT_ROOT"]  # another project's, set by an earlier run
        _WORKER_SOURCES.root = None


def _bundle(data: bytes) -> bytes:
    """The task whose result is a bundle's bytes (`DaskExecutor._put`)."""
    return data


def _use_folder(project_root: str) -> None:
    """On a worker of our own local cluster: the project's folder first on `sys.path`, as in
    the process executor's workers (the zip is for workers that do not share the folder)."""
    import sys

    if project_root in sys.path:
        sys.path.remove(project_root)
    sys.path.insert(0, project_root)
    os.environ["IBC_PROJECT_ROOT"] = project_root


def _dask_run(payload: bytes, project, snapshots, project_root: str | None):
    """The task dask workers run: prepare the worker (the bundles are written once per
    content), then unpickle the call — only now, so that a pinned class among its arguments
    finds its snapshot — and run it. Returns (outcome, this worker's address, header,
    rejected): with a `PlacedCall`, its inputs only the remote holds are downloaded first
    (`rejected`: {key: why} of those that failed, then nothing ran), and a large result is
    stored in the remote (`header`: the entry's header bytes; the outcome then has no
    value)."""
    import pickle

    from distributed import get_worker

    worker = get_worker()
    _dask_prepare(project, snapshots, project_root, worker)
    try:
        call = pickle.loads(payload)
    except Exception as exc:  # a module of the arguments' classes missing on the worker
        from ibc.runtime.executors import _failed

        text = f"the stage's arguments cannot be unpickled on the dask worker: {exc}"
        return _failed(exc, text=text), worker.address, None, None
    if not isinstance(call, PlacedCall):
        return run_call(call), worker.address, None, None
    return _run_placed(call, worker)


def _worker_store(worker):
    """This worker process's `remote.WorkerStore` (in its local directory)."""
    global _WORKER_STORE
    if _WORKER_STORE is None:
        from ibc.runtime.remote import WorkerStore

        _WORKER_STORE = WorkerStore(os.path.join(worker.local_directory, "ibc-store"))
    return _WORKER_STORE


def _run_placed(call: PlacedCall, worker):
    from ibc.runtime.executors import _failed
    from ibc.runtime.remote import InputRejected, Unreachable

    store = _worker_store(worker)
    placement = call.placement
    from ibc.runtime.remote import RemoteInput
    from ibc.runtime.store import _signing_key

    if call.signed and _signing_key() is None:
        items = [call.func, *call.args, *call.kwargs.values()]
        if any(isinstance(item, RemoteInput) for item in items):
            # a signed store, and no key here to check its signatures with: the client
            # sends the values instead (docs/running.md, "What travels where")
            text = "the dask worker has no $IBC_STORE_KEY to check the remote's signatures"
            return _failed(RuntimeError(text), text=text), worker.address, None, {"*": "key"}
    try:
        store.inputs(call, call.url)
    except InputRejected as exc:
        text = f"inputs of the stage failed verification on the remote {call.url}: {exc}"
        return _failed(exc, text=text), worker.address, None, exc.keys
    except Unreachable as exc:  # not mounted on this machine, no credentials here: the
        # client sends the values instead
        text = f"the dask worker cannot read its inputs from the remote {call.url}: {exc}"
        return _failed(exc, text=text), worker.address, None, {"*": "unreachable"}
    outcome = run_call(call)
    header = None
    if placement is not None and outcome.ok and not outcome.mutated:
        header = store.keep(placement, outcome)
        if header is not None:
            outcome.value = None  # it stays on the remote
    return outcome, worker.address, header, None


class PlacedCall(Call):
    """A `Call` for a run with a remote (docs/running.md, "What travels where"): some of its
    inputs may be `remote.RemoteInput`s, read from the remote at `url` on the worker, and
    with a `placement` a large result is stored in the remote by the worker."""

    __slots__ = ("placement", "url", "signed")

    def __reduce__(self):
        state = {slot: getattr(self, slot) for slot in Call.__slots__}
        return (_placed_call, (state, self.placement, self.url, self.signed))


def _placed_call(state: dict, placement, url: str, signed: bool) -> PlacedCall:
    call = PlacedCall.__new__(PlacedCall)
    for slot, value in state.items():
        setattr(call, slot, value)
    call.placement, call.url, call.signed = placement, url, signed
    return call


class PlacedOutcome(Outcome):
    """An `Outcome` that knows `where` it was computed: the address of the dask worker (made
    on the client; the evaluator shows it and records it in the stage log); `stored`, the
    header of the entry the worker kept in the remote instead of sending the value back, and
    `rejected`, the inputs it found failing there ({key: why}), both None by default."""

    __slots__ = ("where", "stored", "rejected")

    def __reduce__(self):  # pickled as the plain outcome it holds, plus the rest
        plain = Outcome.__new__(Outcome)
        for slot in Outcome.__slots__:
            setattr(plain, slot, getattr(self, slot))
        return (_placed, (plain, self.where, self.stored, self.rejected))


def _placed(outcome: Outcome, where: str, stored=None, rejected=None) -> Outcome:
    placed = PlacedOutcome.__new__(PlacedOutcome)
    for slot in Outcome.__slots__:
        setattr(placed, slot, getattr(outcome, slot))
    placed.where = where
    placed.stored = stored
    placed.rejected = rejected
    return placed


def _pickle_call(call: Call) -> bytes:
    """The call as bytes: pickle, else cloudpickle (what dask itself would use)."""
    import pickle

    try:
        return pickle.dumps(call, protocol=5)
    except Exception as first:
        try:
            import cloudpickle
        except ImportError:
            raise first from None
        try:
            return cloudpickle.dumps(call, protocol=5)
        except Exception:
            raise first from None


def _have_distributed() -> bool:
    """Whether dask.distributed can be imported (found, not imported: that takes a while)."""
    import importlib.util
    import sys

    if "distributed" in sys.modules:
        return sys.modules["distributed"] is not None
    try:
        return importlib.util.find_spec("distributed") is not None
    except (ImportError, ValueError):
        return False


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
    writes_remote = True  # with a remote, workers store large results there themselves

    def placed(self, call: Call, placement, url: str) -> PlacedCall:
        """`call` for workers that read its remote-only inputs from the remote at `url` and,
        with a `remote.Placement`, may keep its result there."""
        from ibc.runtime.store import _signing_key

        state = {slot: getattr(call, slot) for slot in Call.__slots__}
        return _placed_call(state, placement, url, _signing_key() is not None)

    def __init__(
        self,
        address: str | None = None,
        jobs: int | None = None,
        project_root: str | None = None,
        *,
        connect_timeout: float = 10.0,
    ) -> None:
        if not _have_distributed():
            raise ExecutorError(
                "the dask executor needs dask.distributed: pip install 'iterbuild[dask]'"
            )
        self.address = address
        self.project_root = os.path.abspath(project_root) if project_root else None
        self.connect_timeout = connect_timeout
        self._bridge = _Bridge()
        self._lock = threading.Lock()
        self._closed = False
        self._futures: set = set()
        self._client = None  # connected by the first call (`connect`)
        self._cluster = None
        self._failure: ExecutorError | None = None  # why connecting failed, said again
        self._project = None  # (zip name, future of its bytes on the cluster)
        self._snapshots: dict = {}  # commit -> future of its snapshot's bytes
        self._unshippable: set[str] = set()
        self.jobs = (
            1
            if address is not None
            else _check_jobs(jobs if jobs is not None else (os.cpu_count() or 1))
        )

    def connect(self) -> None:
        """Start the local cluster, or connect to the scheduler at the address, and prepare the
        workers, if not done yet: the first call submitted does it, so a run whose stages are
        all cached imports no dask and reaches no cluster (docs/running.md, "Running on a
        cluster"). Raises `ExecutorError` (again on every call, once it failed)."""
        with self._lock:
            self._connect()

    def _connect(self) -> None:
        if self._client is not None:
            return
        if self._failure is not None:
            raise self._failure
        if self._closed:
            raise ExecutorError("the dask executor is closed")
        try:
            self._start()
        except ExecutorError as exc:
            self._failure = exc
            raise

    def _start(self) -> None:
        import distributed

        if self.address is None:
            import logging

            cluster = None
            try:
                cluster = distributed.LocalCluster(
                    n_workers=self.jobs,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
                client = distributed.Client(cluster, timeout=self.connect_timeout)
            except Exception as exc:
                if cluster is not None:
                    cluster.close()
                raise ExecutorError(f"cannot start a local dask cluster: {exc}") from exc
        else:
            cluster = None
            try:
                client = distributed.Client(self.address, timeout=self.connect_timeout)
            except Exception as exc:
                raise ExecutorError(
                    f"cannot connect to the dask scheduler at {self.address}: {exc}\n"
                    f"  hint: is a scheduler running there (`dask scheduler`) and reachable "
                    f"from here? addresses look like tcp://host:8786"
                ) from exc
        self._client, self._cluster = client, cluster
        try:
            self._setup_workers()
        except BaseException:
            self._client = self._cluster = None
            try:
                client.close()
            finally:
                if cluster is not None:
                    cluster.close()
            raise
        self.jobs = _dask_worker_count(client)

    def _setup_workers(self) -> None:
        if self._cluster is not None:  # our own workers: their output is not for stdout
            try:
                self._client.run(_stdout_to_stderr)
            except Exception:  # noqa: BLE001 - then prints show up on stdout, as before
                pass
        try:
            self._client.run(_dask_prepare, None, (), self.project_root)
        except ImportError as exc:
            raise ExecutorError(
                f"the dask workers cannot import the ibc runtime ({exc}); install iterbuild "
                "on the workers too"
            ) from exc
        except Exception as exc:
            raise ExecutorError(f"cannot prepare the dask workers: {exc}") from exc
        if self._cluster is not None:  # workers on this machine, started for this run
            if self.project_root:
                self._client.run(_use_folder, self.project_root)
            return
        if self.project_root and os.path.isdir(self.project_root):
            from ibc.runtime.shipping import project_archive

            name, data = project_archive(self.project_root)
            self._project = (name, self._put(f"ibc-{name.removesuffix('.zip')}", data))

    def _put(self, key: str, data: bytes):
        """Put `data` on the cluster under `key` (a content name): tasks that need it take it
        as an argument, so a worker fetches it once (from a peer), also one that joins later.
        It is a task's result rather than scattered data, so that the scheduler makes it again
        if every worker holding it is lost."""
        try:
            return self._client.submit(_bundle, data, key=key, pure=False)
        except Exception as exc:
            raise ExecutorError(
                f"cannot send the project's sources to the dask workers: {exc}"
            ) from exc

    def _snapshots_for(self, payload: bytes) -> tuple:
        """(commit, future) of the snapshots a pickled call names, sent on first need."""
        from ibc.runtime.shipping import commits_in, snapshot_archive

        out = []
        for commit in sorted(commits_in(payload)):
            if commit not in self._snapshots and commit not in self._unshippable:
                try:
                    data = snapshot_archive(self.project_root or os.getcwd(), commit)
                except ImportError:  # SnapshotError: not a commit of this project (or no
                    # git); a stage that does need it fails on the worker with its reason
                    self._unshippable.add(commit)
                    continue
                self._snapshots[commit] = self._put(f"ibc-snapshot-{commit}", data)
            if commit in self._snapshots:
                out.append((commit, self._snapshots[commit]))
        return tuple(out)

    @property
    def client(self):
        """The `distributed.Client` (for the dashboard link, diagnostics), connected now if
        it was not yet."""
        self.connect()
        return self._client

    def submit(self, call: Call):
        import uuid

        with self._lock:
            if self._closed:
                raise ExecutorError("the dask executor is closed")
            self._connect()
            future = self._bridge.new()
            label = "".join(c if c.isalnum() or c in "._-" else "_" for c in call.name)[:60]
            try:
                payload = _pickle_call(call)
                snapshots = self._snapshots_for(payload) if self._cluster is None else ()
                key = f"ibc-{label}-{uuid.uuid4().hex}"
                if len(payload) > _SCATTER_BYTES:  # straight to a worker, not through the
                    # scheduler's task graph (the task then runs where its data is)
                    payload = self._client.scatter({f"{key}-call": payload}, hash=False)
                    payload = payload[f"{key}-call"]
                remote = self._client.submit(
                    _dask_run,
                    payload,
                    self._project,
                    snapshots,
                    self.project_root,
                    pure=False,
                    key=key,
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
                outcome = _placed(*remote_future.result())
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
            client, cluster = self._client, self._cluster
        if client is None:  # never connected: nothing ran
            return
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
            client.close()
        finally:
            if cluster is not None:
                cluster.close()
