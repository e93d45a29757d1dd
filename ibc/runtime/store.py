"""The content-addressed store of stage results (design §8.3): `DiskStore` under a project's
`.ibc` folder, and `MemoryStore` with the same methods for runs that keep nothing.

One file per entry, at `<root>/store/<key[:2]>/<key>`:

    b"ibc-store 1\\n"                       magic line (12 bytes)
    <u32 little-endian: header length n>   prefix (12 bytes)
    <u64 little-endian: xxh3-64 of the header bytes>
    <n bytes: JSON header, space-padded>   {"key", "content", "codec", "size", "meta"}
    <size bytes: the serialized value>     starts at a multiple of 64 (an .npy maps aligned)

`content` is the xxh3-128 of the value bytes: the value's content hash, and its checksum.
An entry is written to `<root>/tmp/<key>.<host>.<pid>.<random>` and renamed into place, so a
killed writer, a full disk or two writers of one key never leave a file that reads as valid;
with `durable=True` the file and its folder are fsynced too. The partial files of writers that
died are removed by the next run (`clean_dead_writers`: by pid on this machine, by age else). A reader that finds a damaged entry
removes it (`meta` answers None, `load` raises `Damaged`), and the caller recomputes it.
`check_file` checks an entry file that is not yet in a store (a download from a remote,
`ibc.runtime.remote`) whole without loading it; `new_tmp` and `adopt` bring it in.
"""

from __future__ import annotations

import json
import os
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import xxhash

from ibc.runtime.codecs import CODECS, decode_bytes, decode_npy, decode_pickle5, encode
from ibc.runtime.hashing import hash_chunks

MAGIC = b"ibc-store 1\n"
_PREFIX = struct.Struct("<IQ")
HEAD = len(MAGIC) + _PREFIX.size  # bytes before the JSON header
ALIGN = 64
FIRST_READ = 4096  # one read covers the header of a typical entry
STALE_TMP_SECONDS = 3600.0
_KEY_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-")


class Entry:
    """What the store knows about one entry without loading its value."""

    __slots__ = ("codec", "content", "file_size", "key", "meta", "offset", "size")

    def __init__(
        self,
        key: str,
        content: str,
        codec: str,
        size: int,
        meta: dict,
        offset: int = 0,
        file_size: int = 0,
    ) -> None:
        self.key = key
        self.content = content  # xxh3-128 hex of the serialized value bytes
        self.codec = codec
        self.size = size  # bytes of the serialized value
        self.meta = meta
        self.offset = offset  # where the value starts in the entry's file (0 in memory)
        self.file_size = file_size  # bytes of the whole entry file (the value's size in memory)

    @property
    def time(self) -> float:
        """When the entry was stored (epoch seconds), from its metadata."""
        t = self.meta.get("time")
        return float(t) if isinstance(t, (int, float)) else 0.0

    def __repr__(self) -> str:
        return (
            f"Entry(key={self.key!r}, content={self.content!r}, codec={self.codec!r}, "
            f"size={self.size})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Entry):
            return NotImplemented
        return (self.key, self.content, self.codec, self.size, self.meta) == (
            other.key,
            other.content,
            other.codec,
            other.size,
            other.meta,
        )

    __hash__ = None  # type: ignore[assignment]


class Damaged(KeyError):
    """An entry failed its checksum or was truncated; the store has removed it."""


class Untrusted(Exception):
    """With `$IBC_STORE_KEY` set, an entry whose signature is missing or wrong: it is never
    loaded (its pickle could run code), only computed again and replaced."""


def check_key(key: str) -> None:
    """Keys name files: letters, digits, `_` and `-`, at least 3 of them."""
    if not isinstance(key, str) or len(key) < 3 or len(key) > 200 or not _KEY_CHARS.issuperset(key):
        raise ValueError(f"not a store key: {key!r}")


def _with_time(meta: dict) -> dict:
    if "time" in meta:
        return meta
    meta = dict(meta)
    meta["time"] = time.time()
    return meta


def _signing_key() -> bytes | None:
    """`$IBC_STORE_KEY`, the secret of a signed store (docs/running.md, "Trust"), or None."""
    secret = os.environ.get("IBC_STORE_KEY")
    return secret.encode("utf-8", "surrogateescape") if secret else None


def _signature(secret: bytes, fields: dict) -> str:
    """HMAC-SHA256 of an entry's header fields (key, content hash, codec, size, meta): with
    the value's content hash among them, it covers the value too."""
    import hashlib
    import hmac

    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=repr)
    return hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()


