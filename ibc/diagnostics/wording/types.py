"""Wording of type diagnostics (E04xx, W04xx) and revision diagnostics (E06xx)."""

from __future__ import annotations

from ibc.diagnostics.wording import did_you_mean, one_of, ordinal, register


def _mismatch(args: dict) -> str:
    return f"{_expected_by(args)} must be `{args['expected']}`, found `{args['found']}`"


def _expected_by(args: dict) -> str:
    """What requires the type, from the facts the checker gives (`role` and its details)."""
    role = args.get("role")
    if role == "positional":
        text = f"the {ordinal(args['position'])} argument of `{args['callee']}`"
        if args.get("param"):
            text += f" (`*{args['param']}`)" if args.get("star") else f" (`{args['param']}`)"
        return text
    if role == "keyword":
        return f"the argument `{args['param']}` of `{args['callee']}`"
    if role == "annotation":
        return f"the annotation of `{args['name']}`"
    if role == "default":
        return f"the default of `{args['param']}` in `{args['function']}`"
    if role == "return":
        return f"the return value of `{args['function']}`"
    if role == "element":
        return f"element [{args['index']}] of this list"
    if role == "parameter":
        return f"the parameter `{args['path']}` ({args['where']})"
    return "the value"


def _mismatch_hint(args: dict) -> str | None:
    expected, found = args.get("expected", ""), args.get("found", "")
    if expected == "Int" and found == "Float":
        return "an `Int` is expected; use `int(…)` to convert"
    if expected.startswith("Optional[") and found == "None":
        return None
    same = expected.rpartition(" -> ")[2]
    if args.get("role") == "element" and expected == f"({same}) -> {same}":
        return (
            f"each function of this list takes and returns a `{same}` (as the steps of "
            "`chain` do); a step that changes the type goes after it: `x |> chain(steps) |> g`"
        )
    return None


register(
    "E0401",
    "type mismatch",
    _mismatch,
    _mismatch_hint,
    explain=(
        "A value of one type is used where another is required: an argument of a call, an "
        "annotated binding, a default, or a `def`'s return value. The message says which."
    ),
    example='from math import sqrt\nx = sqrt("4")',
)


def _unknown_keyword_hint(args: dict) -> str | None:
    if args.get("positional_only"):
        return f"`{args['name']}` can only be passed by position"
    return did_you_mean(args)


register(
    "E0402",
    "unknown keyword argument",
    "`{callee}` has no parameter `{name}`",
    _unknown_keyword_hint,
    explain=(
        "A keyword argument must name a parameter of the callee (or the callee takes "
        "`**kwargs`). So must an override path into a value that a `with` replaced: in "
        '`gb with { model.solver = "svd" }`, where `gb` replaced a `Ridge` by a '
        "`GradientBoostingRegressor`, `solver` is looked up among the boosting model's "
        "parameters (docs/parameters.md §2)."
    ),
    example="from math import sqrt\nx = sqrt(value = 4.0)",
)


def _too_many_hint(args: dict) -> str | None:
    keyword_only = args.get("keyword_only") or []
    if keyword_only:
        return f"{one_of(keyword_only)} can only be passed by keyword: `{keyword_only[0]} = …`"
    return None


register(
    "E0403",
    "too many positional arguments",
    "`{callee}` takes {expected} positional argument(s), but {found} were given",
    _too_many_hint,
    explain="More positional arguments were passed than the callee has positional parameters.",
    example="from math import sqrt\nx = sqrt(4.0, 2.0)",
)


def _missing(args: dict) -> str:
    names = args.get("names") or []
    word = "argument" if len(names) == 1 else "arguments"
    return f"`{args['callee']}` is missing the {word} {one_of(names)}"


register(
    "E0404",
    "missing argument",
    _missing,
    "pass a value for each parameter that has no default",
    explain="Every parameter without a default must receive an argument.",
    example="from math import pow\nx = pow(2.0)",
)
register(
    "E0405",
    "argument given twice",
    "`{callee}` gets the argument `{name}` twice",
    "pass each parameter once, by position or by keyword",
    explain="A parameter was filled by a positional argument and again by keyword, or twice by keyword.",
    example="from math import pow\nx = pow(2.0, 3.0, x = 1.0)",
)
register(
    "E0406",
    "not callable",
    "`{callee}` is not a function: it has type `{type}`",
    None,
    explain="Only functions, classes, methods, `def`s and lambdas can be called.",
    example="x = 1\ny = x(2)",
)


