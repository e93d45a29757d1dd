"""Where stages run: one stage call as data (`Call`), its result as data (`Outcome`), and the
executors that run calls — `local` (inline), `process` (a pool of worker processes; in
`ibc.runtime.pool`) and `dask` (dask.distributed, a remote cluster or a local one; in
`ibc.runtime.dask_executor`).

`run_call` is the whole of running one stage, wherever it happens: resolve the reference
(`values.resolve`, in the process that runs it), hand the call its own view of every input and
name the inputs it changed (`ibc.runtime.isolation`: read-only NumPy arrays, copy-on-write
pandas copies, rebuilt containers and pickled copies compared after the call; with
`check_purity`, every input hashed before and after), tee standard output and error, time the call, and capture a failure of user code
as an `Outcome` with the traceback already trimmed to the user's frames (it is computed where
the exception happened, so it survives the trip back from another process).

Executors all have one shape: `submit(call) -> concurrent.futures.Future[Outcome]` and
`close(cancel=False)`. A failure of the machinery itself (a call that cannot be pickled, a
worker that died, a result that cannot be sent back) also comes back as a failed `Outcome`,
never as an exception of the future, so the evaluator has one thing to handle.

The process executor, its workers and what happens when one dies or the run is killed are in
`ibc.runtime.pool` (docs/running.md, "Worker processes").

Like the rest of the runtime, this module imports no compiler package and nothing heavy at
import time: pickle, NumPy, xxhash, multiprocessing and dask are imported inside functions.
"""

from __future__ import annotations

import os
import sys
import threading
import time

from ibc.runtime.isolation import hand
from ibc.runtime.runlog import safe_str
from ibc.runtime.values import Ref, resolve

EXECUTORS = ("local", "process", "dask")

__all__ = [
    "EXECUTORS",
    "Call",
    "Executor",
    "ExecutorError",
    "LocalExecutor",
    "Outcome",
    "ProcessExecutor",
    "make_executor",
    "run_call",
]


class ExecutorError(Exception):
    """An executor cannot be made or used (unknown name, bad `--jobs`, dask missing or its
    scheduler unreachable); the message says what to do."""


# --------------------------------------------------------------------------- calls, outcomes


class Call:
    """A picklable description of one stage run: call `func(*args, **kwargs)`, or, with
    `method`, `getattr(func, method)(*args, **kwargs)`. `func` is a `Ref` (resolved in the
    process that runs the call) or any callable value. `label` names the stage in messages,
    `arg_names` the positional arguments ("X", "y"; may be shorter than `args`)."""

    __slots__ = (
        "func",
        "args",
        "kwargs",
        "method",
        "label",
        "capture",
        "check_purity",
        "arg_names",
    )

    def __init__(
        self,
        func,
        args: list,
        kwargs: dict,
        *,
        method: str | None = None,
        label: str = "",
        capture: bool = True,
        check_purity: bool = False,
        arg_names: tuple[str, ...] = (),
    ) -> None:
        self.func = func
        self.args = list(args)
        self.kwargs = dict(kwargs)
        self.method = method
        self.label = label
        self.capture = capture
        self.check_purity = check_purity
        self.arg_names = tuple(arg_names)

    @property
    def name(self) -> str:
        """What messages call this stage: the label, else the reference or callable's name."""
        if self.label:
            return self.label
        if isinstance(self.func, Ref):
            base = self.func.label
        else:
            base = getattr(self.func, "__qualname__", None) or type(self.func).__name__
        return f"{base}.{self.method}" if self.method else base

    def __repr__(self) -> str:
        return f"Call({self.name!r}, {len(self.args)} args, {sorted(self.kwargs)} kwargs)"


