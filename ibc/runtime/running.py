"""One run of an emitted program's targets: store, executor, progress, printing, records.

`Run(program, options, out, err, sets).main()` evaluates the targets' jobs (a sweep is one
job per point) together, so that with a parallel executor the stages of different
experiments run side by side, and prints each job's value in job order as soon as it and the
jobs before it are done. A failed job is reported with the `.ib` location of its failing call
and the trimmed traceback; the other jobs go on and the exit code is 3. Each finished job is
recorded (`ibc.runtime.runlog`) with what produced it (`ibc.runtime.provenance`: the git
commit, asked for once per run while the stages run, and the code, revisions, libraries and
inputs below the job's node) and its value kept in the store (a stage's value is its entry;
any other value is stored under a result key), so `ibc.runtime.load` finds it.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from ibc.runtime import provenance
from ibc.runtime.errors import format_failure
from ibc.runtime.evaluate import ID, JSON, SHORT_JSON, Evaluator, node_kind
from ibc.runtime.graph import digest
from ibc.runtime.layers import is_literal
from ibc.runtime.runlog import (
    RunLog,
    iso,
    link,
    metrics_of,
    new_run_id,
    recordable,
    safe_str,
    store_root,
)

EXIT_OK, EXIT_USAGE, EXIT_FAILED = 0, 2, 3
LINK_BYTES = 64 * 1024  # a stage value at least this large is not copied into result entries
_NONE = object()


class Run:
    def __init__(self, program, options, out, err, sets) -> None:
        from ibc.runtime.program import Usage

        self.program = program
        self.options = options
        self.out, self.err = out, err
        self.sets = sets
        program.activate()
        self.root = Path(os.path.abspath(store_root(program.project_root, options.store)))
        from ibc.runtime.remote import remote_url

        # before entering the project root: a relative `--remote PATH` is from here
        url = remote_url(program.project_root, options.remote)
        # `--out` is the user's path, from the folder they ran in; the stages then run in
        # the project root (docs/running.md, "Where stages run").
        self.out_path = self.out_shown = None
        if options.out is not None:
            from ibc.runtime.export import is_folder

            self.out_shown = options.out
            self.out_path = os.path.abspath(options.out) + (
                os.sep if is_folder(options.out) else ""
            )
        self.saved_cwd = _enter_project(program, options.dry_run)
        self.run_id = new_run_id()
        self.executor = None
        self.write_errors: list[OSError] = []  # result entries the store could not write
        self.progress = None
        if not options.dry_run:
            from ibc.runtime.progress import make_progress

            self.progress = make_progress(err, quiet=options.quiet)
            # before the executor starts its worker processes, so that what they write
            # reaches the terminal through the live display (docs/running.md, "Progress on a
            # terminal")
            self.progress.open()
        from ibc.runtime.executors import ExecutorError, make_executor

        try:
            self.executor = make_executor(
                options.executor, options.jobs, options.address, program.project_root
            )
        except ExecutorError as exc:
            self._close_progress()
            self.close_folder()
            raise Usage(str(exc)) from None
        except BaseException:
            self._close_progress()
            raise
        from ibc.runtime.store import DiskStore

        self.store = DiskStore(self.root, durable=options.durable)
        if not options.dry_run:
            self.store.clean_dead_writers()  # what a killed run left half-written
        if url is not None:  # docs/running.md, "Remote stores"
            from ibc.runtime.remote import Remote, SharedStore

            push = not (options.no_push or options.dry_run)
            self.store = SharedStore(self.store, Remote(url), push=push)
        from ibc.runtime.hashing import FileHashes

        self.files = FileHashes(self.root / "files.json")
        self.evaluator = Evaluator(
            self.executor,
            self.store,
            force=options.force,
            dry_run=options.dry_run,
            check_purity=options.check_purity,
            progress=self.progress,
            run_id=self.run_id,
            files=self.files,
            logs=err if options.logs else None,
        )
        self.records = RunLog(self.root, self.run_id, durable=options.durable)
        self.git = None
        if not options.dry_run:  # started now, read by the first record
            self.git = provenance.GitState(_project_folder(program))

    # ------------------------------------------------------------------ running

    def main(self) -> int:
        try:
            code = self._main()
        except KeyboardInterrupt:  # Ctrl-C: the stages running are not waited for
            if self.executor is not None:
                self.executor.close(cancel=True)
                self.executor = None
            raise
        finally:
            self.close()
        return self._unwritten(code)

    def _unwritten(self, code: int) -> int:
        """After the run: when the store could not be written, one message says what was not
        kept. A full disk (or any failing write) is an error, exit code 3: the results printed
        were computed but are neither stored nor recorded. A read-only store is a warning: it
        serves what it holds, and what ran is computed again next time."""
        import errno

        evaluator = self.evaluator
        errors = list(evaluator.write_errors.values()) + self.write_errors
        if self.records.error is not None:
            errors.append(self.records.error)
        if not errors or self.options.dry_run:
            return code
        error = errors[0]
        lost = []
        if evaluator.write_errors:
            lost.append(f"{len(evaluator.write_errors)} stage result(s)")
        if self.write_errors:
            lost.append(f"{len(self.write_errors)} experiment result(s)")
        if self.records.error is not None:
            lost.append("the run record")
        read_only = error.errno in (errno.EROFS, errno.EACCES, errno.EPERM)
        self.err.write(
            f"{'warning' if read_only else 'error'}: cannot write to the store at "
            f"{self.root}: {error.strerror or error}; not saved: {', '.join(lost)}"
            + (" (computed again next time)" if len(lost) > 1 or evaluator.write_errors else "")
            + "\n  hint: "
            + (
                "use a writable store for runs that compute (--store PATH)"
                if read_only
                else "free some space (ibc cache gc --before 7d) or use another store "
                "(--store PATH)"
            )
            + "\n"
        )
        self.err.flush()
        return code if read_only else EXIT_FAILED

    def _main(self) -> int:
        program, options = self.program, self.options
        scope = program.scope()
        stack = program.stack(scope, self.sets)
        if any(t.kind == "search" for t in program.targets.values()):
            code = self._searches(scope, stack)
            if code is not None:
                return code
        jobs = program.jobs(options.names, stack, scope)
        nodes = []
        for shown, kind, name, index in jobs:
            try:
                nodes.append(program.job_node(scope, stack, name, index))
            except Exception as exc:  # noqa: BLE001 - a builder failed (an unknown binding …)
                nodes.append(exc)
        if options.dry_run:
            return self._dry_run(jobs, nodes)
        if self.progress is not None:
            self.progress.start([job[0] for job in jobs], groups=[job[2] for job in jobs])
            if self.progress.wants_estimates:  # the live display's ETA
                from ibc.runtime.estimates import Estimates

                executor = self.executor
                self.progress.expect(
                    Estimates(
                        [n for n in nodes if not isinstance(n, Exception)],
                        self.root,
                        workers=lambda: getattr(executor, "jobs", 1),
                        exclude=self.run_id,
                        force=options.force,
                    )
                )
        self.records.begin(self._file(), [job[0] for job in jobs])
        roots, where = [], []
        for i, node in enumerate(nodes):
            if not isinstance(node, Exception):
                shown = jobs[i][0]
                roots += [(ID, node, shown), (JSON, node, shown)]
                where += [(i, ID), (i, JSON)]
        self.rendered: dict[int, object] = {}
        self.failures: dict[int, BaseException] = {
            i: node for i, node in enumerate(nodes) if isinstance(node, Exception)
        }
        self.finished: set[int] = set()
        self.started = time.time()
        self.last_end = self.started
        self.printed = 0
        self.results: dict[str, object] = {}
        self.jobs, self.nodes = jobs, nodes

        # A job is done when both its roots are: with a parallel executor a record's JSON
        # rendering may finish before its identity, which names its result entry.
        waiting = {i: 2 for i, _ in where}

        def on_root(index: int, value, failure) -> None:
            job, kind = where[index]
            if failure is not None:
                self.failures.setdefault(job, failure)
            elif kind == JSON:
                self.rendered[job] = recordable(value)  # printable, and JSON can hold it
            waiting[job] -= 1
            if waiting[job] == 0 or failure is not None:
                self._job_done(job)

        self._preload([node for _, node, _ in roots])
        with _stage_output_to(self.err):
            self.evaluator.results(roots, on_root)
        for job in range(len(jobs)):  # jobs that failed before being evaluated
            self._job_done(job)
        self._flush(final=True)
        unstored = {
            k: why
            for k, why in self.evaluator.unstored.items()
            if k not in self.evaluator.write_errors  # said once, at the end
        }
        if unstored:
            why = next(iter(unstored.values()))
            self.err.write(
                f"warning: {len(unstored)} stage result(s) could not be stored and will be "
                f"computed again next time ({why})\n"
            )
        if self.store.repaired:  # damage is repaired, and said: never silent
            keys = sorted(set(self.store.repaired))
            self.err.write(
                f"notice: {len(keys)} damaged store entr{'y was' if len(keys) == 1 else 'ies were'}"
                f" removed and computed again ({', '.join(k[:12] for k in keys[:3])}"
                f"{', …' if len(keys) > 3 else ''}); `ibc cache verify` checks the whole store\n"
            )
        self._remote_notices()
        if options.explain:
            self._explain()
        if options.as_json:
            self.out.write(json.dumps(self.results, indent=2, ensure_ascii=False) + "\n")
        if self.out_path is not None and not self.failures:
            if not self._export():
                return EXIT_FAILED
        return EXIT_FAILED if self.failures else EXIT_OK

    def _preload(self, nodes: list) -> None:
        """Tell the executor the libraries the stages below `nodes` import (the process
        executor's forkserver imports them once, when its first worker starts; docs/running.md
        "Worker processes"), computed only then."""
        from ibc.runtime.warmup import modules

        root = self.program.project_root
        self.executor.preload(lambda: modules(nodes, root))

    def _searches(self, scope, stack) -> int | None:
        """Drive the program's searches (`ibc.runtime.search`): their trials become their
        points. A dry run proposes none (they are proposed at run time). An exit code when
        they cannot run."""
        from ibc.runtime.search import SearchError, drive

        dry = self.options.dry_run
        wanted = _trials_only(self.program, self.options.names)
        if wanted:
            return self._trials(scope, stack, wanted)
        try:
            found = drive(
                self.program,
                self.evaluator,
                scope,
                stack,
                self.options.names,
                self.options.jobs or 1,
                replay=dry,
            )
        except SearchError as exc:
            self.err.write(f"error: {exc}\n")
            return EXIT_USAGE
        if dry:
            for name, trials in found.items():
                total = self.program.targets[name].search.trials
                if len(trials) < total:
                    self.err.write(
                        f"{name}: {len(trials)} of {total} trials stored; the others are "
                        "proposed at run time, as the stored ones are told to the optimizer\n"
                    )
        return None

    def _trials(self, scope, stack, wanted: dict[str, int]) -> int | None:
        """`ibc run FILE 'tuned[3]'`: propose the trials named without running their searches
        (the trials before them come from the store), or say which are not proposed yet."""
        from ibc.runtime.search import SearchError, propose_up_to

        planner = Evaluator(store=self.store, dry_run=True)
        try:
            jobs = self.options.jobs or 1
            short = propose_up_to(self.program, planner, scope, stack, wanted, jobs)
        except SearchError as exc:
            self.err.write(f"error: {exc}\n")
            return EXIT_USAGE
        for name, stored in short.items():
            self.err.write(
                f"error: `{name}[{wanted[name]}]` is not proposed yet: the trials before it "
                f"must be stored, and {stored} of them are (`{name}[{stored}]` is not)\n"
                f"  hint: run the search first (`ibc run FILE {name}`): its trials are "
                "proposed in order, and a failed trial is not stored\n"
            )
        return EXIT_USAGE if short else None

    def _remote_notices(self) -> None:
        """Wait for the pushes to the remote (if any), then say what went wrong with it."""
        close = getattr(self.store, "close", None)
        if close is None:
            return
        close()
        lines = self.store.notices()
        if lines:
            self.err.write("".join(line + "\n" for line in lines))
            self.err.flush()

    def _explain(self, before: bool = False) -> None:
        """`--explain`: why each stage that ran (`before`: would run) did, against the runs
        before this one."""
        from ibc.runtime.explain import Explainer, History

        history = History(self.root, exclude=self.run_id)
        explainer = Explainer(self.evaluator, history, self.options.force)
        self.err.write("".join(line + "\n" for line in explainer.lines(before=before)))
        self.err.flush()

    def _job_done(self, job: int) -> None:
        if job in self.finished or (job not in self.failures and job not in self.rendered):
            return
        self.finished.add(job)
        now = time.time()
        shown, kind, name, index = self.jobs[job]
        seconds = now - self.last_end
        started = self.last_end
        self.last_end = now
        failure = self.failures.get(job)
        counts = dict(self.evaluator.counts.get(shown, {"ran": 0, "cached": 0, "failed": 0}))
        node = self.nodes[job]
        built = not isinstance(node, Exception)
        shared = self.evaluator.shared(node, shown) if built else {}
        if shared:  # stages another target of this run ran (or found cached) first
            counts["shared"] = sum(shared.values())
        record = {
            "experiment": shown,
            "target": name,
            "kind": kind,
            "file": self._file(),
            "params": self._params(name, index),
            "overrides": list(self.program.override_texts) + list(self.options.sets),
            **provenance.record_fields(
                node if built else None, self.evaluator, self.program.project_root, self.git
            ),
            "status": "failed" if failure is not None else "ok",
            "started": iso(started),
            "seconds": round(seconds, 3),
            "counts": dict(counts),
        }
        if name in self.program.trials and index is not None:  # a search's trial
            best = self.program.best_trial.get(name) == index
            spec = self.program.targets[name].search
            record["trial"] = {
                "search": name,
                "number": index,
                "best": best,
                "axes": [path for axis in spec.axes for path in axis[0]],
                "objective": ".".join(spec.objective),
                "direction": spec.direction,
            }
        if failure is None:
            rendered = self.rendered.get(job)
            record["value"] = rendered
            record["metrics"] = metrics_of(rendered)
            record["error"] = None
            record["key"] = self._result_key(node, rendered)
            want = getattr(self.store, "want", None)
            if want is not None:  # a printed result only the remote holds is kept here too
                want(record["key"])
        else:
            record["value"] = None
            record["metrics"] = {}
            record["error"] = safe_str(getattr(failure, "error", failure))
            record["key"] = None
            node = getattr(failure, "node", None)  # a stage's failure: its `.ib` location
            record["at"] = getattr(node, "at", None)
            if getattr(failure, "where", None):
                record["where"] = failure.where
        self.records.record(record)
        if self.progress is not None:
            with_ = [str(owner) for owner in shared if owner is not None]
            self.progress.experiment(shown, record["status"], seconds, dict(counts, with_=with_))
        self._flush()

    def _flush(self, final: bool = False) -> None:
        """Print the values (and failures) of the jobs done, in job order."""
        while self.printed < len(self.jobs) and self.printed in self.finished:
            job = self.printed
            shown, kind, _, _ = self.jobs[job]
            failure = self.failures.get(job)
            if failure is not None:
                self.err.write(format_failure(shown, kind, failure))
                self.err.flush()
            else:
                rendered = self.rendered.get(job)
                self.results[shown] = rendered
                if not self.options.as_json:
                    line = f"{shown}: {json.dumps(rendered, ensure_ascii=False)}\n"
                    if self.progress is not None:
                        self.progress.write(self.out, line)
                    else:
                        self.out.write(line)
                        self.out.flush()
            self.printed += 1

    def _result_key(self, node, rendered=None) -> str | None:
        """The store key that holds `node`'s value: its entry for a stage; for any other
        value a result entry (written when missing; a cached run finds it and loads nothing)
        whose header keeps `rendered`, its short JSON rendering, as a stage's does."""
        evaluator = self.evaluator
        kind = node_kind(node)
        if kind == "stage" and node.key not in evaluator.unstored:
            return evaluator.store_key(node)
        if kind in ("impure", "stage"):
            return None
        identity = evaluator.ident.get(node.key)
        if identity is None:
            return None
        key = digest("result", identity)
        try:
            if self.store.meta(key) is None:
                value = link(evaluator.value(node), self._stage_parts(node))
                meta = {"stage": "result", "at": None, "run": self.run_id}
                if _short_json(rendered):
                    meta["json"] = rendered
                self.store.put(key, value, meta)
        except OSError as exc:  # the store cannot be written: said once, at the end
            self.write_errors.append(exc)
            return None
        except Exception:  # noqa: BLE001 - an unpicklable value is not kept
            return None
        return key

    def _stage_parts(self, node) -> dict:
        """`{id(value): (value, store key)}` of the stored stages (of `LINK_BYTES` or more)
        whose values `node`'s value is built from: a result entry refers to their entries
        instead of holding a second copy (`ibc.runtime.runlog.link`)."""
        evaluator = self.evaluator
        parts: dict = {}
        seen, todo = set(), list(node.inputs)
        while todo:
            part = todo.pop()
            if part.key in seen:
                continue
            seen.add(part.key)
            if node_kind(part) != "stage":
                todo.extend(part.inputs)
                continue
            value = evaluator.values.get(part.key, _NONE)
            key = evaluator.store_key(part)
            if value is _NONE or key is None or part.key in evaluator.unstored:
                continue
            entry = evaluator.entries.get(part.key) or self.store.meta(key)
            if entry is not None and entry.size >= LINK_BYTES:  # small values are copied
                parts[id(value)] = (value, key)
        return parts

    # ------------------------------------------------------------------ details

    def _file(self) -> str:
        source = self.program.source
        root = self.program.project_root
        if root and os.path.exists(source):
            return os.path.relpath(os.path.abspath(source), root).replace(os.sep, "/")
        return source.replace(os.sep, "/")

    def _params(self, name: str, index) -> dict:
        """The parameters this job's layers set: its `with` layers', the sweep point's and
        `-s`'s (the outermost wins)."""
        params: dict = {}
        target = self.program.targets.get(name)
        if target is not None:
            params.update(target.params)
        layers = []
        if self.sets is not None:
            layers.append(self.sets)
        if self.program.overrides is not None:
            layers.append(self.program.overrides)
        if index is not None and target is not None:
            layers.append(target.points[index][1])
        for layer in reversed(layers):  # the outermost (-s) wins
            for path, value in layer.values.items():
                params[path] = value if is_literal(value) else layer.label(path)
        return params

    def _dry_run(self, jobs, nodes) -> int:
        evaluator = self.evaluator
        roots = [
            (ID, node, job[0]) for job, node in zip(jobs, nodes) if not isinstance(node, Exception)
        ]
        failures = {}

        def on_root(index, value, failure):
            if failure is not None:
                failures[roots[index][2]] = failure

        evaluator.results(roots, on_root)
        by_owner: dict = {}
        for node, key, state, seconds, owner in evaluator.log:
            by_owner.setdefault(owner, []).append((node, state, seconds))
        would_run = 0
        for job, node in zip(jobs, nodes):
            shown = job[0]
            self.out.write(f"{shown}:\n")
            if isinstance(node, Exception):
                self.out.write(f"  cannot be built: {node}\n")
                continue
            events = by_owner.get(shown, [])
            if not events:
                self.out.write("  (nothing new: every stage it needs is shared with a job above)\n")
            for stage, state, seconds in events:
                shown_state = "would run" if state == "pending" else state
                would_run += state == "pending"
                at = f" at {stage.at}" if stage.at else ""
                self.out.write(f"  {shown_state:<9}  {stage.describe()}{at}\n")
            if shown in failures:
                self.out.write(f"  failed while planning: {failures[shown]}\n")
        cached = sum(1 for _, _, state, _, _ in evaluator.log if state == "cached")
        self.out.write(f"{would_run} stage(s) would run, {cached} cached\n")
        self._remote_notices()
        if self.options.explain:
            self._explain(before=True)
        return EXIT_OK

    def _export(self) -> bool:
        """`--out`: each job's value written to a file, also when every stage was cached (a
        deleted or changed file is written again); False when a file cannot be written."""
        from ibc.runtime.export import export

        values = [(job[0], self.evaluator.value(node)) for job, node in zip(self.jobs, self.nodes)]
        try:
            export(values, self.out_path, self.out_shown, self.err)
        except OSError as exc:
            self.err.write(
                f"error: cannot write {exc.filename or self.out_shown}: {exc.strerror or exc}\n"
            )
            return False
        return True

    def interrupt(self) -> None:
        if self.executor is not None:
            self.executor.close(cancel=True)
            self.executor = None
        self.close()

    def close_folder(self) -> None:
        """Go back to the folder the run was started in."""
        if self.saved_cwd is not None:
            try:
                os.chdir(self.saved_cwd)
            except OSError:
                pass
            self.saved_cwd = None

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.close()
            self.progress = None

    def close(self) -> None:
        self.close_folder()
        close = getattr(self.store, "close", None)
        if close is not None:  # the pushes of an interrupted run: those started end
            close(cancel=True)
        self._close_progress()
        if self.executor is not None:
            self.executor.close()
            self.executor = None
        if self.git is not None:
            self.git.close()
        from ibc.runtime.explain import StageFacts  # what `ibc why` compares next time

        self.records.stages(self.evaluator.log, StageFacts(self.evaluator))
        self.records.close()
        try:
            self.files.save()
        except OSError:
            pass


