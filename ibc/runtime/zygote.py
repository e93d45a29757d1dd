"""The process executor's forkserver, forked from the run itself (docs/running.md, "Worker
processes").

multiprocessing's "forkserver" start method spawns its server as a fresh interpreter: a
second start of Python and of `ibc.runtime` (a few tenths of a second) before the server can
even begin to import the libraries the workers need, which is what a run with small stages
waits for. Here the server is instead *forked from the run* when its pool is created, while
the run is still single-threaded (before the git query, the progress display, the pool's
dispatcher: a fork copies no lock another thread holds), and then waits, idle, at no cost:

- When the pool starts its first worker, the run sends the server the libraries to import
  (`ibc.runtime.warmup`); the server imports them and becomes multiprocessing's own
  forkserver loop (`multiprocessing.forkserver.main`), so workers are started, watched, and
  their exit statuses read exactly as with a spawned forkserver.
- A run that starts no worker (every stage cached) only closes the pipe: the idle server
  exits at once, having imported nothing.
- The server ends with its pool: the pool closes its end of the server's "alive" pipe once
  its workers are stopped, and the server exits (`os._exit`: nothing of the run it was forked
  from, its exit handlers included, runs in it). Killed with the run (`kill -9`), it finds
  its pipes closed and exits likewise.

Right after the fork the server closes every file descriptor of the run but standard input,
output and error and its own pipes (a lock, a store file or a socket of the run is never
kept open by it), sends its standard output to standard error (standard output holds the
results alone), ignores SIGINT (Ctrl-C is the run's), and freezes the garbage collector's
view of the run's objects, so no object of the run is finalised in it.

Where this cannot be done, the pool uses multiprocessing's spawned forkserver as before:
another thread already running in the process (a notebook's kernel, a test runner, a BLAS
library's pool), a forkserver already running, a platform other than Linux, or a
multiprocessing whose forkserver this module does not know (`available()`). The server state handed to multiprocessing is that of its
`ForkServer` object (address, "alive" pipe, pid and, on the Pythons that have it, the key that
authenticates a client), so that `multiprocessing.get_context("forkserver")` starts workers
from this server.
"""

from __future__ import annotations

import os
import sys
import threading

__all__ = ["Zygote", "acquire", "available", "release"]

_AUTHKEY_LEN = 32  # multiprocessing.forkserver's, on the Pythons that authenticate clients
_LOCK = threading.Lock()
_current: Zygote | None = None  # this process's server, shared by its open pools
_users = 0


def available() -> bool:
    """Whether a server can be forked here and now: on Linux, when this process runs no
    other thread, no forkserver runs yet, and multiprocessing's forkserver is one this module
    knows how to hand a server to."""
    if not sys.platform.startswith("linux"):  # macOS: forking a process of its frameworks
        return False  # is unsafe, and it has no /proc to count a library's threads
    if threading.active_count() != 1 or _native_threads() > 1:
        return False
    try:
        from multiprocessing import forkserver
    except ImportError:  # pragma: no cover - no forkserver on this platform
        return False
    server = getattr(forkserver, "_forkserver", None)
    needed = ("_forkserver_address", "_forkserver_alive_fd", "_forkserver_pid", "_lock")
    if server is None or not all(hasattr(server, name) for name in needed):
        return False
    if server._forkserver_pid is not None:
        return False
    return _main_takes_authkey() == hasattr(server, "_forkserver_authkey")


