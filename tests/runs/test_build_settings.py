"""Project settings end to end (docs/settings.md): `ibc run` takes its executor, jobs and
store from `ibc.toml` or `[tool.ibc]`, the command line and `$IBC_STORE` win over them, and
every problem of a settings file is a diagnostic on its line, never a traceback or a silently
dropped setting."""

from __future__ import annotations

import json
import subprocess
import sys

from build_kit import ibc_env

STAGES = """\
import os


def pid(x: int) -> int:
    return os.getpid()
"""

MAIN = """\
from "src/stages.py" import pid

experiment e = {p = pid(1)}
"""


def project(tmp_path, settings: str, name: str = "ibc.toml"):
    root = tmp_path / "proj"
    (root / "src").mkdir(parents=True)
    (root / "src" / "stages.py").write_text(STAGES)
    (root / "m.ib").write_text(MAIN)
    (root / name).write_text(settings)
    return root


def run(cwd, *args: str, **env: str):
    """`ibc ARGS` in `cwd`: (exit code, stdout, stderr, the pid of the ibc process)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "ibc", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ibc_env(**env),
    )
    out, err = proc.communicate(timeout=180)
    return proc.returncode, out, err, proc.pid


def stage_pid(out: str) -> int:
    return json.loads(out)["e"]["p"]


def test_the_executor_setting_is_the_default_and_the_command_line_wins(tmp_path):
    root = project(tmp_path, 'executor = "process"\njobs = 1\n')
    code, out, err, pid = run(root, "run", "m.ib", "--json")
    assert code == 0, err
    assert stage_pid(out) != pid  # ran in a worker process
    code, out, err, pid = run(root, "run", "m.ib", "--json", "--force", "--executor", "local")
    assert code == 0, err
    assert stage_pid(out) == pid  # ran in ibc's own process


def test_settings_in_pyproject_tool_ibc(tmp_path):
    root = project(
        tmp_path, '[project]\nname = "x"\n\n[tool.ibc]\nexecutor = "process"\n', "pyproject.toml"
    )
    code, out, err, pid = run(root, "run", "m.ib", "--json")
    assert code == 0, err
    assert stage_pid(out) != pid


def test_the_store_setting_is_where_runs_results_and_load_look(tmp_path):
    root = project(tmp_path, 'store = "../team-store"\n')
    code, out, err, _ = run(root, "run", "m.ib")
    assert code == 0, err
    store = tmp_path / "team-store"
    assert (store / "runs").is_dir() and not (root / ".ibc").exists()
    code, out, err, _ = run(root, "results", "--format", "json")
    assert code == 0, err
    assert [r["experiment"] for r in json.loads(out)] == ["e"]
    code, out, err, _ = run(root, "cache", "ls")
    assert code == 0 and "team-store" in out, err
    load = "import ibc.runtime as r; print(r.load('m.ib', 'e')['p'] > 0)"
    done = subprocess.run(
        [sys.executable, "-c", load], cwd=root, capture_output=True, text=True, env=ibc_env()
    )
    assert done.stdout.strip() == "True", done.stderr


def test_ibc_store_and_store_flag_win_over_the_setting(tmp_path):
    root = project(tmp_path, 'store = "settings-store"\n')
    code, _, err, _ = run(root, "run", "m.ib", IBC_STORE=str(tmp_path / "env-store"))
    assert code == 0, err
    assert (tmp_path / "env-store" / "runs").is_dir() and not (root / "settings-store").exists()
    code, _, err, _ = run(root, "run", "m.ib", "--store", str(tmp_path / "flag-store"))
    assert code == 0, err
    assert (tmp_path / "flag-store" / "runs").is_dir() and not (root / "settings-store").exists()


def test_an_unknown_setting_stops_the_run_with_a_diagnostic(tmp_path):
    root = project(tmp_path, 'executer = "process"\n')
    code, out, err, _ = run(root, "run", "m.ib")
    assert code == 1
    assert "error[E0006]: `ibc.toml` sets `executer`, which is not a setting of ibc" in err
    assert " --> ibc.toml:1:1" in err and "did you mean `executor`?" in err
    assert "Traceback" not in err


def test_a_bad_value_and_malformed_toml_are_diagnostics(tmp_path):
    root = project(tmp_path, "jobs = 0\n")
    code, _, err, _ = run(root, "check", "m.ib")
    assert code == 1
    assert "error[E0007]: the setting `jobs` in `ibc.toml` must be a whole number" in err
    (root / "ibc.toml").write_text("jobs = 2\nexecutor = process\n")
    code, _, err, _ = run(root, "run", "m.ib")
    assert code == 1
    assert "error[E0005]: `ibc.toml` is not valid TOML" in err and " --> ibc.toml:2:12" in err
    assert "2 | executor = process" in err


def test_fixing_the_settings_file_recompiles(tmp_path):
    """A compiled program is reused only while the settings file is unchanged."""
    root = project(tmp_path, 'executor = "local"\n')
    code, out, err, pid = run(root, "run", "m.ib", "--json")
    assert code == 0 and stage_pid(out) == pid, err
    (root / "ibc.toml").write_text('executor = "prcess"\n')
    code, _, err, _ = run(root, "run", "m.ib")
    assert code == 1 and "E0007" in err


def test_max_points_raises_the_limit_of_a_sweep(tmp_path):
    root = project(tmp_path, "")
    sweep = "n = 1\nexperiment f = {p = pid(n)}\nsweep s = f with { n in range(0, 10001) }\n"
    (root / "m.ib").write_text(MAIN + sweep)
    code, _, err, _ = run(root, "check", "m.ib")
    assert code == 1 and "error[E0511]" in err and "limit of 10000" in err
    (root / "ibc.toml").write_text("max_points = 20000\n")
    code, _, err, _ = run(root, "check", "m.ib")
    assert code == 0 and "E0511" not in err, err
