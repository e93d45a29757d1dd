"""Code generation: the checked, expanded program as Python.

`lower` turns it into the IR of `ir` (names resolved, calls classified, override layers and
sweep points as data); `script` emits a program on `ibc.runtime`, `plain` (with
`plain_layers`, `plain_support`, `plain_copy`) a standalone one; `names` keeps emitted names
safe; `format` runs black, cached.
"""