def _native_threads() -> int:
    """The threads of this process as the system counts them (a library's own threads, such
    as a BLAS pool's, included); 1 where it cannot be told."""
    try:
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(b"Threads:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 1


def _main_takes_authkey() -> bool:
    import inspect

    from multiprocessing import forkserver

    try:
        return "authkey_r" in inspect.signature(forkserver.main).parameters
    except (TypeError, ValueError):  # pragma: no cover
        return False


def acquire() -> Zygote | None:
    """This process's server for a new pool: the one running (another pool of this process
    started it), else a new one if `available()`, else None (use a spawned forkserver)."""
    global _current, _users
    with _LOCK:
        if _current is not None and _current.running():
            _users += 1
            return _current
        if _current is not None:
            _current.end()
            _current = None
        if not available():
            return None
        try:
            _current = Zygote.fork()
        except OSError:
            return None
        _users = 1
        return _current


def release(zygote: Zygote | None, wait: float = 0.5) -> None:
    """A pool that used `zygote` has ended: the last one ends the server (see `end`)."""
    global _current, _users
    if zygote is None:
        return
    with _LOCK:
        if zygote is not _current:
            return
        _users -= 1
        if _users > 0:
            return
        _current = None
    zygote.end(wait)


class Zygote:
    """A forkserver forked from this process (see the module's docstring)."""

    def __init__(self, pid: int, address, alive_fd: int, control_fd: int, authkey) -> None:
        self.pid = pid
        self.address = address
        self.alive_fd = alive_fd
        self.control_fd = control_fd  # closed once the modules to import are sent
        self.authkey = authkey
        self.warmed: list[str] | None = None
        self._ended = False

    @classmethod
    def fork(cls) -> Zygote:
        import socket

        from multiprocessing import connection, forkserver, util

        server = forkserver._forkserver
        listener = socket.socket(socket.AF_UNIX)
        fds: list[int] = []
        try:
            address = connection.arbitrary_address("AF_UNIX")
            listener.bind(address)
            if not util.is_abstract_socket_namespace(address):
                os.chmod(address, 0o600)
            listener.listen()
            alive_r, alive_w = os.pipe()
            control_r, control_w = os.pipe()
            ready_r, ready_w = os.pipe()
            fds += [alive_r, alive_w, control_r, control_w, ready_r, ready_w]
            authkey = authkey_r = None
            if hasattr(server, "_forkserver_authkey"):
                authkey = os.urandom(_AUTHKEY_LEN)
                authkey_r, authkey_w = os.pipe()
                fds += [authkey_r, authkey_w]
                os.write(authkey_w, authkey)
                os.close(authkey_w)
                fds.remove(authkey_w)
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:  # the server
                _serve(listener.fileno(), alive_r, control_r, ready_w, authkey_r)  # no return
        except BaseException:
            listener.close()
            for fd in fds:
                try:
                    os.close(fd)
                except OSError:
                    pass
            raise
        listener.close()  # the server has it, bound; so is the address
        for fd in (alive_r, control_r, ready_w, authkey_r):
            if fd is not None:
                os.close(fd)
        try:  # until the server has closed the run's files (or is gone)
            os.read(ready_r, 1)
        except OSError:
            pass
        os.close(ready_r)
        zygote = cls(pid, address, alive_w, control_w, authkey)
        with server._lock:
            server._forkserver_address = address
            server._forkserver_alive_fd = alive_w
            server._forkserver_pid = pid
            if authkey is not None:
                server._forkserver_authkey = authkey
        return zygote

    def warm(self, names: list[str]) -> None:
        """Have the server import `names`, then serve: called once, when the first worker
        starts (what later calls ask is ignored: the server has what the first asked)."""
        if self.warmed is not None or self._ended:
            return
        self.warmed = list(names)
        data = ("\n".join(self.warmed) + "\n\n").encode("utf-8")
        try:
            while data:
                data = data[os.write(self.control_fd, data) :]
        except OSError:  # the server is gone: starting a worker will say so
            pass
        self._close_control()

    def _close_control(self) -> None:
        if self.control_fd is not None:
            try:
                os.close(self.control_fd)
            except OSError:
                pass
            self.control_fd = None

    def running(self) -> bool:
        if self._ended:
            return False
        try:
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            return False
        return pid == 0

    def end(self, timeout: float = 0.5) -> None:
        """Stop the server: it exits once it sees its pipes closed (at once when idle; after
        the import it is busy with, if any: it is killed if not gone within `timeout`)."""
        import signal
        import time

        if self._ended:
            return
        self._ended = True
        from multiprocessing import forkserver

        server = forkserver._forkserver
        with server._lock:
            # multiprocessing may have found it dead and started another: then the pipe it
            # closed is not this one's to close again
            ours = server._forkserver_pid == self.pid
            if ours:
                server._forkserver_address = None
                server._forkserver_alive_fd = None
                server._forkserver_pid = None
                if hasattr(server, "_forkserver_authkey"):
                    server._forkserver_authkey = None
        self._close_control()
        if ours:
            try:
                os.close(self.alive_fd)
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        while True:
            try:
                pid, _ = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                break
            if pid:
                break
            if time.monotonic() >= deadline:
                try:
                    os.kill(self.pid, signal.SIGKILL)
                    os.waitpid(self.pid, 0)
                except OSError:
                    pass
                break
            time.sleep(0.005)
        _unlink(self.address)


def _unlink(address) -> None:
    from multiprocessing import util

    if isinstance(address, str) and not util.is_abstract_socket_namespace(address):
        try:
            os.unlink(address)
        except OSError:
            pass


# --------------------------------------------------------------------------- in the server


def _serve(listener_fd: int, alive_r: int, control_r: int, ready_w: int, authkey_r) -> None:
    """The forked server: let go of the run's files (then tell the run, on `ready_w`), wait
    for the modules to import (or for the run to close the pipe: exit), import them, then be
    multiprocessing's forkserver until the run is gone."""
    global _LOCK, _current, _users
    code = 0
    try:
        import gc
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)
        gc.freeze()  # the run's objects: never finalised here (they may own its files)
        _close_fds_but({0, 1, 2, listener_fd, alive_r, control_r, ready_w, authkey_r})
        try:
            os.dup2(2, 1)
        except OSError:
            pass
        os.write(ready_w, b".")
        os.close(ready_w)
        # the run's lock was held by the fork: a pool made in a worker gets a fresh one
        _LOCK, _current, _users = threading.Lock(), None, 0
        _standard_streams()
        names = _read_names(control_r)
        os.close(control_r)
        if names is None:  # the run started no worker, or is gone
            return
        from ibc.runtime import warmup

        warmup.import_all(names)
        from multiprocessing import forkserver

        extra = {"authkey_r": authkey_r} if authkey_r is not None else {}
        forkserver.main(listener_fd, alive_r, [], **extra)
    except SystemExit:  # forkserver.main: every client closed the "alive" pipe
        pass
    except BaseException:  # noqa: BLE001 - the run's starting worker says what is wrong
        code = 1
    finally:
        os._exit(code)


