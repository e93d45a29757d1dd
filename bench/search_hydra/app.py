"""The search of bench/search_hydra.py as a Hydra user writes it, with the Optuna sweeper:

    python app.py --multirun

Each trial is a job that does the whole experiment: the two-second preprocessing
(`src/prep.py`, the same module the ibc project uses), then the model (`src/model.py`); it
returns the accuracy, which the sweeper maximizes (conf/config.yaml: TPE, seed 0, 30 trials,
C log-uniform in [0.001, 100], the scaler a choice).
"""

from __future__ import annotations

import sys
from pathlib import Path

import hydra
from omegaconf import DictConfig

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

import model  # noqa: E402
import prep  # noqa: E402


@hydra.main(version_base="1.3", config_path="conf", config_name="config")
def main(cfg: DictConfig) -> float:
    data = prep.preprocess(cfg.seed)
    return model.evaluate(data, cfg.C, cfg.scaler)["accuracy"]


if __name__ == "__main__":
    main()
