"""A fully cached run imports nothing it does not need (docs/running.md "Running, failing,
resuming"): none of the user's modules and, for a cached scikit-learn experiment, not scikit-learn
(nor NumPy)."""

from __future__ import annotations

import subprocess
import sys

from build_kit import Project, ibc_env

STAGES = """\
import numpy as np

log("imported")


def scale(X: np.ndarray) -> np.ndarray:
    log("scale")
    return (X - X.mean(axis=0)) / X.std(axis=0)
"""

MAIN = """\
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from "src/stages.py" import scale

(X, y) = load_iris(return_X_y = True)
Xs = scale(X)
fitted = fit(LogisticRegression(max_iter = 300), Xs, y)
experiment train_accuracy = {accuracy = accuracy_score(y, predict(fitted, Xs))}
"""

PROBE = """\
import sys
from ibc.commands.cli import main
code = main(["run", "main.ib"])
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"sklearn", "numpy", "scipy", "src"})
print("EXIT", code, "MODULES", heavy)
"""


def test_cached_run_imports_no_user_module_and_no_sklearn(tmp_path):
    p = Project(tmp_path / "proj")
    p.stages(STAGES)
    p.write("main.ib", MAIN)
    first = p.ok("run", "main.ib")
    assert first.startswith('train_accuracy: {"accuracy": 0.9')
    assert p.calls() == ["imported", "scale"]
    probe = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=p.root,
        capture_output=True,
        text=True,
        env=ibc_env(),
        timeout=120,
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.splitlines() == [first.strip(), "EXIT 0 MODULES []"]
    assert p.calls() == []  # not even imported
    # the same seen by -X importtime
    timed = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "ibc", "run", "main.ib"],
        cwd=p.root,
        capture_output=True,
        text=True,
        env=ibc_env(),
        timeout=120,
    )
    assert timed.returncode == 0 and timed.stdout == first
    imported = {line.split("|")[-1].strip() for line in timed.stderr.splitlines() if "|" in line}
    assert "ibc.runtime" in imported  # the probe sees imports at all
    assert not {m for m in imported if m.split(".")[0] in ("sklearn", "src", "numpy")}
