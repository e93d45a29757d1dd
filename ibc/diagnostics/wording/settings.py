"""Wording of the problems of a project's settings file (E0005–E0007): `ibc.toml`, or the
`[tool.ibc]` table of `pyproject.toml` (docs/settings.md).

Facts: `file` (the settings file's name), `reason` (the TOML parser's words, E0005), `key`
(E0006, E0007), `suggestions` (known keys near an unknown one, E0006), `known` (every key),
`expected` and `found` (E0007).
"""

from __future__ import annotations

from ibc.diagnostics.wording import did_you_mean, one_of, register


def _unknown_hint(args: dict) -> str:
    near = did_you_mean(args)
    if near:
        return near
    return "the settings are " + one_of(list(args.get("known") or []))


register(
    "E0005",
    "malformed settings file",
    "`{file}` is not valid TOML: {reason}",
    'fix the TOML syntax at this place (strings are quoted, lists are written ["a", "b"])',
    "The project's settings file (`ibc.toml`, or `[tool.ibc]` in `pyproject.toml`) could not "
    "be parsed as TOML, so none of its settings can be used: every command stops here rather "
    "than run with settings you did not mean.",
    "",
)
register(
    "E0006",
    "unknown setting",
    "`{file}` sets `{key}`, which is not a setting of ibc",
    _unknown_hint,
    "A key of the settings that ibc does not know is an error, so that a misspelt setting is "
    "never silently ignored. The settings are `stubs`, `executor`, `jobs`, `address`, "
    "`store` and `max_points` (docs/settings.md).",
    "",
)
register(
    "E0007",
    "bad setting value",
    "the setting `{key}` in `{file}` must be {expected}, not {found}",
    None,
    'A setting has a value of the wrong kind, such as `jobs = "2"` (a string) for a number '
    'or `executor = "threads"`.',
    "",
)
