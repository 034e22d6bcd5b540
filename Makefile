# The two commands: `make run` and `make test`. Both keep the virtual environment in .venv/.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test unit lint bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/python -m bot

test: $(STAMP)
	@command -v redis-server >/dev/null || { echo "redis-server is needed for the tests: apt-get install -y redis-server" >&2; exit 1; }
	$(VENV)/bin/ruff check bot tests bench
	$(VENV)/bin/ruff format --check bot tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/python -m pytest

# the fast layer alone: rules and logic, no processes or sockets
unit: $(STAMP)
	$(VENV)/bin/python -m pytest tests/unit

bench: $(STAMP)
	@command -v wrk >/dev/null || { echo "wrk is needed for the benchmarks: apt-get install -y wrk" >&2; exit 1; }
	$(VENV)/bin/python bench/timeparse_bench.py
	$(VENV)/bin/python bench/app_bench.py
