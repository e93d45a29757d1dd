"""A store's remote (docs/running.md, "Remote stores"): a folder or bucket that a team shares,
reached through fsspec (`file:///shared/ibc`, `s3://bucket/prefix` through s3fs, `gs://…`
through gcsfs), laid out as a local store is:

    <remote>/store/<key[:2]>/<key>      one entry file, byte for byte as in the local store
    <remote>/tmp/                       uploads being written (a shared folder)
    <remote>/runs/<run>.jsonl           run records, only those pushed with `--runs`

`Remote` reads and writes entry files; `SharedStore` wraps a run's `DiskStore`: a key missing
locally is looked up in the remote (its header, one small read: the stage is then cached),
and its value is downloaded when it is loaded, checked whole (checksum, and with
`$IBC_STORE_KEY` the signature) *before* it is renamed into the local store, so nothing that
fails is ever unpickled; what the run stores is pushed by background threads, joined at the
end of the run. Publication is atomic: a shared folder gets a temporary file renamed into
place, an object store a single upload of the final object (an object appears whole), so
concurrent pushers of one key are harmless (the key names the content). An unreachable
remote is one warning, and the run goes on with the local store.

With the dask executor, workers use the remote too (`Placement`, `RemoteInput`,
`WorkerStore`; docs/running.md, "What travels where"): a large result is written to it by its
worker, whose entry header the client records (`SharedStore.written_remotely`), and a stage
on a worker reads such an input from it, checked.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

from ibc.runtime.store import FIRST_READ, Entry, Untrusted, check_file, check_key, parse_header

OBJECT_STORES = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss"})
_KEY_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-")
PUSH_THREADS = 2


class Unreachable(Exception):
    """The remote cannot be used (no such folder, no connection, no back-end installed): the
    message says why in one line."""


class Rejected(Exception):
    """A remote entry failed verification ("damaged" or "untrusted"); it was not kept."""


def remote_url(project_root: str | os.PathLike | None, option: str | None = None) -> str | None:
    """The run's remote: `--remote URL` (an empty one: none), else `$IBC_REMOTE`, else the
    `[store] remote` setting of the project (docs/settings.md); None without one. A path
    without `://` is a folder: a relative one is made absolute from the current folder (the
    setting's, from the project root)."""
    if option is not None:
        return _absolute(option.strip()) or None
    env = os.environ.get("IBC_REMOTE", "").strip()
    if env:
        return _absolute(env)
    if project_root:
        from ibc.base.settings import read_settings

        return read_settings(Path(project_root)).remote
    return None


def _absolute(url: str) -> str:
    return url if not url or "://" in url else os.path.abspath(os.path.expanduser(url))


def storage_options(protocol: str) -> dict:
    """fsspec options for a protocol: an S3 client that honours `$AWS_ENDPOINT_URL_S3` /
    `$AWS_ENDPOINT_URL` (any S3-compatible server; botocore reads them too, from 1.31 on)
    and gives up on a dead endpoint within seconds."""
    if protocol not in ("s3", "s3a"):
        return {}
    config = {"connect_timeout": 5, "read_timeout": 60, "retries": {"max_attempts": 3}}
    options: dict = {"config_kwargs": config}
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        options["client_kwargs"] = {"endpoint_url": endpoint}
    return options


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


class Remote:
    """The entry files of a remote store at `url` (nothing is opened before the first use)."""

    def __init__(self, url: str) -> None:
        self.url = url.strip().rstrip("/") or url
        self.protocol = self.url.split("://", 1)[0].lower() if "://" in self.url else "file"
        self.fs = None
        self.base = ""
        self.local = False  # a folder of this machine's file system (a mount)
        self.down: str | None = None  # why it cannot be reached, once seen
        self._cleaned = False

    def __repr__(self) -> str:
        return f"Remote({self.url!r})"

    def _fail(self, why: str) -> Unreachable:
        self.down = self.down or why
        return Unreachable(self.down)

    def connect(self) -> None:
        """Open the file system; `Unreachable` when it cannot be."""
        if self.down is not None:
            raise Unreachable(self.down)
        if self.fs is not None:
            return
        if self.protocol in ("file", "local"):
            path = self.url.split("://", 1)[1] if "://" in self.url else self.url
            base = os.path.abspath(os.path.expanduser(path))
            if not os.path.isdir(base):
                raise self._fail(f"no folder {base} (mount the shared folder, or create it)")
            self.base, self.local, self.fs = base, True, "local"
            return
        try:
            import fsspec
        except ImportError:
            raise self._fail("fsspec is not installed (pip install 'iterbuild[remote]')") from None
        try:
            fs, base = fsspec.core.url_to_fs(self.url, **storage_options(self.protocol))
        except ImportError as exc:
            extra = "gcs" if self.protocol in ("gs", "gcs") else "remote"
            package = {"s3": "s3fs", "s3a": "s3fs", "gs": "gcsfs", "gcs": "gcsfs"}.get(
                self.protocol, exc.name or "its fsspec back-end"
            )
            raise self._fail(
                f"{self.protocol}:// needs {package} (pip install 'iterbuild[{extra}]')"
            ) from None
        except Exception as exc:  # noqa: BLE001 - a malformed URL, an unknown protocol
            raise self._fail(one_line(exc)) from None
        self.fs, self.base = fs, base.rstrip("/")

    def entry_path(self, key: str) -> str:
        check_key(key)
        return f"{self.base}/store/{key[:2]}/{key}"

    def _tmp_name(self, name: str) -> str:
        from ibc.runtime.store import _host

        return f"{self.base}/tmp/{name}.{_host()}.{os.getpid()}.{os.urandom(6).hex()}"

    # reading

    def head(self, key: str) -> Entry | None:
        """The header of remote entry `key` (one small read), None when it is missing;
        `Rejected` when it is damaged or (signed store) untrusted; `Unreachable`."""
        self.connect()
        path = self.entry_path(key)
        try:
            if self.local:
                try:
                    f = open(path, "rb")
                except (FileNotFoundError, NotADirectoryError):
                    return None
                with f:
                    entry = parse_header(key, f.read(FIRST_READ), f.read)
            else:
                data = self.fs.cat_file(path, start=0, end=FIRST_READ)

                def more(n: int) -> bytes:
                    try:
                        return self.fs.cat_file(path, start=len(data), end=len(data) + n)
                    except Exception:  # noqa: BLE001 - past the end: a damaged header
                        return b""

                entry = parse_header(key, data, more)
        except FileNotFoundError:
            return None
        except Untrusted:
            raise Rejected("untrusted") from None
        except OSError as exc:
            raise self._fail(one_line(exc)) from None
        except Exception as exc:  # noqa: BLE001 - botocore's connection errors and the like
            raise self._fail(one_line(exc)) from None
        if entry is None:
            raise Rejected("damaged")
        return entry

    def header_bytes(self, key: str) -> bytes | None:
        """The header bytes of remote entry `key` (checked as by `head`), None when missing."""
        entry = self.head(key)
        if entry is None:
            return None
        path = self.entry_path(key)
        if self.local:
            with open(path, "rb") as f:
                return f.read(entry.offset)
        return self.fs.cat_file(path, start=0, end=entry.offset)

    def fetch(self, key: str, store) -> bool:
        """Download entry `key` into the `DiskStore` `store`, checked whole before it is
        renamed into place: False when the remote lacks it; `Rejected` when it fails."""
        self.connect()
        path = self.entry_path(key)
        tmp = store.new_tmp(key)
        try:
            try:
                if self.local:
                    shutil.copyfile(path, tmp)
                else:
                    self.fs.get_file(path, tmp)
            except (FileNotFoundError, NotADirectoryError):
                return False
            except OSError:
                raise  # a full disk, a file we may not read: not fetched, the run goes on
            except Exception as exc:  # noqa: BLE001 - botocore's connection errors and the like
                raise self._fail(one_line(exc)) from None
            state = check_file(key, tmp)
            if state == "missing":
                return False
            if state != "sound":
                raise Rejected(state)
            store.adopt(key, tmp)
            return True
        finally:
            try:
                os.unlink(tmp)
            except OSError:
                pass

    def keys(self) -> set[str]:
        """The keys of the remote's entry files (not checked)."""
        self.connect()
        folder = f"{self.base}/store"
        try:
            if self.local:
                names = [n for _, _, files in os.walk(folder) for n in files]
            else:
                self.fs.invalidate_cache()
                names = [p.rsplit("/", 1)[-1] for p in self.fs.find(folder)]
        except FileNotFoundError:
            return set()
        except Exception as exc:  # noqa: BLE001
            raise self._fail(one_line(exc)) from None
        return {n for n in names if len(n) >= 3 and _KEY_CHARS.issuperset(n)}

    def exists(self, key: str) -> bool:
        self.connect()
        path = self.entry_path(key)
        if self.local:
            return os.path.isfile(path)
        try:
            return bool(self.fs.exists(path))
        except Exception as exc:  # noqa: BLE001
            raise self._fail(one_line(exc)) from None

    # writing

    def _publish(self, source: str, final: str, tmp_name: str) -> None:
        """Copy local file `source` to `final` on the remote, atomically."""
        if self.local:
            os.makedirs(os.path.dirname(final), exist_ok=True)
            os.makedirs(f"{self.base}/tmp", exist_ok=True)
            if not self._cleaned:
                self._cleaned = True
                self.clean_dead_uploads()
            tmp = self._tmp_name(tmp_name)
            try:
                shutil.copyfile(source, tmp)
                os.replace(tmp, final)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        elif self.protocol in OBJECT_STORES:
            self.fs.put_file(source, final)  # one object, visible only once whole
        else:
            tmp = self._tmp_name(tmp_name)
            self.fs.put_file(source, tmp)
            self.fs.mv(tmp, final)

    def clean_dead_uploads(self) -> int:
        """Remove from a shared folder's `tmp/` the uploads of pushers that died: those of a
        process of this machine that no longer runs, and any left for over an hour (as the
        local store does: docs/running.md, "The store"). Returns how many."""
        import time

        from ibc.runtime.store import STALE_TMP_SECONDS, _dead_writer

        count, old = 0, time.time() - STALE_TMP_SECONDS
        try:
            items = list(os.scandir(f"{self.base}/tmp"))
        except OSError:
            return 0
        for item in items:
            try:
                if item.stat().st_mtime < old or _dead_writer(item.name):
                    os.unlink(item.path)
                    count += 1
            except OSError:
                pass
        return count

    def push(self, key: str, store, force: bool = False) -> int:
        """Upload the local entry `key` of `store` unless the remote has it (`force`: even
        then, to replace a damaged one): the bytes sent (0 when it was there). `PermissionError`
        and other `OSError`s of the upload are the caller's; `Unreachable`."""
        self.connect()
        if not force and self.exists(key):
            return 0
        source = store.path(key)
        size = os.path.getsize(source)
        try:
            self._publish(source, self.entry_path(key), key)
        except OSError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise self._fail(one_line(exc)) from None
        return size

    # run records

    def run_files(self) -> dict[str, int]:
        """{file name: size} of the run records on the remote."""
        self.connect()
        folder = f"{self.base}/runs"
        try:
            if self.local:
                return {
                    e.name: e.stat().st_size
                    for e in os.scandir(folder)
                    if e.name.endswith(".jsonl")
                }
            self.fs.invalidate_cache()
            return {
                info["name"].rsplit("/", 1)[-1]: int(info.get("size") or 0)
                for info in self.fs.ls(folder, detail=True)
                if info["name"].endswith(".jsonl")
            }
        except FileNotFoundError:
            return {}
        except Exception as exc:  # noqa: BLE001
            raise self._fail(one_line(exc)) from None

    def push_run(self, path: Path) -> None:
        self._publish(str(path), f"{self.base}/runs/{path.name}", path.name)

    def pull_run(self, name: str, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{name}.{os.getpid()}.tmp"
        source = f"{self.base}/runs/{name}"
        if self.local:
            shutil.copyfile(source, tmp)
        else:
            self.fs.get_file(source, str(tmp))
        os.replace(tmp, folder / name)


class SharedStore:
    """A run's `DiskStore` (`local`) with a remote behind it: read-through (`meta` answers
    from the remote's header, `load` downloads and checks the entry, then keeps it), and,
    with `push`, every entry `put` is uploaded by a background thread. Everything else is the
    local store's. `close()` waits for the uploads; `notices()` are the lines to show."""

    def __init__(self, local, remote: Remote, push: bool = True) -> None:
        self.local = local
        self.remote = remote
        self.push_enabled = push
        self.heads: dict[str, Entry] = {}  # remote-only entries whose header was read
        self.absent: set[str] = set()  # keys the remote did not have (asked once per run)
        self.rejected: dict[str, str] = {}  # key -> "damaged" | "untrusted"
        self.pushed = 0  # entries uploaded
        self.pushed_bytes = 0
        self.fetched = 0  # entries downloaded
        self.written_by_workers = 0  # entries dask workers stored in the remote themselves
        self.rewritten: dict[str, str] = {}  # rejected entries a worker has replaced
        self.push_errors: list[str] = []
        self._queued: set[str] = set()
        self._futures: list = []
        self._pool = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str):
        if name == "local":  # not set yet (a copy being made)
            raise AttributeError(name)
        return getattr(self.local, name)

    def __repr__(self) -> str:
        return f"SharedStore({self.local!r}, {self.remote!r})"

    def _reject(self, key: str, why: str) -> None:
        with self._lock:
            self.rejected.setdefault(key, why)
            self.heads.pop(key, None)

    # reading

    def meta(self, key: str) -> Entry | None:
        entry = self.local.meta(key)
        if entry is not None or self.remote.down is not None or key in self.rejected:
            return entry
        found = self.heads.get(key)
        if found is not None or key in self.absent:
            return found
        try:
            found = self.remote.head(key)
        except Rejected as exc:
            self._reject(key, str(exc))
            return None
        except Unreachable:
            return None
        if found is not None:
            self.heads[key] = found
        else:
            self.absent.add(key)
        return found

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.meta(key) is not None

    def fetch(self, key: str) -> bool:
        """Download remote entry `key` into the local store (checked first): whether it is
        now there."""
        if self.remote.down is not None or key in self.rejected:
            return False
        try:
            ok = self.remote.fetch(key, self.local)
        except Rejected as exc:
            self._reject(key, str(exc))
            return False
        except (Unreachable, OSError):
            return False
        if ok:
            with self._lock:
                self.heads.pop(key, None)
                self.fetched += 1
        return ok

    def load(self, key: str) -> object:
        try:
            return self.local.load(key)
        except KeyError:  # missing, damaged or (signed store) untrusted here
            if not self.fetch(key):
                raise
        return self.local.load(key)

    def want(self, key: str | None) -> None:
        """Keep entry `key` locally (a result the run printed, for `ibc.runtime.load`): one
        that only the remote holds is downloaded in the background."""
        if key and key in self.heads:
            self._submit(self.fetch, key)

    def remote_only(self, key: str | None) -> bool:
        """Whether entry `key` is known to be on the remote and not (yet) here."""
        return bool(key) and key in self.heads

    def reject(self, key: str, why: str) -> None:
        """Entry `key` of the remote failed verification elsewhere (on a dask worker), or
        was gone there (`why` "missing")."""
        if why == "missing":
            with self._lock:
                self.heads.pop(key, None)
                self.absent.add(key)
        else:
            self._reject(key, why)

    def written_remotely(self, key: str, header: bytes) -> Entry:
        """A dask worker stored entry `key` in the remote and sent its `header` bytes: the
        entry, checked here as a downloaded one is (the checksum of the header and, with
        `$IBC_STORE_KEY`, its signature), then known as remote-only (read-through).
        `Rejected` when the header fails."""
        try:
            entry = parse_header(key, header, lambda n: b"")
        except Untrusted:
            raise Rejected("untrusted") from None
        if entry is None:
            raise Rejected("damaged")
        with self._lock:
            self.heads[key] = entry
            why = self.rejected.pop(key, None)  # written again: usable, still reported
            if why is not None:
                self.rewritten[key] = why
            self.absent.discard(key)
            self.written_by_workers += 1
        return entry

    # writing

    def put(self, key: str, value: object, meta: dict) -> Entry:
        entry = self.local.put(key, value, meta)
        self.heads.pop(key, None)
        if self.push_enabled and key not in self._queued:
            self._queued.add(key)
            self._submit(self._push, key)
        return entry

    def _push(self, key: str) -> None:
        if self.remote.down is not None:
            return
        try:
            sent = self.remote.push(key, self.local, force=key in self.rejected)
        except Unreachable:
            return
        except OSError as exc:
            with self._lock:
                self.push_errors.append(exc.strerror or one_line(exc))
            return
        if sent:
            with self._lock:
                self.pushed += 1
                self.pushed_bytes += sent

    def _submit(self, fn, key: str) -> None:
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(PUSH_THREADS, thread_name_prefix="ibc-remote")
        self._futures.append(self._pool.submit(fn, key))

    def close(self, cancel: bool = False) -> None:
        """Wait for the uploads and downloads under way (`cancel`: drop those not started)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=cancel)
        self._futures.clear()

    def notices(self) -> list[str]:
        """What the run has to say about the remote, one line each (none when all went well)."""
        url, lines = self.remote.url, []
        if self.remote.down is not None:
            lines.append(
                f"warning: the remote {url} cannot be reached ({self.remote.down}); this run "
                "used the local store only"
            )
        failed = {**self.rewritten, **self.rejected}
        if failed:
            keys = sorted(failed)
            why = sorted(set(failed.values()))
            text = " or ".join(
                "its checksum is wrong" if w == "damaged" else "not signed by $IBC_STORE_KEY"
                for w in why
            )
            shown = ", ".join(k[:12] for k in keys[:3]) + (", …" if len(keys) > 3 else "")
            n = len(keys)
            lines.append(
                f"warning: {n} entr{'y' if n == 1 else 'ies'} of the remote {url} failed "
                f"verification ({text}) and {'was' if n == 1 else 'were'} not used, computed "
                f"again ({shown})"
            )
        if self.push_errors:
            n = len(self.push_errors)
            lines.append(
                f"warning: {n} entr{'y' if n == 1 else 'ies'} could not be pushed to {url} "
                f"({self.push_errors[0]}); `ibc cache push` sends them later"
            )
        return lines


def reading_store(root: str | os.PathLike, project_root: str | os.PathLike | None):
    """The store at `root` for reading values outside a run (`ibc.runtime.load`): with the
    project's remote behind it when one is set (`$IBC_REMOTE` or the setting; nothing is
    pushed), so a value, or a part of a result, that only the remote holds is downloaded,
    checked and kept."""
    from ibc.runtime.store import DiskStore

    store = DiskStore(root)
    url = remote_url(project_root)
    return store if url is None else SharedStore(store, Remote(url), push=False)


# ---------------------------------------------------------------- stages on remote workers
# docs/running.md, "What travels where": with a remote and the dask executor, a worker stores
# a large result in the remote itself and sends back only the entry's header; a later stage
# on a worker reads such an input from the remote, checked, never from the client.

REMOTE_BYTES = 1 << 20  # a result this large or larger stays on the remote (smaller: returned)


class Placement:
    """What a worker needs to store a stage's result in the remote: the remote's `url`, the
    entry's `key`, the `meta` the client knows (stage, inputs, run …; the worker adds the
    rest), whether to replace a remote entry (`force`: one that failed verification) and
    whether the client signs (`signed`: then a worker without `$IBC_STORE_KEY` returns the
    value instead). The signing key itself never travels with the task."""

    __slots__ = ("url", "key", "meta", "force", "signed", "threshold")

    def __init__(self, url, key, meta, force=False, signed=False, threshold=REMOTE_BYTES):
        self.url, self.key, self.meta = url, key, meta
        self.force, self.signed, self.threshold = force, signed, threshold

    def __reduce__(self):
        args = (self.url, self.key, self.meta, self.force, self.signed, self.threshold)
        return (Placement, args)


class RemoteInput:
    """In a call sent to a worker: the value of remote entry `key`, which the worker
    downloads (checked) and loads in place of this marker."""

    __slots__ = ("key",)

    def __init__(self, key: str) -> None:
        self.key = key

    def __reduce__(self):
        return (RemoteInput, (self.key,))

    def __repr__(self) -> str:
        return f"RemoteInput({self.key[:12]})"


class InputRejected(Exception):
    """On a worker: remote entries of the call's inputs failed verification (`keys`)."""

    def __init__(self, keys: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k[:12]} ({why})" for k, why in sorted(keys.items())))
        self.keys = keys


