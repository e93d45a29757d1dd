"""Where the grammar and the stubs are: inside the wheel (`ibc/_data/`), or at the top of
the source tree in an editable install or a checkout. Both are found the same way."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # `ibc/`, above `ibc/base/`


def data_dir(name: str) -> Path:
    """The folder `grammar` or `stdlib`."""
    packaged = _PACKAGE / "_data" / name
    if packaged.is_dir():
        return packaged
    tree = _PACKAGE.parent / name
    if tree.is_dir():
        return tree
    raise FileNotFoundError(f"iterbuild's {name}/ folder is missing from the installation")


def grammar_path() -> Path:
    return data_dir("grammar") / "iterbuild.lark"


def stdlib_dir() -> Path:
    return data_dir("stdlib")
