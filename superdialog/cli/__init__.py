"""The ``superdialog`` command: validate, render, chat, test, schema.

``main`` is the entry point; ``console`` is the host behind ``superdialog
chat`` (a terminal plays the caller; it needs no host SDK, so it stays here
with the command rather than under ``adapters/``).
"""

from superdialog.cli.main import main

__all__ = ["main"]
