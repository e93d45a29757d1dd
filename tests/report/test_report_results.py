"""`ibc results`: reading run records, the rows, each format, sorting and plotting."""

import csv
import io
import json

import pytest

from ibc.commands.results import (
    latest_records,
    load_records,
    load_stage_states,
    plot_results,
    render_results,
    results_rows,
)


def record(
    experiment,
    run,
    *,
    file="cancer.ib",
    params=None,
    metrics=None,
    status="ok",
    started="2026-11-27T03:30:00.123456+00:00",
    seconds=1.5,
    target=None,
    commit=None,
    dirty=None,
    code=None,
):
    return {
        "run": run,
        "experiment": experiment,
        "target": target or experiment.split("[")[0],
        "kind": "sweep point" if "[" in experiment else "experiment",
        "file": file,
        "params": params or {},
        "overrides": [],
        "commit": commit,
        "dirty": dirty,
        "code": code,
        "revisions": {},
        "value": None,
        "metrics": metrics or {},
        "status": status,
        "error": None,
        "started": started,
        "seconds": seconds,
        "key": None,
        "counts": {"ran": 1, "cached": 0, "failed": 0},
    }


RUN1 = "20261127T033000123456-100"
RUN2 = "20261128T090000000000-200"


@pytest.fixture
def root(tmp_path):
    root = tmp_path / ".ibc"
    runs = root / "runs"
    runs.mkdir(parents=True)
    old = [
        record("baseline", RUN1, metrics={"accuracy": 0.9}),
        record("grid[model.C=0.1]", RUN1, params={"model.C": 0.1}, metrics={"accuracy": 0.91}),
    ]
    new = [
        record("baseline", RUN2, metrics={"accuracy": 0.95}, started="2026-11-28T09:00:00+00:00"),
        record("other", RUN2, file="sub/other.ib", metrics={"loss": 2.0}),
    ]
    (runs / f"{RUN1}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in old))
    text = "".join(json.dumps(r) + "\n" for r in new)
    # a killed run: a truncated last line, plus junk that is not a record
    text += "[1, 2]\n\n" + json.dumps(record("late", RUN2))[:40]
    (runs / f"{RUN2}.jsonl").write_text(text)
    stages = [
        {"node": "n1", "key": "k1", "state": "ran", "seconds": 0.5, "experiment": "baseline"},
        {"node": "n2", "key": None, "state": "failed", "seconds": 0.1, "experiment": "baseline"},
    ]
    (runs / f"{RUN1}.stages.jsonl").write_text("".join(json.dumps(s) + "\n" for s in stages))
    later = {"node": "n1", "key": "k1", "state": "cached", "seconds": None, "experiment": "b"}
    (runs / f"{RUN2}.stages.jsonl").write_text(json.dumps(later) + '\n{"node": ')
    return root


def test_newest_record_per_experiment_newest_run_first(root):
    records = load_records(root)
    assert [(r["experiment"], r["run"]) for r in records] == [
        ("baseline", RUN2),
        ("other", RUN2),
        ("grid[model.C=0.1]", RUN1),
    ]
    assert records[0]["metrics"] == {"accuracy": 0.95}


def test_all_runs_keeps_every_record_newest_run_first(root):
    records = load_records(root, all_runs=True)
    assert [(r["experiment"], r["run"]) for r in records] == [
        ("baseline", RUN2),
        ("other", RUN2),
        ("baseline", RUN1),
        ("grid[model.C=0.1]", RUN1),
    ]


RUN3 = "20261129T120000000000-300"


def _write(root, run, records):
    (root / "runs" / f"{run}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))


def test_one_row_per_experiment_parameters_and_code(root):
    # a -s run (other parameters) and a run of other code are rows of their own; the same
    # experiment, parameters and code again replaces its row
    _write(
        root,
        RUN3,
        [
            record("baseline", RUN3, params={"model.C": "2.0 * 3.0"}, metrics={"accuracy": 0.5}),
            record("baseline", RUN3, code="c2", commit="b" * 40, metrics={"accuracy": 0.7}),
            record("other", RUN3, file="sub/other.ib", metrics={"loss": 1.0}),
        ],
    )
    rows = [(r["experiment"], r["run"], r["params"], r["code"]) for r in load_records(root)]
    assert rows == [
        ("baseline", RUN3, {"model.C": "2.0 * 3.0"}, None),
        ("baseline", RUN3, {}, "c2"),
        ("other", RUN3, {}, None),
        ("baseline", RUN2, {}, None),
        ("grid[model.C=0.1]", RUN1, {"model.C": 0.1}, None),
    ]
    assert len(load_records(root, all_runs=True)) == 7


def test_file_filter_relative_and_absolute(root):
    assert [r["experiment"] for r in load_records(root, file="sub/other.ib")] == ["other"]
    absolute = str(root.parent / "sub" / "other.ib")
    assert [r["experiment"] for r in load_records(root, file=absolute)] == ["other"]
    assert len(load_records(root, file="cancer.ib")) == 2
    assert load_records(root, file="nope.ib") == []


def test_no_runs_folder(tmp_path):
    assert load_records(tmp_path / ".ibc") == []
    assert load_stage_states(tmp_path / ".ibc") == {}


def test_stage_states_newest_wins_and_bad_lines_skipped(root):
    states = load_stage_states(root)
    assert states["n1"]["state"] == "cached"
    assert states["n2"]["state"] == "failed"
    assert set(states) == {"n1", "n2"}


SWEEP = [
    record(
        "grid[C=0.1,k=rbf]",
        RUN1,
        params={"C": 0.1, "k": "rbf", "seed": 0},
        metrics={"accuracy": 0.9, "loss": 0.3},
    ),
    record(
        "grid[C=1,k=rbf]",
        RUN1,
        params={"C": 1, "k": "rbf", "seed": 0},
        metrics={"accuracy": 0.95, "loss": 0.2},
        seconds=2.0,
    ),
    record(
        "grid[C=10,k=lin]",
        RUN1,
        params={"C": 10, "k": "lin", "seed": 0, "extra": True},
        metrics={"accuracy": 0.93},
        status="failed",
        seconds=0.123456,
    ),
]


def test_rows_have_only_differing_params_then_metrics():
    columns, rows = results_rows(SWEEP)
    assert columns == [
        "experiment",
        "C",
        "k",
        "extra",
        "accuracy",
        "loss",
        "commit",
        "dirty",
        "status",
        "started",
        "seconds",
    ]
    assert rows[0]["C"] == 0.1 and rows[0]["extra"] is None
    assert rows[2]["loss"] is None and rows[2]["extra"] is True


def test_rows_name_clashes_are_prefixed():
    records = [
        record("a", RUN1, params={"status": 1}, metrics={"seconds": 1.0}),
        record("b", RUN1, params={"status": 2}, metrics={"seconds": 2.0}),
    ]
    columns, _ = results_rows(records)
    assert columns == [
        "experiment",
        "params.status",
        "metrics.seconds",
        "commit",
        "dirty",
        "status",
        "started",
        "seconds",
    ]


def test_table_is_aligned_with_four_digits():
    text = render_results(SWEEP)
    lines = text.splitlines()
    assert lines[0].split() == [
        "experiment",
        "C",
        "k",
        "extra",
        "accuracy",
        "loss",
        "commit",
        "dirty",
        "status",
        "started",
        "seconds",
    ]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert "0.1235" in lines[4] and "0.123456" not in text
    assert "2026-11-27 03:30:00" in lines[2]
    assert lines[4].split()[3] == "true"
    # numeric columns are right aligned: the ends of the C cells line up
    ends = {line.index(" rbf" if "rbf" in line else " lin") for line in lines[2:]}
    assert len(ends) == 1
    assert lines[0].index("C") + 2 == ends.pop()  # C, then the two-space gap
    assert len(lines) == 5


def test_csv_parses():
    rows = list(csv.reader(io.StringIO(render_results(SWEEP, "csv"))))
    assert rows[0][:3] == ["experiment", "C", "k"]
    assert rows[1][0] == "grid[C=0.1,k=rbf]"
    assert rows[3][rows[0].index("loss")] == ""
    assert rows[3][rows[0].index("seconds")] == "0.123456"


def test_markdown_has_header_row():
    lines = render_results(SWEEP, "markdown").splitlines()
    assert lines[0].startswith("| experiment | C | k |")
    assert set(lines[1].replace("|", "").split()) == {"---"}
    assert len(lines) == 2 + len(SWEEP)


def test_markdown_escapes_pipes():
    records = [record("a", RUN1, params={"p": "x|y"}), record("b", RUN1, params={"p": "z"})]
    assert "x\\|y" in render_results(records, "markdown")


def test_json_shape():
    data = json.loads(render_results(SWEEP, "json"))
    assert [list(d) for d in data] == [
        [
            "experiment",
            "file",
            "params",
            "metrics",
            "commit",
            "dirty",
            "status",
            "started",
            "seconds",
        ]
    ] * 3
    assert data[2]["params"] == {"C": 10, "k": "lin", "seed": 0, "extra": True}
    assert data[0]["metrics"] == {"accuracy": 0.9, "loss": 0.3}
    assert data[2]["status"] == "failed"


def test_sort_ascending_descending_and_missing_last():
    names = lambda text: [r["experiment"] for r in json.loads(text)]
    assert names(render_results(SWEEP, "json", sort="accuracy")) == [
        "grid[C=0.1,k=rbf]",
        "grid[C=10,k=lin]",
        "grid[C=1,k=rbf]",
    ]
    assert names(render_results(SWEEP, "json", sort="-accuracy")) == [
        "grid[C=1,k=rbf]",
        "grid[C=10,k=lin]",
        "grid[C=0.1,k=rbf]",
    ]
    assert names(render_results(SWEEP, "json", sort="-loss"))[-1] == "grid[C=10,k=lin]"
    assert names(render_results(SWEEP, "json", sort="loss"))[-1] == "grid[C=10,k=lin]"
    table = render_results(SWEEP, sort="-C").splitlines()
    assert table[2].startswith("grid[C=10,k=lin]")


def test_sort_unknown_column_names_the_columns():
    with pytest.raises(ValueError, match="the columns are experiment, C, k"):
        render_results(SWEEP, sort="nope")


def test_unknown_format():
    with pytest.raises(ValueError, match="table, csv, markdown, json"):
        render_results(SWEEP, "xml")


def test_empty_records():
    assert json.loads(render_results([], "json")) == []
    assert render_results([]).splitlines()[0].split() == [
        "experiment",
        "commit",
        "dirty",
        "status",
        "started",
        "seconds",
    ]


def test_plot_writes_png(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "plot.png"
    plot_results(SWEEP, "C", "accuracy", out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    categorical = tmp_path / "k.png"
    plot_results(SWEEP, "k", "accuracy", categorical)
    assert categorical.stat().st_size > 0


def test_plot_unknown_column(tmp_path):
    with pytest.raises(ValueError, match="cannot plot `nope`"):
        plot_results(SWEEP, "nope", "accuracy", tmp_path / "x.png")


def test_plot_without_matplotlib(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    monkeypatch.setitem(sys.modules, "matplotlib.backends.backend_agg", None)
    with pytest.raises(RuntimeError, match=r"pip install 'iterbuild\[plot\]'"):
        plot_results(SWEEP, "C", "accuracy", tmp_path / "x.png")


COMMIT_A, COMMIT_B = "a" * 40, "b" * 40
LONG = "GradientBoostingClassifier(n_estimators = 100, learning_rate = 0.05, max_depth = 3)"
VERSIONS = [  # newest first, as load_records gives them
    record("b", RUN3, commit=COMMIT_B, dirty=True, code="3", metrics={"accuracy": 0.97}),
    record("a", RUN3, commit=COMMIT_B, dirty=True, code="3", metrics={"accuracy": 0.8}),
    record("b", RUN2, commit=COMMIT_B, dirty=False, code="2", metrics={"accuracy": 0.95}),
    record("b", RUN1, commit=COMMIT_A, dirty=False, code="1", metrics={"accuracy": 0.9}),
    record("c", RUN1, params={"model": LONG}, metrics={"accuracy": 0.5}),
]


def test_commit_is_short_in_the_table_and_whole_elsewhere():
    table = render_results(VERSIONS).splitlines()
    header = table[0].split()
    assert header[-5:] == ["commit", "dirty", "status", "started", "seconds"]
    first = table[2].split()
    assert first[0] == "b" and "bbbbbbbbbb" in first and COMMIT_B not in table[2]
    assert first[first.index("bbbbbbbbbb") + 1] == "true"
    assert table[6].split()[header.index("commit")] == "-"  # no commit recorded
    data = json.loads(render_results(VERSIONS, "json"))
    assert [(d["commit"], d["dirty"]) for d in data[:4]] == [
        (COMMIT_B, True),
        (COMMIT_B, True),
        (COMMIT_B, False),
        (COMMIT_A, False),
    ]
    assert data[4]["commit"] is None and data[4]["dirty"] is None
    rows = list(csv.reader(io.StringIO(render_results(VERSIONS, "csv"))))
    assert rows[4][rows[0].index("commit")] == COMMIT_A


def test_json_never_cuts_values_the_table_clips_them():
    data = json.loads(render_results(VERSIONS, "json"))
    assert data[4]["params"] == {"model": LONG}
    table = render_results(VERSIONS)
    assert LONG not in table and LONG[:30] in table and "…" in table
    assert LONG in render_results(VERSIONS, "csv")


def test_plot_commits_in_time_order(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "commits.png"
    drawn = plot_results(VERSIONS, "commit", "accuracy", out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # oldest commit left; a dirty tree is its own category; one series per target
    assert drawn == {
        "b": [("aaaaaaaaaa", 0.9), ("bbbbbbbbbb", 0.95), ("bbbbbbbbbb+dirty", 0.97)],
        "a": [("bbbbbbbbbb+dirty", 0.8)],
    }


def test_latest_records_keep_the_newest_and_the_newest_without_overrides(root):
    with_s = record("baseline", RUN3, params={"model.C": 2.0}, metrics={"accuracy": 0.5})
    with_s["overrides"] = ["model.C=2.0"]
    _write(root, RUN3, [with_s])
    kept = sorted((r["experiment"], r["run"]) for r in latest_records(root))
    assert kept == [
        ("baseline", RUN2),  # the newest without -s: what load() returns
        ("baseline", RUN3),
        ("grid[model.C=0.1]", RUN1),
        ("other", RUN2),
    ]
    assert [r["run"] for r in latest_records(root, file="sub/other.ib")] == [RUN2]
