# Rideau — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test quick install lint imports types messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# the address the demo's links (printed, and in its e-mails) point to
SITE_HOST := $(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST))

demo: $(STAMP)
	$(BIN)/rideau migrate --noinput
	SITE_URL=http://$(SITE_HOST):$(PORT) $(BIN)/rideau demo
	SITE_URL=http://$(SITE_HOST):$(PORT) $(BIN)/rideau serve --with-worker --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

# architecture guards (ADR 0008): the import layers, and the types of the domain apps and API
imports: $(STAMP)
	$(BIN)/lint-imports pyproject.toml

types: $(STAMP)
	$(BIN)/mypy

# the suite runs in parallel processes (pytest-xdist), one per core, each with its own
# test database (ADR 0030). PYTEST_WORKERS=0: one process, as before
PYTEST_WORKERS ?= auto
XDIST := -n $(PYTEST_WORKERS) --dist load

test: lint imports types
	$(BIN)/rideau makemigrations --check --dry-run
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

# the quick subset: no browser, no concurrency runs, none of the slow walks (the
# cross-organiser walks, the demo load): `make test` and CI run them all
quick: $(STAMP)
	$(BIN)/python -m pytest $(XDIST) -m "not browser and not concurrency and not slow" $(PYTEST_ARGS)

messages: $(STAMP)
	cd src/rideau && ../../$(BIN)/rideau makemessages -l fr --no-obsolete && ../../$(BIN)/rideau compilemessages

clean:
	rm -rf $(VENV) var build src/*.egg-info