def placement_for(store, executor, key: str, meta: dict) -> Placement | None:
    """The `Placement` of a stage about to run, when its result may stay on the remote: the
    executor's workers write to the remote (`writes_remote`, the dask executor) and the run's
    store has a remote it pushes to; else None."""
    if not getattr(executor, "writes_remote", False) or not isinstance(store, SharedStore):
        return None
    if not store.push_enabled or store.remote.down is not None:
        return None
    from ibc.runtime.store import _signing_key

    return Placement(
        store.remote.url,
        key,
        meta,
        force=key in store.rejected,
        signed=_signing_key() is not None,
    )


class WorkerStore:
    """A worker's side of the remote (one per worker process): a scratch store in the worker's
    folder, and the `Remote`s it reached. The remote is the only copy: an entry the worker
    wrote is removed once published, an input it downloaded once its stage is done (so a
    long-lived worker fills no disk, and every read is checked against the remote's bytes)."""

    def __init__(self, folder: str) -> None:
        from ibc.runtime.store import DiskStore

        self.store = DiskStore(folder)
        self.remotes: dict[str, Remote] = {}
        # a worker with several threads: one download-load-remove of a key at a time
        self._lock = threading.Lock()

    def remote(self, url: str) -> Remote:
        found = self.remotes.get(url)
        if found is None or found.down is not None:  # a folder mounted since: try again
            found = self.remotes[url] = Remote(url)
        return found

    def inputs(self, call, url: str) -> None:
        """Replace the `RemoteInput`s among `call`'s function and arguments by their values,
        downloaded from the remote at `url` and checked first. `InputRejected` names those
        that fail; `Unreachable` when the remote cannot be reached."""
        rejected: dict[str, str] = {}
        loaded: dict[str, object] = {}

        def value(item):
            if not isinstance(item, RemoteInput):
                return item
            if item.key in loaded:
                return loaded[item.key]
            with self._lock:
                try:
                    if not self.remote(url).fetch(item.key, self.store):
                        rejected[item.key] = "missing"
                        return item
                except Rejected as exc:
                    rejected[item.key] = str(exc)
                    return item
                try:
                    found = loaded[item.key] = self.store.load(item.key)
                finally:
                    self.store.remove(item.key)  # an array stays mapped until it is freed
            return found

        call.func = value(call.func)
        call.args = [value(a) for a in call.args]
        call.kwargs = {k: value(v) for k, v in call.kwargs.items()}
        if rejected:
            raise InputRejected(rejected)

    def keep(self, placement: Placement, outcome) -> bytes | None:
        """Store `outcome`'s value as entry `placement.key` and publish it on the remote: the
        entry's header bytes (what the client gets instead of the value), or None when the
        value is to travel back as it is — smaller than the threshold, not picklable, the
        remote unreachable, or a signed run on a worker without `$IBC_STORE_KEY`."""
        from ibc.runtime.evaluate import finish_meta
        from ibc.runtime.store import _signing_key

        if placement.signed and _signing_key() is None:
            return None
        meta = finish_meta(dict(placement.meta), outcome)
        meta["written_by"] = {"host": _host_name(), "pid": os.getpid()}
        with self._lock:
            return self._keep(placement, outcome.value, meta)

    def _keep(self, placement: Placement, value: object, meta: dict) -> bytes | None:
        key = placement.key
        try:
            entry = self.store.put(key, value, meta)
        except Exception:  # noqa: BLE001 - unpicklable, a full disk: the client decides
            return None
        if entry.size < placement.threshold:
            self.store.remove(key)
            return None
        remote = self.remote(placement.url)
        try:
            with open(self.store.path(key), "rb") as f:
                header = f.read(entry.offset)
            if not remote.push(key, self.store, force=placement.force):
                # the remote had it (another pusher, or `--force`): its entry is the one a
                # later stage reads, so its header is the one to return
                header = remote.header_bytes(key) or header
        except (Unreachable, Rejected, OSError):
            return None
        finally:
            self.store.remove(key)
        return header


def _host_name() -> str:
    import socket

    return socket.gethostname()
