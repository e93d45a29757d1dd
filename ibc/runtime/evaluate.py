"""Evaluation of the build graph (docs/running.md "What is recomputed"): identities, keys, the
store, early cutoff.

Every closed node has an *identity*, the hash that stands for its value in keys:
- a stage (a call of a Python reference, a method call, an application of a function value)
  is identified by the content hash of its result. Its *key* is a hash of what it does (the
  reference's module, name and code fingerprint) and of its inputs' identities. When the store
  holds the key, the identity is read from the entry's header and nothing runs; otherwise the
  stage runs, its result is stored, and the identity is the result's content hash. So a
  re-run stage whose result did not change leaves every key downstream as it was (early
  cutoff), and a cached stage's inputs are neither run nor loaded;
- `file(...)` and `dir(...)` are identified by the content of the file or folder;
- an `(impure)` reference's call always runs; it is identified by its result's content;
- anything else (a literal, an operator, a field read, a lambda …) by its operation and its
  inputs' identities, so computing an identity never loads a value. A conditional, and `and`
  / `or`, are identified by the branch they take (its condition's value is computed). An
  operator on constants never gets here: the builder folded it into the literal of its
  result, so it has that literal's identity (`ibc.runtime.folding`).

Values are computed top-down and only when asked for: a stored stage's value is loaded from
the store; a cheap node's is computed from its inputs'. With a remote store and the dask
executor, a worker may keep a large result on the remote and send back only its entry's
header (`_stored`), and a stage on a worker gets such an input as a `RemoteInput` that the
worker downloads, not as a value loaded here (docs/running.md, "What travels where"). A
target printed from the store is rendered from the JSON kept in its entries' headers
(`render`), so printing a cached result unpickles nothing and imports none of the user's
modules.

The work is done by generator tasks (`ibc.runtime.schedule`), so evaluation never recurses
and stages run in parallel when the executor allows. Results are memoized by the node's
structural key for the whole run: a stage shared by several experiments (a sweep) runs once.
"""

from __future__ import annotations

import os
import time

from ibc.runtime import schedule
from ibc.runtime.closures import Closure, apply_op, call_stage, frontier
from ibc.runtime.errors import StageFailure
from ibc.runtime.graph import PRELUDE, Node, digest
from ibc.runtime.runlog import safe_repr, safe_str
from ibc.runtime.schedule import MISSING, Need, Submit
from ibc.runtime.values import jsonable, resolve

ID, VALUE, JSON = 0, 1, 2

# prelude functions that are evaluated, not stored (cheap), and those that name resources
CHEAP_PRELUDE = frozenset(
    {"range", "linspace", "logspace", "len", "zip", "str", "int", "float", "mean"}
)
RESOURCES = frozenset({"file", "dir"})
SHORT_JSON = 64 * 1024  # the longest JSON rendering kept in an entry's header


class PurityError(Exception):
    """A stage changed one of its arguments (docs/running.md, "Purity")."""


class Unknown(Exception):
    """A dry run asked for the value of a stage that would run."""


def node_kind(node: Node) -> str:
    """ "stage" (stored), "impure" (always runs), "resource" (`file`/`dir`), "cheap" (a
    prelude function evaluated in place) or "value" (every other node)."""
    op = node.op
    if op == "call":
        ref = node.data[0]
        if ref.module == PRELUDE:
            if ref.name in RESOURCES:
                return "resource"
            if ref.name in CHEAP_PRELUDE:
                return "cheap"
        return "impure" if ref.impure else "stage"
    if op in ("method", "apply"):
        return "stage"
    return "value"


