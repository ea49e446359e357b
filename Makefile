# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench soak clean

setup: $(STAMP)

# constraints.txt pins every package in the tree (the lock); pip upgrades first because the
# pip 23 that ships with Python 3.11 misses trafilatura's lxml[html_clean] extra.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip==26.3"
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev,notebook]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/presswatch demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

lint: $(STAMP)
	$(BIN)/ruff check .

# Safe to leave running (issue 26): runs, a backfill, an analyst, a full disk and SIGKILLs at
# once, compared with an uninterrupted run; about 5 minutes; needs root (a tmpfs to fill up).
soak: $(STAMP)
	$(BIN)/python tests/soak/soak.py

bench: $(STAMP)
	$(BIN)/python bench/e2e.py
	$(BIN)/python bench/quotes.py
	$(BIN)/python bench/relevance.py
	$(BIN)/python bench/warehouse.py
	$(BIN)/python bench/report.py
	$(BIN)/python bench/reanalyse.py
	$(BIN)/python bench/backfill.py

clean:
	rm -rf $(VENV) demo.duckdb demo.snapshot.duckdb demo.report .presswatch
