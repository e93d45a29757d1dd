"""Searches in the `plain` target (docs/running.md, "The plain target"; docs/guide.md,
"Searches"): the optimizer loop that a layered program carries for its searches.

Copied into programs as `ibc/runtime/standalone_layers.py` is, under the same rules (only
when the program declares a search). A search is a binding decorated with `_ibc_search`;
`_IBC_SEARCHES` holds, per search, `(axes, direction, objective, trials, seed)`: a numeric
axis is `(paths, kind, lo, hi)`, a categorical one `(paths, "choice", (candidate, …))` with
a candidate a sweep point's layer data `({path: literal}[, {path: fn}[, {path: label}]])`.

The loop is the script target's (`ibc/runtime/search.py`) without a store: an in-memory
Optuna study (TPE seeded by `seed`, the same distributions under the same names), asked for
one trial at a time; the trial is the search's value under a layer of the proposed values
(pushed on the scope as a sweep point's is), its objective told to the study, a failure told
as failed (the search goes on). So with the same seed, for a deterministic objective, the
trials are the ones the script target proposes with `--jobs 1`. Nothing is saved: every run
of the program runs every trial again. Optuna is imported when a search runs; without it the
program stops with a clear error (exit code 2).
"""

from __future__ import annotations

from ibc.runtime.standalone import _ibc_failed, jsonable, literal_text  # noqa: F401

_IBC_SCOPE = None
_IBC_SEARCHES: dict = {}
_IBC_TARGETS: dict = {}
_IBC_READS: dict = {}


def _ibc_optuna(search):
    """The `optuna` module, or exit with an error naming the search and the package."""
    import sys

    try:
        import optuna
    except ImportError:
        print(
            f"error: the search `{search}` needs Optuna, which is not installed\n"
            "  hint: pip install optuna (this program keeps its study in memory only)",
            file=sys.stderr,
        )
        raise SystemExit(2) from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def _ibc_distributions(optuna, axes):
    """The study's distribution of each axis, by the axis's paths joined with commas."""
    d = optuna.distributions
    out = {}
    for axis in axes:
        key = ",".join(axis[0])
        if axis[1] == "choice":
            out[key] = d.CategoricalDistribution(list(range(len(axis[2]))))
        elif axis[1] in ("uniform", "log_uniform"):
            out[key] = d.FloatDistribution(
                float(axis[2]), float(axis[3]), log=axis[1] == "log_uniform"
            )
        else:
            out[key] = d.IntDistribution(int(axis[2]), int(axis[3]), log=axis[1] == "int_log_range")
    return out


def _ibc_trial_layer(axes, params):
    """`(consts, thunks, labels, shown)`: the layer of a trial's proposed `params` and the
    axes' values as printed (a candidate's source text, a number's value)."""
    consts, thunks, labels, shown = {}, {}, {}, {}
    for axis in axes:
        proposed = params[",".join(axis[0])]
        if axis[1] == "choice":
            candidate = axis[2][proposed]
            consts.update(candidate[0])
            if len(candidate) > 1:
                thunks.update(candidate[1])
            given = candidate[2] if len(candidate) > 2 else {}
            for path in axis[0]:
                text = given.get(path)
                if text is None:
                    text = literal_text(candidate[0][path]) if path in candidate[0] else "?"
                labels[path] = text
                shown[path] = text
        else:
            consts[axis[0][0]] = proposed
            shown[axis[0][0]] = proposed
    return consts, thunks, labels, shown


def _ibc_objective(value, path):
    """The objective field of a trial's value as a finite float (ValueError otherwise)."""
    import math

    for part in path:
        if not isinstance(value, dict) or part not in value:
            raise ValueError(f"the trial's value has no field `{'.'.join(path)}`")
        value = value[part]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"the objective `{'.'.join(path)}` is not a number: {value!r}")
    number = float(value)
    if math.isnan(number):
        raise ValueError(f"the objective `{'.'.join(path)}` is NaN")
    return number


def _ibc_drive(name, build, s, report):
    """Run the search `name` under scope `s`: `{"trials": [(trial name, (consts, thunks,
    labels), shown, value, failure, objective), …], "best": index or None}`. `report` is
    called with each trial as it ends."""
    axes, direction, objective, count, seed = _IBC_SEARCHES[name]
    optuna = _ibc_optuna(name)
    sampler = optuna.samplers.TPESampler(seed=seed)
    study = optuna.create_study(direction=direction, sampler=sampler)
    distributions = _ibc_distributions(optuna, axes)
    trials = []
    best = None
    for index in range(count):
        asked = study.ask(distributions)
        trial = f"{name}[{index}]"
        consts, thunks, labels, shown = _ibc_trial_layer(axes, asked.params)
        scope = s.push(("trial", trial), consts, thunks, labels)
        try:
            value = build(scope)
            number = _ibc_objective(value, objective)
        except Exception as exc:  # a failed trial: told as failed, the search goes on
            study.tell(asked, state=optuna.trial.TrialState.FAIL)
            trials.append((trial, (consts, thunks, labels), shown, None, exc, None))
        else:
            study.tell(asked, number)
            if study.best_trial.number == asked.number:
                best = index
            trials.append((trial, (consts, thunks, labels), shown, value, None, number))
        if report is not None:
            report(trials[-1])
    return {"trials": trials, "best": best}


