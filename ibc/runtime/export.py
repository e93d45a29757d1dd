"""`ibc run … --out PATH`: the values of the targets run, written as files (docs/running.md,
"Writing results to files").

`--out DIR/` (a path ending in `/`, or an existing folder) writes every job's value to
`DIR/<name>.<ext>`, the kind of value choosing the format:

- a pandas DataFrame or Series: `<name>.csv` (`to_csv`; the index is written unless it is the
  default unnamed `0..n-1`);
- JSON data (a record with string keys, list, tuple, str, int, float, bool, None, nested; NumPy
  scalars count as numbers): `<name>.json`, indented, UTF-8;
- a NumPy array: `<name>.npy`;
- anything else (a fitted model, …): `<name>.pkl` (pickle protocol 5).

A sweep point's file is named after the point (`grid[model.C=0.1].json`); `/` and the
characters Windows refuses in names (`\\ : * ? " < > |`) become `_`. `--out FILE` (one job
only) writes that job's value as before: JSON for `.json`, CSV for a frame and `.csv`, pickle
otherwise.

Every file is written whenever the run ends ok, cached or not: its bytes are made from the
value and compared with the file's; a file that is missing or differs is written (through a
temporary file and a rename) and reported as `wrote PATH`, an identical one is left alone
(`up to date: PATH`), so deleting or editing an output and running again restores it.
"""

from __future__ import annotations

import io
import json
import os

from ibc.base.cachedir import replace_atomically

_UNSAFE = set('/\\:*?"<>|\0')


def is_folder(path: str) -> bool:
    """Whether `--out PATH` names a folder: it ends with a separator or is an existing one."""
    return path.endswith(("/", os.sep)) or os.path.isdir(path)


def file_name(name: str, value: object) -> str:
    """The file a job's value is written to in `--out DIR/`: its name and the extension its
    kind of value chooses."""
    safe = "".join("_" if c in _UNSAFE or ord(c) < 32 else c for c in name)
    if safe in ("", ".", ".."):
        safe = safe.replace(".", "_") or "_"
    return f"{safe}.{kind_of(value)}"


def kind_of(value: object) -> str:
    """ "csv", "json", "npy" or "pkl": the format `value` is written in."""
    cls = type(value)
    if cls.__module__.startswith("pandas") and cls.__name__ in ("DataFrame", "Series"):
        return "csv"
    if _json_data(value, 0):
        return "json"
    if cls.__module__ == "numpy" and cls.__name__ in ("ndarray", "memmap"):  # a stored
        return "npy"  # array is loaded memory-mapped
    return "pkl"


def _json_data(value: object, depth: int) -> bool:
    if depth > 100:
        return False
    if value is None or isinstance(value, (bool, int, str)):
        return True
    if isinstance(value, float):
        return True  # NaN and infinities are written as JSON's NaN / Infinity, as Python does
    cls = type(value)
    if cls.__module__ == "numpy" and cls.__name__ != "ndarray":
        return hasattr(value, "item") and getattr(value, "shape", None) == ()
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_data(v, depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(_json_data(v, depth + 1) for v in value)
    return False


def encoded(value: object, kind: str) -> bytes:
    """The bytes of `value` written as `kind` ("csv", "json", "npy" or "pkl")."""
    if kind == "csv":
        frame = value
        index = not _default_index(frame.index)
        return frame.to_csv(index=index, lineterminator="\n").encode("utf-8")
    if kind == "json":
        text = json.dumps(_plain(value), indent=2, ensure_ascii=False)
        return (text + "\n").encode("utf-8")
    if kind == "npy":
        import numpy as np

        buffer = io.BytesIO()
        np.save(buffer, value, allow_pickle=False)
        return buffer.getvalue()
    import pickle

    return pickle.dumps(value, protocol=5)


def _default_index(index) -> bool:
    import pandas as pd

    return (
        isinstance(index, pd.RangeIndex)
        and index.name is None
        and index.start == 0
        and index.step == 1
    )


def _plain(value: object) -> object:
    """JSON data with NumPy scalars as Python numbers and tuples as lists."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if type(value).__module__ == "numpy":
        return value.item()
    return value


def kind_for_path(path: str, value: object) -> str:
    """The format of `--out FILE`: JSON for `.json`, CSV for a frame and `.csv`, `.npy` for an
    array and `.npy`, pickle otherwise."""
    if path.endswith(".json"):
        return "json-any"
    kind = kind_of(value)
    if path.endswith(".csv") and kind == "csv":
        return "csv"
    if path.endswith(".npy") and kind == "npy":
        return "npy"
    return "pkl"


def write_if_changed(path: str, data: bytes) -> bool:
    """Write `data` to `path` unless the file holds exactly `data`; True when written."""
    try:
        with open(path, "rb") as f:
            if f.read(len(data) + 1) == data:
                return False
    except OSError:
        pass
    replace_atomically(path, data)
    return True


def export(values: list[tuple[str, object]], out: str, shown: str, err) -> None:
    """Write the `(job name, value)` pairs to `out` (an absolute path: a folder when it ends
    with a separator, else one file for one job), saying on `err` what was written, under the
    path `shown` the user gave; `OSError` when a file cannot be written."""
    if out.endswith(os.sep):
        for name, value in values:
            kind = kind_of(value)
            file = file_name(name, value)
            _write(out + file, encoded(value, kind), os.path.join(shown, file), err)
        return
    ((_, value),) = values
    kind = kind_for_path(out, value)
    if kind == "json-any":
        from ibc.runtime.values import jsonable

        data = (json.dumps(jsonable(value), indent=2, ensure_ascii=False) + "\n").encode()
    else:
        data = encoded(value, kind)
    _write(out, data, shown, err)


def _write(path: str, data: bytes, shown: str, err) -> None:
    if write_if_changed(path, data):
        err.write(f"wrote {shown}\n")
    else:
        err.write(f"up to date: {shown}\n")