def _header_bytes(key: str, content: str, codec: str, size: int, meta: dict) -> bytes:
    """Magic, prefix and JSON header, padded so the value starts at a multiple of ALIGN;
    signed when `$IBC_STORE_KEY` is set."""
    fields = {"key": key, "content": content, "codec": codec, "size": size, "meta": meta}
    secret = _signing_key()
    if secret is not None:
        fields = json.loads(json.dumps(fields, default=repr))  # as a reader will see them
        fields["sig"] = _signature(secret, fields)
    header = json.dumps(fields, separators=(",", ":"), default=repr).encode("ascii")
    header += b" " * (-(HEAD + len(header)) % ALIGN)
    return MAGIC + _PREFIX.pack(len(header), xxhash.xxh3_64_intdigest(header)) + header


def _parse_header(key: str, data: bytes, read_more) -> Entry | None:
    """The entry described by the start of a file (`data`, extended by `read_more(n)`);
    None when the magic, the header's checksum or its fields are wrong."""
    if len(data) < HEAD or not data.startswith(MAGIC):
        return None
    length, checksum = _PREFIX.unpack_from(data, len(MAGIC))
    end = HEAD + length
    if len(data) < end:
        data += read_more(end - len(data))
        if len(data) < end:
            return None
    header = data[HEAD:end]
    if xxhash.xxh3_64_intdigest(header) != checksum:
        return None
    try:
        h = json.loads(header)
        entry = Entry(h["key"], h["content"], h["codec"], h["size"], h["meta"], end)
    except (ValueError, KeyError, TypeError):
        return None
    secret = _signing_key()
    if secret is not None:
        sig = h.pop("sig", None)
        if not isinstance(sig, str) or sig != _signature(secret, h):
            raise Untrusted(key)
    if (
        entry.key != key
        or type(entry.size) is not int
        or not isinstance(entry.meta, dict)
        or not isinstance(entry.content, str)
        or entry.codec not in CODECS
    ):
        return None
    entry.file_size = end + entry.size
    return entry


