"""The command reference (`docs/commands.md`) is current: generated from the command-line
parser by `python -m ibc.commands.reference`, as the error index is from the registry."""

from __future__ import annotations

from pathlib import Path

from ibc.commands.cli import COMMANDS
from ibc.commands.reference import generate

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "commands.md"


def test_the_command_reference_is_current():
    assert (
        PAGE.read_text(encoding="utf-8") == generate()
    ), "docs/commands.md is stale: python -m ibc.commands.reference --write docs/commands.md"


def test_every_command_and_cache_action_has_a_section():
    text = generate()
    for name in COMMANDS:
        assert f"\n## `ibc {name}`\n" in text, name
    for action in ("ls", "gc", "clear", "verify", "push", "pull"):
        assert f"\n## `ibc cache {action}`\n" in text, action
    # the run options come from the program's own table (ibc.runtime.program.RUN_OPTIONS)
    from ibc.runtime.program import RUN_OPTIONS

    run = text.split("\n## `ibc run`\n", 1)[1].split("\n## ", 1)[0]
    for flags, attr, _, _ in RUN_OPTIONS:
        if attr not in ("sets", "show_help"):
            assert f"`{flags[0]}" in run or f", {flags[0]}" in run, flags
