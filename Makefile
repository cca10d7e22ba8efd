# The two commands in the README (`make demo`, `make test`) set everything up themselves.
.PHONY: setup demo test check lint types docs diagrams bench schema

setup:
	@bash scripts/setup.sh

demo: setup
	@.venv/bin/python scripts/demo.py

test: setup
	@.venv/bin/python -m pytest -q

lint: setup
	@.venv/bin/ruff check superdialog adapters tests bench scripts flows/python
	@.venv/bin/ruff format --check superdialog adapters/*/superdialog_*

types: setup
	@.venv/bin/mypy superdialog adapters/unpod/superdialog_unpod

check: lint types test

docs: setup
	@.venv/bin/python scripts/gen_reference.py
	@.venv/bin/python scripts/render_docs.py

diagrams: setup
	@.venv/bin/python scripts/render_docs.py

schema: setup
	@.venv/bin/superdialog schema -o flow.schema.json

bench: setup
	@bash bench/run.sh
