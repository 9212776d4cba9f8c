# Two commands: `make run` and `make test`. Both set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint fetch bench bench-dashboard clean chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

## run: install, load the starter sources, open the dashboard (fetching in the background; demo data if empty)
run: $(STAMP)
	$(BIN)/newsmon init
	-timeout 60 $(BIN)/newsmon fetch  # a first pass, so the dashboard opens on real articles when it can
	$(BIN)/newsmon serve

## chromium: Debian's chromium for the browser tests (tests/e2e), from apt when missing; never `playwright install`
CHROMIUM := /usr/bin/chromium
SUDO := $(shell if [ "$$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then echo sudo; fi)
chromium:
	@test -x $(CHROMIUM) || { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium; }

## test: install (chromium too), lint, and run the whole test suite
test: $(STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

## bench: print the quality and speed figures (takes about 10 minutes)
bench: $(STAMP)
	$(BIN)/python bench/evaluate.py
	$(BIN)/python bench/evaluate_countries.py
	$(BIN)/python bench/evaluate_topics.py
	$(BIN)/python bench/evaluate_tone.py
	$(BIN)/python bench/analyse.py
	$(BIN)/python bench/ingest.py

## bench-dashboard: every page timed at 1,000,000 articles (builds bench/out/dashboard-1m.db once: 20,000 generated articles and copies of them, 8.5 minutes here)
bench-dashboard: $(STAMP)
	$(BIN)/python bench/dashboard.py

clean:
	rm -rf $(VENV) build *.egg-info
