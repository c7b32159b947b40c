# The two commands of the README: `make demo` and `make test`. Each bootstraps .venv on its own.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check --quiet
CONFIG ?= config/demo.yml

.PHONY: demo test test-fast lab lint bench clean-demo help
help:
	@echo "make demo   - run the whole demo term end to end (creates .venv if missing)"
	@echo "make test   - run every test: library, notebooks (nbval), end-to-end"
	@echo "make test-fast - the tests not marked slow (no end-to-end or browser runs; under 2 minutes)"
	@echo "make lab    - open JupyterLab on the notebooks"
	@echo "make lint   - static checks (ruff, mypy)"
	@echo "make bench  - performance figures (benchmarks/run.py)"

$(VENV)/.python-ok:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version 2>&1)); set PYTHON=python3.12 or similar." >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.python-ok
	$(PIP) install --upgrade pip
	$(PIP) install -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PIP) install -e ".[test]"
	@touch $@

demo: $(VENV)/.installed
	$(BIN)/mentoring run --config $(CONFIG)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n 2 --dist loadfile --nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg

test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n 2 -m "not slow" tests

lab: $(VENV)/.installed
	$(BIN)/jupyter lab notebooks/

lint: $(VENV)/.installed-test
	$(PIP) install ruff
	$(BIN)/ruff check mentoring_lib tests benchmarks notebooks
	$(BIN)/python -m mypy

# make bench BENCH_ARGS="--scales 1,10 --skip-naive" for a quick run; --repeat 2 keeps the faster of two.
BENCH_ARGS ?=
bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

clean-demo:
	rm -rf reports/demo
