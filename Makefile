# The two commands: `make run` and `make test`. Both install exactly what uv.lock pins, hashes checked,
# into .venv/; uv itself comes from uv-bootstrap.txt (pinned with hashes) into .tools/ on first use.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
UV := .tools/bin/uv
# the interpreter is $(PYTHON): uv must never download one of its own
export UV_PYTHON_DOWNLOADS := never
# compiled bytecode is kept between runs (the libraries', the app's, and pytest's rewritten test modules),
# even where the environment says otherwise: without it every process compiles them all again
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run demo test unit e2e needs-redis-server bench lock

$(UV): uv-bootstrap.txt
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --quiet --require-hashes -r uv-bootstrap.txt
	touch $(UV)

$(STAMP): pyproject.toml uv.lock $(UV)
	$(UV) sync --locked --extra dev --extra sentry --python $(PYTHON) --quiet
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/python -m bot

# the app with a stand-in for Slack and its own dry run for Kaleyra: no accounts, no network, no .env
demo: $(STAMP)
	$(VENV)/bin/python -m bot.demo

# the e2e tests start redis-server processes of their own
needs-redis-server:
	@command -v redis-server >/dev/null || { echo "redis-server is needed for the tests: apt-get install -y redis-server" >&2; exit 1; }

# the tests in parallel: three worker processes per core, as the e2e tests spend much of their time waiting on
# processes of their own (TEST_WORKERS=N for N); each worker takes whole modules in collection order, where the
# e2e modules that wait longest come first (tests/conftest.py), so that their waiting overlaps the others' work
TEST_WORKERS ?= $(shell echo $$((3 * $$(nproc 2>/dev/null || echo 1))))
IN_PARALLEL = -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder
test: $(STAMP) needs-redis-server
	$(VENV)/bin/ruff check bot tests bench
	$(VENV)/bin/ruff format --check bot tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/python -m pytest $(IN_PARALLEL)

# the fast layer alone: rules and logic, no processes or sockets; a worker process per core (it is CPU-bound)
unit: $(STAMP)
	$(VENV)/bin/python -m pytest -n $(shell nproc 2>/dev/null || echo 1) tests/unit

# the e2e layer alone, in parallel as in `make test`
e2e: $(STAMP) needs-redis-server
	$(VENV)/bin/python -m pytest $(IN_PARALLEL) tests/e2e

# after changing dependencies in pyproject.toml; `$(UV) lock --upgrade-package NAME` moves one package
lock: $(UV)
	$(UV) lock --python $(PYTHON)

bench: $(STAMP)
	@command -v wrk >/dev/null || { echo "wrk is needed for the benchmarks: apt-get install -y wrk" >&2; exit 1; }
	$(VENV)/bin/python bench/timeparse_bench.py
	$(VENV)/bin/python bench/rows_bench.py
	$(VENV)/bin/python bench/batch_bench.py
	$(VENV)/bin/python bench/app_bench.py
	$(VENV)/bin/python bench/queue_bench.py
