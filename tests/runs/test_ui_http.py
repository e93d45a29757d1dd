"""`ibc ui`'s safety over HTTP (docs/ui.md, "Safety"), against the real server: no method
but GET and HEAD is accepted and nothing in the project changes; request paths cannot
escape the static folder or the store (raw `..`, encoded `%2e%2e` and `%2f`); a `Host`
that is not this machine is refused; a tampered store entry whose pickle would run code is
shown as "no summary" and never unpickled. Also the command's own checks (a missing file,
the warning of another host) and how run records become rows (a run in flight, a killed run).
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.runs.build_kit import ibc_env
from tests.runs.ui_kit import Server, make_project

pytest.importorskip("starlette", reason="ibc ui needs the ui extra (pip install 'iterbuild[ui]')")
pytest.importorskip("uvicorn", reason="ibc ui needs the ui extra (pip install 'iterbuild[ui]')")


class Evil:
    """Unpickling this creates the file `marker`: what a tampered entry could do."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    p = make_project(tmp_path_factory.mktemp("uihttp") / "proj")
    p.ok("run", "main.ib", "base", "noisy")
    server = Server(p.root)
    yield p, server
    server.stop()


def request(server: Server, method: str, path: str, host: str | None = None):
    """`method path` sent as written (no normalisation of `..` or `%2e`): (status, body)."""
    parts = urlsplit(server.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
    try:
        connection.putrequest(method, path, skip_host=host is not None, skip_accept_encoding=True)
        if host is not None:
            connection.putheader("Host", host)
        connection.putheader("Content-Length", "0")
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def get_json(server: Server, path: str) -> dict:
    status, body = request(server, "GET", path)
    assert status == 200, (path, status, body)
    return json.loads(body)


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(root)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.parts
    }


def ids(server: Server) -> tuple[str, str, str]:
    """A run id, its stage log's node id of `shout` and that stage's store key."""
    run = get_json(server, "/api/graphs")["runs"][0]["run"]
    nodes = get_json(server, f"/api/graph/{run}")["nodes"]
    shout = next(n for n in nodes if n["label"] == "shout")
    return run, shout["id"], shout["key"]


def test_no_method_but_get_and_head_is_accepted_and_nothing_changes(site):
    p, server = site
    run, node, _ = ids(server)
    before = snapshot(p.root)
    paths = [
        "/",
        "/api/runs",
        f"/api/record/{run}/0",
        f"/api/graph/{run}",
        f"/api/stage/{run}/{node}",
    ]
    paths += ["/static/js/app.js", "/api/version", "/api/nothing", "/static/new.js"]
    for path in paths:
        for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"):
            status, body = request(server, method, path)
            assert status == 405, (method, path, status)
            assert "read-only" in body
    for path in paths[:7]:
        assert request(server, "HEAD", path)[0] == 200
    assert snapshot(p.root) == before  # nothing written, removed or touched


SERVER_SOURCE = "def make_app("  # in ibc/ui/server.py, one folder above static/


@pytest.mark.parametrize(
    "path",
    [
        "/static/../server.py",
        "/static/../../ui/server.py",
        "/static/%2e%2e/server.py",
        "/static/..%2fserver.py",
        "/static/%2e%2e%2f%2e%2e%2fui%2fserver.py",
        "/static/js/../../server.py",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/../../../../etc/passwd",
        "/api/record/..%2f..%2fmain.ib/0",
        "/api/graph/..%2F..%2Fmain.ib",
        "/api/graph/%2e%2e",
        "/api/stage/RUN/..%2f..%2f..%2fmain.ib",
        "/api/stage/RUN/%2e%2e%2fstore",
    ],
)
def test_request_paths_cannot_escape(site, path):
    _, server = site
    run = get_json(server, "/api/graphs")["runs"][0]["run"]
    status, body = request(server, "GET", path.replace("RUN", run))
    assert status in (400, 404), (path, status, body[:200])
    assert SERVER_SOURCE not in body and "root:" not in body and "stages.py" not in body


