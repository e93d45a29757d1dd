"""Serialization of stage values for the store: NumPy arrays as `.npy`, pandas frames as
Parquet (when pyarrow is installed and the frame survives the round trip), everything else
as pickle (protocol 5) — design §8.3.

`encode(value)` gives a codec name and the byte chunks to write (an array's data is passed
as a view, not copied); `decode(codec, path, offset, length)` reads a value back from a file
(an `.npy` array as a read-only memory map). Nothing heavy is imported until a value of that
kind is seen: numpy and pandas are recognized by `type(value).__module__` first.
"""

from __future__ import annotations

import io
import os

CODECS = ("pickle", "npy", "parquet")

_NUMPY_ARRAYS = {("numpy", "ndarray"), ("numpy", "memmap")}


def encode(value: object) -> tuple[str, list]:
    """The codec for `value` and the chunks (bytes or memoryviews) of its serialized form."""
    cls = type(value)
    module, name = cls.__module__, cls.__name__
    if (module, name) in _NUMPY_ARRAYS:
        chunks = _encode_npy(value)
        if chunks is not None:
            return "npy", chunks
    elif module.startswith("pandas") and name == "DataFrame":
        data = _encode_parquet(value)
        if data is not None:
            return "parquet", [data]
    return "pickle", [_pickle(value)]


def _pickle(value: object) -> bytes:
    import pickle

    return pickle.dumps(value, protocol=5)


def _encode_npy(array) -> list | None:
    """`.npy` bytes as [header, data view]; None for object dtypes (those are pickled)."""
    import numpy as np
    from numpy.lib import format as npy

    if array.dtype.hasobject:
        return None
    array = np.asarray(array)  # a memmap becomes a plain view of the same data
    header = io.BytesIO()
    meta = npy.header_data_from_array_1_0(array)
    try:
        npy.write_array_header_1_0(header, meta)
    except ValueError:  # a header too long for format 1.0 (very many fields)
        header = io.BytesIO()
        npy.write_array_header_2_0(header, meta)
    if array.flags.c_contiguous:
        data = array
    elif array.flags.f_contiguous:
        data = array.T  # numpy writes Fortran-ordered arrays as their C-ordered transpose
    else:
        data = np.ascontiguousarray(array)
    flat = data.reshape(-1).view(np.uint8) if data.size else b""
    return [header.getvalue(), memoryview(flat) if data.size else flat]


def _encode_parquet(frame) -> bytes | None:
    """Parquet bytes of a frame that reads back equal to it; None to fall back to pickle."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return None
    import pandas as pd

    columns = frame.columns
    if not all(type(c) is str for c in columns) or not columns.is_unique:
        return None
    if not all(type(n) is str or n is None for n in frame.index.names):
        return None
    try:
        buffer = io.BytesIO()
        frame.to_parquet(buffer, engine="pyarrow")
        data = buffer.getvalue()
        back = pd.read_parquet(io.BytesIO(data), engine="pyarrow")
        pd.testing.assert_frame_equal(
            frame,
            back,
            check_exact=True,
            check_index_type=True,
            check_column_type=True,
            check_flags=True,
            check_freq=True,
        )
        if frame.attrs != back.attrs:
            return None
        if not all(_same_values(frame[c], back[c]) for c in columns if frame[c].dtype == object):
            return None
    except Exception:  # anything pyarrow cannot hold, or holds differently
        return None
    return data


def _same_values(a, b) -> bool:
    """Object columns: the same Python types cell by cell (assert_frame_equal allows 1 == 1.0)."""
    return all(type(x) is type(y) for x, y in zip(a.tolist(), b.tolist()))


def decode(codec: str, path: str | os.PathLike, offset: int, length: int) -> object:
    """The value serialized with `codec` in bytes `offset`..`offset+length` of the file at
    `path`; an `.npy` array is memory-mapped read-only rather than read."""
    if codec == "npy":
        with open(path, "rb") as f:
            return decode_npy(f, offset, length)
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read(length)
    if len(data) != length:
        raise ValueError(
            f"{os.fspath(path)}: expected {length} bytes at {offset}, found {len(data)}"
        )
    return decode_bytes(codec, data)


def decode_bytes(codec: str, data: bytes | memoryview) -> object:
    """The value serialized with `codec` in `data` (an `.npy` array here is a read-only copy)."""
    if codec == "pickle":
        import pickle

        return pickle.loads(data)
    if codec == "parquet":
        import pandas as pd

        return pd.read_parquet(io.BytesIO(data), engine="pyarrow")
    if codec == "npy":
        import numpy as np

        array = np.load(io.BytesIO(data), allow_pickle=False)
        array.setflags(write=False)
        return array
    raise ValueError(f"unknown codec {codec!r}")


def decode_npy(f, offset: int, length: int):
    """A read-only `numpy.memmap` of the `.npy` data at `offset` of the open binary file `f`
    (an empty array is returned as a plain read-only array: an empty region cannot be mapped)."""
    import numpy as np
    from numpy.lib import format as npy

    f.seek(offset)
    version = npy.read_magic(f)
    if version == (1, 0):
        shape, fortran_order, dtype = npy.read_array_header_1_0(f)
    elif version == (2, 0):
        shape, fortran_order, dtype = npy.read_array_header_2_0(f)
    else:
        raise ValueError(f"unsupported .npy version {version}")
    data_offset = f.tell()
    count = 1
    for n in shape:
        count *= n
    nbytes = count * dtype.itemsize
    if data_offset - offset + nbytes != length:
        raise ValueError(".npy header does not match the stored length")
    order = "F" if fortran_order else "C"
    if nbytes == 0:
        array = np.empty(shape, dtype=dtype, order=order)
        array.setflags(write=False)
        return array
    return np.memmap(f, dtype=dtype, mode="r", offset=data_offset, shape=shape, order=order)
