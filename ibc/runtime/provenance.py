"""What produced a value (docs/running.md, "Run records"): the provenance in each run record.

- `GitState(folder)` asks git, once per run, for the project's commit and whether its tree is
  dirty: `git status --porcelain=v2 --branch --untracked-files=no`, started when the run
  starts (with `posix_spawn`, so neither `subprocess` nor a shell is loaded) and read when the
  first record is written, so it runs while the stages do. Dirty means a tracked file differs
  from the commit (staged or not); untracked files do not count, so an unignored `.ibc/` or
  scratch notebook does not flag every run. Outside a repository, without git, or when git
  fails, both are None. `GIT_OPTIONAL_LOCKS=0` keeps it from writing the index.
- `job_provenance(node, evaluator, project_root)` walks the graph below a job's node (the
  branches a conditional took, when it is known) and names the code and data it depends on:
  `fingerprints` (each Python reference's code fingerprint by qualified name, a method by
  `.name`), `revisions` (pinned references and their commits), `libraries` (distributions and
  versions, read off the fingerprints of installed code), and `inputs` (each `file()`/`dir()`
  path, relative to the project root when inside it, and its content hash as this run
  computed it).

The job's `code` is its node's structural key: a hash of the `.ib` expressions that build it
with their literals and the fingerprints and revisions of the Python code they call, but not
of the data (`file()` is keyed by its path there). `ibc results` groups runs by it.
"""

from __future__ import annotations

import os
import sys

from ibc.runtime.graph import PRELUDE
from ibc.runtime.snapshots import PREFIX

GIT_ARGS = ("status", "--porcelain=v2", "--branch", "--untracked-files=no")
GIT_TIMEOUT = 30.0  # seconds to wait for git once a record needs its answer


