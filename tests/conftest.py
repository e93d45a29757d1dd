"""Shared pytest options: `--update-golden` regenerates golden files (sets IBC_UPDATE_GOLDEN=1;
see tests/golden_kit.py)."""

import os
import sys

import golden_kit


def pytest_addoption(parser):
    golden_kit.add_option(parser)


def pytest_configure(config):
    # Runs keep their store in a folder of this session (not in the checkout's examples), and
    # print no progress lines unless a test asks for them.
    import tempfile

    os.environ.setdefault("IBC_STORE", tempfile.mkdtemp(prefix="ibc-test-store-"))
    os.environ.setdefault("IBC_PROGRESS", "none")
    # Tables fit $COLUMNS when it is set (docs/commands.md, "Tables"): the tests compare them
    # whole, whatever the shell that started pytest exports.
    os.environ.pop("COLUMNS", None)
    golden_kit.configure(config)


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_store(tmp_path_factory, monkeypatch):
    """Every test starts with an empty store of its own (a run's cached stages never leak
    into another test's counts)."""
    monkeypatch.setenv("IBC_STORE", str(tmp_path_factory.mktemp("store")))


def _kept_folders() -> tuple[str, ...]:
    """Folders whose modules a test never owns, though they may lie in the temporary folder:
    the checkout, and the interpreter's own installation (a fresh virtual environment, as
    `.ci/run` makes, lives there; forgetting e.g. `numpy.fft` would import it twice, which
    numpy refuses)."""
    import site
    import sysconfig

    folders = {os.path.join(os.path.dirname(__file__), "..")}
    folders.update({sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix})
    folders.update(p for p in sysconfig.get_paths().values() if p)
    folders.update(site.getsitepackages())
    if site.ENABLE_USER_SITE and site.getusersitepackages():
        folders.add(site.getusersitepackages())
    return tuple(sorted(os.path.realpath(f) + os.sep for f in folders))


_KEPT = _kept_folders()


@pytest.fixture(autouse=True)
def _forget_temporary_modules():
    """Modules a test imported from its temporary project (`helpers`, `src.stages` …) are
    forgotten after it, so a later test's project of the same module names is imported
    afresh."""
    import tempfile

    before = set(sys.modules)
    yield
    temp = os.path.realpath(tempfile.gettempdir()) + os.sep
    gone = set()
    for name in set(sys.modules) - before:
        path = getattr(sys.modules.get(name), "__file__", None) or ""
        real = os.path.realpath(path) if path else ""
        if real.startswith(temp) and not real.startswith(_KEPT):
            del sys.modules[name]
            gone.add(name)
    if gone:
        from ibc.runtime import values

        for key in [k for k in values._resolved if k[0] in gone]:
            del values._resolved[key]
