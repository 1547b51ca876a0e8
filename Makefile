# CdP Portal — the two commands are `make run` and `make test`; the rest are helpers.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Test workers (pytest-xdist): each gets its own test database (test_<name>_gw0, _gw1…);
# loadgroup keeps the tests marked xdist_group together (one nginx stack for tests/deploy).
TEST_WORKERS ?= auto
# Resolves the database (environment, local server, or private cluster in var/pgdata).
WITH_DB = DATABASE_URL="$$($(PY) -m cdp_portal.localdb)" || exit 1; export DATABASE_URL;

.PHONY: help run test install install-dev lint format messages db-url db-stop worker clean-venv chromium deploy-tools idp-tools

help:
	@echo "make run      install, prepare the database, load the demo and serve on :$(PORT)"
	@echo "make test     install test tools and run lint checks and the whole test suite"
	@echo "make lint     ruff check, ruff format --check, mypy, makemigrations --check"
	@echo "make format   ruff format and fix"
	@echo "make messages update and compile the French and English catalogues"
	@echo "make db-url   print the DATABASE_URL that run/test use"
	@echo "make db-stop  stop the private PostgreSQL cluster (var/pgdata) if one runs"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.base-installed: requirements/base.lock | $(PY)
	$(PY) -m pip install --quiet -r requirements/base.lock
	@touch $@

$(VENV)/.dev-installed: requirements/dev.lock | $(PY)
	$(PY) -m pip install --quiet -r requirements/dev.lock
	@touch $@ $(VENV)/.base-installed

install: $(VENV)/.base-installed
install-dev: $(VENV)/.dev-installed

# E-mail links follow the port actually served, unless PORTAL_BASE_URL is given.
run: install
	@$(WITH_DB) \
	export PORTAL_BASE_URL="$${PORTAL_BASE_URL:-http://127.0.0.1:$(PORT)}"; \
	$(PY) manage.py migrate --noinput && \
	$(PY) manage.py seed_demo && \
	echo "Portal on http://127.0.0.1:$(PORT)/ (Ctrl-C to stop)" && \
	exec $(PY) manage.py runserver 127.0.0.1:$(PORT)

chromium:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "Browser tests need Chromium: sudo apt-get install chromium" >&2; exit 1; fi; }

# tests/deploy start a real nginx in front of gunicorn and run deploy/rolling-restart.sh
# (curl, ss); they are skipped without these.
deploy-tools:
	@{ { command -v nginx || test -x /usr/sbin/nginx; } && command -v curl && command -v ss; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light openssl curl iproute2; \
	  else echo "tests/deploy are skipped without nginx, curl, ss: sudo apt-get install nginx-light curl iproute2" >&2; fi; }

# The single sign-on tests start real identity providers (tests/idp/): pysaml2's SAML IdP
# signs with Debian's xmlsec1, panva's oidc-provider runs under Node (`npm ci`, locked).
idp-tools:
	@command -v xmlsec1 >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xmlsec1; \
	  else echo "The SAML tests need xmlsec1: sudo apt-get install xmlsec1" >&2; exit 1; fi; }
	@command -v npm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; \
	  else echo "The OpenID Connect tests need Node and npm: sudo apt-get install nodejs npm" >&2; exit 1; fi; }
	@test tests/idp/node_modules/.package-lock.json -nt tests/idp/package-lock.json || \
	  npm ci --prefix tests/idp --no-audit --no-fund --silent

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@# Files and options: [tool.mypy] in pyproject.toml. The django-stubs plugin imports the
	@# settings but opens no connection, so no database is needed.
	$(VENV)/bin/mypy
	@$(WITH_DB) $(PY) manage.py makemigrations --check --dry-run

test: install-dev chromium deploy-tools idp-tools lint
	@$(WITH_DB) PORTAL_FAST_PASSWORD_HASHER=1 $(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: install
	$(PY) manage.py makemessages --all --no-obsolete --ignore=.venv --ignore=var --ignore=tests
	$(PY) scripts/fill_french_catalogue.py
	$(PY) manage.py compilemessages --ignore=.venv

db-url: install
	@$(PY) -m cdp_portal.localdb

db-stop: install
	$(PY) -m cdp_portal.localdb --stop

clean-venv:
	rm -rf $(VENV)