class DiskStore:
    """Entries as files under `<root>/store`; `root` is a project's `.ibc` folder."""

    def __init__(self, root: str | os.PathLike, durable: bool = False) -> None:
        self.root = Path(root)
        self.durable = durable
        self._store = os.path.join(os.fspath(self.root), "store")
        self._tmp = os.path.join(os.fspath(self.root), "tmp")
        self._made: set[str] = set()  # folders known to exist
        self.repaired: list[str] = []  # keys of damaged entries found and removed

    def __repr__(self) -> str:
        return f"DiskStore({os.fspath(self.root)!r})"

    def path(self, key: str) -> str:
        """The file of entry `key`."""
        check_key(key)
        return f"{self._store}/{key[:2]}/{key}"

    # reading

    def _read_header(self, key: str, fd: int) -> Entry | None:
        def read_more(n: int) -> bytes:
            chunks = []
            while n > 0:
                chunk = os.read(fd, n)
                if not chunk:
                    break
                chunks.append(chunk)
                n -= len(chunk)
            return b"".join(chunks)

        entry = _parse_header(key, os.read(fd, FIRST_READ), read_more)
        if entry is not None and os.fstat(fd).st_size != entry.file_size:
            return None
        return entry

    def _discard(self, path: str, fd: int) -> None:
        """Remove a damaged entry file, unless another writer has replaced it meanwhile; its
        key is kept in `repaired`, for the run's one-line notice."""
        self.repaired.append(os.path.basename(path))
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                os.unlink(path)
        except OSError:
            pass

    def verify(self, key: str) -> bool | None:
        """Check one entry whole, header and value, without loading (unpickling) it: True
        when it is sound, False when it was damaged (and is now removed), None when it is
        missing (or, in a signed store, not signed by this store's key)."""
        path = self.path(key)
        try:
            f = open(path, "rb", buffering=0)
        except (FileNotFoundError, NotADirectoryError):
            return None
        with f:
            fd = f.fileno()
            try:
                entry = self._read_header(key, fd)
            except Untrusted:
                return None
            if entry is not None:
                f.seek(entry.offset)
                digest = _hash_file_part(f, entry.size)
                if digest == entry.content:
                    return True
            self._discard(path, fd)
            return False

    def new_tmp(self, key: str) -> str:
        """A fresh temporary file name for an entry of `key` being written or downloaded
        (removed by `clean_dead_writers` when its writer dies)."""
        check_key(key)
        self._ensure_dir(self._tmp)
        return f"{self._tmp}/{key}.{_host()}.{os.getpid()}.{os.urandom(6).hex()}"

    def adopt(self, key: str, tmp: str) -> None:
        """Rename the complete, checked entry file `tmp` (from `new_tmp`) into place as `key`."""
        folder = f"{self._store}/{key[:2]}"
        self._ensure_dir(folder)
        try:
            os.replace(tmp, self.path(key))
        except FileNotFoundError:  # a folder removed behind our back: make it again
            self._made.clear()
            self._ensure_dir(folder)
            os.replace(tmp, self.path(key))

    def meta(self, key: str) -> Entry | None:
        """The entry's header (one small read), or None when it is missing or damaged (a
        damaged entry is removed)."""
        path = self.path(key)
        try:
            fd = os.open(path, os.O_RDONLY)
        except (FileNotFoundError, NotADirectoryError):
            return None
        try:
            entry = self._read_header(key, fd)
            if entry is None:
                self._discard(path, fd)
            return entry
        except Untrusted:
            return None  # as if missing: computed again, and replaced by a signed entry
        finally:
            os.close(fd)

    def load(self, key: str) -> object:
        """The stored value: `KeyError` when missing, `Damaged` when its header, checksum or
        length is wrong (the entry is then removed). An `.npy` value is memory-mapped
        (read-only); the buffers of a `pickle5` value (a frame's columns) too, copy-on-write:
        writable, and what is written never reaches the file."""
        path = self.path(key)
        try:
            f = open(path, "rb", buffering=0)
        except (FileNotFoundError, NotADirectoryError):
            raise KeyError(key) from None
        with f:
            fd = f.fileno()
            try:
                entry = self._read_header(key, fd)
            except Untrusted:
                raise KeyError(key) from None  # never unpickled
            if entry is None:
                self._discard(path, fd)
                raise Damaged(key)
            if entry.codec == "npy":
                import mmap

                with mmap.mmap(fd, 0, access=mmap.ACCESS_READ) as mm:
                    view = memoryview(mm)
                    region = view[entry.offset : entry.file_size]
                    try:
                        ok = hash_chunks([region]) == entry.content
                    finally:
                        region.release()
                        view.release()
                if not ok:
                    self._discard(path, fd)
                    raise Damaged(key)
                try:
                    return decode_npy(f, entry.offset, entry.size)
                except ValueError:
                    self._discard(path, fd)
                    raise Damaged(key) from None
            if entry.codec == "pickle5":
                return self._load_mapped(key, path, fd, entry)
            f.seek(entry.offset)
            data = f.readall()
            if len(data) != entry.size or hash_chunks([data]) != entry.content:
                self._discard(path, fd)
                raise Damaged(key)
        return decode_bytes(entry.codec, data)

    def _load_mapped(self, key: str, path: str, fd: int, entry: Entry) -> object:
        """A `pickle5` value whose buffers are views of a private (copy-on-write) map of the
        entry file, checked against its content hash first; the map lives as long as they do."""
        import mmap

        mm = mmap.mmap(fd, 0, access=mmap.ACCESS_COPY)
        region = memoryview(mm)[entry.offset : entry.file_size]
        if region.nbytes != entry.size or hash_chunks([region]) != entry.content:
            region.release()
            mm.close()
            self._discard(path, fd)
            raise Damaged(key)
        try:
            return decode_pickle5(region)
        except ValueError:
            self._discard(path, fd)
            raise Damaged(key) from None

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.meta(key) is not None

    def keys(self) -> Iterator[str]:
        """The keys of the entry files present (not checked: see `entries`)."""
        try:
            prefixes = sorted(os.listdir(self._store))
        except (FileNotFoundError, NotADirectoryError):
            return
        for prefix in prefixes:
            try:
                names = sorted(os.listdir(f"{self._store}/{prefix}"))
            except (FileNotFoundError, NotADirectoryError):
                continue
            for name in names:
                if name[:2] == prefix and len(name) >= 3 and _KEY_CHARS.issuperset(name):
                    yield name

    def entries(self) -> Iterator[Entry]:
        """The headers of all valid entries (damaged ones are removed on the way)."""
        for key in self.keys():
            entry = self.meta(key)
            if entry is not None:
                yield entry

    def stats(self) -> dict:
        """{"entries": n, "bytes": total file bytes, "oldest": epoch, "newest": epoch}
        (oldest and newest are None for an empty store)."""
        return _stats(self.entries())

    # writing

    def _ensure_dir(self, path: str) -> None:
        if path not in self._made:
            os.makedirs(path, exist_ok=True)
            self._made.add(path)

    def put(self, key: str, value: object, meta: dict) -> Entry:
        """Serialize `value`, hash it and write the entry atomically. `meta` is kept verbatim
        (JSON; what JSON cannot hold is kept as its repr), with "time" added when absent.
        `OSError` (a full disk, say) leaves no entry and no temporary file behind."""
        final = self.path(key)
        codec, chunks = encode(value)
        content = hash_chunks(chunks)
        size = sum(memoryview(c).nbytes for c in chunks)
        meta = _with_time(meta)
        head = _header_bytes(key, content, codec, size, meta)
        folder = f"{self._store}/{key[:2]}"
        self._ensure_dir(self._tmp)
        self._ensure_dir(folder)
        tmp = f"{self._tmp}/{key}.{_host()}.{os.getpid()}.{os.urandom(6).hex()}"
        try:
            with open(tmp, "xb") as f:
                f.write(head)
                for chunk in chunks:  # an array's data is written from its memory, uncopied
                    f.write(chunk)
                if self.durable:
                    f.flush()
                    os.fsync(f.fileno())
            try:
                os.replace(tmp, final)
            except FileNotFoundError:  # a folder removed behind our back: make it again
                self._made.clear()
                self._ensure_dir(folder)
                os.replace(tmp, final)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        if self.durable:
            _fsync_dir(folder)
        return Entry(key, content, codec, size, meta, len(head), len(head) + size)

    def remove(self, key: str) -> None:
        """Remove an entry (nothing happens when it is missing)."""
        try:
            os.unlink(self.path(key))
        except FileNotFoundError:
            pass

    def gc(self, keep: set[str] | None = None, before: float | None = None) -> tuple[int, int]:
        """Remove the entries not in `keep` (when given) and/or stored before `before` (when
        given; with both, an entry survives when it is in `keep` or newer than `before`);
        also remove the temporary files of killed writers (`clean_dead_writers`). Returns the
        number of entries removed and their bytes."""
        removed = freed = 0
        if keep is not None or before is not None:
            for entry in list(self.entries()):
                if _doomed(entry, keep, before):
                    self.remove(entry.key)
                    removed += 1
                    freed += entry.file_size
        self._clean_tmp(time.time() - STALE_TMP_SECONDS, dead=True)
        return removed, freed

    def clear(self) -> tuple[int, int]:
        """Remove every entry (and the temporary files of killed writers); returns (entries,
        bytes) removed."""
        removed = freed = 0
        for key in list(self.keys()):
            path = self.path(key)
            try:
                size = os.stat(path).st_size
                os.unlink(path)
            except FileNotFoundError:
                continue
            removed += 1
            freed += size
        self._clean_tmp(time.time() - STALE_TMP_SECONDS, dead=True)
        return removed, freed

    def clean_dead_writers(self) -> int:
        """Remove the temporary files of writers that died (a `kill -9` in a large write):
        those named after a process of this machine that no longer runs, and any left for over
        an hour (a writer of another machine sharing the store, a reused pid). Every run does
        this first; returns how many files were removed (docs/running.md, "The store")."""
        return self._clean_tmp(time.time() - STALE_TMP_SECONDS, dead=True)

    def _clean_tmp(self, older_than: float, dead: bool = False) -> int:
        """Remove temporary files last modified before `older_than` (with `dead`, also
        those of dead writers of this machine); returns how many. A store it may not change
        (read-only) is left as it is."""
        count = 0
        try:
            it = os.scandir(self._tmp)
        except OSError:
            return 0
        with it:
            for item in it:
                try:
                    if not item.is_file(follow_symlinks=False):
                        continue
                    if item.stat().st_mtime < older_than or (dead and _dead_writer(item.name)):
                        os.unlink(item.path)
                        count += 1
                except FileNotFoundError:
                    pass
                except OSError:  # read-only, or not ours to remove
                    break
        return count


