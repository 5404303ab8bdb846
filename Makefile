# meetup: `make run` to try it, `make test` to check it. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000

.PHONY: run test addok lint format bench bench-badges bench-web bench-checkin bench-neighbours bench-phones bench-spike bench-memory bench-digest translations compile-translations clean help

help:
	@echo "make run           install, migrate, load the demo and serve on http://127.0.0.1:$(PORT)"
	@echo "make test          the whole test suite (SQLite; PostgreSQL when TEST_DATABASE_URL is set);"
	@echo "                   needs Redis, and Debian's chromium and nginx (apt-get install chromium nginx)"
	@echo "make addok         the test geocoder (needs gcc); make test uses it when installed"
	@echo "make lint          ruff check, format check and the layers (lint-imports)"
	@echo "make bench         benchmarks in bench/"
	@echo "make translations  extract messages and update the catalogues"

$(BIN)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Python 3.11 or newer is needed: apt-get install python3.11 python3.11-venv"; exit 1; }
	@$(PYTHON) -m venv $(VENV) || \
	  { echo "Could not create a virtualenv: apt-get install python3.11-venv"; exit 1; }
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

instance/secret_key:
	@mkdir -p instance
	@$(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(48))' > $@
	@chmod 600 $@
	@echo "wrote a development SECRET_KEY into $@"

# Links in the demo's output and emails point at the port served (unless BASE_URL is set).
run: export BASE_URL ?= http://127.0.0.1:$(PORT)
run: $(BIN)/.installed instance/secret_key
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty
	@echo "Serving on http://127.0.0.1:$(PORT)  (Ctrl-C to stop); emails go to instance/mail/"
	@trap 'kill 0' EXIT INT TERM; \
	  $(FLASK) worker & \
	  $(FLASK) run --host 127.0.0.1 --port $(PORT)

# The test geocoder (a real Addok) lives in its own virtualenv: it pins another redis client.
# Installing it compiles python-geohash, so it needs a C compiler (apt-get install gcc):
# `make addok` installs it. `make test` uses it when it is there, and its tests are skipped
# (with the reason) when not; with CI=true, where a skip fails the run, `make test` installs it.
$(VENV)/addok/.installed: $(BIN)/.installed requirements-dev.txt tests/addok.py
	$(BIN)/python -m tests.addok install
	@touch $@

addok: $(VENV)/addok/.installed

ADDOK_FOR_TEST := $(if $(filter true,$(CI)),$(VENV)/addok/.installed)

# The browser tests need Debian's chromium, the HTTPS tests Debian's nginx (tests/servers.py):
# apt-get install chromium nginx. Missing, their tests are skipped (failed with CI=true).
test: $(BIN)/.installed $(ADDOK_FOR_TEST)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(BIN)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: bench-badges bench-web bench-checkin bench-neighbours bench-phones bench-spike bench-memory bench-digest

bench-neighbours: $(BIN)/.installed
	$(BIN)/python bench/neighbours.py

bench-badges: $(BIN)/.installed
	$(BIN)/python bench/badges.py --verify
	@command -v sqlite3 >/dev/null || { echo "bench needs sqlite3: apt-get install sqlite3"; exit 1; }
	$(BIN)/python bench/badges_cli.py

bench-memory: $(BIN)/.installed
	$(BIN)/python bench/memory.py

# The monthly digest of a club of 2,400 registrations: claim and queue, then write out.
bench-digest: $(BIN)/.installed
	$(BIN)/python bench/digest.py

bench-web: $(BIN)/.installed
	@command -v wrk >/dev/null || { echo "bench needs wrk: apt-get install wrk"; exit 1; }
	$(BIN)/python bench/web.py

# Lighthouse, pinned in bench/package.json and its lock, installed into bench/node_modules
# (git-ignored); it drives Debian's chromium. Needs npm (apt-get install npm) and nginx.
bench/node_modules/.installed: bench/package.json bench/package-lock.json
	@command -v npm >/dev/null || { echo "bench-phones needs npm: apt-get install npm"; exit 1; }
	cd bench && npm ci --no-audit --no-fund
	@touch $@

bench-phones: $(BIN)/.installed bench/node_modules/.installed
	CHROME_PATH=/usr/bin/chromium $(BIN)/python bench/phones.py

# 1,000 phones over 5 minutes on PostgreSQL (BENCH_POSTGRES_URL, default the local server),
# about 7 minutes; SPIKE_ARGS=--quick: 100 phones over 30 s.
bench-spike: $(BIN)/.installed
	@command -v redis-server >/dev/null || { echo "bench-spike needs redis-server"; exit 1; }
	$(BIN)/python bench/spike.py $(SPIKE_ARGS)

bench-checkin: $(BIN)/.installed
	@command -v wrk >/dev/null || { echo "bench needs wrk: apt-get install wrk"; exit 1; }
	$(BIN)/python bench/checkin.py

translations: $(BIN)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -o meetup/translations/messages.pot --no-location --sort-by-file --project meetup .
	$(BIN)/pybabel update -i meetup/translations/messages.pot -d meetup/translations --no-fuzzy-matching --ignore-obsolete -w 100
	$(MAKE) compile-translations

compile-translations: $(BIN)/.installed
	$(BIN)/python tools/fr_typography.py
	$(BIN)/pybabel compile -d meetup/translations --statistics
	@echo "now translate the new strings in meetup/translations/fr/LC_MESSAGES/messages.po, then make compile-translations"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
