"""What a shared remote may not do (docs/running.md, "Trust"): a damaged entry (value
replaced behind an intact header) and, in a signed store (`$IBC_STORE_KEY`), a forged one
(checksums right, signature missing or made with another key) are never unpickled: each is
reported in one line and its stage computed again, and the run pushes a sound entry in its
place. The planted values would create a marker file when unpickled; it must never appear."""

from __future__ import annotations

from build_kit import values
from remote_kit import clone, entry_of, forge, project, remote_entries, tamper_value

from ibc.runtime.store import check_file

NEEDS_MAKE = 'from "src/stages.py" import make, count\nexperiment e = {c = count(make(600), 2)}\n'


def _shared(tmp_path, **env):
    remote = tmp_path / "remote"
    remote.mkdir()
    a = project(tmp_path / "a")
    a.ok("run", "main.ib", "--remote", remote.as_uri(), **env)
    assert sorted(a.calls()) == ["count", "make"]
    return a, remote


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "failed verification" in line]


def test_a_damaged_remote_entry_is_recomputed_not_loaded(tmp_path):
    a, remote = _shared(tmp_path)
    marker = tmp_path / "pwned"
    tamper_value(entry_of(remote, "make"), f"touch {marker}")
    b = clone(a, tmp_path / "b")
    b.write("main.ib", NEEDS_MAKE)  # a new downstream stage: make's value must be loaded
    done = b.run("run", "main.ib", "--remote", remote.as_uri())
    assert done.returncode == 0, done.stderr
    assert values(done.stdout)["e"] == '{"c": 1200}'
    assert sorted(b.calls()) == ["count", "make"]  # make computed again, not loaded
    assert not marker.exists()
    lines = _warnings(done.stderr)
    assert len(lines) == 1 and "checksum is wrong" in lines[0], done.stderr
    assert "Traceback" not in done.stderr
    # the run replaced the damaged entry: the next clone loads it
    assert all(check_file(k, f) == "sound" for k, f in remote_entries(remote).items())
    c = clone(b, tmp_path / "c")
    c.write("main.ib", NEEDS_MAKE.replace("2)}", "3)}"))
    done = c.run("run", "main.ib", "--remote", remote.as_uri())
    assert c.calls() == ["count"] and _warnings(done.stderr) == [] and not marker.exists()


def test_a_damaged_entry_is_not_kept_by_cache_pull(tmp_path):
    a, remote = _shared(tmp_path)
    marker = tmp_path / "pwned"
    tamper_value(entry_of(remote, "make"), f"touch {marker}")
    b = clone(a, tmp_path / "b")
    out = b.ok("cache", "pull", "--remote", remote.as_uri())
    assert out.startswith("pulled 2 entries") and "1 failed verification" in out
    assert [e.meta.get("stage") for e in b.entries() if e.meta.get("stage") == "make"] == []
    b.write("main.ib", NEEDS_MAKE)
    b.ok("run", "main.ib", "--remote=")
    assert sorted(b.calls()) == ["count", "make"] and not marker.exists()


def test_a_forged_entry_of_a_signed_remote_is_never_executed(tmp_path):
    key = {"IBC_STORE_KEY": "team-secret"}
    a, remote = _shared(tmp_path, **key)
    assert all(b'"sig":"' in f.read_bytes()[:4096] for f in remote_entries(remote).values())
    marker = tmp_path / "pwned"
    # well-formed entries with right checksums: unsigned, and signed with another key
    forge(entry_of(remote, "make"), f"touch {marker}", tmp_path / "forger")
    forge(entry_of(remote, "count"), f"touch {marker}", tmp_path / "forger", key="guess")
    b = clone(a, tmp_path / "b")
    done = b.run("run", "main.ib", "--remote", remote.as_uri(), **key)
    assert done.returncode == 0, done.stderr
    assert values(done.stdout)["e"] == '{"c": 600}'
    assert sorted(b.calls()) == ["count", "make"]
    assert not marker.exists()
    lines = _warnings(done.stderr)
    assert len(lines) == 1 and "2 entries" in lines[0] and "not signed" in lines[0]
    # replaced by signed entries: a third clone, with the key, runs nothing
    c = clone(a, tmp_path / "c")
    c.ok("run", "main.ib", "--remote", remote.as_uri(), **key)
    assert c.calls() == [] and not marker.exists()
    # a forged entry that must be loaded (a new downstream stage) is refused the same way
    forge(entry_of(remote, "make"), f"touch {marker}", tmp_path / "forger2")
    d = clone(a, tmp_path / "d")
    d.write("main.ib", NEEDS_MAKE)
    done = d.run("run", "main.ib", "--remote", remote.as_uri(), **key)
    assert sorted(d.calls()) == ["count", "make"] and not marker.exists()
    assert len(_warnings(done.stderr)) == 1


def test_cache_push_with_a_key_sends_only_signed_entries(tmp_path):
    remote = tmp_path / "remote"
    remote.mkdir()
    a = project(tmp_path / "a")
    a.ok("run", "main.ib")  # no key: unsigned entries
    out = a.ok("cache", "push", "--remote", remote.as_uri(), IBC_STORE_KEY="team-secret")
    assert "pushed 0 entries" in out and "3 not signed by $IBC_STORE_KEY, not sent" in out
    assert remote_entries(remote) == {}
    a.ok("cache", "clear")
    a.ok("run", "main.ib", IBC_STORE_KEY="team-secret")
    out = a.ok("cache", "push", "--remote", remote.as_uri(), IBC_STORE_KEY="team-secret")
    assert out.startswith("pushed 3 entries")