class Evaluator(schedule.Tasks):
    """Evaluates nodes against a store with an executor. `force` re-runs every stage;
    `dry_run` runs nothing and records what would run; `check_purity` makes stages report
    arguments they changed. `progress` is told of every stage (`ibc.runtime.progress`);
    `run_id` is written into the entries this run stores."""

    def __init__(
        self,
        executor=None,
        store=None,
        *,
        force: bool = False,
        dry_run: bool = False,
        check_purity: bool = False,
        progress=None,
        run_id: str = "",
        files=None,
        logs=None,
    ) -> None:
        if executor is None:
            from ibc.runtime.executors import LocalExecutor

            executor = LocalExecutor()
        self.executor = executor
        if store is None:
            from ibc.runtime.store import MemoryStore

            store = MemoryStore()
        self.store = store
        self.force = force
        self.dry_run = dry_run
        self.check_purity = check_purity
        self.progress = progress
        self.run_id = run_id
        self.files = files  # FileHashes for file()/dir(), made on first use
        self.logs = logs  # a stream to replay cached stages' captured output on, or None
        self.ident: dict[str, str] = {}  # node key -> identity
        self.values: dict[str, object] = {}  # node key -> value
        self.rendered: dict[str, object] = {}  # node key -> JSON rendering
        self.keys: dict[str, str] = {}  # stage node key -> store key
        self.entries: dict[str, object] = {}  # stage node key -> store Entry (cached stages)
        self.inputs: dict[str, list] = {}  # stage node key -> its inputs' identities
        self.failures: dict[tuple[int, str], StageFailure] = {}
        self.unstored: dict[str, str] = {}  # node key -> why its result could not be stored
        self.stale_outputs: dict[str, str] = {}  # node key -> the file it wrote, now gone
        self.workers: dict[str, str] = {}  # stage node key -> the worker that ran it (dask)
        self.remote_inputs = True  # workers may read remote-only inputs from the remote
        self.write_errors: dict[str, OSError] = {}  # those the store could not write
        self.stats = {"ran": 0, "cached": 0, "failed": 0}
        self.counts: dict[object, dict[str, int]] = {}  # per owner (experiment)
        self.owners: dict[str, object] = {}  # stage node key -> the owner it ran/was cached for
        self.log: list[tuple[Node, str | None, str, float | None, object]] = []
        self.owner = None  # the experiment of the task being stepped (set by the scheduler)

    # ------------------------------------------------------------------ the API

    def value(self, node: Node) -> object:
        """The value of `node`; raises `StageFailure` when it fails."""
        return self.results([(VALUE, node, None)])[0]

    def identity(self, node: Node) -> str:
        return self.results([(ID, node, None)])[0]

    def render(self, node: Node) -> object:
        """The JSON rendering of `node`'s value (from the store's headers where it can)."""
        return self.results([(JSON, node, None)])[0]

    def results(self, roots, on_root=None) -> list:
        """The results of `roots` (`(kind, node, owner)`: kind ID, VALUE or JSON, owner the
        experiment they are computed for); a failed root's entry is its `StageFailure` when
        `on_root` is given (called as each finishes), else the first failure is raised."""
        out: list = [None] * len(roots)
        failures: list = []

        def done(index, value, failure):
            out[index] = failure if failure is not None else value
            if failure is not None:
                failures.append(failure)
            if on_root is not None:
                on_root(index, value, failure)

        schedule.run(self, self.executor, list(roots), done)
        if on_root is None and failures:
            raise failures[0]
        return out

    def store_key(self, node: Node) -> str | None:
        """The store key of stage `node` once its identity is known (None otherwise)."""
        return self.keys.get(node.key)

    # ------------------------------------------------------------ for the scheduler

    def known(self, kind: int, node: Node) -> object:
        failure = self.failures.get((kind, node.key))
        if failure is not None:
            raise failure
        key = node.key
        if kind == ID:
            found = self.ident.get(key, MISSING)
            if found is MISSING and not node.inputs and node.op in ("lit", "ref", "param"):
                found = self.ident[key] = digest(node.op, *node.code)
            return found
        if kind == VALUE:
            found = self.values.get(key, MISSING)
            if found is MISSING and node.op == "lit":
                return node.data
            return found
        return self.rendered.get(key, MISSING)

    def task(self, kind: int, node: Node):
        if kind == ID:
            return self._identity(node)
        if kind == VALUE:
            return self._value(node)
        return self._render(node)

    def finished(self, kind: int, node: Node, result: object) -> None:
        if kind == ID:
            self.ident[node.key] = result
        elif kind == VALUE:
            self.values[node.key] = result
        else:
            self.rendered[node.key] = result

    def failed(self, kind: int, node: Node, failure: StageFailure) -> None:
        self.failures[(kind, node.key)] = failure

    def error(self, node: Node, exc: BaseException) -> StageFailure:
        return StageFailure(node, exc)

    # ------------------------------------------------------------------ the tasks

    def _identity(self, node: Node):
        kind = "value" if node.free else node_kind(node)
        op = node.op
        if kind in ("value", "cheap"):
            if not node.free and op in ("cond", "boolop"):
                return (yield from self._branch_identity(node))
            ids = yield [Need(ID, n) for n in node.inputs]
            return digest(op, *node.code, *ids)
        if kind == "resource":
            path = call_stage(node, (yield [Need(VALUE, n) for n in node.inputs]))
            self.values[node.key] = path
            if self.files is None:
                from ibc.runtime.hashing import FileHashes

                self.files = FileHashes(None)
            name = node.data[0].name
            content = self.files.of_file(path) if name == "file" else self.files.of_dir(path)
            return digest(name, content)
        ids = yield [Need(ID, n) for n in node.inputs]
        key = digest(op, *node.code, *ids)
        self.keys[node.key] = key
        self.inputs[node.key] = ids
        if kind == "stage" and not self.force:
            entry = self.store.meta(key)
            if entry is not None and not self._output_intact(entry):
                self.stale_outputs[node.key] = entry.meta["output"][0]
                entry = None
            if entry is not None:
                self.entries[node.key] = entry
                self._event(node, key, "cached", entry.meta.get("seconds"))
                if self.logs is not None:
                    self._replay(node, entry)
                return entry.content
        if self.dry_run:
            self._event(node, key, "pending", None)
            return self.pending_identity(node)
        outcome = yield from self._run(node, key if kind == "stage" else None, ids)
        stored = self._stored(node, key, outcome)
        if stored is not None:
            return stored
        value = outcome.value
        self.values[node.key] = value
        if kind == "impure":
            return content_hash(value)
        return self._put(node, key, value, self._meta(node, ids, outcome))

    def pending_identity(self, node: Node) -> str:
        """The identity a dry run gives a stage that would run: a placeholder that no stored
        key contains (`ibc why` gives the identity of its last run instead)."""
        return "?" + node.key

    def _put(self, node: Node, key: str, value: object, meta: dict) -> str:
        """Store a stage's result; its identity. A value that cannot be serialized (a local
        function, an open file …) is kept for this run only, identified by its key."""
        try:
            return self.store.put(key, value, meta).content
        except Exception as exc:  # noqa: BLE001 - pickling can fail in many ways
            self.unstored[node.key] = f"{type(exc).__name__}: {safe_str(exc)}"
            if isinstance(exc, OSError):  # the store cannot be written (a full disk)
                self.write_errors[node.key] = exc
            return "k:" + key

    def _branch_identity(self, node: Node):
        """A conditional's (or `and`/`or`'s) identity: that of the branch it takes."""
        try:
            first = yield Need(VALUE, node.inputs[0])
        except StageFailure as failure:
            if not isinstance(failure.error, Unknown):
                raise
            # a dry run: the condition is not computed yet, plan both branches
            ids = yield [Need(ID, n) for n in node.inputs]
            return digest(node.op, *node.code, *ids)
        if node.op == "cond":
            chosen = node.inputs[1] if first else node.inputs[2]
        else:
            chosen = node.inputs[0] if (node.data == "and") != bool(first) else node.inputs[1]
        return (yield Need(ID, chosen))

    def _stored(self, node: Node, key: str, outcome) -> str | None:
        """When a dask worker kept the stage's result in the remote (`outcome.stored`, the
        entry's header): record the entry, checked, as the remote's; its identity. None when
        the value came back."""
        header = getattr(outcome, "stored", None)
        if header is None:
            return None
        from ibc.runtime.remote import Rejected

        try:
            entry = self.store.written_remotely(key, header)
        except Rejected as exc:
            raise StageFailure(
                node,
                RemoteError(
                    "RemoteEntryRejected",
                    f"the dask worker's entry in the remote is {exc} here (is $IBC_STORE_KEY "
                    "the same on the workers as here?)",
                ),
            ) from None
        self.entries[node.key] = entry
        return entry.content

    def _remote_inputs(self, node: Node) -> dict[int, str]:
        """{input index: store key} of `node`'s stage inputs whose value only the remote
        holds: with an executor whose workers read the remote, they are sent as
        `RemoteInput`s, not loaded here (docs/running.md, "What travels where")."""
        if not self.remote_inputs or not getattr(self.executor, "writes_remote", False):
            return {}
        remote_only = getattr(self.store, "remote_only", None)
        if remote_only is None:
            return {}
        out = {}
        for i, n in enumerate(node.inputs):
            key = self.keys.get(n.key)
            if key and n.key not in self.values and remote_only(key):
                out[i] = key
        return out

    def _run(self, node: Node, key: str | None = None, ids=None):
        """Run stage `node` through the executor; returns its `Outcome`. With `key` (a
        stored stage) and a remote that the executor's workers write, a large result may
        stay there (the outcome then carries the entry's header as `stored`)."""
        for attempt in range(3):
            outcome = yield from self._run_once(node, key, ids, retry=attempt < 2)
            rejected = getattr(outcome, "rejected", None)
            if not rejected:
                return outcome
            if "*" in rejected:  # a worker cannot reach the remote, or check its signatures:
                # for the rest of the run, the values of inputs go from here
                self.remote_inputs = False
                continue
            # inputs the worker found damaged (or gone) on the remote: computed again
            for input_key, why in rejected.items():
                self.store.reject(input_key, why)
            for n in node.inputs:
                n_key = self.keys.get(n.key)
                if n_key in rejected and n.key not in self.values:
                    again = yield from self._run(n, n_key, self.inputs.get(n.key))
                    if self._stored(n, n_key, again) is None:
                        self.values[n.key] = again.value
                        self._put(
                            n, n_key, again.value, self._meta(n, self.inputs.get(n.key), again)
                        )

    def _run_once(self, node: Node, key: str | None, ids, retry: bool = False):
        from ibc.runtime.executors import Call

        remote = self._remote_inputs(node)
        wanted = [n for i, n in enumerate(node.inputs) if i not in remote]
        got = iter((yield [Need(VALUE, n) for n in wanted]))
        if remote:
            from ibc.runtime.remote import RemoteInput

            values = [
                RemoteInput(remote[i]) if i in remote else next(got)
                for i in range(len(node.inputs))
            ]
        else:
            values = list(got)
        op = node.op
        method = None
        if op == "call":
            ref, nargs, names = node.data
            func, args = ref, values
        elif op == "method":
            method, nargs, names, _ = node.data
            func, args = values[0], values[1:]
        else:
            nargs, names = node.data
            func, args = values[0], values[1:]
        call = Call(
            func,
            list(args[:nargs]),
            dict(zip(names, args[nargs:])),
            method=method,
            label=node.describe(),
            check_purity=self.check_purity,
        )
        if getattr(self.executor, "writes_remote", False) and hasattr(self.store, "remote"):
            from ibc.runtime.remote import placement_for

            placement = None
            if key is not None:
                meta = self._base_meta(node, ids)
                placement = placement_for(self.store, self.executor, key, meta)
            if placement is not None or remote:
                call = self.executor.placed(call, placement, self.store.remote.url)
        if self.progress is not None:
            self.progress.stage(self.owner, _label(node), node.at, "running", node=node.key)
        started = time.perf_counter()
        outcome = yield Submit(call)
        if retry and getattr(outcome, "rejected", None):
            return outcome  # inputs to compute again first (`_run`)
        where = getattr(outcome, "where", None)  # the dask worker's address
        if where:
            self.workers[node.key] = where
        if not outcome.ok:
            self._event(
                node, self.keys.get(node.key), "failed", time.perf_counter() - started, where
            )
            error = outcome.error
            if isinstance(error, StageFailure):  # inside a lambda the stage called
                raise error
            if error is None:
                error = RemoteError(outcome.error_type, outcome.error_text)
            raise StageFailure(node, error, outcome.traceback)
        if outcome.mutated:
            self._event(node, self.keys.get(node.key), "failed", outcome.seconds)
            changed = ", ".join(outcome.mutated)
            raise StageFailure(
                node,
                PurityError(
                    f"`{_label(node)}` at {node.at or '?'} changed its {changed}, so its "
                    "result is not stored; stage functions must not modify their inputs (copy "
                    "the input first)"
                ),
            )
        self._event(node, self.keys.get(node.key), "ran", outcome.seconds, where)
        return outcome

    def _value(self, node: Node):
        op = node.op
        kind = node_kind(node)
        if kind in ("stage", "impure", "resource"):
            yield Need(ID, node)
            if node.key in self.values:
                return self.values[node.key]
            if self.dry_run:
                raise Unknown(node.key)
            key = self.keys[node.key]
            try:
                return self.store.load(key)
            except KeyError:  # damaged or removed since its header was read: run it again
                outcome = yield from self._run(node, key, self.inputs.get(node.key))
                if self._stored(node, key, outcome) is not None:
                    return self.store.load(key)  # kept on the remote by a dask worker
                self._put(node, key, outcome.value, self._meta(node, None, outcome))
                return outcome.value
        if op in ("cond", "boolop"):
            first = yield Need(VALUE, node.inputs[0])
            if op == "cond":
                chosen = node.inputs[1] if first else node.inputs[2]
            elif (node.data == "and") != bool(first):
                return first
            else:
                chosen = node.inputs[1]
            return (yield Need(VALUE, chosen))
        if op == "fn":
            closed = frontier(node)
            values = yield [Need(VALUE, n) for n in closed]
            return Closure(node, {n.key: v for n, v in zip(closed, values)})
        if op == "ref":
            return resolve(node.data)
        if op == "param":
            raise RuntimeError("a lambda parameter was evaluated outside its lambda")
        values = yield [Need(VALUE, n) for n in node.inputs]
        if kind == "cheap":
            return call_stage(node, values)
        return apply_op(node, values)

    def _render(self, node: Node):
        op = node.op
        if node_kind(node) in ("stage", "impure"):
            yield Need(ID, node)
            if node.key not in self.values:
                entry = self.entries.get(node.key)
                if entry is not None and "json" in entry.meta:
                    return entry.meta["json"]
            return _jsonable((yield Need(VALUE, node)))
        if op == "record":
            parts = yield [Need(JSON, n) for n in node.inputs]
            return dict(zip(node.data, parts))
        if op in ("list", "tuple"):
            return list((yield [Need(JSON, n) for n in node.inputs]))
        return _jsonable((yield Need(VALUE, node)))

    # ------------------------------------------------------------------ records

    def _base_meta(self, node: Node, ids) -> dict:
        """The metadata of a stage's entry known before it runs."""
        return {
            "stage": _label(node),
            "at": node.at,
            "fingerprint": node.data[0].fingerprint if node.op == "call" else "",
            "inputs": list(ids or ()),
            "run": self.run_id,
        }

    def _meta(self, node: Node, ids, outcome) -> dict:
        return finish_meta(self._base_meta(node, ids), outcome, self._file_hashes())

    def _file_hashes(self):
        if self.files is None:
            from ibc.runtime.hashing import FileHashes

            self.files = FileHashes(None)
        return self.files

    def _output_intact(self, entry) -> bool:
        """Whether the file a stored stage's value names (if any) is still as the stage left
        it: a missing or changed one makes the stage run again, to write it again."""
        output = entry.meta.get("output")
        if not isinstance(output, list) or len(output) != 2:
            return True
        try:
            return self._file_hashes().of_file(output[0]) == output[1]
        except (OSError, ValueError, TypeError):
            return False

    def _event(self, node: Node, key, state: str, seconds, where: str | None = None) -> None:
        owner = self.owner
        if state in ("ran", "cached", "failed"):
            self.stats[state] += 1
            counts = self.counts.setdefault(owner, {"ran": 0, "cached": 0, "failed": 0})
            counts[state] += 1
            self.owners.setdefault(node.key, owner)
        self.log.append((node, key, state, seconds, owner))
        if self.progress is not None:
            label = _label(node)
            self.progress.stage(owner, label, node.at, state, seconds, where=where, node=node.key)

    def shared(self, root: Node, owner) -> dict:
        """{other owner: how many}: the stages under `root` that this run ran, found cached or
        saw fail for another owner than `owner` (an experiment that reads another's result,
        or two that share stages), which `owner`'s own counts leave out (docs/running.md,
        "Progress on a terminal"). A conditional's branch not taken is not walked."""
        out: dict = {}
        seen: set[str] = set()
        todo = [root]
        while todo:
            node = todo.pop()
            if node.key in seen:
                continue
            seen.add(node.key)
            first = self.owners.get(node.key, MISSING)
            if first is not MISSING and first != owner:
                out[first] = out.get(first, 0) + 1
            todo.extend(self._taken(node))
        return out

    def _taken(self, node: Node) -> list:
        """The inputs of `node` that were evaluated: a conditional's (or `and`/`or`'s) condition
        and the branch its value chose (both when its value is not known)."""
        if node.free or node.op not in ("cond", "boolop") or not node.inputs:
            return list(node.inputs)
        try:
            first = self.known(VALUE, node.inputs[0])
        except StageFailure:  # the condition failed: no branch was taken
            return [node.inputs[0]]
        if first is MISSING:
            return list(node.inputs)
        if node.op == "cond":
            return [node.inputs[0], node.inputs[1] if first else node.inputs[2]]
        second = (node.data == "and") == bool(first)  # `and` of a true, `or` of a false one
        return list(node.inputs) if second else [node.inputs[0]]

    def _replay(self, node: Node, entry) -> None:
        out, err = entry.meta.get("stdout"), entry.meta.get("stderr")
        if out or err:
            self.logs.write(f"[logs of {_label(node)} at {node.at or '?'} (cached)]\n")
            self.logs.write((out or "") + (err or ""))
            self.logs.flush()


