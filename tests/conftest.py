"""Shared pytest options: `--update-golden` regenerates golden files (sets IBC_UPDATE_GOLDEN=1)."""

import os


def pytest_addoption(parser):
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="regenerate golden files instead of comparing with them (sets IBC_UPDATE_GOLDEN=1)",
    )


def pytest_configure(config):
    if config.getoption("--update-golden"):
        os.environ["IBC_UPDATE_GOLDEN"] = "1"
