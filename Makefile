# The two commands in the README: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint docs clean

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(VENV)/bin/aftercall demo

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check aftercall flows nlp tests
	$(VENV)/bin/python scripts/check_imports.py

test: setup lint
	$(VENV)/bin/python -m pytest -q

docs: setup
	$(VENV)/bin/python -m pip install --quiet -e ".[docs]"
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

clean:
	rm -rf $(VENV) *.duckdb .pytest_cache site
