"""The store suite: the remote-store tests run `ibc` through the projects and subprocess helper
of the end-to-end tests (`tests/runs/build_kit.py`)."""

import sys
from pathlib import Path

_RUNS = str(Path(__file__).resolve().parent.parent / "runs")
if _RUNS not in sys.path:
    sys.path.insert(0, _RUNS)
