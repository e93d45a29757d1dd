"""Executors (docs/running.md "Executors"): `--executor process --jobs 2` and `--executor dask
--jobs 2` print what `local` prints on a small scikit-learn experiment with a sweep, and store
entries that a later local run finds."""

from __future__ import annotations

import pytest
from build_kit import Project

STAGES = """\
import numpy as np


def scale(X: np.ndarray) -> np.ndarray:
    log("scale")
    return (X - X.mean(axis=0)) / X.std(axis=0)
"""

MAIN = """\
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from "src/stages.py" import scale

(X, y) = load_iris(return_X_y = True)
(X_train, X_test, y_train, y_test) = train_test_split(scale(X), y, test_size = 0.3, random_state = 0)
model = LogisticRegression(C = 1.0, max_iter = 500)
fitted = fit(model, X_train, y_train)
experiment base = {accuracy = accuracy_score(y_test, predict(fitted, X_test))}
sweep grid = base with { model.C in [0.01, 0.1] }
"""


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    """The project, and what a local run of it prints."""
    p = Project(tmp_path_factory.mktemp("executors") / "proj")
    p.stages(STAGES)
    p.write("main.ib", MAIN)
    out = p.ok("run", "main.ib", "--store", str(p.root / "local-store"))
    lines = out.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "base",
        "grid[model.C=0.01]",
        "grid[model.C=0.1]",
    ]
    assert p.calls() == ["scale"]
    return p, out


def check_executor(p: Project, expected: str, executor: str) -> None:
    store = str(p.root / f"{executor}-store")
    assert (
        p.ok("run", "main.ib", "--executor", executor, "--jobs", "2", "--store", store) == expected
    )
    assert p.calls() == ["scale"]  # ran once, in a worker, for all three experiments
    assert p.ok("run", "main.ib", "--store", store) == expected  # cached by the worker run
    assert p.calls() == []


def test_process_executor_prints_what_local_prints(local):
    p, expected = local
    check_executor(p, expected, "process")


def test_dask_executor_prints_what_local_prints(local):
    pytest.importorskip("distributed")
    p, expected = local
    check_executor(p, expected, "dask")
