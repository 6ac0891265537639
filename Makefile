# Two commands do everything on a fresh machine with python3:
#   make demo   create .venv, generate the demo survey, render every report
#   make test   create .venv and run the tests
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: env demo test lint run clean-generated

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

env: $(STAMP)

demo: $(STAMP)
	$(BIN)/survey demo

test: $(STAMP)
	$(BIN)/python -m ruff check pipeline tests benchmarks notebooks
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -n 2 --dist loadscope

lint: $(STAMP)
	$(BIN)/python -m ruff check pipeline tests benchmarks notebooks
	$(BIN)/lint-imports

clean-generated:
	rm -rf data/interim/* data/processed/* reports/*
	touch data/interim/.gitkeep data/processed/.gitkeep reports/.gitkeep
