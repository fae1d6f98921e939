# The two commands of the README, and the checks CI runs.
.PHONY: setup demo test lint

setup:
	scripts/setup.sh

# Set up, build a demo archive on embedded defaults from invented records
# (roster, ingest with OCR, review, search), then prove that it stores,
# reads back and verifies encrypted objects.
demo: setup
	.venv/bin/records demo
	.venv/bin/records selfcheck
	.venv/bin/records verify

# Set up and run the whole test suite (and the linters, which must be clean).
test: setup lint
	.venv/bin/python -m pytest

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
