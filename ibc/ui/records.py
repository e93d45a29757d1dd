"""What `ibc ui` shows, read from the run records under `<store>/runs` (docs/ui.md): every
experiment record of every run, the runs in flight, and a version that changes whenever one
of those files does (the page polls it, docs/ui.md "Live updates").

Records are JSON lines (`ibc.runtime.runlog`): `<run>.jsonl` (one object per experiment,
appended as each ends), `<run>.stages.jsonl` (one per stage, written when the run ends) and
`<run>.live.json` (while the run is in flight). Files are parsed once and kept until their
size or modification time changes, so polling a project of a thousand runs rereads only the
file a running `ibc run` appends to. Nothing here writes, and nothing is unpickled: a value is
shown from the JSON its record (or its store entry's header) keeps.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path, PurePosixPath

from ibc.runtime.runlog import read_jsonl

RUN_ID = re.compile(r"^[0-9]{8}T[0-9]{12}-[0-9]+$")  # runlog.new_run_id
# the fields of a record the table shows (the rest is the provenance, `Records.record`)
ROW_FIELDS = (
    "experiment",
    "target",
    "kind",
    "file",
    "params",
    "metrics",
    "status",
    "commit",
    "dirty",
    "started",
    "seconds",
    "error",
    "at",
    "where",
    "trial",
    "key",
)


def valid_run(run: str) -> bool:
    """Whether `run` is a run id (a request's run id names a file: nothing else may)."""
    return bool(RUN_ID.match(run))


def _alive(pid: object) -> bool:
    """Whether process `pid` (of this machine) is running."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: it exists
        return True
    return True


class Records:
    """The run records of one store (`root`, a `.ibc` folder), optionally only those of the
    `.ib` files `files` (paths relative to the project root, POSIX, as records name them)."""

    def __init__(self, root: Path, files: list[str] | None = None) -> None:
        self.root = Path(root)
        self.runs = self.root / "runs"
        self.files = {str(PurePosixPath(f)) for f in files} if files else None
        self._cache: dict[str, tuple[tuple[int, int], list[dict]]] = {}

    # ------------------------------------------------------------------ files

    def _listing(self) -> list[os.DirEntry]:
        try:
            found = sorted(os.scandir(self.runs), key=lambda e: e.name)
        except OSError:
            return []
        if len(self._cache) > len(found):  # files removed since (`ibc cache clear`)
            names = {e.name for e in found}
            self._cache = {k: v for k, v in self._cache.items() if k in names}
        return found

    def version(self) -> str:
        """A short hash of the names, sizes and times of the run files: it changes when a run
        starts, records an experiment or ends."""
        digest = hashlib.blake2b(digest_size=8)
        for entry in self._listing():
            try:
                stat = entry.stat()
            except OSError:
                continue
            digest.update(f"{entry.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        return digest.hexdigest()

    def _parsed(self, path: Path) -> list[dict]:
        try:
            stat = path.stat()
        except OSError:
            return []
        stamp = (stat.st_size, stat.st_mtime_ns)
        cached = self._cache.get(path.name)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        found = list(read_jsonl(path))
        self._cache[path.name] = (stamp, found)
        return found

    def _wanted(self, record: dict) -> bool:
        if not isinstance(record.get("experiment"), str):
            return False
        return self.files is None or str(record.get("file")) in self.files

    def record_files(self) -> list[Path]:
        """The experiment record files, oldest run first."""
        return [
            Path(e.path)
            for e in self._listing()
            if e.name.endswith(".jsonl")
            and not e.name.endswith(".stages.jsonl")
            and valid_run(e.name[: -len(".jsonl")])
        ]

    # ------------------------------------------------------------------ rows

    def rows(self) -> list[dict]:
        """One row per experiment record, newest run first (a run's records in their order),
        then one per experiment of a run in flight that has no record yet (`status`
        "running")."""
        runs: list[list[dict]] = []
        recorded: dict[str, set[str]] = {}
        for path in self.record_files():
            run = path.name[: -len(".jsonl")]
            rows = []
            for index, record in enumerate(self._parsed(path)):
                recorded.setdefault(run, set()).add(str(record.get("experiment")))
                if self._wanted(record):
                    rows.append(self._row(run, index, record))
            runs.append(rows)
        return self._running(recorded) + [row for rows in reversed(runs) for row in rows]

    def _row(self, run: str, index: int, record: dict) -> dict:
        row = {field: record.get(field) for field in ROW_FIELDS}
        row["id"] = f"{run}/{index}"
        row["run"] = run
        if not isinstance(row["params"], dict):
            row["params"] = {}
        metrics = row["metrics"] if isinstance(row["metrics"], dict) else {}
        row["metrics"] = {
            str(k): v
            for k, v in metrics.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)
        }
        return row

    def _running(self, recorded: dict[str, set[str]]) -> list[dict]:
        """Rows for the experiments of the runs in flight that have not ended yet."""
        out = []
        for entry in reversed(self._listing()):
            if not entry.name.endswith(".live.json"):
                continue
            run = entry.name[: -len(".live.json")]
            if not valid_run(run):
                continue
            try:
                live = json.loads(Path(entry.path).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # being written
            if not isinstance(live, dict) or not _alive(live.get("pid")):
                continue  # a run killed before it could remove its marker
            if self.files is not None and str(live.get("file")) not in self.files:
                continue
            done = recorded.get(run, set())
            names = live.get("experiments") if isinstance(live.get("experiments"), list) else []
            for name in names:
                if str(name) in done:
                    continue
                row = {field: None for field in ROW_FIELDS}
                row.update(id=f"{run}/live/{name}", run=run, experiment=str(name))
                row.update(file=live.get("file"), params={}, metrics={}, status="running")
                row["started"] = live.get("started")
                out.append(row)
        return out

    def record(self, run: str, index: int) -> dict | None:
        """The whole record `index` of run `run` (its provenance), or None."""
        if not valid_run(run):
            return None
        records = self._parsed(self.runs / f"{run}.jsonl")
        if not 0 <= index < len(records) or not self._wanted(records[index]):
            return None
        return records[index]

    # ------------------------------------------------------------------ stage logs

    def stage_runs(self) -> list[dict]:
        """The runs that left a stage log, newest first: `{"run", "experiments"}` (the
        experiments its stages were computed for, in order)."""
        out = []
        for entry in reversed(self._listing()):
            if not entry.name.endswith(".stages.jsonl"):
                continue
            run = entry.name[: -len(".stages.jsonl")]
            if not valid_run(run):
                continue
            experiments = self._experiments_of(run)
            if experiments is not None:
                out.append({"run": run, "experiments": experiments})
        return out

    def _experiments_of(self, run: str) -> list[str] | None:
        """The experiments of a run (its records, else its stage log), None when the run is
        not one of the files shown."""
        records = self._parsed(self.runs / f"{run}.jsonl")
        if records:
            wanted = [r for r in records if self._wanted(r)]
            if not wanted:
                return None
            return list(dict.fromkeys(str(r["experiment"]) for r in wanted))
        if self.files is not None:
            return None
        names = (s.get("experiment") for s in self.stages(run))
        return list(dict.fromkeys(n for n in names if isinstance(n, str)))

    def stages(self, run: str) -> list[dict]:
        """The stage lines of run `run`'s stage log (without its closing `code` line)."""
        if not valid_run(run):
            return []
        lines = self._parsed(self.runs / f"{run}.stages.jsonl")
        return [s for s in lines if isinstance(s.get("node"), str)]
