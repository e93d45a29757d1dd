"""Content hashes of bytes, files and folder trees (xxh3-128, hex), and a stat-keyed cache of them.

`hash_bytes`, `hash_file` and `hash_tree` compute; `FileHashes` remembers, per absolute path,
the hash together with the `stat` facts it was computed for (size, modification time, inode),
so that `file("data/train.csv")` and `dir("data/images")` are re-hashed only when they change
(design §8.2). The cache is a small JSON file written atomically; a damaged one is ignored.

Only `xxhash` is imported here: this module belongs to the runtime and must start fast.
"""

from __future__ import annotations

import json
import os
import stat as stat_module
import time
from collections.abc import Callable
from pathlib import Path

import xxhash

from ibc.base.cachedir import checked, read_checked, replace_atomically

CHUNK = 8 * 1024 * 1024
"""Size of the reusable read buffer of `hash_file`."""

RACY_NS = 2_000_000_000
"""A file modified this recently (relative to when it was hashed) is not trusted by a later
process: a write in the same timestamp tick could go unseen. Such fast-path entries stay in
memory for this process but are not saved."""

CACHE_VERSION = 2  # 2: with a checksum (ibc.base.cachedir.checked)


def hash_bytes(data: bytes | bytearray | memoryview) -> str:
    """The xxh3-128 hash of `data`, as 32 hex digits."""
    return xxhash.xxh3_128_hexdigest(data)


def hash_chunks(chunks) -> str:
    """The xxh3-128 hash of the concatenation of `chunks` (bytes-like), without joining them."""
    h = xxhash.xxh3_128()
    for chunk in chunks:
        h.update(chunk)
    return h.hexdigest()


def hash_file(path: str | os.PathLike) -> str:
    """The xxh3-128 hash of a file's bytes, read with `readinto` into one reusable buffer."""
    h = xxhash.xxh3_128()
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as f:
        readinto = f.readinto
        update = h.update
        while True:
            n = readinto(buf)
            if not n:
                break
            if n == CHUNK:
                update(buf)
            else:
                update(view[:n])
    return h.hexdigest()


def _walk(
    root: str, visit_file: Callable[[str, str], None], visit_other: Callable[[str, str], None]
):
    """Visit a tree in sorted order of relative POSIX paths: `visit_file(rel, abspath)` for each
    file (symlinks followed), `visit_other(kind + rel, abspath)` for folders ("D"), broken
    links ("B") and other special files ("S"). Symlinked folders are followed unless that
    would loop (then recorded as "C")."""
    seen: set[tuple[int, int]] = set()

    def walk(directory: str, prefix: str) -> None:
        st = os.stat(directory)
        ident = (st.st_dev, st.st_ino)
        if ident in seen:
            visit_other("C" + prefix, directory)
            return
        seen.add(ident)
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
        for entry in entries:
            rel = prefix + entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
                is_file = not is_dir and entry.is_file(follow_symlinks=True)
            except OSError:
                is_dir = is_file = False
            if is_dir:
                visit_other("D" + rel, entry.path)
                walk(entry.path, rel + "/")
            elif is_file:
                visit_file(rel, entry.path)
            elif entry.is_symlink():
                visit_other("B" + rel, entry.path)
            else:
                visit_other("S" + rel, entry.path)
        seen.discard(ident)

    walk(os.fspath(root), "")


def hash_tree(path: str | os.PathLike, file_hash: Callable[[str], str] = hash_file) -> str:
    """The hash of a folder: its files' sorted relative POSIX paths with each file's content
    hash, and its sub-folders (so empty folders count). Hidden files are included; symlinks
    are followed. `file_hash` computes a file's hash (a cache's `of_file`, say)."""
    h = xxhash.xxh3_128()
    h.update(b"ibc-tree 1\n")

    def visit_file(rel: str, abspath: str) -> None:
        h.update(b"F" + rel.encode("utf-8", "surrogateescape") + b"\0")
        h.update(file_hash(abspath).encode("ascii") + b"\n")

    def visit_other(tagged: str, abspath: str) -> None:
        h.update(tagged.encode("utf-8", "surrogateescape") + b"\n")

    _walk(path, visit_file, visit_other)
    return h.hexdigest()


def tree_signature(path: str | os.PathLike) -> str:
    """A hash of what `stat` says about every entry of a tree (relative path, size, mtime,
    inode), from one pass without reading any file: it changes when a file is added,
    removed, renamed, resized or modified."""
    return _tree_stat(path)[0]


