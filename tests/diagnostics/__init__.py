"""Tests of diagnostic rendering (terminal text, JSON, LSP) and of the general wording."""
