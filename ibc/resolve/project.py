"""The project around a `.ib` file (DESIGN §3.1): its root and its settings.

The project root is the nearest folder at or above the `.ib` file's folder that holds `.git`,
`pyproject.toml` or `ibc.toml`; else the `.ib` file's own folder (`ibc.base.project_root`,
the one search the compiler, the runtime and the command line share). Python files are imported at
run time as the module their path names relative to the root. `ibc.toml` may set
`stubs = ["path", ...]` (folders of extra `.ib` stubs, relative to the root).
"""

from __future__ import annotations

from pathlib import Path

from ibc.base.project_root import find_root  # noqa: F401 - the compiler's import of it
from ibc.records import field, record


@record(mutable=True)
class Settings:
    """What `ibc.toml` (section-less keys, or `[tool.ibc]` of `pyproject.toml`) says."""

    stubs: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_settings(root: Path) -> Settings:
    settings = Settings()
    table: dict = {}
    for name, section in (("ibc.toml", ()), ("pyproject.toml", ("tool", "ibc"))):
        path = root / name
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if not text.strip() or (section and "[tool.ibc" not in text):
            continue  # nothing for ibc: spare the TOML parser's import
        try:
            import tomllib
        except ImportError:  # Python 3.10: settings files need tomllib
            settings.problems.append(f"{path}: reading settings needs Python 3.11 or newer")
            return settings
        try:
            data = tomllib.loads(text)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            settings.problems.append(f"{path}: {exc}")
            continue
        for key in section:
            data = data.get(key, {}) if isinstance(data, dict) else {}
        if isinstance(data, dict) and data:
            table = data
            break
    stubs = table.get("stubs", [])
    if isinstance(stubs, str):
        stubs = [stubs]
    for entry in stubs if isinstance(stubs, list) else []:
        if isinstance(entry, str):
            settings.stubs.append((root / entry).resolve())
    return settings


def display_path(path: Path, cwd: Path | None = None) -> str:
    """A path as shown in messages: relative to the current folder when inside it."""
    cwd = cwd or Path.cwd()
    try:
        return str(path.resolve().relative_to(cwd.resolve()))
    except ValueError:
        return str(path)
