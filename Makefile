# Everyday commands. Every target sets up .venv on first use and reinstalls
# requirements-dev.txt (runtime + test tools) only when a requirements file changed.
#
#   make demo    migrate, load demo data, create the demo admin, serve on 127.0.0.1:8000
#   make test    the pytest suite (PYTEST_ARGS="-k orders -x" passes options through)
#   make lint    ruff format --check + ruff check
#   make check   Django system checks + no missing migrations
#   make schema  validate the OpenAPI schema, failing on warnings
#   make worker / make beat   Celery worker / beat (need REDIS_URL)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.requirements-installed
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
SCHEMA_FILE ?= var/openapi-schema.yml

.PHONY: venv demo test lint format check schema worker beat clean

venv: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -r requirements-dev.txt
	touch $@

demo: $(STAMP)
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo_data --if-empty
	$(MANAGE) ensure_demo_admin --site-url http://$(HOST):$(PORT)
	$(MANAGE) runserver $(HOST):$(PORT)

# pytest exits 5 when it collects no test; that is a failure like any other.
test: $(STAMP)
	@echo "$(BIN)/pytest $(PYTEST_ARGS)"
	@status=0; $(BIN)/pytest $(PYTEST_ARGS) || status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests (exit 5)" >&2; fi; \
	exit $$status

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: $(STAMP)
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run

schema: $(STAMP)
	@mkdir -p $(dir $(SCHEMA_FILE))
	$(MANAGE) spectacular --validate --fail-on-warn --file $(SCHEMA_FILE)
	@echo "OpenAPI schema written to $(SCHEMA_FILE)"

worker: $(STAMP)
	$(BIN)/celery -A salesanalytics worker -l info

beat: $(STAMP)
	@mkdir -p var
	$(BIN)/celery -A salesanalytics beat -l info --schedule var/celerybeat-schedule

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles var/openapi-schema.yml
