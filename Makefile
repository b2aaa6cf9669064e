# `make run` and `make test` work on a fresh clone: they create .venv when it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test check pytest bench install-desktop clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/python main.py $(ARGS)

## The whole suite: lint, types, layer contracts, then every test (offscreen).
test: check pytest

check: $(STAMP)
	$(BIN)/ruff check taskrun_gui tests bench main.py
	$(BIN)/ruff format --check taskrun_gui tests bench main.py
	$(BIN)/mypy taskrun_gui
	$(BIN)/lint-imports

## Two worker processes (pytest-xdist), each with servers of its own (PostgreSQL, sshd, the
## alert receivers): much of the suite waits on child processes. PYTEST_JOBS=0: one process.
PYTEST_JOBS ?= 2
pytest: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -p no:cacheprovider -n $(PYTEST_JOBS) $(PYTEST_ARGS)

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m bench

install-desktop: $(STAMP)
	$(BIN)/python -m taskrun_gui.desktop_install

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
