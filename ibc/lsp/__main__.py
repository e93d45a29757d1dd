"""`python -m ibc.lsp`: the language server, as `ibc lsp` runs it."""

import argparse

from ibc.lsp.cli import add_arguments, main

_parser = argparse.ArgumentParser(prog="ibc lsp", description="the Iterbuild language server")
add_arguments(_parser)
raise SystemExit(main(_parser.parse_args()))
