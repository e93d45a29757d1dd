"""Diagnostics: what went wrong, in data (`diagnostic`), in words (`wording`, one module per
phase, stable codes), and on screen (`render`: terminal, JSON, LSP); `index` writes the error
index `docs/errors.md`; `spell` suggests near names."""
