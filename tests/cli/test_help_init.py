"""`ibc --help` (examples, every environment variable the code reads, a documentation link
that exists in the installation), `ibc init` (a project `ibc run` runs as written; nothing
overwritten), tables that fit the terminal's width (`$COLUMNS`, `--wide`), and completion
costing other commands nothing (argcomplete never imported). All through `python -m ibc`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def ibc(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess:
    # the project's own store (.ibc/ next to ibc.toml), not the suite's shared one
    environment = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "IBC_STORE")}
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
    )
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "ibc", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )


def environment_variables_read() -> set[str]:
    """Every `"IBC_…"` string of the package's sources: the variables it reads or sets."""
    found: set[str] = set()
    for path in (ROOT / "ibc").rglob("*.py"):
        found |= set(re.findall(r"""["'](IBC_[A-Z_]+)["']""", path.read_text(encoding="utf-8")))
    return found


def test_help_lists_every_environment_variable():
    done = ibc("--help")
    assert done.returncode == 0
    variables = environment_variables_read()
    assert {"IBC_PROGRESS", "IBC_CACHE_DIR", "IBC_DEBUG", "IBC_PROJECT_ROOT"} <= variables
    section = done.stdout.split("environment:\n", 1)[1]
    listed = set(re.findall(r"^  (IBC_[A-Z_]+) ", section, re.M))
    assert variables - listed == set()


def test_help_has_examples_of_real_commands():
    from ibc.commands.cli import COMMANDS

    done = ibc("--help")
    examples = done.stdout.split("examples:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(examples) >= 5
    for line in examples:
        for command in re.findall(r"\bibc (\w+)", line):
            assert command in COMMANDS, line
    assert "ibc completion bash" in done.stdout


def test_help_points_at_documentation_that_exists():
    done = ibc("--help")
    found = re.search(r"^Documentation: (\S+)/$", done.stdout, re.M)
    assert found, done.stdout
    docs = Path(found.group(1))
    for page in ("guide.md", "commands.md", "errors.md"):
        assert (docs / page).is_file(), page
    # the wheel carries docs/ where `ibc.base.resources.data_dir("docs")` finds it
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"docs" = "ibc/_data/docs"' in pyproject


def test_init_writes_a_project_that_runs(tmp_path: Path):
    done = ibc("init", "demo", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    project = tmp_path / "demo"
    written = {p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()}
    assert written == {"ibc.toml", "src/features.py", "experiment.ib", ".gitignore"}
    assert ".ibc/" in (project / ".gitignore").read_text().split()
    assert "next: cd demo && ibc run experiment.ib" in done.stderr
    run = ibc("run", "experiment.ib", "--json", cwd=project)
    assert run.returncode == 0, run.stderr
    assert {"baseline", "noisy[noise=0.5]", "noisy[noise=2.0]"} <= set(_json_keys(run.stdout))
    assert (project / ".ibc").is_dir()  # the store is next to ibc.toml
    check = ibc("check", "experiment.ib", cwd=project)
    assert check.returncode == 0 and "no errors" in check.stderr


def _json_keys(text: str) -> list[str]:
    import json

    value = json.loads(text)
    return list(value) if isinstance(value, dict) else [r.get("experiment") for r in value]


def test_init_overwrites_nothing(tmp_path: Path):
    (tmp_path / "experiment.ib").write_text("# mine\n", encoding="utf-8")
    done = ibc("init", cwd=tmp_path)
    assert done.returncode == 2
    assert "writes nothing over existing files" in done.stderr and "experiment.ib" in done.stderr
    assert "Traceback" not in done.stderr
    assert (tmp_path / "experiment.ib").read_text() == "# mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["experiment.ib"]
    (tmp_path / "afile").write_text("x")
    refused = ibc("init", "afile", cwd=tmp_path)
    assert refused.returncode == 2 and "is not a folder" in refused.stderr


@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wide")
    assert ibc("init", cwd=folder).returncode == 0
    assert ibc("run", "experiment.ib", cwd=folder).returncode == 0
    return folder


def test_params_table_fits_columns(ran: Path):
    full = ibc("params", "experiment.ib", cwd=ran)
    assert max(len(line) for line in full.stdout.splitlines()) > 80  # piped: not cut
    narrow = ibc("params", "experiment.ib", cwd=ran, COLUMNS="70")
    lines = narrow.stdout.splitlines()
    assert lines[0].split() == ["PATH", "TYPE", "VALUE", "SET", "AT"]
    assert max(len(line) for line in lines) <= 70
    assert any("…" in line for line in lines)
    assert [line.split()[0] for line in lines] == [
        line.split()[0] for line in full.stdout.splitlines()
    ]
    wide = ibc("params", "experiment.ib", "--wide", cwd=ran, COLUMNS="70")
    assert "make_data(n = 100, slope = 0.5, noise = noise, seed = seed)" in wide.stdout
    assert "…" not in wide.stdout


def test_results_table_fits_columns(ran: Path):
    narrow = ibc("results", cwd=ran, COLUMNS="62")
    lines = narrow.stdout.splitlines()
    assert max(len(line) for line in lines) <= 62
    assert lines[0].split()[:4] == ["experiment", "noise", "slope", "error"]
    assert re.match(r"\(\d more columns: .*started, seconds; --wide shows them\)", lines[-1])
    assert {line.split()[0] for line in lines[2:-1]} >= {"baseline", "noisy[noise=0.5]"}
    wide = ibc("results", "--wide", cwd=ran, COLUMNS="60")
    assert wide.stdout.splitlines()[0].split()[-2:] == ["started", "seconds"]


def test_other_commands_never_import_the_completion_library(tmp_path: Path):
    (tmp_path / "a.ib").write_text("x = 1\n", encoding="utf-8")
    for args in (["--version"], ["check", "a.ib"], ["--help"]):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "ibc", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert done.returncode == 0, done.stderr
        assert "argcomplete" not in done.stderr and "ibc.commands.completion" not in done.stderr
