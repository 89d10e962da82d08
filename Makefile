# Two commands do all the set-up: `make run` and `make test`.
# The virtual environment is rebuilt only when pyproject.toml or requirements.lock change.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# No usage data leaves the machine, whatever the user's own Kedro settings are.
export KEDRO_DISABLE_TELEMETRY := 1
export DO_NOT_TRACK := 1
export MPLBACKEND := Agg

.PHONY: run test lint viz data bench clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/kedro run

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

viz: $(STAMP)
	$(BIN)/kedro viz run

# Regenerate larger raw data, e.g. `make data LINES=1000000 SEED=7`.
LINES ?= 1000000
SEED ?= 7
data: $(STAMP)
	$(BIN)/python -m customer_segmentation.data_generator --lines $(LINES) --seed $(SEED) \
		--output data/01_raw/transactions_$(LINES).csv \
		--planted-output data/01_raw/planted_segments_$(LINES).csv

clean-venv:
	rm -rf $(VENV)