def _mutating_hint(args: dict) -> str:
    call_args = args.get("args", "")
    receiver = args.get("receiver", "model")
    inner = f"{receiver}, {call_args}" if call_args else receiver
    return f"use the prelude's pure `{args['method']}`: {args['method']}({inner})"


register(
    "E0407",
    "method mutates its object",
    "`{method}` changes the `{type}` it is called on and returns it",
    _mutating_hint,
    explain=(
        "Values never change once made, so that results can be cached. A method whose source "
        "assigns to `self` and returns `self` (scikit-learn's `fit`) would change a shared value; "
        "the prelude's `fit`, `transform` and friends clone the estimator first. On a "
        "scikit-learn estimator (any subtype of `Estimator`, including classes typed by a stub, "
        "whose source the checker does not read), `fit` and `fit_transform` are reported by name."
    ),
)
register(
    "E0408",
    "unknown record field",
    "the record `{type}` has no field `{name}`",
    did_you_mean,
    explain="A field read `r.f` needs the record's type to have the field `f`.",
    example="r = {a = 1}\nx = r.b",
)
register(
    "E0409",
    "unknown attribute or method",
    "`{type}` has no method or attribute `{name}`",
    did_you_mean,
    explain=(
        "The class's source (and its base classes') defines no such method. Attributes set at "
        "run time (like `coef_`) can be read, but only methods can be called."
    ),
)


def _index_hint(args: dict) -> str | None:
    if args.get("record"):
        field = args.get("field")
        return (
            f"read a record's field with a dot: `.{field}`" if field else "read fields with `.name`"
        )
    return None


register(
    "E0410",
    "cannot index",
    "a `{type}` cannot be indexed by a `{key}`",
    _index_hint,
    explain="Lists and tuples are indexed by `Int`, dicts by their key type, strings by `Int`.",
    example='xs = [1, 2]\nx = xs["a"]',
)
register(
    "E0411",
    "wrong number of names",
    "this pattern binds {expected} names, but the value is a tuple of {found} (`{type}`)",
    "bind as many names as the tuple has elements",
    explain="Destructuring a tuple of known length needs one name per element.",
    example="(a, b) = (1, 2, 3)",
)


def _operator(args: dict) -> str:
    if not args.get("right"):
        return f"`{args['op']}` cannot be applied to `{args['left']}`"
    return f"`{args['op']}` cannot be applied to `{args['left']}` and `{args['right']}`"


register(
    "E0412",
    "unsupported operand types",
    _operator,
    None,
    explain="Operators follow Python: numbers with numbers, `+` on strings and lists, and so on.",
    example='x = 1 + "a"',
)
register(
    "E0413",
    "parameter needs a type",
    "the parameter `{name}` of `{func}` has no type",
    "annotate it: `{name}: Type` (use `Any` to accept anything)",
    explain="Every parameter of a `def` is annotated; only the return type may be inferred.",
    example="def f(x) -> Int: return 1",
)
register(
    "E0416",
    "unknown type",
    "unknown type `{name}`",
    lambda a: (f"`{a['name']}` is a value, not a type" if a.get("is_value") else did_you_mean(a)),
    explain=(
        "Types are the built-in ones (`Int`, `Float`, `Str`, `Bool`, `None`, `Any`, `File`, "
        "`List`, `Dict`, `Tuple`, `Optional`), `type` declarations, the prelude's, and "
        "imported Python classes."
    ),
    example="x: Integer = 1",
)
register(
    "E0417",
    "recursive type alias",
    "the type `{name}` is defined in terms of itself",
    "a type alias must expand to a finite type",
    explain="Type aliases are expanded where they are used, so they cannot refer to themselves.",
    example="type T = List[T]",
)
register(
    "E0418",
    "bad nominal target",
    '`{target}` does not name a Python class as "module:Class"',
    'write it as "package.module:ClassName", e.g. "pandas:DataFrame"',
    explain="A nominal type binds a Python class, named by its module and name separated by `:`.",
    example='type Frame = "pandas.DataFrame"',
)
register(
    "E0419",
    "supertype is not nominal",
    "a supertype must be a nominal type, found {found}",
    'declare the supertype as `type Name = "module:Class"`',
    explain='`type A <: B = "…"` declares that `A` is a `B`; `B` must itself be a nominal type.',
    example='type A <: Int = "m:A"',
)
register(
    "E0420",
    "field given twice",
    "the field `{name}` is given twice",
    None,
    explain="A record (or record type) has each field once.",
    example="r = {a = 1, a = 2}",
)
register(
    "E0421",
    "misplaced ...",
    "`...` is only allowed as `Tuple[T, ...]`",
    None,
    explain="`Tuple[T, ...]` is a tuple of any length; `...` has no other meaning in a type.",
    example="x: List[...] = []",
)
register(
    "E0422",
    "wrong number of type arguments",
    "`{name}` takes {expected} type argument(s), but {found} were given",
    None,
    explain="`List[T]` and `Optional[T]` take one type, `Dict[K, V]` two; other types none.",
    example="x: List[Int, Str] = []",
)
register(
    "E0424",
    "cannot destructure",
    "a `{type}` cannot be destructured into {count} names",
    "only tuples and lists can be destructured",
    explain="A pattern `(a, b) = e` needs `e` to be a tuple, a list or of unknown type.",
    example="(a, b) = 1",
)
register(
    "E0425",
    "attribute of an optional value",
    "`{name}` is read from a value of type `{type}`, which may be `None`",
    "make sure the value is not `None`, e.g. with `x if x != None else default`",
    explain="An `Optional[T]` may be `None`, which has no attributes.",
)
register(
    "E0426",
    "lambda has the wrong number of parameters",
    "this function is expected to take {expected} parameter(s) (`{type}`), but takes {found}",
    None,
    explain="A lambda passed where a function type is expected must take as many parameters.",
)
register(
    "E0427",
    "tuple index out of range",
    "index {index} is out of range for `{type}`, which has {size} elements",
    None,
    explain="A constant index into a tuple of known length must be within it.",
    example="t = (1, 2)\nx = t[2]",
)
register(
    "E0428",
    "a module is not a value",
    "`{name}` is an imported `.ib` module, which cannot be used as a value",
    "use one of its members: `{name}.member`",
    explain="An imported `.ib` module is a namespace for its bindings, not a value.",
    example='import "lib.ib" as lib\nx = lib',
)


