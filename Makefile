# The two commands a newcomer needs (see README): `make run` and `make test`.
# Both set everything up first, from a clean clone, and are safe to run again.

SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip --disable-pip-version-check --quiet

.PHONY: run test bench

run: $(VENV)/.installed node_modules/.installed
	$(BIN)/registry migrate
	$(BIN)/registry load-fixtures
	$(BIN)/registry serve

# lint-imports checks that each package imports only the layers below it (pyproject.toml).
# Browser tests run in a pytest process of their own: Playwright's sync API keeps an event loop
# running, which the async service and API tests cannot share. The service and API tests use every
# core (pytest-xdist); the browser journeys run in two workers, one per database engine (each
# engine's journeys share its live server, in order: see tests/browser/conftest.py).
test: $(VENV)/.installed-test node_modules/.installed /usr/bin/chromium
	$(BIN)/lint-imports
	$(BIN)/pytest -n auto --durations=15 tests --ignore=tests/browser
	$(BIN)/pytest -n 2 tests/browser

# A current pip first: the one a new venv comes with took half a minute to resolve the dependencies
# (a current one, ten seconds), every clean clone and so every CI run.
$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade 'pip>=26,<27' 2>&1 | { grep -v "^WARNING: Location" || true; }

$(VENV)/.installed: pyproject.toml $(VENV)/bin/python
	$(PIP) install --editable . 2>&1 | { grep -v "^WARNING: Location" || true; }
	$(BIN)/python -c "import registry.app"
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/bin/python
	$(PIP) install --editable '.[test]' 2>&1 | { grep -v "^WARNING: Location" || true; }
	$(BIN)/python -c "import registry.app, pytest, playwright, axe_playwright_python"
	touch $(VENV)/.installed $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Playwright cannot download its own browser here; the tests drive Debian's Chromium.
/usr/bin/chromium:
	$(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq
	$(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# Benchmarks (docs/performance.md): figures, not pass or fail. PostgreSQL is measured too when
# REGISTRY_BENCH_POSTGRES_URL names a maintenance database (the benchmarks create their own).
bench: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks.run
	$(BIN)/python -m benchmarks.rush
	$(if $(REGISTRY_BENCH_POSTGRES_URL),$(BIN)/python -m benchmarks.rush --postgres)
	$(BIN)/python -m benchmarks.evaluation_scale
	$(if $(REGISTRY_BENCH_POSTGRES_URL),$(BIN)/python -m benchmarks.evaluation_scale --database postgres)