class Outcome:
    """The result of one `Call`: `value` when `ok`, else the failure — `error` (the exception
    itself; after a trip through pickle, the exception when it can be unpickled here, else
    None), `error_type` (`ValueError`, `mymod.MyError`), `error_text`, and `traceback` (trimmed
    to the user's frames, computed where it happened). `stdout`/`stderr` were captured during
    the call, `seconds` is the call's duration, `mutated` names the arguments the function
    changed."""

    __slots__ = (
        "value",
        "ok",
        "_error",
        "_error_bytes",
        "error_type",
        "error_text",
        "traceback",
        "stdout",
        "stderr",
        "seconds",
        "mutated",
    )

    def __init__(
        self,
        value: object = None,
        ok: bool = True,
        error: BaseException | None = None,
        error_type: str = "",
        error_text: str = "",
        traceback: str = "",
        stdout: str = "",
        stderr: str = "",
        seconds: float = 0.0,
        mutated: list[str] | None = None,
    ) -> None:
        self.value = value
        self.ok = ok
        self._error = error
        self._error_bytes = None
        self.error_type = error_type
        self.error_text = error_text
        self.traceback = traceback
        self.stdout = stdout
        self.stderr = stderr
        self.seconds = seconds
        self.mutated = list(mutated or [])

    @property
    def error(self) -> BaseException | None:
        if self._error is None and self._error_bytes is not None:
            import pickle

            try:
                self._error = pickle.loads(self._error_bytes)
            except Exception:  # its class is not importable here, or its __init__ is odd
                pass
            self._error_bytes = None
        return self._error

    def __getstate__(self):
        # The exception travels as bytes so that an exception class the receiving process
        # cannot import (or rebuild) costs only `error`, not the whole outcome.
        error_bytes = self._error_bytes
        if self._error is not None:
            import pickle

            try:
                error_bytes = pickle.dumps(self._error, protocol=5)
            except Exception:
                error_bytes = None
        state = {slot: getattr(self, slot) for slot in self.__slots__ if slot != "_error"}
        state["_error_bytes"] = error_bytes
        return state

    def __setstate__(self, state) -> None:
        self._error = None
        for slot, value in state.items():
            setattr(self, slot, value)

    def __repr__(self) -> str:
        if self.ok:
            return f"Outcome(ok, {type(self.value).__name__}, {self.seconds:.3f}s)"
        return f"Outcome(failed, {self.error_type}: {self.error_text})"


def _type_name(error: BaseException) -> str:
    """The exception's type as tracebacks print it: `ValueError`, `mymod.MyError`."""
    cls = type(error)
    module = getattr(cls, "__module__", "")
    if module in ("builtins", "__main__", None, ""):
        return cls.__qualname__
    return f"{module}.{cls.__qualname__}"


def _failed(error: BaseException, text: str | None = None, traceback: str = "") -> Outcome:
    return Outcome(
        ok=False,
        error=error,
        error_type=_type_name(error),
        error_text=safe_str(error) if text is None else text,
        traceback=traceback,
    )


# --------------------------------------------------------------------------- output capture


class _Tee:
    """Stands in for `sys.stdout`/`sys.stderr` while calls capture: every write goes through
    to the stream it replaced and is recorded for the capturing call of the writing thread
    (or, for threads the user's code started, for the only call capturing at the time)."""

    def __init__(self, original, which: str) -> None:
        self._original = original
        self._which = which

    def write(self, text: str) -> int:
        records = _CAPTURE.buffers_for_current_thread(self._which)
        for record in records:
            record.append(text)
        if self._original is not None:
            self._original.write(text)
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self._original is not None:
            self._original.flush()

    def __getattr__(self, name: str):
        # encoding, isatty, fileno, buffer, … are the replaced stream's
        return getattr(self._original, name)


class _Capture:
    """Process-wide bookkeeping of the calls capturing output: the tees are installed when the
    first capture starts and removed when the last one ends (if nobody replaced them since)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: dict[int, dict[str, list[str]]] = {}  # thread id → its records
        self._tees: tuple[_Tee, _Tee] | None = None
        self._saved: tuple[object, object] | None = None

    def start(self) -> dict[str, list[str]]:
        records: dict[str, list[str]] = {"stdout": [], "stderr": []}
        with self._lock:
            if not self._active:
                self._saved = (sys.stdout, sys.stderr)
                self._tees = (_Tee(sys.stdout, "stdout"), _Tee(sys.stderr, "stderr"))
                sys.stdout, sys.stderr = self._tees
            self._active[threading.get_ident()] = records
        return records

    def stop(self) -> None:
        with self._lock:
            self._active.pop(threading.get_ident(), None)
            if not self._active and self._tees is not None and self._saved is not None:
                if sys.stdout is self._tees[0]:
                    sys.stdout = self._saved[0]
                if sys.stderr is self._tees[1]:
                    sys.stderr = self._saved[1]
                self._tees = self._saved = None

    def buffers_for_current_thread(self, which: str) -> list[list[str]]:
        records = self._active.get(threading.get_ident())
        if records is None:
            active = list(self._active.values())
            return [active[0][which]] if len(active) == 1 else []
        return [records[which]]


_CAPTURE = _Capture()


# --------------------------------------------------------------------------- inputs and purity


def _parameter_names(function) -> tuple[str, ...]:
    """The names of `function`'s positional parameters, when Python can tell them."""
    import inspect

    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return ()
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return tuple(p.name for p in parameters if p.kind in kinds)


