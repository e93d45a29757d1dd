"""Benchmark of the store on a DataFrame (issue 13, item 7): writes `bench/RESULTS_store.md`
and `bench/results_store.json`.

Target: storing (`DiskStore.put`: serialize, hash, write, rename) and loading
(`DiskStore.load`: checksum, unpickle) a 400,000 × 12 DataFrame each take at most 1.2× what
`joblib.dump` / `joblib.load` take for the same frame, measured side by side in one process:
rounds interleave the four operations (put, joblib.dump, load, joblib.load), so each round
runs under the same load; the targets are the ratios of the medians. The load average is
recorded before and after. Loading also is timed followed by a pass over every column
(`frame.sum(numeric_only=True)` and the string lengths), since the store's load maps the
columns and reads them only when they are used.

The frame: 4 float64 columns (10% NaN), 3 int64, 1 nullable Int64 (10% missing), 2
categoricals (with missing values), 1 `str` column (pandas' default string dtype, 10% missing)
and 1 object column of strings and None; a named int64 index.

Usage: `python bench/store.py [--quick]` (about 30 s; --quick: 3 rounds, do not record).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

ROWS = 400_000
TARGET = 1.2


def make_frame(rows: int = ROWS):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(13)
    data: dict = {}
    for i in range(4):
        x = rng.normal(size=rows)
        x[rng.random(rows) < 0.1] = np.nan
        data[f"num{i}"] = x
    for i in range(3):
        data[f"count{i}"] = rng.integers(0, 10_000, rows)
    data["rooms"] = pd.array(
        np.where(rng.random(rows) < 0.1, None, rng.integers(1, 9, rows)), dtype="Int64"
    )
    data["zone"] = pd.Categorical(rng.choice(["RL", "RM", "FV", "RH", None], rows))
    data["style"] = pd.Categorical(rng.choice(["1Story", "2Story", "SLvl", None], rows))
    street = rng.choice(["Pave", "Grvl", "Dirt"], rows).astype(object)
    street[rng.random(rows) < 0.1] = None
    data["street"] = pd.Series(street, dtype="str")
    notes = rng.choice(["corner lot", "near park", "renovated", "new roof"], rows).astype(object)
    notes[rng.random(rows) < 0.3] = None
    data["notes"] = pd.Series(notes, dtype=object)
    return pd.DataFrame(data, index=pd.Index(np.arange(rows) * 2, name="Id"))


def touch(frame) -> float:
    """Read every column (what a stage using the frame does)."""
    total = float(frame.sum(numeric_only=True).sum())
    total += float(frame["street"].str.len().sum()) + float(frame["notes"].str.len().sum())
    return total + float(frame["zone"].cat.codes.sum() + frame["style"].cat.codes.sum())


def measure(rounds: int) -> dict:
    import joblib
    import pandas as pd

    from ibc.runtime.store import DiskStore

    frame = make_frame()
    work = Path(tempfile.mkdtemp(prefix="ibc-store-bench-"))
    times: dict[str, list[float]] = {
        k: [] for k in ("put", "dump", "load", "jload", "load+touch", "jload+touch")
    }
    try:
        store = DiskStore(work / ".ibc")
        dumped = work / "frame.joblib"
        for i in range(rounds + 1):  # round 0 warms up
            key = f"frame{i:04d}"
            t = time.perf_counter()
            entry = store.put(key, frame, {})
            put = time.perf_counter() - t
            t = time.perf_counter()
            joblib.dump(frame, dumped)
            dump = time.perf_counter() - t
            t = time.perf_counter()
            back = store.load(key)
            load = time.perf_counter() - t
            touch(back)
            load_touch = time.perf_counter() - t
            t = time.perf_counter()
            jback = joblib.load(dumped)
            jload = time.perf_counter() - t
            touch(jback)
            jload_touch = time.perf_counter() - t
            if i == 0:
                pd.testing.assert_frame_equal(back, frame, check_exact=True)
                pd.testing.assert_frame_equal(jback, frame, check_exact=True)
                sizes = {"store": entry.file_size, "joblib": dumped.stat().st_size}
                codec = entry.codec
                continue
            store.remove(key)
            for name, value in zip(
                times, (put, dump, load, jload, load_touch, jload_touch), strict=True
            ):
                times[name].append(value)
            del back, jback
    finally:
        shutil.rmtree(work, ignore_errors=True)
    med = {k: statistics.median(v) for k, v in times.items()}
    return {
        "rounds": rounds,
        "codec": codec,
        "sizes": sizes,
        "times": times,
        "medians": med,
        "ratios": {
            "store / joblib.dump": med["put"] / med["dump"],
            "load / joblib.load": med["load"] / med["jload"],
            "load+touch / joblib.load+touch": med["load+touch"] / med["jload+touch"],
        },
        "dtypes": {c: str(t) for c, t in frame.dtypes.items()},
    }


def render(result: dict) -> str:
    med, ratios = result["medians"], result["ratios"]
    la = result["loadavg"]
    met = lambda r: "yes" if r <= TARGET else "no"  # noqa: E731
    lines = [
        "# Store benchmark: a 400k × 12 DataFrame (issue 13, item 7)",
        "",
        f"Recorded {result['when']} by `python bench/store.py` on {result['machine']}; load "
        f"average (1, 5, 15 min) before {la['before']}, after {la['after']}. Python "
        f"{result['python']}, pandas {result['versions']['pandas']}, numpy "
        f"{result['versions']['numpy']}, joblib {result['versions']['joblib']}.",
        "",
        "| target | measured | met |",
        "| --- | --- | --- |",
        f"| store (`DiskStore.put`) ≤ {TARGET}× `joblib.dump` | "
        f"{ratios['store / joblib.dump']:.2f}× | {met(ratios['store / joblib.dump'])} |",
        f"| load (`DiskStore.load`) ≤ {TARGET}× `joblib.load` | "
        f"{ratios['load / joblib.load']:.2f}× | {met(ratios['load / joblib.load'])} |",
        "",
        f"Medians of {result['rounds']} interleaved rounds (one process, after a warm-up round):",
        "",
        "| operation | median (ms) | min (ms) |",
        "| --- | --- | --- |",
    ]
    names = {
        "put": "DiskStore.put (pickle5: pickle, raw buffers, xxh3, write, rename)",
        "dump": "joblib.dump",
        "load": "DiskStore.load (xxh3 of the mapped entry, unpickle over the map)",
        "jload": "joblib.load",
        "load+touch": "DiskStore.load, then every column read",
        "jload+touch": "joblib.load, then every column read",
    }
    for k, label in names.items():
        lines.append(f"| {label} | {med[k] * 1000:.1f} | {min(result['times'][k]) * 1000:.1f} |")
    lines += [
        "",
        f"Loaded and read in full: {ratios['load+touch / joblib.load+touch']:.2f}× joblib "
        "(the store's load maps the columns; reading them is then paid by the first use).",
        "",
        f"Codec `{result['codec']}`; entry {result['sizes']['store']:,} bytes, joblib file "
        f"{result['sizes']['joblib']:,} bytes. Both round trips are checked with "
        "`assert_frame_equal(check_exact=True)`.",
        "",
        "Dtypes: " + ", ".join(f"`{c}` {t}" for c, t in result["dtypes"].items()) + ".",
        "",
        "The Parquet codec this replaces wrote, read back and compared each frame: "
        "0.58 s per 400k-row frame in issue 13.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    import joblib
    import numpy
    import pandas

    before = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    result = measure(3 if args.quick else 15)
    result["loadavg"] = {
        "before": before,
        "after": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    result["when"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    result["machine"] = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                result["machine"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    result["python"] = platform.python_version()
    result["versions"] = {
        "pandas": pandas.__version__,
        "numpy": numpy.__version__,
        "joblib": joblib.__version__,
    }
    text = render(result)
    print(text)
    if not args.quick:
        (BENCH / "RESULTS_store.md").write_text(text, encoding="utf-8")
        (BENCH / "results_store.json").write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