class GitState:
    """The commit and dirty flag of the git repository holding `folder`, asked for once."""

    __slots__ = ("_pid", "_fd", "_proc", "_answer")

    def __init__(self, folder: str | os.PathLike | None) -> None:
        self._pid = self._fd = self._proc = None
        self._answer: tuple[str | None, bool | None] | None = None
        if folder is None or not os.path.isdir(folder):
            self._answer = (None, None)
            return
        argv = ["git", "-C", os.fspath(folder), *GIT_ARGS]
        env = dict(os.environ, GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
        try:
            if hasattr(os, "posix_spawnp"):
                read, write = os.pipe()
                actions = [
                    (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                    (os.POSIX_SPAWN_DUP2, write, 1),
                    (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
                    (os.POSIX_SPAWN_CLOSE, read),
                    (os.POSIX_SPAWN_CLOSE, write),
                ]
                try:
                    self._pid = os.posix_spawnp("git", argv, env, file_actions=actions)
                except BaseException:
                    os.close(read)
                    raise
                finally:
                    os.close(write)
                self._fd = read
            else:  # pragma: no cover - Windows
                import subprocess

                self._proc = subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    env=env,
                )
        except OSError:  # no git on PATH
            self._answer = (None, None)

    def get(self) -> tuple[str | None, bool | None]:
        """(commit, dirty): the full commit id (None before the first commit or outside a
        repository) and whether tracked files differ from it (None outside a repository)."""
        if self._answer is None:
            self._answer = self._read()
        return self._answer

    def _read(self) -> tuple[str | None, bool | None]:
        if self._proc is not None:  # pragma: no cover - Windows
            import subprocess

            try:
                out, _ = self._proc.communicate(timeout=GIT_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.communicate()
                return None, None
            return parse_status(out, self._proc.returncode)
        chunks = []
        try:
            import select

            while True:
                ready, _, _ = select.select([self._fd], [], [], GIT_TIMEOUT)
                if not ready:  # git hangs: give up on it
                    _kill(self._pid)
                    break
                chunk = os.read(self._fd, 65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except OSError:
            _kill(self._pid)
        finally:
            os.close(self._fd)
            self._fd = None
        status = _reap(self._pid)
        self._pid = None
        return parse_status(b"".join(chunks), status)

    def close(self) -> None:
        """Collect git if nothing asked for its answer (no zombie is left behind)."""
        if self._answer is None and (self._fd is not None or self._proc is not None):
            self.get()


def _kill(pid: int | None) -> None:
    if pid is not None:
        try:
            import signal

            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _reap(pid: int | None) -> int:
    if pid is None:
        return -1
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return -1
    return os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status


def parse_status(out: bytes, returncode: int) -> tuple[str | None, bool | None]:
    """(commit, dirty) from the output of `git status --porcelain=v2 --branch`."""
    if returncode != 0:
        return None, None
    commit, dirty = None, False
    for line in out.decode("utf-8", "replace").splitlines():
        if line.startswith("# branch.oid "):
            oid = line[len("# branch.oid ") :].strip()
            commit = oid if oid != "(initial)" else None
        elif line and not line.startswith("#"):
            dirty = True
    return commit, dirty


# ---------------------------------------------------------------------------------------------
# What a job depends on


def record_fields(node, evaluator, project_root: str | None, git: GitState | None) -> dict:
    """The provenance fields of the record of a job whose graph node is `node` (None: the
    job could not be built): `commit`, `dirty`, `code`, then `job_provenance`'s, `python`."""
    commit, dirty = git.get() if git is not None else (None, None)
    found = {"commit": commit, "dirty": dirty, "code": None if node is None else node.key}
    depends = {"fingerprints": {}, "revisions": {}, "libraries": {}, "inputs": {}}
    if node is not None:
        try:
            depends = job_provenance(node, evaluator, project_root)
        except Exception:  # noqa: BLE001 - the record is written even if this fails
            pass
    found.update(depends)
    found["python"] = python_version()
    return found


def job_provenance(node, evaluator, project_root: str | None) -> dict:
    """The `fingerprints`, `revisions`, `libraries` and `inputs` of the graph below `node`
    (see the module's docstring), each sorted by name."""
    fingerprints: dict[str, str] = {}
    revisions: dict[str, str] = {}
    inputs: dict[str, str] = {}
    known = evaluator.ident
    seen: set[str] = set()
    todo = [node]
    while todo:
        n = todo.pop()
        if n.key in seen:
            continue
        seen.add(n.key)
        op = n.op
        if op == "call" or op == "ref":
            ref = n.data[0] if op == "call" else n.data
            if ref.module == PRELUDE:
                if ref.name in ("file", "dir"):
                    _input(n, ref.name, evaluator, project_root, inputs)
            else:
                name = _ref_name(ref)
                fingerprints[name] = ref.fingerprint
                if ref.revision:
                    revisions[name] = ref.revision
        elif op == "method":
            fingerprint = next((c[12:] for c in n.code if c.startswith("fingerprint:")), "")
            name, number = f".{n.data[0]}", 1
            while fingerprints.get(name, fingerprint) != fingerprint:
                number += 1
                name = f".{n.data[0]}#{number}"
            fingerprints[name] = fingerprint
        branches = n.inputs
        if op in ("cond", "boolop") and len(branches) > 1:
            taken = [b for b in branches[1:] if b.key in known]
            if taken:  # only what the run evaluated (a dry or failed run: every branch)
                branches = (branches[0], *taken)
        todo.extend(branches)
    libraries = {}
    for fingerprint in fingerprints.values():
        dist, eq, version = fingerprint.partition("==")
        if eq and dist and not dist.startswith("src:"):
            libraries[dist] = version
    return {
        "fingerprints": dict(sorted(fingerprints.items())),
        "revisions": dict(sorted(revisions.items())),
        "libraries": dict(sorted(libraries.items())),
        "inputs": dict(sorted(inputs.items())),
    }


def python_version() -> str:
    return "%d.%d.%d" % sys.version_info[:3]


def _ref_name(ref) -> str:
    """`src.features.scale`; a pinned reference's snapshot module without its prefix."""
    module = ref.module
    if module.startswith(PREFIX):
        module = module.split(".", 1)[1] if "." in module else module
    return f"{module}.{ref.name}"


def _input(node, kind: str, evaluator, project_root: str | None, out: dict) -> None:
    """The content hash of a `file()`/`dir()` input as this run computed it (none when the
    run did not get that far)."""
    path = evaluator.values.get(node.key)
    hashes = evaluator.files
    if path is None or hashes is None:
        return
    absolute = os.path.abspath(path)
    known = (hashes.files if kind == "file" else hashes.dirs).get(absolute)
    if not known:
        return
    shown = absolute
    if project_root:
        relative = os.path.relpath(absolute, os.path.abspath(project_root))
        if not relative.startswith(".."):
            shown = relative
    out[shown.replace(os.sep, "/")] = known[-1]