def _argument_names(call: Call, n_args: int, function=None) -> list[str]:
    given = call.arg_names or (_parameter_names(function) if function is not None else ())
    names = []
    for i in range(n_args):
        if i < len(given) and given[i]:
            names.append(f"argument {i + 1} (`{given[i]}`)")
        else:
            names.append(f"argument {i + 1}")
    return names


# --------------------------------------------------------------------------- running one call


def run_call(call: Call) -> Outcome:
    """Run `call` here and now. An `Exception` of user code (or of resolving its reference),
    and a `SystemExit` (as `StageExit`), is captured in the `Outcome`; `KeyboardInterrupt`
    propagates."""
    records = _CAPTURE.start() if call.capture else None
    try:
        outcome = _run(call)
    finally:
        if records is not None:
            _CAPTURE.stop()
    if records is not None:
        outcome.stdout = "".join(records["stdout"])
        outcome.stderr = "".join(records["stderr"])
    return outcome


def _run(call: Call) -> Outcome:
    from ibc.runtime.errors import user_traceback

    try:
        target = resolve(call.func) if isinstance(call.func, Ref) else call.func
        # a method's receiver, and a function value (a `.ib` lambda, a callable object a stage
        # returned), are inputs too: handed over and checked like the arguments
        first = call.method is not None or not isinstance(call.func, Ref)
        values = ([target] if first else []) + list(call.args)
        keys = list(call.kwargs)
        values += [call.kwargs[k] for k in keys]
        protected, watch = hand(values, exhaustive=call.check_purity)
        if first:
            target, protected = protected[0], protected[1:]
        function = getattr(target, call.method) if call.method is not None else target
        n_args = len(call.args)
        args, kwargs = protected[:n_args], dict(zip(keys, protected[n_args:]))

        start = time.perf_counter()
        value = function(*args, **kwargs)
        seconds = time.perf_counter() - start

        mutated = []
        changed = watch.changed()
        if changed:
            names = []
            if call.method is not None:
                names.append(f"receiver (the object of `.{call.method}`)")
            elif first:
                names.append("function value")
            names += _argument_names(call, n_args, function)
            names += [f"keyword `{k}`" for k in keys]
            mutated = [names[i] for i in changed]
        return Outcome(value=value, ok=True, seconds=seconds, mutated=mutated)
    except (Exception, SystemExit) as error:
        # `sys.exit()` in a stage fails that stage, not the run (docs/running.md, "Running,
        # failing, resuming"); only Ctrl-C (KeyboardInterrupt) ends the run
        if isinstance(error, SystemExit):
            error = StageExit(error.code).with_traceback(error.__traceback__)
        return _failed(error, traceback=_failure_traceback(error, user_traceback))


class StageExit(Exception):
    """A stage called `sys.exit(code)` (raised `SystemExit`): a failure of that stage."""

    def __init__(self, code: object = None) -> None:
        super().__init__(code)
        self.code = code

    def __str__(self) -> str:
        return f"the stage called sys.exit({self.code!r}) (stages return values; raise an exception to fail)"


def _failure_traceback(error: BaseException, user_traceback) -> str:
    """The trimmed traceback; for a module that raised while being imported, that of the
    exception it raised (the `ImportFailure` itself says which reference it was for)."""
    from ibc.runtime.values import ImportFailure

    if isinstance(error, ImportFailure):
        cause = error.__cause__
        if cause is None or isinstance(cause, (ImportError, AttributeError)):
            return ""
        return user_traceback(cause)
    return user_traceback(error)


# --------------------------------------------------------------------------- executors


