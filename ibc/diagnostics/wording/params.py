"""Wording of parameter and override diagnostics (E05xx, W05xx)."""

from __future__ import annotations

from ibc.diagnostics.wording import did_you_mean, register

register(
    "E0501",
    "unknown parameter path",
    "there is no parameter `{path}`",
    did_you_mean,
    explain=(
        "An override names a parameter by its path: a top-level binding (`seed`), an argument "
        "of the call a binding is bound to (`model.C`, nested: `clf.model.C`), an element or "
        "field of a literal (`steps[1]`, `point.x`), a signature default (`model.tol`) or a "
        "path inside a `def` (`prepare.boosted.strength`). `ibc params FILE` lists them all."
    ),
    example="model = 1\nexperiment e = model with { model.C = 0.1 }",
)
register(
    "E0502",
    "path through another binding",
    "`{path}` runs into another binding's name",
    "the parameter is `{hint}`",
    explain=(
        "A path stops at a reference to another name: in `forest = baseline with {…}`, "
        "`forest.model.C` does not exist; the estimator's `C` is the parameter `model.C`."
    ),
)
register(
    "E0503",
    "path and its prefix in one `with`",
    lambda a: (
        f"`{a.get('path')}` is overridden "
        + ("twice" if a.get("twice") is True else f"together with `{a.get('prefix')}`")
        + (" by `-s`" if a.get("layer") == "-s" else " in one `with`")
    ),
    lambda a: (
        "override it once"
        if a.get("twice") is True
        else f"override one of them: the override of `{a.get('prefix')}` already replaces "
        f"`{a.get('path')}`"
    ),
    explain=(
        "One layer cannot set a value and a part of the same value. The `-s` options of one "
        "command are one layer too (the outermost): `-s x=1 -s x=2`, `-s x=1 -s 'x in [2, 3]'` "
        "and `-s 'model=Forest()' -s model.C=0.1` are errors."
    ),
    example="m = {a = 1}\nexperiment e = m with { m = {a = 2}, m.a = 3 }",
)


def _wrong_override(args: dict) -> str:
    if "quote" in args:  # (not in the general form the error index shows)
        return (
            f"the override `{args['path']}` names `{args.get('name', '')}`, a `{args['type']}`, "
            f"where a `{args['was']}` is expected"
        )
    return (
        f"the override `{args['path']}` gives a `{args['type']}` (it was a `{args['was']}`), "
        f"which a use rejects: {args['use']}"
    )


def _wrong_override_hint(args: dict) -> str:
    if "quote" in args:
        return f"a string is expected here; quote it: -s '{args['quote']}'"
    if args.get("nearest"):  # a value a `Literal` type does not list (docs/types.md)
        return f"did you mean {args['nearest']}?"
    if args.get("space"):  # a search's numeric space (docs/guide.md, "Searches")
        was = str(args.get("was"))
        other = {"Int": "`int_range` or `int_log_range`", "Float": "`uniform` or `log_uniform`"}
        instead = other.get(was, "a list of values, `[v1, v2]`")
        return f"`{args['space']}` gives `{args.get('type')}` values; use {instead} here"
    return "give a value that every use of the parameter accepts"


register(
    "E0504",
    "override of the wrong type",
    _wrong_override,
    _wrong_override_hint,
    explain=(
        "A derived experiment is type-checked as a whole: an override may change a value's "
        "type if every use accepts the new type (a forest may replace a logistic regression "
        "where an `Estimator` is required). The note points at the use that rejects it. "
        "On the command line, a bare word where a string is expected (`-s strategy=mean`) "
        "names whatever has that name (the prelude's `mean`): quote it, "
        "`-s 'strategy=\"mean\"'`."
    ),
    example="def half(x: Float) -> Float: return x / 2\nrate = 0.5\n"
    'experiment e = half(rate) with { rate = "fast" }',
)
register(
    "E0505",
    "sweep without `in`",
    "the sweep `{name}` ranges over nothing",
    "a sweep is `base with {{ path in [v1, v2, …] }}`; an `experiment` takes single values",
    explain="A sweep is a family of experiments, one per combination of its `in` overrides.",
    example="x = 1\nsweep s = x with { x = 2 }",
)
register(
    "E0506",
    "empty sweep",
    "this sweep ranges over no value",
    "give at least one value",
    explain="A sweep over an empty list has no point to run.",
    example="x = 1\nsweep s = x with { x in [] }",
)
register(
    "E0507",
    "sweep values not known at compile time",
    "the values of a sweep must be known when the program is compiled",
    "write a list literal `[v1, v2]`, or `range`, `linspace` or `logspace` of constants",
    explain=(
        "Sweep points are named and type-checked at compile time, so their values must be a "
        "list literal (of any expressions) or a prelude range of constant numbers."
    ),
    example="xs = [1, 2]\nx = 1\nsweep s = x with { x in xs }",
)
register(
    "E0508",
    "zip of the wrong length",
    "{count} paths take their values together, but this value has {found}",
    "give each value as a tuple with one element per path: `(p, q) in [(1, 2), (3, 4)]`",
    explain="`(p, q) in [...]` takes the paths' values together from tuples of as many values.",
    example="a = 1\nb = 2\nsweep s = a + b with { (a, b) in [(1, 2, 3)] }",
)
register(
    "E0509",
    "`in` outside a sweep",
    "`path in values` makes a sweep, but this is not one",
    "declare it with `sweep NAME = …`, or give a single value with `=`",
    explain="Only a `sweep` declaration (or `ibc run -s 'p in […]'`) ranges over values.",
    example="x = 1\nexperiment e = x with { x in [1, 2] }",
)
register(
    "E0510",
    "bad range",
    "this range cannot be computed: {reason}",
    None,
    explain="`range`, `linspace` and `logspace` in a sweep are computed at compile time.",
    example="x = 1\nsweep s = x with { x in range(0, 3, 0) }",
)


