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
    # Runs keep their store in a folder of this session (not in the checkout's examples), and
    # print no progress lines unless a test asks for them.
    import tempfile

    os.environ.setdefault("IBC_STORE", tempfile.mkdtemp(prefix="ibc-test-store-"))
    os.environ.setdefault("IBC_PROGRESS", "none")
    if config.getoption("--update-golden"):
        os.environ["IBC_UPDATE_GOLDEN"] = "1"


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_store(tmp_path_factory, monkeypatch):
    """Every test starts with an empty store of its own (a run's cached stages never leak
    into another test's counts)."""
    monkeypatch.setenv("IBC_STORE", str(tmp_path_factory.mktemp("store")))


@pytest.fixture(autouse=True)
def _forget_temporary_modules():
    """Modules a test imported from its temporary project (`helpers`, `src.stages` …) are
    forgotten after it, so a later test's project of the same module names is imported
    afresh."""
    import sys
    import tempfile

    before = set(sys.modules)
    yield
    temp = os.path.realpath(tempfile.gettempdir()) + os.sep
    checkout = os.path.realpath(os.path.join(os.path.dirname(__file__), "..")) + os.sep
    gone = set()
    for name in set(sys.modules) - before:
        path = getattr(sys.modules.get(name), "__file__", None) or ""
        real = os.path.realpath(path) if path else ""
        # (a checkout may itself live in the temporary folder: its modules stay)
        if real.startswith(temp) and not real.startswith(checkout):
            del sys.modules[name]
            gone.add(name)
    if gone:
        from ibc.runtime import values

        for key in [k for k in values._resolved if k[0] in gone]:
            del values._resolved[key]
