# Kejin: `make run` (set up and serve the demo), `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export KEJIN_DEV ?= 1

.PHONY: install setup run test test-fast lint format bench browser messages clean

install: $(VENV)/.installed .env

# A development checkout works like any Django project: manage.py reads KEJIN_DEV=1 from .env
# (gitignored; config/settings.py reads it). Written only if absent, so a hand-edited or
# production .env is never touched; without it (and without SECRET_KEY) settings refuse to start.
.env:
	printf '# Development checkout (written by make; delete for production-like behaviour)\nKEJIN_DEV=1\n' > $@

$(VENV)/.installed: requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit("Kejin needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

setup: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_data

run: setup
	@echo "Kejin: http://127.0.0.1:8000"
	$(PY) manage.py runserver 127.0.0.1:8000

browser:
	./scripts/ensure-browser.sh

# Tests run on every core (pytest-xdist; each worker has its own test database).
PYTEST_WORKERS ?= auto

test: install browser
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test-fast: install
	$(PY) -m pytest -n $(PYTEST_WORKERS) -m "not e2e" $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null
	$(PY) scripts/check_layers.py --strict
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) -m bench

messages: install
	$(PY) manage.py makemessages -l en --no-obsolete --ignore='.venv/*' --ignore='var/*' --ignore='bench/*' --ignore='staticfiles/*' --ignore='test-artifacts/*'
	$(PY) manage.py compilemessages -l en --ignore='.venv/*'

clean:
	rm -rf $(VENV) var staticfiles
