"""The text of `ibc --help` beyond the options: examples, the environment variables ibc reads,
and where the documentation is (docs/commands.md, "ibc").

The documentation ships in the wheel (`ibc/_data/docs/`, pyproject.toml's `force-include`) and
sits in `docs/` of a checkout; `docs_dir` finds either, as `ibc.base.resources` finds the
grammar. Every environment variable the code reads is listed here: tests/cli/test_help.py
greps the sources for `"IBC_…"` and checks this table holds each one.
"""

from __future__ import annotations

# (command line, what it does), in the order `ibc --help` lists them.
_EXAMPLES = (
    ("ibc init demo && cd demo", "a new project (ibc.toml, experiment.ib, src/)"),
    ("ibc run experiment.ib", "run every experiment and sweep"),
    ("ibc run experiment.ib baseline -s noise=2.0", "one target, one parameter overridden"),
    ("ibc run experiment.ib -s 'seed in [0, 1, 2]'", "a sweep from the command line"),
    ("ibc check experiment.ib", "type-check only (exit 1 on errors)"),
    ("ibc params experiment.ib baseline", "the parameters a target runs with"),
    ("ibc why experiment.ib", "why each stage would run (runs nothing)"),
    ("ibc results --sort=error", "the recorded runs, lowest error first"),
    ('eval "$(ibc completion bash)"', "Tab completes commands, files, targets, -s paths"),
)
_COLUMN = max(len(line) for line, _ in _EXAMPLES)
EXAMPLES = "examples:\n" + "\n".join(
    f"  {line.ljust(_COLUMN)}  # {text}" for line, text in _EXAMPLES
)

# (variable, what it does), in the order `ibc --help` lists them.
ENVIRONMENT = (
    ("IBC_PROGRESS", "the run's progress display: auto (default), rich, plain (or 0, off) or none"),
    ("IBC_CACHE_DIR", "ibc's own caches (default: $XDG_CACHE_HOME/iterbuild, ~/.cache/iterbuild)"),
    ("IBC_STORE", "the store folder, instead of .ibc/ in the project root (--store wins)"),
    ("IBC_REMOTE", "the store's remote URL (s3://, gs://, file://); --remote wins"),
    ("IBC_STORE_KEY", "the secret of a signed store: entries are signed and checked with it"),
    ("IBC_PROJECT_ROOT", "the project root of a running program (set by ibc for its workers)"),
    ("IBC_DEBUG", "1: an internal error prints the compiler's traceback"),
    ("IBC_PRELOAD_MODULES", "internal: the modules a process-executor pool imports first"),
    ("NO_COLOR", "plain diagnostics on a terminal too (FORCE_COLOR: colour everywhere)"),
)

DOCS_NOTE = "guide.md: the language; commands.md: every command; errors.md: the codes"


def docs_dir() -> str:
    """The folder of the documentation: in the installed package or the checkout."""
    from ibc.base.resources import data_dir

    try:
        return str(data_dir("docs"))
    except FileNotFoundError:
        return "docs (not installed)"


def environment_text() -> str:
    width = max(len(name) for name, _ in ENVIRONMENT)
    lines = [f"  {name.ljust(width)}  {text}" for name, text in ENVIRONMENT]
    return "environment:\n" + "\n".join(lines)


def epilog() -> str:
    """The end of `ibc --help`."""
    return (
        f"{EXAMPLES}\n\n{environment_text()}\n\n"
        "Run `ibc COMMAND --help` for a command's options.\n"
        f"Documentation: {docs_dir()}/\n  ({DOCS_NOTE})"
    )
