"""The command reference: `docs/commands.md`, generated from the command-line parser.

    python -m ibc.commands.reference                        # print the page
    python -m ibc.commands.reference --write docs/commands.md

One section per command of `ibc.commands.cli.COMMANDS` (and per action of `ibc cache`), in
the order `ibc --help` lists them: its one-line help, its description, its usage and a table
of its arguments, all taken from the argparse parser the command itself uses, so the page
cannot say what the command does not accept. Then the examples and the environment variables
of `ibc --help` (`ibc/commands/helptext.py`). The page is a pure function of the parsers, so
`tests/cli/test_reference.py` regenerates it and compares, as for the error index.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

WIDTH = 100  # the usage lines are wrapped at this width, whatever the terminal

INTRO = """\
# Command reference

Every command of `ibc`, its arguments and options, generated from the command-line parser
(`python -m ibc.commands.reference --write docs/commands.md`; a test checks that it is
current). `ibc COMMAND --help` prints the same. What the commands are for is told in the
[guide](guide.md), [running experiments](running.md) and [parameters](parameters.md).

Exit codes: 0 success, 1 errors in the program, 2 bad usage, 3 an experiment failed at run
time.

## Completion

`ibc completion SHELL` prints a completion script (argcomplete) for bash, zsh or fish. It
completes the commands and their options, `.ib` files for FILE, the targets of the file on
the line (its experiments, sweeps and searches; for `ibc params` and `ibc diff` its bindings
too) and, after `-s`, that file's parameter paths (`model.C=`). Each Tab runs `ibc` once,
which builds the parser of the command on the line only, parses the file for its targets and
type-checks it for `-s` paths (`bench/RESULTS_completion.md` has the times); other commands
never load the completion code.

```
eval "$(ibc completion bash)"                             # in ~/.bashrc
eval "$(ibc completion zsh)"                              # in ~/.zshrc, after compinit
ibc completion fish > ~/.config/fish/completions/ibc.fish
```

## Tables

`ibc params`, `ibc diff` and `ibc results` print aligned tables. On a terminal (or whenever
`$COLUMNS` is set) a table fits its width: long values are cut with `…` (in `ibc results`,
columns that still do not fit are hidden from the right, and a note names them); into a pipe
or a file, values are cut at their usual limits only. `--wide` prints everything in full.
"""


def _fixed_width(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = lambda prog: argparse.HelpFormatter(prog, width=WIDTH)


def _sections(parser: argparse.ArgumentParser, title: str, help_text: str) -> list[str]:
    _fixed_width(parser)
    out = [f"## `{title}`", "", help_text[:1].upper() + help_text[1:] + "."]
    if parser.description:
        out += ["", parser.description]
    out += ["", "```", parser.format_usage().strip(), "```"]
    rows = _rows(parser)
    if rows:
        out += ["", "| argument | meaning |", "| --- | --- |"]
        out += [f"| `{_escape(name)}` | {_escape(text)} |" for name, text in rows]
    if parser.epilog:
        out += ["", parser.epilog]
    out.append("")
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, sub in action.choices.items():
                out += _sections(sub, f"{title} {name}", helps.get(name, ""))
    return out


def _rows(parser: argparse.ArgumentParser) -> list[tuple[str, str]]:
    formatter = parser._get_formatter()
    rows = []
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        if action.help == argparse.SUPPRESS:
            continue
        if action.option_strings:
            name = ", ".join(action.option_strings)
            if action.nargs != 0:
                name += " " + formatter._format_args(action, action.dest.upper())
        else:
            name = formatter._format_args(action, action.dest.upper())
        text = formatter._expand_help(action) if action.help else ""
        if action.choices and not isinstance(action.choices, dict):
            text += (" " if text else "") + "(one of: " + ", ".join(map(str, action.choices)) + ")"
        rows.append((name, text))
    return rows


def _escape(text: str) -> str:
    """A table cell: `|` escaped (GitHub and Python-Markdown read `\\|` in code spans too)."""
    return text.replace("|", "\\|")


def generate() -> str:
    """The page."""
    from ibc.commands.cli import COMMANDS, _parser
    from ibc.commands.helptext import ENVIRONMENT, EXAMPLES

    parser = _parser(None)
    _fixed_width(parser)
    out = [INTRO]
    out += ["## `ibc`", "", "```", parser.format_usage().strip(), "```"]
    out += ["", "| argument | meaning |", "| --- | --- |"]
    out += [f"| `{name}` | {help_text} |" for name, help_text in COMMANDS.items()]
    out += ["| `--version` | print the version and exit |", ""]
    out += ["Examples:", "", "```", *(line[2:] for line in EXAMPLES.splitlines()[1:]), "```", ""]
    out += ["Environment:", "", "| variable | meaning |", "| --- | --- |"]
    out += [f"| `{name}` | {_escape(text)} |" for name, text in ENVIRONMENT]
    out.append("")
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in commands.choices.items():
        out += _sections(sub, f"ibc {name}", COMMANDS[name])
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ibc.commands.reference", description="Generate the command reference."
    )
    parser.add_argument("--write", metavar="PATH", help="write the page to PATH (else print it)")
    options = parser.parse_args(argv)
    text = generate()
    if options.write:
        path = Path(options.write)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
