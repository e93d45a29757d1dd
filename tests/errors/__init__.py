"""Error cases: `*.test` files of programs and their expected diagnostics, and their harness."""
