"""The parameters phase: paths of every kind, sweep expansion, command-line overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from ibc.driver import Options, check_file
from ibc.params.listing import UnknownTarget, diff_targets, parameters

PY = """\
def make(C: float = 1.0, max_iter: int = 100, *, tol: float = 1e-4) -> float:
    return C

def pipeline(*steps: float, name: str = "p") -> float:
    return sum(steps)

def augment(x: float, strength: float = 0.5) -> float:
    return x * strength
"""


def project(tmp_path: Path, text: str) -> Path:
    (tmp_path / "ibc.toml").write_text("")
    (tmp_path / "src").mkdir(exist_ok=True)
    (tmp_path / "src" / "m.py").write_text(PY)
    main = tmp_path / "main.ib"
    main.write_text(text)
    return main


def checked(tmp_path: Path, text: str, **options):
    result = check_file(project(tmp_path, text), Options(**options))
    assert result.ok, [(d.code, d.span.line, d.args) for d in result.diagnostics]
    return result


def paths(result, **kwargs) -> dict[str, str]:
    return {row.path: row.value for row in parameters(result, **kwargs)}


HEADER = 'from "src/m.py" import make, pipeline, augment\n'


def test_every_kind_of_path(tmp_path: Path):
    result = checked(
        tmp_path,
        HEADER
        + "seed = 0\n"
        + "model = make(2.0, max_iter = 10)\n"
        + "steps = pipeline(make(C = 0.5), 2.0)\n"
        + "point = {x = 1.0, y = [1, 2]}\n"
        + "def prepare(v: Float) -> Float:\n"
        + "    boosted = augment(v, strength = 0.3)\n"
        + "    return augment(boosted)\n",
    )
    found = paths(result)
    assert found["seed"] == "0"
    assert found["model.C"] == "2.0"  # positional, by the signature's name
    assert found["model.max_iter"] == "10"
    assert found["steps.steps[0]"] == "make(C = 0.5)"  # *args by index
    assert found["steps.steps[0].C"] == "0.5"  # nested
    assert found["point.x"] == "1.0" and found["point.y[1]"] == "2"  # fields, elements
    assert found["prepare.boosted.strength"] == "0.3"  # inside a def
    assert found["prepare.return.x"] == "boosted"
    assert found["make"] == "make"  # an imported name
    assert "model.tol" not in found
    with_defaults = paths(result, include_defaults=True)
    assert with_defaults["model.tol"] == "1e-4"
    assert with_defaults["prepare.return.strength"] == "0.5"


def test_a_targets_view_marks_its_overrides(tmp_path: Path):
    result = checked(
        tmp_path,
        HEADER
        + "model = make(C = 1.0)\nother = make(C = 3.0)\n"
        + "experiment base = model\n"
        + "experiment strong = base with { model.C = 0.01 }\n"
        + "sweep grid = base with { model.C in [0.1, 1.0] }\n",
    )
    rows = {row.path: row for row in parameters(result, "strong")}
    assert rows["model.C"].value == "0.01" and rows["model.C"].overridden
    assert "other.C" not in rows  # the target does not reach it
    grid = {row.path: row.value for row in parameters(result, "grid")}
    assert grid["model.C"] == "in [0.1, 1.0]"
    assert ("model.C", "1.0", "0.01") in diff_targets(result, "base", "strong")
    with pytest.raises(UnknownTarget) as caught:
        parameters(result, "strnog")
    assert caught.value.suggestions == ["strong"]


def test_sweep_points_are_named_and_zipped(tmp_path: Path):
    result = checked(
        tmp_path,
        'a = 1\nb = 2.0\nname = "x"\n'
        'sweep s = a with { (a, b) in [(1, 2.0), (3, 4.5)], name in ["l1", "l2"] }\n'
        "sweep r = b with { b in logspace(-2, 0, 3) }\n",
    )
    sweeps = result.expanded.sweeps.values()
    names = sorted(p.name for _, _, points in sweeps for p in points)
    assert names == sorted(
        [
            's[a=1,b=2.0,name="l1"]',
            's[a=1,b=2.0,name="l2"]',
            's[a=3,b=4.5,name="l1"]',
            's[a=3,b=4.5,name="l2"]',
            "r[b=0.01]",
            "r[b=0.1]",
            "r[b=1.0]",
        ]
    )


def test_command_line_overrides_are_checked_like_source(tmp_path: Path):
    text = HEADER + 'model = make(C = 1.0)\nlabel = "a"\nexperiment e = {c = model, l = label}\n'
    good = check_file(project(tmp_path, text), Options(overrides=["model.C=0.5", "label='b'"]))
    assert good.ok
    assert [r.path for r in good.expanded.cli] == ["model.C", "label"]
    swept = check_file(project(tmp_path, text), Options(overrides=["model.C in [0.1, 1.0]"]))
    assert [p.name for p in swept.expanded.cli_points] == ["model.C=0.1", "model.C=1.0"]
    bad = check_file(project(tmp_path, text), Options(overrides=["model.c=0.5"]))
    assert [(d.code, d.span.file, d.span.col) for d in bad.diagnostics] == [("E0501", "-s#1", 1)]
    wrong = check_file(project(tmp_path, text), Options(overrides=['model.C="high"']))
    assert [d.code for d in wrong.diagnostics] == ["E0504"]
    bare = check_file(project(tmp_path, text), Options(overrides=["label=b"]))
    [diag] = bare.diagnostics
    from ibc.diagnostics.wording import words

    assert diag.code == "E0201" and diag.span.file == "-s#1"
    assert "quote it" in words(diag.code, diag.args)[1]


DEF_PY = """\
def score(a: float, b: float = 1.0) -> float:
    return a * 10 + b
