"""Running a search: Optuna proposes the trials, each trial is a sweep point (docs/guide.md,
"Searches").

An emitted program registers a search with `program.search(name, builder, axes=…,
direction=…, objective=[…], trials=N, seed=S)`. Before a run builds its jobs, `drive` runs
each search of the program: an in-memory Optuna study (TPE, seeded by `seed`) is made anew,
and for trial i the study is asked for parameters, which become the layer of the sweep point
`name[i]`; the point's value is evaluated like any sweep point's (its stages are cached in
the store), and its objective told to the study. The study is never saved: with the same
seed and the same history it proposes the same parameters again, whose stages then come from
the store, so a re-run runs nothing, raising `trials` runs only the new trials, and a run
stopped in the middle replays the trials it stored and goes on from there. A trial that
fails is told to the study as failed (it is not stored, so a later run tries it again) and
the search goes on. With `--jobs N`, N trials are proposed at a time and evaluated together,
then told in order: the proposals depend on N, and for a given N are always the same.

After `drive`, a search is a sweep whose points are its trials: the run prints and records
them as it does a sweep's, and `best(S)` (`Builder.with_best`) is the layer of the best
completed trial. Optuna is imported only here, when a search runs (the `search` extra).
"""

from __future__ import annotations

import math

from ibc.runtime.errors import StageFailure
from ibc.runtime.evaluate import ID, JSON, VALUE
from ibc.runtime.layers import Layer


class SearchError(Exception):
    """A search that cannot run (Optuna is missing)."""


class SearchPending(RuntimeError):
    """`best(S)` before search `S` has a completed trial (a dry run, `ibc graph`)."""


class Spec:
    """A search as registered: axes `(paths, kind, lo, hi)` or `(paths, "choice",
    [({path: value}, [label…]), …])`, direction, objective field path, trials, seed."""

    def __init__(self, axes, direction: str, objective, trials: int, seed: int) -> None:
        self.axes = [tuple(axis) for axis in axes]
        self.direction = direction
        self.objective = tuple(objective)
        self.trials = int(trials)
        self.seed = int(seed)


class Trial:
    """One trial of a run: its point name, the values of its axes, its objective (None when
    it failed) and its failure."""

    def __init__(self, name: str, params: dict, objective, failure) -> None:
        self.name, self.params = name, params
        self.objective, self.failure = objective, failure


def _optuna():
    try:
        import optuna
    except ImportError:
        raise SearchError(
            "a search needs Optuna, which is not installed\n"
            "  hint: pip install 'iterbuild[search]' (or pip install optuna)"
        ) from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def _distribution(optuna, axis):
    paths, kind = axis[0], axis[1]
    d = optuna.distributions
    if kind == "choice":
        return d.CategoricalDistribution(list(range(len(axis[2]))))
    low, high = axis[2], axis[3]
    if kind in ("uniform", "log_uniform"):
        return d.FloatDistribution(float(low), float(high), log=kind == "log_uniform")
    if kind in ("int_range", "int_log_range"):
        return d.IntDistribution(int(low), int(high), log=kind == "int_log_range")
    raise ValueError(f"unknown space `{kind}` for {', '.join(paths)}")


def _key(axis) -> str:
    return ",".join(axis[0])


def _layer(spec: Spec, name: str, params: dict) -> tuple[Layer, dict]:
    """The layer of a trial's proposed `params` (Optuna's, by axis key), and the axes' values
    as run records and `ibc results` show them (a candidate's source text)."""
    values: dict = {}
    labels: dict = {}
    shown: dict = {}
    for axis in spec.axes:
        proposed = params[_key(axis)]
        if axis[1] == "choice":
            table, texts = axis[2][proposed]
            values.update(table)
            for path, text in zip(table, texts):
                labels[path] = text
                shown[path] = text
        else:
            path = axis[0][0]
            values[path] = proposed
            labels[path] = repr(proposed)
            shown[path] = proposed
    return Layer(values, name, static=True, labels=labels), shown


def _objective(value, path: tuple[str, ...]) -> float:
    """The objective field of a trial's value, as a finite float (ValueError otherwise)."""
    for part in path:
        if not isinstance(value, dict) or part not in value:
            raise ValueError(f"the trial's value has no field `{'.'.join(path)}`")
        value = value[part]
    number = float(value)
    if math.isnan(number):
        raise ValueError(f"the objective `{'.'.join(path)}` is NaN")
    return number


def _stored(evaluator, node, name) -> bool:
    """Whether every stage of `node` is stored (a dry-run `evaluator` says none would run)."""
    mark = len(evaluator.log)
    evaluator.results([(ID, node, name)], lambda *_: None)
    return not any(entry[2] in ("pending", "failed") for entry in evaluator.log[mark:])


def trial_of(program, name: str) -> tuple[str, int] | None:
    """`(search, index)` when `name` is a trial's name (`tuned[3]`) of a search of
    `program`, whether or not it has been proposed; else None."""
    search, bracket, rest = name.partition("[")
    target = program.targets.get(search)
    if not bracket or target is None or target.kind != "search" or not rest.endswith("]"):
        return None
    digits = rest[:-1]
    return (search, int(digits)) if digits.isdigit() else None


