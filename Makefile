# make demo  — the product with a demo district on this machine
# make test  — lint and format checks (ruff), the import contracts (import-linter), then the whole
#              test suite against real PostgreSQL and Redis
# make bench — benchmarks into docs/benchmarks.md (not part of make test)
# Both create .venv and, when DATABASE_URL / REDIS_URL are not set, start private
# PostgreSQL and Redis under var/ (see deploy/devservices.py).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SERVICES = eval "$$($(PY) deploy/devservices.py start)"
PORT ?= 8000


.PHONY: demo test bench services stop-services messages clean lock

# Installed from the hash-pinned lock (make lock writes it from pyproject.toml): the same
# versions on every machine, in CI and in the image (which installs requirements.lock).
$(VENV)/.installed: requirements-test.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --require-hashes -r requirements-test.lock
	touch $@

LOCK = $(VENV)/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links

lock: $(VENV)/.installed
	$(VENV)/bin/pip install -q pip-tools
	$(LOCK) -o requirements.lock pyproject.toml
	$(LOCK) --extra test -o requirements-test.lock pyproject.toml

demo: $(VENV)/.installed
	@set -e; $(SERVICES); export SITE_PORT=$(PORT) DEBUG=$${DEBUG:-True} DB_CONN_MAX_AGE=0; \
	export TWO_FACTOR_REQUIRED=$${TWO_FACTOR_REQUIRED:-False}; \
	export EMAIL_BACKEND=$${EMAIL_BACKEND:-django.core.mail.backends.filebased.EmailBackend}; \
	$(PY) manage.py migrate_schemas --shared -v 0; \
	$(PY) manage.py migrate_schemas --tenant -v 0; \
	trap 'kill 0' EXIT INT TERM; \
	$(VENV)/bin/celery -A config -q worker -l warning --concurrency 2 & \
	$(VENV)/bin/celery -A config -q beat -l warning -s var/celerybeat-schedule & \
	$(PY) manage.py seed_demo; \
	$(PY) manage.py runserver 0.0.0.0:$(PORT)

test: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	@set -e; $(SERVICES); $(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed
	@set -e; $(SERVICES); $(PY) bench/run.py

services: $(VENV)/.installed
	@$(PY) deploy/devservices.py start

stop-services:
	@$(PY) deploy/devservices.py stop

messages: $(VENV)/.installed
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv

clean: stop-services
	rm -rf var $(VENV)
