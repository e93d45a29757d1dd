"""`DiskStore` and `MemoryStore`: round trips, content hashes, damage detection, gc, clear."""

import os
import time

import numpy as np
import pytest

from ibc.runtime import store as store_module
from ibc.runtime.store import Damaged, DiskStore, Entry, MemoryStore, open_store

K1, K2, K3 = "a1" + "0" * 30, "b2" + "1" * 30, "c3" + "2" * 30


@pytest.fixture
def store(tmp_path):
    return open_store(tmp_path / ".ibc")


def test_put_load_meta_round_trip(store):
    meta = {"stage": "fit", "at": "exp.ib:3:5", "inputs": ["k1"], "seconds": 0.5, "json": None}
    entry = store.put(K1, {"acc": 0.9}, meta)
    assert isinstance(entry, Entry) and entry.codec == "pickle"
    assert store.load(K1) == {"acc": 0.9}
    header = store.meta(K1)
    assert header == entry
    assert header.meta["stage"] == "fit" and header.meta["inputs"] == ["k1"]
    assert isinstance(header.meta["time"], float)
    assert "time" not in meta  # the caller's dict is not changed
    assert K1 in store and K2 not in store
    assert os.path.exists(store.root / "store" / K1[:2] / K1)


def test_given_time_is_kept(store):
    store.put(K1, 1, {"time": 123.0})
    assert store.meta(K1).time == 123.0


def test_missing_entry(store):
    assert store.meta(K1) is None
    with pytest.raises(KeyError) as info:
        store.load(K1)
    assert not isinstance(info.value, Damaged)
    assert list(store.keys()) == [] and store.stats()["entries"] == 0


def test_bad_keys_are_refused(store):
    for key in ["../etc", "a", "ab/cd", ""]:
        with pytest.raises(ValueError):
            store.put(key, 1, {})


def test_arrays_load_memory_mapped_and_read_only(store):
    array = np.arange(1000, dtype=np.float32).reshape(10, 100)
    store.put(K1, array, {})
    back = store.load(K1)
    assert isinstance(back, np.memmap) and not back.flags.writeable
    assert back.ctypes.data % 64 == 0  # the value starts aligned in the entry file
    assert np.array_equal(back, array)


def test_content_hash_equal_for_equal_values_and_different_otherwise(store):
    a = store.put(K1, {"x": [1, 2]}, {"stage": "a"})
    b = store.put(K2, {"x": [1, 2]}, {"stage": "b"})
    c = store.put(K3, {"x": [1, 3]}, {})
    assert a.content == b.content != c.content
    arrays = [store.put(k, np.arange(5), {}).content for k in ("d1d1", "d2d2")]
    assert arrays[0] == arrays[1] != store.put("d3d3", np.arange(6), {}).content


def test_memory_and_disk_stores_agree(store):
    memory = MemoryStore()
    for key, value in [(K1, {"a": 1}), (K2, np.arange(4.0)), (K3, "text")]:
        d = store.put(key, value, {"time": 1.0})
        m = memory.put(key, value, {"time": 1.0})
        assert (d.content, d.codec, d.size) == (m.content, m.codec, m.size)
        assert memory.meta(key).content == store.meta(key).content
    assert not memory.load(K2).flags.writeable
    assert sorted(memory.keys()) == sorted(store.keys())
    assert memory.stats()["entries"] == store.stats()["entries"] == 3


def entry_file(store, key):
    return store.root / "store" / key[:2] / key


def test_truncated_entry_is_damaged_and_removed(store):
    store.put(K1, list(range(1000)), {})
    path = entry_file(store, K1)
    data = path.read_bytes()
    path.write_bytes(data[:-10])
    with pytest.raises(Damaged):
        store.load(K1)
    assert not path.exists()
    assert K1 not in store


def test_truncated_entry_reads_as_missing_in_meta(store):
    store.put(K1, list(range(1000)), {})
    path = entry_file(store, K1)
    path.write_bytes(path.read_bytes()[:-1])
    assert store.meta(K1) is None
    assert not path.exists()


@pytest.mark.parametrize("value", [list(range(1000)), np.arange(1000)])
def test_garbage_in_the_value_is_damaged(store, value):
    store.put(K1, value, {})
    path = entry_file(store, K1)
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF
    path.write_bytes(bytes(data))
    assert store.meta(K1) is not None  # the header itself is intact
    with pytest.raises(Damaged):
        store.load(K1)
    assert not path.exists()


def test_garbage_header_reads_as_missing(store):
    store.put(K1, 1, {"stage": "s"})
    path = entry_file(store, K1)
    data = path.read_bytes()
    path.write_bytes(data.replace(b'"stage":"s"', b'"stage":"t"'))
    assert store.meta(K1) is None
    assert not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not an entry at all")
    with pytest.raises(Damaged):
        store.load(K1)


def test_a_killed_writers_tmp_file_is_ignored_and_cleaned_by_gc(store):
    store.put(K1, 1, {})
    tmp = store.root / "tmp" / f"{K2}.99999.abcdef"
    tmp.write_bytes(b"ibc-store 1\n" + b"\0" * 10)  # half an entry
    fresh = store.root / "tmp" / f"{K3}.99999.fedcba"
    fresh.write_bytes(b"being written")
    assert K2 not in store and sorted(store.keys()) == [K1]
    old = time.time() - 7200
    os.utime(tmp, (old, old))
    assert store.gc() == (0, 0)
    assert not tmp.exists()
    assert fresh.exists()  # a writer may still be busy with it
    assert K1 in store


