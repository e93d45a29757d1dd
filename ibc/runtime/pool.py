"""The process executor: stage calls run in a pool of worker processes of this machine
(docs/running.md, "Executors" and "Worker processes").

Each worker runs one call at a time, sent to it by the pool's dispatcher thread over a pipe of
its own, so the pool always knows which call each worker is running:

- **A worker that dies** (a segfault in native code, `os._exit`, the out-of-memory killer, a
  signal) takes down only the call it was running: the other workers and their calls go on,
  a fresh worker takes the dead one's place, and the call is retried once in it; dying again,
  it fails with the worker's exit status (`was killed by signal 11 (SIGSEGV)`, `ended with
  exit code 9`), reported at its `.ib` location like any stage failure. A call is never failed
  by another call's crash.
- **Workers die with their run.** Each worker watches the process that started it
  (`os.pidfd_open` and a blocking `poll` in a daemon thread; where there is no pidfd, a check
  every half second) and exits when it is gone, whatever killed it (`kill -9` included). With the
  "forkserver" start method a worker's parent is the forkserver, not the run, so a parent-death
  signal would not do. The forkserver exits when its last client (the run, the workers) closed
  its pipe, and the resource tracker likewise; `ibc.runtime.leftovers` records the pool's
  processes so that the next process-executor run ends whatever could not watch.

- **Workers start warm.** The forkserver is forked from the run when the pool is made, while
  the run is single-threaded, and waits idle (`ibc.runtime.zygote`; where that cannot be,
  multiprocessing spawns one when the first worker starts). When the first worker starts,
  it imports the libraries the run's stages use (`ibc.runtime.warmup`; the run says which
  through `preload`), and the run imports them meanwhile in a thread of its own: the import
  is paid once per process, in parallel, not once per worker before its first stage.

Start method: "forkserver" where the platform has it, else "spawn". Plain "fork" copies a
process that may hold locks of other threads (the progress display, dask's event loop, BLAS
pools), which can deadlock the child; "forkserver" forks workers from a server process that
has no other thread instead, about as fast as "fork", where "spawn" pays a fresh interpreter
per worker. Workers inherit the *server's* state, so each sets what it needs itself:
`project_root` first on `sys.path`, `IBC_PROJECT_ROOT`, the client's working directory,
standard output onto standard error, and SIGINT ignored (Ctrl-C is the client's to handle: it
cancels and terminates the workers, and kills a server still importing).
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
import time
from collections import deque

from ibc.runtime.executors import (
    Call,
    Executor,
    ExecutorError,
    Outcome,
    _check_jobs,
    _failed,
    _machinery_failure,
    _stdout_to_stderr,
    run_call,
)

__all__ = ["ProcessExecutor", "WorkerDied"]

ATTEMPTS = 2  # a call whose worker dies is run once more, in a fresh worker
_WATCH_POLL = 0.5  # seconds between checks of the run, where there is no pidfd
_STOP_GRACE = 2.0  # seconds a worker has to end after SIGTERM before SIGKILL


class WorkerDied(Exception):
    """The worker process running stage `name` ended without sending a result back, twice;
    `exitcode` is its last exit status (negative: the signal that killed it)."""

    def __init__(self, name: str, exitcode: int | None) -> None:
        super().__init__(name, exitcode)
        self.name = name
        self.exitcode = exitcode

    def __str__(self) -> str:
        return (
            f"the worker process running `{self.name}` {_how(self.exitcode)}, also when run "
            "again in a fresh worker (a crash in native code, `os._exit`, the out-of-memory "
            "killer or a signal ends a worker process)"
        )


def _how(exitcode: int | None) -> str:
    """`was killed by signal 11 (SIGSEGV)`, `ended with exit code 9`, or that it ended."""
    import signal

    if exitcode is None:
        return "ended (exit status unknown)"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            return f"was killed by signal {-exitcode}"
        return f"was killed by signal {-exitcode} ({name})"
    return f"ended with exit code {exitcode}"


# --------------------------------------------------------------------------- in the worker


def _worker_main(conn, owner: int, owner_start, project_root, cwd) -> None:
    """A worker: set up, then run the calls received on `conn` until told to stop (None) or
    the client is gone."""
    _watch_owner(owner, owner_start)
    _setup(project_root, cwd)
    from multiprocessing.reduction import ForkingPickler

    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            call = pickle.loads(data)
        except Exception as exc:  # noqa: BLE001 - a class this process cannot import …
            call = None
            outcome = _failed(exc, text=f"the call cannot be read in a worker process: {exc!r}")
        else:
            if call is None:
                return
            outcome = run_call(call)
        try:
            reply = bytes(ForkingPickler.dumps(outcome))
        except Exception as exc:  # noqa: BLE001 - the result cannot be pickled
            failure = (
                _machinery_failure(call, exc, "in a worker process")
                if call is not None
                else _failed(exc, text=f"the failure cannot be sent back: {exc!r}")
            )
            reply = bytes(ForkingPickler.dumps(failure))
        try:
            conn.send_bytes(reply)
        except OSError:
            return


def _setup(project_root: str | None, cwd: str | None) -> None:
    import signal

    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        # a worker started by "spawn" from the dispatcher thread inherits its signal mask
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        pass
    _stdout_to_stderr()
    if cwd:
        try:
            os.chdir(cwd)
        except OSError:
            pass
    if project_root:
        if project_root in sys.path:
            sys.path.remove(project_root)
        sys.path.insert(0, project_root)
        os.environ["IBC_PROJECT_ROOT"] = project_root


def _watch_owner(owner: int, owner_start) -> None:
    """Exit this worker (`os._exit`, whatever its main thread is doing) when process `owner`,
    which started at `owner_start` (None: not known), is gone."""
    from ibc.runtime.leftovers import alive

    fd = None
    try:
        fd = os.pidfd_open(owner)
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):  # no pidfd on this platform or kernel: poll
        fd = None
    # checked after opening the pidfd: if the pid was already someone else's, this says so
    if not alive(owner, owner_start):
        os._exit(1)
    threading.Thread(
        target=_wait_for_owner, args=(owner, owner_start, fd), name="ibc-watch-run", daemon=True
    ).start()


def _wait_for_owner(owner: int, owner_start, fd) -> None:
    from ibc.runtime.leftovers import alive

    if fd is not None:
        import select

        try:
            poller = select.poll()
            poller.register(fd, select.POLLIN)
            poller.poll()  # readable once the process has ended
        except (OSError, ValueError, AttributeError):
            pass
        else:
            os._exit(1)
    while alive(owner, owner_start):
        time.sleep(_WATCH_POLL)
    os._exit(1)


# --------------------------------------------------------------------------- in the client


class _Job:
    __slots__ = ("call", "future", "data", "attempts")

    def __init__(self, call: Call, future) -> None:
        self.call = call
        self.future = future
        self.data: bytes | None = None
        self.attempts = 0


class _Worker:
    __slots__ = ("process", "conn", "job")

    def __init__(self, process, conn) -> None:
        self.process = process
        self.conn = conn
        self.job: _Job | None = None


def _start_method() -> str:
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


class ProcessExecutor(Executor):
    """Runs calls in a pool of up to `jobs` worker processes of this machine, started as calls
    come. Workers import the project's modules from `project_root`."""

    name = "process"
    parallel = True

    def __init__(self, jobs: int, project_root: str | None = None) -> None:
        import multiprocessing

        from ibc.runtime.leftovers import PoolRecord, reap

        self.jobs = _check_jobs(jobs)
        self.project_root = os.path.abspath(project_root) if project_root else None
        self.start_method = _start_method()
        self._context = multiprocessing.get_context(self.start_method)
        try:
            self._cwd: str | None = os.getcwd()
        except OSError:
            self._cwd = None
        reap()  # what killed runs left (docs/running.md, "Worker processes")
        self._record = PoolRecord()
        self._lock = threading.Lock()
        self._queue: deque[_Job] = deque()
        self._futures: set = set()
        self._closing = False
        self._cancel = False
        self._closed = False
        self._workers: list[_Worker] = []
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._thread: threading.Thread | None = None
        self._start_error: BaseException = RuntimeError("no worker process could start")
        self._broken: BaseException | None = None  # the dispatcher's own failure, if any
        self._preload = None  # what the forkserver imports (`preload`)
        self._warming = False  # the dispatcher is importing them
        self.preloaded: list[str] | None = None  # what it was asked to, once started
        # the forkserver, forked from this process now, while it runs no other thread
        # (`ibc.runtime.zygote`); None: multiprocessing spawns one when a worker starts
        self._zygote = None
        if self.start_method == "forkserver":
            from ibc.runtime import zygote

            self._zygote = zygote.acquire()
        # not daemonic (a stage may start processes of its own), so the interpreter would
        # wait for the workers at exit: a pool not closed by then is ended first
        import atexit

        atexit.register(self._at_exit)

    # the caller's side

    def submit(self, call: Call):
        from concurrent.futures import Future

        future: Future = Future()
        with self._lock:
            if self._closing:
                raise ExecutorError("the process executor is closed")
            if self._broken is not None:
                future.set_result(_machinery_failure(call, self._broken, "in the process pool"))
                return future
            self._queue.append(_Job(call, future))
            self._futures.add(future)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._dispatch, name="ibc-process-pool", daemon=True
                )
                self._thread.start()
        future.add_done_callback(self._forget)
        self._wake()
        return future

    def preload(self, modules) -> None:
        """Have the forkserver import `modules` (names, or a function returning them: called
        when the first worker starts, so a run whose stages are all cached pays nothing)
        before it forks workers; see `ibc.runtime.warmup`."""
        self._preload = modules

    def _forget(self, future) -> None:
        with self._lock:
            self._futures.discard(future)

    def _wake(self) -> None:
        try:
            os.write(self._wake_w, b"x")
        except (BlockingIOError, OSError):  # full: a wake-up is pending anyway
            pass

    def _at_exit(self) -> None:
        self.close(cancel=True)

    def close(self, cancel: bool = False) -> None:
        """End the pool: after the calls submitted so far (or, with `cancel`, at once: calls not
        finished are cancelled and the workers terminated)."""
        with self._lock:
            if self._closed:
                return
            self._closed = self._closing = True
            self._cancel = cancel
            thread = self._thread
            futures = list(self._futures) if cancel else []
        import atexit

        atexit.unregister(self._at_exit)
        for future in futures:
            future.cancel()
        self._wake()
        if thread is not None:
            # Ctrl-C does not wait for libraries being imported ahead (`_start_forkserver`):
            # the dispatcher ends by itself when the import is done (it is a daemon thread)
            thread.join(0.1 if cancel and self._warming else None)
        self._record.remove()
        from ibc.runtime import zygote

        # after Ctrl-C, a server still importing is killed (the first worker's start then
        # fails, and the dispatcher ends)
        zygote.release(self._zygote, wait=0.0 if cancel else 0.5)
        if thread is not None and thread.is_alive():
            return  # its wake-up pipe stays open for it
        for fd in (self._wake_r, self._wake_w):
            try:
                os.close(fd)
            except OSError:
                pass

    # the dispatcher thread

    def _dispatch(self) -> None:
        import signal

        try:
            # Ctrl-C is the main thread's: delivered to this thread (blocked in a wait), it
            # would not interrupt the main thread's wait for the results until they came
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        except (AttributeError, OSError, ValueError):  # pragma: no cover - not on POSIX
            pass
        try:
            self._serve()
        except BaseException as exc:  # noqa: BLE001 - a bug here must not hang the run
            with self._lock:  # the calls submitted from now on fail at once, not wait
                self._broken = exc
            for job in self._take_all():
                self._settle(job, _machinery_failure(job.call, exc, "in the process pool"))
            self._stop_workers(terminate=True)

    def _serve(self) -> None:
        from multiprocessing.connection import wait

        while True:
            if self._cancel:
                self._take_all()
                self._stop_workers(terminate=True)
                return
            self._assign()
            busy = [w for w in self._workers if w.job is not None]
            with self._lock:
                if self._closing and not self._queue and not busy:
                    break
            ready = set(
                wait(
                    [self._wake_r]
                    + [w.conn for w in busy]
                    + [w.process.sentinel for w in self._workers]
                )
            )
            if self._wake_r in ready:
                self._drain_wake()
            for worker in busy:
                if worker.conn in ready:
                    self._receive(worker)
            for worker in list(self._workers):
                if worker.process.sentinel in ready:
                    self._died(worker)
        self._stop_workers(terminate=False)

    def _drain_wake(self) -> None:
        try:
            while os.read(self._wake_r, 4096):
                pass
        except (BlockingIOError, OSError):
            pass

    def _take_all(self) -> list[_Job]:
        with self._lock:
            jobs = list(self._queue)
            self._queue.clear()
        jobs += [w.job for w in self._workers if w.job is not None]
        for worker in self._workers:
            worker.job = None
        return jobs

    def _next_job(self) -> _Job | None:
        with self._lock:
            while self._queue:
                job = self._queue.popleft()
                if not job.future.cancelled():
                    return job
        return None

    def _assign(self) -> None:
        """Hand waiting calls to idle workers, starting workers up to `jobs`."""
        while True:
            idle = next((w for w in self._workers if w.job is None), None)
            if idle is None and len(self._workers) >= self.jobs:
                return
            job = self._next_job()
            if job is None:
                return
            if job.data is None:
                from multiprocessing.reduction import ForkingPickler

                try:
                    job.data = bytes(ForkingPickler.dumps(job.call))
                except Exception as exc:  # noqa: BLE001 - cannot be pickled
                    self._settle(job, _machinery_failure(job.call, exc, "in a worker process"))
                    continue
            worker = idle or self._start_worker()
            if worker is None:  # no worker could start: the call is not run
                error = self._start_error
                self._settle(job, _machinery_failure(job.call, error, "in a worker process"))
                continue
            try:
                worker.conn.send_bytes(job.data)
            except OSError:  # the worker died meanwhile; the call never reached it
                with self._lock:
                    self._queue.appendleft(job)
                self._remove(worker)
                continue
            worker.job = job

    def _start_worker(self) -> _Worker | None:
        from ibc.runtime.leftovers import start_time

        first = self.preloaded is None and self.start_method == "forkserver"
        if first:
            # no worker has started yet, none to wait for: Ctrl-C does not wait for the
            # libraries being imported ahead, nor for the server busy importing them
            self._warming = True
            try:
                self._start_forkserver()
            except BaseException:
                self._warming = False
                raise
            if self._cancel:  # Ctrl-C meanwhile: no worker
                self._warming = False
                return None
        parent, child = self._context.Pipe()
        owner = os.getpid()
        process = self._context.Process(
            target=_worker_main,
            args=(child, owner, start_time(owner), self.project_root, self._cwd),
            name="ibc-worker",
        )
        try:
            process.start()  # the server forks it once it has imported what it was asked
        except Exception as exc:  # noqa: BLE001 - out of processes, of memory …
            parent.close()
            child.close()
            self._start_error = exc
            return None
        finally:
            if first:
                self._warming = False
        child.close()
        worker = _Worker(process, parent)
        self._workers.append(worker)
        self._record.update(self._pids())
        return worker

    def _start_forkserver(self) -> None:
        """Start this process's forkserver (if no earlier pool did) importing the modules to
        preload: passed in `$IBC_PRELOAD_MODULES` for the duration of its start, to
        `ibc.runtime.warmup`, which imports them whatever fails (multiprocessing's own preload
        lets any exception but `ImportError` end the server)."""
        from multiprocessing import forkserver

        from ibc.runtime import warmup

        names: list[str] = []
        try:
            modules = self._preload() if callable(self._preload) else self._preload
            names = [str(name) for name in modules or () if name and "," not in str(name)]
        except Exception:  # noqa: BLE001 - a preload is an optimisation: never a failure
            names = []
        if self._zygote is not None:
            if self._zygote.warmed is not None:  # another pool of this process started it
                self.preloaded = []
                return
            self.preloaded = names
            # the worker's own code is imported already: the server is forked from this process
            self._zygote.warm(names)
            self._record.update(self._pids())
            # this process imports them too, meanwhile (see below), but in a thread of its
            # own: the first worker starts as soon as the server is ready, not after both
            threading.Thread(
                target=warmup.import_all, args=(names,), name="ibc-warmup", daemon=True
            ).start()
            return
        server = getattr(forkserver, "_forkserver", None)
        if not names or server is None or getattr(server, "_forkserver_pid", None) is not None:
            self.preloaded = []  # already running: it has what the pool that started it had
            return
        self.preloaded = names
        self._context.set_forkserver_preload(["__main__", warmup.__name__])
        # the worker's own code first: a worker then starts its stage at once
        os.environ[warmup.ENV] = ",".join([__name__, *names])
        try:
            forkserver.ensure_running()
        except Exception:  # noqa: BLE001 - the first worker's start will say what is wrong
            pass
        finally:
            os.environ.pop(warmup.ENV, None)
            self._context.set_forkserver_preload(["__main__"])
        self._record.update(self._pids())  # a server stuck in an import is reaped too
        # Meanwhile (the first worker waits for the server anyway) this process imports them
        # too, on another core: the stages' results are often objects of these libraries
        # (a fitted model), which this process imports to unpickle them, once the server is
        # ready, on the way of every result if it did not now.
        warmup.import_all(names)

    def _pids(self) -> list[int]:
        """The pool's processes: its workers, the forkserver and the resource tracker."""
        pids = [w.process.pid for w in self._workers]
        try:
            from multiprocessing import forkserver, resource_tracker
        except ImportError:  # pragma: no cover - Windows: neither exists
            return pids
        for server, attribute in (
            (getattr(forkserver, "_forkserver", None), "_forkserver_pid"),
            (getattr(resource_tracker, "_resource_tracker", None), "_pid"),
        ):
            pid = getattr(server, attribute, None)
            if isinstance(pid, int):
                pids.append(pid)
        return pids

    def _receive(self, worker: _Worker) -> None:
        job = worker.job
        try:
            data = worker.conn.recv_bytes()
        except (EOFError, OSError):
            self._died(worker)
            return
        worker.job = None
        try:
            outcome = pickle.loads(data)
        except Exception as exc:  # noqa: BLE001 - the result cannot be rebuilt here
            outcome = _machinery_failure(job.call, exc, "when its result came back")
        self._settle(job, outcome)

    def _died(self, worker: _Worker) -> None:
        """`worker` ended: its call, if any, is run again in a fresh worker, or fails on its
        second death."""
        if worker not in self._workers:
            return
        job = worker.job
        worker.process.join(1.0)
        exitcode = worker.process.exitcode
        self._remove(worker)
        if job is None or self._cancel:
            return
        job.attempts += 1
        if job.attempts < ATTEMPTS:
            with self._lock:
                self._queue.appendleft(job)
            return
        self._settle(job, _failed(WorkerDied(job.call.name or "the stage", exitcode)))

    def _remove(self, worker: _Worker) -> None:
        if worker in self._workers:
            self._workers.remove(worker)
        try:
            worker.conn.close()
        except OSError:
            pass
        self._record.update(self._pids())

    @staticmethod
    def _settle(job: _Job, outcome: Outcome) -> None:
        try:
            job.future.set_result(outcome)
        except Exception:  # noqa: BLE001 - already cancelled by close(cancel=True)
            pass

    def _stop_workers(self, terminate: bool) -> None:
        workers, self._workers = self._workers, []
        for worker in workers:
            if terminate:
                if worker.process.is_alive():
                    worker.process.terminate()
            else:
                try:
                    worker.conn.send_bytes(_STOP)
                except OSError:
                    pass
        deadline = time.monotonic() + _STOP_GRACE
        for worker in workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(1.0)
            try:
                worker.conn.close()
            except OSError:
                pass


_STOP = pickle.dumps(None)  # a worker's signal to end
