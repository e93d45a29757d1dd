"""The project around a `.ib` file (docs/settings.md): its root and its settings.

The project root is the nearest folder at or above the `.ib` file's folder that holds `.git`,
`pyproject.toml` or `ibc.toml`; else the `.ib` file's own folder (`ibc.base.project_root`,
the one search the compiler, the runtime and the command line share). Python files are imported at
run time as the module their path names relative to the root. Its settings (`ibc.toml`, or
`[tool.ibc]` in `pyproject.toml`) are read by `ibc.base.settings`; their problems become
diagnostics here (docs/settings.md).
"""

from __future__ import annotations

from pathlib import Path

from ibc.base.project_root import find_root  # noqa: F401 - the compiler's import of it
from ibc.base.settings import Settings, read_settings  # noqa: F401 - docs/settings.md
from ibc.diagnostics.diagnostic import Diagnostic, error
from ibc.base.spans import Source, Span


def display_path(path: Path, cwd: Path | None = None) -> str:
    """A path as shown in messages: relative to the current folder when inside it."""
    cwd = cwd or Path.cwd()
    try:
        return str(path.resolve().relative_to(cwd.resolve()))
    except ValueError:
        return str(path)


_CODES = {"malformed": "E0005", "unknown": "E0006", "value": "E0007"}


def settings_diagnostics(settings: Settings) -> tuple[list[Diagnostic], Source | None]:
    """The problems of a settings file as diagnostics, and the file's source to show them."""
    if not settings.problems or settings.file is None:
        return [], None
    source = Source(display_path(settings.file), settings.text)
    out = []
    for problem in settings.problems:
        width = len(problem.facts.get("key", "")) or 1
        span = Span(source.path, problem.line, problem.col, problem.line, problem.col + width)
        facts = dict(problem.facts)
        facts["file"] = settings.file.name
        if problem.kind == "unknown":
            from ibc.base.spell import nearest

            facts["suggestions"] = nearest(facts["key"], facts["known"])
        out.append(error(_CODES[problem.kind], span, **facts))
    return out, source
