"""A stage that ends its process (issue item: `sys.exit`, `os._exit`, a segfault): `SystemExit`
is that stage's failure in process; `os._exit` and a crash cannot be contained in the `ibc`
process, and `--executor process` contains them (docs/running.md, "Running, failing, resuming")."""

from __future__ import annotations

from fault_kit import assert_no_traceback_of_ibc, project, records

EXITS = """\
from "src/stages.py" import leave, ok
experiment quiet = leave(0)
experiment fine = ok(1)
experiment loud = leave(7)
"""


def test_sys_exit_in_a_stage_is_that_stage_failure(tmp_path):
    # before: exit 0 (or 7), nothing printed, `fine` never ran
    p = project(tmp_path, EXITS)
    done = p.run("run", "main.ib")
    assert done.returncode == 3, done.stderr
    assert done.stdout == "fine: 2\n"
    for name, code, at in (("quiet", 0, "main.ib:2:20"), ("loud", 7, "main.ib:4:19")):
        assert done.stderr.count(f"error: experiment {name} failed") == 1, done.stderr
        assert f"in call of leave at {at}" in done.stderr, done.stderr
        assert f"sys.exit({code})" in done.stderr
    assert 'File "' in done.stderr and "stages.py" in done.stderr  # the user's frame
    assert_no_traceback_of_ibc(done.stderr)
    status = {r["experiment"]: r["status"] for r in records(p)}
    assert status == {"quiet": "failed", "fine": "ok", "loud": "failed"}


KILLERS = """\
from "src/stages.py" import hard_exit, segfault, ok
experiment gone = hard_exit(9)
experiment fine = ok(1)
experiment crash = segfault(1)
"""


def test_process_executor_contains_os_exit_and_segfault(tmp_path):
    # in process these end `ibc` itself (exit 9, 139): the docs say so; workers contain them
    p = project(tmp_path, KILLERS)
    done = p.run("run", "main.ib", "--executor", "process", "--jobs", "2")
    assert done.returncode == 3, done.stderr
    assert done.stdout == "fine: 2\n"
    assert done.stderr.count("error: experiment gone failed") == 1, done.stderr
    assert "in call of hard_exit at main.ib:2:19" in done.stderr
    assert done.stderr.count("error: experiment crash failed") == 1, done.stderr
    assert "in call of segfault at main.ib:4:20" in done.stderr
    # each was run once more in a fresh worker, then failed with its worker's exit status
    assert "`call of hard_exit` ended with exit code 9, also when run again" in done.stderr
    assert "`call of segfault` was killed by signal 11 (SIGSEGV)" in done.stderr
    calls = p.calls()
    assert calls.count("hard_exit") == calls.count("segfault") == 2 and calls.count("ok") == 1
    status = {r["experiment"]: r["status"] for r in records(p)}
    assert status == {"gone": "failed", "fine": "ok", "crash": "failed"}


def test_os_exit_in_process_ends_the_run_as_documented(tmp_path):
    # what the docs state: in the `ibc` process, `os._exit` cannot be caught
    p = project(tmp_path, KILLERS)
    done = p.run("run", "main.ib", "gone")
    assert done.returncode == 9
