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
