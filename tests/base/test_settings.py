"""Reading a project's settings (docs/settings.md): keys, values, and where each problem is."""

from __future__ import annotations

from pathlib import Path

from ibc.base.settings import read_settings


def write(root: Path, name: str, text: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(text, encoding="utf-8")
    return root


def test_every_setting_is_read(tmp_path):
    root = write(
        tmp_path,
        "ibc.toml",
        'stubs = ["stubs", "more"]\nexecutor = "process"\njobs = 3\n'
        'address = "tcp://127.0.0.1:8786"\nstore = "../shared-store"\n',
    )
    s = read_settings(root)
    assert s.problems == []
    assert s.stubs == [(root / "stubs").resolve(), (root / "more").resolve()]
    assert (s.executor, s.jobs, s.address) == ("process", 3, "tcp://127.0.0.1:8786")
    assert s.store == (root / "../shared-store").resolve()
    assert s.run_defaults() == {
        "executor": "process",
        "jobs": 3,
        "address": "tcp://127.0.0.1:8786",
        "store": str((root / "../shared-store").resolve()),
    }


def test_a_single_stub_folder_may_be_a_string(tmp_path):
    s = read_settings(write(tmp_path, "ibc.toml", 'stubs = "stubs"\n'))
    assert s.stubs == [(tmp_path / "stubs").resolve()] and s.problems == []


def test_no_file_empty_file_and_comments_say_nothing(tmp_path):
    assert read_settings(tmp_path).file is None
    assert read_settings(write(tmp_path, "ibc.toml", "")).file is None
    s = read_settings(write(tmp_path, "ibc.toml", "# the project root\n\n"))
    assert s.file is None and s.problems == [] and s.executor is None


def test_pyproject_tool_ibc_table(tmp_path):
    text = '[project]\nname = "wine"\n\n[tool.ibc]\n  jobs = 2\n  executer = "dask"\n'
    s = read_settings(write(tmp_path, "pyproject.toml", text))
    assert s.jobs == 2 and s.file == tmp_path / "pyproject.toml"
    [problem] = s.problems
    assert (problem.kind, problem.line, problem.col) == ("unknown", 6, 3)
    assert problem.facts["key"] == "executer"


def test_a_pyproject_without_tool_ibc_is_not_parsed(tmp_path):
    s = read_settings(write(tmp_path, "pyproject.toml", "[project\nthis is not toml\n"))
    assert s.file is None and s.problems == []


def test_an_empty_ibc_toml_defers_to_pyproject(tmp_path):
    write(tmp_path, "ibc.toml", "")
    s = read_settings(write(tmp_path, "pyproject.toml", '[tool.ibc]\nexecutor = "process"\n'))
    assert s.executor == "process"


def test_ibc_toml_wins_over_pyproject(tmp_path):
    write(tmp_path, "pyproject.toml", '[tool.ibc]\nexecutor = "process"\n')
    s = read_settings(write(tmp_path, "ibc.toml", "jobs = 2\n"))
    assert (s.executor, s.jobs) == (None, 2)


def test_values_of_the_wrong_kind_are_problems_on_their_line(tmp_path):
    text = 'jobs = "2"\nexecutor = "threads"\nstubs = [1]\nstore = ""\n"address" = 5\n'
    s = read_settings(write(tmp_path, "ibc.toml", text))
    got = [(p.kind, p.line, p.facts["key"], p.facts["found"]) for p in s.problems]
    assert got == [
        ("value", 1, "jobs", '"2"'),
        ("value", 2, "executor", '"threads"'),
        ("value", 3, "stubs", "[1]"),
        ("value", 4, "store", '""'),
        ("value", 5, "address", "5"),
    ]
    assert (s.jobs, s.executor, s.stubs, s.store, s.address) == (None, None, [], None, None)


def test_booleans_are_not_numbers(tmp_path):
    s = read_settings(write(tmp_path, "ibc.toml", "jobs = true\njobs_typo = 0\n"))
    assert [(p.kind, p.facts["key"]) for p in s.problems] == [
        ("value", "jobs"),
        ("unknown", "jobs_typo"),
    ]
    assert s.problems[0].facts["found"] == "true"


def test_malformed_toml_is_one_problem_with_its_position(tmp_path):
    s = read_settings(write(tmp_path, "ibc.toml", "jobs = 2\nexecutor = process\n"))
    [problem] = s.problems
    assert (problem.kind, problem.line, problem.col) == ("malformed", 2, 12)
    assert "line" not in problem.facts["reason"]  # the position is not repeated in the words
    assert s.jobs is None  # nothing of a malformed file is used


def test_malformed_at_the_end_of_the_document_points_at_the_last_line(tmp_path):
    s = read_settings(write(tmp_path, "ibc.toml", "jobs = 2\nstubs = [\n\n"))
    [problem] = s.problems
    assert (problem.line, problem.col) == (2, 10)


def test_the_store_table_names_the_folder_and_the_remote(tmp_path):
    root = write(tmp_path, "ibc.toml", '[store]\npath = "st"\nremote = "s3://team/ibc"\n')
    s = read_settings(root)
    assert s.problems == []
    assert s.store == (root / "st").resolve() and s.remote == "s3://team/ibc"
    s = read_settings(write(tmp_path / "b", "ibc.toml", '[store]\nremote = "../shared"\n'))
    assert s.remote == str((tmp_path / "shared").resolve()) and s.store is None


def test_the_store_table_in_pyproject(tmp_path):
    text = '[project]\nname = "x"\n\n[tool.ibc.store]\nremote = "gs://b/p"\n'
    s = read_settings(write(tmp_path, "pyproject.toml", text))
    assert s.problems == [] and s.remote == "gs://b/p"


def test_problems_of_the_store_table_are_on_their_line(tmp_path):
    text = 'jobs = 2\n\n[store]\nremot = "s3://x"\npath = 3\n'
    s = read_settings(write(tmp_path, "ibc.toml", text))
    unknown, wrong = s.problems
    assert (unknown.kind, unknown.line, unknown.col) == ("unknown", 4, 1)
    assert unknown.facts["key"] == "store.remot" and "store.remote" in unknown.facts["known"]
    assert (wrong.kind, wrong.line, wrong.facts["key"]) == ("value", 5, "store.path")
    assert s.remote is None and s.store is None and s.jobs == 2
