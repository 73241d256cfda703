# Trellis: `make demo` runs the site on the embedded defaults; `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTEST_ARGS ?=

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Trellis needs Python 3.11 or newer; set PYTHON=python3.x.")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

install: $(VENV)/.installed ## Create .venv and install Trellis with its development tools

demo: install ## Migrate and seed the SQLite demo, sync schedules, serve site and worker on 127.0.0.1:$(PORT)
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py seed_demo
	$(PY) manage.py sync_schedules -v 0
	@echo "Serving on http://127.0.0.1:$(PORT)/ (admin: http://127.0.0.1:$(PORT)/admin/). Ctrl-C stops."
	PORT=$(PORT) $(PY) manage.py serve_demo --port $(PORT)

test: install ## Run the whole test suite (DATABASE_URL chooses SQLite or PostgreSQL)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install ## Check formatting and lint Python (ruff) and templates (djhtml)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	find cms content -name '*.html' -path '*/templates/*' -print0 | xargs -0 $(VENV)/bin/djhtml --check

format: install ## Format Python and templates in place
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
	find cms content -name '*.html' -path '*/templates/*' -print0 | xargs -0 $(VENV)/bin/djhtml

check: install ## Run Django's system checks and make sure migrations are complete
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

bench: install ## Run every benchmark in bench/ (JSON lines on stdout)
	@for script in bench/*.py; do $(PY) $$script || exit 1; done

.PHONY: help install demo test lint format check bench