_HOST_NAME: list[str] = []


def check_file(key: str, path: str | os.PathLike) -> str:
    """Check the entry file at `path` (one not yet in a store: a download) whole, nothing
    unpickled: "sound"; "damaged" (magic, header checksum, fields, length or content hash
    wrong); "untrusted" (with `$IBC_STORE_KEY` set, its signature is missing or wrong);
    "missing" (no such file)."""
    try:
        f = open(path, "rb", buffering=0)
    except (FileNotFoundError, NotADirectoryError):
        return "missing"
    with f:
        fd = f.fileno()

        def read_more(n: int) -> bytes:
            return f.read(n) or b""

        try:
            entry = _parse_header(key, f.read(FIRST_READ) or b"", read_more)
        except Untrusted:
            return "untrusted"
        if entry is None or os.fstat(fd).st_size != entry.file_size:
            return "damaged"
        f.seek(entry.offset)
        return "sound" if _hash_file_part(f, entry.size) == entry.content else "damaged"


def parse_header(key: str, data: bytes, read_more) -> Entry | None:
    """The header of entry `key` from the first bytes of its file (`read_more(n)` gives the
    next n): None when damaged; `Untrusted` when a signed store's check fails."""
    return _parse_header(key, data, read_more)


def _hash_file_part(f, size: int) -> str | None:
    """The content hash of the next `size` bytes of `f`, read in pieces; None when the file
    ends first."""
    chunks = []
    left = size
    while left > 0:
        piece = f.read(min(left, 1 << 24))
        if not piece:
            return None
        chunks.append(piece)
        left -= len(piece)
    return hash_chunks(chunks)


