"""`%load_ext ibc` through IPython's shell: `%%ib` cells, `%ib_run`, `%ib_params`,
`%ib_graph`, in a temporary project folder (see conftest.py)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ibc.notebook.magics import DotText, IbError

DECLS = "from work import load, total, boom\nn = 5\nxs = load(n)\n"


def cell(ip, text: str, line: str = ""):
    return ip.run_cell_magic("ib", line, text)


def session_of(ip):
    return ip.magics_manager.registry["IbMagics"].session


def test_load_ext_registers_the_magics(ip):
    assert ip.find_cell_magic("ib") is not None
    for name in ("ib_run", "ib_params", "ib_graph", "ib_reset"):
        assert ip.find_line_magic(name) is not None, name


def test_declarations_accumulate_across_cells_and_experiments_give_a_table(ip):
    assert cell(ip, DECLS) is None  # no experiment: nothing to show
    frame = cell(ip, "experiment a = {s = total(xs), n = n}\nexperiment b = a with { n = 3 }\n")
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.index) == ["a", "b"]
    assert frame.loc["a", "s"] == 10.0 and frame.loc["a", "n"] == 5
    assert frame.loc["b", "s"] == 3.0 and frame.loc["b", "n"] == 3


def test_a_sweep_gives_one_row_per_point(ip):
    cell(ip, DECLS)
    frame = cell(
        ip, "experiment a = {s = total(xs)}\nsweep g = a with { n in [2, 4] }\n", "--run g"
    )
    assert list(frame.index) == ["g[n=2]", "g[n=4]"]
    assert list(frame["s"]) == [1.0, 6.0]


def test_values_that_are_not_records_come_back_as_a_dict(ip):
    cell(ip, DECLS)
    assert cell(ip, "experiment s = total(xs)\n") == {"s": 10.0}


def test_redeclaration_replaces_the_old_declaration(ip):
    cell(ip, DECLS)
    cell(ip, "experiment a = {s = total(xs)}\n")
    frame = cell(ip, "n = 3\n", "--run a")
    assert frame.loc["a", "s"] == 3.0
    text = session_of(ip).text
    assert text.count("n = ") == 1 and "n = 3" in text


def test_a_type_error_names_the_cells_lines_and_leaves_the_session_usable(ip):
    cell(ip, DECLS)
    with pytest.raises(IbError) as caught:
        cell(ip, "m = 1\nexperiment bad = {s = total(n)}\n")
    report = "\n".join(caught.value._render_traceback_())
    # line 1 of a cell is its `%%ib` line: the error is on line 3, column 29
    assert "In[2]:3:29" in report
    assert "3 | experiment bad = {s = total(n)}" in report
    assert "__notebook__" not in report
    assert "Traceback" not in report
    session = session_of(ip)
    assert "bad" not in session.names() and "m" not in session.names()
    assert cell(ip, "experiment ok = {s = total(xs)}\n").loc["ok", "s"] == 10.0


def test_a_redeclaration_that_breaks_an_earlier_cell_is_refused(ip):
    cell(ip, DECLS)
    with pytest.raises(IbError) as caught:
        cell(ip, 'n = "five"\n')
    assert "In[1]:4:11" in str(caught.value)  # `load(n)` in the first cell
    assert 'n = "five"' not in session_of(ip).text


def test_a_syntax_error_points_into_the_cell(ip):
    with pytest.raises(IbError) as caught:
        cell(ip, "x = 1\ny = (1 +\n")
    assert "In[1]:3:5" in str(caught.value)
    assert session_of(ip).names() == []


def test_a_second_evaluation_runs_no_stage(ip, calls):
    cell(ip, DECLS)
    cell(ip, "experiment a = {s = total(xs)}\nexperiment b = {s = total(xs), twice = 2}\n")
    assert sorted(calls()) == ["load", "total"]  # shared by both experiments
    again = ip.run_line_magic("ib_run", "")
    assert calls() == ["load", "total"]
    assert list(again.index) == ["a", "b"] and list(again["s"]) == [10.0, 10.0]
    cell(ip, "n = 6\n", "--no-run")
    ip.run_line_magic("ib_run", "a")
    assert calls() == ["load", "total", "load", "total"]


def test_an_edited_python_file_is_run_as_it_is_now(ip, project):
    cell(ip, DECLS)
    assert cell(ip, "experiment a = total(xs)\n") == {"a": 10.0}
    source = (project / "work.py").read_text()
    (project / "work.py").write_text(source.replace("sum(xs) * factor", "sum(xs) * factor + 1"))
    assert ip.run_line_magic("ib_run", "a") == 11.0  # one target named: its value itself


def test_a_failing_experiment_is_reported_with_its_cell_location(ip):
    cell(ip, DECLS)
    with pytest.raises(IbError) as caught:
        cell(ip, "experiment f = {v = boom(n)}\n")
    report = str(caught.value)
    assert "experiment f failed" in report
    assert "in call of boom at In[2]:2:21" in report
    assert "ValueError: bad input 5" in report


def test_no_run_and_run_options(ip, calls):
    cell(ip, DECLS)
    assert cell(ip, "experiment a = {s = total(xs)}\n", "--no-run") is None
    assert calls() == []
    frame = cell(ip, "experiment b = {s = total(xs), k = 1}\n", "--run a")
    assert list(frame.index) == ["a"]
    with pytest.raises(IbError, match="unknown target `zz`"):
        ip.run_line_magic("ib_run", "zz")


def test_runs_are_recorded_for_ibc_results(ip):
    cell(ip, DECLS)
    cell(ip, "experiment a = {s = total(xs)}\n")
    runs = os.path.join(os.environ["IBC_STORE"], "runs")
    records = [
        json.loads(line)
        for name in os.listdir(runs)
        if name.endswith(".jsonl") and not name.endswith(".stages.jsonl")
        for line in Path(runs, name).read_text().splitlines()
    ]
    assert [(r["experiment"], r["status"], r["metrics"]) for r in records] == [
        ("a", "ok", {"s": 10.0})
    ]
    assert records[0]["file"] == "__notebook__.ib"
    # with the provenance `ibc run` records (docs/running.md, "Run records and results")
    assert records[0]["code"] and {"commit", "dirty", "libraries", "inputs"} <= set(records[0])
    assert any(name.endswith(".total") for name in records[0]["fingerprints"])


def test_params_table(ip):
    cell(ip, DECLS)
    cell(ip, "experiment a = {s = total(xs)}\nexperiment b = a with { n = 3 }\n", "--no-run")
    frame = ip.run_line_magic("ib_params", "")
    assert list(frame.columns) == ["path", "type", "value", "where", "kind", "overridden"]
    n_row = frame[frame.path == "n"].iloc[0]
    assert (n_row["type"], n_row["value"], n_row["where"]) == ("Int", "5", "In[1]:3:1")
    seen_by_b = ip.run_line_magic("ib_params", "b")
    n_in_b = seen_by_b[seen_by_b.path == "n"].iloc[0]
    assert n_in_b["value"] == "3" and bool(n_in_b["overridden"])
    assert n_in_b["where"].startswith("In[2]:3:")
    with pytest.raises(IbError, match="did you mean `b`"):
        ip.run_line_magic("ib_params", "bb")


def test_graph_is_dot_text_without_graphviz(ip, monkeypatch):
    monkeypatch.setattr("ibc.notebook.magics.shutil.which", lambda name: None)
    cell(ip, DECLS)
    cell(ip, "experiment a = {s = total(xs)}\n")
    dot = ip.run_line_magic("ib_graph", "a")
    assert isinstance(dot, DotText) and dot.startswith("digraph ibc {")
    assert 'label="load' in dot and 'label="total' in dot and '"target:a"' in dot
    assert 'tooltip="In[1]:4:6"' in dot  # `load(n)`, at its cell's line


def test_graph_is_svg_with_graphviz(ip, project, monkeypatch):
    fake = project / "bin" / "dot"
    fake.parent.mkdir()
    fake.write_text(
        "#!/bin/sh\ncat > /dev/null\necho '<svg xmlns=\"http://www.w3.org/2000/svg\"/>'\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    cell(ip, DECLS)
    cell(ip, "experiment a = {s = total(xs)}\n", "--no-run")
    from IPython.display import SVG

    drawn = ip.run_line_magic("ib_graph", "")
    assert isinstance(drawn, SVG) and "<svg" in drawn.data
    assert isinstance(ip.run_line_magic("ib_graph", "--dot"), DotText)


def test_warnings_are_shown_and_the_cell_still_runs(ip, capsys):
    frame = cell(ip, "n = 1\nexperiment u = {k = 1} with { n = 2 }\n")
    assert frame.loc["u", "k"] == 1
    err = capsys.readouterr().err
    assert "warning[W0501]" in err and "In[1]:3:31" in err


def test_a_failed_cell_shows_the_diagnostic_alone_in_ipython(ip, capsys):
    outcome = ip.run_cell("%%ib\nfrom work import total\nexperiment bad = total(1)\n")
    assert isinstance(outcome.error_in_exec, IbError)
    out = capsys.readouterr().out
    assert "error[E0401]" in out and ":3:" in out
    assert "Traceback" not in out and "IbError" not in out


def test_ib_run_of_one_target_returns_its_value(ip):
    cell(ip, DECLS)
    cell(ip, "experiment a = {s = total(xs)}\nexperiment b = xs\n", "--no-run")
    assert ip.run_line_magic("ib_run", "a") == {"s": 10.0}  # the record, not a table
    assert ip.run_line_magic("ib_run", "b") == [0, 1, 2, 3, 4]
    assert ip.run_line_magic("ib_run", "xs") == [0, 1, 2, 3, 4]  # a binding too
    both = ip.run_line_magic("ib_run", "a b")
    assert both == {"a": {"s": 10.0}, "b": [0, 1, 2, 3, 4]}
    cell(ip, "sweep g = a with { n in [2, 4] }\n", "--no-run")
    frame = ip.run_line_magic("ib_run", "g")  # a sweep is several values: a table
    assert isinstance(frame, pd.DataFrame) and list(frame.index) == ["g[n=2]", "g[n=4]"]


def _records(project) -> list[dict]:
    runs = project / ".ibc" / "runs"
    if os.environ.get("IBC_STORE"):
        runs = Path(os.environ["IBC_STORE"], "runs")
    return [
        json.loads(line)
        for path in sorted(runs.glob("*.jsonl"))
        if not path.name.endswith(".stages.jsonl")
        for line in path.read_text().splitlines()
    ]


@pytest.mark.parametrize(
    "where",
    [
        ("user_ns", "__session__", "/home/u/project/analysis.ipynb"),
        ("user_ns", "__vsc_ipynb_file__", "/home/u/project/analysis.ipynb"),
        ("env", "JPY_SESSION_NAME", "analysis.ipynb"),
    ],
)
def test_runs_are_recorded_under_the_notebooks_name(ip, project, monkeypatch, where):
    kind, name, value = where
    if kind == "env":
        monkeypatch.setenv(name, value)
    else:
        ip.user_ns[name] = value
    try:
        ip.run_line_magic("ib_reset", "")
        cell(ip, DECLS)
        cell(ip, "experiment a = {s = total(xs)}\n")
    finally:
        ip.user_ns.pop(name, None)
    records = _records(project)
    assert [(r["file"], r["experiment"]) for r in records] == [("analysis.ipynb.ib", "a")]
    done = subprocess.run(
        [sys.executable, "-m", "ibc", "results", "analysis.ipynb.ib", "--format", "csv"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1].startswith("a,")


def test_a_plain_shell_records_runs_as_notebook(ip, project, monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    cell(ip, DECLS)
    cell(ip, "experiment a = {s = total(xs)}\n")
    assert [r["file"] for r in _records(project)] == ["__notebook__.ib"]
