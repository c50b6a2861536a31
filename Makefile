# tracker: the two commands are `make run` and `make test` (see README.md).
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HTMX   := tracker/static/vendor/htmx.min.js
DEV    := TRACKER_ENV=development
PYTHON ?= python3

.PHONY: run test install migrate seed check-migrations migration demo-large clean

install: $(STAMP) $(HTMX)

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

migrate: install
	$(DEV) $(BIN)/tracker db upgrade

seed: migrate
	$(DEV) $(BIN)/tracker seed

run: seed
	@echo
	@echo "Demoinloggningar (endast utveckling):"
	@$(DEV) $(BIN)/tracker demo-users
	@echo
	@echo "tracker körs på http://127.0.0.1:5000/  (avsluta med Ctrl-C)"
	$(DEV) $(BIN)/flask --app tracker run --host 127.0.0.1 --port 5000

test: install
	bash .ci/ensure-chromium
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
