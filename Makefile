# twin-nn: every target creates .venv when it is missing and installs the
# project into it, so each command works on a fresh clone.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-dev

.PHONY: demo test bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## make demo: both twins train the 2-2-1 network side by side
demo: $(STAMP)
	$(VENV)/bin/twin-nn compare people-221

## make test: the whole suite (parity, units, benchmark smoke run)
test: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider parity_tests benchmarks --benchmark-disable

## make bench: real timings, JSON and benchmarks/RESULTS.md
bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .benchmarks benchmarks/out
