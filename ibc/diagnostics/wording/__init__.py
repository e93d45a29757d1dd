"""The words of every diagnostic: one registry of codes, each with its title, message,
hint and a longer explanation for the error index (`docs/errors.md`).

Each phase's wording lives in a module of this package (`syntax`, `resolve`, `types`,
`codegen`, ...) that calls `register`. Messages are format strings over the diagnostic's
`args`, or functions of them; hints likewise, and may be absent. Codes are stable: once
published, a code keeps its meaning.

Code ranges: E00xx input and internal, E01xx syntax, E02xx names and `.ib` modules,
E03xx Python references, E04xx types, E05xx parameters and overrides, E06xx revisions,
E07xx code generation; warnings W01xx-W07xx by the same phases.
"""

from __future__ import annotations

from typing import Any, Callable, Union

from ibc.base.records import record

Text = Union[str, Callable[[dict], "str | None"], None]


@record
class Wording:
    code: str
    title: str  # a few words for the index: "unknown name"
    message: Text  # the headline, from args
    hint: Text = None  # how to fix it, from args (None: no hint)
    explain: str = ""  # a paragraph for the error index
    example: str = ""  # a small program that triggers it, for the error index


REGISTRY: dict[str, Wording] = {}


def register(
    code: str,
    title: str,
    message: Text,
    hint: Text = None,
    explain: str = "",
    example: str = "",
) -> None:
    if code in REGISTRY:
        raise ValueError(f"diagnostic code {code} registered twice")
    REGISTRY[code] = Wording(code, title, message, hint, explain, example)


class _Args(dict):
    """Format arguments that render a missing key as `?` instead of failing."""

    def __missing__(self, key: str) -> str:
        return "?"


def _apply(text: Text, args: dict[str, Any]) -> str | None:
    if text is None:
        return None
    if callable(text):
        return text(args)
    return text.format_map(_Args(args))


def words(code: str, args: dict[str, Any]) -> tuple[str, str | None]:
    """The message and hint of a diagnostic, with control characters (and lone surrogates)
    of user text escaped: a revision string or name never moves the cursor of a terminal."""
    _load_all()
    wording = REGISTRY.get(code)
    if wording is None:
        return escape_controls(f"{code} (unregistered diagnostic) {args}"), None
    message = _apply(wording.message, args) or wording.title
    hint = _apply(wording.hint, args)
    return escape_controls(message), None if hint is None else escape_controls(hint)


def escape_controls(text: str) -> str:
    """`text` with each control character (C0 but newline, DEL, C1) and lone surrogate
    written as a Python escape (`\\x1b`, `\\udc80`)."""
    if text.isprintable() or all(ch == "\n" or ch.isprintable() for ch in text):
        return text
    out = []
    for ch in text:
        code = ord(ch)
        if ch != "\n" and (code < 0x20 or 0x7F <= code < 0xA0 or 0xD800 <= code < 0xE000):
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


_loaded = False


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")


def all_wordings() -> list[Wording]:
    _load_all()
    return [REGISTRY[code] for code in sorted(REGISTRY)]


def backticked(name: object) -> str:
    return f"`{name}`"


def one_of(names: list[str]) -> str:
    """`a`, `a` or `b`, `a`, `b` or `c`."""
    quoted = [f"`{n}`" for n in names]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


def ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def did_you_mean(args: dict) -> str | None:
    """A hint from `args["suggestions"]`: "did you mean `n_estimators`?"."""
    suggestions = args.get("suggestions") or []
    if not suggestions:
        return None
    return f"did you mean {one_of(list(suggestions))}?"
