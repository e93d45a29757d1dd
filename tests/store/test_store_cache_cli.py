"""`ibc cache ls|gc|clear` texts and `--before` parsing."""

import time
from datetime import datetime

import pytest

from ibc.commands.cache import (
    cache_clear,
    cache_gc,
    cache_ls,
    human_age,
    human_size,
    parse_before,
)
from ibc.runtime.store import open_store

NOW = 1_800_000_000.0
K1, K2, K3 = "a1" + "0" * 30, "b2" + "1" * 30, "c3" + "2" * 30


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / ".ibc")
    s.put(K1, list(range(100)), {"stage": "load_data", "at": "exp.ib:3:9", "time": NOW - 3 * 86400})
    s.put(K2, {"acc": 0.9}, {"stage": "fit", "at": "exp.ib:7:5", "time": NOW - 7200})
    s.put(K3, "x", {"time": NOW - 30})
    return s


def test_ls_summary(store):
    text = cache_ls(store, now=NOW)
    assert text.startswith("3 entries, ")
    assert "oldest 3 days ago, newest 30 s ago" in text
    assert len(text.splitlines()) == 1


def test_ls_long_lists_newest_first(store):
    lines = cache_ls(store, long=True, now=NOW).splitlines()
    assert len(lines) == 4
    assert lines[1].startswith(K3[:12]) and lines[1].split()[-1] == "-"
    assert lines[2].startswith(K2[:12]) and "2 h ago" in lines[2]
    assert lines[2].split()[-2:] == ["fit", "exp.ib:7:5"]
    assert lines[2].index("fit") == lines[3].index("load_data")  # aligned columns
    assert lines[3].startswith(K1[:12]) and "load_data" in lines[3] and "exp.ib:3:9" in lines[3]
    assert K1 not in lines[3]  # keys are shortened


def test_ls_empty_store(tmp_path):
    assert cache_ls(open_store(tmp_path / ".ibc")) == f"the store at {tmp_path / '.ibc'} is empty"


def test_gc_says_what_it_removed(store):
    text = cache_gc(store, keep={K1}, before=NOW - 3600)
    assert text.startswith("removed 1 entry (") and text.endswith("; kept 2")
    assert sorted(store.keys()) == [K1, K3]


def test_clear_says_what_it_removed(store):
    size = store.stats()["bytes"]
    assert cache_clear(store) == f"removed 3 entries ({human_size(size)})"
    assert cache_clear(store) == "removed 0 entries (0 B)"


def test_human_units():
    assert human_size(512) == "512 B"
    assert human_size(3_400_000) == "3.4 MB"
    assert human_size(250_000_000) == "250 MB"
    assert human_size(999_999) == "1.0 MB"
    assert human_age(0.2) == "just now"
    assert human_age(90) == "1 min ago"
    assert human_age(86400) == "1 day ago"


def test_parse_before_ages():
    assert parse_before("7d", now=NOW) == NOW - 7 * 86400
    assert parse_before("12h", now=NOW) == NOW - 12 * 3600
    assert parse_before("30m", now=NOW) == NOW - 1800
    assert parse_before(" 2W ", now=NOW) == NOW - 14 * 86400


def test_parse_before_dates():
    assert parse_before("2026-11-01") == datetime(2026, 11, 1).timestamp()
    assert parse_before("2026-11-01T12:30") == datetime(2026, 11, 1, 12, 30).timestamp()
    assert parse_before("2026-11-01T12:30:00+00:00") == 1793536200.0


@pytest.mark.parametrize("text", ["", "yesterday", "7", "7y", "2026-13-01", "-3d"])
def test_parse_before_errors(text):
    with pytest.raises(ValueError, match=r"write a date \(2026-11-01\).*an age \(7d, 12h, 30m\)"):
        parse_before(text)


def test_parse_before_default_now_is_the_clock():
    assert abs(parse_before("1h") - (time.time() - 3600)) < 5
