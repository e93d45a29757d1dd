"""Serialization of values: pickle, `.npy` (memory-mapped on load) and Parquet round trips."""

import io
import sys

import numpy as np
import pandas as pd
import pytest

from ibc.runtime.codecs import decode, decode_bytes, encode


def roundtrip(tmp_path, value):
    codec, chunks = encode(value)
    path = tmp_path / "value.bin"
    prefix = b"x" * 64  # the value does not start the file, as in a store entry
    data = b"".join(bytes(c) for c in chunks)
    path.write_bytes(prefix + data + b"trailing")
    return codec, decode(codec, path, len(prefix), len(data))


def test_plain_values_are_pickled(tmp_path):
    value = {"a": [1, 2.0, "x"], "b": (None, True)}
    codec, back = roundtrip(tmp_path, value)
    assert codec == "pickle"
    assert back == value


def test_encode_imports_nothing_heavy_for_plain_values():
    import subprocess

    code = (
        "import sys; from ibc.runtime.codecs import encode; encode({'a': 1}); "
        "print(sorted(m for m in ('numpy', 'pandas', 'pyarrow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "array",
    [
        np.arange(12.0).reshape(3, 4),
        np.asfortranarray(np.arange(12).reshape(3, 4)),
        np.arange(20)[::3],  # not contiguous
        np.array(3.5),  # 0-d
        np.zeros((0, 4)),
        np.array(["ab", "c"]),
        np.array([(1, 2.0)], dtype=[("a", "i4"), ("b", "f8")]),
        np.array(["2024-01-01"], dtype="datetime64[ns]"),
    ],
)
def test_arrays_round_trip_as_read_only_memory_maps(tmp_path, array):
    codec, back = roundtrip(tmp_path, array)
    assert codec == "npy"
    assert back.dtype == array.dtype and back.shape == array.shape
    assert np.array_equal(back, array)
    assert not back.flags.writeable
    if array.size:
        assert isinstance(back, np.memmap)
    with pytest.raises(ValueError):
        back[...] = 0


def test_npy_chunks_are_a_valid_npy_file():
    array = np.asfortranarray(np.arange(6).reshape(2, 3))
    _, chunks = encode(array)
    back = np.load(io.BytesIO(b"".join(bytes(c) for c in chunks)))
    assert np.array_equal(back, array)
    assert np.array_equal(decode_bytes("npy", b"".join(bytes(c) for c in chunks)), array)


def test_object_arrays_and_array_subclasses_are_pickled(tmp_path):
    codec, back = roundtrip(tmp_path, np.array([{"a": 1}, None], dtype=object))
    assert codec == "pickle" and back[0] == {"a": 1}
    masked = np.ma.masked_array([1, 2], mask=[0, 1])
    codec, back = roundtrip(tmp_path, masked)
    assert codec == "pickle" and back.mask.tolist() == [False, True]


def test_frames_round_trip_as_parquet(tmp_path):
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame(
        {"x": [1, 2, 3], "y": ["a", "b", None], "z": [0.5, np.nan, 2.0]},
        index=pd.Index([10, 20, 30], name="id"),
    )
    frame["c"] = pd.Categorical(["u", "v", "u"])
    codec, back = roundtrip(tmp_path, frame)
    assert codec == "parquet"
    pd.testing.assert_frame_equal(back, frame, check_exact=True)


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({1: [1, 2]}),  # a non-string column name
        pd.DataFrame({"a": [1, "x"]}),  # mixed objects
        pd.DataFrame({"a": [{1, 2}, {3}]}),  # sets pyarrow cannot hold
        pd.DataFrame([[1, 2]], columns=["a", "a"]),  # duplicate names
    ],
)
def test_frames_parquet_cannot_preserve_are_pickled(tmp_path, frame):
    pytest.importorskip("pyarrow")
    codec, back = roundtrip(tmp_path, frame)
    assert codec == "pickle"
    pd.testing.assert_frame_equal(back, frame)


def test_unknown_codec_is_an_error():
    with pytest.raises(ValueError, match="unknown codec"):
        decode_bytes("zip", b"")
