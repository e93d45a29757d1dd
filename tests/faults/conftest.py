"""The fault-injection suite (docs/running.md, "Running, failing, resuming"): what a stage, a
full disk, a read-only store or a killed writer does to `ibc run`. Runnable alone with
`python -m pytest tests/faults`; the projects and the `ibc` subprocess helper are those of the
end-to-end tests (`tests/runs/build_kit.py`)."""

import sys
from pathlib import Path

_RUNS = str(Path(__file__).resolve().parent.parent / "runs")
if _RUNS not in sys.path:
    sys.path.insert(0, _RUNS)
