"""End-to-end: the examples compile and run in both targets, through the real CLI, on
data that ships with scikit-learn."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*/*.ib"))


def ibc(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "ibc", *args],
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_there_are_examples():
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.parent.name)
def test_example_checks_cleanly(example: Path):
    result = ibc("check", str(example))
    assert result.returncode == 0, result.stderr
    assert "error[" not in result.stderr and "warning[" not in result.stderr


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.parent.name)
def test_example_runs_and_both_targets_agree(example: Path, tmp_path: Path):
    run = ibc("run", str(example), "--json")
    assert run.returncode == 0, run.stderr
    via_run = json.loads(run.stdout)
    assert via_run, "the example has experiments"
    for value in via_run.values():
        assert isinstance(value, dict) and value, value
        assert all(isinstance(v, float) for v in value.values()), value

    results = {}
    for target in ("script", "plain"):
        out = tmp_path / f"{example.stem}_{target}.py"
        compiled = ibc("compile", str(example), "--target", target, "-o", str(out))
        assert compiled.returncode == 0, compiled.stderr
        done = subprocess.run(
            [sys.executable, str(out), "--json"],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr
        results[target] = json.loads(done.stdout)
    assert results["script"] == via_run
    assert results["plain"] == via_run


def test_cancer_metrics_are_plausible():
    run = ibc("run", str(ROOT / "examples/cancer/cancer.ib"), "baseline", "--json")
    assert run.returncode == 0, run.stderr
    baseline = json.loads(run.stdout)["baseline"]
    assert 0.9 < baseline["accuracy"] <= 1.0
    assert 0.9 < baseline["f1"] <= 1.0


def test_unknown_target_is_bad_usage():
    run = ibc("run", str(ROOT / "examples/cancer/cancer.ib"), "basline")
    assert run.returncode == 2
    assert "baseline" in run.stderr


def test_compile_output_is_deterministic(tmp_path: Path):
    example = ROOT / "examples/cancer/cancer.ib"
    first = ibc("compile", str(example)).stdout
    second = ibc("compile", str(example)).stdout
    assert first == second and first.startswith("#")