"""

DEF_IB = """\
from "src/m.py" import score
def evaluate(x: Float, bonus: Float = 0.5) -> Float:
    s = score(x, b = bonus)
    return s
experiment base = evaluate(1.0)
experiment more = base with { base.x = 2.0 }
experiment bonus = base with { base.bonus = 5.0 }
experiment inner = base with { evaluate.s.b = 100.0 }
sweep xs = base with { base.x in [1.0, 3.0] }
"""


@pytest.mark.parametrize("target", ["script", "plain"])
def test_def_call_arguments_and_def_paths_run_in_both_targets(tmp_path: Path, target: str):
    import json
    import subprocess
    import sys

    from ibc.driver import compile_file

    (tmp_path / "ibc.toml").write_text("")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "m.py").write_text(DEF_PY)
    (tmp_path / "main.ib").write_text(DEF_IB)
    result = compile_file(tmp_path / "main.ib", Options(target=target, out_path=tmp_path / "o.py"))
    assert result.ok, [d.code for d in result.diagnostics]
    (tmp_path / "o.py").write_text(result.code)
    done = subprocess.run(
        [sys.executable, str(tmp_path / "o.py"), "--json"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "base": 10.5,
        "more": 20.5,
        "bonus": 15.0,
        "inner": 110.0,
        "xs[base.x=1.0]": 10.5,
        "xs[base.x=3.0]": 30.5,
    }
    overridden = subprocess.run(
        [sys.executable, str(tmp_path / "o.py"), "base", "-s", "base.x=7.0"],
        capture_output=True,
        text=True,
    )
    assert overridden.stdout.strip() == "base: 70.5", overridden.stderr


def test_an_override_value_has_paths_of_its_own(tmp_path: Path):
    result = checked(
        tmp_path,
        HEADER
        + "model = make(C = 1.0)\n"
        + "experiment base = model\n"
        + "experiment other = base with { model = augment(2.0, strength = 0.9) }\n"
        + "experiment weaker = other with { model.strength = 0.1 }\n",
    )
    assert result.expanded.sites.by_path["model.strength"].text == "0.9"
    [layer] = [
        layer for layer in result.expanded.layers.values() if layer[0].path == "model.strength"
    ]
    assert layer[0].site.kind == "argument"


METHOD_PY = """\
class Scaler:
    def __init__(self, k: float = 1.0):
        self.k = k

    def apply(self, x: float, shift: float = 0.0) -> float:
        return x * self.k + shift
