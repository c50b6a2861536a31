# tracker: the two commands are `make run` and `make test` (see README.md).
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HTMX   := tracker/static/vendor/htmx.min.js
PO     := tracker/translations/en/LC_MESSAGES/messages.po
MO     := $(PO:.po=.mo)
DEV    := TRACKER_ENV=development
PYTHON ?= python3

.PHONY: run test install migrate seed check-migrations migration demo-large translations clean

install: $(STAMP) $(HTMX) $(MO)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

# htmx 2.x from npm (htmx.org@2; npm's "latest" is 4.x), served by the app itself.
$(HTMX): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(dir $(HTMX))
	cp node_modules/htmx.org/dist/htmx.min.js $(HTMX)

# English UI texts (Swedish is the source language).
$(MO): $(PO) $(STAMP)
	$(BIN)/pybabel compile --statistics -d tracker/translations

# Refresh the catalog after changing UI texts, then translate the new entries in $(PO).
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -k gettext -k ngettext:1,2 -k lazy_gettext \
		-o tracker/translations/messages.pot .
	$(BIN)/pybabel update -i tracker/translations/messages.pot -d tracker/translations

migrate: install
	$(DEV) $(BIN)/tracker db upgrade

seed: migrate
	$(DEV) $(BIN)/tracker seed

run: seed
	@$(DEV) $(BIN)/tracker demo-data --scale small
	@echo
	@echo "Demoinloggningar (endast utveckling):"
	@$(DEV) $(BIN)/tracker demo-users
	@echo
	@echo "tracker körs på http://127.0.0.1:5000/  (avsluta med Ctrl-C)"
	$(DEV) TRACKER_EMBEDDED_SCHEDULER=1 $(BIN)/flask --app tracker run --host 127.0.0.1 --port 5000

test: install
	bash .ci/ensure-system-packages
	$(BIN)/ruff check tracker tests benchmarks migrations/env.py
	$(BIN)/pytest

check-migrations: install
	$(DEV) $(BIN)/tracker db check

migration: install
	$(DEV) $(BIN)/tracker db upgrade
	$(DEV) $(BIN)/alembic revision --autogenerate -m "$(MSG)"

demo-large: migrate
	$(DEV) $(BIN)/tracker demo-data --scale large

clean:
	rm -rf $(VENV) node_modules $(HTMX) instance/tracker.db*