def _standard_streams() -> None:
    """Python's standard streams over file descriptors 0, 1 and 2, as a fresh interpreter has
    them: the run's may be replaced (captured output, a notebook's streams) or buffer what the
    run wrote, which is the run's to write, not this process's."""
    import io

    for name, fd, mode in (("stdin", 0, "rb"), ("stdout", 1, "wb"), ("stderr", 2, "wb")):
        old = getattr(sys, f"__{name}__", None)
        try:
            stream = io.TextIOWrapper(
                open(fd, mode, closefd=False),  # noqa: SIM115 - for the rest of the process
                encoding=getattr(old, "encoding", None) or "utf-8",
                errors="backslashreplace" if name == "stderr" else "strict",
                line_buffering=name == "stderr" or os.isatty(fd),
            )
        except (OSError, ValueError, LookupError):
            stream = None
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


def _read_names(fd: int) -> list[str] | None:
    """The module names the run sent (a line each, then an empty line), or None when the pipe
    closed without them."""
    data = b""
    while not data.endswith(b"\n\n"):
        try:
            chunk = os.read(fd, 65536)
        except InterruptedError:  # pragma: no cover - retried by Python itself
            continue
        if not chunk:
            return None
        data += chunk
    return [name for name in data.decode("utf-8").split("\n") if name]


def _close_fds_but(keep: set) -> None:
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        try:
            import resource

            limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        except (ImportError, OSError, ValueError):
            limit = 1024
        fds = range(3, min(limit, 65536))
    for fd in fds:
        if fd not in keep and fd > 2:
            try:
                os.close(fd)
            except OSError:
                pass