def test_a_host_that_is_not_this_machine_is_refused(site):
    _, server = site
    assert request(server, "GET", "/api/runs", host="evil.example")[0] == 400
    assert request(server, "GET", "/api/runs", host="evil.example:80")[0] == 400
    assert (
        request(server, "GET", "/api/runs", host=f"localhost:{urlsplit(server.url).port}")[0] == 200
    )
    assert request(server, "GET", "/api/runs", host="[::1]:8765")[0] == 200
    assert request(server, "GET", "/api/runs", host="127.0.0.1.evil.example")[0] == 400
    assert request(server, "POST", "/api/runs", host="evil.example")[0] == 400


def test_a_tampered_pickle_is_never_unpickled(site, tmp_path):
    p, server = site
    run, node, key = ids(server)
    marker = tmp_path / "unpickled"
    from ibc.runtime.store import DiskStore

    store = DiskStore(p.root / ".ibc")
    meta = {k: v for k, v in store.meta(key).meta.items() if k != "json"}
    store.put(key, Evil(str(marker)), meta)  # a sound entry (checksum right), evil content
    before = snapshot(p.root)
    found = get_json(server, f"/api/stage/{run}/{node}")
    assert found["has_summary"] is False and found["summary"] is None
    assert found["entry"]["codec"] == "pickle" and found["entry"]["size"] > 0
    noisy = next(r for r in get_json(server, "/api/runs")["rows"] if r["experiment"] == "noisy")
    assert get_json(server, f"/api/record/{noisy['id']}")["entry"]["key"] == key  # the same entry
    for path in ("/api/runs", f"/api/graph/{run}", "/api/graphs"):
        get_json(server, path)
    assert not marker.exists()
    assert snapshot(p.root) == before
    # the entry really is dangerous: loading it, as a run would, runs the code
    code = f"from ibc.runtime.store import DiskStore; DiskStore({str(p.root / '.ibc')!r}).load({key!r})"
    subprocess.run([sys.executable, "-c", code], check=True, env=ibc_env(), cwd=tmp_path)
    assert marker.exists()


def test_a_record_s_value_has_its_summary_in_its_entry_too(site):
    _, server = site
    rows = get_json(server, "/api/runs")["rows"]
    base = next(r for r in rows if r["experiment"] == "base")
    run, index = base["id"].split("/")
    found = get_json(server, f"/api/record/{run}/{index}")
    assert found["record"]["value"] == {"accuracy": 1.0, "penalty": 0.5}
    # a record is not a stage: its result entry keeps the JSON rendering a stage's does
    assert found["entry"]["meta"]["stage"] == "result"
    assert found["entry"]["meta"]["json"] == found["record"]["value"]


def test_a_damaged_entry_is_reported_not_removed(site):
    p, server = site
    run, node, key = ids(server)
    path = p.root / ".ibc" / "store" / key[:2] / key
    data = path.read_bytes()
    try:
        path.write_bytes(data[:-1])  # truncated
        found = get_json(server, f"/api/stage/{run}/{node}")
        assert found["entry"] == {"key": key, "damaged": True}
        assert path.exists()  # unlike a run, the UI removes nothing
    finally:
        path.write_bytes(data)


def test_a_missing_file_is_a_usage_error(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "ibc", "ui", "nowhere.ib", "--port", "0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=ibc_env(),
        timeout=60,
    )
    assert done.returncode == 2
    assert "error: no such file: nowhere.ib" in done.stderr and "hint:" in done.stderr


def test_another_host_is_served_only_when_asked_with_a_warning(site):
    p, _ = site
    server = Server(p.root, "--host", "0.0.0.0")
    try:
        assert server.url.startswith("http://0.0.0.0:")
        parts = urlsplit(server.url)
        connection = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=20)
        connection.request("GET", "/api/version", headers={"Host": "some-name"})
        assert connection.getresponse().status == 200  # any name, as asked
        connection.close()
    finally:
        err = server.stop()
    assert "warning: listening on 0.0.0.0: anyone who can reach this address" in err


