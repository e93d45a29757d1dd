"""Serialization of stage values for the store (docs/running.md, "The store"): NumPy arrays
as `.npy`; every other value as pickle (protocol 5) — `pickle5` when it holds large buffers
(the arrays of a pandas DataFrame, a model's weights), which are then written out of band,
raw, each at a multiple of 64 bytes, and memory-mapped on load; plain `pickle` otherwise.
`parquet` (how frames were stored before) is still read.

`encode(value)` gives a codec name and the byte chunks to write (an array's data is passed
as a view, not copied); `decode(codec, path, offset, length)` reads a value back from a file
(an `.npy` array as a read-only memory map). Nothing heavy is imported until a value of that
kind is seen: numpy is recognized by `type(value).__module__` first.

A `pickle5` value is laid out as
    <u32 little-endian: buffer count b> <u32: 0> <u64: pickle length p> <b × u64: lengths>
    zero padding to a multiple of 64, the pickle, then each buffer, padded to a multiple of 64
so its buffers keep the 64-byte alignment the store gives the value's start.
"""

from __future__ import annotations

import io
import os
import struct

CODECS = ("pickle", "npy", "pickle5", "parquet")
ALIGN = 64
OUT_OF_BAND_BYTES = 1024  # smaller buffers stay inside the pickle
_HEAD = struct.Struct("<IIQ")

_NUMPY_ARRAYS = {("numpy", "ndarray"), ("numpy", "memmap")}


def encode(value: object) -> tuple[str, list]:
    """The codec for `value` and the chunks (bytes or memoryviews) of its serialized form."""
    cls = type(value)
    module, name = cls.__module__, cls.__name__
    if (module, name) in _NUMPY_ARRAYS:
        chunks = _encode_npy(value)
        if chunks is not None:
            return "npy", chunks
    return _pickle(value)


def _pickle(value: object) -> tuple[str, list]:
    """Pickle protocol 5: the buffers of at least `OUT_OF_BAND_BYTES` (contiguous arrays)
    out of band, uncopied (`pickle5`); plain `pickle` when there are none, so small values
    are encoded exactly as they always were."""
    import pickle

    buffers: list[memoryview] = []

    def out_of_band(buffer) -> bool:
        try:
            raw = buffer.raw()
        except BufferError:  # not contiguous: pickled in band
            return True
        if raw.nbytes < OUT_OF_BAND_BYTES:
            return True
        buffers.append(raw)
        return False

    data = pickle.dumps(value, protocol=5, buffer_callback=out_of_band)
    if not buffers:
        return "pickle", [data]
    lengths = [b.nbytes for b in buffers]
    head = _HEAD.pack(len(buffers), 0, len(data)) + struct.pack(f"<{len(lengths)}Q", *lengths)
    chunks: list = [head + bytes(-len(head) % ALIGN), data]
    pad = -len(data) % ALIGN
    for buffer in buffers:
        if pad:
            chunks.append(bytes(pad))
        chunks.append(buffer)
        pad = -buffer.nbytes % ALIGN
    if pad:
        chunks.append(bytes(pad))
    return "pickle5", chunks


def _pickle5_parts(data) -> tuple[memoryview, list[memoryview]]:
    """The pickle and the buffers of a `pickle5` value (views of `data`); `ValueError` when
    its layout does not add up."""
    data = memoryview(data)
    if data.nbytes < _HEAD.size:
        raise ValueError("pickle5 value too short")
    count, _, length = _HEAD.unpack_from(data, 0)
    at = _HEAD.size + 8 * count
    if at > data.nbytes:
        raise ValueError("pickle5 value too short")
    lengths = struct.unpack_from(f"<{count}Q", data, _HEAD.size)
    at += -at % ALIGN
    pickled = data[at : at + length]
    at += length
    buffers = []
    for n in lengths:
        at += -at % ALIGN
        buffers.append(data[at : at + n])
        at += n
    at += -at % ALIGN
    if at != data.nbytes or pickled.nbytes != length:
        raise ValueError("pickle5 layout does not match the stored length")
    return pickled, buffers


def decode_pickle5(data) -> object:
    """The value of a `pickle5` value's bytes; its arrays are views of `data` (a writable
    copy-on-write memory map of the entry when the store loads it)."""
    import pickle

    pickled, buffers = _pickle5_parts(data)
    return pickle.loads(pickled, buffers=buffers)


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
    if codec == "pickle5":
        return decode_pickle5(data)
    if codec == "parquet":  # frames stored by an older ibc
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
