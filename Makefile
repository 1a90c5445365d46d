# chargegraph: `make run` serves on the embedded SQLite default; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: run test lint typecheck install migrate openapi clean bench bench-fanout

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/chargegraph migrate
	$(BIN)/chargegraph seed --demo
	$(BIN)/chargegraph serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

test: install lint typecheck
	$(BIN)/pytest -n 2 --dist loadfile

migrate: install
	$(BIN)/chargegraph migrate

openapi: install
	@$(BIN)/chargegraph openapi

bench: install
	$(BIN)/python -m bench.ocpp_load --spawn --chargers $${CHARGERS:-1000}

bench-fanout: install
	$(BIN)/python bench/fanout.py --spawn --subscribers $${SUBSCRIBERS:-1000} --bus $${BUS:-memory://}

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache chargegraph.db*
