"""`ibc params`, `ibc diff` and `ibc run -s`: golden tables and JSON, a target's view,
signature defaults, unknown targets, and command-line overrides.

The program is `tests/golden/params/project/params.ib` (typed Python in its `src/lib.py`, no
library needed); the goldens beside it are the commands' output, run from the project folder.
They are compared by tests/golden_kit.py; regenerate them with
`python -m pytest tests/cli/test_params_cli.py --update-golden` and read the diff before
committing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from golden_kit import check_golden

from ibc.commands.cli import main
from ibc.commands.params import clip, diff_table, params_table, table, unknown_target_message

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "params"
PROJECT = GOLDEN / "project"
FIELDS = {"path", "type", "value", "where", "kind", "overridden"}


def ibc(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """Run `ibc ARGS` in-process from the project folder: (exit code, stdout, stderr)."""
    monkeypatch.chdir(PROJECT)
    monkeypatch.setenv("NO_COLOR", "1")
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def ibc_process(*args: str, cwd: Path = PROJECT) -> subprocess.CompletedProcess:
    """`ibc ARGS` in a fresh interpreter (for runs: they import the project's Python)."""
    return subprocess.run(
        [sys.executable, "-m", "ibc", *args],
        check=False,
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=300,
    )


def rows_of(monkeypatch, capsys, *args: str) -> dict[str, dict]:
    code, out, err = ibc(monkeypatch, capsys, "params", "params.ib", *args, "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert all(set(row) == FIELDS for row in rows)
    return {row["path"]: row for row in rows}


# --- golden outputs ----------------------------------------------------------------------

GOLDENS = {
    "params.txt": ("params", "params.ib"),
    "params.json": ("params", "params.ib", "--format", "json"),
    "params_all.txt": ("params", "params.ib", "--all"),
    "params_strong.txt": ("params", "params.ib", "strong"),
    "params_forest.json": ("params", "params.ib", "forest", "--format", "json"),
    "diff_baseline_strong.txt": ("diff", "params.ib", "baseline", "strong"),
    "diff_baseline_forest.txt": ("diff", "params.ib", "baseline", "forest"),
    "diff_baseline_forest.json": ("diff", "params.ib", "baseline", "forest", "--format", "json"),
    "diff_same.txt": ("diff", "params.ib", "baseline", "baseline"),
}


@pytest.mark.parametrize("name", sorted(GOLDENS))
def test_golden(name: str, monkeypatch, capsys):
    code, out, err = ibc(monkeypatch, capsys, *GOLDENS[name])
    assert code == 0, err
    check_golden(GOLDEN / name, out)


# --- what the listing says ---------------------------------------------------------------


def test_every_kind_of_path_is_listed(monkeypatch, capsys):
    rows = rows_of(monkeypatch, capsys)
    assert rows["seed"]["kind"] == "binding" and rows["seed"]["value"] == "0"
    assert rows["seed"]["type"] == "Int" and rows["seed"]["where"].startswith("params.ib:4:")
    assert rows["model.C"]["kind"] == "argument" and rows["model.C"]["value"] == "1.0"
    assert rows["data.n"]["value"] == "size"  # a positional argument, by its parameter name
    assert rows["models[1].n_estimators"]["value"] == "10"  # a list element's argument
    assert rows["settings.rate"]["kind"] == "field"
    assert rows["prepare.doubled.factor"]["value"] == "2.0"  # inside a def body
    assert not any(row["overridden"] for row in rows.values())


def test_all_adds_the_signature_defaults(monkeypatch, capsys):
    plain = rows_of(monkeypatch, capsys)
    full = rows_of(monkeypatch, capsys, "--all")
    assert "model.tol" not in plain
    assert full["model.tol"]["kind"] == "default" and full["model.tol"]["value"] == "0.0001"
    assert "Model" in full["model.tol"]["where"]
    assert set(plain) < set(full)


def test_a_target_view_marks_its_overrides(monkeypatch, capsys):
    rows = rows_of(monkeypatch, capsys, "strong")
    assert rows["model.C"]["overridden"] and rows["model.C"]["value"] == "0.01"
    assert rows["seed"]["overridden"] and rows["seed"]["value"] == "7"
    assert not rows["model.max_iter"]["overridden"]
    code, out, _ = ibc(monkeypatch, capsys, "params", "params.ib", "strong")
    assert code == 0
    marked = [line.split()[1] for line in out.splitlines() if line.startswith("*  ")]
    assert sorted(marked) == ["model.C", "seed"]
    assert out.rstrip().endswith("* set by `strong`")


def test_diff_shows_only_the_differences(monkeypatch, capsys):
    code, out, err = ibc(
        monkeypatch, capsys, "diff", "params.ib", "baseline", "strong", "--format", "json"
    )
    assert code == 0, err
    rows = {row["path"]: (row["a"], row["b"]) for row in json.loads(out)}
    assert rows == {"model.C": ("1.0", "0.01"), "seed": ("0", "7")}


def test_diff_of_a_swapped_model(monkeypatch, capsys):
    code, out, err = ibc(
        monkeypatch, capsys, "diff", "params.ib", "baseline", "forest", "--format", "json"
    )
    assert code == 0, err
    rows = {row["path"]: (row["a"], row["b"]) for row in json.loads(out)}
    assert rows["model"][1] == "Forest(n_estimators = 50)"


@pytest.mark.parametrize(
    "args",
    [("params", "params.ib", "strnog"), ("diff", "params.ib", "baseline", "strnog")],
    ids=["params", "diff"],
)
def test_unknown_target_is_bad_usage_with_a_suggestion(args, monkeypatch, capsys):
    code, out, err = ibc(monkeypatch, capsys, *args)
    assert code == 2
    assert "unknown target `strnog`" in err and "did you mean `strong`?" in err
    assert out == ""


def test_errors_in_the_file_exit_1(tmp_path: Path, monkeypatch, capsys):
    (tmp_path / "ibc.toml").write_text("")
    (tmp_path / "bad.ib").write_text("x = y\n")
    monkeypatch.chdir(tmp_path)
    assert main(["params", "bad.ib"]) == 1
    assert "E0201" in capsys.readouterr().err
    assert main(["diff", "bad.ib", "a", "b"]) == 1


@pytest.mark.parametrize("command", ["params", "diff"])
def test_help(command: str, capsys):
    assert main([command, "--help"]) == 0
    assert "FILE" in capsys.readouterr().out


def test_check_does_not_load_the_listing():
    code = (
        "import sys\nfrom ibc.commands.cli import main\n"
        "assert main(['check', 'params.ib']) == 0\n"
        "print(sorted(m for m in sys.modules if m in ('ibc.commands.params', 'ibc.params.listing')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# --- rendering ---------------------------------------------------------------------------


def row(path: str, value: str, overridden: bool = False):
    return SimpleNamespace(
        path=path,
        type="Float",
        value=value,
        where="f.ib:1:1",
        kind="argument",
        overridden=overridden,
    )


def test_table_aligns_columns_without_trailing_spaces():
    text = table(["A", "BB"], [["long value", "x"], ["y", ""]])
    assert text == "A           BB\nlong value  x\ny\n"


def test_long_and_multi_line_values_are_clipped_to_one_line():
    assert clip("f(a,\n    b)") == "f(a, b)"
    long = "Model(" + ", ".join(f"p{i} = {i}" for i in range(30)) + ")"
    assert len(clip(long)) <= 60 and clip(long).endswith("…")
    shown = params_table([row("m", long)])
    assert long not in shown and clip(long) in shown


def test_no_marker_column_without_overrides():
    text = params_table([row("m.C", "1.0")])
    assert text.splitlines()[0].startswith("PATH") and "*" not in text
    marked = params_table([row("m.C", "0.1", True), row("seed", "0")], "strong")
    assert marked.splitlines()[1].startswith("*  m.C")
    assert marked.splitlines()[2].startswith("   seed")


def test_empty_results_say_so():
    assert params_table([], "t") == "no parameters in `t`\n"
    assert diff_table([], "a", "b") == "`a` and `b` have the same parameter values\n"
    assert diff_table([("p", "1", "")], "a", "b").splitlines()[1].split() == ["p", "1", "-"]


def test_unknown_target_message():
    assert unknown_target_message("x") == "error: unknown target `x`\n"
    two = unknown_target_message("bse", ["base", "bs"])
    assert "did you mean `base` or `bs`?" in two


# --- ibc run -s --------------------------------------------------------------------------
# params.ib: data = [0, 1, 2, 3], doubled sums to 12; baseline = 12 * model weight + seed.


def run_json(*args: str) -> dict:
    done = ibc_process("run", "params.ib", *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_run_without_overrides():
    assert run_json("baseline") == {"baseline": 12.0}


def test_run_set_overrides_a_binding_and_an_argument():
    assert run_json("baseline", "-s", "seed=5") == {"baseline": 17.0}
    assert run_json("baseline", "--set", "model.C=0.5", "-s", "seed=1") == {"baseline": 7.0}


def test_run_set_is_the_outermost_layer():
    # `strong` sets seed = 7 and model.C = 0.01; the command line wins over both.
    assert run_json("strong", "-s", "seed=1", "-s", "model.C=2.0") == {"strong": 25.0}


def test_run_set_takes_an_expression():
    assert run_json("baseline", "-s", "model=Forest(n_estimators = 2)") == {"baseline": 24.0}
    assert run_json("baseline", "-s", "seed=seed + 3") == {"baseline": 15.0}


def test_run_set_with_in_makes_a_sweep():
    values = run_json("baseline", "-s", "seed in [1, 2]")
    assert sorted(values.values()) == [13.0, 14.0]
    assert all(name.startswith("baseline[") and "seed=" in name for name in values)


def test_run_set_targets_after_options():
    assert run_json("-s", "seed=2", "baseline") == {"baseline": 14.0}


@pytest.mark.parametrize(
    "override, expected",
    [
        ("nope=1", "nope"),  # unknown path
        ("model.C=", "model.C="),  # malformed text: the error shows the override
        ('model.C="high"', "Str"),  # the wrong type
        ("settings.label=second", "quote"),  # a bare word where a Str is expected
    ],
)
def test_run_set_errors_exit_1(override: str, expected: str):
    done = ibc_process("run", "params.ib", "baseline", "-s", override)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "error[E" in done.stderr and expected in done.stderr
    assert "Traceback" not in done.stderr
