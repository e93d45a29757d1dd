"""The `sweep4` experiment (bench/build.py, target 5) as a Hydra user writes it.

    python app.py --multirun C=0.01,0.1,1.0,10.0

Each job of the sweep does the whole experiment: the 2-second preprocessing
(`prep.preprocess`), then training the model (`model.train`) with its `C`, and logs the
accuracy. The two Python modules are the ibc fixture's own (`bench/build_fixtures/sweep4/src`,
or the folder named by `$SWEEP_SRC`), so both tools run the same code.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import hydra
from omegaconf import DictConfig

HERE = Path(__file__).resolve().parent
SRC = os.environ.get("SWEEP_SRC") or str(HERE.parent / "build_fixtures" / "sweep4" / "src")
sys.path.insert(0, SRC)

import model  # noqa: E402
import prep  # noqa: E402

log = logging.getLogger(__name__)


@hydra.main(version_base="1.3", config_path="conf", config_name="config")
def main(cfg: DictConfig) -> float:
    data = prep.preprocess(cfg.rows, cfg.seed)
    accuracy = model.train(data, cfg.C)
    log.info("C=%s accuracy=%s", cfg.C, accuracy)
    return accuracy


if __name__ == "__main__":
    main()
