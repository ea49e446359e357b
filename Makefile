# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-loaded lint bench soak docs clean

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

# Whole files to each of three workers, slowest first (tests/conftest.py: SLOWEST_FIRST). Three
# on two cores: many tests wait on a child process, a server or a lock, and the third worker
# fills those waits (469 s against 522 s with two, same tree, idle 2-core machine).
PYTEST_ARGS := -n 3 --dist loadfile --no-loadscope-reorder -q

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The same suite beside a CPU hog, one busy loop per core (scripts/test_loaded.py).
test-loaded: $(STAMP)
	$(BIN)/python scripts/test_loaded.py -- $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# Safe to leave running: runs, a backfill, an analyst, a full disk and SIGKILLs at
# once, compared with an uninterrupted run; about 5 minutes; needs root (a tmpfs to fill up).
soak: $(STAMP)
	$(BIN)/python tests/soak/soak.py

# docs/cookbook.md is generated from presswatch/warehouse/cookbook/*.sql.
docs:
	$(PYTHON) scripts/make_cookbook.py

bench: $(STAMP)
	$(BIN)/python bench/e2e.py
	$(BIN)/python bench/crawl.py
	$(BIN)/python bench/quotes.py
	$(BIN)/python bench/relevance.py
	$(BIN)/python bench/warehouse.py
	$(BIN)/python bench/report.py
	$(BIN)/python bench/reanalyse.py
	$(BIN)/python bench/backfill.py

clean:
	rm -rf $(VENV) demo.duckdb demo.snapshot.duckdb demo.report .presswatch
