"""`python -m ibc.repl [FILE]`: the same as `ibc repl [FILE]`."""

from ibc.repl.cli import standalone

raise SystemExit(standalone())
