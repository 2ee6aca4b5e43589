# Two entry points: `make run` (the app on the bundled sample) and `make test` (lint + every test).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# pytest on two processes (pytest-xdist; tests/conftest.py groups the ones sharing a server, a JVM or a module
# fixture): CI has 2 cores. `make test PYTEST_XDIST=` runs in one process.
PYTEST_XDIST ?= -n 2 --dist loadgroup

.PHONY: run test test-fast lint setup samples bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-spark.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

run: setup
	CARDLENS_START_WITH_SAMPLE=1 $(PY) -m streamlit run streamlit_app.py

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

test: lint
	$(PY) -m pytest $(PYTEST_XDIST) --durations=15

# The quick loop while working: core's doctests and every test not marked slow or browser (CI runs `make test`).
test-fast: setup
	$(PY) -m pytest $(PYTEST_XDIST) -m "not slow and not browser"

samples: setup
	$(PY) -m core.samples sample_data

bench: setup
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-results
