"""``python -m superdialog.testing.llm_server``: serve a script from the command line."""

from superdialog.testing.llm_server.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
