# Every target sets itself up: a fresh machine needs only Python 3 (and make).
# Versions come from requirements/lock.txt (pip constraints); `make lock` refreshes it.
PY ?= python3
LOCK := requirements/lock.txt
UV_VERSION := 0.13.9
VENV := .venv
BIN := $(VENV)/bin
LAB_STAMP := $(VENV)/.installed-lab
TEST_STAMP := $(VENV)/.installed-test
# Bytecode is cached (in __pycache__, ignored by git) even where the environment turns it
# off: otherwise every test process, kernel and emulator compiles the package and every
# test module again (pytest rewrites each test's asserts: 7 s of each run's collection).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: lab demo test test-fast bench notebooks lock clean

$(VENV)/bin/python:
	$(PY) -m venv $(VENV)

$(LAB_STAMP): pyproject.toml $(LOCK) | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e '.[lab,tutorials]'
	touch $@

$(TEST_STAMP): pyproject.toml $(LOCK) | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e '.[lab,tutorials,test]'
	bash scripts/install_browser.sh
	touch $@ $(LAB_STAMP)

# The main job: JupyterLab on the quickstart (OpenRouter with OPENROUTER_API_KEY, else offline).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
lab: $(LAB_STAMP)
	$(BIN)/jupyter lab $(ALLOW_ROOT) notebooks/01-quickstart.ipynb

# A streamed answer in the terminal.
demo: $(LAB_STAMP)
	$(BIN)/python -m or_jupyter.demo

test: $(TEST_STAMP)
	$(BIN)/ruff check or_jupyter tests benchmarks notebooks scripts
	$(BIN)/ruff format --check or_jupyter tests benchmarks notebooks scripts
	$(BIN)/vulture or_jupyter --min-confidence 80  # dead code: unused imports, variables, unreachable lines
	$(BIN)/lint-imports  # the layers: contracts in pyproject.toml
	$(BIN)/python -m pytest --durations=25  # the slowest tests, to keep the suite inside its 15 minutes

# The pure and HTTP tests only: no kernels, no notebooks, no browser.
test-fast: $(TEST_STAMP)
	$(BIN)/python -m pytest -n auto -m 'not kernel and not slow and not browser'

bench: $(TEST_STAMP)
	$(BIN)/python benchmarks/stream_throughput.py
	$(BIN)/python benchmarks/render_budget.py
	$(BIN)/python benchmarks/render_budget.py --tps 2000 --rounds 1
	$(BIN)/python benchmarks/markdown_render.py

notebooks: $(TEST_STAMP)
	$(BIN)/python notebooks/build.py

# Refresh the lock to the newest releases pyproject.toml allows (then run make test and commit).
UV := .uv/bin/uv
COMPILE = $(UV) pip compile pyproject.toml --quiet --no-emit-index-url \
	--custom-compile-command 'make lock' --constraint requirements/pins.in
lock:
	test -x $(UV) || { $(PY) -m venv .uv && .uv/bin/pip install --quiet uv==$(UV_VERSION); }
	$(COMPILE) --upgrade --universal --python-version 3.10 --all-extras -o $(LOCK)
	$(COMPILE) --python-version 3.11 --python-platform linux --extra lab --extra tutorials \
		--constraint $(LOCK) --no-annotate -o binder/requirements.txt

clean:
	rm -rf $(VENV) .uv build *.egg-info