def _not_allowed(args: dict) -> str:
    return (
        f"{_expected_by(args)} must be one of {', '.join(args.get('allowed') or [])}, "
        f"found {args['value']}"
    )


def _not_allowed_hint(args: dict) -> str | None:
    suggestions = args.get("suggestions") or []
    if suggestions:
        return f"did you mean {suggestions[0]}?"
    return f"the parameter's type is `Literal[{', '.join(args.get('allowed') or [])}]`"


register(
    "E0429",
    "value not allowed by a Literal type",
    _not_allowed,
    _not_allowed_hint,
    explain=(
        "A parameter annotated `Literal[...]` (in the Python source, a `.pyi` file or a "
        "stub) takes only the listed values. A value known when checking (a literal, or a "
        "binding of one) must be one of them; a value computed at run time is not checked."
        ' For `def fill(df, strategy: Literal["mean", "median"] = "mean")` in '
        '`src/feats.py`, `fill(raw, strategy = "meen")` is this error.'
    ),
)


def _bad_literal(args: dict) -> str:
    if "misplaced" in args and args["misplaced"]:
        return f"`{args.get('value')}` is a value; a type holds values only in `Literal[...]`"
    if "value" in args and args["value"]:
        return f"`Literal[...]` takes strings, integers, `True`, `False` and `None`, not `{args['value']}`"
    return "`Literal[...]` takes strings, integers, `True`, `False` and `None`"


register(
    "E0430",
    "bad Literal type",
    _bad_literal,
    'list the values a parameter takes: `Literal["mean", "median"]`',
    explain=(
        "`Literal[v1, v2, …]` is the type of the values listed: strings, integers, `True`, "
        "`False`, `None` (which makes it optional). A value anywhere else in a type, a type "
        "inside `Literal[...]` or an empty `Literal[]` is this error."
    ),
    example='def f(strategy: List["mean"]) -> Int: return 1',
)
register(
    "W0401",
    "untyped reference",
    "`{name}` has type `Any`: its source has no annotations and no stub declares it",
    "give it a type on the import: `name : (x: Int) -> Float`, or write a stub",
    explain="Under `--strict`, a Python reference whose type is unknown is reported.",
)
register(
    "W0402",
    "annotation disagrees with the source",
    "the type given to `{ref}` names a parameter `{name}` that its source does not have",
    did_you_mean,
    explain=(
        "An explicit `: Type` on an import replaces what the source says; a parameter name the "
        "source lacks usually means a typo or a different version of the library."
    ),
)

# --------------------------------------------------------------------------- revisions

register(
    "E0601",
    "revision of something that is not a Python reference",
    "`@` applies to Python references, but `{what}` is not one",
    'pin an imported function or class: `clean @ "v1.0"`',
    explain='`name @ "rev"` is a Python reference as it was at a git revision.',
    example='x = 1\ny = x @ "v1"',
)
