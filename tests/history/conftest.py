"""Each history test gets its own ibc cache folder and forgets opened repositories."""

from __future__ import annotations

import shutil

import pytest

from ibc.resolve.revisions import forget_repositories

if shutil.which("git") is None:  # pragma: no cover - the environment has git
    pytest.skip("git is not installed", allow_module_level=True)


@pytest.fixture(autouse=True)
def _own_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("IBC_CACHE_DIR", str(tmp_path_factory.mktemp("ibc-cache")))
    forget_repositories()
    yield
    forget_repositories()