class Executor:
    """Runs calls: `submit` returns a `concurrent.futures.Future` whose result is an
    `Outcome` (also when the machinery failed); `close` ends the executor, with `cancel` also
    dropping calls not yet finished (after Ctrl-C). Usable as a context manager."""

    name = "abstract"
    jobs = 1
    parallel = False

    def submit(self, call: Call):
        raise NotImplementedError

    def close(self, cancel: bool = False) -> None:
        pass

    def preload(self, modules) -> None:
        """The modules the stages to come will import (names, or a function returning them),
        for an executor whose workers can import them ahead (the process executor); others
        ignore it."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(cancel=exc_type is not None)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} jobs={self.jobs}>"


class LocalExecutor(Executor):
    """Runs each call inline in `submit`, in this process; the future is already done."""

    name = "local"
    jobs = 1
    parallel = False

    def submit(self, call: Call):
        from concurrent.futures import Future

        future: Future = Future()
        future.set_result(run_call(call))
        return future


class _Bridge:
    """The futures an executor handed out and not yet completed, and the rule that turns a
    failure of the machinery into a failed `Outcome`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.pending: set = set()

    def new(self):
        from concurrent.futures import Future

        future: Future = Future()
        with self._lock:
            self.pending.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future) -> None:
        with self._lock:
            self.pending.discard(future)

    @staticmethod
    def settle(future, outcome: Outcome) -> None:
        try:
            future.set_result(outcome)
        except Exception:  # already cancelled by close(cancel=True)
            pass

    def cancel_all(self) -> None:
        with self._lock:
            pending = list(self.pending)
        for future in pending:
            future.cancel()


def _machinery_failure(call: Call, error: BaseException, where: str) -> Outcome:
    """A failed outcome for a call the executor could not run or bring back."""
    name = call.name or "the stage"
    message = safe_str(error)
    detail = f"{_type_name(error)}: {message}" if message else _type_name(error)
    if _is_pickling_problem(error):
        text = (
            f"`{name}` cannot run {where}: its function, arguments or result cannot be "
            f"pickled ({detail}); use --executor local for it"
        )
    else:
        text = f"`{name}` failed {where}: {detail}"
    return _failed(error, text=text)


def _is_pickling_problem(error: BaseException) -> bool:
    import pickle

    if isinstance(error, (pickle.PicklingError, pickle.UnpicklingError)):
        return True
    message = str(error)
    return isinstance(error, (TypeError, AttributeError)) and (
        "pickle" in message or "Can't get local object" in message
    )


def _stdout_to_stderr() -> None:
    """In a worker process: standard output (file descriptor 1, so native code's and child
    processes' output too) goes to standard error: the client alone prints on standard
    output, the results (docs/running.md, "Running, failing, resuming")."""
    try:
        sys.stdout.flush()
        os.dup2(2, 1)
    except (OSError, ValueError, AttributeError):
        pass
    # a line is written whole, in one write: the lines of several workers sharing the
    # terminal (or the live display's pipe) do not cut into each other
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True, write_through=False)
        except (AttributeError, ValueError, OSError):
            pass


def _check_jobs(jobs) -> int:
    if isinstance(jobs, bool) or not isinstance(jobs, int):
        raise ExecutorError(f"the number of jobs must be a whole number, not {jobs!r}")
    if jobs < 1:
        raise ExecutorError(f"the number of jobs must be at least 1, not {jobs} (--jobs N)")
    return jobs


# --------------------------------------------------------------------------- choosing one


def make_executor(
    name: str,
    jobs: int | None = None,
    address: str | None = None,
    project_root: str | None = None,
) -> Executor:
    """The executor `name` ("local", "process" or "dask") with `jobs` workers (default: the
    number of CPUs; for a dask scheduler at `address`, its workers decide)."""
    if name not in EXECUTORS:
        raise ExecutorError(f"unknown executor {name!r}; choose one of: {', '.join(EXECUTORS)}")
    if address is not None and name != "dask":
        raise ExecutorError(
            f"--address is for the dask executor, not {name!r}: use --executor dask --address "
            f"{address}"
        )
    if jobs is not None:
        _check_jobs(jobs)
    if name == "local":
        return LocalExecutor()
    if name == "process":
        from ibc.runtime.pool import ProcessExecutor

        return ProcessExecutor(jobs if jobs is not None else os.cpu_count() or 1, project_root)
    from ibc.runtime.dask_executor import DaskExecutor

    return DaskExecutor(address, jobs, project_root)


def __getattr__(name: str):
    # the process and dask executors live in modules of their own, imported when asked for
    if name in ("ProcessExecutor", "WorkerDied"):
        from ibc.runtime import pool

        return getattr(pool, name)
    if name in ("DaskExecutor", "project_zip"):
        from ibc.runtime import dask_executor

        return getattr(dask_executor, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