"""

METHOD_IB = """\
from "src/m.py" import Scaler
sc = Scaler(k = 2.0)
y = sc.apply(3.0, shift = 1.0)
experiment e = y
experiment f = e with { y.shift = 10.0, sc.k = 3.0 }
"""


@pytest.mark.parametrize("target", ["script", "plain"])
def test_method_call_arguments_are_parameters_in_both_targets(tmp_path: Path, target: str):
    import json
    import subprocess
    import sys

    from ibc.driver import compile_file

    (tmp_path / "ibc.toml").write_text("")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "m.py").write_text(METHOD_PY)
    (tmp_path / "main.ib").write_text(METHOD_IB)
    result = compile_file(tmp_path / "main.ib", Options(target=target, out_path=tmp_path / "o.py"))
    assert result.ok, [d.code for d in result.diagnostics]
    (tmp_path / "o.py").write_text(result.code)
    done = subprocess.run(
        [sys.executable, str(tmp_path / "o.py"), "--json", "-s", "y.shift=5.0"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"e": 11.0, "f": 14.0}  # -s wins over the file's with


VARIANTS = (
    HEADER
    + "model = make(2.0, max_iter = 10)\n"
    + "def pair(a: Float, b: Float) -> Float: return a + b\n"
    + "experiment base = model\n"
    + "experiment other = base with { model = augment(1.0, strength = 0.2) }\n"
    + "experiment both = pair(base, other)\n"
    + "sweep kinds = base with { model in [make(C = 3.0), augment(4.0)] }\n"
)


def test_a_replaced_value_has_the_replacing_expressions_parameters(tmp_path: Path):
    result = checked(tmp_path, VARIANTS)
    rows = {row.path: row for row in parameters(result, "other")}
    assert rows["model"].type == "Float" and rows["model"].overridden
    assert rows["model.x"].value == "1.0" and rows["model.strength"].value == "0.2"
    assert "model.C" not in rows and "model.max_iter" not in rows
    assert "make" not in rows  # the program's own model is not reached by `other`
    everything = {row.path: row for row in parameters(result, "other", include_defaults=True)}
    assert "model.tol" not in everything  # make's default; augment has none left unwritten
    base = {row.path: row for row in parameters(result, "base", include_defaults=True)}
    assert base["model.tol"].value == "1e-4" and base["model.tol"].kind == "default"


def test_a_target_lists_its_own_variant(tmp_path: Path):
    """`both` uses `other` by name: `other`'s replacement is listed by `ibc params other`,
    while `both` sees the program's own model (through `base`)."""
    result = checked(tmp_path, VARIANTS)
    rows = paths(result, target="both")
    assert rows["model"] == "make(2.0, max_iter = 10)" and rows["model.C"] == "2.0"
    assert "model.strength" not in rows


def test_a_sweep_over_expressions_lists_their_parameters_per_point(tmp_path: Path):
    result = checked(tmp_path, VARIANTS)
    whole = paths(result, target="kinds")
    assert whole["model"] == "in [make(C = 3.0), augment(4.0)]"
    assert not any(path.startswith("model.") for path in whole)  # they differ per point
    first = paths(result, target="kinds[model=make(C = 3.0)]")
    assert first["model.C"] == "3.0" and "model.x" not in first
    second = paths(result, target="kinds[model=augment(4.0)]")
    assert second["model.x"] == "4.0" and "model.C" not in second
    with pytest.raises(UnknownTarget) as raised:
        parameters(result, "kinds[model=make()]")
    assert "kinds[model=make(C = 3.0)]" in raised.value.suggestions


def test_diff_shows_the_default_a_replacing_call_runs_with(tmp_path: Path):
    result = checked(
        tmp_path,
        HEADER
        + "model = make(2.0, max_iter = 10)\n"
        + "experiment base = model\n"
        + "experiment other = base with { model = make(C = 1.0) }\n",
    )
    rows = {path: (a, b) for path, a, b in diff_targets(result, "base", "other")}
    assert rows == {
        "model": ("make(2.0, max_iter = 10)", "make(C = 1.0)"),
        "model.C": ("2.0", "1.0"),
        "model.max_iter": ("10", "100"),
    }


def test_constant_folding_leaves_huge_powers_to_the_run(tmp_path):
    # `10 ** 10**8` has 332 million bits: folding it at check time would take minutes.
    result = checked(
        tmp_path,
        'from "src/m.py" import make\nx = 1.0\nsweep s = make(C = x) with { x in [10 ** 10**8, 2] }\n',
    )
    assert [row.path for row in parameters(result)][-1] == "x"


def test_affordable_bounds_the_bits_of_folded_integers():
    from ibc.params.constants import _affordable

    assert _affordable("**", 2, 64) and _affordable("**", 1, 10**9)
    assert not _affordable("**", 10, 10**8)
    assert not _affordable("*", 1 << 70000, 3)
    assert _affordable("**", 2.0, 10**8)  # a float overflows at once, and fold returns None