def test_a_browser_is_opened_only_with_open(site, tmp_path):
    p, _ = site
    opened = tmp_path / "opened"
    script = tmp_path / "browser.sh"
    script.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    script.chmod(0o755)
    for args in ((), ("--open",)):
        server = Server(p.root, *args, BROWSER=f"{script} %s")
        try:
            deadline = time.monotonic() + 20
            while args and not opened.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            server.stop()
        if not args:
            assert not opened.exists()
    assert opened.read_text().split() == [server.url]


def test_a_port_in_use_is_a_usage_error(tmp_path):
    import socket

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    try:
        port = str(taken.getsockname()[1])
        done = subprocess.run(
            [sys.executable, "-m", "ibc", "ui", "--port", port],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env=ibc_env(),
            timeout=60,
        )
    finally:
        taken.close()
    assert done.returncode == 2
    assert f"error: cannot listen on 127.0.0.1:{port}" in done.stderr and "--port 0" in done.stderr


def test_the_default_is_this_machine_only(site):
    _, server = site
    assert server.url.startswith("http://127.0.0.1:")


def test_runs_in_flight_and_killed_runs(tmp_path):
    from ibc.ui.records import Records

    runs = tmp_path / ".ibc" / "runs"
    runs.mkdir(parents=True)
    alive = "20261206T080000000000-1"
    dead = "20261206T080001000000-2"
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True
    )
    live = {"run": alive, "pid": os.getpid(), "file": "a.ib", "experiments": ["x", "y"]}
    (runs / f"{alive}.live.json").write_text(
        json.dumps({**live, "started": "2026-12-06T08:00:00Z"})
    )
    (runs / f"{alive}.jsonl").write_text(json.dumps({"experiment": "x", "status": "ok"}) + "\n")
    (runs / f"{dead}.live.json").write_text(
        json.dumps({**live, "run": dead, "pid": int(gone.stdout)})
    )
    records = Records(tmp_path / ".ibc")
    rows = records.rows()
    assert [(r["experiment"], r["status"]) for r in rows] == [("y", "running"), ("x", "ok")]
    assert Records(tmp_path / ".ibc", ["b.ib"]).rows() == []  # another file's run
    version = records.version()
    with open(runs / f"{alive}.jsonl", "a") as f:
        f.write(json.dumps({"experiment": "y", "status": "failed", "error": "e"}) + "\n{half")
    assert records.version() != version
    rows = [(r["experiment"], r["status"]) for r in records.rows()]
    assert rows == [("x", "ok"), ("y", "failed")]  # a run's records in their order


def test_every_asset_the_page_names_is_in_the_package_and_none_is_remote():
    import re

    import ibc.ui.server

    static = Path(ibc.ui.server.__file__).parent / "static"
    own = [static / "index.html", static / "app.css", *sorted((static / "js").glob("*.js"))]
    named = set()
    for path in own:
        text = path.read_text(encoding="utf-8")
        remote = re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}[^\s\"'`)]*", text)
        assert [u for u in remote if "www.w3.org/2000/svg" not in u] == [], path
        named |= set(re.findall(r"/static/([\w./-]+\.(?:js|css))", text))
        named |= {f"vendor/{n}.min.js" for n in re.findall(r"IBC\.need\(\"(\w+)\"\)", text)}
    assert {"vendor/echarts.min.js", "vendor/dagre.min.js", "js/app.js", "app.css"} <= named
    assert [n for n in sorted(named) if not (static / n).is_file()] == []
    versions = json.loads((static / "vendor" / "VERSIONS.json").read_text())
    package = json.loads((Path(__file__).resolve().parents[2] / "ui" / "package.json").read_text())
    assert versions == package["dependencies"]  # the files are those of the pinned versions


def test_files_keep_the_runs_of_those_files(site):
    p, _ = site
    for shown, count in (("main.ib", 2), ("search.ib", 0)):
        server = Server(p.root, shown)
        try:
            rows = get_json(server, "/api/runs")["rows"]
            assert len(rows) == count and all(r["file"] == shown for r in rows)
            assert len(get_json(server, "/api/graphs")["runs"]) == (1 if count else 0)
            assert get_json(server, "/api/project")["files"] == [shown]
        finally:
            server.stop()