def finish_meta(meta: dict, outcome, files=None) -> dict:
    """`meta` (`Evaluator._base_meta`) completed from a stage's `outcome`: duration, time,
    captured output, the file its value names, the short JSON rendering (also run on a dask
    worker that stores the entry itself)."""
    import json

    meta["seconds"] = round(outcome.seconds, 6)
    meta["time"] = time.time()
    if outcome.stdout:
        meta["stdout"] = outcome.stdout
    if outcome.stderr:
        meta["stderr"] = outcome.stderr
    output = _output_file(outcome.value, files)
    if output is not None:
        meta["output"] = output
    rendered = _jsonable(outcome.value)
    try:
        if len(json.dumps(rendered, ensure_ascii=False)) <= SHORT_JSON:
            meta["json"] = rendered
    except (TypeError, ValueError, RecursionError):
        pass
    return meta


def _output_file(value: object, files=None) -> list | None:
    """`[absolute path, content hash]` when a stage's value is the path of an existing file (a
    writer returning what it wrote), else None (docs/running.md, "Files a stage writes")."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str) or not 0 < len(value) < 4096 or "\n" in value or "\0" in value:
        return None
    path = os.path.abspath(value)
    try:
        if not os.path.isfile(path):
            return None
        if files is None:
            from ibc.runtime.hashing import FileHashes

            files = FileHashes(None)
        return [path, files.of_file(path)]
    except (OSError, ValueError):
        return None


def _jsonable(value: object) -> object:
    """`jsonable(value)`, or the `safe_repr` of a value whose `repr` raises."""
    try:
        return jsonable(value)
    except Exception:  # noqa: BLE001 - a user's __repr__ failed: recording never fails a run
        return safe_repr(value)


def content_hash(value: object) -> str:
    """The content hash of `value` as the store computes it (for impure stages' results,
    which are not stored)."""
    from ibc.runtime.codecs import encode
    from ibc.runtime.hashing import hash_chunks

    return hash_chunks(encode(value)[1])


class RemoteError(Exception):
    """An exception raised in a worker that could not be sent back as itself."""

    def __init__(self, type_name: str, text: str) -> None:
        super().__init__(f"{type_name}: {text}" if text else type_name)
        self.type_name = type_name


def _label(node: Node) -> str:
    op, data = node.op, node.data
    if op == "call":
        return data[0].label
    if op == "method":
        return method_label(node)
    return "function value"


def method_label(node: Node) -> str:
    """A method stage's label: `LogisticRegression.predict` when the compiler knew the
    receiver's class, else `.predict`."""
    name, _, _, cls = node.data
    return f"{cls}.{name}" if cls else "." + name