def _trials_only(program, names: list[str]) -> dict[str, int]:
    """`{search: index}` when every name run is a search's trial (`tuned[3]`, the highest of
    a search's), which then run alone; else empty (the searches run whole)."""
    from ibc.runtime.search import trial_of

    found = [trial_of(program, name) for name in names]
    if not names or any(f is None for f in found):
        return {}
    wanted: dict[str, int] = {}
    for search, index in found:
        wanted[search] = max(index, wanted.get(search, -1))
    return wanted


def _short_json(rendered: object) -> bool:
    """Whether a result's JSON rendering is short enough for its entry's header."""
    try:
        return len(json.dumps(rendered, ensure_ascii=False)) <= SHORT_JSON
    except (TypeError, ValueError, RecursionError):
        return False


def plan(program, names: list[str], store, batch: int = 1) -> tuple[Evaluator, list]:
    """A dry run of targets `names` against `store`: the planning evaluator (its `log` says
    which stages are cached and which would run, `ident` the identities it could compute)
    and the `(shown name, node)` of each job. Nothing runs. A search's trials are proposed
    `batch` at a time, as a run with `--jobs batch` proposed them (`ibc graph --jobs N`)."""
    scope = program.scope()
    stack = program.stack(scope)
    planner = Evaluator(store=store, dry_run=True)
    if any(t.kind == "search" for t in program.targets.values()):
        from ibc.runtime.search import SearchPending, drive, propose_up_to, trial_of

        wanted = _trials_only(program, names)
        if wanted:  # trials by name: the ones proposed (those before them stored)
            propose_up_to(program, planner, scope, stack, wanted, batch)
        else:
            drive(program, planner, scope, stack, names, batch, replay=True)  # those stored
        names = [n for n in names if n in program.points or trial_of(program, n) is None]
    else:
        SearchPending = ()  # noqa: N806 - nothing to catch
    tops = []
    for shown, _, name, index in program.jobs(names, stack, scope):
        try:
            tops.append((shown, program.job_node(scope, stack, name, index)))
        except SearchPending:  # `best(S)` of a search with no trial stored yet
            continue
    planner.results([(ID, node, shown) for shown, node in tops], on_root=lambda *a: None)
    return planner, tops