def _unused_hint(args: dict) -> str:
    if args.get("layer") == "-s":
        return (
            "no target run reaches the overridden value; check the path (`ibc params FILE "
            "TARGET` lists a target's parameters)"
        )
    if "replaced_by" in args:
        replaced = args["replaced_by"]
        return (
            f"the outer `with` replaces `{replaced}` as a whole, so this override sets nothing; "
            f"set it in the outer layer's value"
        )
    return "the overridden value is not reached from the expression before `with`; check the path"


register(
    "W0501",
    "override never used",
    lambda a: (
        f"the override `{a.get('path')}` is not used by any target of this run"
        if a.get("layer") == "-s"
        else f"the override `{a.get('path')}` is not used by the experiment it derives"
    ),
    _unused_hint,
    explain=(
        "An override that changes nothing is usually a mistake in the path or the base. So is "
        "one under a path that an outer layer replaces as a whole: in "
        "`(base with { model.C = 2.0 }) with { model = RandomForestClassifier() }` the forest "
        "is built without it. A `-s` override gets the warning when none of the targets run "
        "uses its path."
    ),
    example="a = 1\nb = 2\nexperiment e = a with { b = 3 }",
)
register(
    "E0511",
    "too many sweep points",
    lambda a: (
        f"this {a.get('what', 'sweep')} has {a.get('count')} points, more than the limit of "
        f"{a.get('limit')}"
    ),
    "check the range (a typo such as `range(0, 10**7)`?), or raise the limit with "
    "`max_points = N` in ibc.toml",
    explain=(
        "A sweep's points are made before anything runs, so a sweep of millions of points would "
        "take minutes and gigabytes just to be listed. One axis (`range`, `linspace`, "
        "`logspace`) and the product of a sweep's axes may have at most 10,000 points unless "
        "the project sets `max_points` in its settings (docs/settings.md)."
    ),
    example="from sklearn.linear_model import Ridge\nmodel = Ridge(alpha = 1.0)\n"
    "sweep s = model with { alpha in range(0, 100000) }",
)


# ----------------------------------------------------------------------------- searches
# docs/guide.md, "Searches". Facts: E0512 `name`; E0513 `space` (the written callee or form);
# E0514 `space`, `reason`; E0515 `space`, `lo`, `hi`; E0516 `space`, `bound`; E0517 `field`,
# `type`, `where`; E0518 `field`, `type`, `suggestions`; E0519 `path`, `type`, `direction`;
# E0520 `what` ("trials" or "seed"), `found`, `least`.

_SPACES_HINT = (
    "an axis is `path in SPACE`: `uniform(lo, hi)`, `log_uniform(lo, hi)`, `int_range(lo, hi)`, "
    "`int_log_range(lo, hi)`, `choice([v1, v2])` or a list literal `[v1, v2]`"
)

