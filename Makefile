# The two commands of the README, and the checks CI runs.
.PHONY: setup demo test lint

setup:
	scripts/setup.sh

# Set up, create an archive on embedded defaults, and prove it stores,
# reads back and verifies an encrypted object.
demo: setup
	.venv/bin/records init
	.venv/bin/records selfcheck
	.venv/bin/records verify

# Set up and run the whole test suite (and the linters, which must be clean).
test: setup lint
	.venv/bin/python -m pytest

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
