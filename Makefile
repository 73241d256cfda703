# Trellis: `make demo` runs the site on the embedded defaults; `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
SSO_PORT ?= 8001
PYTEST_ARGS ?=
# Test processes run side by side (pytest-xdist); each has a database of its own.
TEST_WORKERS ?= 2
CHROMIUM ?= $(shell command -v chromium || command -v chromium-browser)

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Trellis needs Python 3.11 or newer; set PYTHON=python3.x.")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing Trellis and its tools into $(VENV)..."
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

install: $(VENV)/.installed ## Create .venv and install Trellis with its development tools

# The demo's settings (cms/settings/demo.py) read PORT: the links in its emails carry it.
demo demo-sso: export DJANGO_SETTINGS_MODULE = cms.settings.demo
demo demo-sso: export PORT := $(PORT)

demo: install ## Migrate and seed the SQLite demo, sync schedules, serve both sites and the worker on port $(PORT)
	@$(PY) manage.py migrate --no-input -v 0
	@$(PY) manage.py seed_demo
	@$(PY) manage.py sync_schedules -v 0
	@echo "Serving Harbourline Logistics on http://127.0.0.1:$(PORT)/ (admin: http://127.0.0.1:$(PORT)/admin/)"
	@echo "and Harbourline Cold Chain on http://localhost:$(PORT)/. Ctrl-C stops."
	@$(PY) manage.py serve_demo --port $(PORT)

demo-sso: install ## The demo with a local OpenID Connect provider on port $(SSO_PORT) for single sign-on
	@$(PY) manage.py migrate --no-input -v 0
	@$(PY) manage.py seed_demo
	@$(PY) manage.py sync_schedules -v 0
	@echo "Single sign-on: \"Sign in with Demo Sign-in\" on http://127.0.0.1:$(PORT)/accounts/login/,"
	@echo "then mentee@harbourline-demo.example (or jo.newcomer@acme.test) with 'provider password 4321'."
	$(PY) -m tests.oidc_idp.serve --port $(SSO_PORT) \
		http://127.0.0.1:$(PORT)/accounts/oidc/demo-sso/login/callback/ \
		http://localhost:$(PORT)/accounts/oidc/demo-sso/login/callback/ & \
	trap 'kill $$!' EXIT; \
	OIDC_PROVIDERS='[{"id": "demo-sso", "name": "Demo Sign-in", "server_url": "http://127.0.0.1:$(SSO_PORT)", "client_id": "trellis-test-client", "secret": "trellis-test-client-secret"}]' \
	SSO_DOMAINS=harbourline-demo.example,acme.test \
	$(PY) manage.py serve_demo --port $(PORT)

test: install ## Run the test suite but the browser tests (DATABASE_URL chooses SQLite or PostgreSQL)
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

e2e: install ## Run the browser tests: Playwright driving Debian's chromium, screenshots in test-artifacts/e2e/
	TRELLIS_CHROMIUM=$(CHROMIUM) $(PY) -m pytest -m e2e tests/e2e $(PYTEST_ARGS)

screenshots: install ## Seed a scratch demo, serve it and regenerate docs/screenshots/*.png
	$(PY) scripts/screenshots.py

lint: install ## Check formatting and lint Python (ruff) and templates (djhtml)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	find cms content journeys matching insights themes -name '*.html' -path '*/templates/*' -print0 | xargs -0 $(VENV)/bin/djhtml --check

format: install ## Format Python and templates in place
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
	find cms content journeys matching insights themes -name '*.html' -path '*/templates/*' -print0 | xargs -0 $(VENV)/bin/djhtml

check: install ## Run Django's system checks and make sure migrations are complete
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

bench: install ## Run every benchmark in bench/ (JSON lines on stdout)
	@for script in bench/*.py; do $(PY) $$script || exit 1; done

.PHONY: help install demo demo-sso test e2e screenshots lint format check bench
