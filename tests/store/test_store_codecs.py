"""Serialization of values: pickle, `pickle5` (out-of-band buffers), `.npy` (memory-mapped on
load) and the Parquet of older stores."""

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


def tabular_frame(n: int = 5000) -> pd.DataFrame:
    """Floats, ints, nullable ints, categoricals and strings, each with missing values, and a
    named non-default index."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=n)
    x[::7] = np.nan
    frame = pd.DataFrame(
        {
            "x": x,
            "k": rng.integers(0, 100, n),
            "ni": pd.array([None if i % 5 == 0 else i for i in range(n)], dtype="Int64"),
            "c": pd.Categorical(rng.choice(["u", "v", None], n), categories=["v", "u", "w"]),
            "s": pd.Series(rng.choice(["a", "bb", None], n), dtype="str"),
            "o": pd.Series([None if i % 3 else f"t{i}" for i in range(n)], dtype=object),
        },
        index=pd.Index(np.arange(n) * 10, name="id"),
    )
    frame.attrs["source"] = "test"
    return frame


def test_frames_round_trip_with_out_of_band_buffers(tmp_path):
    frame = tabular_frame()
    codec, back = roundtrip(tmp_path, frame)
    assert codec == "pickle5"
    pd.testing.assert_frame_equal(back, frame, check_exact=True)
    assert list(back.dtypes) == list(frame.dtypes)
    assert list(back["c"].cat.categories) == ["v", "u", "w"]
    assert back.attrs == {"source": "test"}
    assert back.index.name == "id"


def test_buffers_start_at_multiples_of_64():
    from ibc.runtime.codecs import _pickle5_parts

    codec, chunks = encode({"a": np.arange(1000.0), "b": np.arange(333, dtype="i1")})
    data = b"".join(bytes(c) for c in chunks)
    assert codec == "pickle5" and len(data) % 64 == 0
    _, buffers = _pickle5_parts(data)
    base = np.frombuffer(data, dtype="u1").ctypes.data
    assert [b.nbytes for b in buffers] == [8000]  # 333 bytes stay in the pickle
    assert all((np.frombuffer(b, dtype="u1").ctypes.data - base) % 64 == 0 for b in buffers)


def test_a_damaged_pickle5_layout_is_an_error():
    codec, chunks = encode({"a": np.arange(1000.0)})
    data = b"".join(bytes(c) for c in chunks)
    with pytest.raises(ValueError, match="layout"):
        decode_bytes(codec, data + bytes(64))


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({1: [1, 2]}),  # a non-string column name
        pd.DataFrame({"a": [1, "x"]}),  # mixed objects
        pd.DataFrame({"a": [{1, 2}, {3}]}),  # sets
        pd.DataFrame([[1, 2]], columns=["a", "a"]),  # duplicate names
    ],
)
def test_any_frame_round_trips(tmp_path, frame):
    codec, back = roundtrip(tmp_path, frame)
    assert codec in ("pickle", "pickle5")
    pd.testing.assert_frame_equal(back, frame)


def test_frames_of_older_stores_are_read_from_parquet():
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"x": [1, 2, 3], "y": ["a", "b", None]})
    buffer = io.BytesIO()
    frame.to_parquet(buffer, engine="pyarrow")
    pd.testing.assert_frame_equal(decode_bytes("parquet", buffer.getvalue()), frame)


def test_unknown_codec_is_an_error():
    with pytest.raises(ValueError, match="unknown codec"):
        decode_bytes("zip", b"")
