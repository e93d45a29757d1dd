"""Every problem of a `-s` override is a diagnostic with its code, located in the `-s` text
(`-s#N:LINE:COL`), exit code 1 (0 for a warning, which the run goes on after), and never a
traceback: through `ibc run` and `ibc params`, as a user meets them."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROGRAM = """\
from "src/fns.py" import val, collect, make

x = 1.0
name = "a"
unused = 3.0
cfg = make(c = 1.0)
base = val(x = x, name = name, cfg = cfg)
forest = base
sweep g = base with { x in [1.0, 2.0] }
experiment single = base
experiment all = collect(g)
"""

FNS = """\
def val(x: float = 0.0, name: str = "a", cfg: dict = None) -> float:
    return x


def collect(results: dict[str, float]) -> dict[str, float]:
    return results


def make(c: float = 1.0) -> dict:
    return {"c": c}
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    (root / "ibc.toml").write_text("")
    (root / "src").mkdir()
    (root / "src" / "fns.py").write_text(FNS)
    (root / "main.ib").write_text(PROGRAM)
    return root


def ibc(root, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_COLOR="1", IBC_PROGRESS="none")
    return subprocess.run(
        [sys.executable, "-m", "ibc", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


CASES = [
    # (title, -s texts, code, location, message fragment, exit code)
    ("unknown path", ["model.C=0.1"], "E0501", "-s#1:1:1", "no parameter `model.C`", 1),
    ("nearest path", ["bse.x=2.0"], "E0501", "-s#1:1:1", "no parameter `bse.x`", 1),
    ("path through another binding", ["forest.x=2.0"], "E0502", "-s#1:1:1", "another", 1),
    ("unused path", ["unused=2.0"], "W0501", "-s#1:1:1", "not used by any target", 0),
    ("path given twice", ["x=1.0", "x=2.0"], "E0503", "-s#2:1:1", "`x` is overridden twice", 1),
    (
        "path and its prefix",
        ["cfg=make(c = 2.0)", "cfg.c=3.0"],
        "E0503",
        "-s#2:1:1",
        "`cfg.c` is overridden together with `cfg` by `-s`",
        1,
    ),
    ("value and sweep of a path", ["x=1.0", "x in [2.0, 3.0]"], "E0503", "-s#2:1:1", "twice", 1),
    ("bad type", ['x="high"'], "E0504", "-s#1:1:1", "the override `x` gives a `Str`", 1),
    ("bad type in a sweep", ['x in [1.0, "a"]'], "E0504", "-s#1:1:1", "gives", 1),
    ("bare word for a string", ["name=b"], "E0201", "-s#1:1:6", "unknown name `b`", 1),
    (
        "bare word naming a prelude function",
        ["name=mean"],
        "E0504",
        "-s#1:1:6",
        "the override `name` names `mean`, a `(xs: List[Float]) -> Float`, where a `Str`",
        1,
    ),
    ("nothing after =", ["x="], "E0102", "-s#1:1:3", "expected an expression", 1),
    ("trailing text", ["x=1.0 y"], "E0101", "-s#1:1:7", "unexpected `y`", 1),
    ("no = nor in", ["x"], "E0106", "-s#1:1:2", "", 1),
    ("sweep over nothing", ["x in []"], "E0506", "-s#1:1:6", "", 1),
    ("sweep over a computed value", ["x in x"], "E0507", "-s#1:1:6", "", 1),
    ("zip of the wrong width", ["(x, name) in [(1.0,)]"], "E0508", "-s#1:1:15", "", 1),
]


@pytest.mark.parametrize("command", ["run", "params"])
@pytest.mark.parametrize(
    ("title", "texts", "code", "where", "fragment", "status"),
    CASES,
    ids=[case[0] for case in CASES],
)
def test_command_line_override_problem(
    project, command, title, texts, code, where, fragment, status
):
    args = [command, "main.ib", "single"]
    for text in texts:
        args += ["-s", text]
    done = ibc(project, *args)
    assert "Traceback" not in done.stderr
    kind = "warning" if code.startswith("W") else "error"
    assert f"{kind}[{code}]" in done.stderr, done.stderr
    assert f"--> {where}" in done.stderr, done.stderr
    assert fragment in done.stderr
    assert done.returncode == status, done.stderr
    if status == 0 and command == "run":
        assert done.stdout.strip() == "single: 1.0"


def test_a_bare_word_for_a_string_is_hinted_to_be_quoted(project):
    done = ibc(project, "run", "main.ib", "single", "-s", "name=b")
    assert "hint: " in done.stderr and 'name="b"' in done.stderr
    assert done.returncode == 1


@pytest.mark.parametrize("word", ["mean", "len", "fit"])
def test_a_bare_word_naming_a_function_is_hinted_to_be_quoted(project, word):
    """`-s name=mean` where a `Str` is expected: `mean` is the prelude's function, but the
    string was meant; the hint says how to quote it, and no type mismatch is shown."""
    done = ibc(project, "run", "main.ib", "single", "-s", f"name={word}")
    assert f"""hint: a string is expected here; quote it: -s 'name="{word}"'""" in done.stderr
    assert "which a use rejects" not in done.stderr
    assert done.returncode == 1


def test_params_previews_the_command_line_values(project):
    done = ibc(project, "params", "main.ib", "all", "-s", "x in [10.0, 20.0]", "-s", 'name="z"')
    assert done.returncode == 0, done.stderr
    rows = {line.split()[1]: line.split() for line in done.stdout.splitlines() if line[:1] == "*"}
    assert rows["x"][-1] == "-s#1:1:1" and "in [10.0, 20.0]" in " ".join(rows["x"])
    assert rows["name"][-1] == "-s#2:1:1" and '"z"' in rows["name"]
    assert "* set by `all` or `-s`" in done.stdout


VARIANTS = """\
from sklearn.linear_model import Ridge
from sklearn.ensemble import GradientBoostingRegressor
from "src/fns.py" import val

model = Ridge(alpha = 1.0)
experiment ridge = val(cfg = {m = model})
experiment gb = ridge with { model = GradientBoostingRegressor(n_estimators = 10) }
"""


@pytest.mark.parametrize("command", ["run", "params"])
def test_a_path_is_checked_against_the_variant_of_the_target(tmp_path, command):
    """`-s model.solver=…` is Ridge's parameter: on `gb`, which replaced the Ridge by a
    gradient-boosting model, it is E0402 before anything runs (not a TypeError at run time)."""
    (tmp_path / "ibc.toml").write_text("")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "fns.py").write_text(FNS)
    (tmp_path / "main.ib").write_text(VARIANTS)
    done = ibc(tmp_path, command, "main.ib", "gb", "-s", 'model.solver="svd"')
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "error[E0402]: `GradientBoostingRegressor` has no parameter `solver`" in done.stderr
    assert "--> -s#1:1:1" in done.stderr and "in this variant `model` is" in done.stderr
    ok = ibc(tmp_path, command, "main.ib", "ridge", "-s", 'model.solver="svd"')
    assert ok.returncode == 0, ok.stderr
