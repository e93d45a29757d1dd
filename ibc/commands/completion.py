"""Shell completion for bash, zsh and fish, through argcomplete (docs/commands.md,
"Completion").

`ibc completion SHELL` prints the script a shell sources once (`eval "$(ibc completion
bash)"`). On each Tab the shell runs `ibc` again with `$_ARGCOMPLETE` set; `ibc.commands.cli`
then calls `answer` before anything else, which builds every command's parser, attaches the
completers below and lets argcomplete print the candidates and exit. Nothing of this is
imported by any other command: argcomplete is imported only here, and this module only when
`$_ARGCOMPLETE` is set or for `ibc completion`.

What is completed: the commands and their options (argparse's own), `.ib` files (and folders)
for FILE, the targets of the file already on the line for TARGET (its experiments, sweeps and
searches; for `ibc params` and `ibc diff` its top-level bindings too), and the parameter paths
of that file for `-s` (`model.C=`). Targets need only the parser; paths type-check the file
(the same check as `ibc params`). A completer never raises: a missing or broken file
completes nothing, and no traceback reaches the terminal.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

SHELLS = ("bash", "zsh", "fish")

# Commands whose TARGET may also be a plain binding (docs/parameters.md).
_BINDING_TARGETS = ("params", "diff")


def script(shell: str) -> str:
    """The completion script of `shell` for the command `ibc`."""
    import argcomplete

    return argcomplete.shellcode(["ibc"], shell=shell)


def answer(make_parser) -> None:
    """Complete the command line in `$COMP_LINE` and exit (argcomplete's protocol).
    `make_parser(command)` builds the parser of one command; `make_parser(None,
    names_only=True)` the list of commands without their arguments. Only the command on the
    line is built: completing `ibc run …` imports what `ibc run --help` does, completing
    `ibc che` nothing of any command."""
    import os

    import argcomplete

    from ibc.commands.cli import COMMANDS

    line = os.environ.get("COMP_LINE", "")
    point = os.environ.get("COMP_POINT", "")
    words = line[: int(point)].split() if point.isdigit() else line.split()
    typed_past = len(words) > 2 or (len(words) == 2 and line[: int(point or 0)].endswith(" "))
    if len(words) >= 2 and words[1] in COMMANDS and typed_past:
        parser = make_parser(words[1])
    else:
        parser = make_parser(None, names_only=True)
    attach_completers(parser)
    argcomplete.autocomplete(parser, always_complete_options=False)
    # argcomplete exits above when completing; reaching here means `$_ARGCOMPLETE` was set
    # outside a completion (by hand): carry on as a normal command.


def attach_completers(parser: argparse.ArgumentParser) -> None:
    """Set argcomplete's `completer` on the arguments of every (sub)command of `parser`."""
    from argcomplete.completers import DirectoriesCompleter, FilesCompleter

    ib_files = FilesCompleter(allowednames=("ib",), directories=True)
    folders = DirectoriesCompleter()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                attach_completers(sub)
            continue
        if action.dest in ("file", "files"):
            action.completer = ib_files
        elif action.dest in ("targets", "target", "a", "b"):
            action.completer = complete_targets
        elif action.dest == "overrides":
            action.completer = complete_paths
        elif action.dest in ("stubs", "store"):
            action.completer = folders


def complete_targets(prefix: str, parsed_args, **_) -> list[str]:
    """The targets of the file named on the line that start with `prefix`."""
    file = getattr(parsed_args, "file", None)
    if not file:
        return []
    with_bindings = getattr(parsed_args, "command", None) in _BINDING_TARGETS
    try:
        names = targets_of(Path(file), with_bindings)
    except Exception:  # noqa: BLE001 - a completer must never print a traceback
        return []
    return [name for name in names if name.startswith(prefix)]


def complete_paths(prefix: str, parsed_args, **_) -> list[str]:
    """`PATH=` for each parameter path of the file named on the line."""
    file = getattr(parsed_args, "file", None)
    if not file or "=" in prefix:
        return []
    try:
        paths = parameter_paths(Path(file))
    except Exception:  # noqa: BLE001 - a completer must never print a traceback
        return []
    return [f"{path}=" for path in paths if path.startswith(prefix)]


def targets_of(path: Path, with_bindings: bool = False) -> list[str]:
    """The names of the experiments, sweeps and searches of the `.ib` file `path` (and of
    its top-level bindings when `with_bindings`), in source order; none if it cannot be
    read or parsed."""
    from ibc.base.spans import Source
    from ibc.syntax import nodes as n
    from ibc.syntax.parser import parse_module

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    module, _ = parse_module(Source(str(path), text))
    if module is None:
        return []
    names: list[str] = []
    for decl in module.decls:
        if isinstance(decl, (n.Experiment, n.Sweep, n.Search)):
            names.append(decl.name.text)
        elif with_bindings and isinstance(decl, n.Binding):
            names.extend(_pattern_names(decl.pattern))
    return names


def _pattern_names(pattern) -> list[str]:
    from ibc.syntax import nodes as n

    if isinstance(pattern, n.NamePattern):
        return [pattern.name.text]
    return [name for item in getattr(pattern, "items", ()) for name in _pattern_names(item)]


def parameter_paths(path: Path) -> list[str]:
    """The parameter paths of the `.ib` file `path`, as `ibc params` lists them; none when it
    does not type-check."""
    from ibc.driver import Options, check_file
    from ibc.params.listing import parameters

    if not path.is_file():
        return []
    result = check_file(path, Options())
    if not result.ok or getattr(result, "expanded", None) is None:
        return []
    return [row.path for row in parameters(result, None)]


def main(args) -> int:
    """`ibc completion SHELL`: print the script."""
    sys.stdout.write(script(args.shell))
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Print the completion script of SHELL for ibc: commands, options, .ib files, the "
        "targets of the file on the line and its -s parameter paths."
    )
    parser.epilog = (
        'bash: eval "$(ibc completion bash)" in ~/.bashrc; '
        'zsh: eval "$(ibc completion zsh)" in ~/.zshrc (after compinit); '
        "fish: ibc completion fish > ~/.config/fish/completions/ibc.fish"
    )
    parser.add_argument("shell", choices=SHELLS, metavar="SHELL", help="bash, zsh or fish")
