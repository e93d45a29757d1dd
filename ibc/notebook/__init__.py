"""Iterbuild in Jupyter and IPython: `%load_ext ibc` (or `%load_ext ibc.notebook`).

The extension registers `%%ib` (a cell of declarations added to the notebook's session
module; its experiments run and their values come back as a table), `%ib_run`,
`%ib_params`, `%ib_graph` and `%ib_reset`. Modules: `cells` (a cell's declarations as chunks
of the session module, and the line map back to the cells), `session` (the module, checked
and compiled by `ibc.driver`), `running` (evaluation against the project's store, values as
tables), `magics` (the IPython side). See docs/notebook.md.
"""

from __future__ import annotations


def load_ipython_extension(ip) -> None:
    """Register the magics with IPython shell `ip` (called by `%load_ext`)."""
    from ibc.notebook.magics import IbMagics

    ip.register_magics(IbMagics(ip))


def unload_ipython_extension(ip) -> None:
    """Nothing to undo: the magics stay registered until the kernel ends (IPython has no
    way to unregister a magic class)."""