def _ibc_search(name):
    """Decorator: the search `name`, its value built once per trial. As a value it is a dict
    trial name -> value of its completed trials; `.trials(s, report)` runs it (once per
    scope) and gives its trials and best trial (`_ibc_drive`)."""

    def wrap(build):
        def trials(s=None, report=None):
            s = _IBC_SCOPE if s is None else s
            return s.binding(name, lambda s: _ibc_drive(name, build, s, report))

        def value(s=None):
            done = trials(s)["trials"]
            return {t[0]: t[3] for t in done if t[4] is None}

        value.__name__ = value.__qualname__ = build.__name__
        value.trials = trials
        return value

    return wrap


def _ibc_best(s, search):
    """Scope `s` with the layer of the best trial of `search` (`e with best(search)`), the
    search run first under `s` when it has not run there yet."""
    done = _IBC_TARGETS[search].trials(s)
    if done["best"] is None:
        raise RuntimeError(f"best({search}): the search `{search}` has no completed trial")
    consts, thunks, labels = done["trials"][done["best"]][1]
    return s.push(("best", search), consts, thunks, labels)


def _ibc_search_usage(argv):
    """Whether the command line names a trial (`tuned[3]`), or sets with `-s` an axis of a
    search the run runs (said on stderr): a program that runs its searches whole can do
    neither."""
    import sys

    args = list(argv)
    names, sets = [], []
    while args:
        arg = args.pop(0)
        if arg == "-s" or (arg.startswith("-s") and len(arg) > 2 and arg[2] != "-"):
            text = (args.pop(0) if args else "") if arg == "-s" else arg[2:]
            sets.append(text.partition("=")[0].strip())
        elif not arg.startswith("-"):
            names.append(arg)
    for arg in names:
        searched = arg.split("[", 1)[0]
        if "[" in arg and searched in _IBC_SEARCHES:
            print(
                f"error: {arg} is a trial of the search `{searched}`, which this program runs "
                "as a whole (its study is kept in memory only)\n"
                f"  hint: run `{searched}`, or run the trial with `ibc run FILE '{arg}'`, "
                "which reads the trials from the store",
                file=sys.stderr,
            )
            return True
    run = _ibc_searches_reached(names or list(_IBC_TARGETS))
    for path in sets:
        for search in run:
            axes = [p for axis in _IBC_SEARCHES[search][0] for p in axis[0]]
            hits = [a for a in axes if a == path or a.startswith((path + ".", path + "["))]
            if hits:
                print(
                    f"error: -s {path}: `{hits[0]}` is an axis of the search `{search}`, "
                    "whose trials set it\n"
                    f"  hint: leave `{path}` to the search (or narrow its space in the "
                    "program), or run targets that do not need the search",
                    file=sys.stderr,
                )
                return True
    return False


def _ibc_searches_reached(names):
    """The searches that running `names` runs (a search itself, or one a target reads)."""
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(_IBC_READS.get(name, ((), ()))[1])
    return [name for name in _IBC_SEARCHES if name in seen]


def _ibc_run_search(name, scope, results, as_json):
    """Run the search `name` for the command line, printing each trial as it ends (with its
    axes' values) and the best one; returns whether a trial failed."""
    import json
    import sys

    failed = []
    printed = set()

    def report(trial):
        printed.add(trial[0])
        given = ", ".join(
            f"{path}={text if isinstance(text, str) else literal_text(text)}"
            for path, text in trial[2].items()
        )
        if trial[4] is not None:
            failed.append(trial[0])
            _ibc_failed(f"trial {trial[0]} ({given})", trial[4])
            return
        results[trial[0]] = jsonable(trial[3])
        if not as_json:
            print(f"{trial[0]}: {json.dumps(results[trial[0]], ensure_ascii=False)}", flush=True)
            print(f"  {given}", file=sys.stderr, flush=True)

    done = _IBC_TARGETS[name].trials(scope, report)
    for trial in done["trials"]:  # already run for another target under this scope
        if trial[0] not in printed:
            report(trial)
    if done["best"] is not None:
        best = done["trials"][done["best"]]
        print(f"best of {name}: {best[0]} ({best[5]!r})", file=sys.stderr, flush=True)
    return bool(failed)