def propose_up_to(
    program, planner, scope, stack, wanted: dict[str, int], batch: int = 1
) -> dict[str, int]:
    """Propose trial `wanted[S]` of each search `S` without running the search: the trials
    before it are replayed from the store (`planner` is a dry-run evaluator, which runs
    nothing) and the wanted one is asked for and becomes the point `S[i]`, to be run (or
    loaded) like any sweep point (`ibc run FILE 'tuned[3]'`, docs/guide.md, "Searches").
    `batch` is the run's `--jobs`: the trials are proposed `batch` at a time, as that run
    proposed them.
    Returns, per search whose trials before the wanted one are not all stored, how many
    are. Raises `SearchError` when Optuna is missing."""
    optuna = _optuna()
    short: dict[str, int] = {}
    for name, index in wanted.items():
        target = program.targets[name]
        trials = _run(optuna, program, planner, scope, stack, target, batch, True, upto=index)
        if len(target.points) <= index:
            short[name] = len(trials)
        program.best_trial[name] = None  # not known from part of the search
    return short


def drive(
    program, evaluator, scope, stack, names, batch: int = 1, replay: bool = False
) -> dict[str, list[Trial]]:
    """Run the searches of `program` that `names` need (all of them: the compiler emits only
    the searches a run needs), each trial a point of the search in `scope`; returns the
    trials by search. With `replay` (a dry run: `evaluator` runs nothing), only the trials
    whose stages are all stored are replayed: a search stops at the first trial that would
    run (`--dry-run`, `ibc graph`, `ibc cache gc` see the trials stored so far), proposed
    `batch` at a time as the run that stored them did (`--dry-run --jobs N`). Raises
    `SearchError` when Optuna is missing."""
    searches = [t for t in program.targets.values() if t.kind == "search"]
    out: dict[str, list[Trial]] = {}
    if not searches:
        return out
    optuna = _optuna()
    if evaluator.progress is not None:  # the trials' stages show as a sweep's points' do
        trials = [(t.name, i) for t in searches for i in range(t.search.trials)]
        evaluator.progress.start([f"{n}[{i}]" for n, i in trials], groups=[n for n, _ in trials])
    for target in searches:
        out[target.name] = _run(optuna, program, evaluator, scope, stack, target, batch, replay)
    return out


def _run(optuna, program, evaluator, scope, stack, target, batch, replay, upto=None) -> list[Trial]:
    """The trials of one search. With `upto` (and `replay`): the trials before trial
    `upto` replayed, then trial `upto` asked for and made a point, not evaluated."""
    spec: Spec = target.search
    sampler = optuna.samplers.TPESampler(seed=spec.seed)
    study = optuna.create_study(direction=spec.direction, sampler=sampler)
    distributions = {_key(axis): _distribution(optuna, axis) for axis in spec.axes}
    points: list = []
    trials: list[Trial] = []
    best_index = None
    batch = max(1, int(batch or 1))
    limit = spec.trials if upto is None else upto + 1
    while len(points) < limit:
        asked = []
        for _ in range(min(batch, limit - len(points))):
            trial = study.ask(distributions)
            index = len(points)
            name = f"{target.name}[{index}]"
            layer, shown = _layer(spec, name, trial.params)
            points.append((name, layer))
            program.points[name] = (target.name, index)
            asked.append((trial, name, shown, index))
        target.points = tuple(points)
        scope.sweeps[target.name] = target.points
        if upto is not None and asked[-1][3] == upto:
            break  # the wanted trial: proposed, to be run as a point by the caller
        roots = []
        kind = JSON if replay else VALUE  # a dry run reads the stored JSON renderings
        for _, name, _, index in asked:
            roots.append((kind, scope.point(target.name, index, stack), name))
        kept = len(roots)
        if replay:  # the batch's trials up to the first one not stored
            kept = next((i for i, r in enumerate(roots) if not _stored(evaluator, *r[1:])), kept)
        values = evaluator.results(roots[:kept], lambda *_: None) if kept else []
        if replay:  # a trial whose rendering is not stored is not replayed either
            kept = next((i for i, v in enumerate(values) if isinstance(v, BaseException)), kept)
        for (trial, name, shown, index), value in zip(asked[:kept], values):
            failure = value if isinstance(value, StageFailure) else None
            objective = None
            if failure is None:
                try:
                    objective = _objective(value, spec.objective)
                except (TypeError, ValueError) as exc:
                    failure = exc
            if failure is None:
                study.tell(trial, objective)
                if study.best_trial.number == trial.number:
                    best_index = index
            else:
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
            trials.append(Trial(name, shown, objective, failure))
        if kept < len(asked):  # a dry run stops at the first trial that would run
            for _, name, _, _ in asked[kept:]:
                points.pop()
                program.points.pop(name, None)
            target.points = tuple(points)
            scope.sweeps[target.name] = target.points
            break
    if best_index is not None:
        best = points[best_index][1]
        scope.best[target.name] = Layer(
            dict(best.values), f"best({target.name})", static=True, labels=dict(best.labels)
        )
    program.trials[target.name] = trials
    program.best_trial[target.name] = best_index
    return trials
