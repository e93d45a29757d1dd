"""`python -m ibc.ui`: `ibc ui` without the `ibc` front end."""

import sys

from ibc.ui.cli import standalone

sys.exit(standalone())