def _tree_stat(path: str | os.PathLike) -> tuple[str, int]:
    """`tree_signature` of a tree and the largest mtime_ns in it, from one pass."""
    h = xxhash.xxh3_128()
    root = os.stat(path)
    newest = root.st_mtime_ns

    def visit_file(rel: str, abspath: str) -> None:
        nonlocal newest
        st = os.stat(abspath)
        newest = max(newest, st.st_mtime_ns)
        h.update(
            b"F%s\0%d %d %d\n"
            % (rel.encode("utf-8", "surrogateescape"), st.st_size, st.st_mtime_ns, st.st_ino)
        )

    def visit_other(tagged: str, abspath: str) -> None:
        nonlocal newest
        if tagged[0] == "D":
            st = os.stat(abspath)
            newest = max(newest, st.st_mtime_ns)
            h.update(b"D%d\0" % st.st_mtime_ns)
        h.update(tagged.encode("utf-8", "surrogateescape") + b"\n")

    h.update(b"R%d %d\n" % (root.st_ino, root.st_mtime_ns))
    _walk(path, visit_file, visit_other)
    return h.hexdigest(), newest


class FileHashes:
    """Content hashes of files and folders, recomputed only when their `stat` changes.

    A file's hash is reused while its (absolute path, size, mtime_ns, inode) is unchanged; a
    folder's while the `tree_signature` of its tree is unchanged. With a `cache_path`, the
    remembered hashes are read from that JSON file (ignored when damaged) and `save()` writes
    them back atomically when something changed."""

    __slots__ = ("cache_path", "dirs", "dirty", "files", "racy")

    def __init__(self, cache_path: Path | None) -> None:
        self.cache_path = Path(cache_path) if cache_path is not None else None
        self.files: dict[str, list] = {}  # abspath -> [size, mtime_ns, ino, hash]
        self.dirs: dict[str, list] = {}  # abspath -> [signature, hash]
        self.racy: set[str] = set()  # paths hashed while too recently modified to persist
        self.dirty = False
        if self.cache_path is not None:
            self._read()

    def _read(self) -> None:
        payload = read_checked(self.cache_path)  # a damaged file is forgotten, never trusted
        if payload is None:
            return
        try:
            data = json.loads(payload)
        except ValueError:
            return
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
            return
        files, dirs = data.get("files"), data.get("dirs")
        if isinstance(files, dict):
            for k, v in files.items():
                if (
                    isinstance(v, list)
                    and len(v) == 4
                    and all(isinstance(x, int) for x in v[:3])
                    and isinstance(v[3], str)
                ):
                    self.files[k] = v
        if isinstance(dirs, dict):
            for k, v in dirs.items():
                if isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v):
                    self.dirs[k] = v

    def of_file(self, path: str | os.PathLike) -> str:
        """The content hash of a file (symlinks followed); `OSError` when it cannot be read."""
        key = os.path.abspath(path)
        st = os.stat(key)
        if stat_module.S_ISDIR(st.st_mode):
            raise IsADirectoryError(f"{key} is a folder, not a file")
        known = self.files.get(key)
        if (
            known is not None
            and known[0] == st.st_size
            and known[1] == st.st_mtime_ns
            and known[2] == st.st_ino
        ):
            return known[3]
        before = time.time_ns()
        digest = hash_file(key)
        self.files[key] = [st.st_size, st.st_mtime_ns, st.st_ino, digest]
        if st.st_mtime_ns >= before - RACY_NS:
            self.racy.add(key)
        else:
            self.racy.discard(key)
        self.dirty = True
        return digest

    def of_dir(self, path: str | os.PathLike) -> str:
        """The `hash_tree` of a folder, recomputed only when its tree's signature changes."""
        key = os.path.abspath(path)
        if not os.path.isdir(key):
            raise NotADirectoryError(f"{key} is not a folder")
        before = time.time_ns()
        signature, _ = _tree_stat(key)
        known = self.dirs.get(key)
        if known is not None and known[0] == signature:
            return known[1]
        digest = hash_tree(key)
        # a tree modified during the hashing gets a fresh signature, so the next call re-hashes
        after, newest = _tree_stat(key)
        if after != signature:
            signature = ""
        self.dirs[key] = [signature, digest]
        if newest >= before - RACY_NS:
            self.racy.add(key)
        else:
            self.racy.discard(key)
        self.dirty = True
        return digest

    def save(self) -> None:
        """Write the cache file atomically, when there is one and something changed."""
        if self.cache_path is None or not self.dirty:
            return
        data = {
            "version": CACHE_VERSION,
            "files": {k: v for k, v in self.files.items() if k not in self.racy},
            "dirs": {k: v for k, v in self.dirs.items() if k not in self.racy and v[0]},
        }
        # with a checksum: a changed hash is a miss
        replace_atomically(
            self.cache_path, checked(json.dumps(data, separators=(",", ":")).encode())
        )
        self.dirty = False
