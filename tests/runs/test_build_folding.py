"""Constant expressions are folded before keys are computed (docs/running.md, "Constant
expressions"): a stage given `alpha * 2` (with `alpha = 1.0`) is the stage given `2.0`, in one
run and across runs, while `with`, sweep points and `-s` still set `alpha` first; `1` and
`1.0` stay distinct, as literals do. Stage runs are counted in `calls.log`."""

from __future__ import annotations

import textwrap

from build_kit import Project, values

STAGES = """\
def load() -> list:
    log("load")
    return [1, 2, 3]


def fit(data: list, alpha: float = 1.0) -> float:
    log(f"fit {alpha!r}")
    return sum(data) * alpha


def probe(x):
    log(f"probe {x!r}")
    return x
"""

HEAD = """\
from "src/stages.py" import load, fit, probe

alpha = 1.0
data = load()
"""


def project(tmp_path, body: str) -> Project:
    p = Project(tmp_path / "proj")
    p.stages(STAGES)
    p.write("main.ib", HEAD + textwrap.dedent(body), dedent=False)
    return p


def test_an_expression_and_its_value_are_one_stage_in_one_run(tmp_path):
    p = project(
        tmp_path,
        """\
        experiment a = fit(data, alpha = alpha * 2)
        experiment b = fit(data, alpha = 2.0)
        experiment c = fit(data, alpha = 1.0 * 2)
        experiment d = fit(data, alpha = -alpha + 3.0 if alpha > 0.5 else 0.0)
        experiment e = fit(data, alpha = {lr = alpha * 2, n = 1}.lr)
        """,
    )
    out = values(p.ok("run", "main.ib"))
    assert out == {name: "12.0" for name in "abcde"}
    assert p.calls() == ["load", "fit 2.0"]
    assert p.ok("run", "main.ib") == p.ok("run", "main.ib")
    assert p.calls() == []


def test_editing_the_expression_to_its_value_keeps_the_stage_cached(tmp_path):
    p = project(tmp_path, "experiment a = fit(data, alpha = alpha * 2)\n")
    assert p.ok("run", "main.ib") == "a: 12.0\n"
    assert p.calls() == ["load", "fit 2.0"]
    p.edit("main.ib", "alpha * 2", "2.0")
    assert p.ok("run", "main.ib") == "a: 12.0\n"
    assert p.calls() == []
    p.edit("main.ib", "2.0", "4.0 / 2")
    assert p.ok("run", "main.ib") == "a: 12.0\n"
    assert p.calls() == []
    # a parameter's new value is a new key
    p.edit("main.ib", "alpha = 1.0", "alpha = 1.5")
    p.edit("main.ib", "4.0 / 2", "alpha * 2")
    assert p.ok("run", "main.ib") == "a: 18.0\n"
    assert p.calls() == ["fit 3.0"]


def test_folding_reads_the_parameter_as_with_sweeps_and_s_set_it(tmp_path):
    p = project(
        tmp_path,
        """\
        experiment a = fit(data, alpha = alpha * 2)
        experiment b = a with { alpha = 3.0 }
        experiment six = fit(data, alpha = 6.0)
        sweep s = a with { alpha in [1.0, 3.0, 4.0] }
        """,
    )
    out = values(p.ok("run", "main.ib", "a", "b", "six"))
    assert out == {"a": "12.0", "b": "36.0", "six": "36.0"}
    assert p.calls() == ["load", "fit 2.0", "fit 6.0"]
    # the sweep's first two points are those stages; only alpha = 4.0 runs
    out = values(p.ok("run", "main.ib", "s"))
    assert out == {"s[alpha=1.0]": "12.0", "s[alpha=3.0]": "36.0", "s[alpha=4.0]": "48.0"}
    assert p.calls() == ["fit 8.0"]
    # `-s` sets alpha before `alpha * 2` is computed: 3.0 * 2 is the stored `fit 6.0`
    assert p.ok("run", "main.ib", "a", "-s", "alpha=3.0") == "a: 36.0\n"
    assert p.calls() == []
    assert p.ok("run", "main.ib", "a", "-s", "alpha=0.5 * 3") == "a: 18.0\n"
    assert p.calls() == ["fit 3.0"]


def test_every_kind_of_constant_expression_folds_and_1_stays_apart_from_1_0(tmp_path):
    pairs = [
        ("-alpha", "-1.0"),
        ('"w" + "ine"', '"wine"'),
        ("alpha > 0.5", "True"),
        ("1 < 2 <= 2 and alpha != 1.0", "False"),
        ("not (alpha == 1.0) or 7", "7"),
        ('"r" in ["r", "g"]', "True"),
        ("2.5 if alpha >= 1.0 else 0.0", "2.5"),
        ("[alpha * 2, 2 ** 3]", "[2.0, 8]"),
        ("[1] + [2]", "[1, 2]"),
        ("(alpha, 1 + 1, -3)", "(1.0, 2, -3)"),
        ("{lr = alpha / 10, depth = 7 // 2}", "{lr = 0.1, depth = 3}"),
        ("[10, 20, 30][1]", "20"),
        ("(alpha, 5)[0] * 3", "3.0"),
    ]
    body = ""
    for i, (expr, value) in enumerate(pairs):
        body += f"experiment x{i} = probe({expr})\nexperiment y{i} = probe({value})\n"
    # `1` and `1.0` differ as literals do: `1 + 1` is not `2.0`, `2.0 * 1` is not `2`
    body += "experiment i = probe(1 + 1)\nexperiment f = probe(2.0 * 1)\n"
    p = project(tmp_path, body)
    out = values(p.ok("run", "main.ib"))
    for i in range(len(pairs)):
        assert out[f"x{i}"] == out[f"y{i}"], pairs[i]
    assert (out["i"], out["f"]) == ("2", "2.0")
    probes = [c for c in p.calls() if c.startswith("probe")]
    # one stage per distinct value: each pair's expression ran as its value's stage
    assert len(probes) == len({value for _, value in pairs}) + 2, probes
    assert sorted(probes) == sorted(set(probes))
    assert "probe 2" in probes and "probe 2.0" in probes


def test_an_operation_that_fails_is_left_to_the_run_and_fails_at_its_location(tmp_path):
    p = project(tmp_path, "experiment z = probe(alpha / 0)\n")
    done = p.run("run", "main.ib")
    assert done.returncode == 3  # an experiment failed
    assert "ZeroDivisionError" in done.stderr
    assert "main.ib:5:22" in done.stderr
    assert p.calls() == []
