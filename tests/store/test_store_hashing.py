"""Hashes of bytes, files and trees, and the stat-keyed fast path of `FileHashes`."""

import json
import os

import xxhash

from ibc.base.cachedir import checked, unchecked
from ibc.runtime import hashing
from ibc.runtime.hashing import FileHashes, hash_bytes, hash_file, hash_tree

PAST = 1_600_000_000_000_000_000  # an mtime (ns) long before any test runs


def write(path, data: bytes, mtime_ns: int | None = PAST):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


def test_hash_bytes_is_xxh3_128_hex():
    assert hash_bytes(b"abc") == xxhash.xxh3_128(b"abc").hexdigest()
    assert hash_bytes(memoryview(b"abc")) == hash_bytes(b"abc")
    assert len(hash_bytes(b"")) == 32


def test_hash_file_equals_hash_of_bytes_across_buffer_boundaries(tmp_path):
    data = os.urandom(hashing.CHUNK * 2 + 12345)
    path = write(tmp_path / "f.bin", data)
    assert hash_file(path) == hash_bytes(data)
    assert hash_file(write(tmp_path / "empty", b"")) == hash_bytes(b"")


def make_tree(root):
    write(root / "a.txt", b"a")
    write(root / "sub" / "b.txt", b"b")
    write(root / ".hidden", b"h")
    (root / "empty").mkdir()
    return root


def test_hash_tree_is_the_same_for_equal_trees_elsewhere(tmp_path):
    assert hash_tree(make_tree(tmp_path / "x")) == hash_tree(make_tree(tmp_path / "y"))


def test_hash_tree_changes_with_content_in_a_subfolder(tmp_path):
    root = make_tree(tmp_path / "t")
    before = hash_tree(root)
    (root / "sub" / "b.txt").write_bytes(b"B")
    assert hash_tree(root) != before


def test_hash_tree_changes_on_rename_hidden_file_and_empty_folder(tmp_path):
    root = make_tree(tmp_path / "t")
    seen = {hash_tree(root)}
    (root / "sub" / "b.txt").rename(root / "sub" / "c.txt")
    seen.add(hash_tree(root))
    (root / ".hidden").write_bytes(b"H")
    seen.add(hash_tree(root))
    (root / "empty2").mkdir()
    seen.add(hash_tree(root))
    assert len(seen) == 4


def test_hash_tree_follows_file_symlinks(tmp_path):
    target = write(tmp_path / "target.txt", b"one")
    root = tmp_path / "t"
    root.mkdir()
    (root / "link.txt").symlink_to(target)
    before = hash_tree(root)
    target.write_bytes(b"two")
    assert hash_tree(root) != before


def count_calls(monkeypatch, name):
    calls = []
    real = getattr(hashing, name)

    def counted(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(hashing, name, counted)
    return calls


def test_of_file_hashes_once_while_stat_is_unchanged(tmp_path, monkeypatch):
    calls = count_calls(monkeypatch, "hash_file")
    path = write(tmp_path / "data.csv", b"x,y\n1,2\n")
    cache = FileHashes(None)
    first = cache.of_file(path)
    assert cache.of_file(path) == first
    assert len(calls) == 1
    os.utime(path, ns=(PAST + 10**9, PAST + 10**9))  # touched: same bytes, new mtime
    assert cache.of_file(path) == first
    assert len(calls) == 2


def test_of_file_sees_a_content_change(tmp_path):
    path = write(tmp_path / "data.csv", b"1")
    cache = FileHashes(None)
    first = cache.of_file(path)
    write(path, b"22")
    assert cache.of_file(path) != first
    assert cache.of_file(path) == hash_bytes(b"22")


def test_cache_persists_and_fast_path_survives_a_new_process(tmp_path, monkeypatch):
    path = write(tmp_path / "data.csv", b"abc")
    cache_file = tmp_path / "cache" / "hashes.json"
    cache = FileHashes(cache_file)
    digest = cache.of_file(path)
    cache.save()
    assert json.loads(unchecked(cache_file.read_bytes()))["version"] == 2
    calls = count_calls(monkeypatch, "hash_file")
    again = FileHashes(cache_file)
    assert again.of_file(path) == digest
    assert calls == []


def test_recently_modified_files_are_not_persisted(tmp_path):
    path = write(tmp_path / "fresh.txt", b"new", mtime_ns=None)
    cache_file = tmp_path / "hashes.json"
    cache = FileHashes(cache_file)
    cache.of_file(path)
    cache.save()
    assert json.loads(unchecked(cache_file.read_bytes()))["files"] == {}


def test_damaged_cache_file_is_ignored(tmp_path):
    path = write(tmp_path / "data.csv", b"abc")
    cache_file = tmp_path / "hashes.json"
    cache_file.write_bytes(b"{not json")
    cache = FileHashes(cache_file)
    assert cache.of_file(path) == hash_bytes(b"abc")
    cache_file.write_bytes(
        checked(json.dumps({"version": 2, "files": {str(path): ["bad"]}}).encode())
    )
    assert FileHashes(cache_file).of_file(path) == hash_bytes(b"abc")


def test_a_changed_byte_in_the_cache_file_is_a_miss_not_a_wrong_hash(tmp_path):
    """One byte of a stored hash changed: the checksum fails, the file is hashed again."""
    path = write(tmp_path / "data.csv", b"abc")
    cache_file = tmp_path / "hashes.json"
    cache = FileHashes(cache_file)
    right = cache.of_file(path)
    cache.save()
    data = bytearray(cache_file.read_bytes())
    at = data.index(right.encode())
    data[at] = ord("0") if data[at] != ord("0") else ord("1")
    cache_file.write_bytes(bytes(data))
    assert FileHashes(cache_file).of_file(path) == right


def test_save_does_nothing_when_nothing_changed(tmp_path):
    cache_file = tmp_path / "hashes.json"
    FileHashes(cache_file).save()
    assert not cache_file.exists()


def test_of_dir_fast_path_and_changes(tmp_path, monkeypatch):
    root = make_tree(tmp_path / "images")
    expected = hash_tree(root)
    calls = count_calls(monkeypatch, "hash_tree")
    cache = FileHashes(None)
    first = cache.of_dir(root)
    assert first == expected
    assert cache.of_dir(root) == first
    assert len(calls) == 1
    write(root / "sub" / "b.txt", b"changed")
    second = cache.of_dir(root)
    assert second != first and len(calls) == 2
    (root / "sub" / "b.txt").rename(root / "sub" / "renamed.txt")
    assert cache.of_dir(root) not in (first, second)
    assert len(calls) == 3


def test_of_dir_persists_when_the_tree_is_old(tmp_path, monkeypatch):
    root = make_tree(tmp_path / "images")
    for p in [*root.rglob("*"), root]:
        os.utime(p, ns=(PAST, PAST))
    cache = FileHashes(tmp_path / "hashes.json")
    digest = cache.of_dir(root)
    cache.save()
    calls = count_calls(monkeypatch, "hash_tree")
    assert FileHashes(tmp_path / "hashes.json").of_dir(root) == digest
    assert calls == []


def test_hash_tree_survives_a_symlink_loop(tmp_path):
    root = make_tree(tmp_path / "t")
    (root / "sub" / "loop").symlink_to(root, target_is_directory=True)
    first = hash_tree(root)
    assert first == hash_tree(root)
    (root / "dangling").symlink_to(tmp_path / "nowhere")
    assert hash_tree(root) != first
