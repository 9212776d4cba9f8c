# Two commands: `make run` and `make test`. Both set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint fetch bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

## run: install, load the starter sources into a new database, fetch them once and show their health
run: $(STAMP)
	$(BIN)/newsmon init
	-$(BIN)/newsmon fetch  # a failing source is reported, not fatal
	$(BIN)/newsmon sources list
	@echo
	@echo "Database: $${NEWSMON_DB:-data/news.db}. Next: $(BIN)/newsmon ingest FILES..., $(BIN)/newsmon watch,"
	@echo "$(BIN)/newsmon export articles --since '7 days ago' -o articles.csv  (see README.md)"

## test: install, lint, and run the whole test suite
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

## bench: print the quality and speed figures (takes about 10 minutes)
bench: $(STAMP)
	$(BIN)/python bench/evaluate.py
	$(BIN)/python bench/analyze.py
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) build *.egg-info
