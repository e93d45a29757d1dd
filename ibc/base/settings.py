"""Project settings (docs/settings.md): `ibc.toml` at the project root, or the `[tool.ibc]`
table of its `pyproject.toml`.

What a user sets once per project: extra stub folders, the defaults of `ibc run`
(executor, jobs, the dask scheduler's address, the store folder), the store's remote (the
`[store]` table: `path` and `remote`), and the most points a sweep may have. The command line,
`$IBC_STORE` and `$IBC_REMOTE` win over a setting; a setting wins over the built-in default.

A settings file is read with `tomllib` (`tomli` on Python 3.10). Its problems (malformed TOML,
an unknown key, a value of the wrong type) are returned as `Problem`s with the line they are
on; the compiler reports them as diagnostics E0005–E0007, the runtime's readers (`ibc results`,
`ibc cache` without a file) ignore a setting they cannot read. This module imports only the
standard library (and `tomli` where `tomllib` is missing): both sides import it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple

FILES = (("ibc.toml", ()), ("pyproject.toml", ("tool", "ibc")))
EXECUTORS = ("local", "process", "dask")
# key -> what its value must be, in words (for E0007)
KEYS = {
    "stubs": "a list of folder paths",
    "executor": "one of " + ", ".join(f'"{e}"' for e in EXECUTORS),
    "jobs": "a whole number of at least 1",
    "address": 'a scheduler address such as "tcp://127.0.0.1:8786"',
    "store": "a folder path, or a table [store] with `path` and `remote`",
    "max_points": "a whole number of at least 1",
}
# the keys of the `[store]` table (docs/settings.md): `path` is the `store` folder
STORE_KEYS = {
    "path": "a folder path",
    "remote": 'a remote store URL such as "s3://bucket/ibc" or "file:///shared/ibc"',
}


class Problem(NamedTuple):
    """A problem of a settings file: `kind` is "malformed" (E0005), "unknown" (E0006) or
    "value" (E0007); `line` and `col` count from 1."""

    kind: str
    path: Path
    line: int
    col: int
    facts: dict


class Settings:
    """What a project's settings file says (every field None or empty when it says nothing).
    `store` is absolute (a relative setting is relative to the project root)."""

    def __init__(self) -> None:
        self.file: Path | None = None  # the file the settings were read from
        self.text: str = ""  # its text (diagnostics show its lines)
        self.stubs: list[Path] = []
        self.executor: str | None = None
        self.jobs: int | None = None
        self.address: str | None = None
        self.store: Path | None = None
        self.remote: str | None = None  # the store's remote (docs/running.md, "Remote stores")
        self.max_points: int | None = None  # the most points of one sweep (docs/parameters.md)
        self.problems: list[Problem] = []

    def run_defaults(self) -> dict[str, Any]:
        """The defaults of `ibc run` that the settings give, for the emitted program."""
        out: dict[str, Any] = {}
        for name in ("executor", "jobs", "address"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.store is not None:
            out["store"] = str(self.store)
        return out


def _toml():
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    return tomllib


_read: dict[tuple, Settings] = {}  # (root, what the files' stats were) -> their settings


def read_settings(root: Path) -> Settings:
    """The project's settings, read once per process while its files are unchanged (the
    store's root and the run's defaults both ask, and a REPL asks at every line)."""
    root = Path(root)
    stamp = [str(root)]
    for name, _ in FILES:
        try:
            st = (root / name).stat()
            stamp.append((st.st_mtime_ns, st.st_size, st.st_ino))
        except OSError:
            stamp.append(None)
    key = tuple(stamp)
    if key not in _read:
        _read.clear()  # one project at a time, as a rule
        _read[key] = _read_settings(root)
    return _read[key]


def _read_settings(root: Path) -> Settings:
    """The settings of the project whose root is `root`: `ibc.toml` unless it is empty or holds
    only comments (it then only marks the root), else the `[tool.ibc]` table of
    `pyproject.toml`."""
    settings = Settings()
    root = Path(root)
    for name, section in FILES:
        path = root / name
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if _says_nothing(text) or (section and "[tool.ibc" not in text):
            continue  # an empty marker, or a pyproject.toml with nothing for ibc
        settings.file, settings.text = path, text
        tomllib = _toml()
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            line, col = _position(str(exc), text)
            message = re.sub(r"\s*\(at [^)]*\)\s*$", "", str(exc))
            settings.problems.append(Problem("malformed", path, line, col, {"reason": message}))
            return settings
        for key in section:
            data = data.get(key, {}) if isinstance(data, dict) else {}
        if isinstance(data, dict):
            _apply(settings, data, root, text, section)
        return settings
    return settings


def _says_nothing(text: str) -> bool:
    """Whether a file holds only blank lines and comments (no TOML parser is imported then:
    a run reads the settings at every start)."""
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


def _apply(settings: Settings, table: dict, root: Path, text: str, section) -> None:
    path = settings.file
    assert path is not None
    for key, value in table.items():
        line, col = _key_position(text, key, section)
        if key == "store" and isinstance(value, dict):
            _apply_store(settings, value, root, text, tuple(section) + ("store",))
            continue
        if key not in KEYS:
            facts = {"key": key, "known": sorted(KEYS)}
            settings.problems.append(Problem("unknown", path, line, col, facts))
            continue
        parsed = _value(key, value, root)
        if parsed is None:
            facts = {"key": key, "expected": KEYS[key], "found": _show(value)}
            settings.problems.append(Problem("value", path, line, col, facts))
            continue
        setattr(settings, key, parsed)


def _apply_store(settings: Settings, table: dict, root: Path, text: str, section) -> None:
    """The `[store]` table: `path` (the `store` folder) and `remote` (a URL; a path without
    `://` is a folder, relative to the project root)."""
    path = settings.file
    assert path is not None
    for key, value in table.items():
        line, col = _key_position(text, key, section)
        if key not in STORE_KEYS:
            facts = {"key": f"store.{key}", "known": sorted(f"store.{k}" for k in STORE_KEYS)}
            settings.problems.append(Problem("unknown", path, line, col, facts))
            continue
        ok = isinstance(value, str) and bool(value.strip())
        if not ok:
            facts = {"key": f"store.{key}", "expected": STORE_KEYS[key], "found": _show(value)}
            settings.problems.append(Problem("value", path, line, col, facts))
            continue
        if key == "path":
            settings.store = (root / value).resolve()
        elif "://" in value:
            settings.remote = value.strip()
        else:
            settings.remote = str((root / value.strip()).resolve())


def _value(key: str, value: Any, root: Path) -> Any:
    """The setting's value as ibc uses it, or None when it is not of the right kind."""
    if key == "stubs":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            return None
        return [(root / item).resolve() for item in items]
    if key == "executor":
        return value if value in EXECUTORS else None
    if key in ("jobs", "max_points"):
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
        return value if ok else None
    if key == "address":
        return value if isinstance(value, str) and value.strip() else None
    if key == "store":
        return (root / value).resolve() if isinstance(value, str) and value.strip() else None
    return None


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def _position(message: str, text: str) -> tuple[int, int]:
    """Line and column of a `TOMLDecodeError` ("… (at line 3, column 7)", or "at end of
    document": the end of the last line that is not blank)."""
    found = re.search(r"line (\d+), column (\d+)", message)
    if found:
        return int(found.group(1)), int(found.group(2))
    lines = text.rstrip().splitlines() or [""]
    return len(lines), len(lines[-1]) + 1


def _key_position(text: str, key: str, section) -> tuple[int, int]:
    """Where `key = …` is written in the settings table (its first line when not found)."""
    header = re.compile(r"^\s*\[\s*([^\]]*?)\s*\]")
    wanted = ".".join(section)
    current = ""
    pattern = re.compile(r"^(\s*)(?:\"%s\"|'%s'|%s)\s*=" % ((re.escape(key),) * 3))
    first = 1
    for number, line in enumerate(text.splitlines(), 1):
        match = header.match(line)
        if match:
            current = match.group(1)
            if current == wanted:
                first = number
            continue
        if current == wanted:
            found = pattern.match(line)
            if found:
                return number, len(found.group(1)) + 1
    return first, 1
