"""The purity benchmark's pipeline stays valid: it checks cleanly, and its two variants of
`ibc` (isolation off, isolation timed) run it to the same results as `ibc` itself.

Run with `python -m pytest bench/tests -q` (not part of the main `tests/` suite).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ibc.driver import check_file

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "purity"


def test_the_pipeline_checks_cleanly():
    result = check_file(FIXTURE / "pipeline.ib")
    assert result.ok and not result.diagnostics, [str(d) for d in result.diagnostics]


def test_the_variants_print_what_ibc_prints(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project)
    (project / "pipeline.ib").write_text(
        (project / "pipeline.ib").read_text().replace("rows = 100000", "rows = 2000")
    )
    env = dict(os.environ, IBC_PROGRESS="none", NO_COLOR="1")
    env["IBC_BENCH_TIMES"] = str(tmp_path / "times.json")
    outputs = []
    for command in (["-m", "ibc"], ["ibc_variant.py", "off"], ["ibc_variant.py", "timed"]):
        done = subprocess.run(
            [sys.executable, *command, "run", "pipeline.ib", "--force", "--quiet"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] == outputs[2] and outputs[0].count("\n") == 3
    spent = json.loads((tmp_path / "times.json").read_text())
    assert spent["calls"] == 17 and 0 < spent["hand"] + spent["check"] < spent["process_cpu"]
