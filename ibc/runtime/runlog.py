"""Run records (docs/running.md "Run records and results"): every experiment run, for `ibc results`,
`ibc graph` and `ibc.runtime.load`.

A run writes `<store root>/runs/<run id>.jsonl`, one JSON object per experiment, appended and
flushed as each experiment ends (a killed run keeps the records of what finished), and
`<run id>.live.json` while it runs (`begin`: its pid, file and experiments, for `ibc ui`), and
`<run id>.stages.jsonl`, one object per stage it consulted (ran, cached or failed) for
`ibc graph` and `ibc why` (with the facts of `ibc.runtime.explain.StageFacts`: site, code
fingerprint, identity, input identities and their `.ib` locations), then one line `{"code":
{fingerprint: [definitions]}}` (the definitions each fingerprint covers). The run id starts
with the UTC time, so file names sort by time.

Each record names what produced its value (`ibc.runtime.provenance`: the git commit, the
code, revisions, libraries and inputs); records are appended, never replaced.

`load(file, name)` returns the value of experiment `name` of `file` as its most recent run
stored it, without running anything: the value a notebook wants after `ibc run`. A binding no
run recorded (one computed on the way to a target) is found by its key (`ibc.runtime.lookup`). A run with
`-s` overrides counts only when no run without them recorded `name`: the file's own
experiment is what its name stands for. A result entry (a record or list of stage values)
refers to the entries of the large stage values it holds rather than copying them (`link`), so
`{v = huge(500)}` stores the array once; `load` puts it back together (`unlink`).

Recording never fails a run: a value JSON cannot hold (an int over 4,300 digits, a lone
surrogate, an object whose `repr` raises) is recorded as its `safe_repr`.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from collections.abc import Iterator

from ibc.base.project_root import find_root


def new_run_id() -> str:
    now = time.time()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now))
    return f"{stamp}{int(now % 1 * 1e6):06d}-{os.getpid()}"


def iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch % 1 * 1e3):03d}Z"


class RunLog:
    """The records of one run, written under `root/runs` (nothing is created until the first
    record: a dry run or a run with no experiments leaves no file)."""

    def __init__(self, root: Path, run_id: str, durable: bool = False) -> None:
        self.root = Path(root)
        self.run_id = run_id
        self.durable = durable
        self._file = None
        self._live: Path | None = None  # `begin`'s marker of a run in flight
        self.error: OSError | None = None  # the first write that failed (a full disk)

    def _open(self):
        if self._file is None:
            folder = self.root / "runs"
            folder.mkdir(parents=True, exist_ok=True)
            # unbuffered: a write that fails (a full disk) fails now, not again at close
            self._file = open(folder / f"{self.run_id}.jsonl", "ab", buffering=0)
        return self._file

    def begin(self, file: str, experiments: list[str]) -> None:
        """Say that the run has started: `<run id>.live.json` names its process, file and
        experiments until `close` removes it, so `ibc ui` shows a run in flight before its
        first record (docs/ui.md, "Live updates"). Never fails the run."""
        live = {"run": self.run_id, "pid": os.getpid(), "file": file}
        live.update(experiments=experiments, started=iso(time.time()))
        try:
            folder = self.root / "runs"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{self.run_id}.live.json"
            path.write_text(json.dumps(live, ensure_ascii=False, default=safe_repr), "utf-8")
            self._live = path
        except (OSError, ValueError):
            pass

    def record(self, record: dict) -> None:
        record = {"run": self.run_id, **record}
        try:
            line = json.dumps(record, ensure_ascii=False, default=safe_repr)
            line.encode("utf-8")  # a lone surrogate cannot be written
        except Exception:  # noqa: BLE001 - a value JSON cannot hold: `recordable`
            line = json.dumps(recordable(record), ensure_ascii=False)
        try:
            out = self._open()
            out.write((line + "\n").encode("utf-8"))
            if self.durable:
                os.fsync(out.fileno())
        except OSError as exc:  # the run says so at its end; the experiment is not failed
            self.error = self.error or exc

    def stages(self, log, facts=None) -> None:
        """Write the stage events `(node, key, state, seconds, owner)` of the evaluator;
        `facts(node)` (a `StageFacts`) adds what `ibc why` compares, and its `code` table is
        written last."""
        lines = []
        encode = json.JSONEncoder(default=repr).encode  # one encoder for every line
        for node, key, state, seconds, owner in log:
            if state in ("ran", "cached", "failed"):
                entry = {"node": node.key, "key": key, "state": state, "seconds": seconds}
                entry["experiment"] = owner
                if facts is not None:
                    entry.update(facts(node))
                lines.append(encode(entry))
        if not lines:
            return
        if facts is not None and facts.code:
            lines.append(json.dumps({"code": facts.code}))
        try:
            folder = self.root / "runs"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{self.run_id}.stages.jsonl"
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        except OSError as exc:
            self.error = self.error or exc

    def close(self) -> None:
        if self._live is not None:
            try:
                self._live.unlink()
            except OSError:
                pass
            self._live = None
        if self._file is not None:
            try:
                self._file.close()
            except OSError as exc:
                self.error = self.error or exc
            self._file = None


def safe_repr(value: object) -> str:
    """`repr(value)`, or when that raises (a broken `__repr__`, an int of more than 4,300
    digits) a description that cannot: recording a value never fails a run."""
    try:
        text = repr(value)
        text.encode("utf-8")
        return text
    except Exception:  # noqa: BLE001 - whatever the user's __repr__ raises
        pass
    try:
        if isinstance(value, int):
            return f"<int of {int(value.bit_length() * 0.30103) + 1} digits>"
        if isinstance(value, str):
            return repr(value.encode("utf-8", "backslashreplace").decode("utf-8"))
    except Exception:  # noqa: BLE001
        pass
    try:
        name = type(value).__qualname__
    except Exception:  # noqa: BLE001
        name = "object"
    return f"<{name} object (its repr failed)>"


def safe_str(value: object) -> str:
    """`str(value)` (an exception's message), or `safe_repr` of it when that raises."""
    try:
        text = str(value)
        text.encode("utf-8")
        return text
    except Exception:  # noqa: BLE001 - an exception whose __str__ raises
        return safe_repr(value)


def recordable(data: object, depth: int = 0) -> object:
    """JSON data `data` with what a run record cannot hold replaced: an int JSON cannot print
    (over 4,300 digits) and a string that is not UTF-8 (a lone surrogate) by their
    `safe_repr`; any other non-JSON value by its `safe_repr`."""
    if data is None or isinstance(data, (bool, float)):
        return data
    if isinstance(data, int):
        try:
            str(data)
            return data
        except ValueError:
            return safe_repr(data)
    if isinstance(data, str):
        try:
            data.encode("utf-8")
            return data
        except UnicodeError:
            return data.encode("utf-8", "backslashreplace").decode("utf-8")
    if depth > 100:
        return safe_repr(data)
    if isinstance(data, dict):
        return {str(recordable(k, depth + 1)): recordable(v, depth + 1) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [recordable(v, depth + 1) for v in data]
    return safe_repr(data)


def metrics_of(rendered: object) -> dict:
    """The numeric fields of a rendered value (a record or dict), or `{"value": x}` for a
    number."""
    if isinstance(rendered, bool):
        return {}
    if isinstance(rendered, (int, float)):
        return {"value": rendered}
    if isinstance(rendered, dict):
        return {
            str(k): v
            for k, v in rendered.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)
        }
    return {}


def record_file(file: str | os.PathLike) -> str:
    """How run records name the `.ib` file `file`: relative to its project root, POSIX."""
    path = Path(file).resolve()
    return os.path.relpath(path, find_root(path)).replace(os.sep, "/")


def store_root(project_root: str | os.PathLike | None, store: str | None = None) -> Path:
    """Where a project's store lives: `--store`, else `$IBC_STORE`, else the `store` setting
    of the project (docs/settings.md), else `.ibc` in the project root (the current folder
    when there is none)."""
    if store:
        return Path(store)
    if os.environ.get("IBC_STORE"):
        return Path(os.environ["IBC_STORE"])
    from ibc.base.settings import read_settings

    setting = read_settings(Path(project_root or ".")).store
    return setting if setting is not None else Path(project_root or ".") / ".ibc"


def read_jsonl(path: Path) -> Iterator[dict]:
    """The JSON objects of a file, one per line; blank, damaged and non-object lines skipped
    (a killed run may leave half a line)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                line = line.strip()
                if not line:
                    continue
                try:
                    value = json.loads(line)
                except ValueError:
                    continue
                if isinstance(value, dict):
                    yield value
    except OSError:
        return


def load(file: str | os.PathLike, name: str, store: str | None = None) -> object:
    """The value experiment `name` of `file` (a `.ib` path) had in its most recent successful
    run (without `-s` overrides when there is one), loaded from the store; nothing is run.
    Raises `LookupError` when no run recorded it or its value is no longer stored (`ibc run`
    it again)."""
    root = store_root(find_root(Path(file).resolve()), store)
    relative = record_file(file)
    best = overridden = None
    for run_file in sorted((root / "runs").glob("*.jsonl")) if (root / "runs").is_dir() else ():
        if run_file.name.endswith(".stages.jsonl"):
            continue
        for record in read_jsonl(run_file):
            if (
                record.get("file") == relative
                and record.get("experiment") == name
                and record.get("status") == "ok"
                and record.get("key")
            ):
                if record.get("overrides"):
                    overridden = record
                else:
                    best = record
    best = best or overridden
    if best is None:  # a binding computed on the way to a target: found by its key
        from ibc.runtime.lookup import load_binding

        return load_binding(file, name, store, relative)
    from ibc.runtime.remote import reading_store

    store = reading_store(root, find_root(Path(file).resolve()))
    try:
        return unlink(store.load(best["key"]), store)
    except KeyError:
        raise LookupError(
            f"the value of `{name}` from run {best['run']} is no longer in the store; "
            f"run `ibc run {relative} {name}` again"
        ) from None


class Linked:
    """A result entry's value that refers to other entries for its parts: `data` is its
    pickle, in which each stage value it holds (an array, a frame, a model) is the key of that
    stage's entry, so a record holding a large array stores the array once (`link`)."""

    def __init__(self, data: bytes, keys: list[str]) -> None:
        self.data = data
        self.keys = keys

    def __reduce__(self):
        return (Linked, (self.data, self.keys))


def link(value: object, parts: dict) -> object:
    """`value`, as a `Linked` whose pickle refers to the entries of `parts` (`{id(part):
    (part, key)}`) wherever it holds one of those objects; `value` itself when it holds none."""
    if not parts:
        return value
    import io
    import pickle

    used: list[str] = []

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            found = parts.get(id(obj))
            if found is not None and found[0] is obj:
                used.append(found[1])
                return found[1]
            return None

    buffer = io.BytesIO()
    Pickler(buffer, protocol=5).dump(value)
    if not used:
        return value
    return Linked(buffer.getvalue(), sorted(set(used)))


def unlink(value: object, store) -> object:
    """The value a `link`ed result stands for, its parts loaded from `store` (`KeyError` when
    one is gone); any other value as it is."""
    if not isinstance(value, Linked):
        return value
    import io
    import pickle

    loaded: dict = {}

    class Unpickler(pickle.Unpickler):
        def persistent_load(self, key):
            if key not in loaded:
                loaded[key] = store.load(key)
            return loaded[key]

    return Unpickler(io.BytesIO(value.data)).load()
