# One entry point for every routine task. `make run` and `make test` are the
# two commands in README.md; both install what they need first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Local runs: SQLite, email printed to the console, no Redis, debug pages.
LOCAL_ENV := DEBUG=true

.PHONY: install run test lint format requirements worker beat serve bench clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements.txt
	touch $@

install: $(VENV)/.installed

run: install
	$(LOCAL_ENV) $(PY) manage.py migrate --no-input
	$(LOCAL_ENV) $(PY) manage.py seed_demo
	$(LOCAL_ENV) $(PY) manage.py runserver 127.0.0.1:8000

test: install
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Regenerate the pinned, hashed requirements after editing pyproject.toml.
requirements: install
	$(VENV)/bin/pip-compile --quiet --extra dev --generate-hashes --allow-unsafe \
		--strip-extras --no-emit-index-url --no-emit-find-links -o requirements.txt pyproject.toml

# The production-like processes (docker-compose.yml runs the same commands).
serve: install
	$(VENV)/bin/gunicorn advocacy.wsgi -c python:advocacy.gunicorn_conf --bind 127.0.0.1:8000 --workers 3

worker: install
	$(VENV)/bin/celery -A advocacy worker --loglevel INFO

beat: install
	$(VENV)/bin/celery -A advocacy beat --loglevel INFO --schedule var/celerybeat-schedule

# Load, digest and query numbers on PostgreSQL under gunicorn, compared with
# the floor of a trivial view (see bench/README.md). Needs PostgreSQL
# (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/bench) and wrk.
bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) staticfiles screenshots .pytest_cache .ruff_cache
