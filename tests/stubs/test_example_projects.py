"""The example projects (`examples/`) and the guide's first example.

Each example is a project folder (an `ibc.toml` marks its root) with a README saying how to
run it; its `.ib` files parse (once the parser exists); the typed Python of the cancer
example does what its signatures promise without modifying its input.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PROJECTS = sorted(p for p in EXAMPLES.iterdir() if p.is_dir())
IB_FILES = sorted(EXAMPLES.rglob("*.ib"))


def _parse(name: str, text: str):
    if importlib.util.find_spec("ibc.syntax.parser") is None:
        pytest.skip("ibc.syntax.parser is not written yet")
    from ibc.syntax.parser import parse_module
    from ibc.base.spans import Source

    return parse_module(Source(name, text))


def test_the_examples_exist():
    assert {p.name for p in PROJECTS} >= {"cancer", "diabetes"}


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_an_example_is_a_project_with_a_readme(project: Path):
    assert (project / "ibc.toml").is_file()
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert re.search(r"`ibc run \w+\.ib", readme)
    assert list(project.glob("*.ib"))


@pytest.mark.parametrize("path", IB_FILES, ids=lambda p: p.name)
def test_an_example_parses(path: Path):
    module, diagnostics = _parse(str(path), path.read_text(encoding="utf-8"))
    assert module is not None
    assert [d for d in diagnostics if d.is_error()] == []
    kinds = {type(d).__name__ for d in module.decls}
    assert {"PyImport", "FuncDef", "Experiment"} <= kinds


@pytest.mark.parametrize("path", IB_FILES, ids=lambda p: p.name)
def test_an_example_uses_no_coming_feature(path: Path):
    """Revisions (`@ "rev"`) do not run yet; overrides and sweeps do."""
    text = re.sub(r"#.*", "", path.read_text(encoding="utf-8"))
    assert not re.search(r"@\s*\"", text, re.MULTILINE)


def test_the_guides_first_example_parses():
    guide = (ROOT / "docs" / "guide.md").read_text(encoding="utf-8")
    first = re.search(r"```\n(.*?)```", guide, re.DOTALL).group(1)
    assert "experiment baseline" in first
    module, diagnostics = _parse("guide.ib", first)
    assert module is not None and [d for d in diagnostics if d.is_error()] == []


def _features():
    path = EXAMPLES / "cancer" / "src" / "features.py"
    spec = importlib.util.spec_from_file_location("cancer_features", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_add_ratios_appends_three_columns_without_touching_its_input():
    features = _features()
    X = np.arange(1.0, 61.0).reshape(2, 30)
    X.setflags(write=False)  # stages get read-only arrays
    out = features.add_ratios(X)
    assert out.shape == (2, 33)
    assert np.array_equal(out[:, :30], X)
    assert out[0, 30] == pytest.approx(X[0, 0] / X[0, 1])


def test_add_ratios_gives_zero_for_a_zero_denominator():
    features = _features()
    X = np.ones((1, 30))
    X[0, 1] = 0.0
    assert features.add_ratios(X)[0, 30] == 0.0


def test_scale_centres_only_when_asked():
    features = _features()
    X = np.array([[1.0, 5.0], [3.0, 5.0]])
    centred = features.scale(X)
    assert np.allclose(centred[:, 0], [-1.0, 1.0]) and np.allclose(centred[:, 1], 0.0)
    assert np.allclose(features.scale(X, with_mean=False)[:, 0], [1.0, 3.0])
