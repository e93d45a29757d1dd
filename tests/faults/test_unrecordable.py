"""Values the run record cannot hold (an int over 4,300 digits, a lone surrogate, an
exception whose `__str__` raises, an object whose `__repr__` raises) are recorded as a repr
that cannot raise; the run goes on (docs/running.md, "Running, failing, resuming")."""

from __future__ import annotations

import json
import subprocess
import sys

from build_kit import ibc_env
from fault_kit import assert_no_traceback_of_ibc, project, records

MAIN = """\
from "src/stages.py" import big_int, lone_surrogate, raise_unprintable, no_repr, ok
experiment huge = big_int(1)
experiment nested = {v = big_int(2)}
experiment odd = lone_surrogate(1)
experiment bad = raise_unprintable(1)
experiment opaque = no_repr(1)
experiment fine = ok(1)
"""


def test_unrecordable_values_never_abort_the_run(tmp_path):
    # before: the first of them aborted the run with a traceback; `fine` never ran
    p = project(tmp_path, MAIN)
    done = p.run("run", "main.ib")
    assert done.returncode == 3, done.stderr  # `bad` raised: that one experiment failed
    assert done.stdout.splitlines() == [
        'huge: "<int of 5001 digits>"',
        'nested: {"v": "<int of 5001 digits>"}',
        'odd: "a\\\\udc80b"',
        'opaque: "<NoRepr object (its repr failed)>"',
        "fine: 2",
    ]
    assert done.stderr.count("error: experiment bad failed") == 1
    assert "in call of raise_unprintable at main.ib:5:18" in done.stderr
    assert "<exception str() failed>" in done.stderr
    assert_no_traceback_of_ibc(done.stderr)

    by_name = {r["experiment"]: r for r in records(p)}
    assert set(by_name) == {"huge", "nested", "odd", "bad", "opaque", "fine"}
    assert by_name["huge"]["value"] == "<int of 5001 digits>"
    assert by_name["odd"]["value"] == "a\\udc80b"
    assert by_name["bad"]["status"] == "failed" and "Unprintable" in by_name["bad"]["error"]
    assert by_name["fine"]["value"] == 2

    # the values themselves are stored whole: the record only describes them
    script = (
        "import ibc.runtime as r; v = r.load('main.ib', 'nested')['v']; "
        "print(v == 10 ** 5000, r.load('main.ib', 'odd') == 'a\\udc80b')"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script], cwd=p.root, capture_output=True, text=True, env=ibc_env()
    )
    assert shown.stdout.strip() == "True True", shown.stderr

    # and `--json` and `ibc results` read what was recorded
    again = p.run("run", "main.ib", "--json")
    assert json.loads(again.stdout)["huge"] == "<int of 5001 digits>"
    table = p.run("results", "main.ib", "--format", "json")
    assert table.returncode == 0, table.stderr
    json.loads(table.stdout)