def _host() -> str:
    """This machine's name as temporary file names hold it (letters, digits and `-`)."""
    if not _HOST_NAME:
        import socket

        name = "".join(c if c.isalnum() or c == "-" else "-" for c in socket.gethostname())
        _HOST_NAME.append(name[:64] or "host")
    return _HOST_NAME[0]


def _dead_writer(name: str) -> bool:
    """Whether temporary file `name` (`<key>.<host>.<pid>.<random>`) was written by a
    process of this machine that is gone. (A name without the host, of an older ibc, may be
    another machine's: only its age tells.)"""
    parts = name.split(".")
    if len(parts) != 4 or parts[1] != _host():
        return False  # another machine's writer: only its age tells
    pid_text = parts[2]
    if not pid_text.isdigit() or int(pid_text) <= 0:
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OSError, OverflowError):
        return False  # alive (another user's) or unknowable
    return False


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _doomed(entry: Entry, keep: set[str] | None, before: float | None) -> bool:
    """Whether `gc(keep, before)` removes `entry`."""
    if keep is None and before is None:
        return False
    kept = keep is not None and entry.key in keep
    fresh = before is not None and entry.time >= before
    if keep is not None and before is not None:
        return not kept and not fresh
    if keep is not None:
        return not kept
    return not fresh


def _stats(entries) -> dict:
    count = total = 0
    oldest = newest = None
    for entry in entries:
        count += 1
        total += entry.file_size
        t = entry.time
        oldest = t if oldest is None or t < oldest else oldest
        newest = t if newest is None or t > newest else newest
    return {"entries": count, "bytes": total, "oldest": oldest, "newest": newest}


class MemoryStore:
    """The store's methods over a dict, for runs that keep nothing on disk. Content hashes
    are computed as `DiskStore` computes them, so entries compare equal across the two."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[Entry, object]] = {}
        self.root = None
        self.durable = False

    def meta(self, key: str) -> Entry | None:
        item = self.items.get(key)
        return None if item is None else item[0]

    def load(self, key: str) -> object:
        return self.items[key][1]

    def put(self, key: str, value: object, meta: dict) -> Entry:
        check_key(key)
        codec, chunks = encode(value)
        content = hash_chunks(chunks)
        size = sum(memoryview(c).nbytes for c in chunks)
        entry = Entry(key, content, codec, size, _with_time(meta), 0, size)
        if codec == "npy":  # arrays come back read-only, as from the disk
            value = value.view()
            value.setflags(write=False)
        self.items[key] = (entry, value)
        return entry

    def __contains__(self, key: object) -> bool:
        return key in self.items

    def __len__(self) -> int:
        return len(self.items)

    def keys(self) -> Iterator[str]:
        return iter(list(self.items))

    def entries(self) -> Iterator[Entry]:
        return iter([entry for entry, _ in self.items.values()])

    def stats(self) -> dict:
        return _stats(self.entries())

    def remove(self, key: str) -> None:
        self.items.pop(key, None)

    def gc(self, keep: set[str] | None = None, before: float | None = None) -> tuple[int, int]:
        removed = freed = 0
        for entry in list(self.entries()):
            if _doomed(entry, keep, before):
                del self.items[entry.key]
                removed += 1
                freed += entry.file_size
        return removed, freed

    def clear(self) -> tuple[int, int]:
        removed = len(self.items)
        freed = sum(entry.file_size for entry, _ in self.items.values())
        self.items.clear()
        return removed, freed


def open_store(root: str | os.PathLike, durable: bool = False) -> DiskStore:
    """The disk store of a project whose `.ibc` folder is `root`."""
    return DiskStore(root, durable=durable)