def test_a_failed_write_leaves_nothing(store, monkeypatch):
    store.put(K1, "old", {})

    class FullDisk:
        def __init__(self, f):
            self.f = f
            self.writes = 0

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, data):
            self.writes += 1
            if self.writes > 1:
                raise OSError(28, "No space left on device")
            return self.f.write(data)

        def fileno(self):
            return self.f.fileno()

    real_open = open
    monkeypatch.setattr(
        store_module, "open", lambda *a, **k: FullDisk(real_open(*a, **k)), raising=False
    )
    with pytest.raises(OSError):
        store.put(K1, "new", {})
    monkeypatch.undo()
    assert store.load(K1) == "old"
    assert os.listdir(store.root / "tmp") == []


def test_durable_store_works(tmp_path):
    store = DiskStore(tmp_path / ".ibc", durable=True)
    store.put(K1, {"a": 1}, {})
    store.put(K2, np.ones(3), {})
    assert DiskStore(tmp_path / ".ibc").load(K1) == {"a": 1}
    assert list(store.load(K2)) == [1.0, 1.0, 1.0]


@pytest.fixture(params=["disk", "memory"])
def aged(request, tmp_path):
    s = open_store(tmp_path / ".ibc") if request.param == "disk" else MemoryStore()
    s.put(K1, 1, {"time": 100.0})
    s.put(K2, 2, {"time": 200.0})
    s.put(K3, 3, {"time": 300.0})
    return s


def test_gc_keep(aged):
    removed, freed = aged.gc(keep={K1})
    assert removed == 2 and freed > 0
    assert sorted(aged.keys()) == [K1]


def test_gc_before(aged):
    assert aged.gc(before=250.0)[0] == 2
    assert sorted(aged.keys()) == [K3]


def test_gc_keep_or_newer_survives(aged):
    assert aged.gc(keep={K1}, before=250.0)[0] == 1
    assert sorted(aged.keys()) == [K1, K3]


def test_gc_without_criteria_removes_nothing(aged):
    assert aged.gc() == (0, 0)
    assert len(list(aged.keys())) == 3


def test_clear_and_stats(aged):
    stats = aged.stats()
    assert stats["entries"] == 3 and stats["oldest"] == 100.0 and stats["newest"] == 300.0
    assert stats["bytes"] > 0
    removed, freed = aged.clear()
    assert removed == 3 and freed == stats["bytes"]
    assert aged.stats() == {"entries": 0, "bytes": 0, "oldest": None, "newest": None}


def test_remove(aged):
    aged.remove(K1)
    aged.remove(K1)
    assert K1 not in aged and aged.meta(K1) is None


def test_speed_printout(store):
    store.put(K1, {"acc": 0.9}, {"stage": "fit", "at": "x.ib:1", "stdout": "", "stderr": ""})
    n = 2000
    start = time.perf_counter()
    for _ in range(n):
        store.meta(K1)
    meta_ms = (time.perf_counter() - start) / n * 1000
    start = time.perf_counter()
    for i in range(200):
        store.put(f"p{i:05d}", {"i": i}, {"stage": "s"})
    put_ms = (time.perf_counter() - start) / 200 * 1000
    print(f"\nmeta: {meta_ms:.4f} ms/call, put: {put_ms:.4f} ms/call")
    assert store.meta(K1).meta["stage"] == "fit"


def test_meta_keeps_text_and_reprs_what_json_cannot_hold(store):
    store.put(K1, 1, {"stdout": "épreuve ✓\n", "odd": {1, 2}.__class__})
    meta = store.meta(K1).meta
    assert meta["stdout"] == "épreuve ✓\n"
    assert meta["odd"] == repr(set)


def test_a_loaded_array_can_be_stored_again(store):
    store.put(K1, np.arange(10), {})
    again = store.put(K2, store.load(K1), {})
    assert again.codec == "npy" and again.content == store.meta(K1).content
    assert np.array_equal(store.load(K2), np.arange(10))


def test_a_header_longer_than_the_first_read(store):
    log = "line\n" * 20_000
    store.put(K1, [1, 2], {"stdout": log})
    assert store.meta(K1).meta["stdout"] == log
    assert store.load(K1) == [1, 2]


def test_frames_load_memory_mapped_and_writable_copy_on_write(store):
    import pandas as pd

    frame = pd.DataFrame({"x": np.arange(10_000.0), "c": pd.Categorical(["a", None] * 5000)})
    entry = store.put(K1, frame, {})
    assert entry.codec == "pickle5"
    back = store.load(K1)
    pd.testing.assert_frame_equal(back, frame, check_exact=True)
    values = back["x"].to_numpy()
    assert isinstance(values.base, memoryview) or values.base is not None  # a view, not a copy
    back.loc[0, "x"] = -1.0  # writable: the write stays in this process's pages
    assert back.loc[0, "x"] == -1.0
    assert store.verify(K1) is True
    assert store.load(K1).loc[0, "x"] == 0.0


def test_a_changed_byte_in_a_frame_buffer_is_damaged(store):
    import pandas as pd

    store.put(K1, pd.DataFrame({"x": np.arange(10_000.0)}), {})
    path = store.path(K1)
    with open(path, "r+b") as f:
        f.seek(-100, os.SEEK_END)
        byte = f.read(1)
        f.seek(-100, os.SEEK_END)
        f.write(bytes([byte[0] ^ 1]))
    with pytest.raises(Damaged):
        store.load(K1)
    assert not os.path.exists(path)


def test_signed_store_refuses_an_unsigned_frame(store, monkeypatch):
    import pandas as pd

    store.put(K1, pd.DataFrame({"x": np.arange(10_000.0)}), {})
    monkeypatch.setenv("IBC_STORE_KEY", "secret")
    with pytest.raises(KeyError):
        store.load(K1)
    store.put(K1, pd.DataFrame({"x": np.arange(10_000.0)}), {})
    assert store.load(K1)["x"].iloc[-1] == 9999.0
