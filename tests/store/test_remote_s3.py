"""An S3 remote (docs/running.md, "Remote stores") against a real HTTP endpoint: moto's server
mode, started by the test as a separate process on loopback, reached by the `ibc`
subprocesses through s3fs and the standard AWS variables (`AWS_ENDPOINT_URL` among them).
Skipped when moto or s3fs is not installed (`pip install 'iterbuild[test]'` has both)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
from build_kit import values
from remote_kit import NEEDS_MAKE_K2, clone, project

pytest.importorskip("moto")
pytest.importorskip("s3fs")
pytest.importorskip("flask")  # moto's server mode


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    port = _free_port()
    log = open(tmp_path_factory.mktemp("moto") / "moto.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if server.poll() is not None or time.time() > deadline:
                server.kill()
                pytest.fail(f"moto's server did not start (exit {server.poll()})")
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=10)
    log.close()


def _aws(endpoint: str) -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
    }


def _bucket(endpoint: str, name: str):
    """A fresh bucket; the s3fs file system to look into it."""
    import s3fs

    saved = {k: os.environ.get(k) for k in _aws(endpoint)}
    os.environ.update(_aws(endpoint))
    try:
        fs = s3fs.S3FileSystem(client_kwargs={"endpoint_url": endpoint}, skip_instance_cache=True)
        fs.mkdir(name)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return fs


def test_two_clones_share_an_s3_remote(tmp_path, endpoint):
    fs = _bucket(endpoint, "team-one")
    env = _aws(endpoint)
    url = "s3://team-one/ibc"
    a = project(tmp_path / "a")
    first = a.ok("run", "main.ib", "--remote", url, **env)
    assert sorted(a.calls()) == ["count", "make"]
    fs.invalidate_cache()
    assert len(fs.find("team-one/ibc/store")) == 3  # two stages and the result
    b = clone(a, tmp_path / "b")
    done = b.run("run", "main.ib", "--remote", url, **env)
    assert done.returncode == 0 and done.stdout == first
    assert b.calls() == [] and "warning" not in done.stderr
    b.write("main.ib", NEEDS_MAKE_K2)  # make's value is downloaded, checked and kept
    done = b.run("run", "main.ib", "--remote", url, **env)
    assert values(done.stdout)["e"] == '{"c": 1200}' and b.calls() == ["count"]
    assert "make" in [e.meta.get("stage") for e in b.entries()]


def test_push_and_pull_by_hand_through_s3(tmp_path, endpoint):
    fs = _bucket(endpoint, "team-two")
    env = _aws(endpoint)
    url = "s3://team-two/shared"
    a = project(tmp_path / "a")
    a.ok("run", "main.ib", "--remote", url, "--no-push", **env)
    fs.invalidate_cache()
    assert not fs.exists("team-two/shared/store")
    out = a.ok("cache", "push", "--runs", "--remote", url, **env)
    assert out.startswith("pushed 3 entries") and "2 run records pushed" in out
    b = clone(a, tmp_path / "b")
    out = b.ok("cache", "pull", "main.ib", "--remote", url, **env)
    assert out.startswith("pulled 3 entries")
    b.ok("run", "main.ib", "--remote=")
    assert b.calls() == []


def test_an_unreachable_s3_endpoint_is_one_warning(tmp_path):
    env = _aws(f"http://127.0.0.1:{_free_port()}")  # nothing listens there
    a = project(tmp_path / "a")
    done = a.run("run", "main.ib", "--remote", "s3://nowhere/ibc", **env)
    assert done.returncode == 0 and values(done.stdout)["e"] == '{"c": 600}'
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("warning: the remote s3://nowhere/ibc")
    assert "Traceback" not in done.stderr
