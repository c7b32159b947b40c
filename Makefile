# The two commands of the README: `make demo` and `make test`. Each bootstraps .venv on its own.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check --quiet
CONFIG ?= config/demo.yml

.PHONY: demo test test-fast lab lint bench clean-demo help
help:
	@echo "make demo   - run the demo term and a second (spring) term end to end and compare them (creates .venv if missing)"
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

# The demo term, then a second synthetic term (spring, another university: git-ignored data/demo-spring/,
# reports/demo-spring/) and the comparison of the two from their public summaries (reports/compare/).
SPRING := data/demo-spring
# make demo LANG=fi (or sv): the demo term with its report in Finnish (Swedish), from a copy of the
# config with term.language set. Only a LANG given on make's command line counts: the shell's
# LANG (en_US.UTF-8) is a locale, not a report language.
DEMO_LANG := $(if $(filter command line,$(origin LANG)),$(LANG))
demo: $(VENV)/.installed
ifeq ($(DEMO_LANG),)
	$(BIN)/mentoring run --config $(CONFIG)
	@test -f $(SPRING)/spring.yml || $(BIN)/mentoring demo-data $(SPRING) --variant spring
	MENTORING_REPORTS_ROOT="$(CURDIR)/reports" $(BIN)/mentoring run --config $(SPRING)/spring.yml
	$(BIN)/mentoring compare --terms reports/demo reports/demo-spring --out reports/compare
else
	$(BIN)/python -c "import sys, yaml; c = yaml.safe_load(open(sys.argv[1], encoding='utf-8')); \
	  c['term']['language'] = sys.argv[2]; \
	  yaml.safe_dump(c, open(sys.argv[3], 'w', encoding='utf-8'), allow_unicode=True, sort_keys=False)" \
	  $(CONFIG) $(DEMO_LANG) config/local-demo-$(DEMO_LANG).yml
	$(BIN)/mentoring run --config config/local-demo-$(DEMO_LANG).yml
endif

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n 2 --dist loadfile --nbval-lax --nbval-sanitize-with $(CURDIR)/tests/nbval_sanitize.cfg

test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n 2 -m "not slow" tests

# JupyterLab refuses to start as root unless told to (containers often run as root).
LAB_ARGS := $(if $(filter 0,$(shell id -u)),--allow-root,)
lab: $(VENV)/.installed
	$(BIN)/jupyter lab notebooks/ $(LAB_ARGS)

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
