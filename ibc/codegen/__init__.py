"""Code generation: the checked, expanded program as Python.

`lower` turns it into the IR of `ir` (names resolved, calls classified, override layers and
sweep points as data); `script` emits a program on `ibc.runtime`, `plain` a standalone one
(`plain_direct` its direct form, `plain_spell` its variants spelled out, `plain_layers` its
layered form, `plain_copy` the copies of the prelude and of `ibc/runtime/standalone.py`);
`names` keeps emitted names safe; `format` runs black, cached.
"""