register(
    "E0512",
    "search without axes",
    "the search `{name}` has no axis to search",
    "a search is `base with {{ path in log_uniform(0.001, 1.0) }} maximize FIELD trials N`",
    explain=(
        "A search proposes values for its axes, the `path in SPACE` overrides of the `with` "
        "right before `maximize` or `minimize`; without one there is nothing to optimize."
    ),
    example="x = 1.0\nexperiment e = {score = x}\nsearch s = e with { x = 2.0 } maximize score "
    "trials 4",
)
register(
    "E0513",
    "not a search space",
    "`{space}` is not a search space",
    _SPACES_HINT,
    explain=(
        "The values of a search axis are a space the optimizer draws from: a continuous "
        "interval (`uniform`, `log_uniform`), an integer one, inclusive (`int_range`, "
        "`int_log_range`), or a categorical choice among the values of a list literal "
        "(`choice([...])` or the list itself, whose values may be any expressions)."
    ),
    example="x = 1.0\nxs = [1.0, 2.0]\nexperiment e = {score = x}\n"
    "search s = e with { x in xs } maximize score trials 4",
)
register(
    "E0514",
    "bad space bounds",
    "`{space}` {reason}",
    lambda a: (
        "write the values as a list literal: `choice([v1, v2])`"
        if a.get("space") == "choice"
        else (
            "give each path its own axis, or list the tuples: `(p, q) in [(1, 2), (3, 4)]`"
            if "path" in str(a.get("reason", ""))
            else "write the bounds as numbers known at compile time: `log_uniform(0.001, 100.0)`, "
            "`int_range(1, 10)`"
        )
    ),
    explain=(
        "A numeric space takes two bounds, `lo` and `hi`, constant numbers (literals or "
        "arithmetic on literals): the optimizer's proposals must be reproducible from the "
        "program's text. An integer space takes integer bounds; `choice` takes one list literal."
    ),
    example="x = 1\nexperiment e = {score = x}\n"
    "search s = e with { x in int_range(1, 2.5) } maximize score trials 4",
)
register(
    "E0515",
    "empty search interval",
    "`{space}` needs its lower bound below the upper one, found {lo} and {hi}",
    "swap the bounds, or set the value with `=` if it is not to be searched",
    explain="An interval whose lower bound is not below its upper bound has nothing to search.",
    example="x = 1.0\nexperiment e = {score = x}\n"
    "search s = e with { x in uniform(1.0, 0.5) } maximize score trials 4",
)
register(
    "E0516",
    "log space through zero",
    "`{space}` draws on a log scale, so its bounds must be positive, found {bound}",
    "use a positive lower bound (`log_uniform(1e-5, 1.0)`), or `uniform` for a linear scale",
    explain=(
        "`log_uniform` and `int_log_range` draw the logarithm of the value uniformly, which "
        "exists only for positive numbers."
    ),
    example="x = 1.0\nexperiment e = {score = x}\n"
    "search s = e with { x in log_uniform(0.0, 1.0) } maximize score trials 4",
)
register(
    "E0517",
    "objective of a value without fields",
    "the objective `{field}` is a field of {where}, a `{type}` with no fields",
    "return a record from the experiment (`{{accuracy = acc, loss = l}}`) and name its field",
    explain=(
        "The objective of a search is a field path of the experiment's value, so that value "
        "must be a record (or a `Dict[Str, Float]`, whose keys are known at run time only)."
    ),
    example="x = 1.0\nexperiment e = x\nsearch s = e with { x in uniform(0.0, 1.0) } "
    "maximize score trials 4",
)
register(
    "E0518",
    "unknown objective field",
    "the experiment's value, a `{type}`, has no field `{field}`",
    did_you_mean,
    explain="The objective names a field of the record the experiment's value is.",
    example="x = 1.0\nexperiment e = {score = x}\nsearch s = e with { x in uniform(0.0, 1.0) } "
    "maximize scroe trials 4",
)
register(
    "E0519",
    "objective that is not a number",
    "the objective `{path}` is a `{type}`, which cannot be {direction}d",
    "name a numeric field (an `Int` or a `Float`) of the experiment's value",
    explain="The optimizer compares trials by their objective, a number.",
    example='x = 1.0\nexperiment e = {score = x, name = "a"}\n'
    "search s = e with { x in uniform(0.0, 1.0) } maximize name trials 4",
)
register(
    "E0521",
    "best of something that is not a search",
    "`best` takes a search, and `{what}` is not one",
    "name a `search` declaration: `refit with best(tuned)`",
    explain=(
        "`e with best(S)` overrides `e` with the axis values of the best trial of the search "
        "`S`, so `S` must be a search."
    ),
    example="x = 1.0\nexperiment e = {score = x}\nexperiment f = e with best(e)",
)
register(
    "E0520",
    "bad trial count or seed",
    "`{what}` must be an integer of at least {least}, found {found}",
    lambda a: (
        "a search runs `trials N` trials, N ≥ 1"
        if a.get("what") == "trials"
        else "the seed is a non-negative integer (0 when not written)"
    ),
    explain=(
        "`trials N` is how many trials the search runs in all (raising it later runs only the "
        "new ones); `seed S` seeds the optimizer, so the same seed and history propose the "
        "same trials."
    ),
    example="x = 1.0\nexperiment e = {score = x}\nsearch s = e with { x in uniform(0.0, 1.0) } "
    "maximize score trials 0",
)
register(
    "E0522",
    "`-s` on a search axis",
    "`-s {path}` sets `{axis}`, an axis of the search `{search}`, whose trials set it",
    "leave `{path}` to the search (narrow the axis's space in the file to restrict it), or "
    "run targets that do not need `{search}`",
    explain=(
        'A search\'s trials set its axes (docs/guide.md, "Searches"). The command line is the '
        "outermost layer of a run, so `-s` on an axis (or on a prefix of its path) would "
        "replace the value of every trial while the optimizer believes the axis varies: the "
        "trials would all compute the same thing. `-s` on a path that no axis sets is fine, "
        "as are targets that do not run the search."
    ),
)
