"""Write `chain.ib` of N trivial stages (bench/build.py, target 3): `python gen_chain.py N OUT_DIR`.

OUT_DIR receives a copy of this fixture's `ibc.toml` and `src/inc.py` and a `chain.ib` where
`x1 = inc(x0)`, ..., `xN = inc(x{N-1})`, and `experiment last = xN`: a chain of N stages, each
depending on the one before.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def write_chain(stages: int, out: Path) -> Path:
    """The project with an N-stage chain in `out`; returns the path of `chain.ib`."""
    (out / "src").mkdir(parents=True, exist_ok=True)
    shutil.copy(HERE / "ibc.toml", out / "ibc.toml")
    shutil.copy(HERE / "src" / "inc.py", out / "src" / "inc.py")
    lines = [
        f"# a chain of {stages} trivial stages (bench/build.py)",
        'from "src/inc.py" import inc',
        "",
        "x0 = 0",
    ]
    lines += [f"x{i} = inc(x{i - 1})" for i in range(1, stages + 1)]
    lines += ["", f"experiment last = x{stages}"]
    ib = out / "chain.ib"
    ib.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ib


if __name__ == "__main__":
    print(write_chain(int(sys.argv[1]), Path(sys.argv[2])))
