"""`ibc fmt FILE… [--check]`: rewrite `.ib` files in the canonical layout (`ibc.syntax.format`).

Each FILE is rewritten in place, atomically (a temporary file in the same folder, then
`os.replace`, keeping the file's permissions) and only when its text changes. A folder
stands for every `.ib` file under it (hidden folders skipped). `-` reads standard input and
writes the formatted text to standard output. `--check` changes nothing: it names each file
that would change (`would reformat PATH`, on standard output) and exits 1 if there is one.
A file that does not parse is left untouched; its syntax errors are printed as `ibc check`
prints them, and the exit code is 1. Exit codes: 0 ok, 1 a file would change (`--check`) or
does not parse, 2 bad usage.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="a .ib file, a folder (every .ib file under it), or - for standard input",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; list the files that would change and exit 1 if any",
    )


def main(args: argparse.Namespace) -> int:
    paths: list[str] = []
    for name in args.files:
        if name != "-" and os.path.isdir(name):
            paths.extend(_ib_files(Path(name)))
        else:
            paths.append(name)
    status = EXIT_OK
    changed = unchanged = 0
    for name in paths:
        outcome = _format_stdin(args.check) if name == "-" else _format_file(name, args.check)
        if outcome is None:
            status = EXIT_ERRORS
        elif outcome:
            changed += 1
            if args.check:
                status = EXIT_ERRORS
        else:
            unchanged += 1
    if len(paths) > 1:
        verb = "would be reformatted" if args.check else "reformatted"
        print(
            f"{_plural(changed)} {verb}, {_plural(unchanged)} already formatted",
            file=sys.stderr,
        )
    return status


def _format_file(name: str, check: bool) -> bool | None:
    """Format one file: whether it changed (or would), None when it does not parse."""
    from ibc.syntax.format import FormatError, format_source
    from ibc.syntax.parser import read_source

    shown = _display(Path(name))
    source, diags = read_source(name)
    if source is None:
        _report(diags, {})
        return None
    try:
        formatted = format_source(source.text, shown)
    except FormatError as exc:
        _report(exc.diagnostics, {shown: exc.source})
        return None
    if formatted == source.text:
        return False
    if check:
        print(f"would reformat {shown}")
        return True
    try:
        _write_atomically(Path(name), formatted)
    except OSError as exc:
        print(f"error: cannot write {shown}: {exc.strerror or exc}", file=sys.stderr)
        return None
    print(f"reformatted {shown}", file=sys.stderr)
    return True


def _format_stdin(check: bool) -> bool | None:
    from ibc.syntax.format import FormatError, format_source

    data = sys.stdin.buffer.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        print(f"error: standard input is not UTF-8 (byte {exc.start})", file=sys.stderr)
        return None
    try:
        formatted = format_source(text, "<stdin>")
    except FormatError as exc:
        _report(exc.diagnostics, {"<stdin>": exc.source})
        return None
    if check:
        if formatted != text:
            print("would reformat <stdin>")
        return formatted != text
    sys.stdout.write(formatted)
    sys.stdout.flush()
    return formatted != text


def _write_atomically(path: Path, text: str) -> None:
    """Replace a file's content in one step, keeping its permission bits."""
    mode = path.stat().st_mode & 0o7777
    tmp = path.with_name(f".{path.name}.{os.getpid()}.fmt.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _display(path: Path) -> str:
    """As `ibc check` shows a path (`ibc.resolve.project.display_path`, whose package is
    not imported here: it would cost a fifth of a second): relative to the current folder
    when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _ib_files(folder: Path) -> list[str]:
    out = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        out.extend(os.path.join(root, f) for f in files if f.endswith(".ib"))
    return sorted(out)


def _report(diags, sources) -> None:
    from ibc.diagnostics.render import render_text, use_color

    text = render_text(diags, sources, use_color(sys.stderr))
    sys.stderr.write(text if text.endswith("\n") else text + "\n")


def _plural(count: int) -> str:
    return "1 file" if count == 1 else f"{count} files"


if __name__ == "__main__":  # `python -m ibc.commands.fmt FILE…`, before `ibc fmt` is wired
    cli = argparse.ArgumentParser(prog="ibc fmt", description=__doc__.splitlines()[0])
    add_arguments(cli)
    try:
        namespace = cli.parse_args()
    except SystemExit as exc:
        sys.exit(int(exc.code or 0))
    sys.exit(main(namespace))