class _stage_output_to:
    """While the stages run, what they print goes to `stream` (standard error): standard
    output holds the results alone, so `ibc run --json` always parses (docs/running.md,
    "Running, failing, resuming"). The workers of `--executor process` and of a local dask cluster
    send their standard output to standard error themselves."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def __enter__(self) -> None:
        import sys

        self.saved = sys.stdout
        sys.stdout = self.stream

    def __exit__(self, *exc) -> None:
        import sys

        if sys.stdout is self.stream:
            sys.stdout = self.saved


def _enter_project(program, dry_run: bool) -> str | None:
    """Make the project root the working folder while the stages run, so that a relative
    path in a stage (`df.to_csv("out/submission.csv")` in an `(impure)` writer, `open("data/x")`)
    means the same file from whichever folder `ibc run` is started (docs/running.md, "Where
    stages run"); the folder it was is returned, to go back to (None when unchanged)."""
    root = program.project_root
    if not root or dry_run:
        return None
    try:
        here = os.getcwd()
    except OSError:
        here = None
    try:
        if here is None or os.path.realpath(here) != os.path.realpath(root):
            os.chdir(root)
            return here
    except OSError:
        pass
    return None


def _project_folder(program) -> str:
    """Where git is asked about the project: its root, else the folder of its `.ib` file."""
    if program.project_root:
        return program.project_root
    return os.path.dirname(os.path.abspath(program.source))
