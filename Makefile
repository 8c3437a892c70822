# firegrid — the two commands a fresh machine needs: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= sqlite:///$(CURDIR)/firegrid.db
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test setup setup-dev serve lint typecheck clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $(VENV)/.installed $@

setup: $(VENV)/.installed
setup-dev: $(VENV)/.installed-dev

demo: setup
	$(BIN)/firegrid db upgrade --db "$(DB)"
	$(BIN)/firegrid demo load mentougou --db "$(DB)"
	$(BIN)/firegrid serve --db "$(DB)" --host $(HOST) --port $(PORT)

test: setup-dev
	$(BIN)/ruff check src tests
	$(BIN)/mypy src
	$(BIN)/pytest -n 2 tests

lint: setup-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports

typecheck: setup-dev
	$(BIN)/mypy src

clean:
	rm -rf $(VENV) firegrid.db build *.egg-info src/*.egg-info
